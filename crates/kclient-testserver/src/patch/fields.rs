//! Field sets (structured-merge-diff's `fieldpath.Set`) and their `FieldsV1` encoding in
//! `metadata.managedFields[].fieldsV1`.
//!
//! A set holds paths; a path is a sequence of elements: a field name (`f:name`), an
//! associative-list item by its key fields (`k:{"name":"nginx"}`), a set member by value
//! (`v:"example.com/finalizer"`) or a list index (`i:0`). In the encoded tree, `{}` marks a
//! member leaf and `".": {}` marks a member that also has members below it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PathElement {
    /// An object field.
    Field(String),
    /// An associative-list item: its key fields as canonical JSON (sorted keys).
    Key(String),
    /// A set member: its value as canonical JSON.
    Value(String),
    /// A list position (only found in sets written by other servers).
    Index(usize),
}

/// A path from the object's root.
pub(crate) type Path = Vec<PathElement>;

/// JSON text with object keys sorted, so equal values always encode the same way.
pub(crate) fn canonical_json(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let ordered: BTreeMap<&String, Value> =
                    m.iter().map(|(k, v)| (k, sorted(v))).collect();
                let mut out = Map::new();
                for (k, v) in ordered {
                    out.insert(k.clone(), v);
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v).to_string()
}

