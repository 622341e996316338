//! The review resources, answered from the same authenticator and authorizer that guard
//! requests: SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview,
//! SelfSubjectRulesReview (`kubectl auth can-i [--list]`), SelfSubjectReview
//! (`kubectl auth whoami`) and TokenReview.

use k8s_openapi::api::rbac::v1::PolicyRule;
use serde_json::{Value, json};

use super::{Attributes, authorize, rules_for};
use crate::authn::{MASTERS, UserInfo};
use crate::error::{ApiResult, ErrorResponse, FieldError};
use crate::state::State;

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn invalid(kind: &str, errors: &[FieldError]) -> ErrorResponse {
    ErrorResponse::invalid("authorization.k8s.io", kind, "", errors)
}

/// The attributes of a review's spec; `namespace` overrides the resource namespace
/// (LocalSubjectAccessReview).
fn attributes(kind: &str, spec: &Value, namespace: Option<&str>) -> ApiResult<Attributes> {
    let resource = spec.get("resourceAttributes").filter(|v| v.is_object());
    let non_resource = spec.get("nonResourceAttributes").filter(|v| v.is_object());
    match (resource, non_resource) {
        (Some(r), None) => {
            let mut ns = str_at(r, "/namespace").to_string();
            if let Some(local) = namespace {
                if !ns.is_empty() && ns != local {
                    return Err(invalid(
                        kind,
                        &[FieldError::invalid(
                            "spec.resourceAttributes.namespace",
                            Value::String(ns),
                            format!("must match metadata.namespace: {local:?}"),
                        )],
                    ));
                }
                ns = local.to_string();
            }
            Ok(Attributes::Resource {
                verb: str_at(r, "/verb").to_string(),
                group: str_at(r, "/group").to_string(),
                resource: str_at(r, "/resource").to_string(),
                subresource: str_at(r, "/subresource").to_string(),
                name: str_at(r, "/name").to_string(),
                namespace: ns,
            })
        }
        (None, Some(n)) => Ok(Attributes::NonResource {
            verb: str_at(n, "/verb").to_string(),
            path: str_at(n, "/path").to_string(),
        }),
        (r, _) => Err(invalid(
            kind,
            &[FieldError::invalid(
                if r.is_some() {
                    "spec.nonResourceAttributes"
                } else {
                    "spec.resourceAttributes"
                },
                spec.clone(),
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            )],
        )),
    }
}

fn access_status(state: &State, user: &UserInfo, attrs: &Attributes) -> Value {
    let decision = authorize(state, user, attrs);
    let mut status = json!({"allowed": decision.allowed});
    if !decision.reason.is_empty() {
        status["reason"] = Value::String(decision.reason);
    }
    status
}

/// The user a SubjectAccessReview asks about.
fn spec_user(spec: &Value) -> UserInfo {
    let groups = spec
        .get("groups")
        .and_then(Value::as_array)
        .map(|g| {
            g.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    UserInfo {
        name: str_at(spec, "/user").to_string(),
        uid: str_at(spec, "/uid").to_string(),
        groups,
    }
}

fn string_list(list: Option<&Vec<String>>) -> Value {
    json!(list.cloned().unwrap_or_default())
}

/// `SelfSubjectRulesReview` status for a user in a namespace.
fn rules_status(state: &State, user: &UserInfo, namespace: &str) -> Value {
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    if user.groups.iter().any(|g| g == MASTERS) {
        resource_rules.push(json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}));
        non_resource_rules.push(json!({"verbs": ["*"], "nonResourceURLs": ["*"]}));
    }
    for rule in rules_for(state, user, namespace) {
        let PolicyRule {
            verbs,
            api_groups,
            resources,
            resource_names,
            non_resource_urls,
        } = rule;
        if resources.as_ref().is_some_and(|r| !r.is_empty()) {
            let mut r = json!({"verbs": verbs, "apiGroups": string_list(api_groups.as_ref()),
                               "resources": string_list(resources.as_ref())});
            if let Some(names) = resource_names.filter(|n| !n.is_empty()) {
                r["resourceNames"] = json!(names);
            }
            resource_rules.push(r);
        }
        if let Some(urls) = non_resource_urls.filter(|u| !u.is_empty()) {
            non_resource_rules.push(json!({"verbs": verbs, "nonResourceURLs": urls}));
        }
    }
    json!({"resourceRules": resource_rules, "nonResourceRules": non_resource_rules,
           "incomplete": false})
}

/// The `status` of a review object of `kind` sent by `user`, `None` for other kinds.
pub(crate) fn status(
    state: &State,
    user: &UserInfo,
    kind: &str,
    obj: &Value,
) -> Option<ApiResult<Value>> {
    let spec = obj.get("spec").cloned().unwrap_or_else(|| json!({}));
    let answer = match kind {
        "SelfSubjectAccessReview" => {
            attributes(kind, &spec, None).map(|a| access_status(state, user, &a))
        }
        "SubjectAccessReview" => {
            attributes(kind, &spec, None).map(|a| access_status(state, &spec_user(&spec), &a))
        }
        "LocalSubjectAccessReview" => {
            let ns = str_at(obj, "/metadata/namespace");
            attributes(kind, &spec, Some(ns)).map(|a| access_status(state, &spec_user(&spec), &a))
        }
        "SelfSubjectRulesReview" => {
            let ns = str_at(&spec, "/namespace");
            if ns.is_empty() {
                Err(ErrorResponse::bad_request("no namespace on request"))
            } else {
                Ok(rules_status(state, user, ns))
            }
        }
        "SelfSubjectReview" => Ok(json!({"userInfo": user.to_json()})),
        "TokenReview" => {
            let audiences = spec.get("audiences").cloned().unwrap_or_else(|| json!([]));
            Ok(match state.tokens.lookup(str_at(&spec, "/token")) {
                Some(found) => {
                    json!({"authenticated": true, "user": found.to_json(), "audiences": audiences})
                }
                None => json!({"authenticated": false, "error": "invalid bearer token"}),
            })
        }
        _ => return None,
    };
    Some(answer)
}
