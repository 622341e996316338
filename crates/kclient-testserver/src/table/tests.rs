//! Whole-table tests: column definitions, row objects and custom-resource columns.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::*;
use crate::catalog::{crd_resource_info, find_builtin};

fn now() -> Timestamp {
    "2024-05-01T12:00:00Z".parse().expect("ts")
}

fn names(table: &Value) -> Vec<(String, i64)> {
    table["columnDefinitions"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or("").to_string(),
                c["priority"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

fn headers(table: &Value, priority: i64) -> Vec<String> {
    names(table)
        .into_iter()
        .filter(|(_, p)| *p <= priority)
        .map(|(n, _)| n)
        .collect()
}

fn info(group: &str, plural: &str) -> &'static ResourceInfo {
    let version = if group == "autoscaling" { "v2" } else { "v1" };
    find_builtin(group, version, plural).expect("builtin")
}

#[test]
fn accept_and_include_object() {
    assert!(wants_table(
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
    ));
    assert!(wants_table(
        "application/json; as=Table; g=meta.k8s.io; v=v1"
    ));
    assert!(!wants_table("application/json"));
    assert!(!wants_table(
        "application/json;as=Table;v=v1beta1;g=meta.k8s.io"
    ));
    assert!(!wants_table("application/yaml;as=Table;v=v1;g=meta.k8s.io"));
    assert_eq!(IncludeObject::parse(None), IncludeObject::Metadata);
    assert_eq!(IncludeObject::parse(Some("None")), IncludeObject::None);
    assert_eq!(IncludeObject::parse(Some("Object")), IncludeObject::Object);
    assert_eq!(IncludeObject::parse(Some("bogus")), IncludeObject::Metadata);
    assert!(IncludeObject::try_parse(Some("bogus")).is_err());
}

#[test]
fn pod_table() {
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "resourceVersion": "7", "creationTimestamp": "2024-05-01T11:59:00Z"},
        "spec": {"containers": [{"name": "a", "image": "nginx"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}}]}});
    let table = to_table(
        info("", "pods"),
        &[&pod],
        json!({"resourceVersion": "9"}),
        IncludeObject::Metadata,
        now(),
        None,
    );
    assert_eq!(
        (table["kind"].as_str(), table["apiVersion"].as_str()),
        (Some("Table"), Some("meta.k8s.io/v1"))
    );
    assert_eq!(table["metadata"], json!({"resourceVersion": "9"}));
    assert_eq!(
        headers(&table, 0),
        vec!["Name", "Ready", "Status", "Restarts", "Age"]
    );
    assert_eq!(
        headers(&table, 1)[5..],
        ["IP", "Node", "Nominated Node", "Readiness Gates"]
    );
    let name_col = &table["columnDefinitions"][0];
    assert_eq!(
        (name_col["type"].as_str(), name_col["format"].as_str()),
        (Some("string"), Some("name"))
    );
    assert!(
        name_col["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("Name must be unique"))
    );
    let row = &table["rows"][0];
    assert_eq!(
        row["cells"],
        json!([
            "web", "1/1", "Running", "0", "60s", "<none>", "<none>", "<none>", "<none>"
        ])
    );
    assert_eq!(
        row["object"],
        json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
               "metadata": {"name": "web", "namespace": "default", "resourceVersion": "7",
                            "creationTimestamp": "2024-05-01T11:59:00Z"}})
    );
    assert!(row.get("conditions").is_none());

    let full = to_table(
        info("", "pods"),
        &[&pod],
        json!({}),
        IncludeObject::Object,
        now(),
        None,
    );
    assert_eq!(full["rows"][0]["object"], pod);
    let none = to_table(
        info("", "pods"),
        &[&pod],
        Value::Null,
        IncludeObject::None,
        now(),
        None,
    );
    assert_eq!(none["rows"][0]["object"], Value::Null);
    assert_eq!(none["metadata"], json!({}));
}

