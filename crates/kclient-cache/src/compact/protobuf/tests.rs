use k8s_openapi::List;
use k8s_openapi::api::core::v1::{Pod, Secret};
use kclient_core::Object;

use super::*;

const POD_JSON: &str = include_str!("../../../../kclient-core/testdata/pod-13kb.json");

fn pods(n: usize) -> List<Pod> {
    let template: Pod = serde_json::from_str(POD_JSON).unwrap();
    let items = (0..n)
        .map(|i| {
            let mut pod = template.clone();
            pod.metadata.name = Some(format!("bench-{i:06}"));
            pod
        })
        .collect();
    List {
        items,
        metadata: ListMeta {
            resource_version: Some("4711".into()),
            ..Default::default()
        },
    }
}

fn json_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn a_protobuf_item_is_the_same_compact_object_as_its_json() {
    let list = kclient_protobuf::encode_object(&pods(1)).unwrap();
    let parts = kclient_protobuf::split_list(&list).unwrap();
    let proto = Compact::<Pod>::from_protobuf_item(parts.items[0]).unwrap();
    let json =
        Compact::<Pod>::from_json(&serde_json::to_string(&pods(1).items[0]).unwrap()).unwrap();

    assert_eq!(proto.meta(), json.meta());
    assert!(proto.meta().managed_fields.is_none());
    assert_eq!(proto.meta().name.as_deref(), Some("bench-000000"));
    assert_eq!(
        crate::meta_namespace_key(&proto).unwrap(),
        "bench/bench-000000"
    );
    assert_eq!(Object::labels(&proto).get("app").unwrap(), "bench");

    let decoded = proto.decode().unwrap();
    assert_eq!(decoded, json.decode().unwrap());
    assert!(decoded.metadata.managed_fields.is_some());
    assert_eq!(
        json_value(&proto.json().unwrap()),
        json_value(&json.json().unwrap())
    );
    assert_eq!(proto, json);
    assert_ne!(
        proto,
        Compact::<Pod>::from_protobuf_item(parts.items[0])
            .map(|mut c| {
                c.meta.name = None;
                c.body = Body::Json("{}".into());
                c
            })
            .unwrap()
    );
    // The bundled Pod's JSON, read back from the protobuf (it has apiVersion and kind),
    // under the name the list gives its first copy.
    let mut bundled = json_value(POD_JSON);
    bundled["metadata"]["name"] = "bench-000000".into();
    assert_eq!(json_value(&proto.json().unwrap()), bundled);
}

#[test]
fn objects_and_lists_arrive_whole() {
    let pod = pods(1).items.remove(0);
    let object =
        Compact::<Pod>::from_protobuf_object(&kclient_protobuf::encode_object(&pod).unwrap())
            .unwrap();
    assert_eq!(object.decode().unwrap(), pod);

    let (meta, items) =
        Compact::<Pod>::from_protobuf_list(&kclient_protobuf::encode_object(&pods(3)).unwrap())
            .unwrap();
    assert_eq!(meta.resource_version.as_deref(), Some("4711"));
    let names: Vec<_> = items
        .iter()
        .map(|c| c.meta().name.clone().unwrap())
        .collect();
    assert_eq!(names, ["bench-000000", "bench-000001", "bench-000002"]);
    assert_eq!(items[0], object);

    let (meta, items) = Compact::<Pod>::from_protobuf_list(
        &kclient_protobuf::encode_object(&List::<Pod>::default()).unwrap(),
    )
    .unwrap();
    assert!(items.is_empty() && meta.resource_version.is_none());
}

#[test]
fn a_thousand_protobuf_pods_hold_less_than_their_json() {
    // Deterministic accounting: a boxed slice allocates exactly its length, and the typed
    // metadata is the same value either way (checked above), so the difference between the
    // two caches is the difference between the bodies.
    let list = pods(1_000);
    let encoded = kclient_protobuf::encode_object(&list).unwrap();
    let parts = kclient_protobuf::split_list(&encoded).unwrap();
    let (mut proto_bytes, mut json_bytes) = (0, 0);
    for (item, pod) in parts.items.iter().zip(&list.items) {
        let proto = Compact::<Pod>::from_protobuf_item(item).unwrap();
        let json = Compact::<Pod>::from_json(&serde_json::to_string(pod).unwrap()).unwrap();
        assert_eq!(proto.meta(), json.meta());
        proto_bytes += proto.body_len();
        json_bytes += json.body_len();
    }
    assert!(
        proto_bytes * 10 < json_bytes * 8,
        "protobuf {proto_bytes} bytes, JSON {json_bytes} bytes"
    );
}

#[test]
fn bad_protobuf_is_an_error_never_a_panic_and_never_shows_values() {
    let mut secret = Secret::default();
    secret.metadata.name = Some("db".into());
    secret.string_data = Some([("token".to_string(), "hunter2".to_string())].into());
    let bytes = kclient_protobuf::encode_object(&secret).unwrap();
    let compact = Compact::<Secret>::from_protobuf_object(&bytes).unwrap();
    let debug = format!("{compact:?}");
    assert!(
        debug.contains("db") && debug.contains("protobuf_bytes"),
        "{debug}"
    );
    assert!(!debug.contains("hunter2"), "{debug}");

    // Every truncation of the object: an error or (where the cut falls between fields) a
    // shorter object, never a panic; the metadata is checked on arrival.
    for end in 0..bytes.len() {
        if let Ok(compact) = Compact::<Secret>::from_protobuf_object(&bytes[..end]) {
            let _ = compact.decode();
            let _ = compact.json();
        }
    }
    assert!(Compact::<Secret>::from_protobuf_object(b"{\"kind\":\"Secret\"}").is_err());
    assert!(Compact::<Secret>::from_protobuf_item(&[0x0a, 0x05, 0x0a]).is_err());
    assert!(Compact::<Pod>::from_protobuf_list(&bytes).is_err());

    // A string that is not UTF-8: decoding reports the type and the kind of failure, not
    // the value.
    let mut item = vec![0x0a, 0x04, 0x0a, 0x02, b'd', b'b', 0x22, 17, 0x0a, 5];
    item.extend_from_slice(b"token\x12\x08hunter2\xff");
    let bad = Compact::<Secret>::from_protobuf_item(&item).unwrap();
    assert_eq!(bad.meta().name.as_deref(), Some("db"));
    let err = bad.decode().unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("Secret"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(bad.json().is_err());
}
