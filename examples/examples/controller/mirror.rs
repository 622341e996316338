//! The ConfigMap mirror controller, in client-go's sample-controller shape: informers feed
//! keys into a rate-limited work queue, N workers reconcile keys from the informers' caches,
//! failed keys are retried with backoff.
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
use kclient::ApiError;
use kclient::cache::{HandlerFuncs, NamespaceLister, SharedInformerFactory};
use kclient::core::LabelSelector;
use kclient::runtime::leaderelection::CancellationToken;
use kclient::workqueue::RateLimitingQueue;
use kclient::workqueue::limiters::default_controller_rate_limiter;
use kclient::{Api, ClientSet, CreateOptions, DeleteOptions, GetOptions, UpdateOptions};

/// The label that selects ConfigMaps to mirror.
pub const MIRROR_LABEL: &str = "kclient.io/mirror";
/// The label every mirror carries (the mirror informer selects on it).
pub const MIRRORED_LABEL: &str = "kclient.io/mirrored";
/// The annotation on a mirror naming its source (`namespace/name`).
pub const SOURCE_ANNOTATION: &str = "kclient.io/mirror-of";
/// The finalizer holding a source until its mirror is gone.
pub const FINALIZER: &str = "kclient.io/mirror-cleanup";

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Where the controller reads from and writes to.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The namespace whose labelled ConfigMaps are mirrored.
    pub source_namespace: String,
    /// The namespace the mirrors are written to.
    pub target_namespace: String,
    /// Concurrent reconcile workers.
    pub workers: usize,
    /// Prefix of every output line (the replica's identity).
    pub identity: String,
}

/// The controller: its informer factories and listers, its queue and the clients its
/// workers write with.
pub struct Controller {
    settings: Settings,
    clientset: ClientSet,
    source_factory: SharedInformerFactory,
    mirror_factory: SharedInformerFactory,
    sources: NamespaceLister<ConfigMap>,
    mirrors: NamespaceLister<ConfigMap>,
    queue: RateLimitingQueue<String>,
}

impl Controller {
    /// Builds the informers and registers the handlers that turn changes into queue keys.
    pub fn new(clientset: ClientSet, settings: Settings) -> Result<Arc<Self>, Error> {
        let client = clientset.client().clone();
        // One factory per namespace, as sample-controller's kubeInformerFactory; the mirror
        // side only caches ConfigMaps labelled as mirrors.
        let source_factory = SharedInformerFactory::builder(client.clone())
            .namespace(settings.source_namespace.as_str())
            .build();
        let mirror_factory = SharedInformerFactory::builder(client)
            .namespace(settings.target_namespace.as_str())
            .tweak_list_options(|o| o.label_selector = Some(format!("{MIRRORED_LABEL}=true")))
            .build();
        let sources = source_factory.core_v1().config_maps();
        let mirrors = mirror_factory.core_v1().config_maps();
        let queue = RateLimitingQueue::new(default_controller_rate_limiter());

        // Sources: only ConfigMaps that are, or were, ours are worth a reconcile.
        let (add_q, update_q, delete_q) = (queue.clone(), queue.clone(), queue.clone());
        sources.informer().add_event_handler(
            HandlerFuncs::new()
                .on_add(move |cm: &Arc<ConfigMap>, _| {
                    if is_selected(cm) || has_finalizer(cm) {
                        enqueue(&add_q, cm);
                    }
                })
                .on_update(move |old: &Arc<ConfigMap>, new: &Arc<ConfigMap>| {
                    if is_selected(old) || is_selected(new) || has_finalizer(new) {
                        enqueue(&update_q, new);
                    }
                })
                .on_delete(move |cm| enqueue(&delete_q, cm.object())),
        )?;

        // Mirrors: a change or deletion by someone else is repaired by reconciling the
        // source it names.
        let source_ns = settings.source_namespace.clone();
        let mirror_queue = queue.clone();
        let enqueue_source = move |cm: &ConfigMap| {
            if let Some(source) = source_of(cm)
                && source.split('/').next() == Some(source_ns.as_str())
            {
                mirror_queue.add(source.to_owned());
            }
        };
        let (on_add, on_update, on_delete) = (
            enqueue_source.clone(),
            enqueue_source.clone(),
            enqueue_source,
        );
        mirrors.informer().add_event_handler(
            HandlerFuncs::new()
                .on_add(move |cm: &Arc<ConfigMap>, _| on_add(cm))
                .on_update(move |_, new: &Arc<ConfigMap>| on_update(new))
                .on_delete(move |cm| on_delete(cm.object())),
        )?;

        Ok(Arc::new(Self {
            sources: sources.lister().namespace(&settings.source_namespace),
            mirrors: mirrors.lister().namespace(&settings.target_namespace),
            settings,
            clientset,
            source_factory,
            mirror_factory,
            queue,
        }))
    }

