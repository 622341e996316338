//! An informer feeding a rate-limited work queue that drives a small reconcile loop (seed
//! 002's diagram, right-hand side): handlers print `ADD`/`UPDATE`/`DELETE` and enqueue the
//! key; a worker reconciles from the informer's cache, fails once on purpose, is retried with
//! backoff, and then forgets the key.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kclient::cache::{
    DeltaObject, HandlerFuncs, Lister, SharedInformerFactory, meta_namespace_key,
};
use kclient::core::LabelSelector;
use kclient::workqueue::RateLimitingQueue;
use kclient::workqueue::limiters::default_controller_rate_limiter;
use kclient::{Api, ClientSet, CreateOptions, DeleteOptions, Patch, PatchOptions};
use parking_lot::Mutex;
use serde_json::json;

use super::out::Out;
use crate::error::CliError;

const LABEL: &str = "kclient.io/demo-queue";
const DONE: &str = "kclient.io/reconciled";

type Queue = RateLimitingQueue<String>;

pub async fn informer_and_workqueue(
    out: &Out,
    clientset: &ClientSet,
    ns: &str,
) -> Result<(), CliError> {
    out.step(
        "SharedInformerFactory: a ConfigMap informer whose handlers print events and enqueue keys",
    );
    let factory = SharedInformerFactory::builder(clientset.client().clone())
        .namespace(ns)
        .tweak_list_options(|options| options.label_selector = Some(format!("{LABEL}=true")))
        .build();
    let configmaps = factory.core_v1().config_maps();
    let informer = configmaps.informer();
    let lister = configmaps.lister();
    let queue: Queue = RateLimitingQueue::new(default_controller_rate_limiter());
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    informer
        .add_event_handler(handlers(queue.clone(), events.clone()))
        .map_err(|e| CliError::Check(e.to_string()))?;
    factory
        .start()
        .map_err(|e| CliError::Check(e.to_string()))?;
    let synced = tokio::time::timeout(Duration::from_secs(30), factory.wait_for_cache_sync())
        .await
        .map(|results| results.all_synced())
        .unwrap_or(false);
    if !synced {
        factory.shutdown().await;
        return Err(CliError::Check("the informer did not sync".into()));
    }
    out.done("factory started, cache synced");

    let api: Api<ConfigMap> = clientset.core_v1().config_maps(ns);
    let worker = tokio::spawn(worker(queue.clone(), lister.clone(), api.clone()));
    let result = drive(out, &api, &lister, &events, ns).await;
    queue.shut_down();
    let retries = worker.await.unwrap_or_default();
    factory.shutdown().await;
    result?;
    if retries == 0 {
        return Err(CliError::Check("the flaky key was never retried".into()));
    }
    out.done(&format!(
        "the worker failed once on purpose and was retried {retries} time(s) with backoff"
    ));
    Ok(())
}

fn handlers(queue: Queue, events: Arc<Mutex<Vec<String>>>) -> HandlerFuncs<ConfigMap> {
    let record = move |events: &Arc<Mutex<Vec<String>>>, line: String| {
        events.lock().push(line);
    };
    let (q1, q2, q3) = (queue.clone(), queue.clone(), queue);
    let (e1, e2, e3) = (events.clone(), events.clone(), events);
    HandlerFuncs::new()
        .on_add(move |cm: &Arc<ConfigMap>, _initial| {
            if let Ok(key) = meta_namespace_key(cm.as_ref()) {
                record(&e1, format!("ADD {key}"));
                q1.add(key);
            }
        })
        .on_update(move |_old, cm| {
            if let Ok(key) = meta_namespace_key(cm.as_ref()) {
                record(&e2, format!("UPDATE {key}"));
                q2.add(key);
            }
        })
        .on_delete(move |gone: &DeltaObject<ConfigMap>| {
            let key = meta_namespace_key(gone.object().as_ref()).unwrap_or_default();
            record(&e3, format!("DELETE {key}"));
            q3.add(key);
        })
}

