//! Content negotiation (client-go's `rest.ContentConfig`): which media type request bodies
//! are written in and which ones responses are asked for.
//!
//! kube-apiserver speaks JSON for every kind and Kubernetes protobuf
//! (`application/vnd.kubernetes.protobuf`) for built-in kinds only. Like client-go, kclient
//! asks for protobuf where it can be had and JSON everywhere else:
//!
//! | request | `Accept` | body |
//! |---|---|---|
//! | typed clients, informers and the informer factory, built-in kinds | [`Config::accept_content_types`], default [`ACCEPT_PROTOBUF_THEN_JSON`] | [`Config::content_type`], default JSON |
//! | custom resources, dynamic (`Unstructured`), metadata, Tables, discovery | JSON | JSON |
//! | patches | as above | always their patch type (JSON), as in client-go |
//!
//! A server that answers JSON anyway (a custom resource, an aggregated API server, a server
//! without protobuf) keeps working: responses are decoded by the `Content-Type` they carry,
//! not by what was asked.
//!
//! The one switch to force JSON everywhere is [`Config::json_only`].

use crate::Config;

/// The JSON media type.
pub const JSON: &str = "application/json";

/// The Kubernetes protobuf media type.
pub const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";

/// What typed clients and informers of built-in kinds accept by default: protobuf first,
/// JSON for servers (and kinds) without it, as kube-controller-manager asks.
pub const ACCEPT_PROTOBUF_THEN_JSON: &str = "application/vnd.kubernetes.protobuf, application/json";

/// The media type of a `Content-Type` or `Accept` entry without its parameters, lower-cased
/// comparison left to the caller.
fn essence(media_type: &str) -> &str {
    media_type.split(';').next().unwrap_or_default().trim()
}

/// Whether a `Content-Type` is Kubernetes protobuf (parameters such as `;stream=watch`
/// ignored).
pub fn is_protobuf(content_type: &str) -> bool {
    essence(content_type).eq_ignore_ascii_case(PROTOBUF)
}

impl Config {
    /// Forces JSON for every request of clients built from this config: request bodies and
    /// `Accept` of built-in kinds (which otherwise ask for protobuf first). The one switch
    /// for servers or proxies that mishandle protobuf, or to see the server's JSON as it is.
    #[must_use]
    pub fn json_only(mut self) -> Self {
        self.content_type = Some(JSON.to_owned());
        self.accept_content_types = Some(JSON.to_owned());
        self
    }

    /// Sends built-in kinds' create and update bodies in protobuf too (client-go's
    /// `ContentType: application/vnd.kubernetes.protobuf`, as kube-controller-manager and the
    /// scheduler set it); responses are asked for as [`Config::accept_content_types`] says.
    #[must_use]
    pub fn protobuf_bodies(mut self) -> Self {
        self.content_type = Some(PROTOBUF.to_owned());
        self
    }

    /// The `Accept` header of a request whose answer is a kind with a protobuf form (`true`:
    /// a built-in kind read by a typed client or informer) or not (`false`: JSON).
    pub fn accept_for(&self, protobuf_kind: bool) -> &str {
        match &self.accept_content_types {
            Some(accept) if protobuf_kind && !accept.trim().is_empty() => accept,
            None if protobuf_kind => ACCEPT_PROTOBUF_THEN_JSON,
            _ => JSON,
        }
    }

    /// Whether a request body of a kind with a protobuf form (`protobuf_kind`) is sent in
    /// protobuf: only when [`Config::content_type`] says so.
    pub fn sends_protobuf(&self, protobuf_kind: bool) -> bool {
        protobuf_kind && self.content_type.as_deref().is_some_and(is_protobuf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Uri;

    fn config() -> Config {
        Config::new(Uri::from_static("https://k8s:6443"))
    }

    #[test]
    fn built_in_kinds_ask_protobuf_first_and_send_json_by_default() {
        let c = config();
        assert_eq!(c.content_type, None);
        assert_eq!(c.accept_content_types, None);
        assert_eq!(
            c.accept_for(true),
            "application/vnd.kubernetes.protobuf, application/json"
        );
        assert_eq!(c.accept_for(false), "application/json");
        assert!(!c.sends_protobuf(true));
    }

    #[test]
    fn json_only_forces_json_everywhere() {
        let c = config().protobuf_bodies().json_only();
        assert_eq!(c.accept_for(true), "application/json");
        assert_eq!(c.accept_for(false), "application/json");
        assert!(!c.sends_protobuf(true));
    }

    #[test]
    fn protobuf_bodies_only_for_kinds_with_a_protobuf_form() {
        let c = config().protobuf_bodies();
        assert!(c.sends_protobuf(true));
        assert!(!c.sends_protobuf(false));
        let mut c = config();
        c.accept_content_types = Some(PROTOBUF.to_owned());
        assert_eq!(c.accept_for(true), PROTOBUF);
        // Kinds without a protobuf form are always asked for in JSON.
        assert_eq!(c.accept_for(false), JSON);
    }

    #[test]
    fn protobuf_content_types_are_recognised_with_parameters() {
        assert!(is_protobuf("application/vnd.kubernetes.protobuf"));
        assert!(is_protobuf(
            "application/vnd.kubernetes.protobuf;stream=watch"
        ));
        assert!(is_protobuf("Application/Vnd.Kubernetes.Protobuf ; x=y"));
        assert!(!is_protobuf("application/json"));
        assert!(!is_protobuf("application/json;stream=watch"));
    }
}
