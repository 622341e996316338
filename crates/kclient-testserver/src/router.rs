//! URL → request info, after kube-apiserver's `RequestInfoFactory`: API prefix, group,
//! version, namespace, resource, name, subresource and verb.

use http::Method;
use percent_encoding::percent_decode_str;

/// The verb of a resource request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    List,
    Watch,
    Create,
    Update,
    Patch,
    Delete,
    DeleteCollection,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Watch => "watch",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
            Verb::DeleteCollection => "deletecollection",
        }
    }
}

/// A request for a resource (or one of its subresources).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResourceRequest {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
    pub verb: Verb,
    /// Came in through the deprecated `/watch/` path prefix.
    pub legacy_watch: bool,
}

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Health,
    Version,
    /// `/api`
    CoreVersions,
    /// `/apis`
    Groups,
    /// `/apis/{group}`
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`
    GroupVersion(String, String),
    /// `/openapi/...` (the rest of the path)
    OpenApi(String),
    /// `/kclient-testserver/...` (the rest of the path)
    Admin(String),
    Resource(ResourceRequest),
    NotFound,
}

fn decode(seg: &str) -> Option<String> {
    percent_decode_str(seg)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Routes a request. `watch_param` is the parsed `watch` query parameter.
pub(crate) fn route(method: &Method, path: &str, watch_param: bool) -> Route {
    let trimmed = path.trim_matches('/');
    let parts: Vec<&str> = if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    };
    match parts.as_slice() {
        ["healthz" | "livez" | "readyz", ..] => return Route::Health,
        ["version"] => return Route::Version,
        ["openapi", rest @ ..] => return Route::OpenApi(rest.join("/")),
        ["kclient-testserver", rest @ ..] => return Route::Admin(rest.join("/")),
        ["api"] => return Route::CoreVersions,
        ["apis"] => return Route::Groups,
        ["apis", group] => return Route::Group((*group).to_string()),
        ["api", version] => return Route::GroupVersion(String::new(), (*version).to_string()),
        ["apis", group, version] => {
            return Route::GroupVersion((*group).to_string(), (*version).to_string());
        }
        _ => {}
    }
    let (group, version, rest) = match parts.as_slice() {
        ["api", version, rest @ ..] => (String::new(), (*version).to_string(), rest),
        ["apis", group, version, rest @ ..] => ((*group).to_string(), (*version).to_string(), rest),
        _ => return Route::NotFound,
    };
    let mut rest: Vec<String> = match rest.iter().map(|s| decode(s)).collect::<Option<_>>() {
        Some(r) => r,
        None => return Route::NotFound,
    };
    if rest.iter().any(String::is_empty) {
        return Route::NotFound;
    }
    let mut legacy_watch = false;
    if rest.first().map(String::as_str) == Some("watch") {
        legacy_watch = true;
        rest.remove(0);
    }
    let mut namespace = None;
    if rest.first().map(String::as_str) == Some("namespaces") && rest.len() > 1 {
        namespace = Some(rest[1].clone());
        // `namespaces/{ns}/status|finalize` are subresources of the namespace itself.
        if rest.len() > 2 && !matches!(rest[2].as_str(), "status" | "finalize") {
            rest.drain(..2);
        }
    }
    let (resource, name, subresource) = match rest.as_slice() {
        [r] => (r.clone(), None, None),
        [r, n] => (r.clone(), Some(n.clone()), None),
        [r, n, s] => (r.clone(), Some(n.clone()), Some(s.clone())),
        _ => return Route::NotFound,
    };
    let verb = if legacy_watch {
        if *method != Method::GET {
            return Route::NotFound;
        }
        Verb::Watch
    } else {
        match *method {
            Method::GET | Method::HEAD if name.is_none() && watch_param => Verb::Watch,
            Method::GET | Method::HEAD if name.is_none() => Verb::List,
            Method::GET | Method::HEAD => Verb::Get,
            Method::POST => Verb::Create,
            Method::PUT => Verb::Update,
            Method::PATCH => Verb::Patch,
            Method::DELETE if name.is_none() => Verb::DeleteCollection,
            Method::DELETE => Verb::Delete,
            _ => return Route::NotFound,
        }
    };
    Route::Resource(ResourceRequest {
        group,
        version,
        namespace,
        resource,
        name,
        subresource,
        verb,
        legacy_watch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(method: Method, path: &str) -> ResourceRequest {
        match route(&method, path, false) {
            Route::Resource(r) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn discovery_paths() {
        assert_eq!(route(&Method::GET, "/api", false), Route::CoreVersions);
        assert_eq!(route(&Method::GET, "/apis/", false), Route::Groups);
        assert_eq!(
            route(&Method::GET, "/apis/apps", false),
            Route::Group("apps".into())
        );
        assert_eq!(
            route(&Method::GET, "/api/v1", false),
            Route::GroupVersion(String::new(), "v1".into())
        );
        assert_eq!(route(&Method::GET, "/version", false), Route::Version);
        assert_eq!(
            route(&Method::GET, "/openapi/v2", false),
            Route::OpenApi("v2".into())
        );
        assert_eq!(route(&Method::GET, "/nope", false), Route::NotFound);
        assert_eq!(
            route(&Method::PUT, "/kclient-testserver/faults", false),
            Route::Admin("faults".into())
        );
    }

    #[test]
    fn resource_paths() {
        let r = res(Method::GET, "/api/v1/namespaces/default/configmaps/foo");
        assert_eq!(r.namespace.as_deref(), Some("default"));
        assert_eq!(r.resource, "configmaps");
        assert_eq!(r.name.as_deref(), Some("foo"));
        assert_eq!(r.verb, Verb::Get);
        let r = res(Method::GET, "/api/v1/namespaces/default");
        assert_eq!(
            (r.resource.as_str(), r.name.as_deref()),
            ("namespaces", Some("default"))
        );
        let r = res(Method::PUT, "/api/v1/namespaces/ns1/status");
        assert_eq!(r.resource, "namespaces");
        assert_eq!(r.subresource.as_deref(), Some("status"));
        let r = res(Method::GET, "/apis/apps/v1/deployments");
        assert_eq!((r.group.as_str(), r.verb), ("apps", Verb::List));
        let r = res(Method::DELETE, "/api/v1/namespaces/a/pods");
        assert_eq!(r.verb, Verb::DeleteCollection);
        let r = res(
            Method::PATCH,
            "/apis/apps/v1/namespaces/a/deployments/d/scale",
        );
        assert_eq!(r.subresource.as_deref(), Some("scale"));
        let r = res(Method::GET, "/api/v1/watch/namespaces/a/configmaps/x");
        assert_eq!(r.verb, Verb::Watch);
        assert!(r.legacy_watch);
        assert_eq!(r.name.as_deref(), Some("x"));
        match route(&Method::GET, "/api/v1/configmaps", true) {
            Route::Resource(r) => assert_eq!(r.verb, Verb::Watch),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            route(&Method::GET, "/api/v1/namespaces/a/configmaps/x/y/z", false),
            Route::NotFound
        );
        assert_eq!(route(&Method::GET, "/api/v1/a//b", false), Route::NotFound);
        let r = res(Method::GET, "/api/v1/namespaces/a/configmaps/with%20space");
        assert_eq!(r.name.as_deref(), Some("with space"));
    }
}
