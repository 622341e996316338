//! RBAC escalation prevention, as kube-apiserver's policy-based role and binding storage:
//! a user may write a Role or ClusterRole only with rules they already hold (or with the
//! `escalate` verb on it), and a binding only to a role whose rules they hold (or with the
//! `bind` verb on it). `system:masters` skips both checks, and so does an update that
//! changes nothing but what the garbage collector writes (`IsOnlyMutatingGCFields`), so
//! that owners and finalizers of roles and bindings can be managed without their rights.
//! Refusals are kube-apiserver's 403, listing the missing rights in
//! `rbacv1helpers.CompactString` form.

use std::collections::{BTreeSet, HashMap};

use k8s_openapi::api::rbac::v1::{PolicyRule, RoleRef};
use serde_json::Value;

use super::{Attributes, GROUP, authorize, role_ref_rules, rules_for};
use crate::authn::UserInfo;
use crate::error::{ApiResult, ErrorResponse};
use crate::state::State;

/// Refuses a create (`old` is `None`) or an update of `old` to `obj` of an RBAC object
/// that would grant `user` more than they hold. `namespace` is the request's ("" for
/// cluster-scoped objects); objects of other groups and resources pass.
pub(crate) fn check(
    state: &State,
    user: &UserInfo,
    group: &str,
    resource: &str,
    namespace: &str,
    obj: &Value,
    old: Option<&Value>,
) -> ApiResult<()> {
    if group != GROUP || user.is_superuser() {
        return Ok(());
    }
    if old.is_some_and(|old| only_gc_fields_change(obj, old)) {
        return Ok(());
    }
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    match resource {
        "roles" | "clusterroles" => {
            if allowed(state, user, "escalate", resource, namespace, name) {
                return Ok(());
            }
            let rules = parse_rules(obj.get("rules"));
            confirm_no_escalation(state, user, namespace, &rules)
                .map_err(|msg| ErrorResponse::forbidden(GROUP, resource, name, &msg))?;
            let has_aggregation =
                |o: &Value| o.get("aggregationRule").is_some_and(|a| !a.is_null());
            // Removing an aggregation rule takes the same authority as setting one.
            if resource == "clusterroles"
                && (has_aggregation(obj) || old.is_some_and(has_aggregation))
            {
                // An aggregation rule can gather anything, so it takes `*` on `*.*`.
                let all = PolicyRule {
                    api_groups: Some(vec!["*".into()]),
                    resources: Some(vec!["*".into()]),
                    verbs: vec!["*".into()],
                    ..PolicyRule::default()
                };
                let urls = PolicyRule {
                    non_resource_urls: Some(vec!["*".into()]),
                    verbs: vec!["*".into()],
                    ..PolicyRule::default()
                };
                if confirm_no_escalation(state, user, namespace, &[all, urls]).is_err() {
                    return Err(ErrorResponse::forbidden(
                        GROUP,
                        resource,
                        name,
                        "must have cluster-admin privileges to use the aggregationRule",
                    ));
                }
            }
            Ok(())
        }
        "rolebindings" | "clusterrolebindings" => {
            let Some(role_ref) = obj
                .get("roleRef")
                .and_then(|r| serde_json::from_value::<RoleRef>(r.clone()).ok())
            else {
                return Ok(());
            };
            let ref_resource = match role_ref.kind.as_str() {
                "Role" => "roles",
                "ClusterRole" => "clusterroles",
                _ => return Ok(()),
            };
            if allowed(state, user, "bind", ref_resource, namespace, &role_ref.name) {
                return Ok(());
            }
            let rules = referenced_rules(state, &role_ref, namespace)?;
            confirm_no_escalation(state, user, namespace, &rules)
                .map_err(|msg| ErrorResponse::forbidden(GROUP, resource, name, &msg))
        }
        _ => Ok(()),
    }
}

/// `IsOnlyMutatingGCFields`: `obj` equals `old` once its owner references, finalizers,
/// self link and managed fields are taken from `old`.
fn only_gc_fields_change(obj: &Value, old: &Value) -> bool {
    const GC_FIELDS: [&str; 4] = ["ownerReferences", "finalizers", "selfLink", "managedFields"];
    let mut copied = obj.clone();
    let old_meta = old.get("metadata").and_then(Value::as_object);
    let Some(meta) = copied.get_mut("metadata").and_then(Value::as_object_mut) else {
        return false;
    };
    for key in GC_FIELDS {
        match old_meta.and_then(|m| m.get(key)) {
            Some(v) => meta.insert(key.to_string(), v.clone()),
            None => meta.remove(key),
        };
    }
    copied == *old
}

