//! kclient's derive macros, re-exported by `kclient` behind its `derive` feature.
//!
//! - [`macro@CustomResource`] on a spec struct generates the custom resource type (`metadata`,
//!   `spec`, `status`), its `Resource` impl and a `CustomResourceExt::crd()` returning the
//!   `apiextensions.k8s.io/v1` CustomResourceDefinition with a structural `openAPIV3Schema`.
//! - [`macro@Resource`] with `#[resource(inherit = Pod)]` on a struct holding only the fields a
//!   controller reads makes it a `Resource` of the built-in kind it inherits: `Api`, informers
//!   and listers of Pods then keep only those fields.
//!
//! The generated code names kclient through `::kclient` unless an attribute says
//! `crate = "path"` (for code depending on `kclient-core` directly, say).

mod attrs;
mod custom_resource;
mod resource;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives a custom resource from its spec struct.
///
/// ```ignore
/// #[derive(CustomResource, Clone, Debug, Serialize, Deserialize, JsonSchema)]
/// #[kclient(group = "example.com", version = "v1", kind = "Widget", namespaced,
///           status = "WidgetStatus", shortname = "wd", category = "all",
///           printcolumn(name = "Replicas", type = "integer", json_path = ".spec.replicas"),
///           scale(spec_replicas_path = ".spec.replicas", status_replicas_path = ".status.replicas"))]
/// pub struct WidgetSpec { pub replicas: i32 }
/// ```
///
/// generates `pub struct Widget { api_version, kind, metadata, spec: WidgetSpec, status:
/// Option<WidgetStatus> }` (deriving `Clone`, `Debug`, `Serialize`, `Deserialize` and what
/// `derive = "PartialEq"` adds), `Widget::new(name, spec)`, its `Resource` impl and
/// `CustomResourceExt` (`Widget::crd()`, `Widget::crd_yaml()`).
///
/// Attributes of `#[kclient(..)]`: `group`, `version`, `kind` (required); `plural` and
/// `singular` (default: the lowercased kind, pluralized in English); `namespaced` (else
/// cluster-scoped); `status = "Type"` (enables the status subresource); `shortname` and
/// `category` (repeatable); `printcolumn(name, type, json_path, description, format,
/// priority)` (repeatable); `scale(spec_replicas_path, status_replicas_path,
/// label_selector_path)`; `derive = "Trait"` (repeatable); `crate = "path"`.
/// The spec and status types implement `schemars::JsonSchema`. Attributes may be split over
/// several `#[kclient(..)]`. Two columns with the same `type` trip clippy's
/// `duplicated_attributes` lint, a false positive on helper attributes
/// (rust-lang/rust-clippy#13238): `#[allow(clippy::duplicated_attributes)]` on the struct.
#[proc_macro_derive(CustomResource, attributes(kclient))]
pub fn derive_custom_resource(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    custom_resource::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `Resource` for a projection of a built-in (or any other) kind.
///
/// ```ignore
/// #[derive(Resource, Clone, Debug, Deserialize, Serialize)]
/// #[resource(inherit = Pod)]
/// struct PodView {
///     metadata: ObjectMeta,
///     #[serde(default)]
///     spec: PodViewSpec, // only `nodeName`, say
/// }
/// ```
///
/// The struct gets the inherited kind's group, version, kind, plural and scope; it needs a
/// `metadata: ObjectMeta` field, and serde ignores every field it does not declare.
/// `#[resource(crate = "path")]` names kclient's core elsewhere.
#[proc_macro_derive(Resource, attributes(resource))]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    resource::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
