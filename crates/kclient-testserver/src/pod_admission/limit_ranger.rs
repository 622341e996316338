//! The LimitRanger admission plugin: the LimitRanges of a namespace give new Pods'
//! containers (and init containers) the requests and limits they lack (`defaultRequest`
//! and `default` of `Container` items, recorded in the `kubernetes.io/limit-ranger`
//! annotation), then refuse with 403 Forbidden a Pod outside a `Container` or `Pod`
//! item's `min`, `max` or `maxLimitRequestRatio`, and a PersistentVolumeClaim whose
//! storage request is outside a `PersistentVolumeClaim` item's bounds. Pod updates are
//! not judged (their containers' resources are immutable), nor writes to objects being
//! deleted. Values compare as kube-apiserver's do: in milli units, or whole units when
//! milli units would overflow.

use std::collections::BTreeMap;

use kclient_core::quantity::{self, Quantity};
use serde_json::{Map, Value};

use super::stored_all;
use crate::error::{ApiResult, ErrorResponse};
use crate::state::State;

const ANNOTATION: &str = "kubernetes.io/limit-ranger";
/// The largest value whose milli value fits an `int64` (apimachinery's `MaxMilliValue`).
const MAX_MILLI_VALUE: i64 = i64::MAX / 1000;

/// The LimitRanges of `namespace`.
pub(super) fn ranges(state: &State, namespace: &str) -> Vec<Value> {
    stored_all(state, "", "limitranges", Some(namespace))
}

/// The items of `range` of one `type`.
fn items<'a>(range: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    range
        .pointer("/spec/limits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(move |item| item.get("type").and_then(Value::as_str) == Some(kind))
}

/// The mutating half: each range's container defaults fill what containers lack.
pub(super) fn default_resources(ranges: &[Value], pod: &mut Value) {
    for range in ranges {
        let mut limits = Map::new();
        let mut requests = Map::new();
        for item in items(range, "Container") {
            for (from, into) in [("defaultRequest", &mut requests), ("default", &mut limits)] {
                if let Some(defaults) = item.get(from).and_then(Value::as_object) {
                    into.extend(defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        let mut notes = Vec::new();
        let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
            return;
        };
        for (key, label) in [
            ("containers", "container"),
            ("initContainers", "init container"),
        ] {
            for container in spec
                .get_mut(key)
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                merge_container(container, &requests, &limits, label, &mut notes);
            }
        }
        if !notes.is_empty() {
            let note = format!("LimitRanger plugin set: {}", notes.join("; "));
            set_annotation(pod, note);
        }
    }
}

fn merge_container(
    container: &mut Value,
    requests: &Map<String, Value>,
    limits: &Map<String, Value>,
    label: &str,
    notes: &mut Vec<String>,
) {
    let name = container
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(map) = container.as_object_mut() else {
        return;
    };
    let resources = map
        .entry("resources")
        .or_insert_with(|| Value::Object(Map::new()));
    if !resources.is_object() {
        *resources = Value::Object(Map::new());
    }
    let Some(resources) = resources.as_object_mut() else {
        return;
    };
    for (key, defaults, what) in [
        ("requests", requests, "request"),
        ("limits", limits, "limit"),
    ] {
        let mut set = Vec::new();
        for (resource, value) in defaults {
            let list = resources
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            if !list.is_object() {
                *list = Value::Object(Map::new());
            }
            if let Some(list) = list.as_object_mut()
                && !list.contains_key(resource)
            {
                list.insert(resource.clone(), value.clone());
                set.push(resource.clone());
            }
        }
        if !set.is_empty() {
            set.sort();
            notes.push(format!("{} {what} for {label} {name}", set.join(", ")));
        }
    }
}

fn set_annotation(pod: &mut Value, note: String) {
    let Some(meta) = pod.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !annotations.is_object() {
        *annotations = Value::Object(Map::new());
    }
    if let Some(annotations) = annotations.as_object_mut() {
        annotations.insert(ANNOTATION.into(), Value::String(note));
    }
}

/// The validating half for a Pod named `name` (its `generateName` when generated).
pub(super) fn enforce_pod(ranges: &[Value], pod: &Value, name: &str) -> ApiResult<()> {
    for range in ranges {
        let errs = pod_violations(range, pod);
        if !errs.is_empty() {
            return Err(forbidden("pods", name, errs));
        }
    }
    Ok(())
}

/// The validating half for a PersistentVolumeClaim: bounds on its storage requests.
pub(super) fn enforce_claim(ranges: &[Value], claim: &Value, name: &str) -> ApiResult<()> {
    let requests = list(claim.pointer("/spec/resources/requests"));
    let none = Resources::new();
    for range in ranges {
        let mut errs = Vec::new();
        for item in items(range, "PersistentVolumeClaim") {
            for (side, key, limits) in [(Side::Min, "min", Some(&none)), (Side::Max, "max", None)] {
                for (resource, enforced) in bounds(item, key) {
                    let kind = "PersistentVolumeClaim";
                    errs.extend(check(side, kind, &resource, &enforced, &requests, limits));
                }
            }
        }
        if !errs.is_empty() {
            return Err(forbidden("persistentvolumeclaims", name, errs));
        }
    }
    Ok(())
}

/// `admission.NewForbidden` over an aggregate of messages: one is itself, several are
/// listed once each in brackets.
fn forbidden(resource: &str, name: &str, errs: Vec<String>) -> ErrorResponse {
    let mut seen: Vec<String> = Vec::new();
    for e in errs {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    let msg = if seen.len() == 1 {
        seen.remove(0)
    } else {
        format!("[{}]", seen.join(", "))
    };
    ErrorResponse::forbidden("", resource, name, &msg)
}

/// A quantity with the text it is reported as.
#[derive(Clone)]
struct Amount {
    value: Quantity,
    text: String,
}

impl Amount {
    fn parse(v: &Value) -> Option<Amount> {
        let text = v.as_str()?.to_string();
        let value = Quantity::parse(&text).ok()?;
        Some(Amount { value, text })
    }

    /// `self + other`, written in `self`'s format as apimachinery's `Add` keeps it.
    fn add(&self, other: &Amount) -> Amount {
        let Some(value) = self.value.checked_add(&other.value) else {
            return self.clone();
        };
        Amount {
            text: quantity::canonical_like(&value, &self.text)
                .unwrap_or_else(|_| value.to_string()),
            value,
        }
    }
}

type Resources = BTreeMap<String, Amount>;

fn list(v: Option<&Value>) -> Resources {
    v.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), Amount::parse(v)?)))
        .collect()
}

