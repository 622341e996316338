//! [`Chunked`]: a growable array that never moves its elements.
//!
//! A `Vec` that grows copies everything it holds, and the queue's slab grows while the
//! queue's lock is held: at a million items that copy alone stalls every worker for
//! milliseconds. Here storage comes in fixed-size chunks allocated once, so growing costs one
//! chunk allocation, and an access costs one more (cached) pointer step.

/// Elements per chunk (a power of two).
const CHUNK: usize = 4096;
const SHIFT: u32 = CHUNK.trailing_zeros();

/// Append-only storage indexed like a slice.
pub(crate) struct Chunked<V> {
    chunks: Vec<Vec<V>>,
    len: usize,
}

impl<V> Chunked<V> {
    pub(crate) fn new() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn push(&mut self, value: V) {
        if self.len % CHUNK == 0 {
            self.chunks.push(Vec::with_capacity(CHUNK));
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
}
