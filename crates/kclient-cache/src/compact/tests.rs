use k8s_openapi::api::core::v1::{Pod, Secret};
use kclient_core::{Object, WatchEvent};
use serde_json::json;

use super::*;

fn pod_json() -> serde_json::Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-0",
            "namespace": "default",
            "uid": "6f1c",
            "resourceVersion": "42",
            "generation": 3,
            "labels": {"app": "web", "tier": "front"},
            "annotations": {"note": "kept"},
            "finalizers": ["example.com/keep"],
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d", "uid": "99",
                "controller": true
            }],
            "managedFields": [{
                "manager": "kubectl", "operation": "Apply", "apiVersion": "v1",
                "time": "2026-12-01T10:00:00Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}}}}}
            }]
        },
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "env": [{"name": "A", "value": "1"}]}]},
        "status": {"phase": "Running", "podIP": "10.0.0.7"}
    })
}

#[test]
fn decode_gives_the_whole_object_managed_fields_included() {
    let text = pod_json().to_string();
    let compact = Compact::<Pod>::from_json(&text).unwrap();
    let direct: Pod = serde_json::from_str(&text).unwrap();
    assert_eq!(compact.decode().unwrap(), direct);
    assert!(direct.metadata.managed_fields.is_some());

    let mut meta = direct.metadata.clone();
    meta.managed_fields = None;
    assert_eq!(compact.meta(), &meta);
    let reparsed: serde_json::Value = serde_json::from_str(&compact.json().unwrap()).unwrap();
    assert_eq!(reparsed, pod_json());
}

