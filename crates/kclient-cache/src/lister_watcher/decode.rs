//! Incremental splitting of a list response: each element of `items` is cut out as soon as
//! its bytes have arrived, while the rest of the body is still on the wire, and the body is
//! never held in memory as a whole. Complete items collect in a [`RecordBatch`] that is
//! decoded on its own (in parallel with the next one, see `parallel`). Everything outside
//! `items` (kind, apiVersion, metadata with resourceVersion and continue) is kept as a small
//! "skeleton" and decoded at the end.

use kclient_core::ObjectList;
use kclient_rest::batch::RecordBatch;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::page::{ListCutter, PageMeta};

/// Decodes a batch of list items, in order, each through `transform` if there is one; the
/// first item that fails is the error.
pub(crate) fn decode_items<K: DeserializeOwned>(
    batch: &RecordBatch,
    transform: Option<&crate::reflector::Transform<K>>,
) -> Result<Vec<K>, String> {
    let mut items = Vec::with_capacity(batch.len());
    for raw in batch.iter() {
        let item: K = kclient_core::json::from_slice(raw).map_err(|e| e.to_string())?;
        items.push(match transform {
            Some(t) => t(item),
            None => item,
        });
    }
    Ok(items)
}

/// Where the scanner is, outside of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// In the top-level object, outside `items`.
    Skeleton,
    /// After the `items` key's colon, before its value.
    BeforeItems,
    /// Inside the `items` array.
    Items,
    /// The `items` array is done.
    AfterItems,
}

/// Splits a streamed list body into items and skeleton.
pub(crate) struct ListDecoder {
    buf: Vec<u8>,
    pos: usize,
    depth: usize,
    in_string: bool,
    escape: bool,
    /// Start (in `buf`) of the last string seen at depth 1, and its end.
    last_string: Option<(usize, usize)>,
    mode: Mode,
    item_start: Option<usize>,
    /// A comma has separated items of the array, so an element must follow (`[1,]` and
    /// `[,1]` are not JSON; only `[]` has no element).
    after_comma: bool,
    /// Bytes of `buf` before this index are already in the skeleton.
    copied: usize,
    skeleton: Vec<u8>,
    items: RecordBatch,
}

const ITEMS_KEY: &[u8] = b"\"items\"";

/// Whether a quoted key is `items`, escaped or not (`"\u0069tems"` is the same key to a JSON
/// decoder, so it must be to the splitter, or the items would stay in the skeleton unseen).
fn is_items_key(quoted: &[u8]) -> bool {
    if quoted == ITEMS_KEY {
        return true;
    }
    quoted.contains(&b'\\')
        && serde_json::from_slice::<String>(quoted).is_ok_and(|key| key == "items")
}

impl ListDecoder {
    pub(crate) fn new() -> Self {
        Self {
            buf: Vec::new(),
            pos: 0,
            depth: 0,
            in_string: false,
            escape: false,
            last_string: None,
            mode: Mode::Skeleton,
            item_start: None,
            after_comma: false,
            copied: 0,
            skeleton: Vec::new(),
            items: RecordBatch::default(),
        }
    }

