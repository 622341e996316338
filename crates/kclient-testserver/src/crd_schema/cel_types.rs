//! The CEL types kube-apiserver declares for the values a CRD schema describes (its
//! `SchemaDeclType`): `self` of a rule is typed from the schema node holding it, so that a
//! rule is type-checked when the CRD is written.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// A CEL type, as far as the rule checker distinguishes them.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Ty {
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Null,
    Duration,
    Timestamp,
    /// `type`, the type of type values such as `int`.
    Type,
    List(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    /// An object with declared properties; `open` when unknown fields are preserved (their
    /// selection is then not refused).
    Object {
        fields: BTreeMap<String, Ty>,
        open: bool,
    },
    Optional(Box<Ty>),
    /// A type of the Kubernetes libraries (`kubernetes.URL`, `net.IP`, ...).
    Opaque(&'static str),
    /// A value whose type is only known at evaluation (`x-kubernetes-int-or-string`,
    /// `dyn(...)`): checks involving it pass.
    Dyn,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Uint => f.write_str("uint"),
            Ty::Double => f.write_str("double"),
            Ty::String => f.write_str("string"),
            Ty::Bytes => f.write_str("bytes"),
            Ty::Null => f.write_str("null_type"),
            Ty::Duration => f.write_str("google.protobuf.Duration"),
            Ty::Timestamp => f.write_str("google.protobuf.Timestamp"),
            Ty::Type => f.write_str("type"),
            Ty::List(e) => write!(f, "list({e})"),
            Ty::Map(k, v) => write!(f, "map({k}, {v})"),
            Ty::Object { .. } => f.write_str("object"),
            Ty::Optional(t) => write!(f, "optional_type({t})"),
            Ty::Opaque(name) => f.write_str(name),
            Ty::Dyn => f.write_str("dyn"),
        }
    }
}

impl Ty {
    pub(super) fn list(elem: Ty) -> Ty {
        Ty::List(Box::new(elem))
    }

    pub(super) fn map(key: Ty, value: Ty) -> Ty {
        Ty::Map(Box::new(key), Box::new(value))
    }

    pub(super) fn optional(t: Ty) -> Ty {
        Ty::Optional(Box::new(t))
    }

    pub(super) fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Uint | Ty::Double)
    }

    /// Whether a value of type `other` may stand where `self` is expected (or the other way
    /// round): equal types, `dyn` on either side, `null` against anything, or containers
    /// whose parameters are compatible. Lenient where kube-apiserver's checker would need
    /// information this one does not keep.
    pub(super) fn compatible(&self, other: &Ty) -> bool {
        match (self, other) {
            (Ty::Dyn, _) | (_, Ty::Dyn) | (Ty::Null, _) | (_, Ty::Null) => true,
            (Ty::List(a), Ty::List(b)) => a.compatible(b),
            (Ty::Map(ka, va), Ty::Map(kb, vb)) => ka.compatible(kb) && va.compatible(vb),
            (Ty::Optional(a), Ty::Optional(b)) => a.compatible(b),
            (Ty::Object { .. }, Ty::Object { .. }) => true,
            (a, b) => a == b,
        }
    }

    /// The common type of two branches (of `?:`, list elements): the more specific one when
    /// compatible, else `dyn`.
    pub(super) fn join(&self, other: &Ty) -> Ty {
        match (self, other) {
            (Ty::Dyn, t) | (t, Ty::Dyn) | (Ty::Null, t) | (t, Ty::Null) => t.clone(),
            (Ty::List(a), Ty::List(b)) => Ty::list(a.join(b)),
            (Ty::Map(ka, va), Ty::Map(kb, vb)) => Ty::map(ka.join(kb), va.join(vb)),
            (Ty::Optional(a), Ty::Optional(b)) => Ty::optional(a.join(b)),
            (a, b) if a.compatible(b) => a.clone(),
            _ => Ty::Dyn,
        }
    }
}

/// The type of `self` for a rule on the schema node `node`; `root` for the resource root
/// (whose `apiVersion`, `kind` and `metadata.name`/`generateName` are declared whatever the
/// schema says, as for embedded resources).
pub(super) fn schema_type(node: &Map<String, Value>, root: bool) -> Ty {
    if flag(node, "x-kubernetes-int-or-string") {
        return Ty::Dyn;
    }
    let embedded = root || flag(node, "x-kubernetes-embedded-resource");
    match node.get("type").and_then(Value::as_str).unwrap_or("") {
        "boolean" => Ty::Bool,
        "integer" => Ty::Int,
        "number" => Ty::Double,
        "string" => match node.get("format").and_then(Value::as_str) {
            Some("byte") => Ty::Bytes,
            Some("duration") => Ty::Duration,
            Some("date" | "date-time") => Ty::Timestamp,
            _ => Ty::String,
        },
        "array" => Ty::list(
            node.get("items")
                .and_then(Value::as_object)
                .map_or(Ty::Dyn, |items| schema_type(items, false)),
        ),
        "object" | "" => object_type(node, embedded),
        _ => Ty::Dyn,
    }
}

