//! The [`Resource`] trait: what a typed client needs to know about an API type at compile time.
//!
//! It is implemented for every k8s-openapi type that has `ObjectMeta` metadata, and can be
//! implemented by hand for custom resources. Scope is part of the type: generic code can require
//! [`NamespaceScoped`] or [`ClusterScoped`] kinds, so a namespaced accessor does not compile for
//! a cluster-scoped kind.
//!
//! ```
//! use kclient_core::k8s_openapi::api::core::v1::{Node, Pod};
//! use kclient_core::resource::{ClusterScoped, NamespaceScoped, Resource};
//!
//! fn namespaced_path<K: NamespaceScoped>(ns: &str) -> String {
//!     K::url_path(Some(ns))
//! }
//! fn cluster_path<K: ClusterScoped>() -> String {
//!     K::url_path(None)
//! }
//! assert_eq!(namespaced_path::<Pod>("default"), "/api/v1/namespaces/default/pods");
//! assert_eq!(cluster_path::<Node>(), "/api/v1/nodes");
//! ```
//!
//! Asking for a namespaced path of a cluster-scoped kind is a type error:
//!
//! ```compile_fail
//! use kclient_core::k8s_openapi::api::core::v1::Node;
//! use kclient_core::resource::NamespaceScoped;
//!
//! fn namespaced_path<K: NamespaceScoped>(ns: &str) -> String {
//!     K::url_path(Some(ns))
//! }
//! namespaced_path::<Node>("default");
//! ```

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::gvk::{GroupVersion, GroupVersionKind, GroupVersionResource};

/// The scope of a resource as a runtime value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Objects live in a namespace (`/namespaces/{ns}/...`).
    Namespaced,
    /// Objects are cluster-wide.
    Cluster,
    /// The type is only served as a subresource of another object (e.g. `Scale`, `Eviction`).
    Subresource,
}

impl Scope {
    /// True for [`Scope::Namespaced`].
    pub fn is_namespaced(self) -> bool {
        self == Self::Namespaced
    }
}

/// A type-level scope marker: [`NamespaceScope`], [`ClusterScope`] or [`SubresourceScope`].
pub trait ResourceScope {
    /// Whether objects of this scope live in a namespace.
    const NAMESPACED: bool;
    /// The runtime form of this scope.
    const SCOPE: Scope;
}

/// Marker for namespaced resources (pods, deployments, ...). Never instantiated.
#[derive(Debug)]
pub enum NamespaceScope {}

/// Marker for cluster-scoped resources (nodes, namespaces, ...). Never instantiated.
#[derive(Debug)]
pub enum ClusterScope {}

/// Marker for types only served as subresources (scale, eviction, token). Never instantiated.
#[derive(Debug)]
pub enum SubresourceScope {}

impl ResourceScope for NamespaceScope {
    const NAMESPACED: bool = true;
    const SCOPE: Scope = Scope::Namespaced;
}

impl ResourceScope for ClusterScope {
    const NAMESPACED: bool = false;
    const SCOPE: Scope = Scope::Cluster;
}

impl ResourceScope for SubresourceScope {
    const NAMESPACED: bool = false;
    const SCOPE: Scope = Scope::Subresource;
}

/// Maps k8s-openapi's scope markers onto ours, so that kclient code never names k8s-openapi's
/// markers and custom resources need not depend on them.
pub trait OpenApiScope {
    /// The kclient scope marker for this k8s-openapi scope marker.
    type Scope: ResourceScope;
}

impl OpenApiScope for k8s_openapi::NamespaceResourceScope {
    type Scope = NamespaceScope;
}

impl OpenApiScope for k8s_openapi::ClusterResourceScope {
    type Scope = ClusterScope;
}

impl OpenApiScope for k8s_openapi::SubResourceScope {
    type Scope = SubresourceScope;
}