    /// Feeds the next chunk; every item it completes joins the current batch.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<(), String> {
        self.buf.extend_from_slice(chunk);
        while self.pos < self.buf.len() {
            if self.in_string && !self.escape {
                // Most of a body is string contents: jump to the next quote or backslash.
                match memchr::memchr2(b'"', b'\\', &self.buf[self.pos..]) {
                    Some(offset) => self.pos += offset,
                    None => {
                        self.pos = self.buf.len();
                        break;
                    }
                }
            }
            let b = self.buf[self.pos];
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 1 && self.mode == Mode::Skeleton {
                        if let Some((start, _)) = self.last_string {
                            self.last_string = Some((start, self.pos + 1));
                        }
                    }
                }
                self.pos += 1;
                continue;
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    if self.depth == 1 && self.mode == Mode::Skeleton {
                        self.last_string = Some((self.pos, self.pos));
                    }
                    if self.mode == Mode::Items && self.item_start.is_none() {
                        self.item_start = Some(self.pos);
                    }
                }
                b':' if self.depth == 1 && self.mode == Mode::Skeleton => {
                    if self
                        .last_string
                        .is_some_and(|(s, e)| is_items_key(&self.buf[s..e]))
                    {
                        self.mode = Mode::BeforeItems;
                    }
                }
                b'[' if self.mode == Mode::BeforeItems => {
                    // The array itself goes into the skeleton as `[]`.
                    self.skeleton
                        .extend_from_slice(&self.buf[self.copied..=self.pos]);
                    self.skeleton.push(b']');
                    self.depth += 1;
                    self.mode = Mode::Items;
                    self.pos += 1;
                    self.copied = self.pos;
                    continue;
                }
                b'{' | b'[' => {
                    if self.mode == Mode::BeforeItems {
                        // `items` is not an array (e.g. null handled below, or garbage):
                        // leave it to the skeleton decoder to judge.
                        self.mode = Mode::AfterItems;
                    }
                    if self.mode == Mode::Items && self.item_start.is_none() {
                        self.item_start = Some(self.pos);
                    }
                    self.depth += 1;
                }
                b'}' | b']' => {
                    if self.mode == Mode::Items && self.depth == 2 {
                        // End of the items array.
                        if b == b'}' {
                            return Err("items array closed by '}'".to_owned());
                        }
                        if self.item_start.is_none() && self.after_comma {
                            return Err("trailing comma in items".to_owned());
                        }
                        self.finish_item(self.pos)?;
                        self.mode = Mode::AfterItems;
                        self.depth -= 1;
                        self.pos += 1;
                        self.copied = self.pos;
                        continue;
                    }
                    self.depth = self.depth.checked_sub(1).ok_or("unbalanced brackets")?;
                }
                b',' if self.mode == Mode::Items && self.depth == 2 => {
                    if self.item_start.is_none() {
                        return Err("empty element in items".to_owned());
                    }
                    self.after_comma = true;
                    self.finish_item(self.pos)?;
                    self.pos += 1;
                    self.copied = self.pos;
                    continue;
                }
                b' ' | b'\t' | b'\r' | b'\n' => {}
                _ => {
                    if self.mode == Mode::BeforeItems {
                        self.mode = Mode::AfterItems;
                    }
                    if self.mode == Mode::Items && self.item_start.is_none() {
                        self.item_start = Some(self.pos);
                    }
                }
            }
            self.pos += 1;
        }
        self.compact();
        Ok(())
    }

    fn finish_item(&mut self, end: usize) -> Result<(), String> {
        if let Some(start) = self.item_start.take() {
            self.items.push(&self.buf[start..end]);
        }
        Ok(())
    }

    /// The list's metadata as soon as the body has reached `items` (kube-apiserver writes
    /// `metadata` first): the skeleton so far, closed into a JSON object. `None` before that,
    /// and once `items` is done (the caller decodes the whole skeleton then).
    pub(crate) fn early_skeleton(&self) -> Option<Vec<u8>> {
        if self.mode != Mode::Items {
            return None;
        }
        let mut early = self.skeleton.clone();
        early.push(b'}');
        Some(early)
    }

    /// Bytes of complete items not yet taken.
    pub(crate) fn batched_bytes(&self) -> usize {
        self.items.len_bytes()
    }

    /// Takes the complete items collected so far.
    pub(crate) fn take_batch(&mut self) -> RecordBatch {
        std::mem::take(&mut self.items)
    }

    /// Drops bytes that are decoded or copied, so memory stays at about one item.
    fn compact(&mut self) {
        if self.mode != Mode::Items {
            self.skeleton
                .extend_from_slice(&self.buf[self.copied..self.pos]);
            self.copied = self.pos;
        }
        let keep_from = match (self.mode, self.item_start) {
            (Mode::Items, Some(start)) => start,
            _ => self.copied,
        };
        // `last_string` may point into the dropped part only while a key is being read.
        let keep_from = match self.last_string {
            Some((s, _)) if self.mode == Mode::Skeleton => keep_from.min(s),
            _ => keep_from,
        };
        if keep_from == 0 {
            return;
        }
        self.buf.drain(..keep_from);
        self.pos -= keep_from;
        self.copied -= keep_from.min(self.copied);
        if let Some(s) = self.item_start.as_mut() {
            *s -= keep_from;
        }
        if let Some((s, e)) = self.last_string.as_mut() {
            *s = s.saturating_sub(keep_from);
            *e = e.saturating_sub(keep_from);
        }
    }

    /// The last items and the skeleton to decode the list metadata from.
    pub(crate) fn finish(mut self) -> Result<(RecordBatch, Vec<u8>), String> {
        if self.in_string || self.depth != 0 || self.mode == Mode::Items {
            return Err("list body ended early".to_owned());
        }
        self.skeleton
            .extend_from_slice(&self.buf[self.copied..self.pos]);
        Ok((self.items, self.skeleton))
    }
}

impl ListCutter for ListDecoder {
    type Batch = RecordBatch;

    fn push(&mut self, chunk: &[u8]) -> Result<(), String> {
        ListDecoder::push(self, chunk)
    }

    fn early_continue(&self) -> Option<Option<String>> {
        let early = self.early_skeleton()?;
        // Unreadable early metadata is left to the final decode to report.
        let list = kclient_core::json::from_slice::<ObjectList<IgnoredAny>>(&early).ok();
        Some(list.and_then(|l| PageMeta::new(None, l.metadata.continue_).continue_))
    }

    fn batched_bytes(&self) -> usize {
        ListDecoder::batched_bytes(self)
    }

    fn take_batch(&mut self) -> Result<RecordBatch, String> {
        Ok(ListDecoder::take_batch(self))
    }

