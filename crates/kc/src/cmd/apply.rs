//! `kc apply -f FILE`: client-side apply (a three-way merge against the last-applied
//! annotation, as kubectl does for objects without a strategic-merge schema) or, with
//! `--server-side`, server-side apply with a field manager.

use kclient::ApiError;
use kclient::core::{PatchType, Unstructured};
use kclient::rest::RestClient;
use serde_json::Value;

use super::create::report;
use super::write::{Placed, when};
use crate::cli::{ApplyArgs, GlobalFlags};
use crate::error::CliError;
use crate::manifest;
use crate::resolve::Resolver;
use crate::threeway::{LAST_APPLIED, is_empty, three_way_merge_patch};

/// kubectl's field manager for `apply --server-side`.
const SERVER_SIDE_MANAGER: &str = "kubectl";
/// kubectl's field manager for client-side apply.
const CLIENT_SIDE_MANAGER: &str = "kubectl-client-side-apply";

pub async fn run(flags: &GlobalFlags, args: &ApplyArgs) -> Result<(), CliError> {
    let items = manifest::read_all(&args.files.filenames)?;
    let (client, namespace) = flags.client_and_namespace()?;
    let resolver = Resolver::new(client.clone());
    let mut last_error = None;
    for item in items {
        let outcome = async {
            let placed =
                Placed::resolve(&resolver, item, &namespace, flags.namespace.as_deref()).await?;
            if placed.name().is_empty() {
                return Err(CliError::Usage(format!(
                    "error when retrieving current configuration of {}: resource name may not be empty",
                    placed.source
                )));
            }
            let verb = if args.server_side {
                server_side(&client, &placed, args).await?
            } else {
                client_side(&client, &placed, args).await?
            };
            println!("{} {verb}", placed.display_name(placed.name()));
            Ok(())
        }
        .await;
        if let Err(err) = outcome {
            report(&mut last_error, err);
        }
    }
    last_error.map_or(Ok(()), Err)
}

async fn server_side(
    client: &RestClient,
    placed: &Placed,
    args: &ApplyArgs,
) -> Result<&'static str, CliError> {
    let manager = manager(args, SERVER_SIDE_MANAGER);
    let body = serde_json::to_vec(&placed.object).map_err(|e| CliError::Output(e.to_string()))?;
    let mut request = placed
        .request(client.patch(PatchType::Apply), true)
        .param("fieldManager", manager)
        .body_bytes(PatchType::Apply.content_type(), body);
    if args.force_conflicts {
        request = request.param("force", "true");
    }
    request
        .send()
        .await
        .map_err(|e| when("patching", placed, e))?;
    Ok("serverside-applied")
}

async fn client_side(
    client: &RestClient,
    placed: &Placed,
    args: &ApplyArgs,
) -> Result<&'static str, CliError> {
    let manager = manager(args, CLIENT_SIDE_MANAGER);
    let modified = with_last_applied(&placed.object)?;
    let live = placed
        .request(client.get(), true)
        .into_json::<Unstructured>()
        .await;
    let live = match live {
        Ok(live) => live,
        Err(err) if err.is_not_found() => {
            placed
                .request(client.post(), false)
                .param("fieldManager", manager)
                .body_json(&modified)
                .send()
                .await
                .map_err(|e| when("creating", placed, e))?;
            return Ok("created");
        }
        Err(err) => return Err(when("retrieving current configuration of", placed, err)),
    };
    let original = live
        .annotations()
        .get(LAST_APPLIED)
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .unwrap_or_else(|| Value::Object(Default::default()));
    let current = Value::from(live);
    let modified = Value::from(modified);
    let patch = three_way_merge_patch(&original, &modified, &current);
    if is_empty(&patch) {
        return Ok("unchanged");
    }
    placed
        .request(client.patch(PatchType::Merge), true)
        .param("fieldManager", manager)
        .body_bytes(
            PatchType::Merge.content_type(),
            serde_json::to_vec(&patch).map_err(|e| CliError::Output(e.to_string()))?,
        )
        .send()
        .await
        .map_err(|e| when("patching", placed, e))?;
    Ok("configured")
}

/// The object with the last-applied annotation set to the object itself (without the
/// annotation), as kubectl's `GetModifiedConfiguration` makes it.
fn with_last_applied(object: &Unstructured) -> Result<Unstructured, CliError> {
    let mut bare = object.clone();
    let mut annotations = bare.annotations();
    annotations.remove(LAST_APPLIED);
    if annotations.is_empty() {
        bare.remove_nested(&["metadata", "annotations"]);
    } else {
        bare.set_annotations(annotations.clone());
    }
    let text = serde_json::to_string(&bare).map_err(|e| CliError::Output(e.to_string()))?;
    annotations.insert(LAST_APPLIED.to_owned(), format!("{text}\n"));
    let mut modified = bare;
    modified.set_annotations(annotations);
    Ok(modified)
}

fn manager<'a>(args: &'a ApplyArgs, default: &'a str) -> &'a str {
    args.field_manager.as_deref().unwrap_or(default)
}
