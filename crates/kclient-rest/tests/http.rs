//! RestClient against a real (in-test) HTTP server: decoding, errors, warnings, headers,
//! retries over real connections, streaming and watch cancellation.

use kclient_core::ApiError;
mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use futures::StreamExt;
use http::StatusCode;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kclient_core::gvk::GroupVersion;
use kclient_core::watch::WatchEvent;
use kclient_rest::transport::RetryPolicy;
use kclient_rest::{CollectWarnings, Error, RestClient};
use serde_json::json;

fn core() -> GroupVersion {
    GroupVersion::new("", "v1")
}

#[tokio::test]
async fn decodes_json_into_typed_objects() {
    let server = TestServer::plain(|_| async move {
        json(
            200,
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "cm", "namespace": "default"}, "data": {"k": "v"}}),
        )
    })
    .await;
    let client = RestClient::new(server.config()).unwrap();
    let cm: ConfigMap = client
        .get()
        .group_version(&core())
        .namespace("default")
        .resource("configmaps")
        .name("cm")
        .into_json()
        .await
        .unwrap();
    assert_eq!(cm.metadata.name.as_deref(), Some("cm"));
    assert_eq!(cm.data.unwrap()["k"], "v");

    let seen = &server.seen()[0];
    assert_eq!(seen.uri.path(), "/api/v1/namespaces/default/configmaps/cm");
    assert_eq!(seen.headers["accept"], "application/json, */*");
    assert!(
        seen.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("kclient/")
    );

    // The raw forms of the same call.
    let response = client
        .get()
        .abs_path(["/api/v1/namespaces/default/configmaps/cm"])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.content_type(), Some("application/json"));
    assert!(response.json::<serde_json::Value>().unwrap()["data"]["k"] == "v");
    let bytes = client.get().abs_path(["/x"]).into_bytes().await.unwrap();
    assert!(bytes.starts_with(b"{"));

    // A body that does not match the type is a Decode error.
    let err = client
        .get()
        .abs_path(["/x"])
        .into_json::<Vec<Pod>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn status_bodies_become_api_errors_with_predicates() {
    let server = TestServer::plain(|seen: Seen| async move {
        let case = seen.uri.path().trim_start_matches('/').to_owned();
        match case.as_str() {
            "notfound" => json(
                404,
                status_json(404, "NotFound", "configmaps \"x\" not found"),
            ),
            "exists" => json(
                409,
                status_json(409, "AlreadyExists", "configmaps \"x\" already exists"),
            ),
            "conflict" => json(
                409,
                status_json(409, "Conflict", "Operation cannot be fulfilled"),
            ),
            "invalid" => json(
                422,
                status_json(422, "Invalid", "ConfigMap \"x\" is invalid"),
            ),
            "forbidden" => json(403, status_json(403, "Forbidden", "forbidden")),
            "unauthorized" => json(401, status_json(401, "Unauthorized", "Unauthorized")),
            "gone" => json(410, status_json(410, "Expired", "too old resource version")),
            "timeout" => json(504, status_json(504, "Timeout", "timed out")),
            "internal" => json(500, status_json(500, "InternalError", "boom")),
            "badrequest" => json(400, status_json(400, "BadRequest", "bad")),
            "html" => full(502, "text/html", "<html><body>Bad Gateway</body></html>"),
            _ => full(404, "text/plain", "404 page not found"),
        }
    })
    .await;
    let client = RestClient::builder(server.config())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let get = |path: &'static str| {
        let client = client.clone();
        async move { client.get().abs_path([path]).send().await.unwrap_err() }
    };

    let err = get("/notfound").await;
    assert!(err.is_not_found());
    assert_eq!(err.to_string(), "configmaps \"x\" not found");
    assert_eq!(err.status_code(), Some(StatusCode::NOT_FOUND.as_u16()));
    assert!(!err.is_conflict() && !err.is_server_error());
    assert!(get("/exists").await.is_already_exists());
    let conflict = get("/conflict").await;
    assert!(conflict.is_conflict() && !conflict.is_already_exists());
    assert!(get("/invalid").await.is_invalid());
    assert!(get("/forbidden").await.is_forbidden());
    assert!(get("/unauthorized").await.is_unauthorized());
    let gone = get("/gone").await;
    assert!(gone.is_gone() && gone.is_resource_expired());
    let timeout = get("/timeout").await;
    assert!(timeout.is_timeout() && timeout.is_server_error());
    let internal = get("/internal").await;
    assert!(internal.is_internal_error() && internal.is_server_error());
    assert!(get("/badrequest").await.is_bad_request());

    // Non-JSON bodies are synthesized into a Status with the code and a snippet.
    let html = get("/html").await;
    assert_eq!(html.status_code(), Some(StatusCode::BAD_GATEWAY.as_u16()));
    assert!(html.is_server_error());
    assert!(html.to_string().contains("Bad Gateway"), "{html}");
    let plain = get("/other").await;
    assert!(plain.is_not_found());
    assert_eq!(plain.status().unwrap().reason.as_deref(), Some("NotFound"));
}

