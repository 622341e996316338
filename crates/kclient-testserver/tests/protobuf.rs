//! Protobuf responses (`application/vnd.kubernetes.protobuf`), each compared with the JSON
//! answer to the same request: objects from every verb, lists (paginated and from the watch
//! cache), PartialObjectMetadata, Scale, Status errors, watch frames; and the negotiation
//! around them (406 for custom resources asked for protobuf only, JSON fallback).

mod common;

use std::time::Duration;

use common::{Api, CM, Resp, cm, start};
use http::Method;
use http_body_util::BodyExt;
use k8s_openapi::List;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v1::Scale;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta, Status, WatchEvent};
use kclient_protobuf::{FrameDecoder, decode_object, decode_status, decode_watch_event};
use kclient_testserver::TestServer;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const PB: &str = "application/vnd.kubernetes.protobuf";
const PODS: &str = "/api/v1/namespaces/default/pods";
const DEPLOY: &str = "/apis/apps/v1/namespaces/default/deployments";
const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const WIDGETS: &str = "/apis/example.com/v1/namespaces/default/widgets";

/// meta.k8s.io/v1 PartialObjectMetadata (k8s-openapi has no type for it).
#[derive(Debug, PartialEq, Deserialize)]
struct PartialObjectMetadata {
    #[serde(default)]
    metadata: ObjectMeta,
}

#[derive(Debug, Deserialize)]
struct PartialObjectMetadataList {
    #[allow(dead_code)]
    metadata: ListMeta,
    items: Vec<PartialObjectMetadata>,
}

/// Asserts a protobuf answer and decodes it.
#[track_caller]
fn proto<T: DeserializeOwned>(r: &Resp, code: u16) -> T {
    assert_eq!(r.status.as_u16(), code, "body: {:?}", r.body);
    assert_eq!(r.header("content-type"), Some(PB));
    decode_object(&r.body).unwrap_or_else(|e| panic!("not protobuf ({e}): {:?}", r.body))
}

#[track_caller]
fn json<T: DeserializeOwned>(r: &Resp, code: u16) -> T {
    serde_json::from_value(r.expect(code)).unwrap()
}

/// The bundled 13 KB Pod, made creatable in namespace `default` under `name`.
fn bench_pod(name: &str) -> Value {
    let mut pod: Value =
        serde_json::from_slice(include_bytes!("../../kclient-core/testdata/pod-13kb.json"))
            .unwrap();
    let meta = pod["metadata"].as_object_mut().unwrap();
    for server_set in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "managedFields",
    ] {
        meta.remove(server_set);
    }
    meta.insert("name".into(), json!(name));
    meta.insert("namespace".into(), json!("default"));
    pod
}

async fn send(api: &Api, method: Method, path: &str, accept: &str, body: &Value) -> Resp {
    let mut headers = vec![("accept", accept)];
    if !body.is_null() {
        headers.push(("content-type", "application/json"));
    }
    let body = if body.is_null() {
        Vec::new()
    } else {
        serde_json::to_vec(body).unwrap()
    };
    api.send(method, path, &headers, body).await
}

