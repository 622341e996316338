//! Typed accessors of [`SharedInformerFactory`] for every built-in group-version of the
//! pinned k8s-openapi version (`factory.core_v1().pods()`, `factory.apps_v1().deployments()`),
//! in the shape of the ClientSet's: a macro table over the k8s-openapi types instead of
//! client-go's generated tree. Every accessor is [`SharedInformerFactory::resource`].
//!
//! Namespaced kinds also get client-go's lister shorthand: `lister.pods("ns")` is
//! `lister.namespace("ns")`.

use super::{ResourceInformer, SharedInformerFactory};
use crate::lister::{Lister, NamespaceLister};

/// Expands one entry per group-version into an accessor struct with one method per listable
/// kind, and the factory method returning it. Only kinds that support list and watch are
/// listed (review and subresource bodies are not cached).
macro_rules! group_informers {
    ($(
        $method:ident => $group:ident ($($module:ident)::+) {
            namespaced: [$($nname:ident : $nty:ident),* $(,)?],
            cluster: [$($cname:ident : $cty:ident),* $(,)?] $(,)?
        }
    ),+ $(,)?) => {
        $(
            mod $method {
                use super::{ResourceInformer, SharedInformerFactory};
                #[cfg(test)]
                use kclient_core::Resource;
                use k8s_openapi::$($module)::+ as group;

                #[doc = concat!("The shared informers of `", stringify!($($module)::+), "`.")]
                #[derive(Clone, Debug)]
                pub struct $group {
                    factory: SharedInformerFactory,
                }

                impl $group {
                    $(
                        #[doc = concat!("The shared informer of `", stringify!($nty), "` objects.")]
                        pub fn $nname(&self) -> ResourceInformer<group::$nty> {
                            self.factory.resource()
                        }
                    )*
                    $(
                        #[doc = concat!("The shared informer of `", stringify!($cty), "` objects (cluster-scoped).")]
                        pub fn $cname(&self) -> ResourceInformer<group::$cty> {
                            self.factory.resource()
                        }
                    )*
                }

                $(
                    impl super::Lister<group::$nty> {
                        #[doc = concat!("The cached `", stringify!($nty), "` objects of `namespace`.")]
                        pub fn $nname(&self, namespace: &str) -> super::NamespaceLister<group::$nty> {
                            self.namespace(namespace)
                        }
                    }
                )*

                #[cfg(test)]
                pub(super) const KINDS: &[(&str, &str, &str)] = &[
                    $((<group::$nty as Resource>::GROUP, <group::$nty as Resource>::VERSION, <group::$nty as Resource>::KIND),)*
                    $((<group::$cty as Resource>::GROUP, <group::$cty as Resource>::VERSION, <group::$cty as Resource>::KIND),)*
                ];

                impl SharedInformerFactory {
                    #[doc = concat!("The shared informers of `", stringify!($($module)::+), "`.")]
                    pub fn $method(&self) -> $group {
                        $group { factory: self.clone() }
                    }
                }
            }
            pub use $method::$group;
        )+

        /// Every kind with an accessor, so a test can hold the table against the scheme.
        #[cfg(test)]
        pub(super) const ACCESSOR_KINDS: &[&[(&str, &str, &str)]] = &[$($method::KINDS),+];
    };
}

