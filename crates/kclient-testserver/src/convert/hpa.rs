//! HorizontalPodAutoscaler autoscaling/v1 <-> autoscaling/v2, as kube-apiserver 1.33
//! converts them (pkg/apis/autoscaling/v1/conversion.go). Objects are stored as v2.
//!
//! v1 has one CPU utilization target and one current CPU utilization; everything else
//! v2 holds travels in four annotations of the v1 object: the other metrics, all current
//! metrics, the conditions (as v1's JSON) and the behavior (as the JSON of kube's
//! internal Go type, which has no JSON tags, hence `ScaleUp`, `StabilizationWindowSeconds`,
//! ...). v2 never shows these annotations: converting either way drops them.

use serde_json::{Map, Value, json};

use super::hpa_metrics::{GoObject, spec_to_v1, spec_to_v2, status_to_v1, status_to_v2};

/// The version HorizontalPodAutoscalers are served in besides the stored one.
pub(crate) const V1: &str = "autoscaling/v1";
/// The version HorizontalPodAutoscalers are stored in.
pub(crate) const V2: &str = "autoscaling/v2";

/// `autoscaling.MetricSpecsAnnotation`: the metrics other than the CPU utilization target.
const METRICS: &str = "autoscaling.alpha.kubernetes.io/metrics";
/// `autoscaling.MetricStatusesAnnotation`: every current metric.
const CURRENT_METRICS: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
/// `autoscaling.HorizontalPodAutoscalerConditionsAnnotation`.
const CONDITIONS: &str = "autoscaling.alpha.kubernetes.io/conditions";
/// `autoscaling.BehaviorSpecsAnnotation`.
const BEHAVIOR: &str = "autoscaling.alpha.kubernetes.io/behavior";
const ROUND_TRIP: [&str; 4] = [METRICS, BEHAVIOR, CURRENT_METRICS, CONDITIONS];

/// `autoscaling.DefaultCPUUtilization`: the target of an HPA without metrics.
pub(crate) const DEFAULT_CPU_UTILIZATION: i64 = 80;

/// Whether `group`/`kind` is the HorizontalPodAutoscaler.
pub(crate) fn is_hpa(group: &str, kind: &str) -> bool {
    group == "autoscaling" && kind == "HorizontalPodAutoscaler"
}

/// Converts a HorizontalPodAutoscaler stored or written as the other version into `to`'s
/// form; returns whether `obj` is one.
pub(super) fn convert(obj: &mut Map<String, Value>, to: &str) -> bool {
    if obj.get("kind").and_then(Value::as_str) != Some("HorizontalPodAutoscaler") {
        return false;
    }
    match (obj.get("apiVersion").and_then(Value::as_str), to) {
        (Some(V2), V1) => v2_to_v1(obj),
        (Some(V1), V2) => v1_to_v2(obj),
        _ => return false,
    }
    true
}

/// The stored form of a HorizontalPodAutoscaler written in either version: v2, without
/// the round-trip annotations, with v2's defaults and the fields Go always writes.
pub(crate) fn to_storage(obj: &mut Value) {
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    if map.get("apiVersion").and_then(Value::as_str) == Some(V1) {
        v1_to_v2(map);
    } else {
        drop_round_trip(map);
    }
    map.insert("apiVersion".into(), json!(V2));
    crate::defaults::apply("autoscaling", "v2", "HorizontalPodAutoscaler", obj);
    if let Some(status) = obj.get_mut("status").and_then(Value::as_object_mut) {
        // Go's encoder writes these two v2 status fields even when empty.
        status.entry("desiredReplicas").or_insert(json!(0));
        status.entry("currentMetrics").or_insert(Value::Null);
    }
}

/// An autoscaling/v1 object in v2's shape, without v2's defaults: what kube validates.
pub(crate) fn v1_as_v2(obj: &mut Value) {
    if let Some(map) = obj.as_object_mut() {
        v1_to_v2(map);
        map.insert("apiVersion".into(), json!(V2));
    }
}

/// The annotations holding a v1 object's status beyond CPU utilization.
const STATUS_ANNOTATIONS: [&str; 2] = [CURRENT_METRICS, CONDITIONS];

