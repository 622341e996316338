use serde_json::{Value, json};

use super::*;

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "uid": "u-1", "resourceVersion": "7",
            "labels": {"app": "web", "tier": "front"}, "finalizers": ["a.io/x", "b.io/y"]},
        "spec": {
            "replicas": 2,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "nginx", "image": "nginx:1.25", "args": ["-g", "daemon off;"],
                         "ports": [{"containerPort": 80, "protocol": "TCP"}],
                         "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                         "volumeMounts": [{"name": "data", "mountPath": "/data"}]},
                        {"name": "sidecar", "image": "busybox:1"}
                    ],
                    "volumes": [{"name": "data", "emptyDir": {}}],
                    "tolerations": [{"key": "k1", "operator": "Exists"}]
                }
            }
        }
    })
}

fn smp(original: &Value, patch: Value) -> Value {
    strategic_merge(original, &patch, "apps", "Deployment").unwrap()
}

fn pod_spec(v: &Value) -> &Value {
    &v["spec"]["template"]["spec"]
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect()
}

#[test]
fn kubectl_apply_updates_one_container_image_and_keeps_the_other() {
    let patch = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
        "containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}});
    let out = smp(&deployment(), patch);
    let containers = &pod_spec(&out)["containers"];
    assert_eq!(names(containers), vec!["nginx", "sidecar"]);
    assert_eq!(containers[0]["image"], "nginx:1.27");
    assert_eq!(
        containers[0]["env"],
        deployment()["spec"]["template"]["spec"]["containers"][0]["env"]
    );
    assert_eq!(containers[1]["image"], "busybox:1");
    assert_eq!(out["metadata"]["uid"], "u-1");
    assert!(!out.to_string().contains("$setElementOrder"));
}

#[test]
fn kubectl_apply_adds_an_env_var_in_the_applied_order() {
    let patch = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
        "containers": [{"name": "nginx",
            "$setElementOrder/env": [{"name": "A"}, {"name": "NEW"}, {"name": "B"}],
            "env": [{"name": "NEW", "value": "x"}]}]}}}});
    let out = smp(&deployment(), patch);
    let env = &pod_spec(&out)["containers"][0]["env"];
    assert_eq!(names(env), vec!["A", "NEW", "B"]);
    assert_eq!(env[1], json!({"name": "NEW", "value": "x"}));
}

#[test]
fn plain_patch_puts_new_items_first_and_merges_existing_ones() {
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "env": [{"name": "C", "value": "3"}, {"name": "B", "value": "two"}]}]}}}});
    let out = smp(&deployment(), patch);
    let env = &pod_spec(&out)["containers"][0]["env"];
    // The original's order relates A and B; C, unknown to it, goes before them.
    assert_eq!(names(env), vec!["C", "A", "B"]);
    assert_eq!(env[2]["value"], "two");

    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "env": [{"name": "B", "value": "two"}, {"name": "C", "value": "3"}]}]}}}});
    let out = smp(&deployment(), patch);
    assert_eq!(
        names(&pod_spec(&out)["containers"][0]["env"]),
        vec!["A", "B", "C"]
    );

    let patch =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "init", "image": "x"}]}}}});
    let out = smp(&deployment(), patch);
    assert_eq!(
        names(&pod_spec(&out)["containers"]),
        vec!["init", "nginx", "sidecar"]
    );
}

#[test]
fn patch_delete_removes_a_container_by_merge_key() {
    let patch = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "nginx"}],
        "containers": [{"$patch": "delete", "name": "sidecar"}]}}}});
    let out = smp(&deployment(), patch);
    assert_eq!(names(&pod_spec(&out)["containers"]), vec!["nginx"]);
    assert!(!out.to_string().contains("$patch"));
}

#[test]
fn patch_replace_replaces_a_whole_list() {
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"$patch": "replace"}, {"name": "only", "image": "only:1", "dropped": null}]}}}});
    let out = smp(&deployment(), patch);
    assert_eq!(
        pod_spec(&out)["containers"],
        json!([{"name": "only", "image": "only:1"}])
    );
}

