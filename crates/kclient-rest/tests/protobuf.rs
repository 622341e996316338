//! Content negotiation over HTTP against a fake server that answers Kubernetes protobuf
//! (bodies written by kclient-protobuf, as kube-apiserver writes them): responses, Status
//! errors and watch streams are decoded by the `Content-Type` the server chose; JSON answers
//! to protobuf requests, 406 and 415 keep working.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{Seen, TestServer, full, json, status_json, streaming};
use futures::StreamExt;
use k8s_openapi::List;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, Status, WatchEvent as WireEvent};
use kclient_core::gvk::GroupVersion;
use kclient_core::watch::WatchEvent;
use kclient_core::{ApiError, ObjectList};
use kclient_rest::{Error, RestClient, WatchError};
use serde_json::json;

const PB: &str = "application/vnd.kubernetes.protobuf";
const PB_WATCH: &str = "application/vnd.kubernetes.protobuf;stream=watch";
const NEGOTIATED: &str = "application/vnd.kubernetes.protobuf, application/json";

fn core() -> GroupVersion {
    GroupVersion::new("", "v1")
}

fn pod(name: &str, rv: &str) -> Pod {
    let mut pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv,
                     "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                                 "env": [{"name": "A", "value": "1"}]}]},
        "status": {"phase": "Running"}
    }))
    .unwrap();
    pod.metadata.uid = Some(format!("uid-{name}"));
    pod
}

fn pod_list() -> List<Pod> {
    List {
        items: vec![pod("a", "5"), pod("b", "6")],
        metadata: ListMeta {
            resource_version: Some("7".into()),
            continue_: Some("next".into()),
            ..ListMeta::default()
        },
    }
}

fn not_found() -> Status {
    serde_json::from_value(status_json(404, "NotFound", "pods \"gone\" not found")).unwrap()
}

fn accept(seen: &Seen) -> &str {
    seen.headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Answers protobuf to requests that accept it, JSON to the rest, as kube-apiserver does.
async fn protobuf_server() -> TestServer {
    TestServer::plain(|seen: Seen| async move {
        let protobuf = accept(&seen).contains(PB);
        let path = seen.uri.path().to_owned();
        match (path.as_str(), protobuf) {
            ("/api/v1/namespaces/ns/pods/web", true) => full(
                200,
                PB,
                kclient_protobuf::encode_object(&pod("web", "3")).unwrap(),
            ),
            ("/api/v1/namespaces/ns/pods/web", false) => {
                json(200, serde_json::to_value(pod("web", "3")).unwrap())
            }
            ("/api/v1/namespaces/ns/pods", true) => full(
                200,
                PB,
                kclient_protobuf::encode_object(&pod_list()).unwrap(),
            ),
            (_, true) => full(
                404,
                PB,
                kclient_protobuf::encode_object(&not_found()).unwrap(),
            ),
            (_, false) => json(404, status_json(404, "NotFound", "pods \"gone\" not found")),
        }
    })
    .await
}

#[tokio::test]
async fn protobuf_get_list_and_status_decode_into_the_typed_values() {
    let server = protobuf_server().await;
    let client = RestClient::new(server.config()).unwrap();
    let pods = || {
        client
            .get()
            .group_version(&core())
            .namespace("ns")
            .resource("pods")
            .accept_negotiated(true)
    };

    let got: Pod = pods().name("web").into_json().await.unwrap();
    assert_eq!(got, pod("web", "3"));
    assert_eq!(accept(&server.seen()[0]), NEGOTIATED);

    let list: List<Pod> = pods().into_json().await.unwrap();
    assert_eq!(list, pod_list());
    let list: ObjectList<Pod> = pods().into_json().await.unwrap();
    assert_eq!(list.items, pod_list().items);
    assert_eq!(list.metadata.resource_version.as_deref(), Some("7"));
    assert_eq!(list.metadata.continue_.as_deref(), Some("next"));

    let err = pods().name("gone").into_json::<Pod>().await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.to_string(), "pods \"gone\" not found");
    assert_eq!(err.status_code(), Some(404));
    assert_eq!(err.status().unwrap(), &not_found());
}