/// Gives the v1 object `to` the status annotations of `from`, whose status it takes.
pub(crate) fn carry_status_annotations(from: &Value, to: &mut Value) {
    let Some(to) = to.as_object_mut() else {
        return;
    };
    if to.get("apiVersion").and_then(Value::as_str) != Some(V1) {
        return;
    }
    let source = from
        .pointer("/metadata/annotations")
        .and_then(Value::as_object);
    for key in STATUS_ANNOTATIONS {
        match source.and_then(|a| a.get(key)).and_then(Value::as_str) {
            Some(v) => set_annotation(to, key, v.to_string()),
            None => {
                if let Some(ann) = annotations(to) {
                    ann.remove(key);
                }
            }
        }
    }
}

fn annotations(obj: &mut Map<String, Value>) -> Option<&mut Map<String, Value>> {
    obj.get_mut("metadata")?
        .as_object_mut()?
        .get_mut("annotations")?
        .as_object_mut()
}

/// Removes the round-trip annotations; returns those there were.
fn drop_round_trip(obj: &mut Map<String, Value>) -> Map<String, Value> {
    let mut taken = Map::new();
    let Some(ann) = annotations(obj) else {
        return taken;
    };
    for key in ROUND_TRIP {
        if let Some(v) = ann.remove(key) {
            taken.insert(key.to_string(), v);
        }
    }
    let empty = ann.is_empty();
    if empty && let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        // Go omits an empty annotation map.
        meta.remove("annotations");
    }
    taken
}

fn set_annotation(obj: &mut Map<String, Value>, key: &str, value: String) {
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(meta) = meta {
        let ann = meta.entry("annotations").or_insert_with(|| json!({}));
        if let Some(ann) = ann.as_object_mut() {
            ann.insert(key.to_string(), Value::String(value));
        }
    }
}

fn list(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn is_cpu_resource(m: &Value) -> bool {
    m.get("type").and_then(Value::as_str) == Some("Resource")
        && m.pointer("/resource/name").and_then(Value::as_str) == Some("cpu")
}

fn present<'a>(v: &'a Value, pointer: &str) -> Option<&'a Value> {
    v.pointer(pointer).filter(|v| !v.is_null())
}

fn v2_to_v1(obj: &mut Map<String, Value>) {
    drop_round_trip(obj);
    let spec = obj.remove("spec").unwrap_or_else(|| json!({}));
    let status = obj.remove("status").unwrap_or_else(|| json!({}));
    let metrics = list(spec.get("metrics"));

    let mut v1_spec = Map::new();
    let reference = spec.get("scaleTargetRef").cloned();
    v1_spec.insert(
        "scaleTargetRef".into(),
        reference.unwrap_or_else(|| json!({"kind": "", "name": ""})),
    );
    if let Some(min) = present(&spec, "/minReplicas") {
        v1_spec.insert("minReplicas".into(), min.clone());
    }
    v1_spec.insert(
        "maxReplicas".into(),
        spec.get("maxReplicas").cloned().unwrap_or(json!(0)),
    );
    // The first CPU resource metric decides, whether or not it targets utilization.
    if let Some(cpu) = metrics.iter().find(|m| is_cpu_resource(m))
        && let Some(u) = present(cpu, "/resource/target/averageUtilization")
    {
        v1_spec.insert("targetCPUUtilizationPercentage".into(), u.clone());
    }

    let current = list(status.get("currentMetrics"));
    let mut v1_status = Map::new();
    for key in ["observedGeneration", "lastScaleTime"] {
        if let Some(v) = present(&status, &format!("/{key}")) {
            v1_status.insert(key.into(), v.clone());
        }
    }
    for key in ["currentReplicas", "desiredReplicas"] {
        v1_status.insert(key.into(), status.get(key).cloned().unwrap_or(json!(0)));
    }
    // The last CPU utilization reported wins.
    if let Some(u) = current
        .iter()
        .filter(|m| is_cpu_resource(m))
        .filter_map(|m| present(m, "/resource/current/averageUtilization"))
        .next_back()
    {
        v1_status.insert("currentCPUUtilizationPercentage".into(), u.clone());
    }

    let others: Vec<String> = metrics
        .iter()
        .filter(|m| {
            !(is_cpu_resource(m) && present(m, "/resource/target/averageUtilization").is_some())
        })
        .map(spec_to_v1)
        .collect();
    if !others.is_empty() {
        set_annotation(obj, METRICS, format!("[{}]", others.join(",")));
    }
    if !current.is_empty() {
        let all: Vec<String> = current.iter().map(status_to_v1).collect();
        set_annotation(obj, CURRENT_METRICS, format!("[{}]", all.join(",")));
    }
    let conditions = list(status.get("conditions"));
    if !conditions.is_empty() {
        let all: Vec<String> = conditions.iter().map(condition_json).collect();
        set_annotation(obj, CONDITIONS, format!("[{}]", all.join(",")));
    }
    if let Some(behavior) = present(&spec, "/behavior") {
        set_annotation(obj, BEHAVIOR, behavior_json(behavior));
    }
    obj.insert("spec".into(), Value::Object(v1_spec));
    obj.insert("status".into(), Value::Object(v1_status));
}

