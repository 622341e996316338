//! The slice of the built-in kinds' schema that patching needs: which lists merge by which
//! key, in strategic merge patch (the Go structs' `patchStrategy`/`patchMergeKey` tags) and
//! in server-side apply (the OpenAPI `x-kubernetes-list-type`/`x-kubernetes-list-map-keys`).
//!
//! The two disagree in places (container ports merge by `containerPort` in a strategic merge
//! patch but are keyed by `containerPort`+`protocol` in server-side apply; job conditions merge
//! by `type` but are atomic for apply), so each list carries both. Anything not listed here is
//! an ordinary object (merged field by field) or an atomic list (replaced whole), which is how
//! both mechanisms treat lists without a declared strategy.

use serde_json::{Map, Value};

/// A node type of the built-in schema, as far as patching cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    /// No list strategies anywhere below.
    Any,
    PodRoot,
    WorkloadRoot,
    JobRoot,
    CronJobRoot,
    PodTemplateRoot,
    ServiceRoot,
    NodeRoot,
    ServiceAccountRoot,
    ConditionsRoot,
    GenericRoot,
    ObjectMeta,
    WorkloadSpec,
    JobSpec,
    JobStatus,
    CronJobSpec,
    JobTemplateSpec,
    PodTemplateSpec,
    PodSpec,
    Container,
    ResourceRequirements,
    PodStatus,
    ConditionsStatus,
    ServiceSpec,
    ServiceStatus,
    NodeSpec,
    NodeStatus,
}

/// How a strategic merge patch treats a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SmpList {
    /// No patch strategy: the patch's list replaces the original.
    Replace,
    /// `patchStrategy: merge` with a `patchMergeKey`.
    MergeKey(&'static str),
    /// `patchStrategy: merge` on a list of primitives: a set union.
    MergePrimitives,
}

/// One key field of a server-side apply associative list, with the schema default that
/// stands in when an item omits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyField {
    pub name: &'static str,
    pub default: Option<&'static str>,
}

/// How server-side apply treats a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SsaList {
    /// Owned and replaced as a whole.
    Atomic,
    /// A set of primitives, owned per value.
    Set,
    /// An associative list (`x-kubernetes-list-type: map`), owned per item.
    Map(&'static [KeyField]),
}

/// What the schema says about one field: the type of its value (or of its items, for a list)
/// and the list strategies that apply when the value is a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    pub ty: Ty,
    pub smp: SmpList,
    pub ssa: SsaList,
}

impl Field {
    /// An object (or atomic list) field of type `ty`.
    pub(crate) const fn object(ty: Ty) -> Self {
        Field {
            ty,
            smp: SmpList::Replace,
            ssa: SsaList::Atomic,
        }
    }
}

const fn key(name: &'static str) -> KeyField {
    KeyField {
        name,
        default: None,
    }
}

const NAME: &[KeyField] = &[key("name")];
const UID: &[KeyField] = &[key("uid")];
const IP: &[KeyField] = &[key("ip")];
const TYPE: &[KeyField] = &[key("type")];
const MOUNT_PATH: &[KeyField] = &[key("mountPath")];
const DEVICE_PATH: &[KeyField] = &[key("devicePath")];
const TCP: KeyField = KeyField {
    name: "protocol",
    default: Some("TCP"),
};
const CONTAINER_PORT: &[KeyField] = &[key("containerPort"), TCP];
const SERVICE_PORT: &[KeyField] = &[key("port"), TCP];
const TOPOLOGY: &[KeyField] = &[key("topologyKey"), key("whenUnsatisfiable")];

const ANY: Field = Field::object(Ty::Any);
const PRIMITIVE_SET: Field = Field {
    ty: Ty::Any,
    smp: SmpList::MergePrimitives,
    ssa: SsaList::Set,
};

const fn keyed(ty: Ty, merge_key: &'static str, keys: &'static [KeyField]) -> Field {
    Field {
        ty,
        smp: SmpList::MergeKey(merge_key),
        ssa: SsaList::Map(keys),
    }
}

/// The root type of objects of `group`/`kind`.
pub(crate) fn root(group: &str, kind: &str) -> Ty {
    match (group, kind) {
        ("", "Pod") => Ty::PodRoot,
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        | ("", "ReplicationController") => Ty::WorkloadRoot,
        ("batch", "Job") => Ty::JobRoot,
        ("batch", "CronJob") => Ty::CronJobRoot,
        ("", "PodTemplate") => Ty::PodTemplateRoot,
        ("", "Service") => Ty::ServiceRoot,
        ("", "Node") => Ty::NodeRoot,
        ("", "ServiceAccount") => Ty::ServiceAccountRoot,
        ("", "Namespace" | "PersistentVolumeClaim")
        | ("apiextensions.k8s.io", "CustomResourceDefinition")
        | ("apiregistration.k8s.io", "APIService")
        | ("policy", "PodDisruptionBudget")
        | ("autoscaling", "HorizontalPodAutoscaler")
        | ("certificates.k8s.io", "CertificateSigningRequest")
        | ("flowcontrol.apiserver.k8s.io", "FlowSchema" | "PriorityLevelConfiguration") => {
            Ty::ConditionsRoot
        }
        _ => Ty::GenericRoot,
    }
}

