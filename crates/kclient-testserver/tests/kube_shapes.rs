//! Response shapes compared with kube-apiserver 1.33's, family by family: lists, Tables,
//! PartialObjectMetadata, watch events, Status errors, create/update/apply codes, DELETE
//! answers, discovery, `/version`, health endpoints and the OpenAPI v3 root. Each fixture
//! asserts which fields are present (order-insensitive), as kube-apiserver's Go types
//! serialize them.

mod common;

use std::collections::BTreeSet;

use common::{Api, CM, cm, start};
use http::Method;
use serde_json::{Value, json};

/// The field names of a JSON object.
#[track_caller]
fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

#[track_caller]
fn assert_keys(v: &Value, expected: &[&str]) {
    assert_eq!(keys(v), expected.iter().copied().collect(), "{v}");
}

const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";
const POM: &str = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io";
const POM_LIST: &str = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io";
const EMPTY_NS: &str = "/api/v1/namespaces/kube-public/configmaps";

/// `ListMeta`: resourceVersion always; continue and remainingItemCount only on a page with
/// more after it; an empty list has `items: []` (the storage initializes the slice).
#[tokio::test]
async fn lists_follow_list_meta_presence_rules() {
    let (_server, api) = start().await;
    let empty = api.get(EMPTY_NS).await.expect(200);
    assert_keys(&empty, &["kind", "apiVersion", "metadata", "items"]);
    assert_keys(&empty["metadata"], &["resourceVersion"]);
    assert_eq!(empty["items"], json!([]));
    for name in ["a", "b"] {
        api.post(CM, &cm(name, json!({}))).await.expect(201);
    }
    let page = api.get(&format!("{CM}?limit=1")).await.expect(200);
    assert_keys(
        &page["metadata"],
        &["resourceVersion", "continue", "remainingItemCount"],
    );
    assert_eq!(page["metadata"]["remainingItemCount"], 1);
    let token = page["metadata"]["continue"].as_str().unwrap().to_string();
    let last = api
        .get(&format!("{CM}?limit=1&continue={token}"))
        .await
        .expect(200);
    assert_keys(&last["metadata"], &["resourceVersion"]);
    assert_keys(
        &last["items"][0],
        &["metadata", "data"], // no kind/apiVersion on items of a typed list
    );
}

/// `metav1.Table`: rows carry a PartialObjectMetadata by default (`includeObject=Metadata`),
/// the full object with `Object`, and `null` with `None`.
#[tokio::test]
async fn tables_and_their_row_objects() {
    let (_server, api) = start().await;
    api.post(CM, &cm("a", json!({}))).await.expect(201);
    let table = api.get_accept(CM, TABLE).await.expect(200);
    assert_keys(
        &table,
        &[
            "kind",
            "apiVersion",
            "metadata",
            "columnDefinitions",
            "rows",
        ],
    );
    assert_eq!(
        (&table["kind"], &table["apiVersion"]),
        (&json!("Table"), &json!("meta.k8s.io/v1"))
    );
    assert_keys(&table["metadata"], &["resourceVersion"]);
    for column in table["columnDefinitions"].as_array().unwrap() {
        assert_keys(
            column,
            &["name", "type", "format", "description", "priority"],
        );
    }
    let row = &table["rows"][0];
    assert_keys(row, &["cells", "object"]);
    assert_keys(&row["object"], &["kind", "apiVersion", "metadata"]);
    assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(row["object"]["apiVersion"], "meta.k8s.io/v1");
    let none = api
        .get_accept(&format!("{CM}?includeObject=None"), TABLE)
        .await
        .expect(200);
    assert_eq!(none["rows"][0]["object"], Value::Null);
    let full = api
        .get_accept(&format!("{CM}?includeObject=Object"), TABLE)
        .await
        .expect(200);
    assert_eq!(full["rows"][0]["object"]["kind"], "ConfigMap");
    assert_eq!(full["rows"][0]["object"]["apiVersion"], "v1");
    let empty = api.get_accept(EMPTY_NS, TABLE).await.expect(200);
    assert_eq!(empty["rows"], json!([]));
}

