//! kubectl, unchanged, against the test server: the commands and messages users see on a
//! real cluster. kubectl runs with its own kubeconfig, cache dir and HOME in a tempdir.

mod kubectl_harness;

use std::process::Stdio;
use std::time::Duration;

use kubectl_harness::Kubectl;
use tokio::io::{AsyncBufReadExt, BufReader};

const CM_FOO: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: foo\n  labels:\n    app: demo\ndata:\n  a: \"1\"\n";

#[tokio::test]
async fn api_resources_and_version() {
    let k = Kubectl::start().await;
    let out = k.ok(&["api-resources"]).await;
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    );
    assert!(
        rows.contains(&vec!["configmaps", "cm", "v1", "true", "ConfigMap"]),
        "{out}"
    );
    assert!(
        rows.contains(&vec![
            "deployments",
            "deploy",
            "apps/v1",
            "true",
            "Deployment"
        ]),
        "{out}"
    );
    let names = k
        .ok(&["api-resources", "--api-group=apps", "-o", "name"])
        .await;
    assert!(names.lines().any(|l| l == "deployments.apps"), "{names}");
    let version = k.ok(&["version", "-o", "json"]).await;
    let v: serde_json::Value = serde_json::from_str(&version).expect("version JSON");
    assert_eq!(v["serverVersion"]["major"], "1");
}

#[tokio::test]
async fn create_get_and_delete() {
    let k = Kubectl::start().await;
    let file = k.write("cm.yaml", CM_FOO);
    assert_eq!(
        k.ok(&["create", "-f", &file]).await,
        "configmap/foo created\n"
    );
    let dup = k.run(&["create", "-f", &file]).await;
    assert!(!dup.ok);
    assert_eq!(
        dup.stderr.trim(),
        format!(
            "Error from server (AlreadyExists): error when creating \"{file}\": configmaps \"foo\" already exists"
        )
    );
    let missing = k.run(&["get", "cm", "nope"]).await;
    assert_eq!(
        missing.stderr.trim(),
        "Error from server (NotFound): configmaps \"nope\" not found"
    );

    let json = k.ok(&["get", "cm", "foo", "-o", "json"]).await;
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["data"]["a"], "1");
    let yaml = k.ok(&["get", "cm", "foo", "-o", "yaml"]).await;
    assert!(
        yaml.contains("  name: foo\n") && yaml.contains("kind: ConfigMap"),
        "{yaml}"
    );
    assert_eq!(k.ok(&["get", "cm", "-o", "name"]).await, "configmap/foo\n");
    let table = k.ok(&["get", "cm"]).await;
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["NAME", "DATA", "AGE"]);
    assert_eq!(&lines[1][..2], ["foo", "1"]);
    let labels = k
        .ok(&["get", "cm", "-l", "app=demo", "--show-labels"])
        .await;
    assert!(labels.contains("app=demo"), "{labels}");

    for i in 1..=4 {
        let m = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n");
        let out = k.run_stdin(&["create", "-f", "-"], Some(&m)).await;
        assert!(out.ok, "{}", out.stderr);
    }
    let chunked = k.ok(&["get", "cm", "--chunk-size=2", "-o", "name"]).await;
    assert_eq!(
        chunked,
        "configmap/c1\nconfigmap/c2\nconfigmap/c3\nconfigmap/c4\nconfigmap/foo\n"
    );

    assert_eq!(
        k.ok(&["delete", "cm", "foo"]).await,
        "configmap \"foo\" deleted\n"
    );
    let gone = k.run(&["delete", "cm", "foo"]).await;
    assert_eq!(
        gone.stderr.trim(),
        "Error from server (NotFound): configmaps \"foo\" not found"
    );
    assert_eq!(
        k.ok(&["get", "ns", "-o", "name"]).await,
        "namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n"
    );
}

