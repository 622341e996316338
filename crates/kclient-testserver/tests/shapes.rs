//! Response shapes as kube-apiserver's, recorded from its Go code (the spec): list items
//! without TypeMeta, Go's plain-text 404 outside every API group, the 415 of an unknown
//! patch type, and bad input (huge `timeoutSeconds`, deep nesting, invalid UTF-8, bodies
//! over the limit) answered without the server falling over.

mod common;

use common::{CM, cm, start};
use http::Method;
use serde_json::{Value, json};

const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";

/// `runtime.Encode` of a typed list leaves its items' TypeMeta empty.
#[tokio::test]
async fn list_items_of_builtin_kinds_carry_no_kind_or_api_version() {
    let (_server, api) = start().await;
    api.post(CM, &cm("a", json!({"x": "1"}))).await.expect(201);
    api.post(CM, &cm("b", json!({"x": "1"}))).await.expect(201);
    let list = api.get(CM).await.expect(200);
    assert_eq!(list["kind"], "ConfigMapList");
    assert_eq!(list["apiVersion"], "v1");
    for item in list["items"].as_array().unwrap() {
        let item = item.as_object().unwrap();
        assert!(
            !item.contains_key("kind") && !item.contains_key("apiVersion"),
            "{item:?}"
        );
        assert_eq!(item["data"]["k"], "v");
    }
    let yaml = api.get_accept(CM, "application/yaml").await;
    assert!(
        !yaml.text().contains("kind: ConfigMap\n"),
        "{}",
        yaml.text()
    );
    // PartialObjectMetadataList items are typed explicitly by kube-apiserver.
    let pom = api
        .get_accept(
            CM,
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
        )
        .await
        .expect(200);
    assert_eq!(pom["items"][0]["kind"], "PartialObjectMetadata");
    // deletecollection answers the deleted objects as a list of the same shape.
    let deleted = api
        .delete(&format!("{CM}?labelSelector=x%3D1"))
        .await
        .expect(200);
    assert_eq!(deleted["kind"], "ConfigMapList");
    assert_eq!(deleted["items"].as_array().unwrap().len(), 2);
    for item in deleted["items"].as_array().unwrap() {
        assert!(item.get("kind").is_none() && item.get("apiVersion").is_none());
    }
}

/// Go's `http.NotFound`, which kube-apiserver's chain ends in for paths no API claims.
#[tokio::test]
async fn paths_outside_every_served_api_answer_plain_text_404() {
    let (_server, api) = start().await;
    for path in [
        "/apis/nope.example.com",
        "/apis/nope.example.com/v1/things",
        "/apis/apps/v9",
        "/apis/apps/v9/namespaces/default/deployments",
        "/nope",
    ] {
        let r = api.get(path).await;
        assert_eq!(r.status.as_u16(), 404, "{path}");
        assert_eq!(r.text(), "404 page not found\n", "{path}");
        assert_eq!(
            r.header("content-type"),
            Some("text/plain; charset=utf-8"),
            "{path}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    // Under a served group-version the API's own handler answers a Status.
    let status = api
        .get("/apis/apps/v1/namespaces/default/widgets")
        .await
        .expect(404);
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "NotFound");
}

/// `negotiation.NewUnsupportedMediaTypeError(patchTypes)`: no details, the types in the
/// installer's order.
#[tokio::test]
async fn unsupported_patch_type_is_kube_apiservers_415() {
    let (_server, api) = start().await;
    api.post(CM, &cm("a", json!({}))).await.expect(201);
    let r = api.patch(&format!("{CM}/a"), "text/plain", "{}").await;
    assert_eq!(
        r.expect(415),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
            "reason": "UnsupportedMediaType", "code": 415})
    );
}

/// `time.Duration(timeoutSeconds) * time.Second` wraps in Go: near `i64::MAX` the watch
/// gets a negative timeout and ends at once; zero means the server's default.
#[tokio::test]
async fn watch_timeout_seconds_follow_go_duration_arithmetic() {
    let (_server, api) = start().await;
    let mut huge = api
        .watch(&format!("{CM}?watch=true&timeoutSeconds={}", i64::MAX))
        .await;
    assert_eq!(huge.status.as_u16(), 200);
    assert_eq!(huge.next().await, None);
    let mut negative = api
        .watch(&format!("{CM}?watch=true&timeoutSeconds=-5"))
        .await;
    assert_eq!(negative.next().await, None);
    let mut zero = api
        .watch(&format!("{CM}?watch=true&timeoutSeconds=0"))
        .await;
    api.post(CM, &cm("after", json!({}))).await.expect(201);
    let ev = zero
        .next()
        .await
        .expect("a default-timeout watch stays open");
    assert_eq!(ev["object"]["metadata"]["name"], "after");
    api.get(CM).await.expect(200);
}

