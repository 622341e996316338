//! Informers of built-in kinds (typed and `Compact`) ask for protobuf first and decode it;
//! dynamic informers ask for JSON. Against an in-process fake API server answering Kubernetes
//! protobuf (written by kclient-protobuf) when asked, JSON otherwise.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::HeaderMap;
use k8s_openapi::List;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta, WatchEvent as Wire};
use kclient_cache::{ListerWatcher, RestListerWatcher, SharedInformerFactory};
use kclient_config::Config;
use kclient_core::{GroupVersionResource, LabelSelector, ListOptions, WatchEvent};
use kclient_rest::transport::Body;
use kclient_rest::{Error, RestClient};

const PB: &str = "application/vnd.kubernetes.protobuf";
const NEGOTIATED: &str = "application/vnd.kubernetes.protobuf, application/json";

fn config_map(name: &str, rv: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("ns".into()),
            resource_version: Some(rv.into()),
            ..ObjectMeta::default()
        },
        data: Some([("k".to_owned(), name.to_owned())].into()),
        ..ConfigMap::default()
    }
}

fn list() -> List<ConfigMap> {
    List {
        items: vec![config_map("a", "8"), config_map("b", "9")],
        metadata: ListMeta {
            resource_version: Some("10".into()),
            ..ListMeta::default()
        },
    }
}

fn reply(content_type: &str, body: Vec<u8>) -> http::Response<Body> {
    http::Response::builder()
        .status(200)
        .header("content-type", content_type)
        .body(Body::from(Bytes::from(body)))
        .unwrap()
}

fn answer(headers: &HeaderMap, query: &str) -> http::Response<Body> {
    let protobuf = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(PB));
    let watch = query.contains("watch=true");
    match (watch, protobuf) {
        (false, true) => reply(PB, kclient_protobuf::encode_object(&list()).unwrap()),
        (false, false) => reply("application/json", serde_json::to_vec(&list()).unwrap()),
        (true, true) => {
            let frame =
                kclient_protobuf::encode_watch_event(&Wire::Added(config_map("c", "11"))).unwrap();
            reply("application/vnd.kubernetes.protobuf;stream=watch", frame)
        }
        (true, false) => {
            let line = serde_json::json!({"type": "ADDED", "object": config_map("c", "11")});
            reply("application/json", format!("{line}\n").into_bytes())
        }
    }
}

#[derive(Clone, Default)]
struct Fake {
    accepts: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    fn client(&self, config: Config) -> RestClient {
        let accepts = self.accepts.clone();
        let service = tower::service_fn(move |req: http::Request<Bytes>| {
            let accepts = accepts.clone();
            async move {
                let accept = req.headers().get("accept").map(|v| v.to_str().unwrap());
                accepts
                    .lock()
                    .unwrap()
                    .push(accept.unwrap_or_default().to_owned());
                let query = req.uri().query().unwrap_or_default().to_owned();
                Ok::<_, Error>(answer(req.headers(), &query))
            }
        });
        RestClient::builder(config.without_rate_limit())
            .build_with_service(service)
            .unwrap()
    }

    fn accepts(&self) -> Vec<String> {
        std::mem::take(&mut *self.accepts.lock().unwrap())
    }
}

/// A client whose every request is answered with `body` as protobuf.
fn canned_protobuf(body: Vec<u8>) -> RestClient {
    let service = tower::service_fn(move |_req: http::Request<Bytes>| {
        let body = body.clone();
        async move { Ok::<_, Error>(reply(PB, body)) }
    });
    RestClient::builder(config().without_rate_limit())
        .build_with_service(service)
        .unwrap()
}

fn config() -> Config {
    Config::new("http://fake.test".parse().unwrap())
}

#[tokio::test]
async fn built_in_kinds_list_and_watch_in_protobuf() {
    let fake = Fake::default();
    for parallelism in [1, 2] {
        let lw = RestListerWatcher::<ConfigMap>::new(fake.client(config()))
            .decode_parallelism(std::num::NonZeroUsize::new(parallelism).unwrap());
        let page = lw.list(&ListOptions::default()).await.unwrap();
        assert_eq!(page.items, list().items);
        assert_eq!(page.metadata.resource_version.as_deref(), Some("10"));
        let mut events = lw.watch(&ListOptions::default()).await.unwrap();
        assert!(matches!(
            events.next().await,
            Some(Ok(WatchEvent::Added(cm))) if cm == config_map("c", "11")
        ));
        assert_eq!(fake.accepts(), [NEGOTIATED, NEGOTIATED]);
    }
}

