//! The API server's half of cascading deletion: which garbage-collection finalizer a
//! DELETE puts on the object (kube-apiserver's generic registry does this before the
//! garbage collector sees anything), from `propagationPolicy`, the legacy
//! `orphanDependents`, the finalizers already on the object and the kind's default.

use serde_json::Value;

use crate::error::{ApiResult, ErrorResponse, FieldError};
use crate::registry::Served;

/// Finalizer that keeps an owner until the collector removed its dependents' references.
pub(crate) const ORPHAN: &str = "orphan";
/// Finalizer that keeps an owner until its blocking dependents are gone.
pub(crate) const FOREGROUND: &str = "foregroundDeletion";

/// `metav1.DeletionPropagation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Propagation {
    Orphan,
    Background,
    Foreground,
}

impl Propagation {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "Orphan" => Some(Propagation::Orphan),
            "Background" => Some(Propagation::Background),
            "Foreground" => Some(Propagation::Foreground),
            _ => None,
        }
    }
}

/// What a delete request asks of dependents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cascade {
    /// `propagationPolicy`.
    pub policy: Option<Propagation>,
    /// The deprecated `orphanDependents`.
    pub orphan_dependents: Option<bool>,
}

impl Cascade {
    /// Validates the two options as `ValidateDeleteOptions` does.
    pub fn from_wire(policy: Option<String>, orphan_dependents: Option<bool>) -> ApiResult<Self> {
        let mut errors = Vec::new();
        if orphan_dependents.is_some()
            && let Some(p) = &policy
        {
            errors.push(FieldError::invalid(
                "propagationPolicy",
                Value::String(p.clone()),
                "orphanDependents and deletionPropagation cannot be both set",
            ));
        }
        let parsed = match policy {
            None => None,
            Some(p) => match Propagation::parse(&p) {
                Some(parsed) => Some(parsed),
                None => {
                    errors.push(FieldError::not_supported(
                        "propagationPolicy",
                        Value::String(p),
                        &["Foreground", "Background", "Orphan", "nil"],
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(ErrorResponse::invalid(
                "meta.k8s.io",
                "DeleteOptions",
                "",
                &errors,
            ));
        }
        Ok(Cascade {
            policy: parsed,
            orphan_dependents,
        })
    }
}

/// A kind's `DefaultGarbageCollectionPolicy`; `None` is `Unsupported` (no cascading).
fn default_policy(served: &Served) -> Option<Propagation> {
    let info = &served.info;
    match (
        info.group.as_str(),
        info.version.as_str(),
        info.plural.as_str(),
    ) {
        // Events opt out of garbage collection entirely.
        ("" | "events.k8s.io", _, "events") => None,
        // Kept for backwards compatibility of these group-versions.
        ("", "v1", "replicationcontrollers") | ("batch", "v1", "jobs") => Some(Propagation::Orphan),
        _ => Some(Propagation::Background),
    }
}

/// The finalizers an object carries after a DELETE with `cascade`, or `None` when they
/// stay as they are (kube-apiserver's `deletionFinalizersForGarbageCollection`).
pub(crate) fn deletion_finalizers(
    served: &Served,
    current: &[String],
    cascade: &Cascade,
) -> Option<Vec<String>> {
    let default = default_policy(served)?;
    let existing = current.iter().find_map(|f| match f.as_str() {
        ORPHAN => Some(Propagation::Orphan),
        FOREGROUND => Some(Propagation::Foreground),
        _ => None,
    });
    let orphan = match (cascade.orphan_dependents, cascade.policy) {
        (Some(o), _) => o,
        (None, Some(p)) => p == Propagation::Orphan,
        (None, None) => existing.unwrap_or(default) == Propagation::Orphan,
    };
    let foreground = match (cascade.orphan_dependents, cascade.policy) {
        (Some(_), _) => false,
        (None, Some(p)) => p == Propagation::Foreground,
        (None, None) => existing == Some(Propagation::Foreground),
    };
    let mut wanted: Vec<String> = current
        .iter()
        .filter(|f| *f != ORPHAN && *f != FOREGROUND)
        .cloned()
        .collect();
    if orphan {
        wanted.push(ORPHAN.into());
    }
    if foreground {
        wanted.push(FOREGROUND.into());
    }
    let same = wanted.len() == current.len() && wanted.iter().all(|f| current.contains(f));
    (!same).then_some(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    fn served(group: &str, version: &str, plural: &str) -> std::sync::Arc<Served> {
        Registry::without(&[])
            .lookup(group, version, plural)
            .expect("served")
    }

    fn cascade(policy: Option<&str>, orphan: Option<bool>) -> Cascade {
        Cascade::from_wire(policy.map(str::to_string), orphan).expect("valid")
    }

    #[test]
    fn finalizers_follow_policy_legacy_option_and_defaults() {
        let cm = served("", "v1", "configmaps");
        let none: Vec<String> = Vec::new();
        assert_eq!(deletion_finalizers(&cm, &none, &cascade(None, None)), None);
        assert_eq!(
            deletion_finalizers(&cm, &none, &cascade(Some("Foreground"), None)),
            Some(vec![FOREGROUND.to_string()])
        );
        assert_eq!(
            deletion_finalizers(&cm, &["a".into()], &cascade(Some("Orphan"), None)),
            Some(vec!["a".to_string(), ORPHAN.to_string()])
        );
        assert_eq!(
            deletion_finalizers(&cm, &none, &cascade(None, Some(true))),
            Some(vec![ORPHAN.to_string()])
        );
        // A later Background delete takes a pending foreground deletion's finalizer away.
        assert_eq!(
            deletion_finalizers(
                &cm,
                &[FOREGROUND.into()],
                &cascade(Some("Background"), None)
            ),
            Some(vec![])
        );
        // Without options the finalizer already there decides.
        assert_eq!(
            deletion_finalizers(&cm, &[FOREGROUND.into()], &cascade(None, None)),
            None
        );
        // batch/v1 Jobs and v1 ReplicationControllers orphan by default; Events never cascade.
        let jobs = served("batch", "v1", "jobs");
        assert_eq!(
            deletion_finalizers(&jobs, &none, &cascade(None, None)),
            Some(vec![ORPHAN.to_string()])
        );
        let rc = served("", "v1", "replicationcontrollers");
        assert_eq!(
            deletion_finalizers(&rc, &none, &cascade(None, None)),
            Some(vec![ORPHAN.to_string()])
        );
        let deploy = served("apps", "v1", "deployments");
        assert_eq!(
            deletion_finalizers(&deploy, &none, &cascade(None, None)),
            None
        );
        let events = served("", "v1", "events");
        assert_eq!(
            deletion_finalizers(&events, &none, &cascade(Some("Foreground"), None)),
            None
        );
    }

    #[test]
    fn options_validate_like_kube_apiserver() {
        let both = Cascade::from_wire(Some("Orphan".into()), Some(true)).unwrap_err();
        let body = String::from_utf8(both.body()).expect("utf8");
        assert!(
            body.contains("orphanDependents and deletionPropagation cannot be both set"),
            "{body}"
        );
        let bad = Cascade::from_wire(Some("Sideways".into()), None).unwrap_err();
        let body = String::from_utf8(bad.body()).expect("utf8");
        assert!(
            body.contains(
                r#"supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""#
            ),
            "{body}"
        );
    }
}
