//! rest_client, clientset and dynamic_client.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient::{CreateOptions, GetOptions};

use crate::harness::{Env, run_command};

fn pod(name: &str, image: &str) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "main".to_owned(),
                image: Some(image.to_owned()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        ..Pod::default()
    }
}

async fn create_pods(env: &Env, namespace: &str, names: &[&str]) {
    let pods = env.clientset.core_v1().pods(namespace);
    for name in names {
        pods.create(&pod(name, "nginx:1.25"), &CreateOptions::default())
            .await
            .expect("pod created");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_client_lists_pods_page_by_page_and_configmaps() {
    let env = Env::start().await;
    create_pods(&env, "default", &["nginx", "redis"]).await;
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("app-config".to_owned()),
            ..ObjectMeta::default()
        },
        data: Some(
            [
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "2".to_owned()),
            ]
            .into(),
        ),
        ..ConfigMap::default()
    };
    env.clientset
        .core_v1()
        .config_maps("default")
        .create(&cm, &CreateOptions::default())
        .await
        .expect("configmap created");

    // One pod per page: both pages are followed.
    let pods = env
        .run("rest_client", &["--namespace", "default", "--limit", "1"])
        .await;
    pods.assert_success()
        .assert_line_starting("nginx \t [")
        .assert_line_starting("redis \t [")
        .assert_line("2 pods in namespace default");

    // Config from $KUBECONFIG instead of --kubeconfig.
    let mut cmd = env.bare_command("rest_client", &["--resource", "configmaps"]);
    cmd.env("KUBECONFIG", &env.kubeconfig);
    let configmaps = run_command(cmd, "rest_client").await;
    configmaps
        .assert_success()
        .assert_line("app-config \t [2 keys]");

    let empty = env
        .run("rest_client", &["--namespace", "kube-public"])
        .await;
    empty
        .assert_success()
        .assert_line("0 pods in namespace kube-public");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn examples_fail_clearly_without_a_config() {
    let env = Env::start().await;
    // No --kubeconfig, no $KUBECONFIG, an empty HOME and not in a cluster.
    let cmd = env.bare_command("rest_client", &[]);
    let out = run_command(cmd, "rest_client").await;
    assert!(
        !out.status.success(),
        "succeeded without a config:\n{}",
        out.stdout
    );
    assert!(out.stderr.starts_with("error: "), "stderr: {}", out.stderr);
    assert!(
        !out.stderr.contains("Kubeconfig("),
        "a Debug dump instead of a message: {}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clientset_creates_lists_scales_and_deletes_a_deployment() {
    let env = Env::start().await;
    let out = env
        .run(
            "clientset",
            &[
                "--namespace",
                "default",
                "--replicas",
                "2",
                "--scale-to",
                "4",
            ],
        )
        .await;
    out.assert_success()
        .assert_line("Created deployment default/nginx (replicas 2)")
        .assert_line(" * nginx (2 replicas)")
        .assert_line_starting("Updated deployment default/nginx: replicas 2 -> 4")
        .assert_line(" * nginx (4 replicas)")
        .assert_line("Deleted deployment default/nginx");
    let left = env
        .clientset
        .apps_v1()
        .deployments("default")
        .get_opt("nginx", &GetOptions::default())
        .await
        .expect("get");
    assert!(left.is_none(), "the deployment was not deleted: {left:?}");

    // --keep leaves it for inspection, with the update applied.
    env.run("clientset", &["--name", "web", "--keep"])
        .await
        .assert_success()
        .assert_line("Keeping deployment default/web");
    let kept: Deployment = env
        .clientset
        .apps_v1()
        .deployments("default")
        .get("web", &GetOptions::default())
        .await
        .expect("kept deployment");
    assert_eq!(kept.spec.as_ref().and_then(|s| s.replicas), Some(3));
    let image = kept
        .spec
        .and_then(|s| s.template.spec)
        .map(|s| s.containers[0].image.clone());
    assert_eq!(image, Some(Some("nginx:1.26".to_owned())));

    // Creating it again is an AlreadyExists error and a non-zero exit.
    let again = env.run("clientset", &["--name", "web"]).await;
    assert!(!again.status.success());
    assert!(
        again.stderr.contains("already exists"),
        "stderr: {}",
        again.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_client_lists_unstructured_and_converts_to_typed_pods() {
    let env = Env::start().await;
    env.clientset
        .core_v1()
        .namespaces()
        .create(
            &k8s_openapi::api::core::v1::Namespace {
                metadata: ObjectMeta {
                    name: Some("apps".to_owned()),
                    ..ObjectMeta::default()
                },
                ..Default::default()
            },
            &CreateOptions::default(),
        )
        .await
        .expect("namespace");
    create_pods(&env, "apps", &["nginx"]).await;

    let out = env.run("dynamic_client", &["--namespace", "apps"]).await;
    out.assert_success()
        .assert_line_starting("1 pods in namespace apps (resourceVersion ")
        .assert_line_starting("unstructured: Pod apps/nginx uid=")
        .assert_line("typed: nginx \t [Pending] images=nginx:1.25");

    // Any resource by GVR, here apps/v1 deployments (no typed conversion).
    let deployments = env
        .run(
            "dynamic_client",
            &["--group", "apps", "--resource", "deployments"],
        )
        .await;
    deployments
        .assert_success()
        .assert_line_starting("0 deployments in namespace default");
    assert!(!deployments.stdout.contains("typed:"));
}