/// `RoleEscalationAuthorized` / `BindingAuthorized`: an authorizer check of a special verb.
fn allowed(
    state: &State,
    user: &UserInfo,
    verb: &str,
    resource: &str,
    namespace: &str,
    name: &str,
) -> bool {
    let attrs = Attributes::Resource {
        verb: verb.to_string(),
        group: GROUP.to_string(),
        resource: resource.to_string(),
        subresource: String::new(),
        name: name.to_string(),
        namespace: namespace.to_string(),
    };
    authorize(state, user, &attrs).allowed
}

/// `GetRoleReferenceRules`: a missing role is a 400 naming it.
fn referenced_rules(
    state: &State,
    role_ref: &RoleRef,
    namespace: &str,
) -> ApiResult<Vec<PolicyRule>> {
    let (resource, ns) = if role_ref.kind == "Role" {
        ("roles", namespace)
    } else {
        ("clusterroles", "")
    };
    let exists = state
        .store
        .resource(&crate::store::StorageKey::new(GROUP, resource))
        .and_then(|s| s.get(&crate::store::object_key(ns, &role_ref.name)))
        .is_some();
    if !exists {
        return Err(ErrorResponse::bad_request(format!(
            "{resource}.{GROUP} {:?} not found",
            role_ref.name
        )));
    }
    Ok(role_ref_rules(
        state,
        &role_ref.kind,
        &role_ref.name,
        namespace,
    ))
}

fn parse_rules(rules: Option<&Value>) -> Vec<PolicyRule> {
    rules
        .and_then(|r| serde_json::from_value::<Vec<PolicyRule>>(r.clone()).ok())
        .unwrap_or_default()
}

/// `ConfirmNoEscalation`: the message lists the missing rights, compacted and sorted.
fn confirm_no_escalation(
    state: &State,
    user: &UserInfo,
    namespace: &str,
    rules: &[PolicyRule],
) -> Result<(), String> {
    let owner = rules_for(state, user, namespace);
    let missing = uncovered(&owner, rules);
    if missing.is_empty() {
        return Ok(());
    }
    let lines: BTreeSet<String> = compact(missing).iter().map(compact_string).collect();
    Err(format!(
        "user {} (groups={}) is attempting to grant RBAC permissions not currently held:\n{}",
        go_quote(&user.name),
        go_quote_list(&user.groups),
        lines.into_iter().collect::<Vec<_>>().join("\n")
    ))
}

fn list(v: &Option<Vec<String>>) -> &[String] {
    v.as_deref().unwrap_or_default()
}

/// `BreakdownRule`: one rule per group × resource × verb (× name), and per URL × verb.
fn breakdown(rule: &PolicyRule) -> Vec<PolicyRule> {
    let one = |s: &str| Some(vec![s.to_string()]);
    let mut out = Vec::new();
    for group in list(&rule.api_groups) {
        for resource in list(&rule.resources) {
            for verb in &rule.verbs {
                let base = PolicyRule {
                    api_groups: one(group),
                    resources: one(resource),
                    verbs: vec![verb.clone()],
                    ..PolicyRule::default()
                };
                if list(&rule.resource_names).is_empty() {
                    out.push(base);
                } else {
                    for name in list(&rule.resource_names) {
                        out.push(PolicyRule {
                            resource_names: one(name),
                            ..base.clone()
                        });
                    }
                }
            }
        }
    }
    for url in list(&rule.non_resource_urls) {
        for verb in &rule.verbs {
            out.push(PolicyRule {
                non_resource_urls: one(url),
                verbs: vec![verb.clone()],
                ..PolicyRule::default()
            });
        }
    }
    out
}

fn has(set: &[String], wanted: &str) -> bool {
    set.iter().any(|s| s == wanted)
}

fn has_all(set: &[String], wanted: &[String]) -> bool {
    wanted.iter().all(|w| has(set, w))
}

/// `resourceCoversAll`: `*`, the exact resource, or `*/sub` for a subresource.
fn resources_cover(owner: &[String], wanted: &[String]) -> bool {
    has(owner, "*")
        || wanted.iter().all(|path| {
            has(owner, path)
                || path
                    .split_once('/')
                    .is_some_and(|(_, sub)| has(owner, &format!("*/{sub}")))
        })
}

fn urls_cover(owner: &[String], wanted: &[String]) -> bool {
    wanted.iter().all(|path| {
        owner.iter().any(|o| {
            o == path
                || o.strip_suffix('*')
                    .is_some_and(|prefix| path.starts_with(prefix.trim_end_matches('*')))
        })
    })
}

/// `ruleCovers`.
fn rule_covers(owner: &PolicyRule, sub: &PolicyRule) -> bool {
    let owner_names = list(&owner.resource_names);
    let sub_names = list(&sub.resource_names);
    (has(&owner.verbs, "*") || has_all(&owner.verbs, &sub.verbs))
        && (has(list(&owner.api_groups), "*")
            || has_all(list(&owner.api_groups), list(&sub.api_groups)))
        && resources_cover(list(&owner.resources), list(&sub.resources))
        && urls_cover(list(&owner.non_resource_urls), list(&sub.non_resource_urls))
        && (owner_names.is_empty() || (!sub_names.is_empty() && has_all(owner_names, sub_names)))
}

