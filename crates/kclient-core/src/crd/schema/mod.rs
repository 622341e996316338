//! What `#[derive(CustomResource)]` builds a CRD from: a structural `openAPIV3Schema` out of
//! the JSON schema `schemars` generates for the spec and status types, and the
//! `apiextensions.k8s.io/v1` CustomResourceDefinition around it.
//!
//! `schemars` speaks JSON Schema; a CRD needs OpenAPI v3's *structural* subset. The rewrite
//! inlines every `$ref`, turns `Option<T>` into an optional field (absent from `required`,
//! not `nullable`), `IntOrString`/`Quantity` into `x-kubernetes-int-or-string`, a
//! `serde_json::Value` or a value of several types into `x-kubernetes-preserve-unknown-fields`,
//! the variants of an enum into one shape (a string `enum` for unit variants), and drops the
//! keywords CRDs do not know. The result is then checked by [`crate::crd::structural`], so
//! a CRD that kube-apiserver would refuse is an error here, never a surprise at install time.
//!
//! ```
//! use kclient_core::crd::schema::{CrdError, structural_schema};
//! use schemars::JsonSchema;
//! use serde_json::json;
//!
//! #[derive(JsonSchema)]
//! #[allow(dead_code)]
//! struct Spec {
//!     replicas: i32,
//!     image: Option<String>,
//! }
//!
//! let schema = structural_schema::<Spec>().unwrap();
//! assert_eq!(schema["properties"]["image"], json!({"type": "string"}));
//! assert_eq!(schema["required"], json!(["replicas"]));
//!
//! // A type that contains itself has no structural schema.
//! #[derive(JsonSchema)]
//! #[allow(dead_code)]
//! struct Tree {
//!     children: Vec<Tree>,
//! }
//! assert!(matches!(structural_schema::<Tree>(), Err(CrdError::Schema { .. })));
//! ```

mod alternatives;
mod build;
mod rewrite;
#[cfg(test)]
mod tests;

pub use build::{CrdInfo, PrinterColumn, ScaleInfo, custom_resource_definition};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use schemars::JsonSchema;
use serde_json::{Map, Value};

use crate::crd::structural::Path;
use crate::resource::Resource;
use crate::status::FieldError;

/// Why a CRD could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum CrdError {
    /// A Rust type has no structural schema (a recursive type, `()`), or the schema breaks
    /// kube-apiserver's rules; every problem is listed with its field path.
    #[error("{kind}: the schema is not a valid structural schema: {}", join(.errors))]
    Schema {
        /// The kind whose schema was generated (or the type name).
        kind: String,
        /// The problems, as kube-apiserver would report them.
        errors: Vec<FieldError>,
    },
    /// The CRD could not be turned into a k8s-openapi value or into YAML.
    #[error("{kind}: encoding the CRD: {message}")]
    Encode {
        /// The kind.
        kind: String,
        /// What the encoder said.
        message: String,
    },
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A custom resource type with a CustomResourceDefinition, as `#[derive(CustomResource)]`
/// generates it.
pub trait CustomResourceExt: Resource {
    /// The CRD's name: `<plural>.<group>`.
    fn crd_name() -> String {
        format!("{}.{}", Self::PLURAL, Self::GROUP)
    }

    /// The `apiextensions.k8s.io/v1` CustomResourceDefinition serving this type, with a
    /// structural `openAPIV3Schema`.
    fn crd() -> Result<CustomResourceDefinition, CrdError>;

    /// [`Self::crd`] as YAML, ready for `kubectl apply -f -`.
    fn crd_yaml() -> Result<String, CrdError> {
        let crd = Self::crd()?;
        serde_yaml_ng::to_string(&crd).map_err(|e| CrdError::Encode {
            kind: Self::KIND.to_owned(),
            message: e.to_string(),
        })
    }
}

/// The structural schema of `T`: every `$ref` inlined, every node typed (or explicitly
/// int-or-string / preserving unknown fields), no JSON Schema keyword a CRD refuses. Errors
/// name what cannot be expressed (a recursive type) and anything kube-apiserver's structural
/// rules would still refuse.
pub fn structural_schema<T: JsonSchema>() -> Result<Value, CrdError> {
    let name = T::schema_name().into_owned();
    let root = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    let (schema, mut errors) = rewrite_root(root, &name);
    if errors.is_empty() {
        // Checked as a field (not the CRD root): the spec or status of a custom resource.
        let wrapped = serde_json::json!({"type": "object", "properties": {"value": schema}});
        errors = crate::crd::structural::validate_schema(&wrapped, &name, false);
    }
    if errors.is_empty() {
        Ok(schema)
    } else {
        Err(CrdError::Schema { kind: name, errors })
    }
}

/// Rewrites a root schema from `schemars` (with its `$defs`) into a structural node.
fn rewrite_root(root: Value, name: &str) -> (Value, Vec<FieldError>) {
    let mut root = match root {
        Value::Object(root) => root,
        other => {
            let mut wrapped = Map::new();
            wrapped.insert("allOf".into(), Value::Array(vec![other]));
            wrapped
        }
    };
    let definitions = match root.remove("$defs").or_else(|| root.remove("definitions")) {
        Some(Value::Object(definitions)) => definitions,
        _ => Map::new(),
    };
    // The root's own title is the Rust type's name: no use in a CRD.
    root.remove("title");
    let mut rewriter = rewrite::Rewriter::new(&definitions);
    let node = rewriter.node(Value::Object(root), &Path(name.to_owned()));
    (Value::Object(node), rewriter.errors)
}
