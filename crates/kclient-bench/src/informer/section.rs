//! The informer section of `docs/benchmarks.md`: tables of [`Figure`]s (each kclient mode
//! against the kube-rs mode that fetches its initial state the same way), the goals from
//! the issue with met / not met, and the splice between this section's own markers.

use std::fmt::Write as _;
use std::path::Path;

use crate::informer::Mode;
use crate::informer::driver::{EventRun, Results, SyncRun};
use crate::report::{Figure, format_value, table};

/// Start of the generated informer section.
pub const BEGIN_MARKER: &str = "<!-- kclient-bench informer: begin (generated, do not edit) -->";
/// End of the generated informer section.
pub const END_MARKER: &str = "<!-- kclient-bench informer: end -->";

/// The goals from the issue.
pub const SYNC_SPEEDUP_GOAL: f64 = 1.5;
/// kclient steady RSS ÷ kube-rs steady RSS at most this.
pub const STEADY_RATIO_GOAL: f64 = 0.5;
/// kclient peak ÷ its own steady RSS at most this.
pub const PEAK_OVER_STEADY_GOAL: f64 = 1.3;

const MB: f64 = 1e6;

fn label(mode: Mode) -> &'static str {
    match mode {
        Mode::KclientListWatch | Mode::KubeListWatch => "list+watch",
        Mode::KclientWatchList | Mode::KubeStreaming => "watch-list",
        Mode::KclientListWatchStripped | Mode::KubeListWatchStripped => {
            "list+watch, managedFields stripped by both"
        }
        Mode::KclientListWatchCompact => "list+watch, kclient caching Compact<Pod>",
        Mode::KclientWatchListCompact => "watch-list, kclient caching Compact<Pod>",
        Mode::KclientListWatchProjection => "list+watch, kclient caching a derived Pod projection",
        Mode::KclientListWatchProjectionStripped => {
            "list+watch, managedFields stripped by both, kclient caching a derived Pod projection"
        }
        Mode::KclientListWatchJson => "list+watch, kclient reading JSON",
        Mode::KclientListWatchCompactJson => {
            "list+watch, kclient caching Compact<Pod> read as JSON"
        }
    }
}

fn find(runs: &[SyncRun], mode: Mode, pods: usize) -> Option<&SyncRun> {
    runs.iter().find(|r| r.mode == mode && r.pods == pods)
}

/// Each kclient sync run with its kube-rs counterpart of the same size.
fn pairs(results: &Results) -> Vec<(&SyncRun, &SyncRun)> {
    results
        .syncs
        .iter()
        .filter(|r| !r.mode.is_kube())
        .filter_map(|ours| {
            Some((
                ours,
                find(&results.syncs, ours.mode.kube_counterpart(), ours.pods)?,
            ))
        })
        .collect()
}

/// The sync and memory figures.
pub fn sync_figures(results: &Results) -> Vec<Figure> {
    let mut figures = Vec::new();
    for (ours, theirs) in pairs(results) {
        let name = |what: &str| {
            format!(
                "{} Pods, {}: {what}",
                format_value(ours.pods as f64),
                label(ours.mode)
            )
        };
        figures.push(Figure::lower(
            name("time to synced"),
            "s",
            ours.secs,
            theirs.secs,
        ));
        figures.push(Figure::lower(
            name("peak RSS (VmHWM)"),
            "MB",
            ours.peak as f64 / MB,
            theirs.peak as f64 / MB,
        ));
        figures.push(Figure::lower(
            name("steady RSS (VmRSS after settle)"),
            "MB",
            ours.steady as f64 / MB,
            theirs.steady as f64 / MB,
        ));
        figures.push(Figure::lower(
            name("steady RSS above baseline per cached Pod"),
            "bytes",
            ours.bytes_per_pod(),
            theirs.bytes_per_pod(),
        ));
        figures.push(Figure::lower(
            name("peak ÷ steady RSS"),
            "ratio",
            ours.peak as f64 / ours.steady.max(1) as f64,
            theirs.peak as f64 / theirs.steady.max(1) as f64,
        ));
    }
    figures
}

