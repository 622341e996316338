//! Authentication and RBAC authorization as kube-apiserver answers them: users from
//! tokens, anonymous requests, Roles/ClusterRoles and their bindings with kube-apiserver's
//! 403 messages, aggregated ClusterRoles, and the review resources.

mod common;

use common::{Api, server_with_alice};
use kclient_core::ApiError as _;
use kclient_rest::RestClient;
use kclient_testserver::TestServer;
use serde_json::{Value, json};

const RBAC: &str = "/apis/rbac.authorization.k8s.io/v1";

/// Binds `role` (a ClusterRole, or a Role when `namespaced_role`) to alice in `default`.
async fn bind_alice(admin: &Api, name: &str, kind: &str, role: &str) {
    admin
        .post(
            &format!("{RBAC}/namespaces/default/rolebindings"),
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": {"name": name},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
                    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}]}),
        )
        .await
        .expect(201);
}

#[tokio::test]
async fn rbac_denies_with_kube_apiserver_messages_until_bound() {
    let (_server, admin, alice) = server_with_alice().await;
    let pods = "/api/v1/namespaces/default/pods";
    let denied = alice.get(pods).await.expect(403);
    assert_eq!(
        denied,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"",
               "reason": "Forbidden", "details": {"kind": "pods"}, "code": 403})
    );
    let nodes = alice.get("/api/v1/nodes").await.expect(403);
    assert_eq!(
        nodes["message"],
        "nodes is forbidden: User \"alice\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
    );
    let deploy = alice
        .get("/apis/apps/v1/namespaces/default/deployments/web")
        .await
        .expect(403);
    assert_eq!(
        deploy["message"],
        "deployments.apps \"web\" is forbidden: User \"alice\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"default\""
    );

    // A Role granting pods get/list, and one pod name for logs.
    admin
        .post(
            &format!("{RBAC}/namespaces/default/roles"),
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                    "metadata": {"name": "pod-reader"},
                    "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
                              {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"],
                               "resourceNames": ["web"]}]}),
        )
        .await
        .expect(201);
    bind_alice(&admin, "alice-pods", "Role", "pod-reader").await;
    alice.get(pods).await.expect(200);
    // Other namespaces and other verbs stay forbidden.
    let other = alice
        .get("/api/v1/namespaces/kube-system/pods")
        .await
        .expect(403);
    assert_eq!(
        other["message"],
        "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"kube-system\""
    );
    let create = alice
        .post(
            pods,
            &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}),
        )
        .await
        .expect(403);
    assert_eq!(
        create["message"],
        "pods is forbidden: User \"alice\" cannot create resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    let log = alice.get(&format!("{pods}/db/log")).await.expect(403);
    assert_eq!(
        log["message"],
        "pods \"db\" is forbidden: User \"alice\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"default\""
    );

    // The view ClusterRole bound in the namespace: configmaps yes, secrets no.
    bind_alice(&admin, "alice-view", "ClusterRole", "view").await;
    alice
        .get("/api/v1/namespaces/default/configmaps")
        .await
        .expect(200);
    alice
        .get("/api/v1/namespaces/default/secrets")
        .await
        .expect(403);
    // Groups bind too: a ClusterRoleBinding for group dev grants nodes.
    admin
        .post(
            &format!("{RBAC}/clusterroles"),
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": "node-reader"},
                    "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]}]}),
        )
        .await
        .expect(201);
    admin
        .post(
            &format!("{RBAC}/clusterrolebindings"),
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                    "metadata": {"name": "dev-nodes"},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "node-reader"},
                    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "dev"}]}),
        )
        .await
        .expect(201);
    alice.get("/api/v1/nodes").await.expect(200);
}

#[tokio::test]
async fn anonymous_invalid_and_admin_credentials() {
    let (server, admin, _) = server_with_alice().await;
    let anonymous = admin.with_token("");
    let api = anonymous.get("/api").await.expect(403);
    assert_eq!(
        api["message"],
        "forbidden: User \"system:anonymous\" cannot get path \"/api\""
    );
    // system:public-info-viewer lets anyone read the version.
    anonymous.get("/version").await.expect(200);
    let wrong = admin.with_token("nope").get("/api").await.expect(401);
    assert_eq!(wrong["message"], "Unauthorized");
    // The default credentials are cluster-admin (system:masters).
    admin.get("/api/v1/nodes").await.expect(200);
    let me = admin
        .post(
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}),
        )
        .await
        .expect(201);
    assert_eq!(
        me["status"]["userInfo"],
        json!({"username": "kclient-testserver-admin",
               "groups": ["system:masters", "system:authenticated"]})
    );
    drop(server);

    let strict = TestServer::builder()
        .anonymous_auth(false)
        .build()
        .await
        .expect("server");
    Api::new(&strict)
        .with_token("")
        .get("/api")
        .await
        .expect(401);
}

