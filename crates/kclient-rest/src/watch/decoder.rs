//! The pure, I/O-free watch decoder.

use std::marker::PhantomData;

use kclient_core::watch::WatchEvent;
use serde::de::DeserializeOwned;

use crate::error::WatchError;

/// Default bound on one buffered watch event: 64 MiB. kube-apiserver objects are limited by
/// etcd to a few MiB, so a line this long means a broken stream, not a large object.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 64 * 1024 * 1024;

/// How many bytes of an offending line an error message quotes.
const SNIPPET_LEN: usize = 64;

/// Incremental decoder for kube-apiserver's JSON watch framing: one `WatchEvent` JSON object
/// per line (`{"type":"ADDED","object":{...}}\n`).
///
/// Feed it bytes as they arrive, split anywhere; it yields every complete event. Blank lines
/// and `\r\n` endings are accepted. It holds at most one incomplete line, bounded by
/// [`WatchDecoder::with_max_event_size`]. At end of stream call [`WatchDecoder::finish`]: a
/// final event without its newline is accepted if it is complete JSON, anything else is
/// [`WatchError::Truncated`]. `ERROR` events are events ([`WatchEvent::Error`]), not errors.
///
/// ```
/// use kclient_rest::watch::WatchDecoder;
/// use kclient_core::watch::WatchEvent;
///
/// let mut decoder = WatchDecoder::<serde_json::Value>::new();
/// let mut events = decoder.feed(br#"{"type":"ADDED","object":{"a":1}}"#);
/// assert!(events.is_empty());
/// events = decoder.feed(b"\n");
/// assert!(matches!(events.as_slice(), [Ok(WatchEvent::Added(_))]));
/// assert!(decoder.finish().is_none());
/// ```
pub struct WatchDecoder<T> {
    buf: Vec<u8>,
    /// Start of the first unconsumed byte in `buf`.
    start: usize,
    /// Bytes in `buf[start..scanned]` are known to hold no newline.
    scanned: usize,
    max_event_size: usize,
    _marker: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for WatchDecoder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchDecoder")
            .field("buffered", &(self.buf.len() - self.start))
            .field("max_event_size", &self.max_event_size)
            .finish()
    }
}

impl<T: DeserializeOwned> Default for WatchDecoder<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: DeserializeOwned> WatchDecoder<T> {
    /// A decoder with the default size bound ([`DEFAULT_MAX_EVENT_SIZE`]).
    pub fn new() -> Self {
        Self::with_max_event_size(DEFAULT_MAX_EVENT_SIZE)
    }

    /// A decoder that fails with [`WatchError::EventTooLarge`] when one event exceeds `limit` bytes.
    pub fn with_max_event_size(limit: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            max_event_size: limit.max(1),
            _marker: PhantomData,
        }
    }

    /// Bytes buffered for the current incomplete event.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Appends bytes; call [`WatchDecoder::next_event`] until it returns `None` afterwards.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.start > 0 && (self.start == self.buf.len() || self.start >= self.buf.len() / 2) {
            // Compact lazily so a chunk with many small events costs one move, not one per event.
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete event, `None` when more bytes are needed. After an error the
    /// stream is unusable and the buffer is dropped.
    pub fn next_event(&mut self) -> Option<Result<WatchEvent<T>, WatchError>> {
        let (start, end) = match self.next_line_range()? {
            Ok(range) => range,
            Err(error) => return Some(Err(error)),
        };
        let result = Self::decode_line(&self.buf[start..end]);
        Some(result.map_err(|error| self.fail(error)))
    }

    /// The next complete line (trimmed, never blank) without decoding it, `None` when more
    /// bytes are needed: for callers that decode lines elsewhere, e.g. on other threads,
    /// with [`WatchDecoder::decode_line`]. An error ends the stream as in `next_event`.
    pub fn next_line(&mut self) -> Option<Result<&[u8], WatchError>> {
        match self.next_line_range()? {
            Ok((start, end)) => Some(Ok(&self.buf[start..end])),
            Err(error) => Some(Err(error)),
        }
    }

    fn next_line_range(&mut self) -> Option<Result<(usize, usize), WatchError>> {
        loop {
            let newline = memchr::memchr(b'\n', &self.buf[self.scanned..]);
            let Some(offset) = newline else {
                self.scanned = self.buf.len();
                if self.buffered() > self.max_event_size {
                    return Some(Err(self.fail(WatchError::EventTooLarge {
                        limit: self.max_event_size,
                    })));
                }
                return None;
            };
            let end = self.scanned + offset;
            let line_start = self.start;
            self.start = end + 1;
            self.scanned = self.start;
            if end - line_start > self.max_event_size {
                return Some(Err(self.fail(WatchError::EventTooLarge {
                    limit: self.max_event_size,
                })));
            }
            let line = &self.buf[line_start..end];
            let leading = line.len() - line.trim_ascii_start().len();
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() {
                continue;
            }
            let start = line_start + leading;
            return Some(Ok((start, start + trimmed.len())));
        }
    }

    /// Decodes one line of the stream (as returned by [`WatchDecoder::next_line`]).
    pub fn decode_line(line: &[u8]) -> Result<WatchEvent<T>, WatchError> {
        kclient_core::json::from_slice::<WatchEvent<T>>(line)
            .map_err(|err| invalid_event(&err, line))
    }

    /// Decodes the bytes left at the end of the stream (as returned by
    /// [`WatchDecoder::finish_line`]): like [`WatchDecoder::decode_line`], except that an
    /// incomplete event is [`WatchError::Truncated`].
    pub fn decode_final_line(pending: &[u8]) -> Result<WatchEvent<T>, WatchError> {
        match kclient_core::json::from_slice::<WatchEvent<T>>(pending) {
            Ok(event) => Ok(event),
            Err(err) if err.is_eof() => Err(WatchError::Truncated {
                pending_bytes: pending.len(),
            }),
            Err(err) => Err(invalid_event(&err, pending)),
        }
    }

    /// Ends the stream without decoding: the pending bytes of a final event without its
    /// newline, if any, for [`WatchDecoder::decode_final_line`].
    pub fn finish_line(&mut self) -> Option<Vec<u8>> {
        let pending = self.buf[self.start..].trim_ascii().to_vec();
        self.reset();
        (!pending.is_empty()).then_some(pending)
    }

    /// Appends `chunk` and returns every event it completes, in order. Stops at the first error.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Result<WatchEvent<T>, WatchError>> {
        self.push(chunk);
        let mut out = Vec::new();
        while let Some(item) = self.next_event() {
            let failed = item.is_err();
            out.push(item);
            if failed {
                break;
            }
        }
        out
    }

    /// Ends the stream: `None` if nothing is pending, the final event if the pending bytes are
    /// one complete event without its newline, otherwise [`WatchError::Truncated`].
    pub fn finish(&mut self) -> Option<Result<WatchEvent<T>, WatchError>> {
        self.finish_line()
            .map(|pending| Self::decode_final_line(&pending))
    }

    fn fail(&mut self, error: WatchError) -> WatchError {
        self.reset();
        error
    }

    fn reset(&mut self) {
        self.buf = Vec::new();
        self.start = 0;
        self.scanned = 0;
    }
}

