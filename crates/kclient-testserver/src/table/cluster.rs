//! Printers of the remaining kinds kubectl users look at most: Leases, Ingresses and
//! IngressClasses, EndpointSlices, StorageClasses, RBAC roles and bindings,
//! PodDisruptionBudgets, RuntimeClasses and ControllerRevisions.

use jiff::Timestamp;
use serde_json::Value;

use super::format::{age, at, created_at, int, list, or_none, scalar, text};
use super::{AGE, NAME, Printed, Printer, col};

fn name(obj: &Value) -> Value {
    Value::String(text(obj, "metadata.name").to_string())
}

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

static LEASE: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Holder",
            "HolderIdentity contains the identity of the holder of a current lease.",
        ),
        AGE,
    ],
    row: |l, now| vec![name(l), s(text(l, "spec.holderIdentity")), age(l, now)].into(),
};

static INGRESS: Printer = Printer {
    columns: &[
        NAME,
        col("Class", "The name of the IngressClass resource."),
        col(
            "Hosts",
            "Hosts that incoming requests are matched against before the ingress rule",
        ),
        col(
            "Address",
            "Address is a list containing ingress points for the load-balancer",
        ),
        col("Ports", "Ports of TLS configurations that open"),
        AGE,
    ],
    row: ingress_row,
};

static INGRESS_CLASS: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Controller",
            "Controller that is responsible for handling this class",
        ),
        col(
            "Parameters",
            "A reference to a resource with additional parameters",
        ),
        AGE,
    ],
    row: ingress_class_row,
};

static ENDPOINT_SLICE: Printer = Printer {
    columns: &[
        NAME,
        col("AddressType", "The IP protocol for this slice"),
        col("Ports", "Enumerated ports in this slice"),
        col("Endpoints", "Endpoints in this slice"),
        AGE,
    ],
    row: endpoint_slice_row,
};

static STORAGE_CLASS: Printer = Printer {
    columns: &[
        NAME,
        col("Provisioner", "Indicates the type of the provisioner."),
        col("ReclaimPolicy", "Indicates the type of the reclaim policy."),
        col(
            "VolumeBindingMode",
            "Indicates how PersistentVolumeClaims should be provisioned and bound.",
        ),
        col(
            "AllowVolumeExpansion",
            "Indicates whether the storage class allow volume expand",
        ),
        AGE,
    ],
    row: storage_class_row,
};

static ROLE: Printer = Printer {
    columns: &[NAME, col("Created At", super::AGE_DESC).typed("date")],
    row: |r, _| vec![name(r), created_at(r)].into(),
};

static ROLE_BINDING: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Role",
            "Role references a role in the current namespace or a cluster role.",
        ),
        AGE,
        col("Users", "Users in the roleBinding").wide(),
        col("Groups", "Groups in the roleBinding").wide(),
        col("ServiceAccounts", "ServiceAccounts in the roleBinding").wide(),
    ],
    row: role_binding_row,
};

static PDB: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Min Available",
            "The minimum number of pods that must be available simultaneously.",
        ),
        col(
            "Max Unavailable",
            "The maximum number of pods that may be unavailable simultaneously.",
        ),
        col(
            "Allowed Disruptions",
            "Calculated number of pods that may be disrupted at this time.",
        )
        .typed("integer"),
        AGE,
    ],
    row: |p, now| {
        let or_na = |path: &str| {
            at(p, path)
                .filter(|v| !v.is_null())
                .map_or_else(|| "N/A".to_string(), scalar)
        };
        vec![
            name(p),
            s(or_na("spec.minAvailable")),
            s(or_na("spec.maxUnavailable")),
            int(p, "status.disruptionsAllowed").into(),
            age(p, now),
        ]
        .into()
    },
};

static RUNTIME_CLASS: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Handler",
            "The underlying runtime and configuration that should handle pods of this class.",
        ),
        AGE,
    ],
    row: |r, now| vec![name(r), s(text(r, "handler")), age(r, now)].into(),
};

static CONTROLLER_REVISION: Printer = Printer {
    columns: &[
        NAME,
        col("Controller", "Controller of the object"),
        col(
            "Revision",
            "Revision indicates the revision of the state represented by Data.",
        )
        .typed("integer"),
        AGE,
    ],
    row: controller_revision_row,
};