#[tokio::test]
async fn compact_informers_keep_the_protobuf_messages_of_built_in_kinds() {
    let fake = Fake::default();
    let compact =
        RestListerWatcher::<kclient_cache::Compact<ConfigMap>>::compact(fake.client(config()));
    let page = compact.list(&ListOptions::default()).await.unwrap();
    let decoded: Vec<ConfigMap> = page.items.iter().map(|c| c.decode().unwrap()).collect();
    assert_eq!(decoded, list().items);
    assert_eq!(page.items[1].meta().name.as_deref(), Some("b"));
    assert_eq!(page.metadata.resource_version.as_deref(), Some("10"));
    // Kept as the server's message: a third smaller than the JSON, and shown as such.
    assert!(format!("{:?}", page.items[0]).contains("protobuf_bytes"));
    let json_len = serde_json::to_vec(&list().items[0]).unwrap().len();
    assert!(page.items[0].body_len() < json_len);
    let mut events = compact.watch(&ListOptions::default()).await.unwrap();
    let Some(Ok(WatchEvent::Added(c))) = events.next().await else {
        panic!("no ADDED event")
    };
    assert_eq!(c.decode().unwrap(), config_map("c", "11"));
    assert!(format!("{c:?}").contains("protobuf_bytes"));
    assert_eq!(fake.accepts(), [NEGOTIATED, NEGOTIATED]);
    // With JSON only, the same cache holds JSON text.
    let compact = RestListerWatcher::<kclient_cache::Compact<ConfigMap>>::compact(
        fake.client(config().json_only()),
    );
    let page = compact.list(&ListOptions::default()).await.unwrap();
    assert!(format!("{:?}", page.items[0]).contains("json_bytes"));
    assert_eq!(page.items[0].decode().unwrap(), list().items[0]);
    assert_eq!(fake.accepts(), ["application/json"]);
}

#[tokio::test]
async fn dynamic_informers_ask_json_and_json_only_turns_protobuf_off() {
    let fake = Fake::default();
    let gvr = GroupVersionResource::gvr("", "v1", "configmaps");
    let dynamic = RestListerWatcher::dynamic(fake.client(config()), &gvr, true);
    let page = dynamic.list(&ListOptions::default()).await.unwrap();
    assert_eq!(page.items[0].name(), Some("a"));
    let typed = RestListerWatcher::<ConfigMap>::new(fake.client(config().json_only()));
    let page = typed.list(&ListOptions::default()).await.unwrap();
    assert_eq!(page.items, list().items);
    assert_eq!(fake.accepts(), ["application/json", "application/json"]);
}

/// A protobuf list of several decode batches (about `BATCH_BYTES` each) decoded on one task
/// and on several threads gives the same items in the same order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_protobuf_lists_decode_in_parallel_batches_in_order() {
    let big: Vec<ConfigMap> = (0..120)
        .map(|i| {
            let mut cm = config_map(&format!("cm-{i:03}"), &i.to_string());
            cm.data = Some([("blob".to_owned(), "x".repeat(40_000 + i))].into());
            cm
        })
        .collect();
    let body = kclient_protobuf::encode_object(&List {
        items: big.clone(),
        metadata: ListMeta {
            resource_version: Some("500".into()),
            continue_: Some("next".into()),
            ..ListMeta::default()
        },
    })
    .unwrap();
    assert!(
        body.len() > 3 * kclient_rest::batch::BATCH_BYTES,
        "not several batches"
    );
    let client = canned_protobuf(body);
    for parallelism in [1, 2, 4] {
        let lw = RestListerWatcher::<ConfigMap>::new(client.clone())
            .decode_parallelism(std::num::NonZeroUsize::new(parallelism).unwrap());
        let page = lw.list(&ListOptions::default()).await.unwrap();
        assert!(
            page.items == big,
            "items differ with parallelism {parallelism}"
        );
        assert_eq!(page.metadata.resource_version.as_deref(), Some("500"));
        assert_eq!(page.metadata.continue_.as_deref(), Some("next"));
        let compact =
            RestListerWatcher::<kclient_cache::Compact<ConfigMap>>::compact(client.clone())
                .decode_parallelism(std::num::NonZeroUsize::new(parallelism).unwrap());
        let page = compact.list(&ListOptions::default()).await.unwrap();
        let names: Vec<_> = page.items.iter().map(|c| c.meta().name.clone()).collect();
        let expected: Vec<_> = big.iter().map(|c| c.metadata.name.clone()).collect();
        assert_eq!(names, expected);
    }
}

/// A truncated protobuf list is a decode error, not a shorter list.
#[tokio::test]
async fn a_truncated_protobuf_list_is_an_error() {
    let mut body = kclient_protobuf::encode_object(&list()).unwrap();
    body.truncate(body.len() - 3);
    let err = RestListerWatcher::<ConfigMap>::new(canned_protobuf(body))
        .list(&ListOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
}

#[tokio::test]
async fn factory_informers_of_built_in_kinds_sync_from_protobuf() {
    let fake = Fake::default();
    let factory = SharedInformerFactory::new(fake.client(config()));
    let lister = factory.resource::<ConfigMap>().lister();
    factory.start().unwrap();
    let synced = tokio::time::timeout(Duration::from_secs(10), factory.wait_for_cache_sync())
        .await
        .expect("synced in time");
    assert!(synced.all_synced());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while lister.list(&LabelSelector::everything()).len() < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the watch event did not arrive"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        lister.namespace("ns").get("c").as_deref(),
        Some(&config_map("c", "11"))
    );
    let accepts = fake.accepts();
    assert!(accepts.len() >= 2);
    assert!(accepts.iter().all(|a| a == NEGOTIATED), "{accepts:?}");
}
