//! kubectl's short names (`po`, `deploy`, `cm`) and categories (`all`), client-go's
//! `restmapper.NewShortcutExpander` and discovery category expander.

use std::collections::BTreeMap;

use crate::gvk::{GroupKind, GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource};

use super::{ApiGroupResources, RestMapper, RestMapperError, RestMapping};

/// One short name and the resource it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shortcut {
    short: GroupResource,
    long: GroupResource,
}

/// What discovery says about names, in discovery order: every resource's group, plural and
/// singular name, and every short name.
#[derive(Clone, Debug, Default)]
struct Names {
    /// `(group, plural, singular)` of every resource, subresources included as discovery
    /// lists them (they never equal a plain argument, so they do no harm).
    full: Vec<(String, String, String)>,
    shortcuts: Vec<Shortcut>,
}

/// Iterates over `(group version, resources)` in discovery order: groups as given, versions as
/// the group lists them. Versions without resources are skipped.
fn discovered(
    groups: &[ApiGroupResources],
) -> impl Iterator<
    Item = (
        GroupVersion,
        &[k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResource],
    ),
> {
    groups.iter().flat_map(|group| {
        group.group.versions.iter().filter_map(move |v| {
            let resources = group.versioned_resources.get(&v.version)?;
            Some((
                GroupVersion::new(group.group.name.clone(), v.version.clone()),
                resources.as_slice(),
            ))
        })
    })
}

impl Names {
    fn from_api_group_resources(groups: &[ApiGroupResources]) -> Self {
        let mut names = Self::default();
        for (gv, resources) in discovered(groups) {
            for r in resources {
                names
                    .full
                    .push((gv.group.clone(), r.name.clone(), r.singular_name.clone()));
                for short in r.short_names.iter().flatten() {
                    let shortcut = Shortcut {
                        short: GroupResource::new(gv.group.clone(), short.clone()),
                        long: GroupResource::new(gv.group.clone(), r.name.clone()),
                    };
                    if !names.shortcuts.contains(&shortcut) {
                        names.shortcuts.push(shortcut);
                    }
                }
            }
        }
        names
    }
}

/// A mapper that first expands short names, kubectl's shortcut expander.
///
/// A resource name that is a real plural or singular name (in the requested group, if one is
/// given) is left alone. Otherwise the first short name that matches, in discovery order,
/// replaces group and resource and drops the version, exactly as kubectl does (so
/// `hpa.v1.autoscaling` means the preferred version, like `kubectl get hpa.v1.autoscaling`;
/// spell the resource out to pin a version). A group that is only a prefix (`hpa.autoscal`)
/// matches as a last resort. Kind lookups (`rest_mapping`) are passed through.
///
/// ```
/// use kclient_core::gvk::GroupVersionResource;
/// use kclient_core::restmapper::{builtin_api_group_resources, RestMapper, ShortcutExpander};
///
/// let groups = builtin_api_group_resources();
/// let mapper = ShortcutExpander::from_api_group_resources(&groups);
/// let deploy = mapper.resource_for(&GroupVersionResource::gvr("", "", "deploy")).unwrap();
/// assert_eq!(deploy, GroupVersionResource::gvr("apps", "v1", "deployments"));
/// ```
#[derive(Debug)]
pub struct ShortcutExpander<M> {
    mapper: M,
    names: Names,
}

impl ShortcutExpander<super::PriorityRestMapper> {
    /// A discovery mapper ([`from_api_group_resources`](super::from_api_group_resources))
    /// with the short names of the same discovery data.
    pub fn from_api_group_resources(groups: &[ApiGroupResources]) -> Self {
        Self::new(super::from_api_group_resources(groups), groups)
    }
}

impl<M: RestMapper> ShortcutExpander<M> {
    /// Wraps `mapper`, taking the short names from `groups`.
    pub fn new(mapper: M, groups: &[ApiGroupResources]) -> Self {
        Self {
            mapper,
            names: Names::from_api_group_resources(groups),
        }
    }

    /// The wrapped mapper.
    pub fn inner(&self) -> &M {
        &self.mapper
    }

    /// The resource with its short name expanded, or unchanged when it is not a short name.
    pub fn expand(&self, resource: &GroupVersionResource) -> GroupVersionResource {
        self.expand_with_warnings(resource).0
    }

