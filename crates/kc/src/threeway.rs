//! The patch `kc apply` sends on the client side: a three-way JSON merge patch from the
//! last-applied configuration (`original`), the file's configuration (`modified`) and the live
//! object (`current`), as kubectl computes it for objects without a strategic-merge schema.
//!
//! Fields the user removed since the last apply are deleted; fields the user sets are changed
//! where the live object differs; fields only the server or other actors set are left alone.
//! A list is sent whole when it differs, and counts as unchanged when every element the user
//! wrote is contained in the live element at the same position, so server defaults inside list
//! elements (a container's `terminationMessagePath`) do not make every apply a change.

use serde_json::{Map, Value};

/// The annotation kubectl keeps the last applied configuration in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The merge patch taking `current` to `modified` while deleting what `original` had and
/// `modified` dropped. An empty object means "nothing to do".
pub fn three_way_merge_patch(original: &Value, modified: &Value, current: &Value) -> Value {
    let deletions = only_deletions(diff(original, modified));
    let changes = diff_ignoring_extra(current, modified);
    merge(deletions, changes)
}

/// RFC 7386 difference from `from` to `to`: changed keys with the new value, removed keys as
/// `null`.
fn diff(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(from), Value::Object(to)) => {
            let mut out = Map::new();
            for (key, new) in to {
                match from.get(key) {
                    Some(old) if old == new => {}
                    Some(old @ Value::Object(_)) if new.is_object() => {
                        out.insert(key.clone(), diff(old, new));
                    }
                    _ => {
                        out.insert(key.clone(), new.clone());
                    }
                }
            }
            for key in from.keys() {
                if !to.contains_key(key) {
                    out.insert(key.clone(), Value::Null);
                }
            }
            Value::Object(out)
        }
        _ => to.clone(),
    }
}

/// Keeps only the `null` entries (deletions) of a diff, dropping emptied maps.
fn only_deletions(patch: Value) -> Value {
    let Value::Object(map) = patch else {
        return Value::Object(Map::new());
    };
    let mut out = Map::new();
    for (key, value) in map {
        match value {
            Value::Null => {
                out.insert(key, Value::Null);
            }
            Value::Object(_) => {
                let inner = only_deletions(value);
                if inner.as_object().is_some_and(|m| !m.is_empty()) {
                    out.insert(key, inner);
                }
            }
            _ => {}
        }
    }
    Value::Object(out)
}

/// What `modified` sets that `current` lacks or has differently; keys only in `current` are
/// not deleted.
fn diff_ignoring_extra(current: &Value, modified: &Value) -> Value {
    let (Value::Object(current), Value::Object(modified)) = (current, modified) else {
        return modified.clone();
    };
    let mut out = Map::new();
    for (key, want) in modified {
        match current.get(key) {
            Some(have) if contains(have, want) => {}
            Some(have @ Value::Object(_)) if want.is_object() => {
                let inner = diff_ignoring_extra(have, want);
                if inner.as_object().is_some_and(|m| !m.is_empty()) {
                    out.insert(key.clone(), inner);
                }
            }
            _ => {
                out.insert(key.clone(), want.clone());
            }
        }
    }
    Value::Object(out)
}

/// Whether `have` holds everything `want` says (maps: a superset; lists: same length and
/// element-wise containment; scalars: equal).
fn contains(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Object(have), Value::Object(want)) => want
            .iter()
            .all(|(k, w)| have.get(k).is_some_and(|h| contains(h, w))),
        (Value::Array(have), Value::Array(want)) => {
            have.len() == want.len() && have.iter().zip(want).all(|(h, w)| contains(h, w))
        }
        _ => have == want,
    }
}

/// Merges two patches; `b` wins where both set a key.
fn merge(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut a), Value::Object(b)) => {
            for (key, value) in b {
                let merged = match a.remove(&key) {
                    Some(old @ Value::Object(_)) if value.is_object() => merge(old, value),
                    _ => value,
                };
                a.insert(key, merged);
            }
            Value::Object(a)
        }
        (_, b) => b,
    }
}

/// Whether a patch changes nothing.
pub fn is_empty(patch: &Value) -> bool {
    patch.as_object().is_some_and(Map::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn removed_fields_are_deleted_and_foreign_fields_kept() {
        let original = json!({"data": {"a": "1", "b": "2"}});
        let modified = json!({"data": {"a": "1"}});
        let current = json!({"data": {"a": "1", "b": "2", "c": "other"}, "metadata": {"uid": "u"}});
        assert_eq!(
            three_way_merge_patch(&original, &modified, &current),
            json!({"data": {"b": null}})
        );
    }

    #[test]
    fn changed_values_are_set() {
        let original = json!({"data": {"a": "1"}});
        let modified = json!({"data": {"a": "2"}});
        let current = json!({"data": {"a": "1"}});
        assert_eq!(
            three_way_merge_patch(&original, &modified, &current),
            json!({"data": {"a": "2"}})
        );
    }

    #[test]
    fn defaulted_list_elements_count_as_unchanged() {
        let mine = json!({"spec": {"containers": [{"name": "c", "image": "nginx"}]}});
        let live = json!({"spec": {"containers": [
            {"name": "c", "image": "nginx", "terminationMessagePath": "/dev/termination-log"}
        ]}});
        assert!(is_empty(&three_way_merge_patch(&mine, &mine, &live)));
    }

    #[test]
    fn a_changed_list_is_sent_whole() {
        let original = json!({"spec": {"ports": [{"port": 80}, {"port": 443}]}});
        let modified = json!({"spec": {"ports": [{"port": 80}]}});
        let current = json!({"spec": {"ports": [{"port": 80, "protocol": "TCP"}, {"port": 443}]}});
        assert_eq!(
            three_way_merge_patch(&original, &modified, &current),
            json!({"spec": {"ports": [{"port": 80}]}})
        );
    }
}