async fn ssar(api: &Api, attrs: Value) -> Value {
    api.post(
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        &json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": attrs}),
    )
    .await
    .expect(201)["status"]
        .clone()
}

#[tokio::test]
async fn access_and_rules_reviews_answer_from_rbac() {
    let (_server, admin, alice) = server_with_alice().await;
    bind_alice(&admin, "alice-view", "ClusterRole", "view").await;
    let list_pods =
        json!({"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}});
    assert_eq!(
        ssar(&alice, list_pods.clone()).await,
        json!({"allowed": true,
               "reason": "RBAC: allowed by RoleBinding \"alice-view/default\" of ClusterRole \"view\" to User \"alice\""})
    );
    let delete_pods = json!({"resourceAttributes": {"namespace": "default", "verb": "delete", "resource": "pods"}});
    assert_eq!(ssar(&alice, delete_pods).await, json!({"allowed": false}));
    assert_eq!(
        ssar(
            &alice,
            json!({"nonResourceAttributes": {"path": "/apis/apps", "verb": "get"}})
        )
        .await,
        json!({"allowed": true,
               "reason": "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\""})
    );
    assert_eq!(ssar(&admin, list_pods).await, json!({"allowed": true}));

    // SubjectAccessReview: the admin asks about alice.
    let sar = admin
        .post(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            &json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                    "spec": {"user": "alice", "groups": ["dev"],
                             "resourceAttributes": {"namespace": "default", "verb": "get", "resource": "secrets"}}}),
        )
        .await
        .expect(201);
    assert_eq!(sar["status"], json!({"allowed": false}));

    // The rules review lists what alice may do in default.
    let rules = alice
        .post(
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            &json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
                    "spec": {"namespace": "default"}}),
        )
        .await
        .expect(201)["status"]
        .clone();
    assert_eq!(rules["incomplete"], false);
    let resource_rules = rules["resourceRules"].as_array().expect("rules");
    assert!(
        resource_rules.contains(
            &json!({"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
        "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]})
        ),
        "{rules}"
    );
    assert!(
        resource_rules.iter().any(|r| r["resources"]
            .as_array()
            .is_some_and(|x| x.contains(&json!("configmaps")))
            && r["verbs"] == json!(["get", "list", "watch"])),
        "{rules}"
    );
    assert!(
        !resource_rules.iter().any(|r| r["resources"]
            .as_array()
            .is_some_and(|x| x.contains(&json!("secrets")))
            && r["verbs"] == json!(["get", "list", "watch"])),
        "view does not read secrets: {rules}"
    );
    let urls = rules["nonResourceRules"].as_array().expect("urls");
    assert!(
        urls.iter().any(|r| r["nonResourceURLs"]
            .as_array()
            .is_some_and(|u| u.contains(&json!("/api")))),
        "{rules}"
    );

    // Who am I: the token's user, groups and uid.
    let me = alice
        .post(
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}),
        )
        .await
        .expect(201);
    assert_eq!(
        me["status"]["userInfo"],
        json!({"username": "alice", "uid": "uid-alice", "groups": ["dev", "system:authenticated"]})
    );
}