/// PartialObjectMetadata and its list: kube-apiserver types the list AND each item.
#[tokio::test]
async fn partial_object_metadata_and_lists() {
    let (_server, api) = start().await;
    api.post(CM, &cm("a", json!({}))).await.expect(201);
    let one = api.get_accept(&format!("{CM}/a"), POM).await.expect(200);
    assert_keys(&one, &["kind", "apiVersion", "metadata"]);
    assert_eq!(one["apiVersion"], "meta.k8s.io/v1");
    let list = api.get_accept(CM, POM_LIST).await.expect(200);
    assert_keys(&list, &["kind", "apiVersion", "metadata", "items"]);
    assert_eq!(list["kind"], "PartialObjectMetadataList");
    assert_keys(&list["items"][0], &["kind", "apiVersion", "metadata"]);
    assert_eq!(list["items"][0]["kind"], "PartialObjectMetadata");
    assert_eq!(list["items"][0]["apiVersion"], "meta.k8s.io/v1");
    let empty = api.get_accept(EMPTY_NS, POM_LIST).await.expect(200);
    assert_eq!(empty["items"], json!([]));
}

/// Watch events are `{type, object}`; the watch-list bookmark is an empty object of the
/// kind with only resourceVersion and the `k8s.io/initial-events-end` annotation; Table
/// watches send column definitions on the first event only.
#[tokio::test]
async fn watch_events_bookmarks_and_table_events() {
    let (_server, api) = start().await;
    api.post(CM, &cm("a", json!({}))).await.expect(201);
    let mut w = api
        .watch(&format!(
            "{CM}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan"
        ))
        .await;
    let added = w.next().await.unwrap();
    assert_keys(&added, &["type", "object"]);
    assert_eq!(added["type"], "ADDED");
    assert_eq!(added["object"]["kind"], "ConfigMap");
    let bookmark = w.next().await.unwrap();
    assert_eq!(bookmark["type"], "BOOKMARK");
    assert_keys(&bookmark["object"], &["kind", "apiVersion", "metadata"]);
    assert_keys(
        &bookmark["object"]["metadata"],
        &["resourceVersion", "annotations", "creationTimestamp"],
    );
    assert_eq!(
        bookmark["object"]["metadata"]["annotations"],
        json!({"k8s.io/initial-events-end": "true"})
    );
    let mut tw = api.watch_accept(&format!("{CM}?watch=1"), TABLE).await;
    api.post(CM, &cm("b", json!({}))).await.expect(201);
    let first = tw.next().await.unwrap();
    let second = tw.next().await.unwrap();
    assert_eq!(first["object"]["kind"], "Table");
    assert!(first["object"]["columnDefinitions"].is_array());
    assert_eq!(second["object"]["columnDefinitions"], Value::Null);
    assert_keys(
        &second["object"]["rows"][0]["object"],
        &["kind", "apiVersion", "metadata"],
    );
}

/// The fields of every Status error (`details` comes on top where its constructor sets them).
const STATUS_KEYS: [&str; 7] = [
    "kind",
    "apiVersion",
    "metadata",
    "status",
    "message",
    "reason",
    "code",
];

