//! [`ClientSet`]: client-go's `kubernetes.Clientset` — one accessor per group-version of the
//! pinned k8s-openapi version (`core_v1()`, `apps_v1()`, ...), and on each one accessor per
//! kind (`pods(ns)`, `nodes()`), all returning [`Api<K>`]. A macro table over the k8s-openapi
//! types replaces client-go's generated tree: every accessor is the same generic code.

use std::fmt;

use kclient_config::Config;
use kclient_core::resource::{ClusterScoped, NamespaceScoped};
use kclient_rest::RestClient;

use crate::Error;
use crate::api::Api;
use crate::dynamic::DynamicClient;
use crate::metadata::MetadataClient;
use crate::scale::ScaleClient;

/// Typed clients for every built-in group-version, sharing one [`RestClient`] (one
/// connection pool, one rate limiter). Cheap to clone.
///
/// ```no_run
/// # async fn demo(config: kclient_config::Config) -> Result<(), kclient::Error> {
/// use kclient::ClientSet;
/// use kclient_core::ListOptions;
///
/// let clientset = ClientSet::new(config)?;
/// let pods = clientset.core_v1().pods("default").list(&ListOptions::default()).await?;
/// let nodes = clientset.core_v1().nodes().list(&ListOptions::default()).await?;
/// # let _ = (pods, nodes);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientSet {
    client: RestClient,
}

impl fmt::Debug for ClientSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSet")
            .field("client", &self.client)
            .finish()
    }
}

impl ClientSet {
    /// A clientset for `config` (client-go's `NewForConfig`). Fails on configuration
    /// problems only; nothing is connected yet.
    pub fn new(config: Config) -> Result<Self, Error> {
        Ok(Self::from_client(RestClient::new(config)?))
    }

    /// A clientset over an existing client.
    pub fn from_client(client: RestClient) -> Self {
        Self { client }
    }

    /// The client every request goes through.
    pub fn client(&self) -> &RestClient {
        &self.client
    }

    /// The typed client of any namespaced kind, custom resources included.
    pub fn namespaced<K: NamespaceScoped>(&self, namespace: &str) -> Api<K> {
        Api::namespaced(self.client.clone(), namespace)
    }

    /// The typed client of any cluster-scoped kind, custom resources included.
    pub fn cluster<K: ClusterScoped>(&self) -> Api<K> {
        Api::all(self.client.clone())
    }

    /// A dynamic client sharing this clientset's transport.
    pub fn dynamic(&self) -> DynamicClient {
        DynamicClient::new(self.client.clone())
    }

    /// A metadata-only client sharing this clientset's transport.
    pub fn metadata(&self) -> MetadataClient {
        MetadataClient::new(self.client.clone())
    }

    /// A scale client sharing this clientset's transport.
    pub fn scales(&self) -> ScaleClient {
        ScaleClient::new(self.client.clone())
    }
}

/// Expands one entry per group-version into a client struct with one accessor per kind and
/// the `ClientSet` method that returns it. Namespaced accessors take the namespace (`""`
/// lists and watches across all namespaces, as in client-go); cluster-scoped ones take none.
/// A kind listed under the wrong scope does not compile.
macro_rules! group_clients {
    ($(
        $method:ident => $client:ident ($($module:ident)::+) {
            namespaced: [$($nname:ident : $nty:ident),* $(,)?],
            cluster: [$($cname:ident : $cty:ident),* $(,)?] $(,)?
        }
    ),+ $(,)?) => {
        $(
            // One module per group-version so the k8s-openapi module path is named once
            // (`group::Pod`), outside the per-kind repetition.
            mod $method {
                use super::{Api, ClientSet, RestClient};
                #[cfg(test)]
                use kclient_core::Resource;
                use k8s_openapi::$($module)::+ as group;

                #[doc = concat!("The typed clients of `", stringify!($($module)::+), "`.")]
                #[derive(Clone, Debug)]
                pub struct $client {
                    client: RestClient,
                }

                impl $client {
                    $(
                        #[doc = concat!("`", stringify!($nty), "` objects in `namespace` (`\"\"`: list and watch across all namespaces).")]
                        pub fn $nname(&self, namespace: &str) -> Api<group::$nty> {
                            Api::namespaced(self.client.clone(), namespace)
                        }
                    )*
                    $(
                        #[doc = concat!("`", stringify!($cty), "` objects (cluster-scoped).")]
                        pub fn $cname(&self) -> Api<group::$cty> {
                            Api::all(self.client.clone())
                        }
                    )*
                }

                #[cfg(test)]
                pub(super) const KINDS: &[(&str, &str, &str)] = &[
                    $((
                        <group::$nty as Resource>::GROUP,
                        <group::$nty as Resource>::VERSION,
                        <group::$nty as Resource>::KIND,
                    ),)*
                    $((
                        <group::$cty as Resource>::GROUP,
                        <group::$cty as Resource>::VERSION,
                        <group::$cty as Resource>::KIND,
                    ),)*
                ];

                impl ClientSet {
                    #[doc = concat!("The typed clients of `", stringify!($($module)::+), "`.")]
                    pub fn $method(&self) -> $client {
                        $client { client: self.client.clone() }
                    }
                }
            }
            pub use $method::$client;
        )+

        /// Every kind with an accessor, per group-version, so a test can hold the table
        /// against the scheme's list of built-in kinds.
        #[cfg(test)]
        const ACCESSOR_KINDS: &[&[(&str, &str, &str)]] = &[$($method::KINDS),+];
    };
}

