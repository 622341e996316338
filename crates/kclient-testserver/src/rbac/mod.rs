//! Authorization as kube-apiserver's RBAC authorizer decides it: `system:masters` may do
//! anything; everyone else needs a rule of a Role or ClusterRole bound to them (by user,
//! group or service account) by a RoleBinding in the request's namespace or by a
//! ClusterRoleBinding. Roles and bindings are read from the store, so tests change them
//! with ordinary API calls.

pub(crate) mod bootstrap;
pub(crate) mod escalation;
mod request;
pub(crate) mod review;

pub(crate) use request::request_attributes;

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject,
};
use serde::de::DeserializeOwned;

use crate::authn::UserInfo;
use crate::error::ErrorResponse;
use crate::state::State;
use crate::store::{StorageKey, object_key};

/// The API group of RBAC.
pub(crate) const GROUP: &str = "rbac.authorization.k8s.io";

/// What a request asks to do (`authorizer.Attributes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Attributes {
    /// A request for a resource or a subresource.
    Resource {
        verb: String,
        group: String,
        resource: String,
        subresource: String,
        name: String,
        namespace: String,
    },
    /// A request for any other path.
    NonResource { verb: String, path: String },
}

/// The answer for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub allowed: bool,
    /// Why (`RBAC: allowed by ...`); empty for superusers and denials, as kube-apiserver.
    pub reason: String,
}

/// Every stored object of an RBAC resource (in one namespace, or all).
fn objects<T: DeserializeOwned>(state: &State, resource: &str, namespace: Option<&str>) -> Vec<T> {
    let Some(store) = state.store.resource(&StorageKey::new(GROUP, resource)) else {
        return Vec::new();
    };
    store
        .keys(namespace)
        .iter()
        .filter_map(|k| store.get(k))
        .filter_map(|o| serde_json::from_slice(&o.json).ok())
        .collect()
}

fn object<T: DeserializeOwned>(
    state: &State,
    resource: &str,
    namespace: &str,
    name: &str,
) -> Option<T> {
    let store = state.store.resource(&StorageKey::new(GROUP, resource))?;
    let obj = store.get(&object_key(namespace, name))?;
    serde_json::from_slice(&obj.json).ok()
}

fn cluster_role_rules(state: &State, name: &str) -> Vec<PolicyRule> {
    object::<ClusterRole>(state, "clusterroles", "", name)
        .and_then(|r| r.rules)
        .unwrap_or_default()
}

/// The rules a binding's roleRef grants (`RoleRef` of kind Role or ClusterRole).
fn role_ref_rules(state: &State, kind: &str, name: &str, namespace: &str) -> Vec<PolicyRule> {
    match kind {
        "ClusterRole" => cluster_role_rules(state, name),
        "Role" if !namespace.is_empty() => object::<Role>(state, "roles", namespace, name)
            .and_then(|r| r.rules)
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether a binding's subject is this user (`appliesToUser`).
fn subject_matches(subject: &Subject, user: &UserInfo, binding_namespace: &str) -> bool {
    match subject.kind.as_str() {
        "User" => subject.name == user.name,
        "Group" => user.groups.contains(&subject.name),
        "ServiceAccount" => {
            let ns = subject
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .unwrap_or(binding_namespace);
            !ns.is_empty() && user.name == format!("system:serviceaccount:{ns}:{}", subject.name)
        }
        _ => false,
    }
}

fn describe_subject(subject: &Subject, binding_namespace: &str) -> String {
    if subject.kind == "ServiceAccount" {
        let ns = subject
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(binding_namespace);
        return format!("{} \"{}/{ns}\"", subject.kind, subject.name);
    }
    format!("{} {:?}", subject.kind, subject.name)
}

/// `pods/log` for a subresource, else the resource.
fn combined_resource(resource: &str, subresource: &str) -> String {
    if subresource.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}/{subresource}")
    }
}

fn contains_or_star(list: &[String], wanted: &str) -> bool {
    list.iter().any(|v| v == "*" || v == wanted)
}

