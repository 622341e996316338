//! The parent side: one `TestServer` loaded with Pods, one child process per client and
//! round.

use std::path::Path;
use std::time::{Duration, Instant};

use kclient::rest::RestClient;
use kclient::testserver::TestServer;

use crate::controller::Mode;
use crate::data::PodTemplate;
use crate::fixture::create_pods;
use crate::informer::InformerBenchError;
use crate::informer::driver::{
    WRITE_CONCURRENCY, child_command, create_namespace, lines, next_report, pod_bytes, wait_child,
};
use crate::informer::protocol::Report;

/// What the parent measures.
#[derive(Clone, Debug)]
pub struct Options {
    /// Pods on the server: the primary objects.
    pub pods: usize,
    /// Rounds; each runs every mode once.
    pub rounds: usize,
    /// Client modes to run.
    pub modes: Vec<Mode>,
    /// Reconciles at once; 0 leaves each client's default.
    pub concurrency: usize,
    /// Settle time after the last reconcile before the steady memory reading.
    pub settle: Duration,
    /// Longest a child may take to reconcile every Pod.
    pub timeout: Duration,
}

/// One child's figures.
#[derive(Clone, Debug)]
pub struct Run {
    /// Client and mode.
    pub mode: Mode,
    /// The round it ran in.
    pub round: usize,
    /// Pods reconciled.
    pub pods: usize,
    /// Seconds from starting the controller until every Pod was reconciled once.
    pub secs: f64,
    /// RSS before the controller started, bytes.
    pub base: u64,
    /// `VmRSS` when the last Pod was reconciled, bytes.
    pub rss_at_done: u64,
    /// `VmHWM` at the steady reading: the peak of the whole run, bytes.
    pub peak: u64,
    /// `VmRSS` after the settle, bytes.
    pub steady: u64,
}

/// Everything one run measured.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// Every child's figures, in the order they ran.
    pub runs: Vec<Run>,
    /// Size of one Pod as the server returns it, bytes of JSON.
    pub pod_bytes: usize,
    /// Seconds spent loading the server.
    pub load_secs: f64,
}

/// Runs the whole benchmark; `exe` is the binary to re-execute for children.
pub async fn run(exe: &Path, options: &Options) -> Result<Results, InformerBenchError> {
    let server = TestServer::builder().build().await?;
    let client = RestClient::builder(server.config())
        .without_rate_limit()
        .build()?;
    let dir = tempfile::tempdir()?;
    let kubeconfig = dir.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig)?;
    create_namespace(&client).await?;
    let template = PodTemplate::bundled().map_err(InformerBenchError::Bench)?;
    let started = Instant::now();
    create_pods(&client, &template, 0..options.pods, WRITE_CONCURRENCY).await?;
    let mut results = Results {
        load_secs: started.elapsed().as_secs_f64(),
        pod_bytes: pod_bytes(&client).await?,
        ..Results::default()
    };
    eprintln!("loaded {} Pods in {:.1?}", options.pods, started.elapsed());
    for round in 1..=options.rounds {
        for mode in modes_in_round(round, &options.modes) {
            let run = child(exe, &kubeconfig, mode, round, options).await?;
            eprintln!("{run:?}");
            results.runs.push(run);
        }
    }
    server.shutdown().await;
    Ok(results)
}

/// `modes` in the order round `round` runs them ([`round_order`](crate::rounds::round_order)).
pub fn modes_in_round(round: usize, modes: &[Mode]) -> Vec<Mode> {
    crate::rounds::in_round(round, modes, |mode| mode.side())
}

async fn child(
    exe: &Path,
    kubeconfig: &Path,
    mode: Mode,
    round: usize,
    options: &Options,
) -> Result<Run, InformerBenchError> {
    let mut child = child_command(exe, mode.as_str(), kubeconfig)
        .args(["--pods", &options.pods.to_string()])
        .args(["--concurrency", &options.concurrency.to_string()])
        .args(["--settle-ms", &options.settle.as_millis().to_string()])
        .args(["--timeout-secs", &options.timeout.as_secs().to_string()])
        .spawn()?;
    let mut lines = lines(&mut child)?;
    let done = next_report(&mut lines).await?;
    let steady = next_report(&mut lines).await?;
    wait_child(child, mode.as_str()).await?;
    match (done, steady) {
        (
            Report::Synced {
                secs,
                objects,
                base,
                rss,
                ..
            },
            Report::Steady { peak, rss: steady },
        ) if objects as usize == options.pods => Ok(Run {
            mode,
            round,
            pods: options.pods,
            secs,
            base,
            rss_at_done: rss,
            peak,
            steady,
        }),
        other => Err(InformerBenchError::Protocol(format!(
            "{}: unexpected reports {other:?}",
            mode.as_str()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_alternate_which_client_starts() {
        use Mode::*;
        assert_eq!(
            modes_in_round(1, &Mode::ALL),
            [Kclient, KclientCompact, KubeListWatch, KubeStreaming]
        );
        assert_eq!(
            modes_in_round(2, &Mode::ALL),
            [KubeListWatch, KubeStreaming, Kclient, KclientCompact]
        );
    }
}
