//! Cell formatting shared by the printers: kubectl's human durations, timestamps, label
//! selectors and small JSON accessors that treat missing fields as Go zero values (the
//! printers of kube-apiserver work on typed objects, where absent means zero).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;

/// apimachinery's `duration.HumanDuration` of `seconds` (whole seconds, may be negative):
/// `5s`, `3m2s`, `15m`, `2h5m`, `20h`, `3d4h`, `40d`, `2y30d`, `9y`.
pub fn human_duration(seconds: i64) -> String {
    // kube-apiserver tolerates up to two seconds of clock skew as "now".
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Parses an RFC 3339 timestamp as the API writes it; empty or malformed text is `None`.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    if text.is_empty() {
        None
    } else {
        text.parse().ok()
    }
}

/// kube-apiserver's `translateTimestampSince`: the human duration from `time` to `now`, or
/// `<unknown>` when the timestamp is unset.
pub fn since(time: Option<&Value>, now: Timestamp) -> String {
    match time.and_then(Value::as_str).and_then(parse_time) {
        Some(t) => human_duration(now.duration_since(t).as_secs()),
        None => "<unknown>".to_string(),
    }
}

/// The `Age` cell of `obj`.
pub fn age(obj: &Value, now: Timestamp) -> Value {
    Value::String(since(at(obj, "metadata.creationTimestamp"), now))
}

/// The `Created At` cell: the creation time in UTC as Go's `time.RFC3339` prints it (the zero
/// time when unset, as kube-apiserver does).
pub fn created_at(obj: &Value) -> Value {
    let text = at(obj, "metadata.creationTimestamp")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "0001-01-01T00:00:00Z".to_string());
    Value::String(text)
}

/// The value at a dotted `path`.
pub fn at<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(obj, |v, key| v.get(key))
}

/// The string at `path`, `""` when absent or not a string.
pub fn text<'a>(obj: &'a Value, path: &str) -> &'a str {
    at(obj, path).and_then(Value::as_str).unwrap_or("")
}

/// The integer at `path`, 0 when absent.
pub fn int(obj: &Value, path: &str) -> i64 {
    at(obj, path).and_then(Value::as_i64).unwrap_or(0)
}

/// The boolean at `path`, false when absent.
pub fn flag(obj: &Value, path: &str) -> bool {
    at(obj, path).and_then(Value::as_bool).unwrap_or(false)
}

/// The list at `path`, empty when absent.
pub fn list<'a>(obj: &'a Value, path: &str) -> &'a [Value] {
    at(obj, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The number of entries of the map at `path`.
pub fn map_len(obj: &Value, path: &str) -> usize {
    at(obj, path)
        .and_then(Value::as_object)
        .map_or(0, |m| m.len())
}

/// The `spec.replicas`-style field at `path`, which the API defaults to 1 when unset.
pub fn replicas(obj: &Value, path: &str) -> i64 {
    at(obj, path).and_then(Value::as_i64).unwrap_or(1)
}

/// `<none>` for an empty cell, like kube-apiserver's printers.
pub fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".to_string()
    } else {
        s.to_string()
    }
}

/// apimachinery's `labels.FormatLabels`: `k=v` pairs sorted by key, `<none>` when empty.
pub fn format_labels(map: Option<&Value>) -> String {
    let pairs: BTreeMap<&str, String> = map
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), scalar(v))).collect())
        .unwrap_or_default();
    if pairs.is_empty() {
        return "<none>".to_string();
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A metav1.LabelSelector rendered like `LabelSelectorAsSelector(sel).String()`:
/// requirements sorted by key, `k=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`.
pub fn label_selector(sel: Option<&Value>) -> String {
    let Some(sel) = sel else { return String::new() };
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(labels) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in labels {
            reqs.push((k.clone(), format!("{k}={}", scalar(v))));
        }
    }
    for expr in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let key = text(expr, "key");
        let mut values: Vec<String> = list(expr, "values").iter().map(scalar).collect();
        values.sort();
        let rendered = match text(expr, "operator") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            other => format!("{key} {other} ({})", values.join(",")),
        };
        reqs.push((key.to_string(), rendered));
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    reqs.into_iter()
        .map(|(_, r)| r)
        .collect::<Vec<_>>()
        .join(",")
}

/// kube-apiserver's `layoutContainerCells`: comma-joined container names and images.
pub fn container_cells(containers: &[Value]) -> (Value, Value) {
    let names: Vec<&str> = containers.iter().map(|c| text(c, "name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| text(c, "image")).collect();
    (
        Value::String(names.join(",")),
        Value::String(images.join(",")),
    )
}

/// A JSON scalar as text (strings unquoted, null empty).
pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// True when the condition of `type_` in the list at `path` has status `True`.
pub fn condition_true(obj: &Value, path: &str, type_: &str) -> bool {
    list(obj, path)
        .iter()
        .any(|c| text(c, "type") == type_ && text(c, "status") == "True")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn human_durations_match_kubectl() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (5, "5s"),
            (119, "119s"),
            (120, "2m"),
            (182, "3m2s"),
            (600, "10m"),
            (179 * 60 + 59, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 25 * 60, "3h25m"),
            (8 * 3600, "8h"),
            (47 * 3600 + 59 * 60, "47h"),
            (48 * 3600, "2d"),
            (3 * 86400 + 4 * 3600, "3d4h"),
            (8 * 86400, "8d"),
            (729 * 86400, "729d"),
            (730 * 86400, "2y"),
            (2 * 365 * 86400 + 30 * 86400, "2y30d"),
            (9 * 365 * 86400, "9y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}s");
        }
    }

    #[test]
    fn ages_and_created_at() {
        let now: Timestamp = "2024-05-01T12:00:00Z".parse().expect("ts");
        let obj = json!({"metadata": {"creationTimestamp": "2024-05-01T11:56:58Z"}});
        assert_eq!(age(&obj, now), json!("3m2s"));
        assert_eq!(age(&json!({}), now), json!("<unknown>"));
        assert_eq!(created_at(&obj), json!("2024-05-01T11:56:58Z"));
        let offset = json!({"metadata": {"creationTimestamp": "2024-05-01T13:56:58.123+02:00"}});
        assert_eq!(created_at(&offset), json!("2024-05-01T11:56:58Z"));
        assert_eq!(created_at(&json!({})), json!("0001-01-01T00:00:00Z"));
    }

    #[test]
    fn selectors_and_labels() {
        let sel = json!({"matchLabels": {"app": "web", "tier": "fe"},
                         "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]},
                                              {"key": "zz", "operator": "DoesNotExist"},
                                              {"key": "b", "operator": "Exists"}]});
        assert_eq!(
            label_selector(Some(&sel)),
            "app=web,b,env in (dev,prod),tier=fe,!zz"
        );
        assert_eq!(label_selector(None), "");
        assert_eq!(format_labels(Some(&json!({"b": "2", "a": "1"}))), "a=1,b=2");
        assert_eq!(format_labels(None), "<none>");
        let (names, images) = container_cells(&[
            json!({"name": "a", "image": "nginx"}),
            json!({"name": "b", "image": "busybox"}),
        ]);
        assert_eq!((names, images), (json!("a,b"), json!("nginx,busybox")));
    }
}
