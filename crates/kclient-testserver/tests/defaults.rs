//! Defaulting, pruning and `fieldValidation` of built-in kinds over HTTPS, on every
//! write path, compared with what kube-apiserver 1.33 answers (its `SetDefaults_*`
//! functions, the Service registry's allocations and apimachinery's strict decoding).

mod common;

use common::{CM, start};
use http::Method;
use serde_json::{Value, json};

const PODS: &str = "/api/v1/namespaces/default/pods";
const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";
const SERVICES: &str = "/api/v1/namespaces/default/services";
const MERGE: &str = "application/merge-patch+json";

fn container_defaulted() -> Value {
    json!({"name": "web", "image": "nginx", "imagePullPolicy": "Always",
        "ports": [{"containerPort": 80, "protocol": "TCP"}], "resources": {},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"})
}

fn deployment() -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx",
                    "ports": [{"containerPort": 80}]}]}}}})
}

fn deployment_spec_defaulted() -> Value {
    json!({"replicas": 1, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
        "template": {"metadata": {"creationTimestamp": null, "labels": {"app": "web"}}, "spec": {
            "containers": [container_defaulted()], "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always", "schedulerName": "default-scheduler", "securityContext": {},
            "terminationGracePeriodSeconds": 30}}})
}

fn rv(obj: &Value) -> String {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn created_objects_come_back_defaulted() {
    let (_server, api) = start().await;
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}]}});
    let created = api.post(PODS, &pod).await.expect(201);
    // Admission adds the service account, its token volume, priority and tolerations
    // (tests/admission.rs checks them); the volume's name is generated.
    let volume = created["spec"]["volumes"][0]["name"].clone();
    let mut container = container_defaulted();
    container["volumeMounts"] = json!([{"name": volume, "readOnly": true,
        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]);
    let mut spec = created["spec"].clone();
    for key in ["volumes", "tolerations"] {
        spec.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(
        spec,
        json!({"containers": [container], "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": true, "restartPolicy": "Always",
            "schedulerName": "default-scheduler", "securityContext": {},
            "serviceAccount": "default", "serviceAccountName": "default",
            "priority": 0, "preemptionPolicy": "PreemptLowerPriority",
            "terminationGracePeriodSeconds": 30})
    );
    assert_eq!(created["status"]["phase"], "Pending");
    assert_eq!(api.get(&format!("{PODS}/p")).await.expect(200), created);

    let created = api.post(DEPLOYMENTS, &deployment()).await.expect(201);
    assert_eq!(created["spec"], deployment_spec_defaulted());
    assert_eq!(created["metadata"]["generation"], 1);
    // The defaulted fields belong to the manager that created the object.
    let fields = &created["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"];
    assert!(fields.get("f:revisionHistoryLimit").is_some(), "{fields}");

    // Dry run answers with the defaults too.
    let mut other = deployment();
    other["metadata"]["name"] = json!("dry");
    let dry = api
        .post(&format!("{DEPLOYMENTS}?dryRun=All"), &other)
        .await
        .expect(201);
    assert_eq!(dry["spec"], deployment_spec_defaulted());
}

#[tokio::test]
async fn updates_patches_and_apply_are_defaulted() {
    let (_server, api) = start().await;
    let url = format!("{DEPLOYMENTS}/web");
    let created = api.post(DEPLOYMENTS, &deployment()).await.expect(201);

    // A PUT of the original body defaults to the stored object: nothing changes.
    let mut same = deployment();
    same["metadata"]["resourceVersion"] = json!(rv(&created));
    let put = api.put(&url, &same).await.expect(200);
    assert_eq!(put["spec"], deployment_spec_defaulted());
    assert_eq!(rv(&put), rv(&created));
    assert_eq!(put["metadata"]["generation"], 1);

    // Merge patch: nulls clear fields, and decoding defaults them again.
    let patched = api
        .patch(
            &url,
            MERGE,
            r#"{"spec": {"revisionHistoryLimit": null, "strategy": null,
                "template": {"spec": {"dnsPolicy": null, "restartPolicy": null}}}}"#,
        )
        .await
        .expect(200);
    assert_eq!(patched["spec"], deployment_spec_defaulted());
    assert_eq!(rv(&patched), rv(&created));

    // JSON patch.
    let patched = api
        .patch(
            &url,
            "application/json-patch+json",
            r#"[{"op": "remove", "path": "/spec/template/spec/containers/0/imagePullPolicy"},
                {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.27"}]"#,
        )
        .await
        .expect(200);
    let c = &patched["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["image"], "nginx:1.27");
    assert_eq!(c["imagePullPolicy"], "IfNotPresent");
    assert_eq!(patched["metadata"]["generation"], 2);

    // Strategic merge patch adding a container.
    let patched = api
        .patch(
            &url,
            "application/strategic-merge-patch+json",
            r#"{"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox:1.36",
                "readinessProbe": {"exec": {"command": ["true"]}}}]}}}}"#,
        )
        .await
        .expect(200);
    let side = patched["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "side")
        .cloned()
        .unwrap();
    assert_eq!(
        side,
        json!({"name": "side", "image": "busybox:1.36", "imagePullPolicy": "IfNotPresent",
            "readinessProbe": {"exec": {"command": ["true"]}, "failureThreshold": 3,
                "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1},
            "resources": {}, "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"})
    );

    // Server-side apply, creating and then updating.
    let apply_url = "/apis/apps/v1/namespaces/default/deployments/applied?fieldManager=me";
    let mut applied = deployment();
    applied["metadata"]["name"] = json!("applied");
    let body = serde_json::to_string(&applied).unwrap();
    let created = api
        .patch(apply_url, "application/apply-patch+yaml", &body)
        .await
        .expect(201);
    assert_eq!(created["spec"], deployment_spec_defaulted());
    // Defaults are not the applier's fields.
    let owned = &created["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"];
    assert!(owned.get("f:revisionHistoryLimit").is_none(), "{owned}");
    applied["spec"]["replicas"] = json!(3);
    let body = serde_json::to_string(&applied).unwrap();
    let updated = api
        .patch(apply_url, "application/apply-patch+yaml", &body)
        .await
        .expect(200);
    let mut want = deployment_spec_defaulted();
    want["replicas"] = json!(3);
    assert_eq!(updated["spec"], want);

    // Status writes decode (and default) the whole object too.
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "s"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}});
    let created = api.post(PODS, &pod).await.expect(201);
    let mut status = created.clone();
    status["status"]["phase"] = json!("Running");
    let written = api
        .put(&format!("{PODS}/s/status"), &status)
        .await
        .expect(200);
    assert_eq!(written["status"]["phase"], "Running");
    assert_eq!(written["spec"], created["spec"]);
}

