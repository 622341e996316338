//! Group, version, kind and resource names, parsed and printed exactly as apimachinery's
//! `k8s.io/apimachinery/pkg/runtime/schema` package does.
//!
//! * [`GroupVersion`] — `"apps/v1"`, or `"v1"` for the core (legacy) group whose name is `""`.
//! * [`GroupVersionKind`] — a concrete object type, e.g. `apps/v1, Kind=Deployment`.
//! * [`GroupVersionResource`] — a REST collection, e.g. `apps/v1, Resource=deployments`.
//! * [`GroupKind`] / [`GroupResource`] — the version-less forms, printed `Deployment.apps` /
//!   `deployments.apps` (as they appear in kubectl arguments and in error messages).
//!
//! The structured types serialize as the JSON objects meta/v1 uses (`{"group":..,"version":..,"kind":..}`);
//! [`GroupVersion`] serializes as its `apiVersion` string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid `group/version`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseGroupVersionError {
    /// More than one `/`, e.g. `a/b/c`.
    #[error("unexpected GroupVersion string: {0:?} (more than one '/')")]
    TooManySlashes(String),
    /// A `/` with nothing before it, e.g. `/v1`.
    #[error("unexpected GroupVersion string: {0:?} (empty group)")]
    EmptyGroup(String),
    /// A `/` with nothing after it, e.g. `apps/`.
    #[error("unexpected GroupVersion string: {0:?} (empty version)")]
    EmptyVersion(String),
}

/// An API group and version, the `apiVersion` of an object.
///
/// The core (legacy) group is the empty string: its objects have `apiVersion: v1`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupVersion {
    /// The API group, `""` for the core group.
    pub group: String,
    /// The version within the group, e.g. `v1` or `v1beta1`.
    pub version: String,
}

impl GroupVersion {
    /// A group version from its parts; no validation is done.
    pub fn new(group: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
        }
    }

    /// Parses an `apiVersion` string like apimachinery's `ParseGroupVersion`.
    ///
    /// `"v1"` is the core group, `"apps/v1"` a named group, and `""` (or a lone `"/"`) the
    /// empty group version. More than one `/`, or a `/` with an empty side, is an error.
    pub fn parse(s: &str) -> Result<Self, ParseGroupVersionError> {
        if s.is_empty() || s == "/" {
            return Ok(Self::default());
        }
        let mut parts = s.splitn(3, '/');
        let first = parts.next().unwrap_or_default();
        match (parts.next(), parts.next()) {
            (None, _) => Ok(Self::new("", first)),
            (Some(_), Some(_)) => Err(ParseGroupVersionError::TooManySlashes(s.to_owned())),
            (Some(_), None) if first.is_empty() => {
                Err(ParseGroupVersionError::EmptyGroup(s.to_owned()))
            }
            (Some(""), None) => Err(ParseGroupVersionError::EmptyVersion(s.to_owned())),
            (Some(version), None) => Ok(Self::new(first, version)),
        }
    }

    /// The `apiVersion` string: `"v1"` for the core group, `"group/version"` otherwise.
    pub fn api_version(&self) -> String {
        self.to_string()
    }

    /// True when both group and version are empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.version.is_empty()
    }

    /// True for the core (legacy) group, served under `/api` rather than `/apis`.
    pub fn is_core(&self) -> bool {
        self.group.is_empty()
    }

    /// This group version with a kind.
    pub fn with_kind(&self, kind: impl Into<String>) -> GroupVersionKind {
        GroupVersionKind::gvk(self.group.clone(), self.version.clone(), kind)
    }

    /// This group version with a resource (plural name).
    pub fn with_resource(&self, resource: impl Into<String>) -> GroupVersionResource {
        GroupVersionResource::gvr(self.group.clone(), self.version.clone(), resource)
    }
}

impl fmt::Display for GroupVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.version)
        } else {
            write!(f, "{}/{}", self.group, self.version)
        }
    }
}

