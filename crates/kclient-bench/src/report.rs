//! The comparison table and `docs/benchmarks.md`: every figure next to kube-rs's figure from
//! the same run, as a ratio.

use std::fmt::Write as _;
use std::path::Path;

/// Which direction of a figure is the good one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Throughputs: more is better.
    Higher,
    /// Times, allocations: less is better.
    Lower,
}

/// One measured figure for both clients.
#[derive(Clone, Debug)]
pub struct Figure {
    /// What was measured, e.g. "decode 10,000 Pods: time".
    pub name: String,
    /// The unit of both values, e.g. "s" or "objects/s".
    pub unit: String,
    /// kclient's value.
    pub kclient: f64,
    /// kube-rs's value, same run, same data.
    pub kube: f64,
    /// Which direction is good.
    pub better: Better,
    /// `(kclient, kube-rs)` medians when the values above are best runs: shows how stable the
    /// ratio is on a shared machine.
    pub medians: Option<(f64, f64)>,
}

impl Figure {
    /// A figure where more is better.
    pub fn higher(
        name: impl Into<String>,
        unit: impl Into<String>,
        kclient: f64,
        kube: f64,
    ) -> Self {
        Self {
            name: name.into(),
            unit: unit.into(),
            kclient,
            kube,
            better: Better::Higher,
            medians: None,
        }
    }

    /// A figure where less is better.
    pub fn lower(
        name: impl Into<String>,
        unit: impl Into<String>,
        kclient: f64,
        kube: f64,
    ) -> Self {
        Self {
            better: Better::Lower,
            ..Self::higher(name, unit, kclient, kube)
        }
    }

    /// Records the medians behind best-run values.
    pub fn with_medians(mut self, kclient: f64, kube: f64) -> Self {
        self.medians = Some((kclient, kube));
        self
    }

    /// kclient ÷ kube-rs.
    pub fn ratio(&self) -> f64 {
        ratio(self.kclient, self.kube)
    }

    /// kclient ÷ kube-rs of the medians, if recorded.
    pub fn median_ratio(&self) -> Option<f64> {
        self.medians.map(|(ours, theirs)| ratio(ours, theirs))
    }

    /// The ratio in words: "1.42× better" / "0.80× (worse)" relative to kube-rs.
    pub fn verdict(&self) -> String {
        let ratio = self.ratio();
        if !ratio.is_finite() {
            return "n/a".to_owned();
        }
        // Express as a factor of improvement (>1 = kclient better) in either direction.
        let factor = match self.better {
            Better::Higher => ratio,
            Better::Lower => 1.0 / ratio,
        };
        if (factor - 1.0).abs() < 0.03 {
            "on par".to_owned()
        } else if factor > 1.0 {
            format!("{factor:.2}× better")
        } else {
            format!("{:.2}× worse", 1.0 / factor)
        }
    }
}

fn ratio(ours: f64, theirs: f64) -> f64 {
    if theirs == 0.0 {
        f64::NAN
    } else {
        ours / theirs
    }
}

/// A value with precision that suits its size: `131.0`, `4.27`, `0.0123`, `1,234,567`.
pub fn format_value(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_owned();
    }
    let abs = value.abs();
    if abs >= 1_000.0 {
        let digits = format!("{:.0}", abs);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if value < 0.0 { format!("-{out}") } else { out }
    } else if abs >= 100.0 {
        format!("{value:.1}")
    } else if abs >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    }
}

/// The markdown comparison table.
pub fn table(figures: &[Figure]) -> String {
    let mut out = String::from(
        "| figure | unit | kclient | kube-rs | kclient ÷ kube-rs | verdict | ÷ of medians |\n|---|---|---:|---:|---:|---|---:|\n",
    );
    for f in figures {
        let better = match f.better {
            Better::Higher => "higher is better",
            Better::Lower => "lower is better",
        };
        let _ = writeln!(
            out,
            "| {} | {} ({better}) | {} | {} | {:.3} | {} | {} |",
            f.name,
            f.unit,
            format_value(f.kclient),
            format_value(f.kube),
            f.ratio(),
            f.verdict(),
            f.median_ratio()
                .map_or("—".to_owned(), |r| format!("{r:.3}"))
        );
    }
    out
}

