use serde_json::{Value, json};

use super::*;

const T0: &str = "2024-05-01T10:00:00Z";
const T1: &str = "2024-05-01T10:05:00Z";
const T2: &str = "2024-05-01T10:10:00Z";

fn config(replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": image}]}
            }
        }
    })
}

fn apply_as(
    live: Option<&Value>,
    cfg: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<Value, ApplyError> {
    apply(live, cfg, manager, force, now, "apps", "Deployment")
}

/// What the server adds on create.
fn stored(mut v: Value) -> Value {
    let meta = v["metadata"].as_object_mut().unwrap();
    meta.insert("uid".into(), json!("uid-1"));
    meta.insert("resourceVersion".into(), json!("10"));
    meta.insert("creationTimestamp".into(), json!(T0));
    meta.insert("generation".into(), json!(1));
    v
}

fn entries(obj: &Value) -> &Vec<Value> {
    obj["metadata"]["managedFields"].as_array().unwrap()
}

fn entry<'a>(obj: &'a Value, manager: &str) -> &'a Value {
    entries(obj)
        .iter()
        .find(|e| e["manager"] == manager)
        .unwrap_or_else(|| panic!("no entry for {manager}: {obj}"))
}

fn conflicts(err: ApplyError) -> Vec<FieldConflict> {
    match err {
        ApplyError::Conflict { conflicts } => conflicts,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn create_by_apply_records_one_apply_entry_with_kube_shaped_fields_v1() {
    let obj = apply_as(None, &config(2, "nginx:1"), "kubectl", false, T0).unwrap();
    assert_eq!(obj["spec"]["replicas"], 2);
    let mf = entries(&obj);
    assert_eq!(mf.len(), 1);
    assert_eq!(
        mf[0],
        json!({
            "manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {
                    "f:replicas": {},
                    "f:selector": {"f:matchLabels": {"f:app": {}}},
                    "f:template": {
                        "f:metadata": {"f:labels": {"f:app": {}}},
                        "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                            ".": {}, "f:image": {}, "f:name": {}
                        }}}
                    }
                }
            }
        })
    );
}

