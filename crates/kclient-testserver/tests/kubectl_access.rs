//! kubectl, unchanged, against the test server's authentication, RBAC and garbage
//! collector: `auth can-i` (and `--list`), `auth whoami`, Forbidden errors, a client
//! certificate made by `openssl x509 -req` (X.509 v1), `delete --cascade`, and RBAC
//! escalation prevention met by `kubectl create role` / `create rolebinding`.

mod kubectl_harness;

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use kclient_testserver::TestServer;
use kubectl_harness::kubectl_bin;
use tokio::process::Command;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs kubectl with `kubeconfig` and its own HOME and cache in `dir`.
async fn kubectl(dir: &Path, kubeconfig: &Path, args: &[&str]) -> Out {
    let out = Command::new(kubectl_bin())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .args(args)
        .env("HOME", dir)
        .env_remove("KUBECONFIG")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .expect("kubectl finished in time")
        .expect("kubectl runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

struct Env {
    dir: tempfile::TempDir,
    admin: PathBuf,
    server: TestServer,
}

impl Env {
    async fn start(server: TestServer) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let admin = dir.path().join("admin");
        server.write_kubeconfig(&admin).expect("kubeconfig");
        Env { dir, admin, server }
    }

    fn user(&self, name: &str, groups: &[&str]) -> PathBuf {
        let path = self.dir.path().join(format!("user-{name}"));
        self.server
            .write_kubeconfig_for(&path, name, groups)
            .expect("user kubeconfig");
        path
    }

    async fn run(&self, kubeconfig: &Path, args: &[&str]) -> Out {
        kubectl(self.dir.path(), kubeconfig, args).await
    }

    async fn ok(&self, kubeconfig: &Path, args: &[&str]) -> String {
        let out = self.run(kubeconfig, args).await;
        assert_eq!(
            out.code, 0,
            "kubectl {args:?}: {}{}",
            out.stdout, out.stderr
        );
        out.stdout
    }

    fn write(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write manifest");
        path.to_string_lossy().into_owned()
    }
}

/// A RoleBinding in `default` of a ClusterRole to one subject.
fn binding(name: &str, role: &str, kind: &str, subject: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {name}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {role}\nsubjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: {kind}\n  name: {subject}\n"
    )
}

/// A namespace admin may hand out what they hold, and kubectl shows kube-apiserver's
/// escalation refusal for anything more.
#[tokio::test]
async fn kubectl_create_role_beyond_held_rights_is_refused() {
    let env = Env::start(TestServer::start().await.expect("server")).await;
    let dana = env.user("dana", &["ops"]);
    let admin_binding = env.write(
        "dana-admin",
        &binding("dana-admin", "admin", "User", "dana"),
    );
    env.ok(&env.admin, &["apply", "-f", &admin_binding]).await;
    assert_eq!(
        env.ok(&dana, &["auth", "can-i", "create", "roles"]).await,
        "yes\n"
    );
    assert_eq!(
        env.run(&dana, &["auth", "can-i", "escalate", "roles"])
            .await
            .stdout,
        "no\n"
    );
    env.ok(
        &dana,
        &[
            "create",
            "role",
            "pod-reader",
            "--verb=get,list",
            "--resource=pods",
        ],
    )
    .await;
    let refused = env
        .run(
            &dana,
            &[
                "create",
                "role",
                "node-reader",
                "--verb=get",
                "--resource=nodes",
            ],
        )
        .await;
    assert_eq!(refused.code, 1);
    assert_eq!(
        refused.stderr.trim_end(),
        "Error from server (Forbidden): roles.rbac.authorization.k8s.io \"node-reader\" is forbidden: user \"dana\" (groups=[\"ops\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"get\"]}"
    );
    env.ok(
        &dana,
        &[
            "create",
            "rolebinding",
            "erin-view",
            "--clusterrole=view",
            "--user=erin",
        ],
    )
    .await;
    let refused = env
        .run(
            &dana,
            &[
                "create",
                "rolebinding",
                "erin-root",
                "--clusterrole=cluster-admin",
                "--user=erin",
            ],
        )
        .await;
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains(
            "rolebindings.rbac.authorization.k8s.io \"erin-root\" is forbidden: user \"dana\" (groups=[\"ops\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:"
        ),
        "{}",
        refused.stderr
    );
}

