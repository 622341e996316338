//! The pod and service-account expansions: log, eviction, binding, ephemeral containers and
//! token requests.

mod common;

use common::start;
use futures::StreamExt;
use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::{
    Binding, Container, EphemeralContainer, ObjectReference, Pod, PodSpec, ServiceAccount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_client::ApiError;
use kclient_client::LogOptions;
use kclient_core::{CreateOptions, DeleteOptions, GetOptions, UpdateOptions};

fn pod(name: &str, containers: &[&str]) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            containers: containers
                .iter()
                .map(|c| Container {
                    name: (*c).to_owned(),
                    image: Some("busybox".to_owned()),
                    ..Container::default()
                })
                .collect(),
            ..PodSpec::default()
        }),
        ..Pod::default()
    }
}

#[tokio::test]
async fn eviction_deletes_the_pod() {
    let (_server, cs) = start().await;
    let pods = cs.core_v1().pods("default");
    pods.create(&pod("victim", &["app"]), &CreateOptions::default())
        .await
        .unwrap();
    let status = pods
        .evict("victim", &DeleteOptions::default())
        .await
        .unwrap();
    assert_eq!(status.status.as_deref(), Some("Success"));
    assert!(
        pods.get("victim", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        pods.evict("victim", &DeleteOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn binding_sets_the_node() {
    let (_server, cs) = start().await;
    let pods = cs.core_v1().pods("default");
    pods.create(&pod("unscheduled", &["app"]), &CreateOptions::default())
        .await
        .unwrap();
    let binding = Binding {
        metadata: ObjectMeta {
            name: Some("unscheduled".to_owned()),
            ..ObjectMeta::default()
        },
        target: ObjectReference {
            kind: Some("Node".to_owned()),
            name: Some("node-1".to_owned()),
            ..ObjectReference::default()
        },
    };
    pods.bind("unscheduled", &binding, &CreateOptions::default())
        .await
        .unwrap();
    let bound = pods
        .get("unscheduled", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(bound.spec.unwrap().node_name.as_deref(), Some("node-1"));
    // Binding twice is a conflict.
    let err = pods
        .bind("unscheduled", &binding, &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
}

#[tokio::test]
async fn service_account_token() {
    let (_server, cs) = start().await;
    let sas = cs.core_v1().service_accounts("default");
    sas.create(
        &ServiceAccount {
            metadata: ObjectMeta {
                name: Some("robot".to_owned()),
                ..ObjectMeta::default()
            },
            ..ServiceAccount::default()
        },
        &CreateOptions::default(),
    )
    .await
    .unwrap();
    let request = TokenRequest {
        spec: TokenRequestSpec {
            audiences: vec!["https://kubernetes.default.svc".to_owned()],
            expiration_seconds: Some(600),
            ..TokenRequestSpec::default()
        },
        ..TokenRequest::default()
    };
    let issued = sas
        .create_token("robot", &request, &CreateOptions::default())
        .await
        .unwrap();
    let status = issued.status.expect("token status");
    assert!(!status.token.is_empty());
    assert_eq!(issued.spec.expiration_seconds, Some(600));
    let err = sas
        .create_token("nobody", &request, &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn ephemeral_containers() {
    let (_server, cs) = start().await;
    let pods = cs.core_v1().pods("default");
    let created = pods
        .create(&pod("debug-me", &["app"]), &CreateOptions::default())
        .await
        .unwrap();
    let mut with_debugger = created.clone();
    let spec = with_debugger.spec.as_mut().unwrap();
    spec.ephemeral_containers = Some(vec![EphemeralContainer {
        name: "debugger".to_owned(),
        image: Some("busybox".to_owned()),
        ..EphemeralContainer::default()
    }]);
    // Other spec changes through this subresource are ignored.
    spec.containers[0].image = Some("changed".to_owned());
    let updated = pods
        .update_ephemeral_containers(&with_debugger, &UpdateOptions::default())
        .await
        .unwrap();
    let spec = updated.spec.unwrap();
    assert_eq!(spec.ephemeral_containers.unwrap()[0].name, "debugger");
    assert_eq!(spec.containers[0].image.as_deref(), Some("busybox"));
    // The stale resourceVersion conflicts.
    let err = pods
        .update_ephemeral_containers(&with_debugger, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");

    // Existing ephemeral containers may not change (kube-apiserver's rule): 422 Invalid.
    let mut changed = pods.get("debug-me", &GetOptions::default()).await.unwrap();
    changed
        .spec
        .as_mut()
        .unwrap()
        .ephemeral_containers
        .as_mut()
        .unwrap()[0]
        .image = Some("other".to_owned());
    let err = pods
        .update_ephemeral_containers(&changed, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err}");
}

#[tokio::test]
async fn logs_with_options() {
    let (_server, cs) = start().await;
    let pods = cs.core_v1().pods("default");
    pods.create(&pod("one", &["app"]), &CreateOptions::default())
        .await
        .unwrap();
    pods.create(&pod("two", &["app", "sidecar"]), &CreateOptions::default())
        .await
        .unwrap();

    let all = pods.logs("one", &LogOptions::default()).await.unwrap();
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines.len() > 2, "{all:?}");
    assert!(lines.iter().all(|l| l.contains("app")), "{all:?}");

    let tail = pods
        .logs("one", &LogOptions::default().tail_lines(2))
        .await
        .unwrap();
    assert_eq!(
        tail.lines().collect::<Vec<_>>(),
        lines[lines.len() - 2..].to_vec()
    );

    let stamped = pods
        .logs("one", &LogOptions::default().tail_lines(1).timestamps())
        .await
        .unwrap();
    let (stamp, rest) = stamped.trim_end().split_once(' ').unwrap();
    assert!(stamp.ends_with('Z') && stamp.contains('T'), "{stamped:?}");
    assert_eq!(rest, lines[lines.len() - 1]);

    // Two containers: the container must be named.
    let err = pods.logs("two", &LogOptions::default()).await.unwrap_err();
    assert!(err.is_bad_request(), "{err}");
    let sidecar = pods
        .logs("two", &LogOptions::default().container("sidecar"))
        .await
        .unwrap();
    assert!(
        sidecar.lines().all(|l| l.contains("sidecar")),
        "{sidecar:?}"
    );
    let err = pods
        .logs("two", &LogOptions::default().container("nope"))
        .await
        .unwrap_err();
    assert!(err.is_bad_request(), "{err}");

    // Streamed: the same bytes, chunk by chunk.
    let mut stream = pods
        .log_stream("one", &LogOptions::default())
        .await
        .unwrap();
    let mut streamed = Vec::new();
    while let Some(chunk) = stream.next().await {
        streamed.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(String::from_utf8(streamed).unwrap(), all);

    // Following a container that writes nothing more ends when the server closes the stream.
    let mut followed = pods
        .log_stream("one", &LogOptions::default().follow().tail_lines(1))
        .await
        .unwrap();
    let mut last = Vec::new();
    while let Some(chunk) = followed.next().await {
        last.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(
        String::from_utf8(last).unwrap(),
        format!("{}\n", lines[lines.len() - 1])
    );

    let err = pods
        .logs("one", &LogOptions::default().previous())
        .await
        .unwrap_err();
    assert!(err.is_bad_request(), "{err}");
    assert!(
        pods.logs("missing", &LogOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
}
