#![no_main]
//! Any byte stream, cut into chunks at fuzzer-chosen points, through the incremental watch decoder:
//! every outcome is an event or a typed error, and the decoder never panics.

use kclient_rest::watch::WatchDecoder;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, body)) = data.split_first() else {
        return;
    };
    let step = usize::from(cut).max(1);
    let mut decoder = WatchDecoder::<Value>::new();
    for chunk in body.chunks(step) {
        for _event in decoder.feed(chunk) {}
    }
    let _ = decoder.finish();
});
