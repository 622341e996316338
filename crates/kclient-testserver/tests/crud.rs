//! Create, read, update and delete over HTTPS with kube-apiserver's semantics and errors.

mod common;

use common::{CM, cm, start};
use http::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn create_get_update_delete() {
    let (_server, api) = start().await;
    let created = api.post(CM, &cm("a", json!({"x": "1"}))).await.expect(201);
    let meta = &created["metadata"];
    assert_eq!(meta["namespace"], "default");
    assert_eq!(meta["uid"].as_str().unwrap().len(), 36);
    let ts = meta["creationTimestamp"].as_str().unwrap();
    assert!(
        ts.ends_with('Z') && ts.len() == 20,
        "RFC 3339 seconds: {ts}"
    );
    assert!(
        meta.get("generation").is_none(),
        "configmaps have no generation"
    );
    let rv1: u64 = meta["resourceVersion"].as_str().unwrap().parse().unwrap();

    let got = api.get(&format!("{CM}/a")).await.expect(200);
    assert_eq!(got, created);

    let mut changed = got.clone();
    changed["data"]["k"] = json!("w");
    let updated = api.put(&format!("{CM}/a"), &changed).await.expect(200);
    let rv2: u64 = updated["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(rv2 > rv1);
    assert_eq!(updated["metadata"]["uid"], meta["uid"]);

    // The same update again carries a stale resourceVersion.
    let conflict = api.put(&format!("{CM}/a"), &changed).await.expect(409);
    assert_eq!(conflict["reason"], "Conflict");
    assert_eq!(
        conflict["message"],
        "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again"
    );

    // An update without resourceVersion is unconditional.
    let mut unconditional = changed.clone();
    unconditional["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    unconditional["data"]["k"] = json!("z");
    api.put(&format!("{CM}/a"), &unconditional)
        .await
        .expect(200);

    let status = api.delete(&format!("{CM}/a")).await.expect(200);
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["status"], "Success");
    assert_eq!(status["details"]["name"], "a");
    assert_eq!(status["details"]["kind"], "configmaps");

    let missing = api.get(&format!("{CM}/a")).await.expect(404);
    assert_eq!(missing["reason"], "NotFound");
    assert_eq!(missing["message"], "configmaps \"a\" not found");
    assert_eq!(missing["details"]["name"], "a");
    api.delete(&format!("{CM}/a")).await.expect(404);
}

#[tokio::test]
async fn already_exists_and_generate_name() {
    let (_server, api) = start().await;
    api.post(CM, &cm("dup", json!({}))).await.expect(201);
    let err = api.post(CM, &cm("dup", json!({}))).await.expect(409);
    assert_eq!(err["reason"], "AlreadyExists");
    assert_eq!(err["message"], "configmaps \"dup\" already exists");

    let body =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "gen-"}});
    let a = api.post(CM, &body).await.expect(201);
    let b = api.post(CM, &body).await.expect(201);
    let name = a["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");
    assert_ne!(a["metadata"]["name"], b["metadata"]["name"]);
    assert_eq!(a["metadata"]["generateName"], "gen-");
}

#[tokio::test]
async fn invalid_objects() {
    let (_server, api) = start().await;
    let err = api
        .post(
            CM,
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}),
        )
        .await
        .expect(422);
    assert_eq!(err["reason"], "Invalid");
    assert_eq!(
        err["message"],
        "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
    );
    let err = api.post(CM, &cm("Bad_Name", json!({}))).await.expect(422);
    assert_eq!(err["details"]["causes"][0]["field"], "metadata.name");
    assert_eq!(err["details"]["causes"][0]["reason"], "FieldValueInvalid");
    assert!(err["message"].as_str().unwrap().starts_with(
        "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"
    ));
    let err = api
        .post(CM, &cm("ok", json!({"bad key!": "v"})))
        .await
        .expect(422);
    assert_eq!(err["details"]["causes"][0]["field"], "metadata.labels");

    // Namespace in the body must match the URL.
    let mut other = cm("ns", json!({}));
    other["metadata"]["namespace"] = json!("kube-system");
    let err = api.post(CM, &other).await.expect(400);
    assert_eq!(
        err["message"],
        "the namespace of the provided object does not match the namespace sent on the request"
    );
    // Objects in a missing namespace are rejected like kube-apiserver does.
    let err = api
        .post("/api/v1/namespaces/nope/configmaps", &cm("x", json!({})))
        .await
        .expect(404);
    assert_eq!(err["message"], "namespaces \"nope\" not found");
    // Type errors are decode errors.
    let bad = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "t"}, "data": {"k": 1}});
    let err = api.post(CM, &bad).await.expect(400);
    assert_eq!(err["reason"], "BadRequest");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("ConfigMap in version \"v1\" cannot be handled as a ConfigMap:")
    );
    // Unknown fields: Strict rejects, Warn (the default) warns.
    let unknown =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "u"}, "bogus": true});
    let err = api
        .post(&format!("{CM}?fieldValidation=Strict"), &unknown)
        .await
        .expect(400);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .ends_with("strict decoding error: unknown field \"bogus\"")
    );
    let resp = api.post(CM, &unknown).await;
    resp.expect(201);
    assert_eq!(
        resp.header("warning"),
        Some("299 - \"unknown field \\\"bogus\\\"\"")
    );
    // A body for another group-version is a bad request.
    let wrong = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"}});
    api.post(CM, &wrong).await.expect(400);
}

