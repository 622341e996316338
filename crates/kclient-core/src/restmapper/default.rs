//! [`DefaultRestMapper`]: a static table of kinds and resources, apimachinery's
//! `meta.DefaultRESTMapper`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::gvk::{GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource};
use crate::resource::Scope;

use super::{RestMapper, RestMapperError, RestMapping, unsafe_guess_kind_to_resource};

/// apimachinery's internal version, treated as "any version" when matching.
const INTERNAL_VERSION: &str = "__internal";

/// A table of kinds with their plural and singular resources and scope.
///
/// Lookups by partial resource treat an empty group or version as a wildcard and match the
/// lower-cased name against both plural and singular names. Results are ordered by the
/// position of their group version in the mapper's default group versions (earlier first),
/// then by group, version and name, so the same table always answers the same way.
///
/// ```
/// use kclient_core::gvk::{GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource};
/// use kclient_core::resource::Scope;
/// use kclient_core::restmapper::{DefaultRestMapper, RestMapper};
///
/// let apps = GroupVersion::new("apps", "v1");
/// let mut mapper = DefaultRestMapper::new(vec![apps.clone()]);
/// mapper.add(apps.with_kind("Deployment"), Scope::Namespaced);
///
/// let kind = mapper.kind_for(&GroupVersionResource::gvr("", "", "deployment")).unwrap();
/// assert_eq!(kind, GroupVersionKind::gvk("apps", "v1", "Deployment"));
/// let mapping = mapper.rest_mapping(&GroupKind::new("apps", "Deployment"), &[]).unwrap();
/// assert_eq!(mapping.resource.resource, "deployments");
/// ```
#[derive(Clone, Debug, Default)]
pub struct DefaultRestMapper {
    default_group_versions: Vec<GroupVersion>,
    resource_to_kind: BTreeMap<GroupVersionResource, GroupVersionKind>,
    kind_to_plural: BTreeMap<GroupVersionKind, GroupVersionResource>,
    kind_to_scope: BTreeMap<GroupVersionKind, Scope>,
    singular_to_plural: BTreeMap<GroupVersionResource, GroupVersionResource>,
    plural_to_singular: BTreeMap<GroupVersionResource, GroupVersionResource>,
    /// Every key of `resource_to_kind` (plural and singular) by its bare name: all lookups
    /// require the name to match, so this turns table scans into one map probe.
    by_name: BTreeMap<String, BTreeSet<GroupVersionResource>>,
}

impl DefaultRestMapper {
    /// An empty mapper preferring `default_group_versions` in order; they are also the
    /// versions [`rest_mapping`](RestMapper::rest_mapping) tries when the caller gives none.
    pub fn new(default_group_versions: Vec<GroupVersion>) -> Self {
        Self {
            default_group_versions,
            ..Self::default()
        }
    }

    /// The group versions this mapper prefers, in order.
    pub fn default_group_versions(&self) -> &[GroupVersion] {
        &self.default_group_versions
    }

    /// Adds a kind with resource names guessed by [`unsafe_guess_kind_to_resource`].
    pub fn add(&mut self, kind: GroupVersionKind, scope: Scope) {
        let (plural, singular) = unsafe_guess_kind_to_resource(&kind);
        self.add_specific(kind, plural, singular, scope);
    }

    /// Adds a kind with explicit plural and singular resources; a later addition of the same
    /// names replaces the earlier one.
    pub fn add_specific(
        &mut self,
        kind: GroupVersionKind,
        plural: GroupVersionResource,
        singular: GroupVersionResource,
        scope: Scope,
    ) {
        self.singular_to_plural
            .insert(singular.clone(), plural.clone());
        self.plural_to_singular
            .insert(plural.clone(), singular.clone());
        for key in [&singular, &plural] {
            self.by_name
                .entry(key.resource.clone())
                .or_default()
                .insert(key.clone());
            self.resource_to_kind.insert(key.clone(), kind.clone());
        }
        self.kind_to_plural.insert(kind.clone(), plural);
        self.kind_to_scope.insert(kind, scope);
    }

