//! A small HTTPS client for the integration tests: one connection per request (HTTP/1.1
//! or HTTP/2), JSON helpers and a line-by-line watch reader.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use kclient_testserver::TestServer;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A response read to the end.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts kube-apiserver's answer for a path outside every served API: Go's
    /// `http.NotFound`, a plain-text 404 rather than a Status.
    #[track_caller]
    pub fn expect_page_not_found(&self) {
        assert_eq!(self.status.as_u16(), 404, "body: {}", self.text());
        assert_eq!(self.text(), "404 page not found\n");
    }

    /// Asserts the status code and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, code: u16) -> Value {
        assert_eq!(self.status.as_u16(), code, "body: {}", self.text());
        self.json()
    }
}

/// Client for one server.
#[derive(Clone)]
pub struct Api {
    addr: std::net::SocketAddr,
    connector: TlsConnector,
    pub token: String,
    pub http2: bool,
}

impl Api {
    pub fn new(server: &TestServer) -> Self {
        Self::with_alpn(server, false)
    }

    pub fn with_alpn(server: &TestServer, http2: bool) -> Self {
        let mut roots = rustls::RootCertStore::empty();
        let ca = CertificateDer::from_pem_slice(server.ca_pem().as_bytes()).expect("CA PEM");
        roots.add(ca).expect("add CA");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = if http2 {
            vec![b"h2".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        Api {
            addr: server.addr(),
            connector: TlsConnector::from(Arc::new(config)),
            token: server.token().to_string(),
            http2,
        }
    }

    pub fn with_token(&self, token: &str) -> Self {
        Api {
            token: token.to_string(),
            ..self.clone()
        }
    }

    /// Sends a request and returns the response with the body still streaming.
    pub async fn open(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> http::Response<Incoming> {
        let tcp = TcpStream::connect(self.addr).await.expect("connect");
        let name = ServerName::try_from("localhost").expect("server name");
        let tls = self
            .connector
            .connect(name, tcp)
            .await
            .expect("TLS handshake");
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost");
        if !self.token.is_empty() {
            req = req.header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        }
        for (k, v) in headers {
            req = req.header(*k, HeaderValue::from_str(v).expect("header value"));
        }
        let req = req.body(Full::new(body)).expect("request");
        if self.http2 {
            let uri_req = {
                let (mut parts, body) = req.into_parts();
                parts.uri = format!("https://localhost{}", parts.uri)
                    .parse()
                    .expect("uri");
                Request::from_parts(parts, body)
            };
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                    .await
                    .expect("h2 handshake");
            tokio::spawn(conn);
            sender.send_request(uri_req).await.expect("send")
        } else {
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
                .await
                .expect("handshake");
            tokio::spawn(conn);
            sender.send_request(req).await.expect("send")
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Resp {
        let resp = self.open(method, path, headers, body.into()).await;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.expect("body").to_bytes();
        Resp {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, &[], Bytes::new()).await
    }

    pub async fn get_accept(&self, path: &str, accept: &str) -> Resp {
        self.send(Method::GET, path, &[("accept", accept)], Bytes::new())
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(
            Method::POST,
            path,
            &[("content-type", "application/json")],
            serde_json::to_vec(body).unwrap(),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.send(
            Method::PUT,
            path,
            &[("content-type", "application/json")],
            serde_json::to_vec(body).unwrap(),
        )
        .await
    }

    pub async fn patch(&self, path: &str, content_type: &str, body: &str) -> Resp {
        self.send(
            Method::PATCH,
            path,
            &[("content-type", content_type)],
            body.to_string(),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, &[], Bytes::new()).await
    }

    pub async fn delete_with(&self, path: &str, options: &Value) -> Resp {
        self.send(
            Method::DELETE,
            path,
            &[("content-type", "application/json")],
            serde_json::to_vec(options).unwrap(),
        )
        .await
    }

    /// Opens a watch (the path must already ask for one).
    pub async fn watch(&self, path: &str) -> Watch {
        self.watch_accept(path, "application/json").await
    }

    pub async fn watch_accept(&self, path: &str, accept: &str) -> Watch {
        let resp = self
            .open(Method::GET, path, &[("accept", accept)], Bytes::new())
            .await;
        let (parts, body) = resp.into_parts();
        Watch {
            status: parts.status,
            headers: parts.headers,
            body,
            buf: Vec::new(),
        }
    }
}

/// A kept-alive HTTP/1.1 connection for many requests.
pub struct Conn {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    token: String,
}

impl Api {
    /// Opens a keep-alive connection.
    pub async fn connect(&self) -> Conn {
        let tcp = TcpStream::connect(self.addr).await.expect("connect");
        let name = ServerName::try_from("localhost").expect("server name");
        let tls = self
            .connector
            .connect(name, tcp)
            .await
            .expect("TLS handshake");
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .expect("handshake");
        tokio::spawn(conn);
        Conn {
            sender,
            token: self.token.clone(),
        }
    }
}

impl Conn {
    pub async fn send(&mut self, method: Method, path: &str, body: impl Into<Bytes>) -> Resp {
        self.sender.ready().await.expect("connection ready");
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(body.into()))
            .expect("request");
        let resp = self.sender.send_request(req).await.expect("send");
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.expect("body").to_bytes();
        Resp {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// A watch response read one event (line) at a time.
pub struct Watch {
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: Incoming,
    buf: Vec<u8>,
}

impl Watch {
    /// The next event, `None` when the server closed the stream. Panics after 10 s.
    pub async fn next(&mut self) -> Option<Value> {
        tokio::time::timeout(Duration::from_secs(10), self.next_inner())
            .await
            .expect("timed out waiting for a watch event")
    }

    /// The next event within `wait`; `Err(())` when nothing arrived in time.
    pub async fn next_within(&mut self, wait: Duration) -> Result<Option<Value>, ()> {
        tokio::time::timeout(wait, self.next_inner())
            .await
            .map_err(|_| ())
    }

    async fn next_inner(&mut self) -> Option<Value> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                return Some(serde_json::from_slice(&line).expect("watch line is JSON"));
            }
            match self.body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
                _ => return None,
            }
        }
    }

    /// The next event that is not a BOOKMARK.
    pub async fn next_non_bookmark(&mut self) -> Option<Value> {
        loop {
            let ev = self.next().await?;
            if ev["type"] != "BOOKMARK" {
                return Some(ev);
            }
        }
    }
}

pub fn cm(name: &str, labels: Value) -> Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"k": "v"},
    })
}

/// The `metadata.resourceVersion` of an object or list, as a number.
pub fn rv(v: &Value) -> u64 {
    v["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

pub const CM: &str = "/api/v1/namespaces/default/configmaps";

pub async fn start() -> (TestServer, Api) {
    let server = TestServer::start().await.expect("server starts");
    let api = Api::new(&server);
    (server, api)
}

/// A server with the token user `alice` (uid `uid-alice`, group `dev`), a client as the
/// admin and one as alice.
pub async fn server_with_alice() -> (TestServer, Api, Api) {
    let server = TestServer::builder()
        .token_user("alice-token", "alice", "uid-alice", &["dev"])
        .build()
        .await
        .expect("server");
    let admin = Api::new(&server);
    let alice = admin.with_token("alice-token");
    (server, admin, alice)
}
