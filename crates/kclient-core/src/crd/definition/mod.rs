//! kube-apiserver's validation of a whole `apiextensions.k8s.io/v1` CustomResourceDefinition
//! on create (apiextensions' `ValidateCustomResourceDefinition`) and on update
//! ([`validate_definition_update`], [`validate_definition_status_update`]), with its field
//! paths, error types, messages and order.
//!
//! kube-apiserver validates the *internal* form of the CRD: defaulted (`singular` from the
//! kind, `listKind` = kind + `List`, conversion strategy `None`), and with the per-version
//! `schema`, `subresources`, `additionalPrinterColumns` and `selectableFields` moved to the
//! spec when every version has the same ones. So a CRD whose versions share one schema (one
//! version, most often) has its schema errors reported under
//! `spec.validation.openAPIV3Schema`, not `spec.versions[0].schema.openAPIV3Schema`.
//!
//! ```
//! use kclient_core::crd::definition::validate_definition;
//! use serde_json::json;
//!
//! let crd = json!({
//!     "metadata": {"name": "widgets.example.com"},
//!     "spec": {"group": "example.com", "scope": "Namespaced",
//!         "names": {"plural": "widgets", "kind": "Widget"},
//!         "versions": [{"name": "v1", "served": true, "storage": true,
//!             "schema": {"openAPIV3Schema": {"type": "object",
//!                 "properties": {"spec": {"properties": {}}}}}}]}
//! });
//! let errors = validate_definition(&crd, &mut |_, _, _| Vec::new());
//! assert_eq!(
//!     errors[0].to_string(),
//!     "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"
//! );
//! ```

mod go_value;
mod parts;
#[cfg(test)]
mod tests;
mod update;
#[cfg(test)]
mod update_tests;

pub use update::{validate_definition_status_update, validate_definition_update};

use serde_json::{Map, Value};

use super::default::has_defaults;
use super::structural::validate_schema;
use crate::status::{FieldError, FieldErrorType};
use crate::validation::{is_dns1035_label, is_dns1123_subdomain};

/// Which per-version fields every version shares, so kube-apiserver holds them once in the
/// spec (`Convert_v1_CustomResourceDefinitionSpec_To_apiextensions_...`).
#[derive(Debug, Default)]
pub(crate) struct Folded {
    schema: bool,
    subresources: bool,
    columns: bool,
    selectable_fields: bool,
}

impl Folded {
    fn of(versions: &[Value]) -> Self {
        if versions.is_empty() {
            return Self::default();
        }
        // Go compares with semantic equality: an absent list equals an empty one.
        let same = |key: &str, list: bool| {
            let norm = |v: &Value| match v.get(key) {
                Some(Value::Null) | None => None,
                Some(Value::Array(a)) if list && a.is_empty() => None,
                Some(x) => Some(x.clone()),
            };
            let first = norm(&versions[0]);
            versions.iter().all(|v| norm(v) == first)
        };
        Self {
            schema: same("schema", false),
            subresources: same("subresources", false),
            columns: same("additionalPrinterColumns", true),
            selectable_fields: same("selectableFields", true),
        }
    }
}

/// The checks kube-apiserver relaxes on update when the stored CRD already fails them, so
/// that an object accepted once (by an older server) stays writable.
#[derive(Debug, Clone, Copy)]
struct Strictness {
    /// Every version needs a schema (else only served versions, unless unknown fields
    /// are preserved).
    openapi_schema: bool,
    /// A webhook's `conversionReviewVersions` must include one this server speaks.
    recognized_review_version: bool,
}

impl Strictness {
    /// On create nothing is relaxed.
    const CREATE: Self = Self {
        openapi_schema: true,
        recognized_review_version: true,
    };
}

/// The CEL checks of one schema (`x-kubernetes-validations`), given the schema, the path of
/// its root and whether it is structural with valid defaults (kube-apiserver compiles rules
/// only then); run where kube-apiserver runs them.
pub type RuleCheck<'a> = dyn FnMut(&Map<String, Value>, &str, bool) -> Vec<FieldError> + 'a;

fn text<'a>(node: &'a Value, pointer: &str) -> &'a str {
    node.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn non_null<'a>(node: &'a Value, key: &str) -> Option<&'a Value> {
    node.get(key).filter(|v| !v.is_null())
}

