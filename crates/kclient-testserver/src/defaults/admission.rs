//! admissionregistration.k8s.io/v1: webhook configurations (`SetDefaults_ValidatingWebhook`,
//! `_MutatingWebhook`, `_Rule`, `_ServiceReference`) and ValidatingAdmissionPolicies
//! (`SetDefaults_ValidatingAdmissionPolicySpec`, `_MatchResources`,
//! `_NamedRuleWithOperations`).

use serde_json::{Map, Value, json};

use super::{child, each, or_nil, present};

pub(super) fn apply(kind: &str, map: &mut Map<String, Value>) {
    match kind {
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => {
            let mutating = kind == "MutatingWebhookConfiguration";
            for hook in each(map, "webhooks") {
                webhook(hook, mutating);
            }
        }
        "ValidatingAdmissionPolicy" => {
            let Some(spec) = child(map, "spec") else {
                return;
            };
            or_nil(spec, "failurePolicy", json!("Fail"));
            if let Some(m) = present(spec, "matchConstraints") {
                match_resources(m);
            }
        }
        "ValidatingAdmissionPolicyBinding" => {
            if let Some(m) = present(map, "spec").and_then(|s| present(s, "matchResources")) {
                match_resources(m);
            }
        }
        _ => {}
    }
}

fn webhook(hook: &mut Map<String, Value>, mutating: bool) {
    or_nil(hook, "failurePolicy", json!("Fail"));
    or_nil(hook, "matchPolicy", json!("Equivalent"));
    or_nil(hook, "namespaceSelector", json!({}));
    or_nil(hook, "objectSelector", json!({}));
    or_nil(hook, "timeoutSeconds", json!(10));
    if mutating {
        or_nil(hook, "reinvocationPolicy", json!("Never"));
    }
    for rule in each(hook, "rules") {
        or_nil(rule, "scope", json!("*"));
    }
    if let Some(service) = present(hook, "clientConfig").and_then(|c| present(c, "service")) {
        or_nil(service, "port", json!(443));
    }
}

fn match_resources(m: &mut Map<String, Value>) {
    or_nil(m, "matchPolicy", json!("Equivalent"));
    or_nil(m, "namespaceSelector", json!({}));
    or_nil(m, "objectSelector", json!({}));
    for key in ["resourceRules", "excludeResourceRules"] {
        for rule in each(m, key) {
            or_nil(rule, "scope", json!("*"));
        }
    }
}
