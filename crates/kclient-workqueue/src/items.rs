//! The set of items a queue tracks (dirty or being processed), each stored once.
//!
//! Items live in a slab of slots (in chunks that never move, see [`Chunked`]) and the FIFO
//! holds slot numbers. Two hash tables find an item by value: `index` holds every tracked item
//! and `processing` only those handed out to a worker. They keep each item's hash, so growing them never rehashes an item.
//!
//! The layout is shaped by where a large backlog costs cache misses: `index` is as large as
//! the backlog, so only `add` probes it. `get` touches the slot it pops, and `done` finds the
//! item in `processing`, which is as small as the number of busy workers. Removing an item
//! from `index` would be one more miss, so `done` only bumps the slot's generation: the entry
//! turns stale and is swept in bulk when the table is full (see [`Items::sweep_if_full`]).
//!
//! `index` is split into [`SHARDS`] tables by hash. Growing a hash table moves every entry
//! while the queue's lock is held: one table of a million keys stalls an `add` (and every
//! worker waiting for the lock) for tens of milliseconds. Shards grow, and are swept, one at
//! a time, so the longest stall shrinks by the shard count, at the cost of one index step.

use hashbrown::HashTable;

use crate::chunked::Chunked;
use hashbrown::hash_table::{Entry, OccupiedEntry};

/// Where an item is kept: an index into the slab.
pub(crate) type SlotId = u32;

/// Number of `index` shards (a power of two).
const SHARDS: usize = 64;

/// The shard of `hash`. The bits are taken from the middle of the hash: hashbrown uses the
/// low bits to pick a bucket and the top seven as tags, and both must still vary in a shard.
fn shard_of(hash: u64) -> usize {
    (hash >> 32) as usize & (SHARDS - 1)
}

#[derive(Default)]
struct Shard {
    table: HashTable<IndexEntry>,
    /// Entries of `table` whose slot was freed since the shard's last sweep.
    stale: usize,
}

pub(crate) struct Items<T> {
    /// [`SHARDS`] tables; an item lives in `index[shard_of(hash)]`.
    index: Box<[Shard]>,
    /// `(hash, slot)` of the items being processed.
    processing: HashTable<(u64, SlotId)>,
    slots: Chunked<Slot<T>>,
    /// Generation of each slot, bumped when it is freed. Kept apart from `slots` so that a
    /// sweep reads 4 bytes per entry.
    generations: Chunked<u32>,
    /// Unused slots, reused last-freed first (warm in the cache).
    free: Vec<SlotId>,
}

#[derive(Clone, Copy)]
struct IndexEntry {
    hash: u64,
    slot: SlotId,
    /// Live while equal to the slot's generation.
    generation: u32,
}

struct Slot<T> {
    /// `None` only while the slot is on the free list.
    item: Option<T>,
    hash: u64,
    flags: u8,
}

/// Result of [`Items::insert`].
pub(crate) enum Inserted<T> {
    /// The item is new and now lives in this slot.
    New(SlotId),
    /// The item was already tracked in this slot; the duplicate is handed back so the caller
    /// can drop it outside its lock.
    Existing(SlotId, T),
    /// More than `u32::MAX` items at once: not tracked.
    Full(T),
}

impl<T: Eq> Items<T> {
    pub(crate) fn new() -> Self {
        Self {
            index: (0..SHARDS).map(|_| Shard::default()).collect(),
            processing: HashTable::new(),
            slots: Chunked::new(),
            generations: Chunked::new(),
            free: Vec::new(),
        }
    }

