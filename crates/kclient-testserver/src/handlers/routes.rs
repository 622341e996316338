//! Which method a path shape takes, as kube-apiserver's installer registers its go-restful
//! routes: a collection path (`.../configmaps`) has GET for list and watch, POST for create
//! and DELETE for deletecollection; an object path (`.../configmaps/{name}`) GET, PUT,
//! PATCH and DELETE; a subresource path the methods of its verbs. A method the path has no
//! route for is go-restful's 405, which kube-apiserver's service error handler turns into
//! `NewGenericServerResponse(405, ...)`; a path with no route at all is its 404.

use crate::catalog::ResourceInfo;
use crate::error::{ApiResult, ErrorResponse};
use crate::router::{ResourceRequest, Verb};

/// The verbs served on a path shape: collection (`name` absent), object, or subresource.
fn path_verbs<'a>(info: &'a ResourceInfo, req: &ResourceRequest) -> Option<Vec<&'a str>> {
    let main = |wanted: &[&str]| -> Vec<&'a str> {
        info.verbs
            .iter()
            .map(String::as_str)
            .filter(|v| wanted.contains(v))
            .collect()
    };
    match (&req.name, &req.subresource) {
        (_, Some(sub)) => info
            .subresource(sub)
            .map(|s| s.verbs.iter().map(String::as_str).collect()),
        // Namespaced kinds have only list and watch across all namespaces.
        (None, None) if info.namespaced && req.namespace.is_none() => {
            Some(main(&["list", "watch"]))
        }
        (None, None) => Some(main(&["list", "watch", "create", "deletecollection"])),
        (Some(_), None) if info.namespaced && req.namespace.is_none() => None,
        (Some(_), None) => Some(main(&["get", "update", "patch", "delete"])),
    }
}

/// The verbs of one HTTP method on a path of that shape.
fn method_verbs(verb: Verb, collection: bool) -> &'static [&'static str] {
    match verb {
        Verb::Get | Verb::List | Verb::Watch if collection => &["list", "watch"],
        Verb::Get | Verb::List | Verb::Watch => &["get", "watch"],
        Verb::Create => &["create"],
        Verb::Update => &["update"],
        Verb::Patch => &["patch"],
        Verb::Delete | Verb::DeleteCollection if collection => &["deletecollection"],
        Verb::Delete | Verb::DeleteCollection => &["delete"],
    }
}

/// kube-apiserver's answer when the path has no route for the request's method (or none
/// at all); `Ok` when the resource's handler takes the request.
pub(super) fn check(info: &ResourceInfo, req: &ResourceRequest) -> ApiResult<()> {
    let Some(verbs) = path_verbs(info, req) else {
        return Err(ErrorResponse::no_route());
    };
    if verbs.is_empty() {
        return Err(ErrorResponse::no_route());
    }
    let collection = req.name.is_none() && req.subresource.is_none();
    let wanted = method_verbs(req.verb, collection);
    if req.subresource.is_some() {
        // Subresources list their verbs as served (`get`, `create`, `update`, `patch`).
        let wanted: &[&str] = match req.verb {
            Verb::Get | Verb::List | Verb::Watch => &["get"],
            Verb::Delete | Verb::DeleteCollection => &["delete"],
            _ => wanted,
        };
        if !verbs.iter().any(|v| wanted.contains(v)) {
            return Err(ErrorResponse::method_not_allowed());
        }
        return Ok(());
    }
    if !verbs.iter().any(|v| wanted.contains(v)) {
        return Err(ErrorResponse::method_not_allowed());
    }
    Ok(())
}
