//! Guessing resource names from a kind, apimachinery's `meta.UnsafeGuessKindToResource`.
//!
//! The guess is "unsafe" because English plurals are irregular: servers report the real names
//! in discovery, and mappers built from discovery only guess when a server omits the singular.

use crate::gvk::{GroupVersionKind, GroupVersionResource};

/// Kinds whose lower-cased name already is its own plural.
const UNPLURALIZED_SUFFIXES: &[&str] = &["endpoints"];

/// The plural and singular resource a kind is most likely served as.
///
/// The singular is the lower-cased kind; the plural appends `es` after an `s` (`Ingress` →
/// `ingresses`), turns a final `y` into `ies` (`NetworkPolicy` → `networkpolicies`), leaves
/// `…endpoints` alone, and appends `s` otherwise. An empty kind gives two empty resources.
/// The rules are apimachinery's to the letter, quirks included (`Gateway` → `gatewaies`), so
/// a guess here equals client-go's; give such kinds their real names with
/// [`DefaultRestMapper::add_specific`](super::DefaultRestMapper::add_specific).
///
/// ```
/// use kclient_core::gvk::GroupVersionKind;
/// use kclient_core::restmapper::unsafe_guess_kind_to_resource;
///
/// let (plural, singular) =
///     unsafe_guess_kind_to_resource(&GroupVersionKind::gvk("policy", "v1", "PodDisruptionBudget"));
/// assert_eq!(plural.resource, "poddisruptionbudgets");
/// assert_eq!(singular.resource, "poddisruptionbudget");
/// ```
pub fn unsafe_guess_kind_to_resource(
    kind: &GroupVersionKind,
) -> (GroupVersionResource, GroupVersionResource) {
    if kind.kind.is_empty() {
        return (
            GroupVersionResource::default(),
            GroupVersionResource::default(),
        );
    }
    let gv = kind.group_version();
    let singular = kind.kind.to_lowercase();
    let plural = if UNPLURALIZED_SUFFIXES
        .iter()
        .any(|suffix| singular.ends_with(suffix))
    {
        singular.clone()
    } else if singular.ends_with('s') {
        format!("{singular}es")
    } else if let Some(stem) = singular.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{singular}s")
    };
    (gv.with_resource(plural), gv.with_resource(singular))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn guess(kind: &str) -> (String, String) {
        let (p, s) = unsafe_guess_kind_to_resource(&GroupVersionKind::gvk("g", "v1", kind));
        assert_eq!(p.group_version(), s.group_version());
        (p.resource, s.resource)
    }

    #[test]
    fn guessing_rules() {
        for (kind, plural, singular) in [
            ("Pod", "pods", "pod"),
            (
                "ReplicationController",
                "replicationcontrollers",
                "replicationcontroller",
            ),
            ("ImageRepository", "imagerepositories", "imagerepository"),
            ("Policy", "policies", "policy"),
            ("NetworkPolicy", "networkpolicies", "networkpolicy"),
            ("Ingress", "ingresses", "ingress"),
            ("Status", "statuses", "status"),
            ("Endpoints", "endpoints", "endpoints"),
            ("MyEndpoints", "myendpoints", "myendpoints"),
            // apimachinery's quirk, kept so both sides guess alike.
            ("Gateway", "gatewaies", "gateway"),
            ("PodList", "podlists", "podlist"),
        ] {
            assert_eq!(
                guess(kind),
                (plural.to_owned(), singular.to_owned()),
                "{kind}"
            );
        }
    }

    #[test]
    fn guess_keeps_group_version() {
        let (plural, _) =
            unsafe_guess_kind_to_resource(&GroupVersionKind::gvk("apps", "v1", "Deployment"));
        assert_eq!(
            plural,
            GroupVersionResource::gvr("apps", "v1", "deployments")
        );
    }

    #[test]
    fn empty_kind_guesses_nothing() {
        let (p, s) = unsafe_guess_kind_to_resource(&GroupVersionKind::gvk("apps", "v1", ""));
        assert!(p.is_empty() && s.is_empty());
    }

    proptest! {
        #[test]
        fn guess_is_lowercase_and_extends_singular(kind in "[A-Z][A-Za-z]{0,20}") {
            let (plural, singular) = guess(&kind);
            prop_assert_eq!(&singular, &kind.to_lowercase());
            prop_assert_eq!(plural.to_lowercase(), plural.clone());
            if singular.ends_with('y') {
                prop_assert!(plural.ends_with("ies"));
            } else {
                prop_assert!(plural.starts_with(&singular));
            }
        }
    }
}
