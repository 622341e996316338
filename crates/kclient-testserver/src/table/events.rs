//! The Event printer, shared by core/v1 and events.k8s.io/v1 Events (kube-apiserver prints
//! both from the internal Event type).

use jiff::Timestamp;
use serde_json::Value;

use super::format::{at, int, since, text};
use super::{Column, Printed, Printer, col};

fn name(obj: &Value) -> Value {
    Value::String(text(obj, "metadata.name").to_string())
}

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

static EVENT: Printer = Printer {
    columns: &[
        col(
            "Last Seen",
            "The time at which the most recent occurrence of this event was recorded.",
        ),
        col(
            "Type",
            "Type of this event (Normal, Warning), new types could be added in the future.",
        ),
        col(
            "Reason",
            "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
        ),
        col("Object", "The object that this event is about."),
        col(
            "Subobject",
            "The subobject of the involved object the event is about (the field path).",
        )
        .wide(),
        col("Source", "The component reporting this event.").wide(),
        col(
            "Message",
            "A human-readable description of the status of this operation.",
        ),
        col(
            "First Seen",
            "The time at which the event was first recorded.",
        )
        .wide(),
        col("Count", "The number of times this event has occurred.").wide(),
        Column {
            format: "name",
            ..col("Name", super::NAME_DESC).wide()
        },
    ],
    row: event_row,
};

/// The Event printer for both Event APIs.
pub(super) fn printer(group: &str, kind: &str) -> Option<&'static Printer> {
    matches!((group, kind), ("", "Event") | ("events.k8s.io", "Event")).then_some(&EVENT)
}
/// The present (non-null, non-empty) timestamp at `path`.
fn time_at<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    at(obj, path).filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
}

/// kube-apiserver prints both Event APIs from the internal (core) shape; events.k8s.io
/// names the same fields differently.
fn event_row(ev: &Value, now: Timestamp) -> Printed {
    let new_api = text(ev, "apiVersion").starts_with("events.k8s.io/")
        || (at(ev, "involvedObject").is_none() && at(ev, "regarding").is_some());
    let f = |core: &'static str, events: &'static str| if new_api { events } else { core };
    let first_seen = match time_at(ev, f("firstTimestamp", "deprecatedFirstTimestamp")) {
        Some(t) => since(Some(t), now),
        None => since(time_at(ev, "eventTime"), now),
    };
    let mut last_seen = match time_at(ev, f("lastTimestamp", "deprecatedLastTimestamp")) {
        Some(t) => since(Some(t), now),
        None => first_seen.clone(),
    };
    let mut count = int(ev, f("count", "deprecatedCount"));
    if at(ev, "series").is_some_and(Value::is_object) {
        last_seen = since(time_at(ev, "series.lastObservedTime"), now);
        count = int(ev, "series.count");
    } else if count == 0 {
        // Singleton events of the new API carry no count.
        count = 1;
    }
    let object = f("involvedObject", "regarding");
    let kind = text(ev, &format!("{object}.kind")).to_ascii_lowercase();
    let target = match text(ev, &format!("{object}.name")) {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    let source_path = f("source", "deprecatedSource");
    let component = match text(ev, &format!("{source_path}.component")) {
        "" => text(ev, f("reportingComponent", "reportingController")),
        c => c,
    };
    let instance = match text(ev, &format!("{source_path}.host")) {
        "" => text(ev, "reportingInstance"),
        h => h,
    };
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };
    vec![
        s(last_seen),
        s(text(ev, "type")),
        s(text(ev, "reason")),
        s(target),
        s(text(ev, &format!("{object}.fieldPath"))),
        s(source),
        s(text(ev, f("message", "note")).trim()),
        s(first_seen),
        count.into(),
        name(ev),
    ]
    .into()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn now() -> Timestamp {
        "2024-05-01T12:00:00Z".parse().expect("ts")
    }

    #[test]
    fn event_cells() {
        let empty = json!({"metadata": {"name": "x"}});
        assert_eq!((EVENT.row)(&empty, now()).cells.len(), EVENT.columns.len());
        let ev = json!({"metadata": {"name": "web.17a"}, "type": "Normal", "reason": "Scheduled", "message": "ok ",
            "involvedObject": {"kind": "Pod", "name": "web"}, "source": {"component": "default-scheduler"},
            "firstTimestamp": "2024-05-01T11:50:00Z", "lastTimestamp": "2024-05-01T11:59:00Z", "count": 3});
        let cells = (EVENT.row)(&ev, now()).cells;
        assert_eq!(
            cells,
            vec![
                json!("60s"),
                json!("Normal"),
                json!("Scheduled"),
                json!("pod/web"),
                json!(""),
                json!("default-scheduler"),
                json!("ok"),
                json!("10m"),
                json!(3),
                json!("web.17a")
            ]
        );
        let new_ev = json!({"apiVersion": "events.k8s.io/v1", "metadata": {"name": "e"}, "eventTime": "2024-05-01T11:59:30.000000Z",
            "regarding": {"kind": "Node", "name": "n1"}, "note": "hi", "reportingController": "kubelet", "reportingInstance": "n1"});
        let cells = (EVENT.row)(&new_ev, now()).cells;
        assert_eq!(
            (&cells[0], &cells[3], &cells[5], &cells[6], &cells[8]),
            (
                &json!("30s"),
                &json!("node/n1"),
                &json!("kubelet, n1"),
                &json!("hi"),
                &json!(1)
            )
        );
    }
}
