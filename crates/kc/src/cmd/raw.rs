//! `kc get --raw PATH`: the body of a GET, byte for byte, as kubectl prints it.

use std::io::Write;

use kclient::rest::RestClient;

use crate::cli::GlobalFlags;
use crate::error::CliError;

pub async fn run(flags: &GlobalFlags, raw: &str) -> Result<(), CliError> {
    let client = RestClient::new(flags.config()?)?;
    let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
    let mut request = client.get().abs_path([path]);
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        request = request.param(key, value);
    }
    let body = request.into_bytes().await?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&body)?;
    stdout.flush()?;
    Ok(())
}
