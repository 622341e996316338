//! ClientSet: the typed client of every built-in group-version. Creates an nginx Deployment
//! with `clientset.apps_v1().deployments(ns)`, lists Deployments, updates the replica count
//! (get, change, update — retried on conflict as client-go's `retry.RetryOnConflict`) and
//! deletes it again.
//!
//! ```text
//! cargo run -p kclient-examples --example clientset -- --kubeconfig ~/.kube/config \
//!     --namespace default --replicas 2 --scale-to 3
//! ```

use clap::Parser;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{Container, ContainerPort, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kclient::ApiError;
use kclient::{
    Api, ClientSet, CreateOptions, DeleteOptions, GetOptions, ListOptions, UpdateOptions,
};
use kclient_examples::ConfigFlags;

/// Create, list, scale and delete an nginx Deployment through the typed ClientSet.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigFlags,
    /// Namespace of the Deployment.
    #[arg(short, long, default_value = "default")]
    namespace: String,
    /// Name of the Deployment.
    #[arg(long, default_value = "nginx")]
    name: String,
    /// Replicas at creation.
    #[arg(long, default_value_t = 2)]
    replicas: i32,
    /// Replicas after the update.
    #[arg(long, default_value_t = 3)]
    scale_to: i32,
    /// Leave the Deployment in place instead of deleting it at the end.
    #[arg(long)]
    keep: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    kclient_examples::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    kclient_examples::init_logging();
    let args = Args::parse();
    let clientset = ClientSet::new(args.config.load()?)?;
    let deployments = clientset.apps_v1().deployments(&args.namespace);

    println!("Creating deployment...");
    let created = deployments
        .create(
            &nginx_deployment(&args.name, args.replicas),
            &CreateOptions::default(),
        )
        .await?;
    println!(
        "Created deployment {}/{} (replicas {})",
        args.namespace,
        created.metadata.name.as_deref().unwrap_or_default(),
        replicas_of(&created)
    );

    print_deployments(&deployments, &args.namespace).await?;

    println!("Updating deployment...");
    let updated = update_replicas(&deployments, &args.name, args.scale_to).await?;
    println!(
        "Updated deployment {}/{}: replicas {} -> {} (generation {})",
        args.namespace,
        args.name,
        args.replicas,
        replicas_of(&updated),
        updated.metadata.generation.unwrap_or_default()
    );

    print_deployments(&deployments, &args.namespace).await?;

    if args.keep {
        println!("Keeping deployment {}/{}", args.namespace, args.name);
        return Ok(());
    }
    println!("Deleting deployment...");
    deployments
        .delete(&args.name, &DeleteOptions::foreground())
        .await?;
    println!("Deleted deployment {}/{}", args.namespace, args.name);
    Ok(())
}

/// The seed's nginx Deployment: `app=demo` pods running one nginx container on port 80.
fn nginx_deployment(name: &str, replicas: i32) -> Deployment {
    let labels: std::collections::BTreeMap<String, String> =
        [("app".to_owned(), "demo".to_owned())].into();
    Deployment {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector {
                match_labels: Some(labels.clone()),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "web".to_owned(),
                        image: Some("nginx:1.25".to_owned()),
                        ports: Some(vec![ContainerPort {
                            name: Some("http".to_owned()),
                            container_port: 80,
                            protocol: Some("TCP".to_owned()),
                            ..ContainerPort::default()
                        }]),
                        ..Container::default()
                    }],
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// Reads the latest version, changes it and writes it back; a 409 Conflict means someone
/// else wrote in between, so read again and retry (client-go's `retry.RetryOnConflict`).
async fn update_replicas(
    deployments: &Api<Deployment>,
    name: &str,
    replicas: i32,
) -> Result<Deployment, kclient::Error> {
    const ATTEMPTS: usize = 5;
    let mut attempt = 1;
    loop {
        let mut current = deployments.get(name, &GetOptions::default()).await?;
        if let Some(spec) = current.spec.as_mut() {
            spec.replicas = Some(replicas);
        }
        if let Some(container) = current
            .spec
            .as_mut()
            .and_then(|s| s.template.spec.as_mut())
            .and_then(|s| s.containers.first_mut())
        {
            container.image = Some("nginx:1.26".to_owned());
        }
        match deployments
            .update(&current, &UpdateOptions::default())
            .await
        {
            Err(e) if e.is_conflict() && attempt < ATTEMPTS => attempt += 1,
            other => return other,
        }
    }
}

async fn print_deployments(
    deployments: &Api<Deployment>,
    namespace: &str,
) -> Result<(), kclient::Error> {
    let list = deployments.list(&ListOptions::default()).await?;
    println!("Listing deployments in namespace {namespace}:");
    for d in &list {
        println!(
            " * {} ({} replicas)",
            d.metadata.name.as_deref().unwrap_or_default(),
            replicas_of(d)
        );
    }
    Ok(())
}

fn replicas_of(d: &Deployment) -> i32 {
    d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}
