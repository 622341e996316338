//! Objects encoded by hand from the field numbers of Kubernetes' `.proto` files, laid out as
//! Go's generated marshallers write them (non-pointer fields always, zero or not): decoding
//! them proves the wire mapping, not only that encoding and decoding agree.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use serde_json::{Value, json};

use crate::Error;

/// A message under construction.
#[derive(Default, Clone)]
pub(crate) struct M(pub Vec<u8>);

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl M {
    pub(crate) fn new() -> Self {
        Self::default()
    }
    pub(crate) fn int(mut self, n: u64, v: u64) -> Self {
        varint(&mut self.0, n << 3);
        varint(&mut self.0, v);
        self
    }
    pub(crate) fn bytes(mut self, n: u64, b: &[u8]) -> Self {
        varint(&mut self.0, (n << 3) | 2);
        varint(&mut self.0, b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }
    pub(crate) fn str(self, n: u64, s: &str) -> Self {
        self.bytes(n, s.as_bytes())
    }
    pub(crate) fn msg(self, n: u64, m: M) -> Self {
        self.bytes(n, &m.0)
    }
    pub(crate) fn entry(self, n: u64, k: &str, v: M) -> Self {
        self.msg(n, M::new().str(1, k).msg(2, v))
    }
    pub(crate) fn str_entry(self, n: u64, k: &str, v: &str) -> Self {
        self.msg(n, M::new().str(1, k).str(2, v))
    }
}

/// `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding, contentType}.
pub(crate) fn envelope(api_version: &str, kind: &str, raw: &M) -> Vec<u8> {
    let unknown = M::new()
        .msg(1, M::new().str(1, api_version).str(2, kind))
        .msg(2, raw.clone())
        .str(3, "")
        .str(4, "");
    [b"k8s\0".as_slice(), &unknown.0].concat()
}

fn time(seconds: u64) -> M {
    M::new().int(1, seconds).int(2, 0)
}

const T: u64 = 1_700_000_000;
const T_JSON: &str = "2023-11-14T22:13:20Z";

fn object_meta() -> M {
    M::new()
        .str(1, "web")
        .str(2, "")
        .str(3, "default")
        .str(4, "")
        .str(5, "")
        .str(6, "42")
        .int(7, 0)
        .msg(8, time(T))
        .str_entry(11, "app", "web")
        .int(99, 7) // a field this schema does not know: skipped
        .msg(
            17,
            M::new()
                .str(1, "kubectl")
                .str(2, "Apply")
                .str(3, "v1")
                .msg(4, time(T))
                .str(6, "FieldsV1")
                .msg(7, M::new().str(1, r#"{"f:metadata":{"f:labels":{}}}"#))
                .str(8, ""),
        )
}

pub(crate) fn pod() -> M {
    let quantity = |q: &str| M::new().str(1, q);
    let container = M::new()
        .str(1, "app")
        .str(2, "nginx")
        .str(3, "a")
        .str(3, "b")
        .msg(
            6,
            M::new()
                .str(1, "")
                .int(2, 0)
                .int(3, 80)
                .str(4, "TCP")
                .str(5, ""),
        )
        .msg(8, M::new().entry(1, "cpu", quantity("500m")))
        .msg(
            11,
            M::new()
                .msg(
                    1,
                    M::new().msg(
                        2,
                        M::new()
                            .str(1, "/")
                            .msg(2, M::new().int(1, 1).int(2, 0).str(3, "http"))
                            .str(3, "")
                            .str(4, "HTTP"),
                    ),
                )
                .int(2, 0)
                .int(3, 1)
                .int(4, 10),
        );
    let spec = M::new()
        .msg(
            1,
            M::new().str(1, "data").msg(
                2,
                M::new().msg(2, M::new().str(1, "").msg(2, quantity("1Gi"))),
            ),
        )
        .msg(2, container)
        .str(3, "Always")
        .int(4, 30)
        .int(11, 0);
    let status = M::new()
        .str(1, "Running")
        .msg(
            2,
            M::new()
                .str(1, "Ready")
                .str(2, "True")
                .msg(3, M::new())
                .msg(4, time(T)),
        )
        .msg(7, time(T));
    M::new()
        .msg(1, object_meta())
        .msg(2, spec)
        .msg(3, status)
        .int(1000, 1)
}

fn pod_json() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "resourceVersion": "42",
            "creationTimestamp": T_JSON,
            "labels": {"app": "web"},
            "managedFields": [{
                "manager": "kubectl",
                "operation": "Apply",
                "apiVersion": "v1",
                "time": T_JSON,
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {}}}
            }]
        },
        "spec": {
            "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}}],
            "containers": [{
                "name": "app",
                "image": "nginx",
                "command": ["a", "b"],
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "resources": {"limits": {"cpu": "500m"}},
                "readinessProbe": {
                    "httpGet": {"path": "/", "port": "http", "scheme": "HTTP"},
                    "timeoutSeconds": 1,
                    "periodSeconds": 10
                }
            }],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": T_JSON}],
            "startTime": T_JSON
        }
    })
}