#[tokio::test]
async fn json_answers_to_protobuf_requests_and_json_requests_decode_too() {
    // A server without protobuf (or a custom resource) answers JSON whatever was asked.
    let server =
        TestServer::plain(|_| async { json(200, serde_json::to_value(pod("web", "3")).unwrap()) })
            .await;
    let client = RestClient::new(server.config()).unwrap();
    let req = || {
        client
            .get()
            .group_version(&core())
            .namespace("ns")
            .resource("pods")
            .name("web")
    };
    let got: Pod = req().accept_negotiated(true).into_json().await.unwrap();
    assert_eq!(got, pod("web", "3"));
    let got: Pod = req().accept_negotiated(false).into_json().await.unwrap();
    assert_eq!(got, pod("web", "3"));
    let seen = server.seen();
    assert_eq!(accept(&seen[0]), NEGOTIATED);
    assert_eq!(accept(&seen[1]), "application/json");

    // The JSON switch: the same request asks JSON only.
    let client = RestClient::new(server.config().json_only()).unwrap();
    let got: Pod = client
        .get()
        .group_version(&core())
        .namespace("ns")
        .resource("pods")
        .name("web")
        .accept_negotiated(true)
        .into_json()
        .await
        .unwrap();
    assert_eq!(got, pod("web", "3"));
    assert_eq!(accept(&server.seen()[2]), "application/json");
}

#[tokio::test]
async fn not_acceptable_is_asked_again_in_json_once() {
    let server = TestServer::plain(|seen: Seen| async move {
        if accept(&seen).contains(PB) || seen.uri.path() == "/refuses-all" {
            json(406, status_json(406, "NotAcceptable", "only JSON here"))
        } else {
            json(200, serde_json::to_value(pod("web", "3")).unwrap())
        }
    })
    .await;
    let client = RestClient::new(server.config()).unwrap();
    let got: Pod = client
        .get()
        .abs_path(["/api/v1/namespaces/ns/pods/web"])
        .accept_negotiated(true)
        .into_json()
        .await
        .unwrap();
    assert_eq!(got, pod("web", "3"));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(accept(&seen[1]), "application/json");

    // A server refusing JSON too: the 406 is the answer, after one JSON attempt.
    let err = client
        .get()
        .abs_path(["/refuses-all"])
        .accept_negotiated(true)
        .into_json::<Pod>()
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), Some(406));
    assert_eq!(server.requests(), 4);
}

#[tokio::test]
async fn protobuf_bodies_follow_the_config_and_fall_back_on_415() {
    let server = TestServer::plain(|seen: Seen| async move {
        let content_type = seen
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        if content_type == PB && seen.uri.path().ends_with("/strict") {
            return json(415, status_json(415, "UnsupportedMediaType", "no protobuf"));
        }
        let echoed: ConfigMap = if content_type == PB {
            kclient_protobuf::decode_object(&seen.body).unwrap()
        } else {
            serde_json::from_slice(&seen.body).unwrap()
        };
        json(201, serde_json::to_value(echoed).unwrap())
    })
    .await;
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("cm".into());
    cm.data = Some([("k".to_owned(), "v".to_owned())].into());
    let content_type = |seen: &Seen| seen.headers["content-type"].to_str().unwrap().to_owned();

    // Default: JSON bodies.
    let client = RestClient::new(server.config()).unwrap();
    let post =
        |client: &RestClient, path: &'static str| client.post().abs_path([path]).body_object(&cm);
    let got: ConfigMap = post(&client, "/ok").into_json().await.unwrap();
    assert_eq!(got, cm);
    assert_eq!(content_type(&server.seen()[0]), "application/json");

    // content_type protobuf: protobuf bodies, as kube-controller-manager sends them.
    let client = RestClient::new(server.config().protobuf_bodies()).unwrap();
    let got: ConfigMap = post(&client, "/ok").into_json().await.unwrap();
    assert_eq!(got, cm);
    let seen = server.seen();
    assert_eq!(content_type(&seen[1]), PB);
    assert!(seen[1].body.starts_with(kclient_protobuf::MAGIC));

    // A server refusing protobuf bodies gets the same object again in JSON.
    let got: ConfigMap = post(&client, "/strict").into_json().await.unwrap();
    assert_eq!(got, cm);
    let seen = server.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(content_type(&seen[3]), "application/json");
    let resent: ConfigMap = serde_json::from_slice(&seen[3].body).unwrap();
    assert_eq!(resent, cm);

    // Values that are not a kind with a protobuf form always go as JSON.
    let client = RestClient::new(server.config().protobuf_bodies()).unwrap();
    let got: ConfigMap = client
        .post()
        .abs_path(["/ok"])
        .body_json(&cm)
        .into_json()
        .await
        .unwrap();
    assert_eq!(got, cm);
    assert_eq!(content_type(&server.seen()[4]), "application/json");
}

fn frame(event: &WireEvent<Pod>) -> Bytes {
    Bytes::from(kclient_protobuf::encode_watch_event(event).unwrap())
}

