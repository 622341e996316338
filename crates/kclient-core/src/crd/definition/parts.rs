//! The checks on the parts of a CRD spec beside its schemas: names, printer columns, the
//! scale subresource's paths and the conversion settings (apiextensions'
//! `ValidateCustomResourceDefinitionNames`, `ValidateCustomResourceColumnDefinition`,
//! `ValidateCustomResourceDefinitionSubresources`, `validateCustomResourceConversion`).

use serde_json::Value;

use crate::status::FieldError;
use crate::validation::is_dns1035_label;

fn text<'a>(node: &'a Value, key: &str) -> &'a str {
    node.get(key).and_then(Value::as_str).unwrap_or("")
}

fn invalid(path: String, value: &str, detail: impl Into<String>) -> FieldError {
    FieldError::invalid(path, Value::from(value), detail)
}

/// `spec.names` (or `status.acceptedNames`): DNS-1035 labels, kinds in mixed case.
pub(super) fn names(names: &Value, path: &str, errors: &mut Vec<FieldError>) {
    for key in ["plural", "singular"] {
        let value = text(names, key);
        let errs = is_dns1035_label(value);
        if !value.is_empty() && !errs.is_empty() {
            errors.push(invalid(format!("{path}.{key}"), value, errs.join(",")));
        }
    }
    for key in ["kind", "listKind"] {
        let value = text(names, key);
        let errs = is_dns1035_label(&value.to_lowercase());
        if !value.is_empty() && !errs.is_empty() {
            errors.push(invalid(
                format!("{path}.{key}"),
                value,
                format!(
                    "may have mixed case, but should otherwise match: {}",
                    errs.join(",")
                ),
            ));
        }
    }
    labels(names, "shortNames", path, errors);
    let kind = text(names, "kind");
    if !kind.is_empty() && kind == text(names, "listKind") {
        errors.push(invalid(
            format!("{path}.listKind"),
            kind,
            "kind and listKind may not be the same",
        ));
    }
    labels(names, "categories", path, errors);
}

fn labels(names: &Value, key: &str, path: &str, errors: &mut Vec<FieldError>) {
    let values = names
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for (i, value) in values.enumerate() {
        let value = value.as_str().unwrap_or("");
        let errs = is_dns1035_label(value);
        if !errs.is_empty() {
            errors.push(invalid(format!("{path}.{key}[{i}]"), value, errs.join(",")));
        }
    }
}

const COLUMN_TYPES: &str = "boolean,date,integer,number,string";
const COLUMN_FORMATS: &[&str] = &[
    "byte",
    "date",
    "date-time",
    "double",
    "float",
    "int32",
    "int64",
    "password",
];

/// One printer column. apiextensions names the path field `JSONPath` in its errors.
pub(super) fn column(col: &Value, path: &str, errors: &mut Vec<FieldError>) {
    if text(col, "name").is_empty() {
        errors.push(FieldError::required(format!("{path}.name"), ""));
    }
    let ty = text(col, "type");
    let types_detail = format!("must be one of {COLUMN_TYPES}");
    if ty.is_empty() {
        errors.push(FieldError::required(format!("{path}.type"), types_detail));
    } else if !COLUMN_TYPES.split(',').any(|t| t == ty) {
        errors.push(invalid(format!("{path}.type"), ty, types_detail));
    }
    let format = text(col, "format");
    if !format.is_empty() && !COLUMN_FORMATS.contains(&format) {
        errors.push(invalid(
            format!("{path}.format"),
            format,
            format!("must be one of {}", COLUMN_FORMATS.join(",")),
        ));
    }
    let json_path = text(col, "jsonPath");
    if json_path.is_empty() {
        errors.push(FieldError::required(format!("{path}.JSONPath"), ""));
    } else {
        simple_json_path(json_path, &format!("{path}.JSONPath"), errors);
    }
}

/// A path in the dot notation; only a missing leading dot can be wrong once it is not empty.
fn simple_json_path(s: &str, path: &str, errors: &mut Vec<FieldError>) -> bool {
    let detail = if s.is_empty() {
        "must not be empty"
    } else if !s.starts_with('.') {
        "must be a simple json path starting with ."
    } else {
        return true;
    };
    errors.push(invalid(path.to_owned(), s, detail));
    false
}