#[test]
fn patch_replace_and_delete_on_maps() {
    let patch = json!({"metadata": {"labels": {"$patch": "replace", "only": "this"}}});
    let out = smp(&deployment(), patch);
    assert_eq!(out["metadata"]["labels"], json!({"only": "this"}));

    let patch = json!({"spec": {"strategy": {"$patch": "delete"}}});
    let out = smp(&deployment(), patch);
    assert_eq!(out["spec"]["strategy"], json!({}));

    // A directive map where the original has nothing is dropped, as apimachinery does.
    let patch =
        json!({"spec": {"template": {"spec": {"affinity": {"$patch": "replace", "x": {}}}}}});
    let out = smp(&deployment(), patch);
    assert!(pod_spec(&out).get("affinity").is_none());
}

#[test]
fn nulls_delete_fields_and_are_never_stored() {
    let patch = json!({"metadata": {"labels": {"tier": null, "new": "1"}},
        "spec": {"template": {"spec": {"nodeSelector": {"disk": "ssd", "gone": null}}}}});
    let out = smp(&deployment(), patch);
    assert_eq!(out["metadata"]["labels"], json!({"app": "web", "new": "1"}));
    assert_eq!(pod_spec(&out)["nodeSelector"], json!({"disk": "ssd"}));
}

#[test]
fn retain_keys_clears_the_other_strategy_fields() {
    let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate",
        "rollingUpdate": null}}});
    let out = smp(&deployment(), patch);
    assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));

    let bad = json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}});
    let err = strategic_merge(&deployment(), &bad, "apps", "Deployment").unwrap_err();
    assert_eq!(
        err,
        PatchRequestError::BadRequest("invalid patch format of retainKeys".into())
    );
    let bad = json!({"spec": {"strategy": {"$retainKeys": "type"}}});
    assert_eq!(
        strategic_merge(&deployment(), &bad, "apps", "Deployment")
            .unwrap_err()
            .code(),
        400
    );
}

#[test]
fn finalizers_merge_as_a_set_with_order_and_deletions() {
    let patch = json!({"metadata": {"finalizers": ["c.io/z", "a.io/x"]}});
    let out = smp(&deployment(), patch);
    assert_eq!(
        out["metadata"]["finalizers"],
        json!(["c.io/z", "a.io/x", "b.io/y"])
    );

    let patch = json!({"metadata": {
        "$setElementOrder/finalizers": ["b.io/y", "c.io/z"],
        "$deleteFromPrimitiveList/finalizers": ["a.io/x"],
        "finalizers": ["c.io/z"]}});
    let out = smp(&deployment(), patch);
    assert_eq!(out["metadata"]["finalizers"], json!(["b.io/y", "c.io/z"]));
    assert!(!out.to_string().contains('$'));

    let patch = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b.io/y", "nope"]}});
    let out = smp(&deployment(), patch);
    assert_eq!(out["metadata"]["finalizers"], json!(["a.io/x"]));

    let bad = json!({"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}});
    let err = strategic_merge(&deployment(), &bad, "apps", "Deployment").unwrap_err();
    assert_eq!(err.to_string(), "invalid patch format of primitive list");
}

#[test]
fn lists_without_a_strategy_are_replaced() {
    let patch = json!({"spec": {"template": {"spec": {
        "tolerations": [{"key": "k2", "operator": "Equal", "value": "v"}],
        "containers": [{"name": "nginx", "args": ["--new"]}]}}}});
    let out = smp(&deployment(), patch);
    assert_eq!(
        pod_spec(&out)["tolerations"],
        json!([{"key": "k2", "operator": "Equal", "value": "v"}])
    );
    assert_eq!(pod_spec(&out)["containers"][0]["args"], json!(["--new"]));
}

#[test]
fn ports_volume_mounts_and_volumes_merge_by_their_keys() {
    let patch = json!({"spec": {"template": {"spec": {
        "volumes": [{"name": "cache", "emptyDir": {"medium": "Memory"}}],
        "containers": [{"name": "nginx",
            "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 443}],
            "volumeMounts": [{"mountPath": "/data", "readOnly": true}]}]}}}});
    let out = smp(&deployment(), patch);
    let c = &pod_spec(&out)["containers"][0];
    assert_eq!(
        c["ports"],
        json!([{"containerPort": 80, "protocol": "TCP", "name": "http"}, {"containerPort": 443}])
    );
    assert_eq!(
        c["volumeMounts"],
        json!([{"name": "data", "mountPath": "/data", "readOnly": true}])
    );
    assert_eq!(names(&pod_spec(&out)["volumes"]), vec!["cache", "data"]);
}

#[test]
fn pod_lists_merge_wherever_a_pod_spec_appears() {
    let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
    "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {
        "restartPolicy": "Never",
        "initContainers": [{"name": "init", "image": "i:1"}],
        "containers": [{"name": "job", "image": "j:1", "env": [{"name": "X", "value": "1"}]}],
        "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["a"]}],
        "topologySpreadConstraints": [{"topologyKey": "zone", "maxSkew": 1, "whenUnsatisfiable": "DoNotSchedule"}]
    }}}}}});
    let patch = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {
        "initContainers": [{"name": "init", "image": "i:2"}],
        "containers": [{"name": "job", "env": [{"name": "Y", "value": "2"}]}],
        "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["b"]}],
        "topologySpreadConstraints": [{"topologyKey": "zone", "maxSkew": 2}]}}}}}});
    let out = strategic_merge(&cron, &patch, "batch", "CronJob").unwrap();
    let spec = &out["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(
        spec["initContainers"],
        json!([{"name": "init", "image": "i:2"}])
    );
    assert_eq!(names(&spec["containers"][0]["env"]), vec!["Y", "X"]);
    assert_eq!(spec["containers"][0]["image"], "j:1");
    assert_eq!(
        spec["hostAliases"],
        json!([{"ip": "10.0.0.1", "hostnames": ["b"]}])
    );
    assert_eq!(spec["topologySpreadConstraints"][0]["maxSkew"], 2);
    assert_eq!(
        spec["topologySpreadConstraints"][0]["whenUnsatisfiable"],
        "DoNotSchedule"
    );
}