#[test]
fn a_hand_encoded_pod_decodes_to_what_the_apiserver_sends_as_json() {
    let bytes = envelope("v1", "Pod", &pod());
    let value: Value = crate::decode_object(&bytes).unwrap();
    assert_eq!(value, pod_json());
    let typed: Pod = crate::decode_object(&bytes).unwrap();
    let from_json: Pod = serde_json::from_value(pod_json()).unwrap();
    assert_eq!(typed, from_json);
    assert_eq!(
        typed.metadata.generate_name, None,
        "zero non-pointer omitempty strings are absent"
    );
    assert_eq!(typed.spec.as_ref().unwrap().host_network, None);
    // Our own encoding of it decodes to the same Pod.
    let again: Pod = crate::decode_object(&crate::encode_object(&typed).unwrap()).unwrap();
    assert_eq!(again, from_json);
}

#[test]
fn pointer_fields_keep_their_zero_values() {
    let deployment = M::new()
        .msg(1, M::new().str(1, "d").str(2, ""))
        .msg(2, M::new().int(1, 0).int(5, 0));
    let d: Deployment =
        crate::decode_object(&envelope("apps/v1", "Deployment", &deployment)).unwrap();
    let spec = d.spec.unwrap();
    assert_eq!(spec.replicas, Some(0), "*int32 replicas: 0 is meaningful");
    assert_eq!(
        spec.min_ready_seconds, None,
        "int32 minReadySeconds,omitempty: 0 is absent"
    );

    let pvc = M::new()
        .msg(1, M::new().str(1, "c"))
        .msg(2, M::new().str(5, "").str(3, ""));
    let c: PersistentVolumeClaim =
        crate::decode_object(&envelope("v1", "PersistentVolumeClaim", &pvc)).unwrap();
    let spec = c.spec.unwrap();
    assert_eq!(
        spec.storage_class_name.as_deref(),
        Some(""),
        "*string: \"\" disables dynamic provisioning"
    );
    assert_eq!(spec.volume_name, None);
    // And encoding keeps them.
    let back: Deployment = crate::decode_object(
        &crate::encode_object(&Deployment {
            spec: Some(k8s_openapi::api::apps::v1::DeploymentSpec {
                replicas: Some(0),
                ..Default::default()
            }),
            ..Default::default()
        })
        .unwrap(),
    )
    .unwrap();
    assert_eq!(back.spec.unwrap().replicas, Some(0));
}

#[test]
fn packed_and_unpacked_repeated_scalars() {
    // PodSecurityContext.supplementalGroups = 4 (repeated int64), in PodSpec.securityContext = 14.
    let mut packed = Vec::new();
    for v in [1u64, 300, 70000] {
        varint(&mut packed, v);
    }
    for ctx in [
        M::new().bytes(4, &packed),
        M::new().int(4, 1).int(4, 300).int(4, 70000),
    ] {
        let pod = M::new().msg(2, M::new().msg(14, ctx));
        let v: Value = crate::decode_object(&envelope("v1", "Pod", &pod)).unwrap();
        assert_eq!(
            v["spec"]["securityContext"]["supplementalGroups"],
            json!([1, 300, 70000])
        );
    }
    // Occurrences of a repeated field interleaved with other fields are gathered.
    let container = M::new().str(3, "a").str(1, "app").str(3, "b");
    let pod = M::new().msg(2, M::new().msg(2, container));
    let v: Value = crate::decode_object(&envelope("v1", "Pod", &pod)).unwrap();
    assert_eq!(
        v["spec"]["containers"][0],
        json!({"name": "app", "command": ["a", "b"]})
    );
}

