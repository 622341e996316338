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
use crate::authn::{ADMIN_USER, AUTHENTICATED, MASTERS, Tokens, UserInfo};
use crate::client_cert;
use crate::controllers::{self, GarbageCollector};
use crate::error::TestServerError;
use crate::faults::{Faults, FaultsHandle};
use crate::handlers::{CreateOptions, DEFAULT_WATCH_TIMEOUT, create_object};
use crate::kubeconfig;
use crate::pod_admission;
use crate::rbac;
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
    anonymous_auth: bool,
    client_cas: Vec<String>,
    token_users: Vec<(String, UserInfo)>,
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
            .field("anonymous_auth", &self.anonymous_auth)
            .field("client_cas", &self.client_cas.len())
            .field("token_users", &self.token_users.len())
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
            anonymous_auth: true,
            client_cas: Vec::new(),
            token_users: Vec::new(),
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

    /// Whether requests without credentials are served as user `system:anonymous` in group
    /// `system:unauthenticated` (then authorized like anyone else), as kube-apiserver's
    /// `--anonymous-auth`. `false` answers them 401. Default: `true`.
    pub fn anonymous_auth(mut self, enabled: bool) -> Self {
        self.anonymous_auth = enabled;
        self
    }

    /// Trusts client certificates signed by this CA (PEM, possibly several certificates),
    /// besides the server's own CA, as kube-apiserver's `--client-ca-file`: the subject's
    /// CN is the user name and each O a group. X.509 v1 certificates (`openssl x509 -req`)
    /// are accepted. May be called several times. Default: only the server's CA.
    pub fn client_ca_pem(mut self, pem: impl Into<String>) -> Self {
        self.client_cas.push(pem.into());
        self
    }

    /// Adds a bearer token for a user, as a line of kube-apiserver's `--token-auth-file`
    /// (`token,user,uid,"group1,group2"`); the user is also in `system:authenticated`.
    /// May be called several times. Default: only the server's own (admin) token.
    pub fn token_user(
        mut self,
        token: impl Into<String>,
        user: &str,
        uid: &str,
        groups: &[&str],
    ) -> Self {
        let groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        self.token_users
            .push((token.into(), UserInfo::authenticated(user, uid, &groups)));
        self
    }

    /// Generates the certificates, binds the port and starts serving on the current tokio
    /// runtime.
    pub async fn build(self) -> Result<TestServer, TestServerError> {
        self.faults
            .validate()
            .map_err(TestServerError::InvalidSetting)?;
        let pki = tls::generate_with_client_cas(&self.client_cas)?;
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
        let tokens = Tokens::default();
        tokens.insert(
            &token,
            UserInfo::authenticated(ADMIN_USER, "", &[MASTERS.to_string()]),
        );
        for (t, user) in self.token_users {
            tokens.insert(&t, user);
        }
        let state = Arc::new(State {
            store,
            registry: Registry::without(&self.disabled_apis),
            faults: faults.clone(),
            requests: requests.clone(),
            tokens,
            anonymous_auth: self.anonymous_auth,
            bookmark_interval: self.bookmark_interval,
            default_watch_timeout: self.watch_timeout,
            address: addr.to_string(),
            aggregated_discovery: self.aggregated_discovery,
            openapi_v2: self.openapi_v2,
            shutdown: shutdown.clone(),
            gc: GarbageCollector::default(),
        });
        seed(&state)?;
        rbac::bootstrap::seed(&state).map_err(|e| {
            let why = e.status.message.unwrap_or_default();
            TestServerError::InvalidSetting(format!("creating the default RBAC roles: {why}"))
        })?;
        pod_admission::seed_priority_classes(&state).map_err(|e| {
            let why = e.status.message.unwrap_or_default();
            TestServerError::InvalidSetting(format!("creating the system PriorityClasses: {why}"))
        })?;
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
        create_object(state, &served, obj, &CreateOptions::SERVER).map_err(|e| {
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
    // The certificate rustls verified names the user of every request on the connection.
    let cert_user = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|cert| client_cert::user_of(cert.as_ref()))
        .map(Arc::new);
    let service =
        hyper::service::service_fn(move |req| serve(state.clone(), req, cert_user.clone()));
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
        write_private(path.as_ref(), &self.kubeconfig_yaml())
    }

    /// A client configuration for this server (CA trusted, bearer token set).
    pub fn config(&self) -> kclient_config::Config {
        kubeconfig::config(&self.url(), &self.ca_pem, &self.token)
            .expect("https://<SocketAddr> is always a valid URI")
    }

    /// Registers a fresh bearer token for `user` in `groups` (plus `system:authenticated`).
    fn mint_token(&self, user: &str, groups: &[&str]) -> String {
        let token = random_token();
        let groups: Vec<String> = groups
            .iter()
            .filter(|g| **g != AUTHENTICATED)
            .map(|g| g.to_string())
            .collect();
        self._state
            .tokens
            .insert(&token, UserInfo::authenticated(user, "", &groups));
        token
    }

    /// A client configuration that authenticates as `user` in `groups` (by a bearer token
    /// minted for it), so tests see the 403s RBAC gives that user. Grant it permissions
    /// with Roles and bindings through [`TestServer::config`]'s cluster-admin client.
    pub fn config_for(&self, user: &str, groups: &[&str]) -> kclient_config::Config {
        let token = self.mint_token(user, groups);
        kubeconfig::config(&self.url(), &self.ca_pem, &token)
            .expect("https://<SocketAddr> is always a valid URI")
    }

    /// A kubeconfig (YAML) that authenticates as `user` in `groups`, for kubectl.
    pub fn kubeconfig_yaml_for(&self, user: &str, groups: &[&str]) -> String {
        let token = self.mint_token(user, groups);
        kubeconfig::yaml(&self.url(), &self.ca_pem, &token)
    }

    /// Writes [`TestServer::kubeconfig_yaml_for`] to `path` (mode 0600 on Unix).
    pub fn write_kubeconfig_for(
        &self,
        path: impl AsRef<Path>,
        user: &str,
        groups: &[&str],
    ) -> Result<(), TestServerError> {
        write_private(path.as_ref(), &self.kubeconfig_yaml_for(user, groups))
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

/// Writes a file only its owner can read (it holds a credential).
fn write_private(path: &Path, content: &str) -> Result<(), TestServerError> {
    std::fs::write(path, content)
        .map_err(|e| TestServerError::Kubeconfig(format!("writing {}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| TestServerError::Kubeconfig(format!("chmod {}: {e}", path.display())))?;
    }
    Ok(())
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