#[tokio::test]
async fn auth_can_i_whoami_and_forbidden_errors() {
    let env = Env::start(TestServer::start().await.expect("server")).await;
    let alice = env.user("alice", &["dev", "qa"]);

    // The default kubeconfig is cluster-admin.
    assert_eq!(
        env.ok(&env.admin, &["auth", "can-i", "delete", "nodes"])
            .await,
        "yes\n"
    );
    let no = env.run(&alice, &["auth", "can-i", "list", "pods"]).await;
    assert_eq!((no.code, no.stdout.as_str()), (1, "no\n"), "{}", no.stderr);

    let get = env.run(&alice, &["get", "pods"]).await;
    assert_eq!(get.code, 1);
    assert_eq!(
        get.stderr.trim_end(),
        "Error from server (Forbidden): pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );

    let binding = env.write(
        "alice-view",
        &binding("alice-view", "view", "User", "alice"),
    );
    env.ok(&env.admin, &["apply", "-f", &binding]).await;
    assert_eq!(
        env.ok(&alice, &["auth", "can-i", "list", "pods"]).await,
        "yes\n"
    );
    assert_eq!(
        env.ok(
            &alice,
            &["auth", "can-i", "get", "pods", "--subresource=log"]
        )
        .await,
        "yes\n"
    );
    let secrets = env.run(&alice, &["auth", "can-i", "get", "secrets"]).await;
    assert_eq!(secrets.stdout, "no\n");
    let elsewhere = env
        .run(
            &alice,
            &["auth", "can-i", "list", "pods", "-n", "kube-system"],
        )
        .await;
    assert_eq!(elsewhere.stdout, "no\n");
    env.ok(&alice, &["get", "pods"]).await;

    // The admin asks on alice's behalf (impersonation), as `kubectl auth can-i --as` does.
    let as_alice = env
        .run(
            &env.admin,
            &["auth", "can-i", "get", "secrets", "--as=alice"],
        )
        .await;
    assert_eq!((as_alice.code, as_alice.stdout.as_str()), (1, "no\n"));
    let as_alice = env
        .ok(
            &env.admin,
            &["auth", "can-i", "watch", "configmaps", "--as=alice"],
        )
        .await;
    assert_eq!(as_alice, "yes\n");

    // --list prints the rules review.
    let list = env.ok(&alice, &["auth", "can-i", "--list"]).await;
    let rows: Vec<Vec<&str>> = list
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "Resources",
            "Non-Resource",
            "URLs",
            "Resource",
            "Names",
            "Verbs"
        ]
    );
    assert!(
        rows.contains(&vec!["configmaps", "[]", "[]", "[get", "list", "watch]"]),
        "{list}"
    );
    assert!(
        rows.contains(&vec![
            "deployments.apps",
            "[]",
            "[]",
            "[get",
            "list",
            "watch]"
        ]),
        "{list}"
    );
    assert!(
        rows.contains(&vec![
            "selfsubjectaccessreviews.authorization.k8s.io",
            "[]",
            "[]",
            "[create]"
        ]),
        "{list}"
    );
    assert!(!list.contains("secrets"), "{list}");

    // whoami reports the user and its groups.
    let whoami = env.ok(&alice, &["auth", "whoami", "-o", "json"]).await;
    let me: serde_json::Value = serde_json::from_str(&whoami).expect("json");
    assert_eq!(
        me["status"]["userInfo"],
        serde_json::json!({"username": "alice", "groups": ["dev", "qa", "system:authenticated"]})
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = StdCommand::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs (it is needed to make an X.509 v1 certificate)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn openssl_v1_client_certificate_authenticates_cn_and_organizations() {
    let pki = tempfile::tempdir().expect("tempdir");
    let dir = pki.path();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-subj",
        "/CN=users-ca",
        "-days",
        "2",
    ]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-new"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "user.key",
        "-out",
        "user.csr",
        "-subj",
        "/CN=carol/O=dev/O=ops",
    ]);
    openssl(dir, &csr);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "user.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "user.crt",
            "-days",
            "1",
        ],
    );
    let text = StdCommand::new("openssl")
        .current_dir(dir)
        .args(["x509", "-in", "user.crt", "-noout", "-text"])
        .output()
        .expect("openssl");
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("Version: 1 (0x0)"),
        "openssl x509 -req made a v1 certificate"
    );

    let ca_pem = std::fs::read_to_string(dir.join("ca.crt")).expect("ca");
    let server = TestServer::builder()
        .client_ca_pem(ca_pem)
        .build()
        .await
        .expect("server");
    let env = Env::start(server).await;
    // A kubeconfig with the certificate and key instead of a token.
    let admin_yaml = std::fs::read_to_string(&env.admin).expect("admin kubeconfig");
    let token_line = admin_yaml
        .lines()
        .find(|l| l.trim_start().starts_with("token:"))
        .expect("token line");
    let cert_yaml = admin_yaml.replace(
        token_line,
        &format!(
            "    client-certificate: {}\n    client-key: {}",
            dir.join("user.crt").display(),
            dir.join("user.key").display()
        ),
    );
    let carol = PathBuf::from(env.write("carol", &cert_yaml));
    let whoami = env.ok(&carol, &["auth", "whoami", "-o", "json"]).await;
    let me: serde_json::Value = serde_json::from_str(&whoami).expect("json");
    assert_eq!(
        me["status"]["userInfo"],
        serde_json::json!({"username": "carol", "groups": ["dev", "ops", "system:authenticated"]})
    );
    let get = env.run(&carol, &["get", "configmaps"]).await;
    assert!(
        get.stderr
            .contains("User \"carol\" cannot list resource \"configmaps\""),
        "{}",
        get.stderr
    );
    // Group ops gets edit in default.
    let binding = env.write("ops-edit", &binding("ops-edit", "edit", "Group", "ops"));
    env.ok(&env.admin, &["apply", "-f", &binding]).await;
    env.ok(&carol, &["create", "configmap", "made-by-carol"])
        .await;
}