#[tokio::test]
async fn warnings_reach_the_handler_and_the_response() {
    let server = TestServer::plain(|_| async {
        let reply = json(200, json!({}));
        let reply = with_header(reply, "warning", r#"299 - "v1beta1 Foo is deprecated""#);
        with_header(reply, "warning", r#"299 - "unknown field \"spec.x\"""#)
    })
    .await;
    let collector = CollectWarnings::new();
    let client = RestClient::new(server.config())
        .unwrap()
        .with_warning_handler(Arc::new(collector.clone()));
    let response = client.get().abs_path(["/apis"]).send().await.unwrap();
    assert_eq!(response.warnings().len(), 2);
    let texts: Vec<String> = collector.take().into_iter().map(|w| w.text).collect();
    assert_eq!(
        texts,
        ["v1beta1 Foo is deprecated", "unknown field \"spec.x\""]
    );
}

#[tokio::test]
async fn impersonation_headers_arrive_at_the_server() {
    let server = TestServer::plain(|_| async { ok_text() }).await;
    let mut config = server.config();
    config.impersonate.user = Some("alice".into());
    config.impersonate.uid = Some("uid-1".into());
    config.impersonate.groups = vec!["devs".into(), "ops".into()];
    config
        .impersonate
        .extra
        .insert("example.com/scopes".into(), vec!["read".into()]);
    config.user_agent = "my-controller/1.2".into();
    let client = RestClient::new(config).unwrap();
    client.get().abs_path(["/api"]).send().await.unwrap();
    let seen = &server.seen()[0];
    assert_eq!(seen.headers["impersonate-user"], "alice");
    assert_eq!(seen.headers["impersonate-uid"], "uid-1");
    let groups: Vec<_> = seen.headers.get_all("impersonate-group").iter().collect();
    assert_eq!(groups, ["devs", "ops"]);
    assert_eq!(
        seen.headers["impersonate-extra-example.com%2fscopes"],
        "read"
    );
    assert_eq!(seen.headers["user-agent"], "my-controller/1.2");
}

#[tokio::test]
async fn request_bodies_and_params_reach_the_server() {
    let server = TestServer::plain(|seen: Seen| async move {
        json(201, serde_json::from_slice(&seen.body).unwrap_or(json!({})))
    })
    .await;
    let client = RestClient::new(server.config()).unwrap();
    let created: serde_json::Value = client
        .post()
        .group_version(&core())
        .namespace("ns")
        .resource("configmaps")
        .param("fieldManager", "kclient")
        .param("dryRun", "All")
        .body_json(&json!({"metadata": {"name": "x"}}))
        .into_json()
        .await
        .unwrap();
    assert_eq!(created["metadata"]["name"], "x");
    let seen = &server.seen()[0];
    assert_eq!(seen.method, http::Method::POST);
    assert_eq!(
        seen.uri.to_string(),
        "/api/v1/namespaces/ns/configmaps?dryRun=All&fieldManager=kclient"
    );
    assert_eq!(seen.headers["content-type"], "application/json");
}

#[tokio::test]
async fn post_is_not_retried_after_a_connection_failure_but_get_is() {
    let (url, connections, _task) = hangup_server().await;
    let config = kclient_config::Config::new(url.parse().unwrap()).without_rate_limit();
    let policy = RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        ..RetryPolicy::default()
    };
    let client = RestClient::builder(config)
        .retry_policy(policy)
        .build()
        .unwrap();

    let err = client
        .post()
        .abs_path(["/api/v1/namespaces/ns/configmaps"])
        .body_json(&json!({}))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);

    let err = client.get().abs_path(["/api"]).send().await.unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 1 + 4);
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let config = kclient_config::Config::new(format!("http://127.0.0.1:{port}").parse().unwrap());
    let client = RestClient::builder(config)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client
        .get()
        .abs_path(["/version"])
        .send()
        .await
        .unwrap_err();
    let transport = err.transport().expect("a transport error");
    assert_eq!(transport.kind(), kclient_rest::TransportErrorKind::Connect);
}

#[tokio::test]
async fn client_timeout_is_a_timeout_error() {
    let server = TestServer::plain(|_| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        ok_text()
    })
    .await;
    let client = RestClient::new(server.config()).unwrap();
    let err = client
        .get()
        .abs_path(["/slow"])
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, Error::Timeout(_)));
    assert_eq!(server.seen()[0].uri.query(), Some("timeout=100ms"));
}