#[tokio::test]
async fn cluster_roles_aggregate_by_label() {
    let (_server, admin, alice) = server_with_alice().await;
    bind_alice(&admin, "alice-view", "ClusterRole", "view").await;
    let widgets = json!({"resourceAttributes": {"namespace": "default", "verb": "list",
                          "group": "example.com", "resource": "widgets"}});
    assert_eq!(ssar(&alice, widgets.clone()).await["allowed"], false);
    admin
        .post(
            &format!("{RBAC}/clusterroles"),
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": "widget-viewer",
                                 "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
                    "rules": [{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["list"]}]}),
        )
        .await
        .expect(201);
    let view = admin
        .get(&format!("{RBAC}/clusterroles/view"))
        .await
        .expect(200);
    assert!(
        view["rules"].as_array().expect("rules").contains(
            &json!({"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["list"]})
        ),
        "{view}"
    );
    assert_eq!(ssar(&alice, widgets.clone()).await["allowed"], true);
    // admin and edit aggregate view's sources too.
    let admin_role = admin
        .get(&format!("{RBAC}/clusterroles/admin"))
        .await
        .expect(200);
    assert!(
        admin_role["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .any(|r| r["resources"] == json!(["widgets"])),
        "{admin_role}"
    );
    admin
        .delete(&format!("{RBAC}/clusterroles/widget-viewer"))
        .await
        .expect(200);
    assert_eq!(ssar(&alice, widgets).await["allowed"], false);
}

#[tokio::test]
async fn minted_client_configs_carry_the_user() {
    let server = TestServer::start().await.expect("server");
    let bob = RestClient::new(server.config_for("bob", &["qa"])).expect("client");
    let err = bob
        .get()
        .abs_path(["/api/v1/namespaces/default/configmaps"])
        .into_bytes()
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(
        err.to_string().contains(
            "configmaps is forbidden: User \"bob\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\""
        ),
        "{err}"
    );
    let me: Value = serde_json::from_slice(
        &bob.post()
            .abs_path(["/apis/authentication.k8s.io/v1/selfsubjectreviews"])
            .body_json(
                &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}),
            )
            .into_bytes()
            .await
            .expect("whoami"),
    )
    .expect("json");
    assert_eq!(
        me["status"]["userInfo"],
        json!({"username": "bob", "groups": ["qa", "system:authenticated"]})
    );
    // The server's own config stays cluster-admin.
    let admin = RestClient::new(server.config()).expect("client");
    admin
        .get()
        .abs_path(["/api/v1/namespaces/default/configmaps"])
        .into_bytes()
        .await
        .expect("admin lists");
}

#[tokio::test]
async fn service_account_tokens_authenticate_as_the_account() {
    let (_server, admin, _) = server_with_alice().await;
    admin
        .post(
            "/api/v1/namespaces/default/serviceaccounts",
            &json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}}),
        )
        .await
        .expect(201);
    let issued = admin
        .post(
            "/api/v1/namespaces/default/serviceaccounts/robot/token",
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}),
        )
        .await
        .expect(201);
    let token = issued["status"]["token"].as_str().expect("token");
    let robot = admin.with_token(token);
    let denied = robot
        .get("/api/v1/namespaces/default/secrets")
        .await
        .expect(403);
    assert_eq!(
        denied["message"],
        "secrets is forbidden: User \"system:serviceaccount:default:robot\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\""
    );
    admin
        .post(
            &format!("{RBAC}/namespaces/default/rolebindings"),
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": {"name": "robot-edit"},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
                    "subjects": [{"kind": "ServiceAccount", "name": "robot"}]}),
        )
        .await
        .expect(201);
    robot
        .get("/api/v1/namespaces/default/secrets")
        .await
        .expect(200);
    let review = admin
        .post(
            "/apis/authentication.k8s.io/v1/tokenreviews",
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                    "spec": {"token": token}}),
        )
        .await
        .expect(201);
    assert_eq!(review["status"]["authenticated"], true);
    assert_eq!(
        review["status"]["user"]["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:default",
            "system:authenticated"
        ])
    );
}

#[tokio::test]
async fn impersonation_needs_the_impersonate_verb() {
    let (_server, admin, alice) = server_with_alice().await;
    let whoami = |api: &Api, headers: Vec<(&'static str, &'static str)>| {
        let api = api.clone();
        async move {
            let mut all = vec![("content-type", "application/json")];
            all.extend(headers);
            api.send(
                http::Method::POST,
                "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                &all,
                serde_json::to_vec(&json!({"apiVersion": "authentication.k8s.io/v1",
                                           "kind": "SelfSubjectReview"}))
                .expect("json"),
            )
            .await
        }
    };
    // cluster-admin may impersonate anyone; the request then runs as that user.
    let me = whoami(
        &admin,
        vec![("impersonate-user", "bob"), ("impersonate-group", "qa")],
    )
    .await
    .expect(201);
    assert_eq!(
        me["status"]["userInfo"],
        json!({"username": "bob", "groups": ["qa", "system:authenticated"]})
    );
    let sa = whoami(
        &admin,
        vec![("impersonate-user", "system:serviceaccount:default:robot")],
    )
    .await
    .expect(201);
    assert_eq!(
        sa["status"]["userInfo"]["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:default",
            "system:authenticated"
        ])
    );
    let as_bob = admin
        .send(
            http::Method::GET,
            "/api/v1/namespaces/default/pods",
            &[("impersonate-user", "bob")],
            Vec::new(),
        )
        .await
        .expect(403);
    assert_eq!(
        as_bob["message"],
        "pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    // alice may not impersonate.
    let denied = whoami(&alice, vec![("impersonate-user", "bob")])
        .await
        .expect(403);
    assert_eq!(
        denied["message"],
        "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );
    // Groups without a user are a bad request.
    whoami(&admin, vec![("impersonate-group", "qa")])
        .await
        .expect(400);
}