/// Validates a CRD (JSON, `apiextensions.k8s.io/v1`) as kube-apiserver does on create,
/// after the metadata's generic checks (which report `metadata.name`'s DNS errors; the
/// `plural.group` rule comes first here). `rules` checks a schema's CEL rules.
pub fn validate_definition(crd: &Value, rules: &mut RuleCheck<'_>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let group = text(crd, "/spec/group");
    let plural = text(crd, "/spec/names/plural");
    let name = text(crd, "/metadata/name");
    if name != format!("{plural}.{group}") {
        errors.push(FieldError::invalid(
            "metadata.name",
            Value::from(name),
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    let spec = crd.get("spec").unwrap_or(&Value::Null);
    spec_errors(spec, Strictness::CREATE, rules, &mut errors);
    status_errors(crd, spec, &mut errors);
    preserve_unknown_fields(spec, &mut errors);
    errors
}

/// `spec.preserveUnknownFields: true` belongs to v1beta1 CRDs; v1 refuses to turn it on.
fn preserve_unknown_fields(spec: &Value, errors: &mut Vec<FieldError>) {
    if spec.get("preserveUnknownFields") == Some(&Value::Bool(true)) {
        errors.push(FieldError::invalid(
            "spec.preserveUnknownFields",
            Value::Bool(true),
            "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
        ));
    }
}

fn spec_errors(
    spec: &Value,
    strict: Strictness,
    rules: &mut RuleCheck<'_>,
    errors: &mut Vec<FieldError>,
) {
    let group = text(spec, "/group");
    if group.is_empty() {
        errors.push(FieldError::required("spec.group", ""));
    } else if let errs @ [_, ..] = is_dns1123_subdomain(group).as_slice() {
        errors.push(FieldError::invalid(
            "spec.group",
            Value::from(group),
            errs.join(","),
        ));
    } else if !group.contains('.') {
        errors.push(FieldError::invalid(
            "spec.group",
            Value::from(group),
            "should be a domain with at least one dot",
        ));
    }
    match text(spec, "/scope") {
        "" => errors.push(FieldError::required("spec.scope", "")),
        "Cluster" | "Namespaced" => {}
        other => errors.push(FieldError::not_supported(
            "spec.scope",
            Value::from(other),
            &["Cluster", "Namespaced"],
        )),
    }

    let versions: &[Value] = spec
        .get("versions")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let folded = Folded::of(versions);
    // The shared schema, `spec.validation`, when every version has the same one.
    let shared_schema = if folded.schema {
        versions.first().and_then(schema_of)
    } else {
        None
    };
    let preserve_unknown = spec.get("preserveUnknownFields") == Some(&Value::Bool(true));
    if shared_schema.is_none() {
        for (i, v) in versions.iter().enumerate() {
            let path = format!("spec.versions[{i}].schema.openAPIV3Schema");
            if schema_of(v).is_some() {
                continue;
            }
            if strict.openapi_schema {
                errors.push(FieldError::required(path, "schemas are required"));
            } else if !preserve_unknown && v.get("served") == Some(&Value::Bool(true)) {
                errors.push(FieldError::required(
                    path,
                    "because otherwise all fields are pruned",
                ));
            }
        }
    }
    if preserve_unknown && versions.iter().filter_map(schema_of).any(has_defaults) {
        errors.push(FieldError::invalid(
            "spec.preserveUnknownFields",
            Value::Bool(true),
            "must be false in order to use defaults in the schema",
        ));
    }

    let shared_subresources = if folded.subresources {
        versions.first().and_then(|v| non_null(v, "subresources"))
    } else {
        None
    };
    let status_of = |s: Option<&Value>| s.is_some_and(|s| non_null(s, "status").is_some());
    let mut names_seen: Vec<&str> = Vec::new();
    let mut unique = true;
    let mut storage = 0;
    for (i, v) in versions.iter().enumerate() {
        let at = format!("spec.versions[{i}]");
        let name = text(v, "/name");
        if v.get("storage").and_then(Value::as_bool) == Some(true) {
            storage += 1;
        }
        if names_seen.contains(&name) {
            unique = false;
        } else {
            names_seen.push(name);
        }
        if let errs @ [_, ..] = is_dns1035_label(name).as_slice() {
            errors.push(FieldError::invalid(
                format!("{at}.name"),
                Value::from(name),
                errs.join(","),
            ));
        }
        deprecation_warning(v, &at, errors);
        if !folded.schema
            && let Some(schema) = schema_of(v)
        {
            // A version's own subresources, else the shared ones.
            let subresources = if folded.subresources {
                shared_subresources
            } else {
                non_null(v, "subresources")
            };
            schema_errors(
                schema,
                &format!("{at}.schema.openAPIV3Schema"),
                status_of(subresources),
                rules,
                errors,
            );
        }
        if !folded.subresources
            && let Some(subresources) = non_null(v, "subresources")
        {
            parts::subresources(subresources, &format!("{at}.subresources"), errors);
        }
        if !folded.columns {
            columns(v, &format!("{at}.additionalPrinterColumns"), errors);
        }
    }
    if !unique || storage != 1 {
        let shown = go_value::versions(versions, &folded);
        if !unique {
            errors.push(go_invalid(
                "spec.versions",
                &shown,
                "must contain unique version names",
            ));
        }
        if storage != 1 {
            errors.push(go_invalid(
                "spec.versions",
                &shown,
                "must have exactly one version marked as storage version",
            ));
        }
    }
    // `spec.version` is the first version's name in the internal form.
    if let Some(first) = versions.first() {
        let name = text(first, "/name");
        if let errs @ [_, ..] = is_dns1035_label(name).as_slice() {
            errors.push(FieldError::invalid(
                "spec.version",
                Value::from(name),
                errs.join(","),
            ));
        }
    }

    let names = defaulted_names(spec);
    for key in ["plural", "singular", "kind", "listKind"] {
        if text(&names, &format!("/{key}")).is_empty() {
            errors.push(FieldError::required(format!("spec.names.{key}"), ""));
        }
    }
    parts::names(&names, "spec.names", errors);

    if let Some(schema) = shared_schema {
        let any_status = status_of(shared_subresources)
            || versions.iter().any(|v| status_of(v.get("subresources")));
        schema_errors(
            schema,
            "spec.validation.openAPIV3Schema",
            any_status,
            rules,
            errors,
        );
    }
    if let Some(subresources) = shared_subresources {
        parts::subresources(subresources, "spec.subresources", errors);
    }
    if folded.columns
        && let Some(first) = versions.first()
    {
        columns(first, "spec.additionalPrinterColumns", errors);
    }
    let conversion = spec
        .get("conversion")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({"strategy": "None"}));
    parts::conversion(
        Some(&conversion),
        preserve_unknown,
        strict.recognized_review_version,
        errors,
    );
}

/// `spec.names` with v1's defaults: the singular is the lower-case kind, the list kind the
/// kind followed by `List`.
fn defaulted_names(spec: &Value) -> Value {
    let mut names = spec
        .get("names")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Map::new()));
    let kind = text(&names, "/kind").to_owned();
    if let Some(map) = names.as_object_mut() {
        if map
            .get("singular")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            map.insert("singular".into(), Value::from(kind.to_lowercase()));
        }
        if map
            .get("listKind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
            && !kind.is_empty()
        {
            map.insert("listKind".into(), Value::from(format!("{kind}List")));
        }
    }
    names
}

