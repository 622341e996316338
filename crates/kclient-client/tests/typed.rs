//! Every typed verb of `Api<K>` against the test server, for a namespaced kind (ConfigMap)
//! and cluster-scoped kinds (Namespace, ClusterRole).

mod common;

use std::collections::BTreeMap;

use common::{labels, start};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_client::ApiError;
use kclient_client::{Api, DeleteResponse, WatchEvent};
use kclient_core::params::{Preconditions, PropagationPolicy};
use kclient_core::{CreateOptions, DeleteOptions, GetOptions, ListOptions, UpdateOptions};

fn config_map(name: &str, data: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(labels(&[("app", "web")])),
            ..ObjectMeta::default()
        },
        data: Some(
            data.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        ),
        ..ConfigMap::default()
    }
}

#[tokio::test]
async fn config_map_crud() {
    let (_server, cs) = start().await;
    let cms = cs.core_v1().config_maps("default");
    assert_eq!(cms.namespace(), Some("default"));

    let created = cms
        .create(&config_map("a", &[("k", "1")]), &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(created.metadata.namespace.as_deref(), Some("default"));
    assert!(created.metadata.uid.is_some());
    let rv1 = created.metadata.resource_version.clone().unwrap();

    let err = cms
        .create(&config_map("a", &[]), &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err}");

    let got = cms.get("a", &GetOptions::default()).await.unwrap();
    assert_eq!(got.data.as_ref().unwrap()["k"], "1");
    assert!(
        cms.get("missing", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        cms.get_opt("missing", &GetOptions::default())
            .await
            .unwrap()
            .is_none()
    );

    let mut changed = got.clone();
    changed.data = Some(BTreeMap::from([("k".to_owned(), "2".to_owned())]));
    let updated = cms
        .update(&changed, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.data.as_ref().unwrap()["k"], "2");
    assert_ne!(
        updated.metadata.resource_version.as_deref(),
        Some(rv1.as_str())
    );

    // Optimistic concurrency: the old resourceVersion is stale now.
    let err = cms
        .update(&changed, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");

    // Dry run changes nothing.
    let mut dry = updated.clone();
    dry.data = Some(BTreeMap::from([("k".to_owned(), "dry".to_owned())]));
    let answered = cms
        .update(&dry, &UpdateOptions::default().dry_run())
        .await
        .unwrap();
    assert_eq!(answered.data.as_ref().unwrap()["k"], "dry");
    let stored = cms.get("a", &GetOptions::default()).await.unwrap();
    assert_eq!(stored.data.as_ref().unwrap()["k"], "2");

    cms.create(&config_map("b", &[]), &CreateOptions::default())
        .await
        .unwrap();
    let list = cms.list(&ListOptions::default()).await.unwrap();
    let names: Vec<_> = list
        .iter()
        .filter_map(|c| c.metadata.name.clone())
        .collect();
    assert!(names.contains(&"a".to_owned()) && names.contains(&"b".to_owned()));
    assert!(list.resource_version().is_some());

    let deleted = cms.delete("a", &DeleteOptions::default()).await.unwrap();
    match deleted {
        DeleteResponse::Object(cm) => assert_eq!(cm.metadata.name.as_deref(), Some("a")),
        DeleteResponse::Status(s) => assert_eq!(s.status.as_deref(), Some("Success")),
    }
    assert!(
        cms.get("a", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        cms.delete("a", &DeleteOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn names_are_checked_before_any_request() {
    let (_server, cs) = start().await;
    let cms = cs.core_v1().config_maps("default");
    let err = cms
        .update(&ConfigMap::default(), &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, kclient_client::Error::InvalidRequest(_)),
        "{err}"
    );
    let err = cms.get("", &GetOptions::default()).await.unwrap_err();
    assert!(
        matches!(err, kclient_client::Error::InvalidRequest(_)),
        "{err}"
    );
}

#[tokio::test]
async fn delete_with_preconditions_and_propagation() {
    let (_server, cs) = start().await;
    let cms = cs.core_v1().config_maps("default");
    let created = cms
        .create(&config_map("p", &[]), &CreateOptions::default())
        .await
        .unwrap();

    let wrong_uid = DeleteOptions::default().preconditions(Preconditions {
        uid: Some("not-the-uid".to_owned()),
        resource_version: None,
    });
    let err = cms.delete("p", &wrong_uid).await.unwrap_err();
    assert!(err.is_conflict(), "{err}");

    let stale_rv = DeleteOptions::default().preconditions(Preconditions {
        uid: None,
        resource_version: Some("1".to_owned()),
    });
    assert!(cms.delete("p", &stale_rv).await.unwrap_err().is_conflict());

    let right = DeleteOptions::foreground().preconditions(Preconditions {
        uid: created.metadata.uid.clone(),
        resource_version: created.metadata.resource_version.clone(),
    });
    assert_eq!(
        right.propagation_policy,
        Some(PropagationPolicy::Foreground)
    );
    cms.delete("p", &right).await.unwrap();
    // Foreground deletion of an object without dependents finishes at once.
    let left = cms.get_opt("p", &GetOptions::default()).await.unwrap();
    if let Some(cm) = left {
        assert!(cm.metadata.deletion_timestamp.is_some());
    }

    // Finalizers keep the object: delete answers with it, deletionTimestamp set.
    let mut held = config_map("held", &[]);
    held.metadata.finalizers = Some(vec!["example.com/hold".to_owned()]);
    cms.create(&held, &CreateOptions::default()).await.unwrap();
    let answer = cms
        .delete("held", &DeleteOptions::background())
        .await
        .unwrap();
    let obj = answer.into_object().expect("object still present");
    assert!(obj.metadata.deletion_timestamp.is_some());
    let mut release = cms.get("held", &GetOptions::default()).await.unwrap();
    release.metadata.finalizers = None;
    cms.update(&release, &UpdateOptions::default())
        .await
        .unwrap();
    assert!(
        cms.get("held", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn delete_collection_by_label() {
    let (_server, cs) = start().await;
    let cms = cs.core_v1().config_maps("default");
    for (name, tier) in [("c1", "x"), ("c2", "x"), ("c3", "y")] {
        let mut cm = config_map(name, &[]);
        cm.metadata.labels = Some(labels(&[("tier", tier)]));
        cms.create(&cm, &CreateOptions::default()).await.unwrap();
    }
    let answer = cms
        .delete_collection(
            &DeleteOptions::default(),
            &ListOptions::default().labels("tier=x"),
        )
        .await
        .unwrap();
    if let DeleteResponse::Object(list) = &answer {
        assert_eq!(list.items.len(), 2);
    }
    let left = cms
        .list(&ListOptions::default().labels("tier"))
        .await
        .unwrap();
    let names: Vec<_> = left
        .iter()
        .filter_map(|c| c.metadata.name.as_deref())
        .collect();
    assert_eq!(names, vec!["c3"]);
}

#[tokio::test]
async fn watch_streams_typed_events() {
    let (_server, cs) = start().await;
    let cms = cs.core_v1().config_maps("default");
    let list = cms.list(&ListOptions::default()).await.unwrap();
    let rv = list.resource_version().unwrap().to_owned();
    let mut events = cms
        .watch(&ListOptions::default().resource_version(rv).timeout(30))
        .await
        .unwrap();
    let created = cms
        .create(&config_map("w", &[("k", "1")]), &CreateOptions::default())
        .await
        .unwrap();
    let mut changed = created.clone();
    changed.data = Some(BTreeMap::from([("k".to_owned(), "2".to_owned())]));
    cms.update(&changed, &UpdateOptions::default())
        .await
        .unwrap();
    cms.delete("w", &DeleteOptions::default()).await.unwrap();

    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = events.next().await.expect("event").expect("decodes");
        if let WatchEvent::Bookmark(_) = event {
            continue;
        }
        let name = event.object().and_then(|c| c.metadata.name.clone());
        assert_eq!(name.as_deref(), Some("w"));
        seen.push(event.type_name());
    }
    assert_eq!(seen, vec!["ADDED", "MODIFIED", "DELETED"]);
}

#[tokio::test]
async fn all_namespaces_lists_and_watches_everywhere() {
    let (_server, cs) = start().await;
    let namespaces = cs.core_v1().namespaces();
    for ns in ["team-a", "team-b"] {
        let obj = Namespace {
            metadata: ObjectMeta {
                name: Some(ns.to_owned()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        };
        namespaces
            .create(&obj, &CreateOptions::default())
            .await
            .unwrap();
        cs.core_v1()
            .config_maps(ns)
            .create(&config_map("same", &[]), &CreateOptions::default())
            .await
            .unwrap();
    }
    let everywhere = Api::<ConfigMap>::all_namespaces(cs.client().clone());
    let list = everywhere
        .list(&ListOptions::default().fields("metadata.name=same"))
        .await
        .unwrap();
    let mut nss: Vec<_> = list
        .iter()
        .filter_map(|c| c.metadata.namespace.clone())
        .collect();
    nss.sort();
    assert_eq!(nss, vec!["team-a", "team-b"]);
    // client-go reads an empty namespace as "all namespaces"; kclient refuses it before any
    // I/O, for reads as for writes, so a missing namespace never widens a read or a delete.
    let err = cs
        .core_v1()
        .config_maps("")
        .list(&ListOptions::default().fields("metadata.name=same"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, kclient_client::Error::InvalidRequest(_)),
        "{err}"
    );
    let err = cs
        .core_v1()
        .config_maps("")
        .create(&config_map("x", &[]), &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, kclient_client::Error::InvalidRequest(_)),
        "{err}"
    );
    let one = everywhere.namespace("team-b");
    assert!(one.get("same", &GetOptions::default()).await.is_ok());
}

#[tokio::test]
async fn cluster_scoped_crud() {
    let (_server, cs) = start().await;
    let roles = cs.rbac_v1().cluster_roles();
    assert_eq!(roles.namespace(), None);
    let role = ClusterRole {
        metadata: ObjectMeta {
            name: Some("reader".to_owned()),
            ..ObjectMeta::default()
        },
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(vec!["pods".to_owned()]),
            verbs: vec!["get".to_owned(), "list".to_owned()],
            ..PolicyRule::default()
        }]),
        ..ClusterRole::default()
    };
    let created = roles
        .create(&role, &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(created.metadata.namespace, None);
    let generic = cs.cluster::<ClusterRole>();
    let same = generic.get("reader", &GetOptions::default()).await.unwrap();
    assert_eq!(same.metadata.uid, created.metadata.uid);
    let mut changed = roles.get("reader", &GetOptions::default()).await.unwrap();
    changed.rules.as_mut().unwrap()[0]
        .verbs
        .push("watch".to_owned());
    let updated = roles
        .update(&changed, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.rules.unwrap()[0].verbs.len(), 3);
    let err = roles
        .update(&changed, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_conflict());
    let list = roles.list(&ListOptions::default()).await.unwrap();
    assert!(
        list.iter()
            .any(|r| r.metadata.name.as_deref() == Some("reader"))
    );
    roles
        .delete("reader", &DeleteOptions::default())
        .await
        .unwrap();
    assert!(
        roles
            .get("reader", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );

    // Namespace status: update_status changes only the status.
    let namespaces = Api::<Namespace>::all(cs.client().clone());
    let ns = namespaces
        .get("default", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(
        ns.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Active")
    );
    let got = namespaces
        .get_status("default", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(got.metadata.name.as_deref(), Some("default"));
}

#[tokio::test]
async fn dry_run_delete_and_expired_watch() {
    let (server, cs) = start().await;
    let cms = cs.core_v1().config_maps("default");
    let created = cms
        .create(&config_map("keep", &[]), &CreateOptions::default())
        .await
        .unwrap();
    cms.delete("keep", &DeleteOptions::default().dry_run())
        .await
        .unwrap();
    let still = cms.get("keep", &GetOptions::default()).await.unwrap();
    assert_eq!(still.metadata.uid, created.metadata.uid);

    // A watch from a resourceVersion the server no longer holds ends with 410 Expired,
    // delivered as an ERROR event (or as the error of the request itself).
    let old_rv = created.metadata.resource_version.clone().unwrap();
    for i in 0..3 {
        cms.create(
            &config_map(&format!("n{i}"), &[]),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    }
    server.faults().compact_history();
    match cms
        .watch(&ListOptions::default().resource_version(old_rv).timeout(30))
        .await
    {
        Ok(mut events) => match events.next().await {
            Some(Ok(WatchEvent::Error(status))) => assert_eq!(status.code, Some(410)),
            other => panic!("expected a 410 ERROR event, got {other:?}"),
        },
        Err(err) => assert!(err.is_gone(), "{err}"),
    }
}
