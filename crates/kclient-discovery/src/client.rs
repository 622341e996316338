//! [`DiscoveryClient`]: client-go's `discovery.DiscoveryClient` over a [`RestClient`].
//!
//! `/api` and `/apis` are asked for aggregated discovery first (one request each for the
//! whole server); a server answering with the legacy `APIVersions` / `APIGroupList` instead
//! is handled transparently, the resources then being fetched one group-version at a time,
//! in parallel.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use http::header::ACCEPT;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIGroupList, APIResourceList, APIVersions, GroupVersionForDiscovery,
};
use k8s_openapi::apimachinery::pkg::version::Info;
use kclient_config::Config;
use kclient_core::ApiError;
use kclient_core::gvk::GroupVersion;
use kclient_rest::RestClient;
use serde::de::DeserializeOwned;

use crate::aggregated::{
    ACCEPT_AGGREGATED, ACCEPT_LEGACY, ApiGroupDiscoveryList, is_aggregated_content_type,
    split_groups_and_resources,
};
use crate::error::DiscoveryError;
use crate::error::Partial;
use crate::interface::{
    Discovery, GroupsAndMaybeResources, GroupsAndResources, server_groups_and_resources_of,
    server_preferred_resources_of,
};
use crate::openapi::{OpenApiV3Path, OpenApiV3Paths};

/// Attempts of whole-server calls while some group-versions fail (client-go's
/// `defaultRetries`): a group-version failing once, e.g. while an aggregated API server
/// restarts, gets a second chance.
const WHOLE_SERVER_ATTEMPTS: usize = 2;

/// client-go's discovery burst: discovery fans out one request per group-version.
pub const DISCOVERY_BURST: u32 = 300;

/// client-go's discovery timeout when the config sets none.
pub const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(32);

/// Asks a server what it serves. Cheap to clone.
///
/// ```no_run
/// # async fn demo(rest: kclient_rest::RestClient) -> Result<(), kclient_discovery::DiscoveryError> {
/// use kclient_discovery::{Discovery, DiscoveryClient};
/// let discovery = DiscoveryClient::new(rest);
/// let all = discovery.server_groups_and_resources().await?;
/// for list in &all.value.resources {
///     for r in &list.resources {
///         println!("{} {}", list.group_version, r.name);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct DiscoveryClient {
    rest: RestClient,
    legacy_only: bool,
}

/// One discovery root's answer, before merging `/api` with `/apis`.
struct Root {
    groups: APIGroupList,
    resources: Option<BTreeMap<GroupVersion, APIResourceList>>,
    failed: BTreeMap<GroupVersion, DiscoveryError>,
}

impl DiscoveryClient {
    /// A discovery client sharing `rest`'s transport.
    pub fn new(rest: RestClient) -> Self {
        DiscoveryClient {
            rest,
            legacy_only: false,
        }
    }

    /// A client for `config` with client-go's discovery defaults: the burst raised to
    /// [`DISCOVERY_BURST`] (legacy discovery sends one request per group-version at once) and
    /// a [`DISCOVERY_TIMEOUT`] when the config sets no timeout.
    pub fn for_config(mut config: Config) -> Result<Self, DiscoveryError> {
        config.burst = config.burst.max(DISCOVERY_BURST);
        if config.timeout.is_none() {
            config.timeout = Some(DISCOVERY_TIMEOUT);
        }
        RestClient::new(config)
            .map(Self::new)
            .map_err(DiscoveryError::request)
    }

    /// A copy that asks only for the legacy documents (client-go's `WithLegacy`).
    pub fn with_legacy(&self) -> Self {
        DiscoveryClient {
            rest: self.rest.clone(),
            legacy_only: true,
        }
    }

    /// The REST client underneath.
    pub fn rest_client(&self) -> &RestClient {
        &self.rest
    }

    /// One OpenAPI v3 document, fetched by its index entry's `serverRelativeURL`.
    pub async fn openapi_v3_document(
        &self,
        path: &OpenApiV3Path,
    ) -> Result<serde_json::Value, DiscoveryError> {
        let mut req = self
            .rest
            .get()
            .abs_path([path.path()])
            .header(ACCEPT, "application/json");
        for (key, value) in path.query() {
            req = req.param(key, value);
        }
        let body = req.into_bytes().await.map_err(DiscoveryError::request)?;
        decode(&body, path.path())
    }

