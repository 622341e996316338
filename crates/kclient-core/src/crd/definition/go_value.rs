//! Go's `%#v` of the internal `apiextensions` values kube-apiserver puts in a CRD's 422
//! (`Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}`), so that the
//! message reads as a cluster's does. A set pointer prints its address in Go; here it prints
//! the placeholder `0xc000000000`, the one part that cannot match.

use serde_json::Value;

use super::Folded;
use crate::status::go_quote;

const ADDRESS: &str = "0xc000000000";

fn text<'a>(node: &'a Value, key: &str) -> &'a str {
    node.get(key).and_then(Value::as_str).unwrap_or("")
}

fn boolean(node: &Value, key: &str) -> bool {
    node.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// `(*T)(nil)` or `(*T)(0x...)`.
fn pointer(set: bool, ty: &str) -> String {
    if set {
        format!("(*{ty})({ADDRESS})")
    } else {
        format!("(*{ty})(nil)")
    }
}

/// A slice: `[]T(nil)` when absent (or folded away), `[]T{a, b}` otherwise.
fn slice(items: Option<&Vec<Value>>, ty: &str, item: impl Fn(&Value) -> String) -> String {
    match items {
        None => format!("[]{ty}(nil)"),
        Some(items) => {
            let shown: Vec<String> = items.iter().map(item).collect();
            format!("[]{ty}{{{}}}", shown.join(", "))
        }
    }
}

fn column(c: &Value) -> String {
    format!(
        "apiextensions.CustomResourceColumnDefinition{{Name:{}, Type:{}, Format:{}, Description:{}, Priority:{}, JSONPath:{}}}",
        go_quote(text(c, "name")),
        go_quote(text(c, "type")),
        go_quote(text(c, "format")),
        go_quote(text(c, "description")),
        c.get("priority").and_then(Value::as_i64).unwrap_or(0),
        go_quote(text(c, "jsonPath")),
    )
}

fn selectable(f: &Value) -> String {
    format!(
        "apiextensions.SelectableField{{JSONPath:{}}}",
        go_quote(text(f, "jsonPath"))
    )
}

/// One version as the internal type holds it once the fields every version shares moved
/// to the spec.
fn version(v: &Value, folded: &Folded) -> String {
    let present = |key: &str| v.get(key).is_some_and(|x| !x.is_null());
    let list = |key: &str, shared: bool| {
        if shared {
            None
        } else {
            v.get(key).and_then(Value::as_array)
        }
    };
    format!(
        "apiextensions.CustomResourceDefinitionVersion{{Name:{}, Served:{}, Storage:{}, Deprecated:{}, DeprecationWarning:{}, Schema:{}, Subresources:{}, AdditionalPrinterColumns:{}, SelectableFields:{}}}",
        go_quote(text(v, "name")),
        boolean(v, "served"),
        boolean(v, "storage"),
        boolean(v, "deprecated"),
        pointer(present("deprecationWarning"), "string"),
        pointer(
            !folded.schema && present("schema"),
            "apiextensions.CustomResourceValidation"
        ),
        pointer(
            !folded.subresources && present("subresources"),
            "apiextensions.CustomResourceSubresources"
        ),
        slice(
            list("additionalPrinterColumns", folded.columns),
            "apiextensions.CustomResourceColumnDefinition",
            column
        ),
        slice(
            list("selectableFields", folded.selectable_fields),
            "apiextensions.SelectableField",
            selectable
        ),
    )
}

/// `spec.Versions` with `%#v`.
pub(super) fn versions(versions: &[Value], folded: &Folded) -> String {
    let shown: Vec<String> = versions.iter().map(|v| version(v, folded)).collect();
    format!(
        "[]apiextensions.CustomResourceDefinitionVersion{{{}}}",
        shown.join(", ")
    )
}

/// A `[]string` with `%#v` (`[]string(nil)` when empty: the strategy starts from no status).
pub(super) fn strings(values: &[String]) -> String {
    if values.is_empty() {
        return "[]string(nil)".to_owned();
    }
    let quoted: Vec<String> = values.iter().map(|s| go_quote(s)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}
