#![no_main]
//! Any string as a field selector: parsing fails cleanly or round-trips through its printed form.

use kclient_core::selector::FieldSelector;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(selector) = text.parse::<FieldSelector>() {
        let printed = selector.to_string();
        let reparsed: FieldSelector = printed
            .parse()
            .unwrap_or_else(|e| panic!("printed selector {printed:?} does not parse: {e}"));
        assert_eq!(reparsed, selector, "round trip changed {printed:?}");
    }
});
