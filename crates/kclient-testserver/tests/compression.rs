//! gzip as kube-apiserver does it: GET responses above 128 KiB for clients that accept gzip,
//! never watches; and kclient asking for it unless `disable_compression` says not to.

mod common;

use std::future::Future;
use std::io::Read as _;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use common::{CM, start};
use http::{Method, Request, Response};
use kclient_rest::RestClient;
use kclient_rest::transport::{Body, HttpService};
use serde_json::{Value, json};

/// 40 ConfigMaps of 4 KiB each: a list of about 170 KiB, above the threshold; one of them is
/// far below it.
async fn load(api: &common::Api) {
    for i in 0..40 {
        let cm = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("cm-{i:02}")},
            "data": {"k": format!("{i:02}").repeat(2048)},
        });
        api.post(CM, &cm).await.expect(201);
    }
}

fn gunzip(body: &[u8]) -> Value {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut plain)
        .expect("a complete gzip body");
    serde_json::from_slice(&plain).expect("JSON inside")
}

#[tokio::test]
async fn large_gets_are_gzip_encoded_for_clients_that_accept_it() {
    let (_server, api) = start().await;
    load(&api).await;
    let gzip = [("accept-encoding", "gzip")];

    let list = api.send(Method::GET, CM, &gzip, Bytes::new()).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("content-encoding"), Some("gzip"));
    assert_eq!(list.header("vary"), Some("Accept-Encoding"));
    assert_eq!(list.header("content-type"), Some("application/json"));
    assert!(list.header("content-length").is_none());
    let items = gunzip(&list.body)["items"].as_array().unwrap().len();
    assert_eq!(items, 40);
    let plain_len = api.get(CM).await.body.len();
    assert!(plain_len > 128 * 1024, "{plain_len}");
    assert!(
        list.body.len() * 4 < plain_len,
        "{} of {plain_len}",
        list.body.len()
    );

    // Below the threshold, without gzip in Accept-Encoding, or refused with q=0: as it is.
    let small = api
        .send(Method::GET, &format!("{CM}/cm-00"), &gzip, Bytes::new())
        .await;
    assert!(small.header("content-encoding").is_none());
    small.expect(200);
    let plain = api.get(CM).await;
    assert!(plain.header("content-encoding").is_none());
    assert_eq!(plain.expect(200)["items"].as_array().unwrap().len(), 40);
    let refused = api
        .send(
            Method::GET,
            CM,
            &[("accept-encoding", "gzip;q=0")],
            Bytes::new(),
        )
        .await;
    assert!(refused.header("content-encoding").is_none());

    // HTTP/2 the same.
    let h2 = common::Api::with_alpn(&_server, true)
        .send(Method::GET, CM, &gzip, Bytes::new())
        .await;
    assert_eq!(h2.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&h2.body)["items"].as_array().unwrap().len(), 40);
}

#[tokio::test]
async fn watches_are_never_compressed() {
    let (_server, api) = start().await;
    load(&api).await;
    let watch = api
        .open(
            Method::GET,
            &format!("{CM}?watch=true&resourceVersion=0"),
            &[("accept-encoding", "gzip")],
            Bytes::new(),
        )
        .await;
    assert_eq!(watch.status(), 200);
    assert!(watch.headers().get("content-encoding").is_none());
}

/// What went over the wire below kclient's transport layers: the request's Accept-Encoding
/// and the response's Content-Encoding.
type Wire = Arc<Mutex<Vec<(Option<String>, Option<String>)>>>;

#[derive(Clone)]
struct Spy {
    inner: HttpService,
    wire: Wire,
}

fn header(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap_or_default().to_owned())
}

impl tower_service::Service<Request<Bytes>> for Spy {
    type Response = Response<Body>;
    type Error = kclient_rest::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Bytes>) -> Self::Future {
        let asked = header(req.headers(), "accept-encoding");
        let wire = self.wire.clone();
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = response.await?;
            let encoding = header(response.headers(), "content-encoding");
            wire.lock().unwrap().push((asked, encoding));
            Ok(response)
        })
    }
}

async fn list_through_spy(config: kclient_config::Config) -> (usize, Wire) {
    let wire = Wire::default();
    let spy = Spy {
        inner: HttpService::new(&config).unwrap(),
        wire: wire.clone(),
    };
    let client = RestClient::builder(config)
        .without_rate_limit()
        .build_with_service(spy)
        .unwrap();
    let list: k8s_openapi::List<k8s_openapi::api::core::v1::ConfigMap> = client
        .get()
        .prefix(["api", "v1"])
        .namespace("default")
        .resource("configmaps")
        .into_json()
        .await
        .unwrap();
    (list.items.len(), wire)
}

#[tokio::test]
async fn kclient_asks_for_gzip_unless_compression_is_disabled() {
    let (server, api) = start().await;
    load(&api).await;

    let (items, wire) = list_through_spy(server.config()).await;
    assert_eq!(items, 40);
    assert_eq!(
        *wire.lock().unwrap(),
        [(Some("gzip".to_owned()), Some("gzip".to_owned()))]
    );

    let mut config = server.config();
    config.disable_compression = true;
    let (items, wire) = list_through_spy(config).await;
    assert_eq!(items, 40);
    assert_eq!(*wire.lock().unwrap(), [(None, None)]);
}
