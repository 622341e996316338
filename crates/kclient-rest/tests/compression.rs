//! gzip over the wire: what kclient asks for, and compressed lists and watches decoded as
//! they stream (kube-apiserver compresses large lists; a proxy may compress watches too).

mod common;

use std::io::Write as _;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use flate2::Compression;
use flate2::write::GzEncoder;
use futures::StreamExt;
use kclient_core::watch::WatchEvent;
use kclient_rest::transport::RetryPolicy;
use kclient_rest::{Error, RestClient};
use serde_json::{Value, json};

fn client(config: kclient_config::Config) -> RestClient {
    RestClient::builder(config)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn gzip_reply(body: Vec<u8>) -> Reply {
    with_header(
        full(200, "application/json", body),
        "content-encoding",
        "gzip",
    )
}

fn list_json() -> Vec<u8> {
    let items: Vec<Value> = (0..2000)
        .map(|i| json!({"metadata": {"name": format!("cm-{i}")}, "data": {"k": "v".repeat(50)}}))
        .collect();
    serde_json::to_vec(&json!({"kind": "List", "apiVersion": "v1", "metadata": {}, "items": items}))
        .unwrap()
}

#[tokio::test]
async fn a_gzip_list_is_decoded_and_gzip_was_asked_for() {
    let server = TestServer::plain(|seen| async move {
        let wants = seen
            .headers
            .get("accept-encoding")
            .is_some_and(|v| v == "gzip");
        if wants {
            gzip_reply(gzip(&list_json()))
        } else {
            full(200, "application/json", list_json())
        }
    })
    .await;
    let list: Value = client(server.config())
        .get()
        .abs_path(["/api/v1/configmaps"])
        .into_json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2000);
    assert_eq!(server.seen()[0].headers["accept-encoding"], "gzip");

    let mut config = server.config();
    config.disable_compression = true;
    let response = client(config)
        .get()
        .abs_path(["/api/v1/configmaps"])
        .send()
        .await
        .unwrap();
    assert!(server.seen()[1].headers.get("accept-encoding").is_none());
    assert_eq!(response.body().len(), list_json().len());
}

#[tokio::test]
async fn a_gzip_watch_decodes_each_event_as_it_arrives() {
    let (tx, rx) = tokio::sync::mpsc::channel::<tokio::sync::mpsc::Sender<Bytes>>(1);
    let server = TestServer::plain(move |_| {
        let tx = tx.clone();
        async move {
            let (reply, events) = streaming(200);
            tx.send(events).await.unwrap();
            with_header(reply, "content-encoding", "gzip")
        }
    })
    .await;
    let mut rx = rx;
    let mut events = client(server.config())
        .get()
        .abs_path(["/api/v1/configmaps"])
        .watch::<Value>()
        .await
        .unwrap();
    let sender = rx.recv().await.unwrap();
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let send_event = async |encoder: &mut GzEncoder<Vec<u8>>, name: &str| {
        let line = json!({"type": "ADDED", "object": {"metadata": {"name": name}}});
        encoder.write_all(format!("{line}\n").as_bytes()).unwrap();
        // A sync flush, as a compressing proxy does to keep a stream live.
        encoder.flush().unwrap();
        let chunk = std::mem::take(encoder.get_mut());
        sender.send(Bytes::from(chunk)).await.unwrap();
    };
    for name in ["a", "b"] {
        send_event(&mut encoder, name).await;
        // The event comes out before anything else is sent: nothing waits for more input.
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("the event arrives on its own")
            .unwrap()
            .unwrap();
        match event {
            WatchEvent::Added(obj) => assert_eq!(obj["metadata"]["name"], name),
            other => panic!("{other:?}"),
        }
    }
    let trailer = encoder.finish().unwrap();
    sender.send(Bytes::from(trailer)).await.unwrap();
    drop(sender);
    assert!(
        events.next().await.is_none(),
        "a clean end after the gzip trailer"
    );
}

#[tokio::test]
async fn truncated_or_corrupt_gzip_bodies_are_decode_errors() {
    let whole = gzip(&list_json());
    let truncated = whole[..whole.len() / 2].to_vec();
    let mut corrupt = whole.clone();
    let at = corrupt.len() / 3;
    corrupt[at..at + 16].fill(0xa5);
    for body in [truncated, corrupt] {
        let server = TestServer::plain(move |_| {
            let body = body.clone();
            async move { gzip_reply(body) }
        })
        .await;
        let err = client(server.config())
            .get()
            .abs_path(["/api/v1/configmaps"])
            .into_json::<Value>()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(err.to_string().contains("gzip"), "{err}");
    }
}

#[tokio::test]
async fn a_truncated_gzip_watch_ends_with_a_decode_error() {
    let events: String = (0..50)
        .map(|i| {
            format!(
                "{}\n",
                json!({"type": "ADDED", "object": {"metadata": {"name": format!("cm-{i}")}}})
            )
        })
        .collect();
    let whole = gzip(events.as_bytes());
    let cut = whole[..whole.len() - 4].to_vec();
    let server = TestServer::plain(move |_| {
        let cut = cut.clone();
        async move { gzip_reply(cut) }
    })
    .await;
    let results: Vec<_> = client(server.config())
        .get()
        .abs_path(["/api/v1/configmaps"])
        .watch::<Value>()
        .await
        .unwrap()
        .collect()
        .await;
    let (last, events) = results.split_last().unwrap();
    assert_eq!(events.len(), 50, "every event before the cut arrives");
    assert!(events.iter().all(Result::is_ok));
    assert!(matches!(last, Err(Error::Decode { .. })), "{last:?}");
}
