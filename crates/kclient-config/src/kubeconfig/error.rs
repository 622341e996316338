//! The one error type of the kubeconfig layer.

use std::path::PathBuf;

/// Everything that can go wrong while loading a kubeconfig or turning it into a [`crate::Config`].
///
/// Messages name files, clusters, users and contexts but never contain secret values
/// (tokens, passwords, keys): parser messages are scrubbed of quoted input before they are stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KubeconfigError {
    /// A kubeconfig file (or a file it references) could not be read.
    #[error("unable to read {what} {}: {source}", path.display())]
    Read {
        /// What the file was for: `kubeconfig`, `certificate-authority`, `client-certificate`, ...
        what: &'static str,
        /// The path that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The explicitly requested kubeconfig (`--kubeconfig`) does not exist.
    #[error("kubeconfig {} given explicitly does not exist", path.display())]
    ExplicitNotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// The file is not valid kubeconfig YAML/JSON.
    #[error("{}{}: {message}", source_name(path), location(*line, *column))]
    Parse {
        /// The file, when parsing a file.
        path: Option<PathBuf>,
        /// 1-based line of the error, when the parser knows it.
        line: Option<usize>,
        /// 1-based column of the error, when the parser knows it.
        column: Option<usize>,
        /// The parser's message with quoted input removed.
        message: String,
    },
    /// No kubeconfig file was found and nothing else configures a server.
    #[error(
        "invalid configuration: no configuration has been provided (no kubeconfig file found and not running in a cluster)"
    )]
    Empty,
    /// Neither `current-context` nor a context/cluster override selects what to use.
    #[error("current-context is not set in the kubeconfig and no context was selected")]
    NoCurrentContext,
    /// The selected context does not exist.
    #[error("context \"{0}\" not found in the kubeconfig")]
    ContextNotFound(String),
    /// A context or override names a cluster that is not defined.
    #[error("cluster \"{0}\" not found in the kubeconfig")]
    ClusterNotFound(String),
    /// A context or override names a user that is not defined.
    #[error("user \"{0}\" not found in the kubeconfig")]
    UserNotFound(String),
    /// The selected cluster has no `server`.
    #[error("no server found for cluster \"{0}\"")]
    NoServer(String),
    /// The cluster's `server` is not an `http(s)://host[:port][/path]` URL.
    #[error("invalid server URL {server:?} for cluster \"{cluster}\": {reason}")]
    InvalidServer {
        /// The cluster name.
        cluster: String,
        /// The offending value.
        server: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The cluster's `proxy-url` is invalid.
    #[error("invalid proxy-url {url:?} for cluster \"{cluster}\": {reason}")]
    InvalidProxyUrl {
        /// The cluster name.
        cluster: String,
        /// The offending value (proxy URLs may carry credentials; only the scheme and host are kept).
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A `*-data` field is not valid base64.
    #[error("{field} for {owner} is not valid base64: {reason}")]
    InvalidBase64 {
        /// The field name as written in the kubeconfig.
        field: &'static str,
        /// `cluster "x"` or `user "y"`.
        owner: String,
        /// The decoder's message (it never echoes input).
        reason: String,
    },
    /// Certificate or key material is not PEM.
    #[error("{field} for {owner} does not contain PEM data")]
    NotPem {
        /// The field name as written in the kubeconfig.
        field: &'static str,
        /// `cluster "x"` or `user "y"`.
        owner: String,
    },
    /// The configuration is internally inconsistent (client-go's validation errors).
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// The user uses the legacy `auth-provider` mechanism.
    #[error("user \"{user}\": {message}")]
    AuthProviderUnsupported {
        /// The user name.
        user: String,
        /// The provider name.
        provider: String,
        /// What to use instead.
        message: String,
    },
    /// The kubeconfig could not be serialised.
    #[error("unable to serialise kubeconfig: {0}")]
    Serialize(String),
}

fn source_name(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!("error parsing kubeconfig {}", p.display()),
        None => "error parsing kubeconfig".to_owned(),
    }
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l} column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

/// Removes double-quoted input from a parser message: serde echoes offending scalars
/// (`invalid type: string "..."`) and the scalar could be a token put in the wrong field.
pub(crate) fn scrub(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quote = false;
    for ch in message.chars() {
        if ch == '"' {
            if in_quote {
                out.push_str("\"…\"");
            }
            in_quote = !in_quote;
        } else if !in_quote {
            out.push(ch);
        }
    }
    if in_quote {
        out.push_str("\"…");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn scrub_removes_quoted_values() {
        assert_eq!(
            scrub(r#"invalid type: string "s3cr3t", expected a boolean"#),
            r#"invalid type: string "…", expected a boolean"#
        );
        assert_eq!(scrub("unterminated \"abc"), "unterminated \"…");
        assert_eq!(scrub("unknown variant `Foo`"), "unknown variant `Foo`");
    }
}
