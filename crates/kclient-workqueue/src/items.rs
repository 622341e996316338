//! The set of items a queue tracks (dirty or being processed), each stored once, and the
//! FIFO of those waiting.
//!
//! Items live in a slab of slots (in chunks that never move, see [`Chunked`]). The FIFO and
//! the free list are linked through the slots ([`SlotList`]). Two hash tables find an item by
//! value: [`Index`] holds every tracked item and `processing` only those handed out to a
//! worker. No operation here grows anything by copying more than a bounded amount while the
//! queue's lock is held: the slab adds a chunk, the lists write a link, and the index grows
//! incrementally. (`processing` does grow by copying, but it is as small as the number of
//! busy workers.)
//!
//! The layout is shaped by where a large backlog costs cache misses: the index is as large as
//! the backlog, so only `add` probes it. `get` touches the slot it pops, and `done` finds the
//! item in `processing`. Removing an item from the index would be one more miss, so `done`
//! only bumps the slot's generation: the entry turns stale, and the index drops it when it
//! next moves that part of itself.

use hashbrown::HashTable;
use hashbrown::hash_table::OccupiedEntry;

use crate::chunked::{Chunked, Reserve, Want};
use crate::index::{Index, IndexEntry, Lookup, WantTable};
use crate::list::{Links, NIL, SlotList};

/// Where an item is kept: an index into the slab.
pub(crate) type SlotId = u32;

pub(crate) struct Items<T> {
    index: Index,
    /// `(hash, slot)` of the items being processed.
    processing: HashTable<(u64, SlotId)>,
    slots: Chunked<Slot<T>>,
    /// Generation of each slot, bumped when it is freed. Kept apart from `slots` so that a
    /// migrating index reads 4 bytes per entry it checks.
    generations: Chunked<u32>,
    /// The slots waiting to be handed out, oldest first.
    queue: SlotList,
    /// Unused slots, reused last-freed first (warm in the cache).
    free: SlotList,
}

struct Slot<T> {
    /// `None` only while the slot is on the free list.
    item: Option<T>,
    hash: u64,
    /// The next slot on the list this slot is on (the FIFO or the free list), if any.
    next: SlotId,
    flags: u8,
}

impl<T> Links for Chunked<Slot<T>> {
    fn next(&self, slot: SlotId) -> SlotId {
        self.get(slot as usize).map_or(NIL, |s| s.next)
    }

    fn set_next(&mut self, slot: SlotId, next: SlotId) {
        if let Some(s) = self.get_mut(slot as usize) {
            s.next = next;
        }
    }
}

/// What [`Items`] wants allocated ahead of need, without the queue's lock (see `chunked` and
/// `index` for why).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wants {
    slots: Option<Want>,
    generations: Option<Want>,
    table: Option<WantTable>,
}

/// Memory allocated for [`Wants`], or handed back by [`Items::refill`] to be freed without
/// the lock.
pub(crate) struct Spares<T> {
    slots: Option<Reserve<Slot<T>>>,
    generations: Option<Reserve<u32>>,
    table: Option<(usize, HashTable<IndexEntry>)>,
}

impl Wants {
    /// Allocates what is wanted. Meant to run without the lock.
    pub(crate) fn allocate<T>(self) -> Spares<T> {
        Spares {
            slots: self.slots.map(Want::allocate),
            generations: self.generations.map(Want::allocate),
            table: self.table.map(WantTable::allocate),
        }
    }
}

/// Result of [`Items::insert`].
pub(crate) enum Inserted<T> {
    /// The item is new and now lives in this slot.
    New(SlotId),
    /// The item was already tracked in this slot; the duplicate is handed back so the caller
    /// can drop it outside its lock.
    Existing(SlotId, T),
    /// `u32::MAX` items at once: not tracked.
    Full(T),
}

impl<T: Eq> Items<T> {
    pub(crate) fn new() -> Self {
        Self {
            index: Index::new(),
            processing: HashTable::new(),
            slots: Chunked::new(),
            generations: Chunked::new(),
            queue: SlotList::new(),
            free: SlotList::new(),
        }
    }