    /// Every resource name (plural or singular) the table matches, sorted.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Every kind in the table, sorted.
    pub fn kinds(&self) -> impl Iterator<Item = &GroupVersionKind> {
        self.kind_to_plural.keys()
    }

    /// Number of kinds in the table.
    pub fn len(&self) -> usize {
        self.kind_to_plural.len()
    }

    /// True when the table holds no kind.
    pub fn is_empty(&self) -> bool {
        self.kind_to_plural.is_empty()
    }

    /// The table keys (plural or singular resources) that match a coerced partial resource.
    fn matching_keys<'a>(
        &'a self,
        query: &'a Query<'a>,
    ) -> impl Iterator<Item = &'a GroupVersionResource> + 'a {
        self.by_name
            .get(query.resource.as_ref())
            .into_iter()
            .flatten()
            .filter(move |key| {
                (query.group.is_empty() || key.group == query.group)
                    && (query.version.is_empty() || key.version == query.version)
            })
    }

    fn group_version_rank(&self, group: &str, version: &str) -> usize {
        self.default_group_versions
            .iter()
            .position(|gv| gv.group == group && gv.version == version)
            .unwrap_or(usize::MAX)
    }

    fn by_preference(&self, a: (&str, &str, &str), b: (&str, &str, &str)) -> Ordering {
        self.group_version_rank(a.0, a.1)
            .cmp(&self.group_version_rank(b.0, b.1))
            .then_with(|| a.cmp(&b))
    }
}

/// A partial resource prepared for matching: the name lower-cased and the internal version
/// treated as unspecified, as apimachinery's `coerceResourceForMatching` does. Borrowed, so
/// the many mappers of a discovery union that do not know a name cost no allocation.
struct Query<'a> {
    group: &'a str,
    version: &'a str,
    resource: Cow<'a, str>,
}

impl<'a> Query<'a> {
    fn new(input: &'a GroupVersionResource) -> Result<Self, RestMapperError> {
        let resource = if input.resource.chars().any(char::is_uppercase) {
            Cow::Owned(input.resource.to_lowercase())
        } else {
            Cow::Borrowed(input.resource.as_str())
        };
        let version = if input.version == INTERNAL_VERSION {
            ""
        } else {
            input.version.as_str()
        };
        let query = Self {
            group: &input.group,
            version,
            resource,
        };
        if query.resource.is_empty() {
            return Err(RestMapperError::EmptyResource(query.to_owned()));
        }
        Ok(query)
    }

    fn to_owned(&self) -> GroupVersionResource {
        GroupVersionResource::gvr(self.group, self.version, self.resource.as_ref())
    }

    fn no_match(&self) -> RestMapperError {
        RestMapperError::NoResourceMatch {
            partial: self.to_owned(),
        }
    }
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

impl RestMapper for DefaultRestMapper {
    fn kind_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionKind, RestMapperError> {
        let mut kinds = self.kinds_for(resource)?;
        if kinds.len() == 1 {
            return Ok(kinds.remove(0));
        }
        Err(RestMapperError::AmbiguousResource {
            partial: resource.clone(),
            resources: Vec::new(),
            kinds,
        })
    }