/// The bounds of an item's `min`, `max` or `maxLimitRequestRatio`.
fn bounds(item: &Value, key: &str) -> Vec<(String, Amount)> {
    list(item.get(key)).into_iter().collect()
}

fn pod_violations(range: &Value, pod: &Value) -> Vec<String> {
    let spec = pod.get("spec");
    let containers = |key: &str| -> Vec<(Resources, Resources, bool)> {
        spec.and_then(|s| s.get(key))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let sidecar = c.get("restartPolicy").and_then(Value::as_str) == Some("Always");
                (
                    list(c.pointer("/resources/requests")),
                    list(c.pointer("/resources/limits")),
                    sidecar,
                )
            })
            .collect()
    };
    let regular = containers("containers");
    let init = containers("initContainers");
    let mut errs = Vec::new();
    for item in range
        .pointer("/spec/limits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let kind = item.get("type").and_then(Value::as_str).unwrap_or("");
        let judged: Vec<(Resources, Resources)> = match kind {
            "Container" => regular
                .iter()
                .chain(&init)
                .map(|(r, l, _)| (r.clone(), l.clone()))
                .collect(),
            "Pod" => vec![(
                pod_total(&regular, &init, |(r, _, _)| r),
                pod_total(&regular, &init, |(_, l, _)| l),
            )],
            _ => continue,
        };
        for (requests, limits) in &judged {
            for (side, key) in [(Side::Min, "min"), (Side::Max, "max")] {
                for (resource, enforced) in bounds(item, key) {
                    errs.extend(check(
                        side,
                        kind,
                        &resource,
                        &enforced,
                        requests,
                        Some(limits),
                    ));
                }
            }
            for (resource, enforced) in bounds(item, "maxLimitRequestRatio") {
                errs.extend(ratio(kind, &resource, &enforced, requests, limits));
            }
        }
    }
    errs
}

/// A pod's effective requests or limits: its containers' sum, or more when an init
/// container (with the sidecars started before it) needs more; sidecars (init
/// containers that restart `Always`) run alongside and add up.
fn pod_total(
    regular: &[(Resources, Resources, bool)],
    init: &[(Resources, Resources, bool)],
    pick: impl Fn(&(Resources, Resources, bool)) -> &Resources,
) -> Resources {
    let mut total = Resources::new();
    for c in regular {
        add_all(&mut total, pick(c));
    }
    let mut sidecars = Resources::new();
    let mut init_peak = Resources::new();
    for c in init {
        let own = pick(c);
        let needed = if c.2 {
            add_all(&mut total, own);
            add_all(&mut sidecars, own);
            sidecars.clone()
        } else {
            let mut needed = own.clone();
            add_all(&mut needed, &sidecars);
            needed
        };
        max_all(&mut init_peak, &needed);
    }
    max_all(&mut total, &init_peak);
    total
}

