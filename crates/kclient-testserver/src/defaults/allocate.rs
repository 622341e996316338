//! What kube-apiserver's Service registry allocates and infers on top of the defaults:
//! a cluster IP from the service CIDR (10.96.0.0/16, kind's default; the first
//! address is the `kubernetes` Service's), `clusterIPs`, the IP families and their
//! policy of a single-stack IPv4 cluster, node ports (30000-32767) for NodePort and
//! LoadBalancer Services and the health-check node port of `externalTrafficPolicy:
//! Local` load balancers. Updates keep what was allocated when the body leaves it out.
//! Allocations are found by looking at the stored Services, so deletes free them.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use serde_json::{Map, Value, json};

use super::{each, is_zero};
use crate::error::{ApiResult, ErrorResponse, FieldError};
use crate::meta;
use crate::state::State;
use crate::store::StorageKey;

/// 10.96.0.0/16.
const CIDR_BASE: u32 = u32::from_be_bytes([10, 96, 0, 0]);
const CIDR_BITS: u32 = 16;
const CIDR: &str = "10.96.0.0/16";
/// `--service-node-port-range` default.
const NODE_PORTS: std::ops::RangeInclusive<i64> = 30000..=32767;

/// What the stored Services (other than the one being written) hold.
#[derive(Default)]
struct InUse {
    ips: HashSet<String>,
    node_ports: HashSet<i64>,
}

fn in_use(state: &State, namespace: &str, name: &str) -> InUse {
    let mut used = InUse::default();
    let Some(store) = state.store.resource(&StorageKey::new("", "services")) else {
        return used;
    };
    for key in store.keys(None) {
        let Some(obj) = store.get(&key) else { continue };
        if obj.namespace() == namespace && obj.name() == name {
            continue;
        }
        let Ok(svc) = obj.value() else { continue };
        let Some(spec) = svc.get("spec") else {
            continue;
        };
        let ips = spec.get("clusterIPs").and_then(Value::as_array);
        for ip in ips.into_iter().flatten().filter_map(Value::as_str) {
            used.ips.insert(ip.to_string());
        }
        let ports = spec.get("ports").and_then(Value::as_array);
        for port in ports.into_iter().flatten() {
            if let Some(p) = port.get("nodePort").and_then(Value::as_i64) {
                used.node_ports.insert(p);
            }
        }
        if let Some(p) = spec.get("healthCheckNodePort").and_then(Value::as_i64) {
            used.node_ports.insert(p);
        }
    }
    used
}

/// On update: the cluster IPs, IP families, node ports and health-check node port of
/// `old` that the new body leaves out (kube-apiserver's `patchAllocatedValues`).
pub(crate) fn keep_allocated(old: &Value, new: &mut Value) {
    let (Some(old_spec), Some(spec)) = (
        old.get("spec").and_then(Value::as_object),
        new.get_mut("spec").and_then(Value::as_object_mut),
    ) else {
        return;
    };
    let type_of = |s: &Map<String, Value>| {
        s.get("type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_string()
    };
    let (old_type, new_type) = (type_of(old_spec), type_of(spec));
    if old_type != "ExternalName" && new_type != "ExternalName" {
        for key in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
            if is_zero(spec.get(key))
                && let Some(v) = old_spec.get(key)
            {
                spec.insert(key.into(), v.clone());
            }
        }
    }
    let needs_node_ports = |t: &str| t == "NodePort" || t == "LoadBalancer";
    if needs_node_ports(&old_type) && needs_node_ports(&new_type) {
        let old_ports: Vec<(String, i64)> = old_spec
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let name = p.get("name").and_then(Value::as_str).unwrap_or("");
                Some((name.to_string(), p.get("nodePort")?.as_i64()?))
            })
            .collect();
        let used: HashSet<i64> = each(spec, "ports")
            .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
            .collect();
        for port in each(spec, "ports") {
            if !is_zero(port.get("nodePort")) {
                continue;
            }
            let name = port.get("name").and_then(Value::as_str).unwrap_or("");
            if let Some((_, n)) = old_ports.iter().find(|(pn, _)| pn == name)
                && !used.contains(n)
            {
                port.insert("nodePort".into(), json!(n));
            }
        }
        if is_zero(spec.get("healthCheckNodePort"))
            && let Some(p) = old_spec.get("healthCheckNodePort")
        {
            spec.insert("healthCheckNodePort".into(), p.clone());
        }
    }
}

/// Allocates what a Service still lacks: cluster IPs, IP families and node ports.
/// An explicit address or port another Service holds is a 422, as kube-apiserver answers.
pub(crate) fn allocate_service(state: &State, svc: &mut Value) -> ApiResult<()> {
    let name = meta::name(svc).to_string();
    let namespace = meta::namespace(svc).to_string();
    let Some(spec) = svc.get_mut("spec").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let type_ = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    if type_ == "ExternalName" {
        return Ok(());
    }
    let used = in_use(state, &namespace, &name);
    let mut errs = Vec::new();
    cluster_ip(spec, &used, &mut errs);
    ip_families(spec);
    let node_ports = type_ == "NodePort"
        || (type_ == "LoadBalancer"
            && spec.get("allocateLoadBalancerNodePorts") != Some(&Value::Bool(false)));
    let mut taken = used.node_ports;
    if node_ports {
        for (i, port) in each(spec, "ports").enumerate() {
            let field = format!("spec.ports[{i}].nodePort");
            node_port(port, "nodePort", &field, &mut taken, &mut errs);
        }
    }
    let local = spec.get("externalTrafficPolicy").and_then(Value::as_str) == Some("Local");
    if type_ == "LoadBalancer" && local {
        node_port(
            spec,
            "healthCheckNodePort",
            "spec.healthCheckNodePort",
            &mut taken,
            &mut errs,
        );
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ErrorResponse::invalid("", "Service", &name, &errs))
    }
}

