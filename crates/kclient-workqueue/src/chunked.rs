//! [`Chunked`]: a growable array that never moves its elements.
//!
//! A `Vec` that grows copies everything it holds, and the queue's slab grows while the
//! queue's lock is held: at a million items that copy alone stalls every worker for
//! milliseconds. Here storage comes in fixed-size chunks allocated once, so growing costs one
//! chunk allocation, and an access costs one more (cached) pointer step.
//!
//! Even one allocation can stall: glibc's `malloc` first merges every small block freed since
//! it last did (`malloc_consolidate`) when asked for a block over 1 KiB, which after a
//! million freed keys takes milliseconds. So once past its first chunk, a `Chunked` keeps the
//! next chunk (and, when due, a larger list of chunks) allocated ahead of need: it says what
//! it [`wants`](Chunked::wants), the caller allocates that after releasing its lock, and hands
//! it over with [`refill`](Chunked::refill). A push thus never allocates more than a small
//! block while the lock is held, unless the caller did not keep up.

/// Elements per chunk (a power of two).
const CHUNK: usize = 4096;
const SHIFT: u32 = CHUNK.trailing_zeros();

/// Append-only storage indexed like a slice.
pub(crate) struct Chunked<V> {
    chunks: Vec<Vec<V>>,
    len: usize,
    /// The next chunk, allocated ahead of need.
    spare: Option<Vec<V>>,
    /// Chunks after the first, and lists of chunks, allocated in `push`.
    #[cfg(test)]
    pub(crate) allocated_inline: usize,
}

/// What a [`Chunked`] wants allocated ahead of need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Want {
    /// A spare chunk.
    chunk: bool,
    /// A larger list of chunks, with room for this many.
    spine: Option<usize>,
}

/// Memory allocated for a [`Chunked`] as it wanted (see [`Chunked::refill`]).
pub(crate) struct Reserve<V> {
    chunk: Option<Vec<V>>,
    spine: Option<Vec<Vec<V>>>,
}

impl Want {
    /// Allocates what was wanted. Meant to run without the lock.
    pub(crate) fn allocate<V>(self) -> Reserve<V> {
        Reserve {
            chunk: self.chunk.then(|| Vec::with_capacity(CHUNK)),
            spine: self.spine.map(Vec::with_capacity),
        }
    }
}

impl<V> Chunked<V> {
    pub(crate) fn new() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
            spare: None,
            #[cfg(test)]
            allocated_inline: 0,
        }
    }

    /// What should be allocated ahead of need, if anything. A small `Chunked` (one chunk)
    /// wants nothing: its allocations are small, and a spare would double its memory.
    #[inline]
    pub(crate) fn wants(&self) -> Option<Want> {
        if self.len < CHUNK {
            return None;
        }
        let want = Want {
            chunk: self.spare.is_none(),
            // Due when the next chunk would make the list reallocate.
            spine: (self.chunks.len() == self.chunks.capacity()).then(|| 2 * self.chunks.len()),
        };
        (want.chunk || want.spine.is_some()).then_some(want)
    }

    /// Takes what the caller allocated for [`wants`](Self::wants). Returns what is no longer
    /// needed (a list of chunks that was replaced, or an allocation someone else already
    /// provided), for the caller to free after releasing its lock.
    pub(crate) fn refill(&mut self, mut reserve: Reserve<V>) -> Reserve<V> {
        if self.spare.is_none() {
            self.spare = reserve.chunk.take();
        }
        if let Some(mut spine) = reserve.spine.take() {
            if spine.capacity() > self.chunks.capacity() {
                // Moves one pointer-sized handle per chunk: a few kilobytes at a million items.
                spine.append(&mut self.chunks);
                spine = std::mem::replace(&mut self.chunks, spine);
            }
            reserve.spine = Some(spine);
        }
        reserve
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn push(&mut self, value: V) {
        if self.len % CHUNK == 0 {
            #[cfg(test)]
            if self.len > 0 && (self.spare.is_none() || self.chunks.len() == self.chunks.capacity())
            {
                self.allocated_inline += 1;
            }
            let chunk = self
                .spare
                .take()
                .unwrap_or_else(|| Vec::with_capacity(CHUNK));
            self.chunks.push(chunk);
        }
        if let Some(chunk) = self.chunks.last_mut() {
            // Never beyond the capacity reserved above, so the chunk never reallocates.
            chunk.push(value);
            self.len += 1;
        }
    }

    pub(crate) fn get(&self, index: usize) -> Option<&V> {
        self.chunks.get(index >> SHIFT)?.get(index & (CHUNK - 1))
    }

    pub(crate) fn get_mut(&mut self, index: usize) -> Option<&mut V> {
        self.chunks
            .get_mut(index >> SHIFT)?
            .get_mut(index & (CHUNK - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_like_a_vec_across_chunks_without_moving() {
        let mut chunked = Chunked::new();
        assert!(chunked.get(0).is_none());
        for i in 0..3 * CHUNK + 7 {
            chunked.push(i);
        }
        assert_eq!(chunked.len(), 3 * CHUNK + 7);
        let first = chunked.get(0).map(std::ptr::from_ref);
        for i in 0..3 * CHUNK + 7 {
            assert_eq!(chunked.get(i), Some(&i));
        }
        assert!(chunked.get(3 * CHUNK + 7).is_none());
        assert!(chunked.get(usize::MAX).is_none());
        for i in 0..10 * CHUNK {
            chunked.push(i);
        }
        assert_eq!(chunked.get(0).map(std::ptr::from_ref), first, "never moved");
        if let Some(v) = chunked.get_mut(CHUNK) {
            *v = 0;
        }
        assert_eq!(chunked.get(CHUNK), Some(&0));
        assert_eq!(chunked.chunks.iter().map(Vec::capacity).max(), Some(CHUNK));
    }

    #[test]
    fn past_one_chunk_wants_the_next_allocated_ahead() {
        let mut chunked = Chunked::new();
        for i in 0..CHUNK {
            assert_eq!(chunked.wants(), None, "a small one wants nothing");
            chunked.push(i);
        }
        let mut refills = 0;
        for i in CHUNK..40 * CHUNK {
            if let Some(want) = chunked.wants() {
                let leftover = chunked.refill(want.allocate());
                assert!(leftover.chunk.is_none(), "the spare was taken");
                refills += 1;
            }
            let (spine, spine_capacity) = (chunked.chunks.as_ptr(), chunked.chunks.capacity());
            let spare = chunked.spare.as_ref().map(Vec::as_ptr);
            chunked.push(i);
            assert!(
                chunked.spare.is_some() || i % CHUNK == 0,
                "spare kept until needed"
            );
            if i % CHUNK == 0 {
                // The new chunk is the spare, and the list of chunks did not reallocate.
                assert_eq!(chunked.chunks.last().map(Vec::as_ptr), spare);
                assert_eq!(chunked.chunks.as_ptr(), spine);
                assert_eq!(chunked.chunks.capacity(), spine_capacity);
            }
        }
        assert!(refills >= 39, "{refills}");
        assert_eq!(chunked.allocated_inline, 0);
        for i in 0..40 * CHUNK {
            assert_eq!(chunked.get(i), Some(&i));
        }
        // A second reserve for the same want is handed back.
        let want = Want {
            chunk: true,
            spine: None,
        };
        let first = chunked.refill(want.allocate());
        assert!(first.chunk.is_none() || chunked.spare.is_some());
        let second = chunked.refill(want.allocate());
        assert!(second.chunk.is_some(), "already had a spare");
    }
}
