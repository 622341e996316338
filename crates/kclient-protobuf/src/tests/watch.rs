//! Watch frames: Go's layout (4-byte big-endian length, raw `WatchEvent{type, object{raw}}`,
//! the object in its own envelope), truncation and oversized length prefixes.

use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Status, WatchEvent};
use serde_json::json;

use super::fixtures::{M, envelope, pod};
use crate::{Error, FrameDecoder, FrameReader, decode_watch_event, encode_watch_event};

/// A frame laid out by hand as kube-apiserver writes it.
fn go_frame(ty: &str, object: &[u8]) -> Vec<u8> {
    let event = M::new().str(1, ty).msg(2, M::new().bytes(1, object));
    let mut frame = (event.0.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&event.0);
    frame
}

#[test]
fn a_hand_laid_frame_decodes_into_a_typed_event() {
    let frame = go_frame("ADDED", &envelope("v1", "Pod", &pod()));
    let frames: Vec<_> = FrameReader::new(&frame).collect::<Result<_, _>>().unwrap();
    assert_eq!(frames.len(), 1);
    let WatchEvent::Added(p) = decode_watch_event::<Pod>(frames[0]).unwrap() else {
        panic!("not ADDED")
    };
    assert_eq!(p.metadata.name.as_deref(), Some("web"));
    // Ours is byte-for-byte the same layout.
    assert_eq!(
        crate::encode_watch_frame("ADDED", &envelope("v1", "Pod", &pod())),
        frame
    );
}

#[test]
fn every_event_type_round_trips_through_a_stream() {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("c".into());
    cm.data = Some([("k".to_string(), "v".to_string())].into());
    let status = Status {
        code: Some(410),
        reason: Some("Expired".into()),
        message: Some("too old resource version".into()),
        status: Some("Failure".into()),
        ..Default::default()
    };
    let events = vec![
        WatchEvent::Added(cm.clone()),
        WatchEvent::Modified(cm.clone()),
        WatchEvent::Deleted(cm.clone()),
        WatchEvent::Bookmark {
            annotations: [("k8s.io/initial-events-end".to_string(), "true".to_string())].into(),
            resource_version: "12".into(),
        },
        WatchEvent::ErrorStatus(status),
    ];
    let stream: Vec<u8> = events
        .iter()
        .flat_map(|e| encode_watch_event(e).unwrap())
        .collect();
    let back: Vec<WatchEvent<ConfigMap>> = FrameReader::new(&stream)
        .map(|f| decode_watch_event(f.unwrap()).unwrap())
        .collect();
    assert_eq!(back, events);

    // Fed in one-byte chunks, the incremental decoder yields the same frames.
    let mut decoder = FrameDecoder::new();
    let mut frames = Vec::new();
    for b in &stream {
        decoder.push(std::slice::from_ref(b));
        while let Some(frame) = decoder.next_frame().unwrap() {
            frames.push(frame);
        }
    }
    assert_eq!(decoder.pending(), 0);
    let again: Vec<WatchEvent<ConfigMap>> = frames
        .iter()
        .map(|f| decode_watch_event(f).unwrap())
        .collect();
    assert_eq!(again, events);
}

#[test]
fn an_error_event_without_status_is_kept_raw() {
    let object =
        crate::encode_value(&json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}))
            .unwrap();
    let event = decode_watch_event::<Pod>(&go_frame("ERROR", &object)[4..]).unwrap();
    let WatchEvent::ErrorOther(raw) = event else {
        panic!("{event:?}")
    };
    assert_eq!(
        raw.0,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}})
    );
    assert!(matches!(
        decode_watch_event::<Pod>(&go_frame("EXPLODED", &object)[4..]),
        Err(Error::Custom(_))
    ));
}

#[test]
fn truncated_and_oversized_frames_are_errors() {
    let frame = go_frame("ADDED", &envelope("v1", "Pod", &pod()));
    for cut in 1..frame.len() {
        let results: Vec<_> = FrameReader::new(&frame[..cut]).collect();
        assert!(
            matches!(results.as_slice(), [Err(Error::Truncated(_))]),
            "cut at {cut}"
        );
    }
    // A 4 GiB length prefix: an error from the prefix alone, nothing allocated for it.
    let huge = [0xff, 0xff, 0xff, 0xff, 1, 2, 3];
    assert_eq!(
        FrameReader::new(&huge).next().unwrap().unwrap_err(),
        Error::FrameTooLarge {
            len: u64::from(u32::MAX),
            max: crate::DEFAULT_MAX_FRAME
        }
    );
    let mut decoder = FrameDecoder::new().max_frame(1024);
    decoder.push(&2048u32.to_be_bytes());
    assert_eq!(
        decoder.next_frame().unwrap_err(),
        Error::FrameTooLarge {
            len: 2048,
            max: 1024
        }
    );
    let small: Vec<_> = FrameReader::new(&frame).max_frame(16).collect();
    assert!(matches!(
        small.as_slice(),
        [Err(Error::FrameTooLarge { .. })]
    ));
    // A frame whose event is garbage is an error, not a panic.
    assert!(decode_watch_event::<Pod>(&[0x0a, 0x05, b'A']).is_err());
    assert!(decode_watch_event::<Pod>(&go_frame("ADDED", b"k8s\0\x12\x03ab")[4..]).is_err());
}
