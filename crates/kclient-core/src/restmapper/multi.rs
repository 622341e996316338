//! [`MultiRestMapper`]: the union of several mappers, apimachinery's `meta.MultiRESTMapper`.

use std::fmt;

use crate::gvk::{GroupKind, GroupVersionKind, GroupVersionResource};

use super::{RestMapper, RestMapperError, RestMapping};

/// Asks every mapper in turn and merges their answers.
///
/// Lists are concatenated in mapper order without duplicates; a "no match" from one mapper is
/// skipped, any other error is returned. A single answer is only returned when exactly one
/// candidate remains, otherwise the call is ambiguous — wrap the union in a
/// [`PriorityRestMapper`](super::PriorityRestMapper) to choose between candidates.
#[derive(Default)]
pub struct MultiRestMapper {
    mappers: Vec<Box<dyn RestMapper>>,
}

impl fmt::Debug for MultiRestMapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultiRestMapper")
            .field("mappers", &self.mappers.len())
            .finish()
    }
}

impl MultiRestMapper {
    /// The union of `mappers`, asked in this order.
    pub fn new(mappers: Vec<Box<dyn RestMapper>>) -> Self {
        Self { mappers }
    }

    /// Appends a mapper, asked after the existing ones.
    pub fn push(&mut self, mapper: impl RestMapper + 'static) {
        self.mappers.push(Box::new(mapper));
    }

    /// Number of mappers in the union.
    pub fn len(&self) -> usize {
        self.mappers.len()
    }

    /// True when the union holds no mapper (and so matches nothing).
    pub fn is_empty(&self) -> bool {
        self.mappers.is_empty()
    }

    fn members(&self) -> impl Iterator<Item = &dyn RestMapper> {
        self.mappers.iter().map(|m| m.as_ref() as &dyn RestMapper)
    }
}

/// Runs `f` on every mapper and collects the distinct answers in mapper order; no-match
/// errors are skipped, the first other error is returned.
fn collect<'a, T: PartialEq>(
    mappers: impl IntoIterator<Item = &'a dyn RestMapper>,
    f: impl Fn(&dyn RestMapper) -> Result<Vec<T>, RestMapperError>,
) -> Result<Vec<T>, RestMapperError> {
    let mut all = Vec::new();
    for mapper in mappers {
        match f(mapper) {
            Ok(items) => {
                for item in items {
                    if !all.contains(&item) {
                        all.push(item);
                    }
                }
            }
            Err(err) if err.is_no_match() => {}
            Err(err) => return Err(err),
        }
    }
    Ok(all)
}

// The union's answers as functions over any sequence of mappers, shared by
// `MultiRestMapper` (every mapper) and the discovery union (only the mappers its index names).

/// The one kind of a list, or the ambiguity.
pub(super) fn single_kind(
    resource: &GroupVersionResource,
    mut kinds: Vec<GroupVersionKind>,
) -> Result<GroupVersionKind, RestMapperError> {
    if kinds.len() == 1 {
        return Ok(kinds.remove(0));
    }
    Err(RestMapperError::AmbiguousResource {
        partial: resource.clone(),
        resources: Vec::new(),
        kinds,
    })
}

/// The one resource of a list, or the ambiguity.
pub(super) fn single_resource(
    resource: &GroupVersionResource,
    mut resources: Vec<GroupVersionResource>,
) -> Result<GroupVersionResource, RestMapperError> {
    if resources.len() == 1 {
        return Ok(resources.remove(0));
    }
    Err(RestMapperError::AmbiguousResource {
        partial: resource.clone(),
        resources,
        kinds: Vec::new(),
    })
}

pub(super) fn kinds_for<'a>(
    mappers: impl IntoIterator<Item = &'a dyn RestMapper>,
    resource: &GroupVersionResource,
) -> Result<Vec<GroupVersionKind>, RestMapperError> {
    let kinds = collect(mappers, |m| m.kinds_for(resource))?;
    if kinds.is_empty() {
        return Err(RestMapperError::NoResourceMatch {
            partial: resource.clone(),
        });
    }
    Ok(kinds)
}

