//! authentication.k8s.io/v1: `SetDefaults_TokenRequestSpec`, the lifetime of a token
//! requested through `serviceaccounts/token` that names none.

use serde_json::{Map, Value, json};

use super::{child, or_nil};

/// One hour, kube-apiserver's default token lifetime.
pub(crate) const TOKEN_EXPIRATION_SECONDS: i64 = 3600;

pub(super) fn apply(kind: &str, map: &mut Map<String, Value>) {
    if kind == "TokenRequest"
        && let Some(spec) = child(map, "spec")
    {
        or_nil(spec, "expirationSeconds", json!(TOKEN_EXPIRATION_SECONDS));
    }
}