fn find_events(runs: &[EventRun], kube: bool, handlers: usize) -> Option<&EventRun> {
    runs.iter()
        .find(|r| r.mode.is_kube() == kube && r.handlers == handlers)
}

/// The throughput figures.
pub fn event_figures(results: &Results) -> Vec<Figure> {
    let mut handlers: Vec<usize> = results.events.iter().map(|r| r.handlers).collect();
    handlers.sort_unstable();
    handlers.dedup();
    handlers
        .into_iter()
        .filter_map(|h| {
            let ours = find_events(&results.events, false, h)?;
            let theirs = find_events(&results.events, true, h)?;
            Some(Figure::higher(
                format!(
                    "{} updates after sync, {h} handler{}: updates/s reaching each handler",
                    format_value(ours.events as f64),
                    if h == 1 { "" } else { "s" }
                ),
                "updates/s",
                ours.per_handler(),
                theirs.per_handler(),
            ))
        })
        .collect()
}

/// The goals of the issue, one line each with the measured value and met / not met.
pub fn goals(results: &Results) -> Vec<String> {
    let verdict = |met: bool| if met { "**met**" } else { "**not met**" };
    let mut lines = Vec::new();
    for (ours, theirs) in pairs(results) {
        let what = format!(
            "{} Pods, {}",
            format_value(ours.pods as f64),
            label(ours.mode)
        );
        let speedup = theirs.secs / ours.secs.max(f64::EPSILON);
        lines.push(format!(
            "{what}: sync {speedup:.2}× faster than kube-rs (goal ≥ {SYNC_SPEEDUP_GOAL}×): {}",
            verdict(speedup >= SYNC_SPEEDUP_GOAL)
        ));
        let steady = ours.steady as f64 / theirs.steady.max(1) as f64;
        lines.push(format!(
            "{what}: steady RSS {steady:.2}× kube-rs's (goal ≤ {STEADY_RATIO_GOAL}×): {}",
            verdict(steady <= STEADY_RATIO_GOAL)
        ));
        let peak = ours.peak as f64 / ours.steady.max(1) as f64;
        lines.push(format!(
            "{what}: kclient peak {peak:.2}× its steady RSS (goal ≤ {PEAK_OVER_STEADY_GOAL}×): {}",
            verdict(peak <= PEAK_OVER_STEADY_GOAL)
        ));
    }
    lines
}

/// The raw per-child figures, kube-rs included, for reading the tables' inputs.
fn raw(results: &Results) -> String {
    let mut out = String::from(
        "| Pods | client, mode | synced (s) | baseline RSS (MB) | RSS at sync (MB) | peak (MB) | steady (MB) |\n|---:|---|---:|---:|---:|---:|---:|\n",
    );
    for r in &results.syncs {
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} | {:.1} | {:.1} | {:.1} | {:.1} |",
            format_value(r.pods as f64),
            r.mode.as_str(),
            r.secs,
            r.base as f64 / MB,
            r.rss_at_sync as f64 / MB,
            r.peak as f64 / MB,
            r.steady as f64 / MB,
        );
    }
    out.push_str("\n| client, mode | handlers | updates | drained in (s) | server wrote them in (s) |\n|---|---:|---:|---:|---:|\n");
    for r in &results.events {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.3} | {:.2} |",
            r.mode.as_str(),
            r.handlers,
            format_value(r.events as f64),
            r.secs,
            r.write_secs
        );
    }
    out
}

