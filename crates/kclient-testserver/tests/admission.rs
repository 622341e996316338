//! kube-apiserver's default admission plugins that change Pods (ServiceAccount,
//! Priority, DefaultTolerationSeconds) and the Job strategy's generated selector, over
//! HTTPS, compared with what kube-apiserver 1.33 (as kind and kubeadm run it) returns.

mod common;

use common::start;
use serde_json::{Value, json};

const PODS: &str = "/api/v1/namespaces/default/pods";
const ACCOUNTS: &str = "/api/v1/namespaces/default/serviceaccounts";
const CLASSES: &str = "/apis/scheduling.k8s.io/v1/priorityclasses";
const JOBS: &str = "/apis/batch/v1/namespaces/default/jobs";
const MERGE: &str = "application/merge-patch+json";
const TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

fn pod(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})
}

fn container(name: &str, image: &str) -> Value {
    json!({"name": name, "image": image, "imagePullPolicy": "IfNotPresent", "resources": {},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"})
}

fn token_mount(volume: &str) -> Value {
    json!({"name": volume, "readOnly": true, "mountPath": TOKEN_PATH})
}

fn token_volume(volume: &str) -> Value {
    json!({"name": volume, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
            "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}})
}

fn default_tolerations() -> Value {
    json!([
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300}
    ])
}

/// The name ServiceAccount admission gave the token volume: the prefix and five
/// characters of apimachinery's name generator.
fn token_volume_name(created: &Value) -> String {
    let volumes = created["spec"]["volumes"].as_array().expect("volumes");
    let name = volumes
        .iter()
        .filter_map(|v| v["name"].as_str())
        .find(|n| n.starts_with("kube-api-access-"))
        .expect("a token volume")
        .to_string();
    let suffix = &name["kube-api-access-".len()..];
    assert_eq!(suffix.len(), 5, "{name}");
    assert!(
        suffix
            .chars()
            .all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)),
        "{name}"
    );
    name
}

fn forbidden(body: &Value, name: &str, message: &str) {
    assert_eq!(body["kind"], "Status");
    assert_eq!(body["reason"], "Forbidden");
    assert_eq!(body["code"], 403);
    assert_eq!(body["details"], json!({"name": name, "kind": "pods"}));
    assert_eq!(body["message"], message);
}

#[tokio::test]
async fn a_created_pod_comes_back_as_kube_apiserver_admits_it() {
    let (_server, api) = start().await;
    let body = pod(
        "p",
        json!({"initContainers": [{"name": "init", "image": "busybox:1.36"}],
            "containers": [{"name": "web", "image": "nginx:1.25",
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
            "volumes": [{"name": "data", "emptyDir": {}}]}),
    );
    let created = api.post(PODS, &body).await.expect(201);
    let volume = token_volume_name(&created);
    let mut web = container("web", "nginx:1.25");
    web["volumeMounts"] = json!([{"name": "data", "mountPath": "/data"}, token_mount(&volume)]);
    let mut init = container("init", "busybox:1.36");
    init["volumeMounts"] = json!([token_mount(&volume)]);
    assert_eq!(
        created["spec"],
        json!({"containers": [web], "initContainers": [init], "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority",
            "priority": 0, "restartPolicy": "Always", "schedulerName": "default-scheduler",
            "securityContext": {}, "serviceAccount": "default", "serviceAccountName": "default",
            "terminationGracePeriodSeconds": 30, "tolerations": default_tolerations(),
            "volumes": [{"name": "data", "emptyDir": {}}, token_volume(&volume)]})
    );
    // Admission's additions belong to no manager: the creator owns what it sent and the
    // defaults.
    let fields = created["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"].clone();
    for key in ["f:tolerations", "f:priority", "f:serviceAccountName"] {
        assert!(fields.get(key).is_none(), "{key}: {fields}");
    }
    let volumes = fields["f:volumes"].as_object().expect("f:volumes");
    assert_eq!(volumes.len(), 2, "{fields}"); // `.` and the data volume
    assert_eq!(api.get(&format!("{PODS}/p")).await.expect(200), created);

    // Updates and patches keep what admission set on creation, and re-add the
    // tolerations a body leaves out.
    let mut update = created.clone();
    let spec = update["spec"].as_object_mut().unwrap();
    spec.remove("priority");
    spec.remove("preemptionPolicy");
    spec.remove("tolerations");
    update["metadata"]["labels"] = json!({"a": "b"});
    let updated = api.put(&format!("{PODS}/p"), &update).await.expect(200);
    assert_eq!(updated["spec"], created["spec"]);
    let patched = api
        .patch(
            &format!("{PODS}/p"),
            MERGE,
            r#"{"spec":{"tolerations":null}}"#,
        )
        .await
        .expect(200);
    assert_eq!(patched["spec"], created["spec"]);
}

#[tokio::test]
async fn service_account_admission_follows_the_account() {
    let (_server, api) = start().await;
    // Every namespace has its `default` account, recreated when deleted.
    api.post("/api/v1/namespaces", &json!({"metadata": {"name": "team"}}))
        .await
        .expect(201);
    api.get("/api/v1/namespaces/team/serviceaccounts/default")
        .await
        .expect(200);
    api.delete(&format!("{ACCOUNTS}/default")).await.expect(200);
    api.get(&format!("{ACCOUNTS}/default")).await.expect(200);

    let unknown = pod(
        "p",
        json!({"serviceAccountName": "robot", "containers": [{"name": "c", "image": "nginx:1"}]}),
    );
    let refused = api.post(PODS, &unknown).await.expect(403);
    forbidden(
        &refused,
        "p",
        "pods \"p\" is forbidden: error looking up service account default/robot: serviceaccount \"robot\" not found",
    );
    // A generated name is not known yet: errors name the prefix.
    let mut generated = unknown.clone();
    generated["metadata"] = json!({"generateName": "p-"});
    let refused = api.post(PODS, &generated).await.expect(403);
    assert_eq!(refused["details"]["name"], "p-");

    // The account's pull secrets, and its choice not to mount a token.
    api.post(
        ACCOUNTS,
        &json!({"metadata": {"name": "robot"}, "automountServiceAccountToken": false,
            "imagePullSecrets": [{"name": "registry"}]}),
    )
    .await
    .expect(201);
    let created = api.post(PODS, &unknown).await.expect(201);
    let spec = &created["spec"];
    assert_eq!(spec["serviceAccount"], "robot");
    assert_eq!(spec["imagePullSecrets"], json!([{"name": "registry"}]));
    assert!(spec.get("volumes").is_none(), "{spec}");
    assert!(
        spec["containers"][0].get("volumeMounts").is_none(),
        "{spec}"
    );

    // The pod's choice wins over the account's, and its own pull secrets stay.
    let mut opted_in = unknown.clone();
    opted_in["metadata"]["name"] = json!("q");
    opted_in["spec"]["automountServiceAccountToken"] = json!(true);
    opted_in["spec"]["imagePullSecrets"] = json!([{"name": "mine"}]);
    let created = api.post(PODS, &opted_in).await.expect(201);
    token_volume_name(&created);
    assert_eq!(
        created["spec"]["imagePullSecrets"],
        json!([{"name": "mine"}])
    );

    // A container that mounts something at the token path keeps it.
    let own = pod(
        "r",
        json!({"automountServiceAccountToken": true,
            "containers": [{"name": "c", "image": "nginx:1",
                "volumeMounts": [{"name": "mine", "mountPath": TOKEN_PATH}]}],
            "volumes": [{"name": "mine", "emptyDir": {}}]}),
    );
    let created = api.post(PODS, &own).await.expect(201);
    assert_eq!(
        created["spec"]["volumes"],
        json!([{"name": "mine", "emptyDir": {}}])
    );

    // Mirror pods are not touched, and may not name an account.
    let mut mirror = pod(
        "m",
        json!({"containers": [{"name": "c", "image": "nginx:1"}]}),
    );
    mirror["metadata"]["annotations"] = json!({"kubernetes.io/config.mirror": "hash"});
    let created = api.post(PODS, &mirror).await.expect(201);
    assert!(created["spec"].get("serviceAccountName").is_none());
    assert!(created["spec"].get("volumes").is_none());
    mirror["metadata"]["name"] = json!("m2");
    mirror["spec"]["serviceAccountName"] = json!("default");
    let refused = api.post(PODS, &mirror).await.expect(403);
    forbidden(
        &refused,
        "m2",
        "pods \"m2\" is forbidden: a mirror pod may not reference service accounts",
    );
}

#[tokio::test]
async fn priority_admission_resolves_the_class() {
    let (_server, api) = start().await;
    let node_critical = api
        .get(&format!("{CLASSES}/system-node-critical"))
        .await
        .expect(200);
    assert_eq!(node_critical["value"], 2_000_001_000);
    assert_eq!(node_critical["preemptionPolicy"], "PreemptLowerPriority");
    let cluster_critical = api
        .get(&format!("{CLASSES}/system-cluster-critical"))
        .await
        .expect(200);
    assert_eq!(cluster_critical["value"], 2_000_000_000);

    let containers = json!([{"name": "c", "image": "nginx:1"}]);
    let named = pod(
        "critical",
        json!({"priorityClassName": "system-node-critical", "containers": containers}),
    );
    let created = api.post(PODS, &named).await.expect(201);
    assert_eq!(created["spec"]["priority"], 2_000_001_000);
    assert_eq!(created["spec"]["preemptionPolicy"], "PreemptLowerPriority");

    let unknown = pod(
        "u",
        json!({"priorityClassName": "nope", "containers": containers}),
    );
    let refused = api.post(PODS, &unknown).await.expect(403);
    forbidden(
        &refused,
        "u",
        "pods \"u\" is forbidden: no PriorityClass with name nope was found",
    );
    let mut wrong = pod("w", json!({"priority": 5, "containers": containers}));
    let refused = api.post(PODS, &wrong).await.expect(403);
    forbidden(
        &refused,
        "w",
        "pods \"w\" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name",
    );
    wrong["spec"]["priority"] = json!(0);
    api.post(PODS, &wrong).await.expect(201);

    // The global default class names itself on pods that name none.
    api.post(
        CLASSES,
        &json!({"metadata": {"name": "batch"}, "value": 10, "globalDefault": true,
            "preemptionPolicy": "Never"}),
    )
    .await
    .expect(201);
    let created = api
        .post(PODS, &pod("d", json!({"containers": containers})))
        .await
        .expect(201);
    assert_eq!(created["spec"]["priorityClassName"], "batch");
    assert_eq!(created["spec"]["priority"], 10);
    assert_eq!(created["spec"]["preemptionPolicy"], "Never");
}

/// A 422 Invalid body for a PriorityClass with exactly these causes.
fn invalid_class(body: &Value, name: &str, causes: Value, message: &str) {
    assert_eq!(body["reason"], "Invalid", "{body}");
    assert_eq!(body["code"], 422);
    assert_eq!(
        body["details"],
        json!({"name": name, "group": "scheduling.k8s.io", "kind": "PriorityClass",
            "causes": causes})
    );
    assert_eq!(body["message"], message);
}

#[tokio::test]
async fn priority_classes_are_validated_as_kube_apiserver_does() {
    let (_server, api) = start().await;
    let class = |name: &str, value: i64| json!({"metadata": {"name": name}, "value": value});

    // HighestUserDefinablePriority: one billion is allowed, one more is not.
    let created = api
        .post(CLASSES, &class("top", 1_000_000_000))
        .await
        .expect(201);
    assert_eq!(created["preemptionPolicy"], "PreemptLowerPriority");
    let refused = api
        .post(CLASSES, &class("over", 1_000_000_001))
        .await
        .expect(422);
    invalid_class(
        &refused,
        "over",
        json!([{"reason": "FieldValueForbidden", "field": "value",
            "message": "Forbidden: maximum allowed value of a user defined priority is 1000000000"}]),
        "PriorityClass.scheduling.k8s.io \"over\" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000",
    );

    // The system- prefix is reserved for the two system classes and their values.
    let refused = api
        .post(CLASSES, &class("system-mine", 5))
        .await
        .expect(422);
    invalid_class(
        &refused,
        "system-mine",
        json!([{"reason": "FieldValueForbidden", "field": "metadata.name",
            "message": "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"}]),
        "PriorityClass.scheduling.k8s.io \"system-mine\" is invalid: metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    );
    let refused = api
        .post(CLASSES, &class("system-node-critical", 7))
        .await
        .expect(422);
    assert_eq!(
        refused["details"]["causes"][0]["message"],
        "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000"
    );
    // With the right value it is only a duplicate of the class the server created.
    api.post(CLASSES, &class("system-node-critical", 2_000_001_000))
        .await
        .expect(409);
    let mut bad_policy = class("policy", 1);
    bad_policy["preemptionPolicy"] = json!("Sometimes");
    let refused = api.post(CLASSES, &bad_policy).await.expect(422);
    assert_eq!(
        refused["message"],
        "PriorityClass.scheduling.k8s.io \"policy\" is invalid: preemptionPolicy: Unsupported value: \"Sometimes\": supported values: \"PreemptLowerPriority\", \"Never\""
    );

    // value and preemptionPolicy never change; other fields do.
    let url = format!("{CLASSES}/top");
    let refused = api.patch(&url, MERGE, r#"{"value": 3}"#).await.expect(422);
    invalid_class(
        &refused,
        "top",
        json!([{"reason": "FieldValueForbidden", "field": "value",
            "message": "Forbidden: may not be changed in an update."}]),
        "PriorityClass.scheduling.k8s.io \"top\" is invalid: value: Forbidden: may not be changed in an update.",
    );
    let refused = api
        .patch(&url, MERGE, r#"{"preemptionPolicy": "Never"}"#)
        .await
        .expect(422);
    assert_eq!(
        refused["message"],
        "PriorityClass.scheduling.k8s.io \"top\" is invalid: preemptionPolicy: Invalid value: \"Never\": field is immutable"
    );
    api.patch(&url, MERGE, r#"{"description": "d"}"#)
        .await
        .expect(200);

    // Only one global default: a second is refused on create and on update, by the
    // Priority admission plugin (403); the default itself may be written again.
    let mut first = class("first", 10);
    first["globalDefault"] = json!(true);
    api.post(CLASSES, &first).await.expect(201);
    let mut second = class("second", 20);
    second["globalDefault"] = json!(true);
    let refused = api.post(CLASSES, &second).await.expect(403);
    assert_eq!(refused["reason"], "Forbidden");
    assert_eq!(
        refused["details"],
        json!({"name": "second", "group": "scheduling.k8s.io", "kind": "priorityclasses"})
    );
    assert_eq!(
        refused["message"],
        "priorityclasses.scheduling.k8s.io \"second\" is forbidden: PriorityClass first is already marked as default. Only one default can exist"
    );
    second["globalDefault"] = json!(false);
    api.post(CLASSES, &second).await.expect(201);
    let refused = api
        .patch(
            &format!("{CLASSES}/second"),
            MERGE,
            r#"{"globalDefault": true}"#,
        )
        .await
        .expect(403);
    assert_eq!(
        refused["message"],
        "priorityclasses.scheduling.k8s.io \"second\" is forbidden: PriorityClass first is already marked as default. Only one default can exist"
    );
    api.patch(
        &format!("{CLASSES}/first"),
        MERGE,
        r#"{"description": "d"}"#,
    )
    .await
    .expect(200);

    // The system classes cannot be deleted.
    let refused = api
        .delete(&format!("{CLASSES}/system-cluster-critical"))
        .await
        .expect(403);
    assert_eq!(
        refused["message"],
        "priorityclasses.scheduling.k8s.io \"system-cluster-critical\" is forbidden: this is a system priority class and cannot be deleted"
    );
    api.delete(&format!("{CLASSES}/top")).await.expect(200);
}

/// The LimitRanger plugin: container defaults from the namespace's LimitRanges (noted
/// in the `kubernetes.io/limit-ranger` annotation), then 403 for containers, pods and
/// claims outside their bounds, with kube-apiserver's messages.
#[tokio::test]
async fn limit_ranges_default_and_bound_container_resources() {
    let (_server, api) = start().await;
    let range = json!({"metadata": {"name": "limits"}, "spec": {"limits": [{"type": "Container",
        "default": {"cpu": "500m", "memory": "256Mi"}, "defaultRequest": {"cpu": "100m"},
        "min": {"cpu": "50m"}, "max": {"cpu": "1", "memory": "1Gi"},
        "maxLimitRequestRatio": {"cpu": "5"}}]}});
    api.post("/api/v1/namespaces/default/limitranges", &range)
        .await
        .expect(201);

    let spec = json!({"containers": [
            {"name": "c1", "image": "nginx"},
            {"name": "c2", "image": "nginx", "resources": {
                "requests": {"memory": "128Mi"}, "limits": {"cpu": "200m"}}}],
        "initContainers": [{"name": "i1", "image": "busybox"}]});
    let created = api.post(PODS, &pod("ranged", spec)).await.expect(201);
    let resources = |key: &str, i: usize| created["spec"][key][i]["resources"].clone();
    // The LimitRange's own defaulting made its default memory limit the default
    // memory request too.
    assert_eq!(
        resources("containers", 0),
        json!({"requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"}})
    );
    // Pod defaulting already copied c2's cpu limit to its request.
    assert_eq!(
        resources("containers", 1),
        json!({"requests": {"cpu": "200m", "memory": "128Mi"},
            "limits": {"cpu": "200m", "memory": "256Mi"}})
    );
    assert_eq!(resources("initContainers", 0), resources("containers", 0));
    assert_eq!(
        created["metadata"]["annotations"]["kubernetes.io/limit-ranger"],
        "LimitRanger plugin set: cpu, memory request for container c1; cpu, memory limit for container c1; memory limit for container c2; cpu, memory request for init container i1; cpu, memory limit for init container i1"
    );

    let with = |name: &str, resources: Value| {
        pod(
            name,
            json!({"containers": [{"name": "c", "image": "nginx", "resources": resources}]}),
        )
    };
    let refused = api
        .post(
            PODS,
            &with(
                "small",
                json!({"requests": {"cpu": "10m"}, "limits": {"cpu": "40m"}}),
            ),
        )
        .await
        .expect(403);
    forbidden(
        &refused,
        "small",
        "pods \"small\" is forbidden: minimum cpu usage per Container is 50m, but request is 10m",
    );
    let refused = api
        .post(
            PODS,
            &with(
                "both",
                json!({"requests": {"cpu": "10m"}, "limits": {"cpu": "2"}}),
            ),
        )
        .await
        .expect(403);
    forbidden(
        &refused,
        "both",
        "pods \"both\" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, maximum cpu usage per Container is 1, but limit is 2, cpu max limit to request ratio per Container is 5, but provided ratio is 200.000000]",
    );
    let refused = api
        .post(
            PODS,
            &with(
                "ratio",
                json!({"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}}),
            ),
        )
        .await
        .expect(403);
    forbidden(
        &refused,
        "ratio",
        "pods \"ratio\" is forbidden: cpu max limit to request ratio per Container is 5, but provided ratio is 10.000000",
    );

    // Pod items bound the pod's sum; claim items bound storage requests.
    api.post("/api/v1/namespaces", &json!({"metadata": {"name": "team"}}))
        .await
        .expect(201);
    let range = json!({"metadata": {"name": "limits"}, "spec": {"limits": [
        {"type": "Pod", "max": {"memory": "1Gi"}},
        {"type": "PersistentVolumeClaim", "max": {"storage": "5Gi"}}]}});
    api.post("/api/v1/namespaces/team/limitranges", &range)
        .await
        .expect(201);
    let container = |name: &str| json!({"name": name, "image": "nginx", "resources": {"limits": {"memory": "768Mi"}}});
    let two = pod(
        "two",
        json!({"containers": [container("a"), container("b")]}),
    );
    let refused = api
        .post("/api/v1/namespaces/team/pods", &two)
        .await
        .expect(403);
    forbidden(
        &refused,
        "two",
        "pods \"two\" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1536Mi",
    );
    let one = pod("one", json!({"containers": [container("a")]}));
    api.post("/api/v1/namespaces/team/pods", &one)
        .await
        .expect(201);
    let claim = |size: &str| {
        json!({"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}}}})
    };
    let claims = "/api/v1/namespaces/team/persistentvolumeclaims";
    let refused = api.post(claims, &claim("10Gi")).await.expect(403);
    assert_eq!(
        refused["message"],
        "persistentvolumeclaims \"data\" is forbidden: maximum storage usage per PersistentVolumeClaim is 5Gi, but request is 10Gi"
    );
    api.post(claims, &claim("1Gi")).await.expect(201);
    // Updates of claims are judged too.
    api.patch(
        &format!("{claims}/data"),
        MERGE,
        r#"{"spec": {"resources": {"requests": {"storage": "6Gi"}}}}"#,
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn default_tolerations_respect_what_the_pod_tolerates() {
    let (_server, api) = start().await;
    let containers = json!([{"name": "c", "image": "nginx:1"}]);
    let own = json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists",
        "effect": "NoExecute", "tolerationSeconds": 10});
    let created = api
        .post(
            PODS,
            &pod("a", json!({"tolerations": [own], "containers": containers})),
        )
        .await
        .expect(201);
    assert_eq!(
        created["spec"]["tolerations"],
        json!([own, default_tolerations()[0]])
    );
    // An empty key tolerates every taint.
    let everything = json!({"operator": "Exists"});
    let created = api
        .post(
            PODS,
            &pod(
                "b",
                json!({"tolerations": [everything], "containers": containers}),
            ),
        )
        .await
        .expect(201);
    assert_eq!(created["spec"]["tolerations"], json!([everything]));
    // Another effect does not.
    let schedule = json!({"operator": "Exists", "effect": "NoSchedule"});
    let created = api
        .post(
            PODS,
            &pod(
                "c",
                json!({"tolerations": [schedule], "containers": containers}),
            ),
        )
        .await
        .expect(201);
    assert_eq!(
        created["spec"]["tolerations"],
        json!([schedule, default_tolerations()[0], default_tolerations()[1]])
    );
}

#[tokio::test]
async fn jobs_select_their_pods_by_uid() {
    let (_server, api) = start().await;
    let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
        "spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "pi", "image": "perl:5.34"}]}}}});
    let created = api.post(JOBS, &job).await.expect(201);
    let uid = created["metadata"]["uid"].as_str().unwrap();
    let spec = &created["spec"];
    assert_eq!(
        spec["selector"],
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}})
    );
    assert_eq!(
        spec["template"]["metadata"]["labels"],
        json!({"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
            "controller-uid": uid, "job-name": "pi"})
    );
    assert_eq!(spec["manualSelector"], false);
    for (key, value) in [
        ("backoffLimit", json!(6)),
        ("completionMode", json!("NonIndexed")),
        ("completions", json!(1)),
        ("parallelism", json!(1)),
        ("podReplacementPolicy", json!("TerminatingOrFailed")),
        ("suspend", json!(false)),
    ] {
        assert_eq!(spec[key], value, "{key}");
    }
    // The selector is generated on creation, owned by nobody.
    let fields = &created["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"];
    assert!(fields.get("f:selector").is_none(), "{fields}");
    // Labels that pod templates of jobs created from this one keep on update.
    let updated = api
        .patch(
            &format!("{JOBS}/pi"),
            MERGE,
            r#"{"metadata":{"labels":{"team":"a"}}}"#,
        )
        .await
        .expect(200);
    assert_eq!(updated["spec"], created["spec"]);

    // A manual selector is the user's.
    let manual = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "manual"},
        "spec": {"manualSelector": true, "selector": {"matchLabels": {"app": "m"}},
            "template": {"metadata": {"labels": {"app": "m"}}, "spec": {"restartPolicy": "Never",
                "containers": [{"name": "pi", "image": "perl:5.34"}]}}}});
    let created = api.post(JOBS, &manual).await.expect(201);
    assert_eq!(
        created["spec"]["selector"],
        json!({"matchLabels": {"app": "m"}})
    );
    assert_eq!(
        created["spec"]["template"]["metadata"]["labels"],
        json!({"app": "m"})
    );
}
