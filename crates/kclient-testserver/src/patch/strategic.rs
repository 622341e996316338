//! Strategic merge patch (`application/strategic-merge-patch+json`) for the built-in kinds,
//! as apimachinery's `strategicpatch` package applies it on the server.
//!
//! Objects merge field by field and `null` deletes a field. Lists merge per the field's
//! patch strategy (the built-in schema table): by merge key (items with the same key merge, new ones
//! join), as a set of primitives, or (no strategy) by replacement. The directives kubectl
//! sends are honoured and never left in the result: `$patch: replace|delete` on maps and list
//! items, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>` and `$retainKeys`.
//!
//! Item order follows apimachinery: `$setElementOrder` first, then the patch's order, then
//! the original's; items only the patch has (and no order directive places) come first.

use serde_json::{Map, Value};

use super::PatchRequestError;
use super::schema::{self, Field, SmpList, Ty};

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ELEMENT_ORDER: &str = "$setElementOrder";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";

const ERR_PRIMITIVE_LIST: &str = "invalid patch format of primitive list";
const ERR_RETAIN_KEYS: &str = "invalid patch format of retainKeys";
const ERR_SET_ELEMENT_ORDER: &str = "invalid patch format of setElementOrder list";
const ERR_LIST_OF_LISTS: &str = "lists of lists are not supported";

/// Applies strategic merge patch `patch` to `original`, an object of `group`/`kind`.
pub fn strategic_merge(
    original: &Value,
    patch: &Value,
    group: &str,
    kind: &str,
) -> Result<Value, PatchRequestError> {
    let patch = match patch {
        Value::Object(p) => p.clone(),
        // Go decodes `null` into an empty patch.
        Value::Null => return Ok(original.clone()),
        other => {
            return Err(PatchRequestError::BadRequest(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                go_json_kind(other)
            )));
        }
    };
    let original = match original {
        Value::Object(o) => o.clone(),
        Value::Null => Map::new(),
        _ => {
            return Err(PatchRequestError::BadRequest(
                "invalid JSON document".into(),
            ));
        }
    };
    merge_map(original, patch, schema::root(group, kind)).map(Value::Object)
}

/// The JSON type name Go's decoder uses in "cannot unmarshal X" messages.
pub(crate) fn go_json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The Go type a decoded JSON value has (`reflect.TypeOf`).
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// A decoded JSON value as Go's `%v` prints it.
fn go_fmt(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_fmt).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => go_fmt_map(m),
    }
}

fn go_fmt_map(m: &Map<String, Value>) -> String {
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    entries.sort_by_key(|(k, _)| *k);
    let parts: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{k}:{}", go_fmt(v)))
        .collect();
    format!("map[{}]", parts.join(" "))
}

fn err_bad_arg_type(expected: &str, actual: &Value) -> PatchRequestError {
    PatchRequestError::Failed(format!(
        "expected a {expected}, but received a {}",
        go_type(actual)
    ))
}

fn err_no_merge_key(m: &Map<String, Value>, key: &str) -> PatchRequestError {
    PatchRequestError::Failed(format!(
        "map: {} does not contain declared merge key: {key}",
        go_fmt_map(m)
    ))
}

fn err_bad_patch_type(t: &Value, m: &Map<String, Value>) -> PatchRequestError {
    PatchRequestError::Failed(format!(
        "unknown patch type: {} in map: {}",
        go_fmt(t),
        go_fmt_map(m)
    ))
}

const SLICE: &str = "[]interface {}";
const MAP: &str = "map[string]interface {}";

/// The field a `$setElementOrder/x` or `$deleteFromPrimitiveList/x` key refers to.
fn directive_target<'a>(
    key: &'a str,
    prefix: &str,
    err: &str,
) -> Result<&'a str, PatchRequestError> {
    key.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('/'))
        .ok_or_else(|| PatchRequestError::BadRequest(err.to_string()))
}

fn is_directive_key(k: &str) -> bool {
    k == DIRECTIVE
        || k == RETAIN_KEYS
        || k.starts_with(SET_ELEMENT_ORDER)
        || k.starts_with(DELETE_FROM_PRIMITIVE_LIST)
}

