//! Virtual (never stored) resources such as access and token reviews, and the
//! subresources beyond status and scale: pod eviction, binding and log, and
//! service-account tokens.

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::Ctx;
use super::protobuf::value_negotiated;
use super::update::MAX_ATTEMPTS;
use super::write::{Attempt, Managed, UpdateSpec, check_type_meta, finish_update};
use crate::authn::UserInfo;
use crate::error::{ApiResult, ErrorResponse};
use crate::meta;
use crate::rbac::review;
use crate::respond::{Body, decode_object};
use crate::router::Verb;

fn success() -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"})
}

/// Resources with `storage: false`: reviews answer at once, bindings bind.
pub(super) fn virtual_resource(ctx: &Ctx, body: &Bytes) -> ApiResult<Response<Body>> {
    match ctx.req.verb {
        Verb::Create => {}
        Verb::List if ctx.plural() == "componentstatuses" => {
            let items: Vec<Value> = ["scheduler", "controller-manager", "etcd-0"]
                .iter()
                .map(|n| {
                    // A typed list's items carry no TypeMeta (see `list_item`).
                    let mut item = component_status(n);
                    if let Some(m) = item.as_object_mut() {
                        m.remove("kind");
                        m.remove("apiVersion");
                    }
                    item
                })
                .collect();
            return value_negotiated(
                ctx,
                StatusCode::OK,
                &json!({"kind": "ComponentStatusList", "apiVersion": "v1", "metadata": {}, "items": items}),
            );
        }
        Verb::Get if ctx.plural() == "componentstatuses" => {
            let name = ctx.name()?;
            if !matches!(name, "scheduler" | "controller-manager" | "etcd-0") {
                return Err(ctx.not_found(name));
            }
            return value_negotiated(ctx, StatusCode::OK, &component_status(name));
        }
        verb => {
            return Err(ErrorResponse::method_not_supported(
                ctx.group(),
                ctx.plural(),
                verb.as_str(),
            ));
        }
    }
    let mut obj = decode_object(&ctx.headers, body)?;
    check_type_meta(&ctx.served, &mut obj)?;
    if ctx.served.info.namespaced {
        meta::set_meta(
            &mut obj,
            "namespace",
            Value::String(ctx.namespace().to_string()),
        );
    }
    let status = match ctx.kind() {
        kind if let Some(answer) = review::status(&ctx.state, &ctx.user, kind, &obj) => answer?,
        "Binding" => {
            bind_pod(ctx, meta::name(&obj).to_string(), &obj)?;
            return value_negotiated(ctx, StatusCode::CREATED, &success());
        }
        _ => obj.get("status").cloned().unwrap_or_else(|| json!({})),
    };
    if let Some(m) = obj.as_object_mut() {
        m.insert("status".into(), status);
    }
    meta::set_meta(&mut obj, "creationTimestamp", Value::Null);
    value_negotiated(ctx, StatusCode::CREATED, &obj)
}

fn component_status(name: &str) -> Value {
    json!({"kind": "ComponentStatus", "apiVersion": "v1", "metadata": {"name": name},
           "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}]})
}

fn bind_pod(ctx: &Ctx, pod: String, binding: &Value) -> ApiResult<()> {
    let node = binding
        .pointer("/target/name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ErrorResponse::bad_request("binding target name is required"))?
        .to_string();
    let pods = ctx
        .state
        .registry
        .lookup("", "v1", "pods")
        .ok_or_else(ErrorResponse::no_route)?;
    let store = ctx.state.store.ensure(&pods.storage);
    let key = crate::store::object_key(ctx.namespace(), &pod);
    for _ in 0..MAX_ATTEMPTS {
        let old = store
            .get(&key)
            .ok_or_else(|| ErrorResponse::not_found("", "pods", &pod))?;
        let old_value = old.value()?;
        if old_value
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty())
        {
            return Err(ErrorResponse::conflict(
                "",
                "pods",
                &pod,
                "pod is already assigned to a node",
            ));
        }
        let mut desired = old_value.clone();
        if let Some(spec) = desired.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert("nodeName".into(), Value::String(node.clone()));
        }
        let pod_ctx = Ctx {
            state: ctx.state.clone(),
            served: pods.clone(),
            req: ctx.req.clone(),
            query: ctx.query.clone(),
            headers: ctx.headers.clone(),
            user: ctx.user.clone(),
        };
        let spec = UpdateSpec {
            subresource: Some("binding"),
            managed: Managed::Record,
            warnings: Vec::new(),
        };
        match finish_update(&pod_ctx, &old, &old_value, desired, spec)? {
            Attempt::Done(_) => return Ok(()),
            Attempt::Retry => continue,
        }
    }
    Err(ErrorResponse::stale("", "pods", &pod))
}

/// Subresources other than status and scale.
pub(super) fn subresource(
    ctx: &Ctx,
    verb: Verb,
    sub: &str,
    body: &Bytes,
) -> ApiResult<Response<Body>> {
    let name = ctx.name()?.to_string();
    match (ctx.group(), ctx.plural(), sub, verb) {
        ("", "pods", "eviction", Verb::Create) => super::eviction::evict(ctx, &name, body),
        ("", "pods", "binding", Verb::Create) => {
            let binding = decode_object(&ctx.headers, body)?;
            bind_pod(ctx, name, &binding)?;
            value_negotiated(ctx, StatusCode::CREATED, &success())
        }
        ("", "pods", "log", Verb::Get) => super::logs::log(ctx),
        ("", "serviceaccounts", "token", Verb::Create) => {
            let sa = ctx
                .store()
                .get(&ctx.key(&name))
                .ok_or_else(|| ctx.not_found(&name))?;
            let mut req = decode_object(&ctx.headers, body).unwrap_or_else(|_| json!({}));
            crate::defaults::apply("authentication.k8s.io", "v1", "TokenRequest", &mut req);
            let seconds = req
                .pointer("/spec/expirationSeconds")
                .and_then(Value::as_i64)
                .unwrap_or(3600);
            let expires = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_secs(seconds))
                .unwrap_or_else(|_| jiff::Timestamp::now());
            let token = format!("kclient-sa-{}", meta::new_uid());
            // The token authenticates as the service account, as a projected token does.
            let ns = sa.namespace();
            ctx.state.tokens.insert(
                &token,
                UserInfo::authenticated(
                    &format!("system:serviceaccount:{ns}:{}", sa.name()),
                    sa.uid().unwrap_or(""),
                    &[
                        "system:serviceaccounts".into(),
                        format!("system:serviceaccounts:{ns}"),
                    ],
                ),
            );
            if let Some(m) = req.as_object_mut() {
                m.insert("apiVersion".into(), json!("authentication.k8s.io/v1"));
                m.insert("kind".into(), json!("TokenRequest"));
                m.insert(
                    "metadata".into(),
                    json!({"name": sa.name(), "namespace": sa.namespace(), "creationTimestamp": null}),
                );
                m.insert(
                    "status".into(),
                    json!({"token": token, "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()}),
                );
            }
            value_negotiated(ctx, StatusCode::CREATED, &req)
        }
        ("", "namespaces", "finalize", Verb::Update) => super::update::update(ctx, body),
        _ => Err(ErrorResponse::method_not_supported(
            ctx.group(),
            ctx.plural(),
            verb.as_str(),
        )),
    }
}
