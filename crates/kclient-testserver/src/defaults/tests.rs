//! Minimal objects of each family and what kube-apiserver 1.33 returns for them, field
//! for field from its `SetDefaults_*` functions and `+default=` markers.

use serde_json::{Value, json};

use super::apply;

fn defaulted(group: &str, version: &str, kind: &str, mut obj: Value) -> Value {
    apply(group, version, kind, &mut obj);
    obj
}

/// The PodSpec defaults every pod template gets, around `containers`.
fn template_spec(containers: Value) -> Value {
    json!({"containers": containers, "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
        "schedulerName": "default-scheduler", "securityContext": {},
        "terminationGracePeriodSeconds": 30})
}

fn nginx_defaulted() -> Value {
    json!([{"name": "web", "image": "nginx", "imagePullPolicy": "Always",
        "ports": [{"containerPort": 80, "protocol": "TCP"}],
        "resources": {}, "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File"}])
}

fn nginx() -> Value {
    json!([{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}], "resources": {}}])
}

#[test]
fn pod_gets_pod_spec_and_pod_defaults() {
    let pod = defaulted(
        "",
        "v1",
        "Pod",
        json!({"metadata": {"name": "p"}, "spec": {"containers": nginx()}}),
    );
    let mut spec = template_spec(nginx_defaulted());
    spec["enableServiceLinks"] = json!(true);
    assert_eq!(pod, json!({"metadata": {"name": "p"}, "spec": spec}));
}

