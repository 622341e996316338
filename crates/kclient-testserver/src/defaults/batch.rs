//! batch/v1: `SetDefaults_Job` and `SetDefaults_CronJob`, and their pod templates.

use serde_json::{Map, Value, json};

use super::{child, each, labels_from_template, or_nil, or_zero, pod, present, template_labels};

pub(super) fn apply(kind: &str, map: &mut Map<String, Value>) {
    match kind {
        "Job" => job(map),
        "CronJob" => cron_job(map),
        _ => {}
    }
}

fn job(map: &mut Map<String, Value>) {
    let Some(spec) = child(map, "spec") else {
        return;
    };
    if is_nil(spec, "completions") && is_nil(spec, "parallelism") {
        spec.insert("completions".into(), json!(1));
        spec.insert("parallelism".into(), json!(1));
    }
    or_nil(spec, "parallelism", json!(1));
    if is_nil(spec, "backoffLimit") {
        // With a per-index limit the global one is effectively unlimited.
        let limit = if is_nil(spec, "backoffLimitPerIndex") {
            6
        } else {
            i64::from(i32::MAX)
        };
        spec.insert("backoffLimit".into(), json!(limit));
    }
    or_nil(spec, "completionMode", json!("NonIndexed"));
    or_nil(spec, "suspend", json!(false));
    let has_failure_policy = !is_nil(spec, "podFailurePolicy");
    pod_failure_policy(spec);
    // JobPodReplacementPolicy is beta (on) in 1.33.
    let replacement = if has_failure_policy {
        "Failed"
    } else {
        "TerminatingOrFailed"
    };
    or_nil(spec, "podReplacementPolicy", json!(replacement));
    or_nil(spec, "manualSelector", json!(false));
    pod::template(spec, "template");
    if let Some(labels) = template_labels(spec) {
        labels_from_template(map, &labels);
    }
}

/// `SetDefaults_PodFailurePolicyOnPodConditionsPattern`, a type's defaulter, so Jobs and the
/// job templates of CronJobs both get it.
fn pod_failure_policy(job_spec: &mut Map<String, Value>) {
    if let Some(policy) = present(job_spec, "podFailurePolicy") {
        for rule in each(policy, "rules") {
            for pattern in each(rule, "onPodConditions") {
                or_zero(pattern, "status", json!("True"));
            }
        }
    }
}

/// The Job strategy on creation: unless the selector is manual, the pods are labelled
/// with the job's name and uid, and the selector matches the uid. Labels and a selector
/// entry the body already has are kept (validation judges them).
pub(super) fn generate_selector(map: &mut Map<String, Value>) {
    let meta = |key: &str| {
        map.get("metadata")
            .and_then(|m| m.get(key))
            .cloned()
            .unwrap_or(json!(""))
    };
    let (name, uid) = (meta("name"), meta("uid"));
    let Some(spec) = child(map, "spec") else {
        return;
    };
    if spec.get("manualSelector") == Some(&Value::Bool(true)) {
        return;
    }
    if let Some(labels) = child(spec, "template")
        .and_then(|t| child(t, "metadata"))
        .and_then(|m| child(m, "labels"))
    {
        for (key, value) in [
            ("job-name", &name),
            ("batch.kubernetes.io/job-name", &name),
            ("controller-uid", &uid),
            (CONTROLLER_UID, &uid),
        ] {
            labels.entry(key).or_insert_with(|| value.clone());
        }
    }
    if let Some(match_labels) = child(spec, "selector").and_then(|s| child(s, "matchLabels")) {
        match_labels.entry(CONTROLLER_UID).or_insert(uid);
    }
}

const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";

fn is_nil(map: &Map<String, Value>, key: &str) -> bool {
    map.get(key).is_none_or(Value::is_null)
}

fn cron_job(map: &mut Map<String, Value>) {
    let Some(spec) = child(map, "spec") else {
        return;
    };
    or_zero(spec, "concurrencyPolicy", json!("Allow"));
    or_nil(spec, "suspend", json!(false));
    or_nil(spec, "successfulJobsHistoryLimit", json!(3));
    or_nil(spec, "failedJobsHistoryLimit", json!(1));
    if let Some(job_template) = present(spec, "jobTemplate") {
        pod::embedded_meta(job_template);
        if let Some(job_spec) = present(job_template, "spec") {
            pod_failure_policy(job_spec);
            pod::template(job_spec, "template");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_limits_follow_the_per_index_limit() {
        let mut job = json!({"spec": {"backoffLimitPerIndex": 1, "completionMode": "Indexed",
            "completions": 3, "template": {"spec": {"containers": []}}}});
        apply("Job", job.as_object_mut().unwrap());
        assert_eq!(job["spec"]["backoffLimit"], 2147483647);
        assert_eq!(job["spec"]["parallelism"], 1);
        assert_eq!(job["spec"]["completions"], 3);
        let mut failing = json!({"spec": {"podFailurePolicy": {"rules": [
            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}}});
        apply("Job", failing.as_object_mut().unwrap());
        assert_eq!(failing["spec"]["podReplacementPolicy"], "Failed");
        assert_eq!(
            failing["spec"]["podFailurePolicy"]["rules"][0]["onPodConditions"][0]["status"],
            "True"
        );
    }
}
