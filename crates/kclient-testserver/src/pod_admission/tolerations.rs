//! The DefaultTolerationSeconds admission plugin: a pod that does not tolerate the
//! `NoExecute` taints of unready and unreachable nodes tolerates them for 300 seconds,
//! so its node's outage evicts it after five minutes.

use serde_json::{Value, json};

const NOT_READY: &str = "node.kubernetes.io/not-ready";
const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// `--default-not-ready-toleration-seconds` and `--default-unreachable-toleration-seconds`.
const SECONDS: i64 = 300;

pub(super) fn admit(pod: &mut Value) {
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let slot = spec
        .entry("tolerations")
        .or_insert_with(|| Value::Array(Vec::new()));
    if slot.is_null() {
        *slot = Value::Array(Vec::new());
    }
    let Some(tolerations) = slot.as_array_mut() else {
        return;
    };
    // An empty key tolerates every taint, an empty effect every effect.
    let tolerated = |tolerations: &[Value], key: &str| {
        tolerations.iter().any(|t| {
            let field = |f: &str| t.get(f).and_then(Value::as_str).unwrap_or("");
            (field("key") == key || field("key").is_empty())
                && (field("effect") == "NoExecute" || field("effect").is_empty())
        })
    };
    for key in [NOT_READY, UNREACHABLE] {
        if !tolerated(tolerations, key) {
            tolerations.push(
                json!({"key": key, "operator": "Exists", "effect": "NoExecute",
                "tolerationSeconds": SECONDS}),
            );
        }
    }
}
