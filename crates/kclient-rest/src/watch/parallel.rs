//! [`ParallelEventStream`]: an [`EventStream`](super::EventStream) that decodes batches of
//! events on tokio's blocking pool, several at once, and yields them in stream order.
//!
//! A watch that starts with `sendInitialEvents=true` (watch-list) delivers a whole
//! collection as events in one burst; decoding is then the reader's bottleneck, and one task
//! decodes on one core. Here the task polling the body only splits lines; whenever the body
//! has nothing more ready, or a batch reaches [`BATCH_BYTES`], the batch goes to a decode
//! job. Once a steady watch trickles, every batch is the one event that arrived, so latency
//! stays that of one decode.

use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use futures::stream::FusedStream;
use kclient_core::watch::WatchEvent;
use serde::de::DeserializeOwned;

use super::{Framing, WireFormat};
use crate::batch::{BATCH_BYTES, OrderedDecodes, RecordBatch};
use crate::error::{Error, WatchError};
use crate::stream::ByteStream;

/// The events of one batch, in order; an error ends it.
type Decoded<T> = Vec<Result<WatchEvent<T>, Error>>;

/// A function applied to every decoded object, on the decode job's thread.
pub type ObjectMap<T> = std::sync::Arc<dyn Fn(T) -> T + Send + Sync>;

/// Decodes a batch of event records (lines or frames), stopping after the first that fails.
fn decode_records<T: DeserializeOwned>(
    format: WireFormat,
    batch: &RecordBatch,
    map: Option<&ObjectMap<T>>,
) -> Decoded<T> {
    let mut out = Vec::with_capacity(batch.len());
    for line in batch.iter() {
        let event = format
            .decode::<T>(line)
            .map(|event| match map {
                Some(map) => event.map(|object| map(object)),
                None => event,
            })
            .map_err(Error::from);
        let failed = event.is_err();
        out.push(event);
        if failed {
            break;
        }
    }
    out
}

/// A stream of watch events decoded by up to `parallelism` jobs at once; same items, order
/// and end as [`EventStream`](super::EventStream). Built by
/// [`Request::watch_parallel`](crate::Request::watch_parallel).
pub struct ParallelEventStream<T> {
    bytes: ByteStream,
    decoder: Framing<T>,
    batch: RecordBatch,
    /// Decode jobs, and results known without one (a framing or transport error, the last
    /// line), in stream order.
    decodes: OrderedDecodes<Decoded<T>>,
    map: Option<ObjectMap<T>>,
    ready: VecDeque<Result<WatchEvent<T>, Error>>,
    /// The body ended or failed; no more bytes are read.
    body_done: bool,
    /// An error was yielded: the stream is over.
    failed: bool,
}

impl<T: DeserializeOwned + Send + 'static> ParallelEventStream<T> {
    pub(crate) fn new(
        bytes: ByteStream,
        max_event_size: usize,
        parallelism: NonZeroUsize,
        format: WireFormat,
    ) -> Self {
        Self {
            bytes,
            decoder: Framing::new(format, max_event_size),
            batch: RecordBatch::default(),
            decodes: OrderedDecodes::new(parallelism),
            map: None,
            ready: VecDeque::new(),
            body_done: false,
            failed: false,
        }
    }

    /// Applies `map` to the object of every Added, Modified and Deleted event on the decode
    /// jobs' threads (an informer's transform, say), so it runs in parallel too.
    #[must_use]
    pub fn map_objects(mut self, map: ObjectMap<T>) -> Self {
        self.map = Some(map);
        self
    }

    /// Moves every complete record of the decoder into the batch; a framing error becomes a
    /// result after the batch, and ends the body.
    fn split_lines(&mut self) {
        loop {
            match self.decoder.next_record(&mut self.batch) {
                Some(Ok(())) => {}
                Some(Err(error)) => {
                    self.end_body(vec![Err(Error::from(error))]);
                    return;
                }
                None => return,
            }
        }
    }

    fn dispatch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        let map = self.map.clone();
        let format = self.decoder.format();
        self.decodes
            .spawn(move || decode_records::<T>(format, &batch, map.as_ref()));
    }

    fn end_body(&mut self, last: Decoded<T>) {
        self.dispatch();
        if !last.is_empty() {
            self.decodes.push_ready(last);
        }
        self.body_done = true;
    }

    /// Polls the oldest job; its results move to `ready` when it is done.
    fn poll_oldest(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let results = match self.decodes.poll_oldest(cx) {
            Poll::Pending | Poll::Ready(None) => return Poll::Pending,
            Poll::Ready(Some(Ok(decoded))) => decoded,
            Poll::Ready(Some(Err(join))) => vec![Err(Error::from(WatchError::InvalidEvent {
                message: format!("decode job did not finish: {join}"),
                snippet: String::new(),
            }))],
        };
        self.ready.extend(results);
        Poll::Ready(())
    }
}