/// `Covers`: the atomic rules of `wanted` no owner rule covers.
fn uncovered(owner: &[PolicyRule], wanted: &[PolicyRule]) -> Vec<PolicyRule> {
    wanted
        .iter()
        .flat_map(breakdown)
        .filter(|sub| !owner.iter().any(|o| rule_covers(o, sub)))
        .collect()
}

/// `CompactRules`: rules of one group, one resource and at most one name merge their verbs.
fn compact(rules: Vec<PolicyRule>) -> Vec<PolicyRule> {
    let mut out = Vec::new();
    let mut simple: HashMap<(String, String, Option<String>), usize> = HashMap::new();
    for rule in rules {
        let groups = list(&rule.api_groups);
        let resources = list(&rule.resources);
        let names = list(&rule.resource_names);
        let is_simple = names.len() <= 1
            && list(&rule.non_resource_urls).is_empty()
            && groups.len() == 1
            && resources.len() == 1;
        if !is_simple {
            out.push(rule);
            continue;
        }
        let key = (
            groups[0].clone(),
            resources[0].clone(),
            names.first().cloned(),
        );
        match simple.get(&key) {
            Some(&i) => {
                let existing: &mut PolicyRule = &mut out[i];
                for verb in rule.verbs {
                    if !existing.verbs.contains(&verb) {
                        existing.verbs.push(verb);
                    }
                }
            }
            None => {
                simple.insert(key, out.len());
                out.push(rule);
            }
        }
    }
    out
}

/// Go's `%q` of a string (Rust's debug escaping agrees for the names RBAC allows).
fn go_quote(s: &str) -> String {
    format!("{s:?}")
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
fn go_quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// `rbacv1helpers.CompactString`.
fn compact_string(rule: &PolicyRule) -> String {
    let mut parts = Vec::new();
    for (label, values) in [
        ("APIGroups", list(&rule.api_groups)),
        ("Resources", list(&rule.resources)),
        ("NonResourceURLs", list(&rule.non_resource_urls)),
        ("ResourceNames", list(&rule.resource_names)),
        ("Verbs", rule.verbs.as_slice()),
    ] {
        if !values.is_empty() {
            parts.push(format!("{label}:{}", go_quote_list(values)));
        }
    }
    format!("{{{}}}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::super::tests::rule;
    use super::*;

    #[test]
    fn coverage_follows_the_policy_comparator() {
        let owner = [
            rule(&["get", "list"], &[""], &["pods"], &[]),
            rule(&["*"], &["apps"], &["*/scale"], &[]),
            rule(&["get"], &[""], &["secrets"], &["one"]),
        ];
        assert!(uncovered(&owner, &[rule(&["get"], &[""], &["pods"], &[])]).is_empty());
        assert!(
            uncovered(
                &owner,
                &[rule(&["update"], &["apps"], &["deployments/scale"], &[])]
            )
            .is_empty()
        );
        assert!(uncovered(&owner, &[rule(&["get"], &[""], &["secrets"], &["one"])]).is_empty());
        // A name-restricted owner rule does not cover every name; `*` verbs need `*`.
        assert_eq!(
            uncovered(&owner, &[rule(&["get"], &[""], &["secrets"], &[])]).len(),
            1
        );
        assert_eq!(
            uncovered(&owner, &[rule(&["*"], &[""], &["pods"], &[])]).len(),
            1
        );
        let missing = uncovered(
            &owner,
            &[rule(
                &["get", "watch", "delete"],
                &[""],
                &["pods", "secrets"],
                &[],
            )],
        );
        let lines: BTreeSet<String> = compact(missing).iter().map(compact_string).collect();
        assert_eq!(
            lines.into_iter().collect::<Vec<_>>(),
            [
                r#"{APIGroups:[""], Resources:["pods"], Verbs:["watch" "delete"]}"#,
                r#"{APIGroups:[""], Resources:["secrets"], Verbs:["get" "watch" "delete"]}"#,
            ]
        );
        let url = PolicyRule {
            non_resource_urls: Some(vec!["/healthz/*".into()]),
            verbs: vec!["get".into()],
            ..PolicyRule::default()
        };
        let owner_urls = PolicyRule {
            non_resource_urls: Some(vec!["/healthz*".into()]),
            verbs: vec!["get".into()],
            ..PolicyRule::default()
        };
        assert!(uncovered(&[owner_urls], std::slice::from_ref(&url)).is_empty());
        assert_eq!(
            compact_string(&url),
            r#"{NonResourceURLs:["/healthz/*"], Verbs:["get"]}"#
        );
    }
}
