//! Printers of core/v1 kinds: Services, Endpoints, ConfigMaps, Secrets, Namespaces, Nodes
//! and ServiceAccounts.

use jiff::Timestamp;
use serde_json::Value;

use super::format::{age, at, flag, format_labels, int, list, map_len, or_none, scalar, text};
use super::{AGE, NAME, Printed, Printer, col};

fn name(obj: &Value) -> Value {
    Value::String(text(obj, "metadata.name").to_string())
}

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

static SERVICE: Printer = Printer {
    columns: &[
        NAME,
        col("Type", "The type of the service."),
        col("Cluster-IP", "The IP address of the service."),
        col("External-IP", "The external IP addresses of the service."),
        col("Port(s)", "The ports that are exposed by this service."),
        AGE,
        col(
            "Selector",
            "Route service traffic to pods with label keys and values matching this selector.",
        )
        .wide(),
    ],
    row: service_row,
};

static ENDPOINTS: Printer = Printer {
    columns: &[NAME, col("Endpoints", "Endpoints of the service."), AGE],
    row: endpoints_row,
};

static CONFIG_MAP: Printer = Printer {
    columns: &[
        NAME,
        col("Data", "Data contains the configuration data."),
        AGE,
    ],
    row: |cm, now| {
        vec![
            name(cm),
            ((map_len(cm, "data") + map_len(cm, "binaryData")) as i64).into(),
            age(cm, now),
        ]
        .into()
    },
};

static SECRET: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Type",
            "Used to facilitate programmatic handling of secret data.",
        ),
        col("Data", "Data contains the secret data."),
        AGE,
    ],
    row: |sec, now| {
        vec![
            name(sec),
            s(text(sec, "type")),
            (map_len(sec, "data") as i64).into(),
            age(sec, now),
        ]
        .into()
    },
};

static NAMESPACE: Printer = Printer {
    columns: &[NAME, col("Status", "The status of the namespace."), AGE],
    row: |ns, now| vec![name(ns), s(text(ns, "status.phase")), age(ns, now)].into(),
};

static SERVICE_ACCOUNT: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Secrets",
            "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
        ),
        AGE,
    ],
    row: |sa, now| {
        vec![
            name(sa),
            (list(sa, "secrets").len() as i64).into(),
            age(sa, now),
        ]
        .into()
    },
};

static NODE: Printer = Printer {
    columns: &[
        NAME,
        col("Status", "The status of the node."),
        col("Roles", "The roles of the node."),
        AGE,
        col("Version", "Kubelet Version reported by the node."),
        col("Internal-IP", "List of addresses reachable to the node.").wide(),
        col("External-IP", "List of addresses reachable to the node.").wide(),
        col("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).").wide(),
        col("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).").wide(),
        col("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).").wide(),
    ],
    row: node_row,
};

/// The printer of a core/v1 kind of this module.
pub(super) fn printer(group: &str, kind: &str) -> Option<&'static Printer> {
    match (group, kind) {
        ("", "Service") => Some(&SERVICE),
        ("", "Endpoints") => Some(&ENDPOINTS),
        ("", "ConfigMap") => Some(&CONFIG_MAP),
        ("", "Secret") => Some(&SECRET),
        ("", "Namespace") => Some(&NAMESPACE),
        ("", "ServiceAccount") => Some(&SERVICE_ACCOUNT),
        ("", "Node") => Some(&NODE),
        _ => None,
    }
}