#[tokio::test]
async fn resource_lists_round_up_to_milli_units() {
    // core/v1's SetDefaults_ResourceList rounds every entry of a resource list up to
    // milli units; other quantities (an emptyDir's size limit) keep nano precision.
    let (_server, api) = start().await;
    let resources = json!({"requests": {"cpu": "100n", "memory": "1.0001m"},
        "limits": {"cpu": "1500u", "memory": "1Gi"}});
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q"},
        "spec": {"containers": [{"name": "c", "image": "nginx", "resources": resources}],
            "initContainers": [{"name": "i", "image": "nginx", "resources": resources}],
            "overhead": {"cpu": "0.0001"},
            "volumes": [{"name": "v", "emptyDir": {"sizeLimit": "100n"}}]}});
    let created = api.post(PODS, &pod).await.expect(201);
    let rounded = json!({"requests": {"cpu": "1m", "memory": "2m"},
        "limits": {"cpu": "2m", "memory": "1Gi"}});
    assert_eq!(created["spec"]["containers"][0]["resources"], rounded);
    assert_eq!(created["spec"]["initContainers"][0]["resources"], rounded);
    assert_eq!(created["spec"]["overhead"], json!({"cpu": "1m"}));
    assert_eq!(
        created["spec"]["volumes"][0]["emptyDir"]["sizeLimit"],
        "100n"
    );

    // Templates of workloads reach the same defaulting.
    let mut deploy = deployment();
    deploy["spec"]["template"]["spec"]["containers"][0]["resources"] = resources.clone();
    let created = api.post(DEPLOYMENTS, &deploy).await.expect(201);
    assert_eq!(
        created["spec"]["template"]["spec"]["containers"][0]["resources"],
        rounded
    );

    // So do quotas and limit ranges.
    let quota = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
        "spec": {"hard": {"requests.cpu": "10n", "pods": "10"}}});
    let created = api
        .post("/api/v1/namespaces/default/resourcequotas", &quota)
        .await
        .expect(201);
    assert_eq!(
        created["spec"]["hard"],
        json!({"requests.cpu": "1m", "pods": "10"})
    );
    let range = json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "l"},
        "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "0.25001"}}]}});
    let created = api
        .post("/api/v1/namespaces/default/limitranges", &range)
        .await
        .expect(201);
    assert_eq!(
        created["spec"]["limits"][0]["defaultRequest"],
        json!({"cpu": "251m"})
    );
}