#[tokio::test]
async fn dry_run_does_not_store() {
    let (_server, api) = start().await;
    let before = api.get(CM).await.expect(200)["metadata"]["resourceVersion"].clone();
    let created = api
        .post(&format!("{CM}?dryRun=All"), &cm("dry", json!({})))
        .await
        .expect(201);
    assert_eq!(created["metadata"]["name"], "dry");
    assert!(created["metadata"]["uid"].is_string());
    api.get(&format!("{CM}/dry")).await.expect(404);
    let after = api.get(CM).await.expect(200)["metadata"]["resourceVersion"].clone();
    assert_eq!(before, after);
    api.post(&format!("{CM}?dryRun=Maybe"), &cm("dry", json!({})))
        .await
        .expect(422);

    api.post(CM, &cm("real", json!({}))).await.expect(201);
    api.delete(&format!("{CM}/real?dryRun=All"))
        .await
        .expect(200);
    api.get(&format!("{CM}/real")).await.expect(200);
}

#[tokio::test]
async fn finalizers_hold_deletion() {
    let (_server, api) = start().await;
    let mut obj = cm("held", json!({}));
    obj["metadata"]["finalizers"] = json!(["example.com/hold"]);
    api.post(CM, &obj).await.expect(201);
    let deleting = api.delete(&format!("{CM}/held")).await.expect(200);
    assert!(deleting["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(deleting["metadata"]["deletionGracePeriodSeconds"], 0);
    let still = api.get(&format!("{CM}/held")).await.expect(200);
    // Deleting again changes nothing.
    let again = api.delete(&format!("{CM}/held")).await.expect(200);
    assert_eq!(
        again["metadata"]["resourceVersion"],
        still["metadata"]["resourceVersion"]
    );
    // No new finalizers while deleting.
    let mut more = still.clone();
    more["metadata"]["finalizers"] = json!(["example.com/hold", "example.com/other"]);
    api.put(&format!("{CM}/held"), &more).await.expect(422);
    // Removing the last finalizer deletes the object.
    let mut released = still.clone();
    released["metadata"]["finalizers"] = json!([]);
    api.put(&format!("{CM}/held"), &released).await.expect(200);
    api.get(&format!("{CM}/held")).await.expect(404);
}

#[tokio::test]
async fn delete_preconditions() {
    let (_server, api) = start().await;
    let created = api.post(CM, &cm("p", json!({}))).await.expect(201);
    let err = api
        .delete_with(
            &format!("{CM}/p"),
            &json!({"preconditions": {"uid": "nope"}}),
        )
        .await
        .expect(409);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("Precondition failed: UID in precondition: nope")
    );
    let uid = created["metadata"]["uid"].clone();
    api.delete_with(
        &format!("{CM}/p"),
        &json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid}, "propagationPolicy": "Background"}),
    )
    .await
    .expect(200);
}

const DEPLOY: &str = "/apis/apps/v1/namespaces/default/deployments";

fn deployment(name: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
        },
        "status": {"replicas": 99},
    })
}

