//! Mapping between resources (what URLs name: `deployments`, `deploy`) and kinds (what
//! objects say they are: `Deployment`), apimachinery's `meta.RESTMapper`.
//!
//! [`ApiGroupResources`] is what discovery yields for one group (client-go's
//! `restmapper.APIGroupResources`): the group with its versions in server preference order,
//! and the resources served by each version. Mappers are built from a list of them.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroup, APIResource};

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
