//! The one error type of the REST mappers, apimachinery's `meta` errors as an enum.

use std::fmt;

use crate::gvk::{GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource};

/// Why a resource or kind could not be mapped.
///
/// Messages follow apimachinery's (`no matches for kind "Foo" in group "bar"`, `… matches
/// multiple resources […]`), so they read the same as client-go's in logs and CLI output.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RestMapperError {
    /// No resource matched a (partial) resource (apimachinery's `NoResourceMatchError`).
    #[error("no matches for {partial}")]
    NoResourceMatch {
        /// The resource that was asked for, after lower-casing.
        partial: GroupVersionResource,
    },
    /// No kind matched a group kind in the searched versions (`NoKindMatchError`).
    #[error("{}", no_kind_message(group_kind, searched_versions))]
    NoKindMatch {
        /// The group kind that was asked for.
        group_kind: GroupKind,
        /// The versions that were searched, as given by the caller (may be empty).
        searched_versions: Vec<String>,
    },
    /// A partial resource matched more than one resource or kind (`AmbiguousResourceError`).
    #[error("{}", ambiguous_message(&partial.to_string(), resources, kinds))]
    AmbiguousResource {
        /// The resource that was asked for.
        partial: GroupVersionResource,
        /// The matching resources, in priority order (empty when kinds were asked for).
        resources: Vec<GroupVersionResource>,
        /// The matching kinds, in priority order (empty when resources were asked for).
        kinds: Vec<GroupVersionKind>,
    },
    /// A group kind matched more than one kind (`AmbiguousKindError`).
    #[error("{}", ambiguous_message(&partial.to_string(), resources, kinds))]
    AmbiguousKind {
        /// The kind that was asked for (its version is empty when none was given).
        partial: GroupVersionKind,
        /// The matching resources, if known.
        resources: Vec<GroupVersionResource>,
        /// The matching kinds.
        kinds: Vec<GroupVersionKind>,
    },
    /// The input named no resource at all.
    #[error("a resource must be present, got: {0}")]
    EmptyResource(GroupVersionResource),
    /// The resource matched, but no singular name is known for it.
    #[error("no singular of resource {0:?} has been defined")]
    NoSingular(String),
    /// The resource matched several resources with different singular names.
    #[error("multiple possible singular resources ({}) found for {resource:?}", singulars.join(", "))]
    AmbiguousSingular {
        /// The resource that was asked for.
        resource: String,
        /// The distinct singular names found.
        singulars: Vec<String>,
    },
    /// A kubectl resource argument named nothing the mapper knows (kubectl's message).
    #[error("the server doesn't have a resource type {0:?}")]
    UnknownResourceType(String),
}

impl RestMapperError {
    /// True when nothing matched (apimachinery's `IsNoMatchError`): no resource, no kind, or an
    /// unknown resource type. Discovery-backed mappers refresh their data on this error.
    pub fn is_no_match(&self) -> bool {
        matches!(
            self,
            Self::NoResourceMatch { .. } | Self::NoKindMatch { .. } | Self::UnknownResourceType(_)
        )
    }

    /// True when more than one resource or kind matched (apimachinery's `IsAmbiguousError`).
    pub fn is_ambiguous(&self) -> bool {
        matches!(
            self,
            Self::AmbiguousResource { .. } | Self::AmbiguousKind { .. }
        )
    }
}

fn no_kind_message(gk: &GroupKind, versions: &[String]) -> String {
    // Searched versions are reported as full group versions, de-duplicated and sorted, as
    // apimachinery does with its string set.
    let mut searched: Vec<String> = versions
        .iter()
        .map(|v| GroupVersion::new(gk.group.clone(), v.clone()).to_string())
        .collect();
    searched.sort();
    searched.dedup();
    match searched.as_slice() {
        [] => format!("no matches for kind {:?} in group {:?}", gk.kind, gk.group),
        [one] => format!("no matches for kind {:?} in version {one:?}", gk.kind),
        many => format!("no matches for kind {:?} in versions {:?}", gk.kind, many),
    }
}

fn ambiguous_message(
    partial: &str,
    resources: &[GroupVersionResource],
    kinds: &[GroupVersionKind],
) -> String {
    match (resources.is_empty(), kinds.is_empty()) {
        (false, false) => format!(
            "{partial} matches multiple resources {} and kinds {}",
            List(resources),
            List(kinds)
        ),
        (true, false) => format!("{partial} matches multiple kinds {}", List(kinds)),
        (false, true) => format!("{partial} matches multiple resources {}", List(resources)),
        (true, true) => format!("{partial} matches multiple resources or kinds"),
    }
}

/// Prints `[a, b]` using the items' `Display`.
struct List<'a, T>(&'a [T]);

impl<T: fmt::Display> fmt::Display for List<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{item}")?;
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_apimachinery() {
        let e = RestMapperError::NoResourceMatch {
            partial: GroupVersionResource::gvr("", "", "foo"),
        };
        assert_eq!(e.to_string(), "no matches for /, Resource=foo");
        assert!(e.is_no_match());
        assert!(!e.is_ambiguous());

        let e = RestMapperError::NoKindMatch {
            group_kind: GroupKind::new("apps", "Foo"),
            searched_versions: vec![],
        };
        assert_eq!(
            e.to_string(),
            r#"no matches for kind "Foo" in group "apps""#
        );
        let e = RestMapperError::NoKindMatch {
            group_kind: GroupKind::new("apps", "Foo"),
            searched_versions: vec!["v1".into()],
        };
        assert_eq!(
            e.to_string(),
            r#"no matches for kind "Foo" in version "apps/v1""#
        );
        let e = RestMapperError::NoKindMatch {
            group_kind: GroupKind::new("", "Foo"),
            searched_versions: vec!["v2".into(), "v1".into(), "v1".into()],
        };
        assert_eq!(
            e.to_string(),
            r#"no matches for kind "Foo" in versions ["v1", "v2"]"#
        );
        assert!(e.is_no_match());
    }

    #[test]
    fn ambiguous_messages_list_candidates() {
        let e = RestMapperError::AmbiguousResource {
            partial: GroupVersionResource::gvr("", "", "events"),
            resources: vec![
                GroupVersionResource::gvr("", "v1", "events"),
                GroupVersionResource::gvr("events.k8s.io", "v1", "events"),
            ],
            kinds: vec![],
        };
        assert_eq!(
            e.to_string(),
            "/, Resource=events matches multiple resources \
             [/v1, Resource=events; events.k8s.io/v1, Resource=events]"
        );
        assert!(e.is_ambiguous());
        assert!(!e.is_no_match());

        let e = RestMapperError::AmbiguousKind {
            partial: GroupVersionKind::gvk("", "", "Event"),
            resources: vec![],
            kinds: vec![GroupVersionKind::gvk("", "v1", "Event")],
        };
        assert!(
            e.to_string()
                .starts_with("/, Kind=Event matches multiple kinds [/v1, Kind=Event]")
        );
        let e = RestMapperError::AmbiguousKind {
            partial: GroupVersionKind::gvk("", "", "Event"),
            resources: vec![],
            kinds: vec![],
        };
        assert_eq!(
            e.to_string(),
            "/, Kind=Event matches multiple resources or kinds"
        );
    }

    #[test]
    fn unknown_resource_type_reads_like_kubectl() {
        let e = RestMapperError::UnknownResourceType("foo".into());
        assert_eq!(
            e.to_string(),
            r#"the server doesn't have a resource type "foo""#
        );
        assert!(e.is_no_match());
    }
}
