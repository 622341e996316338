//! ObjectMeta handling on JSON objects: accessors, the metadata kube-apiserver assigns
//! (uid, timestamps, generateName), and the name and label validation it enforces.

use std::collections::BTreeMap;

use kclient_core::validation::{
    is_dns1123_label, is_dns1123_subdomain, is_qualified_name, is_valid_label_value,
    is_valid_path_segment_name,
};
use rand::Rng;
use serde_json::{Map, Value};

use crate::error::FieldError;

/// `v` as a JSON object, replacing any other value with an empty object.
pub(crate) fn ensure_object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("normalised to an object above"),
    }
}

/// The object's `metadata` map, created when missing or not an object.
pub(crate) fn metadata_mut(obj: &mut Value) -> &mut Map<String, Value> {
    let root = ensure_object(obj);
    ensure_object(
        root.entry("metadata")
            .or_insert_with(|| Value::Object(Map::new())),
    )
}

/// A string field of `metadata`.
pub(crate) fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}

pub(crate) fn name(obj: &Value) -> &str {
    meta_str(obj, "name").unwrap_or("")
}

pub(crate) fn namespace(obj: &Value) -> &str {
    meta_str(obj, "namespace").unwrap_or("")
}

pub(crate) fn set_meta(obj: &mut Value, field: &str, value: Value) {
    metadata_mut(obj).insert(field.to_string(), value);
}

pub(crate) fn remove_meta(obj: &mut Value, field: &str) -> Option<Value> {
    metadata_mut(obj).remove(field)
}

