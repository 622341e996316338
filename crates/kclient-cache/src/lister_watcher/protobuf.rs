//! A list page the server sent as Kubernetes protobuf (a built-in kind asked for with
//! protobuf first): cut into its items by their length prefixes while it arrives
//! ([`kclient_protobuf::ListSplitter`]; no item is looked into), and decoded in batches as
//! JSON pages are (see `page`). kube-apiserver sends the list's metadata before its items:
//! the continue token is known before any item is decoded.

use kclient_protobuf::{ItemDecoder, ListSplitter};
use serde::de::DeserializeOwned;

use super::page::{ListCutter, PageMeta};
use crate::reflector::Transform;

/// Cuts a protobuf list body into batches of items' messages.
pub(crate) struct ProtobufCutter {
    splitter: ListSplitter,
    batch: Vec<Vec<u8>>,
    batched: usize,
}

impl ProtobufCutter {
    pub(crate) fn new() -> Self {
        Self {
            splitter: ListSplitter::new(),
            batch: Vec::new(),
            batched: 0,
        }
    }
}

/// Items' bare messages and the decoder of the list's item type.
pub(crate) struct ProtobufBatch {
    decoder: ItemDecoder,
    messages: Vec<Vec<u8>>,
}

impl ListCutter for ProtobufCutter {
    type Batch = ProtobufBatch;

    fn push(&mut self, chunk: &[u8]) -> Result<(), String> {
        self.splitter.push(chunk);
        while let Some(item) = self.splitter.next_item().map_err(|e| e.to_string())? {
            self.batched += item.len();
            self.batch.push(item);
        }
        Ok(())
    }

    fn early_continue(&self) -> Option<Option<String>> {
        // Unreadable early metadata is left to `finish` to report.
        let meta = self.splitter.list_meta()?;
        Some(
            meta.ok()
                .and_then(|m| PageMeta::new(None, m.continue_).continue_),
        )
    }

    fn batched_bytes(&self) -> usize {
        self.batched
    }

    fn take_batch(&mut self) -> Result<ProtobufBatch, String> {
        // The splitter hands out no item before the list's type.
        let decoder = self.splitter.item_decoder().ok_or("no list type")?;
        self.batched = 0;
        Ok(ProtobufBatch {
            decoder,
            messages: std::mem::take(&mut self.batch),
        })
    }

    fn finish(mut self) -> Result<(Option<ProtobufBatch>, PageMeta), String> {
        let last = match self.batch.is_empty() {
            true => None,
            false => Some(self.take_batch()?),
        };
        let meta = self.splitter.finish().map_err(|e| e.to_string())?;
        Ok((last, PageMeta::new(meta.resource_version, meta.continue_)))
    }

    fn decode<K: DeserializeOwned>(
        batch: &ProtobufBatch,
        transform: Option<&Transform<K>>,
    ) -> Result<Vec<K>, String> {
        batch
            .messages
            .iter()
            .map(|message| {
                let item: K = batch.decoder.decode(message).map_err(|e| e.to_string())?;
                Ok(match transform {
                    Some(t) => t(item),
                    None => item,
                })
            })
            .collect()
    }
}
