//! Printing a server-side `meta.k8s.io/v1` Table as kubectl does: upper-case headers, only
//! priority-0 columns unless `-o wide`, a NAMESPACE column first with `-A`, and `kind/name` in
//! the NAME column when several resource types are printed together.

use serde::Deserialize;
use serde_json::Value;

use super::tabwriter::TabWriter;

/// A Table as the server sends it; only what printing needs.
///
/// Go encodes an unset list as `null`, and kube-apiserver leaves `columnDefinitions` unset in
/// every Table of a watch but the first: absent and `null` fields read as empty.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    /// The columns, in order; empty when the server sent none (later events of a watch).
    #[serde(default, deserialize_with = "null_as_default")]
    pub column_definitions: Vec<Column>,
    /// One row per object.
    #[serde(default, deserialize_with = "null_as_default")]
    pub rows: Vec<Row>,
    /// List metadata (`continue` for the next page).
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: TableMeta,
}

/// List metadata of a Table.
#[derive(Debug, Default, Deserialize)]
pub struct TableMeta {
    /// The token for the next page, empty on the last one.
    #[serde(default, rename = "continue")]
    pub continue_token: Option<String>,
    /// The resourceVersion the table was read at.
    #[serde(default, rename = "resourceVersion")]
    pub resource_version: Option<String>,
}

/// One column definition.
#[derive(Clone, Debug, Deserialize)]
pub struct Column {
    /// The header.
    pub name: String,
    /// 0 for the default view; higher ones show with `-o wide`.
    #[serde(default)]
    pub priority: i32,
}

/// One row: its cells and (by default) the object's metadata.
#[derive(Debug, Deserialize)]
pub struct Row {
    /// Cell values, one per column.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cells: Vec<Value>,
    /// The object as `PartialObjectMetadata` (the server's default `includeObject`).
    #[serde(default)]
    pub object: Option<Value>,
}

/// A field Go may encode as `null` (a nil slice or pointer) reads as its default.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// How to print.
#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    /// `-o wide`: include columns of every priority.
    pub wide: bool,
    /// `-A`: prepend a NAMESPACE column.
    pub with_namespace: bool,
    /// Prefix for the NAME column (`deployment.apps`) when several types are printed.
    pub kind_prefix: Option<String>,
    /// `--no-headers`.
    pub no_headers: bool,
}

impl Table {
    /// Adds the header (unless `header` is false or `--no-headers`) and one line per row.
    pub fn print_into(&self, out: &mut TabWriter, options: &TableOptions, header: bool) {
        let shown: Vec<usize> = self
            .column_definitions
            .iter()
            .enumerate()
            .filter(|(_, c)| options.wide || c.priority == 0)
            .map(|(i, _)| i)
            .collect();
        if header && !options.no_headers {
            let mut cells = Vec::with_capacity(shown.len() + 1);
            if options.with_namespace {
                cells.push("NAMESPACE".to_owned());
            }
            cells.extend(
                shown
                    .iter()
                    .map(|&i| self.column_definitions[i].name.to_uppercase()),
            );
            out.row(cells);
        }
        for row in &self.rows {
            let mut cells = Vec::with_capacity(shown.len() + 1);
            if options.with_namespace {
                let ns = row
                    .object
                    .as_ref()
                    .and_then(|o| o.pointer("/metadata/namespace"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                cells.push(ns.to_owned());
            }
            for &i in &shown {
                let cell = cell_text(row.cells.get(i).unwrap_or(&Value::Null));
                let is_name = self.column_definitions[i].name.eq_ignore_ascii_case("name");
                match (&options.kind_prefix, is_name) {
                    (Some(prefix), true) => cells.push(format!("{prefix}/{cell}")),
                    _ => cells.push(cell),
                }
            }
            out.row(cells);
        }
    }
}

/// A cell as Go's `%v` prints JSON values; `null` as kubectl's `<none>`.
fn cell_text(cell: &Value) -> String {
    match cell {
        Value::Null => "<none>".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table() -> Table {
        serde_json::from_value(json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": "7"},
            "columnDefinitions": [
                {"name": "Name", "type": "string", "priority": 0},
                {"name": "Ready", "type": "string", "priority": 0},
                {"name": "Images", "type": "string", "priority": 1}
            ],
            "rows": [{"cells": ["nginx", "0/1", "nginx:1"],
                      "object": {"metadata": {"name": "nginx", "namespace": "web"}}}]
        }))
        .unwrap()
    }

    #[test]
    fn default_view_hides_wide_columns() {
        let mut tw = TabWriter::new();
        table().print_into(&mut tw, &TableOptions::default(), true);
        assert_eq!(tw.render(), "NAME    READY\nnginx   0/1\n");
    }

    #[test]
    fn wide_all_namespaces_and_kind_prefix() {
        let mut tw = TabWriter::new();
        let options = TableOptions {
            wide: true,
            with_namespace: true,
            kind_prefix: Some("deployment.apps".into()),
            no_headers: false,
        };
        table().print_into(&mut tw, &options, true);
        assert_eq!(
            tw.render(),
            "NAMESPACE   NAME                    READY   IMAGES\n\
             web         deployment.apps/nginx   0/1     nginx:1\n"
        );
    }

    #[test]
    fn null_cells_print_as_none() {
        assert_eq!(cell_text(&Value::Null), "<none>");
        assert_eq!(cell_text(&json!(3)), "3");
    }
}
