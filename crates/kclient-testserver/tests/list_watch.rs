//! Lists (selectors, pagination, resourceVersion semantics, tables) and watches.

mod common;

use std::time::Duration;

use common::{Api, CM, cm, rv, start};
use kclient_testserver::{Faults, TestServer};
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

async fn start_with_bookmarks_every_50ms() -> (TestServer, Api) {
    let server = TestServer::builder()
        .bookmark_interval(Duration::from_millis(50))
        .build()
        .await
        .unwrap();
    let api = Api::new(&server);
    (server, api)
}

async fn seed(api: &Api) {
    let objs = [
        ("a", json!({"env": "prod", "tier": "web"})),
        ("b", json!({"env": "dev", "tier": "web"})),
        ("c", json!({"env": "prod"})),
        ("d", json!({})),
    ];
    for (n, labels) in objs {
        api.post(CM, &cm(n, labels)).await.expect(201);
    }
}

#[tokio::test]
async fn label_and_field_selectors() {
    let (_server, api) = start().await;
    seed(&api).await;
    let q = |sel: &str| format!("{CM}?labelSelector={}", urlencode(sel));
    let cases = [
        ("env=prod", vec!["a", "c"]),
        ("env==prod", vec!["a", "c"]),
        ("env!=prod", vec!["b", "d"]),
        ("env in (dev,prod),tier", vec!["a", "b"]),
        ("env notin (prod)", vec!["b", "d"]),
        ("tier", vec!["a", "b"]),
        ("!tier", vec!["c", "d"]),
    ];
    for (sel, want) in cases {
        let list = api.get(&q(sel)).await.expect(200);
        assert_eq!(names(&list), want, "selector {sel}");
    }
    api.get(&q("env in (")).await.expect(400);

    let list = api
        .get(&format!("{CM}?fieldSelector=metadata.name%3Db"))
        .await
        .expect(200);
    assert_eq!(names(&list), ["b"]);
    let list = api
        .get(&format!("{CM}?fieldSelector=metadata.name!%3Db"))
        .await
        .expect(200);
    assert_eq!(names(&list), ["a", "c", "d"]);
    let err = api
        .get(&format!("{CM}?fieldSelector=spec.foo%3Dx"))
        .await
        .expect(400);
    // ConfigMaps have no field-label conversion of their own: apimachinery's default one.
    assert_eq!(
        err["message"],
        r#""spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace""#
    );
    // All namespaces.
    api.post(
        "/api/v1/namespaces/kube-system/configmaps",
        &cm("sys", json!({})),
    )
    .await
    .expect(201);
    let all = api
        .get("/api/v1/configmaps?fieldSelector=metadata.namespace%3Dkube-system")
        .await
        .expect(200);
    assert_eq!(names(&all), ["sys"]);
    assert_eq!(
        names(&api.get("/api/v1/configmaps").await.expect(200)).len(),
        5
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn pagination_reads_a_stable_snapshot() {
    let (_server, api) = start().await;
    seed(&api).await;
    let first = api.get(&format!("{CM}?limit=2")).await.expect(200);
    assert_eq!(names(&first), ["a", "b"]);
    assert_eq!(first["metadata"]["remainingItemCount"], 2);
    let token = first["metadata"]["continue"].as_str().unwrap().to_string();
    // Changes after the first page do not show up in later pages.
    api.post(CM, &cm("bb", json!({}))).await.expect(201);
    api.delete(&format!("{CM}/c")).await.expect(200);
    let second = api
        .get(&format!("{CM}?limit=2&continue={token}"))
        .await
        .expect(200);
    assert_eq!(names(&second), ["c", "d"]);
    assert_eq!(
        second["metadata"]["resourceVersion"],
        first["metadata"]["resourceVersion"]
    );
    assert!(second["metadata"].get("continue").is_none());
    // Selectors page over matches.
    let sel = api
        .get(&format!("{CM}?limit=1&labelSelector=tier"))
        .await
        .expect(200);
    assert_eq!(names(&sel), ["a"]);
    assert!(sel["metadata"].get("remainingItemCount").is_none());
    let next = sel["metadata"]["continue"].as_str().unwrap();
    let sel2 = api
        .get(&format!("{CM}?limit=1&labelSelector=tier&continue={next}"))
        .await
        .expect(200);
    assert_eq!(names(&sel2), ["b"]);
    api.get(&format!("{CM}?continue=garbage")).await.expect(400);
    api.get(&format!("{CM}?continue={token}&resourceVersion=5"))
        .await
        .expect(422);
}

#[tokio::test]
async fn resource_version_semantics_and_expiry() {
    let server = TestServer::builder().history_size(3).build().await.unwrap();
    let api = Api::new(&server);
    let a = api.post(CM, &cm("a", json!({}))).await.expect(201);
    let at_a = rv(&a);
    api.post(CM, &cm("b", json!({}))).await.expect(201);
    let exact = api
        .get(&format!(
            "{CM}?resourceVersion={at_a}&resourceVersionMatch=Exact"
        ))
        .await
        .expect(200);
    assert_eq!(names(&exact), ["a"]);
    assert_eq!(rv(&exact), at_a);
    let latest = api
        .get(&format!("{CM}?resourceVersion=0"))
        .await
        .expect(200);
    assert_eq!(names(&latest), ["a", "b"]);
    let newer = api
        .get(&format!(
            "{CM}?resourceVersion={at_a}&resourceVersionMatch=NotOlderThan"
        ))
        .await
        .expect(200);
    assert_eq!(names(&newer), ["a", "b"]);
    let err = api
        .get(&format!("{CM}?resourceVersion=999999"))
        .await
        .expect(504);
    assert_eq!(err["reason"], "Timeout");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("Timeout: Too large resource version: 999999")
    );
    api.get(&format!("{CM}?resourceVersionMatch=Exact"))
        .await
        .expect(422);

    let page = api.get(&format!("{CM}?limit=1")).await.expect(200);
    let token = page["metadata"]["continue"].as_str().unwrap().to_string();
    api.post(CM, &cm("c", json!({}))).await.expect(201);
    server.faults().compact_history();
    let err = api
        .get(&format!(
            "{CM}?resourceVersion={at_a}&resourceVersionMatch=Exact"
        ))
        .await
        .expect(410);
    assert_eq!(err["reason"], "Expired");
    // Exact lists are read from etcd in 1.33 (no cache snapshots), so etcd3's message.
    assert_eq!(
        err["message"],
        "The resourceVersion for the provided list is too old."
    );
    let err = api
        .get(&format!("{CM}?limit=1&continue={token}"))
        .await
        .expect(410);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("The provided continue parameter is too old")
    );
    let fresh = err["metadata"]["continue"].as_str().unwrap();
    let rest = api
        .get(&format!("{CM}?limit=1&continue={fresh}"))
        .await
        .expect(200);
    assert_eq!(names(&rest), ["b"]);
}