    /// Tracks `item` (with `hash`, from the queue's hasher) unless it already is.
    pub(crate) fn insert(&mut self, hash: u64, item: T, flags: u8) -> Inserted<T> {
        let shard = shard_of(hash);
        self.sweep_if_full(shard);
        let (slots, generations) = (&self.slots, &self.generations);
        let Some(Shard { table, .. }) = self.index.get_mut(shard) else {
            return Inserted::Full(item);
        };
        let entry = table.entry(
            hash,
            |e| {
                e.hash == hash
                    && generations.get(e.slot as usize) == Some(&e.generation)
                    && slots
                        .get(e.slot as usize)
                        .is_some_and(|slot| slot.item.as_ref() == Some(&item))
            },
            |e| e.hash,
        );
        let entry = match entry {
            Entry::Occupied(entry) => return Inserted::Existing(entry.get().slot, item),
            Entry::Vacant(entry) => entry,
        };
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let Ok(slot) = SlotId::try_from(self.slots.len()) else {
                    return Inserted::Full(item);
                };
                self.slots.push(Slot {
                    item: None,
                    hash,
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
                flags,
            };
        }
        let generation = self.generations.get(slot as usize).copied().unwrap_or(0);
        entry.insert(IndexEntry {
            hash,
            slot,
            generation,
        });
        Inserted::New(slot)
    }

    /// Drops the stale entries of shard `shard` when it is about to grow and at least half of
    /// it is stale; otherwise lets it grow. Either way the shard's next sweep is at least as
    /// many of its inserts away as it holds live entries, which keeps sweeping O(1) per insert.
    fn sweep_if_full(&mut self, shard: usize) {
        let Some(Shard { table, stale }) = self.index.get_mut(shard) else {
            return;
        };
        let len = table.len();
        if len < table.capacity() || *stale * 2 < len {
            return;
        }
        let generations = &self.generations;
        table.retain(|e| generations.get(e.slot as usize) == Some(&e.generation));
        *stale = 0;
    }

    pub(crate) fn item(&self, slot: SlotId) -> Option<&T> {
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
            items_slots: &mut self.slots,
            generations: &mut self.generations,
            free: &mut self.free,
            index: &mut self.index,
            slot,
        })
    }

    #[cfg(test)]
    fn live(&self) -> usize {
        self.index.iter().map(|s| s.table.len() - s.stale).sum()
    }

    #[cfg(test)]
    fn index_capacity(&self) -> usize {
        self.index.iter().map(|s| s.table.capacity()).sum()
    }
}

/// A processing item found by [`Items::find_processing`].
pub(crate) struct Processing<'a, T> {
    entry: OccupiedEntry<'a, (u64, SlotId)>,
    items_slots: &'a mut Chunked<Slot<T>>,
    generations: &'a mut Chunked<u32>,
    free: &'a mut Vec<SlotId>,
    index: &'a mut [Shard],
    slot: SlotId,
}

impl<T> Processing<'_, T> {
    pub(crate) fn flags(&self) -> u8 {
        self.items_slots
            .get(self.slot as usize)
            .map_or(0, |s| s.flags)
    }

    /// No longer processing, still tracked with `flags` (to be queued again).
    pub(crate) fn requeue(self, flags: u8) -> SlotId {
        self.entry.remove();
        if let Some(s) = self.items_slots.get_mut(self.slot as usize) {
            s.flags = flags;
        }
        self.slot
    }

    /// Stops tracking the item and returns it. Its `index` entry turns stale.
    pub(crate) fn finish(self) -> Option<T> {
        self.entry.remove();
        let slot = self.items_slots.get_mut(self.slot as usize)?;
        let (item, hash) = (slot.item.take(), slot.hash);
        if let Some(generation) = self.generations.get_mut(self.slot as usize) {
            // Wrapping is harmless: an entry revived by a wrap still matches only an item equal to
            // its slot's current one, which is then that very item.
            *generation = generation.wrapping_add(1);
        }
        if let Some(shard) = self.index.get_mut(shard_of(hash)) {
            shard.stale += 1;
        }
        self.free.push(self.slot);
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
        assert_eq!(found.requeue(1), a);
        assert!(items.find_processing(H, &1).is_none());

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
        assert!(items.index_capacity() < 64, "swept, not grown");
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
        assert!(
            items.index.iter().all(|s| !s.table.is_empty()),
            "every shard used"
        );
        // Stale entries are bounded by the live ones (per shard), not by the churn.
        assert!(
            items.index_capacity() < 4 * 5_000,
            "{}",
            items.index_capacity()
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

    fn new_slot_u64(items: &mut Items<u64>, hash: u64, item: u64) -> SlotId {
        match items.insert(hash, item, 1) {
            Inserted::New(slot) => slot,
            _ => panic!("{item} is new"),
        }
    }
}