/// Every Status error: kind, apiVersion, `metadata: {}`, status Failure, message, reason,
/// code, and details only where kube-apiserver's constructor sets them.
#[tokio::test]
async fn status_errors_have_kube_apiservers_fields() {
    let (_server, api) = start().await;
    api.post(CM, &cm("a", json!({}))).await.expect(201);
    let base = STATUS_KEYS;
    let with_details: Vec<&str> = base.iter().copied().chain(["details"]).collect();
    let check = |v: &Value, code: u16, reason: &str, details: bool| {
        assert_keys(v, if details { &with_details } else { &base });
        assert_eq!(v["metadata"], json!({}));
        assert_eq!(v["status"], "Failure");
        assert_eq!(v["code"], code);
        assert_eq!(v["reason"], reason);
        assert_eq!(v["apiVersion"], "v1");
    };
    let json_ct = [("content-type", "application/json")];
    let r = api.send(Method::POST, CM, &json_ct, "{").await.expect(400);
    check(&r, 400, "BadRequest", false);
    let r = api.with_token("bogus").get(CM).await.expect(401);
    check(&r, 401, "Unauthorized", false);
    let r = api.with_token("").get(CM).await.expect(403);
    check(&r, 403, "Forbidden", true);
    assert_keys(&r["details"], &["kind"]);
    let r = api.get(&format!("{CM}/nope")).await.expect(404);
    check(&r, 404, "NotFound", true);
    assert_keys(&r["details"], &["name", "kind"]);
    let r = api
        .get_accept(CM, "application/json;as=Nope;v=v1;g=meta.k8s.io")
        .await
        .expect(406);
    check(&r, 406, "NotAcceptable", false);
    let r = api.post(CM, &cm("a", json!({}))).await.expect(409);
    check(&r, 409, "AlreadyExists", true);
    let r = api
        .send(Method::POST, CM, &json_ct, vec![b' '; 3 * 1024 * 1024 + 1])
        .await
        .expect(413);
    check(&r, 413, "RequestEntityTooLarge", false);
    let r = api
        .post(
            CM,
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "A_B"}}),
        )
        .await
        .expect(422);
    check(&r, 422, "Invalid", true);
    assert_keys(&r["details"], &["name", "kind", "causes"]);
    assert_keys(&r["details"]["causes"][0], &["reason", "message", "field"]);
    let r = api
        .get(&format!(
            "{CM}?resourceVersion=999999&resourceVersionMatch=NotOlderThan"
        ))
        .await
        .expect(504);
    check(&r, 504, "Timeout", true);
    assert_keys(&r["details"], &["causes", "retryAfterSeconds"]);
}

/// go-restful answers a method the path has no route for with 405, rendered by
/// kube-apiserver's service error handler: a generic message and empty details.
#[tokio::test]
async fn methods_without_a_route_are_go_restfuls_405() {
    let (_server, api) = start().await;
    api.post(CM, &cm("a", json!({}))).await.expect(201);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "i"}]}});
    api.post("/api/v1/namespaces/default/pods", &pod)
        .await
        .expect(201);
    let expected = json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure",
        "message": "the server does not allow this method on the requested resource",
        "reason": "MethodNotAllowed", "details": {}, "code": 405});
    let json_ct = [("content-type", "application/json")];
    let merge = [("content-type", "application/merge-patch+json")];
    for (method, path, headers) in [
        (Method::POST, format!("{CM}/a"), &json_ct),
        (Method::PUT, CM.to_string(), &json_ct),
        (Method::PATCH, CM.to_string(), &merge),
        (Method::POST, "/api/v1/configmaps".to_string(), &json_ct),
        (Method::DELETE, "/api/v1/configmaps".to_string(), &json_ct),
        (
            Method::POST,
            "/api/v1/namespaces/default/pods/p/status".to_string(),
            &json_ct,
        ),
        (
            Method::DELETE,
            "/api/v1/namespaces/default/pods/p/status".to_string(),
            &json_ct,
        ),
        (
            Method::POST,
            "/api/v1/componentstatuses".to_string(),
            &json_ct,
        ),
        (
            Method::GET,
            "/apis/authentication.k8s.io/v1/tokenreviews".to_string(),
            &json_ct,
        ),
    ] {
        let r = api.send(method.clone(), &path, headers, "{}").await;
        assert_eq!(r.expect(405), expected, "{method} {path}");
    }
    // No route for the path at all: the 404 of the same handler.
    let r = api.get("/api/v1/configmaps/a").await.expect(404);
    assert_eq!(
        r["message"],
        "the server could not find the requested resource"
    );
    assert_eq!(r["details"], json!({}));
    // A verb the resource's storage lacks, on a route that exists, is the handler's own.
    let r = api
        .get("/api/v1/componentstatuses?watch=true")
        .await
        .expect(405);
    assert_eq!(
        r["message"],
        "watch is not supported on resources of kind \"componentstatuses\""
    );
}

/// POST creates with 201; PUT and PATCH answer 200; server-side apply 201 when it creates.
#[tokio::test]
async fn create_update_and_apply_codes() {
    let (_server, api) = start().await;
    api.post(CM, &cm("a", json!({}))).await.expect(201);
    api.put(&format!("{CM}/a"), &cm("a", json!({"x": "1"})))
        .await
        .expect(200);
    api.patch(&format!("{CM}/a"), "application/merge-patch+json", "{}")
        .await
        .expect(200);
    let apply =
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s"},"data":{"q":"r"}}"#;
    api.patch(
        &format!("{CM}/s?fieldManager=m"),
        "application/apply-patch+yaml",
        apply,
    )
    .await
    .expect(201);
    api.patch(
        &format!("{CM}/s?fieldManager=m"),
        "application/apply-patch+yaml",
        apply,
    )
    .await
    .expect(200);
}