#[tokio::test]
async fn ephemeral_container_statuses_round_resource_lists() {
    // SetObjectDefaults_Pod rounds the resource lists of every container status, the
    // ephemeral containers' included.
    let (_server, api) = start().await;
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "e"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
    let mut created = api.post(PODS, &pod).await.expect(201);
    let resources = json!({"requests": {"cpu": "100n"}, "limits": {"cpu": "1500u"}});
    created["status"]["ephemeralContainerStatuses"] = json!([{"name": "debug", "image": "busybox",
        "imageID": "", "ready": false, "restartCount": 0,
        "allocatedResources": {"cpu": "0.0001"}, "resources": resources}]);
    let written = api
        .put(&format!("{PODS}/e/status"), &created)
        .await
        .expect(200);
    let status = &written["status"]["ephemeralContainerStatuses"][0];
    assert_eq!(status["allocatedResources"], json!({"cpu": "1m"}));
    assert_eq!(
        status["resources"],
        json!({"requests": {"cpu": "1m"}, "limits": {"cpu": "2m"}})
    );
}

#[tokio::test]
async fn cron_job_templates_default_pod_failure_policies() {
    // SetDefaults_PodFailurePolicyOnPodConditionsPattern is a type's defaulter: the
    // generated CronJob defaulter reaches it through the job template too.
    let (_server, api) = start().await;
    let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {
            "podFailurePolicy": {"rules": [{"action": "Ignore",
                "onPodConditions": [{"type": "DisruptionTarget"}]}]},
            "template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "c", "image": "busybox:1.36"}]}}}}}});
    let created = api
        .post("/apis/batch/v1/namespaces/default/cronjobs", &cron)
        .await
        .expect(201);
    assert_eq!(
        created["spec"]["jobTemplate"]["spec"]["podFailurePolicy"]["rules"][0]["onPodConditions"],
        json!([{"type": "DisruptionTarget", "status": "True"}])
    );
}

const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

fn gadget_crd() -> Value {
    let schema = json!({"openAPIV3Schema": {"type": "object",
        "x-kubernetes-preserve-unknown-fields": true}});
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "gadgets", "kind": "Gadget"},
            "versions": [
                {"name": "v1beta1", "served": true, "storage": false, "schema": schema},
                {"name": "v1", "served": true, "storage": true, "schema": schema}]}})
}

#[tokio::test]
async fn custom_resource_definitions_are_defaulted() {
    // apiextensions' SetDefaults_CustomResourceDefinition(Spec): the names kube derives
    // from the kind, conversion strategy None, the storage version as stored version.
    let (_server, api) = start().await;
    let created = api.post(CRDS, &gadget_crd()).await.expect(201);
    assert_eq!(
        created["spec"]["names"],
        json!({"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"})
    );
    assert_eq!(created["spec"]["conversion"], json!({"strategy": "None"}));
    assert_eq!(created["status"]["storedVersions"], json!(["v1"]));

    // A merge patch switching to a webhook gets the service's port
    // (SetDefaults_ServiceReference); given names stay.
    let patched = api
        .patch(
            &format!("{CRDS}/gadgets.example.com"),
            MERGE,
            r#"{"spec": {"names": {"singular": "gizmo"}, "conversion": {"strategy": "Webhook",
                "webhook": {"conversionReviewVersions": ["v1"],
                    "clientConfig": {"service": {"namespace": "default", "name": "convert"}}}}}}"#,
        )
        .await
        .expect(200);
    assert_eq!(patched["spec"]["names"]["singular"], "gizmo");
    assert_eq!(patched["spec"]["names"]["listKind"], "GadgetList");
    assert_eq!(
        patched["spec"]["conversion"]["webhook"]["clientConfig"]["service"],
        json!({"namespace": "default", "name": "convert", "port": 443})
    );
}

#[tokio::test]
async fn api_services_are_defaulted() {
    // kube-aggregator's SetDefaults_ServiceReference, through server-side apply.
    let (_server, api) = start().await;
    let service = json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
        "metadata": {"name": "v1.gadgets.example.io"},
        "spec": {"group": "gadgets.example.io", "version": "v1", "groupPriorityMinimum": 1000,
            "versionPriority": 15, "insecureSkipTLSVerify": true,
            "service": {"namespace": "default", "name": "gadgets"}}});
    let applied = api
        .patch(
            "/apis/apiregistration.k8s.io/v1/apiservices/v1.gadgets.example.io?fieldManager=me",
            "application/apply-patch+yaml",
            &service.to_string(),
        )
        .await
        .expect(201);
    assert_eq!(
        applied["spec"]["service"],
        json!({"namespace": "default", "name": "gadgets", "port": 443})
    );
}