#[test]
fn reapplying_without_a_field_removes_it_and_keeps_server_metadata() {
    let mut cfg = config(2, "nginx:1");
    cfg["metadata"]["labels"]["team"] = json!("a");
    cfg["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "sidecar", "image": "busybox"}));
    cfg["spec"]["paused"] = json!(false);
    let live = stored(apply_as(None, &cfg, "kubectl", false, T0).unwrap());

    let next = config(3, "nginx:2");
    let obj = apply_as(Some(&live), &next, "kubectl", false, T1).unwrap();
    assert_eq!(obj["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(obj["spec"]["replicas"], 3);
    assert!(obj["spec"].get("paused").is_none());
    let containers = obj["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0]["image"], "nginx:2");
    for k in ["uid", "resourceVersion", "creationTimestamp", "generation"] {
        assert_eq!(obj["metadata"][k], live["metadata"][k], "{k}");
    }
    assert_eq!(entries(&obj).len(), 1);
    assert_eq!(entry(&obj, "kubectl")["time"], T1);

    // Dropping every label drops the map, since nobody owns anything in it.
    let mut bare = config(3, "nginx:2");
    bare["metadata"].as_object_mut().unwrap().remove("labels");
    let obj = apply_as(Some(&obj), &bare, "kubectl", false, T2).unwrap();
    assert!(obj["metadata"].get("labels").is_none());
}

#[test]
fn fields_another_manager_owns_survive_removal_from_the_config() {
    let live = stored(apply_as(None, &config(2, "nginx:1"), "kubectl", false, T0).unwrap());
    let mut shared = live.clone();
    shared["metadata"]["labels"]["team"] = json!("a");
    record_update(Some(&live), &mut shared, "labeler", None, T1);

    let mut cfg = config(2, "nginx:1");
    cfg["metadata"]["labels"]["team"] = json!("a");
    let both = apply_as(Some(&shared), &cfg, "kubectl", false, T1).unwrap();
    let without = apply_as(Some(&both), &config(2, "nginx:1"), "kubectl", false, T2).unwrap();
    assert_eq!(
        without["metadata"]["labels"],
        json!({"app": "web", "team": "a"})
    );
    assert_eq!(
        entry(&without, "labeler")["fieldsV1"],
        json!({"f:metadata": {"f:labels": {"f:team": {}}}})
    );
}

#[test]
fn two_appliers_conflict_on_replicas_and_force_moves_ownership() {
    let live = stored(apply_as(None, &config(2, "nginx:1"), "helm", false, T0).unwrap());
    let err = apply_as(Some(&live), &config(5, "nginx:1"), "argocd", false, T1).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "helm": .spec.replicas"#
    );
    assert_eq!(err.code(), 409);
    let c = conflicts(err);
    assert_eq!(c[0].field, ".spec.replicas");
    assert_eq!(c[0].manager, "helm");

    let forced = apply_as(Some(&live), &config(5, "nginx:1"), "argocd", true, T1).unwrap();
    assert_eq!(forced["spec"]["replicas"], 5);
    let helm = &entry(&forced, "helm")["fieldsV1"]["f:spec"];
    assert!(helm.get("f:replicas").is_none());
    assert!(helm.get("f:selector").is_some());
    assert_eq!(
        entry(&forced, "argocd")["fieldsV1"]["f:spec"]["f:replicas"],
        json!({})
    );

    // helm now conflicts with argocd on replicas.
    let err = apply_as(Some(&forced), &config(2, "nginx:1"), "helm", false, T2).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "argocd": .spec.replicas"#
    );
}

#[test]
fn equal_values_are_shared_not_conflicting() {
    let live = stored(apply_as(None, &config(2, "nginx:1"), "helm", false, T0).unwrap());
    let obj = apply_as(Some(&live), &config(2, "nginx:1"), "argocd", false, T1).unwrap();
    assert_eq!(entries(&obj).len(), 2);
    for m in ["helm", "argocd"] {
        assert_eq!(
            entry(&obj, m)["fieldsV1"]["f:spec"]["f:replicas"],
            json!({}),
            "{m}"
        );
    }
    // Nothing changed, so helm's timestamp stays.
    assert_eq!(entry(&obj, "helm")["time"], T0);
}

#[test]
fn scale_like_update_then_apply_conflicts_with_kube_status() {
    let live = stored(apply_as(None, &config(2, "nginx:1"), "kubectl", false, T0).unwrap());
    let mut scaled = live.clone();
    scaled["spec"]["replicas"] = json!(6);
    record_update(
        Some(&live),
        &mut scaled,
        "kubectl-client-side-apply",
        None,
        T1,
    );
    let updater = entry(&scaled, "kubectl-client-side-apply");
    assert_eq!(updater["operation"], "Update");
    assert_eq!(updater["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    assert!(
        entry(&scaled, "kubectl")["fieldsV1"]["f:spec"]
            .get("f:replicas")
            .is_none()
    );

    let err = apply_as(Some(&scaled), &config(3, "nginx:1"), "kubectl", false, T2).unwrap_err();
    let msg = r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#;
    assert_eq!(err.to_string(), msg);
    let st = err.to_status("apps", "deployments", "web");
    assert_eq!(st.code, Some(409));
    assert_eq!(st.reason.as_deref(), Some("Conflict"));
    assert_eq!(st.message.as_deref(), Some(msg));
    let details = st.details.unwrap();
    assert_eq!(details.name.as_deref(), Some("web"));
    assert_eq!(details.kind.as_deref(), Some("deployments"));
    let causes = details.causes.unwrap();
    assert_eq!(causes.len(), 1);
    assert_eq!(causes[0].reason.as_deref(), Some("FieldManagerConflict"));
    assert_eq!(
        causes[0].message.as_deref(),
        Some(r#"conflict with "kubectl-client-side-apply" using apps/v1"#)
    );
    assert_eq!(causes[0].field.as_deref(), Some(".spec.replicas"));

    // Applying the value the updater set is no conflict.
    assert!(apply_as(Some(&scaled), &config(6, "nginx:1"), "kubectl", false, T2).is_ok());
}

#[test]
fn several_conflicts_are_listed_per_manager() {
    let live = stored(apply_as(None, &config(2, "nginx:1"), "kubectl", false, T0).unwrap());
    let mut scaled = live.clone();
    scaled["spec"]["replicas"] = json!(6);
    record_update(Some(&live), &mut scaled, "hpa", Some("scale"), T1);
    let mut cfg = config(3, "nginx:9");
    cfg["metadata"]["labels"]["app"] = json!("other");
    let err = apply_as(Some(&scaled), &cfg, "ci", false, T2).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Apply failed with 3 conflicts: conflicts with \"hpa\" with subresource \"scale\" using apps/v1:\n\
         - .spec.replicas\n\
         conflicts with \"kubectl\":\n\
         - .metadata.labels.app\n\
         - .spec.template.spec.containers[name=\"nginx\"].image"
    );
    let st = err.to_status("apps", "deployments", "web");
    let causes = st.details.unwrap().causes.unwrap();
    assert_eq!(causes.len(), 3);
    assert_eq!(
        causes[0].message.as_deref(),
        Some(r#"conflict with "hpa" with subresource "scale" using apps/v1"#)
    );
    assert_eq!(
        causes[1].message.as_deref(),
        Some(r#"conflict with "kubectl""#)
    );
}

#[test]
fn list_items_are_owned_per_key() {
    let live = stored(apply_as(None, &config(2, "nginx:1"), "team-a", false, T0).unwrap());
    let sidecar = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "proxy", "image": "envoy:1"}]}}}
    });
    let obj = apply_as(Some(&live), &sidecar, "mesh", false, T1).unwrap();
    let containers = obj["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers.len(), 2);
    assert_eq!(containers[1]["name"], "proxy");

    // team-a re-applies; the proxy stays, mesh owns it.
    let obj = apply_as(Some(&obj), &config(2, "nginx:2"), "team-a", false, T2).unwrap();
    assert_eq!(
        obj["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // mesh gives the proxy up: it goes.
    let mut gone = sidecar.clone();
    gone["spec"]["template"]["spec"]["containers"] = json!([]);
    let obj = apply_as(Some(&obj), &gone, "mesh", false, T2).unwrap();
    let containers = obj["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0]["image"], "nginx:2");

    // Someone else changing nginx's image conflicts on that item's field.
    let mut other = sidecar.clone();
    other["spec"]["template"]["spec"]["containers"] = json!([{"name": "nginx", "image": "evil"}]);
    let err = apply_as(Some(&obj), &other, "mesh", false, T2).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "team-a": .spec.template.spec.containers[name="nginx"].image"#
    );
}

#[test]
fn objects_without_managed_fields_are_owned_by_before_first_apply() {
    let mut live = stored(config(2, "nginx:1"));
    live["status"] = json!({"replicas": 2});
    let err = apply_as(Some(&live), &config(4, "nginx:1"), "kubectl", false, T1).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas"#
    );
    let obj = apply_as(Some(&live), &config(2, "nginx:1"), "kubectl", false, T1).unwrap();
    let before = entry(&obj, BEFORE_FIRST_APPLY);
    assert_eq!(before["operation"], "Update");
    assert_eq!(before["fieldsV1"]["f:status"], json!({"f:replicas": {}}));
}

#[test]
fn invalid_configurations_are_rejected() {
    let mut no_version = config(1, "x");
    no_version.as_object_mut().unwrap().remove("apiVersion");
    let err = apply_as(None, &no_version, "m", false, T0).unwrap_err();
    assert_eq!(err.code(), 400);
    assert!(
        err.to_string()
            .starts_with("Object 'apiVersion' is missing in '")
    );

    let mut no_kind = config(1, "x");
    no_kind.as_object_mut().unwrap().remove("kind");
    assert!(
        apply_as(None, &no_kind, "m", false, T0)
            .unwrap_err()
            .to_string()
            .starts_with("Object 'Kind' is missing in '")
    );

    let mut with_mf = config(1, "x");
    with_mf["metadata"]["managedFields"] = json!([]);
    let err = apply_as(None, &with_mf, "m", false, T0).unwrap_err();
    assert_eq!(err.to_string(), "metadata.managedFields must be nil");
    let st = err.to_status("apps", "deployments", "web");
    assert_eq!(st.code, Some(400));
    assert_eq!(st.reason.as_deref(), Some("BadRequest"));

    let mut keyless = config(1, "x");
    keyless["spec"]["template"]["spec"]["containers"] = json!([{"image": "x"}]);
    let err = apply_as(None, &keyless, "m", false, T0).unwrap_err();
    assert_eq!(err.code(), 500);
    assert_eq!(
        err.to_string(),
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): \
         .spec.template.spec.containers: associative list with keys has an element that omits \
         key field \"name\" (and doesn't have default value)"
    );
    assert!(apply_as(None, &json!([1]), "m", false, T0).is_err());
}