/// DELETE: a Status Success naming the object when it is gone (details kind is the
/// resource), the object itself while finalizers hold it, and 202 for that case when the
/// client asked `orphanDependents: false`; deletecollection answers the deleted list.
#[tokio::test]
async fn delete_answers() {
    let (_server, api) = start().await;
    api.post(CM, &cm("gone", json!({}))).await.expect(201);
    let gone = api.delete(&format!("{CM}/gone")).await.expect(200);
    assert_keys(
        &gone,
        &["kind", "apiVersion", "metadata", "status", "details"],
    );
    assert_eq!(gone["status"], "Success");
    assert_keys(&gone["details"], &["name", "kind", "uid"]);
    assert_eq!(gone["details"]["kind"], "configmaps");
    let mut held = cm("held", json!({}));
    held["metadata"]["finalizers"] = json!(["example.com/x"]);
    api.post(CM, &held).await.expect(201);
    let obj = api.delete(&format!("{CM}/held")).await.expect(200);
    assert_eq!(obj["kind"], "ConfigMap");
    assert!(obj["metadata"]["deletionTimestamp"].is_string());
    let mut held2 = cm("held2", json!({}));
    held2["metadata"]["finalizers"] = json!(["example.com/x"]);
    api.post(CM, &held2).await.expect(201);
    let accepted = api
        .delete_with(&format!("{CM}/held2"), &json!({"orphanDependents": false}))
        .await
        .expect(202);
    assert_eq!(accepted["kind"], "ConfigMap");
    let list = api.delete(EMPTY_NS).await.expect(200);
    assert_keys(&list, &["kind", "apiVersion", "metadata", "items"]);
    assert_eq!(list["items"], json!([]));
}