    /// Tracks `item` (with `hash`, from the queue's hasher) unless it already is.
    pub(crate) fn insert(&mut self, hash: u64, item: T, flags: u8) -> Inserted<T> {
        let (slots, generations) = (&self.slots, &self.generations);
        let is_live = |e: &IndexEntry| generations.get(e.slot as usize) == Some(&e.generation);
        let shard = self.index.shard(hash);
        shard.prepare(is_live);
        let lookup = shard.lookup(hash, |e| {
            e.hash == hash
                && is_live(e)
                && slots
                    .get(e.slot as usize)
                    .is_some_and(|slot| slot.item.as_ref() == Some(&item))
        });
        let vacant = match lookup {
            Lookup::Found(slot) => return Inserted::Existing(slot, item),
            Lookup::Vacant(vacant) => vacant,
        };
        let slot = match self.free.pop_front(&self.slots) {
            Some(slot) => slot,
            None => {
                // `NIL` ends the lists, so it is never a slot.
                let Some(slot) = SlotId::try_from(self.slots.len())
                    .ok()
                    .filter(|&s| s != NIL)
                else {
                    return Inserted::Full(item);
                };
                self.slots.push(Slot {
                    item: None,
                    hash,
                    next: NIL,
                    flags,
                });
                self.generations.push(0);
                slot
            }
        };
        if let Some(s) = self.slots.get_mut(slot as usize) {
            *s = Slot {
                item: Some(item),
                hash,
                next: NIL,
                flags,
            };
        }
        let generation = self.generations.get(slot as usize).copied().unwrap_or(0);
        vacant.insert(IndexEntry {
            hash,
            slot,
            generation,
        });
        Inserted::New(slot)
    }

    /// What should be allocated ahead of need after an insert of an item with `hash`.
    #[inline]
    pub(crate) fn wants(&self, hash: u64) -> Option<Wants> {
        let wants = Wants {
            slots: self.slots.wants(),
            generations: self.generations.wants(),
            table: self.index.wants(hash),
        };
        (wants.slots.is_some() || wants.generations.is_some() || wants.table.is_some())
            .then_some(wants)
    }

    /// Takes memory allocated for [`wants`](Self::wants); returns what is not needed, to be
    /// freed without the lock.
    pub(crate) fn refill(&mut self, spares: Spares<T>) -> Spares<T> {
        Spares {
            slots: spares.slots.map(|r| self.slots.refill(r)),
            generations: spares.generations.map(|r| self.generations.refill(r)),
            table: spares
                .table
                .and_then(|t| self.index.refill(t))
                .map(|t| (0, t)),
        }
    }

    /// A table the index stopped using during an insert of an item with `hash`, to be freed
    /// without the lock.
    #[inline]
    pub(crate) fn take_garbage(&mut self, hash: u64) -> Option<HashTable<IndexEntry>> {
        self.index.take_garbage(hash)
    }

    /// Appends `slot` to the FIFO of waiting items.
    pub(crate) fn enqueue(&mut self, slot: SlotId) {
        self.queue.push_back(&mut self.slots, slot);
    }

    /// Removes the oldest waiting slot from the FIFO.
    pub(crate) fn dequeue(&mut self) -> Option<SlotId> {
        self.queue.pop_front(&self.slots)
    }

    /// Number of slots in the FIFO.
    pub(crate) fn queued(&self) -> usize {
        self.queue.len()
    }

    #[cfg(test)]
    fn item(&self, slot: SlotId) -> Option<&T> {
        self.slots.get(slot as usize)?.item.as_ref()
    }

    pub(crate) fn flags(&self, slot: SlotId) -> u8 {
        self.slots.get(slot as usize).map_or(0, |s| s.flags)
    }

    pub(crate) fn set_flags(&mut self, slot: SlotId, flags: u8) {
        if let Some(s) = self.slots.get_mut(slot as usize) {
            s.flags = flags;
        }
    }

