//! [`DiskCachedDiscovery`]: client-go's `discovery/cached/disk` — discovery documents cached
//! as files, shared by every process on the machine (kubectl's `~/.kube/cache/discovery`).
//!
//! Layout and rules, as client-go's:
//! * `<dir>/servergroups.json` holds the `APIGroupList`, `<dir>/<group>/<version>/serverresources.json`
//!   (`<dir>/v1/serverresources.json` for the core group) each `APIResourceList`; `<dir>` is
//!   one directory per server, see [`compute_discovery_cache_dir`];
//! * a file older than the TTL (by modification time) is ignored and refetched;
//! * writes are atomic: a temporary file in the same directory, mode 0660, renamed over
//!   the old one, so readers never see a partial file; directories are created 0750;
//! * after [`CachedDiscovery::invalidate`], only files this client wrote itself are
//!   trusted: files another process wrote (possibly from an older server state) are refetched;
//! * [`CachedDiscovery::fresh`] turns false once an answer came from a file this client did
//!   not write.
//!
//! Cache trouble (unreadable, corrupt or unwritable files) never fails a call: the server is
//! asked instead and the problem logged at debug level.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroupList, APIResourceList};
use k8s_openapi::apimachinery::pkg::version::Info;
use kclient_config::Config;
use kclient_core::gvk::GroupVersion;
use rand::Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::DiscoveryClient;
use crate::error::DiscoveryError;
use crate::interface::{CachedDiscovery, Discovery};
use crate::memory::MemCacheClient;
use crate::openapi::OpenApiV3Paths;

/// kubectl's TTL of discovery files.
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// Name of the group list file.
pub const SERVER_GROUPS_FILE: &str = "servergroups.json";

/// Name of each group-version's resource list file.
pub const SERVER_RESOURCES_FILE: &str = "serverresources.json";

#[cfg(unix)]
const DIR_MODE: u32 = 0o750;
#[cfg(unix)]
const FILE_MODE: u32 = 0o660;

/// kubectl's cache root: `$KUBECACHEDIR`, else `~/.kube/cache`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KUBECACHEDIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    home::home_dir().map(|h| h.join(".kube").join("cache"))
}

/// The per-server directory under `parent` (client-go's `computeDiscoverCacheDir`): the host
/// without its `https://` or `http://` scheme, every character other than ASCII letters,
/// digits, `_`, `/`, `.`, `(` and `)` replaced by `_` (`https://127.0.0.1:6443` →
/// `127.0.0.1_6443`), path separators kept (`https://h/base/` → `h/base`).
pub fn compute_discovery_cache_dir(parent: impl AsRef<Path>, host: &str) -> PathBuf {
    let schemeless = host.replacen("https://", "", 1).replacen("http://", "", 1);
    let safe: String = schemeless
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '.' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Go's filepath.Join cleans the result (no trailing or doubled `/`); `.` and `..` are
    // dropped too, so a host's path cannot leave `parent`.
    let mut dir = parent.as_ref().to_path_buf();
    for part in safe
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
    {
        dir.push(part);
    }
    dir
}

/// kubectl's discovery directory for `host`: `<default_cache_dir>/discovery/<host dir>`.
pub fn default_discovery_cache_dir(host: &str) -> Option<PathBuf> {
    default_cache_dir().map(|d| compute_discovery_cache_dir(d.join("discovery"), host))
}

#[derive(Debug)]
struct State {
    /// Files this client wrote.
    our_files: HashSet<PathBuf>,
    invalidated: bool,
    fresh: bool,
}

/// A disk cache in front of another discovery cache (by default a [`MemCacheClient`] over a
/// [`DiscoveryClient`], as client-go stacks them).
#[derive(Debug)]
pub struct DiskCachedDiscovery<D = MemCacheClient<DiscoveryClient>> {
    delegate: D,
    dir: PathBuf,
    ttl: Duration,
    state: Arc<Mutex<State>>,
}

impl DiskCachedDiscovery {
    /// client-go's `NewCachedDiscoveryClientForConfig`: discovery for `config` (with
    /// discovery defaults) behind a memory cache, cached under `dir` — usually
    /// [`default_discovery_cache_dir`] of the config's host — for `ttl`.
    pub fn for_config(
        config: Config,
        dir: impl Into<PathBuf>,
        ttl: Duration,
    ) -> Result<Self, DiscoveryError> {
        let client = DiscoveryClient::for_config(config)?;
        Ok(Self::new(MemCacheClient::new(client), dir, ttl))
    }
}