impl<T> fmt::Debug for ParallelEventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParallelEventStream")
            .field("decoder", &self.decoder)
            .field("decodes", &self.decodes)
            .field("queued", &self.ready.len())
            .field("body_done", &self.body_done)
            .field("failed", &self.failed)
            .finish()
    }
}

// Nothing is pinned structurally: the byte stream, decoder and join handles move freely.
impl<T> Unpin for ParallelEventStream<T> {}

impl<T: DeserializeOwned + Send + 'static> Stream for ParallelEventStream<T> {
    type Item = Result<WatchEvent<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.failed {
                return Poll::Ready(None);
            }
            if let Some(item) = this.ready.pop_front() {
                if item.is_err() {
                    this.failed = true;
                    this.ready.clear();
                    this.decodes.clear();
                }
                return Poll::Ready(Some(item));
            }
            // A finished oldest job comes first: its events are next in order.
            if this.poll_oldest(cx).is_ready() {
                continue;
            }
            if this.body_done {
                if this.decodes.is_empty() {
                    return Poll::Ready(None);
                }
                // Woken by the oldest job.
                return Poll::Pending;
            }
            if !this.decodes.has_free_slot() && this.batch.len_bytes() >= BATCH_BYTES {
                // Every job slot is busy and a full batch waits: stop reading (back-pressure
                // on the server) until the oldest job, which registered the waker, finishes.
                return Poll::Pending;
            }
            match Pin::new(&mut this.bytes).poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    this.decoder.push(&chunk);
                    this.split_lines();
                    if this.batch.len_bytes() >= BATCH_BYTES && this.decodes.has_free_slot() {
                        this.dispatch();
                    }
                }
                Poll::Ready(Some(Err(error))) => this.end_body(vec![Err(error)]),
                Poll::Ready(None) => {
                    let last = this.decoder.finish().map(|last| last.map_err(Error::from));
                    this.end_body(last.into_iter().collect());
                }
                Poll::Pending => {
                    // Nothing more right now: decode what has arrived instead of waiting
                    // for a full batch, unless every slot is busy (the next free slot takes it).
                    if this.decodes.has_free_slot() {
                        this.dispatch();
                    }
                    if this.decodes.is_empty() || this.poll_oldest(cx).is_pending() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> FusedStream for ParallelEventStream<T> {
    fn is_terminated(&self) -> bool {
        self.failed || (self.body_done && self.decodes.is_empty() && self.ready.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Body;
    use crate::watch::EventStream;
    use bytes::Bytes;
    use futures::StreamExt;
    use http_body_util::StreamBody;
    use proptest::prelude::*;
    use serde_json::Value;

    fn body_of(chunks: Vec<Result<Vec<u8>, Error>>) -> ByteStream {
        let frames = futures::stream::iter(
            chunks
                .into_iter()
                .map(|c| c.map(|b| http_body::Frame::data(Bytes::from(b)))),
        );
        ByteStream::new(Body::from_result_body(StreamBody::new(frames)))
    }

    /// What an item says, comparable across the two streams (errors by their message).
    fn summary(item: &Result<WatchEvent<Value>, Error>) -> String {
        match item {
            Ok(event) => serde_json::to_string(event).unwrap(),
            Err(error) => format!("error: {error}"),
        }
    }

    async fn both(
        body: &[u8],
        cuts: &[usize],
        transport_error_at_end: bool,
        parallelism: usize,
    ) -> (Vec<String>, Vec<String>) {
        let chunks = || {
            let mut chunks: Vec<Result<Vec<u8>, Error>> = Vec::new();
            let mut start = 0;
            for &cut in cuts.iter().chain(std::iter::once(&body.len())) {
                let cut = cut.clamp(start, body.len());
                chunks.push(Ok(body[start..cut].to_vec()));
                start = cut;
            }
            chunks
        };
        let mut serial = chunks();
        let mut parallel = chunks();
        if transport_error_at_end {
            let timeout = std::time::Duration::from_secs(1);
            serial.push(Err(Error::Timeout(timeout)));
            parallel.push(Err(Error::Timeout(timeout)));
        }
        let expected: Vec<_> = EventStream::<Value>::new(body_of(serial), 4096, WireFormat::Json)
            .map(|item| summary(&item))
            .collect()
            .await;
        let got: Vec<_> = ParallelEventStream::<Value>::new(
            body_of(parallel),
            4096,
            NonZeroUsize::new(parallelism).unwrap(),
            WireFormat::Json,
        )
        .map(|item| summary(&item))
        .collect()
        .await;
        (expected, got)
    }

    fn event_line(i: usize, pad: usize) -> String {
        let kind = ["ADDED", "MODIFIED", "DELETED"][i % 3];
        format!(
            "{{\"type\":\"{kind}\",\"object\":{{\"n\":{i},\"pad\":\"{}\"}}}}\n",
            "x".repeat(pad)
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_large_events_arrive_complete_and_in_order() {
        // Enough bytes for several full batches, so jobs really overlap.
        let body: String = (0..400).map(|i| event_line(i, 3000)).collect();
        for parallelism in [1, 2, 4] {
            let cuts: Vec<usize> = (1..200).map(|k| k * 6007).collect();
            let (expected, got) = both(body.as_bytes(), &cuts, false, parallelism).await;
            assert_eq!(
                expected.len(),
                400,
                "{:?}",
                &expected[expected.len().saturating_sub(1)..]
            );
            assert_eq!(got, expected, "parallelism {parallelism}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn errors_end_the_stream_at_the_same_event() {
        let good: String = (0..30).map(|i| event_line(i, 100)).collect();
        // A malformed line, a truncated last event, a complete last event without its
        // newline, an event over the size bound, a transport error after the last event.
        let cases = [
            (format!("{good}nope\n{good}"), false, true),
            (format!("{good}{{\"type\":\"ADDED\",\"obj"), false, true),
            (
                format!("{good}{{\"type\":\"ADDED\",\"object\":{{}}}}"),
                false,
                false,
            ),
            (format!("{good}{}\n{good}", "y".repeat(5000)), false, true),
            (good.clone(), true, true),
        ];
        for (body, transport_error, ends_in_error) in cases {
            for parallelism in [1, 3] {
                let (expected, got) = both(
                    body.as_bytes(),
                    &[17, 900, 901, 2500],
                    transport_error,
                    parallelism,
                )
                .await;
                assert_eq!(got, expected, "parallelism {parallelism}");
                let last = expected.last().unwrap();
                assert_eq!(last.starts_with("error"), ends_in_error, "{last}");
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn map_objects_runs_on_every_object_event() {
        let body: String = (0..50).map(|i| event_line(i, 10)).collect();
        let stream = ParallelEventStream::<Value>::new(
            body_of(vec![Ok(body.into_bytes())]),
            4096,
            NonZeroUsize::new(2).unwrap(),
            WireFormat::Json,
        )
        .map_objects(std::sync::Arc::new(|mut o: Value| {
            o["mapped"] = Value::Bool(true);
            o
        }));
        let events: Vec<_> = stream.collect().await;
        assert_eq!(events.len(), 50);
        for event in events {
            match event.unwrap() {
                WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => {
                    assert_eq!(o["mapped"], true);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn same_items_as_the_serial_stream(
            pads in proptest::collection::vec(0usize..2000, 0..40),
            cuts in proptest::collection::vec(0usize..40_000, 0..12),
            blank_lines in proptest::bool::ANY,
            truncate in 0usize..30,
            parallelism in 1usize..4,
        ) {
            let mut body = String::new();
            for (i, pad) in pads.iter().enumerate() {
                if blank_lines && i % 3 == 0 {
                    body.push_str("\r\n  \n");
                }
                body.push_str(&event_line(i, *pad));
            }
            let cut = body.len().saturating_sub(truncate);
            let body = &body.as_bytes()[..cut];
            let mut cuts = cuts;
            cuts.sort_unstable();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap();
            let (expected, got) = runtime.block_on(both(body, &cuts, false, parallelism));
            prop_assert_eq!(got, expected);
        }
    }
}