fn cluster_ip(spec: &mut Map<String, Value>, used: &InUse, errs: &mut Vec<FieldError>) {
    let first = spec
        .get("clusterIPs")
        .and_then(|ips| ips.get(0))
        .and_then(Value::as_str)
        .map(str::to_string);
    let ip = match spec.get("clusterIP").and_then(Value::as_str) {
        Some(ip) if !ip.is_empty() => ip.to_string(),
        _ => first.unwrap_or_default(),
    };
    let ip = if ip.is_empty() {
        random_ip(used)
    } else if ip == "None" {
        ip
    } else {
        let in_range = ip.parse::<Ipv4Addr>().is_ok_and(|a| {
            let a = u32::from(a);
            a >> (32 - CIDR_BITS) == CIDR_BASE >> (32 - CIDR_BITS)
        });
        if !in_range {
            errs.push(FieldError::invalid(
                "spec.clusterIPs",
                json!([ip]),
                format!("failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is {CIDR}"),
            ));
        } else if used.ips.contains(&ip) {
            errs.push(FieldError::invalid(
                "spec.clusterIPs",
                json!([ip]),
                format!("failed to allocate IP {ip}: provided IP is already allocated"),
            ));
        }
        ip
    };
    spec.insert("clusterIP".into(), json!(ip));
    if is_zero(spec.get("clusterIPs")) {
        spec.insert("clusterIPs".into(), json!([ip]));
    }
}

fn random_ip(used: &InUse) -> String {
    let size = 1u32 << (32 - CIDR_BITS);
    loop {
        // Neither the network address, the `kubernetes` Service's first address nor
        // the broadcast address.
        let offset = 2 + rand::random::<u32>() % (size - 3);
        let ip = Ipv4Addr::from(CIDR_BASE + offset).to_string();
        if !used.ips.contains(&ip) {
            return ip;
        }
    }
}

/// A single-stack IPv4 cluster: `[IPv4]` and SingleStack, except headless Services
/// without a selector, which kube-apiserver makes RequireDualStack with both families.
fn ip_families(spec: &mut Map<String, Value>) {
    let headless = spec.get("clusterIP").and_then(Value::as_str) == Some("None");
    let selectorless = is_zero(spec.get("selector"));
    if headless && selectorless {
        if is_zero(spec.get("ipFamilyPolicy")) {
            spec.insert("ipFamilyPolicy".into(), json!("RequireDualStack"));
        }
        if is_zero(spec.get("ipFamilies")) {
            spec.insert("ipFamilies".into(), json!(["IPv4"]));
        }
        let single = spec.get("ipFamilyPolicy").and_then(Value::as_str) == Some("SingleStack");
        if let Some(families) = spec.get_mut("ipFamilies").and_then(Value::as_array_mut)
            && families.len() < 2
            && !single
        {
            let other = if families.first().and_then(Value::as_str) == Some("IPv6") {
                "IPv4"
            } else {
                "IPv6"
            };
            families.push(json!(other));
        }
        return;
    }
    if is_zero(spec.get("ipFamilyPolicy")) {
        let two = spec
            .get("ipFamilies")
            .and_then(Value::as_array)
            .is_some_and(|f| f.len() == 2);
        let policy = if two {
            "RequireDualStack"
        } else {
            "SingleStack"
        };
        spec.insert("ipFamilyPolicy".into(), json!(policy));
    }
    if is_zero(spec.get("ipFamilies")) {
        spec.insert("ipFamilies".into(), json!(["IPv4"]));
    }
}

fn node_port(
    map: &mut Map<String, Value>,
    key: &str,
    field: &str,
    taken: &mut HashSet<i64>,
    errs: &mut Vec<FieldError>,
) {
    match map.get(key).and_then(Value::as_i64).filter(|p| *p != 0) {
        Some(p) if !NODE_PORTS.contains(&p) => errs.push(FieldError::invalid(
            field,
            json!(p),
            format!(
                "provided port is not in the valid range. The range of valid ports is {}-{}",
                NODE_PORTS.start(),
                NODE_PORTS.end()
            ),
        )),
        Some(p) if !taken.insert(p) => errs.push(FieldError::invalid(
            field,
            json!(p),
            "provided port is already allocated",
        )),
        Some(_) => {}
        None => {
            let span = (NODE_PORTS.end() - NODE_PORTS.start() + 1) as u64;
            if taken.len() as u64 >= span {
                errs.push(FieldError::invalid(
                    field,
                    json!(0),
                    "failed to allocate a nodePort: range is full",
                ));
                return;
            }
            loop {
                let p = NODE_PORTS.start() + (rand::random::<u64>() % span) as i64;
                if taken.insert(p) {
                    map.insert(key.into(), json!(p));
                    break;
                }
            }
        }
    }
}