    fn accept(&self) -> &'static str {
        if self.legacy_only {
            ACCEPT_LEGACY
        } else {
            ACCEPT_AGGREGATED
        }
    }

    /// `GET root` with the discovery `Accept`; the body and whether it is aggregated.
    async fn fetch_root(&self, root: &str) -> Result<(Bytes, bool), kclient_rest::Error> {
        let resp = self
            .rest
            .get()
            .abs_path([root])
            .header(ACCEPT, self.accept())
            .send()
            .await?;
        let aggregated = resp.content_type().is_some_and(is_aggregated_content_type);
        Ok((resp.into_body(), aggregated))
    }

    /// `/api`: the core group. A 404 is tolerated (aggregated API servers answer it) as an
    /// empty group list with an empty resource map.
    async fn download_legacy(&self) -> Result<Root, DiscoveryError> {
        let (body, aggregated) = match self.fetch_root("/api").await {
            Ok(found) => found,
            Err(e) if e.is_not_found() => {
                return Ok(Root {
                    groups: APIGroupList::default(),
                    resources: Some(BTreeMap::new()),
                    failed: BTreeMap::new(),
                });
            }
            Err(e) => return Err(DiscoveryError::request(e)),
        };
        if aggregated {
            return aggregated_root(&body, "/api");
        }
        let versions: APIVersions = decode(&body, "/api")?;
        let mut groups = APIGroupList::default();
        if !versions.versions.is_empty() {
            let gvs: Vec<GroupVersionForDiscovery> = versions
                .versions
                .iter()
                .map(|v| GroupVersionForDiscovery {
                    group_version: v.clone(),
                    version: v.clone(),
                })
                .collect();
            groups.groups.push(APIGroup {
                name: String::new(),
                preferred_version: gvs.first().cloned(),
                versions: gvs,
                ..APIGroup::default()
            });
        }
        Ok(Root {
            groups,
            resources: None,
            failed: BTreeMap::new(),
        })
    }

    /// `/apis`: every named group.
    async fn download_apis(&self) -> Result<Root, DiscoveryError> {
        let (body, aggregated) = self
            .fetch_root("/apis")
            .await
            .map_err(DiscoveryError::request)?;
        if aggregated {
            return aggregated_root(&body, "/apis");
        }
        Ok(Root {
            groups: decode(&body, "/apis")?,
            resources: None,
            failed: BTreeMap::new(),
        })
    }
}

fn aggregated_root(body: &[u8], what: &str) -> Result<Root, DiscoveryError> {
    let list: ApiGroupDiscoveryList = decode(body, what)?;
    let split = split_groups_and_resources(list);
    Ok(Root {
        groups: split.groups,
        resources: Some(split.resources),
        failed: split.failed,
    })
}

fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, DiscoveryError> {
    serde_json::from_slice(body).map_err(|e| DiscoveryError::decode(what, e))
}

impl Discovery for DiscoveryClient {
    async fn server_version(&self) -> Result<Info, DiscoveryError> {
        let body = self
            .rest
            .get()
            .abs_path(["/version"])
            .header(ACCEPT, "application/json")
            .into_bytes()
            .await
            .map_err(DiscoveryError::request)?;
        decode(&body, "/version")
    }

    async fn server_groups(&self) -> Result<APIGroupList, DiscoveryError> {
        Ok(self.groups_and_maybe_resources().await?.groups)
    }

    async fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> Result<APIResourceList, DiscoveryError> {
        if gv.version.is_empty() {
            return Err(DiscoveryError::InvalidGroupVersion {
                value: gv.to_string(),
                source: kclient_core::gvk::ParseGroupVersionError::EmptyVersion(gv.to_string()),
            });
        }
        let what = format!("{gv} resources");
        let result = self
            .rest
            .get()
            .group_version(gv)
            .header(ACCEPT, "application/json")
            .into_bytes()
            .await;
        match result {
            Ok(body) => {
                let mut list: APIResourceList = decode(&body, &what)?;
                if list.group_version.is_empty() {
                    list.group_version = gv.to_string();
                }
                Ok(list)
            }
            // client-go tolerates a missing core/v1 as an empty list.
            Err(e) if gv.is_core() && gv.version == "v1" && e.is_not_found() => {
                Ok(APIResourceList {
                    group_version: gv.to_string(),
                    resources: Vec::new(),
                })
            }
            Err(e) => Err(DiscoveryError::request(e)),
        }
    }

    async fn groups_and_maybe_resources(&self) -> Result<GroupsAndMaybeResources, DiscoveryError> {
        let (core, apis) = futures::join!(self.download_legacy(), self.download_apis());
        let mut core = core?;
        let apis = apis?;
        core.groups.groups.extend(apis.groups.groups);
        // Resources only when both roots carried them: otherwise they are fetched per
        // group-version for every group alike.
        let resources = match (core.resources, apis.resources) {
            (Some(mut core_resources), Some(apis_resources)) => {
                core_resources.extend(apis_resources);
                Some(core_resources)
            }
            _ => None,
        };
        core.failed.extend(apis.failed);
        Ok(GroupsAndMaybeResources {
            groups: core.groups,
            resources,
            failed: core.failed,
        })
    }

    async fn server_groups_and_resources(
        &self,
    ) -> Result<Partial<GroupsAndResources>, DiscoveryError> {
        let mut attempt = 1;
        loop {
            let found = server_groups_and_resources_of(self).await?;
            if found.is_complete() || attempt == WHOLE_SERVER_ATTEMPTS {
                return Ok(found);
            }
            attempt += 1;
        }
    }

    async fn server_preferred_resources(
        &self,
    ) -> Result<Partial<Vec<APIResourceList>>, DiscoveryError> {
        let mut attempt = 1;
        loop {
            let found = server_preferred_resources_of(self).await?;
            if found.is_complete() || attempt == WHOLE_SERVER_ATTEMPTS {
                return Ok(found);
            }
            attempt += 1;
        }
    }

    async fn openapi_v2(&self) -> Result<serde_json::Value, DiscoveryError> {
        let body = self
            .rest
            .get()
            .abs_path(["/openapi/v2"])
            .header(ACCEPT, "application/json")
            .into_bytes()
            .await
            .map_err(DiscoveryError::request)?;
        decode(&body, "/openapi/v2")
    }

    async fn openapi_v3(&self) -> Result<OpenApiV3Paths, DiscoveryError> {
        let body = self
            .rest
            .get()
            .abs_path(["/openapi/v3"])
            .header(ACCEPT, "application/json")
            .into_bytes()
            .await
            .map_err(DiscoveryError::request)?;
        decode(&body, "/openapi/v3")
    }
}
