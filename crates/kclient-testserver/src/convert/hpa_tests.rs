use serde_json::{Value, json};

use super::*;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("object")
}

fn stored(v: Value) -> Value {
    let mut v = v;
    to_storage(&mut v);
    v
}

fn read_as(stored: &Value, to: &str) -> Value {
    let mut m = obj(stored.clone());
    assert!(convert(&mut m, to));
    m.insert("apiVersion".into(), json!(to));
    Value::Object(m)
}

#[test]
fn a_v1_cpu_target_is_stored_as_a_v2_utilization_metric() {
    let v1 = json!({"apiVersion": V1, "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50}});
    let v2 = stored(v1);
    assert_eq!(v2["apiVersion"], V2);
    assert_eq!(
        v2["spec"]["metrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 50}}}])
    );
    assert!(v2["spec"].get("targetCPUUtilizationPercentage").is_none());
    // Go writes the status struct, and these two of its fields, even when empty.
    assert_eq!(
        v2["status"],
        json!({"desiredReplicas": 0, "currentMetrics": null})
    );
    let back = read_as(&v2, V1);
    assert_eq!(back["spec"]["targetCPUUtilizationPercentage"], 50);
    assert!(back["metadata"].get("annotations").is_none());
}

#[test]
fn a_v1_object_without_a_target_gets_cpu_80() {
    let v1 = json!({"apiVersion": V1, "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"}, "status": {},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5}});
    let v2 = stored(v1);
    assert_eq!(
        v2["spec"]["metrics"][0]["resource"]["target"],
        json!({"type": "Utilization", "averageUtilization": 80})
    );
    assert_eq!(v2["spec"]["minReplicas"], 1);
    assert_eq!(
        v2["status"],
        json!({"desiredReplicas": 0, "currentMetrics": null})
    );
    let back = read_as(&v2, V1);
    assert_eq!(back["spec"]["targetCPUUtilizationPercentage"], 80);
    assert_eq!(
        back["status"],
        json!({"currentReplicas": 0, "desiredReplicas": 0})
    );
}

fn rich_v2() -> Value {
    json!({"apiVersion": V2, "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "annotations": {"team": "a"}},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": 2, "maxReplicas": 10,
            "metrics": [
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}}}],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60,
                "policies": [{"type": "Pods", "value": 1, "periodSeconds": 30}]}}},
        "status": {"currentReplicas": 3, "desiredReplicas": 4,
            "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
                "current": {"averageUtilization": 70, "averageValue": "350m"}}}],
            "conditions": [{"type": "AbleToScale", "status": "True",
                "lastTransitionTime": "2026-01-01T00:00:00Z", "reason": "ReadyForNewScale"}]}})
}

#[test]
fn v2_fields_v1_lacks_travel_in_kube_s_annotations() {
    let v2 = stored(rich_v2());
    let v1 = read_as(&v2, V1);
    let ann = &v1["metadata"]["annotations"];
    assert_eq!(ann["team"], "a");
    assert_eq!(
        ann[METRICS],
        r#"[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"500Mi"}}]"#
    );
    assert_eq!(
        ann[CURRENT_METRICS],
        r#"[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":70,"currentAverageValue":"350m"}}]"#
    );
    assert_eq!(
        ann[CONDITIONS],
        r#"[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"ReadyForNewScale"}]"#
    );
    // Behavior as stored, i.e. with v2's defaults filled in.
    assert_eq!(
        ann[BEHAVIOR],
        concat!(
            r#"{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null},"#,
            r#""ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":30}],"Tolerance":null}}"#
        )
    );
    assert_eq!(
        v1["spec"],
        json!({"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": 2, "maxReplicas": 10, "targetCPUUtilizationPercentage": 60})
    );
    assert_eq!(
        v1["status"],
        json!({"currentReplicas": 3, "desiredReplicas": 4, "currentCPUUtilizationPercentage": 70})
    );
    // Writing the v1 object back loses nothing; as in kube, the CPU target comes last.
    let mut expected = v2.clone();
    if let Some(m) = expected["spec"]["metrics"].as_array_mut() {
        m.rotate_left(1);
    }
    assert_eq!(stored(v1), expected);
}

#[test]
fn v2_never_shows_round_trip_annotations() {
    let mut v2 = rich_v2();
    v2["metadata"]["annotations"][METRICS] = json!("[]");
    v2["metadata"]["annotations"][BEHAVIOR] = json!("{}");
    let s = stored(v2);
    assert_eq!(s["metadata"]["annotations"], json!({"team": "a"}));
}

#[test]
fn malformed_annotations_are_ignored() {
    let v1 = json!({"apiVersion": V1, "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "annotations": {METRICS: "not json", BEHAVIOR: "{}",
            CURRENT_METRICS: "[1]", CONDITIONS: "{"}},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
            "targetCPUUtilizationPercentage": 20}});
    let v2 = stored(v1);
    assert!(v2["metadata"].get("annotations").is_none());
    assert_eq!(v2["spec"]["metrics"].as_array().map(Vec::len), Some(1));
    assert!(v2["spec"].get("behavior").is_none());
    assert_eq!(v2["status"]["currentMetrics"], json!(null));
}

#[test]
fn other_kinds_and_same_versions_are_left_alone() {
    let mut pod = obj(json!({"apiVersion": "v1", "kind": "Pod", "spec": {}}));
    assert!(!convert(&mut pod, V1));
    let mut same = obj(rich_v2());
    assert!(!convert(&mut same, V2));
    assert_eq!(Value::Object(same), rich_v2());
}
