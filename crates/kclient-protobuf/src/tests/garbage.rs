//! Arbitrary and mutated bytes through every decoder (what the `protobuf_decoder` fuzz target
//! does at length, kept here so that CI runs it): each outcome is a value or a typed
//! [`Error`], never a panic; and a length prefix larger than its input is an error, not an
//! allocation of that size.

use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent;
use proptest::prelude::*;
use serde_json::Value;

use crate::{
    Error, FrameDecoder, FrameReader, MAGIC, decode_list, decode_object, decode_status,
    decode_watch_event, encode_object, encode_watch_event,
};

/// Every decoder over `bytes`; all that is asserted is that each returns.
fn decode_everything(bytes: &[u8]) {
    if let Ok(value) = decode_object::<Value>(bytes) {
        // Whatever decodes encodes again (or says why not).
        let _ = crate::encode_value(&value);
    }
    let _ = decode_object::<Pod>(bytes);
    let _ = decode_list::<Pod>(bytes);
    let _ = decode_status(bytes);
    for frame in FrameReader::new(bytes).max_frame(1 << 16) {
        let Ok(frame) = frame else { break };
        let _ = decode_watch_event::<Pod>(frame);
        let _ = decode_watch_event::<Value>(frame);
    }
    let mut decoder = FrameDecoder::new().max_frame(1 << 16);
    for chunk in bytes.chunks(7) {
        decoder.push(chunk);
        while let Ok(Some(frame)) = decoder.next_frame() {
            let _ = decode_watch_event::<ConfigMap>(&frame);
        }
    }
    // The same bytes as a frame's event.
    let _ = decode_watch_event::<Value>(bytes);
    // And as a list arriving in chunks.
    let mut splitter = crate::ListSplitter::new();
    'chunks: for chunk in bytes.chunks(5) {
        splitter.push(chunk);
        loop {
            match splitter.next_item() {
                Ok(Some(item)) => {
                    if let Some(decoder) = splitter.item_decoder() {
                        let _ = decoder.decode::<Value>(&item);
                    }
                }
                Ok(None) => break,
                Err(_) => break 'chunks,
            }
        }
    }
    let _ = splitter.finish();
}

/// Valid encodings to mutate: a real Pod, a list, a watch stream.
fn seeds() -> Vec<Vec<u8>> {
    let pod: Pod = serde_json::from_slice(include_bytes!(
        "../../../kclient-core/testdata/pod-13kb.json"
    ))
    .unwrap();
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("c".into());
    cm.data = Some([("k".to_string(), "v".to_string())].into());
    let list = k8s_openapi::List::<ConfigMap> {
        items: vec![cm.clone(), cm.clone()],
        ..Default::default()
    };
    let stream = [
        encode_watch_event(&WatchEvent::Added(cm.clone())).unwrap(),
        encode_watch_event(&WatchEvent::Modified(cm)).unwrap(),
    ]
    .concat();
    vec![
        encode_object(&pod).unwrap(),
        encode_object(&list).unwrap(),
        stream,
    ]
}

#[test]
fn a_length_prefix_beyond_the_input_is_an_error_not_an_allocation() {
    // A string field claiming close to 2^64 bytes, and one claiming 4 GiB, in a few bytes:
    // decoding must stop at the prefix (an allocation of that size would abort the test).
    for len in [
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01].as_slice(),
        &[0x80, 0x80, 0x80, 0x80, 0x10],
    ] {
        let mut meta = vec![0x0a];
        meta.extend_from_slice(len);
        meta.extend_from_slice(b"abc");
        let mut pod = vec![0x0a];
        pod.push(meta.len() as u8);
        pod.extend_from_slice(&meta);
        let envelope = super::fixtures::envelope("v1", "Pod", &super::fixtures::M(pod));
        let err = decode_object::<Pod>(&envelope).unwrap_err();
        assert!(
            matches!(err, Error::Truncated(_) | Error::BadVarint),
            "{err:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&body);
        decode_everything(&[MAGIC, &body].concat());
    }

    #[test]
    fn mutated_encodings_never_panic(
        seed in 0usize..3,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut bytes = seeds().swap_remove(seed);
        for (at, byte) in edits {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        decode_everything(&bytes);
        let cut = cut % (bytes.len() + 1);
        decode_everything(&bytes[..cut]);
    }
}