group_informers! {
    admissionregistration_v1 => AdmissionregistrationV1Informers (api::admissionregistration::v1) {
        namespaced: [],
        cluster: [
            mutating_webhook_configurations: MutatingWebhookConfiguration,
            validating_admission_policies: ValidatingAdmissionPolicy,
            validating_admission_policy_bindings: ValidatingAdmissionPolicyBinding,
            validating_webhook_configurations: ValidatingWebhookConfiguration,
        ],
    },
    admissionregistration_v1alpha1 => AdmissionregistrationV1alpha1Informers (api::admissionregistration::v1alpha1) {
        namespaced: [],
        cluster: [
            mutating_admission_policies: MutatingAdmissionPolicy,
            mutating_admission_policy_bindings: MutatingAdmissionPolicyBinding,
        ],
    },
    admissionregistration_v1beta1 => AdmissionregistrationV1beta1Informers (api::admissionregistration::v1beta1) {
        namespaced: [],
        cluster: [
            validating_admission_policies: ValidatingAdmissionPolicy,
            validating_admission_policy_bindings: ValidatingAdmissionPolicyBinding,
        ],
    },
    internal_v1alpha1 => InternalV1alpha1Informers (api::apiserverinternal::v1alpha1) {
        namespaced: [],
        cluster: [storage_versions: StorageVersion],
    },
    apps_v1 => AppsV1Informers (api::apps::v1) {
        namespaced: [
            controller_revisions: ControllerRevision,
            daemon_sets: DaemonSet,
            deployments: Deployment,
            replica_sets: ReplicaSet,
            stateful_sets: StatefulSet,
        ],
        cluster: [],
    },
    autoscaling_v1 => AutoscalingV1Informers (api::autoscaling::v1) {
        namespaced: [horizontal_pod_autoscalers: HorizontalPodAutoscaler],
        cluster: [],
    },
    autoscaling_v2 => AutoscalingV2Informers (api::autoscaling::v2) {
        namespaced: [horizontal_pod_autoscalers: HorizontalPodAutoscaler],
        cluster: [],
    },
    batch_v1 => BatchV1Informers (api::batch::v1) {
        namespaced: [cron_jobs: CronJob, jobs: Job],
        cluster: [],
    },
    certificates_v1 => CertificatesV1Informers (api::certificates::v1) {
        namespaced: [],
        cluster: [certificate_signing_requests: CertificateSigningRequest],
    },
    certificates_v1alpha1 => CertificatesV1alpha1Informers (api::certificates::v1alpha1) {
        namespaced: [],
        cluster: [cluster_trust_bundles: ClusterTrustBundle],
    },
    certificates_v1beta1 => CertificatesV1beta1Informers (api::certificates::v1beta1) {
        namespaced: [],
        cluster: [cluster_trust_bundles: ClusterTrustBundle],
    },
    coordination_v1 => CoordinationV1Informers (api::coordination::v1) {
        namespaced: [leases: Lease],
        cluster: [],
    },
    coordination_v1alpha2 => CoordinationV1alpha2Informers (api::coordination::v1alpha2) {
        namespaced: [lease_candidates: LeaseCandidate],
        cluster: [],
    },
    coordination_v1beta1 => CoordinationV1beta1Informers (api::coordination::v1beta1) {
        namespaced: [lease_candidates: LeaseCandidate],
        cluster: [],
    },
    core_v1 => CoreV1Informers (api::core::v1) {
        namespaced: [
            config_maps: ConfigMap,
            endpoints: Endpoints,
            events: Event,
            limit_ranges: LimitRange,
            persistent_volume_claims: PersistentVolumeClaim,
            pods: Pod,
            pod_templates: PodTemplate,
            replication_controllers: ReplicationController,
            resource_quotas: ResourceQuota,
            secrets: Secret,
            services: Service,
            service_accounts: ServiceAccount,
        ],
        cluster: [
            component_statuses: ComponentStatus,
            namespaces: Namespace,
            nodes: Node,
            persistent_volumes: PersistentVolume,
        ],
    },
    discovery_v1 => DiscoveryV1Informers (api::discovery::v1) {
        namespaced: [endpoint_slices: EndpointSlice],
        cluster: [],
    },
    events_v1 => EventsV1Informers (api::events::v1) {
        namespaced: [events: Event],
        cluster: [],
    },
    flowcontrol_v1 => FlowcontrolV1Informers (api::flowcontrol::v1) {
        namespaced: [],
        cluster: [
            flow_schemas: FlowSchema,
            priority_level_configurations: PriorityLevelConfiguration,
        ],
    },
    networking_v1 => NetworkingV1Informers (api::networking::v1) {
        namespaced: [ingresses: Ingress, network_policies: NetworkPolicy],
        cluster: [ingress_classes: IngressClass, ip_addresses: IPAddress, service_cidrs: ServiceCIDR],
    },
    networking_v1beta1 => NetworkingV1beta1Informers (api::networking::v1beta1) {
        namespaced: [],
        cluster: [ip_addresses: IPAddress, service_cidrs: ServiceCIDR],
    },
    node_v1 => NodeV1Informers (api::node::v1) {
        namespaced: [],
        cluster: [runtime_classes: RuntimeClass],
    },
    policy_v1 => PolicyV1Informers (api::policy::v1) {
        namespaced: [pod_disruption_budgets: PodDisruptionBudget],
        cluster: [],
    },
    rbac_v1 => RbacV1Informers (api::rbac::v1) {
        namespaced: [roles: Role, role_bindings: RoleBinding],
        cluster: [cluster_roles: ClusterRole, cluster_role_bindings: ClusterRoleBinding],
    },
    resource_v1alpha3 => ResourceV1alpha3Informers (api::resource::v1alpha3) {
        namespaced: [resource_claims: ResourceClaim, resource_claim_templates: ResourceClaimTemplate],
        cluster: [
            device_classes: DeviceClass,
            device_taint_rules: DeviceTaintRule,
            resource_slices: ResourceSlice,
        ],
    },
    resource_v1beta1 => ResourceV1beta1Informers (api::resource::v1beta1) {
        namespaced: [resource_claims: ResourceClaim, resource_claim_templates: ResourceClaimTemplate],
        cluster: [device_classes: DeviceClass, resource_slices: ResourceSlice],
    },
    resource_v1beta2 => ResourceV1beta2Informers (api::resource::v1beta2) {
        namespaced: [resource_claims: ResourceClaim, resource_claim_templates: ResourceClaimTemplate],
        cluster: [device_classes: DeviceClass, resource_slices: ResourceSlice],
    },
    scheduling_v1 => SchedulingV1Informers (api::scheduling::v1) {
        namespaced: [],
        cluster: [priority_classes: PriorityClass],
    },
    storage_v1 => StorageV1Informers (api::storage::v1) {
        namespaced: [csi_storage_capacities: CSIStorageCapacity],
        cluster: [
            csi_drivers: CSIDriver,
            csi_nodes: CSINode,
            storage_classes: StorageClass,
            volume_attachments: VolumeAttachment,
        ],
    },
    storage_v1alpha1 => StorageV1alpha1Informers (api::storage::v1alpha1) {
        namespaced: [],
        cluster: [volume_attributes_classes: VolumeAttributesClass],
    },
    storage_v1beta1 => StorageV1beta1Informers (api::storage::v1beta1) {
        namespaced: [],
        cluster: [volume_attributes_classes: VolumeAttributesClass],
    },
    storagemigration_v1alpha1 => StoragemigrationV1alpha1Informers (api::storagemigration::v1alpha1) {
        namespaced: [],
        cluster: [storage_version_migrations: StorageVersionMigration],
    },
    apiextensions_v1 => ApiextensionsV1Informers (apiextensions_apiserver::pkg::apis::apiextensions::v1) {
        namespaced: [],
        cluster: [custom_resource_definitions: CustomResourceDefinition],
    },
    apiregistration_v1 => ApiregistrationV1Informers (kube_aggregator::pkg::apis::apiregistration::v1) {
        namespaced: [],
        cluster: [api_services: APIService],
    },
}
