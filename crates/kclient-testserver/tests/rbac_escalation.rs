//! RBAC escalation prevention as kube-apiserver's policy-based role and binding storage
//! enforces it: roles only with rules the writer holds (or `escalate`), bindings only to
//! roles whose rules the writer holds (or `bind`), with kube-apiserver's 403 texts.

mod common;

use common::{Api, Resp, server_with_alice};
use kclient_testserver::TestServer;
use serde_json::{Value, json};

const RBAC: &str = "/apis/rbac.authorization.k8s.io/v1";
const ROLES: &str = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles";
const BINDINGS: &str = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings";
const MERGE: &str = "application/merge-patch+json";

fn role(name: &str, rules: Value) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
           "metadata": {"name": name}, "rules": rules})
}

fn binding(name: &str, kind: &str, role: &str, user: &str) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
           "metadata": {"name": name},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
           "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]})
}

/// Posts a RoleBinding in `default` as `api`'s user.
async fn bind(api: &Api, name: &str, kind: &str, role: &str, user: &str) -> Resp {
    api.post(BINDINGS, &binding(name, kind, role, user)).await
}

/// A server where alice holds the `admin` ClusterRole in `default`.
async fn alice_with_admin() -> (TestServer, Api, Api) {
    let (server, admin, alice) = server_with_alice().await;
    bind(&admin, "alice-admin", "ClusterRole", "admin", "alice")
        .await
        .expect(201);
    (server, admin, alice)
}

const HELD: &str = "user \"alice\" (groups=[\"dev\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n";

#[tokio::test]
async fn roles_grant_only_what_the_writer_holds() {
    let (_server, admin, alice) = alice_with_admin().await;
    // Within admin's rights: allowed.
    alice
        .post(
            ROLES,
            &role(
                "reader",
                json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]),
            ),
        )
        .await
        .expect(201);
    // Nodes and `*` verbs are beyond admin: refused, the missing rights compacted and sorted.
    let denied = alice
        .post(
            ROLES,
            &role(
                "grabby",
                json!([
                    {"apiGroups": [""], "resources": ["nodes", "pods"], "verbs": ["get", "list"]},
                    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]},
                ]),
            ),
        )
        .await
        .expect(403);
    assert_eq!(
        denied,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("roles.rbac.authorization.k8s.io \"grabby\" is forbidden: {HELD}{{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"get\" \"list\"]}}\n{{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"*\"]}}"),
            "reason": "Forbidden",
            "details": {"name": "grabby", "group": "rbac.authorization.k8s.io", "kind": "roles"},
            "code": 403})
    );
    // Updating a held role to more rights is refused the same way.
    let mut more = alice.get(&format!("{ROLES}/reader")).await.expect(200);
    more["rules"][0]["resources"] = json!(["pods", "nodes"]);
    let denied = alice
        .put(&format!("{ROLES}/reader"), &more)
        .await
        .expect(403);
    assert!(
        denied["message"]
            .as_str()
            .unwrap()
            .ends_with("{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"get\" \"list\"]}"),
        "{denied}"
    );
    // So is a merge patch.
    let r = alice
        .patch(
            &format!("{ROLES}/reader"),
            "application/merge-patch+json",
            r#"{"rules":[{"apiGroups":[""],"resources":["nodes"],"verbs":["get"]}]}"#,
        )
        .await;
    r.expect(403);
    // `escalate` on roles lifts the check.
    admin
        .post(
            ROLES,
            &role("escalator", json!([{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": ["escalate"]}])),
        )
        .await
        .expect(201);
    bind(&admin, "alice-escalate", "Role", "escalator", "alice")
        .await
        .expect(201);
    alice
        .post(
            ROLES,
            &role(
                "grabby",
                json!([{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}]),
            ),
        )
        .await
        .expect(201);
}

#[tokio::test]
async fn bindings_need_the_roles_rights_or_bind() {
    let (_server, admin, alice) = alice_with_admin().await;
    // view is within admin: alice may hand it out.
    bind(&alice, "bob-view", "ClusterRole", "view", "bob")
        .await
        .expect(201);
    // cluster-admin is not.
    let denied = bind(&alice, "bob-root", "ClusterRole", "cluster-admin", "bob")
        .await
        .expect(403);
    assert_eq!(
        denied["message"],
        format!(
            "rolebindings.rbac.authorization.k8s.io \"bob-root\" is forbidden: {HELD}{{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}}\n{{NonResourceURLs:[\"*\"], Verbs:[\"*\"]}}"
        )
    );
    assert_eq!(denied["details"]["kind"], "rolebindings");
    // A binding to a missing role is a 400 naming it.
    let missing = bind(&alice, "ghost", "ClusterRole", "no-such-role", "bob")
        .await
        .expect(400);
    assert_eq!(
        missing["message"],
        "clusterroles.rbac.authorization.k8s.io \"no-such-role\" not found"
    );
    // `bind` on that one ClusterRole lifts the check for it only.
    let bind_root = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "bind-root"},
        "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"],
                   "verbs": ["bind"], "resourceNames": ["cluster-admin"]}]});
    admin
        .post(&format!("{RBAC}/clusterroles"), &bind_root)
        .await
        .expect(201);
    bind(&admin, "alice-bind", "ClusterRole", "bind-root", "alice")
        .await
        .expect(201);
    bind(&alice, "bob-root", "ClusterRole", "cluster-admin", "bob")
        .await
        .expect(201);
    // system:masters skips every check.
    bind(
        &admin,
        "carol-root",
        "ClusterRole",
        "cluster-admin",
        "carol",
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn aggregation_rules_need_full_authority() {
    let (_server, admin, alice) = server_with_alice().await;
    let crb = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "alice-roles"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "role-writer"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}]});
    let writer = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "role-writer"},
        "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"],
            "verbs": ["create", "get", "patch", "update"]}]});
    admin
        .post(&format!("{RBAC}/clusterroles"), &writer)
        .await
        .expect(201);
    admin
        .post(&format!("{RBAC}/clusterrolebindings"), &crb)
        .await
        .expect(201);
    let aggregated = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "gatherer"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}});
    let denied = alice
        .post(&format!("{RBAC}/clusterroles"), &aggregated)
        .await
        .expect(403);
    let message = "clusterroles.rbac.authorization.k8s.io \"gatherer\" is forbidden: must have cluster-admin privileges to use the aggregationRule";
    assert_eq!(denied["message"], message);
    // On update, an aggregation rule of the stored role counts too: removing one is no
    // easier than setting it.
    admin
        .post(&format!("{RBAC}/clusterroles"), &aggregated)
        .await
        .expect(201);
    let denied = alice
        .patch(
            &format!("{RBAC}/clusterroles/gatherer"),
            MERGE,
            r#"{"aggregationRule": null}"#,
        )
        .await
        .expect(403);
    assert_eq!(denied["message"], message);
}

