//! One module per kc command.

mod api_resources;
mod apply;
mod create;
mod delete;
mod demo;
mod get;
mod patch;
mod raw;
mod serve;
mod version;
mod write;

use crate::cli::{Cli, Command};
use crate::error::CliError;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Version => version::run(&cli.global).await,
        Command::ApiResources(args) => api_resources::run(&cli.global, &args).await,
        Command::Get(args) => get::run(&cli.global, &args).await,
        Command::Create(args) => create::run(&cli.global, &args).await,
        Command::Apply(args) => apply::run(&cli.global, &args).await,
        Command::Patch(args) => patch::run(&cli.global, &args).await,
        Command::Delete(args) => delete::run(&cli.global, &args).await,
        Command::Serve(args) => serve::run(&args).await,
        Command::Demo(args) => demo::run(&cli.global, &args).await,
    }
}
