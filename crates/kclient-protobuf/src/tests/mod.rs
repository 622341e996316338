//! Unit tests over the crate's internals.

/// The bundled 13 KB Pod (a real kube-apiserver's answer) survives encode → decode, typed
/// and as a JSON value.
mod bench_pod {
    use k8s_openapi::api::core::v1::Pod;

    #[test]
    fn bench_pod_round_trips() {
        let json = include_bytes!("../../../kclient-core/testdata/pod-13kb.json");
        let pod: Pod = serde_json::from_slice(json).unwrap();
        let bytes = crate::encode_object(&pod).unwrap();
        let back: Pod = crate::decode_object(&bytes).unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&pod).unwrap()
        );
        let value: serde_json::Value = crate::decode_object(&bytes).unwrap();
        assert_eq!(value, serde_json::to_value(&pod).unwrap());
        assert!(bytes.len() < json.len());
    }
}

mod fixtures;
mod garbage;
mod roundtrip;
mod watch;