#[tokio::test]
async fn streams_bodies_as_they_arrive() {
    let (reply, tx) = streaming(200);
    let reply = Arc::new(std::sync::Mutex::new(Some(reply)));
    let server = TestServer::plain(move |_| {
        let reply = reply.lock().unwrap().take();
        async move { reply.unwrap_or_else(ok_text) }
    })
    .await;
    let client = RestClient::new(server.config()).unwrap();
    let mut stream = client
        .get()
        .abs_path(["/api/v1/namespaces/ns/pods/p/log"])
        .param("follow", "true")
        .stream()
        .await
        .unwrap();
    tx.send(Bytes::from_static(b"line 1\n")).await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), "line 1\n");
    tx.send(Bytes::from_static(b"line 2\n")).await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), "line 2\n");
    drop(tx);
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn watch_decodes_events_and_dropping_it_closes_the_connection() {
    let (reply, tx) = streaming(200);
    let reply = Arc::new(std::sync::Mutex::new(Some(reply)));
    let server = TestServer::plain(move |_| {
        let reply = reply.lock().unwrap().take();
        async move { reply.unwrap_or_else(ok_text) }
    })
    .await;
    let client = RestClient::new(server.config()).unwrap();
    let mut events = client
        .get()
        .group_version(&core())
        .namespace("ns")
        .resource("pods")
        .param("resourceVersion", "10")
        .watch::<Pod>()
        .await
        .unwrap();
    let seen = &server.seen()[0];
    assert_eq!(seen.uri.query(), Some("resourceVersion=10&watch=true"));

    let added = json!({"type": "ADDED", "object": {"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "a", "resourceVersion": "11"}}});
    let line = format!("{added}\n");
    let (first, second) = line.split_at(20);
    tx.send(Bytes::from(first.to_owned())).await.unwrap();
    tx.send(Bytes::from(second.to_owned())).await.unwrap();
    match events.next().await.unwrap().unwrap() {
        WatchEvent::Added(pod) => assert_eq!(pod.metadata.name.as_deref(), Some("a")),
        other => panic!("unexpected {other:?}"),
    }
    let error = json!({"type": "ERROR", "object": status_json(410, "Expired", "too old")});
    tx.send(Bytes::from(format!("{error}\n"))).await.unwrap();
    match events.next().await.unwrap().unwrap() {
        WatchEvent::Error(status) => assert_eq!(status.code, Some(410)),
        other => panic!("unexpected {other:?}"),
    }

    // Dropping the stream closes the connection: the server's body sender sees it.
    drop(events);
    tokio::time::timeout(Duration::from_secs(10), tx.closed())
        .await
        .expect("the server noticed the client went away");
}

#[tokio::test]
async fn truncated_watch_stream_is_a_typed_error() {
    let (reply, tx) = streaming(200);
    let reply = Arc::new(std::sync::Mutex::new(Some(reply)));
    let server = TestServer::plain(move |_| {
        let reply = reply.lock().unwrap().take();
        async move { reply.unwrap_or_else(ok_text) }
    })
    .await;
    let client = RestClient::new(server.config()).unwrap();
    let mut events = client
        .get()
        .abs_path(["/api/v1/pods"])
        .watch::<serde_json::Value>()
        .await
        .unwrap();
    tx.send(Bytes::from_static(
        b"{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"MOD",
    ))
    .await
    .unwrap();
    drop(tx);
    assert!(matches!(
        events.next().await,
        Some(Ok(WatchEvent::Added(_)))
    ));
    let err = events.next().await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            Error::WatchStream(kclient_rest::WatchError::Truncated { .. })
        ),
        "{err:?}"
    );
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn watch_error_status_before_streaming_is_an_api_error() {
    let server = TestServer::plain(|_| async {
        json(
            410,
            status_json(410, "Expired", "too old resource version: 1 (50)"),
        )
    })
    .await;
    let client = RestClient::new(server.config()).unwrap();
    let err = client
        .get()
        .abs_path(["/api/v1/pods"])
        .watch::<Pod>()
        .await
        .unwrap_err();
    assert!(err.is_gone(), "{err:?}");
}

#[tokio::test]
async fn debug_output_has_no_secrets() {
    let server = TestServer::plain(|_| async { ok_text() }).await;
    let mut config = server.config();
    config.auth.bearer_token = Some("super-secret-token".into());
    let client = RestClient::new(config).unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("super-secret-token"), "{debug}");
    let request = client.get().abs_path(["/api"]);
    assert!(!format!("{request:?}").contains("super-secret-token"));
}
