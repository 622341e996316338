//! Whether an informer's resource is served: the factory follows each reflector's
//! [`ReflectorHealth::not_served`] into the informer's [`InformerState`] and an optional
//! callback, and (only when asked to) stops an informer whose resource is not served.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

use tokio::sync::watch;

use super::{InformerId, InformerState};
use crate::reflector::{
    ErrorAction, ErrorHandler, ErrorKind, ReflectorError, ReflectorHealth, log_and_retry,
};

/// A change in whether an informer's resource is served, passed to the callback set with
/// [`SharedInformerFactoryBuilder::on_served_change`](super::SharedInformerFactoryBuilder::on_served_change).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ServedChange {
    /// The server answered 404 for the resource (its CRD was deleted, or its API group went
    /// away). The informer retries with backoff, unless the factory was built with
    /// [`stop_when_not_served`](super::SharedInformerFactoryBuilder::stop_when_not_served).
    NotServed(Arc<ReflectorError>),
    /// The resource is served again: a list or watch succeeded and the informer's cache is
    /// being replaced with the server's state (objects of the resource's previous life are
    /// deleted from it, and handlers are told so).
    Served,
}

/// The callback told of every [`ServedChange`] of a factory's informers. It runs on the
/// informer's tokio task, so it should return quickly and must not block.
pub type OnServedChange = Arc<dyn Fn(&InformerId, &ServedChange) + Send + Sync>;

/// The error handler of a factory's informers: a resource that is not served (404) stops
/// the informer when the factory was built to do so; everything else, and 404 by default,
/// is logged and retried with backoff, as client-go's reflector does.
pub(super) fn error_handler(stop_when_not_served: bool) -> ErrorHandler {
    if !stop_when_not_served {
        return log_and_retry();
    }
    let retry = log_and_retry();
    Arc::new(move |err: &ReflectorError| {
        if err.kind() == ErrorKind::NotFound {
            tracing::error!(error = %err, "resource is not served; informer stopping as configured");
            ErrorAction::Stop
        } else {
            retry(err)
        }
    })
}

/// Carries one informer's served state into its [`InformerState`] and the callback.
pub(super) struct ServedTracker {
    id: InformerId,
    state: watch::Sender<InformerState>,
    on_change: Option<OnServedChange>,
    not_served: bool,
}

impl fmt::Debug for ServedTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServedTracker")
            .field("id", &self.id)
            .field("not_served", &self.not_served)
            .finish_non_exhaustive()
    }
}

impl ServedTracker {
    pub(super) fn new(
        id: InformerId,
        state: watch::Sender<InformerState>,
        on_change: Option<OnServedChange>,
    ) -> Self {
        Self {
            id,
            state,
            on_change,
            not_served: false,
        }
    }

    /// Follows `health` until the informer's task ends (the caller drops this future).
    pub(super) async fn follow(
        &mut self,
        health: impl Future<Output = watch::Receiver<ReflectorHealth>>,
    ) -> Infallible {
        let mut health = health.await;
        loop {
            let snapshot = health.borrow_and_update().clone();
            self.update(&snapshot);
            if health.changed().await.is_err() {
                // The reflector is gone; the task's end sets the final state.
                return std::future::pending().await;
            }
        }
    }

    /// Reports a change of the served state, if `health` shows one.
    pub(super) fn update(&mut self, health: &ReflectorHealth) {
        if health.not_served == self.not_served {
            return;
        }
        // The reflector records the 404 with the flag; without it there is nothing to say.
        let error = health.last_error.clone().filter(|_| health.not_served);
        if health.not_served && error.is_none() {
            return;
        }
        self.not_served = health.not_served;
        let change = match error {
            Some(err) => {
                self.state.send_if_modified(|s| {
                    let running = matches!(s, InformerState::Running);
                    if running {
                        *s = InformerState::NotServed(err.clone());
                    }
                    running
                });
                tracing::warn!(informer = %self.id, error = %err, "resource is not served");
                ServedChange::NotServed(err)
            }
            None => {
                self.state.send_if_modified(|s| {
                    let not_served = matches!(s, InformerState::NotServed(_));
                    if not_served {
                        *s = InformerState::Running;
                    }
                    not_served
                });
                tracing::info!(informer = %self.id, "resource is served again; relisted");
                ServedChange::Served
            }
        };
        if let Some(on_change) = &self.on_change {
            on_change(&self.id, &change);
        }
    }
}
