//! The shape of an item in a JSON list. kube-apiserver encodes a list of a built-in kind
//! from its typed Go list, whose items carry an empty TypeMeta: no `kind`, no `apiVersion`
//! (only the list itself says what it holds). Custom resources are stored and listed as
//! unstructured objects, so their items keep both; PartialObjectMetadataList and Table
//! rows set them explicitly. Clients must therefore never rely on an item's TypeMeta.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// Appends `item` (one serialized JSON object) to `out` without its top-level `kind` and
/// `apiVersion`. The other members are copied byte for byte, in the stored (sorted) order,
/// without building the object's tree.
pub(super) fn write_without_type_meta(item: &[u8], out: &mut Vec<u8>) -> serde_json::Result<()> {
    let members: BTreeMap<String, &RawValue> = serde_json::from_slice(item)?;
    out.push(b'{');
    let mut first = true;
    for (key, value) in members {
        if key == "kind" || key == "apiVersion" {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut *out, &key)?;
        out.push(b':');
        out.extend_from_slice(value.get().as_bytes());
    }
    out.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn strip(v: &Value) -> Value {
        let mut out = Vec::new();
        write_without_type_meta(&serde_json::to_vec(v).unwrap(), &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn drops_only_the_top_level_type_meta() {
        let item = json!({"apiVersion": "v1", "kind": "ConfigMap", "action": "x",
            "data": {"kind": "kept", "apiVersion": "kept"}, "metadata": {"name": "a\"b"}});
        assert_eq!(
            strip(&item),
            json!({"action": "x", "data": {"kind": "kept", "apiVersion": "kept"},
                "metadata": {"name": "a\"b"}})
        );
        assert_eq!(strip(&json!({"kind": "X"})), json!({}));
    }

    #[test]
    fn a_non_object_is_an_error_not_a_panic() {
        let mut out = Vec::new();
        assert!(write_without_type_meta(b"[1]", &mut out).is_err());
    }
}
