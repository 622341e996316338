//! The ClientSet walkthrough of the seeds: create a Deployment, scale it, list pods and
//! nodes, patch a node. Runs on the embedded test server; with `--real`
//! (`cargo run -p kclient --example clientset -- --real`) it uses client-go's kubeconfig
//! resolution instead.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{Container, Node, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kclient::{ClientSet, Patch};
use kclient_config::{Config, KubeconfigOptions};
use kclient_core::{CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions};
use serde_json::json;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = std::env::args().any(|a| a == "--real");
    let server;
    let config = if real {
        Config::infer(None, &KubeconfigOptions::default())?
    } else {
        server = kclient_testserver::TestServer::start().await?;
        server.config()
    };
    let clientset = ClientSet::new(config)?;

    let labels = [("app".to_owned(), "demo".to_owned())]
        .into_iter()
        .collect();
    let deployment = Deployment {
        metadata: ObjectMeta {
            name: Some("demo".to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(labels),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some([("app".to_owned(), "demo".to_owned())].into()),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "web".to_owned(),
                        image: Some("nginx:1.25".to_owned()),
                        ..Container::default()
                    }],
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    };
    let deployments = clientset.apps_v1().deployments("default");
    let created = deployments
        .create(&deployment, &CreateOptions::default())
        .await?;
    println!(
        "created deployment {} (resourceVersion {})",
        created.metadata.name.as_deref().unwrap_or_default(),
        created
            .metadata
            .resource_version
            .as_deref()
            .unwrap_or_default()
    );

    let scaled = deployments
        .patch_scale(
            "demo",
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
            &PatchOptions::default(),
        )
        .await?;
    println!(
        "scaled to {} replicas",
        scaled.spec.and_then(|s| s.replicas).unwrap_or_default()
    );

    let pods = clientset
        .core_v1()
        .pods("default")
        .list(&ListOptions::default())
        .await?;
    println!("{} pods in default", pods.items.len());

    let nodes = clientset.core_v1().nodes();
    if !real {
        let node = Node {
            metadata: ObjectMeta {
                name: Some("node-1".to_owned()),
                ..ObjectMeta::default()
            },
            ..Node::default()
        };
        nodes.create(&node, &CreateOptions::default()).await?;
    }
    for node in nodes.list(&ListOptions::default()).await? {
        let name = node.metadata.name.unwrap_or_default();
        // The seed's strategic-merge patch of a node label.
        let patched = nodes
            .patch(
                &name,
                &Patch::Strategic(
                    json!({"metadata": {"labels": {"kclient.example/seen": "true"}}}),
                ),
                &PatchOptions::default(),
            )
            .await?;
        println!("labelled node {name}: {:?}", patched.metadata.labels);
    }

    deployments
        .delete("demo", &DeleteOptions::background())
        .await?;
    let gone = deployments.get_opt("demo", &GetOptions::default()).await?;
    println!("deployment deleted: {}", gone.is_none());
    Ok(())
}
