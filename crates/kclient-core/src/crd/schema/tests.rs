use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::*;
use crate::crd::structural::validate_schema;

/// Every rule of a structural schema that the generated schemas must keep, checked on every
/// node: a type (or int-or-string / preserve-unknown-fields), no `$ref`/`$defs`/
/// `definitions`, no `additionalProperties` beside `properties`, junctors without types,
/// no `nullable`, no JSON Schema keyword outside the CRD subset.
fn assert_structural(node: &Value, path: &str) {
    let map = node
        .as_object()
        .unwrap_or_else(|| panic!("{path}: not an object: {node}"));
    for key in map.keys() {
        assert!(
            crate::crd::structural::SCHEMA_KEYWORDS.contains(&key.as_str()),
            "{path}: keyword {key} is not in the CRD subset"
        );
    }
    for forbidden in [
        "$ref",
        "$defs",
        "definitions",
        "nullable",
        "$schema",
        "title",
    ] {
        assert!(
            !map.contains_key(forbidden),
            "{path}: has {forbidden}: {node}"
        );
    }
    let typed = map.contains_key("type")
        || map.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true))
        || map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    assert!(typed, "{path}: untyped node {node}");
    assert!(
        !(map.contains_key("properties") && map.contains_key("additionalProperties")),
        "{path}: properties with additionalProperties"
    );
    for junctor in ["allOf", "anyOf", "oneOf", "not"] {
        for variant in map
            .get(junctor)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            assert!(
                variant.get("type").is_none(),
                "{path}.{junctor}: typed {variant}"
            );
        }
    }
    for (name, child) in map
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        assert_structural(child, &format!("{path}.properties[{name}]"));
    }
    if let Some(items) = map.get("items") {
        assert_structural(items, &format!("{path}.items"));
    }
    if let Some(additional) = map.get("additionalProperties").filter(|v| v.is_object()) {
        assert_structural(additional, &format!("{path}.additionalProperties"));
    }
    if map.get("type").and_then(Value::as_str) == Some("array") {
        assert!(map.contains_key("items"), "{path}: array without items");
    }
}

fn schema<T: JsonSchema>() -> Value {
    let schema = structural_schema::<T>().unwrap_or_else(|e| panic!("{e}"));
    assert_structural(&schema, "schema");
    let root = json!({"type": "object", "properties": {"spec": schema.clone()}});
    assert_eq!(validate_schema(&root, "openAPIV3Schema", true), []);
    schema
}

/// Unit variants: a string enum.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
enum Policy {
    #[default]
    Always,
    /// Documented variants come out of schemars as `oneOf` of `const`s.
    IfNotPresent,
    Never,
}

/// An externally tagged enum with data.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
enum Source {
    Git {
        url: String,
        revision: Option<String>,
    },
    Image {
        reference: String,
    },
}

/// An internally tagged enum.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
enum Probe {
    Http { path: String, port: i32 },
    Tcp { port: i32 },
}

