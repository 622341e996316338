//! `#[derive(CustomResource)]`: the generated type, its `Resource` impl and its CRD, whose
//! schema passes kube-apiserver's structural rules and which the embedded server (running
//! the same rules) accepts and serves through `Api`.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kclient::core::crd::structural::validate_crd_schemas;
use kclient::prelude::*;
use kclient::testserver::TestServer;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// How a widget is rolled out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum Strategy {
    /// Replace replicas one at a time.
    #[default]
    Rolling,
    /// Stop all, then start all.
    Recreate,
}

fn one() -> i32 {
    1
}

/// A widget: a few replicas of an image.
#[derive(CustomResource, Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kclient(
    group = "example.com",
    version = "v1",
    kind = "Widget",
    namespaced,
    status = "WidgetStatus",
    shortname = "wd",
    category = "all",
    category = "toys",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.ready",
        label_selector_path = ".status.selector"
    ),
    derive = "PartialEq"
)]
// Attributes may be split. clippy's `duplicated_attributes` takes two columns'
// `type = "integer"` for a repeated attribute (rust-lang/rust-clippy#13238, a false positive).
#[allow(clippy::duplicated_attributes)]
#[kclient(printcolumn(name = "Replicas", type = "integer", json_path = ".spec.replicas"))]
#[kclient(printcolumn(
    name = "Ready",
    type = "integer",
    json_path = ".status.ready",
    priority = 1
))]
#[serde(rename_all = "camelCase")]
pub struct WidgetSpec {
    /// Desired replicas.
    #[serde(default = "one")]
    pub replicas: i32,
    /// How replicas are replaced.
    #[serde(default)]
    pub strategy: Strategy,
    /// The image, when not the default.
    pub image: Option<String>,
    /// The port, by number or name.
    pub port: IntOrString,
    /// Labels for the replicas.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Free-form settings passed through.
    #[serde(default)]
    pub settings: Value,
}

/// What the widget controller observed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WidgetStatus {
    /// Ready replicas.
    pub ready: i32,
    /// The replicas' label selector.
    pub selector: Option<String>,
}

/// A cluster-scoped kind without status, plural given.
#[derive(CustomResource, Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[kclient(group = "example.com", version = "v1alpha1", kind = "Policy")]
pub struct PolicySpec {
    /// The rules.
    pub rules: Vec<String>,
}

fn spec() -> WidgetSpec {
    WidgetSpec {
        replicas: 3,
        strategy: Strategy::Recreate,
        image: Some("nginx".into()),
        port: IntOrString::String("http".into()),
        labels: BTreeMap::from([("app".into(), "web".into())]),
        settings: json!({"free": {"form": [1, "two"]}}),
    }
}

#[test]
fn the_generated_type_is_a_resource() {
    assert_eq!(
        Widget::gvk(),
        GroupVersionKind::gvk("example.com", "v1", "Widget")
    );
    assert_eq!(Widget::PLURAL, "widgets");
    assert_eq!(Widget::API_VERSION, "example.com/v1");
    assert!(Widget::namespaced());
    assert_eq!(Policy::PLURAL, "policies");
    assert!(!Policy::namespaced());
    assert_eq!(Widget::crd_name(), "widgets.example.com");

    let widget = Widget::new("w1", spec());
    assert_eq!(widget.meta().name.as_deref(), Some("w1"));
    let value = serde_json::to_value(&widget).unwrap();
    assert_eq!(value["apiVersion"], "example.com/v1");
    assert_eq!(value["kind"], "Widget");
    assert!(value.get("status").is_none(), "{value}");
    let back: Widget = serde_json::from_value(value).unwrap();
    assert_eq!(back, widget);
}

