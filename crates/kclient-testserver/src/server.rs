//! [`TestServer`]: the listener, TLS, HTTP/1.1 + HTTP/2 connections and the public handle.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::auth::random_token;
use crate::controllers::{self, GarbageCollector};
use crate::error::TestServerError;
use crate::faults::{Faults, FaultsHandle};
use crate::handlers::{CreateOptions, DEFAULT_WATCH_TIMEOUT, Managed, create_object};
use crate::kubeconfig;
use crate::registry::Registry;
use crate::requests::RequestLog;
use crate::service::serve;
use crate::state::State;
use crate::store::{Store, StoreConfig};
use crate::tls;

/// The namespaces every cluster starts with.
const INITIAL_NAMESPACES: &[&str] = &["default", "kube-node-lease", "kube-public", "kube-system"];

/// Configures a [`TestServer`] before it starts.
#[derive(Clone)]
pub struct TestServerBuilder {
    port: u16,
    token: Option<String>,
    faults: Faults,
    history_size: usize,
    watcher_buffer: usize,
    bookmark_interval: Duration,
    watch_timeout: Duration,
    aggregated_discovery: bool,
    openapi_v2: bool,
    disabled_apis: Vec<String>,
}

impl std::fmt::Debug for TestServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServerBuilder")
            .field("port", &self.port)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("faults", &self.faults)
            .field("history_size", &self.history_size)
            .field("watcher_buffer", &self.watcher_buffer)
            .field("bookmark_interval", &self.bookmark_interval)
            .field("watch_timeout", &self.watch_timeout)
            .field("aggregated_discovery", &self.aggregated_discovery)
            .field("openapi_v2", &self.openapi_v2)
            .field("disabled_apis", &self.disabled_apis)
            .finish()
    }
}

impl Default for TestServerBuilder {
    fn default() -> Self {
        TestServerBuilder {
            port: 0,
            token: None,
            faults: Faults::default(),
            history_size: 10_000,
            watcher_buffer: 1_000,
            bookmark_interval: Duration::from_secs(60),
            watch_timeout: DEFAULT_WATCH_TIMEOUT,
            aggregated_discovery: true,
            openapi_v2: false,
            disabled_apis: Vec::new(),
        }
    }
}

impl TestServerBuilder {
    /// Port on 127.0.0.1 to listen on. Default: 0, a free port chosen by the OS.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The bearer token clients must send. Default: 32 random characters.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Faults active from the start. Default: none.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Events kept per resource for resuming watches and `Exact`/continue reads; older
    /// resourceVersions answer 410 Gone. Default: 10,000.
    pub fn history_size(mut self, events: usize) -> Self {
        self.history_size = events.max(1);
        self
    }

    /// Events buffered per watcher; a watcher falling further behind is dropped (its stream
    /// ends), so writers never wait for slow readers. Default: 1,000.
    pub fn watcher_buffer(mut self, events: usize) -> Self {
        self.watcher_buffer = events.max(1);
        self
    }

    /// Interval of BOOKMARK events on watches with `allowWatchBookmarks=true`. Default: 60 s
    /// (kube-apiserver sends them about once a minute).
    pub fn bookmark_interval(mut self, interval: Duration) -> Self {
        self.bookmark_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Server-side timeout of watches that set no `timeoutSeconds`. Default: 30 minutes.
    pub fn watch_timeout(mut self, timeout: Duration) -> Self {
        self.watch_timeout = timeout;
        self
    }

    /// Whether `/api` and `/apis` answer clients asking for aggregated discovery
    /// (`apidiscovery.k8s.io` v2/v2beta1) with it. `false` serves only the legacy documents
    /// whatever the `Accept` header says, like kube-apiserver before 1.26, so clients must fall
    /// back to one request per group-version. Default: `true`.
    pub fn aggregated_discovery(mut self, enabled: bool) -> Self {
        self.aggregated_discovery = enabled;
        self
    }

    /// Whether `/openapi/v2` serves a Swagger 2.0 document (paths with their
    /// `x-kubernetes-group-version-kind`, no schema definitions). Off by default so kubectl
    /// keeps using its compiled-in types for client-side apply. Default: `false` (404).
    pub fn openapi_v2(mut self, enabled: bool) -> Self {
        self.openapi_v2 = enabled;
        self
    }

    /// Stops serving a built-in group-version (`"events.k8s.io/v1"`, `"batch/v1"`), as
    /// kube-apiserver's `--runtime-config=<group>/<version>=false` does: it leaves discovery
    /// and its paths answer 404, so clients can be tested against a server that lacks it.
    /// May be called several times. Default: everything served.
    pub fn disable_api(mut self, group_version: impl Into<String>) -> Self {
        self.disabled_apis.push(group_version.into());
        self
    }

    /// Generates the certificates, binds the port and starts serving on the current tokio
    /// runtime.
    pub async fn build(self) -> Result<TestServer, TestServerError> {
        self.faults
            .validate()
            .map_err(TestServerError::InvalidSetting)?;
        let pki = tls::generate()?;
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))
            .await
            .map_err(TestServerError::Bind)?;
        let addr = listener.local_addr().map_err(TestServerError::Bind)?;
        let token = self.token.unwrap_or_else(random_token);
        let store = Arc::new(Store::new(StoreConfig {
            history_size: self.history_size,
            watcher_buffer: self.watcher_buffer,
        }));
        let faults = FaultsHandle::new(self.faults);
        faults.attach(&store);
        let requests = RequestLog::default();
        let shutdown = CancellationToken::new();
        let state = Arc::new(State {
            store,
            registry: Registry::without(&self.disabled_apis),
            faults: faults.clone(),
            requests: requests.clone(),
            token: token.clone(),
            bookmark_interval: self.bookmark_interval,
            default_watch_timeout: self.watch_timeout,
            address: addr.to_string(),
            aggregated_discovery: self.aggregated_discovery,
            openapi_v2: self.openapi_v2,
            shutdown: shutdown.clone(),
            gc: GarbageCollector::default(),
        });
        seed(&state)?;
        controllers::start_garbage_collector(&state);
        let acceptor = TlsAcceptor::from(pki.server_config.clone());
        let task = tokio::spawn(accept_loop(
            listener,
            acceptor,
            state.clone(),
            shutdown.clone(),
        ));
        Ok(TestServer {
            addr,
            token,
            ca_pem: pki.ca_pem,
            faults,
            requests,
            shutdown,
            task: Some(task),
            _state: state,
        })
    }
}

