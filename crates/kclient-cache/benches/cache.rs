//! Cache micro-benchmarks and reflector time-to-synced against kclient-testserver.
//!
//! `cargo bench -p kclient-cache --bench cache`

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::{
    DeltaFifo, Indexer, NAMESPACE_INDEX, ProcessError, Reflector, ReflectorConfig,
    RestListerWatcher,
};
use kclient_core::GroupVersion;
use kclient_rest::RestClient;
use kclient_testserver::TestServer;

fn cm(ns: usize, i: usize) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(format!("cm-{i}")),
            namespace: Some(format!("ns-{ns}")),
            resource_version: Some(i.to_string()),
            labels: Some([("app".to_owned(), format!("app-{}", i % 10))].into()),
            ..Default::default()
        },
        data: Some([("key".to_owned(), "x".repeat(256))].into()),
        ..Default::default()
    }
}

fn objects(n: usize) -> Vec<Arc<ConfigMap>> {
    (0..n).map(|i| Arc::new(cm(i % 100, i))).collect()
}

fn store_benches(c: &mut Criterion) {
    let objs = objects(10_000);
    c.bench_function("indexer/add 10k (namespace index)", |b| {
        b.iter(|| {
            let store = Indexer::new();
            for o in &objs {
                store.add(o.clone()).unwrap();
            }
            black_box(store.len())
        })
    });
    c.bench_function("indexer/replace 10k", |b| {
        let store = Indexer::new();
        b.iter(|| store.replace(objs.clone()).unwrap())
    });
    let store = Indexer::new();
    store.replace(objs.clone()).unwrap();
    c.bench_function("indexer/by_index namespace (100 of 10k)", |b| {
        b.iter(|| black_box(store.by_index(NAMESPACE_INDEX, "ns-42").unwrap().len()))
    });
    c.bench_function("indexer/get_by_key", |b| {
        b.iter(|| black_box(store.get_by_key("ns-42/cm-4242").is_some()))
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    c.bench_function("delta_fifo/replace + pop 10k", |b| {
        b.iter(|| {
            let f = DeltaFifo::new();
            f.replace(objs.clone()).unwrap();
            rt.block_on(async {
                while !f.is_empty() {
                    f.pop(|_, _| Ok::<(), ProcessError<()>>(())).await.unwrap();
                }
            });
        })
    });
}

fn reflector_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let n = 2_000;
    let (server, client) = rt.block_on(async {
        let server = TestServer::start().await.unwrap();
        let client = RestClient::builder(server.config())
            .without_rate_limit()
            .build()
            .unwrap();
        let gv = GroupVersion::new("", "v1");
        for i in 0..n {
            let mut o = cm(0, i);
            o.metadata.namespace = Some("default".into());
            o.metadata.resource_version = None;
            let _: ConfigMap = client
                .post()
                .group_version(&gv)
                .namespace("default")
                .resource("configmaps")
                .body_json(&o)
                .into_json()
                .await
                .unwrap();
        }
        (server, client)
    });
    let mut group = c.benchmark_group("reflector/time to synced, 2k ConfigMaps");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for watch_list in [false, true] {
        let label = if watch_list {
            "watch-list"
        } else {
            "list (500/page) + watch"
        };
        group.bench_with_input(BenchmarkId::from_parameter(label), &watch_list, |b, &wl| {
            b.iter(|| {
                rt.block_on(async {
                    let store = Indexer::<ConfigMap>::new();
                    let config = ReflectorConfig {
                        use_watch_list: wl,
                        ..Reflector::<ConfigMap, RestListerWatcher<ConfigMap>, Indexer<ConfigMap>>::default_config()
                    };
                    let reflector = Reflector::with_config(
                        RestListerWatcher::<ConfigMap>::new(client.clone()),
                        store.clone(),
                        config,
                    );
                    let mut health = reflector.health();
                    let task = tokio::spawn(reflector.run());
                    health.wait_for(|h| h.synced).await.unwrap();
                    task.abort();
                    assert_eq!(store.len(), n);
                })
            })
        });
    }
    group.finish();
    rt.block_on(server.shutdown());
}

criterion_group!(benches, store_benches, reflector_benches);
criterion_main!(benches);