#[tokio::test]
async fn objects_of_every_verb_match_their_json() {
    let (_server, api) = start().await;
    let created: Pod = proto(
        &send(&api, Method::POST, PODS, PB, &bench_pod("web")).await,
        201,
    );
    let path = format!("{PODS}/web");
    let got_json: Pod = json(&api.get(&path).await, 200);
    assert_eq!(created, got_json);
    let got: Pod = proto(&api.get_accept(&path, PB).await, 200);
    assert_eq!(got, got_json);
    assert!(got.spec.as_ref().unwrap().containers.len() > 1);

    // update, patch and the status subresource answer in protobuf too.
    let mut changed = serde_json::to_value(&got).unwrap();
    changed["metadata"]["labels"]["extra"] = json!("1");
    let updated: Pod = proto(&send(&api, Method::PUT, &path, PB, &changed).await, 200);
    assert_eq!(updated, json::<Pod>(&api.get(&path).await, 200));
    let patch = api
        .send(
            Method::PATCH,
            &path,
            &[
                ("accept", PB),
                ("content-type", "application/merge-patch+json"),
            ],
            r#"{"metadata":{"annotations":{"patched":"yes"}}}"#,
        )
        .await;
    let patched: Pod = proto(&patch, 200);
    assert_eq!(patched.metadata.annotations.unwrap()["patched"], "yes");
    let status: Pod = proto(&api.get_accept(&format!("{path}/status"), PB).await, 200);
    assert_eq!(status, json::<Pod>(&api.get(&path).await, 200));

    // A deleted Pod comes back as the object; other kinds as a Success Status.
    let deleted: Pod = proto(
        &send(&api, Method::DELETE, &path, PB, &Value::Null).await,
        200,
    );
    assert_eq!(deleted.metadata.name.as_deref(), Some("web"));
    api.post(CM, &cm("gone", json!({}))).await.expect(201);
    let gone = send(
        &api,
        Method::DELETE,
        &format!("{CM}/gone"),
        PB,
        &Value::Null,
    )
    .await;
    assert_eq!(gone.header("content-type"), Some(PB));
    let status = decode_status(&gone.body).unwrap();
    assert_eq!(status.status.as_deref(), Some("Success"));
    assert_eq!(status.details.unwrap().name.as_deref(), Some("gone"));
    let envelope = kclient_protobuf::Envelope::parse(&gone.body).unwrap();
    assert_eq!((envelope.api_version, envelope.kind), ("v1", "Status"));
}

#[tokio::test]
async fn lists_match_their_json_paginated_and_from_the_watch_cache() {
    let (_server, api) = start().await;
    for i in 0..5 {
        api.post(PODS, &bench_pod(&format!("p{i}")))
            .await
            .expect(201);
    }
    for query in ["", "?resourceVersion=0", "?labelSelector=app%3Dbench"] {
        let path = format!("{PODS}{query}");
        let from_json: List<Pod> = json(&api.get(&path).await, 200);
        let from_proto: List<Pod> = proto(&api.get_accept(&path, PB).await, 200);
        assert_eq!(from_proto, from_json, "{query}");
        assert_eq!(from_proto.items.len(), 5);
    }
    // Pages: the continue token and remaining count travel in ListMeta.
    let first: List<Pod> = proto(&api.get_accept(&format!("{PODS}?limit=2"), PB).await, 200);
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.metadata.remaining_item_count, Some(3));
    let token = first.metadata.continue_.clone().unwrap();
    let next = format!("{PODS}?limit=2&continue={token}");
    let second: List<Pod> = proto(&api.get_accept(&next, PB).await, 200);
    assert_eq!(second, json::<List<Pod>>(&api.get(&next).await, 200));

    // deletecollection answers with the deleted objects' list.
    let deleted: List<Pod> = proto(
        &send(&api, Method::DELETE, PODS, PB, &Value::Null).await,
        200,
    );
    assert_eq!(deleted.items.len(), 5);
}

