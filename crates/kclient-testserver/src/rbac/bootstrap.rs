//! The default roles and bindings kube-apiserver creates at startup (its RBAC bootstrap
//! policy): `cluster-admin` for `system:masters`, discovery, self-reviews and public
//! information for everyone, and the user-facing `admin`, `edit` and `view` ClusterRoles,
//! which aggregate the `system:aggregate-to-*` roles (and each other: view into edit, edit
//! into admin). Rules and labels follow kube-apiserver's golden
//! `bootstrappolicy/testdata/cluster-roles.yaml`.

use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::handlers::{CreateOptions, create_object};
use crate::state::State;

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];

fn rule(verbs: &[&str], group: &str, resources: &[&str]) -> Value {
    rules(verbs, &[group], resources)
}

fn rules(verbs: &[&str], groups: &[&str], resources: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

fn urls(verbs: &[&str], urls: &[&str]) -> Value {
    json!({"nonResourceURLs": urls, "verbs": verbs})
}

fn read_write() -> Vec<&'static str> {
    READ.iter().chain(WRITE).copied().collect()
}

fn metadata(name: &str, extra_labels: &[(&str, &str)]) -> Value {
    let mut labels = serde_json::Map::new();
    labels.insert(
        "kubernetes.io/bootstrapping".into(),
        Value::String("rbac-defaults".into()),
    );
    for (k, v) in extra_labels {
        labels.insert((*k).to_string(), Value::String((*v).to_string()));
    }
    json!({"name": name, "labels": labels,
           "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}})
}

fn cluster_role(name: &str, labels: &[(&str, &str)], rules: Vec<Value>) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
           "metadata": metadata(name, labels), "rules": rules})
}

fn aggregated(name: &str, labels: &[(&str, &str)], selector_label: &str) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
           "metadata": metadata(name, labels),
           "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {selector_label: "true"}}]},
           "rules": []})
}

fn binding(name: &str, groups: &[&str]) -> Value {
    let subjects: Vec<Value> = groups
        .iter()
        .map(|g| json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g}))
        .collect();
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
           "metadata": metadata(name, &[]),
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
           "subjects": subjects})
}

const TO_ADMIN: (&str, &str) = ("rbac.authorization.k8s.io/aggregate-to-admin", "true");
const TO_EDIT: (&str, &str) = ("rbac.authorization.k8s.io/aggregate-to-edit", "true");
const TO_VIEW: (&str, &str) = ("rbac.authorization.k8s.io/aggregate-to-view", "true");

fn view_rules() -> Vec<Value> {
    vec![
        rule(
            READ,
            "",
            &[
                "pods",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/status",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "configmaps",
            ],
        ),
        rule(
            READ,
            "",
            &[
                "limitranges",
                "resourcequotas",
                "bindings",
                "pods/status",
                "resourcequotas/status",
                "namespaces/status",
                "replicationcontrollers/status",
                "pods/log",
            ],
        ),
        rule(READ, "", &["namespaces"]),
        rules(READ, &["", "events.k8s.io"], &["events"]),
        rule(READ, "discovery.k8s.io", &["endpointslices"]),
        rule(
            READ,
            "apps",
            &[
                "controllerrevisions",
                "statefulsets",
                "statefulsets/scale",
                "statefulsets/status",
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/scale",
                "deployments/status",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
            ],
        ),
        rule(
            READ,
            "autoscaling",
            &[
                "horizontalpodautoscalers",
                "horizontalpodautoscalers/status",
            ],
        ),
        rule(
            READ,
            "batch",
            &["jobs", "jobs/status", "cronjobs", "cronjobs/status"],
        ),
        rule(
            READ,
            "extensions",
            &[
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/scale",
                "deployments/status",
                "ingresses",
                "ingresses/status",
                "networkpolicies",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
                "replicationcontrollers/scale",
            ],
        ),
        rule(
            READ,
            "policy",
            &["poddisruptionbudgets", "poddisruptionbudgets/status"],
        ),
        rule(
            READ,
            "networking.k8s.io",
            &["networkpolicies", "ingresses", "ingresses/status"],
        ),
        rule(
            READ,
            "resource.k8s.io",
            &[
                "resourceclaims",
                "resourceclaims/status",
                "resourceclaimtemplates",
            ],
        ),
    ]
}

fn edit_rules() -> Vec<Value> {
    vec![
        rule(&["impersonate"], "", &["serviceaccounts"]),
        rule(
            WRITE,
            "",
            &[
                "pods",
                "pods/attach",
                "pods/proxy",
                "pods/exec",
                "pods/portforward",
            ],
        ),
        rule(&["create"], "", &["pods/eviction"]),
        rule(
            WRITE,
            "",
            &[
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/proxy",
                "persistentvolumeclaims",
                "configmaps",
                "secrets",
            ],
        ),
        rule(&["create"], "", &["serviceaccounts/token"]),
        rules(WRITE, &["", "events.k8s.io"], &["events"]),
        rule(
            WRITE,
            "apps",
            &[
                "statefulsets",
                "statefulsets/scale",
                "daemonsets",
                "deployments",
                "deployments/scale",
                "deployments/rollback",
                "replicasets",
                "replicasets/scale",
            ],
        ),
        rule(WRITE, "autoscaling", &["horizontalpodautoscalers"]),
        rule(WRITE, "batch", &["jobs", "cronjobs"]),
        rule(
            WRITE,
            "extensions",
            &[
                "daemonsets",
                "deployments",
                "deployments/rollback",
                "deployments/scale",
                "ingresses",
                "networkpolicies",
                "replicasets",
                "replicasets/scale",
                "replicationcontrollers/scale",
            ],
        ),
        rule(WRITE, "policy", &["poddisruptionbudgets"]),
        rule(
            WRITE,
            "networking.k8s.io",
            &["networkpolicies", "ingresses"],
        ),
        rule(&read_write(), "coordination.k8s.io", &["leases"]),
        rule(
            WRITE,
            "resource.k8s.io",
            &["resourceclaims", "resourceclaimtemplates"],
        ),
        rule(
            READ,
            "",
            &[
                "pods/attach",
                "pods/exec",
                "pods/portforward",
                "pods/proxy",
                "secrets",
                "services/proxy",
            ],
        ),
    ]
}