#[test]
fn status_conditions_merge_by_type() {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False"}]}});
    let patch = json!({"status": {"phase": "Running",
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z"}]}});
    let out = strategic_merge(&pod, &patch, "", "Pod").unwrap();
    assert_eq!(out["status"]["phase"], "Running");
    assert_eq!(
        out["status"]["conditions"],
        json!([{"type": "PodScheduled", "status": "True"},
               {"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z"}])
    );

    let node = json!({"kind": "Node", "status": {"addresses": [
        {"type": "InternalIP", "address": "10.0.0.1"}, {"type": "Hostname", "address": "n1"}]}});
    let patch = json!({"status": {"addresses": [{"type": "Hostname", "address": "n2"}]}});
    let out = strategic_merge(&node, &patch, "", "Node").unwrap();
    assert_eq!(out["status"]["addresses"][1]["address"], "n2");
    assert_eq!(out["status"]["addresses"][0]["address"], "10.0.0.1");

    let crd = json!({"status": {"conditions": [{"type": "Established", "status": "False"},
        {"type": "NamesAccepted", "status": "True"}]}});
    let patch = json!({"status": {"conditions": [{"type": "Established", "status": "True"}]}});
    let out = strategic_merge(
        &crd,
        &patch,
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
    )
    .unwrap();
    assert_eq!(out["status"]["conditions"][0]["status"], "True");
    assert_eq!(out["status"]["conditions"].as_array().unwrap().len(), 2);
}

#[test]
fn service_ports_merge_by_port_and_owner_references_by_uid() {
    let svc = json!({"kind": "Service", "metadata": {"name": "s", "ownerReferences": [
            {"uid": "1", "name": "a", "kind": "Deployment", "apiVersion": "apps/v1"}]},
        "spec": {"ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}, {"port": 443}]}});
    let patch = json!({"metadata": {"ownerReferences": [{"uid": "2", "name": "b", "kind": "X", "apiVersion": "v1"},
            {"uid": "1", "controller": true}]},
        "spec": {"ports": [{"port": 80, "targetPort": 9090}]}});
    let out = strategic_merge(&svc, &patch, "", "Service").unwrap();
    assert_eq!(out["spec"]["ports"][0]["targetPort"], 9090);
    assert_eq!(out["spec"]["ports"][1], json!({"port": 443}));
    let refs = out["metadata"]["ownerReferences"].as_array().unwrap();
    assert_eq!(refs.len(), 2);
    assert_eq!(refs[0]["uid"], "2");
    assert_eq!(refs[1]["controller"], true);
}

#[test]
fn endpoints_subsets_and_secret_data() {
    let ep = json!({"kind": "Endpoints", "subsets": [{"addresses": [{"ip": "1.1.1.1"}]}]});
    let patch = json!({"subsets": [{"addresses": [{"ip": "2.2.2.2"}]}]});
    let out = strategic_merge(&ep, &patch, "", "Endpoints").unwrap();
    assert_eq!(out["subsets"], json!([{"addresses": [{"ip": "2.2.2.2"}]}]));

    let secret = json!({"kind": "Secret", "type": "Opaque", "data": {"a": "YQ==", "b": "Yg=="}});
    let patch = json!({"data": {"b": null, "c": "Yw=="}});
    let out = strategic_merge(&secret, &patch, "", "Secret").unwrap();
    assert_eq!(out["data"], json!({"a": "YQ==", "c": "Yw=="}));
}

#[test]
fn directives_inside_new_subtrees_never_reach_the_result() {
    let pod = json!({"kind": "Pod", "metadata": {"name": "p"}});
    let patch = json!({"spec": {
        "$setElementOrder/containers": [{"name": "a"}],
        "containers": [{"name": "a", "image": "x", "$setElementOrder/env": [{"name": "E"}],
            "env": [{"name": "E", "value": "1"}, {"$patch": "delete", "name": "F"}], "junk": null}],
        "$retainKeys": ["containers"]}});
    let out = strategic_merge(&pod, &patch, "", "Pod").unwrap();
    assert_eq!(
        out["spec"],
        json!({"containers": [{"name": "a", "image": "x", "env": [{"name": "E", "value": "1"}]}]})
    );
}

#[test]
fn set_element_order_reorders_existing_items_without_a_patch_list() {
    let patch = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}]}}}});
    let out = smp(&deployment(), patch);
    // The directive alone reorders the live items.
    assert_eq!(
        names(&pod_spec(&out)["containers"]),
        vec!["sidecar", "nginx"]
    );

    let patch = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}],
        "containers": [{"name": "sidecar", "image": "b:2"}, {"name": "nginx", "image": "n:2"}]}}}});
    let out = smp(&deployment(), patch);
    assert_eq!(
        names(&pod_spec(&out)["containers"]),
        vec!["sidecar", "nginx"]
    );
}

