//! `ValidateHorizontalPodAutoscaler(Update)` of kube-apiserver 1.33 (with its default
//! feature gates: no scale to zero). kube validates the internal object, whose fields
//! are v2's: an autoscaling/v1 write is judged after conversion, so its errors name v2
//! paths (`targetCPUUtilizationPercentage: 0` is reported at
//! `spec.metrics[0].resource.target.averageUtilization`), as kube-apiserver reports them.

use std::borrow::Cow;

use kclient_core::quantity::Quantity;
use kclient_core::validation::{is_dns1123_label, is_valid_path_segment_name};
use serde_json::{Value, json};

use crate::convert::hpa::{V1, is_hpa, v1_as_v2};
use crate::error::FieldError;
use crate::registry::Served;

/// The largest scaling policy period.
const MAX_PERIOD_SECONDS: i64 = 1800;
/// The largest stabilization window.
const MAX_STABILIZATION_WINDOW_SECONDS: i64 = 3600;
const METRIC_SOURCE_TYPES: [&str; 5] = [
    "ContainerResource",
    "External",
    "Object",
    "Pods",
    "Resource",
];
const SELECT_POLICIES: [&str; 3] = ["Disabled", "Max", "Min"];
const POLICY_TYPES: [&str; 2] = ["Percent", "Pods"];

/// The spec errors of a HorizontalPodAutoscaler written at `served` (`old` on update).
pub(crate) fn validate(served: &Served, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let info = &served.info;
    if served.is_crd() || !is_hpa(&info.group, &info.kind) {
        return Vec::new();
    }
    let new = internal(obj);
    let empty = json!({});
    let spec = new.get("spec").unwrap_or(&empty);
    // An object that already scales to zero may keep doing so.
    let min_bound = match old.map(internal) {
        Some(o) if o.pointer("/spec/minReplicas").and_then(Value::as_i64) == Some(0) => 0,
        _ => 1,
    };
    let mut errs = spec_errors(spec, min_bound);
    if old.is_some() {
        // ValidateHorizontalPodAutoscalerStatusUpdate: only status writes change these.
        errs.extend(status_errors(&new));
    }
    errs
}

/// The object in v2's shape, which kube validates: only a v1 object is copied to convert it.
fn internal(v: &Value) -> Cow<'_, Value> {
    if v.get("apiVersion").and_then(Value::as_str) == Some(V1) {
        let mut v = v.clone();
        v1_as_v2(&mut v);
        Cow::Owned(v)
    } else {
        Cow::Borrowed(v)
    }
}

fn status_errors(hpa: &Value) -> Vec<FieldError> {
    ["currentReplicas", "desiredReplicas"]
        .into_iter()
        .filter_map(|key| {
            let n = hpa.pointer(&format!("/status/{key}"))?.as_i64()?;
            (n < 0).then(|| {
                FieldError::invalid(
                    format!("status.{key}"),
                    json!(n),
                    "must be greater than or equal to 0",
                )
            })
        })
        .collect()
}

fn int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn present<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|v| !v.is_null())
}

