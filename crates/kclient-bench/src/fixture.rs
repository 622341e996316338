//! One embedded [`TestServer`] loaded with benchmark ConfigMaps, and both clients pointed at
//! it: kclient's [`RestClient`] from `server.config()`, kube-rs's `Client` (with the `kube-rs`
//! feature) from the kubeconfig file the server writes.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient::ApiError;
use kclient::core::params::ListOptions;
use kclient::rest::RestClient;
use kclient::testserver::TestServer;

use crate::data::{NAMESPACE, PodTemplate, configmap, pod_for_create};
use crate::error::BenchError;
use crate::transport::{self, Protocol};

/// The namespace the watch fan-out writes into, so its watchers see only those events.
pub const FANOUT_NAMESPACE: &str = "bench-fanout";

/// Requests in flight while loading the server.
const LOAD_CONCURRENCY: usize = 32;

/// What to load into the server.
#[derive(Clone, Copy, Debug)]
pub struct FixtureSize {
    /// ConfigMaps in [`NAMESPACE`] for the list scenarios.
    pub configmaps: usize,
    /// ConfigMaps written to [`FANOUT_NAMESPACE`] after the watch start point.
    pub fanout_events: usize,
}

impl Default for FixtureSize {
    /// 50,000 ConfigMaps to list, 1,000 events for each watcher.
    fn default() -> Self {
        Self {
            configmaps: 50_000,
            fanout_events: 1_000,
        }
    }
}

/// A loaded server and the two clients under comparison.
pub struct Fixture {
    server: TestServer,
    /// Holds the kubeconfig file kube-rs loaded, for as long as the fixture lives.
    #[cfg(feature = "kube-rs")]
    _kubeconfig_dir: tempfile::TempDir,
    kclient: RestClient,
    variants: Vec<(Protocol, RestClient)>,
    #[cfg(feature = "kube-rs")]
    kube: kube::Client,
    size: FixtureSize,
    list_bytes: u64,
    fanout_from: String,
}

impl Fixture {
    /// Starts the server, loads it and connects both clients (kube-rs's with the `kube-rs`
    /// feature). Neither client rate-limits: kube-rs has no client-side limiter, so kclient's
    /// (client-go's 5 QPS default) is off.
    pub async fn start(size: FixtureSize) -> Result<Self, BenchError> {
        let server = TestServer::builder()
            // Every fan-out event stays in history and in each watcher's buffer, so a
            // watcher resuming from the start point is never cut off or sent 410.
            .history_size(size.fanout_events + 1_000)
            .watcher_buffer(size.fanout_events + 1_000)
            .build()
            .await?;
        // kube-rs is built without its gzip feature, so kclient does not ask for gzip either:
        // both read the same uncompressed bytes (what gzip costs is `crate::gzip`'s subject).
        let mut config = server.config();
        config.disable_compression = true;
        let kclient = RestClient::builder(config.clone())
            .without_rate_limit()
            .build()?;
        let variants = [Protocol::Http1, Protocol::Http2Adaptive]
            .into_iter()
            .map(|p| Ok((p, transport::client(config.clone(), p)?)))
            .collect::<Result<Vec<_>, BenchError>>()?;
        #[cfg(feature = "kube-rs")]
        let (kubeconfig_dir, kube) = kube_client(&server).await?;

        create_namespace(&kclient, NAMESPACE).await?;
        create_namespace(&kclient, FANOUT_NAMESPACE).await?;
        create_configmaps(&kclient, NAMESPACE, 0..size.configmaps).await?;
        let fanout_from = list_resource_version(&kclient, FANOUT_NAMESPACE).await?;
        create_configmaps(&kclient, FANOUT_NAMESPACE, 0..size.fanout_events).await?;
        let list_bytes = kclient
            .get()
            .prefix(["api", "v1"])
            .namespace(NAMESPACE)
            .resource("configmaps")
            .send()
            .await?
            .body()
            .len() as u64;
        Ok(Self {
            server,
            #[cfg(feature = "kube-rs")]
            _kubeconfig_dir: kubeconfig_dir,
            kclient,
            variants,
            #[cfg(feature = "kube-rs")]
            kube,
            size,
            list_bytes,
            fanout_from,
        })
    }