#[tokio::test]
async fn status_subresource_and_generation() {
    let (_server, api) = start().await;
    let d = api.post(DEPLOY, &deployment("web")).await.expect(201);
    assert_eq!(d["metadata"]["generation"], 1);
    assert_eq!(d["status"], json!({}), "status is reset on create");

    let mut with_status = d.clone();
    with_status["status"] = json!({"replicas": 2, "readyReplicas": 2});
    with_status["spec"]["replicas"] = json!(7);
    let s = api
        .put(&format!("{DEPLOY}/web/status"), &with_status)
        .await
        .expect(200);
    assert_eq!(s["status"]["readyReplicas"], 2);
    assert_eq!(s["spec"]["replicas"], 2, "status writes ignore spec");
    assert_eq!(s["metadata"]["generation"], 1);

    let mut label_only = s.clone();
    label_only["metadata"]["labels"]["extra"] = json!("1");
    label_only["status"] = json!({});
    let l = api
        .put(&format!("{DEPLOY}/web"), &label_only)
        .await
        .expect(200);
    assert_eq!(
        l["metadata"]["generation"], 1,
        "metadata changes keep generation"
    );
    assert_eq!(l["status"]["readyReplicas"], 2, "main writes ignore status");

    let mut spec_change = l.clone();
    spec_change["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2");
    let g = api
        .put(&format!("{DEPLOY}/web"), &spec_change)
        .await
        .expect(200);
    assert_eq!(g["metadata"]["generation"], 2);

    // Status patches only touch status.
    let p = api
        .patch(
            &format!("{DEPLOY}/web/status"),
            "application/merge-patch+json",
            r#"{"status":{"availableReplicas":1},"spec":{"replicas":9}}"#,
        )
        .await
        .expect(200);
    assert_eq!(p["status"]["availableReplicas"], 1);
    assert_eq!(p["spec"]["replicas"], 2);
}

#[tokio::test]
async fn scale_subresource() {
    let (_server, api) = start().await;
    api.post(DEPLOY, &deployment("sc")).await.expect(201);
    let scale = api.get(&format!("{DEPLOY}/sc/scale")).await.expect(200);
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["apiVersion"], "autoscaling/v1");
    assert_eq!(scale["spec"]["replicas"], 2);
    assert_eq!(scale["status"]["selector"], "app=sc");
    let mut up = scale.clone();
    up["spec"]["replicas"] = json!(5);
    let after = api
        .put(&format!("{DEPLOY}/sc/scale"), &up)
        .await
        .expect(200);
    assert_eq!(after["spec"]["replicas"], 5);
    let d = api.get(&format!("{DEPLOY}/sc")).await.expect(200);
    assert_eq!(d["spec"]["replicas"], 5);
    assert_eq!(d["metadata"]["generation"], 2);
    // The stale scale is a conflict.
    api.put(&format!("{DEPLOY}/sc/scale"), &up)
        .await
        .expect(409);
    let patched = api
        .patch(
            &format!("{DEPLOY}/sc/scale"),
            "application/merge-patch+json",
            r#"{"spec":{"replicas":1}}"#,
        )
        .await
        .expect(200);
    assert_eq!(patched["spec"]["replicas"], 1);
    // Configmaps have no scale subresource.
    api.post(CM, &cm("x", json!({}))).await.expect(201);
    api.get(&format!("{CM}/x/scale")).await.expect(404);
}

#[tokio::test]
async fn delete_collection_with_selector() {
    let (_server, api) = start().await;
    for (n, team) in [("a", "red"), ("b", "red"), ("c", "blue")] {
        api.post(CM, &cm(n, json!({"team": team})))
            .await
            .expect(201);
    }
    let resp = api
        .send(
            Method::DELETE,
            &format!("{CM}?labelSelector=team%3Dred"),
            &[],
            "",
        )
        .await;
    let list = resp.expect(200);
    assert_eq!(list["kind"], "ConfigMapList");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let left = api.get(CM).await.expect(200);
    let names: Vec<&str> = left["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c"]);
}

