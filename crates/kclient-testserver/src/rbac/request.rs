//! The authorization attributes of an HTTP request, as kube-apiserver's `RequestInfo`
//! derives them: resource requests carry verb, group, resource, subresource, name and
//! namespace; every other path is a non-resource request with the lower-cased method.

use http::Method;

use super::Attributes;
use crate::router::Route;

/// What `route` asks to do.
pub(crate) fn request_attributes(route: &Route, method: &Method, path: &str) -> Attributes {
    match route {
        Route::Resource(r) => Attributes::Resource {
            verb: r.verb.as_str().to_string(),
            group: r.group.clone(),
            resource: r.resource.clone(),
            subresource: r.subresource.clone().unwrap_or_default(),
            name: r.name.clone().unwrap_or_default(),
            namespace: r.namespace.clone().unwrap_or_default(),
        },
        _ => Attributes::NonResource {
            verb: method.as_str().to_ascii_lowercase(),
            path: path.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::route;

    #[test]
    fn resource_and_path_requests() {
        let path = "/api/v1/namespaces/default/pods/web/log";
        let r = route(&Method::GET, path, false);
        assert_eq!(
            request_attributes(&r, &Method::GET, path),
            Attributes::Resource {
                verb: "get".into(),
                group: String::new(),
                resource: "pods".into(),
                subresource: "log".into(),
                name: "web".into(),
                namespace: "default".into(),
            }
        );
        let r = route(&Method::GET, "/apis/apps/v1/deployments", true);
        match request_attributes(&r, &Method::GET, "/apis/apps/v1/deployments") {
            Attributes::Resource { verb, group, .. } => {
                assert_eq!((verb.as_str(), group.as_str()), ("watch", "apps"));
            }
            other => panic!("{other:?}"),
        }
        let r = route(&Method::GET, "/version", false);
        assert_eq!(
            request_attributes(&r, &Method::GET, "/version"),
            Attributes::NonResource {
                verb: "get".into(),
                path: "/version".into()
            }
        );
    }
}