fn expired() -> Status {
    serde_json::from_value(status_json(
        410,
        "Expired",
        "too old resource version: 1 (5)",
    ))
    .unwrap()
}

/// A protobuf watch: an Added event split across chunks, a bookmark, an ERROR, then the
/// first bytes of another frame and the end of the body.
async fn protobuf_watch_server() -> TestServer {
    TestServer::plain(|_| async {
        let (mut reply, tx) = streaming(200);
        reply
            .headers_mut()
            .insert("content-type", PB_WATCH.parse().unwrap());
        tokio::spawn(async move {
            let added = frame(&WireEvent::Added(pod("a", "10")));
            let (head, tail) = added.split_at(7);
            let bookmark = frame(&WireEvent::Bookmark {
                annotations: [("k8s.io/initial-events-end".to_owned(), "true".to_owned())].into(),
                resource_version: "11".into(),
            });
            let modified = frame(&WireEvent::Modified(pod("a", "12")));
            let error = frame(&WireEvent::ErrorStatus(expired()));
            let truncated = frame(&WireEvent::Deleted(pod("a", "13")));
            for chunk in [
                Bytes::copy_from_slice(head),
                Bytes::copy_from_slice(tail),
                [bookmark, modified].concat().into(),
                error,
                truncated.slice(..truncated.len() - 5),
            ] {
                if tx.send(chunk).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        reply
    })
    .await
}

fn check_watch(events: &[Result<WatchEvent<Pod>, Error>], truncated_len: usize) {
    assert_eq!(events.len(), 5, "{events:?}");
    assert!(matches!(&events[0], Ok(WatchEvent::Added(p)) if *p == pod("a", "10")));
    match &events[1] {
        Ok(WatchEvent::Bookmark(b)) => {
            assert_eq!(b.metadata.resource_version, "11");
            assert_eq!(b.metadata.annotations["k8s.io/initial-events-end"], "true");
        }
        other => panic!("expected a bookmark, got {other:?}"),
    }
    assert!(matches!(&events[2], Ok(WatchEvent::Modified(p)) if *p == pod("a", "12")));
    assert!(matches!(&events[3], Ok(WatchEvent::Error(s)) if *s == expired()));
    match &events[4] {
        Err(Error::WatchStream(WatchError::Truncated { pending_bytes })) => {
            assert_eq!(*pending_bytes, truncated_len)
        }
        other => panic!("expected truncation, got {other:?}"),
    }
}

#[tokio::test]
async fn protobuf_watch_frames_decode_and_truncation_loses_nothing_before_it() {
    let server = protobuf_watch_server().await;
    let client = RestClient::new(server.config()).unwrap();
    let truncated_len = frame(&WireEvent::Deleted(pod("a", "13"))).len() - 5;
    let watch = || {
        client
            .get()
            .group_version(&core())
            .namespace("ns")
            .resource("pods")
            .accept_negotiated(true)
    };

    let events: Vec<_> = watch().watch::<Pod>().await.unwrap().collect().await;
    check_watch(&events, truncated_len);

    let parallelism = std::num::NonZeroUsize::new(2).unwrap();
    let events: Vec<_> = watch()
        .watch_parallel::<Pod>(parallelism)
        .await
        .unwrap()
        .collect()
        .await;
    check_watch(&events, truncated_len);
    assert!(server.seen().iter().all(|s| accept(s) == NEGOTIATED));
}

#[tokio::test]
async fn oversized_protobuf_frames_are_refused_before_they_are_buffered() {
    let server = TestServer::plain(|_| async {
        let (mut reply, tx) = streaming(200);
        reply
            .headers_mut()
            .insert("content-type", PB_WATCH.parse().unwrap());
        tokio::spawn(async move {
            let added = frame(&WireEvent::Added(pod("a", "10")));
            // A length prefix of 1 GiB, and nothing after it.
            let huge = Bytes::from_static(&[0x40, 0, 0, 0]);
            for chunk in [added, huge] {
                let _ = tx.send(chunk).await;
            }
            tx.closed().await;
        });
        reply
    })
    .await;
    let client = RestClient::builder(server.config())
        .max_watch_event_size(64 * 1024)
        .build()
        .unwrap();
    let events: Vec<_> = client
        .get()
        .abs_path(["/api/v1/pods"])
        .accept_negotiated(true)
        .watch::<Pod>()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(events[0], Ok(WatchEvent::Added(_))));
    assert!(matches!(
        events[1],
        Err(Error::WatchStream(WatchError::EventTooLarge {
            limit: 65536
        }))
    ));
}