#[tokio::test]
async fn partial_object_metadata_and_scale_in_protobuf() {
    let (_server, api) = start().await;
    api.post(PODS, &bench_pod("a")).await.expect(201);
    let list_accept = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
    let r = api.get_accept(PODS, list_accept).await;
    assert_eq!(r.header("content-type"), Some(PB));
    let env = kclient_protobuf::Envelope::parse(&r.body).unwrap();
    assert_eq!(
        (env.api_version, env.kind),
        ("meta.k8s.io/v1", "PartialObjectMetadataList")
    );
    let list: PartialObjectMetadataList = decode_object(&r.body).unwrap();
    let from_json: Value = api
        .get_accept(
            PODS,
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        )
        .await
        .expect(200);
    assert_eq!(
        serde_json::to_value(&list.items[0].metadata).unwrap(),
        from_json["items"][0]["metadata"]
    );
    let one: PartialObjectMetadata = proto(
        &api.get_accept(
            &format!("{PODS}/a"),
            "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
        )
        .await,
        200,
    );
    assert_eq!(one.metadata, list.items[0].metadata);

    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "d"}},
                 "template": {"metadata": {"labels": {"app": "d"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
    let created: Deployment = proto(
        &send(&api, Method::POST, DEPLOY, PB, &deployment).await,
        201,
    );
    assert_eq!(created.spec.unwrap().replicas, Some(2));
    let scale_path = format!("{DEPLOY}/d/scale");
    let r = api.get_accept(&scale_path, PB).await;
    let env = kclient_protobuf::Envelope::parse(&r.body).unwrap();
    assert_eq!((env.api_version, env.kind), ("autoscaling/v1", "Scale"));
    let scale: Scale = proto(&r, 200);
    assert_eq!(scale, json::<Scale>(&api.get(&scale_path).await, 200));
    let mut up = serde_json::to_value(&scale).unwrap();
    up["spec"]["replicas"] = json!(4);
    let after: Scale = proto(&send(&api, Method::PUT, &scale_path, PB, &up).await, 200);
    assert_eq!(after.spec.unwrap().replicas, Some(4));
}

/// The Status of an error response, decoded from protobuf and from JSON.
async fn both_statuses(api: &Api, method: Method, path: &str, body: &Value) -> (Status, Status) {
    let p = send(api, method.clone(), path, PB, body).await;
    assert_eq!(p.header("content-type"), Some(PB));
    let from_proto = decode_status(&p.body).unwrap();
    let j = send(api, method, path, "application/json", body).await;
    assert_eq!(p.status, j.status);
    (from_proto, serde_json::from_value(j.json()).unwrap())
}

#[tokio::test]
async fn status_errors_come_in_protobuf() {
    let (_server, api) = start().await;
    let (p, j) = both_statuses(&api, Method::GET, &format!("{CM}/missing"), &Value::Null).await;
    assert_eq!(p, j);
    assert_eq!((p.code, p.reason.as_deref()), (Some(404), Some("NotFound")));

    api.post(CM, &cm("dup", json!({}))).await.expect(201);
    let (p, j) = both_statuses(&api, Method::POST, CM, &cm("dup", json!({}))).await;
    assert_eq!(p, j);
    assert_eq!(p.reason.as_deref(), Some("AlreadyExists"));
    assert_eq!(p.code, Some(409));

    let (p, j) = both_statuses(&api, Method::POST, CM, &cm("Not_Valid", json!({}))).await;
    assert_eq!(p, j);
    assert_eq!(p.code, Some(422));
    assert!(!p.details.unwrap().causes.unwrap().is_empty());

    // An Accept nothing fits: 406, as JSON whatever was asked.
    let r = api.get_accept(CM, "text/html").await;
    let body = r.expect(406);
    assert_eq!(body["reason"], "NotAcceptable");
    assert_eq!(
        body["message"],
        "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf"
    );
    // The 406 comes before the request does anything.
    let r = send(&api, Method::POST, CM, "text/html", &cm("never", json!({}))).await;
    r.expect(406);
    api.get(&format!("{CM}/never")).await.expect(404);
}

#[tokio::test]
async fn custom_resources_have_no_protobuf() {
    let (_server, api) = start().await;
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    });
    api.post(CRDS, &crd).await.expect(201);
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}});
    // Protobuf only: 406, its Status itself negotiated into protobuf as kube-apiserver does.
    let r = send(&api, Method::POST, WIDGETS, PB, &widget).await;
    assert_eq!(r.status.as_u16(), 406);
    let status = decode_status(&r.body).unwrap();
    assert_eq!(status.reason.as_deref(), Some("NotAcceptable"));
    assert_eq!(
        status.message.as_deref(),
        Some(
            "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf"
        )
    );
    api.get(&format!("{WIDGETS}/w")).await.expect(404);
    // client-go's Accept for built-ins falls back to JSON.
    let fallback = "application/vnd.kubernetes.protobuf, application/json";
    let r = send(&api, Method::POST, WIDGETS, fallback, &widget).await;
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.expect(201)["spec"]["size"], 1);
    let r = api.get_accept(WIDGETS, fallback).await;
    assert_eq!(r.expect(200)["items"][0]["metadata"]["name"], "w");
    assert_eq!(api.get_accept(WIDGETS, PB).await.status.as_u16(), 406);
    // PartialObjectMetadata has a message of its own, so custom resources get it in protobuf.
    let r = api
        .get_accept(
            WIDGETS,
            "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        )
        .await;
    let list: PartialObjectMetadataList = proto(&r, 200);
    assert_eq!(list.items[0].metadata.name.as_deref(), Some("w"));
}