fn columns(version: &Value, path: &str, errors: &mut Vec<FieldError>) {
    let cols = version
        .get("additionalPrinterColumns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for (i, col) in cols.enumerate() {
        parts::column(col, &format!("{path}[{i}]"), errors);
    }
}

/// `deprecationWarning`: only on a deprecated version, printable, at most 256 bytes.
fn deprecation_warning(version: &Value, at: &str, errors: &mut Vec<FieldError>) {
    let Some(warning) = version.get("deprecationWarning").and_then(Value::as_str) else {
        return;
    };
    let deprecated = version.get("deprecated").and_then(Value::as_bool) == Some(true);
    let mut problems = Vec::new();
    if !deprecated {
        problems.push("can only be set for deprecated versions".to_owned());
    } else {
        if warning.len() > 256 {
            problems.push("must be <= 256 characters long".to_owned());
        }
        if warning.is_empty() {
            problems.push("must not be an empty string".to_owned());
        }
        if let Some((i, _)) = warning.char_indices().find(|(_, c)| c.is_control()) {
            problems.push(format!(
                "must only contain printable UTF-8 characters; control character found at index {i}"
            ));
        }
    }
    for problem in problems {
        errors.push(FieldError::invalid(
            format!("{at}.deprecationWarning"),
            Value::from(warning),
            problem,
        ));
    }
}