const OWNED: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\n  finalizers: [FINALIZERS]\n  ownerReferences:\n  - apiVersion: v1\n    kind: ConfigMap\n    name: OWNER\n    uid: UID\n    blockOwnerDeletion: true\n";

#[tokio::test]
async fn delete_cascade_foreground_orphan_background() {
    let env = Env::start(TestServer::start().await.expect("server")).await;
    let admin = env.admin.clone();
    let owned = |name: &str, owner: &str, uid: &str, finalizers: &str| {
        OWNED
            .replace("NAME", name)
            .replace("OWNER", owner)
            .replace("UID", uid)
            .replace("FINALIZERS", finalizers)
    };
    let uid_of = |name: &'static str| {
        let env = &env;
        let admin = admin.clone();
        async move {
            env.ok(
                &admin,
                &["get", "cm", name, "-o", "jsonpath={.metadata.uid}"],
            )
            .await
        }
    };
    for owner in ["bg", "fg", "or"] {
        env.ok(&admin, &["create", "configmap", owner]).await;
    }
    for (owner, child, finalizers) in [
        ("bg", "bg-child", ""),
        ("fg", "fg-child", "example.com/hold"),
        ("or", "or-child", ""),
    ] {
        let uid = uid_of(owner).await;
        let file = env.write(child, &owned(child, owner, &uid, finalizers));
        env.ok(&admin, &["apply", "-f", &file]).await;
    }

    // background (kubectl's default): the dependent follows the owner.
    env.ok(&admin, &["delete", "cm", "bg", "--cascade=background"])
        .await;
    env.ok(
        &admin,
        &["wait", "--for=delete", "cm/bg-child", "--timeout=10s"],
    )
    .await;

    // orphan: the dependent stays, without its owner reference.
    env.ok(&admin, &["delete", "cm", "or", "--cascade=orphan"])
        .await;
    let refs = env
        .ok(
            &admin,
            &[
                "get",
                "cm",
                "or-child",
                "-o",
                "jsonpath={.metadata.ownerReferences}",
            ],
        )
        .await;
    assert_eq!(refs, "");

    // foreground: kubectl waits for the owner, which waits for the held dependent.
    let mut delete = tokio::process::Command::new(kubectl_bin());
    delete
        .arg("--kubeconfig")
        .arg(&admin)
        .args([
            "delete",
            "cm",
            "fg",
            "--cascade=foreground",
            "--timeout=30s",
        ])
        .env("HOME", env.dir.path())
        .kill_on_drop(true);
    let waiting = delete.output();
    tokio::pin!(waiting);
    let finalizers = loop {
        let f = env
            .ok(
                &admin,
                &["get", "cm", "fg", "-o", "jsonpath={.metadata.finalizers}"],
            )
            .await;
        if !f.is_empty() {
            break f;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(finalizers, "[\"foregroundDeletion\"]");
    env.ok(
        &admin,
        &[
            "patch",
            "cm",
            "fg-child",
            "--type=merge",
            "-p",
            "{\"metadata\":{\"finalizers\":null}}",
        ],
    )
    .await;
    let done = tokio::time::timeout(Duration::from_secs(30), &mut waiting)
        .await
        .expect("kubectl delete returned")
        .expect("kubectl ran");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&done.stdout),
        "configmap \"fg\" deleted\n"
    );
    let gone = env.run(&admin, &["get", "cm", "fg", "fg-child"]).await;
    assert_eq!(gone.code, 1, "{}", gone.stdout);
}