#[tokio::test]
async fn tables_fall_back_to_json() {
    let (_server, api) = start().await;
    api.post(CM, &cm("t", json!({}))).await.expect(201);
    // meta/v1 Table has no protobuf: the JSON Table range that follows is chosen.
    let r = api
        .get_accept(
            CM,
            "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .await;
    assert_eq!(r.expect(200)["kind"], "Table");
    let r = api
        .get_accept(
            CM,
            "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io",
        )
        .await;
    r.expect(406);
}

/// A protobuf watch read frame by frame.
struct FrameWatch {
    body: hyper::body::Incoming,
    frames: FrameDecoder,
}

impl FrameWatch {
    async fn open(api: &Api, path: &str, accept: &str) -> (http::response::Parts, Self) {
        let resp = api
            .open(
                Method::GET,
                path,
                &[("accept", accept)],
                bytes::Bytes::new(),
            )
            .await;
        let (parts, body) = resp.into_parts();
        let frames = FrameDecoder::new();
        (parts, FrameWatch { body, frames })
    }

    /// The next frame, `None` when the stream ended.
    async fn frame(&mut self) -> Option<Vec<u8>> {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Some(frame) = self.frames.next_frame().unwrap() {
                    return Some(frame);
                }
                match self.body.frame().await {
                    Some(Ok(f)) => {
                        if let Ok(data) = f.into_data() {
                            self.frames.push(&data);
                        }
                    }
                    _ => {
                        assert_eq!(self.frames.pending(), 0, "truncated frame");
                        return None;
                    }
                }
            }
        })
        .await
        .expect("timed out waiting for a watch frame")
    }

    async fn event<T: DeserializeOwned>(&mut self) -> Option<WatchEvent<T>> {
        let frame = self.frame().await?;
        Some(decode_watch_event(&frame).unwrap())
    }
}

/// A JSON watch event as the typed event it describes.
fn json_event<T: DeserializeOwned>(ev: Value) -> WatchEvent<T> {
    serde_json::from_value(ev).unwrap()
}

#[tokio::test]
async fn watch_streams_length_prefixed_frames() {
    let server = TestServer::builder()
        .bookmark_interval(Duration::from_millis(50))
        .build()
        .await
        .unwrap();
    let api = Api::new(&server);
    api.post(PODS, &bench_pod("a")).await.expect(201);
    let path = format!(
        "{PODS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
    );
    let (parts, mut pw) = FrameWatch::open(&api, &path, &format!("{PB};stream=watch")).await;
    assert_eq!(parts.status, 200);
    assert_eq!(
        parts.headers.get("content-type").unwrap(),
        "application/vnd.kubernetes.protobuf;stream=watch"
    );
    let mut jw = api.watch(&path).await;

    // Initial state, then the end-of-initial-events bookmark.
    let added: WatchEvent<Pod> = pw.event().await.unwrap();
    assert_eq!(added, json_event(jw.next().await.unwrap()));
    let Some(WatchEvent::Bookmark {
        annotations,
        resource_version,
    }) = pw.event::<Pod>().await
    else {
        panic!("no bookmark")
    };
    assert_eq!(annotations["k8s.io/initial-events-end"], "true");
    let json_bookmark = jw.next().await.unwrap();
    assert_eq!(json_bookmark["type"], "BOOKMARK");
    assert_eq!(
        json_bookmark["object"]["metadata"]["resourceVersion"],
        resource_version
    );

    // Live events match their JSON twins (periodic bookmarks aside).
    api.patch(
        &format!("{PODS}/a"),
        "application/merge-patch+json",
        r#"{"metadata":{"labels":{"x":"y"}}}"#,
    )
    .await
    .expect(200);
    api.delete(&format!("{PODS}/a?gracePeriodSeconds=0"))
        .await
        .expect(200);
    let mut from_proto = Vec::new();
    while from_proto.len() < 2 {
        match pw.event::<Pod>().await.unwrap() {
            WatchEvent::Bookmark { .. } => {}
            ev => from_proto.push(ev),
        }
    }
    let mut from_json = Vec::new();
    while from_json.len() < 2 {
        from_json.push(json_event::<Pod>(jw.next_non_bookmark().await.unwrap()));
    }
    assert_eq!(from_proto, from_json);
    assert!(matches!(from_proto[0], WatchEvent::Modified(_)));
    assert!(matches!(from_proto[1], WatchEvent::Deleted(_)));
}

