//! A list page the server sent as Kubernetes protobuf (a built-in kind asked for with
//! protobuf first): read whole, cut into its items by their length prefixes (no item is
//! looked into), and the items decoded in batches on `parallelism` threads, as JSON pages
//! are. The continue token is in the list's metadata, so the next page can be asked for
//! before any item is decoded.

use bytes::Bytes;
use futures::StreamExt;
use kclient_core::ObjectList;
use kclient_protobuf::ItemDecoder;
use kclient_rest::batch::BATCH_BYTES;
use kclient_rest::{ByteStream, Error};
use serde::de::DeserializeOwned;

use super::decode_error;
use super::parallel::PageDecodes;
use super::prefetch::PageDecoding;
use crate::reflector::Transform;

/// Reads and decodes a protobuf list page; `on_continue` gets its continue token, if any.
pub(crate) async fn read_page<K: DeserializeOwned + Send + 'static>(
    mut body: ByteStream,
    decoding: PageDecoding<K>,
    on_continue: Option<impl FnOnce(String)>,
) -> Result<ObjectList<K>, Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        bytes.extend_from_slice(&chunk?);
    }
    let received = bytes.len();
    let bytes = Bytes::from(bytes);
    let fail = |e: &dyn std::fmt::Display| decode_error::<K>(&e.to_string(), received);
    let parts = kclient_protobuf::split_list(&bytes).map_err(|e| fail(&e))?;
    let meta = parts.list_meta().map_err(|e| fail(&e))?;
    let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    let continue_token = non_empty(meta.continue_);
    if let (Some(callback), Some(token)) = (on_continue, continue_token.clone()) {
        callback(token);
    }
    let decoder = parts.item_decoder();
    let items: Vec<Bytes> = parts.items.iter().map(|i| bytes.slice_ref(i)).collect();
    drop(parts);

    let mut decodes = PageDecodes::<K>::new(decoding.parallelism);
    let mut rest = items.as_slice();
    while !rest.is_empty() {
        // Batches of about BATCH_BYTES, and at least one item each.
        let mut size = 0;
        let take = rest
            .iter()
            .position(|item| {
                size += item.len();
                size >= BATCH_BYTES
            })
            .map_or(rest.len(), |i| i + 1);
        let (batch, after) = rest.split_at(take);
        rest = after;
        let batch = batch.to_vec();
        let transform = decoding.transform.clone();
        decodes
            .submit(move || decode_batch(&batch, decoder, transform.as_ref()))
            .await
            .map_err(|e| fail(&e))?;
    }
    let items = decodes.finish().await.map_err(|e| fail(&e))?;
    Ok(ObjectList::page(
        items,
        non_empty(meta.resource_version),
        continue_token,
    ))
}

/// Decodes a batch of items' messages, in order, each through `transform` if there is one.
fn decode_batch<K: DeserializeOwned>(
    batch: &[Bytes],
    decoder: ItemDecoder,
    transform: Option<&Transform<K>>,
) -> Result<Vec<K>, String> {
    batch
        .iter()
        .map(|message| {
            let item: K = decoder.decode(message).map_err(|e| e.to_string())?;
            Ok(match transform {
                Some(t) => t(item),
                None => item,
            })
        })
        .collect()
}
