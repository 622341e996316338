#![no_main]
//! Any text through `Compact`'s one-pass capture: it never panics, and what it keeps is the
//! same JSON document as its input, with the input's metadata (but managedFields) typed.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::Compact;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(compact) = Compact::<Value>::from_json(text) else {
        return;
    };
    // The capture checks JSON syntax, not number ranges (a spec's number is `K`'s business at
    // `decode()`); without arbitrary precision a `Value` cannot hold 1e400, so such documents
    // cannot be compared here.
    let Ok(input) = serde_json::from_str::<Value>(text) else {
        return;
    };
    assert!(input.is_object(), "captured a non-object");
    let kept: Value = serde_json::from_str(compact.json()).expect("kept text is JSON");
    assert_eq!(kept, input, "the kept text is another document");
    // managedFields are kept as text and never parsed (that is the point of the capture), so
    // a malformed entry there is the body's business, reported by `decode()` as a spec is.
    let meta: ObjectMeta = match input.get("metadata") {
        None | Some(Value::Null) => ObjectMeta::default(),
        Some(m) => {
            let mut m = m.clone();
            if let Some(fields) = m.as_object_mut() {
                fields.remove("managedFields");
            }
            serde_json::from_value(m).expect("captured metadata decodes")
        }
    };
    assert_eq!(compact.meta(), &meta, "typed metadata differs from the input's");
    assert_eq!(compact.decode().expect("decodes as a Value"), input);
});
