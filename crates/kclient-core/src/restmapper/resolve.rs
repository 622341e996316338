//! Resolving kubectl resource arguments (`deploy`, `deployments.apps`, `Deployment.v1.apps`,
//! `all`) to mappings, as kubectl's resource builder does.

use std::sync::OnceLock;

use crate::gvk::{GroupResource, GroupVersionKind, GroupVersionResource};

use super::{
    ApiGroupResources, CategoryExpander, PriorityRestMapper, RestMapper, RestMapperError,
    RestMapping, ShortcutExpander,
};

/// The mapping a single kubectl resource argument names, kubectl's `mappingFor`.
///
/// The argument is first read as a resource: `resource.version.group` when it has two dots,
/// then `resource.group` (or a bare name). Failing that, it is read as a kind:
/// `Kind.version.group`, then `Kind.group`. Short names are only understood when `mapper`
/// expands them (a [`ShortcutExpander`]). An argument that names nothing is
/// [`RestMapperError::UnknownResourceType`] (kubectl's `the server doesn't have a resource
/// type "foo"`); one that names several resources no priority separates is the ambiguity
/// error, where kubectl would only say "doesn't have".
pub fn mapping_for(mapper: &dyn RestMapper, arg: &str) -> Result<RestMapping, RestMapperError> {
    let (full_gvr, group_resource) = GroupVersionResource::parse_resource_arg(arg);
    let mut ambiguity = None;
    let mut kind_for = |gvr: &GroupVersionResource| match mapper.kind_for(gvr) {
        Ok(gvk) => Some(gvk),
        Err(err) => {
            if err.is_ambiguous() && ambiguity.is_none() {
                ambiguity = Some(err);
            }
            None
        }
    };
    let gvk = full_gvr
        .as_ref()
        .and_then(&mut kind_for)
        .or_else(|| kind_for(&group_resource.with_version("")));
    if let Some(gvk) = gvk {
        return mapper.rest_mapping(&gvk.group_kind(), &[gvk.version.as_str()]);
    }

    let (full_gvk, group_kind) = GroupVersionKind::parse_kind_arg(arg);
    let full_gvk = full_gvk.unwrap_or_else(|| group_kind.with_version(""));
    if !full_gvk.is_empty() {
        if let Ok(mapping) = mapper.rest_mapping(&full_gvk.group_kind(), &[&full_gvk.version]) {
            return Ok(mapping);
        }
    }
    match mapper.rest_mapping(&group_kind, &[]) {
        Ok(mapping) => Ok(mapping),
        Err(err) if err.is_no_match() => Err(ambiguity.unwrap_or(
            RestMapperError::UnknownResourceType(group_resource.resource),
        )),
        Err(err) => Err(err),
    }
}

/// kubectl's view of the resource arguments: short names, categories and comma lists over one
/// set of discovery data.
///
/// ```
/// use kclient_core::restmapper::ResourceResolver;
///
/// let resolver = ResourceResolver::builtin();
/// for arg in ["deploy", "deployments", "Deployment", "deployment.apps", "Deployment.v1.apps"] {
///     let mapping = resolver.mapping_for(arg).unwrap();
///     assert_eq!(mapping.resource.to_string(), "apps/v1, Resource=deployments");
/// }
/// let err = resolver.mapping_for("foo").unwrap_err();
/// assert_eq!(err.to_string(), r#"the server doesn't have a resource type "foo""#);
/// ```
#[derive(Debug)]
pub struct ResourceResolver<M = ShortcutExpander<PriorityRestMapper>> {
    mapper: M,
    categories: CategoryExpander,
}

impl ResourceResolver {
    /// The discovery mapper, short names and categories of `groups`.
    pub fn from_api_group_resources(groups: &[ApiGroupResources]) -> Self {
        Self::new(
            ShortcutExpander::from_api_group_resources(groups),
            CategoryExpander::from_api_group_resources(groups),
        )
    }