/// A condition in v1's field order (a zero `lastTransitionTime` is written as null).
fn condition_json(c: &Value) -> String {
    GoObject::new()
        .value("type", c.get("type").or(Some(&json!(""))))
        .value("status", c.get("status").or(Some(&json!(""))))
        .value("lastTransitionTime", c.get("lastTransitionTime"))
        .opt("reason", c.get("reason"))
        .opt("message", c.get("message"))
        .finish()
}

/// The v2 behavior as kube's internal type marshals it: Go field names, nil pointers as null.
fn behavior_json(b: &Value) -> String {
    let rules = |key: &str| -> String {
        let Some(r) = b.get(key).filter(|r| r.is_object()) else {
            return "null".into();
        };
        let policies = list(r.get("policies"));
        let policies = if policies.is_empty() {
            "null".to_string()
        } else {
            let all: Vec<String> = policies
                .iter()
                .map(|p| {
                    GoObject::new()
                        .value("Type", p.get("type").or(Some(&json!(""))))
                        .value("Value", p.get("value").or(Some(&json!(0))))
                        .value("PeriodSeconds", p.get("periodSeconds").or(Some(&json!(0))))
                        .finish()
                })
                .collect();
            format!("[{}]", all.join(","))
        };
        GoObject::new()
            .value(
                "StabilizationWindowSeconds",
                r.get("stabilizationWindowSeconds"),
            )
            .value("SelectPolicy", r.get("selectPolicy"))
            .raw("Policies", &policies)
            .value("Tolerance", r.get("tolerance"))
            .finish()
    };
    GoObject::new()
        .raw("ScaleUp", &rules("scaleUp"))
        .raw("ScaleDown", &rules("scaleDown"))
        .finish()
}

/// A field of a Go struct decoded without JSON tags: Go matches names case-insensitively.
fn go_field<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// The behavior annotation as v2's `behavior`; `None` when malformed or empty (kube moves
/// only well-formed, non-empty data from annotations to fields).
fn behavior_from(raw: &str) -> Option<Value> {
    let parsed: Value = serde_json::from_str(raw).ok()?;
    let b = parsed.as_object()?;
    let rules = |key: &str| -> Result<Option<Value>, ()> {
        let Some(r) = go_field(b, key) else {
            return Ok(None);
        };
        let r = r.as_object().ok_or(())?;
        let mut out = Map::new();
        for (go, v2) in [
            ("StabilizationWindowSeconds", "stabilizationWindowSeconds"),
            ("SelectPolicy", "selectPolicy"),
            ("Tolerance", "tolerance"),
        ] {
            if let Some(v) = go_field(r, go) {
                out.insert(v2.into(), v.clone());
            }
        }
        if let Some(p) = go_field(r, "Policies") {
            let policies = p
                .as_array()
                .ok_or(())?
                .iter()
                .map(|p| {
                    let p = p.as_object().ok_or(())?;
                    let get = |k: &str, zero: Value| go_field(p, k).cloned().unwrap_or(zero);
                    Ok(
                        json!({"type": get("Type", json!("")), "value": get("Value", json!(0)),
                        "periodSeconds": get("PeriodSeconds", json!(0))}),
                    )
                })
                .collect::<Result<Vec<Value>, ()>>()?;
            if !policies.is_empty() {
                out.insert("policies".into(), Value::Array(policies));
            }
        }
        Ok(Some(Value::Object(out)))
    };
    let up = rules("ScaleUp").ok()?;
    let down = rules("ScaleDown").ok()?;
    if up.is_none() && down.is_none() {
        return None;
    }
    let mut out = Map::new();
    if let Some(up) = up {
        out.insert("scaleUp".into(), up);
    }
    if let Some(down) = down {
        out.insert("scaleDown".into(), down);
    }
    Some(Value::Object(out))
}

