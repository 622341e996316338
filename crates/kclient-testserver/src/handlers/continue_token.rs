//! List continue tokens as kube-apiserver's storage writes and reads them
//! (`k8s.io/apiserver/pkg/storage/continue.go`): unpadded URL-safe base64 of
//! `{"v":"meta.k8s.io/v1","rv":<snapshot>,"start":"<key after the last item>"}`.
//!
//! `rv` is the snapshot the following pages read; `-1` (what the 410 for a compacted
//! snapshot hands out) continues at the latest state, and the pages after that one carry the
//! resourceVersion it was read at, consistent again from there. `0` is refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta as WireListMeta;
use serde::{Deserialize, Serialize};

use crate::error::{ApiResult, ErrorResponse};

#[derive(Serialize, Deserialize)]
struct ContinueToken {
    v: String,
    rv: i64,
    start: String,
}

const VERSION: &str = "meta.k8s.io/v1";

/// The token of a page whose last item has key `last_key`, read at `rv`.
pub(super) fn encode(rv: i64, last_key: &str) -> String {
    let token = ContinueToken {
        v: VERSION.into(),
        rv,
        start: format!("{last_key}\u{0}"),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

/// The snapshot resourceVersion and the key the next page starts after; a malformed token is
/// kube-apiserver's 400 `invalid continue token: continue key is not valid...`.
pub(super) fn decode(token: &str) -> ApiResult<(i64, String)> {
    let bad = |why: String| {
        ErrorResponse::bad_request(format!(
            "invalid continue token: continue key is not valid{why}"
        ))
    };
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|e| {
        // Go's `CorruptInputError`: the offset of the first byte it could not use.
        let at = match e {
            base64::DecodeError::InvalidByte(at, _)
            | base64::DecodeError::InvalidLastSymbol(at, _) => at,
            base64::DecodeError::InvalidLength(len) => len.saturating_sub(1),
            base64::DecodeError::InvalidPadding => token.find('=').unwrap_or(0),
        };
        bad(format!(": illegal base64 data at input byte {at}"))
    })?;
    let t: ContinueToken =
        serde_json::from_slice(&raw).map_err(|e| bad(format!(": {}", json_error(&raw, &e))))?;
    if t.v != VERSION {
        return Err(bad(format!(
            ": server does not recognize this encoded version {}",
            t.v
        )));
    }
    if t.rv == 0 {
        return Err(bad(
            ": incorrect encoded start resourceVersion (version meta.k8s.io/v1)".to_owned(),
        ));
    }
    if t.start.is_empty() {
        return Err(bad(
            ": encoded start key empty (version meta.k8s.io/v1)".to_owned()
        ));
    }
    let start = t
        .start
        .strip_suffix('\u{0}')
        .unwrap_or(&t.start)
        .to_string();
    Ok((t.rv, start))
}

/// encoding/json's wording for the two ways a token body is commonly broken.
fn json_error(raw: &[u8], e: &serde_json::Error) -> String {
    if e.is_eof() {
        return "unexpected end of JSON input".to_owned();
    }
    match raw.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(&b) if b != b'{' => {
            format!(
                "invalid character {} looking for beginning of value",
                go_char(b)
            )
        }
        _ => e.to_string(),
    }
}

/// Go's `%q` of a byte as encoding/json quotes it in errors: `'x'`.
fn go_char(b: u8) -> String {
    match b {
        b'\'' => "'\\''".to_owned(),
        b'"' => "'\"'".to_owned(),
        0x20..=0x7e => format!("'{}'", b as char),
        _ => format!("'\\x{b:02x}'"),
    }
}

/// The message of the 410 for a continue token whose snapshot was compacted.
pub(super) const EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// The 410 `Expired` for a continuation whose snapshot is gone: its `metadata.continue`
/// resumes after the same key at the latest state (`rv: -1`).
pub(super) fn expired(after: &str) -> ErrorResponse {
    let mut err = ErrorResponse::expired(EXPIRED);
    err.status.metadata = WireListMeta {
        continue_: Some(encode(-1, after)),
        ..WireListMeta::default()
    };
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(token: &str) -> String {
        decode(token)
            .unwrap_err()
            .status
            .message
            .unwrap_or_default()
    }

    #[test]
    fn round_trip_in_kube_apiservers_encoding() {
        let t = encode(42, "ns/name");
        assert!(
            !t.contains('=') && !t.contains('+') && !t.contains('/'),
            "{t}"
        );
        assert_eq!(decode(&t).unwrap(), (42, "ns/name".to_string()));
        assert_eq!(decode(&encode(-1, "a")).unwrap(), (-1, "a".to_string()));
    }

    #[test]
    fn malformed_tokens_are_kube_apiservers_400() {
        assert_eq!(
            message("!!!"),
            "invalid continue token: continue key is not valid: illegal base64 data at input byte 0"
        );
        assert_eq!(
            message(&URL_SAFE_NO_PAD.encode("nope")),
            "invalid continue token: continue key is not valid: invalid character 'n' looking for beginning of value"
        );
        assert_eq!(
            message(&encode(0, "a")),
            "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        );
        let other = URL_SAFE_NO_PAD.encode(r#"{"v":"x/v2","rv":1,"start":"a"}"#);
        assert_eq!(
            message(&other),
            "invalid continue token: continue key is not valid: server does not recognize this encoded version x/v2"
        );
    }
}
