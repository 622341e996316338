//! Schema checks for built-in kinds through their k8s-openapi types: a body that does not
//! decode into its type is a 400 (kube-apiserver's decode error), and fields the type does
//! not know are reported for `fieldValidation=Strict|Warn` the way kube-apiserver does.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use k8s_openapi::api;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

type RoundTrip = fn(&Value) -> Result<Value, String>;

fn round_trip<T: DeserializeOwned + Serialize>(v: &Value) -> Result<Value, String> {
    let typed = T::deserialize(v).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

macro_rules! builtin_table {
    ($($ty:ty),* $(,)?) => {
        fn build_table() -> HashMap<(&'static str, &'static str, &'static str), RoundTrip> {
            let mut m: HashMap<(&'static str, &'static str, &'static str), RoundTrip> = HashMap::new();
            $(
                m.insert(
                    (
                        <$ty as k8s_openapi::Resource>::GROUP,
                        <$ty as k8s_openapi::Resource>::VERSION,
                        <$ty as k8s_openapi::Resource>::KIND,
                    ),
                    round_trip::<$ty> as RoundTrip,
                );
            )*
            m
        }
    };
}

builtin_table![
    api::admissionregistration::v1::MutatingWebhookConfiguration,
    api::admissionregistration::v1::ValidatingAdmissionPolicy,
    api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
    api::admissionregistration::v1::ValidatingWebhookConfiguration,
    api::admissionregistration::v1beta1::ValidatingAdmissionPolicy,
    api::admissionregistration::v1beta1::ValidatingAdmissionPolicyBinding,
    api::apps::v1::ControllerRevision,
    api::apps::v1::DaemonSet,
    api::apps::v1::Deployment,
    api::apps::v1::ReplicaSet,
    api::apps::v1::StatefulSet,
    api::authentication::v1::SelfSubjectReview,
    api::authentication::v1::TokenRequest,
    api::authentication::v1::TokenReview,
    api::authorization::v1::LocalSubjectAccessReview,
    api::authorization::v1::SelfSubjectAccessReview,
    api::authorization::v1::SelfSubjectRulesReview,
    api::authorization::v1::SubjectAccessReview,
    api::autoscaling::v1::HorizontalPodAutoscaler,
    api::autoscaling::v1::Scale,
    api::autoscaling::v2::HorizontalPodAutoscaler,
    api::batch::v1::CronJob,
    api::batch::v1::Job,
    api::certificates::v1::CertificateSigningRequest,
    api::coordination::v1::Lease,
    api::core::v1::Binding,
    api::core::v1::ComponentStatus,
    api::core::v1::ConfigMap,
    api::core::v1::Endpoints,
    api::core::v1::Event,
    api::core::v1::LimitRange,
    api::core::v1::Namespace,
    api::core::v1::Node,
    api::core::v1::PersistentVolume,
    api::core::v1::PersistentVolumeClaim,
    api::core::v1::Pod,
    api::core::v1::PodTemplate,
    api::core::v1::ReplicationController,
    api::core::v1::ResourceQuota,
    api::core::v1::Secret,
    api::core::v1::Service,
    api::core::v1::ServiceAccount,
    api::discovery::v1::EndpointSlice,
    api::events::v1::Event,
    api::flowcontrol::v1::FlowSchema,
    api::flowcontrol::v1::PriorityLevelConfiguration,
    api::networking::v1::IPAddress,
    api::networking::v1::Ingress,
    api::networking::v1::IngressClass,
    api::networking::v1::NetworkPolicy,
    api::networking::v1::ServiceCIDR,
    api::node::v1::RuntimeClass,
    api::policy::v1::Eviction,
    api::policy::v1::PodDisruptionBudget,
    api::rbac::v1::ClusterRole,
    api::rbac::v1::ClusterRoleBinding,
    api::rbac::v1::Role,
    api::rbac::v1::RoleBinding,
    api::scheduling::v1::PriorityClass,
    api::storage::v1::CSIDriver,
    api::storage::v1::CSINode,
    api::storage::v1::CSIStorageCapacity,
    api::storage::v1::StorageClass,
    api::storage::v1::VolumeAttachment,
    k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
    k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService,
];

static TABLE: LazyLock<HashMap<(&'static str, &'static str, &'static str), RoundTrip>> =
    LazyLock::new(build_table);

/// Outcome of checking a built-in object against its type.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TypeCheck {
    /// Not a kind with a k8s-openapi type (CRs, unknown kinds): nothing checked.
    Unchecked,
    /// Decoded; lists the JSON paths of fields the type does not have.
    Decoded { unknown: Vec<String> },
}

/// Decodes `obj` as the built-in type for group/version/kind and drops what the type
/// does not have, as decoding into a Go struct does: unknown fields at every level and
/// `null`s (nil fields, which Go omits). `Err` carries kube-apiserver's decode error text.
pub(crate) fn check_builtin(
    group: &str,
    version: &str,
    kind: &str,
    obj: &mut Value,
) -> Result<TypeCheck, String> {
    let Some(rt) = TABLE.get(&(group, version, kind)) else {
        return Ok(TypeCheck::Unchecked);
    };
    let known = rt(obj).map_err(|e| {
        format!("{kind} in version \"{version}\" cannot be handled as a {kind}: {e}")
    })?;
    let mut unknown = Vec::new();
    prune_unknown(obj, &known, &mut String::new(), &mut unknown);
    Ok(TypeCheck::Decoded { unknown })
}

fn prune_unknown(input: &mut Value, known: &Value, path: &mut String, out: &mut Vec<String>) {
    match (input, known) {
        (Value::Object(a), Value::Object(b)) => {
            a.retain(|k, v| {
                if v.is_null() {
                    return false;
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let keep = match b.get(k) {
                    None => {
                        out.push(path.clone());
                        false
                    }
                    Some(bv) => {
                        prune_unknown(v, bv, path, out);
                        true
                    }
                };
                path.truncate(len);
                keep
            });
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (av, bv)) in a.iter_mut().zip(b.iter()).enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                prune_unknown(av, bv, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// kube-apiserver's message for a body it cannot decode strictly (`errors` are the
/// strict decoding errors, `unknown field "spec.foo"` and the like): the version, not
/// the group, is named.
pub(crate) fn strict_error_message(kind: &str, version: &str, errors: &[String]) -> String {
    format!(
        "{kind} in version \"{version}\" cannot be handled as a {kind}: {}",
        strict_decoding_error(errors)
    )
}

/// apimachinery's strict decoding error: the errors, comma-separated.
pub(crate) fn strict_decoding_error(errors: &[String]) -> String {
    format!("strict decoding error: {}", errors.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_and_prunes_unknown_fields() {
        let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "creationTimestamp": null}, "data": {"k": "v"}, "bogus": 1});
        assert_eq!(
            check_builtin("", "v1", "ConfigMap", &mut cm).unwrap(),
            TypeCheck::Decoded {
                unknown: vec!["bogus".to_string()]
            }
        );
        assert_eq!(
            cm,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}})
        );
        let mut dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"selector": {"matchLabels": {"a": "b"}},
                     "template": {"metadata": {"labels": {"a": "b"}},
                                  "spec": {"containers": [{"name": "c", "image": "i", "foo": true}]}}}});
        assert_eq!(
            check_builtin("apps", "v1", "Deployment", &mut dep).unwrap(),
            TypeCheck::Decoded {
                unknown: vec!["spec.template.spec.containers[0].foo".to_string()]
            }
        );
        assert_eq!(
            dep["spec"]["template"]["spec"]["containers"][0],
            json!({"name": "c", "image": "i"})
        );
        let mut bad = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": 1}});
        let err = check_builtin("", "v1", "ConfigMap", &mut bad).unwrap_err();
        assert!(
            err.starts_with("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: "),
            "{err}"
        );
        let mut bad_dep =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": "x"}});
        let err = check_builtin("apps", "v1", "Deployment", &mut bad_dep).unwrap_err();
        assert!(
            err.starts_with("Deployment in version \"v1\" cannot be handled as a Deployment: "),
            "{err}"
        );
        assert_eq!(
            check_builtin("example.com", "v1", "Widget", &mut bad).unwrap(),
            TypeCheck::Unchecked
        );
        let errors = [
            "unknown field \"a\"".to_string(),
            "duplicate field \"b\"".to_string(),
        ];
        assert_eq!(
            strict_error_message("Deployment", "v1", &errors),
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"a\", duplicate field \"b\""
        );
    }
}
