//! An operator for a custom resource: a `ConfigSet` (examples.kclient.io/v1) names
//! ConfigMaps and their data; the operator keeps them in the ConfigSet's namespace, owned by
//! it (an ownerReference with `controller: true`), repairs edits, deletes the ones dropped
//! from the spec, writes the ConfigSet's status and records Events on it. A finalizer
//! deletes the ConfigMaps before the ConfigSet goes.
//!
//! ```text
//! cargo run -p kclient-examples --example operator -- --print-crd | kubectl apply -f -
//! cargo run -p kclient-examples --example operator -- --kubeconfig ~/.kube/config
//! ```
//! Without `--print-crd` it installs its CRD if missing, waits until it is established,
//! and reconciles until `--duration` has passed or Ctrl-C.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kclient::cache::Lister;
use kclient::prelude::*;
use kclient::runtime::controller::ErrorContext;
use kclient_examples::{ConfigFlags, parse_duration, stop_signal};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// ConfigMaps to keep: each key names `<configset>-<key>`, its value is the ConfigMap's data.
#[derive(CustomResource, Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[kclient(
    group = "examples.kclient.io",
    version = "v1",
    kind = "ConfigSet",
    namespaced,
    status = "ConfigSetStatus",
    shortname = "cfs",
    printcolumn(name = "Ready", type = "integer", json_path = ".status.ready")
)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSetSpec {
    /// The ConfigMaps, by name suffix.
    #[serde(default)]
    pub config_maps: BTreeMap<String, BTreeMap<String, String>>,
}

/// What the operator last wrote.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSetStatus {
    /// ConfigMaps in line with the spec.
    pub ready: i32,
    /// Their names.
    pub config_maps: Vec<String>,
    /// The generation of the spec they follow.
    pub observed_generation: Option<i64>,
}

const FINALIZER: &str = "examples.kclient.io/configmaps";
const OWNER_LABEL: &str = "examples.kclient.io/configset";
const MANAGER: &str = "configset-operator";

/// Keep the ConfigMaps of ConfigSets.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigFlags,
    /// Print the ConfigSet CRD as YAML and exit.
    #[arg(long)]
    print_crd: bool,
    /// Exit after this long. Default: run until interrupted.
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What reconciles share.
struct Ctx {
    client: RestClient,
    config_maps: Lister<ConfigMap>,
    recorder: EventRecorder,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kclient_examples::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    kclient_examples::init_logging();
    let args = Args::parse();
    if args.print_crd {
        print!("{}", ConfigSet::crd_yaml()?);
        return Ok(());
    }
    let clientset = ClientSet::new(args.config.load()?)?;
    install_crd(&clientset).await?;

    let client = clientset.client().clone();
    let factory = SharedInformerFactory::new(client.clone());
    let ctx = Arc::new(Ctx {
        config_maps: factory.core_v1().config_maps().lister(),
        recorder: EventRecorder::new(client.clone(), MANAGER)?,
        client,
    });
    let stopped = Controller::<ConfigSet>::new(&factory)
        .owns::<ConfigMap>()
        .graceful_shutdown_on(stop_signal(args.duration))
        .run(reconcile, error_policy, ctx.clone())
        .await;
    factory.shutdown().await;
    ctx.recorder.flush().await;
    println!("exiting ({:?})", stopped?);
    Ok(())
}