/// `RuleAllows`.
pub(crate) fn rule_allows(attrs: &Attributes, rule: &PolicyRule) -> bool {
    match attrs {
        Attributes::Resource {
            verb,
            group,
            resource,
            subresource,
            name,
            ..
        } => {
            let combined = combined_resource(resource, subresource);
            let resources = rule.resources.as_deref().unwrap_or_default();
            let resource_ok = resources.iter().any(|r| {
                r == "*"
                    || *r == combined
                    || (!subresource.is_empty()
                        && r.strip_prefix("*/") == Some(subresource.as_str()))
            });
            let names = rule.resource_names.as_deref().unwrap_or_default();
            contains_or_star(&rule.verbs, verb)
                && contains_or_star(rule.api_groups.as_deref().unwrap_or_default(), group)
                && resource_ok
                && (names.is_empty() || names.iter().any(|n| n == name))
        }
        Attributes::NonResource { verb, path } => {
            let urls = rule.non_resource_urls.as_deref().unwrap_or_default();
            contains_or_star(&rule.verbs, verb)
                && urls.iter().any(|u| {
                    u == "*"
                        || u == path
                        || u.strip_suffix('*')
                            .is_some_and(|prefix| path.starts_with(prefix))
                })
        }
    }
}

/// One binding that applies to the user, with the rules it grants.
struct Grant {
    /// How kube-apiserver names the source in its reason.
    source: String,
    rules: Vec<PolicyRule>,
}

/// Every grant that applies to `user` in `namespace` ("" for cluster scope only), cluster
/// bindings first, as kube-apiserver's `VisitRulesFor` walks them.
fn grants(state: &State, user: &UserInfo, namespace: &str) -> Vec<Grant> {
    let mut out = Vec::new();
    for binding in objects::<ClusterRoleBinding>(state, "clusterrolebindings", None) {
        let subjects = binding.subjects.as_deref().unwrap_or_default();
        let Some(subject) = subjects.iter().find(|s| subject_matches(s, user, "")) else {
            continue;
        };
        out.push(Grant {
            source: format!(
                "ClusterRoleBinding {:?} of {} {:?} to {}",
                binding.metadata.name.as_deref().unwrap_or(""),
                binding.role_ref.kind,
                binding.role_ref.name,
                describe_subject(subject, "")
            ),
            rules: role_ref_rules(state, &binding.role_ref.kind, &binding.role_ref.name, ""),
        });
    }
    if namespace.is_empty() {
        return out;
    }
    for binding in objects::<RoleBinding>(state, "rolebindings", Some(namespace)) {
        let subjects = binding.subjects.as_deref().unwrap_or_default();
        let Some(subject) = subjects
            .iter()
            .find(|s| subject_matches(s, user, namespace))
        else {
            continue;
        };
        out.push(Grant {
            source: format!(
                "RoleBinding \"{}/{namespace}\" of {} {:?} to {}",
                binding.metadata.name.as_deref().unwrap_or(""),
                binding.role_ref.kind,
                binding.role_ref.name,
                describe_subject(subject, namespace)
            ),
            rules: role_ref_rules(
                state,
                &binding.role_ref.kind,
                &binding.role_ref.name,
                namespace,
            ),
        });
    }
    out
}

/// Decides whether `user` may do what `attrs` describe.
pub(crate) fn authorize(state: &State, user: &UserInfo, attrs: &Attributes) -> Decision {
    if user.is_superuser() {
        return Decision {
            allowed: true,
            reason: String::new(),
        };
    }
    let namespace = match attrs {
        Attributes::Resource { namespace, .. } => namespace.as_str(),
        Attributes::NonResource { .. } => "",
    };
    for grant in grants(state, user, namespace) {
        if grant.rules.iter().any(|r| rule_allows(attrs, r)) {
            return Decision {
                allowed: true,
                reason: format!("RBAC: allowed by {}", grant.source),
            };
        }
    }
    Decision {
        allowed: false,
        reason: String::new(),
    }
}

/// Every rule that applies to `user` in `namespace` (`RulesFor`), in binding order.
pub(crate) fn rules_for(state: &State, user: &UserInfo, namespace: &str) -> Vec<PolicyRule> {
    grants(state, user, namespace)
        .into_iter()
        .flat_map(|g| g.rules)
        .collect()
}