#[test]
fn builtin_headers() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "apps",
            "deployments",
            &["Name", "Ready", "Up-to-date", "Available", "Age"],
        ),
        (
            "apps",
            "replicasets",
            &["Name", "Desired", "Current", "Ready", "Age"],
        ),
        ("apps", "statefulsets", &["Name", "Ready", "Age"]),
        (
            "apps",
            "daemonsets",
            &[
                "Name",
                "Desired",
                "Current",
                "Ready",
                "Up-to-date",
                "Available",
                "Node Selector",
                "Age",
            ],
        ),
        (
            "",
            "services",
            &[
                "Name",
                "Type",
                "Cluster-IP",
                "External-IP",
                "Port(s)",
                "Age",
            ],
        ),
        ("", "configmaps", &["Name", "Data", "Age"]),
        ("", "secrets", &["Name", "Type", "Data", "Age"]),
        ("", "namespaces", &["Name", "Status", "Age"]),
        ("", "nodes", &["Name", "Status", "Roles", "Age", "Version"]),
        ("", "serviceaccounts", &["Name", "Secrets", "Age"]),
        (
            "",
            "events",
            &["Last Seen", "Type", "Reason", "Object", "Message"],
        ),
        ("", "endpoints", &["Name", "Endpoints", "Age"]),
        (
            "",
            "persistentvolumeclaims",
            &[
                "Name",
                "Status",
                "Volume",
                "Capacity",
                "Access Modes",
                "StorageClass",
                "VolumeAttributesClass",
                "Age",
            ],
        ),
        (
            "batch",
            "jobs",
            &["Name", "Status", "Completions", "Duration", "Age"],
        ),
        (
            "batch",
            "cronjobs",
            &[
                "Name",
                "Schedule",
                "Timezone",
                "Suspend",
                "Active",
                "Last Schedule",
                "Age",
            ],
        ),
        ("coordination.k8s.io", "leases", &["Name", "Holder", "Age"]),
        (
            "networking.k8s.io",
            "ingresses",
            &["Name", "Class", "Hosts", "Address", "Ports", "Age"],
        ),
        (
            "storage.k8s.io",
            "storageclasses",
            &[
                "Name",
                "Provisioner",
                "ReclaimPolicy",
                "VolumeBindingMode",
                "AllowVolumeExpansion",
                "Age",
            ],
        ),
        (
            "rbac.authorization.k8s.io",
            "clusterroles",
            &["Name", "Created At"],
        ),
        (
            "rbac.authorization.k8s.io",
            "rolebindings",
            &["Name", "Role", "Age"],
        ),
        (
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            &["Name", "Created At"],
        ),
        (
            "scheduling.k8s.io",
            "priorityclasses",
            &["Name", "Created At"],
        ),
    ];
    for (group, plural, want) in cases {
        let table = to_table(
            info(group, plural),
            &[],
            json!({}),
            IncludeObject::Metadata,
            now(),
            None,
        );
        assert_eq!(headers(&table, 0), *want, "{plural}.{group}");
        assert_eq!(table["rows"], json!([]));
    }
}

#[test]
fn default_printer_cells() {
    let crd = json!({"metadata": {"name": "crontabs.stable.example.com", "creationTimestamp": "2024-04-01T08:30:00Z"}});
    let table = to_table(
        info("apiextensions.k8s.io", "customresourcedefinitions"),
        &[&crd],
        json!({}),
        IncludeObject::None,
        now(),
        None,
    );
    assert_eq!(
        table["rows"][0]["cells"],
        json!(["crontabs.stable.example.com", "2024-04-01T08:30:00Z"])
    );
    assert_eq!(table["columnDefinitions"][1]["type"], "date");
}

#[test]
fn custom_resource_columns() {
    let crd = json!({"spec": {"group": "stable.example.com", "scope": "Namespaced",
        "names": {"plural": "crontabs", "kind": "CronTab"},
        "versions": [{"name": "v1", "served": true, "storage": true, "additionalPrinterColumns": [
            {"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"},
            {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
            {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
            {"name": "Labels", "type": "string", "jsonPath": ".metadata.labels", "priority": 1},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}});
    let cr_info = crd_resource_info(&crd).expect("crd").remove(0);
    let columns = PrinterColumn::from_crd_version(&crd, "v1");
    assert_eq!(columns.len(), 5);
    assert_eq!(columns[3].priority, 1);
    let cr = json!({"metadata": {"name": "tab", "labels": {"a": "b"}, "creationTimestamp": "2024-05-01T11:00:00Z"},
                    "spec": {"cronSpec": "* * * * */5", "replicas": 2.0},
                    "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
    let table = to_table(
        &cr_info,
        &[&cr],
        json!({}),
        IncludeObject::Metadata,
        now(),
        Some(&columns),
    );
    assert_eq!(
        headers(&table, 1),
        vec!["Name", "Spec", "Replicas", "Ready", "Labels", "Age"]
    );
    assert_eq!(
        table["rows"][0]["cells"],
        json!(["tab", "* * * * */5", 2, "True", "{\"a\":\"b\"}", "60m"])
    );

    let bare = json!({"metadata": {"name": "bare"}});
    let table = to_table(
        &cr_info,
        &[&bare],
        json!({}),
        IncludeObject::Metadata,
        now(),
        Some(&columns),
    );
    assert_eq!(
        table["rows"][0]["cells"],
        json!(["bare", null, null, null, null, null])
    );

    // CRD versions without columns, or a CR table built without them, get Name + Age.
    for cols in [Some(&[][..]), None] {
        let table = to_table(
            &cr_info,
            &[&cr],
            json!({}),
            IncludeObject::Metadata,
            now(),
            cols,
        );
        assert_eq!(headers(&table, 0), vec!["Name", "Age"]);
        assert_eq!(table["columnDefinitions"][1]["type"], "date");
        assert_eq!(table["rows"][0]["cells"], json!(["tab", "60m"]));
    }
}

#[test]
fn completed_pods_carry_row_conditions() {
    let pod = json!({"metadata": {"name": "job-x"}, "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Succeeded", "containerStatuses": [{"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}});
    let table = to_table(
        info("", "pods"),
        &[&pod],
        json!({}),
        IncludeObject::None,
        now(),
        None,
    );
    let row = &table["rows"][0];
    assert_eq!(row["cells"][2], "Completed");
    assert_eq!(row["conditions"][0]["type"], "Completed");
}
