//! Patches of all four types, server-side apply with conflicts and force, status writes and
//! the scale subresource of a Deployment.

mod common;

use common::{labels, start};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStatus};
use k8s_openapi::api::autoscaling::v1::{Scale, ScaleSpec};
use k8s_openapi::api::core::v1::{Container, EnvVar, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kclient_client::ApiError;
use kclient_client::{Api, Patch};
use kclient_core::{CreateOptions, GetOptions, PatchOptions, UpdateOptions};
use serde_json::json;

fn deployment(name: &str, replicas: i32) -> Deployment {
    let selector = labels(&[("app", name)]);
    Deployment {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector {
                match_labels: Some(selector.clone()),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(selector),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "app".to_owned(),
                        image: Some("nginx:1.25".to_owned()),
                        env: Some(vec![EnvVar {
                            name: "A".to_owned(),
                            value: Some("1".to_owned()),
                            ..EnvVar::default()
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

fn containers(d: &Deployment) -> &[Container] {
    &d.spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers
}

#[tokio::test]
async fn four_patch_types() {
    let (_server, cs) = start().await;
    let deploys = cs.apps_v1().deployments("default");
    deploys
        .create(&deployment("web", 1), &CreateOptions::default())
        .await
        .unwrap();

    let merged = deploys
        .patch(
            "web",
            &Patch::Merge(json!({"metadata": {"labels": {"merge": "yes"}}})),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(merged.metadata.labels.as_ref().unwrap()["merge"], "yes");

    let ops: json_patch::Patch = serde_json::from_value(json!([
        {"op": "replace", "path": "/spec/replicas", "value": 4},
        {"op": "add", "path": "/metadata/annotations", "value": {"json": "patch"}}
    ]))
    .unwrap();
    let patched = deploys
        .patch("web", &Patch::Json(ops), &PatchOptions::default())
        .await
        .unwrap();
    assert_eq!(patched.spec.as_ref().unwrap().replicas, Some(4));
    assert_eq!(
        patched.metadata.annotations.as_ref().unwrap()["json"],
        "patch"
    );

    // Strategic merge: containers merge by name instead of being replaced.
    let strategic = deploys
        .patch(
            "web",
            &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [
                {"name": "sidecar", "image": "busybox"}
            ]}}}})),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    let names: Vec<_> = containers(&strategic)
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"app") && names.contains(&"sidecar"));

    let applied = deploys
        .patch(
            "web",
            &Patch::Apply(json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "labels": {"applied": "yes"}}
            })),
            &PatchOptions::apply("tester"),
        )
        .await
        .unwrap();
    assert_eq!(applied.metadata.labels.as_ref().unwrap()["applied"], "yes");
    let managers: Vec<_> = applied
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert!(managers.iter().any(|m| m == "tester"), "{managers:?}");

    // A broken JSON patch is the server's 422, not a panic.
    let bad: json_patch::Patch = serde_json::from_value(json!([
        {"op": "test", "path": "/spec/replicas", "value": 99}
    ]))
    .unwrap();
    let err = deploys
        .patch("web", &Patch::Json(bad), &PatchOptions::default())
        .await
        .unwrap_err();
    assert!(err.status_code().is_some(), "{err}");
}

#[tokio::test]
async fn apply_conflicts_and_force() {
    let (_server, cs) = start().await;
    let deploys: Api<Deployment> = Api::namespaced(cs.client().clone(), "default");
    let first = deploys
        .apply(&deployment("api", 2), &PatchOptions::apply("team-a"))
        .await
        .unwrap();
    assert_eq!(first.spec.as_ref().unwrap().replicas, Some(2));

    // Another manager setting the same field to another value conflicts...
    let err = deploys
        .apply(&deployment("api", 5), &PatchOptions::apply("team-b"))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert_eq!(err.status_code(), Some(409));

    // ... unless forced, which takes ownership.
    let forced = deploys
        .apply(
            &deployment("api", 5),
            &PatchOptions::apply("team-b").force(),
        )
        .await
        .unwrap();
    assert_eq!(forced.spec.as_ref().unwrap().replicas, Some(5));

    // The same manager re-applying its own value is no conflict.
    deploys
        .apply(&deployment("api", 5), &PatchOptions::apply("team-b"))
        .await
        .unwrap();

    // Apply without a field manager is refused before any request.
    let err = deploys
        .apply(&deployment("api", 1), &PatchOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, kclient_client::Error::InvalidRequest(_)),
        "{err}"
    );
}

#[tokio::test]
async fn status_writes_touch_only_status() {
    let (_server, cs) = start().await;
    let deploys = cs.apps_v1().deployments("default");
    let created = deploys
        .create(&deployment("s", 1), &CreateOptions::default())
        .await
        .unwrap();
    let mut with_status = created.clone();
    with_status.status = Some(DeploymentStatus {
        ready_replicas: Some(1),
        ..DeploymentStatus::default()
    });
    with_status.spec.as_mut().unwrap().replicas = Some(9);
    let updated = deploys
        .update_status(&with_status, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.status.as_ref().unwrap().ready_replicas, Some(1));
    assert_eq!(updated.spec.as_ref().unwrap().replicas, Some(1));

    let mut status_only = Deployment {
        metadata: ObjectMeta {
            name: Some("s".to_owned()),
            ..ObjectMeta::default()
        },
        ..Deployment::default()
    };
    status_only.status = Some(DeploymentStatus {
        available_replicas: Some(1),
        ..DeploymentStatus::default()
    });
    let applied = deploys
        .apply_status(&status_only, &PatchOptions::apply("status-writer"))
        .await
        .unwrap();
    assert_eq!(applied.status.as_ref().unwrap().available_replicas, Some(1));

    let patched = deploys
        .patch_status(
            "s",
            &Patch::Merge(json!({"status": {"observedGeneration": 1}})),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(patched.status.unwrap().observed_generation, Some(1));
}

#[tokio::test]
async fn deployment_scale_subresource() {
    let (_server, cs) = start().await;
    let deploys = cs.apps_v1().deployments("default");
    deploys
        .create(&deployment("scaled", 2), &CreateOptions::default())
        .await
        .unwrap();
    let scale = deploys
        .get_scale("scaled", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(scale.spec.as_ref().unwrap().replicas, Some(2));

    let new_scale = Scale {
        metadata: scale.metadata.clone(),
        spec: Some(ScaleSpec { replicas: Some(6) }),
        ..Scale::default()
    };
    let updated = deploys
        .update_scale("scaled", &new_scale, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.spec.as_ref().unwrap().replicas, Some(6));
    // The stale resourceVersion of the first read now conflicts.
    let err = deploys
        .update_scale("scaled", &new_scale, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");

    let patched = deploys
        .patch_scale(
            "scaled",
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(patched.spec.unwrap().replicas, Some(3));
    let d = deploys.get("scaled", &GetOptions::default()).await.unwrap();
    assert_eq!(d.spec.unwrap().replicas, Some(3));
}