fn admin_rules() -> Vec<Value> {
    vec![
        rule(
            &["create"],
            "authorization.k8s.io",
            &["localsubjectaccessreviews"],
        ),
        rule(
            &read_write(),
            "rbac.authorization.k8s.io",
            &["roles", "rolebindings"],
        ),
    ]
}

/// Every default object, ClusterRoles before the bindings naming them.
fn defaults() -> Vec<(&'static str, Value)> {
    let public_urls = ["/healthz", "/livez", "/readyz", "/version", "/version/"];
    let discovery_urls = [
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/healthz",
        "/livez",
        "/openapi",
        "/openapi/*",
        "/readyz",
        "/version",
        "/version/",
    ];
    vec![
        (
            "clusterroles",
            cluster_role(
                "cluster-admin",
                &[],
                vec![
                    json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}),
                    urls(&["*"], &["*"]),
                ],
            ),
        ),
        ("clusterroles", aggregated("admin", &[], TO_ADMIN.0)),
        ("clusterroles", aggregated("edit", &[TO_ADMIN], TO_EDIT.0)),
        ("clusterroles", aggregated("view", &[TO_EDIT], TO_VIEW.0)),
        (
            "clusterroles",
            cluster_role("system:aggregate-to-admin", &[TO_ADMIN], admin_rules()),
        ),
        (
            "clusterroles",
            cluster_role("system:aggregate-to-edit", &[TO_EDIT], edit_rules()),
        ),
        (
            "clusterroles",
            cluster_role("system:aggregate-to-view", &[TO_VIEW], view_rules()),
        ),
        (
            "clusterroles",
            cluster_role(
                "system:discovery",
                &[],
                vec![urls(&["get"], &discovery_urls)],
            ),
        ),
        (
            "clusterroles",
            cluster_role(
                "system:basic-user",
                &[],
                vec![
                    rule(
                        &["create"],
                        "authorization.k8s.io",
                        &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    ),
                    rule(
                        &["create"],
                        "authentication.k8s.io",
                        &["selfsubjectreviews"],
                    ),
                ],
            ),
        ),
        (
            "clusterroles",
            cluster_role(
                "system:public-info-viewer",
                &[],
                vec![urls(&["get"], &public_urls)],
            ),
        ),
        (
            "clusterroles",
            cluster_role(
                "system:auth-delegator",
                &[],
                vec![
                    rule(&["create"], "authentication.k8s.io", &["tokenreviews"]),
                    rule(
                        &["create"],
                        "authorization.k8s.io",
                        &["subjectaccessreviews"],
                    ),
                ],
            ),
        ),
        (
            "clusterroles",
            cluster_role(
                "system:monitoring",
                &[],
                vec![
                    urls(
                        &["get"],
                        &[
                            "/healthz",
                            "/healthz/*",
                            "/livez",
                            "/livez/*",
                            "/metrics",
                            "/metrics/slis",
                            "/readyz",
                            "/readyz/*",
                            "/statusz",
                        ],
                    ),
                    rule(&["get"], "", &["nodes/metrics"]),
                ],
            ),
        ),
        (
            "clusterroles",
            cluster_role(
                "system:service-account-issuer-discovery",
                &[],
                vec![urls(
                    &["get"],
                    &[
                        "/.well-known/openid-configuration",
                        "/.well-known/openid-configuration/",
                        "/openid/v1/jwks",
                        "/openid/v1/jwks/",
                    ],
                )],
            ),
        ),
        (
            "clusterrolebindings",
            binding("cluster-admin", &["system:masters"]),
        ),
        (
            "clusterrolebindings",
            binding("system:discovery", &["system:authenticated"]),
        ),
        (
            "clusterrolebindings",
            binding("system:basic-user", &["system:authenticated"]),
        ),
        (
            "clusterrolebindings",
            binding("system:monitoring", &["system:monitoring"]),
        ),
        (
            "clusterrolebindings",
            binding(
                "system:service-account-issuer-discovery",
                &["system:serviceaccounts"],
            ),
        ),
        (
            "clusterrolebindings",
            binding(
                "system:public-info-viewer",
                &["system:authenticated", "system:unauthenticated"],
            ),
        ),
    ]
}

/// Creates the default roles and bindings in a new server.
pub(crate) fn seed(state: &State) -> ApiResult<()> {
    for (resource, obj) in defaults() {
        let Some(served) = state.registry.lookup(super::GROUP, "v1", resource) else {
            continue;
        };
        create_object(state, &served, obj, &CreateOptions::SERVER)?;
    }
    Ok(())
}
