//! Schema-aware walks over JSON objects for server-side apply: the field set of an applied
//! configuration, the comparison of two objects, the merge of a configuration into a live
//! object and the removal of fields an applier gave up.
//!
//! Lists are walked per item where the schema makes them associative (keyed items) or sets
//! (primitive values); everything else below a list is one atomic leaf. Live objects may
//! hold lists that cannot be keyed (an item lacks a key field, or keys repeat): those are
//! treated as atomic rather than failing, since the stored object is what it is.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::fields::{FieldSet, Path, PathElement, canonical_json};
use super::schema::{self, Field, SsaList};

/// How strictly list items must match their list type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The applied configuration: violations are errors.
    Strict,
    /// Stored objects: unkeyable lists are treated as atomic.
    Lenient,
}

/// The path elements of a list's items, or `None` if the list is atomic.
pub(crate) fn list_elements(
    items: &[Value],
    ssa: SsaList,
    mode: Mode,
) -> Result<Option<Vec<PathElement>>, String> {
    let pes = match ssa {
        SsaList::Atomic => return Ok(None),
        SsaList::Set => {
            let mut pes = Vec::with_capacity(items.len());
            for item in items {
                if item.is_object() || item.is_array() {
                    return lenient(mode, "expected a list of primitives".to_string());
                }
                pes.push(PathElement::Value(canonical_json(item)));
            }
            pes
        }
        SsaList::Map(keys) => {
            let mut pes = Vec::with_capacity(items.len());
            for item in items {
                let Some(obj) = item.as_object() else {
                    return lenient(mode, format!("expected map, got {}", json_kind(item)));
                };
                let mut key = Map::new();
                let mut sorted = keys.to_vec();
                sorted.sort_by_key(|k| k.name);
                for kf in sorted {
                    match (obj.get(kf.name), kf.default) {
                        (Some(v), _) if !v.is_null() => {
                            key.insert(kf.name.to_string(), v.clone());
                        }
                        (_, Some(default)) => {
                            key.insert(kf.name.to_string(), Value::String(default.to_string()));
                        }
                        _ => {
                            return lenient(
                                mode,
                                format!(
                                    "associative list with keys has an element that omits key field {:?} (and doesn't have default value)",
                                    kf.name
                                ),
                            );
                        }
                    }
                }
                pes.push(PathElement::Key(canonical_json(&Value::Object(key))));
            }
            pes
        }
    };
    let mut seen = HashSet::with_capacity(pes.len());
    for pe in &pes {
        if !seen.insert(pe) {
            return lenient(mode, format!("duplicate entries for key {pe}"));
        }
    }
    Ok(Some(pes))
}