/// One schema, as `validateCustomResourceDefinitionValidation` checks it: the structural and
/// OpenAPI rules, then (on a structural schema with valid defaults) the CEL rules.
fn schema_errors(
    schema: &Value,
    path: &str,
    status: bool,
    rules: &mut RuleCheck<'_>,
    errors: &mut Vec<FieldError>,
) {
    let found = validate_schema(schema, path, status);
    let structural = found.is_empty();
    errors.extend(found);
    if let Some(node) = schema.as_object() {
        errors.extend(rules(node, path, structural));
    }
}

/// `status.acceptedNames` and `status.storedVersions` as the create and update strategies
/// leave them: the stored versions hold the first storage version.
fn status_errors(crd: &Value, spec: &Value, errors: &mut Vec<FieldError>) {
    errors.extend(update::validate_definition_status_update(crd));
    let mut stored: Vec<String> = crd
        .pointer("/status/storedVersions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let versions: &[Value] = spec
        .get("versions")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let is_storage = |v: &Value| v.get("storage").and_then(Value::as_bool) == Some(true);
    if let Some(first) = versions.iter().find(|v| is_storage(v)) {
        let name = text(first, "/name").to_owned();
        if !stored.contains(&name) {
            stored.push(name);
        }
    }
    let path = "status.storedVersions";
    if stored.is_empty() {
        errors.push(go_invalid(
            path,
            &go_value::strings(&stored),
            "must have at least one stored version",
        ));
        return;
    }
    for v in versions.iter().filter(|v| is_storage(v)) {
        let name = text(v, "/name");
        if !stored.iter().any(|s| s == name) {
            errors.push(go_invalid(
                path,
                &go_value::strings(&stored),
                &format!("must have the storage version {name}"),
            ));
        }
    }
    for (i, s) in stored.iter().enumerate() {
        if !versions.iter().any(|v| text(v, "/name") == s) {
            errors.push(FieldError::invalid(
                format!("{path}[{i}]"),
                Value::from(s.as_str()),
                format!(
                    "missing from spec.versions; {s} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in {s} and removes {s} from status.storedVersions"
                ),
            ));
        }
    }
}

/// An `Invalid value` whose value Go prints with `%#v` (already rendered).
fn go_invalid(path: &str, shown: &str, detail: &str) -> FieldError {
    FieldError::new(
        FieldErrorType::Invalid,
        path,
        None,
        format!("{shown}: {detail}"),
    )
}

/// A version's `openAPIV3Schema`.
/// The CRD's storage version: the name of the first of `spec`'s versions marked `storage`
/// (validation allows exactly one).
///
/// ```
/// use kclient_core::crd::definition::storage_version;
/// let spec = serde_json::json!({"versions": [{"name": "v1beta1"}, {"name": "v1", "storage": true}]});
/// assert_eq!(storage_version(&spec), Some("v1"));
/// ```
pub fn storage_version(spec: &Value) -> Option<&str> {
    spec.get("versions")?
        .as_array()?
        .iter()
        .find(|v| v.get("storage").and_then(Value::as_bool) == Some(true))?
        .get("name")?
        .as_str()
}

/// Whether a CRD `status` has its `Established` condition `True` (the CRD is served).
///
/// ```
/// use kclient_core::crd::definition::is_established;
/// let status = serde_json::json!({"conditions": [{"type": "Established", "status": "True"}]});
/// assert!(is_established(&status));
/// assert!(!is_established(&serde_json::json!({})));
/// ```
pub fn is_established(status: &Value) -> bool {
    status
        .get("conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| text(c, "/type") == "Established" && text(c, "/status") == "True")
}

fn schema_of(version: &Value) -> Option<&Value> {
    version
        .pointer("/schema/openAPIV3Schema")
        .filter(|s| !s.is_null())
}
