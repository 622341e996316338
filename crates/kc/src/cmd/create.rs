//! `kc create -f FILE`: POST every object of the manifests, reporting `kind/name created`.

use kclient::core::Unstructured;

use super::write::{Placed, when};
use crate::cli::{FileArgs, GlobalFlags};
use crate::error::CliError;
use crate::manifest;
use crate::resolve::Resolver;

pub async fn run(flags: &GlobalFlags, args: &FileArgs) -> Result<(), CliError> {
    let items = manifest::read_all(&args.filenames)?;
    let (client, namespace) = flags.client_and_namespace()?;
    let resolver = Resolver::new(client.clone());
    let mut last_error = None;
    for item in items {
        let placed =
            match Placed::resolve(&resolver, item, &namespace, flags.namespace.as_deref()).await {
                Ok(placed) => placed,
                Err(err) => {
                    report(&mut last_error, err);
                    continue;
                }
            };
        let created = placed
            .request(client.post(), false)
            .param("fieldManager", "kubectl-create")
            .body_json(&placed.object)
            .into_json::<Unstructured>()
            .await;
        match created {
            Ok(obj) => println!(
                "{} created",
                placed.display_name(obj.name().unwrap_or_default())
            ),
            Err(err) => report(&mut last_error, when("creating", &placed, err)),
        }
    }
    last_error.map_or(Ok(()), Err)
}

/// kubectl goes on after a failed object and exits 1 at the end: print all but the last error
/// now, keep the last as the command's.
pub(super) fn report(last: &mut Option<CliError>, err: CliError) {
    if let Some(previous) = last.replace(err) {
        eprintln!("{previous}");
    }
}