/// Discovery documents: `/api` has no apiVersion, `/api/v1` neither, group documents do;
/// aggregated discovery is an `APIGroupDiscoveryList` with the negotiated content type.
#[tokio::test]
async fn discovery_documents() {
    let (_server, api) = start().await;
    let core = api.get("/api").await.expect(200);
    assert_keys(&core, &["kind", "versions", "serverAddressByClientCIDRs"]);
    let groups = api.get("/apis").await.expect(200);
    assert_keys(&groups, &["kind", "apiVersion", "groups"]);
    for g in groups["groups"].as_array().unwrap() {
        assert_keys(g, &["name", "versions", "preferredVersion"]);
    }
    let apps = api.get("/apis/apps").await.expect(200);
    assert_keys(
        &apps,
        &["kind", "apiVersion", "name", "versions", "preferredVersion"],
    );
    let v1 = api.get("/api/v1").await.expect(200);
    assert_keys(&v1, &["kind", "groupVersion", "resources"]);
    let apps_v1 = api.get("/apis/apps/v1").await.expect(200);
    assert_keys(
        &apps_v1,
        &["kind", "apiVersion", "groupVersion", "resources"],
    );
    let cm_res = v1["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "configmaps")
        .unwrap();
    assert_keys(
        cm_res,
        &[
            "name",
            "singularName",
            "namespaced",
            "kind",
            "verbs",
            "shortNames",
            "storageVersionHash",
        ],
    );
    let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    let agg = api.get_accept("/apis", accept).await;
    assert_eq!(agg.header("content-type"), Some(accept));
    let agg = agg.expect(200);
    assert_keys(&agg, &["kind", "apiVersion", "metadata", "items"]);
    assert_eq!(agg["apiVersion"], "apidiscovery.k8s.io/v2");
    let item = &agg["items"][0];
    assert_keys(item, &["metadata", "versions"]);
    assert_keys(&item["versions"][0], &["version", "resources", "freshness"]);
}

/// `/version`, the OpenAPI v3 root, and the health endpoints with `verbose`, `exclude`,
/// single checks and unknown checks.
#[tokio::test]
async fn version_openapi_and_health() {
    let (_server, api) = start().await;
    let version = api.get("/version").await.expect(200);
    for k in [
        "major",
        "minor",
        "gitVersion",
        "gitCommit",
        "gitTreeState",
        "buildDate",
        "goVersion",
        "compiler",
        "platform",
    ] {
        assert!(version.get(k).is_some(), "{k}: {version}");
    }
    let v3 = api.get("/openapi/v3").await.expect(200);
    assert_keys(&v3, &["paths"]);
    for endpoint in ["healthz", "livez", "readyz"] {
        let plain = api.get(&format!("/{endpoint}")).await;
        assert_eq!(plain.text(), "ok");
        assert_eq!(plain.header("x-content-type-options"), Some("nosniff"));
        let verbose = api.get(&format!("/{endpoint}?verbose")).await;
        assert_eq!(verbose.status.as_u16(), 200);
        let text = verbose.text();
        assert!(
            text.starts_with("[+]ping ok\n[+]log ok\n[+]etcd ok\n"),
            "{text}"
        );
        assert!(
            text.ends_with(&format!("{endpoint} check passed\n")),
            "{text}"
        );
        assert_eq!(api.get(&format!("/{endpoint}/ping")).await.text(), "ok");
        api.get(&format!("/{endpoint}/no-such-check"))
            .await
            .expect_page_not_found();
    }
    let excluded = api
        .get("/readyz?verbose&exclude=etcd&exclude=nope")
        .await
        .text();
    assert!(excluded.contains("[+]etcd excluded: ok\n"), "{excluded}");
    assert!(
        excluded.contains("warn: some health checks cannot be excluded: no matches for \"nope\"\n"),
        "{excluded}"
    );
    assert!(excluded.contains("[+]shutdown ok\n"), "{excluded}");
}

/// A 410 `Expired` Status for a GET of `path`.
async fn expired(api: &Api, path: &str) -> Value {
    let r = api.get(path).await.expect(410);
    for (key, value) in [
        ("kind", json!("Status")),
        ("apiVersion", json!("v1")),
        ("status", json!("Failure")),
        ("reason", json!("Expired")),
        ("code", json!(410)),
    ] {
        assert_eq!(r[key], value, "{r}");
    }
    r
}

/// The Status kube-apiserver sends for what `status_errors_have_kube_apiservers_fields`
/// leaves out: 410 `Expired` (a watch from a compacted resourceVersion, as the ERROR event's
/// object; an expired `continue` token, with the token to go on with in `metadata.continue`),
/// 500 `InternalError` (apimachinery's `NewInternalError`: the error also as a cause), 405
/// for a collection whose storage has no deletecollection, and the 400s of selectors that do
/// not parse or name an unknown field.
#[tokio::test]
async fn more_status_errors_have_kube_apiservers_fields() {
    use base64::Engine as _;

    let (server, api) = start().await;
    let base = STATUS_KEYS;
    let check = |v: &Value, code: u16, reason: &str| {
        assert_eq!(v["kind"], "Status", "{v}");
        assert_eq!(v["apiVersion"], "v1");
        assert_eq!(v["status"], "Failure");
        assert_eq!(v["code"], code);
        assert_eq!(v["reason"], reason);
    };
    let first = api.post(CM, &cm("a", json!({}))).await.expect(201);
    let old_rv = first["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    for name in ["b", "c", "d"] {
        api.post(CM, &cm(name, json!({}))).await.expect(201);
    }
    let page = api.get(&format!("{CM}?limit=1")).await.expect(200);
    let token = page["metadata"]["continue"].as_str().unwrap().to_owned();
    let last = api.post(CM, &cm("e", json!({}))).await.expect(201);
    let current = last["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    server.faults().compact_history();

    // A watch from before the compaction: one ERROR event, the cacher's message, no details.
    let mut watch = api
        .watch(&format!("{CM}?watch=true&resourceVersion={old_rv}"))
        .await;
    assert_eq!(watch.status, 200);
    let event = watch.next().await.expect("an ERROR event");
    assert_eq!(event["type"], "ERROR");
    let status = &event["object"];
    assert_keys(status, &base);
    check(status, 410, "Expired");
    assert_eq!(status["metadata"], json!({}));
    assert_eq!(
        status["message"],
        format!("too old resource version: {old_rv} ({current})")
    );

    // A list at a compacted resourceVersion is etcd's (exact reads bypass the watch cache).
    let r = expired(
        &api,
        &format!("{CM}?resourceVersion={old_rv}&resourceVersionMatch=Exact"),
    )
    .await;
    assert_keys(&r, &base);
    assert_eq!(
        r["message"],
        "The resourceVersion for the provided list is too old."
    );

    // An expired continue token: etcd3's message and a token that resumes after the same key
    // at the latest state (resourceVersion -1).
    let r = expired(&api, &format!("{CM}?limit=1&continue={token}")).await;
    assert_keys(&r, &base);
    assert_eq!(
        r["message"],
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
    );
    assert_keys(&r["metadata"], &["continue"]);
    let fresh = r["metadata"]["continue"].as_str().unwrap();
    let decode = |t: &str| -> Value {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t)
            .expect("unpadded URL-safe base64, as kube-apiserver encodes tokens");
        serde_json::from_slice(&raw).unwrap()
    };
    assert_eq!(decode(fresh)["rv"], -1);
    assert_eq!(decode(fresh)["v"], "meta.k8s.io/v1");
    // The next page reads the latest state; the token it hands out carries the
    // resourceVersion it was read at, so the rest of the list is consistent again.
    let next = api
        .get(&format!("{CM}?limit=1&continue={fresh}"))
        .await
        .expect(200);
    let next_token = next["metadata"]["continue"].as_str().unwrap();
    assert_eq!(
        decode(next_token)["rv"].to_string(),
        next["metadata"]["resourceVersion"].as_str().unwrap()
    );
    api.get(&format!("{CM}?limit=1&continue={next_token}"))
        .await
        .expect(200);

    // 500 InternalError from the fault injection, as apimachinery's NewInternalError.
    server
        .faults()
        .set(kclient_testserver::Faults {
            error_every_nth: Some(1),
            error_status: 500,
            ..Default::default()
        })
        .unwrap();
    let r = api.get(CM).await.expect(500);
    server
        .faults()
        .set(kclient_testserver::Faults::default())
        .unwrap();
    assert_keys(&r, &[&base[..], &["details"]].concat());
    check(&r, 500, "InternalError");
    assert_eq!(r["message"], "Internal error occurred: injected fault");
    assert_eq!(
        r["details"],
        json!({"causes": [{"message": "injected fault"}]})
    );

    // Namespaces have no deletecollection: go-restful's 405 for the missing route.
    let r = api
        .send(
            Method::DELETE,
            "/api/v1/namespaces",
            &[("content-type", "application/json")],
            "{}",
        )
        .await
        .expect(405);
    check(&r, 405, "MethodNotAllowed");
    assert_eq!(
        r["message"],
        "the server does not allow this method on the requested resource"
    );

    // Selectors: labels.Parse's and the field-label conversions' messages, as 400s.
    let bad = |r: &Value, message: &str| {
        assert_keys(r, &base);
        check(r, 400, "BadRequest");
        assert_eq!(r["message"], message);
    };
    let r = api
        .get(&format!("{CM}?labelSelector=a%20in%20(x"))
        .await
        .expect(400);
    bad(
        &r,
        "unable to parse requirement: found '', expected: ',' or ')'",
    );
    let r = api
        .get(&format!("{CM}?labelSelector=a%3Db%20c"))
        .await
        .expect(400);
    bad(&r, "found 'c', expected: ',' or 'end of string'");
    let r = api
        .get(&format!("{CM}?fieldSelector=foo%3Dbar"))
        .await
        .expect(400);
    bad(
        &r,
        r#""foo" is not a known field selector: only "metadata.name", "metadata.namespace""#,
    );
    let r = api
        .get("/api/v1/namespaces/default/pods?fieldSelector=foo%3Dbar")
        .await
        .expect(400);
    bad(&r, "field label not supported: foo");
    let r = api
        .get("/api/v1/nodes?fieldSelector=metadata.namespace%3Ddefault")
        .await
        .expect(400);
    bad(&r, "field label not supported: metadata.namespace");
}
