//! Protobuf against JSON in the same run: each JSON-only kclient mode beside its protobuf
//! twin (the same cache, protobuf on the wire as kclient asks for built-in kinds by
//! default), with the goals for protobuf judged.

use std::fmt::Write as _;
use std::path::Path;

use crate::informer::driver::{Results, SyncRun};
use crate::report::format_value;

/// Start of the generated protobuf-against-JSON section.
pub const BEGIN_MARKER: &str =
    "<!-- kclient-bench informer formats: begin (generated, do not edit) -->";
/// End of the generated protobuf-against-JSON section.
pub const END_MARKER: &str = "<!-- kclient-bench informer formats: end -->";

/// Protobuf sync at least this many times faster than JSON sync.
pub const SYNC_SPEEDUP_GOAL: f64 = 2.0;

const MB: f64 = 1e6;

/// Each JSON run with its protobuf twin of the same size.
fn pairs(results: &Results) -> Vec<(&SyncRun, &SyncRun)> {
    results
        .syncs
        .iter()
        .filter_map(|json| {
            let twin = json.mode.protobuf_twin()?;
            let protobuf = results
                .syncs
                .iter()
                .find(|r| r.mode == twin && r.pods == json.pods)?;
            Some((json, protobuf))
        })
        .collect()
}

fn cache(run: &SyncRun) -> &'static str {
    if run.mode.is_compact() {
        "Compact<Pod>"
    } else {
        "Pod"
    }
}

/// Writes `section` between this section's markers of the document at `path`.
pub fn update_document(path: &Path, section: &str) -> std::io::Result<()> {
    crate::informer::section::update_document_between(path, BEGIN_MARKER, END_MARKER, section)
}

/// The table and the goals, or nothing when no JSON mode ran beside its twin.
pub fn render(results: &Results) -> String {
    let pairs = pairs(results);
    if pairs.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n### Protobuf against JSON (kclient, same run)\n\n\
         | Pods | cache | synced, JSON (s) | synced, protobuf (s) | JSON ÷ protobuf | kube-rs synced, JSON, full Pod (s) | peak RSS, JSON / protobuf (MB) | steady RSS, JSON / protobuf (MB) | bytes per Pod, JSON / protobuf |\n\
         |---:|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (json, protobuf) in &pairs {
        let kube = results
            .syncs
            .iter()
            .find(|r| r.mode == json.mode.kube_counterpart() && r.pods == json.pods)
            .map_or("—".to_owned(), |r| format!("{:.2}", r.secs));
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} | {:.2} | {:.2} | {kube} | {:.1} / {:.1} | {:.1} / {:.1} | {} / {} |",
            format_value(json.pods as f64),
            cache(json),
            json.secs,
            protobuf.secs,
            json.secs / protobuf.secs.max(f64::EPSILON),
            json.peak as f64 / MB,
            protobuf.peak as f64 / MB,
            json.steady as f64 / MB,
            protobuf.steady as f64 / MB,
            format_value(json.bytes_per_pod().round()),
            format_value(protobuf.bytes_per_pod().round()),
        );
    }
    out.push('\n');
    for line in goals(&pairs) {
        let _ = writeln!(out, "- {line}");
    }
    out
}

fn goals(pairs: &[(&SyncRun, &SyncRun)]) -> Vec<String> {
    let verdict = |met: bool| if met { "**met**" } else { "**not met**" };
    let mut lines = Vec::new();
    for (json, protobuf) in pairs {
        let what = format!("{} Pods, {}", format_value(json.pods as f64), cache(json));
        let speedup = json.secs / protobuf.secs.max(f64::EPSILON);
        lines.push(format!(
            "{what}: protobuf sync {speedup:.2}× faster than JSON (goal ≥ {SYNC_SPEEDUP_GOAL}×): {}",
            verdict(speedup >= SYNC_SPEEDUP_GOAL)
        ));
        if json.mode.is_compact() {
            let (j, p) = (json.bytes_per_pod(), protobuf.bytes_per_pod());
            lines.push(format!(
                "{what}: {} bytes per cached Pod over protobuf, {} over JSON (goal: less): {}",
                format_value(p.round()),
                format_value(j.round()),
                verdict(p < j)
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::informer::Mode;

    fn sync(mode: Mode, secs: f64, steady: u64) -> SyncRun {
        SyncRun {
            mode,
            pods: 10_000,
            secs,
            base: 10_000_000,
            peak: steady,
            rss_at_sync: steady,
            steady,
        }
    }

    #[test]
    fn json_runs_pair_with_their_protobuf_twins_and_goals_are_judged() {
        let results = Results {
            syncs: vec![
                sync(Mode::KubeListWatch, 3.0, 900_000_000),
                sync(Mode::KclientListWatch, 1.0, 500_000_000),
                sync(Mode::KclientListWatchJson, 1.5, 500_000_000),
                sync(Mode::KclientListWatchCompact, 0.4, 110_000_000),
                sync(Mode::KclientListWatchCompactJson, 1.0, 160_000_000),
            ],
            ..Results::default()
        };
        let text = render(&results);
        assert!(
            text.contains("| 10,000 | Pod | 1.50 | 1.00 | 1.50 |"),
            "{text}"
        );
        assert!(
            text.contains("| 10,000 | Compact<Pod> | 1.00 | 0.40 | 2.50 |"),
            "{text}"
        );
        let goals: Vec<&str> = text.lines().filter(|l| l.starts_with("- ")).collect();
        assert_eq!(goals.len(), 3, "{text}");
        assert!(goals[0].contains("1.50×") && goals[0].ends_with("**not met**"));
        assert!(goals[1].contains("2.50×") && goals[1].ends_with("**met**"));
        assert!(goals[2].contains("10,000 bytes") && goals[2].ends_with("**met**"));
        assert_eq!(render(&Results::default()), "");
    }
}
