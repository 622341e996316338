//! [`PriorityRestMapper`]: picks one answer among many by pattern priority, apimachinery's
//! `meta.PriorityRESTMapper`.

use std::fmt;

use crate::gvk::{GroupKind, GroupVersionKind, GroupVersionResource};

use super::{RestMapper, RestMapperError, RestMapping};

/// Matches any group in a priority pattern.
pub const ANY_GROUP: &str = "*";
/// Matches any version in a priority pattern.
pub const ANY_VERSION: &str = "*";
/// Matches any resource in a priority pattern.
pub const ANY_RESOURCE: &str = "*";
/// Matches any kind in a priority pattern.
pub const ANY_KIND: &str = "*";

/// Wraps a mapper and resolves its ambiguous single answers with priority patterns.
///
/// Each pattern (a GVR or GVK whose parts may be `"*"`) narrows the candidates: a pattern that
/// matches exactly one candidate picks it, one that matches several keeps only those for the
/// next pattern, one that matches none is skipped. List methods are passed through unchanged.
pub struct PriorityRestMapper {
    delegate: Box<dyn RestMapper>,
    resource_priority: Vec<GroupVersionResource>,
    kind_priority: Vec<GroupVersionKind>,
}

impl fmt::Debug for PriorityRestMapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PriorityRestMapper")
            .field("resource_priority", &self.resource_priority)
            .field("kind_priority", &self.kind_priority)
            .finish_non_exhaustive()
    }
}

impl PriorityRestMapper {
    /// A priority mapper over `delegate` with the given patterns, most preferred first.
    pub fn new(
        delegate: impl RestMapper + 'static,
        resource_priority: Vec<GroupVersionResource>,
        kind_priority: Vec<GroupVersionKind>,
    ) -> Self {
        Self {
            delegate: Box::new(delegate),
            resource_priority,
            kind_priority,
        }
    }

    /// The resource patterns, most preferred first.
    pub fn resource_priority(&self) -> &[GroupVersionResource] {
        &self.resource_priority
    }

    /// The kind patterns, most preferred first.
    pub fn kind_priority(&self) -> &[GroupVersionKind] {
        &self.kind_priority
    }

    /// The wrapped mapper.
    pub fn delegate(&self) -> &dyn RestMapper {
        self.delegate.as_ref()
    }
}

fn part_matches(pattern: &str, value: &str) -> bool {
    pattern == "*" || pattern == value
}

fn resource_matches(pattern: &GroupVersionResource, r: &GroupVersionResource) -> bool {
    part_matches(&pattern.group, &r.group)
        && part_matches(&pattern.version, &r.version)
        && part_matches(&pattern.resource, &r.resource)
}

fn kind_matches(pattern: &GroupVersionKind, k: &GroupVersionKind) -> bool {
    part_matches(&pattern.group, &k.group)
        && part_matches(&pattern.version, &k.version)
        && part_matches(&pattern.kind, &k.kind)
}

