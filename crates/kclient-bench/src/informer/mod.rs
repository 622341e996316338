//! Informer benchmarks: kclient's `SharedIndexInformer` against kube-rs's `reflector` +
//! `watcher`, each client in a child process of its own so its RSS is its own.
//!
//! The parent ([`driver`]) runs one embedded `TestServer` loaded with the realistic 13 KB Pod
//! ([`crate::data::PodTemplate`], managedFields kept), re-executes the benchmark binary once
//! per client and mode ([`child`]), and reads each child's figures from its stdout
//! ([`protocol`]). Figures: time to synced, peak (`VmHWM`) and steady (`VmRSS`) memory
//! ([`proc_status`]), and update-event throughput to 1 and 10 handlers. Each round of
//! children (one per size; one per handler count for throughput) runs kclient's first or
//! kube-rs's first in turn ([`crate::rounds`]). The kube-rs child, like the `informer`
//! binary, needs the `kube-rs` feature.

pub mod child;
pub mod driver;
pub mod error;
pub mod formats;
pub mod proc_status;
pub mod projection;
pub mod protocol;
pub mod section;

pub use error::InformerBenchError;

use crate::rounds::Side;

/// One client and the way it gets its initial state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// kube-rs `watcher::Config::default()`: paginated list (500 per page), then watch.
    KubeListWatch,
    /// kube-rs `watcher::Config::default().streaming_lists()`: `sendInitialEvents=true`.
    KubeStreaming,
    /// kclient `SharedIndexInformer`, `use_watch_list = false`: paginated list (500), watch.
    KclientListWatch,
    /// kclient `SharedIndexInformer`, `use_watch_list = true`: watch-list.
    KclientWatchList,
    /// kube-rs list+watch with managedFields cleared before the store
    /// (`.modify(|pod| pod.managed_fields_mut().clear())`, kube-rs's documented advice).
    KubeListWatchStripped,
    /// kclient list+watch with the `strip_managed_fields` transform.
    KclientListWatchStripped,
    /// kclient list+watch caching `Compact<Pod>`: the server's bytes (protobuf, as asked
    /// for by default) plus typed metadata, nothing dropped (managedFields kept), decoded on
    /// read.
    KclientListWatchCompact,
    /// kclient watch-list caching `Compact<Pod>`.
    KclientWatchListCompact,
    /// kclient list+watch caching [`projection::PodSummary`], a `#[derive(Resource)]`
    /// projection of Pod holding metadata and the few spec/status fields a controller reads.
    KclientListWatchProjection,
    /// The projection with the `strip_managed_fields` transform.
    KclientListWatchProjectionStripped,
    /// [`Mode::KclientListWatch`] with `Config::json_only()`: kclient reading JSON, to
    /// measure protobuf (the default for built-in kinds) against it.
    KclientListWatchJson,
    /// [`Mode::KclientListWatchCompact`] with `Config::json_only()`: `Compact<Pod>` holding
    /// JSON text.
    KclientListWatchCompactJson,
}

impl Mode {
    /// Every mode, kube-rs's first. The driver runs them in [`crate::rounds`] order: kclient's
    /// first in odd rounds, kube-rs's first in even ones, each side's in this order.
    pub const ALL: [Mode; 12] = [
        Mode::KubeListWatch,
        Mode::KubeStreaming,
        Mode::KubeListWatchStripped,
        Mode::KclientListWatch,
        Mode::KclientWatchList,
        Mode::KclientListWatchStripped,
        Mode::KclientListWatchCompact,
        Mode::KclientWatchListCompact,
        Mode::KclientListWatchProjection,
        Mode::KclientListWatchProjectionStripped,
        Mode::KclientListWatchJson,
        Mode::KclientListWatchCompactJson,
    ];

