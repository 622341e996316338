//! The list reader's hand-written parser, exposed for the fuzz targets in `/fuzz` (the
//! `fuzzing` feature). Not an API for applications.

use crate::lister_watcher::decode::ListDecoder;

/// Splits a list body, fed in `chunks`, into its raw items and the skeleton (the body with an
/// empty `items` array), taking the collected items every `take_every` chunks as the list
/// reader does between batches. The first error ends it.
pub fn split_list<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
    take_every: usize,
) -> Result<(Vec<Vec<u8>>, Vec<u8>), String> {
    let mut decoder = ListDecoder::new();
    let mut items = Vec::new();
    for (i, chunk) in chunks.into_iter().enumerate() {
        decoder.push(chunk)?;
        if take_every > 0 && i % take_every == 0 {
            items.extend(decoder.take_batch().iter().map(<[u8]>::to_vec));
        }
        // The reader looks at the early metadata while items stream; that must not disturb
        // the split.
        let _ = decoder.early_skeleton();
    }
    let (last, skeleton) = decoder.finish()?;
    items.extend(last.iter().map(<[u8]>::to_vec));
    Ok((items, skeleton))
}