#[test]
fn errors_read_like_apimachinery() {
    let d = deployment();
    let err = strategic_merge(&d, &json!([1]), "apps", "Deployment").unwrap_err();
    assert_eq!(
        err,
        PatchRequestError::BadRequest(
            "json: cannot unmarshal array into Go value of type map[string]interface {}".into()
        )
    );

    let patch = json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}});
    let err = strategic_merge(&d, &patch, "apps", "Deployment").unwrap_err();
    assert_eq!(
        err,
        PatchRequestError::Failed(
            "map: map[image:x] does not contain declared merge key: name".into()
        )
    );
    assert_eq!(err.code(), 500);

    let patch = json!({"metadata": {"labels": {"$patch": "bogus", "a": "b"}}});
    let err = strategic_merge(&d, &patch, "apps", "Deployment").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown patch type: bogus in map: map[$patch:bogus a:b]"
    );

    let patch = json!({"metadata": {"labels": {"$patch": "merge", "a": "b"}}});
    assert!(strategic_merge(&d, &patch, "apps", "Deployment").is_err());

    let patch = json!({"spec": {"template": {"spec": {"containers": [{"$patch": "merge"}]}}}});
    let err = strategic_merge(&d, &patch, "apps", "Deployment").unwrap_err();
    assert_eq!(
        err.to_string(),
        "merging lists cannot yet be specified in the patch"
    );

    let patch = json!({"spec": {"template": {"spec": {"containers": [{"$patch": "delete"}]}}}});
    let err = strategic_merge(&d, &patch, "apps", "Deployment").unwrap_err();
    assert_eq!(
        err.to_string(),
        "delete patch type with no merge key defined"
    );

    let pod = json!({"spec": {"containers": []}});
    let patch = json!({"spec": {"containers": [[1]]}});
    let err = strategic_merge(&pod, &patch, "", "Pod").unwrap_err();
    assert_eq!(
        err,
        PatchRequestError::Unprocessable("lists of lists are not supported".into())
    );
    let patch = json!({"spec": {"template": {"spec": {"containers": [[1]]}}}});
    let err = strategic_merge(&d, &patch, "apps", "Deployment").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("list element types are not identical"),
        "{err}"
    );

    let patch = json!({"metadata": {"finalizers": [{"a": 1}]}});
    assert!(strategic_merge(&d, &patch, "apps", "Deployment").is_err());

    let patch = json!({"spec": {"template": {"spec": {"$setElementOrder/containers": "nginx"}}}});
    let err = strategic_merge(&d, &patch, "apps", "Deployment").unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a []interface {}, but received a string"
    );

    let patch = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
        "containers": [{"name": "sidecar", "image": "s"}, {"name": "nginx", "image": "n"}]}}}});
    let err = strategic_merge(&d, &patch, "apps", "Deployment").unwrap_err();
    assert!(
        err.to_string().starts_with("the order in patch list:"),
        "{err}"
    );

    let patch = json!({"spec": {"template": {"spec": {"$setElementOrderx": []}}}});
    let err = strategic_merge(&d, &patch, "apps", "Deployment").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid patch format of setElementOrder list"
    );
}

