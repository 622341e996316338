//! The emitter against what kubectl v1.32 printed for the same objects (`kubectl get -o json`
//! and `-o yaml` of one object, saved in `testdata/`).

use serde_json::{Value, json};

use super::to_yaml;

fn same_as_kubectl(json: &str, yaml: &str) {
    let value: Value = serde_json::from_str(json).expect("fixture is JSON");
    let ours = to_yaml(&value);
    for (i, (a, b)) in ours.lines().zip(yaml.lines()).enumerate() {
        assert_eq!(a, b, "line {}", i + 1);
    }
    assert_eq!(ours, yaml);
}

#[test]
fn a_deployment_as_kubectl_prints_it() {
    same_as_kubectl(
        include_str!("testdata/deployment.json"),
        include_str!("testdata/deployment.yaml"),
    );
}

/// Quoting of strings that read back as bools, numbers, timestamps; special characters,
/// folded long values, literal blocks, and go-yaml's key order.
#[test]
fn a_configmap_with_values_that_need_quoting() {
    same_as_kubectl(
        include_str!("testdata/configmap.json"),
        include_str!("testdata/configmap.yaml"),
    );
}

/// Every scalar style, nested and empty collections, floats, long and multi-line keys.
#[test]
fn a_custom_resource_with_every_shape() {
    same_as_kubectl(
        include_str!("testdata/widget.json"),
        include_str!("testdata/widget.yaml"),
    );
}

#[test]
fn an_empty_list() {
    let list = json!({"apiVersion": "v1", "items": [], "kind": "List", "metadata": {"resourceVersion": ""}});
    assert_eq!(
        to_yaml(&list),
        "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"
    );
}

#[test]
fn empty_and_scalar_roots() {
    assert_eq!(to_yaml(&json!({})), "{}\n");
    assert_eq!(to_yaml(&json!([])), "[]\n");
    assert_eq!(to_yaml(&json!(["a", ["b"]])), "- a\n- - b\n");
}

mod roundtrip {
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    use super::to_yaml;

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            // Short strings from YAML's awkward characters, and anything at all.
            proptest::string::string_regex(
                "[ a-z0-9:#'\"\\-\\n\\t.~!&*?|>%@`,\\[\\]{}\u{85}\u{a0}\u{2028}]{0,12}"
            )
            .expect("regex")
            .prop_map(Value::String),
            any::<String>().prop_map(Value::String),
            // Long enough to be folded.
            "[a-z ]{70,200}".prop_map(Value::String),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    proptest! {
        /// Whatever the value, the text is YAML that reads back as the same value.
        #[test]
        fn output_reads_back_as_the_value(value in value()) {
            let text = to_yaml(&value);
            let back: Value = serde_yaml_ng::from_str(&text)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(back, value, "{}", text);
        }
    }
}