/// kube-apiserver's 403 for a denied request (`responsewriters.forbiddenMessage`).
pub(crate) fn forbidden(user: &UserInfo, attrs: &Attributes) -> ErrorResponse {
    match attrs {
        Attributes::NonResource { verb, path } => ErrorResponse::forbidden(
            "",
            "",
            "",
            &format!("User {:?} cannot {verb} path {path:?}", user.name),
        ),
        Attributes::Resource {
            verb,
            group,
            resource,
            subresource,
            name,
            namespace,
        } => {
            let shown = combined_resource(resource, subresource);
            let scope = if namespace.is_empty() {
                "at the cluster scope".to_string()
            } else {
                format!("in the namespace {namespace:?}")
            };
            ErrorResponse::forbidden(
                group,
                resource,
                name,
                &format!(
                    "User {:?} cannot {verb} resource {shown:?} in API group {group:?} {scope}",
                    user.name
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(verb: &str, group: &str, resource: &str, sub: &str, name: &str) -> Attributes {
        Attributes::Resource {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            name: name.into(),
            namespace: "default".into(),
        }
    }

    /// A rule from string lists (shared with the escalation tests).
    pub(super) fn rule(
        verbs: &[&str],
        groups: &[&str],
        resources: &[&str],
        names: &[&str],
    ) -> PolicyRule {
        let own = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        PolicyRule {
            verbs: verbs.iter().map(|s| s.to_string()).collect(),
            api_groups: own(groups),
            resources: own(resources),
            resource_names: if names.is_empty() { None } else { own(names) },
            non_resource_urls: None,
        }
    }

    #[test]
    fn rules_match_like_rbac() {
        let pods = rule(&["get", "list"], &[""], &["pods"], &[]);
        assert!(rule_allows(&res("get", "", "pods", "", "p"), &pods));
        assert!(!rule_allows(&res("delete", "", "pods", "", "p"), &pods));
        assert!(!rule_allows(&res("get", "apps", "pods", "", "p"), &pods));
        assert!(!rule_allows(&res("get", "", "pods", "log", "p"), &pods));
        let logs = rule(&["get"], &[""], &["pods/log"], &[]);
        assert!(rule_allows(&res("get", "", "pods", "log", "p"), &logs));
        let any_status = rule(&["*"], &["*"], &["*/status"], &[]);
        assert!(rule_allows(
            &res("update", "apps", "deployments", "status", "d"),
            &any_status
        ));
        assert!(!rule_allows(
            &res("update", "apps", "deployments", "", "d"),
            &any_status
        ));
        let named = rule(&["get"], &[""], &["configmaps"], &["a"]);
        assert!(rule_allows(&res("get", "", "configmaps", "", "a"), &named));
        assert!(!rule_allows(&res("get", "", "configmaps", "", "b"), &named));
        assert!(!rule_allows(&res("list", "", "configmaps", "", ""), &named));
        let urls = PolicyRule {
            verbs: vec!["get".into()],
            non_resource_urls: Some(vec!["/healthz".into(), "/apis/*".into()]),
            ..PolicyRule::default()
        };
        let path = |p: &str| Attributes::NonResource {
            verb: "get".into(),
            path: p.into(),
        };
        assert!(rule_allows(&path("/healthz"), &urls));
        assert!(rule_allows(&path("/apis/apps/v1"), &urls));
        assert!(!rule_allows(&path("/api"), &urls));
        assert!(!rule_allows(&res("get", "", "pods", "", ""), &urls));
    }

    #[test]
    fn forbidden_messages_match_kube_apiserver() {
        let alice = UserInfo::authenticated("alice", "", &[]);
        let msg = |e: ErrorResponse| {
            serde_json::from_slice::<serde_json::Value>(&e.body()).expect("json")["message"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            msg(forbidden(&alice, &res("list", "", "pods", "", ""))),
            r#"pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default""#
        );
        assert_eq!(
            msg(forbidden(&alice, &res("get", "", "pods", "log", "web"))),
            r#"pods "web" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "default""#
        );
        let nodes = Attributes::Resource {
            verb: "list".into(),
            group: "".into(),
            resource: "nodes".into(),
            subresource: "".into(),
            name: "".into(),
            namespace: "".into(),
        };
        assert_eq!(
            msg(forbidden(&alice, &nodes)),
            r#"nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope"#
        );
        let path = Attributes::NonResource {
            verb: "get".into(),
            path: "/api".into(),
        };
        assert_eq!(
            msg(forbidden(&UserInfo::anonymous(), &path)),
            r#"forbidden: User "system:anonymous" cannot get path "/api""#
        );
    }
}
