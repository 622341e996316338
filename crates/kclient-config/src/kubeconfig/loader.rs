//! client-go's `ClientConfigLoadingRules`: which files to read and how to merge them.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::{Kubeconfig, KubeconfigError, NamedExtension};

/// Decides which kubeconfig files to load, like client-go's `ClientConfigLoadingRules`:
///
/// 1. an explicit path (`--kubeconfig`) is used alone and must exist;
/// 2. otherwise every entry of `$KUBECONFIG` (split by the OS path-list separator; empty
///    entries, duplicates and missing files skipped) is loaded and merged;
/// 3. otherwise `~/.kube/config` is loaded if it exists.
///
/// The environment is captured in fields so tests can inject it; [`KubeconfigLoader::from_env`]
/// reads the real process environment.
#[derive(Clone, Debug, Default)]
pub struct KubeconfigLoader {
    /// `--kubeconfig`: when set, the only file read, and it must exist.
    pub explicit_path: Option<PathBuf>,
    /// The value of `$KUBECONFIG` (`None` or empty: not set).
    pub kubeconfig_env: Option<OsString>,
    /// The home directory whose `.kube/config` is the fallback.
    pub home_dir: Option<PathBuf>,
}

impl KubeconfigLoader {
    /// Rules from the process environment: `$KUBECONFIG` and the home directory
    /// (`$HOME` is honoured, via the `home` crate).
    pub fn from_env() -> Self {
        Self {
            explicit_path: None,
            kubeconfig_env: std::env::var_os("KUBECONFIG"),
            home_dir: home::home_dir(),
        }
    }

    /// Sets (or clears) the explicit path.
    pub fn with_explicit_path(mut self, path: Option<impl Into<PathBuf>>) -> Self {
        self.explicit_path = path.map(Into::into);
        self
    }

    /// The files considered, in precedence order (client-go's `GetLoadingPrecedence`).
    pub fn precedence(&self) -> Vec<PathBuf> {
        if let Some(explicit) = &self.explicit_path {
            return vec![explicit.clone()];
        }
        if let Some(env) = self.kubeconfig_env.as_ref().filter(|v| !v.is_empty()) {
            let mut seen = HashSet::new();
            return std::env::split_paths(env)
                .filter(|p| !p.as_os_str().is_empty())
                .filter(|p| seen.insert(p.clone()))
                .collect();
        }
        self.home_dir
            .iter()
            .map(|home| home.join(".kube").join("config"))
            .collect()
    }

    /// Loads and merges the files. Returns an empty [`Kubeconfig`] when no file exists
    /// (unless the explicit path is missing, which is an error).
    pub fn load(&self) -> Result<Kubeconfig, KubeconfigError> {
        if let Some(explicit) = &self.explicit_path {
            if !explicit.exists() {
                return Err(KubeconfigError::ExplicitNotFound {
                    path: explicit.clone(),
                });
            }
            return Kubeconfig::read_from(explicit);
        }
        Kubeconfig::load_paths(&self.precedence())
    }
}

impl Kubeconfig {
    /// Loads every existing file of `paths` and merges them with client-go's rules: for
    /// clusters, users, contexts and extensions the first file that defines a name wins;
    /// `current-context` comes from the first file that sets a non-empty one. Missing files
    /// are skipped; a file that exists but cannot be read or parsed is an error.
    pub fn load_paths(paths: &[PathBuf]) -> Result<Kubeconfig, KubeconfigError> {
        let mut merged = Kubeconfig::default();
        for path in paths {
            if !exists(path) {
                continue;
            }
            merged.merge_from(Kubeconfig::read_from(path)?);
        }
        Ok(merged)
    }

    /// Merges `other` into `self`; entries already in `self` win (client-go's
    /// "first file to set a value wins"). Within `other`, a name listed twice keeps its last
    /// entry, as client-go's list-to-map conversion does.
    pub fn merge_from(&mut self, other: Kubeconfig) {
        fn add<T>(into: &mut Vec<T>, from: Vec<T>, name: impl Fn(&T) -> &str) {
            for item in dedup_last_wins(from, &name) {
                if !into.iter().any(|i| name(i) == name(&item)) {
                    into.push(item);
                }
            }
        }
        add(&mut self.clusters, other.clusters, |c| c.name.as_str());
        add(&mut self.auth_infos, other.auth_infos, |a| a.name.as_str());
        add(&mut self.contexts, other.contexts, |c| c.name.as_str());
        add(
            &mut self.extensions,
            other.extensions,
            |e: &NamedExtension| e.name.as_str(),
        );
        if self.current_context_name().is_none()
            && other
                .current_context
                .as_deref()
                .is_some_and(|c| !c.is_empty())
        {
            self.current_context = other.current_context;
        }
        if let Some(theirs) = other.preferences {
            let mine = self.preferences.get_or_insert_with(Default::default);
            if mine.colors.is_none() {
                mine.colors = theirs.colors;
            }
            add(&mut mine.extensions, theirs.extensions, |e| e.name.as_str());
        }
        if self.kind.is_none() {
            self.kind = other.kind;
        }
        if self.api_version.is_none() {
            self.api_version = other.api_version;
        }
    }
}

fn exists(path: &Path) -> bool {
    // A file we may not stat still "exists" for client-go (os.IsNotExist is false), so the
    // read that follows reports the real error.
    !matches!(std::fs::metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
}

fn dedup_last_wins<T>(items: Vec<T>, name: &impl Fn(&T) -> &str) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        match out.iter().position(|i| name(i) == name(&item)) {
            Some(pos) => out[pos] = item,
            None => out.push(item),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_explicit_env_home() {
        let mut rules = KubeconfigLoader {
            explicit_path: None,
            kubeconfig_env: Some(std::env::join_paths(["/a", "", "/b", "/a"]).unwrap()),
            home_dir: Some("/home/me".into()),
        };
        assert_eq!(
            rules.precedence(),
            [PathBuf::from("/a"), PathBuf::from("/b")]
        );
        rules.kubeconfig_env = Some(OsString::new());
        assert_eq!(rules.precedence(), [PathBuf::from("/home/me/.kube/config")]);
        rules = rules.with_explicit_path(Some("/x"));
        assert_eq!(rules.precedence(), [PathBuf::from("/x")]);
    }

    #[test]
    fn duplicate_names_in_one_file_keep_the_last() {
        let mut merged = Kubeconfig::default();
        merged.merge_from(
            Kubeconfig::from_yaml(
                "clusters:\n- name: a\n  cluster: {server: https://one}\n- name: a\n  cluster: {server: https://two}\n",
            )
            .unwrap(),
        );
        assert_eq!(merged.clusters.len(), 1);
        let server = merged.clusters[0]
            .cluster
            .as_ref()
            .unwrap()
            .server
            .as_deref();
        assert_eq!(server, Some("https://two"));
    }
}
