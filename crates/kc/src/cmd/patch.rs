//! `kc patch TYPE NAME --type merge|json|strategic -p PATCH`: reports `kind/name patched`, or
//! `patched (no change)` when the server's resourceVersion did not move.

use kclient::core::{PatchType, Unstructured};
use serde_json::Value;

use super::write::on_collection;
use crate::cli::{GlobalFlags, PatchArgs, PatchKind};
use crate::error::CliError;
use crate::print::name_of;
use crate::resolve::Resolver;

pub async fn run(flags: &GlobalFlags, args: &PatchArgs) -> Result<(), CliError> {
    let (kind, name) = type_and_name(&args.target)?;
    let (client, namespace) = flags.client_and_namespace()?;
    let resolver = Resolver::new(client.clone());
    let target = resolver.resolve_one(&kind).await?;
    // YAML is a superset of JSON: kubectl takes either for -p.
    let patch: Value = serde_yaml_ng::from_str(&args.patch)
        .map_err(|e| CliError::Usage(format!("unable to parse \"{}\": {e}", args.patch)))?;
    let patch_type = match args.patch_type {
        PatchKind::Json => PatchType::Json,
        PatchKind::Merge => PatchType::Merge,
        PatchKind::Strategic => PatchType::Strategic,
    };
    let body = serde_json::to_vec(&patch).map_err(|e| CliError::Output(e.to_string()))?;
    let request = |req| on_collection(req, &target, Some(&namespace)).name(&name);
    let before: Unstructured = request(client.get()).into_json().await?;
    let after: Unstructured = request(client.patch(patch_type))
        .param("fieldManager", "kubectl-patch")
        .body_bytes(patch_type.content_type(), body)
        .into_json()
        .await?;
    let display = name_of(&target.kind, &target.gvr.group, &name);
    if before.resource_version() == after.resource_version() {
        println!("{display} patched (no change)");
    } else {
        println!("{display} patched");
    }
    Ok(())
}

/// `TYPE NAME` or `TYPE/NAME`.
pub fn type_and_name(args: &[String]) -> Result<(String, String), CliError> {
    match args {
        [one] => one
            .split_once('/')
            .map(|(t, n)| (t.to_owned(), n.to_owned()))
            .ok_or_else(|| CliError::Usage("resource name may not be empty".into())),
        [kind, name] => Ok((kind.clone(), name.clone())),
        _ => Err(CliError::Usage("expected TYPE NAME or TYPE/NAME".into())),
    }
}