fn spec_errors(spec: &Value, min_bound: i64) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let min = int(spec, "minReplicas");
    let max = int(spec, "maxReplicas").unwrap_or(0);
    if let Some(min) = min.filter(|m| *m < min_bound) {
        errs.push(FieldError::invalid(
            "spec.minReplicas",
            json!(min),
            format!("must be greater than or equal to {min_bound}"),
        ));
    }
    if max < 1 {
        errs.push(FieldError::invalid(
            "spec.maxReplicas",
            json!(max),
            "must be greater than 0",
        ));
    }
    if min.is_some_and(|min| max < min) {
        errs.push(FieldError::invalid(
            "spec.maxReplicas",
            json!(max),
            "must be greater than or equal to `minReplicas`",
        ));
    }
    let empty = json!({});
    let reference = spec.get("scaleTargetRef").unwrap_or(&empty);
    errs.extend(cross_version_ref(reference, "spec.scaleTargetRef"));
    let metrics = spec.get("metrics").and_then(Value::as_array);
    let mut scales_on_external = false;
    for (i, m) in metrics.into_iter().flatten().enumerate() {
        errs.extend(metric_spec(m, &format!("spec.metrics[{i}]")));
        scales_on_external |= matches!(text(m, "type"), "Object" | "External");
    }
    if min == Some(0) && !scales_on_external {
        errs.push(FieldError::forbidden(
            "spec.metrics",
            "must specify at least one Object or External metric to support scaling to zero replicas",
        ));
    }
    if let Some(b) = present(spec, "behavior") {
        for key in ["scaleUp", "scaleDown"] {
            if let Some(rules) = present(b, key) {
                errs.extend(scaling_rules(rules, &format!("spec.behavior.{key}")));
            }
        }
    }
    errs
}

fn cross_version_ref(r: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for key in ["kind", "name"] {
        let value = text(r, key);
        if value.is_empty() {
            errs.push(FieldError::required(format!("{path}.{key}"), ""));
        }
        for msg in is_valid_path_segment_name(value) {
            errs.push(FieldError::invalid(
                format!("{path}.{key}"),
                json!(value),
                msg,
            ));
        }
    }
    errs
}

fn metric_spec(m: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let kind = text(m, "type");
    if kind.is_empty() {
        errs.push(FieldError::required(
            format!("{path}.type"),
            "must specify a metric source type",
        ));
    }
    if !METRIC_SOURCE_TYPES.contains(&kind) {
        errs.push(FieldError::not_supported(
            format!("{path}.type"),
            json!(kind),
            &METRIC_SOURCE_TYPES,
        ));
    }
    let mut present_sources = Vec::new();
    for (key, check) in [
        (
            "object",
            object_source as fn(&Value, &str) -> Vec<FieldError>,
        ),
        ("external", external_source),
        ("pods", pods_source),
        ("resource", resource_source),
        ("containerResource", container_resource_source),
    ] {
        if let Some(src) = present(m, key) {
            present_sources.push(key);
            if present_sources.len() == 1 {
                errs.extend(check(src, &format!("{path}.{key}")));
            }
        }
    }
    let expected = match kind {
        "Object" => "object",
        "Pods" => "pods",
        "Resource" => "resource",
        "External" => "external",
        "ContainerResource" => "containerResource",
        _ => {
            errs.push(FieldError::not_supported(
                format!("{path}.type"),
                json!(kind),
                &METRIC_SOURCE_TYPES,
            ));
            ""
        }
    };
    if !expected.is_empty() && present(m, expected).is_none() {
        errs.push(FieldError::required(
            format!("{path}.{expected}"),
            "must populate information for the given metric source",
        ));
    }
    if present_sources.len() != 1 {
        for key in present_sources.into_iter().filter(|k| *k != expected) {
            errs.push(FieldError::forbidden(
                format!("{path}.{key}"),
                "must populate the given metric source only",
            ));
        }
    }
    errs
}

fn identifier(id: Option<&Value>, path: &str) -> Vec<FieldError> {
    let name = id.map_or("", |id| text(id, "name"));
    if name.is_empty() {
        return vec![FieldError::required(
            format!("{path}.name"),
            "must specify a metric name",
        )];
    }
    is_valid_path_segment_name(name)
        .into_iter()
        .map(|msg| FieldError::invalid(format!("{path}.name"), json!(name), msg))
        .collect()
}

fn positive(q: &Value) -> bool {
    q.as_str()
        .and_then(|s| Quantity::parse(s).ok())
        .is_some_and(|q| q.sign() == 1)
}