    fn kinds_for(
        &self,
        input: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionKind>, RestMapperError> {
        let query = Query::new(input)?;
        let mut kinds = Vec::new();
        for key in self.matching_keys(&query) {
            if let Some(kind) = self.resource_to_kind.get(key) {
                push_unique(&mut kinds, kind.clone());
            }
        }
        if kinds.is_empty() {
            return Err(query.no_match());
        }
        kinds.sort_by(|a, b| {
            self.by_preference(
                (&a.group, &a.version, &a.kind),
                (&b.group, &b.version, &b.kind),
            )
        });
        Ok(kinds)
    }

    fn resource_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionResource, RestMapperError> {
        let mut resources = self.resources_for(resource)?;
        if resources.len() == 1 {
            return Ok(resources.remove(0));
        }
        Err(RestMapperError::AmbiguousResource {
            partial: resource.clone(),
            resources,
            kinds: Vec::new(),
        })
    }

    fn resources_for(
        &self,
        input: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionResource>, RestMapperError> {
        let query = Query::new(input)?;
        let mut plurals = Vec::new();
        for key in self.matching_keys(&query) {
            if self.plural_to_singular.contains_key(key) {
                push_unique(&mut plurals, key.clone());
            }
            if let Some(plural) = self.singular_to_plural.get(key) {
                push_unique(&mut plurals, plural.clone());
            }
        }
        if plurals.is_empty() {
            return Err(query.no_match());
        }
        plurals.sort_by(|a, b| {
            self.by_preference(
                (&a.group, &a.version, &a.resource),
                (&b.group, &b.version, &b.resource),
            )
        });
        Ok(plurals)
    }

    fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<RestMapping, RestMapperError> {
        // The first mapping wins: versions come in the caller's or the mapper's order.
        let mut mappings = self.rest_mappings(group_kind, versions)?;
        Ok(mappings.remove(0))
    }

    fn rest_mappings(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<Vec<RestMapping>, RestMapperError> {
        let no_kind = || RestMapperError::NoKindMatch {
            group_kind: group_kind.clone(),
            searched_versions: versions.iter().map(|v| v.to_string()).collect(),
        };
        let requested: Vec<&str> = versions
            .iter()
            .copied()
            .filter(|v| !v.is_empty() && *v != INTERNAL_VERSION)
            .collect();
        // The first requested version the table knows; without any, every default version
        // of the group.
        let candidates: Vec<GroupVersionKind> = if requested.is_empty() {
            self.default_group_versions
                .iter()
                .filter(|gv| gv.group == group_kind.group)
                .map(|gv| group_kind.with_version(gv.version.clone()))
                .collect()
        } else {
            requested
                .iter()
                .map(|v| group_kind.with_version(*v))
                .find(|gvk| self.kind_to_plural.contains_key(gvk))
                .into_iter()
                .collect()
        };
        if candidates.is_empty() {
            return Err(no_kind());
        }
        let mappings: Vec<RestMapping> = candidates
            .into_iter()
            .filter_map(|gvk| {
                let resource = self.kind_to_plural.get(&gvk)?.clone();
                // add_specific always records both, so a kind with a resource has a scope.
                let scope = *self.kind_to_scope.get(&gvk)?;
                Some(RestMapping {
                    resource,
                    group_version_kind: gvk,
                    scope,
                })
            })
            .collect();
        if mappings.is_empty() {
            return Err(RestMapperError::NoResourceMatch {
                partial: GroupVersionResource::gvr(
                    group_kind.group.clone(),
                    "",
                    group_kind.kind.clone(),
                ),
            });
        }
        Ok(mappings)
    }

    fn resource_singularizer(&self, resource: &str) -> Result<String, RestMapperError> {
        let resources = self.resources_for(&GroupVersionResource::gvr("", "", resource))?;
        let mut singulars: Vec<String> = Vec::new();
        for plural in &resources {
            if let Some(singular) = self.plural_to_singular.get(plural) {
                push_unique(&mut singulars, singular.resource.clone());
            }
        }
        match singulars.len() {
            0 => Err(RestMapperError::NoSingular(resource.to_owned())),
            1 => Ok(singulars.remove(0)),
            _ => Err(RestMapperError::AmbiguousSingular {
                resource: resource.to_owned(),
                singulars,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gvr(g: &str, v: &str, r: &str) -> GroupVersionResource {
        GroupVersionResource::gvr(g, v, r)
    }

    fn gvk(g: &str, v: &str, k: &str) -> GroupVersionKind {
        GroupVersionKind::gvk(g, v, k)
    }

    /// Two versions of one group plus a second group serving the same resource name.
    fn mapper() -> DefaultRestMapper {
        let mut m = DefaultRestMapper::new(vec![
            GroupVersion::new("", "v1"),
            GroupVersion::new("apps", "v1"),
            GroupVersion::new("apps", "v1beta1"),
            GroupVersion::new("extensions", "v1beta1"),
        ]);
        m.add(gvk("", "v1", "Pod"), Scope::Namespaced);
        m.add(gvk("", "v1", "Node"), Scope::Cluster);
        m.add(gvk("", "v1", "Endpoints"), Scope::Namespaced);
        m.add(gvk("apps", "v1", "Deployment"), Scope::Namespaced);
        m.add(gvk("apps", "v1beta1", "Deployment"), Scope::Namespaced);
        m.add(
            gvk("extensions", "v1beta1", "Deployment"),
            Scope::Namespaced,
        );
        m.add_specific(
            gvk("", "v1", "Mouse"),
            gvr("", "v1", "mice"),
            gvr("", "v1", "mouse"),
            Scope::Cluster,
        );
        m
    }

    #[test]
    fn resources_for_partial_inputs() {
        let m = mapper();
        let all = vec![
            gvr("apps", "v1", "deployments"),
            gvr("apps", "v1beta1", "deployments"),
            gvr("extensions", "v1beta1", "deployments"),
        ];
        for input in ["deployments", "deployment", "Deployment", "DEPLOYMENTS"] {
            assert_eq!(
                m.resources_for(&gvr("", "", input)).unwrap(),
                all,
                "{input}"
            );
        }
        assert_eq!(
            m.resources_for(&gvr("apps", "", "deployment")).unwrap(),
            all[..2]
        );
        assert_eq!(
            m.resources_for(&gvr("", "v1beta1", "deployments")).unwrap(),
            vec![all[1].clone(), all[2].clone()]
        );
        assert_eq!(
            m.resource_for(&gvr("apps", "v1", "Deployment")).unwrap(),
            all[0]
        );
        assert_eq!(
            m.resource_for(&gvr("", "__internal", "pod")).unwrap(),
            gvr("", "v1", "pods")
        );
        // endpoints is its own singular: one match, not two.
        assert_eq!(
            m.resource_for(&gvr("", "", "endpoints")).unwrap(),
            gvr("", "v1", "endpoints")
        );
        assert_eq!(
            m.resource_for(&gvr("", "", "mouse")).unwrap(),
            gvr("", "v1", "mice")
        );
    }

    #[test]
    fn ambiguity_and_no_match() {
        let m = mapper();
        let err = m.resource_for(&gvr("", "", "deployments")).unwrap_err();
        assert!(err.is_ambiguous(), "{err}");
        let RestMapperError::AmbiguousResource { resources, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(resources.len(), 3);

        let err = m.kind_for(&gvr("apps", "", "deployments")).unwrap_err();
        let RestMapperError::AmbiguousResource { kinds, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(
            kinds,
            &vec![
                gvk("apps", "v1", "Deployment"),
                gvk("apps", "v1beta1", "Deployment")
            ]
        );

        let err = m.kind_for(&gvr("", "", "Foo")).unwrap_err();
        assert!(err.is_no_match());
        assert_eq!(err.to_string(), "no matches for /, Resource=foo");
        assert!(
            m.resources_for(&gvr("batch", "", "pods"))
                .unwrap_err()
                .is_no_match()
        );
        assert!(matches!(
            m.resources_for(&gvr("apps", "v1", "")),
            Err(RestMapperError::EmptyResource(_))
        ));
    }

    #[test]
    fn kinds_for_partial_inputs() {
        let m = mapper();
        assert_eq!(
            m.kind_for(&gvr("", "", "pods")).unwrap(),
            gvk("", "v1", "Pod")
        );
        assert_eq!(
            m.kind_for(&gvr("", "", "Pod")).unwrap(),
            gvk("", "v1", "Pod")
        );
        assert_eq!(
            m.kind_for(&gvr("extensions", "v1beta1", "deployment"))
                .unwrap(),
            gvk("extensions", "v1beta1", "Deployment")
        );
        assert_eq!(
            m.kinds_for(&gvr("", "", "deployments")).unwrap(),
            vec![
                gvk("apps", "v1", "Deployment"),
                gvk("apps", "v1beta1", "Deployment"),
                gvk("extensions", "v1beta1", "Deployment"),
            ]
        );
    }

    #[test]
    fn rest_mapping_prefers_default_then_requested_versions() {
        let m = mapper();
        let gk = GroupKind::new("apps", "Deployment");
        let mapping = m.rest_mapping(&gk, &[]).unwrap();
        assert_eq!(mapping.group_version_kind, gvk("apps", "v1", "Deployment"));
        assert_eq!(mapping.resource, gvr("apps", "v1", "deployments"));
        assert_eq!(mapping.scope, Scope::Namespaced);
        assert_eq!(m.rest_mappings(&gk, &[]).unwrap().len(), 2);

        let mapping = m.rest_mapping(&gk, &["v2", "v1beta1", "v1"]).unwrap();
        assert_eq!(mapping.group_version_kind.version, "v1beta1");
        assert_eq!(m.rest_mappings(&gk, &["v1beta1"]).unwrap().len(), 1);

        let err = m.rest_mapping(&gk, &["v2"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"no matches for kind "Deployment" in version "apps/v2""#
        );
        let err = m
            .rest_mapping(&GroupKind::new("batch", "Job"), &[])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"no matches for kind "Job" in group "batch""#
        );
        // The group has default versions but the kind is in none of them.
        let err = m
            .rest_mapping(&GroupKind::new("apps", "Widget"), &[])
            .unwrap_err();
        assert!(err.is_no_match(), "{err}");
        assert_eq!(
            m.rest_mapping(&GroupKind::new("", "Node"), &[])
                .unwrap()
                .scope,
            Scope::Cluster
        );
    }

    #[test]
    fn singularizer() {
        let m = mapper();
        assert_eq!(m.resource_singularizer("pods").unwrap(), "pod");
        assert_eq!(m.resource_singularizer("pod").unwrap(), "pod");
        assert_eq!(m.resource_singularizer("mice").unwrap(), "mouse");
        assert_eq!(m.resource_singularizer("endpoints").unwrap(), "endpoints");
        // Three groups, one singular: not ambiguous.
        assert_eq!(
            m.resource_singularizer("deployments").unwrap(),
            "deployment"
        );
        assert!(
            m.resource_singularizer("widgets")
                .unwrap_err()
                .is_no_match()
        );

        let mut odd = mapper();
        odd.add_specific(
            gvk("zoo", "v1", "Mouse"),
            gvr("zoo", "v1", "mice"),
            gvr("zoo", "v1", "mous"),
            Scope::Cluster,
        );
        let err = odd.resource_singularizer("mice").unwrap_err();
        assert_eq!(
            err,
            RestMapperError::AmbiguousSingular {
                resource: "mice".into(),
                singulars: vec!["mouse".into(), "mous".into()],
            }
        );
    }

    #[test]
    fn unknown_group_versions_sort_last_and_stably() {
        let mut m = DefaultRestMapper::new(vec![GroupVersion::new("b", "v1")]);
        m.add(gvk("c", "v1", "Thing"), Scope::Namespaced);
        m.add(gvk("a", "v1", "Thing"), Scope::Namespaced);
        m.add(gvk("b", "v1", "Thing"), Scope::Namespaced);
        let groups: Vec<String> = m
            .resources_for(&gvr("", "", "things"))
            .unwrap()
            .into_iter()
            .map(|r| r.group)
            .collect();
        assert_eq!(groups, ["b", "a", "c"]);
        assert_eq!(m.len(), 3);
        assert!(!m.is_empty());
    }
}
