//! Criterion: what one create costs on the embedded test server, end to end over HTTPS and
//! one at a time: decode, pruning and `fieldValidation`, defaulting, validation, storage and
//! the response. ConfigMaps (~1 KB, nothing to default), the bundled 13 KB Pod (two
//! containers, probes, volumes: the most defaulting) and a small Deployment, with the
//! default `fieldValidation` (Warn) and with `Ignore`.
//!
//! `cargo bench -p kclient-bench --bench create`

use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient::rest::RestClient;
use kclient::testserver::TestServer;
use kclient_bench::data::{NAMESPACE, PodTemplate, configmap, pod_for_create};
use serde_json::{Value, json};

fn deployment(index: usize) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": format!("web-{index:08}"), "labels": {"app": "web"}},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                    "ports": [{"containerPort": 80}],
                    "readinessProbe": {"httpGet": {"port": 80}}}]}}}})
}

fn create(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let server = runtime
        .block_on(TestServer::start())
        .expect("test server starts");
    let client = RestClient::builder(server.config())
        .without_rate_limit()
        .build()
        .expect("client");
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(NAMESPACE.to_owned()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    runtime
        .block_on(
            client
                .post()
                .prefix(["api", "v1"])
                .resource("namespaces")
                .body_json(&ns)
                .send(),
        )
        .expect("namespace");
    let template = PodTemplate::bundled().expect("bundled pod");
    let next = AtomicUsize::new(0);
    let post = |prefix: &[&str], resource: &str, body: &Value, ignore: bool| {
        let mut req = client
            .post()
            .prefix(prefix.iter().copied())
            .namespace(NAMESPACE)
            .resource(resource)
            .body_json(body);
        if ignore {
            req = req.param("fieldValidation", "Ignore");
        }
        runtime.block_on(req.send()).expect("created");
    };

    let mut group = c.benchmark_group("create");
    for (label, ignore) in [("warn", false), ("ignore", true)] {
        group.bench_function(format!("configmap_1kb/{label}"), |b| {
            b.iter(|| {
                let cm = configmap(next.fetch_add(1, Ordering::Relaxed));
                let body = serde_json::to_value(&cm).expect("configmap");
                post(&["api", "v1"], "configmaps", &body, ignore);
            })
        });
        group.bench_function(format!("pod_13kb/{label}"), |b| {
            b.iter(|| {
                let pod =
                    pod_for_create(&template, next.fetch_add(1, Ordering::Relaxed)).expect("pod");
                post(&["api", "v1"], "pods", &pod, ignore);
            })
        });
        group.bench_function(format!("deployment/{label}"), |b| {
            b.iter(|| {
                let dep = deployment(next.fetch_add(1, Ordering::Relaxed));
                post(&["apis", "apps", "v1"], "deployments", &dep, ignore);
            })
        });
    }
    group.finish();
    runtime.block_on(server.shutdown());
}

criterion_group!(benches, create);
criterion_main!(benches);
