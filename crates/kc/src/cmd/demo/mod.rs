//! `kc demo`: a walkthrough of every part of kclient against the embedded API server, or
//! against the cluster of an explicit kubeconfig (`--kubeconfig` or `$KUBECONFIG`), in a
//! namespace it creates and removes. Every step checks what it printed and fails the command
//! otherwise, so a green `kc demo` means each part worked end to end.

mod basics;
mod clients;
mod controller;
mod crd;
mod leader;
mod out;

use std::time::{SystemTime, UNIX_EPOCH};

use k8s_openapi::api::core::v1::Namespace;
use kclient::config::Config;
use kclient::testserver::TestServer;
use kclient::{Api, ClientSet, CreateOptions, DeleteOptions};

use crate::cli::{DemoArgs, GlobalFlags};
use crate::error::CliError;
use out::Out;

pub async fn run(flags: &GlobalFlags, args: &DemoArgs) -> Result<(), CliError> {
    let out = Out::new();
    // An explicit kubeconfig means "run against that cluster"; otherwise the demo must not
    // touch whatever ~/.kube/config points at, so it starts its own server.
    let explicit = flags.kubeconfig.is_some() || std::env::var_os("KUBECONFIG").is_some();
    let server = if explicit {
        None
    } else {
        out.step("starting the embedded API server (kclient-testserver)");
        let server = TestServer::start()
            .await
            .map_err(|e| CliError::TestServer(e.to_string()))?;
        out.done(&format!("listening on {}", server.url()));
        Some(server)
    };
    let config = match &server {
        Some(server) => server.config(),
        None => flags.config()?,
    };
    let result = walkthrough(&out, config, args).await;
    if let Some(server) = server {
        server.shutdown().await;
    }
    result?;
    out.finish();
    Ok(())
}

async fn walkthrough(out: &Out, config: Config, args: &DemoArgs) -> Result<(), CliError> {
    let clientset = ClientSet::new(config)?;
    basics::version(out, &clientset).await?;
    basics::discovery(out, &clientset).await?;

    let ns = demo_namespace();
    out.step(&format!("creating namespace {ns}"));
    let namespaces: Api<Namespace> = clientset.core_v1().namespaces();
    let mut namespace = Namespace::default();
    namespace.metadata.name = Some(ns.clone());
    let created = namespaces
        .create(&namespace, &CreateOptions::default())
        .await?;
    out.done(&format!(
        "uid {}",
        created.metadata.uid.as_deref().unwrap_or("?")
    ));

    let outcome = steps(out, &clientset, &ns).await;
    if args.keep {
        out.note(&format!("keeping namespace {ns} (--keep)"));
    } else {
        out.step(&format!("deleting namespace {ns}"));
        namespaces.delete(&ns, &DeleteOptions::default()).await?;
        out.done("deleted");
    }
    outcome
}

async fn steps(out: &Out, clientset: &ClientSet, ns: &str) -> Result<(), CliError> {
    basics::rest_client(out, clientset, ns).await?;
    clients::deployment(out, clientset, ns).await?;
    clients::dynamic_to_typed(out, clientset, ns).await?;
    crd::custom_resources(out, clientset, ns).await?;
    controller::informer_and_workqueue(out, clientset, ns).await?;
    leader::election(out, clientset, ns).await?;
    Ok(())
}

/// A fresh name per run, so demos against a real cluster never collide.
fn demo_namespace() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("kclient-demo-{:05x}", nanos & 0xfffff)
}
