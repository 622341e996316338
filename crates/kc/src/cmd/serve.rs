//! `kc serve`: the embedded API server on 127.0.0.1 until interrupted, with a kubeconfig for it.

use std::path::Path;

use kclient::testserver::{Faults, TestServer};

use crate::cli::ServeArgs;
use crate::error::CliError;

pub async fn run(args: &ServeArgs) -> Result<(), CliError> {
    let faults = faults(args);
    faults.validate().map_err(CliError::TestServer)?;
    let server = TestServer::builder()
        .port(args.port)
        .faults(faults)
        .build()
        .await
        .map_err(|e| CliError::TestServer(e.to_string()))?;
    let path = args.kubeconfig_out.clone().unwrap_or_else(|| {
        // One file per port, so two servers on one machine do not overwrite each other's.
        std::env::temp_dir().join(format!("kc-serve-{}.kubeconfig", server.addr().port()))
    });
    server
        .write_kubeconfig(&path)
        .map_err(|e| CliError::TestServer(e.to_string()))?;
    print_banner(&server, &path);
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}

fn faults(args: &ServeArgs) -> Faults {
    Faults {
        watch_drop_after_events: (args.drop_watch_after > 0).then_some(args.drop_watch_after),
        error_rate: args.error_rate,
        error_every_nth: (args.error_every_nth > 0).then_some(args.error_every_nth),
        error_status: args.error_status,
        retry_after_seconds: args.retry_after,
        latency_ms: args.latency_ms,
        ..Faults::default()
    }
}

fn print_banner(server: &TestServer, kubeconfig: &Path) {
    println!("kclient-testserver listening on {}", server.url());
    println!("kubeconfig written to {}", kubeconfig.display());
    println!("try: kubectl --kubeconfig {} get ns", kubeconfig.display());
    println!("faults: PUT {}/kclient-testserver/faults", server.url());
    println!("press Ctrl-C to stop");
}