/// A Kubernetes API type known at compile time: its group/version/kind, plural name and
/// scope, its typed `ObjectMeta`, and its JSON form.
///
/// Implemented for every k8s-openapi type with `ObjectMeta`; implement it (or derive it) for
/// custom resources. Every `Resource` is an [`Object`](crate::Object).
pub trait Resource: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The API group, `""` for the core group.
    const GROUP: &'static str;
    /// The version within the group.
    const VERSION: &'static str;
    /// The kind (`Pod`).
    const KIND: &'static str;
    /// The plural resource name used in URLs (`pods`); for subresource types, the subresource
    /// name (`scale`).
    const PLURAL: &'static str;
    /// The `apiVersion` string (`v1`, `apps/v1`).
    const API_VERSION: &'static str;
    /// The scope marker; bound on it (or use [`NamespaceScoped`] / [`ClusterScoped`]) to
    /// restrict generic code to one scope.
    type Scope: ResourceScope;
    /// Whether kube-apiserver can send and take this kind as Kubernetes protobuf
    /// (`application/vnd.kubernetes.protobuf`): `true` for every built-in kind (the
    /// k8s-openapi types), `false` (the default) for custom resources and lean projections,
    /// which travel as JSON. Typed clients and informers ask for protobuf first when it is
    /// `true` (see `kclient_config::content`); this is the one place that knows.
    const PROTOBUF: bool = false;

    /// Standard object metadata.
    fn meta(&self) -> &ObjectMeta;

    /// Standard object metadata, mutably.
    fn meta_mut(&mut self) -> &mut ObjectMeta;

    /// The group/version/kind of this type.
    fn gvk() -> GroupVersionKind {
        GroupVersionKind::gvk(Self::GROUP, Self::VERSION, Self::KIND)
    }

    /// The group/version/resource of this type.
    fn gvr() -> GroupVersionResource {
        GroupVersionResource::gvr(Self::GROUP, Self::VERSION, Self::PLURAL)
    }

    /// The group and version of this type.
    fn group_version() -> GroupVersion {
        GroupVersion::new(Self::GROUP, Self::VERSION)
    }

    /// The kind of a list of this type (`PodList`).
    fn list_kind() -> String {
        format!("{}List", Self::KIND)
    }

    /// The scope of this type as a runtime value.
    fn scope() -> Scope {
        <Self::Scope as ResourceScope>::SCOPE
    }

    /// Whether objects of this type live in a namespace.
    fn namespaced() -> bool {
        <Self::Scope as ResourceScope>::NAMESPACED
    }

    /// The collection path of this type, see [`url_path`]. The namespace is ignored for
    /// types that are not namespaced.
    fn url_path(namespace: Option<&str>) -> String {
        let namespace = namespace.filter(|_| Self::namespaced());
        url_path(Self::GROUP, Self::VERSION, Self::PLURAL, namespace)
    }
}

impl<T> Resource for T
where
    T: k8s_openapi::Resource
        + k8s_openapi::Metadata<Ty = ObjectMeta>
        + Serialize
        + DeserializeOwned
        + Send
        + Sync
        + 'static,
    <T as k8s_openapi::Resource>::Scope: OpenApiScope,
{
    const GROUP: &'static str = <T as k8s_openapi::Resource>::GROUP;
    const VERSION: &'static str = <T as k8s_openapi::Resource>::VERSION;
    const KIND: &'static str = <T as k8s_openapi::Resource>::KIND;
    const PLURAL: &'static str = <T as k8s_openapi::Resource>::URL_PATH_SEGMENT;
    const API_VERSION: &'static str = <T as k8s_openapi::Resource>::API_VERSION;
    type Scope = <<T as k8s_openapi::Resource>::Scope as OpenApiScope>::Scope;
    // Every k8s-openapi kind is a built-in kind with a `generated.proto` message.
    const PROTOBUF: bool = true;

    fn meta(&self) -> &ObjectMeta {
        k8s_openapi::Metadata::metadata(self)
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        k8s_openapi::Metadata::metadata_mut(self)
    }
}

/// Implemented for every namespaced [`Resource`]; use it as a bound for namespaced APIs.
pub trait NamespaceScoped: Resource<Scope = NamespaceScope> {}

impl<K: Resource<Scope = NamespaceScope>> NamespaceScoped for K {}

/// Implemented for every cluster-scoped [`Resource`]; use it as a bound for cluster-wide APIs.
pub trait ClusterScoped: Resource<Scope = ClusterScope> {}

impl<K: Resource<Scope = ClusterScope>> ClusterScoped for K {}