/// Marks the generated part of `docs/benchmarks.md`; text outside the markers is kept.
pub const BEGIN_MARKER: &str = "<!-- kclient-bench report: begin (generated, do not edit) -->";
/// End of the generated part.
pub const END_MARKER: &str = "<!-- kclient-bench report: end -->";

/// The document written when none exists yet.
const PREAMBLE: &str = "# Benchmarks: kclient vs kube-rs\n\n\
Every figure is measured for kclient and for kube-rs in the same run, on the same bytes and the\n\
same server, and reported as a ratio. The section between the markers is rewritten by\n\
`cargo run --release -p kclient-bench --features kube-rs --bin report`; everything else is kept.\n\n";

/// Replaces the generated section of the document at `path` with `section` (creating the
/// file, with a short preamble, if needed).
pub fn update_document(path: &Path, section: &str) -> std::io::Result<()> {
    let generated = format!("{BEGIN_MARKER}\n{section}\n{END_MARKER}\n");
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err),
    };
    let text = match existing {
        Some(text) => splice(&text, &generated),
        None => format!("{PREAMBLE}{generated}"),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

/// `text` with its marked section replaced by `generated`, or `generated` appended.
fn splice(text: &str, generated: &str) -> String {
    let begin = text.find(BEGIN_MARKER);
    let end = text.find(END_MARKER);
    match (begin, end) {
        (Some(begin), Some(end)) if end > begin => {
            let mut after = &text[end + END_MARKER.len()..];
            after = after.strip_prefix('\n').unwrap_or(after);
            format!("{}{generated}{after}", &text[..begin])
        }
        _ => {
            let sep = if text.ends_with('\n') { "\n" } else { "\n\n" };
            format!("{text}{sep}{generated}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_follows_the_direction_of_the_figure() {
        assert_eq!(
            Figure::higher("t", "MB/s", 200.0, 100.0).verdict(),
            "2.00× better"
        );
        assert_eq!(Figure::lower("t", "s", 2.0, 1.0).verdict(), "2.00× worse");
        assert_eq!(Figure::lower("t", "s", 1.0, 1.01).verdict(), "on par");
        assert_eq!(Figure::lower("t", "s", 1.0, 0.0).verdict(), "n/a");
    }

    #[test]
    fn values_are_formatted_for_reading() {
        assert_eq!(format_value(1_234_567.4), "1,234,567");
        assert_eq!(format_value(131.04), "131.0");
        assert_eq!(format_value(4.271), "4.27");
        assert_eq!(format_value(0.01234), "0.0123");
        let t = table(&[Figure::higher("list", "objects/s", 3_000.0, 1_500.0)]);
        assert!(
            t.contains(
                "| list | objects/s (higher is better) | 3,000 | 1,500 | 2.000 | 2.00× better | — |"
            ),
            "{t}"
        );
        let t = table(&[Figure::lower("t", "s", 1.0, 2.0).with_medians(1.5, 2.0)]);
        assert!(t.contains("| 0.500 | 2.00× better | 0.750 |"), "{t}");
    }

    #[test]
    fn document_keeps_text_outside_the_markers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docs/benchmarks.md");
        update_document(&path, "first").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Benchmarks") && text.contains("first"));
        let edited = text.replace("# Benchmarks: kclient vs kube-rs", "# Mine") + "\nnotes after\n";
        std::fs::write(&path, edited).unwrap();
        update_document(&path, "second").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Mine"));
        assert!(text.contains("second") && !text.contains("first"));
        assert!(text.ends_with("notes after\n"), "{text}");
        assert_eq!(text.matches(BEGIN_MARKER).count(), 1);
    }
}