#[test]
fn the_crd_has_a_structural_schema_and_every_attribute() {
    let crd = Widget::crd().unwrap();
    let value = serde_json::to_value(&crd).unwrap();
    assert_eq!(validate_crd_schemas(&value), []);
    let spec = &value["spec"];
    assert_eq!(spec["group"], "example.com");
    assert_eq!(spec["scope"], "Namespaced");
    assert_eq!(
        spec["names"],
        json!({"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget",
               "shortNames": ["wd"], "categories": ["all", "toys"]})
    );
    let version = &spec["versions"][0];
    assert_eq!(
        (
            version["name"].as_str(),
            version["served"].as_bool(),
            version["storage"].as_bool()
        ),
        (Some("v1"), Some(true), Some(true))
    );
    assert_eq!(
        version["subresources"],
        json!({"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
               "statusReplicasPath": ".status.ready", "labelSelectorPath": ".status.selector"}})
    );
    assert_eq!(
        version["additionalPrinterColumns"],
        json!([{"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
               {"name": "Ready", "type": "integer", "jsonPath": ".status.ready", "priority": 1}])
    );
    let root = &version["schema"]["openAPIV3Schema"];
    assert_eq!(root["description"], "A widget: a few replicas of an image.");
    assert_eq!(root["required"], json!(["spec"]));
    let props = &root["properties"]["spec"]["properties"];
    assert_eq!(root["properties"]["spec"]["required"], json!(["port"]));
    assert_eq!(props["replicas"]["default"], 1);
    assert_eq!(props["strategy"]["enum"], json!(["Rolling", "Recreate"]));
    assert_eq!(props["strategy"]["default"], "Rolling");
    assert_eq!(props["port"]["x-kubernetes-int-or-string"], true);
    assert!(props["port"].get("type").is_none());
    assert_eq!(
        props["settings"]["x-kubernetes-preserve-unknown-fields"],
        true
    );
    assert_eq!(root["properties"]["status"]["required"], json!(["ready"]));

    let policy = serde_json::to_value(Policy::crd().unwrap()).unwrap();
    assert_eq!(policy["spec"]["scope"], "Cluster");
    assert!(policy["spec"]["versions"][0].get("subresources").is_none());
    assert_eq!(validate_crd_schemas(&policy), []);

    let yaml = Widget::crd_yaml().unwrap();
    let parsed: Value = serde_yaml_ng::from_str(&yaml).unwrap();
    assert_eq!(parsed, value);
}

/// Waits until the CRD's resource answers lists.
async fn wait_served<K: Resource + Clone + std::fmt::Debug>(api: &Api<K>) {
    for _ in 0..200 {
        match api.list(&ListOptions::default()).await {
            Ok(_) => return,
            Err(err) if err.is_not_found() => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(err) => panic!("unexpected error while waiting for the CRD: {err}"),
        }
    }
    panic!("the CRD never became served");
}

#[tokio::test]
async fn the_embedded_server_accepts_the_crd_and_serves_the_kind_through_api() {
    let server = TestServer::start().await.unwrap();
    let client = RestClient::new(server.config().without_rate_limit()).unwrap();
    let cs = ClientSet::from_client(client.clone());
    let crds = cs.apiextensions_v1().custom_resource_definitions();
    crds.create(&Widget::crd().unwrap(), &CreateOptions::default())
        .await
        .unwrap();
    crds.create(&Policy::crd().unwrap(), &CreateOptions::default())
        .await
        .unwrap();

    let widgets: Api<Widget> = Api::namespaced(client.clone(), "default");
    wait_served(&widgets).await;
    let created = widgets
        .create(&Widget::new("w1", spec()), &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(created.spec, spec());
    let mut second = Widget::new("w2", spec());
    second.spec.port = IntOrString::Int(8080);
    widgets
        .create(&second, &CreateOptions::default())
        .await
        .unwrap();

    let mut with_status = created.clone();
    with_status.status = Some(WidgetStatus {
        ready: 2,
        selector: Some("app=web".into()),
    });
    let updated = widgets
        .update_status(&with_status, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.status.as_ref().map(|s| s.ready), Some(2));

    let list = widgets.list(&ListOptions::default()).await.unwrap();
    let names: Vec<_> = list
        .iter()
        .map(|w| w.meta().name.clone().unwrap())
        .collect();
    assert_eq!(names, ["w1", "w2"]);
    assert_eq!(list.items[1].spec.port, IntOrString::Int(8080));
    assert_eq!(list.items[0].status, with_status.status);

    let policies: Api<Policy> = Api::all(client);
    wait_served(&policies).await;
    policies
        .create(
            &Policy::new(
                "p1",
                PolicySpec {
                    rules: vec!["allow".into()],
                },
            ),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    let policy = policies.get("p1", &GetOptions::default()).await.unwrap();
    assert_eq!(policy.spec.rules, ["allow"]);
}

/// The embedded server applies kube-apiserver's structural rules: a hand-written CRD whose
/// schema has an untyped field, or `additionalProperties` beside `properties`, is refused
/// with the server's field paths.
#[tokio::test]
async fn the_embedded_server_refuses_a_non_structural_crd() {
    let server = TestServer::start().await.unwrap();
    let cs = ClientSet::new(server.config().without_rate_limit()).unwrap();
    let mut crd = serde_json::to_value(Widget::crd().unwrap()).unwrap();
    let spec = &mut crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
    spec["properties"]["image"] = json!({"description": "untyped"});
    spec["additionalProperties"] = json!({"type": "string"});
    let crd = serde_json::from_value(crd).unwrap();
    let err = cs
        .apiextensions_v1()
        .custom_resource_definitions()
        .create(&crd, &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err}");
    let message = err.to_string();
    // One version's schema is held (and reported) as `spec.validation` by kube-apiserver.
    for expected in [
        "spec.validation.openAPIV3Schema.properties[spec].properties[image].type: Required value: must not be empty for specified object fields",
        "spec.validation.openAPIV3Schema.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive",
    ] {
        assert!(message.contains(expected), "{message}");
    }
}