pub(super) fn resources_for<'a>(
    mappers: impl IntoIterator<Item = &'a dyn RestMapper>,
    resource: &GroupVersionResource,
) -> Result<Vec<GroupVersionResource>, RestMapperError> {
    let resources = collect(mappers, |m| m.resources_for(resource))?;
    if resources.is_empty() {
        return Err(RestMapperError::NoResourceMatch {
            partial: resource.clone(),
        });
    }
    Ok(resources)
}

fn no_kind(group_kind: &GroupKind, versions: &[&str]) -> RestMapperError {
    RestMapperError::NoKindMatch {
        group_kind: group_kind.clone(),
        searched_versions: versions.iter().map(|v| v.to_string()).collect(),
    }
}

pub(super) fn rest_mapping<'a>(
    mappers: impl IntoIterator<Item = &'a dyn RestMapper>,
    group_kind: &GroupKind,
    versions: &[&str],
) -> Result<RestMapping, RestMapperError> {
    let mut mappings = collect(mappers, |m| {
        m.rest_mapping(group_kind, versions).map(|x| vec![x])
    })?;
    match mappings.len() {
        0 => Err(no_kind(group_kind, versions)),
        1 => Ok(mappings.remove(0)),
        _ => Err(RestMapperError::AmbiguousKind {
            partial: group_kind.with_version(""),
            resources: mappings.iter().map(|m| m.resource.clone()).collect(),
            kinds: mappings.into_iter().map(|m| m.group_version_kind).collect(),
        }),
    }
}

pub(super) fn rest_mappings<'a>(
    mappers: impl IntoIterator<Item = &'a dyn RestMapper>,
    group_kind: &GroupKind,
    versions: &[&str],
) -> Result<Vec<RestMapping>, RestMapperError> {
    let mappings = collect(mappers, |m| m.rest_mappings(group_kind, versions))?;
    if mappings.is_empty() {
        return Err(no_kind(group_kind, versions));
    }
    Ok(mappings)
}

