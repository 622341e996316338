//! The ConfigMap mirror's reconcile. The Controller feeds it: every ConfigMap of the source
//! namespace, and the source of every changed mirror.
//!
//! What it keeps true: every ConfigMap in the source namespace labelled
//! `kclient.io/mirror=true` has a copy (data, binary data, labels) of the same name in the
//! target namespace. Kubernetes forbids owner references across namespaces, so the cleanup
//! when a source is deleted is guarded by a finalizer on the source: the mirror is deleted
//! first, then the finalizer removed, and only then does the source go away.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient::cache::{NamespaceLister, ResourceInformer};
use kclient::core::LabelSelector;
use kclient::runtime::controller::ErrorContext;
use kclient::runtime::finalizer::remove_finalizer;
use kclient::{
    Action, Api, ApiError, ClientSet, CreateOptions, DeleteOptions, FinalizerEvent, GetOptions,
    ObjectKey, Observed, OnError, UpdateOptions, finalizer,
};

/// The label that selects ConfigMaps to mirror.
pub const MIRROR_LABEL: &str = "kclient.io/mirror";
/// The label every mirror carries (the mirror informer selects on it).
pub const MIRRORED_LABEL: &str = "kclient.io/mirrored";
/// The annotation on a mirror naming its source (`namespace/name`).
pub const SOURCE_ANNOTATION: &str = "kclient.io/mirror-of";
/// The finalizer holding a source until its mirror is gone.
pub const FINALIZER: &str = "kclient.io/mirror-cleanup";

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What reconciles share: the clients they write with and the caches they read.
pub struct Mirror {
    identity: String,
    source_namespace: String,
    target_namespace: String,
    sources_api: Api<ConfigMap>,
    target_api: Api<ConfigMap>,
    namespaces: Api<Namespace>,
    sources: NamespaceLister<ConfigMap>,
    mirrors: NamespaceLister<ConfigMap>,
}

impl Mirror {
    /// The mirror of `source_ns` into `target_ns`, reading the given informers' caches.
    pub fn new(
        clientset: &ClientSet,
        identity: &str,
        source_ns: &str,
        target_ns: &str,
        sources: &ResourceInformer<ConfigMap>,
        mirrors: &ResourceInformer<ConfigMap>,
    ) -> Self {
        Self {
            identity: identity.to_owned(),
            source_namespace: source_ns.to_owned(),
            target_namespace: target_ns.to_owned(),
            sources_api: clientset.core_v1().config_maps(source_ns),
            target_api: clientset.core_v1().config_maps(target_ns),
            namespaces: clientset.core_v1().namespaces(),
            sources: sources.lister().namespace(source_ns),
            mirrors: mirrors.lister().namespace(target_ns),
        }
    }

    /// The source a mirror names, if it is in our source namespace.
    pub fn source_key(&self, mirror: &ConfigMap) -> Vec<ObjectKey> {
        source_of(mirror)
            .and_then(|s| s.split_once('/'))
            .filter(|(ns, _)| *ns == self.source_namespace)
            .map(|(ns, name)| ObjectKey::namespaced(ns, name))
            .into_iter()
            .collect()
    }

    /// Before the first reconcile (caches synced, leading): the target namespace exists, and
    /// mirrors whose source vanished while no controller ran are deleted (no source is left
    /// to reconcile them through).
    pub async fn prepare(&self, workers: usize) -> Result<(), Error> {
        self.ensure_target_namespace().await?;
        let everything = LabelSelector::everything();
        let mirrors = self.mirrors.list(&everything);
        self.say(format_args!(
            "caches synced ({} source, {} mirror ConfigMaps); starting {workers} workers",
            self.sources.list(&everything).len(),
            mirrors.len(),
        ));
        for orphan in mirrors {
            let Some(key) = source_of(&orphan).map(str::to_owned) else {
                continue;
            };
            let name = key.rsplit('/').next().unwrap_or_default();
            if self.source_key(&orphan).is_empty() || self.sources.get(name).is_some() {
                continue;
            }
            self.remove_mirror(&key, Some(&orphan), "deleted").await?;
        }
        Ok(())
    }

    async fn ensure_mirror(&self, key: &str, source: &ConfigMap) -> Result<(), Error> {
        let desired = desired_mirror(key, source, &self.target_namespace);
        let name = desired.metadata.name.clone().unwrap_or_default();
        let current = match self.mirrors.get(&name) {
            Some(m) => (*m).clone(),
            None => match self
                .target_api
                .create(&desired, &CreateOptions::default())
                .await
            {
                Ok(_) => {
                    let ns = &self.target_namespace;
                    self.say(format_args!("mirrored {key} -> {ns}/{name}"));
                    return Ok(());
                }
                // The cache lags behind a mirror we (or a previous leader) wrote.
                Err(e) if e.is_already_exists() => {
                    self.target_api.get(&name, &GetOptions::default()).await?
                }
                Err(e) => return Err(e.into()),
            },
        };
        if source_of(&current) != Some(key) {
            let ns = &self.target_namespace;
            return Err(format!("{ns}/{name} exists and is not a mirror of {key}").into());
        }
        if current.data == desired.data
            && current.binary_data == desired.binary_data
            && current.metadata.labels == desired.metadata.labels
        {
            return Ok(());
        }
        let mut updated = current;
        updated.data = desired.data;
        updated.binary_data = desired.binary_data;
        updated.metadata.labels = desired.metadata.labels;
        self.target_api
            .update(&updated, &UpdateOptions::default())
            .await?;
        let ns = &self.target_namespace;
        self.say(format_args!("updated mirror {ns}/{name} from {key}"));
        Ok(())
    }