/// A patch value that lands where the original has nothing to merge with: nulls and
/// directives go (a map carrying `$patch` goes entirely, as in apimachinery).
fn clean_new(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if m.contains_key(DIRECTIVE) {
                return None;
            }
            let mut out = Map::new();
            for (k, v) in m {
                if v.is_null() || is_directive_key(&k) {
                    continue;
                }
                if let Some(v) = clean_new(v) {
                    out.insert(k, v);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(a) => Some(Value::Array(a.into_iter().filter_map(clean_new).collect())),
        other => Some(other),
    }
}

fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    ty: Ty,
) -> Result<Map<String, Value>, PatchRequestError> {
    if let Some(directive) = patch.get(DIRECTIVE) {
        return match directive.as_str() {
            Some("replace") => {
                patch.remove(DIRECTIVE);
                match clean_new(Value::Object(patch)) {
                    Some(Value::Object(m)) => Ok(m),
                    _ => Ok(Map::new()),
                }
            }
            Some("delete") => Ok(Map::new()),
            _ => Err(err_bad_patch_type(directive, &patch)),
        };
    }
    apply_retain_keys(&mut original, &mut patch)?;
    merge_ordered_lists(&mut original, &mut patch, ty)?;
    let mut deletions = Vec::new();
    for (k, v) in patch {
        if k.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
            let target = directive_target(&k, DELETE_FROM_PRIMITIVE_LIST, ERR_PRIMITIVE_LIST)?;
            if !target.is_empty() {
                deletions.push((target.to_string(), v));
            }
            continue;
        }
        merge_entry(&mut original, k, v, ty, false)?;
    }
    for (k, v) in deletions {
        merge_entry(&mut original, k, v, ty, true)?;
    }
    Ok(original)
}

fn merge_entry(
    original: &mut Map<String, Value>,
    k: String,
    patch: Value,
    ty: Ty,
    is_delete_list: bool,
) -> Result<(), PatchRequestError> {
    if patch.is_null() {
        original.remove(&k);
        return Ok(());
    }
    let Some(slot) = original.get_mut(&k) else {
        if !is_delete_list && let Some(v) = clean_new(patch) {
            original.insert(k, v);
        }
        return Ok(());
    };
    let field = schema::lookup(ty, &k);
    let current = std::mem::take(slot);
    let merged = match (current, patch) {
        (current, patch) if go_type(&current) != go_type(&patch) => {
            if is_delete_list {
                Some(current)
            } else {
                clean_new(patch)
            }
        }
        (Value::Object(o), Value::Object(p)) => Some(Value::Object(merge_map(o, p, field.ty)?)),
        (Value::Array(o), Value::Array(p)) => {
            Some(Value::Array(merge_list_field(o, p, field, is_delete_list)?))
        }
        (_, patch) => Some(patch),
    };
    match merged {
        Some(v) => {
            if let Some(slot) = original.get_mut(&k) {
                *slot = v;
            }
        }
        None => {
            original.remove(&k);
        }
    }
    Ok(())
}

/// `$retainKeys`: the original keeps only the listed fields; the patch may only set them.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
) -> Result<(), PatchRequestError> {
    let Some(retain) = patch.remove(RETAIN_KEYS) else {
        return Ok(());
    };
    let Value::Array(retain) = retain else {
        return Err(PatchRequestError::BadRequest(ERR_RETAIN_KEYS.into()));
    };
    let listed = |k: &str| retain.iter().any(|r| r.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST)
            || k.starts_with(SET_ELEMENT_ORDER)
        {
            continue;
        }
        if !listed(k) {
            return Err(PatchRequestError::BadRequest(ERR_RETAIN_KEYS.into()));
        }
    }
    original.retain(|k, _| listed(k));
    Ok(())
}

fn merge_key(field: Field) -> Option<&'static str> {
    match field.smp {
        SmpList::MergeKey(k) => Some(k),
        SmpList::Replace | SmpList::MergePrimitives => None,
    }
}

fn list_of(v: Option<&Value>) -> Result<Option<Vec<Value>>, PatchRequestError> {
    match v {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.clone())),
        Some(other) => Err(err_bad_arg_type(SLICE, other)),
    }
}

/// `$setElementOrder/<list>`: merges the list now and orders it by the directive.
fn merge_ordered_lists(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    ty: Ty,
) -> Result<(), PatchRequestError> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER))
        .cloned()
        .collect();
    for key in keys {
        let Some(order) = patch.remove(&key) else {
            continue;
        };
        let Value::Array(order) = order else {
            return Err(err_bad_arg_type(SLICE, &order));
        };
        let target = directive_target(&key, SET_ELEMENT_ORDER, ERR_SET_ELEMENT_ORDER)?.to_string();
        let orig_list = list_of(original.get(&target))?;
        let patch_list = list_of(patch.get(&target))?;
        let field = schema::lookup(ty, &target);
        let mk = merge_key(field);
        validate_set_order(patch_list.as_deref().unwrap_or_default(), &order, mk)?;
        let merged = match (orig_list.clone(), patch_list) {
            (Some(o), None) => o,
            (None, Some(p)) => p.into_iter().filter_map(clean_new).collect(),
            (Some(o), Some(p)) => merge_list_field(o, p, field, false)?,
            (None, None) => continue,
        };
        let (in_order, server_only) = partition(merged, &order, mk)?;
        let server_order = orig_list.unwrap_or_default();
        let both = normalize_order(in_order, server_only, &order, &server_order, mk)?;
        original.insert(target.clone(), Value::Array(both));
        patch.remove(&target);
    }
    Ok(())
}