fn deployment(name: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "finalizers": ["example.com/hold"]},
        "spec": {"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
}

/// `markAsDeleting` / `BeforeDelete`: setting deletionTimestamp bumps a tracked
/// generation once; objects without one get none.
#[tokio::test]
async fn setting_deletion_timestamp_bumps_generation() {
    let (_server, api) = start().await;
    let created = api.post(DEPLOYMENTS, &deployment("d")).await.expect(201);
    assert_eq!(created["metadata"]["generation"], 1);
    let deleting = api.delete(&format!("{DEPLOYMENTS}/d")).await.expect(200);
    assert!(deleting["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(deleting["metadata"]["generation"], 2);
    // A second delete while deleting changes nothing.
    let again = api.delete(&format!("{DEPLOYMENTS}/d")).await.expect(200);
    assert_eq!(again["metadata"]["generation"], 2);
    let mut held = cm("held", json!({}));
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    api.post(CM, &held).await.expect(201);
    let cm_deleting = api.delete(&format!("{CM}/held")).await.expect(200);
    assert!(cm_deleting["metadata"].get("generation").is_none());
}

/// Hostile bodies get a 4xx Status and the server keeps serving.
#[tokio::test]
async fn bad_input_never_takes_the_server_down() {
    let (_server, api) = start().await;
    api.post(CM, &cm("a", json!({}))).await.expect(201);
    let json_ct = [("content-type", "application/json")];
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!(
        "{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"d\"}},\"data\":{}1{}}}",
        "{\"a\":".repeat(50_000),
        "}".repeat(50_000)
    );
    let deep_yaml = format!("{}1{}", "[".repeat(50_000), "]".repeat(50_000));
    let invalid_utf8: Vec<u8> =
        b"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"\xff\xfe\"}}"
            .to_vec();
    let cases: Vec<(Method, String, &str, Vec<u8>)> = vec![
        (
            Method::POST,
            CM.into(),
            "application/json",
            deep_json.clone().into_bytes(),
        ),
        (
            Method::POST,
            CM.into(),
            "application/json",
            deep_object.clone().into_bytes(),
        ),
        (
            Method::POST,
            CM.into(),
            "application/yaml",
            deep_yaml.clone().into_bytes(),
        ),
        (
            Method::POST,
            CM.into(),
            "application/json",
            invalid_utf8.clone(),
        ),
        (
            Method::PUT,
            format!("{CM}/a"),
            "application/json",
            invalid_utf8.clone(),
        ),
        (
            Method::PATCH,
            format!("{CM}/a"),
            "application/merge-patch+json",
            deep_object.clone().into_bytes(),
        ),
        (
            Method::PATCH,
            format!("{CM}/a"),
            "application/strategic-merge-patch+json",
            deep_object.clone().into_bytes(),
        ),
        (
            Method::PATCH,
            format!("{CM}/a"),
            "application/json-patch+json",
            deep_json.clone().into_bytes(),
        ),
        (
            Method::PATCH,
            format!("{CM}/a?fieldManager=m"),
            "application/apply-patch+yaml",
            deep_yaml.clone().into_bytes(),
        ),
        (
            Method::PATCH,
            format!("{CM}/a"),
            "application/merge-patch+json",
            invalid_utf8.clone(),
        ),
        (
            Method::DELETE,
            format!("{CM}/a"),
            "application/json",
            deep_json.into_bytes(),
        ),
    ];
    for (method, path, content_type, body) in cases {
        let r = api
            .send(
                method.clone(),
                &path,
                &[("content-type", content_type)],
                body,
            )
            .await;
        let code = r.status.as_u16();
        assert!(
            (400..500).contains(&code),
            "{method} {path} {content_type}: {code} {}",
            r.text()
        );
        assert_eq!(r.json()["kind"], "Status", "{method} {path} {content_type}");
    }
    // One byte over kube-apiserver's 3 MiB request limit.
    let r = api
        .send(Method::POST, CM, &json_ct, vec![b' '; 3 * 1024 * 1024 + 1])
        .await;
    assert_eq!(
        r.expect(413)["message"],
        "Request entity too large: limit is 3145728"
    );
    // Still serving, and nothing changed.
    let got = api.get(&format!("{CM}/a")).await.expect(200);
    assert_eq!(got["data"]["k"], "v");
}