/// Creates the CRD unless it exists, then waits until the server serves it.
async fn install_crd(clientset: &ClientSet) -> Result<(), Box<dyn std::error::Error>> {
    let crds = clientset.apiextensions_v1().custom_resource_definitions();
    let name = ConfigSet::crd_name();
    if crds.get_opt(&name, &GetOptions::default()).await?.is_none() {
        let crd = ConfigSet::crd()?;
        match crds.create(&crd, &CreateOptions::default()).await {
            Ok(_) => println!("installed CRD {name}"),
            Err(e) if e.is_already_exists() => {}
            Err(e) => return Err(e.into()),
        }
    }
    for _ in 0..300 {
        let status = crds.get(&name, &GetOptions::default()).await?.status;
        let conditions = status.and_then(|s| s.conditions).unwrap_or_default();
        if conditions
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True")
        {
            println!("CRD {name} established");
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("CRD {name} was not established within 30s").into())
}

async fn reconcile(obj: Observed<ConfigSet>, ctx: Arc<Ctx>) -> Result<Action, Error> {
    let ns = obj.object().namespace().unwrap_or_default().to_owned();
    let name = obj.object().name().unwrap_or_default().to_owned();
    let sets: Api<ConfigSet> = Api::namespaced(ctx.client.clone(), &ns);
    let ctx = &ctx;
    let action = finalizer(&sets, FINALIZER, obj, |event| async {
        match event {
            FinalizerEvent::Apply(set) => {
                let mut names = Vec::new();
                for (suffix, data) in &set.spec.config_maps {
                    let desired = owned_config_map(&set, &format!("{name}-{suffix}"), data);
                    names.push(ensure(ctx, &set, desired).await?);
                }
                prune(ctx, &set, |cm| !names.iter().any(|n| n == cm)).await?;
                let status = ConfigSetStatus {
                    ready: i32::try_from(names.len())?,
                    config_maps: names,
                    observed_generation: set.metadata.generation,
                };
                if set.status.as_ref() != Some(&status) {
                    let patch = Patch::Merge(json!({ "status": status }));
                    sets.patch_status(&name, &patch, &Default::default())
                        .await?;
                    println!("status {ns}/{name}: {} ready", status.ready);
                }
            }
            FinalizerEvent::Cleanup(set) => {
                prune(ctx, &set, |_| true).await?;
                println!("cleaned up {ns}/{name}");
            }
        }
        Ok::<_, Error>(Action::await_change())
    })
    .await?;
    Ok(action)
}

/// Creates `desired` or brings the ConfigMap of its name in line; returns its name.
async fn ensure(ctx: &Ctx, set: &ConfigSet, desired: ConfigMap) -> Result<String, Error> {
    let ns = set.namespace().unwrap_or_default();
    let name = desired.name().unwrap_or_default();
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), ns);
    let reason = match ctx.config_maps.namespace(ns).get(name) {
        None => "Created",
        Some(cm) if !is_owned_by(&cm, set) => return Err(format!("{ns}/{name} is not ours").into()),
        Some(cm) if cm.data != desired.data => "Updated",
        Some(_) => return Ok(name.to_owned()),
    };
    // Server-side apply: creates or updates, taking back fields others changed.
    cms.apply(&desired, &PatchOptions::apply(MANAGER).force())
        .await?;
    let message = format!("{} ConfigMap {ns}/{name}", reason.to_lowercase());
    ctx.note(set, reason, message);
    Ok(name.to_owned())
}

/// Deletes the ConfigMaps `set` owns whose names `doomed` selects.
async fn prune(ctx: &Ctx, set: &ConfigSet, doomed: impl Fn(&str) -> bool) -> Result<(), Error> {
    let ns = set.namespace().unwrap_or_default();
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), ns);
    let selector = LabelSelector::parse(&format!("{OWNER_LABEL}={}", set.name().unwrap_or("")))?;
    for cm in ctx.config_maps.namespace(ns).list(&selector) {
        let name = cm.name().unwrap_or_default();
        if !is_owned_by(&cm, set) || !doomed(name) {
            continue;
        }
        match cms.delete(name, &DeleteOptions::default()).await {
            Ok(_) => ctx.note(set, "Deleted", format!("deleted ConfigMap {ns}/{name}")),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// A ConfigMap named `name` with `data`, controlled by `set`.
fn owned_config_map(set: &ConfigSet, name: &str, data: &BTreeMap<String, String>) -> ConfigMap {
    let owner = OwnerReference {
        api_version: ConfigSet::API_VERSION.to_owned(),
        kind: ConfigSet::KIND.to_owned(),
        name: set.name().unwrap_or_default().to_owned(),
        uid: set.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    };
    let labels = [(OWNER_LABEL.to_owned(), owner.name.clone())];
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: set.metadata.namespace.clone(),
            labels: Some(labels.into()),
            owner_references: Some(vec![owner]),
            ..ObjectMeta::default()
        },
        data: Some(data.clone()),
        ..ConfigMap::default()
    }
}

fn is_owned_by(cm: &ConfigMap, set: &ConfigSet) -> bool {
    let refs = cm.metadata.owner_references.as_deref().unwrap_or_default();
    refs.iter()
        .any(|r| r.controller == Some(true) && Some(&r.uid) == set.metadata.uid.as_ref())
}

impl Ctx {
    /// Prints `message` and records it as a Normal event on `set`.
    fn note(&self, set: &ConfigSet, reason: &str, message: String) {
        println!("{message}");
        self.recorder.event(set, EventType::Normal, reason, message);
    }
}

/// Failed reconciles are retried with backoff; each failure is a Warning event.
fn error_policy(error: &Error, failed: &ErrorContext<ConfigSet>, ctx: &Ctx) -> OnError {
    println!("error reconciling {}: {error}", failed.key);
    let set: &ConfigSet = failed.object.object();
    let why = format!("reconcile failed: {error}");
    ctx.recorder.event(set, EventType::Warning, "Failed", why);
    OnError::Backoff
}