/// Makes the changes, then waits for the reconciler's marks and the handlers' events.
async fn drive(
    out: &Out,
    api: &Api<ConfigMap>,
    lister: &Lister<ConfigMap>,
    events: &Arc<Mutex<Vec<String>>>,
    ns: &str,
) -> Result<(), CliError> {
    out.step("create three labelled ConfigMaps (one makes the reconciler fail once)");
    for name in ["alpha", "beta", "flaky"] {
        let cm: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": name, "labels": {LABEL: "true"}},
            "data": {"owner": "demo"}
        }))
        .map_err(|e| CliError::Check(e.to_string()))?;
        api.create(&cm, &CreateOptions::default()).await?;
    }
    out.wait_for(
        "every ConfigMap to be reconciled",
        Duration::from_secs(30),
        || async {
            let marked = lister
                .list(&LabelSelector::everything())
                .iter()
                .filter(|cm| annotations(cm).contains_key(DONE))
                .count();
            (marked == 3).then_some(())
        },
    )
    .await?;
    out.done(&format!(
        "the lister holds {} ConfigMaps, each annotated {DONE}",
        lister.list(&LabelSelector::everything()).len()
    ));

    out.step("delete one; the informer reports it and drops it from the cache");
    api.delete("beta", &DeleteOptions::default()).await?;
    let namespaced = lister.namespace(ns);
    let deleted = format!("DELETE {ns}/beta");
    // The cache is updated before handlers are told (each on its own thread), so wait for the
    // handler's record, not just the cache.
    out.wait_for("the DELETE event", Duration::from_secs(30), || async {
        let handled = events.lock().contains(&deleted);
        (handled && namespaced.get("beta").is_none()).then_some(())
    })
    .await?;
    let seen = events.lock().clone();
    for expected in [
        format!("ADD {ns}/alpha"),
        format!("UPDATE {ns}/alpha"),
        format!("DELETE {ns}/beta"),
    ] {
        if !seen.contains(&expected) {
            return Err(CliError::Check(format!(
                "handlers did not see {expected:?}; saw {seen:?}"
            )));
        }
    }
    for line in &seen {
        out.detail(line);
    }
    let mut names: Vec<String> = lister
        .list(&LabelSelector::everything())
        .iter()
        .filter_map(|cm| cm.metadata.name.clone())
        .collect();
    names.sort();
    out.done(&format!(
        "{} events; the cache now holds {names:?}",
        seen.len()
    ));
    Ok(())
}

/// One worker: reconcile each key from the cache, retry failures with the queue's backoff.
/// Returns how many times a key was requeued.
async fn worker(queue: Queue, lister: Lister<ConfigMap>, api: Api<ConfigMap>) -> usize {
    let mut retries = 0;
    while let Some(key) = queue.get().await {
        match reconcile(&key, &lister, &api, queue.num_requeues(&key)).await {
            Ok(()) => queue.forget(&key),
            Err(_) => {
                retries += 1;
                queue.add_rate_limited(key.clone());
            }
        }
        queue.done(&key);
    }
    retries
}

/// Marks the ConfigMap as reconciled; `flaky` fails on its first attempt.
async fn reconcile(
    key: &str,
    lister: &Lister<ConfigMap>,
    api: &Api<ConfigMap>,
    attempt: usize,
) -> Result<(), CliError> {
    let Some(cm) = lister.indexer().get_by_key(key) else {
        return Ok(()); // deleted: nothing to reconcile
    };
    if annotations(&cm).contains_key(DONE) {
        return Ok(());
    }
    let name = cm.metadata.name.clone().unwrap_or_default();
    if name == "flaky" && attempt == 0 {
        return Err(CliError::Check("flaky fails its first reconcile".into()));
    }
    let patch = Patch::Merge(json!({"metadata": {"annotations": {DONE: "true"}}}));
    api.patch(&name, &patch, &PatchOptions::default()).await?;
    Ok(())
}

fn annotations(cm: &ConfigMap) -> BTreeMap<String, String> {
    cm.metadata.annotations.clone().unwrap_or_default()
}