fn add_all(into: &mut Resources, from: &Resources) {
    for (name, amount) in from {
        let sum = match into.get(name) {
            Some(have) => have.add(amount),
            None => amount.clone(),
        };
        into.insert(name.clone(), sum);
    }
}

fn max_all(into: &mut Resources, from: &Resources) {
    for (name, amount) in from {
        if into.get(name).is_none_or(|have| amount.value > have.value) {
            into.insert(name.clone(), amount.clone());
        }
    }
}

/// `requestLimitEnforcedValues`: the three values in milli units, or in whole units
/// when one of them is too large for milli units. A missing value is 0.
fn compared(req: Option<&Amount>, lim: Option<&Amount>, enforced: &Amount) -> (i64, i64, i64) {
    let at = |a: Option<&Amount>, scale: i32| {
        a.map_or(0, |a| a.value.scaled_value(scale).unwrap_or(i64::MAX))
    };
    let units = (at(req, 0), at(lim, 0), at(Some(enforced), 0));
    if units.0 <= MAX_MILLI_VALUE && units.1 <= MAX_MILLI_VALUE && units.2 <= MAX_MILLI_VALUE {
        (at(req, -3), at(lim, -3), at(Some(enforced), -3))
    } else {
        units
    }
}

/// Which side of its bound a value must stay on.
#[derive(Clone, Copy)]
enum Side {
    Min,
    Max,
}

/// `minConstraint`, `maxConstraint` and, without `limits` (claims),
/// `maxRequestConstraint`: the value a bound is about (a minimum's request, a maximum's
/// limit, or request when there are no limits) must be given, and it and the other must
/// stay on `side` of `enforced`.
fn check(
    side: Side,
    kind: &str,
    resource: &str,
    enforced: &Amount,
    requests: &Resources,
    limits: Option<&Resources>,
) -> Option<String> {
    let (req, lim) = (requests.get(resource), limits.and_then(|l| l.get(resource)));
    let (req_v, lim_v, enf_v) = compared(req, lim, enforced);
    let request = ("request", req, req_v);
    let limit = ("limit", lim, lim_v);
    let (word, order) = match (side, limits) {
        (Side::Min, _) => ("minimum", vec![request, limit]),
        (Side::Max, Some(_)) => ("maximum", vec![limit, request]),
        (Side::Max, None) => ("maximum", vec![request]),
    };
    let bound = &enforced.text;
    let (required, given, _) = order[0];
    if given.is_none() {
        return Some(format!(
            "{word} {resource} usage per {kind} is {bound}.  No {required} is specified"
        ));
    }
    order.into_iter().find_map(|(what, amount, value)| {
        let amount = amount?;
        let breaks = match side {
            Side::Min => value < enf_v,
            Side::Max => value > enf_v,
        };
        breaks.then(|| {
            format!(
                "{word} {resource} usage per {kind} is {bound}, but {what} is {}",
                amount.text
            )
        })
    })
}

fn ratio(
    kind: &str,
    resource: &str,
    enforced: &Amount,
    requests: &Resources,
    limits: &Resources,
) -> Option<String> {
    let (req, lim) = (requests.get(resource), limits.get(resource));
    let (req_v, lim_v, _) = compared(req, lim, enforced);
    let bound = &enforced.text;
    if req.is_none() || req_v == 0 {
        return Some(format!(
            "{resource} max limit to request ratio per {kind} is {bound}, but no request is specified or request is 0"
        ));
    }
    if lim.is_none() || lim_v == 0 {
        return Some(format!(
            "{resource} max limit to request ratio per {kind} is {bound}, but no limit is specified or limit is 0"
        ));
    }
    let observed = lim_v as f64 / req_v as f64;
    let enforced_units = enforced.value.scaled_value(0).unwrap_or(i64::MAX);
    let (scaled, allowed) = if enforced_units <= MAX_MILLI_VALUE {
        let milli = enforced.value.scaled_value(-3).unwrap_or(i64::MAX);
        (observed * 1000.0, milli as f64)
    } else {
        (observed, enforced_units as f64)
    };
    (scaled > allowed).then(|| {
        format!(
            "{resource} max limit to request ratio per {kind} is {bound}, but provided ratio is {observed:.6}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn amount(s: &str) -> Amount {
        Amount::parse(&json!(s)).unwrap()
    }

    #[test]
    fn sidecars_add_up_and_init_containers_peak() {
        let res = |cpu: &str| Resources::from([("cpu".to_string(), amount(cpu))]);
        let none = Resources::new();
        let regular = vec![(res("100m"), none.clone(), false)];
        let init = vec![
            (res("50m"), none.clone(), true),
            (res("500m"), none.clone(), false),
        ];
        let total = pod_total(&regular, &init, |(r, _, _)| r);
        // max(100m + 50m sidecar, 500m + 50m sidecar).
        assert_eq!(total["cpu"].text, "550m");
    }
}
