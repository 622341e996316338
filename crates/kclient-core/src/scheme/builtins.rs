//! The built-in types of the pinned k8s-openapi version (feature `v1_33`): every type with
//! `ObjectMeta` metadata, including subresource bodies (`Scale`, `Eviction`, `TokenRequest`)
//! and create-only review types. Lists and discovery documents are not objects and are left out.

use super::Scheme;

/// Expands `module => [TypeA, TypeB]` entries into one registration call per type.
macro_rules! builtin_types {
    ($($($module:ident)::+ => [$($ty:ident),+ $(,)?]),+ $(,)?) => {
        /// The table's entries, so a test can check that no two types share a kind.
        #[cfg(test)]
        pub(super) const TYPE_NAMES: &[&str] = &[$($(stringify!($ty)),+),+];

        /// Registers every built-in type.
        pub(super) fn register_all(scheme: &mut Scheme) {
            $({
                use k8s_openapi::$($module)::+ as group;
                $(scheme.insert::<group::$ty>();)+
            })+
        }
    };
}

builtin_types! {
    api::admissionregistration::v1 => [
        MutatingWebhookConfiguration, ValidatingAdmissionPolicy,
        ValidatingAdmissionPolicyBinding, ValidatingWebhookConfiguration,
    ],
    api::admissionregistration::v1alpha1 => [
        MutatingAdmissionPolicy, MutatingAdmissionPolicyBinding,
    ],
    api::admissionregistration::v1beta1 => [
        ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding,
    ],
    api::apiserverinternal::v1alpha1 => [StorageVersion],
    api::apps::v1 => [ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet],
    api::authentication::v1 => [SelfSubjectReview, TokenRequest, TokenReview],
    api::authorization::v1 => [
        LocalSubjectAccessReview, SelfSubjectAccessReview, SelfSubjectRulesReview,
        SubjectAccessReview,
    ],
    api::autoscaling::v1 => [HorizontalPodAutoscaler, Scale],
    api::autoscaling::v2 => [HorizontalPodAutoscaler],
    api::batch::v1 => [CronJob, Job],
    api::certificates::v1 => [CertificateSigningRequest],
    api::certificates::v1alpha1 => [ClusterTrustBundle],
    api::certificates::v1beta1 => [ClusterTrustBundle],
    api::coordination::v1 => [Lease],
    api::coordination::v1alpha2 => [LeaseCandidate],
    api::coordination::v1beta1 => [LeaseCandidate],
    api::core::v1 => [
        Binding, ComponentStatus, ConfigMap, Endpoints, Event, LimitRange, Namespace, Node,
        PersistentVolume, PersistentVolumeClaim, Pod, PodTemplate, ReplicationController,
        ResourceQuota, Secret, Service, ServiceAccount,
    ],
    api::discovery::v1 => [EndpointSlice],
    api::events::v1 => [Event],
    api::flowcontrol::v1 => [FlowSchema, PriorityLevelConfiguration],
    api::networking::v1 => [Ingress, IngressClass, IPAddress, NetworkPolicy, ServiceCIDR],
    api::networking::v1beta1 => [IPAddress, ServiceCIDR],
    api::node::v1 => [RuntimeClass],
    api::policy::v1 => [Eviction, PodDisruptionBudget],
    api::rbac::v1 => [ClusterRole, ClusterRoleBinding, Role, RoleBinding],
    api::resource::v1alpha3 => [
        DeviceClass, DeviceTaintRule, ResourceClaim, ResourceClaimTemplate, ResourceSlice,
    ],
    api::resource::v1beta1 => [DeviceClass, ResourceClaim, ResourceClaimTemplate, ResourceSlice],
    api::resource::v1beta2 => [DeviceClass, ResourceClaim, ResourceClaimTemplate, ResourceSlice],
    api::scheduling::v1 => [PriorityClass],
    api::storage::v1 => [CSIDriver, CSINode, CSIStorageCapacity, StorageClass, VolumeAttachment],
    api::storage::v1alpha1 => [VolumeAttributesClass],
    api::storage::v1beta1 => [VolumeAttributesClass],
    api::storagemigration::v1alpha1 => [StorageVersionMigration],
    apiextensions_apiserver::pkg::apis::apiextensions::v1 => [CustomResourceDefinition],
    kube_aggregator::pkg::apis::apiregistration::v1 => [APIService],
}