fn target(t: Option<&Value>, path: &str) -> Vec<FieldError> {
    let empty = json!({});
    let t = t.unwrap_or(&empty);
    let mut errs = Vec::new();
    let kind = text(t, "type");
    if kind.is_empty() {
        errs.push(FieldError::required(
            format!("{path}.type"),
            "must specify a metric target type",
        ));
    }
    if !matches!(kind, "Utilization" | "Value" | "AverageValue") {
        errs.push(FieldError::invalid(
            format!("{path}.type"),
            json!(kind),
            "must be either Utilization, Value, or AverageValue",
        ));
    }
    for key in ["value", "averageValue"] {
        if let Some(q) = present(t, key).filter(|q| !positive(q)) {
            errs.push(FieldError::invalid(
                format!("{path}.{key}"),
                q.clone(),
                "must be positive",
            ));
        }
    }
    if let Some(u) = int(t, "averageUtilization").filter(|u| *u < 1) {
        errs.push(FieldError::invalid(
            format!("{path}.averageUtilization"),
            json!(u),
            "must be greater than 0",
        ));
    }
    errs
}

fn object_source(src: &Value, path: &str) -> Vec<FieldError> {
    let empty = json!({});
    let mut errs = cross_version_ref(
        src.get("describedObject").unwrap_or(&empty),
        &format!("{path}.describedObject"),
    );
    errs.extend(identifier(src.get("metric"), &format!("{path}.metric")));
    errs.extend(target(src.get("target"), &format!("{path}.target")));
    let t = src.get("target").unwrap_or(&empty);
    if present(t, "value").is_none() && present(t, "averageValue").is_none() {
        errs.push(FieldError::required(
            format!("{path}.target.averageValue"),
            "must set either a target value or averageValue",
        ));
    }
    errs
}

fn external_source(src: &Value, path: &str) -> Vec<FieldError> {
    let empty = json!({});
    let mut errs = identifier(src.get("metric"), &format!("{path}.metric"));
    errs.extend(target(src.get("target"), &format!("{path}.target")));
    let t = src.get("target").unwrap_or(&empty);
    match (present(t, "value"), present(t, "averageValue")) {
        (None, None) => errs.push(FieldError::required(
            format!("{path}.target.averageValue"),
            "must set either a target value for metric or a per-pod target",
        )),
        (Some(_), Some(_)) => errs.push(FieldError::forbidden(
            format!("{path}.target.value"),
            "may not set both a target value for metric and a per-pod target",
        )),
        _ => {}
    }
    errs
}

fn pods_source(src: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = identifier(src.get("metric"), &format!("{path}.metric"));
    errs.extend(target(src.get("target"), &format!("{path}.target")));
    if src
        .get("target")
        .and_then(|t| present(t, "averageValue"))
        .is_none()
    {
        errs.push(FieldError::required(
            format!("{path}.target.averageValue"),
            "must specify a positive target averageValue",
        ));
    }
    errs
}

/// The checks Resource and ContainerResource sources share.
fn resource_target(src: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let empty = json!({});
    errs.extend(target(src.get("target"), &format!("{path}.target")));
    let t = src.get("target").unwrap_or(&empty);
    match (present(t, "averageUtilization"), present(t, "averageValue")) {
        (None, None) => errs.push(FieldError::required(
            format!("{path}.target.averageUtilization"),
            "must set either a target raw value or a target utilization",
        )),
        (Some(_), Some(_)) => errs.push(FieldError::forbidden(
            format!("{path}.target.averageValue"),
            "may not set both a target raw value and a target utilization",
        )),
        _ => {}
    }
}

fn resource_source(src: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if text(src, "name").is_empty() {
        errs.push(FieldError::required(
            format!("{path}.name"),
            "must specify a resource name",
        ));
    }
    resource_target(src, path, &mut errs);
    errs
}

