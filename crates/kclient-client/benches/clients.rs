//! What the client layers cost on top of the wire, on the embedded test server holding
//! 2,000 ConfigMaps of ~1 KB data each (one namespace):
//!
//! * `list/rest_client`: kclient-rest alone, `GET .../configmaps` into `k8s_openapi::List`
//!   (the baseline: transport + JSON decode).
//! * `list/typed_api`: `Api<ConfigMap>::list` — the same request through the shared
//!   request layer into `ObjectList<ConfigMap>`.
//! * `list/pager_500`: `Api::list_all`, four pages of 500 following continue tokens.
//! * `list/dynamic`: `DynamicResource::list` into `UnstructuredList`.
//! * `list/metadata`: `MetadataResource::list` (`PartialObjectMetadataList`): the server
//!   drops the data, so far fewer bytes cross the wire and get decoded.
//! * `pages_with_work/{sequential,prefetch}`: eight pages of 250, each re-encoded by the
//!   consumer; with `Pager::prefetch` the next page's request and decode overlap that work.
//! * `api_clone`: cloning an `Api<Pod>` (two reference-count bumps).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_client::{Api, ClientSet};
use kclient_core::{CreateOptions, GroupVersionResource, ListOptions};
use kclient_testserver::TestServer;
use tokio::runtime::Runtime;

const OBJECTS: usize = 2_000;

fn setup(rt: &Runtime) -> (TestServer, ClientSet) {
    rt.block_on(async {
        let server = TestServer::start().await.expect("server");
        let cs = ClientSet::new(server.config().without_rate_limit()).expect("clientset");
        let cms = cs.core_v1().config_maps("default");
        let payload = "x".repeat(1024);
        for i in 0..OBJECTS {
            let cm = ConfigMap {
                metadata: ObjectMeta {
                    name: Some(format!("cm-{i:05}")),
                    labels: Some([("shard".to_owned(), (i % 16).to_string())].into()),
                    ..ObjectMeta::default()
                },
                data: Some([("payload".to_owned(), payload.clone())].into()),
                ..ConfigMap::default()
            };
            cms.create(&cm, &CreateOptions::default())
                .await
                .expect("create");
        }
        (server, cs)
    })
}

fn lists(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (_server, cs) = setup(&rt);
    let api = cs.core_v1().config_maps("default");
    let gvr = GroupVersionResource::gvr("", "v1", "configmaps");
    let dynamic = cs.dynamic().resource(&gvr).namespace("default");
    let metadata = cs.metadata().resource(&gvr).namespace("default");
    let rest = cs.client().clone();
    let opts = ListOptions::default();

    let mut group = c.benchmark_group("list");
    group.sample_size(20);
    group.bench_function("rest_client", |b| {
        b.iter(|| {
            rt.block_on(async {
                let list: k8s_openapi::List<ConfigMap> = rest
                    .get()
                    .prefix(["api", "v1"])
                    .namespace("default")
                    .resource("configmaps")
                    .into_json()
                    .await
                    .expect("list");
                assert_eq!(list.items.len(), OBJECTS);
                black_box(list)
            })
        });
    });
    group.bench_function("typed_api", |b| {
        b.iter(|| {
            rt.block_on(async {
                let list = api.list(&opts).await.expect("list");
                assert_eq!(list.items.len(), OBJECTS);
                black_box(list)
            })
        });
    });
    group.bench_function("pager_500", |b| {
        b.iter(|| {
            rt.block_on(async {
                let list = api.list_all(&opts).await.expect("list");
                assert_eq!(list.items.len(), OBJECTS);
                black_box(list)
            })
        });
    });
    group.bench_function("dynamic", |b| {
        b.iter(|| {
            rt.block_on(async {
                let list = dynamic.list(&opts).await.expect("list");
                assert_eq!(list.items.len(), OBJECTS);
                black_box(list)
            })
        });
    });
    group.bench_function("metadata", |b| {
        b.iter(|| {
            rt.block_on(async {
                let list = metadata.list(&opts).await.expect("list");
                assert_eq!(list.items.len(), OBJECTS);
                black_box(list)
            })
        });
    });
    group.finish();

    // A consumer that works on each page (here: re-encodes it) while the next one could
    // already be on the wire: the case `Pager::prefetch` is for.
    let mut group = c.benchmark_group("pages_with_work");
    group.sample_size(20);
    for prefetch in [false, true] {
        let pager = api.pager().page_size(250).prefetch(prefetch);
        let name = if prefetch { "prefetch" } else { "sequential" };
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut pages = pager.pages(&opts);
                    let mut bytes = 0;
                    while let Some(page) = pages.next().await {
                        let page = page.expect("page");
                        bytes += serde_json::to_vec(&page.list).expect("encode").len();
                    }
                    black_box(bytes)
                })
            });
        });
    }
    group.finish();

    let pods: Api<Pod> = cs.core_v1().pods("default");
    c.bench_function("api_clone", |b| b.iter(|| black_box(pods.clone())));
}

criterion_group!(benches, lists);
criterion_main!(benches);
