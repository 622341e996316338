//! The subresource verbs of [`Api<K>`]: scale for the kinds that have it, and the pod and
//! service-account expansions (log, eviction, binding, ephemeral containers, token).

use http::Method;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::authentication::v1::TokenRequest;
use k8s_openapi::api::autoscaling::v1::Scale;
use k8s_openapi::api::core::v1::{Binding, Pod, ReplicationController, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kclient_core::params::QueryParams;
use kclient_core::params::{CreateOptions, DeleteOptions, GetOptions, PatchOptions, UpdateOptions};
use kclient_core::patch::Patch;
use kclient_rest::ByteStream;
use serde_json::json;

use crate::Error;
use crate::api::{Api, name_of};
use crate::target::Body;
use kclient_core::Resource;

/// Kinds served with a `scale` subresource (autoscaling/v1 `Scale`).
pub trait HasScale: Resource {}

impl HasScale for Deployment {}
impl HasScale for ReplicaSet {}
impl HasScale for StatefulSet {}
impl HasScale for ReplicationController {}

impl<K: HasScale> Api<K> {
    /// Reads the object's scale (`GET .../scale`).
    pub async fn get_scale(&self, name: &str, opts: &GetOptions) -> Result<Scale, Error> {
        self.target.get(name, Some("scale"), opts).await
    }

    /// Replaces the object's scale (`PUT .../scale`); `spec.replicas` is what changes.
    pub async fn update_scale(
        &self,
        name: &str,
        scale: &Scale,
        opts: &UpdateOptions,
    ) -> Result<Scale, Error> {
        self.target
            .replace(name, Some("scale"), Body::object(scale), opts)
            .await
    }

    /// Patches the object's scale (`PATCH .../scale`).
    pub async fn patch_scale(
        &self,
        name: &str,
        patch: &Patch,
        opts: &PatchOptions,
    ) -> Result<Scale, Error> {
        self.target.patch(name, Some("scale"), patch, opts).await
    }
}

/// Options of a pod log request (`v1.PodLogOptions`); every field defaults to the server's
/// default (the only container, no follow, the whole log).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// The container to read; required when the pod has more than one.
    pub container: Option<String>,
    /// Keep the stream open and send new lines as they are written.
    pub follow: bool,
    /// Only the last N lines.
    pub tail_lines: Option<i64>,
    /// Only lines newer than this many seconds.
    pub since_seconds: Option<i64>,
    /// Only lines newer than this RFC 3339 time.
    pub since_time: Option<String>,
    /// Prefix every line with its RFC 3339 timestamp.
    pub timestamps: bool,
    /// The log of the previous, terminated instance of the container.
    pub previous: bool,
    /// Stop after this many bytes.
    pub limit_bytes: Option<i64>,
}

impl LogOptions {
    /// Logs of `container`.
    #[must_use]
    pub fn container(mut self, container: impl Into<String>) -> Self {
        self.container = Some(container.into());
        self
    }

    /// Follow the log.
    #[must_use]
    pub fn follow(mut self) -> Self {
        self.follow = true;
        self
    }

    /// Only the last `lines` lines.
    #[must_use]
    pub fn tail_lines(mut self, lines: i64) -> Self {
        self.tail_lines = Some(lines);
        self
    }

    /// Only lines of the last `seconds` seconds.
    #[must_use]
    pub fn since_seconds(mut self, seconds: i64) -> Self {
        self.since_seconds = Some(seconds);
        self
    }

    /// Timestamped lines.
    #[must_use]
    pub fn timestamps(mut self) -> Self {
        self.timestamps = true;
        self
    }

    /// The previous container instance.
    #[must_use]
    pub fn previous(mut self) -> Self {
        self.previous = true;
        self
    }
}

impl QueryParams for LogOptions {
    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(c) = &self.container {
            out.push(("container", c.clone()));
        }
        if self.follow {
            out.push(("follow", "true".to_owned()));
        }
        if let Some(n) = self.limit_bytes {
            out.push(("limitBytes", n.to_string()));
        }
        if self.previous {
            out.push(("previous", "true".to_owned()));
        }
        if let Some(s) = self.since_seconds {
            out.push(("sinceSeconds", s.to_string()));
        }
        if let Some(t) = &self.since_time {
            out.push(("sinceTime", t.clone()));
        }
        if let Some(n) = self.tail_lines {
            out.push(("tailLines", n.to_string()));
        }
        if self.timestamps {
            out.push(("timestamps", "true".to_owned()));
        }
        out
    }
}

impl Api<Pod> {
    /// Streams a container's log as it arrives (`GET pods/{name}/log`); with
    /// [`LogOptions::follow`] the stream stays open until the container stops or the
    /// stream is dropped.
    pub async fn log_stream(&self, name: &str, opts: &LogOptions) -> Result<ByteStream, Error> {
        self.target
            .object_request(Method::GET, name, Some("log"))
            .params(opts)
            .stream()
            .await
    }

    /// Reads a container's whole log as text (lossy UTF-8).
    pub async fn logs(&self, name: &str, opts: &LogOptions) -> Result<String, Error> {
        let bytes = self
            .target
            .object_request(Method::GET, name, Some("log"))
            .params(opts)
            .into_bytes()
            .await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Evicts the pod through `pods/{name}/eviction` (policy/v1 `Eviction`), which honours
    /// PodDisruptionBudgets where a real server enforces them. `delete_options` travel in
    /// the eviction body.
    pub async fn evict(&self, name: &str, delete_options: &DeleteOptions) -> Result<Status, Error> {
        let mut eviction = json!({
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": name},
            "deleteOptions": delete_options,
        });
        if let Some(ns) = self.target.namespace() {
            eviction["metadata"]["namespace"] = json!(ns);
        }
        let opts = CreateOptions {
            dry_run: delete_options.dry_run,
            ..CreateOptions::default()
        };
        self.target
            .create(Some((name, "eviction")), Body::Json(&eviction), &opts)
            .await
    }

    /// Binds the pod to a node (`POST pods/{name}/binding`), as a scheduler does.
    pub async fn bind(
        &self,
        name: &str,
        binding: &Binding,
        opts: &CreateOptions,
    ) -> Result<Status, Error> {
        self.target
            .create(Some((name, "binding")), Body::object(binding), opts)
            .await
    }

    /// Replaces the pod's ephemeral containers (`PUT pods/{name}/ephemeralcontainers`); only
    /// `spec.ephemeralContainers` of `pod` is taken into account.
    pub async fn update_ephemeral_containers(
        &self,
        pod: &Pod,
        opts: &UpdateOptions,
    ) -> Result<Pod, Error> {
        self.target
            .replace(
                name_of(pod)?,
                Some("ephemeralcontainers"),
                Body::object(pod),
                opts,
            )
            .await
    }
}

impl Api<ServiceAccount> {
    /// Requests a bound token for the service account (`POST serviceaccounts/{name}/token`).
    pub async fn create_token(
        &self,
        name: &str,
        request: &TokenRequest,
        opts: &CreateOptions,
    ) -> Result<TokenRequest, Error> {
        self.target
            .create(Some((name, "token")), Body::object(request), opts)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_options_become_query_pairs() {
        let opts = LogOptions::default()
            .container("app")
            .follow()
            .tail_lines(10)
            .since_seconds(60)
            .timestamps()
            .previous();
        assert_eq!(
            opts.to_query_string(),
            "container=app&follow=true&previous=true&sinceSeconds=60&tailLines=10&timestamps=true"
        );
        assert!(LogOptions::default().query_pairs().is_empty());
    }
}