/// kube-apiserver's `IsOnlyMutatingGCFields`: an update that changes nothing but owner
/// references and finalizers (and so managed fields) skips the escalation check, so
/// that a role or binding granting more than the writer holds can still be owned,
/// finalized and garbage collected; any other change is checked as before.
#[tokio::test]
async fn gc_only_updates_skip_the_escalation_check() {
    let (_server, admin, alice) = alice_with_admin().await;
    // Rights alice does not hold (admin has no nodes), in a role and a binding.
    admin
        .post(
            ROLES,
            &role(
                "nodes",
                json!([{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}]),
            ),
        )
        .await
        .expect(201);
    bind(&admin, "bob-root", "ClusterRole", "cluster-admin", "bob")
        .await
        .expect(201);
    let owner = admin
        .post(
            "/api/v1/namespaces/default/configmaps",
            &json!({"metadata": {"name": "owner"}}),
        )
        .await
        .expect(201);
    let owner_refs = json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
        "uid": owner["metadata"]["uid"]}]);

    for url in [format!("{ROLES}/nodes"), format!("{BINDINGS}/bob-root")] {
        let gc_fields = json!({"metadata": {"ownerReferences": owner_refs,
            "finalizers": ["example.com/keep"]}});
        let patched = alice
            .patch(&url, MERGE, &gc_fields.to_string())
            .await
            .expect(200);
        assert_eq!(patched["metadata"]["ownerReferences"], owner_refs);
        assert_eq!(
            patched["metadata"]["finalizers"],
            json!(["example.com/keep"])
        );

        // Anything else is still checked: a label is no GC field.
        let denied = alice
            .patch(&url, MERGE, r#"{"metadata": {"labels": {"a": "b"}}}"#)
            .await
            .expect(403);
        let message = denied["message"].as_str().unwrap();
        assert!(message.contains(HELD), "{message}");

        // A full PUT of the stored object that only drops the finalizer passes too.
        let mut current = alice.get(&url).await.expect(200);
        current["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("finalizers");
        let updated = alice.put(&url, &current).await.expect(200);
        assert!(updated["metadata"].get("finalizers").is_none(), "{updated}");
    }
}
