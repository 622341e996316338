//! The kubeconfig file model (`kind: Config`, `apiVersion: v1`) and its loading rules.
//!
//! Field names are exactly the keys kubectl writes. Keys are declared in alphabetical order so
//! [`Kubeconfig::to_yaml`] prints them in the same order as `kubectl config view`.
//! Unknown keys are ignored (client-go decodes kubeconfigs leniently) and an explicit `null`
//! behaves like a missing key.

mod error;
mod loader;
mod model;

pub use error::KubeconfigError;
pub use loader::KubeconfigLoader;
pub use model::{
    AuthInfo, AuthProviderConfig, Cluster, Context, ExecConfig, ExecEnvVar, ExecInteractiveMode,
    Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext, NamedExtension, Preferences,
};

use std::path::Path;

/// Parses kubeconfig bytes (YAML or JSON). A pure function with no I/O: the fuzz entry point.
///
/// Empty input (or only comments) yields an empty [`Kubeconfig`], as client-go treats empty files.
pub fn parse_kubeconfig_bytes(bytes: &[u8]) -> Result<Kubeconfig, KubeconfigError> {
    parse(bytes, None)
}

pub(crate) fn parse(bytes: &[u8], path: Option<&Path>) -> Result<Kubeconfig, KubeconfigError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| KubeconfigError::Parse {
        path: path.map(Path::to_path_buf),
        line: None,
        column: None,
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ),
    })?;
    if text.trim_start().starts_with('{') {
        return serde_json::from_str::<Kubeconfig>(text).map_err(|e| KubeconfigError::Parse {
            path: path.map(Path::to_path_buf),
            line: Some(e.line()),
            column: Some(e.column()),
            message: error::scrub(&strip_json_position(&e.to_string())),
        });
    }
    match serde_yaml_ng::from_str::<Option<Kubeconfig>>(text) {
        Ok(config) => Ok(config.unwrap_or_default()),
        Err(e) => {
            let location = e.location();
            Err(KubeconfigError::Parse {
                path: path.map(Path::to_path_buf),
                line: location.as_ref().map(|l| l.line()),
                column: location.as_ref().map(|l| l.column()),
                message: error::scrub(&strip_yaml_position(&e.to_string())),
            })
        }
    }
}

/// serde_json appends " at line L column C"; the error type reports the position itself.
fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// serde_yaml_ng appends " at line L column C" (sometimes after a path prefix); drop it.
fn strip_yaml_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => {
            let rest = &message[i + " at line ".len()..];
            // Keep anything that follows the "L column C" part (rare: nested causes).
            let tail = rest
                .split_once(" column ")
                .map(|(_, c)| c.trim_start_matches(|ch: char| ch.is_ascii_digit()))
                .unwrap_or("");
            format!("{}{}", &message[..i], tail)
        }
        None => message.to_owned(),
    }
}

/// client-go's `ResolvePath`: relative paths are joined onto `base`; empty and absolute stay.
/// `.` components are dropped, as Go's `filepath.Join` does.
pub(crate) fn resolve_path(value: &mut Option<String>, base: &Path) {
    if let Some(p) = value.as_mut()
        && !p.is_empty()
        && Path::new(p.as_str()).is_relative()
    {
        let joined: std::path::PathBuf = base
            .join(p.as_str())
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        *p = joined.to_string_lossy().into_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_comment_only_input_is_an_empty_config() {
        assert!(parse_kubeconfig_bytes(b"").unwrap().clusters.is_empty());
        assert!(
            parse_kubeconfig_bytes(b"# nothing\n")
                .unwrap()
                .contexts
                .is_empty()
        );
        assert!(
            parse_kubeconfig_bytes(b"   \n")
                .unwrap()
                .auth_infos
                .is_empty()
        );
    }

    #[test]
    fn yaml_error_has_line_and_no_duplicated_position() {
        let err = parse_kubeconfig_bytes(b"clusters:\n- name: a\n  cluster: [\n").unwrap_err();
        let KubeconfigError::Parse { line, message, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(line.is_some());
        assert!(!message.contains(" at line "), "{message}");
        assert!(err.to_string().contains("at line"), "{err}");
    }

    #[test]
    fn json_input_is_accepted() {
        let kc = parse_kubeconfig_bytes(
            br#"{"kind":"Config","apiVersion":"v1","clusters":[{"name":"c","cluster":{"server":"https://h"}}]}"#,
        )
        .unwrap();
        assert_eq!(kc.clusters[0].name, "c");
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert!(matches!(
            parse_kubeconfig_bytes(b"clusters: \xff"),
            Err(KubeconfigError::Parse { .. })
        ));
    }
}