fn is_root(ty: Ty) -> bool {
    matches!(
        ty,
        Ty::PodRoot
            | Ty::WorkloadRoot
            | Ty::JobRoot
            | Ty::CronJobRoot
            | Ty::PodTemplateRoot
            | Ty::ServiceRoot
            | Ty::NodeRoot
            | Ty::ServiceAccountRoot
            | Ty::ConditionsRoot
            | Ty::GenericRoot
    )
}

/// What the schema says about field `name` of an object of type `ty`.
pub(crate) fn lookup(ty: Ty, name: &str) -> Field {
    use Ty::*;
    if name == "metadata" && (is_root(ty) || matches!(ty, PodTemplateSpec | JobTemplateSpec)) {
        return Field::object(ObjectMeta);
    }
    match (ty, name) {
        (PodRoot, "spec") | (PodTemplateSpec, "spec") => Field::object(PodSpec),
        (PodRoot, "status") => Field::object(PodStatus),
        (WorkloadRoot, "spec") => Field::object(WorkloadSpec),
        (WorkloadRoot | ConditionsRoot, "status") => Field::object(ConditionsStatus),
        (JobRoot | JobTemplateSpec, "spec") => Field::object(JobSpec),
        (JobRoot, "status") => Field::object(JobStatus),
        (CronJobRoot, "spec") => Field::object(CronJobSpec),
        (CronJobSpec, "jobTemplate") => Field::object(JobTemplateSpec),
        (PodTemplateRoot | WorkloadSpec | JobSpec, "template") => Field::object(PodTemplateSpec),
        (ServiceRoot, "spec") => Field::object(ServiceSpec),
        (ServiceRoot, "status") => Field::object(ServiceStatus),
        (NodeRoot, "spec") => Field::object(NodeSpec),
        (NodeRoot, "status") => Field::object(NodeStatus),
        (ServiceAccountRoot, "secrets") => keyed(Any, "name", NAME),
        (ObjectMeta, "ownerReferences") => keyed(Any, "uid", UID),
        (ObjectMeta, "finalizers") | (NodeSpec, "podCIDRs") => PRIMITIVE_SET,
        (PodSpec, "containers" | "initContainers" | "ephemeralContainers") => {
            keyed(Container, "name", NAME)
        }
        (PodSpec, "volumes" | "imagePullSecrets" | "resourceClaims" | "schedulingGates") => {
            keyed(Any, "name", NAME)
        }
        (PodSpec, "hostAliases") => keyed(Any, "ip", IP),
        (PodSpec, "topologySpreadConstraints") => keyed(Any, "topologyKey", TOPOLOGY),
        (Container, "ports") => keyed(Any, "containerPort", CONTAINER_PORT),
        (Container, "env") => keyed(Any, "name", NAME),
        (Container, "volumeMounts") => keyed(Any, "mountPath", MOUNT_PATH),
        (Container, "volumeDevices") => keyed(Any, "devicePath", DEVICE_PATH),
        (Container, "resources") => Field::object(ResourceRequirements),
        // No patch strategy on the Go field, but a map list for apply.
        (ResourceRequirements, "claims") => Field {
            ty: Any,
            smp: SmpList::Replace,
            ssa: SsaList::Map(NAME),
        },
        (PodStatus | ConditionsStatus | ServiceStatus | NodeStatus, "conditions") => {
            keyed(Any, "type", TYPE)
        }
        // Job conditions may repeat a type, so apply treats them as atomic.
        (JobStatus, "conditions") => Field {
            ty: Any,
            smp: SmpList::MergeKey("type"),
            ssa: SsaList::Atomic,
        },
        (PodStatus, "podIPs" | "hostIPs") => keyed(Any, "ip", IP),
        (PodStatus, "resourceClaimStatuses") => keyed(Any, "name", NAME),
        (ServiceSpec, "ports") => keyed(Any, "port", SERVICE_PORT),
        (NodeStatus, "addresses") => keyed(Any, "type", TYPE),
        _ => ANY,
    }
}