/// `metadata.labels` as a map (non-string values are skipped).
pub(crate) fn labels(obj: &Value) -> BTreeMap<String, String> {
    obj.get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// `metadata.finalizers` as strings.
pub(crate) fn finalizers(obj: &Value) -> Vec<String> {
    obj.get("metadata")
        .and_then(|m| m.get("finalizers"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn deletion_timestamp(obj: &Value) -> Option<&str> {
    meta_str(obj, "deletionTimestamp")
}

/// Marks an object not yet being deleted as deleting, as kube-apiserver's registry does
/// for finalizers and graceful deletion: `deletionTimestamp` now, a zero grace period, and
/// `metadata.generation` bumped when the object tracks one (controllers must see that
/// deletion began, so it counts as a change of intent).
pub(crate) fn mark_deleting(obj: &mut Value) {
    if deletion_timestamp(obj).is_none()
        && let Some(generation) = obj
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .filter(|g| *g > 0)
    {
        set_meta(obj, "generation", Value::from(generation.saturating_add(1)));
    }
    set_meta(obj, "deletionTimestamp", Value::String(now_rfc3339()));
    set_meta(obj, "deletionGracePeriodSeconds", Value::from(0));
}

/// Current time as RFC 3339 with second precision, the way metav1.Time serializes.
pub(crate) fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A random RFC 4122 version 4 UUID.
pub(crate) fn new_uid() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[0],
        b[1],
        b[2],
        b[3],
        b[4],
        b[5],
        b[6],
        b[7],
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    )
}

/// apimachinery's `SimpleNameGenerator`: base (truncated to leave room) plus five random
/// characters from an alphabet without vowels and confusable digits.
pub(crate) fn generate_name(base: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    const MAX_GENERATED_NAME_LENGTH: usize = 63 - 5;
    let mut base = base.to_string();
    if base.len() > MAX_GENERATED_NAME_LENGTH {
        let mut cut = MAX_GENERATED_NAME_LENGTH;
        while !base.is_char_boundary(cut) {
            cut -= 1;
        }
        base.truncate(cut);
    }
    let mut rng = rand::rng();
    for _ in 0..5 {
        let i = rng.random_range(0..ALPHABET.len());
        base.push(char::from(ALPHABET[i]));
    }
    base
}

/// How a kind's names are validated by kube-apiserver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameRule {
    Subdomain,
    Label,
    PathSegment,
}

/// The name rule kube-apiserver applies to a kind.
pub(crate) fn name_rule(group: &str, kind: &str) -> NameRule {
    match (group, kind) {
        ("", "Namespace" | "Service" | "ReplicationController") => NameRule::Label,
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet") => NameRule::Subdomain,
        ("rbac.authorization.k8s.io", _) => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    }
}

/// Field errors for the metadata kube-apiserver checks on every write.
pub(crate) fn validate_object_meta(obj: &Value, rule: NameRule) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = name(obj);
    let generate_name = meta_str(obj, "generateName").unwrap_or("");
    if name.is_empty() {
        if generate_name.is_empty() {
            errs.push(FieldError::required(
                "metadata.name",
                "name or generateName is required",
            ));
        }
    } else {
        let msgs = match rule {
            NameRule::Subdomain => is_dns1123_subdomain(name),
            NameRule::Label => is_dns1123_label(name),
            NameRule::PathSegment => is_valid_path_segment_name(name),
        };
        for m in msgs {
            errs.push(FieldError::invalid(
                "metadata.name",
                Value::String(name.to_string()),
                m,
            ));
        }
    }
    for (k, v) in labels(obj) {
        for m in is_qualified_name(&k) {
            errs.push(FieldError::invalid(
                "metadata.labels",
                Value::String(k.clone()),
                m,
            ));
        }
        for m in is_valid_label_value(&v) {
            errs.push(FieldError::invalid(
                "metadata.labels",
                Value::String(v.clone()),
                m,
            ));
        }
    }
    if let Some(ann) = obj
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
    {
        let total: usize = ann
            .iter()
            .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
            .sum();
        for k in ann.keys() {
            // apimachinery's `ValidateAnnotations`: a qualified name, but case does not matter.
            for m in is_qualified_name(&k.to_lowercase()) {
                errs.push(FieldError::invalid(
                    "metadata.annotations",
                    Value::String(k.clone()),
                    m,
                ));
            }
        }
        if total > 256 * 1024 {
            errs.push(FieldError::too_long("metadata.annotations", 262_144));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uid_shape() {
        let u = new_uid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }

    #[test]
    fn generated_names() {
        let n = generate_name("web-");
        assert!(n.starts_with("web-"));
        assert_eq!(n.len(), 9);
        assert!(
            n[4..]
                .bytes()
                .all(|c| b"bcdfghjklmnpqrstvwxz2456789".contains(&c))
        );
        let long = generate_name(&"a".repeat(80));
        assert_eq!(long.len(), 63);
    }

    #[test]
    fn object_meta_validation() {
        let errs = validate_object_meta(&json!({"metadata": {}}), NameRule::Subdomain);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "metadata.name");
        assert_eq!(
            errs[0].body(),
            "Required value: name or generateName is required"
        );
        let errs = validate_object_meta(
            &json!({"metadata": {"name": "ok", "labels": {"bad key!": "v", "k": "-x"}}}),
            NameRule::Subdomain,
        );
        assert_eq!(errs.len(), 2);
        let ok =
            json!({"metadata": {"generateName": "x-", "labels": {"app.kubernetes.io/name": "x"}}});
        assert!(validate_object_meta(&ok, NameRule::Subdomain).is_empty());
    }

    /// kube-apiserver rejects a label key with two slashes with one message about the whole
    /// key (apimachinery's `IsQualifiedName`), not with complaints about prefix `a` and name `b/c`.
    #[test]
    fn label_key_with_two_slashes_is_one_qualified_name_error() {
        let obj = json!({"metadata": {"name": "ok", "labels": {"a/b/c": "v"}}});
        let errs = validate_object_meta(&obj, NameRule::Subdomain);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].field, "metadata.labels");
        assert_eq!(
            errs[0].body(),
            "Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        );
    }

    /// Annotation keys are qualified names whatever their case; label keys are not.
    #[test]
    fn annotation_keys_ignore_case() {
        let obj = json!({"metadata": {"name": "ok", "annotations": {"Example.COM/Key": "v"}}});
        assert!(validate_object_meta(&obj, NameRule::Subdomain).is_empty());
        let obj = json!({"metadata": {"name": "ok", "labels": {"Example.COM/Key": "v"}}});
        assert_eq!(validate_object_meta(&obj, NameRule::Subdomain).len(), 1);
    }

    #[test]
    fn name_rules() {
        let named = |name: &str| json!({"metadata": {"name": name}});
        let bodies = |name: &str, rule| -> Vec<String> {
            validate_object_meta(&named(name), rule)
                .iter()
                .map(FieldError::body)
                .collect()
        };
        assert!(bodies("a.b", NameRule::Subdomain).is_empty());
        assert_eq!(
            bodies("a.b", NameRule::Label),
            ["Invalid value: \"a.b\": must not contain dots"]
        );
        assert!(bodies("system:Admin", NameRule::PathSegment).is_empty());
        assert_eq!(
            bodies("..", NameRule::PathSegment),
            ["Invalid value: \"..\": may not be '..'"]
        );
    }

    #[test]
    fn metadata_mut_normalises() {
        let mut v = json!(null);
        set_meta(&mut v, "name", json!("x"));
        assert_eq!(name(&v), "x");
        let mut v = json!({"metadata": 3});
        set_meta(&mut v, "name", json!("y"));
        assert_eq!(name(&v), "y");
    }
}
