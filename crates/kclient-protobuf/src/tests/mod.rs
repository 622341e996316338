//! Unit tests over the crate's internals.

mod smoke {
    use k8s_openapi::api::core::v1::Pod;

    #[test]
    fn bench_pod_round_trips() {
        let json = std::fs::read("/work/shared/bench/pod-13kb.json").unwrap();
        let pod: Pod = serde_json::from_slice(&json).unwrap();
        let bytes = crate::encode_object(&pod).unwrap();
        let back: Pod = crate::decode_object(&bytes).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), serde_json::to_value(&pod).unwrap());
        let v: serde_json::Value = crate::decode_object(&bytes).unwrap();
        println!("{} bytes vs {} json; {}", bytes.len(), json.len(), &v.to_string()[..300]);
    }
}

mod roundtrip;
mod fixtures;
mod watch;
