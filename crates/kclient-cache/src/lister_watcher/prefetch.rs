//! Fetching one list page, and the next page of a paginated list while this one is still
//! being read.
//!
//! A pager asks for page N+1 only once page N is complete, so between pages the decoders
//! idle for a round trip and the server's work on the next page. kube-apiserver writes a
//! list's `metadata` (with `continue`) before its `items`, so the token for page N+1 is known
//! as soon as page N starts: [`RestListerWatcher`](super::RestListerWatcher) starts page N+1
//! then, and hands it over when the pager asks for exactly that page. One page is ahead at
//! most; a request for anything else drops (and aborts) the prefetched one.

use kclient_core::ObjectList;
use kclient_core::params::ListOptions;
use kclient_rest::Error;
use kclient_rest::watch::WireFormat;
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

use super::decode::ListDecoder;
use super::decode_error;
use super::page::read_page;
use super::protobuf::ProtobufCutter;
use crate::reflector::Transform;

/// What decoding a page needs, cheap to clone into a prefetch task.
pub(crate) struct PageDecoding<K> {
    pub parallelism: std::num::NonZeroUsize,
    pub transform: Option<Transform<K>>,
}

impl<K> Clone for PageDecoding<K> {
    fn clone(&self) -> Self {
        Self {
            parallelism: self.parallelism,
            transform: self.transform.clone(),
        }
    }
}

/// A page being fetched ahead, for the request with exactly these options.
pub(crate) struct Prefetched<K> {
    pub options: ListOptions,
    task: JoinHandle<Result<ObjectList<K>, Error>>,
}

impl<K> Drop for Prefetched<K> {
    fn drop(&mut self) {
        // Nobody will ask for it: stop reading and decoding it.
        self.task.abort();
    }
}

impl<K: DeserializeOwned + Send + 'static> Prefetched<K> {
    pub(crate) fn spawn(
        options: ListOptions,
        request: kclient_rest::Request,
        decoding: PageDecoding<K>,
    ) -> Self {
        let task = tokio::spawn(fetch_page(request, decoding, None::<fn(String)>));
        Self { options, task }
    }

    /// The page, once fetched.
    pub(crate) async fn page(mut self) -> Result<ObjectList<K>, Error> {
        match (&mut self.task).await {
            Ok(page) => page,
            // A panic in the fetch is a bug there: surface it where the page is awaited, as
            // kclient's `Pager` does with its prefetched pages.
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(join) => Err(decode_error::<K>(
                &format!("the prefetched list page was not fetched: {join}"),
                0,
            )),
        }
    }
}

/// One list request, its items decoded while the rest of the page is still arriving.
/// `on_continue` gets the page's continue token, if it has one, as soon as the metadata has
/// arrived.
pub(crate) async fn fetch_page<K: DeserializeOwned + Send + 'static>(
    request: kclient_rest::Request,
    decoding: PageDecoding<K>,
    on_continue: Option<impl FnOnce(String)>,
) -> Result<ObjectList<K>, Error> {
    let (body, headers) = request.stream_with_headers().await?;
    match WireFormat::of(&headers) {
        WireFormat::Protobuf => read_page(body, ProtobufCutter::new(), decoding, on_continue).await,
        WireFormat::Json => read_page(body, ListDecoder::new(), decoding, on_continue).await,
    }
}