#[tokio::test]
async fn table_and_metadata_output() {
    let (_server, api) = start().await;
    seed(&api).await;
    let t = api
        .get_accept(
            CM,
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .await
        .expect(200);
    assert_eq!(t["kind"], "Table");
    let cols: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(cols[0], "Name");
    assert_eq!(t["rows"].as_array().unwrap().len(), 4);
    let pom = api
        .get_accept(
            CM,
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
        )
        .await
        .expect(200);
    assert_eq!(pom["kind"], "PartialObjectMetadataList");
    assert_eq!(pom["items"][0]["kind"], "PartialObjectMetadata");
    assert!(pom["items"][0].get("data").is_none());
}

#[tokio::test]
async fn watch_from_resource_version_and_initial_state() {
    let (_server, api) = start().await;
    let a = api.post(CM, &cm("a", json!({}))).await.expect(201);
    let mut w = api
        .watch(&format!("{CM}?watch=true&resourceVersion={}", rv(&a)))
        .await;
    assert_eq!(w.status, 200);
    assert_eq!(w.headers.get("content-type").unwrap(), "application/json");
    api.post(CM, &cm("b", json!({}))).await.expect(201);
    let ev = w.next().await.unwrap();
    assert_eq!(ev["type"], "ADDED");
    assert_eq!(ev["object"]["metadata"]["name"], "b");
    api.patch(
        &format!("{CM}/b"),
        "application/merge-patch+json",
        r#"{"data":{"k":"2"}}"#,
    )
    .await
    .expect(200);
    let ev = w.next().await.unwrap();
    assert_eq!(ev["type"], "MODIFIED");
    assert_eq!(ev["object"]["data"]["k"], "2");
    let deleted = api.delete(&format!("{CM}/b")).await.expect(200);
    let ev = w.next().await.unwrap();
    assert_eq!(ev["type"], "DELETED");
    assert!(rv(&ev["object"]) > rv(&a));
    drop(deleted);

    // resourceVersion=0 starts with the current state.
    let mut w0 = api.watch(&format!("{CM}?watch=1&resourceVersion=0")).await;
    let ev = w0.next().await.unwrap();
    assert_eq!(
        (
            ev["type"].as_str(),
            ev["object"]["metadata"]["name"].as_str()
        ),
        (Some("ADDED"), Some("a"))
    );

    // History replay from an older resourceVersion.
    let mut replay = api
        .watch(&format!("{CM}?watch=true&resourceVersion={}", rv(&a)))
        .await;
    let kinds: Vec<String> = [
        replay.next().await.unwrap(),
        replay.next().await.unwrap(),
        replay.next().await.unwrap(),
    ]
    .iter()
    .map(|e| e["type"].as_str().unwrap().to_string())
    .collect();
    assert_eq!(kinds, ["ADDED", "MODIFIED", "DELETED"]);

    // The legacy /watch/ prefix with a name watches one object.
    let mut named = api
        .watch(&format!(
            "/api/v1/watch/namespaces/default/configmaps/a?resourceVersion={}",
            rv(&a)
        ))
        .await;
    api.post(CM, &cm("other", json!({}))).await.expect(201);
    api.patch(
        &format!("{CM}/a"),
        "application/merge-patch+json",
        r#"{"data":{"k":"3"}}"#,
    )
    .await
    .expect(200);
    let ev = named.next().await.unwrap();
    assert_eq!(ev["object"]["metadata"]["name"], "a");
}

#[tokio::test]
async fn filtered_watch_transitions() {
    let (_server, api) = start().await;
    let a = api
        .post(CM, &cm("a", json!({"team": "red"})))
        .await
        .expect(201);
    let mut w = api
        .watch(&format!(
            "{CM}?watch=true&labelSelector=team%3Dred&resourceVersion={}",
            rv(&a)
        ))
        .await;
    api.patch(
        &format!("{CM}/a"),
        "application/merge-patch+json",
        r#"{"metadata":{"labels":{"team":"blue"}}}"#,
    )
    .await
    .expect(200);
    let ev = w.next().await.unwrap();
    assert_eq!(ev["type"], "DELETED", "stopped matching");
    api.post(CM, &cm("ignored", json!({"team": "blue"})))
        .await
        .expect(201);
    api.patch(
        &format!("{CM}/a"),
        "application/merge-patch+json",
        r#"{"metadata":{"labels":{"team":"red"}}}"#,
    )
    .await
    .expect(200);
    let ev = w.next().await.unwrap();
    assert_eq!(ev["type"], "ADDED", "started matching");
    assert_eq!(ev["object"]["metadata"]["name"], "a");
}

#[tokio::test]
async fn watch_list_and_bookmarks() {
    let (_server, api) = start_with_bookmarks_every_50ms().await;
    api.post(CM, &cm("a", json!({}))).await.expect(201);
    api.post(CM, &cm("b", json!({}))).await.expect(201);
    let mut w = api
        .watch(&format!("{CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"))
        .await;
    let mut added = Vec::new();
    let end = loop {
        let ev = w.next().await.unwrap();
        if ev["type"] == "ADDED" {
            added.push(
                ev["object"]["metadata"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        } else {
            break ev;
        }
    };
    assert_eq!(added, ["a", "b"]);
    assert_eq!(end["type"], "BOOKMARK");
    assert_eq!(end["object"]["kind"], "ConfigMap");
    assert_eq!(
        end["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    let end_rv = rv(&end["object"]);
    // Periodic bookmarks follow.
    let bm = w.next().await.unwrap();
    assert_eq!(bm["type"], "BOOKMARK");
    assert!(rv(&bm["object"]) >= end_rv);
    // Validation of watch-list options.
    let bad = api
        .get(&format!("{CM}?watch=true&sendInitialEvents=true"))
        .await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn watch_timeout_and_too_old() {
    let server = TestServer::builder().history_size(2).build().await.unwrap();
    let api = Api::new(&server);
    let mut w = api
        .watch(&format!("{CM}?watch=true&timeoutSeconds=1"))
        .await;
    assert!(
        w.next().await.is_none(),
        "server closes the stream after timeoutSeconds"
    );
    for n in ["a", "b", "c", "d"] {
        api.post(CM, &cm(n, json!({}))).await.expect(201);
    }
    let mut old = api
        .watch(&format!("{CM}?watch=true&resourceVersion=1"))
        .await;
    assert_eq!(old.status, 200);
    let ev = old.next().await.unwrap();
    assert_eq!(ev["type"], "ERROR");
    assert_eq!(ev["object"]["code"], 410);
    assert_eq!(ev["object"]["reason"], "Expired");
    assert!(
        ev["object"]["message"]
            .as_str()
            .unwrap()
            .starts_with("too old resource version: 1 (")
    );
    assert!(old.next().await.is_none());
}

#[tokio::test]
async fn fault_drops_watch_after_n_events_and_slow_watchers_are_cut() {
    let server = TestServer::builder()
        .watcher_buffer(4)
        .faults(Faults {
            watch_drop_after_events: Some(2),
            ..Faults::default()
        })
        .build()
        .await
        .unwrap();
    let api = Api::new(&server);
    let mut w = api
        .watch(&format!("{CM}?watch=true&resourceVersion=0"))
        .await;
    // A watcher that never reads: the server must not block on it.
    let slow = api
        .watch(&format!("{CM}?watch=true&resourceVersion=0"))
        .await;
    for i in 0..50 {
        api.post(CM, &cm(&format!("o{i}"), json!({})))
            .await
            .expect(201);
    }
    assert!(w.next().await.is_some());
    assert!(w.next().await.is_some());
    assert!(w.next().await.is_none(), "dropped after 2 events");
    drop(slow);
    server.faults().set_watch_drop_after(None);
    let list = api.get(CM).await.expect(200);
    assert_eq!(names(&list).len(), 50);
}

#[tokio::test]
async fn table_watch_for_kubectl_get_w() {
    let (_server, api) = start().await;
    let a = api.post(CM, &cm("a", json!({}))).await.expect(201);
    let mut w = api
        .watch_accept(
            &format!("{CM}?watch=true&resourceVersion={}", rv(&a)),
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .await;
    api.post(CM, &cm("b", json!({}))).await.expect(201);
    let ev = w.next().await.unwrap();
    assert_eq!(ev["type"], "ADDED");
    assert_eq!(ev["object"]["kind"], "Table");
    assert_eq!(ev["object"]["rows"][0]["cells"][0], "b");
}

const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/// kube-apiserver asks for the column definitions once per watch: the first event's Table
/// carries them, every later one `"columnDefinitions": null`.
#[tokio::test]
async fn table_watch_sends_column_definitions_with_the_first_event_only() {
    let (_server, api) = start().await;
    let a = api.post(CM, &cm("a", json!({}))).await.expect(201);
    let mut w = api
        .watch_accept(
            &format!("{CM}?watch=true&resourceVersion={}", rv(&a)),
            TABLE,
        )
        .await;
    api.post(CM, &cm("b", json!({}))).await.expect(201);
    api.patch(
        &format!("{CM}/b"),
        "application/merge-patch+json",
        r#"{"data":{"k2":"v2"}}"#,
    )
    .await
    .expect(200);
    api.delete(&format!("{CM}/b")).await.expect(200);
    let mut events = Vec::new();
    for _ in 0..3 {
        events.push(w.next().await.unwrap());
    }
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ADDED", "MODIFIED", "DELETED"]);
    let columns = events[0]["object"]["columnDefinitions"].as_array().unwrap();
    assert_eq!(columns[0]["name"], "Name");
    for ev in &events[1..] {
        let table = ev["object"].as_object().unwrap();
        assert_eq!(table["kind"], "Table");
        assert_eq!(table.get("columnDefinitions"), Some(&Value::Null), "{ev}");
        assert_eq!(table["rows"][0]["cells"][0], "b");
    }
    assert_eq!(events[1]["object"]["rows"][0]["cells"][1], 2, "DATA");
}

/// A bookmark in a Table watch is a Table too, and being first it takes the definitions.
#[tokio::test]
async fn table_watch_bookmarks_are_tables() {
    let (_server, api) = start_with_bookmarks_every_50ms().await;
    let a = api.post(CM, &cm("a", json!({}))).await.expect(201);
    let mut w = api
        .watch_accept(
            &format!(
                "{CM}?watch=true&allowWatchBookmarks=true&resourceVersion={}",
                rv(&a)
            ),
            TABLE,
        )
        .await;
    let bookmark = w.next().await.unwrap();
    assert_eq!(bookmark["type"], "BOOKMARK");
    assert_eq!(bookmark["object"]["kind"], "Table");
    assert_eq!(rv(&bookmark["object"]), rv(&a));
    assert!(bookmark["object"]["columnDefinitions"].is_array());
    assert_eq!(
        bookmark["object"]["rows"][0]["object"]["metadata"]["resourceVersion"],
        rv(&a).to_string()
    );
    api.post(CM, &cm("b", json!({}))).await.expect(201);
    let added = loop {
        let ev = w.next().await.unwrap();
        if ev["type"] != "BOOKMARK" {
            break ev;
        }
        assert!(ev["object"]["columnDefinitions"].is_null());
    };
    assert_eq!(added["type"], "ADDED");
    assert!(added["object"]["columnDefinitions"].is_null());
    assert_eq!(added["object"]["rows"][0]["cells"][0], "b");
}

const POM: &str = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io";
const POM_LIST: &str = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io";

#[tokio::test]
async fn partial_object_metadata_for_get_list_and_watch() {
    let (_server, api) = start().await;
    let mut body = cm("a", json!({"env": "prod"}));
    body["data"] = json!({"secret-ish": "not in metadata"});
    let created = api.post(CM, &body).await.expect(201);
    api.post(CM, &cm("b", json!({}))).await.expect(201);

    let one = api.get_accept(&format!("{CM}/a"), POM).await.expect(200);
    assert_eq!(one["kind"], "PartialObjectMetadata");
    assert_eq!(one["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(one["metadata"], created["metadata"]);
    assert!(one.get("data").is_none());

    let list = api.get_accept(CM, POM_LIST).await.expect(200);
    assert_eq!(list["kind"], "PartialObjectMetadataList");
    assert_eq!(list["apiVersion"], "meta.k8s.io/v1");
    assert!(rv(&list) >= rv(&created));
    assert_eq!(names(&list), ["a", "b"]);
    assert_eq!(list["items"][0]["metadata"], created["metadata"]);
    assert_eq!(list["items"][1]["kind"], "PartialObjectMetadata");
    assert!(list["items"][0].get("data").is_none());
    let empty = api
        .get_accept(&format!("{CM}?labelSelector=env%3Dnone"), POM_LIST)
        .await
        .expect(200);
    assert_eq!(empty["items"], json!([]));

    let mut w = api
        .watch_accept(
            &format!("{CM}?watch=true&resourceVersion={}", rv(&list)),
            POM,
        )
        .await;
    api.post(CM, &cm("c", json!({"k": "v"}))).await.expect(201);
    let ev = w.next().await.unwrap();
    assert_eq!(ev["type"], "ADDED");
    assert_eq!(ev["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(ev["object"]["metadata"]["name"], "c");
    assert_eq!(ev["object"]["metadata"]["labels"]["k"], "v");
}

#[tokio::test]
async fn pod_field_selectors_follow_spec_changes() {
    let (_server, api) = start().await;
    let pods = "/api/v1/namespaces/default/pods";
    let pod = |name: &str, node: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
               "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]}})
    };
    api.post(pods, &pod("p1", "n1")).await.expect(201);
    api.post(pods, &pod("p2", "n2")).await.expect(201);
    let on_n1 = api
        .get(&format!("{pods}?fieldSelector=spec.nodeName%3Dn1"))
        .await
        .expect(200);
    assert_eq!(names(&on_n1), ["p1"]);
    let not_n1 = api
        .get(&format!(
            "{pods}?fieldSelector=spec.nodeName!%3Dn1,status.phase%3DPending,status.podIP%3D"
        ))
        .await
        .expect(200);
    assert_eq!(names(&not_n1), ["p2"]);

    let mut w = api
        .watch(&format!(
            "{pods}?watch=true&fieldSelector=spec.nodeName%3Dn1&resourceVersion={}",
            rv(&on_n1)
        ))
        .await;
    // p1 leaves the selector (a DELETED for this watcher), p2 enters it (an ADDED).
    for (name, node) in [("p1", "n3"), ("p2", "n1")] {
        let mut p = api.get(&format!("{pods}/{name}")).await.expect(200);
        p["spec"]["nodeName"] = json!(node);
        api.put(&format!("{pods}/{name}"), &p).await.expect(200);
    }
    let left = w.next().await.unwrap();
    assert_eq!(
        (
            left["type"].as_str(),
            left["object"]["metadata"]["name"].as_str()
        ),
        (Some("DELETED"), Some("p1"))
    );
    let entered = w.next().await.unwrap();
    assert_eq!(
        (
            entered["type"].as_str(),
            entered["object"]["metadata"]["name"].as_str()
        ),
        (Some("ADDED"), Some("p2"))
    );
}