#[test]
fn pod_containers_probes_volumes_and_resources() {
    let pod = defaulted(
        "",
        "v1",
        "Pod",
        json!({"spec": {"hostNetwork": true, "serviceAccountName": "robot",
        "containers": [{"name": "c", "image": "app:1.0",
            "ports": [{"containerPort": 8080}],
            "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
            "resources": {"limits": {"cpu": "1"}, "requests": {"memory": "1Gi"}},
            "livenessProbe": {"httpGet": {"port": 8080}},
            "readinessProbe": {"grpc": {"port": 9000}, "periodSeconds": 5},
            "lifecycle": {"preStop": {"httpGet": {"port": 80, "path": "/stop"}}}}],
        "initContainers": [{"name": "i", "image": "busybox@sha256:abc",
            "resources": {"limits": {"memory": "64Mi"}}}],
        "volumes": [{"name": "scratch"},
            {"name": "s", "secret": {"secretName": "s"}},
            {"name": "cm", "configMap": {"name": "cm"}},
            {"name": "h", "hostPath": {"path": "/tmp"}},
            {"name": "d", "downwardAPI": {"items": [{"path": "l", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
            {"name": "t", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
            {"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}}]}}),
    );
    assert_eq!(
        pod,
        json!({"spec": {"hostNetwork": true, "serviceAccountName": "robot", "serviceAccount": "robot",
        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
        "securityContext": {}, "terminationGracePeriodSeconds": 30, "enableServiceLinks": true,
        "containers": [{"name": "c", "image": "app:1.0", "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            "ports": [{"containerPort": 8080, "hostPort": 8080, "protocol": "TCP"}],
            "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
            "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "1", "memory": "1Gi"}},
            "livenessProbe": {"httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
                "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
            "readinessProbe": {"grpc": {"port": 9000, "service": ""}, "periodSeconds": 5,
                "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
            "lifecycle": {"preStop": {"httpGet": {"port": 80, "path": "/stop", "scheme": "HTTP"}}}}],
        "initContainers": [{"name": "i", "image": "busybox@sha256:abc", "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            "resources": {"limits": {"memory": "64Mi"}, "requests": {"memory": "64Mi"}}}],
        "volumes": [{"name": "scratch", "emptyDir": {}},
            {"name": "s", "secret": {"secretName": "s", "defaultMode": 420}},
            {"name": "cm", "configMap": {"name": "cm", "defaultMode": 420}},
            {"name": "h", "hostPath": {"path": "/tmp", "type": ""}},
            {"name": "d", "downwardAPI": {"defaultMode": 420, "items": [{"path": "l",
                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels"}}]}},
            {"name": "t", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken":
                {"path": "token", "expirationSeconds": 3600}}]}},
            {"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"],
                "volumeMode": "Filesystem"}}}}]}})
    );
}

#[test]
fn apps_workloads() {
    let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": nginx()}});
    let defaulted_template = json!({"metadata": {"labels": {"app": "web"}, "creationTimestamp": null},
        "spec": template_spec(nginx_defaulted())});
    let selector = json!({"matchLabels": {"app": "web"}});
    let dep = defaulted(
        "apps",
        "v1",
        "Deployment",
        json!({"spec": {"selector": selector, "template": template}}),
    );
    assert_eq!(
        dep,
        json!({"spec": {"selector": selector, "template": defaulted_template, "replicas": 1,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
        "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}})
    );
    let recreate = defaulted(
        "apps",
        "v1",
        "Deployment",
        json!({"spec": {"strategy": {"type": "Recreate"}}}),
    );
    assert_eq!(recreate["spec"]["strategy"], json!({"type": "Recreate"}));
    let ds = defaulted(
        "apps",
        "v1",
        "DaemonSet",
        json!({"spec": {"selector": selector, "template": template}}),
    );
    assert_eq!(
        ds,
        json!({"spec": {"selector": selector, "template": defaulted_template,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
        "revisionHistoryLimit": 10}})
    );
    let sts = defaulted(
        "apps",
        "v1",
        "StatefulSet",
        json!({"spec": {"selector": selector, "serviceName": "web", "template": template,
        "volumeClaimTemplates": [{"metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}),
    );
    assert_eq!(
        sts,
        json!({"spec": {"selector": selector, "serviceName": "web", "template": defaulted_template,
        "podManagementPolicy": "OrderedReady", "replicas": 1, "revisionHistoryLimit": 10,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
        "volumeClaimTemplates": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "creationTimestamp": null},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                "volumeMode": "Filesystem"},
            "status": {"phase": "Pending"}}]}})
    );
    let rs = defaulted(
        "apps",
        "v1",
        "ReplicaSet",
        json!({"spec": {"template": template}}),
    );
    assert_eq!(
        rs,
        json!({"spec": {"replicas": 1, "template": defaulted_template}})
    );
}

#[test]
fn batch_jobs_and_cron_jobs() {
    let template = json!({"metadata": {"labels": {"app": "pi"}},
        "spec": {"restartPolicy": "Never", "containers": nginx()}});
    let mut spec = template_spec(nginx_defaulted());
    spec["restartPolicy"] = json!("Never");
    let defaulted_template =
        json!({"metadata": {"labels": {"app": "pi"}, "creationTimestamp": null}, "spec": spec});
    let job = defaulted(
        "batch",
        "v1",
        "Job",
        json!({"metadata": {"name": "pi"}, "spec": {"template": template}}),
    );
    assert_eq!(
        job,
        json!({"metadata": {"name": "pi", "labels": {"app": "pi"}}, "spec": {
        "template": defaulted_template, "completions": 1, "parallelism": 1, "backoffLimit": 6,
        "completionMode": "NonIndexed", "suspend": false, "manualSelector": false,
        "podReplacementPolicy": "TerminatingOrFailed"}})
    );
    let cron = defaulted(
        "batch",
        "v1",
        "CronJob",
        json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}}),
    );
    assert_eq!(
        cron,
        json!({"spec": {"schedule": "* * * * *", "concurrencyPolicy": "Allow", "suspend": false,
        "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
        "jobTemplate": {"metadata": {"creationTimestamp": null},
            "spec": {"template": defaulted_template}}}})
    );
}

#[test]
fn core_kinds() {
    let rc = defaulted(
        "",
        "v1",
        "ReplicationController",
        json!({"spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": nginx()}}}}),
    );
    assert_eq!(
        rc,
        json!({"metadata": {"labels": {"a": "b"}}, "spec": {"replicas": 1, "selector": {"a": "b"},
        "template": {"metadata": {"labels": {"a": "b"}, "creationTimestamp": null},
            "spec": template_spec(nginx_defaulted())}}})
    );
    let svc = defaulted(
        "",
        "v1",
        "Service",
        json!({"spec": {"ports": [{"port": 80}, {"port": 53, "protocol": "UDP", "targetPort": "dns"}]}}),
    );
    assert_eq!(
        svc,
        json!({"spec": {"type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80},
                  {"port": 53, "protocol": "UDP", "targetPort": "dns"}]}})
    );
    let lb = defaulted(
        "",
        "v1",
        "Service",
        json!({"spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP"},
        "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}, {"hostname": "lb"}]}}}),
    );
    assert_eq!(
        lb,
        json!({"spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP",
        "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
        "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
        "allocateLoadBalancerNodePorts": true},
        "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4", "ipMode": "VIP"}, {"hostname": "lb"}]}}})
    );
    let external = defaulted(
        "",
        "v1",
        "Service",
        json!({"spec": {"type": "ExternalName", "externalName": "example.com"}}),
    );
    assert_eq!(
        external,
        json!({"spec": {"type": "ExternalName", "externalName": "example.com", "sessionAffinity": "None"}})
    );
    assert_eq!(
        defaulted("", "v1", "Secret", json!({"data": {}})),
        json!({"data": {}, "type": "Opaque"})
    );
    assert_eq!(
        defaulted("", "v1", "Namespace", json!({"metadata": {"name": "dev"}})),
        json!({"metadata": {"name": "dev", "labels": {"kubernetes.io/metadata.name": "dev"}},
        "status": {"phase": "Active"}})
    );
    assert_eq!(
        defaulted(
            "",
            "v1",
            "PersistentVolume",
            json!({"spec": {"capacity": {"storage": "1Gi"}, "hostPath": {"path": "/d"}}})
        ),
        json!({"spec": {"capacity": {"storage": "1Gi"}, "hostPath": {"path": "/d", "type": ""},
        "persistentVolumeReclaimPolicy": "Retain", "volumeMode": "Filesystem"},
        "status": {"phase": "Pending"}})
    );
    assert_eq!(
        defaulted(
            "",
            "v1",
            "PersistentVolumeClaim",
            json!({"spec": {"accessModes": ["ReadWriteOnce"]}})
        ),
        json!({"spec": {"accessModes": ["ReadWriteOnce"], "volumeMode": "Filesystem"},
        "status": {"phase": "Pending"}})
    );
    assert_eq!(
        defaulted(
            "",
            "v1",
            "Endpoints",
            json!({"subsets": [{"ports": [{"port": 80}]}]})
        ),
        json!({"subsets": [{"ports": [{"port": 80, "protocol": "TCP"}]}]})
    );
    assert_eq!(
        defaulted(
            "",
            "v1",
            "LimitRange",
            json!({"spec": {"limits": [{"type": "Container",
            "max": {"cpu": "2"}, "min": {"memory": "1Mi"}}]}})
        ),
        json!({"spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "1Mi"},
        "default": {"cpu": "2"}, "defaultRequest": {"cpu": "2", "memory": "1Mi"}}]}})
    );
    assert_eq!(
        defaulted(
            "",
            "v1",
            "Node",
            json!({"status": {"capacity": {"cpu": "4"}}})
        ),
        json!({"status": {"capacity": {"cpu": "4"}, "allocatable": {"cpu": "4"}}})
    );
    let template = defaulted(
        "",
        "v1",
        "PodTemplate",
        json!({"template": {"spec": {"containers": nginx()}}}),
    );
    assert_eq!(
        template,
        json!({"template": {"metadata": {"creationTimestamp": null},
            "spec": template_spec(nginx_defaulted())}})
    );
}

#[test]
fn networking_discovery_and_rbac() {
    assert_eq!(
        defaulted(
            "networking.k8s.io",
            "v1",
            "NetworkPolicy",
            json!({"spec": {"podSelector": {},
            "egress": [{"ports": [{"port": 53}]}]}})
        ),
        json!({"spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
        "egress": [{"ports": [{"port": 53, "protocol": "TCP"}]}]}})
    );
    assert_eq!(
        defaulted(
            "networking.k8s.io",
            "v1",
            "NetworkPolicy",
            json!({"spec": {"podSelector": {}}})
        ),
        json!({"spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})
    );
    assert_eq!(
        defaulted(
            "networking.k8s.io",
            "v1",
            "IngressClass",
            json!({"spec": {"parameters": {"kind": "K", "name": "n"}}})
        ),
        json!({"spec": {"parameters": {"kind": "K", "name": "n", "scope": "Cluster"}}})
    );
    assert_eq!(
        defaulted(
            "discovery.k8s.io",
            "v1",
            "EndpointSlice",
            json!({"addressType": "IPv4", "ports": [{"port": 80}]})
        ),
        json!({"addressType": "IPv4", "ports": [{"port": 80, "name": "", "protocol": "TCP"}]})
    );
    assert_eq!(
        defaulted(
            "rbac.authorization.k8s.io",
            "v1",
            "RoleBinding",
            json!({"roleRef": {"kind": "Role", "name": "r"},
            "subjects": [{"kind": "User", "name": "u"}, {"kind": "Group", "name": "g"},
                         {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"}]})
        ),
        json!({"roleRef": {"kind": "Role", "name": "r", "apiGroup": "rbac.authorization.k8s.io"},
        "subjects": [{"kind": "User", "name": "u", "apiGroup": "rbac.authorization.k8s.io"},
                     {"kind": "Group", "name": "g", "apiGroup": "rbac.authorization.k8s.io"},
                     {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"}]})
    );
}

#[test]
fn autoscaling_scheduling_flowcontrol() {
    let target = json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"});
    assert_eq!(
        defaulted(
            "autoscaling",
            "v2",
            "HorizontalPodAutoscaler",
            json!({"spec": {"scaleTargetRef": target, "maxReplicas": 5,
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}})
        ),
        json!({"spec": {"scaleTargetRef": target, "maxReplicas": 5, "minReplicas": 1,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 80}}}],
        "behavior": {
            "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15}]},
            "scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max", "policies": [
                {"type": "Percent", "value": 100, "periodSeconds": 15}]}}}})
    );
    assert_eq!(
        defaulted(
            "autoscaling",
            "v1",
            "HorizontalPodAutoscaler",
            json!({"spec": {"scaleTargetRef": target, "maxReplicas": 5}})
        ),
        json!({"spec": {"scaleTargetRef": target, "maxReplicas": 5, "minReplicas": 1}})
    );
    assert_eq!(
        defaulted(
            "scheduling.k8s.io",
            "v1",
            "PriorityClass",
            json!({"value": 10})
        ),
        json!({"value": 10, "preemptionPolicy": "PreemptLowerPriority"})
    );
    assert_eq!(
        defaulted(
            "flowcontrol.apiserver.k8s.io",
            "v1",
            "PriorityLevelConfiguration",
            json!({"spec": {"type": "Limited", "limited": {"limitResponse": {"type": "Queue", "queuing": {}}}}})
        ),
        json!({"spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 30, "lendablePercent": 0,
        "limitResponse": {"type": "Queue", "queuing": {"queues": 64, "handSize": 8, "queueLengthLimit": 50}}}}})
    );
    assert_eq!(
        defaulted(
            "flowcontrol.apiserver.k8s.io",
            "v1",
            "FlowSchema",
            json!({"spec": {"priorityLevelConfiguration": {"name": "x"}}})
        ),
        json!({"spec": {"priorityLevelConfiguration": {"name": "x"}, "matchingPrecedence": 1000}})
    );
}

#[test]
fn storage_and_admission() {
    assert_eq!(
        defaulted(
            "storage.k8s.io",
            "v1",
            "StorageClass",
            json!({"provisioner": "p"})
        ),
        json!({"provisioner": "p", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"})
    );
    assert_eq!(
        defaulted("storage.k8s.io", "v1", "CSIDriver", json!({"spec": {}})),
        json!({"spec": {"attachRequired": true, "podInfoOnMount": false, "storageCapacity": false,
        "fsGroupPolicy": "ReadWriteOnceWithFSType", "volumeLifecycleModes": ["Persistent"],
        "requiresRepublish": false, "seLinuxMount": false}})
    );
    assert_eq!(
        defaulted(
            "admissionregistration.k8s.io",
            "v1",
            "MutatingWebhookConfiguration",
            json!({"webhooks": [{"name": "w.example.com", "sideEffects": "None",
            "admissionReviewVersions": ["v1"],
            "clientConfig": {"service": {"name": "s", "namespace": "n"}},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]}]})
        ),
        json!({"webhooks": [{"name": "w.example.com", "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        "clientConfig": {"service": {"name": "s", "namespace": "n", "port": 443}},
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "scope": "*"}],
        "failurePolicy": "Fail", "matchPolicy": "Equivalent", "namespaceSelector": {}, "objectSelector": {},
        "timeoutSeconds": 10, "reinvocationPolicy": "Never"}]})
    );
    assert_eq!(
        defaulted(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingAdmissionPolicy",
            json!({"spec": {"matchConstraints": {"resourceRules": [{"operations": ["CREATE"]}]}}})
        ),
        json!({"spec": {"failurePolicy": "Fail", "matchConstraints": {"matchPolicy": "Equivalent",
        "namespaceSelector": {}, "objectSelector": {},
        "resourceRules": [{"operations": ["CREATE"], "scope": "*"}]}}})
    );
}

#[test]
fn api_extensions_and_token_requests() {
    let crd = |status: Value| {
        json!({"spec": {"group": "example.com", "names": {"plural": "gadgets", "kind": "Gadget"},
            "versions": [{"name": "v1alpha1", "storage": false}, {"name": "v1", "storage": true}]},
            "status": status})
    };
    let defaulted_crd = defaulted(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        crd(json!(null)),
    );
    assert_eq!(
        defaulted_crd["spec"]["names"],
        json!({"plural": "gadgets", "kind": "Gadget", "singular": "gadget", "listKind": "GadgetList"})
    );
    assert_eq!(
        defaulted_crd["spec"]["conversion"],
        json!({"strategy": "None"})
    );
    assert_eq!(defaulted_crd["status"], json!({"storedVersions": ["v1"]}));
    // Versions already stored stay as they are.
    let kept = defaulted(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        crd(json!({"storedVersions": ["v1alpha1", "v1"]})),
    );
    assert_eq!(kept["status"]["storedVersions"], json!(["v1alpha1", "v1"]));
    // Without a kind there is nothing to derive (Go's empty singular is omitted).
    let nameless = defaulted(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        json!({"spec": {"names": {"plural": "x"}}}),
    );
    assert_eq!(nameless["spec"]["names"], json!({"plural": "x"}));
    assert_eq!(
        defaulted(
            "apiregistration.k8s.io",
            "v1",
            "APIService",
            json!({"spec": {"service": {"namespace": "n", "name": "s"}}})
        ),
        json!({"spec": {"service": {"namespace": "n", "name": "s", "port": 443}}})
    );
    assert_eq!(
        defaulted("authentication.k8s.io", "v1", "TokenRequest", json!({})),
        json!({"spec": {"expirationSeconds": 3600}})
    );
}

#[test]
fn defaulting_is_idempotent_and_keeps_given_values() {
    let given = json!({"spec": {"replicas": 0, "revisionHistoryLimit": 2, "progressDeadlineSeconds": 60,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
        "template": {"spec": {"dnsPolicy": "Default", "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "c", "image": "x", "imagePullPolicy": "Never"}]}}}});
    let once = defaulted("apps", "v1", "Deployment", given);
    assert_eq!(once["spec"]["replicas"], 0);
    assert_eq!(
        once["spec"]["strategy"]["rollingUpdate"],
        json!({"maxSurge": 1, "maxUnavailable": "25%"})
    );
    assert_eq!(once["spec"]["template"]["spec"]["dnsPolicy"], "Default");
    assert_eq!(
        once["spec"]["template"]["spec"]["terminationGracePeriodSeconds"],
        0
    );
    assert_eq!(
        once["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
        "Never"
    );
    let twice = defaulted("apps", "v1", "Deployment", once.clone());
    assert_eq!(once, twice);
    // Kinds without defaults and custom groups are left alone.
    let cm = json!({"data": {"a": "b"}});
    assert_eq!(defaulted("", "v1", "ConfigMap", cm.clone()), cm);
    assert_eq!(defaulted("example.com", "v1", "Deployment", cm.clone()), cm);
}
