//! kclient-discovery: client-go's discovery for Rust.
//!
//! * [`DiscoveryClient`] asks a server what it serves: version, groups, each group-version's
//!   resources, preferred resources, OpenAPI v2/v3. `/api` and `/apis` are requested as
//!   aggregated discovery (`apidiscovery.k8s.io/v2`, two requests for the whole server),
//!   falling back transparently to the legacy documents and one request per group-version,
//!   run in parallel. Group-versions that fail are reported per group-version
//!   ([`GroupDiscoveryFailed`]) next to everything that succeeded ([`Partial`]).
//! * [`MemCacheClient`] and [`DiskCachedDiscovery`] cache discovery in memory and in
//!   kubectl's `~/.kube/cache/discovery` layout; both implement [`CachedDiscovery`]
//!   (`fresh`, `invalidate`).
//! * [`DiscoveryRestMapper`] is a RESTMapper loaded lazily from discovery, reloaded
//!   (rate-limited) when something is not found, with kubectl's short names, categories and
//!   resource-argument resolution (`deploy`, `deployments.apps`, `deployments.v1.apps`,
//!   `Deployment`).
//!
//! ```no_run
//! # async fn demo(config: kclient_config::Config) -> Result<(), Box<dyn std::error::Error>> {
//! use kclient_discovery::{CachedDiscovery, Discovery, DiskCachedDiscovery, default_discovery_cache_dir};
//! let dir = default_discovery_cache_dir(&config.host.to_string()).ok_or("no home directory")?;
//! let cached = DiskCachedDiscovery::for_config(config, dir, kclient_discovery::DEFAULT_TTL)?;
//! let groups = cached.server_groups().await?;
//! println!("{} groups, fresh: {}", groups.groups.len(), cached.fresh());
//! # Ok(()) }
//! ```

pub mod aggregated;
mod client;
mod disk;
mod error;
mod interface;
mod memory;
pub mod openapi;
pub mod restmapper;

pub use client::{DISCOVERY_BURST, DISCOVERY_TIMEOUT, DiscoveryClient};
pub use disk::{
    DEFAULT_TTL, DiskCachedDiscovery, SERVER_GROUPS_FILE, SERVER_RESOURCES_FILE,
    compute_discovery_cache_dir, default_cache_dir, default_discovery_cache_dir,
};
pub use error::{DiscoveryError, GroupDiscoveryFailed, Partial};
pub use interface::{CachedDiscovery, Discovery, GroupsAndMaybeResources, GroupsAndResources};
pub use memory::MemCacheClient;
pub use restmapper::{DiscoveryRestMapper, MapperError, ReloadLimit};
