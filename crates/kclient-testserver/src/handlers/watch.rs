//! WATCH: a chunked stream of line-delimited JSON events: initial state or history
//! replay, live events filtered by selectors (with kube-apiserver's ADDED/DELETED
//! transitions), bookmarks, watch-list, timeouts and the drop-after-N fault.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, Response, StatusCode, header};
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use serde_json::{Value, json};
use tokio::sync::mpsc::error::TryRecvError;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Ctx;
use super::context::{json_in_version, value_in_version};
use super::list::{Selectors, parse_rv};
use super::output::{partial_metadata, table_of, table_of_stored};
use super::protobuf;
use crate::error::{ApiResult, ErrorResponse, FieldError};
use crate::registry::Served;
use crate::respond::{Body, Output};
use crate::store::{Event, EventType, Obj, ResourceStore, Subscription, WatchStart, watch_line};

/// kube-apiserver's default watch timeout is randomised around its 30-minute
/// min-request-timeout; one fixed value keeps runs reproducible.
pub(crate) const DEFAULT_WATCH_TIMEOUT: Duration = Duration::from_secs(1800);

/// Stands in for a deadline the clock cannot represent (about 30 years).
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// How long a watch runs, as kube-apiserver derives it from `timeoutSeconds`: the seconds
/// times one second in Go's wrapping 64-bit nanoseconds, the server default when that is
/// zero (or the parameter is absent), and no time at all when it is negative, so
/// `timeoutSeconds` near `i64::MAX` (which wraps negative) ends the watch at once.
pub(crate) fn watch_timeout(seconds: Option<i64>, default: Duration) -> Duration {
    let nanos = seconds.unwrap_or(0).wrapping_mul(1_000_000_000);
    match u64::try_from(nanos) {
        Ok(0) => default,
        Ok(n) => Duration::from_nanos(n),
        Err(_) => Duration::ZERO,
    }
}

fn watch_options_invalid(err: FieldError) -> ErrorResponse {
    ErrorResponse::invalid("meta.k8s.io", "ListOptions", "", &[err])
}

struct Plan {
    start: WatchStart,
    initial_events_end: bool,
}

fn plan(ctx: &Ctx) -> ApiResult<Plan> {
    let q = &ctx.query;
    let rv_match = q
        .resource_version_match
        .as_deref()
        .filter(|s| !s.is_empty());
    if let Some(send) = q.send_initial_events {
        if rv_match != Some("NotOlderThan") {
            return Err(watch_options_invalid(FieldError::forbidden(
                "sendInitialEvents",
                "sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan",
            )));
        }
        if send && !q.allow_watch_bookmarks {
            return Err(watch_options_invalid(FieldError::forbidden(
                "allowWatchBookmarks",
                "allowWatchBookmarks must be set to true when sendInitialEvents is true",
            )));
        }
        let rv = match q.rv() {
            Some(rv) => parse_rv(rv)?,
            None => 0,
        };
        let current = ctx.store().current_rv();
        if rv > current {
            return Err(ErrorResponse::too_large_rv(rv, current));
        }
        return Ok(if send {
            Plan {
                start: WatchStart::InitialState,
                initial_events_end: true,
            }
        } else {
            Plan {
                start: WatchStart::From(if rv == 0 { current } else { rv }),
                initial_events_end: false,
            }
        });
    }
    if rv_match.is_some() {
        return Err(watch_options_invalid(FieldError::forbidden(
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        )));
    }
    let start = match q.rv() {
        None | Some("0") => WatchStart::InitialState,
        Some(rv) => WatchStart::From(parse_rv(rv)?),
    };
    Ok(Plan {
        start,
        initial_events_end: false,
    })
}