/// The scale subresource's replica and selector paths.
pub(super) fn subresources(subresources: &Value, path: &str, errors: &mut Vec<FieldError>) {
    let Some(scale) = subresources.get("scale").filter(|s| !s.is_null()) else {
        return;
    };
    for (key, prefix, detail) in [
        (
            "specReplicasPath",
            ".spec.",
            "should be a json path under .spec",
        ),
        (
            "statusReplicasPath",
            ".status.",
            "should be a json path under .status",
        ),
    ] {
        let at = format!("{path}.scale.{key}");
        let value = text(scale, key);
        if value.is_empty() {
            errors.push(FieldError::required(at, ""));
        } else if simple_json_path(value, &at, errors) && !value.starts_with(prefix) {
            errors.push(invalid(at, value, detail));
        }
    }
    let selector = text(scale, "labelSelectorPath");
    let at = format!("{path}.scale.labelSelectorPath");
    if !selector.is_empty()
        && simple_json_path(selector, &at, errors)
        && !selector.starts_with(".spec.")
        && !selector.starts_with(".status.")
    {
        // Go prints the `*string` it holds, dereferenced.
        errors.push(invalid(
            at,
            selector,
            "should be a json path under either .spec or .status",
        ));
    }
}

pub(super) const CONVERSION_REVIEW_VERSIONS: &[&str] = &["v1", "v1beta1"];

/// `spec.conversion` (defaulted to strategy `None`); `recognized_review_version` asks for a
/// review version this server speaks.
pub(super) fn conversion(
    conversion: Option<&Value>,
    preserve_unknown_fields: bool,
    recognized_review_version: bool,
    errors: &mut Vec<FieldError>,
) {
    let Some(conversion) = conversion.filter(|c| !c.is_null()) else {
        return;
    };
    let strategy = text(conversion, "strategy");
    if strategy != "None" && preserve_unknown_fields {
        errors.push(invalid(
            "spec.conversion.strategy".to_owned(),
            strategy,
            "must be None if spec.preserveUnknownFields is true",
        ));
    }
    match strategy {
        "" => errors.push(FieldError::required("spec.conversion.strategy", "")),
        "None" | "Webhook" => {}
        other => errors.push(FieldError::not_supported(
            "spec.conversion.strategy",
            Value::from(other),
            &["None", "Webhook"],
        )),
    }
    let client_config = conversion
        .get("webhook")
        .and_then(|w| w.get("clientConfig"));
    let review_versions = conversion
        .get("webhook")
        .and_then(|w| w.get("conversionReviewVersions"))
        .and_then(Value::as_array);
    if strategy == "Webhook" {
        match client_config.filter(|c| !c.is_null()) {
            None => errors.push(FieldError::required(
                "spec.conversion.webhookClientConfig",
                "required when strategy is set to Webhook",
            )),
            Some(cc) => {
                let url = cc.get("url").is_some_and(|u| !u.is_null());
                let service = cc.get("service").is_some_and(|s| !s.is_null());
                if url == service {
                    errors.push(FieldError::required(
                        "spec.conversion.webhookClientConfig",
                        "exactly one of url or service is required",
                    ));
                }
            }
        }
        review(
            review_versions.map(Vec::as_slice).unwrap_or(&[]),
            recognized_review_version,
            errors,
        );
    } else {
        if client_config.is_some_and(|c| !c.is_null()) {
            errors.push(FieldError::forbidden(
                "spec.conversion.webhookClientConfig",
                "should not be set when strategy is not set to Webhook",
            ));
        }
        if review_versions.is_some_and(|v| !v.is_empty()) {
            errors.push(FieldError::forbidden(
                "spec.conversion.conversionReviewVersions",
                "should not be set when strategy is not set to Webhook",
            ));
        }
    }
}

fn review(versions: &[Value], recognized: bool, errors: &mut Vec<FieldError>) {
    let path = "spec.conversion.conversionReviewVersions";
    if versions.is_empty() {
        errors.push(FieldError::required(path, ""));
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, v) in versions.iter().enumerate() {
        let v = v.as_str().unwrap_or("");
        if seen.contains(&v) {
            errors.push(invalid(format!("{path}[{i}]"), v, "duplicate version"));
            continue;
        }
        seen.push(v);
        for e in is_dns1035_label(v) {
            errors.push(invalid(format!("{path}[{i}]"), v, e));
        }
    }
    if recognized && !seen.iter().any(|v| CONVERSION_REVIEW_VERSIONS.contains(v)) {
        let shown: Vec<String> = seen.iter().map(|s| crate::status::go_quote(s)).collect();
        errors.push(FieldError::new(
            crate::status::FieldErrorType::Invalid,
            path,
            None,
            format!(
                "[]string{{{}}}: must include at least one of {}",
                shown.join(", "),
                CONVERSION_REVIEW_VERSIONS.join(", ")
            ),
        ));
    }
}