#[test]
fn status_subresource_apply_has_its_own_entry() {
    let live = stored(apply_as(None, &config(2, "nginx:1"), "kubectl", false, T0).unwrap());
    let status = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "status": {"readyReplicas": 2, "conditions": [{"type": "Available", "status": "True"}]}});
    let opts = ApplyOptions {
        manager: "controller",
        force: false,
        now: T1,
        group: "apps",
        kind: "Deployment",
        subresource: Some("status"),
        reset_fields: &["spec"],
    };
    let obj = apply_with(Some(&live), &status, &opts).unwrap();
    let e = entry(&obj, "controller");
    assert_eq!(e["subresource"], "status");
    assert_eq!(
        e["fieldsV1"],
        json!({"f:status": {"f:conditions": {"k:{\"type\":\"Available\"}": {
            ".": {}, "f:status": {}, "f:type": {}}}, "f:readyReplicas": {}}})
    );
    assert_eq!(obj["spec"]["replicas"], 2);
}

#[test]
fn record_update_on_create_owns_everything_with_kube_markers() {
    let mut obj = stored(config(2, "nginx:1"));
    obj["spec"]["template"]["spec"]["containers"][0]["ports"] =
        json!([{"containerPort": 80, "protocol": "TCP"}]);
    record_update(None, &mut obj, "kubectl-create", None, T0);
    let e = entry(&obj, "kubectl-create");
    assert_eq!(e["operation"], "Update");
    assert_eq!(e["apiVersion"], "apps/v1");
    assert_eq!(e["time"], T0);
    assert_eq!(
        e["fieldsV1"],
        json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {".": {}, "f:matchLabels": {".": {}, "f:app": {}}},
                "f:template": {
                    "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                        ".": {}, "f:image": {}, "f:name": {},
                        "f:ports": {".": {}, "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {
                            ".": {}, "f:containerPort": {}, "f:protocol": {}}}
                    }}}
                }
            }
        })
    );
}