/// `GET ...?watch=true` and `/watch/...`.
pub(super) fn watch(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let selectors = Selectors::from_query(ctx)?;
    let output = ctx.output()?;
    let plan = plan(ctx)?;
    let store = ctx.store();
    let timeout = watch_timeout(ctx.query.timeout_seconds, ctx.state.default_watch_timeout);
    let namespace = ctx.req.namespace.clone();
    // Taken before subscribing: a restart after this point cuts this watch too.
    let restart = ctx.state.store.watch_epoch();
    let mut stream = WatchStream {
        served: ctx.served.clone(),
        api_version: ctx.api_version(),
        include_object: ctx.query.include_object.clone(),
        output,
        selectors,
        namespace: namespace.clone(),
        store: store.clone(),
        sub: None,
        initial: Vec::new().into_iter(),
        backlog: Vec::new().into_iter(),
        end_bookmark: None,
        pending: None,
        // A deadline past what the clock can hold is no deadline.
        deadline: Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(|| Instant::now() + FAR_FUTURE),
        bookmarks: ctx
            .query
            .allow_watch_bookmarks
            .then_some(ctx.state.bookmark_interval),
        next_bookmark: None,
        sent: 0,
        table_columns_sent: false,
        drop_after: ctx.state.faults.watch_drop_after(),
        last_rv: 0,
        shutdown: ctx.state.shutdown.clone(),
        restart,
        finished: false,
    };
    match store.watch(namespace, plan.start) {
        Ok(mut sub) => {
            stream.last_rv = sub.rv;
            stream.initial = std::mem::take(&mut sub.initial).into_iter();
            stream.backlog = std::mem::take(&mut sub.backlog).into_iter();
            if plan.initial_events_end {
                stream.end_bookmark = Some(sub.rv);
            }
            stream.sub = Some(sub);
        }
        Err(e) => {
            let status = super::list::read_error(e);
            stream.pending = Some(error_line(output, &status));
            stream.finished = true;
        }
    }
    if let Some(every) = stream.bookmarks {
        stream.next_bookmark = Some(Instant::now() + every);
    }
    let frames = futures::stream::unfold(stream, |mut s| async move {
        s.next_line().await.map(|line| (line, s))
    })
    .map(|line| Ok::<_, Infallible>(Frame::data(line)));
    let mut resp = Response::new(StreamBody::new(frames).boxed_unsync());
    *resp.status_mut() = StatusCode::OK;
    let content_type = if protobuf::is_protobuf(output) {
        kclient_protobuf::WATCH_CONTENT_TYPE
    } else {
        "application/json"
    };
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(resp)
}

fn error_line(output: Output, err: &ErrorResponse) -> Bytes {
    if protobuf::is_protobuf(output) {
        return protobuf::error_frame(err);
    }
    watch_line("ERROR", &err.body())
}

struct WatchStream {
    served: Arc<Served>,
    api_version: String,
    include_object: Option<String>,
    output: Output,
    selectors: Selectors,
    namespace: Option<String>,
    store: Arc<ResourceStore>,
    sub: Option<Subscription>,
    initial: std::vec::IntoIter<Arc<Obj>>,
    backlog: std::vec::IntoIter<Arc<Event>>,
    end_bookmark: Option<u64>,
    pending: Option<Bytes>,
    deadline: Instant,
    bookmarks: Option<Duration>,
    next_bookmark: Option<Instant>,
    sent: u64,
    /// Whether a Table carrying the column definitions went out on this watch.
    table_columns_sent: bool,
    drop_after: Option<u64>,
    last_rv: u64,
    shutdown: CancellationToken,
    /// Cancelled by a restart fault: the watch ends wherever it is, initial events included.
    restart: CancellationToken,
    finished: bool,
}

impl WatchStream {
    fn matches(&self, obj: &Obj) -> bool {
        if let Some(ns) = &self.namespace
            && obj.namespace() != ns
        {
            return false;
        }
        self.selectors.matches(&self.served, obj)
    }

    /// The wire object of an event in the negotiated format. An object that cannot be
    /// rendered ends the watch with an ERROR event, as kube-apiserver does.
    fn line(&mut self, kind: &str, obj: &Obj) -> Bytes {
        match self.render(kind, obj) {
            Ok(line) => line,
            Err(e) => {
                self.finished = true;
                error_line(self.output, &e)
            }
        }
    }

