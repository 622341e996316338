#![no_main]
//! Any string as a label selector: parsing fails cleanly or yields a selector whose printed form
//! parses back to the same selector.

use kclient_core::selector::LabelSelector;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(selector) = text.parse::<LabelSelector>() {
        let printed = selector.to_string();
        let reparsed: LabelSelector = printed
            .parse()
            .unwrap_or_else(|e| panic!("printed selector {printed:?} does not parse: {e}"));
        assert_eq!(reparsed, selector, "round trip changed {printed:?}");
    }
});