fn lenient(mode: Mode, msg: String) -> Result<Option<Vec<PathElement>>, String> {
    match mode {
        Mode::Strict => Err(msg),
        Mode::Lenient => Ok(None),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

fn child(path: &Path, pe: PathElement) -> Path {
    let mut p = path.clone();
    p.push(pe);
    p
}

/// The schema entry for the items of list field `field`.
fn item_field(field: Field) -> Field {
    Field::object(field.ty)
}

/// The fields an applied configuration sets (structured-merge-diff's `ToFieldSet`): every
/// leaf, every list item, every empty or null object; not the objects that merely lead to
/// them.
pub(crate) fn to_field_set(obj: &Value, root: schema::Ty) -> Result<FieldSet, String> {
    let mut out = FieldSet::new();
    if let Value::Object(m) = obj {
        object_fields(m, root, &Vec::new(), &mut out)?;
    }
    Ok(out)
}

fn object_fields(
    m: &Map<String, Value>,
    ty: schema::Ty,
    path: &Path,
    out: &mut FieldSet,
) -> Result<(), String> {
    for (k, v) in m {
        let field = schema::lookup(ty, k);
        let p = child(path, PathElement::Field(k.clone()));
        match v {
            Value::Object(c) if !c.is_empty() => object_fields(c, field.ty, &p, out)?,
            Value::Array(items) => {
                let pes = list_elements(items, field.ssa, Mode::Strict)
                    .map_err(|e| format!("{}: {e}", super::fields::path_string(&p)))?;
                match pes {
                    None => out.insert(p),
                    Some(pes) => {
                        for (pe, item) in pes.into_iter().zip(items) {
                            let ip = child(&p, pe);
                            if let Value::Object(c) = item {
                                object_fields(c, field.ty, &ip, out)?;
                            }
                            out.insert(ip);
                        }
                    }
                }
            }
            _ => out.insert(p),
        }
    }
    Ok(())
}

/// What changed between two objects (structured-merge-diff's `Comparison`).
#[derive(Debug, Default)]
pub(crate) struct Comparison {
    /// Every node that exists only in the new object.
    pub added: FieldSet,
    /// Leaves (and atomic values) whose value differs.
    pub modified: FieldSet,
    /// Every node that exists only in the old object.
    pub removed: FieldSet,
}

/// Compares `old` with `new`.
pub(crate) fn compare(old: &Value, new: &Value, root: schema::Ty) -> Comparison {
    let mut c = Comparison::default();
    compare_node(
        &Vec::new(),
        Field::object(root),
        Some(old),
        Some(new),
        &mut c,
    );
    c
}

fn compare_node(
    path: &Path,
    field: Field,
    old: Option<&Value>,
    new: Option<&Value>,
    c: &mut Comparison,
) {
    match (old, new) {
        (None, None) => {}
        (None, Some(n)) => subtree(path, field, n, &mut c.added),
        (Some(o), None) => subtree(path, field, o, &mut c.removed),
        (Some(Value::Object(o)), Some(Value::Object(n))) => {
            for (k, ov) in o {
                let p = child(path, PathElement::Field(k.clone()));
                compare_node(&p, schema::lookup(field.ty, k), Some(ov), n.get(k), c);
            }
            for (k, nv) in n {
                if !o.contains_key(k) {
                    let p = child(path, PathElement::Field(k.clone()));
                    subtree(&p, schema::lookup(field.ty, k), nv, &mut c.added);
                }
            }
        }
        (Some(Value::Array(o)), Some(Value::Array(n))) => {
            let keyed = (
                list_elements(o, field.ssa, Mode::Lenient),
                list_elements(n, field.ssa, Mode::Lenient),
            );
            let (Ok(Some(ope)), Ok(Some(npe))) = keyed else {
                if o != n {
                    c.modified.insert(path.clone());
                }
                return;
            };
            let olds: HashMap<&PathElement, &Value> = ope.iter().zip(o).collect();
            let news: HashMap<&PathElement, &Value> = npe.iter().zip(n).collect();
            let item = item_field(field);
            for (pe, ov) in ope.iter().zip(o) {
                compare_node(
                    &child(path, pe.clone()),
                    item,
                    Some(ov),
                    news.get(pe).copied(),
                    c,
                );
            }
            for (pe, nv) in npe.iter().zip(n) {
                if !olds.contains_key(pe) {
                    subtree(&child(path, pe.clone()), item, nv, &mut c.added);
                }
            }
        }
        // A null stands for an unset container (Go's nil slice or map): filling it in
        // adds what's inside, not the container itself.
        (Some(Value::Null), Some(n)) if n.is_object() || n.is_array() => {
            children(path, field, n, &mut c.added);
        }
        (Some(o), Some(Value::Null)) if o.is_object() || o.is_array() => {
            children(path, field, o, &mut c.removed);
        }
        (Some(o), Some(n)) => {
            if o != n {
                c.modified.insert(path.clone());
                // A container turned into something else: its old contents are gone and
                // the new ones appeared.
                children(path, field, o, &mut c.removed);
                children(path, field, n, &mut c.added);
            }
        }
    }
}

/// `path` and every node below it.
fn subtree(path: &Path, field: Field, v: &Value, out: &mut FieldSet) {
    out.insert(path.clone());
    children(path, field, v, out);
}

/// Every node strictly below `path`.
fn children(path: &Path, field: Field, v: &Value, out: &mut FieldSet) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let p = child(path, PathElement::Field(k.clone()));
                subtree(&p, schema::lookup(field.ty, k), c, out);
            }
        }
        Value::Array(items) => {
            if let Ok(Some(pes)) = list_elements(items, field.ssa, Mode::Lenient) {
                for (pe, item) in pes.into_iter().zip(items) {
                    subtree(&child(path, pe), item_field(field), item, out);
                }
            }
        }
        _ => {}
    }
}

/// Merges an applied configuration into a live object (structured-merge-diff's `Merge`):
/// configuration values win, objects merge field by field, associative lists and sets
/// merge per item keeping the live order for items only the live object has.
pub(crate) fn merge(live: &Value, config: &Value, root: schema::Ty) -> Result<Value, String> {
    merge_value(&Vec::new(), Field::object(root), Some(live), config)
}

