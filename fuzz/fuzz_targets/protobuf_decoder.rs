#![no_main]
//! Arbitrary bytes through the Kubernetes protobuf decoders: the object decoder (typed and as
//! a JSON value, then encoded back), and the watch-frame reader and incremental decoder with
//! the events they yield, and lists cut into items decoded one by one. Every outcome is a value or a typed error: never a panic, and no
//! allocation sized by a length prefix.

use k8s_openapi::api::core::v1::Pod;
use kclient_protobuf::{FrameDecoder, FrameReader, decode_object, decode_watch_event};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    // Most inputs would fail at the magic: give the object decoders a valid prefix.
    let object = [kclient_protobuf::MAGIC, body].concat();
    match mode % 4 {
        0 => {
            if let Ok(value) = decode_object::<Value>(&object) {
                let _ = kclient_protobuf::encode_value(&value);
            }
        }
        1 => {
            let _ = decode_object::<Pod>(&object);
            let _ = kclient_protobuf::decode_list::<Pod>(&object);
            let _ = kclient_protobuf::decode_status(&object);
            // A list cut into items and decoded item by item, as informers do.
            if let Ok(parts) = kclient_protobuf::split_list(&object) {
                let _ = parts.list_meta();
                let decoder = parts.item_decoder();
                for item in &parts.items {
                    let _ = decoder.decode::<Pod>(item);
                    let _ = decoder.decode::<Value>(item);
                }
            }
        }
        2 => {
            for frame in FrameReader::new(body).max_frame(1 << 16) {
                let Ok(frame) = frame else { break };
                let _ = decode_watch_event::<Pod>(frame);
                let _ = decode_watch_event::<Value>(frame);
            }
        }
        _ => {
            let mut decoder = FrameDecoder::new().max_frame(1 << 16);
            for chunk in body.chunks(usize::from(mode).max(1)) {
                decoder.push(chunk);
                while let Ok(Some(frame)) = decoder.next_frame() {
                    let _ = decode_watch_event::<Value>(&frame);
                }
            }
        }
    }
});
