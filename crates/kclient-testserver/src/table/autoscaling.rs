//! The HorizontalPodAutoscaler printer. kube-apiserver prints the internal object, so an
//! autoscaling/v1 read shows the same cells as a v2 read: v1 objects are printed in
//! their v2 form.

use jiff::Timestamp;
use serde_json::Value;

use super::format::{age, at, int, list, text};
use super::{AGE, NAME, Printed, Printer, col};
use crate::convert::hpa::{V1, v1_as_v2};

/// The printer of `group`/`kind`, if it is the HorizontalPodAutoscaler.
pub(super) fn printer(group: &str, kind: &str) -> Option<&'static Printer> {
    crate::convert::hpa::is_hpa(group, kind).then_some(&HPA)
}

static HPA: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Reference",
            "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.",
        ),
        col(
            "Targets",
            "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.",
        ),
        col(
            "MinPods",
            "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.",
        ),
        col(
            "MaxPods",
            "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.",
        ),
        col(
            "Replicas",
            "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
        ),
        AGE,
    ],
    row: hpa_row,
};

fn hpa_row(obj: &Value, now: Timestamp) -> Printed {
    let converted;
    let hpa = if text(obj, "apiVersion") == V1 {
        let mut v = obj.clone();
        v1_as_v2(&mut v);
        converted = v;
        &converted
    } else {
        obj
    };
    let min = at(hpa, "spec.minReplicas")
        .and_then(Value::as_i64)
        .map_or_else(|| "<unset>".to_string(), |m| m.to_string());
    vec![
        Value::String(text(hpa, "metadata.name").into()),
        Value::String(format!(
            "{}/{}",
            text(hpa, "spec.scaleTargetRef.kind"),
            text(hpa, "spec.scaleTargetRef.name")
        )),
        Value::String(targets(
            list(hpa, "spec.metrics"),
            list(hpa, "status.currentMetrics"),
        )),
        Value::String(min),
        int(hpa, "spec.maxReplicas").into(),
        int(hpa, "status.currentReplicas").into(),
        age(hpa, now),
    ]
    .into()
}

/// A Quantity as Go's `String()` prints it (stored quantities are canonical already).
fn quantity(v: &Value, path: &str) -> String {
    match at(v, path).and_then(Value::as_str) {
        Some(q) => q.to_string(),
        None => "0".to_string(),
    }
}

/// The `Targets` cell: `current/target` per metric, at most two, as kube's printer.
fn targets(specs: &[Value], statuses: &[Value]) -> String {
    const SHOWN: usize = 2;
    if specs.is_empty() {
        return "<none>".into();
    }
    let unknown = || "<unknown>".to_string();
    let cells: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let status = statuses.get(i);
            let source = |key: &str| status.and_then(|s| at(s, key)).filter(|v| !v.is_null());
            match text(spec, "type") {
                kind @ ("External" | "Object") => {
                    let key = if kind == "External" {
                        "external"
                    } else {
                        "object"
                    };
                    if at(spec, &format!("{key}.target.averageValue")).is_some() {
                        let current = source(key)
                            .filter(|s| at(s, "current.averageValue").is_some())
                            .map_or_else(unknown, |s| quantity(s, "current.averageValue"));
                        let target = quantity(spec, &format!("{key}.target.averageValue"));
                        format!("{current}/{target} (avg)")
                    } else {
                        let current =
                            source(key).map_or_else(unknown, |s| quantity(s, "current.value"));
                        let target = quantity(spec, &format!("{key}.target.value"));
                        format!("{current}/{target}")
                    }
                }
                "Pods" => {
                    let current = source("pods")
                        .map_or_else(unknown, |s| quantity(s, "current.averageValue"));
                    format!("{current}/{}", quantity(spec, "pods.target.averageValue"))
                }
                kind @ ("Resource" | "ContainerResource") => {
                    let key = if kind == "Resource" {
                        "resource"
                    } else {
                        "containerResource"
                    };
                    let name = text(spec, &format!("{key}.name"));
                    if at(spec, &format!("{key}.target.averageValue")).is_some() {
                        let current = source(key)
                            .map_or_else(unknown, |s| quantity(s, "current.averageValue"));
                        let target = quantity(spec, &format!("{key}.target.averageValue"));
                        format!("{name}: {current}/{target}")
                    } else {
                        let current = source(key)
                            .and_then(|s| at(s, "current.averageUtilization"))
                            .and_then(Value::as_i64)
                            .map_or_else(unknown, |u| format!("{u}%"));
                        let target = at(spec, &format!("{key}.target.averageUtilization"))
                            .and_then(Value::as_i64)
                            .map_or_else(|| "<auto>".to_string(), |u| format!("{u}%"));
                        format!("{name}: {current}/{target}")
                    }
                }
                _ => "<unknown type>".into(),
            }
        })
        .collect();
    let shown = cells[..cells.len().min(SHOWN)].join(", ");
    if cells.len() > SHOWN {
        format!("{shown} + {} more...", cells.len() - SHOWN)
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn targets_match_kube_s_printer() {
        let cpu = json!({"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 80}}});
        assert_eq!(
            targets(std::slice::from_ref(&cpu), &[]),
            "cpu: <unknown>/80%"
        );
        let memory = json!({"type": "Resource", "resource": {"name": "memory",
            "target": {"type": "AverageValue", "averageValue": "500Mi"}}});
        let pods = json!({"type": "Pods", "pods": {"metric": {"name": "qps"},
            "target": {"type": "AverageValue", "averageValue": "1k"}}});
        let status = json!({"type": "Resource", "resource": {"name": "cpu",
            "current": {"averageUtilization": 12, "averageValue": "60m"}}});
        assert_eq!(
            targets(&[cpu, memory, pods], &[status]),
            "cpu: 12%/80%, memory: <unknown>/500Mi + 1 more..."
        );
        assert_eq!(targets(&[], &[]), "<none>");
    }

    #[test]
    fn a_v1_object_prints_as_its_v2_form() {
        let v1 = json!({"apiVersion": V1, "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5},
            "status": {"currentReplicas": 2, "desiredReplicas": 2}});
        let printed = hpa_row(&v1, Timestamp::now());
        assert_eq!(
            printed.cells[..6],
            [
                json!("web"),
                json!("Deployment/web"),
                json!("cpu: <unknown>/80%"),
                json!("<unset>"),
                json!(5),
                json!(2)
            ]
        );
    }
}