fn merge_value(
    path: &Path,
    field: Field,
    live: Option<&Value>,
    config: &Value,
) -> Result<Value, String> {
    match (live, config) {
        (Some(Value::Object(l)), Value::Object(c)) => {
            let mut out = l.clone();
            for (k, cv) in c {
                if cv.is_null() {
                    out.remove(k);
                    continue;
                }
                let p = child(path, PathElement::Field(k.clone()));
                let merged = merge_value(&p, schema::lookup(field.ty, k), l.get(k), cv)?;
                out.insert(k.clone(), merged);
            }
            Ok(Value::Object(out))
        }
        (Some(Value::Array(l)), Value::Array(c)) => {
            let cpes = list_elements(c, field.ssa, Mode::Strict)
                .map_err(|e| format!("{}: {e}", super::fields::path_string(path)))?;
            let lpes = list_elements(l, field.ssa, Mode::Lenient).ok().flatten();
            match (lpes, cpes) {
                (Some(lpes), Some(cpes)) => merge_list(path, field, l, &lpes, c, &cpes),
                _ => Ok(without_nulls(config)),
            }
        }
        (None, Value::Object(_)) => {
            merge_value(path, field, Some(&Value::Object(Map::new())), config)
        }
        _ => Ok(without_nulls(config)),
    }
}

/// Merges two keyed lists: shared and new items in the configuration's order, live-only
/// items kept where they were relative to the shared ones.
fn merge_list(
    path: &Path,
    field: Field,
    live: &[Value],
    lpes: &[PathElement],
    config: &[Value],
    cpes: &[PathElement],
) -> Result<Value, String> {
    let live_by: HashMap<&PathElement, &Value> = lpes.iter().zip(live).collect();
    let config_by: HashMap<&PathElement, &Value> = cpes.iter().zip(config).collect();
    let item = item_field(field);
    let merge_item = |pe: &PathElement, l: Option<&Value>, c: &Value| {
        merge_value(&child(path, pe.clone()), item, l, c)
    };
    // The shared items in configuration order: a live item waits for its turn.
    let mut shared = cpes.iter().filter(|pe| live_by.contains_key(pe)).peekable();
    let mut done: HashSet<&PathElement> = HashSet::new();
    let mut out = Vec::with_capacity(live.len().max(config.len()));
    let (mut li, mut ri) = (0, 0);
    while li < lpes.len() || ri < cpes.len() {
        if li < lpes.len() && ri < cpes.len() {
            let pe = &lpes[li];
            if *pe == cpes[ri] {
                out.push(merge_item(pe, Some(&live[li]), &config[ri])?);
                done.insert(pe);
                if shared.peek() == Some(&pe) {
                    shared.next();
                }
                li += 1;
                ri += 1;
                continue;
            }
            if config_by.contains_key(pe) && shared.peek().is_some_and(|next| *next != pe) {
                li += 1;
                continue;
            }
        }
        if li < lpes.len() {
            let pe = &lpes[li];
            if !config_by.contains_key(pe) {
                out.push(without_nulls(&live[li]));
                li += 1;
                continue;
            }
            if done.contains(pe) {
                li += 1;
                continue;
            }
        }
        if ri < cpes.len() {
            let pe = &cpes[ri];
            if done.insert(pe) {
                out.push(merge_item(pe, live_by.get(pe).copied(), &config[ri])?);
            }
            if shared.peek() == Some(&pe) {
                shared.next();
            }
            ri += 1;
        }
    }
    Ok(Value::Array(out))
}

/// `v` with null object fields dropped at every level (null means unset).
pub(crate) fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Removes from `obj` every node for which `remove` says so, together with everything
/// below it; nodes that stay are searched further.
pub(crate) fn remove_where(obj: &mut Value, root: schema::Ty, remove: &dyn Fn(&Path) -> bool) {
    prune_node(&Vec::new(), Field::object(root), obj, remove);
}