    async fn remove_mirror(
        &self,
        key: &str,
        cached: Option<&ConfigMap>,
        why: &str,
    ) -> Result<(), Error> {
        let Some(mirror) = cached.filter(|m| source_of(m) == Some(key)) else {
            return Ok(());
        };
        let name = mirror.metadata.name.as_deref().unwrap_or_default();
        match self
            .target_api
            .delete(name, &DeleteOptions::default())
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let ns = &self.target_namespace;
        self.say(format_args!(
            "deleted mirror {ns}/{name} (source {key} {why})"
        ));
        Ok(())
    }

    async fn ensure_target_namespace(&self) -> Result<(), Error> {
        let ns = &self.target_namespace;
        if self
            .namespaces
            .get_opt(ns, &GetOptions::default())
            .await?
            .is_some()
        {
            return Ok(());
        }
        let namespace = Namespace {
            metadata: ObjectMeta {
                name: Some(ns.clone()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        };
        match self
            .namespaces
            .create(&namespace, &CreateOptions::default())
            .await
        {
            Ok(_) => self.say(format_args!("created namespace {ns}")),
            Err(e) if e.is_already_exists() => {}
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    fn say(&self, what: std::fmt::Arguments<'_>) {
        println!("{}: {what}", self.identity);
    }
}

/// Brings the mirror of one source in line with it.
pub async fn reconcile(obj: Observed<ConfigMap>, ctx: Arc<Mirror>) -> Result<Action, Error> {
    let name = obj.object().metadata.name.clone().unwrap_or_default();
    let key = format!("{}/{name}", ctx.source_namespace);
    let cached = ctx.mirrors.get(&name);
    let source = match obj {
        Observed::Live(source) => source,
        // Deleted without our finalizer (someone removed it): the mirror goes too.
        Observed::Gone(_) => {
            ctx.remove_mirror(&key, cached.as_deref(), "deleted")
                .await?;
            return Ok(Action::await_change());
        }
    };
    if !is_selected(&source) && source.metadata.deletion_timestamp.is_none() {
        ctx.remove_mirror(&key, cached.as_deref(), "no longer labelled")
            .await?;
        let meta = source.metadata.clone();
        if remove_finalizer(&ctx.sources_api, &name, FINALIZER, meta).await? {
            ctx.say(format_args!("removed finalizer from {key}"));
        }
        return Ok(Action::await_change());
    }
    // The finalizer is on the source before its mirror is written; once the source is being
    // deleted, the mirror goes, then the finalizer.
    let mut cleaned = false;
    let ctx = &ctx;
    finalizer(
        &ctx.sources_api,
        FINALIZER,
        Observed::Live(source),
        |event| async {
            match event {
                FinalizerEvent::Apply(source) => ctx.ensure_mirror(&key, &source).await?,
                FinalizerEvent::Cleanup(_) => {
                    ctx.remove_mirror(&key, cached.as_deref(), "deleted")
                        .await?;
                    cleaned = true;
                }
            }
            Ok::<_, Error>(Action::await_change())
        },
    )
    .await?;
    if cleaned {
        ctx.say(format_args!("removed finalizer from {key}"));
    }
    Ok(Action::await_change())
}

/// Every error is retried with per-key exponential backoff (5 ms doubling) under an overall
/// 10 qps bucket, until it succeeds.
pub fn error_policy(error: &Error, failed: &ErrorContext<ConfigMap>, ctx: &Mirror) -> OnError {
    // The worker's task id tells the workers apart in the log.
    let worker = tokio::task::try_id().map_or_else(String::new, |id| id.to_string());
    let (key, retry) = (&failed.key, failed.retries + 1);
    ctx.say(format_args!(
        "worker {worker}: error syncing {key}: {error}; requeued (retry {retry})"
    ));
    OnError::Backoff
}

/// The mirror of `source`: same name and content in `target_namespace`, labelled and
/// annotated as a mirror of `key`.
fn desired_mirror(key: &str, source: &ConfigMap, target_namespace: &str) -> ConfigMap {
    let mut labels: BTreeMap<String, String> = source
        .metadata
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != MIRROR_LABEL)
        .collect();
    labels.insert(MIRRORED_LABEL.to_owned(), "true".to_owned());
    ConfigMap {
        metadata: ObjectMeta {
            name: source.metadata.name.clone(),
            namespace: Some(target_namespace.to_owned()),
            labels: Some(labels),
            annotations: Some([(SOURCE_ANNOTATION.to_owned(), key.to_owned())].into()),
            ..ObjectMeta::default()
        },
        data: source.data.clone(),
        binary_data: source.binary_data.clone(),
        immutable: source.immutable,
    }
}

fn is_selected(cm: &ConfigMap) -> bool {
    cm.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(MIRROR_LABEL))
        .is_some_and(|v| v == "true")
}

fn source_of(cm: &ConfigMap) -> Option<&str> {
    cm.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(SOURCE_ANNOTATION))
        .map(String::as_str)
}
