//! The bootstrap ClusterRoles and bindings against kube-apiserver's golden
//! `bootstrappolicy/testdata/cluster-roles.yaml`: aggregation labels, the aggregated
//! rules of admin/edit/view, and the system roles clients check with `auth can-i`.

mod common;

use common::Api;
use kclient_testserver::TestServer;
use serde_json::{Value, json};

const CR: &str = "/apis/rbac.authorization.k8s.io/v1/clusterroles";

async fn ssar(api: &Api, attrs: Value) -> bool {
    let review = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                        "spec": {"resourceAttributes": attrs}});
    api.post(
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        &review,
    )
    .await
    .expect(201)["status"]["allowed"]
        .as_bool()
        .unwrap()
}

fn label_keys(role: &Value) -> Vec<String> {
    let mut keys: Vec<String> = role["metadata"]["labels"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn default_roles_match_the_bootstrap_policy() {
    let server = TestServer::builder()
        .token_user("e-token", "erin", "uid-e", &[])
        .build()
        .await
        .expect("server");
    let admin = Api::new(&server);
    let agg = |s: &str| format!("rbac.authorization.k8s.io/aggregate-to-{s}");
    let boot = "kubernetes.io/bootstrapping".to_string();
    for (name, labels) in [
        ("admin", vec![boot.clone()]),
        ("edit", vec![boot.clone(), agg("admin")]),
        ("view", vec![boot.clone(), agg("edit")]),
        (
            "system:aggregate-to-admin",
            vec![boot.clone(), agg("admin")],
        ),
        ("system:aggregate-to-edit", vec![boot.clone(), agg("edit")]),
        ("system:aggregate-to-view", vec![boot.clone(), agg("view")]),
    ] {
        let role = admin.get(&format!("{CR}/{name}")).await.expect(200);
        let mut want = labels;
        want.sort();
        assert_eq!(label_keys(&role), want, "{name}");
    }
    for name in [
        "system:auth-delegator",
        "system:monitoring",
        "system:service-account-issuer-discovery",
        "system:public-info-viewer",
        "system:discovery",
        "system:basic-user",
    ] {
        admin.get(&format!("{CR}/{name}")).await.expect(200);
    }
    // Bind erin to admin in default: view's rules reach admin through edit.
    admin
        .post(
            "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "erin"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "erin"}]}),
        )
        .await
        .expect(201);
    let erin = admin.with_token("e-token");
    let can = |verb: &str, group: &str, resource: &str| json!({"namespace": "default", "verb": verb, "group": group, "resource": resource});
    for (verb, group, resource, allowed) in [
        ("create", "events.k8s.io", "events", true),
        ("update", "extensions", "deployments", true),
        ("list", "extensions", "ingresses", true),
        ("watch", "coordination.k8s.io", "leases", true),
        ("create", "resource.k8s.io", "resourceclaims", true),
        ("get", "", "pods/log", true),
        ("create", "", "pods/eviction", true),
        ("create", "rbac.authorization.k8s.io", "roles", true),
        ("create", "", "endpoints", false),
        ("update", "", "resourcequotas", false),
        ("get", "", "nodes", false),
    ] {
        assert_eq!(
            ssar(&erin, can(verb, group, resource)).await,
            allowed,
            "{verb} {group}/{resource}"
        );
    }
}