/// Narrows `candidates` pattern by pattern; the index of the one survivor, if any.
fn pick<'p, T, P: 'p>(
    candidates: &[T],
    patterns: impl IntoIterator<Item = &'p P>,
    matches: impl Fn(&P, &T) -> bool,
) -> Option<usize> {
    if candidates.len() == 1 {
        // A lone candidate is the answer whatever the patterns say.
        return Some(0);
    }
    let mut remaining: Vec<usize> = (0..candidates.len()).collect();
    for pattern in patterns {
        let matched: Vec<usize> = remaining
            .iter()
            .copied()
            .filter(|&i| matches(pattern, &candidates[i]))
            .collect();
        match matched.as_slice() {
            [] => continue,
            [one] => return Some(*one),
            _ => remaining = matched,
        }
    }
    match remaining.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

impl RestMapper for PriorityRestMapper {
    fn kind_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionKind, RestMapperError> {
        let mut kinds = self.delegate.kinds_for(resource)?;
        match pick(&kinds, &self.kind_priority, kind_matches) {
            Some(i) => Ok(kinds.swap_remove(i)),
            None => Err(RestMapperError::AmbiguousResource {
                partial: resource.clone(),
                resources: Vec::new(),
                kinds,
            }),
        }
    }

    fn kinds_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionKind>, RestMapperError> {
        self.delegate.kinds_for(resource)
    }

    fn resource_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionResource, RestMapperError> {
        let mut resources = self.delegate.resources_for(resource)?;
        match pick(&resources, &self.resource_priority, resource_matches) {
            Some(i) => Ok(resources.swap_remove(i)),
            None => Err(RestMapperError::AmbiguousResource {
                partial: resource.clone(),
                resources,
                kinds: Vec::new(),
            }),
        }
    }

    fn resources_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionResource>, RestMapperError> {
        self.delegate.resources_for(resource)
    }

    fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<RestMapping, RestMapperError> {
        let mut mappings = self.delegate.rest_mappings(group_kind, versions)?;
        // Versions the caller asks for beat the mapper's own preference.
        let requested: Vec<GroupVersionKind> = versions
            .iter()
            .map(|v| GroupVersionKind::gvk(group_kind.group.clone(), *v, ANY_KIND))
            .collect();
        let priorities = requested.iter().chain(&self.kind_priority);
        match pick(&mappings, priorities, |p, m| {
            kind_matches(p, &m.group_version_kind)
        }) {
            Some(i) => Ok(mappings.swap_remove(i)),
            None => Err(RestMapperError::AmbiguousKind {
                partial: group_kind.with_version(""),
                resources: mappings.iter().map(|m| m.resource.clone()).collect(),
                kinds: mappings.into_iter().map(|m| m.group_version_kind).collect(),
            }),
        }
    }

    fn rest_mappings(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<Vec<RestMapping>, RestMapperError> {
        self.delegate.rest_mappings(group_kind, versions)
    }

    fn resource_singularizer(&self, resource: &str) -> Result<String, RestMapperError> {
        self.delegate.resource_singularizer(resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gvk::GroupVersion;
    use crate::resource::Scope;
    use crate::restmapper::{DefaultRestMapper, MultiRestMapper};

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
        m.push(one("", "v1", &["Event"]));
        m.push(one("events.k8s.io", "v1", &["Event"]));
        m.push(one("apps", "v1beta1", &["Deployment"]));
        m.push(one("apps", "v1", &["Deployment"]));
        m.push(one("extensions", "v1beta1", &["Deployment"]));
        m
    }

    fn gvr(g: &str, v: &str, r: &str) -> GroupVersionResource {
        GroupVersionResource::gvr(g, v, r)
    }

    fn gvk(g: &str, v: &str, k: &str) -> GroupVersionKind {
        GroupVersionKind::gvk(g, v, k)
    }

    fn prioritized() -> PriorityRestMapper {
        PriorityRestMapper::new(
            union(),
            vec![
                gvr("", "v1", "*"),
                gvr("apps", "v1", "*"),
                gvr("apps", "*", "*"),
            ],
            vec![
                gvk("", "v1", "*"),
                gvk("apps", "v1", "*"),
                gvk("apps", "*", "*"),
            ],
        )
    }

    #[test]
    fn patterns_pick_one_candidate() {
        let m = prioritized();
        assert_eq!(
            m.resource_for(&gvr("", "", "events")).unwrap(),
            gvr("", "v1", "events")
        );
        assert_eq!(
            m.kind_for(&gvr("", "", "event")).unwrap(),
            gvk("", "v1", "Event")
        );
        assert_eq!(
            m.resource_for(&gvr("", "", "deployments")).unwrap(),
            gvr("apps", "v1", "deployments")
        );
        // apps/* narrows apps/v1beta1 and extensions/v1beta1 to one.
        assert_eq!(
            m.kind_for(&gvr("", "v1beta1", "deployments")).unwrap(),
            gvk("apps", "v1beta1", "Deployment")
        );
        // The list methods are unchanged.
        assert_eq!(
            m.resources_for(&gvr("", "", "deployments")).unwrap().len(),
            3
        );
        assert_eq!(m.kinds_for(&gvr("", "", "events")).unwrap().len(), 2);
        assert_eq!(m.resource_singularizer("events").unwrap(), "event");
    }

    #[test]
    fn unresolved_candidates_stay_ambiguous() {
        let m = PriorityRestMapper::new(union(), vec![gvr("batch", "*", "*")], vec![]);
        let err = m.resource_for(&gvr("", "", "events")).unwrap_err();
        let RestMapperError::AmbiguousResource { resources, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(resources.len(), 2);
        let err = m.kind_for(&gvr("", "", "events")).unwrap_err();
        assert!(err.is_ambiguous());
        // A single candidate needs no pattern.
        assert_eq!(
            m.kind_for(&gvr("extensions", "", "deployments")).unwrap(),
            gvk("extensions", "v1beta1", "Deployment")
        );
        assert!(
            m.resource_for(&gvr("", "", "widgets"))
                .unwrap_err()
                .is_no_match()
        );
    }

    #[test]
    fn rest_mapping_prefers_requested_versions() {
        let m = prioritized();
        let gk = GroupKind::new("apps", "Deployment");
        assert_eq!(
            m.rest_mapping(&gk, &[]).unwrap().group_version_kind.version,
            "v1"
        );
        assert_eq!(
            m.rest_mapping(&gk, &["v1beta1"])
                .unwrap()
                .group_version_kind
                .version,
            "v1beta1"
        );
        assert_eq!(m.rest_mappings(&gk, &[]).unwrap().len(), 2);
        let loose = PriorityRestMapper::new(union(), vec![], vec![]);
        let err = loose.rest_mapping(&gk, &[]).unwrap_err();
        let RestMapperError::AmbiguousKind {
            kinds, resources, ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!((kinds.len(), resources.len()), (2, 2));
        assert!(
            m.rest_mapping(&GroupKind::new("", "Widget"), &[])
                .unwrap_err()
                .is_no_match()
        );
        assert_eq!(m.resource_priority().len(), 3);
        assert_eq!(m.kind_priority().len(), 3);
    }
}