#[tokio::test]
async fn apply_patch_label_and_conflicts() {
    let k = Kubectl::start().await;
    let file = k.write("cm.yaml", CM_FOO);
    assert_eq!(
        k.ok(&["apply", "-f", &file]).await,
        "configmap/foo created\n"
    );
    assert_eq!(
        k.ok(&["apply", "-f", &file]).await,
        "configmap/foo unchanged\n"
    );
    let changed = k.write("cm2.yaml", &CM_FOO.replace("\"1\"", "\"2\""));
    assert_eq!(
        k.ok(&["apply", "-f", &changed]).await,
        "configmap/foo configured\n"
    );
    let ssa = k.write(
        "ssa.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bar\ndata:\n  x: \"1\"\n",
    );
    assert_eq!(
        k.ok(&["apply", "--server-side", "-f", &ssa]).await,
        "configmap/bar serverside-applied\n"
    );
    assert_eq!(
        k.ok(&["apply", "--server-side", "-f", &ssa]).await,
        "configmap/bar serverside-applied\n"
    );

    let theirs = k.write(
        "theirs.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bar\ndata:\n  x: \"2\"\n",
    );
    let conflict = k
        .run(&[
            "apply",
            "--server-side",
            "--field-manager=other",
            "-f",
            &theirs,
        ])
        .await;
    assert!(!conflict.ok);
    assert!(
        conflict
            .stderr
            .starts_with("error: Apply failed with 1 conflict: conflict with \"kubectl\": .data.x"),
        "{}",
        conflict.stderr
    );
    let forced = k
        .ok(&[
            "apply",
            "--server-side",
            "--field-manager=other",
            "--force-conflicts",
            "-f",
            &theirs,
        ])
        .await;
    assert_eq!(forced, "configmap/bar serverside-applied\n");

    let merge = k
        .ok(&[
            "patch",
            "cm",
            "foo",
            "--type",
            "merge",
            "-p",
            r#"{"data":{"m":"1"}}"#,
        ])
        .await;
    assert_eq!(merge, "configmap/foo patched\n");
    let json = k
        .ok(&[
            "patch",
            "cm",
            "foo",
            "--type",
            "json",
            "-p",
            r#"[{"op":"add","path":"/data/j","value":"2"}]"#,
        ])
        .await;
    assert_eq!(json, "configmap/foo patched\n");
    let strategic = k
        .ok(&["patch", "cm", "foo", "-p", r#"{"data":{"s":"3"}}"#])
        .await;
    assert_eq!(strategic, "configmap/foo patched\n");
    let noop = k
        .ok(&[
            "patch",
            "cm",
            "foo",
            "--type",
            "merge",
            "-p",
            r#"{"data":{"s":"3"}}"#,
        ])
        .await;
    assert_eq!(noop, "configmap/foo patched (no change)\n");
    let data = k.ok(&["get", "cm", "foo", "-o", "jsonpath={.data}"]).await;
    let v: serde_json::Value = serde_json::from_str(&data).expect("data JSON");
    assert_eq!(
        v,
        serde_json::json!({"a": "2", "j": "2", "m": "1", "s": "3"})
    );

    assert_eq!(
        k.ok(&["label", "cm", "foo", "env=prod"]).await,
        "configmap/foo labeled\n"
    );
    let relabel = k.run(&["label", "cm", "foo", "env=dev"]).await;
    assert_eq!(
        relabel.stderr.trim(),
        "error: 'env' already has a value (prod), and --overwrite is false"
    );
    assert_eq!(
        k.ok(&["label", "cm", "foo", "env=dev", "--overwrite"])
            .await,
        "configmap/foo labeled\n"
    );

    // A replace with a stale resourceVersion is a conflict.
    let stale = k.write(
        "stale.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: foo\n  resourceVersion: \"1\"\ndata:\n  a: \"9\"\n",
    );
    let conflict = k.run(&["replace", "-f", &stale]).await;
    assert_eq!(
        conflict.stderr.trim(),
        format!(
            "Error from server (Conflict): error when replacing \"{stale}\": Operation cannot be fulfilled on configmaps \"foo\": the object has been modified; please apply your changes to the latest version and try again"
        )
    );
    let missing = k
        .run(&["patch", "cm", "nope", "--type", "merge", "-p", "{}"])
        .await;
    assert_eq!(
        missing.stderr.trim(),
        "Error from server (NotFound): configmaps \"nope\" not found"
    );
}

async fn next(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a line in time")
        .expect("read")
        .expect("open stream")
}

#[tokio::test]
async fn get_watch_streams_changes() {
    let k = Kubectl::start().await;
    k.run_stdin(&["create", "-f", "-"], Some(CM_FOO)).await;
    let mut child = k
        .command(&["get", "cm", "-w"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl get -w");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let header = next(&mut lines).await;
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["NAME", "DATA", "AGE"]
    );
    assert!(next(&mut lines).await.starts_with("foo "));
    let created = k
        .run_stdin(
            &["create", "-f", "-"],
            Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n"),
        )
        .await;
    assert!(created.ok, "{}", created.stderr);
    assert!(next(&mut lines).await.starts_with("watched "));
    k.ok(&["delete", "cm", "watched"]).await;
    assert!(next(&mut lines).await.starts_with("watched "));
    child.kill().await.expect("stop kubectl");
}

#[tokio::test]
async fn custom_resources() {
    let k = Kubectl::start().await;
    let crd = k.write(
        "crd.yaml",
        r#"apiVersion: apiextensions.k8s.io/v1
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
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
"#,
    );
    assert_eq!(
        k.ok(&["apply", "-f", &crd]).await,
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n"
    );
    let waited = k
        .ok(&[
            "wait",
            "--for=condition=Established",
            "crd/widgets.example.com",
            "--timeout=20s",
        ])
        .await;
    assert_eq!(
        waited,
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met\n"
    );
    let w = k.write(
        "w.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n",
    );
    assert_eq!(
        k.ok(&["apply", "-f", &w]).await,
        "widget.example.com/w1 created\n"
    );
    let table = k.ok(&["get", "wd"]).await;
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    // Like kube-apiserver: declared printer columns replace the default AGE column.
    assert_eq!(rows[0], ["NAME", "SIZE"]);
    assert_eq!(&rows[1][..2], ["w1", "3"]);
    let patched = k
        .ok(&[
            "patch",
            "widget",
            "w1",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"size":4}}"#,
        ])
        .await;
    assert_eq!(patched, "widget.example.com/w1 patched\n");
    let strategic = k
        .run(&["patch", "widget", "w1", "-p", r#"{"spec":{"size":5}}"#])
        .await;
    assert!(!strategic.ok);
    assert!(
        strategic.stderr.contains("UnsupportedMediaType")
            || strategic.stderr.contains("unknown format"),
        "{}",
        strategic.stderr
    );
    assert_eq!(
        k.ok(&["delete", "crd", "widgets.example.com"]).await,
        "customresourcedefinition.apiextensions.k8s.io \"widgets.example.com\" deleted\n"
    );
    let gone = k.run(&["get", "widgets"]).await;
    assert!(!gone.ok);
    drop(k.server);
}

const SCHEMA_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [color]
            properties:
              color: {type: string, enum: [red, green]}
              size: {type: integer, maximum: 10}
              replicas: {type: integer, default: 2}
    additionalPrinterColumns:
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
"#;

/// A non-structural CRD: kubectl prints kube-apiserver's causes, one per line, in its order
/// (the structural errors sorted by message), as it does against a cluster.
#[tokio::test]
async fn a_non_structural_crd_is_refused_as_kube_apiserver_refuses_it() {
    let k = Kubectl::start().await;
    let bad = k.write(
        "non-structural.yaml",
        &SCHEMA_CRD
            .replace("          spec:\n            type: object\n", "          spec:\n")
            .replace(
                "        properties:\n          spec:\n",
                "        properties:\n          metadata:\n            type: object\n            properties:\n              labels: {type: object}\n          spec:\n",
            ),
    );
    let out = k.run(&["apply", "-f", &bad]).await;
    assert!(!out.ok, "{}", out.stdout);
    assert_eq!(
        out.stderr,
        "The CustomResourceDefinition \"widgets.example.com\" is invalid: \n\
         * spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified\n\
         * spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields\n"
    );
}

/// Custom resources under a real schema: kubectl shows the 422 of an invalid object, the
/// strict-decoding 400 of an unknown field, prints the printer columns (defaults included),
/// and a non-structural CRD is refused.
#[tokio::test]
async fn custom_resources_under_a_schema() {
    let k = Kubectl::start().await;
    let untyped = k.write(
        "bad-crd.yaml",
        &SCHEMA_CRD.replace(
            "          spec:\n            type: object\n",
            "          spec:\n",
        ),
    );
    // One version's schema is held as `spec.validation` by kube-apiserver.
    k.fails_with(&["apply", "-f", &untyped], r#"The CustomResourceDefinition "widgets.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"#).await;
    let crd = k.write("crd.yaml", SCHEMA_CRD);
    k.ok(&["apply", "-f", &crd]).await;
    k.ok(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.example.com",
        "--timeout=20s",
    ])
    .await;

    let invalid = k.write(
        "invalid.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  color: red\n  size: 11\n",
    );
    k.fails_with(&["apply", "-f", &invalid], r#"The Widget "w" is invalid: spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"#).await;
    let unknown = k.write(
        "unknown.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  color: red\n  size: 3\n  shade: dark\n",
    );
    k.fails_with(
        &["apply", "-f", &unknown],
        r#"strict decoding error: unknown field "spec.shade""#,
    )
    .await;
    // Without validation the unknown field is pruned and the default applied.
    assert_eq!(
        k.ok(&["create", "--validate=false", "-f", &unknown]).await,
        "widget.example.com/w created\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&k.ok(&["get", "widget", "w", "-o", "json"]).await).expect("json");
    assert_eq!(
        json["spec"],
        serde_json::json!({"color": "red", "size": 3, "replicas": 2})
    );
    let table = k.ok(&["get", "widgets"]).await;
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["NAME", "COLOR", "SIZE", "REPLICAS", "AGE"]);
    assert_eq!(&rows[1][..4], ["w", "red", "3", "2"]);
    drop(k.server);
}

#[tokio::test]
async fn namespaces_and_deployments() {
    let k = Kubectl::start().await;
    let ns = k.write(
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n",
    );
    assert_eq!(
        k.ok(&["apply", "-f", &ns]).await,
        "namespace/team created\n"
    );
    let deploy = k.write(
        "d.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: nginx:1.27, ports: [{containerPort: 80}]}
"#,
    );
    assert_eq!(
        k.ok(&["apply", "-f", &deploy]).await,
        "deployment.apps/web created\n"
    );
    assert_eq!(
        k.ok(&["apply", "-f", &deploy]).await,
        "deployment.apps/web unchanged\n"
    );
    let strategic = k
        .ok(&["-n", "team", "patch", "deploy", "web", "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}"#])
        .await;
    assert_eq!(strategic, "deployment.apps/web patched\n");
    let image = k
        .ok(&[
            "-n",
            "team",
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}",
        ])
        .await;
    assert_eq!(image, "nginx:1.28 2");
    assert_eq!(
        k.ok(&["-n", "team", "scale", "deploy", "web", "--replicas=3"])
            .await,
        "deployment.apps/web scaled\n"
    );
    let table = k.ok(&["-n", "team", "get", "deploy"]).await;
    assert!(table.starts_with("NAME"), "{table}");
    assert_eq!(
        k.ok(&["delete", "ns", "team"]).await,
        "namespace \"team\" deleted\n"
    );
    let gone = k.run(&["get", "ns", "team"]).await;
    assert_eq!(
        gone.stderr.trim(),
        "Error from server (NotFound): namespaces \"team\" not found"
    );
}

/// kubectl's typed clients send protobuf bodies; these commands exercise that path.
#[tokio::test]
async fn imperative_commands() {
    let k = Kubectl::start().await;
    assert_eq!(
        k.ok(&["create", "namespace", "apps"]).await,
        "namespace/apps created\n"
    );
    let dup = k.run(&["create", "namespace", "apps"]).await;
    assert_eq!(
        dup.stderr.trim(),
        "Error from server (AlreadyExists): namespaces \"apps\" already exists"
    );
    assert_eq!(
        k.ok(&[
            "-n",
            "apps",
            "create",
            "configmap",
            "settings",
            "--from-literal=mode=fast"
        ])
        .await,
        "configmap/settings created\n"
    );
    assert_eq!(
        k.ok(&[
            "-n",
            "apps",
            "get",
            "cm",
            "settings",
            "-o",
            "jsonpath={.data.mode}"
        ])
        .await,
        "fast"
    );
    assert_eq!(
        k.ok(&[
            "-n",
            "apps",
            "create",
            "secret",
            "generic",
            "creds",
            "--from-literal=pw=hunter2"
        ])
        .await,
        "secret/creds created\n"
    );
    assert_eq!(
        k.ok(&[
            "-n",
            "apps",
            "get",
            "secret",
            "creds",
            "-o",
            "jsonpath={.data.pw}"
        ])
        .await,
        "aHVudGVyMg=="
    );
    assert_eq!(
        k.ok(&[
            "-n",
            "apps",
            "create",
            "deployment",
            "web",
            "--image=nginx",
            "--replicas=2"
        ])
        .await,
        "deployment.apps/web created\n"
    );
    assert_eq!(
        k.ok(&["-n", "apps", "expose", "deployment", "web", "--port=80"])
            .await,
        "service/web exposed\n"
    );
    let ip = k
        .ok(&[
            "-n",
            "apps",
            "get",
            "svc",
            "web",
            "-o",
            "jsonpath={.spec.clusterIP}",
        ])
        .await;
    assert!(ip.starts_with("10.96."), "{ip}");
    assert_eq!(
        k.ok(&["-n", "apps", "run", "pod1", "--image=busybox"])
            .await,
        "pod/pod1 created\n"
    );
    assert_eq!(
        k.ok(&[
            "-n",
            "apps",
            "get",
            "pod",
            "pod1",
            "-o",
            "jsonpath={.status.phase}"
        ])
        .await,
        "Pending"
    );
    assert_eq!(k.ok(&["auth", "can-i", "delete", "pods"]).await, "yes\n");
    let whoami = k
        .ok(&[
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username}",
        ])
        .await;
    assert_eq!(whoami, "kclient-testserver-admin");
    assert_eq!(
        k.ok(&["-n", "apps", "create", "serviceaccount", "robot"])
            .await,
        "serviceaccount/robot created\n"
    );
    assert!(
        !k.ok(&["-n", "apps", "create", "token", "robot"])
            .await
            .trim()
            .is_empty()
    );
}

/// Lists above 128 KiB go out gzip-encoded to clients that accept it, and kubectl (Go's
/// transport) always does unless `--disable-compression`: it decodes them either way.
#[tokio::test]
async fn large_gzip_lists() {
    let k = Kubectl::start().await;
    let value = "x".repeat(4096);
    let manifest: String = (0..40)
        .map(|i| {
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-{i:02}\ndata:\n  k: {value}\n"
            )
        })
        .collect();
    let file = k.write("big.yaml", &manifest);
    k.ok(&["create", "-f", &file]).await;
    for flags in [&[][..], &["--disable-compression"][..]] {
        let mut args = flags.to_vec();
        args.extend(["get", "configmaps", "-o", "json"]);
        let list: serde_json::Value =
            serde_json::from_str(&k.ok(&args).await).expect("kubectl prints JSON");
        let big: Vec<&serde_json::Value> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|cm| {
                cm["metadata"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("big-")
            })
            .collect();
        assert_eq!(big.len(), 40, "{flags:?}");
        assert!(big.iter().all(|cm| cm["data"]["k"] == value.as_str()));
        let mut args = flags.to_vec();
        args.extend(["get", "--raw", "/api/v1/namespaces/default/configmaps"]);
        let raw: serde_json::Value = serde_json::from_str(&k.ok(&args).await).expect("raw JSON");
        assert!(raw["items"].as_array().expect("items").len() >= 40);
    }
}

/// `kubectl get --raw` under a group nothing serves: kubectl reports NotFound and, with
/// `-v=8`, shows kube-apiserver's plain-text body; typed lists print with their items'
/// kind filled in by kubectl, though the server sends none.
#[tokio::test]
async fn raw_paths_outside_served_apis_and_typed_lists() {
    let k = Kubectl::start().await;
    let out = k
        .run(&["get", "--raw", "/apis/nope.example.com/v1/things", "-v=8"])
        .await;
    assert!(!out.ok);
    assert!(
        out.stderr.contains(
            "Error from server (NotFound): the server could not find the requested resource"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("404 page not found"), "{}", out.stderr);
    k.run_stdin(&["create", "-f", "-"], Some(CM_FOO)).await;
    let raw: serde_json::Value = serde_json::from_str(
        &k.ok(&["get", "--raw", "/api/v1/namespaces/default/configmaps"])
            .await,
    )
    .expect("raw JSON");
    assert!(raw["items"][0].get("kind").is_none(), "{raw}");
    let printed: serde_json::Value =
        serde_json::from_str(&k.ok(&["get", "configmaps", "-o", "json"]).await).expect("JSON");
    assert_eq!(printed["items"][0]["kind"], "ConfigMap");
    assert_eq!(printed["items"][0]["apiVersion"], "v1");
}

/// `kubectl drain` evicts through `pods/eviction`: a PodDisruptionBudget that allows no
/// disruption makes it retry on kube-apiserver's 429 until its timeout; without the budget
/// the pod is evicted.
#[tokio::test]
async fn drain_respects_pod_disruption_budgets() {
    let k = Kubectl::start().await;
    k.run_stdin(
        &["create", "-f", "-"],
        Some("apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n"),
    )
    .await;
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  nodeName: n1\n  containers:\n  - name: c\n    image: nginx\n";
    let created = k.run_stdin(&["create", "-f", "-"], Some(pod)).await;
    assert!(created.ok, "{}", created.stderr);
    k.ok(&[
        "patch",
        "pod",
        "web",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}"#,
    ])
    .await;
    let pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: web\n";
    let created = k.run_stdin(&["create", "-f", "-"], Some(pdb)).await;
    assert!(created.ok, "{}", created.stderr);
    let blocked = k
        .run(&[
            "drain",
            "n1",
            "--force",
            "--ignore-daemonsets",
            "--timeout=2s",
        ])
        .await;
    assert!(!blocked.ok, "{}", blocked.stdout);
    assert!(
        blocked
            .stderr
            .contains("Cannot evict pod as it would violate the pod's disruption budget."),
        "{}",
        blocked.stderr
    );
    k.ok(&["get", "pod", "web"]).await;
    k.ok(&["delete", "pdb", "web"]).await;
    let drained = k
        .ok(&[
            "drain",
            "n1",
            "--force",
            "--ignore-daemonsets",
            "--timeout=20s",
        ])
        .await;
    assert!(drained.contains("pod/web evicted"), "{drained}");
    let gone = k.run(&["get", "pod", "web"]).await;
    assert!(!gone.ok);
}

/// `kubectl get -w -o wide` prints the Table watch's header once, from the column
/// definitions only the first event carries, and a row for every later event.
#[tokio::test]
async fn get_watch_wide_prints_one_header() {
    let k = Kubectl::start().await;
    k.run_stdin(&["create", "-f", "-"], Some(CM_FOO)).await;
    let mut child = k
        .command(&["get", "cm", "-w", "-o", "wide"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl get -w -o wide");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let header = next(&mut lines).await;
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["NAME", "DATA", "AGE"]
    );
    assert!(next(&mut lines).await.starts_with("foo "));
    for name in ["w1", "w2"] {
        let manifest = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
        let created = k.run_stdin(&["create", "-f", "-"], Some(&manifest)).await;
        assert!(created.ok, "{}", created.stderr);
        let row = next(&mut lines).await;
        assert!(row.starts_with(&format!("{name} ")), "{row}");
    }
    child.kill().await.expect("stop kubectl");
}

#[tokio::test]
async fn field_validation_and_defaults() {
    let k = Kubectl::start().await;
    let manifest = |name: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\nbogus: 1\ndata:\n  a: \"1\"\n"
        )
    };
    // --validate=false sends fieldValidation=Ignore: the field is dropped in silence.
    let out = k
        .run_stdin(
            &["create", "--validate=false", "-f", "-"],
            Some(&manifest("loose")),
        )
        .await;
    assert!(out.ok, "{}", out.stderr);
    assert_eq!(out.stdout, "configmap/loose created\n");
    assert_eq!(out.stderr, "");
    let got: serde_json::Value =
        serde_json::from_str(&k.ok(&["get", "configmap", "loose", "-o", "json"]).await)
            .expect("json");
    assert!(got.get("bogus").is_none(), "{got}");
    assert_eq!(got["data"]["a"], "1");

    // --validate=strict (kubectl's default): the server refuses it.
    let out = k
        .run_stdin(
            &["create", "--validate=strict", "-f", "-"],
            Some(&manifest("strict")),
        )
        .await;
    assert!(!out.ok);
    assert_eq!(
        out.stderr,
        "Error from server (BadRequest): error when creating \"STDIN\": ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"bogus\"\n"
    );
    // --validate=warn: created, and kubectl prints the server's warning.
    let out = k
        .run_stdin(
            &["create", "--validate=warn", "-f", "-"],
            Some(&manifest("warned")),
        )
        .await;
    assert!(out.ok, "{}", out.stderr);
    assert_eq!(out.stdout, "configmap/warned created\n");
    assert_eq!(out.stderr, "Warning: unknown field \"bogus\"\n");

    // What kubectl creates comes back with kube-apiserver's defaults.
    k.ok(&["create", "deployment", "web", "--image=nginx"])
        .await;
    let jsonpath = "jsonpath={.spec.replicas} {.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge} {.spec.revisionHistoryLimit} {.spec.progressDeadlineSeconds} {.spec.template.spec.containers[0].imagePullPolicy} {.spec.template.spec.restartPolicy} {.spec.template.spec.schedulerName}";
    assert_eq!(
        k.ok(&["get", "deployment", "web", "-o", jsonpath]).await,
        "1 RollingUpdate 25% 10 600 Always Always default-scheduler"
    );
    k.ok(&["run", "one", "--image=busybox:1.36"]).await;
    let jsonpath = "jsonpath={.spec.enableServiceLinks} {.spec.dnsPolicy} {.spec.terminationGracePeriodSeconds} {.spec.containers[0].imagePullPolicy} {.spec.containers[0].terminationMessagePath}";
    assert_eq!(
        k.ok(&["get", "pod", "one", "-o", jsonpath]).await,
        "true ClusterFirst 30 IfNotPresent /dev/termination-log"
    );
}

/// kubectl's `hpa` short name drops the version (`hpa.v1.autoscaling` reads the preferred
/// autoscaling/v2, on kube-apiserver too); the full resource name keeps it.
const HPA_V1: &str = "horizontalpodautoscalers.v1.autoscaling";
const HPA_V2: &str = "horizontalpodautoscalers.v2.autoscaling";

const HPA_V1_YAML: &str = "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: api\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: api\n  maxReplicas: 3\n";

fn json_of(out: &str) -> serde_json::Value {
    serde_json::from_str(out).expect("kubectl prints JSON")
}

#[tokio::test]
async fn autoscalers_read_in_v1_and_v2_as_kube_apiserver_serves_them() {
    let k = Kubectl::start().await;
    k.ok(&["create", "deployment", "web", "--image=nginx"])
        .await;
    assert_eq!(
        k.ok(&["autoscale", "deployment", "web", "--max=5"]).await,
        "horizontalpodautoscaler.autoscaling/web autoscaled\n"
    );
    let file = k.write("hpa.yaml", HPA_V1_YAML);
    assert_eq!(
        k.ok(&["apply", "-f", &file]).await,
        "horizontalpodautoscaler.autoscaling/api created\n"
    );
    for (name, max) in [("web", 5), ("api", 3)] {
        let reference =
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": name});
        let v1 = json_of(&k.ok(&["get", HPA_V1, name, "-o", "json"]).await);
        assert_eq!(v1["apiVersion"], "autoscaling/v1");
        assert_eq!(
            v1["spec"],
            serde_json::json!({"maxReplicas": max, "minReplicas": 1, "scaleTargetRef": reference,
                "targetCPUUtilizationPercentage": 80})
        );
        assert_eq!(
            v1["status"],
            serde_json::json!({"currentReplicas": 0, "desiredReplicas": 0})
        );
        let v2 = json_of(&k.ok(&["get", HPA_V2, name, "-o", "json"]).await);
        assert_eq!(v2["apiVersion"], "autoscaling/v2");
        assert_eq!(
            v2["spec"],
            serde_json::json!({"maxReplicas": max, "minReplicas": 1, "scaleTargetRef": reference,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80}}}]})
        );
        assert_eq!(
            v2["status"],
            serde_json::json!({"currentMetrics": null, "desiredReplicas": 0})
        );
        // kubectl apply's last-applied annotation is the only one either version shows.
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v["metadata"]["annotations"]
                .as_object()
                .map(|a| a.keys().cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(keys(&v1), keys(&v2));
        assert!(
            keys(&v1)
                .iter()
                .all(|k| !k.starts_with("autoscaling.alpha"))
        );
    }
    let out = k.ok(&["get", "hpa"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "NAME",
            "REFERENCE",
            "TARGETS",
            "MINPODS",
            "MAXPODS",
            "REPLICAS",
            "AGE"
        ]
    );
    let targets_at = lines[0].find("TARGETS").expect("TARGETS");
    let minpods_at = lines[0].find("MINPODS").expect("MINPODS");
    for (line, name, max) in [(lines[1], "api", "3"), (lines[2], "web", "5")] {
        assert_eq!(
            line[..targets_at].split_whitespace().collect::<Vec<_>>(),
            [name, &format!("Deployment/{name}")]
        );
        assert_eq!(
            line[targets_at..minpods_at].trim_end(),
            "cpu: <unknown>/80%"
        );
        assert_eq!(
            line[minpods_at..].split_whitespace().collect::<Vec<_>>()[..3],
            ["1", max, "0"]
        );
    }
}
