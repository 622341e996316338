//! The one table of the built-in kinds of the pinned k8s-openapi version (feature `v1_33`),
//! per group-version, for the code generated over them: the Scheme's registrations, the
//! ClientSet's accessors, the informer factory's accessors and the cache's object impls.
//!
//! Each entry reads `method => Client, Informers (k8s-openapi module) { … }` with the kinds
//! in five lists: `namespaced` and `cluster` (served with list and watch), `create_namespaced`
//! and `create_cluster` (create-only: reviews, `Binding`), and `subresources` (bodies served
//! only as a subresource of another object: `Scale`, `Eviction`, `TokenRequest`). Accessor
//! names are the snake_case plurals client-go's generated methods are named after.

/// Calls `$callback! { entries }` with every built-in group-version (see the
/// [module docs](crate::builtin_kinds) for the entry shape). A consumer writes one
/// `macro_rules!` over the entries and names it here, so adding a kind is one line in one place.
///
/// ```
/// macro_rules! count_listable {
///     ($($method:ident => $client:ident, $informers:ident ($($module:ident)::+) {
///         namespaced: [$($n:ident : $nt:ident),* $(,)?],
///         cluster: [$($c:ident : $ct:ident),* $(,)?],
///         $($rest:tt)*
///     }),+ $(,)?) => {
///         [$(0 $(+ { let _ = stringify!($nt); 1 })* $(+ { let _ = stringify!($ct); 1 })*),+]
///             .iter()
///             .sum::<usize>()
///     };
/// }
/// let listable: usize = kclient_core::builtin_group_versions!(count_listable);
/// assert!(listable > 50);
/// ```
#[macro_export]
macro_rules! builtin_group_versions {
    ($callback:ident) => {
        $callback! {
            admissionregistration_v1 => AdmissionregistrationV1, AdmissionregistrationV1Informers (api::admissionregistration::v1) {
                namespaced: [],
                cluster: [
                    mutating_webhook_configurations: MutatingWebhookConfiguration,
                    validating_admission_policies: ValidatingAdmissionPolicy,
                    validating_admission_policy_bindings: ValidatingAdmissionPolicyBinding,
                    validating_webhook_configurations: ValidatingWebhookConfiguration,
                ],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            admissionregistration_v1alpha1 => AdmissionregistrationV1alpha1, AdmissionregistrationV1alpha1Informers (api::admissionregistration::v1alpha1) {
                namespaced: [],
                cluster: [
                    mutating_admission_policies: MutatingAdmissionPolicy,
                    mutating_admission_policy_bindings: MutatingAdmissionPolicyBinding,
                ],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            admissionregistration_v1beta1 => AdmissionregistrationV1beta1, AdmissionregistrationV1beta1Informers (api::admissionregistration::v1beta1) {
                namespaced: [],
                cluster: [
                    validating_admission_policies: ValidatingAdmissionPolicy,
                    validating_admission_policy_bindings: ValidatingAdmissionPolicyBinding,
                ],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            internal_v1alpha1 => InternalV1alpha1, InternalV1alpha1Informers (api::apiserverinternal::v1alpha1) {
                namespaced: [],
                cluster: [storage_versions: StorageVersion],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            apps_v1 => AppsV1, AppsV1Informers (api::apps::v1) {
                namespaced: [
                    controller_revisions: ControllerRevision,
                    daemon_sets: DaemonSet,
                    deployments: Deployment,
                    replica_sets: ReplicaSet,
                    stateful_sets: StatefulSet,
                ],
                cluster: [],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            authentication_v1 => AuthenticationV1, AuthenticationV1Informers (api::authentication::v1) {
                namespaced: [],
                cluster: [],
                create_namespaced: [],
                create_cluster: [self_subject_reviews: SelfSubjectReview, token_reviews: TokenReview],
                subresources: [TokenRequest],
            },
            authorization_v1 => AuthorizationV1, AuthorizationV1Informers (api::authorization::v1) {
                namespaced: [],
                cluster: [],
                create_namespaced: [local_subject_access_reviews: LocalSubjectAccessReview],
                create_cluster: [
                    self_subject_access_reviews: SelfSubjectAccessReview,
                    self_subject_rules_reviews: SelfSubjectRulesReview,
                    subject_access_reviews: SubjectAccessReview,
                ],
                subresources: [],
            },
            autoscaling_v1 => AutoscalingV1, AutoscalingV1Informers (api::autoscaling::v1) {
                namespaced: [horizontal_pod_autoscalers: HorizontalPodAutoscaler],
                cluster: [],
                create_namespaced: [],
                create_cluster: [],
                subresources: [Scale],
            },
            autoscaling_v2 => AutoscalingV2, AutoscalingV2Informers (api::autoscaling::v2) {
                namespaced: [horizontal_pod_autoscalers: HorizontalPodAutoscaler],
                cluster: [],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            batch_v1 => BatchV1, BatchV1Informers (api::batch::v1) {
                namespaced: [cron_jobs: CronJob, jobs: Job],
                cluster: [],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            certificates_v1 => CertificatesV1, CertificatesV1Informers (api::certificates::v1) {
                namespaced: [],
                cluster: [certificate_signing_requests: CertificateSigningRequest],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            certificates_v1alpha1 => CertificatesV1alpha1, CertificatesV1alpha1Informers (api::certificates::v1alpha1) {
                namespaced: [],
                cluster: [cluster_trust_bundles: ClusterTrustBundle],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            certificates_v1beta1 => CertificatesV1beta1, CertificatesV1beta1Informers (api::certificates::v1beta1) {
                namespaced: [],
                cluster: [cluster_trust_bundles: ClusterTrustBundle],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            coordination_v1 => CoordinationV1, CoordinationV1Informers (api::coordination::v1) {
                namespaced: [leases: Lease],
                cluster: [],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            coordination_v1alpha2 => CoordinationV1alpha2, CoordinationV1alpha2Informers (api::coordination::v1alpha2) {
                namespaced: [lease_candidates: LeaseCandidate],
                cluster: [],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            coordination_v1beta1 => CoordinationV1beta1, CoordinationV1beta1Informers (api::coordination::v1beta1) {
                namespaced: [lease_candidates: LeaseCandidate],
                cluster: [],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            core_v1 => CoreV1, CoreV1Informers (api::core::v1) {
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
                create_namespaced: [bindings: Binding],
                create_cluster: [],
                subresources: [],
            },
            discovery_v1 => DiscoveryV1, DiscoveryV1Informers (api::discovery::v1) {
                namespaced: [endpoint_slices: EndpointSlice],
                cluster: [],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            events_v1 => EventsV1, EventsV1Informers (api::events::v1) {
                namespaced: [events: Event],
                cluster: [],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            flowcontrol_v1 => FlowcontrolV1, FlowcontrolV1Informers (api::flowcontrol::v1) {
                namespaced: [],
                cluster: [
                    flow_schemas: FlowSchema,
                    priority_level_configurations: PriorityLevelConfiguration,
                ],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            networking_v1 => NetworkingV1, NetworkingV1Informers (api::networking::v1) {
                namespaced: [ingresses: Ingress, network_policies: NetworkPolicy],
                cluster: [
                    ingress_classes: IngressClass,
                    ip_addresses: IPAddress,
                    service_cidrs: ServiceCIDR,
                ],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            networking_v1beta1 => NetworkingV1beta1, NetworkingV1beta1Informers (api::networking::v1beta1) {
                namespaced: [],
                cluster: [ip_addresses: IPAddress, service_cidrs: ServiceCIDR],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            node_v1 => NodeV1, NodeV1Informers (api::node::v1) {
                namespaced: [],
                cluster: [runtime_classes: RuntimeClass],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            policy_v1 => PolicyV1, PolicyV1Informers (api::policy::v1) {
                namespaced: [pod_disruption_budgets: PodDisruptionBudget],
                cluster: [],
                create_namespaced: [],
                create_cluster: [],
                subresources: [Eviction],
            },
            rbac_v1 => RbacV1, RbacV1Informers (api::rbac::v1) {
                namespaced: [roles: Role, role_bindings: RoleBinding],
                cluster: [cluster_roles: ClusterRole, cluster_role_bindings: ClusterRoleBinding],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            resource_v1alpha3 => ResourceV1alpha3, ResourceV1alpha3Informers (api::resource::v1alpha3) {
                namespaced: [
                    resource_claims: ResourceClaim,
                    resource_claim_templates: ResourceClaimTemplate,
                ],
                cluster: [
                    device_classes: DeviceClass,
                    device_taint_rules: DeviceTaintRule,
                    resource_slices: ResourceSlice,
                ],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            resource_v1beta1 => ResourceV1beta1, ResourceV1beta1Informers (api::resource::v1beta1) {
                namespaced: [
                    resource_claims: ResourceClaim,
                    resource_claim_templates: ResourceClaimTemplate,
                ],
                cluster: [device_classes: DeviceClass, resource_slices: ResourceSlice],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            resource_v1beta2 => ResourceV1beta2, ResourceV1beta2Informers (api::resource::v1beta2) {
                namespaced: [
                    resource_claims: ResourceClaim,
                    resource_claim_templates: ResourceClaimTemplate,
                ],
                cluster: [device_classes: DeviceClass, resource_slices: ResourceSlice],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            scheduling_v1 => SchedulingV1, SchedulingV1Informers (api::scheduling::v1) {
                namespaced: [],
                cluster: [priority_classes: PriorityClass],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            storage_v1 => StorageV1, StorageV1Informers (api::storage::v1) {
                namespaced: [csi_storage_capacities: CSIStorageCapacity],
                cluster: [
                    csi_drivers: CSIDriver,
                    csi_nodes: CSINode,
                    storage_classes: StorageClass,
                    volume_attachments: VolumeAttachment,
                ],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            storage_v1alpha1 => StorageV1alpha1, StorageV1alpha1Informers (api::storage::v1alpha1) {
                namespaced: [],
                cluster: [volume_attributes_classes: VolumeAttributesClass],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            storage_v1beta1 => StorageV1beta1, StorageV1beta1Informers (api::storage::v1beta1) {
                namespaced: [],
                cluster: [volume_attributes_classes: VolumeAttributesClass],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            storagemigration_v1alpha1 => StoragemigrationV1alpha1, StoragemigrationV1alpha1Informers (api::storagemigration::v1alpha1) {
                namespaced: [],
                cluster: [storage_version_migrations: StorageVersionMigration],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            apiextensions_v1 => ApiextensionsV1, ApiextensionsV1Informers (apiextensions_apiserver::pkg::apis::apiextensions::v1) {
                namespaced: [],
                cluster: [custom_resource_definitions: CustomResourceDefinition],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
            apiregistration_v1 => ApiregistrationV1, ApiregistrationV1Informers (kube_aggregator::pkg::apis::apiregistration::v1) {
                namespaced: [],
                cluster: [api_services: APIService],
                create_namespaced: [],
                create_cluster: [],
                subresources: [],
            },
        }
    };
}