fn prune_node(path: &Path, field: Field, v: &mut Value, remove: &dyn Fn(&Path) -> bool) {
    match v {
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                let p = child(path, PathElement::Field(k.clone()));
                if remove(&p) {
                    m.remove(&k);
                } else if let Some(c) = m.get_mut(&k) {
                    prune_node(&p, schema::lookup(field.ty, &k), c, remove);
                }
            }
        }
        Value::Array(items) => {
            let Ok(Some(pes)) = list_elements(items, field.ssa, Mode::Lenient) else {
                return;
            };
            let item = item_field(field);
            let mut kept = Vec::with_capacity(items.len());
            for (pe, mut it) in pes.into_iter().zip(std::mem::take(items)) {
                let p = child(path, pe);
                if !remove(&p) {
                    prune_node(&p, item, &mut it, remove);
                    kept.push(it);
                }
            }
            *items = kept;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::fields::path_string;
    use serde_json::json;

    fn paths(set: &FieldSet) -> Vec<String> {
        set.iter().map(|p| path_string(p)).collect()
    }

    #[test]
    fn field_set_of_an_applied_deployment() {
        let cfg = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {}, "spec": {"containers": [
                    {"name": "nginx", "image": "nginx:1", "ports": [{"containerPort": 80}],
                     "args": ["a", "b"]}]}}}
        });
        let set = to_field_set(&cfg, schema::root("apps", "Deployment")).unwrap();
        assert_eq!(
            paths(&set),
            vec![
                ".apiVersion",
                ".kind",
                ".metadata.labels.app",
                ".metadata.name",
                ".spec.replicas",
                ".spec.selector.matchLabels.app",
                ".spec.template.metadata",
                r#".spec.template.spec.containers[name="nginx"]"#,
                r#".spec.template.spec.containers[name="nginx"].args"#,
                r#".spec.template.spec.containers[name="nginx"].image"#,
                r#".spec.template.spec.containers[name="nginx"].name"#,
                r#".spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"]"#,
                r#".spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort"#,
            ]
        );
    }

    #[test]
    fn strict_lists_reject_missing_keys_and_duplicates() {
        let root = schema::root("", "Pod");
        let missing = json!({"spec": {"containers": [{"image": "x"}]}});
        let err = to_field_set(&missing, root).unwrap_err();
        assert!(
            err.starts_with(".spec.containers: associative list"),
            "{err}"
        );
        let dup = json!({"spec": {"containers": [{"name": "a"}, {"name": "a"}]}});
        let err = to_field_set(&dup, root).unwrap_err();
        assert_eq!(
            err,
            r#".spec.containers: duplicate entries for key [name="a"]"#
        );
        let dup_set = json!({"metadata": {"finalizers": ["x", "x"]}});
        assert!(to_field_set(&dup_set, root).is_err());
    }

    #[test]
    fn compare_reports_added_modified_removed_nodes() {
        let root = schema::root("", "Pod");
        let old = json!({"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b"}]}});
        let new = json!({"spec": {"containers": [{"name": "a", "image": "2", "env": [{"name": "X", "value": "1"}]}]}});
        let c = compare(&old, &new, root);
        assert_eq!(
            paths(&c.modified),
            vec![r#".spec.containers[name="a"].image"#]
        );
        assert_eq!(
            paths(&c.added),
            vec![
                r#".spec.containers[name="a"].env"#,
                r#".spec.containers[name="a"].env[name="X"]"#,
                r#".spec.containers[name="a"].env[name="X"].name"#,
                r#".spec.containers[name="a"].env[name="X"].value"#,
            ]
        );
        assert_eq!(
            paths(&c.removed),
            vec![
                r#".spec.containers[name="b"]"#,
                r#".spec.containers[name="b"].name"#
            ]
        );
    }

    #[test]
    fn merge_keeps_live_only_items_in_place_and_config_order_for_the_rest() {
        let root = schema::root("", "Pod");
        let live = json!({"metadata": {"uid": "u"}, "spec": {"containers": [
            {"name": "a", "image": "1", "imagePullPolicy": "Always"},
            {"name": "sidecar", "image": "s"},
            {"name": "b", "image": "1"}]}});
        let cfg = json!({"spec": {"containers": [
            {"name": "b", "image": "2"}, {"name": "a", "image": "2"}, {"name": "c", "image": "3"}],
            "nodeName": null}});
        let merged = merge(&live, &cfg, root).unwrap();
        let names: Vec<&str> = merged["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["sidecar", "b", "a", "c"]);
        assert_eq!(merged["spec"]["containers"][2]["imagePullPolicy"], "Always");
        assert_eq!(merged["spec"]["containers"][2]["image"], "2");
        assert_eq!(merged["metadata"]["uid"], "u");
    }

    #[test]
    fn merge_replaces_atomic_lists_and_unions_sets() {
        let root = schema::root("", "Pod");
        let live = json!({"metadata": {"finalizers": ["a", "b"]}, "spec": {"tolerations": [{"key": "x"}]}});
        let cfg = json!({"metadata": {"finalizers": ["c", "a"]}, "spec": {"tolerations": [{"key": "y"}]}});
        let merged = merge(&live, &cfg, root).unwrap();
        assert_eq!(merged["metadata"]["finalizers"], json!(["c", "a", "b"]));
        assert_eq!(merged["spec"]["tolerations"], json!([{"key": "y"}]));
    }

    #[test]
    fn remove_where_drops_whole_subtrees() {
        let root = schema::root("", "Pod");
        let mut obj = json!({"metadata": {"labels": {"a": "1", "b": "2"}},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        let drop: FieldSet = [
            vec![
                PathElement::Field("metadata".into()),
                PathElement::Field("labels".into()),
                PathElement::Field("a".into()),
            ],
            vec![
                PathElement::Field("spec".into()),
                PathElement::Field("containers".into()),
                PathElement::Key(r#"{"name":"b"}"#.into()),
            ],
        ]
        .into_iter()
        .collect();
        remove_where(&mut obj, root, &|p| drop.contains(p));
        assert_eq!(
            obj,
            json!({"metadata": {"labels": {"b": "2"}}, "spec": {"containers": [{"name": "a"}]}})
        );
    }
}