fn invalid_event(err: &serde_json::Error, line: &[u8]) -> WatchError {
    invalid_record(err.to_string(), line)
}

/// [`WatchError::InvalidEvent`] for a record (a line or a frame) that is not a watch event:
/// the decoder's message and the record's first bytes, bounded, as lossy UTF-8.
pub(crate) fn invalid_record(message: String, record: &[u8]) -> WatchError {
    let cut = record.len().min(SNIPPET_LEN);
    let mut snippet = String::from_utf8_lossy(&record[..cut]).into_owned();
    if record.len() > SNIPPET_LEN {
        snippet.push('…');
    }
    WatchError::InvalidEvent { message, snippet }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    type Event = WatchEvent<Value>;

    const INPUT: &str = concat!(
        r#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}}"#,
        "\n",
        r#"{"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"2"},"data":{"k":"v\nw"}}}"#,
        "\r\n\n",
        r#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"3","annotations":{"k8s.io/initial-events-end":"true"}}}}"#,
        "\n",
        r#"{"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"4"}}}"#,
        "\n",
        r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#,
        "\n",
    );

    fn decode_all(decoder: &mut WatchDecoder<Value>, chunks: &[&[u8]]) -> Vec<Event> {
        let mut events = Vec::new();
        for chunk in chunks {
            for item in decoder.feed(chunk) {
                events.push(item.expect("valid event"));
            }
        }
        if let Some(item) = decoder.finish() {
            events.push(item.expect("valid final event"));
        }
        events
    }

    fn check_events(events: &[Event]) {
        assert_eq!(events.len(), 5);
        assert!(matches!(&events[0], WatchEvent::Added(o) if o["metadata"]["name"] == "a"));
        assert!(matches!(&events[1], WatchEvent::Modified(o) if o["data"]["k"] == "v\nw"));
        match &events[2] {
            WatchEvent::Bookmark(b) => {
                assert_eq!(b.metadata.resource_version, "3");
                assert_eq!(
                    b.metadata.annotations.get("k8s.io/initial-events-end"),
                    Some(&"true".to_owned())
                );
            }
            other => panic!("expected a bookmark, got {other:?}"),
        }
        assert!(matches!(&events[3], WatchEvent::Deleted(_)));
        match &events[4] {
            WatchEvent::Error(status) => {
                assert_eq!(status.code, Some(410));
                assert_eq!(status.reason.as_deref(), Some("Expired"));
            }
            other => panic!("expected an error event, got {other:?}"),
        }
    }

    #[test]
    fn whole_input_in_one_chunk() {
        let mut decoder = WatchDecoder::new();
        check_events(&decode_all(&mut decoder, &[INPUT.as_bytes()]));
    }

    #[test]
    fn split_at_every_byte_offset() {
        let bytes = INPUT.as_bytes();
        for split in 0..=bytes.len() {
            let mut decoder = WatchDecoder::new();
            let (a, b) = bytes.split_at(split);
            check_events(&decode_all(&mut decoder, &[a, b]));
        }
    }

    #[test]
    fn split_at_every_pair_of_offsets() {
        let bytes = INPUT.as_bytes();
        // Every 7th first cut keeps this quadratic test fast while covering all second cuts.
        for first in (0..=bytes.len()).step_by(7) {
            for second in first..=bytes.len() {
                let mut decoder = WatchDecoder::new();
                let chunks = [&bytes[..first], &bytes[first..second], &bytes[second..]];
                check_events(&decode_all(&mut decoder, &chunks));
            }
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        let chunks: Vec<&[u8]> = INPUT.as_bytes().chunks(1).collect();
        let mut decoder = WatchDecoder::new();
        check_events(&decode_all(&mut decoder, &chunks));
    }

    #[test]
    fn final_event_without_newline_is_accepted() {
        let mut decoder = WatchDecoder::<Value>::new();
        assert!(decoder.feed(br#"{"type":"ADDED","object":{}}"#).is_empty());
        assert!(matches!(decoder.finish(), Some(Ok(WatchEvent::Added(_)))));
        assert!(decoder.finish().is_none());
    }

    #[test]
    fn truncated_final_event_is_an_error() {
        let mut decoder = WatchDecoder::<Value>::new();
        let events = decoder.feed(b"{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"MODIF");
        assert_eq!(events.len(), 1);
        assert_eq!(
            decoder.finish(),
            Some(Err(WatchError::Truncated { pending_bytes: 14 }))
        );
    }

    #[test]
    fn whitespace_at_eof_is_fine() {
        let mut decoder = WatchDecoder::<Value>::new();
        assert!(decoder.feed(b"\r\n  \n").is_empty());
        assert!(decoder.finish().is_none());
    }

    #[test]
    fn non_json_line_has_bounded_snippet() {
        let mut decoder = WatchDecoder::<Value>::new();
        let long = format!("<html>{}</html>\n", "x".repeat(500));
        let events = decoder.feed(long.as_bytes());
        match events.as_slice() {
            [Err(WatchError::InvalidEvent { snippet, .. })] => {
                assert!(snippet.starts_with("<html>"));
                assert!(snippet.chars().count() <= SNIPPET_LEN + 1);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn unknown_event_type_is_invalid() {
        let mut decoder = WatchDecoder::<Value>::new();
        let events = decoder.feed(b"{\"type\":\"EXPLODED\",\"object\":{}}\n");
        assert!(matches!(
            events.as_slice(),
            [Err(WatchError::InvalidEvent { .. })]
        ));
    }

    #[test]
    fn typed_decoding_errors_are_invalid_events() {
        let mut decoder = WatchDecoder::<k8s_openapi::api::core::v1::Pod>::new();
        let events = decoder.feed(b"{\"type\":\"ADDED\",\"object\":{\"spec\":7}}\n");
        assert!(matches!(
            events.as_slice(),
            [Err(WatchError::InvalidEvent { .. })]
        ));
    }

    #[test]
    fn oversized_event_is_rejected_without_newline() {
        let mut decoder = WatchDecoder::<Value>::with_max_event_size(16);
        assert!(decoder.feed(b"{\"type\":\"ADD").is_empty());
        let events = decoder.feed(b"ED\",\"object\":{}");
        assert_eq!(
            events.as_slice(),
            [Err(WatchError::EventTooLarge { limit: 16 })]
        );
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn oversized_complete_line_is_rejected() {
        let mut decoder = WatchDecoder::<Value>::with_max_event_size(8);
        let events = decoder.feed(b"{\"type\":\"ADDED\",\"object\":{}}\n");
        assert_eq!(
            events.as_slice(),
            [Err(WatchError::EventTooLarge { limit: 8 })]
        );
    }

    #[test]
    fn many_events_in_many_chunks_keep_the_buffer_small() {
        let line = json!({"type": "ADDED", "object": {"n": 1}}).to_string() + "\n";
        let mut decoder = WatchDecoder::<Value>::new();
        let mut count = 0;
        for _ in 0..1000 {
            count += decoder.feed(line.as_bytes()).len();
            assert!(decoder.buf.len() <= 2 * line.len());
        }
        assert_eq!(count, 1000);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_chunking_yields_the_same_events(cuts in proptest::collection::vec(0usize..600, 0..12)) {
            let bytes = INPUT.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut prev = 0;
            for cut in cuts {
                chunks.push(&bytes[prev..cut]);
                prev = cut;
            }
            chunks.push(&bytes[prev..]);
            let mut decoder = WatchDecoder::new();
            check_events(&decode_all(&mut decoder, &chunks));
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256), split in 0usize..256) {
            let split = split.min(data.len());
            let mut decoder = WatchDecoder::<Value>::with_max_event_size(64);
            let _ = decoder.feed(&data[..split]);
            let _ = decoder.feed(&data[split..]);
            let _ = decoder.finish();
        }
    }
}