/// Object paths that a freshly constructed Go object of the kind already holds (non-pointer
/// struct fields serialize as `{}`), and list paths that it holds as `null`.
fn zero_paths(
    ty: Ty,
) -> (
    &'static [&'static [&'static str]],
    &'static [&'static [&'static str]],
) {
    const BASE: &[&[&str]] = &[&["metadata"], &["spec"], &["status"]];
    const POD: &[&[&str]] = &[&["spec", "containers"]];
    const WORKLOAD: &[&[&str]] = &[
        &["metadata"],
        &["spec"],
        &["status"],
        &["spec", "template"],
        &["spec", "template", "metadata"],
        &["spec", "template", "spec"],
        &["spec", "strategy"],
        &["spec", "updateStrategy"],
    ];
    const WORKLOAD_LISTS: &[&[&str]] = &[&["spec", "template", "spec", "containers"]];
    const CRONJOB: &[&[&str]] = &[
        &["metadata"],
        &["spec"],
        &["status"],
        &["spec", "jobTemplate"],
        &["spec", "jobTemplate", "metadata"],
        &["spec", "jobTemplate", "spec"],
        &["spec", "jobTemplate", "spec", "template"],
        &["spec", "jobTemplate", "spec", "template", "metadata"],
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ];
    const CRONJOB_LISTS: &[&[&str]] = &[&[
        "spec",
        "jobTemplate",
        "spec",
        "template",
        "spec",
        "containers",
    ]];
    const TEMPLATE: &[&[&str]] = &[
        &["metadata"],
        &["template"],
        &["template", "metadata"],
        &["template", "spec"],
    ];
    const TEMPLATE_LISTS: &[&[&str]] = &[&["template", "spec", "containers"]];
    match ty {
        Ty::PodRoot => (BASE, POD),
        Ty::WorkloadRoot | Ty::JobRoot => (WORKLOAD, WORKLOAD_LISTS),
        Ty::CronJobRoot => (CRONJOB, CRONJOB_LISTS),
        Ty::PodTemplateRoot => (TEMPLATE, TEMPLATE_LISTS),
        _ => (BASE, &[]),
    }
}

/// The empty object kube-apiserver compares a new object against when recording who
/// created which fields: the always-present structs of `new`'s kind, limited to the ones
/// `new` actually has so no spurious removals appear.
pub(crate) fn zero_object(group: &str, kind: &str, new: &Value) -> Value {
    let (objects, lists) = zero_paths(root(group, kind));
    let mut zero = Value::Object(Map::new());
    for path in objects {
        if at(new, path).is_some_and(Value::is_object) {
            set_at(&mut zero, path, Value::Object(Map::new()));
        }
    }
    for path in lists {
        if at(new, path).is_some_and(Value::is_array) {
            set_at(&mut zero, path, Value::Null);
        }
    }
    zero
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn set_at(v: &mut Value, path: &[&str], leaf: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for k in parents {
        let Some(obj) = cur.as_object_mut() else {
            return;
        };
        cur = obj
            .entry(k.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if let Some(obj) = cur.as_object_mut() {
        obj.insert(last.to_string(), leaf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pod_specs_are_found_in_every_workload() {
        let deploy = root("apps", "Deployment");
        let spec = lookup(deploy, "spec").ty;
        let template = lookup(spec, "template").ty;
        let pod = lookup(template, "spec").ty;
        assert_eq!(pod, Ty::PodSpec);
        let containers = lookup(pod, "containers");
        assert_eq!(containers.smp, SmpList::MergeKey("name"));
        assert_eq!(containers.ty, Ty::Container);
        let ports = lookup(Ty::Container, "ports");
        assert_eq!(ports.smp, SmpList::MergeKey("containerPort"));
        assert_eq!(ports.ssa, SsaList::Map(CONTAINER_PORT));

        let cron = root("batch", "CronJob");
        let ty = ["spec", "jobTemplate", "spec", "template", "spec"]
            .iter()
            .fold(cron, |ty, f| lookup(ty, f).ty);
        assert_eq!(ty, Ty::PodSpec);
    }

    #[test]
    fn unknown_lists_are_replaced_and_atomic() {
        let f = lookup(Ty::PodSpec, "tolerations");
        assert_eq!(f.smp, SmpList::Replace);
        assert_eq!(f.ssa, SsaList::Atomic);
        assert_eq!(lookup(Ty::GenericRoot, "data").ty, Ty::Any);
        assert_eq!(lookup(Ty::GenericRoot, "metadata").ty, Ty::ObjectMeta);
    }

    #[test]
    fn zero_object_only_has_paths_the_new_object_has() {
        let new = json!({"metadata": {"name": "a"}, "spec": {"replicas": 1,
            "template": {"spec": {"containers": []}}}});
        let zero = zero_object("apps", "Deployment", &new);
        assert_eq!(
            zero,
            json!({"metadata": {}, "spec": {"template": {"spec": {"containers": null}}}})
        );
        let cm = zero_object("", "ConfigMap", &json!({"metadata": {}, "data": {}}));
        assert_eq!(cm, json!({"metadata": {}}));
    }
}
