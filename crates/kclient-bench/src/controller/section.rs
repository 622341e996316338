//! The controller section of `docs/benchmarks.md`: kclient's figures against each kube-rs
//! mode's (best of the rounds, with the medians), the goals of issue 13 with met / not met,
//! and every child's raw figures.

use std::fmt::Write as _;

use crate::controller::Mode;
use crate::controller::driver::{Results, Run};
use crate::report::{Figure, format_value, table};

/// Start of the generated controller section.
pub const BEGIN_MARKER: &str = "<!-- kclient-bench controller: begin (generated, do not edit) -->";
/// End of the generated controller section.
pub const END_MARKER: &str = "<!-- kclient-bench controller: end -->";

/// kube-rs's time ÷ kclient's time to reconcile everything at least this.
pub const SPEEDUP_GOAL: f64 = 1.5;
/// kclient's steady RSS ÷ kube-rs's at most this ("no more memory").
pub const STEADY_RATIO_GOAL: f64 = 1.0;

const MB: f64 = 1e6;

/// A figure's name, unit, and how to read it off a run.
type Measure = (&'static str, &'static str, fn(&Run) -> f64);

fn label(mode: Mode) -> &'static str {
    match mode {
        Mode::Kclient => "kclient (watch-list)",
        Mode::KclientCompact => "kclient caching Compact<Pod>, decoding in reconcile",
        Mode::KubeListWatch => "kube-rs list+watch (its default)",
        Mode::KubeStreaming => "kube-rs streaming lists (watch-list)",
    }
}

/// Each kclient mode against each kube-rs mode.
fn pairs() -> [(Mode, Mode); 4] {
    [
        (Mode::Kclient, Mode::KubeListWatch),
        (Mode::Kclient, Mode::KubeStreaming),
        (Mode::KclientCompact, Mode::KubeListWatch),
        (Mode::KclientCompact, Mode::KubeStreaming),
    ]
}

fn values(results: &Results, mode: Mode, of: fn(&Run) -> f64) -> Vec<f64> {
    let mut values: Vec<f64> = results
        .runs
        .iter()
        .filter(|r| r.mode == mode)
        .map(of)
        .collect();
    values.sort_by(f64::total_cmp);
    values
}

/// The best (lowest) and the median of `values`, sorted.
fn best_and_median(values: &[f64]) -> Option<(f64, f64)> {
    let best = *values.first()?;
    let mid = values.len() / 2;
    let median = if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    };
    Some((best, median))
}

fn secs(run: &Run) -> f64 {
    run.secs
}

fn steady_mb(run: &Run) -> f64 {
    run.steady as f64 / MB
}

fn peak_mb(run: &Run) -> f64 {
    run.peak as f64 / MB
}

/// kclient against each kube-rs mode that ran: time to reconcile every Pod once, steady and
/// peak RSS, each the best of the rounds with the medians beside.
pub fn figures(results: &Results) -> Vec<Figure> {
    let pods = results.runs.first().map_or(0, |r| r.pods);
    let mut figures = Vec::new();
    for (ours_mode, kube) in pairs() {
        let measures: [Measure; 3] = [
            ("time until every Pod was reconciled once", "s", secs),
            ("steady RSS (VmRSS after settle)", "MB", steady_mb),
            ("peak RSS (VmHWM)", "MB", peak_mb),
        ];
        for (what, unit, of) in measures {
            let ours = best_and_median(&values(results, ours_mode, of));
            let theirs = best_and_median(&values(results, kube, of));
            let (Some((ours, our_median)), Some((theirs, their_median))) = (ours, theirs) else {
                continue;
            };
            let name = format!(
                "{} Pods, {} vs {}: {what}",
                format_value(pods as f64).trim_end_matches(".0"),
                label(ours_mode),
                label(kube)
            );
            figures.push(
                Figure::lower(name, unit, ours, theirs).with_medians(our_median, their_median),
            );
        }
    }
    figures
}

