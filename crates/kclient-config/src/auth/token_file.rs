//! A bearer token read from a file and re-read periodically (client-go's
//! `NewCachedFileTokenSource`), so rotated service account tokens are picked up.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use super::{AuthError, bearer};

/// client-go re-reads token files every minute.
pub const DEFAULT_TOKEN_FILE_PERIOD: Duration = Duration::from_secs(60);

pub(crate) struct TokenFileSource {
    pub(crate) path: PathBuf,
    /// The static token to fall back on while the file has never been readable.
    pub(crate) fallback: Option<SecretString>,
    pub(crate) period: Duration,
    state: Mutex<Option<(HeaderValue, Instant)>>,
}

impl TokenFileSource {
    pub(crate) fn new(path: PathBuf, fallback: Option<SecretString>, period: Duration) -> Self {
        Self {
            path,
            fallback,
            period,
            state: Mutex::new(None),
        }
    }

    fn cached(&self) -> Option<(HeaderValue, Instant)> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub(crate) async fn header(&self) -> Result<HeaderValue, AuthError> {
        let cached = self.cached();
        if let Some((header, read_at)) = &cached
            && read_at.elapsed() < self.period
        {
            return Ok(header.clone());
        }
        let error = match tokio::fs::read_to_string(&self.path).await {
            Ok(text) if !text.trim().is_empty() => {
                let header = bearer(text.trim())?;
                *self.state.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((header.clone(), Instant::now()));
                return Ok(header);
            }
            Ok(_) => AuthError::EmptyTokenFile {
                path: self.path.clone(),
            },
            Err(source) => AuthError::TokenFile {
                path: self.path.clone(),
                source,
            },
        };
        // Like client-go: keep using the last good token (or the static one) and retry later.
        if let Some((header, _)) = cached {
            tracing::warn!(error = %error, "unable to re-read token file; using the previous token");
            return Ok(header);
        }
        if let Some(token) = &self.fallback {
            tracing::warn!(error = %error, "unable to read token file; using the configured token");
            return bearer(token.expose_secret());
        }
        Err(error)
    }
}
