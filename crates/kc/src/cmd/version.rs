//! `kc version`: the client's version and the server's gitVersion, in kubectl's format.

use k8s_openapi::apimachinery::pkg::version::Info;
use kclient::rest::RestClient;

use crate::cli::GlobalFlags;
use crate::error::CliError;

/// The client version in kubectl's `vMAJOR.MINOR.PATCH` form.
pub const CLIENT_VERSION: &str = concat!("v", env!("CARGO_PKG_VERSION"));

pub async fn run(flags: &GlobalFlags) -> Result<(), CliError> {
    println!("Client Version: {CLIENT_VERSION}");
    let client = RestClient::new(flags.config()?)?;
    let info: Info = client.get().abs_path(["/version"]).into_json().await?;
    println!("Server Version: {}", info.git_version);
    Ok(())
}