    fn render(&mut self, kind: &str, obj: &Obj) -> Result<Bytes, ErrorResponse> {
        Ok(match self.output {
            Output::Protobuf => {
                protobuf::frame(kind, obj, &self.api_version, &self.served.info.kind)?
            }
            Output::PartialMetadataProtobuf => {
                protobuf::partial_frame(kind, obj, &self.api_version)?
            }
            Output::Table => {
                let mut v = value_in_version(obj, &self.api_version)?;
                crate::crd_schema::default_on_read(&self.served, &mut v);
                let rv = obj.resource_version().to_string();
                watch_line(kind, &self.stored_table(obj, &v, rv)?)
            }
            Output::PartialMetadata => watch_line(kind, &partial_metadata(obj, &self.api_version)?),
            Output::Json | Output::Yaml if crate::crd_schema::has_defaults(&self.served) => {
                let mut v = value_in_version(obj, &self.api_version)?;
                crate::crd_schema::default_on_read(&self.served, &mut v);
                watch_line(kind, &serde_json::to_vec(&v).unwrap_or_default())
            }
            Output::Json | Output::Yaml => {
                watch_line(kind, &json_in_version(obj, &self.api_version)?)
            }
        })
    }

    /// The Table of one watched object. kube-apiserver asks the table convertor for column
    /// definitions only for the first object a watch sends, whatever its event type, and
    /// for none after it: later Tables carry `"columnDefinitions": null`.
    fn table(&mut self, object: &Value, rv: String) -> Vec<u8> {
        let table = table_of(
            &self.served,
            self.include_object.as_deref(),
            &[object],
            json!({"resourceVersion": rv}),
        );
        self.finish_table(table)
    }

    /// [`Self::table`] of a stored object, `object` being it as this watch serves it.
    fn stored_table(
        &mut self,
        obj: &Obj,
        object: &Value,
        rv: String,
    ) -> Result<Vec<u8>, ErrorResponse> {
        let table = table_of_stored(
            &self.served,
            self.include_object.as_deref(),
            &[obj],
            &[object],
            json!({"resourceVersion": rv}),
        )?;
        Ok(self.finish_table(table))
    }

    fn finish_table(&mut self, mut table: Value) -> Vec<u8> {
        if std::mem::replace(&mut self.table_columns_sent, true) {
            table["columnDefinitions"] = Value::Null;
        }
        serde_json::to_vec(&table).unwrap_or_default()
    }

    /// The line a stored event becomes for this watcher, if any.
    fn event_line(&mut self, ev: &Event) -> Option<Bytes> {
        self.last_rv = self.last_rv.max(ev.rv);
        let plain = self.output == Output::Json
            && ev.obj.api_version() == self.api_version
            && !crate::crd_schema::has_defaults(&self.served);
        let unfiltered = self.selectors.is_empty() && self.namespace.is_none();
        if plain && unfiltered {
            return Some(ev.line());
        }
        let now = self.matches(&ev.obj);
        let before = ev.prev.as_deref().is_some_and(|p| self.matches(p));
        let kind = match ev.kind {
            EventType::Added if now => EventType::Added,
            EventType::Modified if now && before => EventType::Modified,
            EventType::Modified if now => EventType::Added,
            EventType::Modified if before => EventType::Deleted,
            EventType::Deleted if now || before => EventType::Deleted,
            _ => return None,
        };
        if plain && kind == ev.kind {
            return Some(ev.line());
        }
        Some(self.line(kind.as_str(), &ev.obj))
    }

    /// A bookmark: an object of the watched kind holding only the resourceVersion (and the
    /// initial-events-end annotation). In a Table watch, kube-apiserver converts it to a
    /// Table like any other object.
    fn bookmark_line(&mut self, rv: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": rv.to_string(), "creationTimestamp": null});
        if initial_events_end && let Some(m) = metadata.as_object_mut() {
            m.insert(
                "annotations".into(),
                json!({ kclient_core::watch::INITIAL_EVENTS_END_ANNOTATION: "true" }),
            );
        }
        let obj = json!({
            "kind": self.served.info.kind,
            "apiVersion": self.api_version,
            "metadata": metadata,
        });
        let body = match self.output {
            Output::Protobuf | Output::PartialMetadataProtobuf => {
                return protobuf::bookmark_frame(self.output, &obj)
                    .unwrap_or_else(|e| error_line(self.output, &e));
            }
            Output::Table => self.table(&obj, rv.to_string()),
            _ => serde_json::to_vec(&obj).unwrap_or_default(),
        };
        watch_line("BOOKMARK", &body)
    }

