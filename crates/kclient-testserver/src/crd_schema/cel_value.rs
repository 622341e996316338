//! JSON to CEL values as kube-apiserver's `UnstructuredToVal` makes them: declared
//! properties under their escaped names (`a-b` as `a__dash__b`), `date`/`date-time` strings
//! as timestamps, `duration` strings as durations, `byte` strings as bytes, and integral
//! `number`s as doubles.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use cel::Value as Cel;
use cel::objects::Key;
use serde_json::{Map, Value};

use super::cel_types::escape;

/// `value` under the schema node `node`.
pub(super) fn to_cel(node: Option<&Map<String, Value>>, value: &Value) -> Cel {
    let Some(node) = node else {
        return plain(value);
    };
    let ty = node.get("type").and_then(Value::as_str).unwrap_or("");
    match value {
        Value::Object(map) => {
            let props = node.get("properties").and_then(Value::as_object);
            let values = node.get("additionalProperties").and_then(Value::as_object);
            let entries: HashMap<Key, Cel> = map
                .iter()
                .filter_map(|(k, v)| match props.and_then(|p| p.get(k)) {
                    Some(sub) => Some((Key::from(escape(k)?), to_cel(sub.as_object(), v))),
                    None => Some((Key::from(k.clone()), to_cel(values, v))),
                })
                .collect();
            Cel::from(entries)
        }
        Value::Array(items) => {
            let schema = node.get("items").and_then(Value::as_object);
            Cel::List(Arc::new(items.iter().map(|v| to_cel(schema, v)).collect()))
        }
        Value::String(s) if ty == "string" => match node.get("format").and_then(Value::as_str) {
            Some("date-time") => chrono::DateTime::parse_from_rfc3339(s)
                .map_or_else(|_| plain(value), Cel::Timestamp),
            Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_or_else(
                |_| plain(value),
                |d| Cel::Timestamp(d.and_time(chrono::NaiveTime::MIN).and_utc().fixed_offset()),
            ),
            Some("duration") => go_duration(s).map_or_else(|| plain(value), Cel::Duration),
            Some("byte") => base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_or_else(|_| plain(value), |b| Cel::Bytes(Arc::new(b))),
            _ => plain(value),
        },
        Value::Number(n) if ty == "number" => n.as_f64().map_or_else(|| plain(value), Cel::Float),
        _ => plain(value),
    }
}

fn plain(value: &Value) -> Cel {
    match value {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Cel::Int(i),
            (None, Some(u)) => Cel::UInt(u),
            _ => Cel::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Cel::String(Arc::new(s.clone())),
        Value::Array(items) => Cel::List(Arc::new(items.iter().map(plain).collect())),
        Value::Object(map) => Cel::from(
            map.iter()
                .map(|(k, v)| (Key::from(k.clone()), plain(v)))
                .collect::<HashMap<Key, Cel>>(),
        ),
    }
}

/// Go's `time.ParseDuration`: `1h30m`, `-1.5s`, `300ms`.
fn go_duration(s: &str) -> Option<chrono::Duration> {
    let (negative, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(chrono::Duration::zero());
    }
    let mut nanos: f64 = 0.0;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number: f64 = rest[..end].parse().ok()?;
        rest = &rest[end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        nanos += number * scale;
        rest = &rest[unit_end..];
    }
    let nanos = nanos as i64;
    Some(chrono::Duration::nanoseconds(if negative {
        -nanos
    } else {
        nanos
    }))
}