#[test]
fn special_types_decode_and_encode() {
    use k8s_openapi::api::apps::v1::ControllerRevision;
    use k8s_openapi::api::authorization::v1::SubjectAccessReview;
    use k8s_openapi::api::events::v1::Event;
    // RawExtension: ControllerRevision.data = 2 {raw = 1}; revision = 3.
    let rev = M::new()
        .msg(2, M::new().str(1, r#"{"spec":{"x":[1,2]}}"#))
        .int(3, 4);
    let r: ControllerRevision =
        crate::decode_object(&envelope("apps/v1", "ControllerRevision", &rev)).unwrap();
    assert_eq!(r.data.unwrap().0, json!({"spec": {"x": [1, 2]}}));
    assert_eq!(r.revision, 4);
    // ExtraValue (a Go named slice): SubjectAccessReview.spec = 2 {extra = 5 map<string, ExtraValue{items = 1}>}.
    let sar = M::new().msg(
        2,
        M::new().entry(5, "scopes", M::new().str(1, "a").str(1, "b")),
    );
    let s: SubjectAccessReview = crate::decode_object(&envelope(
        "authorization.k8s.io/v1",
        "SubjectAccessReview",
        &sar,
    ))
    .unwrap();
    assert_eq!(
        s.spec.extra.unwrap()["scopes"],
        vec!["a".to_string(), "b".to_string()]
    );
    // MicroTime: events.k8s.io Event.eventTime = 2 {seconds, nanos}.
    let ev = M::new().msg(2, M::new().int(1, T).int(2, 123_456_000));
    let e: Value = crate::decode_object(&envelope("events.k8s.io/v1", "Event", &ev)).unwrap();
    assert_eq!(e["eventTime"], "2023-11-14T22:13:20.123456Z");
    let typed: Event = serde_json::from_value(e.clone()).unwrap();
    let back: Value = crate::decode_object(&crate::encode_object(&typed).unwrap()).unwrap();
    assert_eq!(back["eventTime"], e["eventTime"]);
    // IntOrString as an integer, Secret bytes as base64.
    let svc = M::new().msg(
        2,
        M::new().msg(
            1,
            M::new()
                .int(3, 80)
                .msg(4, M::new().int(1, 0).int(2, 8080).str(3, "")),
        ),
    );
    let v: Value = crate::decode_object(&envelope("v1", "Service", &svc)).unwrap();
    assert_eq!(
        v["spec"]["ports"][0],
        json!({"port": 80, "targetPort": 8080})
    );
    let secret = M::new().bytes(2, &M::new().str(1, "k").bytes(2, b"\x00\xffhi").0);
    let v: Value = crate::decode_object(&envelope("v1", "Secret", &secret)).unwrap();
    assert_eq!(v["data"], json!({"k": "AP9oaQ=="}));
}

#[test]
fn status_decodes_for_errors() {
    let status = M::new()
        .msg(1, M::new())
        .str(2, "Failure")
        .str(3, "pods \"x\" not found")
        .str(4, "NotFound")
        .msg(
            5,
            M::new()
                .str(1, "x")
                .str(2, "")
                .str(3, "pods")
                .int(5, 0)
                .str(6, ""),
        )
        .int(6, 404);
    let s = crate::decode_status(&envelope("v1", "Status", &status)).unwrap();
    assert_eq!(s.code, Some(404));
    assert_eq!(s.reason.as_deref(), Some("NotFound"));
    assert_eq!(s.status.as_deref(), Some("Failure"));
    let details = s.details.unwrap();
    assert_eq!(
        (
            details.name.as_deref(),
            details.kind.as_deref(),
            details.group
        ),
        (Some("x"), Some("pods"), None)
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let good = envelope("v1", "Pod", &pod());
    assert_eq!(
        crate::decode_object::<Pod>(b"{}").unwrap_err(),
        Error::MissingPrefix
    );
    for cut in 4..good.len() {
        // Every truncation is an error or (cut at a field boundary) a smaller object; never a panic.
        let _ = crate::decode_object::<Pod>(&good[..cut]);
        let _ = crate::decode_object::<Value>(&good[..cut]);
    }
    assert!(matches!(
        crate::decode_object::<Value>(&good[..good.len() - 3]),
        Err(Error::Truncated(_))
    ));
    let wrong_wire = M::new().int(1, 5);
    assert!(matches!(
        crate::decode_object::<Pod>(&envelope("v1", "Pod", &wrong_wire)),
        Err(Error::BadWireType { .. })
    ));
    let bad_utf8 = M::new().msg(1, M::new().bytes(1, b"\xff"));
    assert_eq!(
        crate::decode_object::<Pod>(&envelope("v1", "Pod", &bad_utf8)).unwrap_err(),
        Error::InvalidUtf8
    );
    assert!(matches!(
        crate::decode_object::<Value>(&envelope("v1", "NoSuchKind", &M::new())),
        Err(Error::UnknownKind { .. })
    ));
    let bad_json = M::new().msg(2, M::new().str(1, "{not json"));
    assert!(matches!(
        crate::decode_object::<Value>(&envelope("apps/v1", "ControllerRevision", &bad_json)),
        Err(Error::RawJson(_))
    ));
    let gzip = [b"k8s\0".as_slice(), &M::new().str(3, "gzip").0].concat();
    assert_eq!(
        crate::decode_object::<Value>(&gzip).unwrap_err(),
        Error::ContentEncoding("gzip".into())
    );
    // A length prefix far beyond the input is truncation, not an allocation.
    let huge = [b"k8s\0".as_slice(), &[0x12, 0xff, 0xff, 0xff, 0xff, 0x0f]].concat();
    assert!(matches!(
        crate::decode_object::<Value>(&huge),
        Err(Error::Truncated(_))
    ));
    // Encoding a value a field cannot hold.
    assert!(matches!(
        crate::encode_value(
            &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"creationTimestamp": "soon"}})
        ),
        Err(Error::Encode { .. })
    ));
}

#[test]
fn deeply_nested_messages_are_refused() {
    // JSONSchemaProps.not = 28 nests without end: 1000 levels must not exhaust the stack.
    let mut schema = M::new();
    for _ in 0..1000 {
        schema = M::new().msg(28, schema);
    }
    let version = M::new().str(1, "v1").msg(4, M::new().msg(1, schema));
    let crd = M::new().msg(2, M::new().msg(7, version));
    let bytes = envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", &crd);
    assert_eq!(
        crate::decode_object::<Value>(&bytes).unwrap_err(),
        Error::TooDeep(crate::de::MAX_DEPTH)
    );
}
