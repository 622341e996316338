//! Mapping between resources (what URLs name: `deployments`, `deploy`) and kinds (what
//! objects say they are: `Deployment`), apimachinery's `meta.RESTMapper`.
//!
//! [`ApiGroupResources`] is what discovery yields for one group (client-go's
//! `restmapper.APIGroupResources`): the group with its versions in server preference order,
//! and the resources served by each version. Mappers are built from a list of them.
//!
//! The pieces, as in apimachinery and client-go:
//! * [`RestMapper`] — the object-safe trait; [`RestMapping`] — resource, kind and scope.
//! * [`DefaultRestMapper`] — a table of kinds (names guessed by
//!   [`unsafe_guess_kind_to_resource`] or given explicitly), [`MultiRestMapper`] — a union,
//!   [`PriorityRestMapper`] — picks one of several candidates by pattern.
//! * [`from_api_group_resources`] — client-go's discovery mapper with its priority rules.
//! * [`ShortcutExpander`] (`po`, `deploy`) and [`CategoryExpander`] (`all`) — kubectl's.
//! * [`mapping_for`] / [`ResourceResolver`] — kubectl's reading of resource arguments.
//! * [`builtin_api_group_resources`] / [`builtin_rest_mapper`] /
//!   [`ResourceResolver::builtin`] — the built-in kinds of the pinned k8s-openapi version,
//!   for use without a server.
//!
//! ```
//! use kclient_core::restmapper::{ResourceResolver, RestMapper};
//! use kclient_core::gvk::{GroupKind, GroupVersionResource};
//!
//! let resolver = ResourceResolver::builtin();
//! let mapping = resolver.mapping_for("deploy").unwrap();
//! assert_eq!(mapping.resource, GroupVersionResource::gvr("apps", "v1", "deployments"));
//! assert!(mapping.scope.is_namespaced());
//!
//! let mapper = resolver.mapper();
//! let pods = mapper.rest_mapping(&GroupKind::new("", "Pod"), &[]).unwrap();
//! assert_eq!(pods.resource.resource, "pods");
//! assert_eq!(mapper.resource_singularizer("po").unwrap(), "pod");
//! ```

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroup, APIResource};

use crate::gvk::{GroupKind, GroupVersionKind, GroupVersionResource};
use crate::resource::Scope;

mod builtin;
mod default;
mod discovery;
mod error;
mod guess;
mod multi;
mod priority;
mod resolve;
mod shortcut;
#[cfg(test)]
mod tests;

pub use builtin::{builtin_api_group_resources, builtin_rest_mapper};
pub use default::DefaultRestMapper;
pub use discovery::from_api_group_resources;
pub use error::RestMapperError;
pub use guess::unsafe_guess_kind_to_resource;
pub use multi::MultiRestMapper;
pub use priority::{ANY_GROUP, ANY_KIND, ANY_RESOURCE, ANY_VERSION, PriorityRestMapper};
pub use resolve::{ResourceResolver, mapping_for};
pub use shortcut::{CategoryExpander, ShortcutExpander};

/// One API group as discovery reports it: the group document (versions, preferred version)
/// and, per version, the resources that version serves (subresources such as `pods/status`
/// included, as discovery lists them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiGroupResources {
    /// The group: name (`""` for the core group), versions in preference order, preferred
    /// version.
    pub group: APIGroup,
    /// Resources by version (`"v1"` → `[pods, pods/status, …]`).
    pub versioned_resources: BTreeMap<String, Vec<APIResource>>,
}

/// How one kind is served: the resource to call, the kind to send, and the scope.
///
/// apimachinery's `meta.RESTMapping`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RestMapping {
    /// The resource (plural name) objects of the kind are served under.
    pub resource: GroupVersionResource,
    /// The fully specified kind.
    pub group_version_kind: GroupVersionKind,
    /// Whether objects live in a namespace.
    pub scope: Scope,
}

/// Maps between resources and kinds, apimachinery's `meta.RESTMapper`.
///
/// Inputs may be partial: an empty group or version matches any, and resource names may be
/// given as plural (`deployments`), singular (`deployment`) or kind-like (`Deployment`, matched
/// case-insensitively). Lists come back in priority order. The trait is object safe, so
/// mappers compose as `Box<dyn RestMapper>`.
pub trait RestMapper: Send + Sync {
    /// The single kind a partial resource names; more than one is
    /// [`RestMapperError::AmbiguousResource`].
    fn kind_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionKind, RestMapperError>;

    /// Every kind a partial resource may name, in priority order.
    fn kinds_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionKind>, RestMapperError>;

    /// The single fully specified resource a partial resource names.
    fn resource_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionResource, RestMapperError>;

    /// Every fully specified resource a partial resource may name, in priority order.
    fn resources_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionResource>, RestMapperError>;

    /// The preferred mapping of a group kind; `versions` (tried in order) take precedence over
    /// the mapper's own version preference.
    fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<RestMapping, RestMapperError>;

    /// Every mapping of a group kind in the mapper's versions; when `versions` are given,
    /// only the first of them (in order) that the mapper knows.
    fn rest_mappings(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<Vec<RestMapping>, RestMapperError>;

    /// The singular name of a resource (`pods` → `pod`).
    fn resource_singularizer(&self, resource: &str) -> Result<String, RestMapperError>;
}

/// Forwards every method to the pointee, so `Box`, `Arc` and references are mappers too.
macro_rules! forward_rest_mapper {
    ($($ptr:ty),+) => {$(
        impl<M: RestMapper + ?Sized> RestMapper for $ptr {
            fn kind_for(
                &self,
                resource: &GroupVersionResource,
            ) -> Result<GroupVersionKind, RestMapperError> {
                (**self).kind_for(resource)
            }

            fn kinds_for(
                &self,
                resource: &GroupVersionResource,
            ) -> Result<Vec<GroupVersionKind>, RestMapperError> {
                (**self).kinds_for(resource)
            }

            fn resource_for(
                &self,
                resource: &GroupVersionResource,
            ) -> Result<GroupVersionResource, RestMapperError> {
                (**self).resource_for(resource)
            }

            fn resources_for(
                &self,
                resource: &GroupVersionResource,
            ) -> Result<Vec<GroupVersionResource>, RestMapperError> {
                (**self).resources_for(resource)
            }

            fn rest_mapping(
                &self,
                group_kind: &GroupKind,
                versions: &[&str],
            ) -> Result<RestMapping, RestMapperError> {
                (**self).rest_mapping(group_kind, versions)
            }

            fn rest_mappings(
                &self,
                group_kind: &GroupKind,
                versions: &[&str],
            ) -> Result<Vec<RestMapping>, RestMapperError> {
                (**self).rest_mappings(group_kind, versions)
            }

            fn resource_singularizer(&self, resource: &str) -> Result<String, RestMapperError> {
                (**self).resource_singularizer(resource)
            }
        }
    )+};
}

forward_rest_mapper!(&M, Box<M>, std::sync::Arc<M>);
