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

mod encoded;
mod fixtures;
mod garbage;
mod list_stream;
mod roundtrip;
mod watch;

/// A list spliced from its items' encodings is the list encoded whole.
mod encoded_items {
    use k8s_openapi::List;
    use k8s_openapi::api::core::v1::Pod;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;

    #[test]
    fn a_list_of_encoded_items_is_the_list_encoded_whole() {
        // `assert!` rather than `assert_eq!`: a failure would print megabytes of Pods.
        let json = include_bytes!("../../../kclient-core/testdata/pod-13kb.json");
        let pod: Pod = serde_json::from_slice(json).unwrap();
        let mut other = pod.clone();
        other.metadata.name = Some("other".into());
        let metadata = ListMeta {
            resource_version: Some("42".into()),
            continue_: Some("next".into()),
            remaining_item_count: Some(3),
            ..ListMeta::default()
        };
        let list = List {
            items: vec![pod.clone(), other.clone()],
            metadata: metadata.clone(),
        };
        let whole = crate::encode_object(&list).unwrap();
        let encoded = [
            crate::encode_object(&pod).unwrap(),
            crate::encode_object(&other).unwrap(),
        ];
        let raws: Vec<&[u8]> = encoded
            .iter()
            .map(|e| crate::Envelope::parse(e).unwrap().raw)
            .collect();
        let spliced = crate::encode_list_of_encoded("v1", "PodList", &metadata, &raws).unwrap();
        // The whole-list encoder writes fields in JSON key order; the spliced one in field
        // order (as Go does): the same message, not the same bytes.
        assert_eq!(spliced.len(), whole.len());
        let back: List<Pod> = crate::decode_list(&spliced).unwrap();
        let whole_back: List<Pod> = crate::decode_list(&whole).unwrap();
        assert!(back == whole_back && back.metadata == metadata);
        assert!(back.items == [pod, other]);
        let empty = crate::encode_list_of_encoded("v1", "PodList", &ListMeta::default(), &[]);
        let back: List<Pod> = crate::decode_list(&empty.unwrap()).unwrap();
        assert!(back.items.is_empty());
        assert!(crate::encode_list_of_encoded("v1", "Pod", &metadata, &raws).is_err());
        assert!(crate::encode_list_of_encoded("x/v1", "ThingList", &metadata, &raws).is_err());
    }
}