#[tokio::test]
async fn watch_errors_and_partial_metadata_frames() {
    let server = TestServer::builder().history_size(2).build().await.unwrap();
    let api = Api::new(&server);
    for n in ["a", "b", "c", "d"] {
        api.post(CM, &cm(n, json!({}))).await.expect(201);
    }
    // A plain protobuf Accept on a watch gets the stream format too.
    let (parts, mut w) =
        FrameWatch::open(&api, &format!("{CM}?watch=true&resourceVersion=1"), PB).await;
    assert_eq!(
        parts.headers.get("content-type").unwrap(),
        "application/vnd.kubernetes.protobuf;stream=watch"
    );
    let Some(WatchEvent::ErrorStatus(status)) = w.event::<ConfigMap>().await else {
        panic!("no ERROR event")
    };
    assert_eq!(
        (status.code, status.reason.as_deref()),
        (Some(410), Some("Expired"))
    );
    assert!(w.frame().await.is_none());

    let (_, mut w) = FrameWatch::open(
        &api,
        &format!("{CM}?watch=true&resourceVersion=0"),
        "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
    )
    .await;
    let frame = w.frame().await.unwrap();
    let Ok(WatchEvent::Added(meta)) = decode_watch_event::<PartialObjectMetadata>(&frame) else {
        panic!("not ADDED")
    };
    assert!(meta.metadata.name.is_some());

    // YAML has no stream framing: a watch refuses it.
    let r = api
        .get_accept(&format!("{CM}?watch=true"), "application/yaml")
        .await;
    // The refusal itself is negotiated like any error: YAML was asked for.
    assert_eq!(r.status.as_u16(), 406);
    assert_eq!(r.header("content-type"), Some("application/yaml"));
    let status: Value = serde_yaml_ng::from_slice(&r.body).unwrap();
    assert_eq!(
        status["message"],
        "only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch"
    );
}

/// Timing, not a check (ignored by default; run with `cargo test -p kclient-testserver
/// --release --test protobuf -- --ignored --nocapture`): 10,000 copies of the bundled 13 KB
/// Pod listed as JSON and as protobuf, each answer decoded to prove it whole. Prints the
/// figures and asserts nothing about them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing run: run explicitly in release"]
async fn list_ten_thousand_pods_json_vs_protobuf() {
    const PODS_N: usize = 10_000;
    const WRITERS: usize = 8;
    let (_server, api) = start().await;
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let api = api.clone();
        writers.push(tokio::spawn(async move {
            let mut conn = api.connect().await;
            for i in (w..PODS_N).step_by(WRITERS) {
                let body = serde_json::to_vec(&bench_pod(&format!("pod-{i:05}"))).unwrap();
                let r = conn.send(Method::POST, PODS, body).await;
                assert_eq!(r.status, 201, "{}", r.text());
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    for (name, accept) in [("json", "application/json"), ("protobuf", PB)] {
        let mut best = Duration::MAX;
        let mut size = 0;
        for _ in 0..5 {
            let started = std::time::Instant::now();
            let r = api.get_accept(PODS, accept).await;
            best = best.min(started.elapsed());
            size = r.body.len();
            let items = if accept == PB {
                decode_object::<List<Pod>>(&r.body).unwrap().items.len()
            } else {
                serde_json::from_slice::<List<Pod>>(&r.body)
                    .unwrap()
                    .items
                    .len()
            };
            assert_eq!(items, PODS_N);
        }
        println!(
            "list {PODS_N} pods as {name}: best of 5 {:.1} ms (request to last byte), {:.1} MB",
            best.as_secs_f64() * 1e3,
            size as f64 / 1e6
        );
    }
}