/// An annotation holding a JSON list of objects; `None` when malformed (ignored, as kube
/// ignores annotations it cannot decode).
fn object_list(raw: Option<&Value>) -> Option<Vec<Value>> {
    let parsed: Value = serde_json::from_str(raw?.as_str()?).ok()?;
    let items = parsed.as_array()?;
    items.iter().all(Value::is_object).then(|| items.clone())
}

/// A v2 metric targeting this average CPU utilization (percent); v2's default metric
/// targets [`DEFAULT_CPU_UTILIZATION`].
pub(crate) fn cpu_metric(utilization: Value) -> Value {
    json!({"type": "Resource", "resource": {"name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": utilization}}})
}

fn v1_to_v2(obj: &mut Map<String, Value>) {
    let taken = drop_round_trip(obj);
    let spec = obj.remove("spec").unwrap_or_else(|| json!({}));
    let status = obj.remove("status").unwrap_or_else(|| json!({}));

    let mut metrics: Vec<Value> = present(&spec, "/targetCPUUtilizationPercentage")
        .map(|u| cpu_metric(u.clone()))
        .into_iter()
        .collect();
    if let Some(others) = object_list(taken.get(METRICS)) {
        // The annotation's metrics come first, the CPU target last.
        let mut all: Vec<Value> = others.iter().map(spec_to_v2).collect();
        all.append(&mut metrics);
        metrics = all;
    }
    if metrics.is_empty() {
        metrics.push(cpu_metric(json!(DEFAULT_CPU_UTILIZATION)));
    }
    let mut v2_spec = Map::new();
    v2_spec.insert(
        "scaleTargetRef".into(),
        spec.get("scaleTargetRef")
            .cloned()
            .unwrap_or_else(|| json!({"kind": "", "name": ""})),
    );
    if let Some(min) = present(&spec, "/minReplicas") {
        v2_spec.insert("minReplicas".into(), min.clone());
    }
    v2_spec.insert(
        "maxReplicas".into(),
        spec.get("maxReplicas").cloned().unwrap_or(json!(0)),
    );
    v2_spec.insert("metrics".into(), Value::Array(metrics));
    if let Some(b) = taken
        .get(BEHAVIOR)
        .and_then(Value::as_str)
        .and_then(behavior_from)
    {
        v2_spec.insert("behavior".into(), b);
    }

    let mut v2_status = Map::new();
    for key in ["observedGeneration", "lastScaleTime"] {
        if let Some(v) = present(&status, &format!("/{key}")) {
            v2_status.insert(key.into(), v.clone());
        }
    }
    if let Some(n) = status
        .get("currentReplicas")
        .filter(|n| n.as_i64() != Some(0) && !n.is_null())
    {
        v2_status.insert("currentReplicas".into(), n.clone());
    }
    v2_status.insert(
        "desiredReplicas".into(),
        status.get("desiredReplicas").cloned().unwrap_or(json!(0)),
    );
    let mut current = match present(&status, "/currentCPUUtilizationPercentage") {
        Some(u) => json!([{"type": "Resource", "resource": {"name": "cpu",
            "current": {"averageUtilization": u}}}]),
        None => Value::Null,
    };
    if let Some(all) = object_list(taken.get(CURRENT_METRICS)) {
        current = Value::Array(all.iter().map(status_to_v2).collect());
    }
    v2_status.insert("currentMetrics".into(), current);
    if let Some(conditions) = object_list(taken.get(CONDITIONS)) {
        v2_status.insert("conditions".into(), Value::Array(conditions));
    }
    obj.insert("spec".into(), Value::Object(v2_spec));
    obj.insert("status".into(), Value::Object(v2_status));
}

#[cfg(test)]
#[path = "hpa_tests.rs"]
mod tests;
