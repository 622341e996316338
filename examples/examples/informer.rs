//! Informer: a shared informer from a SharedInformerFactory (reflector → DeltaFIFO →
//! indexer) with an event handler printing `ADD ns/name`, `UPDATE ns/name` and
//! `DELETE ns/name`, and, once the cache has synced, what its lister sees (every object, and
//! the count per namespace).
//!
//! ```text
//! cargo run -p kclient-examples --example informer -- --kubeconfig ~/.kube/config \
//!     --resource pods --duration 60s
//! ```
//! With `--compact` the informer caches `Compact` objects (the server's bytes plus typed
//! metadata, decoded on read) and, after sync, decodes them all once to show what that costs.
//! Runs until `--duration` has passed or it is interrupted (Ctrl-C), then exits 0.

use std::time::Duration;

use clap::{Parser, ValueEnum};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kclient::prelude::*;
use kclient_examples::{ConfigFlags, parse_duration, stop_signal};
use serde::de::DeserializeOwned;

/// What the informer watches.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Kind {
    Pods,
    Configmaps,
}

/// Watch a collection through a SharedIndexInformer and print every change.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigFlags,
    /// What to watch.
    #[arg(long, value_enum, default_value = "pods")]
    resource: Kind,
    /// Only this namespace. Default: all namespaces.
    #[arg(short, long)]
    namespace: Option<String>,
    /// Only objects matching this label selector.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// Resync period (every cached object is redelivered as an UPDATE). Default: never.
    #[arg(long, value_parser = parse_duration)]
    resync: Option<Duration>,
    /// Exit after this long (e.g. 30s). Default: run until interrupted.
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Cache `Compact` objects (JSON text plus metadata) instead of typed ones.
    #[arg(long)]
    compact: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kclient_examples::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    kclient_examples::init_logging();
    let args = Args::parse();
    let client = RestClient::new(args.config.load()?)?;

    // client-go's NewSharedInformerFactoryWithOptions: one informer per resource, shared by
    // everyone who asks, all with the factory's namespace, list options and resync.
    let mut builder = SharedInformerFactory::builder(client);
    if let Some(ns) = &args.namespace {
        builder = builder.namespace(ns.as_str());
    }
    if let Some(selector) = args.selector.clone() {
        LabelSelector::parse(&selector)?;
        builder = builder.tweak_list_options(move |o| o.label_selector = Some(selector.clone()));
    }
    if let Some(period) = args.resync {
        builder = builder.default_resync(period);
    }
    let factory = builder.build();
    match (args.resource, args.compact) {
        (Kind::Pods, false) => watch(&factory, factory.core_v1().pods(), &args, |_| Ok(())).await,
        (Kind::Configmaps, false) => {
            watch(&factory, factory.core_v1().config_maps(), &args, |_| Ok(())).await
        }
        (Kind::Pods, true) => watch(&factory, factory.compact::<Pod>(), &args, decode_all).await,
        (Kind::Configmaps, true) => {
            watch(&factory, factory.compact::<ConfigMap>(), &args, decode_all).await
        }
    }
}

/// What runs once the cache has synced and been printed.
type AfterSync<K> = fn(&Lister<K>) -> Result<(), Box<dyn std::error::Error>>;

/// Decodes every cached compact object once: the cost a reader of the whole objects pays.
fn decode_all<K: DeserializeOwned + Send + Sync + 'static>(
    lister: &Lister<Compact<K>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let cached = lister.list(&LabelSelector::everything());
    let bytes: usize = cached.iter().map(|c| c.body_len()).sum();
    for obj in &cached {
        obj.decode()?;
    }
    println!(
        "compact: {} objects decoded from {bytes} bytes of JSON",
        cached.len()
    );
    Ok(())
}

async fn watch<K>(
    factory: &SharedInformerFactory,
    resource: ResourceInformer<K>,
    args: &Args,
    after_sync: AfterSync<K>,
) -> Result<(), Box<dyn std::error::Error>>
where
    K: Object,
{
    let informer = resource.informer();
    let registration = informer.add_event_handler(
        HandlerFuncs::<K>::new()
            .on_add(|obj, _in_initial_list| println!("ADD {}", key(obj.as_ref())))
            .on_update(|_old, new| println!("UPDATE {}", key(new.as_ref())))
            .on_delete(|obj| {
                let note = if obj.is_tombstone() {
                    " (final state unknown)"
                } else {
                    ""
                };
                println!("DELETE {}{note}", key(obj.object().as_ref()));
            }),
    )?;
    factory.start()?;

    let stop = stop_signal(args.duration);
    tokio::pin!(stop);
    tokio::select! {
        synced = factory.wait_for_cache_sync() => {
            if !synced.all_synced() {
                return Err("the informer stopped before its cache synced".into());
            }
        }
        () = &mut stop => {
            factory.shutdown().await;
            return Ok(());
        }
    }
    // The cache is synced; wait until our handler has also printed the initial adds, so
    // the cache listing below comes after them.
    while !registration.has_synced() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // What a lister sees: every cached object, and each namespace's share of them.
    let lister = resource.lister();
    let mut cached: Vec<(String, String)> = lister
        .list(&LabelSelector::everything())
        .iter()
        .map(|o| {
            (
                key(o.as_ref()),
                o.resource_version().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    cached.sort();
    println!("synced: {} objects in the cache", cached.len());
    for (key, rv) in &cached {
        println!("  {key} (resourceVersion {rv})");
    }
    let mut namespaces = informer
        .indexer()
        .list_index_func_values(NAMESPACE_INDEX)
        .unwrap_or_default();
    namespaces.sort();
    for ns in namespaces {
        let count = lister
            .namespace(&ns)
            .list(&LabelSelector::everything())
            .len();
        println!("  namespace {ns}: {count} objects");
    }
    after_sync(&lister)?;

    stop.await;
    println!("stopping");
    factory.shutdown().await;
    Ok(())
}

fn key<K: Object>(obj: &K) -> String {
    meta_namespace_key(obj).unwrap_or_else(|_| "<unnamed>".to_owned())
}