impl FromStr for GroupVersion {
    type Err = ParseGroupVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for GroupVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GroupVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A concrete object type: group, version and kind (`apps/v1, Kind=Deployment`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupVersionKind {
    /// The API group, `""` for the core group.
    #[serde(default)]
    pub group: String,
    /// The version within the group.
    pub version: String,
    /// The kind, in CamelCase (`Deployment`).
    pub kind: String,
}

impl GroupVersionKind {
    /// A GVK from its parts; no validation is done.
    pub fn gvk(
        group: impl Into<String>,
        version: impl Into<String>,
        kind: impl Into<String>,
    ) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    /// The GVK of an object from its `apiVersion` and `kind` fields.
    pub fn from_api_version_kind(
        api_version: &str,
        kind: impl Into<String>,
    ) -> Result<Self, ParseGroupVersionError> {
        Ok(GroupVersion::parse(api_version)?.with_kind(kind))
    }

    /// The group and version.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(self.group.clone(), self.version.clone())
    }

    /// The group and kind.
    pub fn group_kind(&self) -> GroupKind {
        GroupKind::new(self.group.clone(), self.kind.clone())
    }

    /// The `apiVersion` string (`"v1"`, `"apps/v1"`).
    pub fn api_version(&self) -> String {
        self.group_version().to_string()
    }

    /// True when group, version and kind are all empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.version.is_empty() && self.kind.is_empty()
    }

    /// Parses a kubectl-style kind argument like apimachinery's `ParseKindArg`.
    ///
    /// `"Deployment.v1.apps"` yields the fully-specified GVK (when the argument has at least
    /// two dots, the first segment is the kind and the second the version) *and* the
    /// [`GroupKind`] reading `Deployment` / `v1.apps`, because the caller cannot know which is
    /// meant until it consults discovery.
    pub fn parse_kind_arg(arg: &str) -> (Option<GroupVersionKind>, GroupKind) {
        let gvk = split_three(arg).map(|(kind, version, group)| Self::gvk(group, version, kind));
        (gvk, GroupKind::parse(arg))
    }
}

impl fmt::Display for GroupVersionKind {
    /// Prints `group/version, Kind=kind` like apimachinery (`/v1, Kind=Pod` for the core group).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}, Kind={}", self.group, self.version, self.kind)
    }
}

/// A REST collection: group, version and plural resource name (`apps/v1, Resource=deployments`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupVersionResource {
    /// The API group, `""` for the core group.
    #[serde(default)]
    pub group: String,
    /// The version within the group.
    pub version: String,
    /// The lower-case plural resource name (`deployments`).
    pub resource: String,
}

impl GroupVersionResource {
    /// A GVR from its parts; no validation is done.
    pub fn gvr(
        group: impl Into<String>,
        version: impl Into<String>,
        resource: impl Into<String>,
    ) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
        }
    }

    /// The group and version.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(self.group.clone(), self.version.clone())
    }

    /// The group and resource.
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(self.group.clone(), self.resource.clone())
    }

    /// The `apiVersion` string of the group version (`"v1"`, `"apps/v1"`).
    pub fn api_version(&self) -> String {
        self.group_version().to_string()
    }

    /// True when group, version and resource are all empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.version.is_empty() && self.resource.is_empty()
    }

    /// Parses a kubectl-style resource argument like apimachinery's `ParseResourceArg`.
    ///
    /// `"deployments.v1.apps"` yields the fully-specified GVR (only when the argument has at
    /// least two dots) *and* the [`GroupResource`] reading `deployments` / `v1.apps`; `"pods"`
    /// yields `(None, pods)`. Which one is meant is for discovery to decide.
    pub fn parse_resource_arg(arg: &str) -> (Option<GroupVersionResource>, GroupResource) {
        let gvr =
            split_three(arg).map(|(resource, version, group)| Self::gvr(group, version, resource));
        (gvr, GroupResource::parse(arg))
    }
}

impl fmt::Display for GroupVersionResource {
    /// Prints `group/version, Resource=resource` like apimachinery.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}, Resource={}",
            self.group, self.version, self.resource
        )
    }
}

/// A kind without a version (`Deployment.apps`), as used in error messages and RBAC.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupKind {
    /// The API group, `""` for the core group.
    #[serde(default)]
    pub group: String,
    /// The kind, in CamelCase.
    pub kind: String,
}

