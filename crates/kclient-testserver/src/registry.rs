//! The served resources: the built-in catalog plus the resources of established CRDs,
//! as an immutable snapshot swapped whenever a CRD changes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use crate::catalog::{self, ResourceInfo};
use crate::store::StorageKey;

/// A printer column of a CRD version (`additionalPrinterColumns`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CrdColumn {
    pub name: String,
    pub type_: String,
    pub format: String,
    pub description: String,
    pub priority: i32,
    pub json_path: String,
}

/// Where a CRD's scale subresource finds its numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScalePaths {
    pub spec_replicas: String,
    pub status_replicas: String,
    pub label_selector: Option<String>,
}

/// What a CRD adds to one served version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CrdDetails {
    pub crd_name: String,
    pub columns: Vec<CrdColumn>,
    pub scale: Option<ScalePaths>,
    /// The version's `openAPIV3Schema`, which validates, prunes and defaults its objects.
    pub schema: Option<Arc<serde_json::Value>>,
}

/// One served group/version/resource.
#[derive(Clone, Debug)]
pub(crate) struct Served {
    pub info: ResourceInfo,
    pub storage: StorageKey,
    pub crd: Option<CrdDetails>,
}

impl Served {
    pub fn builtin(info: &ResourceInfo) -> Self {
        // Some built-ins live in another group's storage (events.k8s.io Events).
        let (group, _, _) = catalog::storage_gvk(info);
        Served {
            storage: StorageKey::new(group, &info.plural),
            info: info.clone(),
            crd: None,
        }
    }

    pub fn is_crd(&self) -> bool {
        self.crd.is_some()
    }

    pub fn has_subresource(&self, name: &str) -> bool {
        self.info.subresources.iter().any(|s| s.name == name)
    }

    pub fn api_version(&self) -> String {
        self.info.api_version()
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.info.kind)
    }
}

type Gvr = (String, String, String);

#[derive(Debug, Default)]
struct Snapshot {
    resources: Arc<Vec<ResourceInfo>>,
    by_gvr: HashMap<Gvr, Arc<Served>>,
}

/// Registry of served resources.
#[derive(Debug)]
pub(crate) struct Registry {
    snapshot: RwLock<Arc<Snapshot>>,
    crds: Mutex<BTreeMap<String, Vec<Served>>>,
    /// Built-in group-versions not served (`apiVersion` strings).
    disabled: Vec<String>,
}

impl Registry {
    /// A registry that does not serve the built-in group-versions in `disabled`.
    pub fn without(disabled: &[String]) -> Self {
        let registry = Registry {
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            crds: Mutex::new(BTreeMap::new()),
            disabled: disabled.to_vec(),
        };
        registry.rebuild(&BTreeMap::new());
        registry
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn rebuild(&self, crds: &BTreeMap<String, Vec<Served>>) {
        let builtins = catalog::builtin_resources()
            .iter()
            .filter(|info| !self.disabled.contains(&info.api_version()));
        let mut resources: Vec<ResourceInfo> = builtins.clone().cloned().collect();
        let mut by_gvr = HashMap::new();
        for info in builtins {
            by_gvr.insert(
                (
                    info.group.clone(),
                    info.version.clone(),
                    info.plural.clone(),
                ),
                Arc::new(Served::builtin(info)),
            );
        }
        for served in crds.values().flatten() {
            let info = &served.info;
            let gvr = (
                info.group.clone(),
                info.version.clone(),
                info.plural.clone(),
            );
            // A CRD never shadows a built-in resource.
            if by_gvr.contains_key(&gvr) {
                continue;
            }
            resources.push(info.clone());
            by_gvr.insert(gvr, Arc::new(served.clone()));
        }
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Snapshot {
            resources: Arc::new(resources),
            by_gvr,
        });
    }

    /// Every served resource (for discovery).
    pub fn resources(&self) -> Arc<Vec<ResourceInfo>> {
        self.current().resources.clone()
    }

    /// The served resource at group/version/plural.
    pub fn lookup(&self, group: &str, version: &str, resource: &str) -> Option<Arc<Served>> {
        self.current()
            .by_gvr
            .get(&(group.to_string(), version.to_string(), resource.to_string()))
            .cloned()
    }

    /// The name of the CRD already serving group + plural or group + kind, other than `except`.
    pub fn conflicting_crd(
        &self,
        group: &str,
        plural: &str,
        kind: &str,
        except: &str,
    ) -> Option<String> {
        let crds = self.crds.lock().unwrap_or_else(|e| e.into_inner());
        crds.iter()
            .filter(|(name, _)| name.as_str() != except)
            .find(|(_, served)| {
                served.iter().any(|s| {
                    s.info.group == group && (s.info.plural == plural || s.info.kind == kind)
                })
            })
            .map(|(name, _)| name.clone())
    }

    /// Serves (or re-serves, after an update) the versions of a CRD.
    pub fn set_crd(&self, name: &str, served: Vec<Served>) {
        let mut crds = self.crds.lock().unwrap_or_else(|e| e.into_inner());
        crds.insert(name.to_string(), served);
        self.rebuild(&crds);
    }

    /// Stops serving a CRD's resources; returns what it served.
    pub fn remove_crd(&self, name: &str) -> Option<Vec<Served>> {
        let mut crds = self.crds.lock().unwrap_or_else(|e| e.into_inner());
        let removed = crds.remove(name);
        self.rebuild(&crds);
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_and_crds() {
        let r = Registry::without(&[]);
        let cm = r.lookup("", "v1", "configmaps").expect("configmaps served");
        assert_eq!(cm.info.kind, "ConfigMap");
        assert!(!cm.is_crd());
        assert_eq!(cm.list_kind(), "ConfigMapList");
        assert!(r.lookup("", "v1", "widgets").is_none());
        let info = ResourceInfo {
            group: "example.com".into(),
            version: "v1".into(),
            kind: "Widget".into(),
            plural: "widgets".into(),
            singular: "widget".into(),
            namespaced: true,
            short_names: vec![],
            categories: vec![],
            verbs: vec!["get".into()],
            subresources: vec![],
            storage: true,
        };
        let served = Served {
            storage: StorageKey::new("example.com", "widgets"),
            info,
            crd: Some(CrdDetails {
                crd_name: "widgets.example.com".into(),
                columns: vec![],
                scale: None,
                schema: None,
            }),
        };
        let before = r.resources().len();
        r.set_crd("widgets.example.com", vec![served]);
        assert_eq!(r.resources().len(), before + 1);
        assert!(r.lookup("example.com", "v1", "widgets").is_some());
        assert_eq!(
            r.conflicting_crd("example.com", "widgets", "X", "other.example.com")
                .as_deref(),
            Some("widgets.example.com")
        );
        assert!(
            r.conflicting_crd("example.com", "widgets", "X", "widgets.example.com")
                .is_none()
        );
        assert!(r.remove_crd("widgets.example.com").is_some());
        assert!(r.lookup("example.com", "v1", "widgets").is_none());
    }
}
