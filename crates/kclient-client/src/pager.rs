//! client-go's `tools/pager`: list a collection in pages of `limit` objects by following
//! `continue` tokens, and fall back to one full list when a token has expired (410 `Expired`:
//! the snapshot it pointed into was compacted away).

use std::marker::PhantomData;

use futures::stream::{self, BoxStream, StreamExt};
use kclient_core::params::ListOptions;

use crate::Error;
use crate::target::Target;
use kclient_core::ApiError;
use kclient_core::PagedList;

/// client-go's default page size.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// One page of a paged list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<L> {
    /// The page as the server returned it.
    pub list: L,
    /// True when the continue token expired mid-way and this page is a full list that
    /// replaces every page yielded before it.
    pub restarted: bool,
}

/// Lists a collection page by page. Obtain one from `Api::pager`, `DynamicResource::pager`
/// or `MetadataResource::pager`.
#[must_use]
pub struct Pager<L> {
    target: Target,
    page_size: u32,
    full_list_if_expired: bool,
    prefetch: bool,
    _list: PhantomData<fn() -> L>,
}

impl<L> Clone for Pager<L> {
    fn clone(&self) -> Self {
        Self {
            target: self.target.clone(),
            page_size: self.page_size,
            full_list_if_expired: self.full_list_if_expired,
            prefetch: self.prefetch,
            _list: PhantomData,
        }
    }
}

impl<L> std::fmt::Debug for Pager<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("target", &self.target)
            .field("page_size", &self.page_size)
            .field("full_list_if_expired", &self.full_list_if_expired)
            .field("prefetch", &self.prefetch)
            .finish()
    }
}

impl<L: PagedList> Pager<L> {
    pub(crate) fn new(target: Target) -> Self {
        Self {
            target,
            page_size: DEFAULT_PAGE_SIZE,
            full_list_if_expired: true,
            prefetch: false,
            _list: PhantomData,
        }
    }

    /// Objects per page when the options carry no `limit` (default [`DEFAULT_PAGE_SIZE`]);
    /// 0 lists everything in one request.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Whether an expired continue token falls back to one full list at the requested
    /// resource version (default true, as client-go). When false the 410 is returned.
    pub fn full_list_if_expired(mut self, fallback: bool) -> Self {
        self.full_list_if_expired = fallback;
        self
    }

    /// Whether to request page N+1 while page N is being consumed (default false): the
    /// wire time and decoding of the next page overlap the caller's work on this one. At
    /// most one page is in flight; dropping the stream cancels it. Needs a Tokio runtime
    /// that can run spawned tasks.
    pub fn prefetch(mut self, prefetch: bool) -> Self {
        self.prefetch = prefetch;
        self
    }

    /// The options of the first request: the caller's, with the page size as the limit
    /// unless the caller set one.
    fn first_options(&self, opts: &ListOptions) -> ListOptions {
        let mut first = opts.clone();
        if first.limit.is_none() && self.page_size > 0 {
            first.limit = Some(self.page_size);
        }
        first
    }

    /// Fetches one page; on an expired continue token, the full list instead (flagged).
    async fn fetch(&self, requested: &ListOptions, page: &ListOptions) -> Result<Page<L>, Error> {
        match self.target.list::<L>(page).await {
            Ok(list) => Ok(Page {
                list,
                restarted: false,
            }),
            Err(err)
                if err.is_resource_expired()
                    && self.full_list_if_expired
                    && page.continue_token.is_some() =>
            {
                tracing::debug!(
                    resource = self.target.resource(),
                    "continue token expired, falling back to a full list"
                );
                let mut full = requested.clone();
                full.limit = None;
                full.continue_token = None;
                let list = self.target.list::<L>(&full).await?;
                Ok(Page {
                    list,
                    restarted: true,
                })
            }
            Err(err) => Err(err),
        }
    }

    /// The pages, in order. Ends after the page without a continue token, after a
    /// restarted (full) page, or after the first error. Without [`Pager::prefetch`] each
    /// page is requested when the stream is polled; with it, the next page is requested
    /// (and decoded, on another worker) as soon as the current one is handed out.
    pub fn pages(&self, opts: &ListOptions) -> BoxStream<'static, Result<Page<L>, Error>> {
        let pager = self.clone();
        let requested = opts.clone();
        let first = Next::Fetch(self.first_options(opts));
        stream::unfold(Some(first), move |state| {
            let pager = pager.clone();
            let requested = requested.clone();
            async move {
                let (fetched, options) = match state? {
                    Next::Fetch(options) => (pager.fetch(&requested, &options).await, options),
                    Next::InFlight(page, options) => (page.join().await, options),
                };
                match fetched {
                    Ok(page) => {
                        let next = follow_options(&page, &options).map(|next| {
                            if pager.prefetch {
                                let ahead = pager.clone();
                                let requested = requested.clone();
                                let opts = next.clone();
                                let task =
                                    tokio::spawn(
                                        async move { ahead.fetch(&requested, &opts).await },
                                    );
                                Next::InFlight(InFlight(task), next)
                            } else {
                                Next::Fetch(next)
                            }
                        });
                        Some((Ok(page), next))
                    }
                    Err(err) => Some((Err(err), None)),
                }
            }
        })
        .boxed()
    }

    /// Every object, in one list: the pages' items in order, the first page's
    /// resource version, no continue token (client-go's `ListPager.List`).
    pub async fn list(&self, opts: &ListOptions) -> Result<L, Error> {
        let mut pages = self.pages(opts);
        let mut all: Option<L> = None;
        while let Some(page) = pages.next().await {
            let page = page?;
            match (&mut all, page.restarted) {
                (Some(acc), false) => acc.append(page.list),
                _ => all = Some(page.list),
            }
        }
        let mut all = all.ok_or_else(|| Error::Decode {
            message: "the pager received no page".to_owned(),
        })?;
        let meta = all.list_meta_mut();
        meta.continue_ = None;
        meta.remaining_item_count = None;
        Ok(all)
    }
}

/// What the page stream does next.
enum Next<L> {
    /// Request a page with these options when polled.
    Fetch(ListOptions),
    /// A page already requested with these options.
    InFlight(InFlight<L>, ListOptions),
}

/// A prefetched page; dropping it cancels the request.
struct InFlight<L>(tokio::task::JoinHandle<Result<Page<L>, Error>>);

impl<L> InFlight<L> {
    async fn join(mut self) -> Result<Page<L>, Error> {
        match (&mut self.0).await {
            Ok(page) => page,
            // A panic in the fetch is a bug there: surface it where the page is awaited.
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(_) => Err(Error::InvalidRequest(
                "the prefetched page request was cancelled".to_owned(),
            )),
        }
    }
}

impl<L> Drop for InFlight<L> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The options of the page after `page`, if there is one.
fn follow_options<L: PagedList>(page: &Page<L>, options: &ListOptions) -> Option<ListOptions> {
    if page.restarted {
        return None;
    }
    let token = page.list.list_meta().continue_.clone()?;
    if token.is_empty() {
        return None;
    }
    Some(options.next_page(token))
}
