//! Impersonation headers (client-go's `ImpersonationConfig` and its round tripper).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use http::{HeaderName, HeaderValue};

/// `Impersonate-User`.
pub const IMPERSONATE_USER: &str = "Impersonate-User";
/// `Impersonate-Uid`.
pub const IMPERSONATE_UID: &str = "Impersonate-Uid";
/// `Impersonate-Group`, repeated once per group.
pub const IMPERSONATE_GROUP: &str = "Impersonate-Group";
/// Prefix of `Impersonate-Extra-<key>` headers.
pub const IMPERSONATE_EXTRA_PREFIX: &str = "Impersonate-Extra-";

/// Who to act as (kubeconfig `as`, `as-uid`, `as-groups`, `as-user-extra`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Impersonate {
    /// User name to impersonate; no headers at all are sent when this is `None`.
    pub user: Option<String>,
    /// UID to impersonate.
    pub uid: Option<String>,
    /// Groups to impersonate.
    pub groups: Vec<String>,
    /// Extra user info to impersonate.
    pub extra: BTreeMap<String, Vec<String>>,
}

/// A value that cannot be sent in an HTTP header (control characters).
#[derive(Debug, thiserror::Error)]
#[error("{header} value contains characters not allowed in an HTTP header")]
pub struct ImpersonateError {
    /// The header that could not be built.
    pub header: String,
}

impl Impersonate {
    /// True when no user is impersonated.
    pub fn is_empty(&self) -> bool {
        self.user.is_none()
    }

    /// The headers to add to each request, or an error if a value contains control characters.
    /// Extra keys are percent-encoded like client-go (`Impersonate-Extra-example.com%2Fscopes`).
    pub fn try_headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, ImpersonateError> {
        let Some(user) = &self.user else {
            return Ok(Vec::new());
        };
        let value = |header: &str, v: &str| {
            HeaderValue::from_str(v).map_err(|_| ImpersonateError {
                header: header.to_owned(),
            })
        };
        let mut out = vec![(
            HeaderName::from_static("impersonate-user"),
            value(IMPERSONATE_USER, user)?,
        )];
        if let Some(uid) = &self.uid {
            out.push((
                HeaderName::from_static("impersonate-uid"),
                value(IMPERSONATE_UID, uid)?,
            ));
        }
        for group in &self.groups {
            out.push((
                HeaderName::from_static("impersonate-group"),
                value(IMPERSONATE_GROUP, group)?,
            ));
        }
        for (key, values) in &self.extra {
            let header = format!("{IMPERSONATE_EXTRA_PREFIX}{}", escape_extra_key(key));
            let name = HeaderName::from_bytes(header.as_bytes()).map_err(|_| ImpersonateError {
                header: header.clone(),
            })?;
            for v in values {
                out.push((name.clone(), value(&header, v)?));
            }
        }
        Ok(out)
    }

    /// The headers to add to each request. Values that are not valid header text (control
    /// characters, which [`crate::Config::from_kubeconfig`] already rejects) are
    /// percent-encoded rather than dropped, so a request never silently loses impersonation.
    pub fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        if let Ok(headers) = self.try_headers() {
            return headers;
        }
        let sanitized = Impersonate {
            user: self.user.as_deref().map(escape_controls),
            uid: self.uid.as_deref().map(escape_controls),
            groups: self.groups.iter().map(|g| escape_controls(g)).collect(),
            extra: self
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().map(|s| escape_controls(s)).collect()))
                .collect(),
        };
        sanitized.try_headers().unwrap_or_default()
    }
}

/// client-go's `headerKeyEscape`: every byte that is not an RFC 7230 token character, and
/// `%` itself, becomes `%XX`.
fn escape_extra_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for &b in key.as_bytes() {
        let legal = b.is_ascii_alphanumeric() || b"!#$&'*+-.^_`|~".contains(&b);
        if legal {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn escape_controls(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        if (ch.is_ascii_control() && ch != '\t') || ch == '%' {
            let _ = write!(out, "%{:02X}", ch as u32);
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_values(h: &[(HeaderName, HeaderValue)]) -> Vec<(String, String)> {
        h.iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("<bin>").to_owned()))
            .collect()
    }

    #[test]
    fn headers_like_client_go() {
        let imp = Impersonate {
            user: Some("alice".into()),
            uid: Some("u-1".into()),
            groups: vec!["g1".into(), "g2".into()],
            extra: BTreeMap::from([
                ("example.com/scopes".into(), vec!["a".into(), "b".into()]),
                ("100%".into(), vec!["c".into()]),
            ]),
        };
        assert_eq!(
            names_values(&imp.headers()),
            [
                ("impersonate-user", "alice"),
                ("impersonate-uid", "u-1"),
                ("impersonate-group", "g1"),
                ("impersonate-group", "g2"),
                ("impersonate-extra-100%25", "c"),
                ("impersonate-extra-example.com%2fscopes", "a"),
                ("impersonate-extra-example.com%2fscopes", "b"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
    }

    #[test]
    fn no_user_no_headers() {
        let imp = Impersonate {
            groups: vec!["g".into()],
            ..Default::default()
        };
        assert!(imp.headers().is_empty());
    }

    #[test]
    fn control_characters_are_encoded_not_dropped() {
        let imp = Impersonate {
            user: Some("bad\nname".into()),
            ..Default::default()
        };
        assert!(imp.try_headers().is_err());
        assert_eq!(
            names_values(&imp.headers()),
            [("impersonate-user".to_owned(), "bad%0Aname".to_owned())]
        );
    }
}
