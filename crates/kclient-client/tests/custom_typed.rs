//! `Api<K>` for a hand-written custom resource type: the typed client is generic over
//! `kclient_core::Resource`, so a CRD's Rust struct gets the same verbs as built-in kinds.

mod common;

use std::time::Duration;

use common::start;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_client::ApiError;
use kclient_client::{Api, Patch};
use kclient_core::resource::NamespaceScope;
use kclient_core::{CreateOptions, GetOptions, ListOptions, PatchOptions, Resource, UpdateOptions};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Gadget {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: ObjectMeta,
    #[serde(default)]
    spec: GadgetSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<GadgetStatus>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct GadgetSpec {
    size: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct GadgetStatus {
    ready: bool,
}

impl Resource for Gadget {
    const GROUP: &'static str = "tools.example.com";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Gadget";
    const PLURAL: &'static str = "gadgets";
    const API_VERSION: &'static str = "tools.example.com/v1";
    type Scope = NamespaceScope;

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

fn gadget(name: &str, size: i64) -> Gadget {
    Gadget {
        api_version: Gadget::API_VERSION.to_owned(),
        kind: Gadget::KIND.to_owned(),
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        spec: GadgetSpec { size },
        status: None,
    }
}

#[tokio::test]
async fn typed_custom_resource() {
    let (_server, cs) = start().await;
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.tools.example.com"},
        "spec": {
            "group": "tools.example.com",
            "scope": "Namespaced",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
                "subresources": {"status": {}}}]
        }
    }))
    .unwrap();
    cs.apiextensions_v1()
        .custom_resource_definitions()
        .create(&crd, &CreateOptions::default())
        .await
        .unwrap();

    let gadgets: Api<Gadget> = cs.namespaced("default");
    assert_eq!(
        gadgets.namespace(),
        Api::<Gadget>::namespaced(cs.client().clone(), "default").namespace()
    );
    let mut served = false;
    for _ in 0..100 {
        match gadgets.list(&ListOptions::default()).await {
            Ok(_) => {
                served = true;
                break;
            }
            Err(err) if err.is_not_found() => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(err) => panic!("{err}"),
        }
    }
    assert!(served, "the CRD was never served");

    let created = gadgets
        .create(&gadget("g1", 2), &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(created.spec.size, 2);
    assert!(created.metadata.uid.is_some());

    let mut ready = created.clone();
    ready.status = Some(GadgetStatus { ready: true });
    let st = gadgets
        .update_status(&ready, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(st.status, Some(GadgetStatus { ready: true }));

    let patched = gadgets
        .patch(
            "g1",
            &Patch::Merge(json!({"spec": {"size": 5}})),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(patched.spec.size, 5);
    assert_eq!(patched.status, Some(GadgetStatus { ready: true }));

    gadgets
        .apply(&gadget("g2", 9), &PatchOptions::apply("gadget-controller"))
        .await
        .unwrap();
    let all = gadgets.list_all(&ListOptions::default()).await.unwrap();
    let mut sizes: Vec<i64> = all.iter().map(|g| g.spec.size).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![5, 9]);
    assert_eq!(
        gadgets
            .get("g2", &GetOptions::default())
            .await
            .unwrap()
            .spec
            .size,
        9
    );
}