/// The whole generated section (without markers); `preamble` says how it was run.
pub fn render(results: &Results, preamble: &str) -> String {
    let mut out = String::from(preamble);
    out.push_str("\n\n### Time to synced and memory\n\n");
    out.push_str(&table(&sync_figures(results)));
    out.push_str("\n### Event throughput after sync\n\n");
    out.push_str(&table(&event_figures(results)));
    out.push_str("\n### Goals from the issue\n\n");
    for line in goals(results) {
        let _ = writeln!(out, "- {line}");
    }
    out.push_str("\n### Raw figures per child process\n\n");
    out.push_str(&raw(results));
    out
}

/// `text` with the informer section replaced by `section`, or the section appended.
pub fn splice(text: &str, section: &str) -> String {
    splice_between(text, BEGIN_MARKER, END_MARKER, section)
}

/// `text` with the section between `begin` and `end` replaced by `section`, or the marked
/// section appended: each generated section of the document has markers of its own.
pub fn splice_between(text: &str, begin_marker: &str, end_marker: &str, section: &str) -> String {
    let generated = format!("{begin_marker}\n{section}\n{end_marker}\n");
    match (text.find(begin_marker), text.find(end_marker)) {
        (Some(begin), Some(end)) if end > begin => {
            let after = &text[end + end_marker.len()..];
            let after = after.strip_prefix('\n').unwrap_or(after);
            format!("{}{generated}{after}", &text[..begin])
        }
        _ => {
            let sep = if text.is_empty() || text.ends_with("\n\n") {
                ""
            } else if text.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{text}{sep}{generated}")
        }
    }
}

/// Writes `section` into the document at `path`, keeping everything outside the markers.
pub fn update_document(path: &Path, section: &str) -> std::io::Result<()> {
    update_document_between(path, BEGIN_MARKER, END_MARKER, section)
}

/// Writes `section` between `begin_marker` and `end_marker` of the document at `path`.
pub fn update_document_between(
    path: &Path,
    begin_marker: &str,
    end_marker: &str,
    section: &str,
) -> std::io::Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => return Err(err),
    };
    std::fs::write(
        path,
        splice_between(&text, begin_marker, end_marker, section),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync(mode: Mode, pods: usize, secs: f64, steady: u64) -> SyncRun {
        SyncRun {
            mode,
            pods,
            secs,
            base: 10_000_000,
            peak: steady * 2,
            rss_at_sync: steady,
            steady,
        }
    }

    #[test]
    fn kclient_modes_pair_with_kube_counterparts_and_goals_are_judged() {
        let results = Results {
            syncs: vec![
                sync(Mode::KubeListWatch, 10, 3.0, 400_000_000),
                sync(Mode::KubeStreaming, 10, 3.0, 400_000_000),
                sync(Mode::KclientListWatch, 10, 1.0, 100_000_000),
                sync(Mode::KclientWatchList, 10, 2.5, 300_000_000),
            ],
            ..Results::default()
        };
        let figures = sync_figures(&results);
        assert_eq!(figures.len(), 10);
        assert!(figures[0].name.contains("list+watch: time to synced"));
        assert!((figures[0].ratio() - 1.0 / 3.0).abs() < 1e-9);
        let goals = goals(&results);
        assert!(goals[0].contains("3.00× faster") && goals[0].ends_with("**met**"));
        assert!(goals[1].contains("0.25×") && goals[1].ends_with("**met**"));
        assert!(goals[2].contains("2.00×") && goals[2].ends_with("**not met**"));
        assert!(goals[3].contains("watch-list") && goals[3].ends_with("**not met**"));
    }

    #[test]
    fn splice_keeps_the_rest_of_the_document() {
        let first = splice("# Benchmarks\n\nintro\n", "one");
        assert!(
            first.starts_with("# Benchmarks\n\nintro\n\n<!--"),
            "{first}"
        );
        let edited = format!("{first}\nafter\n");
        let second = splice(&edited, "two");
        assert!(second.contains("two") && !second.contains("one"));
        assert!(second.ends_with("\nafter\n"), "{second}");
        assert_eq!(second.matches(BEGIN_MARKER).count(), 1);
    }
}