/// apimachinery's `validatePatchWithSetOrderList`: the patch's items (deletions aside) must
/// appear in the `$setElementOrder` list, in the same relative order.
fn validate_set_order(
    patch: &[Value],
    order: &[Value],
    mk: Option<&str>,
) -> Result<(), PatchRequestError> {
    if patch.is_empty() || order.is_empty() {
        return Ok(());
    }
    let mut items = Vec::with_capacity(patch.len());
    for v in patch {
        match (mk, v) {
            (None, _) => items.push(v),
            (Some(_), Value::Object(m)) => {
                if m.get(DIRECTIVE).and_then(Value::as_str) != Some("delete") {
                    items.push(v);
                }
            }
            (Some(_), other) => return Err(err_bad_arg_type(MAP, other)),
        }
    }
    let (mut pi, mut si) = (0, 0);
    while pi < items.len() && si < order.len() {
        if items[pi]
            .as_object()
            .is_some_and(|m| m.contains_key(DIRECTIVE))
        {
            pi += 1;
            continue;
        }
        if same_item(items[pi], &order[si], mk)? {
            pi += 1;
        }
        si += 1;
    }
    if pi < items.len() && si >= order.len() {
        return Err(PatchRequestError::Failed(format!(
            "the order in patch list:\n{}\n doesn't match {SET_ELEMENT_ORDER} list:\n{}",
            go_fmt(&Value::Array(patch.to_vec())),
            go_fmt(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

fn same_item(a: &Value, b: &Value, mk: Option<&str>) -> Result<bool, PatchRequestError> {
    let Some(key) = mk else {
        return Ok(a == b);
    };
    let ka = key_of(a, key)?;
    let kb = key_of(b, key)?;
    Ok(ka == kb)
}

fn key_of<'a>(v: &'a Value, key: &str) -> Result<&'a Value, PatchRequestError> {
    let m = v.as_object().ok_or_else(|| err_bad_arg_type(MAP, v))?;
    m.get(key).ok_or_else(|| err_no_merge_key(m, key))
}

fn merge_list_field(
    original: Vec<Value>,
    patch: Vec<Value>,
    field: Field,
    is_delete_list: bool,
) -> Result<Vec<Value>, PatchRequestError> {
    match field.smp {
        SmpList::Replace if !is_delete_list => {
            Ok(patch.iter().map(super::typed::without_nulls).collect())
        }
        _ => merge_list(original, patch, merge_key(field), field, is_delete_list),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ElemKind {
    Map,
    Scalar,
}

/// apimachinery's `sliceElementType`: every item must have the same type, and not be a list.
fn element_kind(lists: [&[Value]; 2]) -> Result<ElemKind, PatchRequestError> {
    let mut first: Option<&Value> = None;
    for v in lists.iter().flat_map(|l| l.iter()) {
        match first {
            None => {
                if v.is_array() {
                    return Err(PatchRequestError::Unprocessable(ERR_LIST_OF_LISTS.into()));
                }
                if v.is_null() {
                    return Err(PatchRequestError::Failed(
                        "list elements must not be null".into(),
                    ));
                }
                first = Some(v);
            }
            Some(f) if go_type(f) != go_type(v) => {
                return Err(PatchRequestError::Failed(format!(
                    "list element types are not identical: [{} {}]",
                    go_fmt(&Value::Array(lists[0].to_vec())),
                    go_fmt(&Value::Array(lists[1].to_vec()))
                )));
            }
            Some(_) => {}
        }
    }
    match first {
        Some(Value::Object(_)) => Ok(ElemKind::Map),
        _ => Ok(ElemKind::Scalar),
    }
}

fn merge_list(
    original: Vec<Value>,
    patch: Vec<Value>,
    mk: Option<&str>,
    field: Field,
    is_delete_list: bool,
) -> Result<Vec<Value>, PatchRequestError> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let kind = element_kind([&original, &patch])?;
    if kind == ElemKind::Scalar {
        if is_delete_list {
            return Ok(original
                .into_iter()
                .filter(|v| !patch.contains(v))
                .collect());
        }
        let mut merged: Vec<Value> = Vec::with_capacity(original.len() + patch.len());
        for v in original.iter().chain(&patch) {
            if !merged.contains(v) {
                merged.push(v.clone());
            }
        }
        let (in_patch, server_only) = partition(merged, &patch, None)?;
        return normalize_order(in_patch, server_only, &patch, &original, None);
    }
    let Some(key) = mk else {
        return Err(PatchRequestError::Failed(
            "cannot merge lists without merge key for type map".into(),
        ));
    };
    let (original, patch) = apply_list_directives(original, patch, key)?;
    let mut merged = original.clone();
    for item in &patch {
        let Value::Object(m) = item else {
            return Err(err_bad_arg_type(MAP, item));
        };
        let value = m.get(key).ok_or_else(|| err_no_merge_key(m, key))?;
        match find_by_key(&merged, key, value)? {
            Some(i) => {
                let current = std::mem::take(&mut merged[i]);
                let current = match current {
                    Value::Object(c) => c,
                    other => return Err(err_bad_arg_type(MAP, &other)),
                };
                merged[i] = Value::Object(merge_map(current, m.clone(), field.ty)?);
            }
            None => merged.extend(clean_new(item.clone())),
        }
    }
    let (in_patch, server_only) = partition(merged, &patch, Some(key))?;
    normalize_order(in_patch, server_only, &patch, &original, Some(key))
}

/// Handles `$patch` items of a merging list: `delete` removes the original's items with that
/// key, `replace` makes the patch's other items the whole list.
fn apply_list_directives(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    key: &str,
) -> Result<(Vec<Value>, Vec<Value>), PatchRequestError> {
    let mut plain = Vec::with_capacity(patch.len());
    let mut replace = false;
    for item in patch {
        let Some(directive) = item.as_object().and_then(|m| m.get(DIRECTIVE)) else {
            plain.push(item);
            continue;
        };
        let m = item.as_object().cloned().unwrap_or_default();
        match directive.as_str() {
            Some("delete") => {
                let value = m.get(key).ok_or_else(|| {
                    PatchRequestError::Failed("delete patch type with no merge key defined".into())
                })?;
                while let Some(i) = find_by_key(&original, key, value)? {
                    original.remove(i);
                }
            }
            Some("replace") => replace = true,
            Some("merge") => {
                return Err(PatchRequestError::Failed(
                    "merging lists cannot yet be specified in the patch".into(),
                ));
            }
            _ => return Err(err_bad_patch_type(directive, &m)),
        }
    }
    if replace {
        let items = plain.into_iter().filter_map(clean_new).collect();
        return Ok((items, Vec::new()));
    }
    Ok((original, plain))
}

fn find_by_key(
    list: &[Value],
    key: &str,
    value: &Value,
) -> Result<Option<usize>, PatchRequestError> {
    for (i, item) in list.iter().enumerate() {
        let m = item
            .as_object()
            .ok_or_else(|| PatchRequestError::Failed(format!("value for key {i} is not a map.")))?;
        if m.get(key) == Some(value) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Splits `merged` into the items `by` mentions (by merge key, or by value) and the rest.
fn partition(
    merged: Vec<Value>,
    by: &[Value],
    mk: Option<&str>,
) -> Result<(Vec<Value>, Vec<Value>), PatchRequestError> {
    let mut hit = Vec::with_capacity(merged.len());
    let mut rest = Vec::with_capacity(merged.len());
    for item in merged {
        let present = match mk {
            None => by.contains(&item),
            Some(key) => {
                let value = key_of(&item, key)?;
                find_by_key(by, key, value)?.is_some()
            }
        };
        if present {
            hit.push(item);
        } else {
            rest.push(item);
        }
    }
    Ok((hit, rest))
}

/// Where `item` sits in `list` (by merge key, or by value).
fn position(list: &[Value], item: &Value, mk: Option<&str>) -> Option<usize> {
    match mk {
        None => list.iter().position(|v| v == item),
        Some(key) => {
            let value = item.get(key);
            list.iter().position(|v| v.get(key) == value)
        }
    }
}

fn sort_by_order(
    mut items: Vec<Value>,
    order: &[Value],
    mk: Option<&str>,
) -> Result<Vec<Value>, PatchRequestError> {
    if let Some(key) = mk {
        for v in items.iter().chain(order) {
            key_of(v, key)?;
        }
    }
    items.sort_by_key(|v| position(order, v, mk).unwrap_or(usize::MAX));
    Ok(items)
}

/// apimachinery's `normalizeElementOrder`: the patch's items in `patch_order`, the
/// original-only items in `server_order`, interleaved where the original's order relates
/// them and with patch items first where it doesn't.
fn normalize_order(
    in_patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    mk: Option<&str>,
) -> Result<Vec<Value>, PatchRequestError> {
    let right = sort_by_order(in_patch, patch_order, mk)?;
    let left = sort_by_order(server_only, server_order, mk)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => {
                match (position(server_order, l, mk), position(server_order, r, mk)) {
                    (Some(li), Some(ri)) => li < ri,
                    _ => false,
                }
            }
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    Ok(out)
}

#[cfg(test)]
#[path = "strategic_tests.rs"]
mod tests;