#[test]
fn record_update_moves_changed_fields_and_drops_empty_managers() {
    let live = stored(apply_as(None, &config(2, "nginx:1"), "kubectl", false, T0).unwrap());
    let mut edited = live.clone();
    edited["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2");
    edited["metadata"]["annotations"] = json!({"note": "x"});
    record_update(Some(&live), &mut edited, "kubectl-edit", None, T1);
    assert_eq!(
        entry(&edited, "kubectl-edit")["fieldsV1"],
        json!({"f:metadata": {"f:annotations": {".": {}, "f:note": {}}},
               "f:spec": {"f:template": {"f:spec": {"f:containers": {
                   "k:{\"name\":\"nginx\"}": {"f:image": {}}}}}}})
    );
    let mine =
        &entry(&edited, "kubectl")["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"];
    assert_eq!(
        mine,
        &json!({"k:{\"name\":\"nginx\"}": {".": {}, "f:name": {}}})
    );

    // Removing the annotation empties kubectl-edit's claim there; a later image change by
    // someone else leaves it with nothing, so its entry goes.
    let mut next = edited.clone();
    next["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("annotations");
    next["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:3");
    record_update(Some(&edited), &mut next, "deployer", None, T2);
    assert!(
        entries(&next)
            .iter()
            .all(|e| e["manager"] != "kubectl-edit")
    );
    assert_eq!(entries(&next).len(), 2);

    // An update that changes nothing records nothing.
    let mut same = next.clone();
    record_update(Some(&next), &mut same, "noop", None, T2);
    assert_eq!(same, next);
}

#[test]
fn record_update_respects_sent_managed_fields_and_the_reset_marker() {
    let live = stored(apply_as(None, &config(2, "nginx:1"), "kubectl", false, T0).unwrap());
    let mut cleared = live.clone();
    cleared["metadata"]["managedFields"] = json!([{}]);
    record_update(Some(&live), &mut cleared, "x", None, T1);
    assert!(cleared["metadata"].get("managedFields").is_none());

    // An update without managedFields keeps the stored ones.
    let mut plain = live.clone();
    plain["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("managedFields");
    plain["spec"]["replicas"] = json!(4);
    record_update(Some(&live), &mut plain, "scaler", None, T1);
    assert_eq!(entries(&plain).len(), 2);
    assert_eq!(entries(&plain)[0]["manager"], "kubectl");

    // Status writes record the subresource.
    let mut status = live.clone();
    status["status"] = json!({"replicas": 2});
    record_update(
        Some(&live),
        &mut status,
        "kube-controller-manager",
        Some("status"),
        T1,
    );
    let e = entry(&status, "kube-controller-manager");
    assert_eq!(e["subresource"], "status");
    assert_eq!(
        e["fieldsV1"],
        json!({"f:status": {".": {}, "f:replicas": {}}})
    );
}

#[test]
fn reset_fields_are_neither_merged_nor_owned() {
    let mut live = stored(apply_as(None, &config(2, "nginx:1"), "kubectl", false, T0).unwrap());
    let mut with_status = live.clone();
    with_status["status"] = json!({"replicas": 2});
    record_update(
        Some(&live),
        &mut with_status,
        "controller",
        Some("status"),
        T1,
    );
    live = with_status;

    let mut cfg = config(2, "nginx:1");
    cfg["status"] = json!({"replicas": 9});
    let opts = ApplyOptions {
        manager: "kubectl",
        force: false,
        now: T2,
        group: "apps",
        kind: "Deployment",
        subresource: None,
        reset_fields: &["status"],
    };
    let obj = apply_with(Some(&live), &cfg, &opts).unwrap();
    assert_eq!(obj["status"]["replicas"], 2);
    assert!(entry(&obj, "kubectl")["fieldsV1"].get("f:status").is_none());
    // Without the reset, the controller's status field conflicts.
    let err = apply_as(Some(&live), &cfg, "kubectl", false, T2).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "controller" with subresource "status" using apps/v1: .status.replicas"#
    );
}

#[test]
fn odd_inputs_never_panic() {
    let live = stored(apply_as(None, &config(2, "nginx:1"), "kubectl", false, T0).unwrap());
    let weird = [
        json!(null),
        json!(1),
        json!([]),
        json!([null, 1]),
        json!([{"name": null}]),
        json!({"a": [1, [2]]}),
    ];
    for w in &weird {
        for field in ["replicas", "template", "selector"] {
            let mut cfg = config(2, "nginx:1");
            cfg["spec"][field] = w.clone();
            let _ = apply_as(Some(&live), &cfg, "x", false, T1);
            let _ = apply_as(None, &cfg, "x", true, T1);
            let mut new = live.clone();
            new["spec"][field] = w.clone();
            record_update(Some(&live), &mut new, "y", None, T1);
        }
        let mut corrupt = live.clone();
        corrupt["metadata"]["managedFields"] = w.clone();
        let _ = apply_as(Some(&corrupt), &config(3, "nginx:1"), "x", false, T1);
        let mut new = corrupt.clone();
        new["spec"]["replicas"] = json!(7);
        record_update(Some(&corrupt), &mut new, "y", None, T1);
    }
    let mut corrupt = live.clone();
    corrupt["metadata"]["managedFields"][0]["fieldsV1"] = json!({"bogus": {}});
    let err = apply_as(Some(&corrupt), &config(3, "nginx:1"), "x", false, T1).unwrap_err();
    assert_eq!(err.code(), 500);
    assert!(
        err.to_string()
            .starts_with("failed to decode managed fields"),
        "{err}"
    );
    // A write over corrupt managed fields starts them afresh, as kube-apiserver does.
    let mut new = corrupt.clone();
    new["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("managedFields");
    new["spec"]["replicas"] = json!(7);
    record_update(Some(&corrupt), &mut new, "y", None, T1);
    assert_eq!(entries(&new).len(), 1);
    assert_eq!(
        entry(&new, "y")["fieldsV1"],
        json!({"f:spec": {"f:replicas": {}}})
    );
}