impl GroupKind {
    /// A group kind from its parts; no validation is done.
    pub fn new(group: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            kind: kind.into(),
        }
    }

    /// Parses `"Kind.group"` like apimachinery's `ParseGroupKind`: everything before the first
    /// dot is the kind, the rest the group; without a dot the group is the core group.
    pub fn parse(s: &str) -> Self {
        match s.split_once('.') {
            Some((kind, group)) => Self::new(group, kind),
            None => Self::new("", s),
        }
    }

    /// This group kind at a version.
    pub fn with_version(&self, version: impl Into<String>) -> GroupVersionKind {
        GroupVersionKind::gvk(self.group.clone(), version, self.kind.clone())
    }

    /// True when group and kind are both empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.kind.is_empty()
    }
}

impl fmt::Display for GroupKind {
    /// Prints `Kind.group`, or just `Kind` for the core group.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.group)
        }
    }
}

impl FromStr for GroupKind {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

/// A resource without a version (`deployments.apps`), as used in error messages and RBAC.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupResource {
    /// The API group, `""` for the core group.
    #[serde(default)]
    pub group: String,
    /// The lower-case plural resource name.
    pub resource: String,
}

impl GroupResource {
    /// A group resource from its parts; no validation is done.
    pub fn new(group: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            resource: resource.into(),
        }
    }

    /// Parses `"resource.group"` like apimachinery's `ParseGroupResource`: everything before
    /// the first dot is the resource, the rest the group (`"pods"` is the core group).
    pub fn parse(s: &str) -> Self {
        match s.split_once('.') {
            Some((resource, group)) => Self::new(group, resource),
            None => Self::new("", s),
        }
    }

    /// This group resource at a version.
    pub fn with_version(&self, version: impl Into<String>) -> GroupVersionResource {
        GroupVersionResource::gvr(self.group.clone(), version, self.resource.clone())
    }

    /// True when group and resource are both empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.resource.is_empty()
    }
}