    /// Like [`expand`](Self::expand), plus a warning for every other resource the short name
    /// could also mean (kubectl prints these: `short name "ev" could also match lower priority
    /// resource events.events.k8s.io`).
    pub fn expand_with_warnings(
        &self,
        resource: &GroupVersionResource,
    ) -> (GroupVersionResource, Vec<String>) {
        let group_ok = |group: &str| resource.group.is_empty() || resource.group == group;
        let is_full_name = self.names.full.iter().any(|(group, plural, singular)| {
            group_ok(group) && (resource.resource == *plural || resource.resource == *singular)
        });
        if is_full_name {
            return (resource.clone(), Vec::new());
        }

        let mut found: Option<&GroupResource> = None;
        let mut warnings = Vec::new();
        let mut warned: Vec<&GroupResource> = Vec::new();
        for item in &self.names.shortcuts {
            if !group_ok(&item.short.group) || item.short.resource != resource.resource {
                continue;
            }
            match found {
                None => found = Some(&item.long),
                // The same resource in another version is no ambiguity.
                Some(long) if *long == item.long => {}
                Some(_) => {
                    if !warned.contains(&&item.long) {
                        warned.push(&item.long);
                        warnings.push(format!(
                            "short name {:?} could also match lower priority resource {}",
                            resource.resource, item.long
                        ));
                    }
                }
            }
        }
        if let Some(long) = found {
            return (
                GroupVersionResource::gvr(long.group.clone(), "", long.resource.clone()),
                warnings,
            );
        }

        // Group prefixes let `hpa.autoscal` mean `horizontalpodautoscalers.autoscaling`.
        if !resource.group.is_empty() {
            let prefixed = self.names.shortcuts.iter().find(|item| {
                item.short.group.starts_with(&resource.group)
                    && item.short.resource == resource.resource
            });
            if let Some(item) = prefixed {
                return (
                    GroupVersionResource::gvr(
                        item.long.group.clone(),
                        resource.version.clone(),
                        item.long.resource.clone(),
                    ),
                    Vec::new(),
                );
            }
        }
        (resource.clone(), Vec::new())
    }
}

impl<M: RestMapper> RestMapper for ShortcutExpander<M> {
    fn kind_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionKind, RestMapperError> {
        self.mapper.kind_for(&self.expand(resource))
    }

    fn kinds_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionKind>, RestMapperError> {
        self.mapper.kinds_for(&self.expand(resource))
    }

    fn resource_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionResource, RestMapperError> {
        self.mapper.resource_for(&self.expand(resource))
    }

    fn resources_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionResource>, RestMapperError> {
        self.mapper.resources_for(&self.expand(resource))
    }

    fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<RestMapping, RestMapperError> {
        self.mapper.rest_mapping(group_kind, versions)
    }

    fn rest_mappings(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<Vec<RestMapping>, RestMapperError> {
        self.mapper.rest_mappings(group_kind, versions)
    }

    fn resource_singularizer(&self, resource: &str) -> Result<String, RestMapperError> {
        let expanded = self.expand(&GroupVersionResource::gvr("", "", resource));
        self.mapper.resource_singularizer(&expanded.resource)
    }
}

/// Categories (`all`, `api-extensions`) and the group resources in each, kubectl's category
/// expander over discovery.
///
/// Resources appear in discovery order (groups as given, versions as each group lists them),
/// each once even when several versions serve it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CategoryExpander {
    categories: BTreeMap<String, Vec<GroupResource>>,
}

impl CategoryExpander {
    /// The categories reported by discovery.
    pub fn from_api_group_resources(groups: &[ApiGroupResources]) -> Self {
        let mut categories: BTreeMap<String, Vec<GroupResource>> = BTreeMap::new();
        for (gv, resources) in discovered(groups) {
            for r in resources {
                for category in r.categories.iter().flatten() {
                    let members = categories.entry(category.clone()).or_default();
                    let gr = GroupResource::new(gv.group.clone(), r.name.clone());
                    if !members.contains(&gr) {
                        members.push(gr);
                    }
                }
            }
        }
        Self { categories }
    }

    /// The group resources of a category, or `None` when no resource is in it.
    pub fn expand(&self, category: &str) -> Option<&[GroupResource]> {
        self.categories.get(category).map(Vec::as_slice)
    }

    /// Every category name, sorted.
    pub fn categories(&self) -> impl Iterator<Item = &str> {
        self.categories.keys().map(String::as_str)
    }
}
