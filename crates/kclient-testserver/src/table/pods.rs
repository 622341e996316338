//! The Pod printer: kube-apiserver's `printPod`, including its status-reason rules
//! (init containers, sidecars, waiting/terminated reasons, Terminating) and the restart
//! count with the time since the last restart.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::format::{age, condition_true, human_duration, int, list, or_none, parse_time, text};
use super::{AGE, Column, NAME, Printed, Printer, col};

const COLUMNS: &[Column] = &[
    NAME,
    col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    col("Status", "The aggregate status of the containers in this pod."),
    col(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE,
    col("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.").wide(),
    col("Node", "NodeName indicates in which node this pod is scheduled.").wide(),
    col("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node.").wide(),
    col("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.").wide(),
];

static POD: Printer = Printer {
    columns: COLUMNS,
    row: pod_row,
};

/// The Pod printer for core/v1 Pods.
pub(super) fn printer(group: &str, kind: &str) -> Option<&'static Printer> {
    (group.is_empty() && kind == "Pod").then_some(&POD)
}

/// A container status's last termination time, if it has restarted.
fn last_terminated(status: &Value) -> Option<Timestamp> {
    status
        .pointer("/lastState/terminated/finishedAt")
        .and_then(Value::as_str)
        .and_then(parse_time)
}

