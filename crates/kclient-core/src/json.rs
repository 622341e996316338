//! JSON decoding of response bodies: the bytes are checked for UTF-8 once, up front, then
//! parsed as a `&str`; and the one `null`-as-default field helper every wire type uses.
//!
//! `serde_json::from_slice` re-validates UTF-8 inside every string it reads; one bulk
//! `str::from_utf8` pass followed by `serde_json::from_str` does the same check far faster on
//! Kubernetes objects, which are mostly strings (about 20% less time decoding a 131 MB list of
//! Pods, see docs/benchmarks.md). Arrays decode into `Vec`s of exactly their length
//! (`sized`), so a cache does not hold doubling slack.

mod sized;

use serde::Deserialize;
use serde::de::{DeserializeOwned, Error as _};

/// Decodes `bytes` as JSON into `T`; invalid UTF-8 is a decode error naming the offset.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        serde_json::Error::custom(format!(
            "invalid UTF-8 at byte {} of the JSON body",
            e.valid_up_to()
        ))
    })?;
    let lengths = sized::Lengths::scan(text.as_bytes());
    let mut de = serde_json::Deserializer::from_str(text);
    let value = T::deserialize(sized::Sized {
        de: &mut de,
        lengths: &lengths,
    })?;
    de.end()?;
    Ok(value)
}

/// A serde `deserialize_with` helper: `null` reads as the type's default, as Go's JSON decoder
/// leaves a nil slice or map (kube-apiserver sends `"items": null` for empty lists of some
/// kinds, and `"metadata": null` in places).
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn decodes_like_serde_json() {
        let body = br#"{"kind":"Pod","metadata":{"name":"caf\u00e9","labels":{"a":"\u00fc"}}}"#;
        let ours: Value = from_slice(body).unwrap();
        let theirs: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn invalid_utf8_and_bad_json_are_errors() {
        let err = from_slice::<Value>(b"{\"a\":\"\xff\"}").unwrap_err();
        assert!(err.to_string().contains("invalid UTF-8 at byte 6"), "{err}");
        assert!(from_slice::<Value>(b"{\"a\":").is_err());
    }
}
