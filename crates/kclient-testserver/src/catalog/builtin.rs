//! The built-in resource table of a default kube-apiserver 1.33.
//!
//! Only group-versions enabled by default are listed: since 1.24 new beta APIs are off by
//! default, so 1.33 serves no beta group-version (resource.k8s.io v1beta1/v1beta2,
//! coordination v1beta1 LeaseCandidate, storage v1beta1 VolumeAttributesClass, certificates
//! v1beta1 ClusterTrustBundle and admissionregistration v1beta1 stay off). networking.k8s.io/v1
//! IPAddress and ServiceCIDR went GA in 1.33 and are on; pods/resize arrived with in-place
//! pod resize turning beta (on by default) in 1.33.

use k8s_openapi::Resource;
use k8s_openapi::api::{
    admissionregistration::v1 as admreg, apps::v1 as apps, authentication::v1 as authn,
    authorization::v1 as authz, autoscaling::v1 as as1, autoscaling::v2 as as2, batch::v1 as batch,
    certificates::v1 as certs, coordination::v1 as coord, core::v1 as core,
    discovery::v1 as discov, events::v1 as events, flowcontrol::v1 as fc, networking::v1 as net,
    node::v1 as node, policy::v1 as policy, rbac::v1 as rbac, scheduling::v1 as sched,
    storage::v1 as storage,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiext;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apireg;
use kclient_core::builtin_discovery::{self, by_group_priority};
use kclient_core::version::by_priority;

use super::{ResourceInfo, SubresourceInfo};

/// Verbs of an ordinary stored resource.
pub(crate) const RW: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
/// Namespaces cannot be deleted as a collection.
const RW_NO_COLLECTION: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
const CREATE: &[&str] = &["create"];
const GET_LIST: &[&str] = &["get", "list"];
const GET_PATCH_UPDATE: &[&str] = &["get", "patch", "update"];
const CONNECT_GET: &[&str] = &["create", "get"];
const PROXY: &[&str] = &["create", "delete", "get", "patch", "update"];

/// Maps the k8s-openapi scope marker to the namespaced flag; subresource-only types do not
/// implement it, so they cannot be listed as top-level resources by mistake.
trait Scoped {
    const NAMESPACED: bool;
}
impl Scoped for k8s_openapi::NamespaceResourceScope {
    const NAMESPACED: bool = true;
}
impl Scoped for k8s_openapi::ClusterResourceScope {
    const NAMESPACED: bool = false;
}

/// What a subresource exchanges.
#[derive(Clone, Copy)]
enum SubKind {
    /// The parent's own kind (status, scale of CRs, ephemeralcontainers, ...).
    Parent,
    /// Another kind of the parent's group-version (`PodExecOptions`).
    Same(&'static str),
    /// A kind of another group-version (`autoscaling/v1 Scale`).
    Foreign(&'static str, &'static str, &'static str),
}

#[derive(Clone, Copy)]
struct Sub {
    name: &'static str,
    kind: SubKind,
    verbs: &'static [&'static str],
}

const fn foreign<T: Resource>() -> SubKind {
    SubKind::Foreign(T::GROUP, T::VERSION, T::KIND)
}

const STATUS: Sub = Sub {
    name: "status",
    kind: SubKind::Parent,
    verbs: GET_PATCH_UPDATE,
};
const SCALE: Sub = Sub {
    name: <as1::Scale as Resource>::URL_PATH_SEGMENT,
    kind: foreign::<as1::Scale>(),
    verbs: GET_PATCH_UPDATE,
};

/// Builder for one row: defaults are a stored resource with the full verb set, the
/// lower-cased kind as singular name, and the short names and categories of the one
/// built-in table in kclient-core.
struct Row(ResourceInfo);

fn res<T>() -> Row
where
    T: Resource,
    T::Scope: Scoped,
{
    Row(ResourceInfo {
        group: T::GROUP.to_string(),
        version: T::VERSION.to_string(),
        kind: T::KIND.to_string(),
        plural: T::URL_PATH_SEGMENT.to_string(),
        singular: T::KIND.to_ascii_lowercase(),
        namespaced: <T::Scope as Scoped>::NAMESPACED,
        short_names: strings(builtin_discovery::short_names(
            T::GROUP,
            T::URL_PATH_SEGMENT,
        )),
        categories: strings(builtin_discovery::categories(T::GROUP, T::URL_PATH_SEGMENT)),
        verbs: strings(RW),
        subresources: Vec::new(),
        storage: true,
    })
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl Row {
    fn verbs(mut self, verbs: &[&str]) -> Self {
        self.0.verbs = strings(verbs);
        self
    }

    /// A create-only (or otherwise computed) resource that is never stored.
    fn virtual_only(mut self, verbs: &[&str]) -> Self {
        self.0.verbs = strings(verbs);
        self.0.storage = false;
        self
    }

    fn singular(mut self, name: &str) -> Self {
        self.0.singular = name.to_string();
        self
    }

    fn subs(mut self, subs: &[Sub]) -> Self {
        let parent = &self.0;
        let mut out: Vec<SubresourceInfo> = subs
            .iter()
            .map(|s| {
                let (group, version, kind) = match s.kind {
                    SubKind::Parent => (
                        parent.group.as_str(),
                        parent.version.as_str(),
                        parent.kind.as_str(),
                    ),
                    SubKind::Same(kind) => (parent.group.as_str(), parent.version.as_str(), kind),
                    SubKind::Foreign(g, v, k) => (g, v, k),
                };
                SubresourceInfo {
                    name: s.name.to_string(),
                    kind: kind.to_string(),
                    group: group.to_string(),
                    version: version.to_string(),
                    verbs: strings(s.verbs),
                }
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        self.0.subresources = out;
        self
    }
}

fn core_v1() -> Vec<Row> {
    let pod_subs = [
        Sub {
            name: "attach",
            kind: SubKind::Same("PodAttachOptions"),
            verbs: CONNECT_GET,
        },
        Sub {
            name: "binding",
            kind: foreign::<core::Binding>(),
            verbs: CREATE,
        },
        Sub {
            name: "ephemeralcontainers",
            kind: SubKind::Parent,
            verbs: GET_PATCH_UPDATE,
        },
        Sub {
            name: <policy::Eviction as Resource>::URL_PATH_SEGMENT,
            kind: foreign::<policy::Eviction>(),
            verbs: CREATE,
        },
        Sub {
            name: "exec",
            kind: SubKind::Same("PodExecOptions"),
            verbs: CONNECT_GET,
        },
        Sub {
            name: "log",
            kind: SubKind::Parent,
            verbs: &["get"],
        },
        Sub {
            name: "portforward",
            kind: SubKind::Same("PodPortForwardOptions"),
            verbs: CONNECT_GET,
        },
        Sub {
            name: "proxy",
            kind: SubKind::Same("PodProxyOptions"),
            verbs: PROXY,
        },
        Sub {
            name: "resize",
            kind: SubKind::Parent,
            verbs: GET_PATCH_UPDATE,
        },
        STATUS,
    ];
    let token = Sub {
        name: <authn::TokenRequest as Resource>::URL_PATH_SEGMENT,
        kind: foreign::<authn::TokenRequest>(),
        verbs: CREATE,
    };
    vec![
        res::<core::Binding>().virtual_only(CREATE),
        res::<core::ComponentStatus>().virtual_only(GET_LIST),
        res::<core::ConfigMap>(),
        res::<core::Endpoints>().singular("endpoints"),
        res::<core::Event>(),
        res::<core::LimitRange>(),
        res::<core::Namespace>().verbs(RW_NO_COLLECTION).subs(&[
            Sub {
                name: "finalize",
                kind: SubKind::Parent,
                verbs: &["update"],
            },
            STATUS,
        ]),
        res::<core::Node>().subs(&[
            Sub {
                name: "proxy",
                kind: SubKind::Same("NodeProxyOptions"),
                verbs: PROXY,
            },
            STATUS,
        ]),
        res::<core::PersistentVolumeClaim>().subs(&[STATUS]),
        res::<core::PersistentVolume>().subs(&[STATUS]),
        res::<core::Pod>().subs(&pod_subs),
        res::<core::PodTemplate>(),
        res::<core::ReplicationController>().subs(&[SCALE, STATUS]),
        res::<core::ResourceQuota>().subs(&[STATUS]),
        res::<core::Secret>(),
        res::<core::ServiceAccount>().subs(&[token]),
        res::<core::Service>().subs(&[
            Sub {
                name: "proxy",
                kind: SubKind::Same("ServiceProxyOptions"),
                verbs: PROXY,
            },
            STATUS,
        ]),
    ]
}

/// The named groups' resources ([`table`] puts them in kube-apiserver's order).
fn groups() -> Vec<Row> {
    vec![
        // apiregistration.k8s.io
        res::<apireg::APIService>().subs(&[STATUS]),
        // apps
        res::<apps::ControllerRevision>(),
        res::<apps::DaemonSet>().subs(&[STATUS]),
        res::<apps::Deployment>().subs(&[SCALE, STATUS]),
        res::<apps::ReplicaSet>().subs(&[SCALE, STATUS]),
        res::<apps::StatefulSet>().subs(&[SCALE, STATUS]),
        // events.k8s.io
        res::<events::Event>(),
        // authentication.k8s.io
        res::<authn::SelfSubjectReview>().virtual_only(CREATE),
        res::<authn::TokenReview>().virtual_only(CREATE),
        // authorization.k8s.io
        res::<authz::LocalSubjectAccessReview>().virtual_only(CREATE),
        res::<authz::SelfSubjectAccessReview>().virtual_only(CREATE),
        res::<authz::SelfSubjectRulesReview>().virtual_only(CREATE),
        res::<authz::SubjectAccessReview>().virtual_only(CREATE),
        // autoscaling: v2 is preferred
        res::<as2::HorizontalPodAutoscaler>().subs(&[STATUS]),
        res::<as1::HorizontalPodAutoscaler>().subs(&[STATUS]),
        // batch
        res::<batch::CronJob>().subs(&[STATUS]),
        res::<batch::Job>().subs(&[STATUS]),
        // certificates.k8s.io
        res::<certs::CertificateSigningRequest>().subs(&[
            Sub {
                name: "approval",
                kind: SubKind::Parent,
                verbs: GET_PATCH_UPDATE,
            },
            STATUS,
        ]),
        // networking.k8s.io
        res::<net::IngressClass>(),
        res::<net::Ingress>().subs(&[STATUS]),
        res::<net::IPAddress>(),
        res::<net::NetworkPolicy>(),
        res::<net::ServiceCIDR>().subs(&[STATUS]),
        // policy
        res::<policy::PodDisruptionBudget>().subs(&[STATUS]),
        // rbac.authorization.k8s.io
        res::<rbac::ClusterRoleBinding>(),
        res::<rbac::ClusterRole>(),
        res::<rbac::RoleBinding>(),
        res::<rbac::Role>(),
        // storage.k8s.io
        res::<storage::CSIDriver>(),
        res::<storage::CSINode>(),
        res::<storage::CSIStorageCapacity>(),
        res::<storage::StorageClass>(),
        res::<storage::VolumeAttachment>().subs(&[STATUS]),
        // admissionregistration.k8s.io
        res::<admreg::MutatingWebhookConfiguration>(),
        res::<admreg::ValidatingAdmissionPolicy>().subs(&[STATUS]),
        res::<admreg::ValidatingAdmissionPolicyBinding>(),
        res::<admreg::ValidatingWebhookConfiguration>(),
        // apiextensions.k8s.io
        res::<apiext::CustomResourceDefinition>().subs(&[STATUS]),
        // scheduling.k8s.io
        res::<sched::PriorityClass>(),
        // coordination.k8s.io
        res::<coord::Lease>(),
        // node.k8s.io
        res::<node::RuntimeClass>(),
        // discovery.k8s.io
        res::<discov::EndpointSlice>(),
        // flowcontrol.apiserver.k8s.io
        res::<fc::FlowSchema>().subs(&[STATUS]),
        res::<fc::PriorityLevelConfiguration>().subs(&[STATUS]),
    ]
}

/// Builds the whole table (called once), in kube-apiserver's order: groups by priority,
/// versions by priority, resources by plural.
pub(crate) fn table() -> Vec<ResourceInfo> {
    let mut rows: Vec<ResourceInfo> = core_v1()
        .into_iter()
        .chain(groups())
        .map(|row| row.0)
        .collect();
    rows.sort_by(|a, b| {
        by_group_priority(&a.group, &b.group)
            .then_with(|| by_priority(&a.version, &b.version))
            .then_with(|| a.plural.cmp(&b.plural))
    });
    rows
}

/// The group/version/kind objects of `info` are stored as, which is what kube-apiserver
/// hashes for `storageVersionHash`. A few built-ins are stored in another version or group.
pub(crate) fn storage_gvk(info: &ResourceInfo) -> (&str, &str, &str) {
    match (info.group.as_str(), info.plural.as_str()) {
        ("autoscaling", "horizontalpodautoscalers") => (
            "autoscaling",
            "v2",
            <as2::HorizontalPodAutoscaler as Resource>::KIND,
        ),
        // events.k8s.io events share the core Event storage.
        ("events.k8s.io", "events") => ("", "v1", <core::Event as Resource>::KIND),
        _ => (
            info.group.as_str(),
            info.version.as_str(),
            info.kind.as_str(),
        ),
    }
}