/// The collection path of a resource: `/api/{version}` for the core group (`group == ""`),
/// `/apis/{group}/{version}` otherwise, then `/namespaces/{ns}` when a non-empty namespace is
/// given, then `/{plural}`.
///
/// Segments are inserted verbatim; the request builder validates them before sending.
pub fn url_path(group: &str, version: &str, plural: &str, namespace: Option<&str>) -> String {
    let mut path = String::with_capacity(
        16 + group.len() + version.len() + plural.len() + namespace.map_or(0, str::len),
    );
    if group.is_empty() {
        path.push_str("/api/");
    } else {
        path.push_str("/apis/");
        path.push_str(group);
        path.push('/');
    }
    path.push_str(version);
    if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
        path.push_str("/namespaces/");
        path.push_str(ns);
    }
    path.push('/');
    path.push_str(plural);
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::autoscaling::v1::Scale;
    use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
    use k8s_openapi::api::rbac::v1::ClusterRole;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

    fn namespaced_only<K: NamespaceScoped>() -> &'static str {
        K::PLURAL
    }

    fn cluster_only<K: ClusterScoped>() -> &'static str {
        K::PLURAL
    }

    #[test]
    fn scope_is_checked_at_compile_time() {
        assert_eq!(namespaced_only::<Pod>(), "pods");
        assert_eq!(namespaced_only::<Deployment>(), "deployments");
        assert_eq!(cluster_only::<Node>(), "nodes");
        assert_eq!(cluster_only::<Namespace>(), "namespaces");
        assert_eq!(cluster_only::<ClusterRole>(), "clusterroles");
        assert_eq!(
            cluster_only::<CustomResourceDefinition>(),
            "customresourcedefinitions"
        );
    }

    #[test]
    fn constants_and_gvk() {
        assert_eq!(Pod::gvk(), GroupVersionKind::gvk("", "v1", "Pod"));
        assert_eq!(Pod::API_VERSION, "v1");
        assert_eq!(Pod::gvr(), GroupVersionResource::gvr("", "v1", "pods"));
        assert_eq!(Deployment::gvk().to_string(), "apps/v1, Kind=Deployment");
        assert_eq!(Deployment::API_VERSION, "apps/v1");
        assert_eq!(Deployment::group_version().to_string(), "apps/v1");
        assert_eq!(
            ClusterRole::gvr(),
            GroupVersionResource::gvr("rbac.authorization.k8s.io", "v1", "clusterroles")
        );
        assert_eq!(
            CustomResourceDefinition::gvk(),
            GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition")
        );
    }

    #[test]
    fn scopes() {
        assert!(Pod::namespaced());
        assert!(Deployment::namespaced());
        assert_eq!(Pod::scope(), Scope::Namespaced);
        assert!(!Node::namespaced());
        assert!(!Namespace::namespaced());
        assert!(!ClusterRole::namespaced());
        assert!(!CustomResourceDefinition::namespaced());
        assert_eq!(Node::scope(), Scope::Cluster);
        assert_eq!(Scale::scope(), Scope::Subresource);
        assert_eq!(Scale::PLURAL, "scale");
        assert!(Scope::Namespaced.is_namespaced());
        assert!(!Scope::Subresource.is_namespaced());
    }

    #[test]
    fn list_kinds() {
        assert_eq!(Pod::list_kind(), "PodList");
        assert_eq!(Deployment::list_kind(), "DeploymentList");
        assert_eq!(
            CustomResourceDefinition::list_kind(),
            "CustomResourceDefinitionList"
        );
    }

    #[test]
    fn url_paths() {
        assert_eq!(
            url_path("", "v1", "pods", Some("kube-system")),
            "/api/v1/namespaces/kube-system/pods"
        );
        assert_eq!(url_path("", "v1", "pods", None), "/api/v1/pods");
        assert_eq!(url_path("", "v1", "pods", Some("")), "/api/v1/pods");
        assert_eq!(
            url_path("apps", "v1", "deployments", None),
            "/apis/apps/v1/deployments"
        );
        assert_eq!(
            Pod::url_path(Some("default")),
            "/api/v1/namespaces/default/pods"
        );
        assert_eq!(
            Deployment::url_path(Some("ns")),
            "/apis/apps/v1/namespaces/ns/deployments"
        );
        assert_eq!(Deployment::url_path(None), "/apis/apps/v1/deployments");
        // A namespace given for a cluster-scoped kind is ignored, as client-go does.
        assert_eq!(Node::url_path(Some("default")), "/api/v1/nodes");
        assert_eq!(Namespace::url_path(None), "/api/v1/namespaces");
        assert_eq!(
            ClusterRole::url_path(None),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles"
        );
        assert_eq!(
            CustomResourceDefinition::url_path(None),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
        );
    }

    #[test]
    fn meta_access() {
        let mut pod = Pod::default();
        pod.meta_mut().name = Some("web".into());
        assert_eq!(pod.meta().name.as_deref(), Some("web"));
        let mut node = Node::default();
        node.meta_mut().labels = Some([("a".to_owned(), "b".to_owned())].into());
        assert_eq!(node.metadata.labels.as_ref().map(|l| l.len()), Some(1));
    }
}