    fn count_event(&mut self) {
        self.sent += 1;
        if self.drop_after.is_some_and(|n| self.sent >= n) {
            self.finished = true;
        }
    }

    /// A bookmark at the newest RV this watcher is complete up to, preceded by any events
    /// still queued for it; for a watcher the store cut, only those events (then the end).
    fn periodic_bookmark(&mut self) -> Option<Bytes> {
        let current = self.store.current_rv();
        // Everything up to `current` is already in our channel: drain it first so the
        // bookmark never overtakes an event.
        let mut lines = Vec::new();
        // Set when an event could not be rendered: its ERROR line is the last one sent.
        let mut failed = false;
        let mut cut = false;
        if let Some(sub) = self.sub.as_mut() {
            let mut drained = Vec::new();
            let closed = loop {
                match sub.rx.try_recv() {
                    Ok(ev) => drained.push(ev),
                    Err(TryRecvError::Empty) => break false,
                    Err(TryRecvError::Disconnected) => break true,
                }
            };
            // A closed channel means the store cut this watcher for falling behind: events
            // past the drained ones never reached it, so a bookmark at `current` would claim
            // what it never received. kube-apiserver closes such a watcher instead; the
            // client resumes from the last event it got (or gets 410).
            cut = closed;
            for ev in drained {
                if let Some(line) = self.event_line(&ev) {
                    lines.push(line);
                }
                if self.finished {
                    failed = true;
                    break;
                }
            }
        }
        if failed {
            return Some(Bytes::from(lines.concat()));
        }
        let mut out = Vec::new();
        for line in lines {
            out.extend_from_slice(&line);
            self.count_event();
            if self.finished {
                return Some(Bytes::from(out));
            }
        }
        if cut {
            self.finished = true;
            return (!out.is_empty()).then(|| Bytes::from(out));
        }
        let rv = current.max(self.last_rv);
        self.last_rv = rv;
        out.extend_from_slice(&self.bookmark_line(rv, false));
        Some(Bytes::from(out))
    }

    async fn next_line(&mut self) -> Option<Bytes> {
        loop {
            if let Some(line) = self.pending.take() {
                return Some(line);
            }
            if self.finished || self.restart.is_cancelled() {
                return None;
            }
            if let Some(obj) = self.initial.next() {
                if self.matches(&obj) {
                    let line = self.line("ADDED", &obj);
                    self.count_event();
                    return Some(line);
                }
                continue;
            }
            if let Some(rv) = self.end_bookmark.take() {
                return Some(self.bookmark_line(rv, true));
            }
            if let Some(ev) = self.backlog.next() {
                if let Some(line) = self.event_line(&ev) {
                    self.count_event();
                    return Some(line);
                }
                continue;
            }
            let sub = self.sub.as_mut()?;
            let bookmark_at = self.next_bookmark;
            let shutdown = self.shutdown.clone();
            let restart = self.restart.clone();
            tokio::select! {
                _ = shutdown.cancelled() => return None,
                _ = restart.cancelled() => return None,
                _ = tokio::time::sleep_until(self.deadline) => return None,
                ev = sub.rx.recv() => {
                    // A closed channel means this watcher was too slow or the resource went away.
                    let ev = ev?;
                    if let Some(line) = self.event_line(&ev) {
                        self.count_event();
                        return Some(line);
                    }
                }
                _ = sleep_until_opt(bookmark_at) => {
                    self.next_bookmark = self.bookmarks.map(|d| Instant::now() + d);
                    if let Some(lines) = self.periodic_bookmark() {
                        return Some(lines);
                    }
                }
            }
        }
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
#[path = "watch_cut_tests.rs"]
mod cut_tests;
