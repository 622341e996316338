//! One module per kc command.

mod demo;
mod raw;
mod serve;
mod version;

use crate::cli::{Cli, Command};
use crate::error::CliError;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Version => version::run(&cli.global).await,
        Command::Get(args) => raw::run(&cli.global, &args.raw).await,
        Command::Serve(args) => serve::run(&args).await,
        Command::Demo(args) => demo::run(&cli.global, &args).await,
    }
}
