//! A stored object's bytes as a JSON list item of a built-in kind: without the top-level
//! `kind` and `apiVersion` (kube-apiserver encodes such lists from typed Go lists whose items
//! carry an empty TypeMeta).
//!
//! Lists are the server's hottest path: re-parsing every item to drop two members cost as
//! much as the rest of a 50,000-object list. The object is serialized once when it is
//! stored, and that pass records where the members other than `kind` and `apiVersion` lie,
//! so a list item is copied from the stored bytes as it was before items lost their TypeMeta.

use std::ops::Range;

use serde_json::Value;

/// The byte ranges of the stored JSON that make up the object without its TypeMeta: at most
/// three runs of consecutive members (before, between and after `apiVersion` and `kind`),
/// each a slice of `"key":value` pairs with their inner commas.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct UntypedRuns {
    runs: [Range<u32>; 3],
    len: u8,
}

impl UntypedRuns {
    /// Appends the object without `kind` and `apiVersion` to `out`, from the stored bytes
    /// `json` these runs were recorded for.
    pub fn write(&self, json: &[u8], out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, run) in self.runs[..usize::from(self.len)].iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&json[run.start as usize..run.end as usize]);
        }
        out.push(b'}');
    }

    fn push(&mut self, run: Range<u32>) {
        if let Some(slot) = self.runs.get_mut(usize::from(self.len)) {
            *slot = run;
            self.len += 1;
        }
    }
}

/// Serializes `value` as compact JSON (the bytes `serde_json::to_vec` writes) and, when it
/// is an object no larger than `u32::MAX` bytes, the runs of its members other than `kind`
/// and `apiVersion`.
pub(crate) fn serialize(value: &Value) -> (Vec<u8>, Option<UntypedRuns>) {
    let Value::Object(members) = value else {
        return (serde_json::to_vec(value).unwrap_or_default(), None);
    };
    let mut out = Vec::with_capacity(256);
    let mut runs = UntypedRuns::default();
    let mut run: Option<Range<usize>> = None;
    out.push(b'{');
    for (i, (key, member)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let start = out.len();
        // Writing into a Vec cannot fail, and every key is a string.
        let _ = serde_json::to_writer(&mut out, key);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, member);
        if key == "kind" || key == "apiVersion" {
            if let Some(done) = run.take() {
                runs.push(narrow(done));
            }
        } else {
            run = Some(run.map_or(start..out.len(), |r| r.start..out.len()));
        }
    }
    out.push(b'}');
    if let Some(done) = run {
        runs.push(narrow(done));
    }
    let fits = u32::try_from(out.len()).is_ok();
    (out, fits.then_some(runs))
}

/// Offsets fit: [`serialize`] only keeps runs of objects shorter than `u32::MAX` bytes.
fn narrow(r: Range<usize>) -> Range<u32> {
    r.start as u32..r.end as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn untyped(v: &Value) -> (Vec<u8>, Value) {
        let (json, runs) = serialize(v);
        let mut out = Vec::new();
        runs.expect("an object").write(&json, &mut out);
        (json, serde_json::from_slice(&out).expect("valid JSON"))
    }

    #[test]
    fn bytes_are_what_serde_json_writes() {
        let v = json!({"apiVersion": "v1", "kind": "ConfigMap", "action": "x",
            "data": {"k\"ey": "v\n"}, "metadata": {"name": "a"}});
        assert_eq!(serialize(&v).0, serde_json::to_vec(&v).unwrap());
    }

    #[test]
    fn drops_only_the_top_level_type_meta_wherever_it_sorts() {
        // "action" sorts before "apiVersion", "data" between it and "kind", "metadata" after.
        let v = json!({"apiVersion": "v1", "kind": "Event", "action": "x",
            "data": {"kind": "kept", "apiVersion": "kept"}, "metadata": {"name": "a\"b"}});
        assert_eq!(
            untyped(&v).1,
            json!({"action": "x", "data": {"kind": "kept", "apiVersion": "kept"},
                "metadata": {"name": "a\"b"}})
        );
        assert_eq!(
            untyped(&json!({"kind": "X", "apiVersion": "v1"})).1,
            json!({})
        );
        assert_eq!(untyped(&json!({})).1, json!({}));
        assert_eq!(
            untyped(&json!({"metadata": {}, "spec": 1})).1,
            json!({"metadata": {}, "spec": 1})
        );
        assert_eq!(
            untyped(&json!({"apiVersion": "v1", "zeta": 1})).1,
            json!({"zeta": 1})
        );
    }

    #[test]
    fn non_objects_have_no_runs() {
        assert!(serialize(&json!([1])).1.is_none());
    }
}
