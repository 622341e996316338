//! The metric sources and statuses of a HorizontalPodAutoscaler between autoscaling/v2's
//! shape (`metric` / `target` / `current` records) and the flat autoscaling/v1 shape
//! (`metricName`, `targetAverageValue`, ...) kube-apiserver writes into the v1 object's
//! round-trip annotations, in the field order Go's `encoding/json` writes them.

use serde_json::{Map, Value, json};

/// A JSON object written in the order its fields are added: Go's `encoding/json` writes
/// struct fields in declaration order, and serde_json's sorted maps cannot keep one.
pub(super) struct GoObject(String);

impl GoObject {
    pub(super) fn new() -> Self {
        GoObject(String::from("{"))
    }

    /// A field holding already serialized JSON.
    pub(super) fn raw(mut self, key: &str, raw: &str) -> Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&Value::String(key.to_string()).to_string());
        self.0.push(':');
        self.0.push_str(raw);
        self
    }

    /// A field always written (`null` when missing, as Go writes a nil pointer).
    pub(super) fn value(self, key: &str, v: Option<&Value>) -> Self {
        let raw = v.map_or_else(|| "null".to_string(), Value::to_string);
        self.raw(key, &raw)
    }

    /// An `omitempty` field: left out when missing, null, "" or an empty list.
    pub(super) fn opt(self, key: &str, v: Option<&Value>) -> Self {
        match v {
            None | Some(Value::Null) => self,
            Some(Value::String(s)) if s.is_empty() => self,
            Some(Value::Array(a)) if a.is_empty() => self,
            Some(v) => self.raw(key, &v.to_string()),
        }
    }

    /// An `omitempty` field written by `write` when present.
    fn opt_with(self, key: &str, v: Option<&Value>, write: fn(&Value) -> String) -> Self {
        match v {
            None | Some(Value::Null) => self,
            Some(v) => {
                let raw = write(v);
                self.raw(key, &raw)
            }
        }
    }

    pub(super) fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|v| !v.is_null())
}

fn at<'a>(v: &'a Value, outer: &str, inner: &str) -> Option<&'a Value> {
    get(v, outer).and_then(|o| get(o, inner))
}

/// A non-pointer Quantity: Go writes its zero value as "0".
fn quantity(v: Option<&Value>) -> String {
    v.cloned().unwrap_or_else(|| json!("0")).to_string()
}

/// A non-pointer string field (Go writes "" when unset).
fn string(v: Option<&Value>) -> String {
    v.cloned().unwrap_or_else(|| json!("")).to_string()
}

/// A `metav1.LabelSelector` in Go's field order.
fn selector(v: &Value) -> String {
    let exprs = get(v, "matchExpressions")
        .and_then(Value::as_array)
        .map(|list| {
            let items: Vec<String> = list
                .iter()
                .map(|e| {
                    GoObject::new()
                        .raw("key", &string(get(e, "key")))
                        .raw("operator", &string(get(e, "operator")))
                        .opt("values", get(e, "values"))
                        .finish()
                })
                .collect();
            format!("[{}]", items.join(","))
        });
    let mut out = GoObject::new().opt(
        "matchLabels",
        get(v, "matchLabels").filter(|m| m.as_object().is_some_and(|m| !m.is_empty())),
    );
    if let Some(exprs) = exprs.filter(|e| e != "[]") {
        out = out.raw("matchExpressions", &exprs);
    }
    out.finish()
}

/// A `CrossVersionObjectReference` in Go's field order.
fn cross_ref(v: Option<&Value>) -> String {
    let empty = json!({});
    let v = v.unwrap_or(&empty);
    GoObject::new()
        .raw("kind", &string(get(v, "kind")))
        .raw("name", &string(get(v, "name")))
        .opt("apiVersion", get(v, "apiVersion"))
        .finish()
}

/// A v2 `MetricSpec` as the v1 `MetricSpec` JSON of the `metrics` annotation.
pub(super) fn spec_to_v1(m: &Value) -> String {
    metric_to_v1(m, false)
}

/// A v2 `MetricStatus` as the v1 `MetricStatus` JSON of the `current-metrics` annotation.
pub(super) fn status_to_v1(m: &Value) -> String {
    metric_to_v1(m, true)
}

