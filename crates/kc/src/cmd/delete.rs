//! `kc delete TYPE NAME…` / `kc delete TYPE/NAME…`: reports `kind "name" deleted`.

use super::create::report;
use super::write::on_collection;
use crate::cli::{DeleteArgs, GlobalFlags};
use crate::error::CliError;
use crate::resolve::{Resolver, Target};
use kclient::ApiError;

pub async fn run(flags: &GlobalFlags, args: &DeleteArgs) -> Result<(), CliError> {
    let (client, namespace) = flags.client_and_namespace()?;
    let resolver = Resolver::new(client.clone());
    let mut work: Vec<(Target, String)> = Vec::new();
    if args.targets[0].contains('/') {
        for arg in &args.targets {
            let Some((kind, name)) = arg.split_once('/') else {
                return Err(CliError::Usage(format!(
                    "there is no need to specify a resource type as a separate argument when \
                     passing arguments in resource/name form: {arg}"
                )));
            };
            work.push((resolver.resolve_one(kind).await?, name.to_owned()));
        }
    } else {
        let target = resolver.resolve_one(&args.targets[0]).await?;
        if args.targets.len() < 2 {
            return Err(CliError::Usage(
                "resource(s) were provided, but no name was specified".into(),
            ));
        }
        for name in &args.targets[1..] {
            work.push((target.clone(), name.clone()));
        }
    }
    let mut last_error = None;
    for (target, name) in work {
        let result = on_collection(client.delete(), &target, Some(&namespace))
            .name(&name)
            .send()
            .await;
        match result {
            Ok(_) => {
                let kind = target.kind.to_lowercase();
                match target.gvr.group.as_str() {
                    "" => println!("{kind} \"{name}\" deleted"),
                    group => println!("{kind}.{group} \"{name}\" deleted"),
                }
            }
            Err(err) if err.is_not_found() && args.ignore_not_found => {}
            Err(err) => report(&mut last_error, err.into()),
        }
    }
    last_error.map_or(Ok(()), Err)
}