#[tokio::test]
async fn namespace_lifecycle() {
    let (_server, api) = start().await;
    let names: Vec<String> = api.get("/api/v1/namespaces").await.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );

    let ns = json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "team", "finalizers": ["example.com/hold"]}});
    let created = api.post("/api/v1/namespaces", &ns).await.expect(201);
    assert_eq!(created["status"]["phase"], "Active");
    assert_eq!(created["spec"]["finalizers"], json!(["kubernetes"]));
    api.post(
        "/api/v1/namespaces/team/configmaps",
        &cm("inside", json!({})),
    )
    .await
    .expect(201);

    let deleting = api.delete("/api/v1/namespaces/team").await.expect(200);
    assert_eq!(deleting["status"]["phase"], "Terminating");
    let err = api
        .post("/api/v1/namespaces/team/configmaps", &cm("late", json!({})))
        .await
        .expect(403);
    assert_eq!(err["reason"], "Forbidden");
    assert_eq!(
        err["details"]["causes"][0]["reason"],
        "NamespaceTerminating"
    );
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("because it is being terminated")
    );

    // The namespace controller empties the namespace.
    let mut emptied = false;
    for _ in 0..100 {
        let list = api
            .get("/api/v1/namespaces/team/configmaps")
            .await
            .expect(200);
        if list["items"].as_array().unwrap().is_empty() {
            emptied = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(emptied);
    let mut ns_now = api.get("/api/v1/namespaces/team").await.expect(200);
    for _ in 0..100 {
        if ns_now["spec"]["finalizers"] == json!([]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        ns_now = api.get("/api/v1/namespaces/team").await.expect(200);
    }
    assert_eq!(ns_now["spec"]["finalizers"], json!([]));
    ns_now["metadata"]["finalizers"] = json!([]);
    api.put("/api/v1/namespaces/team", &ns_now)
        .await
        .expect(200);
    api.get("/api/v1/namespaces/team").await.expect(404);

    let err = api.delete("/api/v1/namespaces/default").await.expect(403);
    assert_eq!(
        err["message"],
        "namespaces \"default\" is forbidden: this namespace may not be deleted"
    );
}

#[tokio::test]
async fn one_resource_version_counter() {
    let (_server, api) = start().await;
    let a = api.post(CM, &cm("a", json!({}))).await.expect(201);
    let d = api.post(DEPLOY, &deployment("d")).await.expect(201);
    let b = api.post(CM, &cm("b", json!({}))).await.expect(201);
    let rv = |v: &Value| {
        v["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(rv(&a) < rv(&d) && rv(&d) < rv(&b));
}

#[tokio::test]
async fn bad_requests_never_break_the_server() {
    let (_server, api) = start().await;
    api.post(CM, &cm("keep", json!({}))).await.expect(201);
    let r = api
        .send(
            Method::POST,
            CM,
            &[("content-type", "application/json")],
            "{not json",
        )
        .await;
    assert_eq!(r.expect(400)["reason"], "BadRequest");
    let r = api
        .send(Method::POST, CM, &[("content-type", "text/plain")], "{}")
        .await;
    assert_eq!(r.expect(415)["reason"], "UnsupportedMediaType");
    let big = vec![b' '; 3 * 1024 * 1024 + 10];
    let r = api
        .send(
            Method::POST,
            CM,
            &[("content-type", "application/json")],
            big,
        )
        .await;
    let status = r.expect(413);
    assert_eq!(status["reason"], "RequestEntityTooLarge");
    let r = api
        .get("/api/v1/namespaces/default/widgets")
        .await
        .expect(404);
    assert_eq!(
        r["message"],
        "the server could not find the requested resource"
    );
    api.get("/apis/nope.example.com/v1/things")
        .await
        .expect_page_not_found();
    api.get("/api/v1/namespaces/default/configmaps/a/b/c")
        .await
        .expect(404);
    let r = api
        .send(
            Method::POST,
            &format!("{CM}/named"),
            &[("content-type", "application/json")],
            "{}",
        )
        .await;
    assert_eq!(r.expect(405)["reason"], "MethodNotAllowed");
    // Cluster-scoped resources have no namespaced paths.
    api.get("/api/v1/namespaces/default/nodes")
        .await
        .expect(404);
    // Nothing was lost.
    api.get(&format!("{CM}/keep")).await.expect(200);
}

#[tokio::test]
async fn yaml_bodies_and_output() {
    let (_server, api) = start().await;
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n";
    api.send(
        Method::POST,
        CM,
        &[("content-type", "application/yaml")],
        yaml,
    )
    .await
    .expect(201);
    let r = api.get_accept(&format!("{CM}/y"), "application/yaml").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/yaml"));
    assert!(r.text().contains("name: y"));
    // Built-in kinds are served in protobuf too (tests/protobuf.rs); what nothing serves is 406.
    let r = api
        .get_accept(&format!("{CM}/y"), "application/vnd.kubernetes.protobuf")
        .await;
    assert_eq!(r.status, 200);
    let cm: Value = kclient_protobuf::decode_object(&r.body).unwrap();
    assert_eq!(cm["data"]["k"], "v");
    let r = api.get_accept(&format!("{CM}/y"), "text/html").await;
    assert_eq!(r.expect(406)["reason"], "NotAcceptable");
}
