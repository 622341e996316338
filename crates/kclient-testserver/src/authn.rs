//! Who is asking: kube-apiserver's authenticators in the order it runs them: a verified
//! client certificate (CN is the user, each O a group), then a bearer token from the static
//! token map, else the anonymous user. Every authenticated user is also in
//! `system:authenticated`.

use std::collections::HashMap;
use std::sync::RwLock;

use http::{HeaderMap, header};
use serde_json::{Value, json};

use crate::auth::constant_time_eq;

/// The group every authenticated user is in.
pub(crate) const AUTHENTICATED: &str = "system:authenticated";
/// The group of requests without credentials.
pub(crate) const UNAUTHENTICATED: &str = "system:unauthenticated";
/// The group kube-apiserver lets do anything.
pub(crate) const MASTERS: &str = "system:masters";
/// The user of the server's own token (the default kubeconfig).
pub(crate) const ADMIN_USER: &str = "kclient-testserver-admin";

/// An authenticated (or anonymous) user, as `user.Info`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserInfo {
    pub name: String,
    pub uid: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    /// A user as an authenticator returns it; `system:authenticated` is added as
    /// kube-apiserver's group adder does (once).
    pub fn authenticated(name: &str, uid: &str, groups: &[String]) -> Self {
        let mut groups = groups.to_vec();
        if !groups.iter().any(|g| g == AUTHENTICATED) {
            groups.push(AUTHENTICATED.to_string());
        }
        UserInfo {
            name: name.to_string(),
            uid: uid.to_string(),
            groups,
        }
    }

    /// `system:anonymous` in `system:unauthenticated`.
    pub fn anonymous() -> Self {
        UserInfo {
            name: "system:anonymous".to_string(),
            uid: String::new(),
            groups: vec![UNAUTHENTICATED.to_string()],
        }
    }

    /// Members of `system:masters` pass every authorization check.
    pub fn is_superuser(&self) -> bool {
        self.groups.iter().any(|g| g == MASTERS)
    }

    /// `authentication.k8s.io/v1` UserInfo.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"username": self.name, "groups": self.groups});
        if !self.uid.is_empty() {
            v["uid"] = Value::String(self.uid.clone());
        }
        v
    }
}

/// The static token map (kube-apiserver's `--token-auth-file`).
#[derive(Default)]
pub(crate) struct Tokens {
    by_token: RwLock<HashMap<String, UserInfo>>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens are secrets: only their number is printed.
        let n = self.by_token.read().map_or(0, |m| m.len());
        f.debug_struct("Tokens").field("count", &n).finish()
    }
}

impl Tokens {
    pub fn insert(&self, token: &str, user: UserInfo) {
        self.by_token
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.to_string(), user);
    }

    /// The user of a token; every entry is compared, so timing reveals no prefix.
    pub fn lookup(&self, token: &str) -> Option<UserInfo> {
        let map = self.by_token.read().unwrap_or_else(|e| e.into_inner());
        let mut found = None;
        for (known, user) in map.iter() {
            if constant_time_eq(known.as_bytes(), token.as_bytes()) {
                found = Some(user.clone());
            }
        }
        found
    }
}

/// Why a request has no user.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AuthnError {
    /// Credentials were presented and are not valid (401).
    Invalid,
    /// No credentials, and anonymous requests are off (401).
    Anonymous,
}

/// The bearer token of a request, when it carries one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Authenticates a request: the connection's certificate user first, then the token.
pub(crate) fn authenticate(
    headers: &HeaderMap,
    cert_user: Option<&UserInfo>,
    tokens: &Tokens,
    anonymous: bool,
) -> Result<UserInfo, AuthnError> {
    if let Some(user) = cert_user {
        return Ok(user.clone());
    }
    if headers.contains_key(header::AUTHORIZATION) {
        return bearer(headers)
            .and_then(|t| tokens.lookup(t))
            .ok_or(AuthnError::Invalid);
    }
    if anonymous {
        Ok(UserInfo::anonymous())
    } else {
        Err(AuthnError::Anonymous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn certificate_then_token_then_anonymous() {
        let tokens = Tokens::default();
        tokens.insert(
            "secret",
            UserInfo::authenticated("bob", "u1", &["dev".into()]),
        );
        let mut h = HeaderMap::new();
        assert_eq!(
            authenticate(&h, None, &tokens, true),
            Ok(UserInfo::anonymous())
        );
        assert_eq!(
            authenticate(&h, None, &tokens, false),
            Err(AuthnError::Anonymous)
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer secret"),
        );
        let bob = authenticate(&h, None, &tokens, true).expect("bob");
        assert_eq!(bob.groups, ["dev", AUTHENTICATED]);
        assert_eq!(bob.to_json()["uid"], "u1");
        let cert = UserInfo::authenticated("carol", "", &[]);
        assert_eq!(authenticate(&h, Some(&cert), &tokens, true), Ok(cert));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer secreT"),
        );
        assert_eq!(
            authenticate(&h, None, &tokens, true),
            Err(AuthnError::Invalid)
        );
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic x"));
        assert_eq!(
            authenticate(&h, None, &tokens, true),
            Err(AuthnError::Invalid)
        );
        assert!(!format!("{tokens:?}").contains("secret"));
    }
}
