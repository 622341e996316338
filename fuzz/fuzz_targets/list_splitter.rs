#![no_main]
//! Any bytes as a list body, cut into chunks at fuzzer-chosen points, through the list
//! reader's item splitter: it never panics, and splitting then decoding each item and the
//! skeleton gives exactly what decoding the whole body at once gives (the same items, the
//! same resourceVersion and continue token), or both fail.

use kclient_cache::fuzzing::split_list;
use kclient_core::ObjectList;
use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, body)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(knobs & 0x1f) + 1;
    let take_every = usize::from(knobs >> 5);
    let whole = serde_json::from_slice::<ObjectList<Value>>(body);
    let split = split_list(body.chunks(chunk), take_every).and_then(|(items, skeleton)| {
        let items = items
            .iter()
            .map(|raw| serde_json::from_slice::<Value>(raw).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let skeleton = serde_json::from_slice::<ObjectList<IgnoredAny>>(&skeleton)
            .map_err(|e| e.to_string())?;
        Ok((items, skeleton))
    });
    match (whole, split) {
        (Ok(list), Ok((items, skeleton))) => {
            assert_eq!(items, list.items, "items differ");
            assert!(skeleton.items.is_empty(), "the skeleton kept items");
            assert_eq!(skeleton.metadata, list.metadata, "list metadata differs");
        }
        (Err(_), Err(_)) => {}
        (whole, split) => panic!(
            "whole-body decode {} but split decode {}",
            if whole.is_ok() { "succeeded" } else { "failed" },
            if split.is_ok() { "succeeded" } else { "failed" },
        ),
    }
});
