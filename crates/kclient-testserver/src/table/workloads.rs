//! Printers of the workload controllers: Deployments, ReplicaSets, ReplicationControllers,
//! StatefulSets, DaemonSets, Jobs and CronJobs.

use jiff::Timestamp;
use serde_json::Value;

use super::format::{
    age, at, condition_true, container_cells, format_labels, human_duration, int, label_selector,
    list, parse_time, replicas, since, text,
};
use super::{AGE, Column, NAME, Printed, Printer, col};

const CONTAINERS: Column = col("Containers", "Names of each container in the template.").wide();
const IMAGES: Column = col(
    "Images",
    "Images referenced by each container in the template.",
)
.wide();
const SELECTOR: Column = col(
    "Selector",
    "A label query over pods that should match the replicas.",
)
.wide();

static DEPLOYMENT: Printer = Printer {
    columns: &[
        NAME,
        col("Ready", "Number of the pod with ready state"),
        col(
            "Up-to-date",
            "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
        ),
        col(
            "Available",
            "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
    row: deployment_row,
};

static REPLICA_SET: Printer = Printer {
    columns: &[
        NAME,
        col("Desired", "Replicas is the number of desired replicas.").typed("integer"),
        col(
            "Current",
            "Replicas is the most recently observed number of replicas.",
        )
        .typed("integer"),
        col(
            "Ready",
            "The number of ready replicas for this replica set.",
        )
        .typed("integer"),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
    row: replica_set_row,
};

static REPLICATION_CONTROLLER: Printer = Printer {
    columns: REPLICA_SET.columns,
    row: replication_controller_row,
};

static STATEFUL_SET: Printer = Printer {
    columns: &[
        NAME,
        col("Ready", "Number of the pod with ready state"),
        AGE,
        CONTAINERS,
        IMAGES,
    ],
    row: stateful_set_row,
};

static DAEMON_SET: Printer = Printer {
    columns: &[
        NAME,
        col("Desired", "The total number of nodes that should be running the daemon pod.").typed("integer"),
        col("Current", "The number of nodes that are running at least 1 daemon pod.").typed("integer"),
        col("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.").typed("integer"),
        col("Up-to-date", "The total number of nodes that are running updated daemon pod").typed("integer"),
        col("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.").typed("integer"),
        col("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
    row: daemon_set_row,
};

static JOB: Printer = Printer {
    columns: &[
        NAME,
        col("Status", "Status of the job."),
        col("Completions", "The completion status of the job."),
        col("Duration", "Time required to complete the job."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
    row: job_row,
};

static CRON_JOB: Printer = Printer {
    columns: &[
        NAME,
        col("Schedule", "The schedule in Cron format."),
        col("Timezone", "The time zone name for the given schedule."),
        col(
            "Suspend",
            "This flag tells the controller to suspend subsequent executions.",
        )
        .typed("boolean"),
        col("Active", "A list of pointers to currently running jobs.").typed("integer"),
        col(
            "Last Schedule",
            "Information when was the last time the job was successfully scheduled.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
    row: cron_job_row,
};

/// The workload printer for `group`/`kind`.
pub(super) fn printer(group: &str, kind: &str) -> Option<&'static Printer> {
    match (group, kind) {
        ("apps", "Deployment") => Some(&DEPLOYMENT),
        ("apps", "ReplicaSet") => Some(&REPLICA_SET),
        ("", "ReplicationController") => Some(&REPLICATION_CONTROLLER),
        ("apps", "StatefulSet") => Some(&STATEFUL_SET),
        ("apps", "DaemonSet") => Some(&DAEMON_SET),
        ("batch", "Job") => Some(&JOB),
        ("batch", "CronJob") => Some(&CRON_JOB),
        _ => None,
    }
}

fn name(obj: &Value) -> Value {
    Value::String(text(obj, "metadata.name").to_string())
}

fn template_cells(obj: &Value, template: &str) -> (Value, Value) {
    container_cells(list(obj, &format!("{template}.spec.containers")))
}

fn deployment_row(d: &Value, now: Timestamp) -> Printed {
    let (containers, images) = template_cells(d, "spec.template");
    vec![
        name(d),
        Value::String(format!(
            "{}/{}",
            int(d, "status.readyReplicas"),
            replicas(d, "spec.replicas")
        )),
        int(d, "status.updatedReplicas").into(),
        int(d, "status.availableReplicas").into(),
        age(d, now),
        containers,
        images,
        Value::String(label_selector(at(d, "spec.selector"))),
    ]
    .into()
}

fn replica_set_row(rs: &Value, now: Timestamp) -> Printed {
    let (containers, images) = template_cells(rs, "spec.template");
    vec![
        name(rs),
        replicas(rs, "spec.replicas").into(),
        int(rs, "status.replicas").into(),
        int(rs, "status.readyReplicas").into(),
        age(rs, now),
        containers,
        images,
        Value::String(label_selector(at(rs, "spec.selector"))),
    ]
    .into()
}

fn replication_controller_row(rc: &Value, now: Timestamp) -> Printed {
    let (containers, images) = template_cells(rc, "spec.template");
    vec![
        name(rc),
        replicas(rc, "spec.replicas").into(),
        int(rc, "status.replicas").into(),
        int(rc, "status.readyReplicas").into(),
        age(rc, now),
        containers,
        images,
        Value::String(format_labels(at(rc, "spec.selector"))),
    ]
    .into()
}

fn stateful_set_row(sts: &Value, now: Timestamp) -> Printed {
    let (containers, images) = template_cells(sts, "spec.template");
    vec![
        name(sts),
        Value::String(format!(
            "{}/{}",
            int(sts, "status.readyReplicas"),
            replicas(sts, "spec.replicas")
        )),
        age(sts, now),
        containers,
        images,
    ]
    .into()
}

fn daemon_set_row(ds: &Value, now: Timestamp) -> Printed {
    let (containers, images) = template_cells(ds, "spec.template");
    vec![
        name(ds),
        int(ds, "status.desiredNumberScheduled").into(),
        int(ds, "status.currentNumberScheduled").into(),
        int(ds, "status.numberReady").into(),
        int(ds, "status.updatedNumberScheduled").into(),
        int(ds, "status.numberAvailable").into(),
        Value::String(format_labels(at(ds, "spec.template.spec.nodeSelector"))),
        age(ds, now),
        containers,
        images,
        Value::String(label_selector(at(ds, "spec.selector"))),
    ]
    .into()
}

fn job_row(job: &Value, now: Timestamp) -> Printed {
    let succeeded = int(job, "status.succeeded");
    let completions = match at(job, "spec.completions").and_then(Value::as_i64) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match int(job, "spec.parallelism") {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let start = at(job, "status.startTime")
        .and_then(Value::as_str)
        .and_then(parse_time);
    let end = at(job, "status.completionTime")
        .and_then(Value::as_str)
        .and_then(parse_time);
    let duration = match (start, end) {
        (None, _) => String::new(),
        (Some(s), None) => human_duration(now.duration_since(s).as_secs()),
        (Some(s), Some(e)) => human_duration(e.duration_since(s).as_secs()),
    };
    let has = |t: &str| condition_true(job, "status.conditions", t);
    let deleting = job
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|d| !d.is_null());
    let status = if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if deleting {
        "Terminating"
    } else if has("Suspended") {
        "Suspended"
    } else if has("FailureTarget") {
        "FailureTarget"
    } else if has("SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    };
    let (containers, images) = template_cells(job, "spec.template");
    vec![
        name(job),
        Value::String(status.to_string()),
        Value::String(completions),
        Value::String(duration),
        age(job, now),
        containers,
        images,
        Value::String(label_selector(at(job, "spec.selector"))),
    ]
    .into()
}

fn cron_job_row(cj: &Value, now: Timestamp) -> Printed {
    let suspend = match at(cj, "spec.suspend").and_then(Value::as_bool) {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    let last_schedule = match at(cj, "status.lastScheduleTime").filter(|t| !t.is_null()) {
        Some(t) => since(Some(t), now),
        None => "<none>".to_string(),
    };
    let time_zone = at(cj, "spec.timeZone")
        .and_then(Value::as_str)
        .unwrap_or("<none>");
    let (containers, images) = template_cells(cj, "spec.jobTemplate.spec.template");
    vec![
        name(cj),
        Value::String(text(cj, "spec.schedule").to_string()),
        Value::String(time_zone.to_string()),
        Value::String(suspend.to_string()),
        (list(cj, "status.active").len() as i64).into(),
        Value::String(last_schedule),
        age(cj, now),
        containers,
        images,
        Value::String(label_selector(at(cj, "spec.jobTemplate.spec.selector"))),
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
    fn deployment_cells() {
        let d = json!({
            "metadata": {"name": "web", "creationTimestamp": "2024-04-29T12:00:00Z"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"},
                                                          {"name": "log", "image": "busybox"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        });
        let cells = deployment_row(&d, now()).cells;
        assert_eq!(
            cells,
            vec![
                json!("web"),
                json!("2/3"),
                json!(3),
                json!(2),
                json!("2d"),
                json!("nginx,log"),
                json!("nginx:1.27,busybox"),
                json!("app=web")
            ]
        );
        assert_eq!(cells.len(), DEPLOYMENT.columns.len());
        let fresh = json!({"metadata": {"name": "new"}, "spec": {"template": {"spec": {"containers": []}}}});
        assert_eq!(deployment_row(&fresh, now()).cells[1], json!("0/1"));
    }

    #[test]
    fn every_printer_fills_its_columns() {
        let empty = json!({"metadata": {"name": "x"}});
        for p in [
            &DEPLOYMENT,
            &REPLICA_SET,
            &REPLICATION_CONTROLLER,
            &STATEFUL_SET,
            &DAEMON_SET,
            &JOB,
            &CRON_JOB,
        ] {
            assert_eq!((p.row)(&empty, now()).cells.len(), p.columns.len());
        }
    }

    #[test]
    fn jobs_and_cronjobs() {
        let job = json!({"metadata": {"name": "pi"}, "spec": {"completions": 1},
            "status": {"succeeded": 1, "startTime": "2024-05-01T11:00:00Z", "completionTime": "2024-05-01T11:00:42Z",
                       "conditions": [{"type": "Complete", "status": "True"}]}});
        let cells = job_row(&job, now()).cells;
        assert_eq!(
            (&cells[1], &cells[2], &cells[3]),
            (&json!("Complete"), &json!("1/1"), &json!("42s"))
        );
        let parallel = json!({"metadata": {"name": "p"}, "spec": {"parallelism": 3}, "status": {}});
        let cells = job_row(&parallel, now()).cells;
        assert_eq!(
            (&cells[1], &cells[2], &cells[3]),
            (&json!("Running"), &json!("0/1 of 3"), &json!(""))
        );

        let cj = json!({"metadata": {"name": "c"}, "spec": {"schedule": "*/5 * * * *", "suspend": false},
            "status": {"active": [{"name": "c-1"}], "lastScheduleTime": "2024-05-01T11:59:00Z"}});
        let cells = cron_job_row(&cj, now()).cells;
        assert_eq!(
            &cells[1..6],
            &[
                json!("*/5 * * * *"),
                json!("<none>"),
                json!("False"),
                json!(1),
                json!("60s")
            ]
        );
    }
}