#[test]
fn null_patch_and_type_changes() {
    let d = deployment();
    assert_eq!(
        strategic_merge(&d, &Value::Null, "apps", "Deployment").unwrap(),
        d
    );
    let patch = json!({"spec": {"replicas": {"weird": true}, "paused": [true]}});
    let out = smp(&d, patch);
    assert_eq!(out["spec"]["replicas"], json!({"weird": true}));
    assert_eq!(out["spec"]["paused"], json!([true]));
}

#[test]
fn top_level_replace_directive_replaces_the_object() {
    let patch = json!({"$patch": "replace", "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"}});
    let out = smp(&deployment(), patch);
    assert_eq!(
        out,
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}})
    );
}

#[test]
fn odd_patches_never_panic() {
    let weird = [
        json!(null),
        json!(1),
        json!("s"),
        json!(true),
        json!([]),
        json!([null]),
        json!([1, "a"]),
        json!([[]]),
        json!({}),
        json!({"$patch": 1}),
        json!([{"$patch": "delete"}]),
        json!([{"$patch": "replace"}]),
        json!([{"name": 1}, {"name": 1}]),
        json!([{"$patch": "delete", "name": "nginx"}, {"name": "nginx", "image": "z"}]),
    ];
    let slots = [
        "/spec/template/spec/containers",
        "/spec/template/spec/containers/0/env",
        "/metadata/finalizers",
        "/metadata/$setElementOrder~1finalizers",
        "/spec/template/spec/$setElementOrder~1containers",
        "/metadata/$deleteFromPrimitiveList~1finalizers",
        "/spec/strategy/$retainKeys",
        "/metadata/labels",
        "/spec/template/spec/$patch",
    ];
    for slot in slots {
        for w in &weird {
            let mut patch = json!({"metadata": {}, "spec": {"strategy": {},
                "template": {"spec": {"containers": [{"name": "nginx"}]}}}});
            let (parent, last) = slot.rsplit_once('/').unwrap();
            let last = last.replace("~1", "/");
            patch.pointer_mut(parent).unwrap()[last] = w.clone();
            let _ = strategic_merge(&deployment(), &patch, "apps", "Deployment");
            let _ = strategic_merge(&json!({}), &patch, "", "Pod");
        }
    }
}