    /// Hands the item in `slot` out to a worker: flags it `flags` and indexes it among the
    /// processing items. Returns the item.
    pub(crate) fn start_processing(&mut self, slot: SlotId, flags: u8) -> Option<&T> {
        let s = self.slots.get_mut(slot as usize)?;
        s.flags = flags;
        let hash = s.hash;
        self.processing
            .insert_unique(hash, (hash, slot), |&(h, _)| h);
        self.slots.get(slot as usize)?.item.as_ref()
    }

    /// The slots of the items being processed.
    pub(crate) fn processing_slots(&self) -> impl Iterator<Item = SlotId> + '_ {
        self.processing.iter().map(|&(_, slot)| slot)
    }

    /// The processing item equal to `item`, if any.
    pub(crate) fn find_processing(&mut self, hash: u64, item: &T) -> Option<Processing<'_, T>> {
        let slots = &self.slots;
        let entry = self
            .processing
            .find_entry(hash, |&(h, slot)| {
                h == hash
                    && slots
                        .get(slot as usize)
                        .is_some_and(|s| s.item.as_ref() == Some(item))
            })
            .ok()?;
        let slot = entry.get().1;
        Some(Processing {
            entry,
            slots: &mut self.slots,
            generations: &mut self.generations,
            queue: &mut self.queue,
            free: &mut self.free,
            index: &mut self.index,
            slot,
        })
    }

    #[cfg(test)]
    fn live(&self) -> usize {
        self.index.entries() - self.index.stale()
    }
}

/// A processing item found by [`Items::find_processing`].
pub(crate) struct Processing<'a, T> {
    entry: OccupiedEntry<'a, (u64, SlotId)>,
    slots: &'a mut Chunked<Slot<T>>,
    generations: &'a mut Chunked<u32>,
    queue: &'a mut SlotList,
    free: &'a mut SlotList,
    index: &'a mut Index,
    slot: SlotId,
}