    /// The command-line name of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::KubeListWatch => "kube-list-watch",
            Mode::KubeStreaming => "kube-streaming",
            Mode::KclientListWatch => "kclient-list-watch",
            Mode::KclientWatchList => "kclient-watch-list",
            Mode::KubeListWatchStripped => "kube-list-watch-stripped",
            Mode::KclientListWatchStripped => "kclient-list-watch-stripped",
            Mode::KclientListWatchCompact => "kclient-list-watch-compact",
            Mode::KclientWatchListCompact => "kclient-watch-list-compact",
            Mode::KclientListWatchProjection => "kclient-list-watch-projection",
            Mode::KclientListWatchProjectionStripped => "kclient-list-watch-projection-stripped",
            Mode::KclientListWatchJson => "kclient-list-watch-json",
            Mode::KclientListWatchCompactJson => "kclient-list-watch-compact-json",
        }
    }

    /// Parses [`Mode::as_str`].
    pub fn parse(text: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// True for the kube-rs modes.
    pub fn is_kube(self) -> bool {
        matches!(
            self,
            Mode::KubeListWatch | Mode::KubeStreaming | Mode::KubeListWatchStripped
        )
    }

    /// The client this mode measures.
    pub fn side(self) -> Side {
        if self.is_kube() {
            Side::KubeRs
        } else {
            Side::Kclient
        }
    }

    /// The kube-rs mode that gets its initial state the same way as this kclient mode.
    pub fn kube_counterpart(self) -> Mode {
        match self {
            Mode::KclientListWatch
            | Mode::KclientListWatchCompact
            | Mode::KclientListWatchProjection
            | Mode::KclientListWatchJson
            | Mode::KclientListWatchCompactJson
            | Mode::KubeListWatch => Mode::KubeListWatch,
            Mode::KclientWatchList | Mode::KclientWatchListCompact | Mode::KubeStreaming => {
                Mode::KubeStreaming
            }
            Mode::KclientListWatchStripped
            | Mode::KclientListWatchProjectionStripped
            | Mode::KubeListWatchStripped => Mode::KubeListWatchStripped,
        }
    }

    /// True for the kclient modes that use watch-list.
    pub fn uses_watch_list(self) -> bool {
        matches!(self, Mode::KclientWatchList | Mode::KclientWatchListCompact)
    }

    /// True for the kclient modes that cache `Compact<Pod>`.
    pub fn is_compact(self) -> bool {
        matches!(
            self,
            Mode::KclientListWatchCompact
                | Mode::KclientWatchListCompact
                | Mode::KclientListWatchCompactJson
        )
    }

    /// True for the kclient modes that read JSON only (`Config::json_only()`).
    pub fn json_only(self) -> bool {
        matches!(
            self,
            Mode::KclientListWatchJson | Mode::KclientListWatchCompactJson
        )
    }

    /// The mode this JSON-only mode is the JSON twin of (same cache, protobuf on the wire).
    pub fn protobuf_twin(self) -> Option<Mode> {
        match self {
            Mode::KclientListWatchJson => Some(Mode::KclientListWatch),
            Mode::KclientListWatchCompactJson => Some(Mode::KclientListWatchCompact),
            _ => None,
        }
    }

    /// True for the kclient modes that cache the derived [`projection::PodSummary`].
    pub fn is_projection(self) -> bool {
        matches!(
            self,
            Mode::KclientListWatchProjection | Mode::KclientListWatchProjectionStripped
        )
    }

    /// True for the modes that drop managedFields before storing.
    pub fn strips_managed_fields(self) -> bool {
        matches!(
            self,
            Mode::KubeListWatchStripped
                | Mode::KclientListWatchStripped
                | Mode::KclientListWatchProjectionStripped
        )
    }
}

/// The label every benchmark update sets, so handlers count only those events (not the
/// initial adds still buffered when the measurement starts).
pub const TICK_LABEL: &str = "bench-tick";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip_and_pair_up() {
        for mode in Mode::ALL {
            assert_eq!(Mode::parse(mode.as_str()), Some(mode));
            assert!(mode.kube_counterpart().is_kube());
            assert_eq!(mode.side() == Side::KubeRs, mode.is_kube());
        }
        assert_eq!(Mode::parse("kube"), None);
        assert_eq!(
            Mode::KclientWatchList.kube_counterpart(),
            Mode::KubeStreaming
        );
    }
}
