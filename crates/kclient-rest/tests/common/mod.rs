//! A tiny in-test HTTP(S) server, certificates made with rcgen, and a CONNECT proxy.

#![allow(dead_code)]

pub mod x509v1;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Uri, Version};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use kclient_config::Config;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// What the server saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub uri: Uri,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub type Reply = http::Response<BoxBody<Bytes, Infallible>>;
type BoxFut = Pin<Box<dyn Future<Output = Reply> + Send>>;
type Handler = Arc<dyn Fn(Seen) -> BoxFut + Send + Sync>;

pub struct TestServer {
    pub addr: SocketAddr,
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub async fn plain<F, Fut>(handler: F) -> Self
    where
        F: Fn(Seen) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        Self::start(handler, None).await
    }

    pub async fn tls<F, Fut>(handler: F, tls: rustls::ServerConfig) -> Self
    where
        F: Fn(Seen) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        Self::start(handler, Some(TlsAcceptor::from(Arc::new(tls)))).await
    }

    async fn start<F, Fut>(handler: F, tls: Option<TlsAcceptor>) -> Self
    where
        F: Fn(Seen) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |seen| Box::pin(handler(seen)));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let task = {
            let seen = seen.clone();
            let connections = connections.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        return;
                    };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let handler = handler.clone();
                    let seen = seen.clone();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        match tls {
                            None => serve(TokioIo::new(tcp), handler, seen).await,
                            Some(acceptor) => {
                                if let Ok(stream) = acceptor.accept(tcp).await {
                                    serve(TokioIo::new(stream), handler, seen).await;
                                }
                            }
                        }
                    });
                }
            })
        };
        Self {
            addr,
            url: format!("{scheme}://{addr}"),
            seen,
            connections,
            task,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// A config for this server without client-side rate limiting.
    pub fn config(&self) -> Config {
        Config::new(self.url.parse().unwrap()).without_rate_limit()
    }
}

async fn serve<I>(io: I, handler: Handler, seen: Arc<Mutex<Vec<Seen>>>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let handler = handler.clone();
        let seen = seen.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let record = Seen {
                method: parts.method,
                uri: parts.uri,
                version: parts.version,
                headers: parts.headers,
                body,
            };
            seen.lock().unwrap().push(record.clone());
            Ok::<_, Infallible>(handler(record).await)
        }
    });
    let _ = auto::Builder::new(TokioExecutor::new())
        .serve_connection(io, service)
        .await;
}

pub fn full(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(body.into()).boxed())
        .unwrap()
}

pub fn json(status: u16, value: serde_json::Value) -> Reply {
    full(status, "application/json", value.to_string())
}

pub fn with_header(mut reply: Reply, name: &'static str, value: &str) -> Reply {
    reply.headers_mut().append(name, value.parse().unwrap());
    reply
}

/// A streaming reply fed by the returned sender; `sender.closed()` resolves when the client
/// goes away.
pub fn streaming(status: u16) -> (Reply, mpsc::Sender<Bytes>) {
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    let frames = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, Infallible>(http_body::Frame::data(chunk)), rx))
    });
    let reply = http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(StreamBody::new(frames).boxed())
        .unwrap();
    (reply, tx)
}

pub fn status_json(code: u16, reason: &str, message: &str) -> serde_json::Value {
    serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code
    })
}

/// A CA and a server certificate it signed for 127.0.0.1 and `kubernetes.test`.
pub struct TestPki {
    pub ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    ca_issuer: Issuer<'static, KeyPair>,
    ca_key_pem: String,
}

impl TestPki {
    pub fn new() -> Self {
        Self::with_names(&["127.0.0.1", "kubernetes.test"])
    }

