//! Server-side printing: `meta.k8s.io/v1` Tables (`Accept: application/json;as=Table;v=v1;
//! g=meta.k8s.io`) with the columns and cells kube-apiserver's printers produce, so
//! `kubectl get` shows exactly what it shows against a real cluster.
//!
//! Like kube-apiserver, every table is generated "wide" (priority-1 columns included);
//! kubectl hides those columns unless `-o wide` is given.

mod autoscaling;
mod cluster;
mod corev1;
mod events;
mod format;
mod jsonpath;
mod pods;
mod volumes;
mod workloads;

#[cfg(test)]
mod tests;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::catalog::{self, ResourceInfo};

pub use format::human_duration;
pub use jsonpath::JsonPath;

/// Description of the `Name` column (ObjectMeta.name's API documentation).
const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
/// Description of `Age` / `Created At` (ObjectMeta.creationTimestamp's API documentation).
const AGE_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// True when the `Accept` header asks for a `meta.k8s.io/v1` Table.
pub fn wants_table(accept: &str) -> bool {
    accept.split(',').any(|media_type| {
        let mut parts = media_type.split(';').map(str::trim);
        let json = parts
            .next()
            .is_some_and(|t| t.eq_ignore_ascii_case("application/json"));
        let (mut as_table, mut group, mut version) = (false, false, false);
        for param in parts {
            match param.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
                Some(("as", "Table")) => as_table = true,
                Some(("g", "meta.k8s.io")) => group = true,
                Some(("v", "v1")) => version = true,
                _ => {}
            }
        }
        json && as_table && group && version
    })
}

/// What each Table row carries in `object` (the `includeObject` query parameter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IncludeObject {
    /// No object (`"object": null`).
    None,
    /// A `PartialObjectMetadata` with the object's metadata (the default, what kubectl asks for).
    #[default]
    Metadata,
    /// The full object.
    Object,
}

impl IncludeObject {
    /// Parses the `includeObject` parameter; absent or unrecognised values mean `Metadata`.
    pub fn parse(value: Option<&str>) -> Self {
        Self::try_parse(value).unwrap_or_default()
    }

    /// Parses the `includeObject` parameter strictly, with kube-apiserver's error text for
    /// values other than `None`, `Metadata` and `Object`.
    pub fn try_parse(value: Option<&str>) -> Result<Self, String> {
        match value {
            None | Some("") | Some("Metadata") => Ok(Self::Metadata),
            Some("None") => Ok(Self::None),
            Some("Object") => Ok(Self::Object),
            Some(other) => Err(format!(
                "includeObject: Unsupported value: \"{other}\": supported values: \"Metadata\", \"None\", \"Object\""
            )),
        }
    }
}

/// A CRD `additionalPrinterColumns` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrinterColumn {
    /// Column header (kubectl upper-cases it).
    pub name: String,
    /// OpenAPI type: `string`, `integer`, `number`, `boolean` or `date`.
    pub type_: String,
    /// OpenAPI format hint (`name`, `int32`, ...), may be empty.
    pub format: String,
    /// Human-readable description.
    pub description: String,
    /// 0 for standard columns, higher for `-o wide` only.
    pub priority: i32,
    /// Simple JSONPath evaluated against each object, e.g. `.spec.replicas`.
    pub json_path: String,
}

impl PrinterColumn {
    /// The columns CRD `crd` declares for served version `version` (empty when none).
    pub fn from_crd_version(crd: &Value, version: &str) -> Vec<PrinterColumn> {
        let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
        let Some(v) = versions.and_then(|vs| vs.iter().find(|v| v["name"] == version)) else {
            return Vec::new();
        };
        let text = |c: &Value, k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        format::list(v, "additionalPrinterColumns")
            .iter()
            .map(|c| PrinterColumn {
                name: text(c, "name"),
                type_: text(c, "type"),
                format: text(c, "format"),
                description: text(c, "description"),
                priority: c
                    .get("priority")
                    .and_then(Value::as_i64)
                    .and_then(|p| i32::try_from(p).ok())
                    .unwrap_or(0),
                json_path: text(c, "jsonPath"),
            })
            .collect()
    }

    /// apiextensions-apiserver's column for CRD versions that declare none.
    fn default_age() -> PrinterColumn {
        PrinterColumn {
            name: "Age".into(),
            type_: "date".into(),
            format: String::new(),
            description: AGE_DESC.into(),
            priority: 0,
            json_path: ".metadata.creationTimestamp".into(),
        }
    }
}

/// One column definition of a built-in printer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Column {
    name: &'static str,
    type_: &'static str,
    format: &'static str,
    description: &'static str,
    priority: i32,
}

/// A standard string column.
pub(crate) const fn col(name: &'static str, description: &'static str) -> Column {
    Column {
        name,
        type_: "string",
        format: "",
        description,
        priority: 0,
    }
}

impl Column {
    /// The same column with another OpenAPI type.
    pub(crate) const fn typed(mut self, type_: &'static str) -> Column {
        self.type_ = type_;
        self
    }

    /// The same column shown only with `-o wide`.
    pub(crate) const fn wide(mut self) -> Column {
        self.priority = 1;
        self
    }
}

/// The `Name` column every printer starts with.
pub(crate) const NAME: Column = Column {
    name: "Name",
    type_: "string",
    format: "name",
    description: NAME_DESC,
    priority: 0,
};
/// The `Age` column.
pub(crate) const AGE: Column = col("Age", AGE_DESC);
/// The `Created At` column of the default printer.
const CREATED_AT: Column = col("Created At", AGE_DESC).typed("date");

