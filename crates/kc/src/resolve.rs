//! Resource arguments and manifest kinds to resources, through the discovery-backed RESTMapper
//! (short names, kinds, `resource.group`, `resource.version.group`, categories, CRDs that
//! appeared since the last load).

use std::sync::Mutex;

use kclient::core::restmapper::RestMapping;
use kclient::core::{GroupKind, GroupVersion, GroupVersionResource};
use kclient::discovery::{DiscoveryClient, DiscoveryRestMapper, MapperError, MemCacheClient};
use kclient::rest::RestClient;

use crate::error::CliError;

/// A resource to call, with the kind it serves and its scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The fully specified resource.
    pub gvr: GroupVersionResource,
    /// The kind of its objects (`Deployment`).
    pub kind: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl From<RestMapping> for Target {
    fn from(mapping: RestMapping) -> Self {
        Target {
            gvr: mapping.resource,
            kind: mapping.group_version_kind.kind,
            namespaced: mapping.scope.is_namespaced(),
        }
    }
}

/// Resolves names for one command run; discovery is fetched once, on first use.
pub struct Resolver {
    mapper: DiscoveryRestMapper<MemCacheClient<DiscoveryClient>>,
    /// The warnings printed so far: kubectl prints each once per command.
    warned: Mutex<Vec<String>>,
}

impl Resolver {
    /// A resolver asking the server behind `client`.
    pub fn new(client: RestClient) -> Self {
        let discovery = MemCacheClient::new(DiscoveryClient::new(client));
        Resolver {
            mapper: DiscoveryRestMapper::new(discovery),
            warned: Mutex::new(Vec::new()),
        }
    }

    /// Every resource one `get` argument names: one, or a category's members (`all`).
    pub async fn resolve(&self, arg: &str) -> Result<Vec<Target>, CliError> {
        let mappings = self.mapper.mappings_for(arg).await.map_err(mapper_error)?;
        self.warn(arg).await;
        Ok(mappings.into_iter().map(Target::from).collect())
    }

    /// The one resource an argument names (categories are not allowed here).
    pub async fn resolve_one(&self, arg: &str) -> Result<Target, CliError> {
        let mapping = self.mapper.mapping_for(arg).await.map_err(mapper_error)?;
        self.warn(arg).await;
        Ok(mapping.into())
    }

    /// Prints on stderr, as kubectl does, what resolving `arg` warns about (`short name "ev"
    /// could also match lower priority resource events.events.k8s.io`), each warning once.
    async fn warn(&self, arg: &str) {
        // The data `arg` was just resolved with: no request is made.
        let Ok(resolver) = self.mapper.resolver().await else {
            return;
        };
        let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
        for warning in resolver.warnings_for(arg) {
            if !warned.contains(&warning) {
                eprintln!("Warning: {warning}");
                warned.push(warning);
            }
        }
    }

    /// The resource serving `kind` in `apiVersion`, for objects read from manifests.
    pub async fn for_kind(&self, api_version: &str, kind: &str) -> Result<Target, CliError> {
        let gv = GroupVersion::parse(api_version)
            .map_err(|e| CliError::Usage(format!("invalid apiVersion {api_version:?}: {e}")))?;
        let mapping = self
            .mapper
            .rest_mapping(
                &GroupKind::new(gv.group.clone(), kind),
                &[gv.version.as_str()],
            )
            .await
            .map_err(|err| match err.is_no_match() {
                true => CliError::Usage(format!(
                    "resource mapping not found for kind \"{kind}\" in version \"{api_version}\"\n\
                     ensure CRDs are installed first"
                )),
                false => mapper_error(err),
            })?;
        Ok(mapping.into())
    }
}

fn mapper_error(err: MapperError) -> CliError {
    match err {
        MapperError::Discovery(err) => CliError::Discovery(err.to_string()),
        other => CliError::Usage(other.to_string()),
    }
}