    fn finish(self) -> Result<(Option<RecordBatch>, PageMeta), String> {
        let (last, skeleton) = ListDecoder::finish(self)?;
        let list: ObjectList<IgnoredAny> =
            kclient_core::json::from_slice(&skeleton).map_err(|e| e.to_string())?;
        debug_assert!(list.items.is_empty());
        let last = (!last.is_empty()).then_some(last);
        let meta = PageMeta::new(list.metadata.resource_version, list.metadata.continue_);
        Ok((last, meta))
    }

    fn decode<K: DeserializeOwned>(
        batch: &RecordBatch,
        transform: Option<&crate::reflector::Transform<K>>,
    ) -> Result<Vec<K>, String> {
        decode_items(batch, transform)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn decode(body: &[u8], chunk: usize) -> Result<(Vec<Value>, Value), String> {
        let mut d = ListDecoder::new();
        let mut items = Vec::new();
        for c in body.chunks(chunk.max(1)) {
            d.push(c)?;
            // Taking batches at arbitrary points must not change the result.
            if d.batched_bytes() > chunk * 3 {
                items.extend(decode_items::<Value>(&d.take_batch(), None)?);
            }
        }
        let (last, skeleton) = d.finish()?;
        items.extend(decode_items::<Value>(&last, None)?);
        Ok((
            items,
            kclient_core::json::from_slice(&skeleton).map_err(|e| e.to_string())?,
        ))
    }

    #[test]
    fn splits_items_and_keeps_metadata_in_any_chunking() {
        let list = json!({
            "kind": "ConfigMapList", "apiVersion": "v1",
            "metadata": {"resourceVersion": "42", "continue": "abc"},
            "items": [
                {"metadata": {"name": "a \"quoted\" ] , {"}, "data": {"items": "[not, an, array]"}},
                {"metadata": {"name": "b"}, "data": {"k": "\\\\"}},
            ],
            "trailing": {"items": [1, 2]}
        });
        let body = serde_json::to_vec_pretty(&list).unwrap();
        for chunk in [1, 2, 3, 7, 64, body.len()] {
            let (items, skeleton) = decode(&body, chunk).unwrap();
            assert_eq!(
                items,
                list["items"].as_array().unwrap().clone(),
                "chunk {chunk}"
            );
            assert_eq!(skeleton["metadata"]["continue"], "abc");
            assert_eq!(skeleton["items"], json!([]));
            assert_eq!(skeleton["trailing"], json!({"items": [1, 2]}));
        }
    }

    #[test]
    fn an_escaped_items_key_is_the_items_key() {
        let body = br#"{"metadata":{"resourceVersion":"3"},"\u0069tems":[{"a":1},{"b":2}]}"#;
        for chunk in [1, 5, body.len()] {
            let (items, skeleton) = decode(body, chunk).unwrap();
            assert_eq!(items, [json!({"a": 1}), json!({"b": 2})], "chunk {chunk}");
            assert_eq!(skeleton["items"], json!([]));
        }
    }

    #[test]
    fn empty_null_and_missing_items() {
        for body in [
            r#"{"metadata":{"resourceVersion":"1"},"items":[]}"#,
            r#"{"metadata":{"resourceVersion":"1"},"items":null}"#,
            r#"{"metadata":{"resourceVersion":"1"}}"#,
        ] {
            let (items, skeleton) = decode(body.as_bytes(), 3).unwrap();
            assert!(items.is_empty(), "{body}");
            assert_eq!(skeleton["metadata"]["resourceVersion"], "1");
        }
    }

    #[test]
    fn truncated_or_bad_bodies_are_errors() {
        for body in [
            r#"{"items":[{"a":1}"#,
            r#"{"items":[{"a":1},{"b":"#,
            r#"{"items":[{"a":tru}]}"#,
            r#"{"items":[1]}}}"#,
            // Found by the list_splitter fuzz target: a JSON decoder refuses these, so the
            // splitter must not quietly skip the missing elements.
            r#"{"\u0069tems": [,]}"#,
            r#"{"items":[,]}"#,
            r#"{"items":[,1]}"#,
            r#"{"items":[1,,2]}"#,
            r#"{"items":[1,]}"#,
            r#"{"items":[1}"#,
            r#"{"items":[1 }"#,
        ] {
            assert!(decode(body.as_bytes(), 4).is_err(), "{body}");
        }
    }

    proptest! {
        #[test]
        fn matches_a_whole_body_decode(
            names in proptest::collection::vec("[a-z\\[\\]{},:\" \\\\]{0,12}", 0..8),
            chunk in 1usize..40,
        ) {
            let items: Vec<Value> = names
                .iter()
                .map(|n| json!({"metadata": {"name": n}, "list": [n, {"x": n}]}))
                .collect();
            let list = json!({"metadata": {"resourceVersion": "9"}, "items": items});
            let body = serde_json::to_vec(&list).unwrap();
            let (got, skeleton) = decode(&body, chunk).unwrap();
            prop_assert_eq!(got, items);
            prop_assert_eq!(&skeleton["metadata"]["resourceVersion"], "9");
        }
    }
}