impl<D: CachedDiscovery> DiskCachedDiscovery<D> {
    /// A disk cache in `dir` (the per-server directory) with `ttl`, in front of `delegate`.
    pub fn new(delegate: D, dir: impl Into<PathBuf>, ttl: Duration) -> Self {
        DiskCachedDiscovery {
            delegate,
            dir: dir.into(),
            ttl,
            state: Arc::new(Mutex::new(State {
                our_files: HashSet::new(),
                invalidated: false,
                fresh: true,
            })),
        }
    }

    /// The per-server cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How long files are trusted.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The cache underneath.
    pub fn delegate(&self) -> &D {
        &self.delegate
    }

    /// The file of `gv`'s resources; `None` for names that would leave the cache directory.
    pub fn resources_file(&self, gv: &GroupVersion) -> Option<PathBuf> {
        let safe =
            |s: &str| !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\', '\0']);
        if !safe(&gv.version) || (!gv.group.is_empty() && !safe(&gv.group)) {
            return None;
        }
        let mut path = self.dir.clone();
        if !gv.group.is_empty() {
            path.push(&gv.group);
        }
        path.push(&gv.version);
        path.push(SERVER_RESOURCES_FILE);
        Some(path)
    }

    /// The group list file.
    pub fn groups_file(&self) -> PathBuf {
        self.dir.join(SERVER_GROUPS_FILE)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A cached document, when present, within the TTL, trusted and decodable.
    async fn read_cached<T: DeserializeOwned + Send + 'static>(&self, path: &Path) -> Option<T> {
        let ours = {
            let state = self.state();
            let ours = state.our_files.contains(path);
            if state.invalidated && !ours {
                return None;
            }
            ours
        };
        let ttl = self.ttl;
        let owned = path.to_path_buf();
        let read = tokio::task::spawn_blocking(move || read_if_fresh(&owned, ttl)).await;
        let bytes = match read {
            Ok(Ok(Some(bytes))) => bytes,
            Ok(Ok(None)) => return None,
            Ok(Err(e)) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::debug!(path = %path.display(), error = %e, "unreadable discovery cache file");
                }
                return None;
            }
            Err(_) => return None,
        };
        match serde_json::from_slice(&bytes) {
            Ok(value) => {
                let mut state = self.state();
                state.fresh = state.fresh && ours;
                Some(value)
            }
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "corrupt discovery cache file");
                None
            }
        }
    }

    /// Writes `value` to `path` atomically and remembers the file as ours.
    async fn write_cached<T: Serialize>(&self, path: &Path, value: &T) {
        let bytes = match serde_json::to_vec(value) {
            Ok(b) => b,
            Err(e) => {
                tracing::debug!(error = %e, "cannot encode discovery document");
                return;
            }
        };
        let owned = path.to_path_buf();
        let written = tokio::task::spawn_blocking(move || write_atomic(&owned, &bytes)).await;
        match written {
            Ok(Ok(())) => {
                self.state().our_files.insert(path.to_path_buf());
            }
            Ok(Err(e)) => {
                tracing::debug!(path = %path.display(), error = %e, "failed to write discovery cache");
            }
            Err(_) => {}
        }
    }
}

fn read_if_fresh(path: &Path, ttl: Duration) -> std::io::Result<Option<Vec<u8>>> {
    let mut file = std::fs::File::open(path)?;
    let modified = file.metadata()?.modified()?;
    let expired = match modified.checked_add(ttl) {
        Some(deadline) => SystemTime::now() > deadline,
        None => false,
    };
    if expired {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes)?;
    Ok(Some(bytes))
}