/// A metric spec (v2 `target` record, v1 `target*` fields) or status (`current` record,
/// `current*` fields) in v1's flat shape. The two differ in which quantities v1 declares
/// as values, always written ("0" when unset), rather than as omitted pointers.
fn metric_to_v1(m: &Value, status: bool) -> String {
    let (record, prefix) = if status {
        ("current", "current")
    } else {
        ("target", "target")
    };
    let field = |name: &str| format!("{prefix}{name}");
    let mut out = GoObject::new().raw("type", &string(get(m, "type")));
    if let Some(o) = get(m, "object") {
        let body = GoObject::new()
            .raw("target", &cross_ref(get(o, "describedObject")))
            .raw("metricName", &string(at(o, "metric", "name")))
            .raw(&field("Value"), &quantity(at(o, record, "value")))
            .opt_with("selector", at(o, "metric", "selector"), selector)
            .opt("averageValue", at(o, record, "averageValue"))
            .finish();
        out = out.raw("object", &body);
    }
    if let Some(p) = get(m, "pods") {
        let body = GoObject::new()
            .raw("metricName", &string(at(p, "metric", "name")))
            .raw(
                &field("AverageValue"),
                &quantity(at(p, record, "averageValue")),
            )
            .opt_with("selector", at(p, "metric", "selector"), selector)
            .finish();
        out = out.raw("pods", &body);
    }
    // A ContainerResource source is a Resource source naming a container.
    for key in ["resource", "containerResource"] {
        if let Some(r) = get(m, key) {
            let average = at(r, record, "averageValue");
            let mut body = GoObject::new().raw("name", &string(get(r, "name"))).opt(
                &field("AverageUtilization"),
                at(r, record, "averageUtilization"),
            );
            body = if status {
                body.raw(&field("AverageValue"), &quantity(average))
            } else {
                body.opt(&field("AverageValue"), average)
            };
            if key == "containerResource" {
                body = body.raw("container", &string(get(r, "container")));
            }
            out = out.raw(key, &body.finish());
        }
    }
    if let Some(e) = get(m, "external") {
        let value = at(e, record, "value");
        let mut body = GoObject::new()
            .raw("metricName", &string(at(e, "metric", "name")))
            .opt_with("metricSelector", at(e, "metric", "selector"), selector);
        body = if status {
            body.raw(&field("Value"), &quantity(value))
        } else {
            body.opt(&field("Value"), value)
        };
        let body = body
            .opt(&field("AverageValue"), at(e, record, "averageValue"))
            .finish();
        out = out.raw("external", &body);
    }
    out.finish()
}

/// Inserts `v` under `key` unless it is missing or null.
fn put(map: &mut Map<String, Value>, key: &str, v: Option<&Value>) {
    if let Some(v) = v.filter(|v| !v.is_null()) {
        map.insert(key.to_string(), v.clone());
    }
}

/// A v2 `MetricIdentifier` from v1's flat name and selector.
fn identifier(name: Option<&Value>, selector: Option<&Value>) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), name.cloned().unwrap_or_else(|| json!("")));
    put(&mut m, "selector", selector);
    Value::Object(m)
}

/// A v1 `MetricSpec` of the `metrics` annotation as the v2 `MetricSpec`.
pub(super) fn spec_to_v2(m: &Value) -> Value {
    metric_to_v2(m, false)
}

/// A v1 `MetricStatus` of the `current-metrics` annotation as the v2 `MetricStatus`.
pub(super) fn status_to_v2(m: &Value) -> Value {
    metric_to_v2(m, true)
}