fn later(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// Init containers with `restartPolicy: Always` are sidecars and count as regular containers.
fn is_sidecar(pod: &Value, name: &str) -> bool {
    list(pod, "spec.initContainers")
        .iter()
        .any(|c| text(c, "name") == name && text(c, "restartPolicy") == "Always")
}

fn terminated_reason(term: &Value, prefix: &str) -> String {
    let reason = text(term, "reason");
    if !reason.is_empty() {
        return format!("{prefix}{reason}");
    }
    match int(term, "signal") {
        0 => format!("{prefix}ExitCode:{}", int(term, "exitCode")),
        signal => format!("{prefix}Signal:{signal}"),
    }
}

fn pod_row(pod: &Value, now: Timestamp) -> Printed {
    let init_specs = list(pod, "spec.initContainers");
    let total = list(pod, "spec.containers").len()
        + init_specs
            .iter()
            .filter(|c| text(c, "restartPolicy") == "Always")
            .count();
    let mut ready = 0usize;
    let phase = text(pod, "status.phase");
    let mut reason = match text(pod, "status.reason") {
        "" => phase.to_string(),
        r => r.to_string(),
    };
    if list(pod, "status.conditions")
        .iter()
        .any(|c| text(c, "type") == "PodScheduled" && text(c, "reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".to_string();
    }
    let conditions = match phase {
        "Succeeded" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded",
                                    "message": "The pod has completed successfully."}]),
        ),
        "Failed" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Failed",
                                 "message": "The pod failed."}]),
        ),
        _ => None,
    };

    let mut restarts = 0i64;
    let mut sidecar_restarts = 0i64;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_sidecar_restart: Option<Timestamp> = None;
    let mut initializing = false;
    let init_statuses = list(pod, "status.initContainerStatuses");
    for (i, status) in init_statuses.iter().enumerate() {
        let name = text(status, "name");
        let sidecar = is_sidecar(pod, name);
        restarts += int(status, "restartCount");
        last_restart = later(last_restart, last_terminated(status));
        if sidecar {
            sidecar_restarts += int(status, "restartCount");
            last_sidecar_restart = later(last_sidecar_restart, last_terminated(status));
        }
        let terminated = status
            .pointer("/state/terminated")
            .filter(|t| t.is_object());
        let waiting_reason = text(status, "state.waiting.reason");
        if terminated.is_some_and(|t| int(t, "exitCode") == 0) {
            continue;
        }
        if sidecar && status.get("started").and_then(Value::as_bool) == Some(true) {
            if status.get("ready").and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        }
        reason = match terminated {
            Some(t) => terminated_reason(t, "Init:"),
            None if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" => {
                format!("Init:{waiting_reason}")
            }
            None => format!("Init:{i}/{}", init_specs.len()),
        };
        initializing = true;
        break;
    }

    if !initializing || condition_true(pod, "status.conditions", "Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for status in list(pod, "status.containerStatuses").iter().rev() {
            restarts += int(status, "restartCount");
            last_restart = later(last_restart, last_terminated(status));
            let waiting_reason = text(status, "state.waiting.reason");
            let terminated = status
                .pointer("/state/terminated")
                .filter(|t| t.is_object());
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if let Some(t) = terminated {
                reason = terminated_reason(t, "");
            } else if status.get("ready").and_then(Value::as_bool) == Some(true)
                && status
                    .pointer("/state/running")
                    .is_some_and(Value::is_object)
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(pod, "status.conditions", "Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .to_string();
        }
    }

    let deleting = pod
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|d| !d.is_null());
    if deleting && text(pod, "status.reason") == "NodeLost" {
        reason = "Unknown".to_string();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".to_string();
    }

    let restarts_cell = match last_restart {
        Some(t) if restarts != 0 => format!(
            "{restarts} ({} ago)",
            human_duration(now.duration_since(t).as_secs())
        ),
        _ => restarts.to_string(),
    };

    let gates = list(pod, "spec.readinessGates");
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let true_gates = gates
            .iter()
            .filter(|g| condition_true(pod, "status.conditions", text(g, "conditionType")))
            .count();
        format!("{true_gates}/{}", gates.len())
    };
    let pod_ip = list(pod, "status.podIPs")
        .first()
        .map(|ip| text(ip, "ip"))
        .filter(|ip| !ip.is_empty())
        .unwrap_or_else(|| text(pod, "status.podIP"));

    Printed {
        cells: vec![
            Value::String(text(pod, "metadata.name").to_string()),
            Value::String(format!("{ready}/{total}")),
            Value::String(reason),
            Value::String(restarts_cell),
            age(pod, now),
            Value::String(or_none(pod_ip)),
            Value::String(or_none(text(pod, "spec.nodeName"))),
            Value::String(or_none(text(pod, "status.nominatedNodeName"))),
            Value::String(readiness_gates),
        ],
        conditions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2024-05-01T12:00:00Z".parse().expect("ts")
    }

    fn cells(pod: Value) -> Vec<Value> {
        pod_row(&pod, now()).cells
    }

    #[test]
    fn running_pod() {
        let pod = json!({
            "metadata": {"name": "web-0", "creationTimestamp": "2024-05-01T11:55:00Z"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.5", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}},
                 "lastState": {"terminated": {"finishedAt": "2024-05-01T11:58:00Z", "exitCode": 1}}},
                {"name": "b", "ready": false, "restartCount": 0, "state": {"running": {}}}
            ]}
        });
        assert_eq!(
            cells(pod),
            vec![
                json!("web-0"),
                json!("1/2"),
                json!("Running"),
                json!("2 (2m ago)"),
                json!("5m"),
                json!("10.0.0.5"),
                json!("node-1"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn pending_and_waiting_pods() {
        let fresh = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
                           "status": {"phase": "Pending"}});
        let c = cells(fresh);
        assert_eq!(
            (&c[1], &c[2], &c[3], &c[4]),
            (
                &json!("0/1"),
                &json!("Pending"),
                &json!("0"),
                &json!("<unknown>")
            )
        );

        let crash = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        assert_eq!(cells(crash)[2], json!("CrashLoopBackOff"));

        let exited = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Failed", "containerStatuses": [
                {"name": "a", "state": {"terminated": {"exitCode": 137}}}]}});
        let printed = pod_row(&exited, now());
        assert_eq!(printed.cells[2], json!("ExitCode:137"));
        assert_eq!(
            printed.conditions.map(|c| c[0]["reason"].clone()),
            Some(json!("Failed"))
        );
    }

    #[test]
    fn init_containers_sidecars_and_deletion() {
        let init = json!({"metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "a"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "state": {"terminated": {"exitCode": 0}}},
                {"name": "i2", "state": {"running": {}}}]}});
        assert_eq!(cells(init)[2], json!("Init:1/2"));

        let sidecar = json!({"metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}], "containers": [{"name": "a"}],
                     "readinessGates": [{"conditionType": "example.com/gate"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Initialized", "status": "True"}],
                "initContainerStatuses": [{"name": "proxy", "started": true, "ready": true, "state": {"running": {}}}],
                "containerStatuses": [{"name": "a", "ready": true, "state": {"running": {}}}]}});
        let c = cells(sidecar);
        assert_eq!(
            (&c[1], &c[2], &c[8]),
            (&json!("2/2"), &json!("Running"), &json!("0/1"))
        );

        let deleting = json!({"metadata": {"name": "p", "deletionTimestamp": "2024-05-01T11:59:00Z"},
            "spec": {"containers": [{"name": "a"}]}, "status": {"phase": "Running"}});
        assert_eq!(cells(deleting)[2], json!("Terminating"));

        let gated = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}});
        assert_eq!(cells(gated)[2], json!("SchedulingGated"));
    }
}