fn service_row(svc: &Value, now: Timestamp) -> Printed {
    let svc_type = match text(svc, "spec.type") {
        "" => "ClusterIP",
        t => t,
    };
    let cluster_ip = list(svc, "spec.clusterIPs")
        .first()
        .and_then(Value::as_str)
        .or_else(|| {
            at(svc, "spec.clusterIP")
                .and_then(Value::as_str)
                .filter(|ip| !ip.is_empty())
        })
        .unwrap_or("<none>");
    let external: Vec<String> = list(svc, "spec.externalIPs").iter().map(scalar).collect();
    let lb: Vec<String> = list(svc, "status.loadBalancer.ingress")
        .iter()
        .filter_map(|i| {
            [text(i, "ip"), text(i, "hostname")]
                .into_iter()
                .find(|v| !v.is_empty())
                .map(str::to_string)
        })
        .collect();
    let external_ip = match svc_type {
        "ClusterIP" | "NodePort" if external.is_empty() => "<none>".to_string(),
        "ClusterIP" | "NodePort" => external.join(","),
        "LoadBalancer" if lb.is_empty() && external.is_empty() => "<pending>".to_string(),
        "LoadBalancer" => lb
            .iter()
            .chain(&external)
            .cloned()
            .collect::<Vec<_>>()
            .join(","),
        "ExternalName" => text(svc, "spec.externalName").to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = list(svc, "spec.ports")
        .iter()
        .map(|p| {
            let protocol = match text(p, "protocol") {
                "" => "TCP",
                proto => proto,
            };
            match int(p, "nodePort") {
                n if n > 0 => format!("{}:{n}/{protocol}", int(p, "port")),
                _ => format!("{}/{protocol}", int(p, "port")),
            }
        })
        .collect();
    vec![
        name(svc),
        s(svc_type),
        s(cluster_ip),
        s(external_ip),
        s(or_none(&ports.join(","))),
        age(svc, now),
        s(format_labels(at(svc, "spec.selector"))),
    ]
    .into()
}

fn host_port(ip: &str, port: i64) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

/// kube-apiserver's `formatEndpoints`: at most three addresses, then `+ N more...`.
fn endpoints_row(ep: &Value, now: Timestamp) -> Printed {
    const MAX: usize = 3;
    let subsets = list(ep, "subsets");
    let cell = if subsets.is_empty() {
        "<none>".to_string()
    } else {
        let (mut shown, mut count, mut more) = (Vec::new(), 0usize, false);
        for subset in subsets {
            let addresses = list(subset, "addresses");
            let ports = list(subset, "ports");
            let port_numbers: Vec<Option<i64>> = if ports.is_empty() {
                vec![None]
            } else {
                ports.iter().map(|p| Some(int(p, "port"))).collect()
            };
            for port in port_numbers {
                count += addresses.len();
                for addr in addresses {
                    if shown.len() == MAX {
                        more = true;
                        break;
                    }
                    let ip = text(addr, "ip");
                    shown.push(port.map_or_else(|| ip.to_string(), |p| host_port(ip, p)));
                }
            }
        }
        let joined = shown.join(",");
        if more {
            format!("{joined} + {} more...", count - MAX)
        } else {
            joined
        }
    };
    vec![name(ep), s(cell), age(ep, now)].into()
}

fn node_row(node: &Value, now: Timestamp) -> Printed {
    let mut status: Vec<String> = Vec::new();
    if let Some(ready) = list(node, "status.conditions")
        .iter()
        .rev()
        .find(|c| text(c, "type") == "Ready")
    {
        status.push(
            if text(ready, "status") == "True" {
                "Ready"
            } else {
                "NotReady"
            }
            .to_string(),
        );
    }
    if status.is_empty() {
        status.push("Unknown".to_string());
    }
    if flag(node, "spec.unschedulable") {
        status.push("SchedulingDisabled".to_string());
    }
    let mut roles: Vec<String> = Vec::new();
    if let Some(labels) = at(node, "metadata.labels").and_then(Value::as_object) {
        for (k, v) in labels {
            if let Some(role) = k
                .strip_prefix("node-role.kubernetes.io/")
                .filter(|r| !r.is_empty())
            {
                roles.push(role.to_string());
            } else if k == "kubernetes.io/role" && !scalar(v).is_empty() {
                roles.push(scalar(v));
            }
        }
    }
    roles.sort();
    roles.dedup();
    let address = |t: &str| {
        list(node, "status.addresses")
            .iter()
            .find(|a| text(a, "type") == t)
            .map_or_else(|| "<none>".to_string(), |a| text(a, "address").to_string())
    };
    let info = |field: &str| match text(node, &format!("status.nodeInfo.{field}")) {
        "" => "<unknown>".to_string(),
        v => v.to_string(),
    };
    vec![
        name(node),
        s(status.join(",")),
        s(or_none(&roles.join(","))),
        age(node, now),
        s(text(node, "status.nodeInfo.kubeletVersion")),
        s(address("InternalIP")),
        s(address("ExternalIP")),
        s(info("osImage")),
        s(info("kernelVersion")),
        s(info("containerRuntimeVersion")),
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
            &SERVICE,
            &ENDPOINTS,
            &CONFIG_MAP,
            &SECRET,
            &NAMESPACE,
            &SERVICE_ACCOUNT,
            &NODE,
        ] {
            assert_eq!((p.row)(&empty, now()).cells.len(), p.columns.len());
        }
    }

    #[test]
    fn configmap_secret_namespace() {
        let cm = json!({"metadata": {"name": "cfg", "creationTimestamp": "2024-05-01T11:59:55Z"},
                        "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
        assert_eq!(
            (CONFIG_MAP.row)(&cm, now()).cells,
            vec![json!("cfg"), json!(3), json!("5s")]
        );
        let secret = json!({"metadata": {"name": "tls"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}});
        assert_eq!(
            (SECRET.row)(&secret, now()).cells[1..3],
            [json!("kubernetes.io/tls"), json!(2)]
        );
        let ns = json!({"metadata": {"name": "default"}, "status": {"phase": "Active"}});
        assert_eq!((NAMESPACE.row)(&ns, now()).cells[1], json!("Active"));
    }

    #[test]
    fn services() {
        let svc = json!({"metadata": {"name": "web"},
            "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "selector": {"app": "web"},
                     "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080}, {"port": 53, "protocol": "UDP"}]}});
        let cells = (SERVICE.row)(&svc, now()).cells;
        assert_eq!(
            &cells[1..5],
            &[
                json!("NodePort"),
                json!("10.96.0.10"),
                json!("<none>"),
                json!("80:30080/TCP,53/UDP")
            ]
        );
        assert_eq!(cells[6], json!("app=web"));
        let lb = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer"}});
        assert_eq!((SERVICE.row)(&lb, now()).cells[3], json!("<pending>"));
        let headless = json!({"metadata": {"name": "h"}, "spec": {"clusterIP": "None"}});
        assert_eq!(
            (SERVICE.row)(&headless, now()).cells[1..5],
            [
                json!("ClusterIP"),
                json!("None"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn endpoints_and_nodes() {
        let ep = json!({"metadata": {"name": "web"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"},
            {"ip": "10.0.0.3"}, {"ip": "fd00::4"}], "ports": [{"port": 8080}]}]});
        assert_eq!(
            (ENDPOINTS.row)(&ep, now()).cells[1],
            json!("10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...")
        );

        let node = json!({"metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.33.0"},
                       "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}]}});
        let cells = (NODE.row)(&node, now()).cells;
        assert_eq!(
            &cells[1..3],
            &[json!("Ready,SchedulingDisabled"), json!("control-plane")]
        );
        assert_eq!(
            &cells[4..8],
            &[
                json!("v1.33.0"),
                json!("172.18.0.2"),
                json!("<none>"),
                json!("<unknown>")
            ]
        );
    }
}