impl<T> Processing<'_, T> {
    /// The item's slot.
    pub(crate) fn slot(&self) -> SlotId {
        self.slot
    }

    pub(crate) fn flags(&self) -> u8 {
        self.slots.get(self.slot as usize).map_or(0, |s| s.flags)
    }

    /// No longer processing, still tracked with `flags`, and queued again at the end of the
    /// FIFO.
    pub(crate) fn requeue(self, flags: u8) {
        self.entry.remove();
        if let Some(s) = self.slots.get_mut(self.slot as usize) {
            s.flags = flags;
        }
        self.queue.push_back(self.slots, self.slot);
    }

    /// Stops tracking the item and returns it. Its index entry turns stale.
    pub(crate) fn finish(self) -> Option<T> {
        self.entry.remove();
        let slot = self.slots.get_mut(self.slot as usize)?;
        let (item, hash) = (slot.item.take(), slot.hash);
        if let Some(generation) = self.generations.get_mut(self.slot as usize) {
            // Wrapping is harmless: an entry revived by a wrap still matches only an item equal to
            // its slot's current one, which is then that very item.
            *generation = generation.wrapping_add(1);
        }
        self.index.shard(hash).entry_went_stale();
        self.free.push_front(self.slots, self.slot);
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Equal hashes for different items exercise the key comparison.
    const H: u64 = 42;

    fn new_slot(items: &mut Items<u32>, hash: u64, item: u32) -> SlotId {
        match items.insert(hash, item, 1) {
            Inserted::New(slot) => slot,
            _ => panic!("{item} is new"),
        }
    }

    #[test]
    fn insert_process_requeue_finish_and_reuse() {
        let mut items = Items::new();
        let a = new_slot(&mut items, H, 1);
        let b = new_slot(&mut items, H, 2);
        assert!(matches!(items.insert(H, 1, 3), Inserted::Existing(s, 1) if s == a));
        assert_eq!((items.flags(a), items.flags(b)), (1, 1));
        assert!(items.find_processing(H, &1).is_none(), "not handed out yet");

        assert_eq!(items.start_processing(a, 2), Some(&1));
        let found = items.find_processing(H, &1).expect("processing");
        assert_eq!(found.flags(), 2);
        assert_eq!(found.slot(), a);
        found.requeue(1);
        assert!(items.find_processing(H, &1).is_none());
        assert_eq!(items.queued(), 1);
        assert_eq!(items.dequeue(), Some(a));

        items.start_processing(a, 2);
        let found = items.find_processing(H, &1).expect("processing");
        assert_eq!(found.finish(), Some(1));
        assert_eq!(items.live(), 1);
        assert!(items.item(a).is_none());

        // The stale entry of 1 does not match; the freed slot is reused.
        let again = new_slot(&mut items, H, 1);
        assert_eq!(again, a);
        assert!(matches!(items.insert(H, 1, 1), Inserted::Existing(s, 1) if s == a));
        assert!(matches!(items.insert(H, 2, 1), Inserted::Existing(s, 2) if s == b));
        items.set_flags(b, 3);
        assert_eq!(items.flags(b), 3);
    }

    #[test]
    fn stale_entries_are_swept_instead_of_growing_forever() {
        let mut items = Items::new();
        for round in 0..10_000_u32 {
            let slot = new_slot(&mut items, u64::from(round), round);
            items.start_processing(slot, 2);
            let found = items
                .find_processing(u64::from(round), &round)
                .expect("processing");
            found.finish();
        }
        assert_eq!(items.live(), 0);
        assert!(items.index.capacity() < 64, "swept, not grown");
        assert_eq!(items.slots.len(), 1, "one slot reused throughout");
    }

    #[test]
    fn shards_are_swept_independently_with_spread_hashes() {
        let spread = |i: u64| i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut items = Items::new();
        // A backlog spread over every shard, plus churn through the same shards.
        for i in 0..5_000_u64 {
            new_slot_u64(&mut items, spread(i), i);
        }
        for i in 5_000..100_000_u64 {
            let slot = new_slot_u64(&mut items, spread(i), i);
            items.start_processing(slot, 2);
            items
                .find_processing(spread(i), &i)
                .expect("processing")
                .finish();
        }
        assert_eq!(items.live(), 5_000);
        assert!(items.index.every_shard_used());
        // Stale entries are bounded by the live ones (per shard), not by the churn.
        assert!(
            items.index.capacity() < 4 * 5_000,
            "{}",
            items.index.capacity()
        );
        for i in 0..5_000_u64 {
            assert!(matches!(
                items.insert(spread(i), i, 1),
                Inserted::Existing(..)
            ));
        }
        for i in 5_000..6_000_u64 {
            assert!(matches!(items.insert(spread(i), i, 1), Inserted::New(_)));
        }
    }

    #[test]
    fn refilled_after_each_insert_nothing_large_is_allocated_inside() {
        let spread = |i: u64| i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut items = Items::new();
        let mut garbage = 0;
        // Growth with a backlog, then churn at that size, as `Queue::add` drives it.
        for i in 0..300_000_u64 {
            let slot = new_slot_u64(&mut items, spread(i), i);
            items.enqueue(slot);
            if i >= 200_000 {
                // The oldest is handed out and finished: its index entry goes stale.
                let old = i - 200_000;
                let slot = items.dequeue().expect("a backlog");
                assert_eq!(items.start_processing(slot, 2), Some(&old));
                let found = items.find_processing(spread(old), &old);
                assert_eq!(found.and_then(Processing::finish), Some(old));
            }
            garbage += usize::from(items.take_garbage(spread(i)).is_some());
            if let Some(wants) = items.wants(spread(i)) {
                let leftovers = items.refill(wants.allocate());
                assert!(leftovers.table.is_none(), "a wanted table is taken");
            }
        }
        assert!(garbage > 64, "old tables handed back: {garbage}");
        assert_eq!(items.index.allocated_inline(), 0);
        assert_eq!(items.slots.allocated_inline, 0);
        assert_eq!(items.generations.allocated_inline, 0);
        assert_eq!(items.live(), 200_000);
        assert!(items.index.stale() < items.index.entries());
    }

    fn new_slot_u64(items: &mut Items<u64>, hash: u64, item: u64) -> SlotId {
        match items.insert(hash, item, 1) {
            Inserted::New(slot) => slot,
            _ => panic!("{item} is new"),
        }
    }
}