impl PathElement {
    /// The `fieldsV1` key for this element.
    fn encode(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(json) => format!("k:{json}"),
            PathElement::Value(json) => format!("v:{json}"),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    fn decode(s: &str) -> Result<Self, String> {
        let (prefix, rest) = s
            .split_once(':')
            .ok_or_else(|| format!("invalid path element {s:?}: missing prefix"))?;
        match prefix {
            "f" => Ok(PathElement::Field(rest.to_string())),
            "k" => match serde_json::from_str::<Value>(rest) {
                Ok(v @ Value::Object(_)) => Ok(PathElement::Key(canonical_json(&v))),
                _ => Err(format!("invalid key {rest:?} in path element {s:?}")),
            },
            "v" => serde_json::from_str::<Value>(rest)
                .map(|v| PathElement::Value(canonical_json(&v)))
                .map_err(|e| format!("invalid value in path element {s:?}: {e}")),
            "i" => rest
                .parse()
                .map(PathElement::Index)
                .map_err(|_| format!("invalid index in path element {s:?}")),
            _ => Err(format!("unknown prefix {prefix:?} in path element {s:?}")),
        }
    }

    /// The key fields of a [`PathElement::Key`].
    pub(crate) fn key_fields(&self) -> Option<Map<String, Value>> {
        match self {
            PathElement::Key(json) => serde_json::from_str(json).ok(),
            _ => None,
        }
    }
}

/// structured-merge-diff's `value.ToString`: strings quoted, everything else as JSON.
fn value_to_string(v: &Value) -> String {
    v.to_string()
}

impl fmt::Display for PathElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Key(_) => {
                let fields = self.key_fields().unwrap_or_default();
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", value_to_string(v)))
                    .collect();
                write!(f, "[{}]", parts.join(","))
            }
            PathElement::Value(json) => {
                let v: Value = serde_json::from_str(json).unwrap_or(Value::Null);
                write!(f, "[={}]", value_to_string(&v))
            }
            PathElement::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A path as kube-apiserver prints it in conflict messages: `.spec.containers[name="a"].image`.
pub(crate) fn path_string(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// A set of field paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldSet(BTreeSet<Path>);

impl FieldSet {
    /// The empty set.
    pub(crate) fn new() -> Self {
        FieldSet::default()
    }

    pub(crate) fn insert(&mut self, path: Path) {
        self.0.insert(path);
    }

    pub(crate) fn contains(&self, path: &[PathElement]) -> bool {
        self.0.contains(path)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Path> {
        self.0.iter()
    }

    pub(crate) fn union(&self, other: &FieldSet) -> FieldSet {
        FieldSet(self.0.union(&other.0).cloned().collect())
    }

    pub(crate) fn difference(&self, other: &FieldSet) -> FieldSet {
        FieldSet(self.0.difference(&other.0).cloned().collect())
    }

    pub(crate) fn intersection(&self, other: &FieldSet) -> FieldSet {
        FieldSet(self.0.intersection(&other.0).cloned().collect())
    }

    pub(crate) fn remove(&mut self, path: &[PathElement]) {
        self.0.remove(path);
    }

    /// The set plus every field-named ancestor of its members (structured-merge-diff's
    /// `EnsureNamedFieldsAreMembers`, treating every object as a struct).
    pub(crate) fn with_named_ancestors(&self) -> FieldSet {
        let mut out = self.0.clone();
        for path in &self.0 {
            for len in 1..path.len() {
                if matches!(path[len - 1], PathElement::Field(_)) {
                    out.insert(path[..len].to_vec());
                }
            }
        }
        FieldSet(out)
    }

    /// Encodes the set as a `fieldsV1` tree.
    pub(crate) fn to_fields_v1(&self) -> Value {
        #[derive(Default)]
        struct Node {
            member: bool,
            children: BTreeMap<PathElement, Node>,
        }
        fn encode(node: &Node) -> Value {
            let mut obj = Map::new();
            if node.member && !node.children.is_empty() {
                obj.insert(".".to_string(), Value::Object(Map::new()));
            }
            for (pe, child) in &node.children {
                obj.insert(pe.encode(), encode(child));
            }
            Value::Object(obj)
        }
        let mut root = Node::default();
        for path in &self.0 {
            let mut node = &mut root;
            for pe in path {
                node = node.children.entry(pe.clone()).or_default();
            }
            node.member = true;
        }
        encode(&root)
    }

    /// Decodes a `fieldsV1` tree.
    pub(crate) fn from_fields_v1(v: &Value) -> Result<FieldSet, String> {
        fn walk(v: &Value, prefix: &mut Path, out: &mut BTreeSet<Path>) -> Result<(), String> {
            let obj = v
                .as_object()
                .ok_or_else(|| format!("expected an object in fieldsV1, got {v}"))?;
            for (k, child) in obj {
                if k == "." {
                    continue;
                }
                prefix.push(PathElement::decode(k)?);
                let child_obj = child
                    .as_object()
                    .ok_or_else(|| format!("expected an object in fieldsV1 at {k:?}"))?;
                if child_obj.is_empty() || child_obj.contains_key(".") {
                    out.insert(prefix.clone());
                }
                walk(child, prefix, out)?;
                prefix.pop();
            }
            Ok(())
        }
        let mut out = BTreeSet::new();
        walk(v, &mut Vec::new(), &mut out)?;
        Ok(FieldSet(out))
    }
}

impl FromIterator<Path> for FieldSet {
    fn from_iter<I: IntoIterator<Item = Path>>(iter: I) -> Self {
        FieldSet(iter.into_iter().collect())
    }
}

/// Builds a path from dotted field names, for tests and fixed paths.
pub(crate) fn field_path(names: &[&str]) -> Path {
    names
        .iter()
        .map(|n| PathElement::Field((*n).to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(name: &str) -> PathElement {
        PathElement::Field(name.to_string())
    }

    fn k(v: Value) -> PathElement {
        PathElement::Key(canonical_json(&v))
    }

    #[test]
    fn encodes_members_and_dot_markers_like_kube_apiserver() {
        let container = vec![f("spec"), f("containers"), k(json!({"name": "nginx"}))];
        let mut set = FieldSet::new();
        set.insert(vec![f("metadata"), f("labels"), f("app")]);
        set.insert(container.clone());
        let mut image = container.clone();
        image.push(f("image"));
        set.insert(image);
        let mut name = container;
        name.push(f("name"));
        set.insert(name);
        set.insert(vec![
            f("metadata"),
            f("finalizers"),
            PathElement::Value(canonical_json(&json!("a/b"))),
        ]);
        let encoded = set.to_fields_v1();
        assert_eq!(
            encoded,
            json!({
                "f:metadata": {"f:labels": {"f:app": {}}, "f:finalizers": {"v:\"a/b\"": {}}},
                "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                    ".": {}, "f:image": {}, "f:name": {}
                }}}
            })
        );
        assert_eq!(FieldSet::from_fields_v1(&encoded).unwrap(), set);
    }

    #[test]
    fn keys_are_canonical_and_print_like_structured_merge_diff() {
        let pe = PathElement::decode(r#"k:{"protocol":"TCP","containerPort":80}"#).unwrap();
        assert_eq!(pe.encode(), r#"k:{"containerPort":80,"protocol":"TCP"}"#);
        let path = vec![f("spec"), f("ports"), pe, f("name")];
        assert_eq!(
            path_string(&path),
            r#".spec.ports[containerPort=80,protocol="TCP"].name"#
        );
        let v = vec![f("finalizers"), PathElement::decode(r#"v:"x""#).unwrap()];
        assert_eq!(path_string(&v), r#".finalizers[="x"]"#);
        assert_eq!(path_string(&[f("a"), PathElement::Index(3)]), ".a[3]");
    }

    #[test]
    fn rejects_malformed_fields_v1() {
        assert!(FieldSet::from_fields_v1(&json!({"x:a": {}})).is_err());
        assert!(FieldSet::from_fields_v1(&json!({"f:a": 1})).is_err());
        assert!(FieldSet::from_fields_v1(&json!({"k:[1]": {}})).is_err());
        assert!(FieldSet::from_fields_v1(&json!([])).is_err());
    }

    #[test]
    fn named_ancestors_are_added() {
        let set: FieldSet = [vec![f("spec"), f("template"), f("spec")]]
            .into_iter()
            .collect();
        let named = set.with_named_ancestors();
        assert_eq!(named.len(), 3);
        assert!(named.contains(&[f("spec"), f("template")]));
    }
}
