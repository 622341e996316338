//! What gzip costs on the 10,000-Pod list (131 MB of JSON): kclient's full list with gzip
//! asked for (the default) and without it (`Config::disable_compression`), from the embedded
//! server, which compresses as kube-apiserver does (level 1, GET responses above 128 KiB).
//!
//! Run with `cargo run --release -p kclient-bench --bin gzip`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use k8s_openapi::api::core::v1::Pod;
use kclient::config::Config;
use kclient::rest::transport::Body;
use kclient::rest::{Request, RestClient};
use kclient::testserver::TestServer;

use crate::data::{NAMESPACE, PodTemplate};
use crate::error::BenchError;

/// Creates in flight while loading the server.
const LOAD_CONCURRENCY: usize = 32;

/// The embedded server holding the Pods, and a client of each kind.
pub struct Setup {
    /// Keeps the server up for as long as the clients are used.
    pub server: TestServer,
    /// `disable_compression: true`: the list travels as 131 MB of JSON.
    pub identity: RestClient,
    /// kclient's default: asks for gzip and inflates the list as it streams in.
    pub gzip: RestClient,
}

/// A client without client-side rate limiting, asking for gzip or not.
pub fn client(mut config: Config, gzip: bool) -> Result<RestClient, BenchError> {
    config.disable_compression = !gzip;
    Ok(RestClient::builder(config).without_rate_limit().build()?)
}

impl Setup {
    /// Starts the server and creates `pods` copies of the bundled Pod in [`NAMESPACE`].
    pub async fn load(pods: usize) -> Result<Self, BenchError> {
        let server = TestServer::start().await?;
        let identity = client(server.config(), false)?;
        let gzip = client(server.config(), true)?;
        crate::fixture::create_namespace(&identity, NAMESPACE).await?;
        let template = PodTemplate::bundled()?;
        crate::fixture::create_pods(&identity, &template, 0..pods, LOAD_CONCURRENCY).await?;
        Ok(Self {
            server,
            identity,
            gzip,
        })
    }
}

/// The full list of Pods in [`NAMESPACE`], in one response.
pub fn list(client: &RestClient) -> Request {
    client
        .get()
        .prefix(["api", "v1"])
        .namespace(NAMESPACE)
        .resource("pods")
}

/// The list decoded into typed Pods (`Request::into_json`); returns how many.
pub async fn typed(client: &RestClient) -> Result<usize, BenchError> {
    let list: k8s_openapi::List<Pod> = list(client).into_json().await?;
    Ok(list.items.len())
}

/// The list's body read to the end, not decoded; returns its (decompressed) length.
pub async fn body(client: &RestClient) -> Result<usize, BenchError> {
    Ok(list(client).send().await?.body().len())
}

/// The body as the server sent it: with `gzip`, the caller's own `Accept-Encoding: gzip`,
/// which kclient (as Go) then leaves compressed.
pub async fn wire_body(client: &RestClient, gzip: bool) -> Result<Bytes, BenchError> {
    let request = list(client);
    let request = if gzip {
        request.header(http::header::ACCEPT_ENCODING, "gzip")
    } else {
        request
    };
    Ok(request.send().await?.into_body())
}

/// A server in process that answers every request with `compressed` as a gzip body, so
/// a client over it measures kclient's inflating alone (no network, no server compression).
#[derive(Clone, Debug)]
pub struct GzipReplay {
    compressed: Bytes,
}

impl GzipReplay {
    /// Replays `compressed` (a gzip body).
    pub fn new(compressed: Bytes) -> Self {
        Self { compressed }
    }

    /// A kclient over this replay, asking for gzip.
    pub fn client(self) -> Result<RestClient, BenchError> {
        let config = Config::new(http::Uri::from_static("http://replay.invalid"));
        Ok(RestClient::builder(config)
            .without_rate_limit()
            .build_with_service(self)?)
    }
}

impl tower_service::Service<http::Request<Bytes>> for GzipReplay {
    type Response = http::Response<Body>;
    type Error = kclient::rest::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: http::Request<Bytes>) -> Self::Future {
        // Sent in 16 KiB frames, the size of an HTTP/2 DATA frame from kube-apiserver.
        let frames: Vec<Result<http_body::Frame<Bytes>, kclient::rest::Error>> = self
            .compressed
            .chunks(16 * 1024)
            .map(|chunk| Ok(http_body::Frame::data(self.compressed.slice_ref(chunk))))
            .collect();
        let body = Body::from_result_body(http_body_util::StreamBody::new(futures::stream::iter(
            frames,
        )));
        Box::pin(async move {
            let mut response = http::Response::new(body);
            response.headers_mut().insert(
                http::header::CONTENT_ENCODING,
                http::HeaderValue::from_static("gzip"),
            );
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_path_sees_the_same_pods() {
        let setup = Setup::load(12).await.unwrap();
        assert_eq!(typed(&setup.identity).await.unwrap(), 12);
        assert_eq!(typed(&setup.gzip).await.unwrap(), 12);
        let plain = wire_body(&setup.identity, false).await.unwrap();
        let compressed = wire_body(&setup.gzip, true).await.unwrap();
        // 12 Pods of 13 KB are above the 128 KiB threshold.
        assert_eq!(&compressed[..2], [0x1f, 0x8b], "gzip magic");
        assert!(compressed.len() * 4 < plain.len());
        assert_eq!(body(&setup.gzip).await.unwrap(), plain.len());
        let replay = GzipReplay::new(compressed).client().unwrap();
        assert_eq!(typed(&replay).await.unwrap(), 12);
    }
}