/// Cells (and optional row conditions) of one object.
pub(crate) struct Printed {
    cells: Vec<Value>,
    conditions: Option<Value>,
}

impl From<Vec<Value>> for Printed {
    fn from(cells: Vec<Value>) -> Self {
        Printed {
            cells,
            conditions: None,
        }
    }
}

/// A built-in printer: its columns and the function producing one row.
pub(crate) struct Printer {
    pub columns: &'static [Column],
    pub row: fn(&Value, Timestamp) -> Printed,
}

/// The printer kube-apiserver registers for `group`/`kind`, if any.
fn printer_for(group: &str, kind: &str) -> Option<&'static Printer> {
    pods::printer(group, kind)
        .or_else(|| workloads::printer(group, kind))
        .or_else(|| corev1::printer(group, kind))
        .or_else(|| events::printer(group, kind))
        .or_else(|| volumes::printer(group, kind))
        .or_else(|| cluster::printer(group, kind))
        .or_else(|| autoscaling::printer(group, kind))
}

fn column_json(c: &Column) -> Value {
    json!({"name": c.name, "type": c.type_, "format": c.format, "description": c.description, "priority": c.priority})
}

/// Builds the `meta.k8s.io/v1` Table of `objects` (all of resource `info`).
///
/// `custom_columns` is `Some` for custom resources (their CRD's `additionalPrinterColumns`;
/// an empty slice means the default `Age` column); built-in kinds use kube-apiserver's
/// printers, falling back to `Name` + `Created At`.
pub fn to_table(
    info: &ResourceInfo,
    objects: &[&Value],
    list_metadata: Value,
    include: IncludeObject,
    now: Timestamp,
    custom_columns: Option<&[PrinterColumn]>,
) -> Value {
    let builtin = catalog::find_builtin(&info.group, &info.version, &info.plural).is_some();
    let (columns, rows): (Vec<Value>, Vec<Printed>) = match (custom_columns, builtin) {
        (Some(cols), _) => custom_table(cols, objects, now),
        (None, false) => custom_table(&[], objects, now),
        (None, true) => match printer_for(&info.group, &info.kind) {
            Some(p) => (
                p.columns.iter().map(column_json).collect(),
                objects.iter().map(|o| (p.row)(o, now)).collect(),
            ),
            None => (
                vec![column_json(&NAME), column_json(&CREATED_AT)],
                objects
                    .iter()
                    .map(|o| {
                        vec![
                            Value::String(format::text(o, "metadata.name").into()),
                            format::created_at(o),
                        ]
                        .into()
                    })
                    .collect(),
            ),
        },
    };
    let rows: Vec<Value> = rows
        .into_iter()
        .zip(objects)
        .map(|(printed, obj)| {
            let mut row = Map::new();
            row.insert("cells".into(), Value::Array(printed.cells));
            if let Some(conditions) = printed.conditions {
                row.insert("conditions".into(), conditions);
            }
            let object = match include {
                IncludeObject::None => Value::Null,
                IncludeObject::Metadata => json!({
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
                }),
                IncludeObject::Object => (*obj).clone(),
            };
            row.insert("object".into(), object);
            Value::Object(row)
        })
        .collect();
    let metadata = if list_metadata.is_object() {
        list_metadata
    } else {
        json!({})
    };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

/// apiextensions-apiserver's table convertor: `Name` plus the declared columns.
fn custom_table(
    cols: &[PrinterColumn],
    objects: &[&Value],
    now: Timestamp,
) -> (Vec<Value>, Vec<Printed>) {
    let default = [PrinterColumn::default_age()];
    let cols = if cols.is_empty() { &default[..] } else { cols };
    let paths: Vec<Option<JsonPath>> = cols
        .iter()
        .map(|c| JsonPath::parse(&c.json_path).ok())
        .collect();
    let mut columns = vec![column_json(&NAME)];
    columns.extend(cols.iter().map(|c| {
        json!({"name": c.name, "type": c.type_, "format": c.format, "description": c.description, "priority": c.priority})
    }));
    let rows = objects
        .iter()
        .map(|obj| {
            let mut cells = vec![Value::String(format::text(obj, "metadata.name").into())];
            for (c, path) in cols.iter().zip(&paths) {
                let value = path.as_ref().and_then(|p| p.find(obj).into_iter().next());
                cells.push(value.map_or(Value::Null, |v| custom_cell(&c.type_, v, now)));
            }
            cells.into()
        })
        .collect();
    (columns, rows)
}

/// apiextensions-apiserver's `cellForJSONValue` (string columns print any value as text).
fn custom_cell(type_: &str, value: &Value, now: Timestamp) -> Value {
    match (type_, value) {
        (_, Value::Null) => Value::Null,
        ("string", Value::String(_)) => value.clone(),
        ("string", other) => Value::String(other.to_string()),
        ("integer", Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map_or(Value::Null, Value::from),
        ("number", Value::Number(n)) => n.as_f64().map_or(Value::Null, Value::from),
        ("boolean", Value::Bool(b)) => Value::Bool(*b),
        ("date", Value::String(s)) => match format::parse_time(s) {
            Some(t) => Value::String(human_duration(now.duration_since(t).as_secs())),
            None if s.is_empty() => Value::String("<unknown>".into()),
            None => Value::String("<invalid>".into()),
        },
        _ => Value::Null,
    }
}