/// The inverse of [`metric_to_v1`]: a spec's `target` record carries a type derived from
/// which fields are set; v1's non-pointer quantities always give a value.
fn metric_to_v2(m: &Value, status: bool) -> Value {
    let (record, prefix) = if status {
        ("current", "current")
    } else {
        ("target", "target")
    };
    let field = |src: &Value, name: &str| get(src, &format!("{prefix}{name}")).cloned();
    let zero = || json!("0");
    // A record of values, typed for a spec.
    let values = |kind: &str, entries: Vec<(&str, Option<Value>)>| -> Value {
        let mut out = Map::new();
        if !status {
            out.insert("type".into(), json!(kind));
        }
        for (key, v) in entries {
            put(&mut out, key, v.as_ref());
        }
        Value::Object(out)
    };
    let mut out = Map::new();
    out.insert(
        "type".into(),
        get(m, "type").cloned().unwrap_or_else(|| json!("")),
    );
    if let Some(o) = get(m, "object") {
        let average = get(o, "averageValue").cloned();
        let kind = if average.is_none() {
            "Value"
        } else {
            "AverageValue"
        };
        let value = field(o, "Value").unwrap_or_else(zero);
        out.insert(
            "object".into(),
            json!({
                "describedObject": get(o, "target").cloned().unwrap_or_else(|| json!({"kind": "", "name": ""})),
                "metric": identifier(get(o, "metricName"), get(o, "selector")),
                record: values(kind, vec![("value", Some(value)), ("averageValue", average)]),
            }),
        );
    }
    if let Some(p) = get(m, "pods") {
        let average = field(p, "AverageValue").unwrap_or_else(zero);
        out.insert(
            "pods".into(),
            json!({
                "metric": identifier(get(p, "metricName"), get(p, "selector")),
                record: values("AverageValue", vec![("averageValue", Some(average))]),
            }),
        );
    }
    // A ContainerResource source is a Resource source naming a container.
    for key in ["resource", "containerResource"] {
        if let Some(r) = get(m, key) {
            let utilization = field(r, "AverageUtilization");
            let kind = if utilization.is_none() {
                "AverageValue"
            } else {
                "Utilization"
            };
            let average = field(r, "AverageValue").or_else(|| status.then(zero));
            let mut body = Map::new();
            body.insert(
                "name".into(),
                get(r, "name").cloned().unwrap_or_else(|| json!("")),
            );
            body.insert(
                record.into(),
                values(
                    kind,
                    vec![
                        ("averageUtilization", utilization),
                        ("averageValue", average),
                    ],
                ),
            );
            if key == "containerResource" {
                body.insert(
                    "container".into(),
                    get(r, "container").cloned().unwrap_or_else(|| json!("")),
                );
            }
            out.insert(key.into(), Value::Object(body));
        }
    }
    if let Some(e) = get(m, "external") {
        let value = field(e, "Value").or_else(|| status.then(zero));
        let kind = if value.is_none() {
            "AverageValue"
        } else {
            "Value"
        };
        let average = field(e, "AverageValue");
        out.insert(
            "external".into(),
            json!({
                "metric": identifier(get(e, "metricName"), get(e, "metricSelector")),
                record: values(kind, vec![("value", value), ("averageValue", average)]),
            }),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_annotation_shapes_are_go_ordered_and_round_trip() {
        let memory = json!({"type": "Resource", "resource": {"name": "memory",
            "target": {"type": "AverageValue", "averageValue": "100Mi"}}});
        assert_eq!(
            spec_to_v1(&memory),
            r#"{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}"#
        );
        let back: Value = serde_json::from_str(&spec_to_v1(&memory)).expect("json");
        assert_eq!(spec_to_v2(&back), memory);
        let pods = json!({"type": "Pods", "pods": {"metric": {"name": "qps",
            "selector": {"matchLabels": {"a": "b"}, "matchExpressions": [{"key": "k", "operator": "Exists"}]}},
            "target": {"type": "AverageValue", "averageValue": "1k"}}});
        assert_eq!(
            spec_to_v1(&pods),
            r#"{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"1k","selector":{"matchLabels":{"a":"b"},"matchExpressions":[{"key":"k","operator":"Exists"}]}}}"#
        );
        let back: Value = serde_json::from_str(&spec_to_v1(&pods)).expect("json");
        assert_eq!(spec_to_v2(&back), pods);
        let external = json!({"type": "External", "external": {"metric": {"name": "queue"},
            "target": {"type": "Value", "value": "30"}}});
        let back: Value = serde_json::from_str(&spec_to_v1(&external)).expect("json");
        assert_eq!(spec_to_v2(&back), external);
        let object = json!({"type": "Object", "object": {"metric": {"name": "hits"},
            "describedObject": {"kind": "Service", "name": "web", "apiVersion": "v1"},
            "target": {"type": "Value", "value": "10"}}});
        let back: Value = serde_json::from_str(&spec_to_v1(&object)).expect("json");
        assert_eq!(spec_to_v2(&back), object);
    }

    #[test]
    fn statuses_write_go_zero_quantities_and_round_trip() {
        let cpu = json!({"type": "Resource", "resource": {"name": "cpu",
            "current": {"averageUtilization": 12, "averageValue": "120m"}}});
        assert_eq!(
            status_to_v1(&cpu),
            r#"{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":12,"currentAverageValue":"120m"}}"#
        );
        let back: Value = serde_json::from_str(&status_to_v1(&cpu)).expect("json");
        assert_eq!(status_to_v2(&back), cpu);
        for status in [
            json!({"type": "Pods", "pods": {"metric": {"name": "qps"}, "current": {"averageValue": "2"}}}),
            json!({"type": "Object", "object": {"metric": {"name": "hits"},
                "describedObject": {"kind": "Service", "name": "web"},
                "current": {"value": "3", "averageValue": "1"}}}),
            json!({"type": "External", "external": {"metric": {"name": "q"}, "current": {"value": "7"}}}),
            json!({"type": "ContainerResource", "containerResource": {"name": "cpu",
                "container": "app", "current": {"averageValue": "100m", "averageUtilization": 9}}}),
        ] {
            let back: Value = serde_json::from_str(&status_to_v1(&status)).expect("json");
            assert_eq!(status_to_v2(&back), status);
        }
        let container = json!({"type": "ContainerResource", "containerResource": {"name": "cpu",
            "container": "app", "target": {"type": "Utilization", "averageUtilization": 50}}});
        assert_eq!(
            spec_to_v1(&container),
            r#"{"type":"ContainerResource","containerResource":{"name":"cpu","targetAverageUtilization":50,"container":"app"}}"#
        );
        let back: Value = serde_json::from_str(&spec_to_v1(&container)).expect("json");
        assert_eq!(spec_to_v2(&back), container);
        let bare = json!({"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 5}}});
        assert_eq!(
            status_to_v1(&bare),
            r#"{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":5,"currentAverageValue":"0"}}"#
        );
    }
}
