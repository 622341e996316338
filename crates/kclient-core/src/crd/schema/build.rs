//! The CustomResourceDefinition around a custom resource's schemas.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde_json::{Map, Value, json};

use super::CrdError;
use crate::crd::structural::validate_crd_schemas;

/// Everything a CRD says about its one version besides the schema: what
/// `#[derive(CustomResource)]` reads from its attributes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrdInfo {
    /// API group (`example.com`).
    pub group: &'static str,
    /// The version (`v1`); served and the storage version.
    pub version: &'static str,
    /// The kind (`Widget`).
    pub kind: &'static str,
    /// The plural resource name (`widgets`).
    pub plural: &'static str,
    /// The singular resource name (`widget`).
    pub singular: &'static str,
    /// Namespaced (`true`) or cluster-scoped.
    pub namespaced: bool,
    /// `kubectl get` short names.
    pub short_names: &'static [&'static str],
    /// Categories (`all`) the resource belongs to.
    pub categories: &'static [&'static str],
    /// `additionalPrinterColumns` of the version.
    pub printer_columns: &'static [PrinterColumn],
    /// The `scale` subresource, when there is one.
    pub scale: Option<ScaleInfo>,
    /// The description of the root schema (the spec type's doc comment).
    pub description: &'static str,
}

/// One `additionalPrinterColumns` entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrinterColumn {
    /// Column header.
    pub name: &'static str,
    /// OpenAPI type: `integer`, `number`, `string`, `boolean` or `date`.
    pub type_: &'static str,
    /// JSONPath into the object (`.spec.replicas`).
    pub json_path: &'static str,
    /// Optional description.
    pub description: &'static str,
    /// Optional OpenAPI format.
    pub format: &'static str,
    /// 0 shows the column in the default view; more only in `-o wide`.
    pub priority: i32,
}

/// The `scale` subresource's paths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScaleInfo {
    /// `.spec.replicas` or where the desired replicas live.
    pub spec_replicas_path: &'static str,
    /// Where the observed replicas live (under `.status`).
    pub status_replicas_path: &'static str,
    /// Where the label selector string lives (under `.status`), if anywhere.
    pub label_selector_path: &'static str,
}

/// The CRD of `info` with `spec` (and `status`, which enables the status subresource) as the
/// structural schemas of the resource's fields. The whole `openAPIV3Schema` is checked
/// against kube-apiserver's rules ([`validate_crd_schemas`]).
pub fn custom_resource_definition(
    info: &CrdInfo,
    spec: Value,
    status: Option<Value>,
) -> Result<CustomResourceDefinition, CrdError> {
    let mut properties = Map::new();
    properties.insert("apiVersion".into(), json!({"type": "string"}));
    properties.insert("kind".into(), json!({"type": "string"}));
    properties.insert("metadata".into(), json!({"type": "object"}));
    properties.insert("spec".into(), spec);
    let mut subresources = Map::new();
    if let Some(status) = status {
        properties.insert("status".into(), status);
        subresources.insert("status".into(), json!({}));
    }
    if let Some(scale) = info.scale {
        let mut paths = json!({
            "specReplicasPath": scale.spec_replicas_path,
            "statusReplicasPath": scale.status_replicas_path,
        });
        if !scale.label_selector_path.is_empty() {
            paths["labelSelectorPath"] = Value::from(scale.label_selector_path);
        }
        subresources.insert("scale".into(), paths);
    }
    let mut schema = json!({
        "type": "object",
        "properties": properties,
        "required": ["spec"],
    });
    if !info.description.is_empty() {
        schema["description"] = Value::from(info.description);
    }
    let mut version = json!({
        "name": info.version,
        "served": true,
        "storage": true,
        "schema": {"openAPIV3Schema": schema},
    });
    if !subresources.is_empty() {
        version["subresources"] = Value::Object(subresources);
    }
    if !info.printer_columns.is_empty() {
        version["additionalPrinterColumns"] =
            info.printer_columns.iter().map(column).collect::<Value>();
    }
    let mut names = json!({
        "kind": info.kind,
        "listKind": format!("{}List", info.kind),
        "plural": info.plural,
        "singular": info.singular,
    });
    if !info.short_names.is_empty() {
        names["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        names["categories"] = json!(info.categories);
    }
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{}.{}", info.plural, info.group)},
        "spec": {
            "group": info.group,
            "names": names,
            "scope": if info.namespaced { "Namespaced" } else { "Cluster" },
            "versions": [version],
        },
    });
    let errors = validate_crd_schemas(&crd);
    if !errors.is_empty() {
        return Err(CrdError::Schema {
            kind: info.kind.to_owned(),
            errors,
        });
    }
    serde_json::from_value(crd).map_err(|e| CrdError::Encode {
        kind: info.kind.to_owned(),
        message: e.to_string(),
    })
}

fn column(column: &PrinterColumn) -> Value {
    let mut value = json!({
        "name": column.name,
        "type": column.type_,
        "jsonPath": column.json_path,
    });
    if !column.description.is_empty() {
        value["description"] = Value::from(column.description);
    }
    if !column.format.is_empty() {
        value["format"] = Value::from(column.format);
    }
    if column.priority != 0 {
        value["priority"] = Value::from(column.priority);
    }
    value
}