    /// kclient's client (rate limit off).
    pub fn kclient(&self) -> &RestClient {
        &self.kclient
    }

    /// kclient's client over each alternative transport (see [`crate::transport`]).
    pub fn variants(&self) -> &[(Protocol, RestClient)] {
        &self.variants
    }

    /// kube-rs's client, from the server's kubeconfig.
    #[cfg(feature = "kube-rs")]
    pub fn kube(&self) -> &kube::Client {
        &self.kube
    }

    /// What was loaded.
    pub fn size(&self) -> FixtureSize {
        self.size
    }

    /// Size of the full ConfigMap list response as the server sends it.
    pub fn list_bytes(&self) -> u64 {
        self.list_bytes
    }

    /// The resourceVersion the fan-out watchers start from: every fan-out write is after it.
    pub fn fanout_from(&self) -> &str {
        &self.fanout_from
    }

    /// The server's URL (for the report).
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Stops the server.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// kube-rs's `Client` for `server`, built as a kube-rs user would: from the kubeconfig file the
/// server writes, in the returned directory (the fixture keeps it for as long as it lives).
#[cfg(feature = "kube-rs")]
async fn kube_client(server: &TestServer) -> Result<(tempfile::TempDir, kube::Client), BenchError> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("kubeconfig");
    server.write_kubeconfig(&path)?;
    let kubeconfig = kube::config::Kubeconfig::read_from(&path)?;
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await?;
    Ok((dir, kube::Client::try_from(config)?))
}

/// Creates namespace `name`; one that exists already is fine.
pub(crate) async fn create_namespace(client: &RestClient, name: &str) -> Result<(), BenchError> {
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    match client
        .post()
        .prefix(["api", "v1"])
        .resource("namespaces")
        .body_json(&ns)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err) if err.is_already_exists() => Ok(()),
        Err(err) => Err(err.into()),
    }
}

async fn create_configmaps(
    client: &RestClient,
    namespace: &str,
    indices: std::ops::Range<usize>,
) -> Result<(), BenchError> {
    futures::stream::iter(indices)
        .map(|index| async move {
            client
                .post()
                .prefix(["api", "v1"])
                .namespace(namespace)
                .resource("configmaps")
                .body_json(&configmap(index))
                .send()
                .await
                .map(drop)
        })
        .buffer_unordered(LOAD_CONCURRENCY)
        .try_collect::<()>()
        .await?;
    Ok(())
}

/// Creates Pods `indices` of `template` in [`NAMESPACE`], `concurrency` requests in flight.
pub async fn create_pods(
    client: &RestClient,
    template: &PodTemplate,
    indices: std::ops::Range<usize>,
    concurrency: usize,
) -> Result<(), BenchError> {
    futures::stream::iter(indices)
        .map(|index| async move {
            let pod = pod_for_create(template, index)?;
            client
                .post()
                .prefix(["api", "v1"])
                .namespace(NAMESPACE)
                .resource("pods")
                .body_json(&pod)
                .send()
                .await?;
            Ok::<_, BenchError>(())
        })
        .buffer_unordered(concurrency)
        .try_collect::<()>()
        .await
}

async fn list_resource_version(client: &RestClient, namespace: &str) -> Result<String, BenchError> {
    let list: k8s_openapi::List<ConfigMap> = client
        .get()
        .prefix(["api", "v1"])
        .namespace(namespace)
        .resource("configmaps")
        .params(&ListOptions::default())
        .into_json()
        .await?;
    list.metadata
        .resource_version
        .ok_or_else(|| BenchError::Mismatch("list without metadata.resourceVersion".into()))
}
