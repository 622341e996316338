//! Server-level behaviour: TLS + auth, discovery, the admin API and injected faults,
//! HTTP/2, the handed-out kubeconfig and config, shutdown.

mod common;

use std::time::Duration;

use common::{Api, CM, cm, start};
use http::Method;
use kclient_testserver::{Faults, TestServer};
use serde_json::json;

#[tokio::test]
async fn bearer_token_is_required() {
    let (_server, api) = start().await;
    let err = api.with_token("wrong").get(CM).await.expect(401);
    assert_eq!(err["reason"], "Unauthorized");
    assert_eq!(err["message"], "Unauthorized");
    // Without credentials a request is system:anonymous, which may not read discovery.
    let anonymous = api.with_token("").get("/api").await.expect(403);
    assert_eq!(
        anonymous["message"],
        "forbidden: User \"system:anonymous\" cannot get path \"/api\""
    );
    let health = api.with_token("").get("/healthz").await;
    assert_eq!(
        (health.status.as_u16(), health.text()),
        (200, "ok".to_string())
    );
    api.get(CM).await.expect(200);
}

#[tokio::test]
async fn discovery_documents() {
    let (_server, api) = start().await;
    let v = api.get("/version").await.expect(200);
    assert!(v["gitVersion"].as_str().unwrap().starts_with("v1.33"));
    let legacy = api.get("/api").await;
    assert_eq!(legacy.header("vary"), Some("Accept"));
    assert_eq!(legacy.expect(200)["kind"], "APIVersions");
    let agg = api
        .get_accept(
            "/apis",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
        )
        .await;
    assert_eq!(agg.header("vary"), Some("Accept"));
    assert_eq!(
        agg.header("content-type"),
        Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
    );
    let doc = agg.expect(200);
    assert_eq!(doc["kind"], "APIGroupDiscoveryList");
    assert_eq!(doc["apiVersion"], "apidiscovery.k8s.io/v2");
    let groups = api.get("/apis").await.expect(200);
    assert_eq!(groups["kind"], "APIGroupList");
    let core = api.get("/api/v1").await.expect(200);
    assert_eq!(core["kind"], "APIResourceList");
    assert!(
        core["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "pods/status")
    );
    api.get("/apis/apps").await.expect(200);
    api.get("/apis/apps/v1").await.expect(200);
    api.get("/apis/apps/v9").await.expect_page_not_found();
    api.get("/openapi/v2").await.expect(404);
    let idx = api.get("/openapi/v3").await.expect(200);
    let url = idx["paths"]["api/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap()
        .to_string();
    api.get(&url).await.expect(200);
}

#[tokio::test]
async fn admin_api_and_injected_errors() {
    let (server, api) = start().await;
    let current = api.get("/kclient-testserver/faults").await.expect(200);
    assert_eq!(current["errorStatus"], 429);
    let set = api
        .put(
            "/kclient-testserver/faults",
            &json!({"errorEveryNth": 2, "errorStatus": 429, "retryAfterSeconds": 3}),
        )
        .await
        .expect(200);
    assert_eq!(set["errorEveryNth"], 2);
    let mut codes = Vec::new();
    let mut retry_after = None;
    for _ in 0..4 {
        let r = api.get(CM).await;
        if r.status == 429 {
            retry_after = r.header("retry-after").map(str::to_string);
            assert_eq!(r.json()["reason"], "TooManyRequests");
        }
        codes.push(r.status.as_u16());
    }
    assert_eq!(codes, [200, 429, 200, 429]);
    assert_eq!(retry_after.as_deref(), Some("3"));
    // The admin API itself is exempt, so faults can always be switched off.
    api.put(
        "/kclient-testserver/faults",
        &json!({"errorRate": 1.0, "errorStatus": 503}),
    )
    .await
    .expect(200);
    assert_eq!(api.get(CM).await.status, 503);
    api.put("/kclient-testserver/faults", &json!({}))
        .await
        .expect(200);
    api.get(CM).await.expect(200);
    api.put("/kclient-testserver/faults", &json!({"errorRate": 2.0}))
        .await
        .expect(400);
    api.put("/kclient-testserver/faults", &json!({"errorStatus": 404}))
        .await
        .expect(400);

    // The handle does the same from the test process.
    let faults = server.faults();
    faults.set_error_every_nth(Some(1), 500);
    let err = api.get(CM).await.expect(500);
    assert_eq!(err["reason"], "InternalError");
    faults.clear();
    faults.set_latency(Duration::from_millis(30));
    let started = std::time::Instant::now();
    api.get(CM).await.expect(200);
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert_eq!(faults.get().latency_ms, 30);
    faults.clear();

    // Compaction through the admin API.
    let a = api.post(CM, &cm("a", json!({}))).await.expect(201);
    api.post(CM, &cm("b", json!({}))).await.expect(201);
    api.send(Method::POST, "/kclient-testserver/faults/compact", &[], "")
        .await
        .expect(200);
    let rv = a["metadata"]["resourceVersion"].as_str().unwrap();
    let mut w = api
        .watch(&format!("{CM}?watch=true&resourceVersion={rv}"))
        .await;
    assert_eq!(w.next().await.unwrap()["object"]["code"], 410);
}

#[tokio::test]
async fn builder_faults_and_validation() {
    let bad = TestServer::builder()
        .faults(Faults {
            error_rate: -1.0,
            ..Faults::default()
        })
        .build()
        .await;
    assert!(bad.is_err());
    let server = TestServer::builder()
        .token("fixed-token")
        .faults(Faults {
            error_every_nth: Some(1),
            error_status: 503,
            ..Faults::default()
        })
        .build()
        .await
        .unwrap();
    assert_eq!(server.token(), "fixed-token");
    let api = Api::new(&server);
    let r = api.get(CM).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(!format!("{server:?}").contains("fixed-token"));
    assert!(!format!("{:?}", TestServer::builder().token("s3cret")).contains("s3cret"));
}

#[tokio::test]
async fn http2_works() {
    let (server, _) = start().await;
    let api = Api::with_alpn(&server, true);
    api.post(CM, &cm("h2", json!({}))).await.expect(201);
    let got = api.get(&format!("{CM}/h2")).await.expect(200);
    assert_eq!(got["metadata"]["name"], "h2");
    let rv = got["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut w = api
        .watch(&format!("{CM}?watch=true&resourceVersion={rv}"))
        .await;
    api.post(CM, &cm("h2b", json!({}))).await.expect(201);
    assert_eq!(w.next().await.unwrap()["object"]["metadata"]["name"], "h2b");
}

#[tokio::test]
async fn kubeconfig_and_config() {
    let (server, _) = start().await;
    let kc = server.kubeconfig();
    assert_eq!(kc.current_context.as_deref(), Some("kclient-testserver"));
    let cluster = kc.clusters[0].cluster.as_ref().unwrap();
    assert_eq!(cluster.server.as_deref(), Some(server.url().as_str()));
    assert!(cluster.certificate_authority_data.is_some());
    assert_eq!(
        kc.contexts[0]
            .context
            .as_ref()
            .unwrap()
            .namespace
            .as_deref(),
        Some("default")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    server.write_kubeconfig(&path).unwrap();
    let read = kclient_config::Kubeconfig::read_from(&path).unwrap();
    assert_eq!(read.clusters, kc.clusters);
    let config = server.config();
    assert_eq!(config.host.to_string(), format!("{}/", server.url()));
    assert!(config.tls.ca_data.is_some());
    assert!(config.auth.bearer_token.is_some());
    assert!(server.url().starts_with("https://127.0.0.1:"));
}

#[tokio::test]
async fn shutdown_ends_watches_and_stops_listening() {
    let (server, api) = start().await;
    let mut w = api.watch(&format!("{CM}?watch=true")).await;
    let addr = server.addr();
    server.shutdown().await;
    assert!(w.next().await.is_none());
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    let (server, _) = start().await;
    let addr = server.addr();
    drop(server);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn api_server_restart_cuts_every_watch_and_expires_old_resource_versions() {
    let (server, api) = start().await;
    let rv_of = |v: &serde_json::Value| {
        v["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let a = api.post(CM, &cm("a", json!({}))).await.expect(201);
    let b = api.post(CM, &cm("b", json!({}))).await.expect(201);
    let requests = server.requests();
    requests.start();
    // Watches of two resources, one resumed from a resourceVersion, one from the start.
    let mut configmaps = api
        .watch(&format!("{CM}?watch=true&resourceVersion={}", rv_of(&b)))
        .await;
    let mut namespaces = api.watch("/api/v1/namespaces?watch=true").await;
    assert_eq!(namespaces.next().await.unwrap()["type"], "ADDED");

    server.faults().restart_api_server();
    assert!(configmaps.next().await.is_none(), "the watch was cut");
    while namespaces.next().await.is_some() {}

    // A resume from before the restart: 410 Expired, as the new watch cache answers.
    let mut expired = api
        .watch(&format!("{CM}?watch=true&resourceVersion={}", rv_of(&a)))
        .await;
    let event = expired.next().await.unwrap();
    assert_eq!(event["type"], "ERROR");
    assert_eq!(event["object"]["code"], 410);
    assert_eq!(event["object"]["reason"], "Expired");
    // The objects are all there, and a watch from the newest resourceVersion works.
    let list = api.get(CM).await.expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let mut live = api
        .watch(&format!("{CM}?watch=true&resourceVersion={}", rv_of(&list)))
        .await;
    api.post(CM, &cm("c", json!({}))).await.expect(201);
    let added = live.next_non_bookmark().await.unwrap();
    assert_eq!(added["object"]["metadata"]["name"], "c");

    // The admin API restarts too.
    api.send(Method::POST, "/kclient-testserver/faults/restart", &[], "")
        .await
        .expect(200);
    assert!(live.next().await.is_none());

    // The request log saw the API requests (not the admin one), in order, with answers.
    let logged = requests.requests();
    assert!(
        logged
            .iter()
            .all(|r| !r.path.starts_with("/kclient-testserver"))
    );
    let to_cm = requests.requests_to(CM);
    let kinds: Vec<(bool, bool, u16)> = to_cm
        .iter()
        .map(|r| (r.is_watch(), r.is_initial_state(), r.status.as_u16()))
        .collect();
    assert_eq!(
        kinds,
        [
            (true, false, 200),
            (true, false, 200),
            (false, true, 200),
            (true, false, 200),
            (false, false, 201),
        ]
    );
    assert_eq!(to_cm[1].param("resourceVersion"), Some(rv_of(&a)));
    assert!(to_cm.windows(2).all(|w| w[0].at <= w[1].at));
}
