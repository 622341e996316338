//! A minimal OpenAPI v3 surface: the `/openapi/v3` index and one document per served
//! group-version listing the PATCH operation of every resource with its
//! `x-kubernetes-group-version-kind` and query parameters. That is what kubectl inspects to
//! learn that the server validates fields itself (`fieldValidation`), so it skips
//! client-side schema validation. Schemas are not served; `/openapi/v2` answers 404 (so
//! kubectl falls back to its compiled-in types for client-side apply) unless the server was
//! built with `openapi_v2(true)`, which serves a schema-less Swagger 2.0 document.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::catalog::ResourceInfo;

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// A stable short hash so clients can cache documents per content.
fn hash(text: &str) -> String {
    // FNV-1a: enough to change whenever the served resources change.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016X}")
}

/// `/openapi/v3`: the index of group-version documents.
pub(crate) fn index(resources: &[ResourceInfo]) -> Value {
    let mut gvs: BTreeMap<String, Vec<&ResourceInfo>> = BTreeMap::new();
    for r in resources {
        gvs.entry(gv_path(&r.group, &r.version))
            .or_default()
            .push(r);
    }
    let mut paths = Map::new();
    for (path, rs) in gvs {
        let names: Vec<&str> = rs.iter().map(|r| r.plural.as_str()).collect();
        let h = hash(&format!("{path}:{}", names.join(",")));
        paths.insert(
            path.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={h}")}),
        );
    }
    json!({ "paths": paths })
}

fn query_param(name: &str, type_: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": type_, "uniqueItems": true}})
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/{group}/{version}`; `None` when not served.
pub(crate) fn group_version_doc(rest: &str, resources: &[ResourceInfo]) -> Option<Value> {
    let rs: Vec<&ResourceInfo> = resources
        .iter()
        .filter(|r| gv_path(&r.group, &r.version) == rest)
        .collect();
    if rs.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    for r in rs {
        if !r.supports("patch") {
            continue;
        }
        let prefix = format!("/{rest}");
        let path = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{prefix}/{}/{{name}}", r.plural)
        };
        let body_schema = json!({"schema": {"type": "object"}});
        let op = json!({
            "operationId": format!("patch{}{}", r.kind, r.version),
            "parameters": [
                query_param("dryRun", "string"),
                query_param("fieldManager", "string"),
                query_param("fieldValidation", "string"),
                query_param("force", "boolean"),
            ],
            "requestBody": {
                "content": {
                    "application/apply-patch+yaml": body_schema,
                    "application/json-patch+json": body_schema,
                    "application/merge-patch+json": body_schema,
                },
                "required": true,
            },
            "responses": {"200": {"description": "OK"}},
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
        });
        paths.insert(path, json!({ "patch": op }));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {},
    }))
}

/// `/openapi/v2` (when enabled): a Swagger 2.0 document with one GET operation per served
/// resource collection and its `x-kubernetes-group-version-kind`; no schema definitions.
pub(crate) fn swagger_v2(resources: &[ResourceInfo]) -> Value {
    let mut paths = Map::new();
    for r in resources.iter().filter(|r| r.supports("list")) {
        let prefix = format!("/{}", gv_path(&r.group, &r.version));
        let path = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}", r.plural)
        } else {
            format!("{prefix}/{}", r.plural)
        };
        let op = json!({
            "operationId": format!("list{}{}", r.kind, r.version),
            "produces": ["application/json"],
            "responses": {"200": {"description": "OK"}},
            "x-kubernetes-action": "list",
            "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
        });
        paths.insert(path, json!({ "get": op }));
    }
    json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "definitions": {},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_documents() {
        let resources = crate::catalog::builtin_resources();
        let idx = index(resources);
        let url = idx["paths"]["api/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap();
        assert!(url.starts_with("/openapi/v3/api/v1?hash="));
        assert!(idx["paths"].get("apis/apps/v1").is_some());
        let doc = group_version_doc("api/v1", resources).unwrap();
        let op = &doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"];
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], "ConfigMap");
        assert!(
            op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        assert!(group_version_doc("apis/nope/v1", resources).is_none());
        let v2 = swagger_v2(resources);
        assert_eq!(v2["swagger"], "2.0");
        let list = &v2["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]["get"];
        assert_eq!(
            list["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
    }
}
