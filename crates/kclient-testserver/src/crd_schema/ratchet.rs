//! kube-apiserver's validation ratcheting (CRDValidationRatcheting, on by default): on an
//! update, a schema error on a value that did not change is forgiven, so objects stored
//! under an older, looser schema can still be updated elsewhere.

use kclient_core::status::{FieldError, FieldErrorType};
use serde_json::Value;

/// The segments of a field error's path: `spec.items[0].name` → spec, items, 0, name.
fn segments(path: &str) -> Option<Vec<String>> {
    if path == "<nil>" || path.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        match rest.find('[') {
            Some(i) => {
                if i > 0 {
                    out.push(rest[..i].to_owned());
                }
                rest = &rest[i..];
                while let Some(inner) = rest.strip_prefix('[') {
                    let end = inner.find(']')?;
                    out.push(inner[..end].to_owned());
                    rest = &inner[end + 1..];
                }
            }
            None => out.push(rest.to_owned()),
        }
    }
    Some(out)
}

fn lookup<'a>(mut v: &'a Value, segments: &[String]) -> Option<&'a Value> {
    for s in segments {
        v = match v {
            Value::Object(m) => m.get(s)?,
            Value::Array(a) => a.get(s.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Whether the value `error` is about is the same in `new` and `old` (for a missing required
/// field: the object that should hold it).
pub(super) fn unchanged(error: &FieldError, new: &Value, old: &Value) -> bool {
    let Some(mut path) = segments(&error.field) else {
        return false;
    };
    if error.error_type == FieldErrorType::Required {
        path.pop();
    }
    match (lookup(new, &path), lookup(old, &path)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn paths_and_unchanged_values() {
        assert_eq!(
            segments("spec.items[0].name").unwrap(),
            ["spec", "items", "0", "name"]
        );
        let old = json!({"spec": {"color": 1, "items": [{"a": 1}]}});
        let new = json!({"spec": {"color": 1, "items": [{"a": 2}], "other": 1}});
        let err = FieldError::type_invalid("spec.color", json!("integer"), "");
        assert!(unchanged(&err, &new, &old));
        let err = FieldError::type_invalid("spec.items[0].a", json!("integer"), "");
        assert!(!unchanged(&err, &new, &old));
        let required = FieldError::required("spec.name", "");
        assert!(!unchanged(&required, &new, &old));
    }
}