/// The printer of `group`/`kind` among the kinds of this module.
pub(super) fn printer(group: &str, kind: &str) -> Option<&'static Printer> {
    match (group, kind) {
        ("coordination.k8s.io", "Lease") => Some(&LEASE),
        ("networking.k8s.io", "Ingress") => Some(&INGRESS),
        ("networking.k8s.io", "IngressClass") => Some(&INGRESS_CLASS),
        ("discovery.k8s.io", "EndpointSlice") => Some(&ENDPOINT_SLICE),
        ("storage.k8s.io", "StorageClass") => Some(&STORAGE_CLASS),
        ("rbac.authorization.k8s.io", "Role" | "ClusterRole") => Some(&ROLE),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => Some(&ROLE_BINDING),
        ("policy", "PodDisruptionBudget") => Some(&PDB),
        ("node.k8s.io", "RuntimeClass") => Some(&RUNTIME_CLASS),
        ("apps", "ControllerRevision") => Some(&CONTROLLER_REVISION),
        _ => None,
    }
}

/// At most `max` entries, then ` + N more...`; `<unset>` when empty (`listWithMoreString`).
fn list_with_more(items: Vec<String>, max: usize) -> String {
    let count = items.len();
    let shown = items.into_iter().take(max).collect::<Vec<_>>().join(",");
    if count > max {
        format!("{shown} + {} more...", count - max)
    } else if shown.is_empty() {
        "<unset>".to_string()
    } else {
        shown
    }
}

fn ingress_row(ing: &Value, now: Timestamp) -> Printed {
    const MAX: usize = 3;
    let rules = list(ing, "spec.rules");
    let (mut hosts, mut more) = (Vec::new(), false);
    for rule in rules {
        more |= hosts.len() == MAX;
        if !more && !text(rule, "host").is_empty() {
            hosts.push(text(rule, "host"));
        }
    }
    let hosts_cell = if hosts.is_empty() {
        "*".to_string()
    } else if more {
        format!("{} + {} more...", hosts.join(","), rules.len() - MAX)
    } else {
        hosts.join(",")
    };
    let address: Vec<&str> = list(ing, "status.loadBalancer.ingress")
        .iter()
        .filter_map(|i| {
            [text(i, "ip"), text(i, "hostname")]
                .into_iter()
                .find(|v| !v.is_empty())
        })
        .collect();
    let ports = if list(ing, "spec.tls").is_empty() {
        "80"
    } else {
        "80, 443"
    };
    let class = at(ing, "spec.ingressClassName")
        .and_then(Value::as_str)
        .unwrap_or("<none>");
    vec![
        name(ing),
        s(class),
        s(hosts_cell),
        s(address.join(",")),
        s(ports),
        age(ing, now),
    ]
    .into()
}

fn ingress_class_row(ic: &Value, now: Timestamp) -> Printed {
    let params = match at(ic, "spec.parameters").filter(|p| p.is_object()) {
        None => "<none>".to_string(),
        Some(p) => {
            let group = at(p, "apiGroup")
                .and_then(Value::as_str)
                .map(|g| format!(".{g}"))
                .unwrap_or_default();
            format!("{}{group}/{}", text(p, "kind"), text(p, "name"))
        }
    };
    vec![
        name(ic),
        s(text(ic, "spec.controller")),
        s(params),
        age(ic, now),
    ]
    .into()
}

fn endpoint_slice_row(slice: &Value, now: Timestamp) -> Printed {
    let ports: Vec<String> = list(slice, "ports")
        .iter()
        .map(|p| {
            match (
                at(p, "port").filter(|v| !v.is_null()),
                at(p, "name").and_then(Value::as_str),
            ) {
                (Some(port), _) => scalar(port),
                (None, Some(n)) => n.to_string(),
                (None, None) => "*".to_string(),
            }
        })
        .collect();
    let addresses: Vec<String> = list(slice, "endpoints")
        .iter()
        .flat_map(|e| list(e, "addresses").iter().map(scalar))
        .collect();
    vec![
        name(slice),
        s(text(slice, "addressType")),
        s(list_with_more(ports, 3)),
        s(list_with_more(addresses, 3)),
        age(slice, now),
    ]
    .into()
}

