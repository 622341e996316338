//! PATCH: JSON patch, merge patch, strategic merge patch and server-side apply.

mod common;

use common::{CM, cm, start};
use http::Method;
use serde_json::json;

#[tokio::test]
async fn json_merge_and_strategic_patches() {
    let (_server, api) = start().await;
    api.post(CM, &cm("p", json!({"a": "1"}))).await.expect(201);
    let path = format!("{CM}/p");
    let j = api
        .patch(
            &path,
            "application/json-patch+json",
            r#"[{"op":"add","path":"/data/j","value":"x"}]"#,
        )
        .await
        .expect(200);
    assert_eq!(j["data"]["j"], "x");
    let m = api
        .patch(
            &path,
            "application/merge-patch+json",
            r#"{"data":{"j":null,"m":"y"}}"#,
        )
        .await
        .expect(200);
    assert!(m["data"].get("j").is_none());
    assert_eq!(m["data"]["m"], "y");
    let s = api
        .patch(
            &path,
            "application/strategic-merge-patch+json",
            r#"{"metadata":{"labels":{"s":"z"}}}"#,
        )
        .await
        .expect(200);
    assert_eq!(s["metadata"]["labels"], json!({"a": "1", "s": "z"}));

    // A no-op patch does not bump the resourceVersion.
    let again = api
        .patch(
            &path,
            "application/merge-patch+json",
            r#"{"data":{"m":"y"}}"#,
        )
        .await
        .expect(200);
    assert_eq!(
        again["metadata"]["resourceVersion"],
        s["metadata"]["resourceVersion"]
    );

    // A JSON patch test failure is unprocessable; malformed patches are bad requests.
    api.patch(
        &path,
        "application/json-patch+json",
        r#"[{"op":"test","path":"/data/m","value":"no"}]"#,
    )
    .await
    .expect(422);
    api.patch(&path, "application/json-patch+json", r#"{"not":"a list"}"#)
        .await
        .expect(400);
    api.patch(&path, "application/merge-patch+json", "{")
        .await
        .expect(400);
    api.patch(&path, "text/plain", "{}").await.expect(415);
    // A stale resourceVersion in a patch is a conflict.
    api.patch(
        &path,
        "application/merge-patch+json",
        r#"{"metadata":{"resourceVersion":"1"}}"#,
    )
    .await
    .expect(409);
    // Patching something missing is a 404.
    let err = api
        .patch(
            &format!("{CM}/missing"),
            "application/merge-patch+json",
            "{}",
        )
        .await
        .expect(404);
    assert_eq!(err["message"], "configmaps \"missing\" not found");
    // Names cannot change.
    api.patch(
        &path,
        "application/merge-patch+json",
        r#"{"metadata":{"name":"other"}}"#,
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn server_side_apply() {
    let (_server, api) = start().await;
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: \"1\"\n";
    let path = format!("{CM}/ssa");
    // fieldManager is required.
    let err = api
        .patch(&path, "application/apply-patch+yaml", yaml)
        .await
        .expect(422);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("fieldManager: Required value")
    );
    // Applying a missing object creates it.
    let created = api
        .patch(
            &format!("{path}?fieldManager=tester"),
            "application/apply-patch+yaml",
            yaml,
        )
        .await
        .expect(201);
    assert_eq!(created["data"]["a"], "1");
    // JSON is YAML too.
    let json_body =
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"a":"2"}}"#;
    let updated = api
        .patch(
            &format!("{path}?fieldManager=tester"),
            "application/apply-patch+yaml",
            json_body,
        )
        .await
        .expect(200);
    assert_eq!(updated["data"]["a"], "2");
    // Another manager changing an owned field conflicts; force takes it over.
    let theirs = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: \"3\"\n";
    let err = api
        .patch(
            &format!("{path}?fieldManager=intruder"),
            "application/apply-patch+yaml",
            theirs,
        )
        .await
        .expect(409);
    assert_eq!(err["reason"], "Conflict");
    assert_eq!(
        err["message"],
        "Apply failed with 1 conflict: conflict with \"tester\": .data.a"
    );
    assert_eq!(
        err["details"]["causes"][0]["reason"],
        "FieldManagerConflict"
    );
    assert_eq!(err["details"]["causes"][0]["field"], ".data.a");
    let forced = api
        .patch(
            &format!("{path}?fieldManager=intruder&force=true"),
            "application/apply-patch+yaml",
            theirs,
        )
        .await
        .expect(200);
    assert_eq!(forced["data"]["a"], "3");
    let managers: Vec<&str> = forced["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["manager"].as_str().unwrap())
        .collect();
    assert!(managers.contains(&"intruder"), "{managers:?}");
    // force is only for apply.
    api.patch(
        &format!("{path}?force=true"),
        "application/merge-patch+json",
        "{}",
    )
    .await
    .expect(422);
    // A body naming another object is rejected.
    let other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: else\n";
    api.patch(
        &format!("{path}?fieldManager=tester"),
        "application/apply-patch+yaml",
        other,
    )
    .await
    .expect(400);
    api.send(
        Method::PATCH,
        &format!("{path}?fieldManager=t"),
        &[("content-type", "application/apply-patch+yaml")],
        "a: [",
    )
    .await
    .expect(400);
}