fn seed(state: &State) -> Result<(), TestServerError> {
    let served = state
        .registry
        .lookup("", "v1", "namespaces")
        .ok_or_else(|| {
            TestServerError::InvalidSetting("the catalog does not serve namespaces".into())
        })?;
    for ns in INITIAL_NAMESPACES {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns,
            "labels": {"kubernetes.io/metadata.name": ns}}});
        create_object(
            state,
            &served,
            obj,
            &CreateOptions {
                manager: "kube-apiserver",
                managed: Managed::Record,
                dry_run: false,
            },
        )
        .map_err(|e| {
            let why = e.status.message.unwrap_or_default();
            TestServerError::InvalidSetting(format!("creating namespace {ns}: {why}"))
        })?;
    }
    Ok(())
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    tokio::spawn(connection(tcp, acceptor.clone(), state.clone(), shutdown.clone()));
                }
                // Out of file descriptors or similar: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
        }
    }
}

async fn connection(
    tcp: TcpStream,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    shutdown: CancellationToken,
) {
    let _ = tcp.set_nodelay(true);
    let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        _ => return,
    };
    let service = hyper::service::service_fn(move |req| serve(state.clone(), req));
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection(TokioIo::new(tls), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
        }
    }
}

/// An in-memory, kubectl-compatible Kubernetes API server on 127.0.0.1 over HTTPS.
///
/// ```no_run
/// # async fn demo() -> Result<(), kclient_testserver::TestServerError> {
/// let server = kclient_testserver::TestServer::start().await?;
/// let dir = std::env::temp_dir().join("kubeconfig");
/// server.write_kubeconfig(&dir)?; // kubectl --kubeconfig <dir> get ns
/// server.shutdown().await;
/// # Ok(()) }
/// ```
///
/// Dropping the server stops it.
pub struct TestServer {
    addr: SocketAddr,
    token: String,
    ca_pem: String,
    faults: FaultsHandle,
    requests: RequestLog,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
    _state: Arc<State>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// Starts a server with the default settings on a free port.
    pub async fn start() -> Result<TestServer, TestServerError> {
        Self::builder().build().await
    }

    /// A builder for non-default settings.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bearer token clients must present.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// PEM of the self-signed CA that issued the serving certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A kubeconfig for this server: CA in `certificate-authority-data`, the bearer token,
    /// context `kclient-testserver` with namespace `default`.
    pub fn kubeconfig(&self) -> kclient_config::Kubeconfig {
        kubeconfig::model(&self.url(), &self.ca_pem, &self.token)
    }

    /// [`TestServer::kubeconfig`] as YAML.
    pub fn kubeconfig_yaml(&self) -> String {
        kubeconfig::yaml(&self.url(), &self.ca_pem, &self.token)
    }

    /// Writes [`TestServer::kubeconfig_yaml`] to `path` (mode 0600 on Unix).
    pub fn write_kubeconfig(&self, path: impl AsRef<Path>) -> Result<(), TestServerError> {
        let path = path.as_ref();
        std::fs::write(path, self.kubeconfig_yaml())
            .map_err(|e| TestServerError::Kubeconfig(format!("writing {}: {e}", path.display())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
                |e| TestServerError::Kubeconfig(format!("chmod {}: {e}", path.display())),
            )?;
        }
        Ok(())
    }

    /// A client configuration for this server (CA trusted, bearer token set).
    pub fn config(&self) -> kclient_config::Config {
        kubeconfig::config(&self.url(), &self.ca_pem, &self.token)
            .expect("https://<SocketAddr> is always a valid URI")
    }

    /// Switches faults at run time.
    pub fn faults(&self) -> FaultsHandle {
        self.faults.clone()
    }

    /// The log of API requests; call [`RequestLog::start`] to record.
    pub fn requests(&self) -> RequestLog {
        self.requests.clone()
    }

    /// Stops accepting connections, ends open watches and waits for the listener to close.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
