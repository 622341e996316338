//! `pods/eviction`: a pod delete that honours the Eviction's delete options (dry run,
//! preconditions) and the PodDisruptionBudget selecting the pod, answering kube-apiserver's
//! 429 `TooManyRequests` (cause `DisruptionBudget`) when the budget allows no disruption.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Status, StatusCause};
use kclient_core::gvk::GroupResource;
use kclient_core::status;
use serde_json::{Value, json};

use super::Ctx;
use super::delete::{DeleteOptions, delete_object, options_from_value};
use super::protobuf::value_negotiated;
use crate::disruption::{self, Budget};
use crate::error::{ApiResult, ErrorResponse};
use crate::meta;
use crate::respond::{Body, decode_object};
use crate::store::{Change, CommitError, Expect, object_key};

/// Attempts on a conflict, as kube-apiserver's `EvictionsRetry` (without its sleeps: the
/// writers racing here are in-process).
const ATTEMPTS: usize = 20;

/// More entries in `status.disruptedPods` than this and evictions are refused
/// (`MaxDisruptedPodSize`).
const MAX_DISRUPTED_PODS: usize = 2000;

const VIOLATION: &str = "Cannot evict pod as it would violate the pod's disruption budget.";

/// `POST .../pods/{name}/eviction`.
pub(super) fn evict(ctx: &Ctx, name: &str, body: &Bytes) -> ApiResult<Response<Body>> {
    let eviction = decode_object(&ctx.headers, body)?;
    if meta::name(&eviction) != name {
        return Err(ErrorResponse::bad_request(
            "name in URL does not match name in Eviction object",
        ));
    }
    let options = options_from_value(ctx, eviction.get("deleteOptions"))?;
    // Conflicts are retried unless the caller pinned a resourceVersion.
    let retry = options.resource_version.is_none();
    let mut last = None;
    for _ in 0..ATTEMPTS {
        match attempt(ctx, name, &options) {
            Err(e) if retry && e.code() == StatusCode::CONFLICT => last = Some(e),
            other => return other,
        }
    }
    Err(last.unwrap_or_else(|| ErrorResponse::stale("", "pods", name)))
}

fn attempt(ctx: &Ctx, name: &str, options: &DeleteOptions) -> ApiResult<Response<Body>> {
    let namespace = ctx.namespace();
    let pod = ctx
        .store()
        .get(&ctx.key(name))
        .ok_or_else(|| ctx.not_found(name))?
        .value()?;
    let phase = pod.pointer("/status/phase").and_then(Value::as_str);
    let terminal = matches!(phase, Some("Succeeded" | "Failed"));
    let deleting = meta::deletion_timestamp(&pod).is_some();
    // A pod that already stopped (or never ran) disrupts nothing: no budget applies.
    if terminal || deleting || phase == Some("Pending") {
        let pinned = if terminal || deleting {
            options.clone()
        } else {
            pin_resource_version(options, &pod)
        };
        delete(ctx, name, &pinned)?;
        return success(ctx);
    }
    let pdbs = budgets_selecting(ctx, &pod, namespace);
    let pdb = match pdbs.as_slice() {
        [] => {
            delete(ctx, name, options)?;
            return success(ctx);
        }
        [one] => one,
        // kube-apiserver returns this Status as the created object (HTTP 201), and clients
        // turn its Failure into an error.
        _ => {
            return value_negotiated(
                ctx,
                StatusCode::CREATED,
                &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                    "code": 500}),
            );
        }
    };
    let pdb_name = meta::name(pdb).to_string();
    let pods = disruption::selected_pods(&ctx.state, pdb, namespace);
    let Some(budget) = disruption::compute(&ctx.state, pdb, namespace, &pods) else {
        return Err(still_processing(&pdb_name));
    };
    let policy = pdb
        .pointer("/spec/unhealthyPodEvictionPolicy")
        .and_then(Value::as_str);
    let unhealthy_may_go = !disruption::is_ready(&pod)
        && (policy == Some("AlwaysAllow")
            || (budget.current_healthy >= budget.desired_healthy && budget.desired_healthy > 0));
    if unhealthy_may_go {
        // Pinned so the pod cannot have become ready (and counted) in between.
        return match delete(ctx, name, &pin_resource_version(options, &pod)) {
            Err(e) if e.code() == StatusCode::CONFLICT && options.resource_version.is_none() => {
                Err(still_processing(&pdb_name))
            }
            Err(e) => Err(e),
            Ok(()) => success(ctx),
        };
    }
    check_and_decrement(ctx, pdb, &budget, &pods, name, options.dry_run)?;
    delete(ctx, name, options)?;
    success(ctx)
}

fn delete(ctx: &Ctx, name: &str, options: &DeleteOptions) -> ApiResult<()> {
    delete_object(&ctx.state, &ctx.served, &ctx.key(name), options).map(|_| ())
}