fn container_resource_source(src: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if text(src, "name").is_empty() {
        errs.push(FieldError::required(
            format!("{path}.name"),
            "must specify a resource name",
        ));
    }
    let container = text(src, "container");
    if container.is_empty() {
        errs.push(FieldError::required(
            format!("{path}.container"),
            "must specify a container",
        ));
    } else {
        for msg in is_dns1123_label(container) {
            errs.push(FieldError::invalid(
                format!("{path}.container"),
                json!(container),
                msg,
            ));
        }
    }
    resource_target(src, path, &mut errs);
    errs
}

fn scaling_rules(rules: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(w) = int(rules, "stabilizationWindowSeconds") {
        if w < 0 {
            errs.push(FieldError::invalid(
                format!("{path}.stabilizationWindowSeconds"),
                json!(w),
                "must be greater than or equal to zero",
            ));
        }
        if w > MAX_STABILIZATION_WINDOW_SECONDS {
            errs.push(FieldError::invalid(
                format!("{path}.stabilizationWindowSeconds"),
                json!(w),
                format!("must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"),
            ));
        }
    }
    if let Some(p) = present(rules, "selectPolicy")
        && !SELECT_POLICIES.contains(&p.as_str().unwrap_or(""))
    {
        errs.push(FieldError::not_supported(
            format!("{path}.selectPolicy"),
            p.clone(),
            &SELECT_POLICIES,
        ));
    }
    let policies = rules.get("policies").and_then(Value::as_array);
    if policies.is_none_or(Vec::is_empty) {
        errs.push(FieldError::required(
            format!("{path}.policies"),
            "must specify at least one Policy",
        ));
    }
    for (i, p) in policies.into_iter().flatten().enumerate() {
        let at = format!("{path}.policies[{i}]");
        let kind = text(p, "type");
        if !POLICY_TYPES.contains(&kind) {
            errs.push(FieldError::not_supported(
                format!("{at}.type"),
                json!(kind),
                &POLICY_TYPES,
            ));
        }
        let value = int(p, "value").unwrap_or(0);
        if value <= 0 {
            errs.push(FieldError::invalid(
                format!("{at}.value"),
                json!(value),
                "must be greater than zero",
            ));
        }
        let period = int(p, "periodSeconds").unwrap_or(0);
        if period <= 0 {
            errs.push(FieldError::invalid(
                format!("{at}.periodSeconds"),
                json!(period),
                "must be greater than zero",
            ));
        }
        if period > MAX_PERIOD_SECONDS {
            errs.push(FieldError::invalid(
                format!("{at}.periodSeconds"),
                json!(period),
                format!("must be less than or equal to {MAX_PERIOD_SECONDS}"),
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(spec: Value) -> Vec<String> {
        spec_errors(&spec, 1)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn replicas_bounds_and_reference() {
        let errs = bodies(json!({"scaleTargetRef": {"kind": "Deployment", "name": ""},
            "minReplicas": 0, "maxReplicas": -1,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80}}}]}));
        assert_eq!(
            errs,
            vec![
                "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
                "spec.maxReplicas: Invalid value: -1: must be greater than 0",
                "spec.maxReplicas: Invalid value: -1: must be greater than or equal to `minReplicas`",
                "spec.scaleTargetRef.name: Required value",
                "spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas",
            ]
        );
    }

    #[test]
    fn status_counts_are_not_negative() {
        let status = json!({"status": {"currentReplicas": -1, "desiredReplicas": 2}});
        let errs: Vec<String> = status_errors(&status)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            ["status.currentReplicas: Invalid value: -1: must be greater than or equal to 0"]
        );
    }

    #[test]
    fn metric_targets_and_behavior() {
        let errs = bodies(
            json!({"scaleTargetRef": {"kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 3,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 0}}},
                {"type": "Pods"}],
            "behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 0, "periodSeconds": 1801}]}}}),
        );
        assert_eq!(
            errs,
            vec![
                "spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0",
                "spec.metrics[1].pods: Required value: must populate information for the given metric source",
                "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
                "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800",
            ]
        );
    }
}