#[test]
fn cache_identity_comes_from_the_metadata() {
    let compact = Compact::<Pod>::from_json(&pod_json().to_string()).unwrap();
    assert_eq!(
        crate::meta_namespace_key(&compact).unwrap(),
        "default/web-0"
    );
    assert_eq!(Object::resource_version(&compact), Some("42"));
    assert_eq!(Object::labels(&compact).get("tier").unwrap(), "front");

    let bare = Compact::<Pod>::from_json(r#"{"metadata":{"name":"n"}}"#).unwrap();
    assert!(Object::labels(&bare).is_empty());
    assert_eq!(crate::meta_namespace_key(&bare).unwrap(), "n");
    let nameless = Compact::<Pod>::from_json(r#"{"spec":{}}"#).unwrap();
    assert_eq!(
        crate::meta_namespace_key(&nameless),
        Err(KeyError::MissingName)
    );
}

#[test]
fn from_object_round_trips() {
    let pod: Pod = serde_json::from_value(pod_json()).unwrap();
    let compact = Compact::from_object(&pod).unwrap();
    assert_eq!(compact.decode().unwrap(), pod);
    assert_eq!(compact, Compact::from_object(&pod).unwrap());
}

#[test]
fn bad_json_is_an_error_never_a_panic() {
    for text in [
        "",
        "[1,2]",
        "\"pod\"",
        "null",
        "{\"metadata\":",
        "{\"metadata\":{\"name\":\"a\"}",
        "{\"metadata\":5}",
        "{\"metadata\":{\"labels\":[\"x\"]}}",
        "{\"metadata\":{\"name\":\"a\"},\"metadata\":{\"name\":\"b\"}}",
        "{\"metadata\":{}} trailing",
        // The same key twice once unescaped: a typed decode would refuse it too.
        r#"{"met\u0061data":{"name":"a"},"metadata":{"name":"b"}}"#,
    ] {
        assert!(
            Compact::<Pod>::from_json(text).is_err(),
            "{text:?} accepted"
        );
    }
}

#[test]
fn nothing_secret_reaches_debug_or_errors() {
    let secret = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db", "namespace": "default"},
        "data": {"password": "aHVudGVyMg=="},
        "stringData": {"token": "hunter2"}
    });
    let compact = Compact::<Secret>::from_json(&secret.to_string()).unwrap();
    let debug = format!("{compact:?}");
    assert!(debug.contains("db"), "{debug}");
    assert!(
        !debug.contains("aHVudGVyMg") && !debug.contains("hunter2"),
        "{debug}"
    );

    // The server sent a shape the type does not take: the error says where, not what.
    let odd = r#"{"metadata":{"name":"db"},"data":{"password":["hunter2"]}}"#;
    let err = Compact::<Secret>::from_json(odd)
        .unwrap()
        .decode()
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("Secret") && shown.contains("data error"),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(err.column() > 0);

    // The messages the informer's decoders report for a list item or a watch event whose
    // metadata is bad. The padding keeps the secret out of the watch error's line snippet.
    let pad = "x".repeat(80);
    let bad_meta =
        format!(r#"{{"kind":"Secret","apiVersion":"{pad}","metadata":{{"name":["hunter2"]}}}}"#);
    let err = Compact::<Secret>::from_json(&bad_meta).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hunter2"));
    let mut batch = kclient_rest::batch::RecordBatch::default();
    batch.push(bad_meta.as_bytes());
    let err =
        crate::lister_watcher::decode::decode_items::<Compact<Secret>>(&batch, None).unwrap_err();
    assert!(
        err.contains("metadata") && !err.contains("hunter2"),
        "{err}"
    );
    let line = format!(r#"{{"type":"ADDED","object":{bad_meta}}}"#);
    let err =
        kclient_rest::WatchDecoder::<Compact<Secret>>::decode_line(line.as_bytes()).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("metadata") && !shown.contains("hunter2"),
        "{shown}"
    );
}

#[test]
fn compact_input_comes_back_byte_for_byte() {
    for text in [
        r#"{"kind":"Pod","metadata":{"name":"a","labels":{"x":"y"}},"spec":{"b":[1,{"c":null}]},"status":{}}"#,
        r#"{"spec":{},"metadata":{"name":"a"}}"#,
        r#"{"sp\u0065c":{},"metadata":{"name":"a"}}"#,
        "{}",
    ] {
        let compact = Compact::<serde_json::Value>::from_json(text).unwrap();
        // An escaped key comes back unescaped, which is the same JSON.
        let expected = text.replace(r"sp\u0065c", "spec");
        assert_eq!(compact.json().unwrap(), expected, "{text}");
    }
    // Whitespace between top-level tokens goes; inside values it stays.
    let spaced = "{ \"metadata\" : {\"name\": \"a\"} ,\n \"spec\":{ } }";
    let compact = Compact::<serde_json::Value>::from_json(spaced).unwrap();
    assert_eq!(
        compact.json().unwrap(),
        r#"{"metadata":{"name": "a"},"spec":{ }}"#
    );
}

#[test]
fn watch_events_carry_compact_objects() {
    // Written out: `json!` would sort "object" before "type".
    let line = format!(r#"{{"type":"MODIFIED","object":{}}}"#, pod_json());
    let event: WatchEvent<Compact<Pod>> = kclient_core::json::from_slice(line.as_bytes()).unwrap();
    let WatchEvent::Modified(obj) = event else {
        panic!("not MODIFIED: {}", event.type_name());
    };
    assert_eq!(obj.meta().name.as_deref(), Some("web-0"));
    assert_eq!(
        obj.decode().unwrap().status.unwrap().phase.as_deref(),
        Some("Running")
    );

    // The API server always writes the type first; the other order makes serde buffer the
    // object, which hands over no text: a decode error, not a panic.
    let reversed = format!(r#"{{"object":{},"type":"ADDED"}}"#, pod_json());
    assert!(
        kclient_core::json::from_slice::<WatchEvent<Compact<Pod>>>(reversed.as_bytes()).is_err()
    );
}

#[test]
fn keys_that_need_escaping_stay_valid_json() {
    let text = r#"{"metadata":{"name":"a"},"we\"ird\\key":{"x":[1,2]}}"#;
    let compact = Compact::<serde_json::Value>::from_json(text).unwrap();
    let value: serde_json::Value = serde_json::from_str(&compact.json().unwrap()).unwrap();
    assert_eq!(value["we\"ird\\key"]["x"][1], 2);
}

fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    /// Whatever object the server sends, the compact text is the same JSON value.
    #[test]
    fn compact_text_is_the_same_json(
        fields in proptest::collection::btree_map("[a-zA-Z\"\\\\é]{1,6}", json_value(), 0..6),
        name in "[a-z]{1,8}",
    ) {
        let mut object: serde_json::Map<String, serde_json::Value> = fields.into_iter().collect();
        object.insert("metadata".into(), json!({"name": name, "labels": {"a": "b"}}));
        let object = serde_json::Value::Object(object);
        let compact = Compact::<serde_json::Value>::from_json(&object.to_string()).unwrap();
        proptest::prop_assert_eq!(compact.decode().unwrap(), object);
        proptest::prop_assert_eq!(compact.meta().name.as_deref(), Some(name.as_str()));
    }
}