/// The options with the pod's resourceVersion as precondition, unless the caller set one.
fn pin_resource_version(options: &DeleteOptions, pod: &Value) -> DeleteOptions {
    let mut pinned = options.clone();
    if pinned.resource_version.is_none() {
        pinned.resource_version = meta::meta_str(pod, "resourceVersion").map(str::to_string);
    }
    pinned
}

/// The PDBs of the pod's namespace whose (non-empty, valid) selector matches the pod.
fn budgets_selecting(ctx: &Ctx, pod: &Value, namespace: &str) -> Vec<Value> {
    let Some(served) = ctx
        .state
        .registry
        .lookup("policy", "v1", "poddisruptionbudgets")
    else {
        return Vec::new();
    };
    let labels = meta::labels(pod);
    let store = ctx.state.store.ensure(&served.storage);
    store
        .keys(Some(namespace))
        .into_iter()
        .filter_map(|key| store.get(&key)?.value().ok())
        .filter(|pdb| disruption::selector(pdb).is_some_and(|s| s.matches(&labels)))
        .collect()
}

/// The budget allows one more disruption: record it in the PDB's status (so the next
/// eviction sees it) unless this is a dry run; else the 429 or 403 kube-apiserver answers.
fn check_and_decrement(
    ctx: &Ctx,
    pdb: &Value,
    budget: &Budget,
    pods: &[Value],
    pod: &str,
    dry_run: bool,
) -> ApiResult<()> {
    let name = meta::name(pdb);
    let mut disrupted = pdb
        .pointer("/status/disruptedPods")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // As the controller does, entries for pods that no longer exist are dropped.
    disrupted.retain(|evicted, _| pods.iter().any(|p| meta::name(p) == evicted));
    if disrupted.len() > MAX_DISRUPTED_PODS {
        return Err(ErrorResponse::from_status(status::new_forbidden(
            &GroupResource {
                group: "policy".to_string(),
                resource: "poddisruptionbudget".to_string(),
            },
            name,
            "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
        )));
    }
    if budget.disruptions_allowed <= 0 {
        return Err(too_many_requests(
            0,
            format!(
                "The disruption budget {name} needs {} healthy pods and has {} currently",
                budget.desired_healthy, budget.current_healthy
            ),
        ));
    }
    if dry_run {
        return Ok(());
    }
    disrupted.insert(pod.to_string(), Value::String(meta::now_rfc3339()));
    let after = Budget {
        disruptions_allowed: budget.disruptions_allowed - 1,
        ..budget.clone()
    };
    let mut updated = pdb.clone();
    if let Some(m) = updated.as_object_mut() {
        m.insert(
            "status".into(),
            disruption::status(pdb, &after, Value::Object(disrupted)),
        );
    }
    write_status(ctx, pdb, updated)
}

fn write_status(ctx: &Ctx, pdb: &Value, updated: Value) -> ApiResult<()> {
    let served = ctx
        .state
        .registry
        .lookup("policy", "v1", "poddisruptionbudgets")
        .ok_or_else(ErrorResponse::no_route)?;
    let rv = meta::meta_str(pdb, "resourceVersion")
        .and_then(|rv| rv.parse::<u64>().ok())
        .unwrap_or(0);
    let key = object_key(meta::namespace(pdb), meta::name(pdb));
    match ctx
        .state
        .store
        .ensure(&served.storage)
        .commit(&key, Expect::Rv(rv), Change::Put(updated))
    {
        Ok(_) => Ok(()),
        // Changed under us: the caller's retry reads the budget again.
        Err(CommitError::Stale | CommitError::NotFound | CommitError::AlreadyExists) => Err(
            ErrorResponse::stale("policy", "poddisruptionbudgets", meta::name(pdb)),
        ),
        Err(CommitError::Undecodable(e)) => Err(e.into()),
    }
}

/// 429 `TooManyRequests` with a `DisruptionBudget` cause; `Retry-After` when positive.
fn too_many_requests(retry_after: i32, cause: String) -> ErrorResponse {
    let mut st: Status = status::new_too_many_requests(VIOLATION, retry_after);
    st.details
        .get_or_insert_with(Default::default)
        .causes
        .get_or_insert_with(Vec::new)
        .push(StatusCause {
            field: None,
            message: Some(cause),
            reason: Some("DisruptionBudget".to_string()),
        });
    let err = ErrorResponse::from_status(st);
    match retry_after {
        n if n > 0 => err.with_header(http::header::RETRY_AFTER, HeaderValue::from(n)),
        _ => err,
    }
}

/// The budget's status is behind (or could not be computed): come back in 10 seconds.
fn still_processing(pdb: &str) -> ErrorResponse {
    too_many_requests(
        10,
        format!("The disruption budget {pdb} is still being processed by the server."),
    )
}

/// The created Status of a successful eviction.
fn success(ctx: &Ctx) -> ApiResult<Response<Body>> {
    value_negotiated(
        ctx,
        StatusCode::CREATED,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    )
}
