//! A lean typed cache of Pods: [`PodSummary`], a `#[derive(Resource)]` projection holding the
//! metadata and the few spec/status fields a controller typically reads, against the full
//! typed Pod and `Compact<Pod>` in the same informer benchmark (`--bin projection`), and the
//! `docs/benchmarks.md` section of that comparison.

use std::fmt::Write as _;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient::Resource;
use serde::{Deserialize, Serialize};

use crate::informer::Mode;
use crate::informer::driver::{Results, SyncRun};
use crate::report::format_value;

/// Start of the generated projection section.
pub const BEGIN_MARKER: &str = "<!-- kclient-bench projection: begin (generated, do not edit) -->";
/// End of the generated projection section.
pub const END_MARKER: &str = "<!-- kclient-bench projection: end -->";

/// The modes compared, the full typed Pod (the reference) first.
pub const MODES: [Mode; 5] = [
    Mode::KclientListWatch,
    Mode::KclientListWatchStripped,
    Mode::KclientListWatchCompact,
    Mode::KclientListWatchProjection,
    Mode::KclientListWatchProjectionStripped,
];

/// What a scheduling-aware controller reads of a Pod: its metadata (whole, managedFields
/// included, as a typed Pod's), the node, the containers' names and images, the phase and
/// the Pod IP. Every other field of the server's JSON is skipped while decoding.
#[derive(Resource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[resource(inherit = Pod)]
pub struct PodSummary {
    /// The Pod's metadata.
    pub metadata: ObjectMeta,
    /// The fields of `spec` kept.
    #[serde(default)]
    pub spec: PodSummarySpec,
    /// The fields of `status` kept.
    #[serde(default)]
    pub status: PodSummaryStatus,
}

/// `spec.nodeName` and the containers' names and images.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSummarySpec {
    /// The node the Pod is bound to.
    pub node_name: Option<String>,
    /// Name and image of each container.
    #[serde(default)]
    pub containers: Vec<ContainerSummary>,
}

/// A container's name and image.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerSummary {
    /// Container name.
    pub name: String,
    /// Image reference.
    pub image: Option<String>,
}

/// `status.phase` and `status.podIP`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSummaryStatus {
    /// Pending, Running, Succeeded, Failed or Unknown.
    pub phase: Option<String>,
    /// The Pod's IP.
    #[serde(rename = "podIP")]
    pub pod_ip: Option<String>,
}

fn label(mode: Mode) -> &'static str {
    match mode {
        Mode::KclientListWatchCompact => "`Compact<Pod>` (the server's bytes + typed metadata)",
        Mode::KclientListWatchProjection => "`PodSummary` (`#[derive(Resource)]` projection)",
        Mode::KclientListWatchProjectionStripped => {
            "`PodSummary`, managedFields stripped (`strip_managed_fields`)"
        }
        Mode::KclientListWatchStripped => "`Pod`, managedFields stripped (`strip_managed_fields`)",
        _ => "`Pod` (full typed k8s-openapi Pod)",
    }
}

const MB: f64 = 1e6;

/// The median of each mode's runs at `pods`, by steady RSS.
fn median(results: &Results, mode: Mode, pods: usize) -> Option<SyncRun> {
    let mut runs: Vec<&SyncRun> = results
        .syncs
        .iter()
        .filter(|r| r.mode == mode && r.pods == pods)
        .collect();
    runs.sort_by_key(|r| r.steady);
    runs.get(runs.len() / 2).map(|r| (*r).clone())
}

/// The table: one row per cache representation and size, memory relative to the full Pod.
pub fn render(results: &Results, preamble: &str) -> String {
    let mut out = String::from(preamble);
    out.push_str(
        "\n\n| Pods | cached as | time to synced (s) | peak RSS (MB) | steady RSS (MB) | steady above baseline per Pod (bytes) | per Pod ÷ full Pod |\n|---:|---|---:|---:|---:|---:|---:|\n",
    );
    let mut sizes: Vec<usize> = results.syncs.iter().map(|r| r.pods).collect();
    sizes.sort_unstable();
    sizes.dedup();
    for pods in sizes {
        let reference = median(results, Mode::KclientListWatch, pods);
        for mode in MODES {
            let Some(run) = median(results, mode, pods) else {
                continue;
            };
            let ratio = reference
                .as_ref()
                .map_or(f64::NAN, |r| run.bytes_per_pod() / r.bytes_per_pod());
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} | {:.0} | {:.0} | {} | {:.2} |",
                format_value(pods as f64),
                label(mode),
                run.secs,
                run.peak as f64 / MB,
                run.steady as f64 / MB,
                format_value(run.bytes_per_pod()),
                ratio,
            );
        }
    }
    out.push_str("\nRaw figures per child process (bytes):\n\n| Pods | mode | secs | base | peak | RSS at sync | steady |\n|---:|---|---:|---:|---:|---:|---:|\n");
    for run in &results.syncs {
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} | {} | {} | {} | {} |",
            run.pods,
            run.mode.as_str(),
            run.secs,
            run.base,
            run.peak,
            run.rss_at_sync,
            run.steady
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mode: Mode, steady: u64) -> SyncRun {
        SyncRun {
            mode,
            pods: 10_000,
            secs: 1.0,
            base: 0,
            peak: steady * 2,
            rss_at_sync: steady,
            steady,
        }
    }

    #[test]
    fn the_projection_decodes_a_pod_keeping_only_its_fields() {
        let template = crate::data::PodTemplate::bundled().unwrap();
        let mut json = Vec::new();
        template.write_pod(7, &mut json);
        let pod: Pod = serde_json::from_slice(&json).unwrap();
        let summary: PodSummary = serde_json::from_slice(&json).unwrap();
        assert_eq!(summary.metadata, pod.metadata);
        assert_eq!(PodSummary::gvk(), Pod::gvk());
        let spec = pod.spec.unwrap();
        assert_eq!(summary.spec.node_name, spec.node_name);
        assert_eq!(summary.spec.containers.len(), spec.containers.len());
        let status = pod.status.unwrap();
        assert_eq!(summary.status.phase, status.phase);
        assert_eq!(summary.status.pod_ip, status.pod_ip);
        assert!(summary.spec.containers[0].image.is_some());
    }

    #[test]
    fn rows_compare_medians_with_the_full_pod() {
        let results = Results {
            syncs: vec![
                run(Mode::KclientListWatch, 1_000_000),
                run(Mode::KclientListWatchProjection, 3_000_000),
                run(Mode::KclientListWatchProjection, 2_000_000),
                run(Mode::KclientListWatchProjection, 2_500_000),
                run(Mode::KclientListWatchCompact, 500_000),
            ],
            ..Results::default()
        };
        let text = render(&results, "## Projection");
        // The median projection run is the 2.5 MB one: 250 bytes a Pod, 2.5 times the Pod's.
        for row in [
            "| 10,000 | `Pod` (full typed k8s-openapi Pod) | 1.00 | 2 | 1 | 100.0 | 1.00 |",
            "| 10,000 | `PodSummary` (`#[derive(Resource)]` projection) | 1.00 | 5 | 2 | 250.0 | 2.50 |",
            "| 10,000 | `Compact<Pod>` (the server's bytes + typed metadata) | 1.00 | 1 | 0 | 50.00 | 0.50 |",
        ] {
            assert!(text.contains(row), "{row} not in {text}");
        }
    }
}