    pub fn with_names(names: &[&str]) -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kclient test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let ca_key_pem = ca_key.serialize_pem();
        let ca_issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let server_params = CertificateParams::new(names).unwrap();
        let server_cert = server_params.signed_by(&server_key, &ca_issuer).unwrap();
        Self {
            ca_pem: ca_cert.pem(),
            server_cert_pem: server_cert.pem(),
            server_key_pem: server_key.serialize_pem(),
            ca_issuer,
            ca_key_pem,
        }
    }

    /// A client certificate (PEM cert, PEM PKCS#8 key) signed by this CA.
    pub fn client_cert(&self, common_name: &str) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        let cert = params.signed_by(&key, &self.ca_issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    /// An X.509 v1 client certificate signed by this CA, as `openssl x509 -req` makes one:
    /// `(DER, PEM certificate, PEM PKCS#8 key)`.
    pub fn v1_client_cert(&self, user: &str, group: &str) -> (Vec<u8>, String, String) {
        let ca_key = KeyPair::from_pem(&self.ca_key_pem).unwrap();
        x509v1::client_cert(user, group, &x509v1::ca_name(), &ca_key)
    }

    fn provider() -> Arc<rustls::crypto::CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    fn server_identity(
        &self,
    ) -> (
        Vec<rustls::pki_types::CertificateDer<'static>>,
        rustls::pki_types::PrivateKeyDer<'static>,
    ) {
        use rustls::pki_types::pem::PemObject;
        let certs =
            rustls::pki_types::CertificateDer::pem_slice_iter(self.server_cert_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(self.server_key_pem.as_bytes())
            .unwrap();
        (certs, key)
    }

    /// Server TLS config offering h2 and http/1.1.
    pub fn server_config(&self) -> rustls::ServerConfig {
        let (certs, key) = self.server_identity();
        let mut cfg = rustls::ServerConfig::builder_with_provider(Self::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        cfg
    }

    /// Server TLS config that requires a client certificate signed by this CA.
    pub fn server_config_mtls(&self) -> rustls::ServerConfig {
        use rustls::pki_types::pem::PemObject;
        let (certs, key) = self.server_identity();
        let mut roots = rustls::RootCertStore::empty();
        for ca in rustls::pki_types::CertificateDer::pem_slice_iter(self.ca_pem.as_bytes()) {
            roots.add(ca.unwrap()).unwrap();
        }
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            Self::provider(),
        )
        .build()
        .unwrap();
        let mut cfg = rustls::ServerConfig::builder_with_provider(Self::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(certs, key)
            .unwrap();
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        cfg
    }
}

impl TestPki {
    /// Server TLS config requiring a client certificate of any X.509 version signed by this
    /// CA (rustls's WebPki verifier accepts only v3), and the end-entity certificates
    /// clients presented.
    pub fn server_config_any_client_cert(
        &self,
    ) -> (rustls::ServerConfig, Arc<Mutex<Vec<Vec<u8>>>>) {
        let (certs, key) = self.server_identity();
        let ca_key = KeyPair::from_pem(&self.ca_key_pem).unwrap();
        let verifier = x509v1::AnyVersionClientVerifier::new(&ca_key);
        let presented = verifier.presented.clone();
        let mut cfg = rustls::ServerConfig::builder_with_provider(Self::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(certs, key)
            .unwrap();
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        (cfg, presented)
    }
}

/// CONNECT targets and their Proxy-Authorization values.
pub type Targets = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A minimal HTTP CONNECT proxy recording the CONNECT targets and Proxy-Authorization values.
pub struct ConnectProxy {
    pub url: String,
    pub targets: Targets,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ConnectProxy {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let targets = Arc::new(Mutex::new(Vec::new()));
        let recorded = targets.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let _ = tunnel(client, recorded).await;
                });
            }
        });
        Self { url, targets, task }
    }
}

async fn tunnel(mut client: TcpStream, recorded: Targets) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    if parts.next() != Some("CONNECT") {
        client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
            .await?;
        return Ok(());
    }
    let target = parts.next().unwrap_or_default().to_owned();
    let auth = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, v)| v.trim().to_owned());
    recorded.lock().unwrap().push((target.clone(), auth));
    let mut upstream = TcpStream::connect(&target).await?;
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// A server that accepts connections and closes them without answering; counts connections.
pub async fn hangup_server() -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            // Read the request so the client sees a clean close after sending it.
            let mut buf = [0u8; 1024];
            let _ = tcp.read(&mut buf).await;
            drop(tcp);
        }
    });
    (url, count, task)
}

pub fn ok_text() -> Reply {
    full(StatusCode::OK.as_u16(), "text/plain", "ok")
}