    /// A resolver over the built-in resources of the pinned Kubernetes version, for use
    /// without a server (see [`builtin_api_group_resources`](super::builtin_api_group_resources)).
    /// The tables are built on each call; [`builtin_shared`](Self::builtin_shared) builds them
    /// once.
    pub fn builtin() -> Self {
        Self::from_api_group_resources(&super::builtin_api_group_resources())
    }

    /// A shared [`builtin`](Self::builtin) resolver, built on first use.
    pub fn builtin_shared() -> &'static Self {
        static RESOLVER: OnceLock<ResourceResolver> = OnceLock::new();
        RESOLVER.get_or_init(Self::builtin)
    }
}

impl<M: RestMapper> ResourceResolver<M> {
    /// A resolver over any mapper (wrap it in a [`ShortcutExpander`] for short names).
    pub fn new(mapper: M, categories: CategoryExpander) -> Self {
        Self { mapper, categories }
    }

    /// The mapper arguments are resolved with.
    pub fn mapper(&self) -> &M {
        &self.mapper
    }

    /// The category expander.
    pub fn categories(&self) -> &CategoryExpander {
        &self.categories
    }

    /// The mapping one argument names, see [`mapping_for`].
    pub fn mapping_for(&self, arg: &str) -> Result<RestMapping, RestMapperError> {
        mapping_for(&self.mapper, arg)
    }

    /// A comma list with categories replaced by their members, kubectl's `replaceAliases`:
    /// `all,cm` → `pods`, `services`, …, `cm`. Empty items are dropped.
    pub fn expand_args(&self, args: &str) -> Vec<String> {
        let mut out = Vec::new();
        for arg in args.split(',').filter(|a| !a.is_empty()) {
            match self.categories.expand(arg) {
                Some(members) => out.extend(members.iter().map(GroupResource::to_string)),
                None => out.push(arg.to_owned()),
            }
        }
        out
    }

    /// The mappings a comma list of arguments names, categories expanded, each resource once
    /// (in first-mentioned order). The first argument that fails stops the resolution.
    pub fn mappings_for(&self, args: &str) -> Result<Vec<RestMapping>, RestMapperError> {
        let mut mappings: Vec<RestMapping> = Vec::new();
        for arg in self.expand_args(args) {
            let mapping = self.mapping_for(&arg)?;
            if !mappings.iter().any(|m| m.resource == mapping.resource) {
                mappings.push(mapping);
            }
        }
        if mappings.is_empty() {
            return Err(RestMapperError::UnknownResourceType(args.to_owned()));
        }
        Ok(mappings)
    }
}

impl<M: RestMapper> ResourceResolver<ShortcutExpander<M>> {
    /// What kubectl warns about while it resolves the comma list `args`, each warning once:
    /// a short name that could also mean a lower-priority resource (`short name "ev" could
    /// also match lower priority resource events.events.k8s.io`). Like kubectl, only the
    /// resource forms [`mapping_for`] tries are expanded: `resource.version.group` first,
    /// then, when that names nothing, `resource.group`.
    pub fn warnings_for(&self, args: &str) -> Vec<String> {
        let mut warnings: Vec<String> = Vec::new();
        for arg in self.expand_args(args) {
            let (full_gvr, group_resource) = GroupVersionResource::parse_resource_arg(&arg);
            let mut tried = Vec::new();
            if let Some(full) = &full_gvr {
                tried.extend(self.mapper.expand_with_warnings(full).1);
            }
            let found = full_gvr
                .as_ref()
                .is_some_and(|full| self.mapper.kind_for(full).is_ok());
            if !found {
                let partial = group_resource.with_version("");
                tried.extend(self.mapper.expand_with_warnings(&partial).1);
            }
            for warning in tried {
                if !warnings.contains(&warning) {
                    warnings.push(warning);
                }
            }
        }
        warnings
    }
}