pub(super) fn resource_singularizer<'a>(
    mappers: impl IntoIterator<Item = &'a dyn RestMapper>,
    resource: &str,
) -> Result<String, RestMapperError> {
    // Mappers that do not know the resource are skipped; the ones that do must agree.
    let mut singulars: Vec<String> = Vec::new();
    for mapper in mappers {
        if let Ok(singular) = mapper.resource_singularizer(resource) {
            if !singulars.contains(&singular) {
                singulars.push(singular);
            }
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

impl RestMapper for MultiRestMapper {
    fn kind_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionKind, RestMapperError> {
        single_kind(resource, self.kinds_for(resource)?)
    }

    fn kinds_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionKind>, RestMapperError> {
        kinds_for(self.members(), resource)
    }

    fn resource_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionResource, RestMapperError> {
        single_resource(resource, self.resources_for(resource)?)
    }

    fn resources_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionResource>, RestMapperError> {
        resources_for(self.members(), resource)
    }

    fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<RestMapping, RestMapperError> {
        rest_mapping(self.members(), group_kind, versions)
    }

    fn rest_mappings(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<Vec<RestMapping>, RestMapperError> {
        rest_mappings(self.members(), group_kind, versions)
    }

    fn resource_singularizer(&self, resource: &str) -> Result<String, RestMapperError> {
        resource_singularizer(self.members(), resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gvk::GroupVersion;
    use crate::resource::Scope;
    use crate::restmapper::DefaultRestMapper;

    fn one(group: &str, version: &str, kinds: &[&str]) -> DefaultRestMapper {
        let gv = GroupVersion::new(group, version);
        let mut m = DefaultRestMapper::new(vec![gv.clone()]);
        for kind in kinds {
            m.add(gv.with_kind(*kind), Scope::Namespaced);
        }
        m
    }

    fn union() -> MultiRestMapper {
        let mut m = MultiRestMapper::default();
        m.push(one("", "v1", &["Pod", "Event"]));
        m.push(one("events.k8s.io", "v1", &["Event"]));
        m.push(one("apps", "v1", &["Deployment"]));
        m
    }

    #[test]
    fn union_merges_and_skips_no_match() {
        let m = union();
        assert_eq!(m.len(), 3);
        assert_eq!(
            m.resource_for(&GroupVersionResource::gvr("", "", "pods"))
                .unwrap(),
            GroupVersionResource::gvr("", "v1", "pods")
        );
        assert_eq!(
            m.resources_for(&GroupVersionResource::gvr("", "", "events"))
                .unwrap(),
            vec![
                GroupVersionResource::gvr("", "v1", "events"),
                GroupVersionResource::gvr("events.k8s.io", "v1", "events"),
            ]
        );
        let err = m
            .kind_for(&GroupVersionResource::gvr("", "", "event"))
            .unwrap_err();
        assert!(err.is_ambiguous());
        assert!(
            m.kinds_for(&GroupVersionResource::gvr("", "", "widgets"))
                .unwrap_err()
                .is_no_match()
        );
        assert!(
            MultiRestMapper::default()
                .resource_for(&GroupVersionResource::gvr("", "", "pods"))
                .unwrap_err()
                .is_no_match()
        );
    }

    #[test]
    fn rest_mapping_across_mappers() {
        let m = union();
        let mapping = m
            .rest_mapping(&GroupKind::new("apps", "Deployment"), &[])
            .unwrap();
        assert_eq!(
            mapping.resource,
            GroupVersionResource::gvr("apps", "v1", "deployments")
        );
        assert_eq!(
            m.rest_mappings(&GroupKind::new("", "Event"), &[])
                .unwrap()
                .len(),
            1
        );
        let err = m
            .rest_mapping(&GroupKind::new("apps", "Deployment"), &["v2"])
            .unwrap_err();
        assert!(err.is_no_match());
        assert!(
            m.rest_mappings(&GroupKind::new("", "Widget"), &[])
                .unwrap_err()
                .is_no_match()
        );

        // Two mappers serving the same group kind make a single mapping ambiguous.
        let mut twice = union();
        twice.push(one("apps", "v1beta1", &["Deployment"]));
        let err = twice
            .rest_mapping(&GroupKind::new("apps", "Deployment"), &[])
            .unwrap_err();
        let RestMapperError::AmbiguousKind { kinds, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(kinds.len(), 2);
        assert_eq!(
            twice
                .rest_mappings(&GroupKind::new("apps", "Deployment"), &[])
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn singularizer_requires_agreement() {
        let m = union();
        assert_eq!(m.resource_singularizer("events").unwrap(), "event");
        assert!(matches!(
            m.resource_singularizer("widgets"),
            Err(RestMapperError::NoSingular(_))
        ));
        let mut odd = union();
        let mut mice = DefaultRestMapper::new(vec![GroupVersion::new("zoo", "v1")]);
        mice.add_specific(
            GroupVersionKind::gvk("zoo", "v1", "Event"),
            GroupVersionResource::gvr("zoo", "v1", "events"),
            GroupVersionResource::gvr("zoo", "v1", "happening"),
            Scope::Namespaced,
        );
        odd.push(mice);
        assert!(matches!(
            odd.resource_singularizer("events"),
            Err(RestMapperError::AmbiguousSingular { .. })
        ));
    }

    #[test]
    fn object_safe_and_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<MultiRestMapper>();
        let shared: std::sync::Arc<dyn RestMapper> = std::sync::Arc::new(union());
        let boxed: Box<dyn RestMapper> = Box::new(shared.clone());
        assert!(
            boxed
                .resource_for(&GroupVersionResource::gvr("", "", "deploy"))
                .unwrap_err()
                .is_no_match()
        );
    }
}