fn object_type(node: &Map<String, Value>, embedded: bool) -> Ty {
    let preserve = flag(node, "x-kubernetes-preserve-unknown-fields");
    let props = node.get("properties").and_then(Value::as_object);
    if props.is_none() && !embedded {
        match node.get("additionalProperties") {
            Some(Value::Object(schema)) => {
                return Ty::map(Ty::String, schema_type(schema, false));
            }
            Some(Value::Bool(true)) => return Ty::map(Ty::String, Ty::Dyn),
            _ => {}
        }
        if preserve || node.get("type").is_none() {
            return Ty::Dyn;
        }
    }
    let mut fields: BTreeMap<String, Ty> = props
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((escape(k)?, schema_type(v.as_object()?, false))))
        .collect();
    if embedded {
        fields.insert("apiVersion".into(), Ty::String);
        fields.insert("kind".into(), Ty::String);
        let mut meta = BTreeMap::new();
        meta.insert("name".into(), Ty::String);
        meta.insert("generateName".into(), Ty::String);
        fields.insert(
            "metadata".into(),
            Ty::Object {
                fields: meta,
                open: false,
            },
        );
    }
    Ty::Object {
        fields,
        open: preserve,
    }
}

fn flag(node: &Map<String, Value>, key: &str) -> bool {
    node.get(key).and_then(Value::as_bool) == Some(true)
}

/// CEL's reserved words: a property named so is reached as `__{word}__`.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// The name a property is selected by in CEL, as kube-apiserver escapes it (`__dash__`,
/// `__dot__`, `__slash__`, `__underscores__`, `__{keyword}__`); `None` when it cannot be
/// (a property starting with a digit, or with other characters).
pub(super) fn escape(name: &str) -> Option<String> {
    if RESERVED.contains(&name) {
        return Some(format!("__{name}__"));
    }
    let first = name.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("__") {
            out.push_str("__underscores__");
            rest = &rest[2..];
            continue;
        }
        match c {
            '.' => out.push_str("__dot__"),
            '-' => out.push_str("__dash__"),
            '/' => out.push_str("__slash__"),
            c if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
            _ => return None,
        }
        rest = &rest[c.len_utf8()..];
    }
    Some(out)
}

/// A rule's `fieldPath` (`.a.b`, `.a['k']`) resolved against the schema node holding the
/// rule, as field path text (`a.b`, `a[k]`); `None` when it does not name a declared field or
/// map entry.
pub(super) fn field_path(node: &Map<String, Value>, path: &str) -> Option<String> {
    let mut out = String::new();
    let mut schema = node;
    let mut rest = path;
    while !rest.is_empty() {
        let name: String;
        if let Some(after) = rest.strip_prefix('[') {
            let quoted = after.strip_prefix('\'')?;
            let end = quoted.find("']")?;
            name = quoted[..end].replace("\\'", "'");
            rest = &quoted[end + 2..];
        } else if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            name = after[..end].to_owned();
            rest = &after[end..];
        } else {
            return None;
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            schema = props.get(&name)?.as_object()?;
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&name);
        } else if let Some(values) = schema
            .get("additionalProperties")
            .and_then(Value::as_object)
        {
            schema = values;
            out.push_str(&format!("[{name}]"));
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn schema_types_and_escaped_names() {
        let schema = json!({"type": "object", "properties": {
            "replicas": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "port": {"x-kubernetes-int-or-string": true},
            "created": {"type": "string", "format": "date-time"},
            "dash-name": {"type": "string"}}});
        let Ty::Object { fields, open } = schema_type(schema.as_object().unwrap(), true) else {
            panic!("object expected");
        };
        assert!(!open);
        assert_eq!(fields["replicas"], Ty::Int);
        assert_eq!(fields["tags"].to_string(), "list(string)");
        assert_eq!(fields["labels"].to_string(), "map(string, string)");
        assert_eq!(fields["port"], Ty::Dyn);
        assert_eq!(fields["created"], Ty::Timestamp);
        assert_eq!(fields["dash__dash__name"], Ty::String);
        assert_eq!(fields["kind"], Ty::String);
        assert_eq!(escape("namespace").as_deref(), Some("__namespace__"));
        assert_eq!(escape("a__b").as_deref(), Some("a__underscores__b"));
        assert_eq!(escape("1a"), None);
        let node = schema.as_object().unwrap();
        assert_eq!(field_path(node, ".replicas").as_deref(), Some("replicas"));
        assert_eq!(
            field_path(node, ".labels['a.b']").as_deref(),
            Some("labels[a.b]")
        );
        assert_eq!(
            field_path(node, "['dash-name']").as_deref(),
            Some("dash-name")
        );
        assert_eq!(field_path(node, ".missing"), None);
        assert_eq!(field_path(node, "replicas"), None);
    }
}