    /// Runs informers and workers until `stop` fires (leadership ended), then drains.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) -> Result<(), Error> {
        let id = &self.settings.identity;
        if stop.is_cancelled() {
            return Ok(());
        }
        self.ensure_target_namespace().await?;

        self.source_factory.start()?;
        self.mirror_factory.start()?;
        let synced = tokio::select! {
            () = stop.cancelled() => false,
            (a, b) = async {
                tokio::join!(
                    self.source_factory.wait_for_cache_sync(),
                    self.mirror_factory.wait_for_cache_sync()
                )
            } => a.all_synced() && b.all_synced(),
        };
        if !synced {
            self.shutdown_informers().await;
            return Ok(());
        }
        let everything = LabelSelector::everything();
        println!(
            "{id}: caches synced ({} source, {} mirror ConfigMaps); starting {} workers",
            self.sources.list(&everything).len(),
            self.mirrors.list(&everything).len(),
            self.settings.workers
        );
        // A mirror left behind while no controller ran has no source event to trigger its
        // cleanup: reconcile the source of every cached mirror once.
        for mirror in self.mirrors.list(&everything) {
            if let Some(source) = source_of(&mirror) {
                self.queue.add(source.to_owned());
            }
        }

        let mut workers = Vec::new();
        for worker in 0..self.settings.workers.max(1) {
            let this = self.clone();
            workers.push(tokio::spawn(async move { this.run_worker(worker).await }));
        }
        stop.cancelled().await;
        println!("{id}: shutting down workers");
        self.queue.shut_down_with_drain().await;
        for w in workers {
            w.await?;
        }
        self.shutdown_informers().await;
        Ok(())
    }

    async fn shutdown_informers(&self) {
        self.source_factory.shutdown().await;
        self.mirror_factory.shutdown().await;
    }

    async fn run_worker(&self, worker: usize) {
        while let Some(key) = self.queue.get().await {
            match self.reconcile(&key).await {
                Ok(()) => self.queue.forget(&key),
                Err(e) => {
                    // Retried with per-key exponential backoff (5 ms doubling) under an
                    // overall 10 qps bucket, until it succeeds.
                    let retries = self.queue.num_requeues(&key);
                    println!(
                        "{}: worker {worker}: error syncing {key}: {e}; requeued (retry {})",
                        self.settings.identity,
                        retries + 1
                    );
                    self.queue.add_rate_limited(key.clone());
                }
            }
            self.queue.done(&key);
        }
    }

    /// Brings the mirror of the source `key` (`namespace/name`) in line with the source.
    async fn reconcile(&self, key: &str) -> Result<(), Error> {
        let name = key.rsplit('/').next().unwrap_or(key);
        let source = self.sources.get(name);
        let mirror = self.mirrors.get(name);

        let Some(source) = source else {
            return self.remove_mirror(key, mirror.as_deref(), "deleted").await;
        };
        if source.metadata.deletion_timestamp.is_some() || !is_selected(&source) {
            let why = if source.metadata.deletion_timestamp.is_some() {
                "deleted"
            } else {
                "no longer labelled"
            };
            self.remove_mirror(key, mirror.as_deref(), why).await?;
            if has_finalizer(&source) {
                self.remove_finalizer(&source).await?;
            }
            return Ok(());
        }
        if !has_finalizer(&source) {
            // Write the finalizer before the mirror: a mirror must never exist without one.
            self.add_finalizer(&source).await?;
        }
        self.ensure_mirror(key, &source, mirror.as_deref()).await
    }

    async fn ensure_mirror(
        &self,
        key: &str,
        source: &ConfigMap,
        cached: Option<&ConfigMap>,
    ) -> Result<(), Error> {
        let target = self.target_api();
        let desired = desired_mirror(key, source, &self.settings.target_namespace);
        let name = desired.metadata.name.clone().unwrap_or_default();
        let current = match cached {
            Some(m) => m.clone(),
            None => match target.create(&desired, &CreateOptions::default()).await {
                Ok(_) => {
                    self.say(format_args!(
                        "mirrored {key} -> {}/{name}",
                        self.settings.target_namespace
                    ));
                    return Ok(());
                }
                // The cache lags behind a mirror we (or a previous leader) wrote.
                Err(e) if e.is_already_exists() => {
                    target.get(&name, &GetOptions::default()).await?
                }
                Err(e) => return Err(e.into()),
            },
        };
        if source_of(&current) != Some(key) {
            return Err(format!(
                "{}/{name} exists and is not a mirror of {key}",
                self.settings.target_namespace
            )
            .into());
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
        target.update(&updated, &UpdateOptions::default()).await?;
        self.say(format_args!(
            "updated mirror {}/{name} from {key}",
            self.settings.target_namespace
        ));
        Ok(())
    }

    async fn remove_mirror(
        &self,
        key: &str,
        mirror: Option<&ConfigMap>,
        why: &str,
    ) -> Result<(), Error> {
        let Some(mirror) = mirror.filter(|m| source_of(m) == Some(key)) else {
            return Ok(());
        };
        let name = mirror.metadata.name.as_deref().unwrap_or_default();
        match self
            .target_api()
            .delete(name, &DeleteOptions::default())
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        self.say(format_args!(
            "deleted mirror {}/{name} (source {key} {why})",
            self.settings.target_namespace
        ));
        Ok(())
    }

    async fn add_finalizer(&self, source: &ConfigMap) -> Result<(), Error> {
        let mut updated = source.clone();
        updated
            .metadata
            .finalizers
            .get_or_insert_default()
            .push(FINALIZER.to_owned());
        // Written against the cached resourceVersion: a 409 means the cache is behind, and
        // the retry sees the newer object.
        self.source_api()
            .update(&updated, &UpdateOptions::default())
            .await?;
        Ok(())
    }

    async fn remove_finalizer(&self, source: &ConfigMap) -> Result<(), Error> {
        let mut updated = source.clone();
        if let Some(finalizers) = updated.metadata.finalizers.as_mut() {
            finalizers.retain(|f| f != FINALIZER);
        }
        match self
            .source_api()
            .update(&updated, &UpdateOptions::default())
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        self.say(format_args!(
            "removed finalizer from {}/{}",
            self.settings.source_namespace,
            source.metadata.name.as_deref().unwrap_or_default()
        ));
        Ok(())
    }

    async fn ensure_target_namespace(&self) -> Result<(), Error> {
        let namespaces = self.clientset.core_v1().namespaces();
        let ns = &self.settings.target_namespace;
        if namespaces
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
        match namespaces
            .create(&namespace, &CreateOptions::default())
            .await
        {
            Ok(_) => self.say(format_args!("created namespace {ns}")),
            Err(e) if e.is_already_exists() => {}
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    fn source_api(&self) -> Api<ConfigMap> {
        self.clientset
            .core_v1()
            .config_maps(&self.settings.source_namespace)
    }

    fn target_api(&self) -> Api<ConfigMap> {
        self.clientset
            .core_v1()
            .config_maps(&self.settings.target_namespace)
    }

    fn say(&self, what: std::fmt::Arguments<'_>) {
        println!("{}: {what}", self.settings.identity);
    }
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

fn has_finalizer(cm: &ConfigMap) -> bool {
    cm.metadata
        .finalizers
        .as_ref()
        .is_some_and(|f| f.iter().any(|f| f == FINALIZER))
}

fn source_of(cm: &ConfigMap) -> Option<&str> {
    cm.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(SOURCE_ANNOTATION))
        .map(String::as_str)
}

fn enqueue(queue: &RateLimitingQueue<String>, cm: &ConfigMap) {
    if let (Some(ns), Some(name)) = (&cm.metadata.namespace, &cm.metadata.name) {
        queue.add(format!("{ns}/{name}"));
    }
}