group_clients! {
    admissionregistration_v1 => AdmissionregistrationV1 (api::admissionregistration::v1) {
        namespaced: [],
        cluster: [
            mutating_webhook_configurations: MutatingWebhookConfiguration,
            validating_admission_policies: ValidatingAdmissionPolicy,
            validating_admission_policy_bindings: ValidatingAdmissionPolicyBinding,
            validating_webhook_configurations: ValidatingWebhookConfiguration,
        ],
    },
    admissionregistration_v1alpha1 => AdmissionregistrationV1alpha1 (api::admissionregistration::v1alpha1) {
        namespaced: [],
        cluster: [
            mutating_admission_policies: MutatingAdmissionPolicy,
            mutating_admission_policy_bindings: MutatingAdmissionPolicyBinding,
        ],
    },
    admissionregistration_v1beta1 => AdmissionregistrationV1beta1 (api::admissionregistration::v1beta1) {
        namespaced: [],
        cluster: [
            validating_admission_policies: ValidatingAdmissionPolicy,
            validating_admission_policy_bindings: ValidatingAdmissionPolicyBinding,
        ],
    },
    internal_v1alpha1 => InternalV1alpha1 (api::apiserverinternal::v1alpha1) {
        namespaced: [],
        cluster: [storage_versions: StorageVersion],
    },
    apps_v1 => AppsV1 (api::apps::v1) {
        namespaced: [
            controller_revisions: ControllerRevision,
            daemon_sets: DaemonSet,
            deployments: Deployment,
            replica_sets: ReplicaSet,
            stateful_sets: StatefulSet,
        ],
        cluster: [],
    },
    authentication_v1 => AuthenticationV1 (api::authentication::v1) {
        namespaced: [],
        cluster: [self_subject_reviews: SelfSubjectReview, token_reviews: TokenReview],
    },
    authorization_v1 => AuthorizationV1 (api::authorization::v1) {
        namespaced: [local_subject_access_reviews: LocalSubjectAccessReview],
        cluster: [
            self_subject_access_reviews: SelfSubjectAccessReview,
            self_subject_rules_reviews: SelfSubjectRulesReview,
            subject_access_reviews: SubjectAccessReview,
        ],
    },
    autoscaling_v1 => AutoscalingV1 (api::autoscaling::v1) {
        namespaced: [horizontal_pod_autoscalers: HorizontalPodAutoscaler],
        cluster: [],
    },
    autoscaling_v2 => AutoscalingV2 (api::autoscaling::v2) {
        namespaced: [horizontal_pod_autoscalers: HorizontalPodAutoscaler],
        cluster: [],
    },
    batch_v1 => BatchV1 (api::batch::v1) {
        namespaced: [cron_jobs: CronJob, jobs: Job],
        cluster: [],
    },
    certificates_v1 => CertificatesV1 (api::certificates::v1) {
        namespaced: [],
        cluster: [certificate_signing_requests: CertificateSigningRequest],
    },
    certificates_v1alpha1 => CertificatesV1alpha1 (api::certificates::v1alpha1) {
        namespaced: [],
        cluster: [cluster_trust_bundles: ClusterTrustBundle],
    },
    certificates_v1beta1 => CertificatesV1beta1 (api::certificates::v1beta1) {
        namespaced: [],
        cluster: [cluster_trust_bundles: ClusterTrustBundle],
    },
    coordination_v1 => CoordinationV1 (api::coordination::v1) {
        namespaced: [leases: Lease],
        cluster: [],
    },
    coordination_v1alpha2 => CoordinationV1alpha2 (api::coordination::v1alpha2) {
        namespaced: [lease_candidates: LeaseCandidate],
        cluster: [],
    },
    coordination_v1beta1 => CoordinationV1beta1 (api::coordination::v1beta1) {
        namespaced: [lease_candidates: LeaseCandidate],
        cluster: [],
    },
    core_v1 => CoreV1 (api::core::v1) {
        namespaced: [
            bindings: Binding,
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
    discovery_v1 => DiscoveryV1 (api::discovery::v1) {
        namespaced: [endpoint_slices: EndpointSlice],
        cluster: [],
    },
    events_v1 => EventsV1 (api::events::v1) {
        namespaced: [events: Event],
        cluster: [],
    },
    flowcontrol_v1 => FlowcontrolV1 (api::flowcontrol::v1) {
        namespaced: [],
        cluster: [
            flow_schemas: FlowSchema,
            priority_level_configurations: PriorityLevelConfiguration,
        ],
    },
    networking_v1 => NetworkingV1 (api::networking::v1) {
        namespaced: [ingresses: Ingress, network_policies: NetworkPolicy],
        cluster: [ingress_classes: IngressClass, ip_addresses: IPAddress, service_cidrs: ServiceCIDR],
    },
    networking_v1beta1 => NetworkingV1beta1 (api::networking::v1beta1) {
        namespaced: [],
        cluster: [ip_addresses: IPAddress, service_cidrs: ServiceCIDR],
    },
    node_v1 => NodeV1 (api::node::v1) {
        namespaced: [],
        cluster: [runtime_classes: RuntimeClass],
    },
    policy_v1 => PolicyV1 (api::policy::v1) {
        namespaced: [pod_disruption_budgets: PodDisruptionBudget],
        cluster: [],
    },
    rbac_v1 => RbacV1 (api::rbac::v1) {
        namespaced: [roles: Role, role_bindings: RoleBinding],
        cluster: [cluster_roles: ClusterRole, cluster_role_bindings: ClusterRoleBinding],
    },
    resource_v1alpha3 => ResourceV1alpha3 (api::resource::v1alpha3) {
        namespaced: [resource_claims: ResourceClaim, resource_claim_templates: ResourceClaimTemplate],
        cluster: [
            device_classes: DeviceClass,
            device_taint_rules: DeviceTaintRule,
            resource_slices: ResourceSlice,
        ],
    },
    resource_v1beta1 => ResourceV1beta1 (api::resource::v1beta1) {
        namespaced: [resource_claims: ResourceClaim, resource_claim_templates: ResourceClaimTemplate],
        cluster: [device_classes: DeviceClass, resource_slices: ResourceSlice],
    },
    resource_v1beta2 => ResourceV1beta2 (api::resource::v1beta2) {
        namespaced: [resource_claims: ResourceClaim, resource_claim_templates: ResourceClaimTemplate],
        cluster: [device_classes: DeviceClass, resource_slices: ResourceSlice],
    },
    scheduling_v1 => SchedulingV1 (api::scheduling::v1) {
        namespaced: [],
        cluster: [priority_classes: PriorityClass],
    },
    storage_v1 => StorageV1 (api::storage::v1) {
        namespaced: [csi_storage_capacities: CSIStorageCapacity],
        cluster: [
            csi_drivers: CSIDriver,
            csi_nodes: CSINode,
            storage_classes: StorageClass,
            volume_attachments: VolumeAttachment,
        ],
    },
    storage_v1alpha1 => StorageV1alpha1 (api::storage::v1alpha1) {
        namespaced: [],
        cluster: [volume_attributes_classes: VolumeAttributesClass],
    },
    storage_v1beta1 => StorageV1beta1 (api::storage::v1beta1) {
        namespaced: [],
        cluster: [volume_attributes_classes: VolumeAttributesClass],
    },
    storagemigration_v1alpha1 => StoragemigrationV1alpha1 (api::storagemigration::v1alpha1) {
        namespaced: [],
        cluster: [storage_version_migrations: StorageVersionMigration],
    },
    apiextensions_v1 => ApiextensionsV1 (apiextensions_apiserver::pkg::apis::apiextensions::v1) {
        namespaced: [],
        cluster: [custom_resource_definitions: CustomResourceDefinition],
    },
    apiregistration_v1 => ApiregistrationV1 (kube_aggregator::pkg::apis::apiregistration::v1) {
        namespaced: [],
        cluster: [api_services: APIService],
    },
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use kclient_core::Scheme;

    use super::ACCESSOR_KINDS;

    /// Types the scheme knows that are only ever sent to a subresource of another object.
    const SUBRESOURCE_BODIES: &[&str] = &["Scale", "Eviction", "TokenRequest"];

    #[test]
    fn every_builtin_kind_has_an_accessor() {
        let have: BTreeSet<(String, String, String)> = ACCESSOR_KINDS
            .iter()
            .flat_map(|kinds| kinds.iter())
            .map(|(g, v, k)| ((*g).to_owned(), (*v).to_owned(), (*k).to_owned()))
            .collect();
        let mut missing = Vec::new();
        for gvk in Scheme::builtin().known_kinds() {
            if SUBRESOURCE_BODIES.contains(&gvk.kind.as_str()) {
                continue;
            }
            let key = (gvk.group.clone(), gvk.version.clone(), gvk.kind.clone());
            if !have.contains(&key) {
                missing.push(key);
            }
        }
        assert!(
            missing.is_empty(),
            "kinds without a ClientSet accessor: {missing:?}"
        );
        let total: usize = ACCESSOR_KINDS.iter().map(|k| k.len()).sum();
        assert_eq!(total, have.len(), "a kind appears twice in the table");
    }
}
