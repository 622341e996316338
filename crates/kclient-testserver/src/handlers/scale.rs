//! The `scale` subresource: an autoscaling/v1 Scale view of replicas and selector for
//! deployments, replicasets, statefulsets, replicationcontrollers and CRDs declaring it.

use std::collections::BTreeSet;

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Map, Value, json};

use super::Ctx;
use super::output::foreign_value_response;
use super::patch::{PatchType, parse_apply, patch_type, patch_value};
use super::update::MAX_ATTEMPTS;
use super::write::{Attempt, Managed, UpdateSpec, finish_update};
use crate::error::{ApiResult, ErrorResponse};
use crate::meta;
use crate::registry::Served;
use crate::respond::{Body, decode_object};

/// JSON pointers of the scale fields of a kind.
struct Paths {
    spec: String,
    status: String,
    /// Pointer to a selector: a LabelSelector (apps), a map (RCs) or a string (CRDs).
    selector: Option<String>,
}

fn jsonpath_to_pointer(path: &str) -> String {
    path.trim_start_matches('.')
        .split('.')
        .filter(|s| !s.is_empty())
        .fold(String::new(), |mut acc, seg| {
            acc.push('/');
            acc.push_str(&seg.replace('~', "~0").replace('/', "~1"));
            acc
        })
}

fn paths(served: &Served) -> ApiResult<Paths> {
    if let Some(crd) = &served.crd {
        let scale = crd.scale.as_ref().ok_or_else(ErrorResponse::no_route)?;
        return Ok(Paths {
            spec: jsonpath_to_pointer(&scale.spec_replicas),
            status: jsonpath_to_pointer(&scale.status_replicas),
            selector: scale.label_selector.as_deref().map(jsonpath_to_pointer),
        });
    }
    Ok(Paths {
        spec: "/spec/replicas".into(),
        status: "/status/replicas".into(),
        selector: Some("/spec/selector".into()),
    })
}

fn quote_values(values: &[Value]) -> String {
    let set: BTreeSet<&str> = values.iter().filter_map(Value::as_str).collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

/// A selector value rendered the way `labels.Selector.String()` does.
fn selector_string(sel: &Value) -> String {
    match sel {
        Value::String(s) => s.clone(),
        Value::Object(m) if m.contains_key("matchLabels") || m.contains_key("matchExpressions") => {
            let mut parts: Vec<(String, String)> = Vec::new();
            if let Some(ml) = m.get("matchLabels").and_then(Value::as_object) {
                for (k, v) in ml {
                    parts.push((k.clone(), format!("{k}={}", v.as_str().unwrap_or(""))));
                }
            }
            if let Some(me) = m.get("matchExpressions").and_then(Value::as_array) {
                for e in me {
                    let key = e.get("key").and_then(Value::as_str).unwrap_or("");
                    let values = e
                        .get("values")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    let text = match e.get("operator").and_then(Value::as_str).unwrap_or("") {
                        "In" => format!("{key} in ({})", quote_values(values)),
                        "NotIn" => format!("{key} notin ({})", quote_values(values)),
                        "Exists" => key.to_string(),
                        "DoesNotExist" => format!("!{key}"),
                        _ => continue,
                    };
                    parts.push((key.to_string(), text));
                }
            }
            parts.sort();
            parts
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>()
                .join(",")
        }
        Value::Object(m) => {
            // ReplicationController: a plain map.
            let mut parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect();
            parts.sort();
            parts.join(",")
        }
        _ => String::new(),
    }
}

/// The Scale of `v`, a stored object's parsed tree.
fn scale_of(served: &Served, v: &Value) -> ApiResult<Value> {
    let p = paths(served)?;
    let spec_replicas = v.pointer(&p.spec).and_then(Value::as_i64).unwrap_or(0);
    let status_replicas = v.pointer(&p.status).and_then(Value::as_i64).unwrap_or(0);
    let mut status = Map::new();
    status.insert("replicas".into(), json!(status_replicas));
    if let Some(sel) = p.selector.as_deref().and_then(|ptr| v.pointer(ptr)) {
        let s = selector_string(sel);
        if !s.is_empty() {
            status.insert("selector".into(), Value::String(s));
        }
    }
    let mut metadata = Map::new();
    for k in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(x) = v.get("metadata").and_then(|m| m.get(k)) {
            metadata.insert(k.into(), x.clone());
        }
    }
    Ok(json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": {"replicas": spec_replicas},
        "status": status,
    }))
}