/// The goals of the issue (on the medians), one line each with met / not met.
pub fn goals(results: &Results) -> Vec<String> {
    let verdict = |met: bool| if met { "**met**" } else { "**not met**" };
    let median = |mode, of| best_and_median(&values(results, mode, of)).map(|(_, m)| m);
    let mut lines = Vec::new();
    for (ours_mode, kube) in pairs() {
        let (Some(ours), Some(theirs)) = (median(ours_mode, secs), median(kube, secs)) else {
            continue;
        };
        let speedup = theirs / ours.max(f64::EPSILON);
        lines.push(format!(
            "{} vs {}: every Pod reconciled {speedup:.2}× faster (median; goal ≥ {SPEEDUP_GOAL}×): {}",
            label(ours_mode),
            label(kube),
            verdict(speedup >= SPEEDUP_GOAL)
        ));
        if let (Some(ours), Some(theirs)) = (median(ours_mode, steady_mb), median(kube, steady_mb))
        {
            let ratio = ours / theirs.max(f64::EPSILON);
            lines.push(format!(
                "{} vs {}: steady RSS {ratio:.2}× kube-rs's (median; goal ≤ {STEADY_RATIO_GOAL}×): {}",
                label(ours_mode),
                label(kube),
                verdict(ratio <= STEADY_RATIO_GOAL)
            ));
        }
    }
    lines
}

fn raw(results: &Results) -> String {
    let mut out = String::from(
        "| round | client, mode | all reconciled (s) | baseline RSS (MB) | RSS when done (MB) | peak (MB) | steady (MB) |\n|---:|---|---:|---:|---:|---:|---:|\n",
    );
    for r in &results.runs {
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} | {:.1} | {:.1} | {:.1} | {:.1} |",
            r.round,
            r.mode.as_str(),
            r.secs,
            r.base as f64 / MB,
            r.rss_at_done as f64 / MB,
            r.peak as f64 / MB,
            r.steady as f64 / MB,
        );
    }
    out
}

/// The whole generated section (without markers); `preamble` says how it was run.
pub fn render(results: &Results, preamble: &str) -> String {
    let mut out = String::from(preamble);
    out.push_str("\n\n### Time to reconcile every Pod once, and memory (best of the rounds; medians in the last column)\n\n");
    out.push_str(&table(&figures(results)));
    out.push_str("\n### Goals from issue 13\n\n");
    for line in goals(results) {
        let _ = writeln!(out, "- {line}");
    }
    out.push_str("\n### Raw figures per child process\n\n");
    out.push_str(&raw(results));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mode: Mode, round: usize, secs: f64, steady_mb: u64) -> Run {
        Run {
            mode,
            round,
            pods: 10,
            secs,
            base: 10_000_000,
            rss_at_done: steady_mb * 1_000_000,
            peak: steady_mb * 2_000_000,
            steady: steady_mb * 1_000_000,
        }
    }

    #[test]
    fn best_and_medians_per_mode_and_goals_on_the_medians() {
        let results = Results {
            runs: vec![
                run(Mode::Kclient, 1, 1.0, 100),
                run(Mode::KubeListWatch, 1, 3.0, 200),
                run(Mode::Kclient, 2, 2.0, 120),
                run(Mode::KubeListWatch, 2, 2.0, 100),
            ],
            ..Results::default()
        };
        let figures = figures(&results);
        assert_eq!(figures.len(), 3, "no streaming runs, no streaming figures");
        assert!(
            figures[0]
                .name
                .contains(" Pods, kclient (watch-list) vs kube-rs list+watch"),
            "{}",
            figures[0].name
        );
        assert_eq!((figures[0].kclient, figures[0].kube), (1.0, 2.0));
        assert_eq!(figures[0].medians, Some((1.5, 2.5)));
        let goals = goals(&results);
        assert!(
            goals[0].contains("1.67× faster") && goals[0].ends_with("**met**"),
            "{goals:?}"
        );
        assert!(
            goals[1].contains("0.73×") && goals[1].ends_with("**met**"),
            "{goals:?}"
        );
        assert!(best_and_median(&[]).is_none());
    }
}
