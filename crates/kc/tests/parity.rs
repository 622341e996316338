//! kc against kubectl on the same embedded server: the commands both have must print the same.

mod common;

use std::time::Duration;

use common::{Env, OBJECTS, next_line};
use serde_json::Value;

#[tokio::test]
async fn api_resources_match_kubectl() {
    let env = Env::start().await;
    for args in [
        &["api-resources"][..],
        &["api-resources", "-o", "wide"],
        &["api-resources", "-o", "name"],
        &["api-resources", "--namespaced=false"],
        &["api-resources", "--namespaced=true", "--api-group", "apps"],
        &[
            "api-resources",
            "--api-group",
            "rbac.authorization.k8s.io",
            "-o",
            "name",
        ],
    ] {
        let out = env.same(args).await;
        assert!(!out.is_empty(), "{args:?} printed nothing");
    }
}

#[tokio::test]
async fn create_get_patch_delete_match_kubectl() {
    let env = Env::start().await;
    let file = env.file("objects.yaml", OBJECTS);
    let created = env.kc(&["create", "-f", &file]).await;
    assert!(created.ok, "{}", created.stderr);
    assert_eq!(
        created.stdout,
        "namespace/web created\nconfigmap/settings created\ndeployment.apps/nginx created\n"
    );
    let again = env.kc(&["create", "-f", &file]).await;
    let kubectl_again = env.kubectl(&["create", "-f", &file]).await;
    assert!(!again.ok);
    assert_eq!(again.stderr, kubectl_again.stderr);

    for args in [
        &["get", "cm,deploy", "-n", "web", "-o", "name"][..],
        &["get", "deployments.apps", "-A", "-o", "name"],
        &[
            "get",
            "configmap",
            "-n",
            "web",
            "-l",
            "tier=front",
            "-o",
            "name",
        ],
        &[
            "get",
            "cm",
            "-A",
            "--field-selector",
            "metadata.name=settings",
            "-o",
            "name",
        ],
        &[
            "get",
            "deploy/nginx",
            "cm/settings",
            "-n",
            "web",
            "-o",
            "name",
        ],
        &["get", "ns", "--chunk-size", "1", "-o", "name"],
    ] {
        env.same(args).await;
    }
    for args in [
        &["get", "cm", "settings", "-n", "web", "-o", "json"][..],
        &["get", "deploy", "-n", "web", "-o", "json"],
        &["get", "cm", "-n", "web", "-o", "yaml"],
    ] {
        let kc = env.kc(args).await;
        let kubectl = env.kubectl(args).await;
        assert!(kc.ok, "{args:?}: {}", kc.stderr);
        let parse = |text: &str| -> Value {
            if args.contains(&"yaml") {
                serde_yaml_ng::from_str(text).expect("yaml")
            } else {
                serde_json::from_str(text).expect("json")
            }
        };
        assert_eq!(parse(&kc.stdout), parse(&kubectl.stdout), "{args:?}");
    }
    env.same_table(&["get", "cm,deploy", "-n", "web"]).await;
    env.same_table(&["get", "deploy", "-A", "-o", "wide"]).await;
    env.same_table(&["get", "ns", "--chunk-size", "1"]).await;

    let merge = env
        .kc(&[
            "patch",
            "cm",
            "settings",
            "-n",
            "web",
            "--type",
            "merge",
            "-p",
            r#"{"data":{"color":"red"}}"#,
        ])
        .await;
    assert_eq!(
        merge.stdout, "configmap/settings patched\n",
        "{}",
        merge.stderr
    );
    let json = env
        .kc(&[
            "patch",
            "cm/settings",
            "-n",
            "web",
            "--type",
            "json",
            "-p",
            r#"[{"op":"add","path":"/data/size","value":"L"}]"#,
        ])
        .await;
    assert_eq!(
        json.stdout, "configmap/settings patched\n",
        "{}",
        json.stderr
    );
    let strategic = env
        .kc(&["patch", "deploy", "nginx", "-n", "web", "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}"#])
        .await;
    assert_eq!(
        strategic.stdout, "deployment.apps/nginx patched\n",
        "{}",
        strategic.stderr
    );
    let same = env
        .kc(&[
            "patch",
            "cm",
            "settings",
            "-n",
            "web",
            "--type",
            "merge",
            "-p",
            r#"{"data":{"color":"red"}}"#,
        ])
        .await;
    assert_eq!(same.stdout, "configmap/settings patched (no change)\n");
    let cm = env
        .kc(&["get", "cm", "settings", "-n", "web", "-o", "json"])
        .await;
    let cm: Value = serde_json::from_str(&cm.stdout).expect("json");
    assert_eq!(cm["data"]["color"], "red");
    assert_eq!(cm["data"]["size"], "L");

    for args in [
        &["get", "cm", "missing", "-n", "web"][..],
        &["get", "nosuchthing"],
        &["delete", "cm", "missing", "-n", "web"],
    ] {
        let kc = env.kc(args).await;
        let kubectl = env.kubectl(args).await;
        assert!(!kc.ok, "{args:?} succeeded");
        assert_eq!(
            kc.stderr.trim_end(),
            kubectl.stderr.trim_end(),
            "stderr of {args:?}"
        );
    }
    let deleted = env.kc(&["delete", "deploy", "nginx", "-n", "web"]).await;
    assert_eq!(
        deleted.stdout, "deployment.apps \"nginx\" deleted\n",
        "{}",
        deleted.stderr
    );
    let empty = env.kc(&["get", "deploy", "-n", "web"]).await;
    let kubectl_empty = env.kubectl(&["get", "deploy", "-n", "web"]).await;
    assert_eq!(empty.stderr, kubectl_empty.stderr);
}

const CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
";

const WIDGET: &str = "\
apiVersion: example.com/v1
kind: Widget
metadata: {name: gear}
spec: {size: 3}
";

#[tokio::test]
async fn apply_crd_then_custom_objects_by_plural_and_short_name() {
    let env = Env::start().await;
    let crd = env.file("crd.yaml", CRD);
    let applied = env.kc(&["apply", "-f", &crd]).await;
    assert_eq!(
        applied.stdout,
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n",
        "{}",
        applied.stderr
    );
    let widget = env.file("widget.yaml", WIDGET);
    let mut created = env.kc(&["apply", "-f", &widget]).await;
    for _ in 0..20 {
        if created.ok {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        created = env.kc(&["apply", "-f", &widget]).await;
    }
    assert_eq!(
        created.stdout, "widget.example.com/gear created\n",
        "{}",
        created.stderr
    );
    let unchanged = env.kc(&["apply", "-f", &widget]).await;
    assert_eq!(unchanged.stdout, "widget.example.com/gear unchanged\n");
    let changed = env.file("widget2.yaml", &WIDGET.replace("size: 3", "size: 4"));
    let configured = env.kc(&["apply", "-f", &changed]).await;
    assert_eq!(configured.stdout, "widget.example.com/gear configured\n");

    for args in [
        &["get", "widgets", "-o", "name"][..],
        &["get", "wd", "-o", "name"],
        &["get", "widget.example.com", "-o", "name"],
        &["get", "Widget", "-o", "name"],
    ] {
        let out = env.same(args).await;
        assert_eq!(out, "widget.example.com/gear\n", "{args:?}");
    }
    let ssa = env
        .kc(&["apply", "--server-side", "--force-conflicts", "-f", &widget])
        .await;
    assert_eq!(
        ssa.stdout, "widget.example.com/gear serverside-applied\n",
        "{}",
        ssa.stderr
    );
    let json = env.kc(&["get", "wd", "gear", "-o", "json"]).await;
    let obj: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(obj["spec"]["size"], 3);
}

#[tokio::test]
async fn get_watch_prints_the_table_then_each_change() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let env = Env::start().await;
    let seed = env.file(
        "seed.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n",
    );
    assert!(env.kc(&["create", "-f", &seed]).await.ok);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kc"))
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["get", "cm", "-w"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("kc runs");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let header = next_line(&mut lines).await;
    assert!(header.starts_with("NAME    DATA   AGE"), "{header:?}");
    assert!(next_line(&mut lines).await.starts_with("first   0      "));
    let second = env.file(
        "second.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: second}\ndata: {a: b}\n",
    );
    assert!(env.kc(&["create", "-f", &second]).await.ok);
    // Aligned with the table above it, though "second" is wider than the NAME column was.
    assert!(next_line(&mut lines).await.starts_with("second   1      "));
    // kube-apiserver (and the embedded server) send the column definitions with the first
    // event only: the second and third events come with `"columnDefinitions": null`.
    let patched = env
        .kc(&[
            "patch",
            "cm",
            "second",
            "--type",
            "merge",
            "-p",
            r#"{"data":{"c":"d"}}"#,
        ])
        .await;
    assert!(patched.ok, "{}", patched.stderr);
    assert!(next_line(&mut lines).await.starts_with("second   2      "));
    assert!(env.kc(&["delete", "cm", "first"]).await.ok);
    assert!(next_line(&mut lines).await.starts_with("first    0      "));
}

#[tokio::test]
async fn get_watch_on_nothing_prints_the_header_once_with_the_first_change() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let env = Env::start().await;
    let ns = env.file(
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: quiet}\n",
    );
    assert!(env.kc(&["create", "-f", &ns]).await.ok);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kc"))
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["-n", "quiet", "get", "cm", "-w"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("kc runs");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    // Give the watch time to start, so the create below is an event, not part of the list.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cm = env.file(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late, namespace: quiet}\n",
    );
    assert!(env.kc(&["create", "-f", &cm]).await.ok);
    // kubectl prints nothing for the empty list, then the header with the first row.
    let header = next_line(&mut lines).await;
    assert!(header.starts_with("NAME   DATA   AGE"), "{header:?}");
    let row = next_line(&mut lines).await;
    assert!(row.starts_with("late   0      "), "{row:?}");
}