fn set_pointer(root: &mut Value, pointer: &str, value: Value) {
    let mut cur = root;
    let segs: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = segs.split_last() else {
        return;
    };
    for seg in parents {
        let map = meta::ensure_object(cur);
        cur = map.entry(seg.clone()).or_insert_with(|| json!({}));
    }
    meta::ensure_object(cur).insert(last.clone(), value);
}

/// `GET .../scale`.
pub(super) fn get(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let name = ctx.name()?;
    let obj = ctx
        .store()
        .get(&ctx.key(name))
        .ok_or_else(|| ctx.not_found(name))?;
    foreign_value_response(ctx, StatusCode::OK, &scale_of(&ctx.served, &obj.value()?)?)
}

fn write_scale(
    ctx: &Ctx,
    compute: impl Fn(&Value) -> ApiResult<Value>,
) -> ApiResult<Response<Body>> {
    let name = ctx.name()?.to_string();
    let store = ctx.store();
    let key = ctx.key(&name);
    let p = paths(&ctx.served)?;
    for _ in 0..MAX_ATTEMPTS {
        let old = store.get(&key).ok_or_else(|| ctx.not_found(&name))?;
        let old_value = old.value()?;
        let current_scale = scale_of(&ctx.served, &old_value)?;
        let desired_scale = compute(&current_scale)?;
        if let Some(rv) = desired_scale
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            && !rv.is_empty()
            && rv != old.resource_version()
        {
            return Err(ErrorResponse::stale(ctx.group(), ctx.plural(), &name));
        }
        let replicas = desired_scale
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if replicas < 0 {
            return Err(ErrorResponse::invalid(
                "autoscaling",
                "Scale",
                &name,
                &[crate::error::FieldError::invalid(
                    "spec.replicas",
                    json!(replicas),
                    "must be greater than or equal to 0",
                )],
            ));
        }
        let mut desired = old_value.clone();
        set_pointer(&mut desired, &p.spec, json!(replicas));
        let spec = UpdateSpec {
            subresource: Some("scale"),
            managed: Managed::Record,
            warnings: Vec::new(),
        };
        let attempt = finish_update(ctx, &old, &old_value, desired, spec)?;
        match attempt {
            Attempt::Done(_) => {
                let now = store.get(&key).unwrap_or(old);
                let now = now.value()?;
                return foreign_value_response(ctx, StatusCode::OK, &scale_of(&ctx.served, &now)?);
            }
            Attempt::Retry => continue,
        }
    }
    Err(ErrorResponse::stale(ctx.group(), ctx.plural(), &name))
}

/// `PUT .../scale`.
pub(super) fn update(ctx: &Ctx, body: &Bytes) -> ApiResult<Response<Body>> {
    let scale = decode_object(&ctx.headers, body)?;
    write_scale(ctx, |_| Ok(scale.clone()))
}

/// `PATCH .../scale`.
pub(super) fn patch(ctx: &Ctx, body: &Bytes) -> ApiResult<Response<Body>> {
    let t = patch_type(ctx)?;
    write_scale(ctx, |current| match t {
        PatchType::Apply => {
            let applied = parse_apply(body)?;
            let mut merged = current.clone();
            json_patch::merge(&mut merged, &applied);
            Ok(merged)
        }
        _ => patch_value(ctx, t, current, body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_render_like_labels_selector() {
        let sel = json!({"matchLabels": {"b": "2", "a": "1"},
            "matchExpressions": [{"key": "c", "operator": "In", "values": ["y", "x"]}, {"key": "d", "operator": "DoesNotExist"}]});
        assert_eq!(selector_string(&sel), "a=1,b=2,c in (x,y),!d");
        assert_eq!(selector_string(&json!({"app": "x"})), "app=x");
        assert_eq!(selector_string(&json!("a=b")), "a=b");
    }

    #[test]
    fn pointers() {
        assert_eq!(jsonpath_to_pointer(".spec.replicas"), "/spec/replicas");
        let mut v = json!({});
        set_pointer(&mut v, "/spec/replicas", json!(3));
        assert_eq!(v["spec"]["replicas"], 3);
    }
}
