//! Shared setup: a test server and clients for it.
#![allow(dead_code)]

use kclient_discovery::DiscoveryClient;
use kclient_rest::RestClient;
use kclient_rest::transport::RetryPolicy;
use kclient_testserver::{TestServer, TestServerBuilder};
use serde_json::{Value, json};

/// A REST client without client-side rate limiting or retries, so injected faults surface
/// at once.
pub fn rest(server: &TestServer) -> RestClient {
    RestClient::builder(server.config())
        .without_rate_limit()
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client")
}

pub fn discovery(server: &TestServer) -> DiscoveryClient {
    DiscoveryClient::new(rest(server))
}

pub async fn start() -> TestServer {
    TestServer::start().await.expect("server")
}

/// A server that answers only legacy discovery, like kube-apiserver before 1.26.
pub async fn start_legacy() -> TestServer {
    TestServerBuilder::default()
        .aggregated_discovery(false)
        .build()
        .await
        .expect("server")
}

/// A cluster-scoped CRD `crontabs.stable.example.com` (short name `ct`, category `all`).
pub fn crontab_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "crontabs.stable.example.com"},
        "spec": {
            "group": "stable.example.com",
            "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab",
                      "shortNames": ["ct"], "categories": ["all"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]
        }
    })
}

pub async fn create_crd(rest: &RestClient, crd: &Value) {
    let _: Value = rest
        .post()
        .abs_path(["/apis/apiextensions.k8s.io/v1/customresourcedefinitions"])
        .body_json(crd)
        .into_json()
        .await
        .expect("create CRD");
}
