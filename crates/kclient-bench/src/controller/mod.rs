//! Controller benchmark: kclient's `Controller` against kube-rs's
//! `kube::runtime::Controller`, each in a child process of its own so its RSS is its own.
//!
//! The parent ([`driver`]) loads one embedded `TestServer` with the bundled 13 KB Pod
//! ([`crate::data::PodTemplate`], managedFields kept), re-executes the benchmark binary once
//! per client and round ([`child`]) and reads each child's figures from its stdout (the
//! informer benchmark's [`protocol`](crate::informer::protocol)). A child starts a controller
//! of Pods with a no-op reconcile and reports the time from start until every Pod was
//! reconciled once, then its memory after a settle ([`proc_status`](crate::informer::proc_status)).
//! Rounds alternate which client goes first ([`crate::rounds`]). The kube-rs child needs the
//! `kube-rs` feature.

pub mod child;
pub mod driver;
pub mod section;

use crate::rounds::Side;

/// One client and the way its controller gets its initial state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// kclient `Controller::<Pod>::new(&factory)`: the factory's informer, watch-list (its
    /// default), falling back to list+watch.
    Kclient,
    /// kclient `Controller::<Compact<Pod>>::compact(&factory)`: the same informer caching each
    /// Pod as its JSON text plus typed metadata; the reconcile decodes the whole Pod, as a
    /// reconcile reading the object would.
    KclientCompact,
    /// kube-rs `Controller::new(api, watcher::Config::default())`: paginated list (500 per
    /// page), then watch.
    KubeListWatch,
    /// kube-rs `Controller::new(api, watcher::Config::default().streaming_lists())`:
    /// `sendInitialEvents=true`, as kclient's default.
    KubeStreaming,
}

impl Mode {
    /// Every mode, kclient's first.
    pub const ALL: [Mode; 4] = [
        Mode::Kclient,
        Mode::KclientCompact,
        Mode::KubeListWatch,
        Mode::KubeStreaming,
    ];

    /// The command-line name of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Kclient => "kclient",
            Mode::KclientCompact => "kclient-compact",
            Mode::KubeListWatch => "kube-list-watch",
            Mode::KubeStreaming => "kube-streaming",
        }
    }

    /// Parses [`Mode::as_str`].
    pub fn parse(text: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// The client this mode measures.
    pub fn side(self) -> Side {
        match self {
            Mode::Kclient | Mode::KclientCompact => Side::Kclient,
            Mode::KubeListWatch | Mode::KubeStreaming => Side::KubeRs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip() {
        for mode in Mode::ALL {
            assert_eq!(Mode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(Mode::parse("kube"), None);
        assert_eq!(Mode::Kclient.side(), Side::Kclient);
        assert_eq!(Mode::KubeStreaming.side(), Side::KubeRs);
    }
}
