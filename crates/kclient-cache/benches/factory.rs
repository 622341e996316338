//! Lister reads over 10k cached ConfigMaps, and a cache-backed `get` against a server `get`
//! on kclient-testserver (what a controller saves by reading from the cache).
//!
//! `cargo bench -p kclient-cache --bench factory`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::{CachedClient, Indexer, Lister};
use kclient_client::{Api, GetOptions};
use kclient_core::{CreateOptions, LabelSelector};
use kclient_rest::RestClient;
use kclient_testserver::TestServer;

fn cm(ns: usize, i: usize) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(format!("cm-{i}")),
            namespace: Some(format!("ns-{ns}")),
            resource_version: Some(i.to_string()),
            labels: Some(
                [
                    ("app".to_owned(), format!("app-{}", i % 10)),
                    ("tier".to_owned(), format!("tier-{}", i % 3)),
                ]
                .into(),
            ),
            ..Default::default()
        },
        data: Some([("key".to_owned(), "x".repeat(256))].into()),
        ..Default::default()
    }
}

fn lister_benches(c: &mut Criterion) {
    let indexer = Indexer::new();
    let objs: Vec<Arc<ConfigMap>> = (0..10_000).map(|i| Arc::new(cm(i % 100, i))).collect();
    indexer.replace(objs).unwrap();
    let lister = Lister::new(indexer);
    let app3 = LabelSelector::parse("app=app-3,tier!=tier-0").unwrap();
    let all = LabelSelector::everything();
    c.bench_function("lister/list all 10k", |b| {
        b.iter(|| black_box(lister.list(&all).len()))
    });
    c.bench_function("lister/list selector over 10k", |b| {
        b.iter(|| black_box(lister.list(&app3).len()))
    });
    c.bench_function("lister/namespace list (100 of 10k)", |b| {
        b.iter(|| black_box(lister.namespace("ns-42").list(&all).len()))
    });
    c.bench_function("lister/namespace list selector (100 of 10k)", |b| {
        b.iter(|| black_box(lister.namespace("ns-42").list(&app3).len()))
    });
    c.bench_function("lister/namespace get", |b| {
        b.iter(|| black_box(lister.namespace("ns-42").get("cm-4242").is_some()))
    });
}

fn cached_get_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (server, rc) = rt.block_on(async {
        let server = TestServer::start().await.unwrap();
        let rc = RestClient::builder(server.config())
            .without_rate_limit()
            .build()
            .unwrap();
        let api: Api<ConfigMap> = Api::namespaced(rc.clone(), "default");
        let mut obj = cm(0, 1);
        obj.metadata.namespace = Some("default".into());
        obj.metadata.resource_version = None;
        api.create(&obj, &CreateOptions::default()).await.unwrap();
        (server, rc)
    });
    let cached = CachedClient::new(rc.clone());
    rt.block_on(async { cached.get::<ConfigMap>("default", "cm-1").await.unwrap() });
    let api: Api<ConfigMap> = Api::namespaced(rc, "default");
    c.bench_function("cached_client/get from cache", |b| {
        b.iter(|| {
            rt.block_on(async {
                black_box(cached.get::<ConfigMap>("default", "cm-1").await.unwrap())
            })
        })
    });
    c.bench_function("cached_client/get from server (Api)", |b| {
        b.iter(|| {
            rt.block_on(async { black_box(api.get("cm-1", &GetOptions::default()).await.unwrap()) })
        })
    });
    rt.block_on(cached.factory().shutdown());
    drop(server);
}

criterion_group!(benches, lister_benches, cached_get_benches);
criterion_main!(benches);
