//! One list page read while it arrives, whatever its format: the body is cut into batches of
//! items ([`ListCutter`]: JSON or protobuf), each batch decoded on the page's decode threads
//! while the next one arrives, and the continue token handed on as soon as the list's
//! metadata is there (kube-apiserver writes it before the items), so the next page can be
//! asked for before this one is decoded.

use futures::StreamExt;
use kclient_core::ObjectList;
use kclient_rest::batch::BATCH_BYTES;
use kclient_rest::{ByteStream, Error};
use serde::de::DeserializeOwned;

use super::decode_error;
use super::parallel::PageDecodes;
use super::prefetch::PageDecoding;
use crate::reflector::Transform;

/// A list's `resourceVersion` and `continue`, each `None` when empty.
pub(crate) struct PageMeta {
    pub resource_version: Option<String>,
    pub continue_: Option<String>,
}

impl PageMeta {
    pub(crate) fn new(resource_version: Option<String>, continue_: Option<String>) -> Self {
        let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
        Self {
            resource_version: non_empty(resource_version),
            continue_: non_empty(continue_),
        }
    }
}

/// A list body of one format, cut into its items while it arrives. Errors are messages;
/// the page adds the type and the position.
pub(crate) trait ListCutter {
    /// Complete items not decoded yet, with what decodes them.
    type Batch: Send + 'static;

    /// Takes the next bytes of the body.
    fn push(&mut self, chunk: &[u8]) -> Result<(), String>;

    /// Once the list's metadata has arrived: its continue token, if it has one.
    fn early_continue(&self) -> Option<Option<String>>;

    /// Bytes of the complete items not taken yet.
    fn batched_bytes(&self) -> usize;

    /// Takes the complete items cut so far.
    fn take_batch(&mut self) -> Result<Self::Batch, String>;

    /// The end of the body: the last items (`None` if there are none) and the metadata, or
    /// why the body is not a whole list.
    fn finish(self) -> Result<(Option<Self::Batch>, PageMeta), String>;

    /// Decodes a batch, in order, each item through `transform` if there is one.
    fn decode<K: DeserializeOwned>(
        batch: &Self::Batch,
        transform: Option<&Transform<K>>,
    ) -> Result<Vec<K>, String>;
}

/// Reads and decodes one list page cut by `cutter`; `on_continue` gets its continue token,
/// if any, as soon as the metadata has arrived (the metadata is looked at once).
pub(crate) async fn read_page<K, C>(
    mut body: ByteStream,
    mut cutter: C,
    decoding: PageDecoding<K>,
    mut on_continue: Option<impl FnOnce(String)>,
) -> Result<ObjectList<K>, Error>
where
    K: DeserializeOwned + Send + 'static,
    C: ListCutter,
{
    let mut decodes = PageDecodes::<K>::new(decoding.parallelism);
    let mut received = 0usize;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        received += chunk.len();
        let fail = |e: String| decode_error::<K>(&e, received);
        cutter.push(&chunk).map_err(fail)?;
        if on_continue.is_some()
            && let Some(token) = cutter.early_continue()
            && let Some(callback) = on_continue.take()
            && let Some(token) = token
        {
            callback(token);
        }
        if cutter.batched_bytes() >= BATCH_BYTES {
            let batch = cutter.take_batch().map_err(fail)?;
            submit::<K, C>(&mut decodes, batch, &decoding)
                .await
                .map_err(fail)?;
        }
    }
    let fail = |e: String| decode_error::<K>(&e, received);
    let (last, meta) = cutter.finish().map_err(fail)?;
    if let Some(batch) = last {
        submit::<K, C>(&mut decodes, batch, &decoding)
            .await
            .map_err(fail)?;
    }
    let items = decodes.finish().await.map_err(fail)?;
    Ok(ObjectList::page(
        items,
        meta.resource_version,
        meta.continue_,
    ))
}

/// Starts decoding one batch.
async fn submit<K, C>(
    decodes: &mut PageDecodes<K>,
    batch: C::Batch,
    decoding: &PageDecoding<K>,
) -> Result<(), String>
where
    K: DeserializeOwned + Send + 'static,
    C: ListCutter,
{
    let transform = decoding.transform.clone();
    decodes
        .submit(move || C::decode(&batch, transform.as_ref()))
        .await
}