/// An untagged union of different types.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
enum Loose {
    Number(i64),
    Words(Vec<String>),
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
struct Port {
    name: String,
    number: u16,
}

fn default_replicas() -> i32 {
    1
}

/// A spec using every shape an operator's spec tends to hold.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct Spec {
    /// How many.
    #[serde(default = "default_replicas")]
    replicas: i32,
    #[serde(default)]
    pull_policy: Policy,
    image: Option<String>,
    ports: Vec<Port>,
    labels: BTreeMap<String, String>,
    port: IntOrString,
    memory: Option<Quantity>,
    raw: serde_json::Value,
    raw_map: BTreeMap<String, serde_json::Value>,
    source: Source,
    probe: Option<Probe>,
    loose: Loose,
    resources: Option<ResourceRequirements>,
    tags: std::collections::BTreeSet<String>,
    ratio: f64,
    unsigned: u64,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
struct Extra {
    flattened: bool,
}

#[test]
fn a_spec_of_every_shape_is_structural() {
    let schema = schema::<Spec>();
    let props = &schema["properties"];
    assert_eq!(schema["type"], "object");
    // Option fields and fields with defaults are not required.
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for optional in [
        "image",
        "memory",
        "probe",
        "resources",
        "replicas",
        "pullPolicy",
    ] {
        assert!(
            !required.contains(&optional),
            "{optional} is required: {required:?}"
        );
    }
    for needed in ["ports", "labels", "port", "source", "flattened"] {
        assert!(
            required.contains(&needed),
            "{needed} not required: {required:?}"
        );
    }
    assert_eq!(props["image"], json!({"type": "string"}));
    assert_eq!(props["replicas"]["type"], "integer");
    assert_eq!(props["replicas"]["format"], "int32");
    assert_eq!(props["replicas"]["default"], 1);
    assert_eq!(props["replicas"]["description"], "How many.");
    assert_eq!(props["pullPolicy"]["type"], "string");
    let mut values: Vec<&str> = props["pullPolicy"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    values.sort_unstable();
    assert_eq!(values, ["Always", "IfNotPresent", "Never"]);
    assert_eq!(props["pullPolicy"]["default"], "Always");
    assert_eq!(
        props["ports"]["items"]["properties"]["number"]["format"],
        "int32"
    );
    assert_eq!(
        props["ports"]["items"]["required"],
        json!(["name", "number"])
    );
    assert_eq!(
        props["labels"]["additionalProperties"],
        json!({"type": "string"})
    );
    assert_eq!(props["port"]["x-kubernetes-int-or-string"], true);
    assert!(props["port"].get("type").is_none());
    assert_eq!(props["memory"]["x-kubernetes-int-or-string"], true);
    assert_eq!(
        props["raw"],
        json!({"x-kubernetes-preserve-unknown-fields": true})
    );
    // A map of any values: an object keeping every key.
    assert_eq!(
        props["rawMap"],
        json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
    );
    // Variants with data merge into one object with every variant's fields.
    assert_eq!(props["source"]["type"], "object");
    assert_eq!(
        props["source"]["properties"]["git"]["required"],
        json!(["url"])
    );
    assert_eq!(props["source"]["properties"]["image"]["type"], "object");
    assert_eq!(
        props["probe"]["properties"]["type"]["enum"],
        json!(["http", "tcp"])
    );
    assert_eq!(props["probe"]["required"], json!(["type", "port"]));
    // Different types: the value is kept whole.
    assert_eq!(props["loose"]["x-kubernetes-preserve-unknown-fields"], true);
    assert!(props["loose"].get("type").is_none());
    assert_eq!(
        props["resources"]["properties"]["limits"]["additionalProperties"]["x-kubernetes-int-or-string"],
        true
    );
    assert_eq!(props["tags"]["x-kubernetes-list-type"], "set");
    assert_eq!(props["ratio"]["format"], "double");
    assert_eq!(props["unsigned"]["format"], "int64");
    assert_eq!(props["unsigned"]["minimum"], 0);
    assert_eq!(props["flattened"]["type"], "boolean");
}

#[derive(JsonSchema)]
#[allow(dead_code)]
struct Node {
    next: Option<Box<Node>>,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
struct Holder {
    node: Node,
}

#[test]
fn recursive_types_are_errors_with_paths() {
    let err = structural_schema::<Holder>().unwrap_err();
    let CrdError::Schema { kind, errors } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(kind, "Holder");
    assert!(
        errors[0].to_string().contains("Node contains itself"),
        "{err}"
    );
    assert!(
        errors[0]
            .to_string()
            .starts_with("Holder.properties[node].properties[next]"),
        "{err}"
    );
}

#[test]
fn the_crd_wraps_spec_and_status_and_is_accepted_by_the_checker() {
    static COLUMNS: &[PrinterColumn] = &[PrinterColumn {
        name: "Replicas",
        type_: "integer",
        json_path: ".spec.replicas",
        description: "",
        format: "",
        priority: 0,
    }];
    let info = CrdInfo {
        group: "example.com",
        version: "v1",
        kind: "Widget",
        plural: "widgets",
        singular: "widget",
        namespaced: true,
        short_names: &["wd"],
        categories: &["all"],
        printer_columns: COLUMNS,
        scale: Some(ScaleInfo {
            spec_replicas_path: ".spec.replicas",
            status_replicas_path: ".status.replicas",
            label_selector_path: "",
        }),
        description: "A widget.",
    };
    let crd = custom_resource_definition(&info, schema::<Spec>(), Some(schema::<Port>())).unwrap();
    let value = serde_json::to_value(&crd).unwrap();
    assert_eq!(crate::crd::structural::validate_crd_schemas(&value), []);
    assert_eq!(value["metadata"]["name"], "widgets.example.com");
    assert_eq!(value["spec"]["scope"], "Namespaced");
    assert_eq!(value["spec"]["names"]["shortNames"], json!(["wd"]));
    assert_eq!(value["spec"]["names"]["listKind"], "WidgetList");
    let version = &value["spec"]["versions"][0];
    assert_eq!(version["subresources"]["status"], json!({}));
    assert_eq!(
        version["subresources"]["scale"]["specReplicasPath"],
        ".spec.replicas"
    );
    assert_eq!(
        version["additionalPrinterColumns"][0]["jsonPath"],
        ".spec.replicas"
    );
    let root = &version["schema"]["openAPIV3Schema"];
    assert_eq!(root["required"], json!(["spec"]));
    assert_eq!(root["properties"]["metadata"], json!({"type": "object"}));
    assert_eq!(root["description"], "A widget.");
    assert_structural(root, "openAPIV3Schema");

    // A default that breaks its own schema is refused before it reaches a server.
    let bad = json!({"type": "object", "properties": {"n": {"type": "integer", "default": "x"}}});
    let err = custom_resource_definition(&info, bad, None).unwrap_err();
    assert!(
        err.to_string().contains(
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[n].default"
        ),
        "{err}"
    );
}
