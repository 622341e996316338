//! Lists shaped as kube-apiserver 1.33's watch cache answers them: `resourceVersion=0`
//! ignores `limit` (everything in one response), not-older-than and consistent reads page,
//! the legacy `resourceVersion=<n>` + `limit` is an exact read, and a resourceVersion the
//! server has not reached yet is the cache's 504 "Too large resource version" Status.

mod common;

use common::{Api, CM, cm, rv};
use kclient_testserver::TestServer;
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect()
}

async fn seeded(history: usize) -> (TestServer, Api, u64) {
    let server = TestServer::builder()
        .history_size(history)
        .build()
        .await
        .unwrap();
    let api = Api::new(&server);
    let mut first = 0;
    for n in ["a", "b", "c", "d", "e"] {
        let created = api.post(CM, &cm(n, json!({}))).await.expect(201);
        if first == 0 {
            first = rv(&created);
        }
    }
    (server, api, first)
}

#[tokio::test]
async fn a_list_at_resource_version_0_ignores_the_limit() {
    let (_server, api, _) = seeded(100).await;
    for query in [
        "resourceVersion=0&limit=2",
        "resourceVersion=0&resourceVersionMatch=NotOlderThan&limit=2",
    ] {
        let all = api.get(&format!("{CM}?{query}")).await.expect(200);
        assert_eq!(names(&all), ["a", "b", "c", "d", "e"], "{query}");
        assert!(all["metadata"].get("continue").is_none(), "{query}: {all}");
        assert!(all["metadata"].get("remainingItemCount").is_none());
    }
}

#[tokio::test]
async fn not_older_than_and_consistent_lists_page() {
    let (_server, api, first) = seeded(100).await;
    for query in [
        format!("resourceVersion={first}&resourceVersionMatch=NotOlderThan&limit=2"),
        "limit=2".to_owned(),
    ] {
        let page = api.get(&format!("{CM}?{query}")).await.expect(200);
        assert_eq!(names(&page), ["a", "b"], "{query}");
        assert!(page["metadata"]["continue"].is_string(), "{query}");
        assert_eq!(page["metadata"]["remainingItemCount"], 3);
    }
}

#[tokio::test]
async fn a_legacy_list_at_a_resource_version_with_a_limit_is_exact() {
    let (server, api, first) = seeded(100).await;
    // Without a limit: state at least that new, from the cache.
    let newer = api
        .get(&format!("{CM}?resourceVersion={first}"))
        .await
        .expect(200);
    assert_eq!(names(&newer).len(), 5);
    // With one: the state at exactly that resourceVersion, from etcd.
    let exact = api
        .get(&format!("{CM}?resourceVersion={first}&limit=2"))
        .await
        .expect(200);
    assert_eq!(names(&exact), ["a"]);
    assert_eq!(rv(&exact), first);
    server.faults().compact_history();
    let err = api
        .get(&format!("{CM}?resourceVersion={first}&limit=2"))
        .await
        .expect(410);
    assert_eq!(err["reason"], "Expired");
}

#[tokio::test]
async fn a_resource_version_the_server_has_not_reached_is_too_large() {
    let (_server, api, _) = seeded(100).await;
    let current = rv(&api.get(CM).await.expect(200));
    let ahead = current + 1000;
    for query in [
        format!("resourceVersion={ahead}"),
        format!("resourceVersion={ahead}&resourceVersionMatch=NotOlderThan&limit=2"),
    ] {
        let err = api.get(&format!("{CM}?{query}")).await.expect(504);
        assert_eq!(
            err,
            json!({
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": format!("Timeout: Too large resource version: {ahead}, current: {current}"),
                "reason": "Timeout",
                "details": {
                    "causes": [{
                        "reason": "ResourceVersionTooLarge",
                        "message": "Too large resource version"
                    }],
                    "retryAfterSeconds": 1
                },
                "code": 504
            }),
            "{query}"
        );
    }
}