fn storage_class_row(sc: &Value, now: Timestamp) -> Printed {
    let annotations = at(sc, "metadata.annotations");
    let is_default = [
        "storageclass.kubernetes.io/is-default-class",
        "storageclass.beta.kubernetes.io/is-default-class",
    ]
    .iter()
    .any(|k| annotations.and_then(|a| a.get(*k)).and_then(Value::as_str) == Some("true"));
    let mut display = text(sc, "metadata.name").to_string();
    if is_default {
        display.push_str(" (default)");
    }
    let or = |path: &str, default: &str| {
        at(sc, path)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string()
    };
    vec![
        s(display),
        s(text(sc, "provisioner")),
        s(or("reclaimPolicy", "Delete")),
        s(or("volumeBindingMode", "Immediate")),
        Value::Bool(
            at(sc, "allowVolumeExpansion")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        age(sc, now),
    ]
    .into()
}

fn role_binding_row(rb: &Value, now: Timestamp) -> Printed {
    let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
    for subject in list(rb, "subjects") {
        match text(subject, "kind") {
            "User" => users.push(text(subject, "name").to_string()),
            "Group" => groups.push(text(subject, "name").to_string()),
            "ServiceAccount" => sas.push(format!(
                "{}/{}",
                text(subject, "namespace"),
                text(subject, "name")
            )),
            _ => {}
        }
    }
    vec![
        name(rb),
        s(format!(
            "{}/{}",
            text(rb, "roleRef.kind"),
            text(rb, "roleRef.name")
        )),
        age(rb, now),
        s(users.join(", ")),
        s(groups.join(", ")),
        s(sas.join(", ")),
    ]
    .into()
}

fn controller_revision_row(cr: &Value, now: Timestamp) -> Printed {
    let owner = list(cr, "metadata.ownerReferences")
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true));
    let controller = match owner {
        None => String::new(),
        Some(o) => {
            let group = text(o, "apiVersion")
                .rsplit_once('/')
                .map(|(g, _)| g)
                .unwrap_or("");
            let kind = if group.is_empty() {
                text(o, "kind").to_string()
            } else {
                format!("{}.{group}", text(o, "kind"))
            };
            format!("{}/{}", kind.to_ascii_lowercase(), text(o, "name"))
        }
    };
    vec![
        name(cr),
        s(or_none(&controller)),
        int(cr, "revision").into(),
        age(cr, now),
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
    fn every_printer_fills_its_columns() {
        let empty = json!({"metadata": {"name": "x"}});
        for p in [
            &LEASE,
            &INGRESS,
            &INGRESS_CLASS,
            &ENDPOINT_SLICE,
            &STORAGE_CLASS,
            &ROLE,
            &ROLE_BINDING,
            &PDB,
            &RUNTIME_CLASS,
            &CONTROLLER_REVISION,
        ] {
            assert_eq!((p.row)(&empty, now()).cells.len(), p.columns.len());
        }
    }

    #[test]
    fn cells() {
        let ing = json!({"metadata": {"name": "web"}, "spec": {"ingressClassName": "nginx", "tls": [{}],
            "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}});
        assert_eq!(
            (INGRESS.row)(&ing, now()).cells[1..5],
            [
                json!("nginx"),
                json!("a.example.com,b.example.com"),
                json!("1.2.3.4"),
                json!("80, 443")
            ]
        );
        let sc = json!({"metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                        "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"});
        assert_eq!(
            (STORAGE_CLASS.row)(&sc, now()).cells[0..5],
            [
                json!("standard (default)"),
                json!("rancher.io/local-path"),
                json!("Delete"),
                json!("WaitForFirstConsumer"),
                json!(false)
            ]
        );
        let rb = json!({"metadata": {"name": "rb"}, "roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "namespace": "ns", "name": "sa"}]});
        let cells = (ROLE_BINDING.row)(&rb, now()).cells;
        assert_eq!(
            (&cells[1], &cells[3], &cells[5]),
            (&json!("ClusterRole/view"), &json!("alice"), &json!("ns/sa"))
        );
        let role = json!({"metadata": {"name": "r", "creationTimestamp": "2024-05-01T10:00:00Z"}});
        assert_eq!(
            (ROLE.row)(&role, now()).cells,
            vec![json!("r"), json!("2024-05-01T10:00:00Z")]
        );
        let slice = json!({"metadata": {"name": "s"}, "addressType": "IPv4", "ports": [{"port": 80}, {"name": "x"}],
            "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2", "10.0.0.3", "10.0.0.4"]}]});
        assert_eq!(
            (ENDPOINT_SLICE.row)(&slice, now()).cells[1..4],
            [
                json!("IPv4"),
                json!("80,x"),
                json!("10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...")
            ]
        );
        let cr = json!({"metadata": {"name": "web-5d", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
            "name": "web", "controller": true}]}, "revision": 2});
        assert_eq!(
            (CONTROLLER_REVISION.row)(&cr, now()).cells[1..3],
            [json!("statefulset.apps/web"), json!(2)]
        );
        let lease = json!({"metadata": {"name": "l"}, "spec": {"holderIdentity": "node-1"}});
        assert_eq!((LEASE.row)(&lease, now()).cells[1], json!("node-1"));
    }
}