/// Temp file (`<name>.<random>`, mode 0660) in the target's directory, then rename: readers
/// see the old file or the new one, never a partial one.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("cache file has no directory"))?;
    create_dirs(dir)?;
    let base = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| std::io::Error::other("cache file has no name"))?;
    let suffix: u64 = rand::rng().random();
    let tmp = dir.join(format!("{base}.{suffix:016x}"));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
        let mut file = options.open(&tmp)?;
        // The umask may have narrowed the mode given at creation.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
        }
        file.write_all(bytes)?;
        file.sync_data()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn create_dirs(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

impl<D: CachedDiscovery> Discovery for DiskCachedDiscovery<D> {
    async fn server_version(&self) -> Result<Info, DiscoveryError> {
        self.delegate.server_version().await
    }

    async fn server_groups(&self) -> Result<APIGroupList, DiscoveryError> {
        let path = self.groups_file();
        if let Some(groups) = self.read_cached::<APIGroupList>(&path).await {
            return Ok(groups);
        }
        let live = self.delegate.server_groups().await?;
        if !live.groups.is_empty() {
            self.write_cached(&path, &live).await;
        }
        Ok(live)
    }

    async fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> Result<APIResourceList, DiscoveryError> {
        let Some(path) = self.resources_file(gv) else {
            return self.delegate.server_resources_for_group_version(gv).await;
        };
        if let Some(list) = self.read_cached::<APIResourceList>(&path).await {
            return Ok(list);
        }
        let live = self.delegate.server_resources_for_group_version(gv).await?;
        if !live.resources.is_empty() {
            self.write_cached(&path, &live).await;
        }
        Ok(live)
    }

    async fn openapi_v2(&self) -> Result<serde_json::Value, DiscoveryError> {
        self.delegate.openapi_v2().await
    }

    async fn openapi_v3(&self) -> Result<OpenApiV3Paths, DiscoveryError> {
        self.delegate.openapi_v3().await
    }
}

impl<D: CachedDiscovery> CachedDiscovery for DiskCachedDiscovery<D> {
    fn fresh(&self) -> bool {
        self.state().fresh
    }

    fn invalidate(&self) {
        {
            let mut state = self.state();
            state.our_files.clear();
            state.invalidated = true;
            state.fresh = true;
        }
        self.delegate.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_dirs_match_client_go() {
        let parent = Path::new("/c");
        assert_eq!(
            compute_discovery_cache_dir(parent, "https://127.0.0.1:6443"),
            Path::new("/c/127.0.0.1_6443")
        );
        assert_eq!(
            compute_discovery_cache_dir(parent, "http://my-host.example.com:80/base"),
            Path::new("/c/my_host.example.com_80/base")
        );
        assert_eq!(
            compute_discovery_cache_dir(parent, "[::1]:6443"),
            Path::new("/c/___1__6443")
        );
        assert_eq!(
            compute_discovery_cache_dir(parent, "h(1)é"),
            Path::new("/c/h(1)_")
        );
        let trailing = compute_discovery_cache_dir(parent, "https://127.0.0.1:6443/");
        assert_eq!(trailing.as_os_str(), "/c/127.0.0.1_6443");
        assert_eq!(
            compute_discovery_cache_dir(parent, "https://h/../../etc//x/"),
            Path::new("/c/h/etc/x")
        );
    }

    #[test]
    fn resource_files_stay_inside_the_cache() {
        let cache = DiskCachedDiscovery::new(MemCacheClient::new(NoServer), "/c", DEFAULT_TTL);
        assert_eq!(
            cache.resources_file(&GroupVersion::new("", "v1")),
            Some(PathBuf::from("/c/v1/serverresources.json"))
        );
        assert_eq!(
            cache.resources_file(&GroupVersion::new("apps", "v1")),
            Some(PathBuf::from("/c/apps/v1/serverresources.json"))
        );
        assert_eq!(cache.resources_file(&GroupVersion::new("..", "v1")), None);
        assert_eq!(cache.resources_file(&GroupVersion::new("a", "..")), None);
        assert_eq!(cache.groups_file(), PathBuf::from("/c/servergroups.json"));
    }

    /// A discovery source that is never asked (path tests only).
    struct NoServer;

    impl Discovery for NoServer {
        async fn server_version(&self) -> Result<Info, DiscoveryError> {
            Err(DiscoveryError::CacheNotFound(GroupVersion::default()))
        }
        async fn server_groups(&self) -> Result<APIGroupList, DiscoveryError> {
            Err(DiscoveryError::CacheNotFound(GroupVersion::default()))
        }
        async fn server_resources_for_group_version(
            &self,
            gv: &GroupVersion,
        ) -> Result<APIResourceList, DiscoveryError> {
            Err(DiscoveryError::CacheNotFound(gv.clone()))
        }
        async fn openapi_v2(&self) -> Result<serde_json::Value, DiscoveryError> {
            Err(DiscoveryError::CacheNotFound(GroupVersion::default()))
        }
        async fn openapi_v3(&self) -> Result<OpenApiV3Paths, DiscoveryError> {
            Err(DiscoveryError::CacheNotFound(GroupVersion::default()))
        }
    }
}