#[tokio::test]
async fn token_requests_are_defaulted() {
    // authentication's SetDefaults_TokenRequestSpec: a token lives an hour.
    let (_server, api) = start().await;
    let issued = api
        .post(
            "/api/v1/namespaces/default/serviceaccounts/default/token",
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}),
        )
        .await
        .expect(201);
    assert_eq!(issued["spec"]["expirationSeconds"], 3600);
}

#[tokio::test]
async fn services_get_cluster_ips_and_node_ports() {
    let (_server, api) = start().await;
    let svc = |name: &str, spec: Value| json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec});
    let created = api
        .post(
            SERVICES,
            &svc(
                "web",
                json!({"selector": {"app": "web"}, "ports": [{"port": 80}]}),
            ),
        )
        .await
        .expect(201);
    let ip = created["spec"]["clusterIP"].as_str().unwrap().to_string();
    assert!(ip.starts_with("10.96.") && ip != "10.96.0.1", "{ip}");
    assert_eq!(
        created["spec"],
        json!({"clusterIP": ip, "clusterIPs": [ip], "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
            "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
            "selector": {"app": "web"}, "sessionAffinity": "None", "type": "ClusterIP"})
    );
    assert_eq!(created["status"], json!({"loadBalancer": {}}));
    // The creator owns the defaults but not what the registry allocated.
    let owned = &created["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"];
    assert!(owned.get("f:sessionAffinity").is_some(), "{owned}");
    assert!(owned.get("f:clusterIP").is_none(), "{owned}");

    // An address another Service holds is refused.
    let err = api
        .post(
            SERVICES,
            &svc("copy", json!({"clusterIP": ip, "ports": [{"port": 80}]})),
        )
        .await
        .expect(422);
    assert_eq!(err["details"]["causes"][0]["field"], "spec.clusterIPs");
    assert_eq!(
        err["message"],
        format!(
            "Service \"copy\" is invalid: spec.clusterIPs: Invalid value: []string{{\"{ip}\"}}: failed to allocate IP {ip}: provided IP is already allocated"
        ),
        "{err}"
    );

    let np = api
        .post(
            SERVICES,
            &svc(
                "np",
                json!({"type": "NodePort", "selector": {"app": "web"},
                "ports": [{"name": "http", "port": 80}, {"name": "fixed", "port": 81, "nodePort": 30081}]}),
            ),
        )
        .await
        .expect(201);
    let port = np["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    assert!((30000..=32767).contains(&port), "{port}");
    assert_eq!(np["spec"]["ports"][1]["nodePort"], 30081);
    assert_eq!(np["spec"]["externalTrafficPolicy"], "Cluster");
    let err = api
        .post(
            SERVICES,
            &svc(
                "np2",
                json!({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30081}]}),
            ),
        )
        .await
        .expect(422);
    assert_eq!(
        err["details"]["causes"][0]["message"],
        "Invalid value: 30081: provided port is already allocated"
    );
    // An update that leaves the allocations out keeps them.
    let put = api
        .put(
            &format!("{SERVICES}/np"),
            &svc(
                "np",
                json!({"type": "NodePort", "selector": {"app": "web"},
                "ports": [{"name": "http", "port": 80}, {"name": "fixed", "port": 81}]}),
            ),
        )
        .await
        .expect(200);
    // (The write still happens: the manager no longer owns the node port it left out.)
    assert_eq!(put["spec"], np["spec"]);

    let lb = api
        .post(
            SERVICES,
            &svc(
                "lb",
                json!({"type": "LoadBalancer", "externalTrafficPolicy": "Local", "ports": [{"port": 443}]}),
            ),
        )
        .await
        .expect(201);
    assert_eq!(lb["spec"]["allocateLoadBalancerNodePorts"], true);
    assert!(lb["spec"]["ports"][0]["nodePort"].is_i64());
    assert!(lb["spec"]["healthCheckNodePort"].is_i64());

    let headless = api
        .post(
            SERVICES,
            &svc(
                "headless",
                json!({"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 80}]}),
            ),
        )
        .await
        .expect(201);
    assert_eq!(headless["spec"]["clusterIPs"], json!(["None"]));
    assert_eq!(headless["spec"]["ipFamilyPolicy"], "SingleStack");
    let selectorless = api
        .post(SERVICES, &svc("bare", json!({"clusterIP": "None"})))
        .await
        .expect(201);
    assert_eq!(selectorless["spec"]["ipFamilyPolicy"], "RequireDualStack");
    assert_eq!(selectorless["spec"]["ipFamilies"], json!(["IPv4", "IPv6"]));
    let external = api
        .post(
            SERVICES,
            &svc(
                "ext",
                json!({"type": "ExternalName", "externalName": "example.com"}),
            ),
        )
        .await
        .expect(201);
    assert_eq!(
        external["spec"],
        json!({"type": "ExternalName", "externalName": "example.com", "sessionAffinity": "None"})
    );
}

fn warnings(resp: &common::Resp) -> Vec<String> {
    resp.headers
        .get_all("warning")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn unknown_fields_are_pruned_and_field_validation_reports_them() {
    let (_server, api) = start().await;
    let json_ct = [("content-type", "application/json")];
    let body = |name: &str| {
        format!(
            r#"{{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {{"name": "{name}"}},
            "bogus": 1, "data": {{"a": "1"}}, "data": {{"b": "2"}}}}"#
        )
    };
    // Ignore: dropped silently.
    let resp = api
        .send(
            Method::POST,
            &format!("{CM}?fieldValidation=Ignore"),
            &json_ct,
            body("ignored"),
        )
        .await;
    let created = resp.expect(201);
    assert!(warnings(&resp).is_empty());
    assert!(created.get("bogus").is_none());
    assert_eq!(created["data"], json!({"b": "2"}));
    let stored = api.get(&format!("{CM}/ignored")).await.expect(200);
    assert!(stored.get("bogus").is_none());

    // Warn (the default): dropped, one warning per field.
    let resp = api.send(Method::POST, CM, &json_ct, body("warned")).await;
    assert!(resp.expect(201).get("bogus").is_none());
    assert_eq!(
        warnings(&resp),
        vec![
            "299 - \"unknown field \\\"bogus\\\"\"".to_string(),
            "299 - \"duplicate field \\\"data\\\"\"".to_string()
        ]
    );

    // Strict: a 400 naming the kind and version.
    let resp = api
        .send(
            Method::POST,
            &format!("{CM}?fieldValidation=Strict"),
            &json_ct,
            body("strict"),
        )
        .await;
    let err = resp.expect(400);
    assert_eq!(err["reason"], "BadRequest");
    assert_eq!(
        err["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"bogus\", duplicate field \"data\""
    );
    api.get(&format!("{CM}/strict")).await.expect(404);

    let mut dep = deployment();
    dep["spec"]["template"]["spec"]["containers"][0]["foo"] = json!(true);
    let err = api
        .post(&format!("{DEPLOYMENTS}?fieldValidation=Strict"), &dep)
        .await
        .expect(400);
    assert_eq!(
        err["message"],
        "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.template.spec.containers[0].foo\""
    );
    let created = api.post(DEPLOYMENTS, &dep).await.expect(201);
    assert_eq!(created["spec"], deployment_spec_defaulted());

    // Updates answer as creates do.
    let resp = api
        .send(
            Method::PUT,
            &format!("{CM}/warned?fieldValidation=Strict"),
            &json_ct,
            body("warned"),
        )
        .await;
    assert_eq!(
        resp.expect(400)["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"bogus\", duplicate field \"data\""
    );

    // Patches: the bare strict decoding error, and the same pruning.
    let patch = r#"{"bogus": true, "metadata": {"labels": {"a": "b"}, "labels": {"c": "d"}}}"#;
    let err = api
        .patch(&format!("{CM}/warned?fieldValidation=Strict"), MERGE, patch)
        .await
        .expect(400);
    assert_eq!(
        err["message"],
        "strict decoding error: unknown field \"bogus\", duplicate field \"metadata.labels\""
    );
    let resp = api.patch(&format!("{CM}/warned"), MERGE, patch).await;
    let patched = resp.expect(200);
    assert!(patched.get("bogus").is_none());
    assert_eq!(patched["metadata"]["labels"], json!({"c": "d"}));
    assert_eq!(
        warnings(&resp),
        vec![
            "299 - \"unknown field \\\"bogus\\\"\"".to_string(),
            "299 - \"duplicate field \\\"metadata.labels\\\"\"".to_string()
        ]
    );
}