impl fmt::Display for GroupResource {
    /// Prints `resource.group`, or just `resource` for the core group.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

impl FromStr for GroupResource {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

/// Splits `a.b.rest` into its first two dot-separated segments and the remainder, or `None`
/// when there are fewer than two dots (apimachinery's `strings.SplitN(arg, ".", 3)` rule).
fn split_three(arg: &str) -> Option<(&str, &str, &str)> {
    let (first, rest) = arg.split_once('.')?;
    let (second, third) = rest.split_once('.')?;
    Some((first, second, third))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_group_version() {
        assert_eq!(
            GroupVersion::parse("v1").unwrap(),
            GroupVersion::new("", "v1")
        );
        assert_eq!(
            GroupVersion::parse("apps/v1").unwrap(),
            GroupVersion::new("apps", "v1")
        );
        assert_eq!(
            GroupVersion::parse("rbac.authorization.k8s.io/v1").unwrap(),
            GroupVersion::new("rbac.authorization.k8s.io", "v1")
        );
        assert_eq!(GroupVersion::parse("").unwrap(), GroupVersion::default());
        assert_eq!(GroupVersion::parse("/").unwrap(), GroupVersion::default());
        assert!(GroupVersion::parse("").unwrap().is_empty());
        assert!(GroupVersion::parse("v1").unwrap().is_core());
    }

    #[test]
    fn parse_group_version_errors() {
        assert_eq!(
            GroupVersion::parse("a/b/c"),
            Err(ParseGroupVersionError::TooManySlashes("a/b/c".into()))
        );
        assert_eq!(
            GroupVersion::parse("/v1"),
            Err(ParseGroupVersionError::EmptyGroup("/v1".into()))
        );
        assert_eq!(
            GroupVersion::parse("apps/"),
            Err(ParseGroupVersionError::EmptyVersion("apps/".into()))
        );
        assert!("a//b".parse::<GroupVersion>().is_err());
        let msg = GroupVersion::parse("a/b/c").unwrap_err().to_string();
        assert!(msg.contains("unexpected GroupVersion string"), "{msg}");
    }

    #[test]
    fn group_version_display() {
        assert_eq!(GroupVersion::new("", "v1").to_string(), "v1");
        assert_eq!(GroupVersion::new("apps", "v1").api_version(), "apps/v1");
        assert_eq!(GroupVersion::default().to_string(), "");
    }

    #[test]
    fn group_version_serde_is_a_string() {
        let gv = GroupVersion::new("apps", "v1");
        assert_eq!(serde_json::to_string(&gv).unwrap(), r#""apps/v1""#);
        let back: GroupVersion = serde_json::from_str(r#""v1""#).unwrap();
        assert_eq!(back, GroupVersion::new("", "v1"));
        assert!(serde_json::from_str::<GroupVersion>(r#""a/b/c""#).is_err());
    }

    #[test]
    fn gvk_helpers_and_display() {
        let gvk = GroupVersionKind::gvk("apps", "v1", "Deployment");
        assert_eq!(gvk.api_version(), "apps/v1");
        assert_eq!(gvk.group_version(), GroupVersion::new("apps", "v1"));
        assert_eq!(gvk.group_kind(), GroupKind::new("apps", "Deployment"));
        assert_eq!(gvk.to_string(), "apps/v1, Kind=Deployment");
        let pod = GroupVersionKind::from_api_version_kind("v1", "Pod").unwrap();
        assert_eq!(pod, GroupVersionKind::gvk("", "v1", "Pod"));
        assert_eq!(pod.to_string(), "/v1, Kind=Pod");
        assert_eq!(pod.api_version(), "v1");
        assert!(GroupVersionKind::from_api_version_kind("a/b/c", "X").is_err());
        assert_eq!(GroupVersion::new("apps", "v1").with_kind("Deployment"), gvk);
    }

    #[test]
    fn gvk_serde_matches_meta_v1_shape() {
        let gvk = GroupVersionKind::gvk("apps", "v1", "Deployment");
        let json = serde_json::to_value(&gvk).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"group": "apps", "version": "v1", "kind": "Deployment"})
        );
        let core: GroupVersionKind =
            serde_json::from_str(r#"{"version":"v1","kind":"Pod"}"#).unwrap();
        assert_eq!(core, GroupVersionKind::gvk("", "v1", "Pod"));
    }

    #[test]
    fn gvr_helpers_and_display() {
        let gvr = GroupVersionResource::gvr("apps", "v1", "deployments");
        assert_eq!(gvr.to_string(), "apps/v1, Resource=deployments");
        assert_eq!(gvr.group_resource().to_string(), "deployments.apps");
        assert_eq!(gvr.api_version(), "apps/v1");
        assert_eq!(
            GroupVersion::new("", "v1").with_resource("pods"),
            GroupVersionResource::gvr("", "v1", "pods")
        );
        assert_eq!(
            GroupResource::new("apps", "deployments").with_version("v1"),
            gvr
        );
    }

    #[test]
    fn parse_group_resource() {
        assert_eq!(
            GroupResource::parse("deployments.apps"),
            GroupResource::new("apps", "deployments")
        );
        assert_eq!(GroupResource::parse("pods"), GroupResource::new("", "pods"));
        assert_eq!(
            GroupResource::parse("roles.rbac.authorization.k8s.io"),
            GroupResource::new("rbac.authorization.k8s.io", "roles")
        );
        assert_eq!(GroupResource::new("", "pods").to_string(), "pods");
        assert_eq!(
            GroupResource::new("apps", "deployments").to_string(),
            "deployments.apps"
        );
        assert_eq!(
            "deployments.apps".parse::<GroupResource>().unwrap(),
            GroupResource::new("apps", "deployments")
        );
    }

    #[test]
    fn parse_resource_arg() {
        let (gvr, gr) = GroupVersionResource::parse_resource_arg("deployments.v1.apps");
        assert_eq!(
            gvr,
            Some(GroupVersionResource::gvr("apps", "v1", "deployments"))
        );
        assert_eq!(gr, GroupResource::new("v1.apps", "deployments"));

        let (gvr, gr) = GroupVersionResource::parse_resource_arg("pods");
        assert_eq!(gvr, None);
        assert_eq!(gr, GroupResource::new("", "pods"));

        let (gvr, gr) = GroupVersionResource::parse_resource_arg("deployments.apps");
        assert_eq!(gvr, None);
        assert_eq!(gr, GroupResource::new("apps", "deployments"));

        let (gvr, _) =
            GroupVersionResource::parse_resource_arg("roles.v1.rbac.authorization.k8s.io");
        assert_eq!(
            gvr,
            Some(GroupVersionResource::gvr(
                "rbac.authorization.k8s.io",
                "v1",
                "roles"
            ))
        );
    }

    #[test]
    fn parse_kind_arg() {
        let (gvk, gk) = GroupVersionKind::parse_kind_arg("Deployment.v1.apps");
        assert_eq!(gvk, Some(GroupVersionKind::gvk("apps", "v1", "Deployment")));
        assert_eq!(gk, GroupKind::new("v1.apps", "Deployment"));

        let (gvk, gk) = GroupVersionKind::parse_kind_arg("Pod");
        assert_eq!(gvk, None);
        assert_eq!(gk, GroupKind::new("", "Pod"));
        assert_eq!(gk.to_string(), "Pod");

        let (gvk, gk) = GroupVersionKind::parse_kind_arg("Deployment.apps");
        assert_eq!(gvk, None);
        assert_eq!(gk.to_string(), "Deployment.apps");
        assert_eq!(gk.with_version("v1").api_version(), "apps/v1");
    }

    fn dns_name() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9-]{0,10}(\\.[a-z][a-z0-9-]{0,10}){0,3}"
    }

    fn version() -> impl Strategy<Value = String> {
        "v[1-9](alpha[1-9]|beta[1-9])?"
    }

    proptest! {
        #[test]
        fn group_version_round_trips(group in proptest::option::of(dns_name()), version in version()) {
            let gv = GroupVersion::new(group.unwrap_or_default(), version);
            let printed = gv.to_string();
            prop_assert_eq!(GroupVersion::parse(&printed).unwrap(), gv.clone());
            let json = serde_json::to_string(&gv).unwrap();
            prop_assert_eq!(serde_json::from_str::<GroupVersion>(&json).unwrap(), gv);
        }

        #[test]
        fn gvk_round_trips(group in proptest::option::of(dns_name()), version in version(), kind in "[A-Z][A-Za-z0-9]{0,15}") {
            let gvk = GroupVersionKind::gvk(group.unwrap_or_default(), version, kind);
            let again = GroupVersionKind::from_api_version_kind(&gvk.api_version(), gvk.kind.clone()).unwrap();
            prop_assert_eq!(&again, &gvk);
            let json = serde_json::to_string(&gvk).unwrap();
            prop_assert_eq!(serde_json::from_str::<GroupVersionKind>(&json).unwrap(), gvk.clone());
            let (full, _) = GroupVersionKind::parse_kind_arg(&format!("{}.{}.{}", gvk.kind, gvk.version, gvk.group));
            if !gvk.group.is_empty() {
                prop_assert_eq!(full, Some(gvk));
            }
        }

        #[test]
        fn group_resource_round_trips(group in proptest::option::of(dns_name()), resource in "[a-z][a-z0-9]{0,15}") {
            let gr = GroupResource::new(group.unwrap_or_default(), resource);
            prop_assert_eq!(GroupResource::parse(&gr.to_string()), gr.clone());
            let json = serde_json::to_string(&gr).unwrap();
            prop_assert_eq!(serde_json::from_str::<GroupResource>(&json).unwrap(), gr);
        }

        #[test]
        fn group_kind_round_trips(group in proptest::option::of(dns_name()), kind in "[A-Z][A-Za-z0-9]{0,15}") {
            let gk = GroupKind::new(group.unwrap_or_default(), kind);
            prop_assert_eq!(GroupKind::parse(&gk.to_string()), gk);
        }

        #[test]
        fn gvr_resource_arg_round_trips(group in dns_name(), version in version(), resource in "[a-z][a-z0-9]{0,15}") {
            let gvr = GroupVersionResource::gvr(group, version, resource);
            let arg = format!("{}.{}.{}", gvr.resource, gvr.version, gvr.group);
            let (full, gr) = GroupVersionResource::parse_resource_arg(&arg);
            prop_assert_eq!(full, Some(gvr.clone()));
            prop_assert_eq!(gr.resource, gvr.resource);
        }

        #[test]
        fn parse_group_version_never_panics(s in "\\PC{0,40}") {
            if let Ok(gv) = GroupVersion::parse(&s) {
                // Whatever parses prints back to an equivalent string.
                prop_assert_eq!(GroupVersion::parse(&gv.to_string()).unwrap(), gv);
            }
        }
    }
}
