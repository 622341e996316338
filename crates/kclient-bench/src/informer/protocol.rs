//! What a child prints on stdout for the parent: one line per report, `key=value` words.

use std::collections::BTreeMap;

use crate::informer::InformerBenchError;

/// One line from a child.
#[derive(Clone, Debug, PartialEq)]
pub enum Report {
    /// The cache holds every object: seconds since the client started, its object count,
    /// and memory right then.
    Synced {
        /// Seconds from starting the informer/watcher until synced.
        secs: f64,
        /// Objects in the cache.
        objects: u64,
        /// `VmRSS` with the client built, before it started: the process's baseline.
        base: u64,
        /// `VmHWM` at sync, bytes.
        peak: u64,
        /// `VmRSS` at sync, bytes.
        rss: u64,
    },
    /// After the settle time, cache still held.
    Steady {
        /// `VmHWM`, bytes: the peak over the whole run.
        peak: u64,
        /// `VmRSS`, bytes.
        rss: u64,
    },
    /// Handlers are registered and counting; the parent may write its updates now.
    Ready,
    /// Every handler saw every update.
    Events {
        /// Updates each handler received.
        events: u64,
        /// Handlers.
        handlers: u64,
        /// Seconds from the first update reaching any handler to the last reaching the last.
        secs: f64,
    },
}

impl Report {
    /// The line to print (without the newline).
    pub fn to_line(&self) -> String {
        match self {
            Report::Synced {
                secs,
                objects,
                base,
                peak,
                rss,
            } => format!("synced secs={secs} objects={objects} base={base} peak={peak} rss={rss}"),
            Report::Steady { peak, rss } => format!("steady peak={peak} rss={rss}"),
            Report::Ready => "ready".to_owned(),
            Report::Events {
                events,
                handlers,
                secs,
            } => format!("events events={events} handlers={handlers} secs={secs}"),
        }
    }

    /// Parses [`Report::to_line`]; `None` for lines that are not reports (logs).
    pub fn parse(line: &str) -> Result<Option<Report>, InformerBenchError> {
        let mut words = line.split_whitespace();
        let Some(kind) = words.next() else {
            return Ok(None);
        };
        let fields: BTreeMap<&str, &str> = words.filter_map(|w| w.split_once('=')).collect();
        let num = |key: &str| -> Result<f64, InformerBenchError> {
            fields
                .get(key)
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| {
                    InformerBenchError::Protocol(format!("{kind} without {key}: {line:?}"))
                })
        };
        let int = |key: &str| num(key).map(|v| v as u64);
        Ok(Some(match kind {
            "synced" => Report::Synced {
                secs: num("secs")?,
                objects: int("objects")?,
                base: int("base")?,
                peak: int("peak")?,
                rss: int("rss")?,
            },
            "steady" => Report::Steady {
                peak: int("peak")?,
                rss: int("rss")?,
            },
            "ready" => Report::Ready,
            "events" => Report::Events {
                events: int("events")?,
                handlers: int("handlers")?,
                secs: num("secs")?,
            },
            _ => return Ok(None),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_round_trip() {
        let reports = [
            Report::Synced {
                secs: 1.25,
                objects: 10_000,
                base: 9 << 20,
                peak: 3 << 30,
                rss: 1 << 30,
            },
            Report::Steady { peak: 7, rss: 5 },
            Report::Ready,
            Report::Events {
                events: 100,
                handlers: 10,
                secs: 0.5,
            },
        ];
        for report in reports {
            assert_eq!(Report::parse(&report.to_line()).unwrap(), Some(report));
        }
    }

    #[test]
    fn other_lines_are_skipped_and_broken_reports_fail() {
        assert_eq!(Report::parse("").unwrap(), None);
        assert_eq!(Report::parse("2026 INFO something").unwrap(), None);
        assert!(Report::parse("synced secs=1 objects=2 base=1 peak=3").is_err());
        assert!(Report::parse("steady peak=x rss=1").is_err());
    }
}
