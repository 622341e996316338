//! A list page the server sent as Kubernetes protobuf (a built-in kind asked for with
//! protobuf first): cut into its items by their length prefixes while it arrives
//! ([`kclient_protobuf::ListSplitter`]; no item is looked into), and the items decoded in
//! batches on `parallelism` threads as JSON pages are, so the body is never held whole.
//! kube-apiserver sends the list's metadata before its items: the continue token is handed
//! on before any item is decoded.

use futures::StreamExt;
use kclient_core::ObjectList;
use kclient_protobuf::{ItemDecoder, ListSplitter};
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
    mut on_continue: Option<impl FnOnce(String)>,
) -> Result<ObjectList<K>, Error> {
    let mut splitter = ListSplitter::new();
    let mut decodes = PageDecodes::<K>::new(decoding.parallelism);
    let mut batch: Vec<Vec<u8>> = Vec::new();
    let mut batched = 0;
    let mut received = 0usize;
    let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    loop {
        let Some(chunk) = body.next().await.transpose()? else {
            break;
        };
        received += chunk.len();
        let fail = |e: &dyn std::fmt::Display| decode_error::<K>(&e.to_string(), received);
        splitter.push(&chunk);
        while let Some(item) = splitter.next_item().map_err(|e| fail(&e))? {
            batched += item.len();
            batch.push(item);
        }
        if on_continue.is_some()
            && let Some(meta) = splitter.list_meta()
        {
            // Unreadable early metadata is left to the end to report.
            let token = meta.ok().and_then(|m| non_empty(m.continue_));
            if let (Some(token), Some(callback)) = (token, on_continue.take()) {
                callback(token);
            }
        }
        if batched >= BATCH_BYTES {
            let decoder = splitter
                .item_decoder()
                .ok_or_else(|| fail(&"no list type"))?;
            submit(&mut decodes, std::mem::take(&mut batch), decoder, &decoding)
                .await
                .map_err(|e| fail(&e))?;
            batched = 0;
        }
    }
    let fail = |e: &dyn std::fmt::Display| decode_error::<K>(&e.to_string(), received);
    let decoder = splitter.item_decoder();
    let meta = splitter.finish().map_err(|e| fail(&e))?;
    if let Some(decoder) = decoder.filter(|_| !batch.is_empty()) {
        submit(&mut decodes, batch, decoder, &decoding)
            .await
            .map_err(|e| fail(&e))?;
    }
    let items = decodes.finish().await.map_err(|e| fail(&e))?;
    Ok(ObjectList::page(
        items,
        non_empty(meta.resource_version),
        non_empty(meta.continue_),
    ))
}

/// Starts decoding one batch of items' messages.
async fn submit<K: DeserializeOwned + Send + 'static>(
    decodes: &mut PageDecodes<K>,
    batch: Vec<Vec<u8>>,
    decoder: ItemDecoder,
    decoding: &PageDecoding<K>,
) -> Result<(), String> {
    let transform = decoding.transform.clone();
    decodes
        .submit(move || decode_batch(&batch, decoder, transform.as_ref()))
        .await
}

/// Decodes a batch of items' messages, in order, each through `transform` if there is one.
fn decode_batch<K: DeserializeOwned>(
    batch: &[Vec<u8>],
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
