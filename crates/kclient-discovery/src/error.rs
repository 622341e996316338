//! The errors of discovery: one [`DiscoveryError`] per failed call, [`GroupDiscoveryFailed`]
//! for the group-versions a whole-server call could not fetch, and [`Partial`] for results
//! that are useful even when some group-versions failed.
//!
//! Errors are `Clone` (the transport error is shared behind an `Arc`) because the memory
//! cache remembers the error of each failed group-version, as client-go's memcache does.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kclient_core::gvk::{GroupVersion, ParseGroupVersionError};
use kclient_core::{ApiError, Transience};

/// Why a discovery call failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The request failed: transport trouble, or a non-2xx answer (see [`Self::status_code`]).
    #[error(transparent)]
    Request(Arc<kclient_rest::Error>),
    /// A 2xx body is not the document it should be.
    #[error("failed to decode {what}: {message}")]
    Decode {
        /// The document (`"/apis"`, `"apps/v1 resources"`, ...).
        what: String,
        /// The decoder's message (never the body, which may be large).
        message: String,
    },
    /// A group-version string from the caller or the server does not parse.
    #[error("invalid group version {value:?}: {source}")]
    InvalidGroupVersion {
        /// The offending string.
        value: String,
        /// Why it does not parse.
        source: ParseGroupVersionError,
    },
    /// The aggregated document marked this group-version `Stale`: its aggregated API server
    /// has not answered recently (client-go's `StaleGroupVersionError`).
    #[error("stale GroupVersion discovery: {0}")]
    StaleGroupVersion(GroupVersion),
    /// The server answered a group-version's resource list with no resources.
    #[error("got empty response for: {0}")]
    EmptyResponse(GroupVersion),
    /// The memory cache holds no entry for this group-version: the server does not serve it
    /// (client-go's `ErrCacheNotFound`).
    #[error("not found in the discovery cache: {0}")]
    CacheNotFound(GroupVersion),
}

impl DiscoveryError {
    pub(crate) fn request(err: kclient_rest::Error) -> Self {
        DiscoveryError::Request(Arc::new(err))
    }

    pub(crate) fn decode(what: impl Into<String>, err: impl fmt::Display) -> Self {
        DiscoveryError::Decode {
            what: what.into(),
            message: err.to_string(),
        }
    }

    /// The underlying request error, if the call failed on the wire.
    pub fn request_error(&self) -> Option<&kclient_rest::Error> {
        match self {
            DiscoveryError::Request(e) => Some(e),
            _ => None,
        }
    }

    /// True for errors worth retrying (client-go's memcache `isTransientError`): the one
    /// rule of [`Transience::is_transient`] — transport failures, 429 and 5xx answers.
    pub fn is_transient(&self) -> bool {
        self.transience().is_transient()
    }
}

impl ApiError for DiscoveryError {
    fn status(&self) -> Option<&Status> {
        self.request_error()?.status()
    }

    fn is_transport(&self) -> bool {
        self.request_error().is_some_and(ApiError::is_transport)
    }

    fn is_timeout(&self) -> bool {
        self.request_error().is_some_and(ApiError::is_timeout)
    }

    fn transience(&self) -> Transience {
        self.request_error()
            .map_or(Transience::Permanent, ApiError::transience)
    }
}

/// Some group-versions could not be discovered (client-go's `ErrGroupDiscoveryFailed`): the
/// error of each one, by group-version.
#[derive(Clone, Debug, Default)]
pub struct GroupDiscoveryFailed {
    /// The error of each failed group-version.
    pub groups: BTreeMap<GroupVersion, DiscoveryError>,
}

impl GroupDiscoveryFailed {
    /// The failed group-versions, in order.
    pub fn group_versions(&self) -> impl Iterator<Item = &GroupVersion> {
        self.groups.keys()
    }

    /// True when nothing failed.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

impl fmt::Display for GroupDiscoveryFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unable to retrieve the complete list of server APIs: ")?;
        for (i, (gv, err)) in self.groups.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{gv}: {err}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GroupDiscoveryFailed {}

/// A result that may be incomplete: what was discovered, and the group-versions that failed.
///
/// client-go returns both a result and an `ErrGroupDiscoveryFailed`; here the failures ride
/// along with the value. Use [`Partial::into_result`] to treat any failure as an error.
#[derive(Clone, Debug)]
pub struct Partial<T> {
    /// Everything that was discovered.
    pub value: T,
    /// The group-versions that could not be discovered (`None` when all succeeded).
    pub failed: Option<GroupDiscoveryFailed>,
}

impl<T> Partial<T> {
    pub(crate) fn new(value: T, failed: BTreeMap<GroupVersion, DiscoveryError>) -> Self {
        let failed = (!failed.is_empty()).then_some(GroupDiscoveryFailed { groups: failed });
        Partial { value, failed }
    }

    /// True when every group-version was discovered.
    pub fn is_complete(&self) -> bool {
        self.failed.is_none()
    }

    /// The value when complete, else the failures (the value is dropped).
    pub fn into_result(self) -> Result<T, GroupDiscoveryFailed> {
        match self.failed {
            None => Ok(self.value),
            Some(failed) => Err(failed),
        }
    }

    /// Applies `f` to the value, keeping the failures.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Partial<U> {
        Partial {
            value: f(self.value),
            failed: self.failed,
        }
    }
}

pub(crate) fn parse_group_version(value: &str) -> Result<GroupVersion, DiscoveryError> {
    GroupVersion::parse(value).map_err(|source| DiscoveryError::InvalidGroupVersion {
        value: value.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_discovery_failed_names_each_group_version() {
        let mut groups = BTreeMap::new();
        groups.insert(
            GroupVersion::new("batch", "v1"),
            DiscoveryError::StaleGroupVersion(GroupVersion::new("batch", "v1")),
        );
        groups.insert(
            GroupVersion::new("", "v1"),
            DiscoveryError::EmptyResponse(GroupVersion::new("", "v1")),
        );
        let partial = Partial::new(3, groups);
        assert!(!partial.is_complete());
        let err = partial.into_result().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unable to retrieve the complete list of server APIs: v1: got empty response for: v1, \
             batch/v1: stale GroupVersion discovery: batch/v1"
        );
        assert_eq!(err.group_versions().count(), 2);
        assert_eq!(Partial::new(1, BTreeMap::new()).into_result().ok(), Some(1));
    }

    #[test]
    fn bad_group_version_is_a_typed_error() {
        let err = parse_group_version("a/b/c").unwrap_err();
        assert!(matches!(err, DiscoveryError::InvalidGroupVersion { .. }));
        assert!(!err.is_transient());
        assert_eq!(err.status_code(), None);
    }
}
