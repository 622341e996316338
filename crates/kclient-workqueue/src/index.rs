//! [`Index`]: finds a tracked item's slot by hash, and never stalls to grow.
//!
//! A hash table grows by moving every entry into a table twice the size, all in one insert.
//! With the queue's lock held, that one insert stalls every worker: a million-key table
//! takes tens of milliseconds, and even one of 64 shards of it takes milliseconds on a busy
//! machine. Here a full table is replaced by a larger one *incrementally*: the old table is
//! kept for lookups, and each later insert moves the next [`STEP`] of its buckets over.
//! The worst insert thus costs [`STEP`] moved entries (plus, when the caller did not allocate
//! the next table ahead, see below, that allocation). Small tables (up to [`SWEEP_IN_PLACE`]
//! entries) that are mostly stale are swept in place instead, which is bounded by their size.
//!
//! Entries are never removed when an item stops being tracked (that would be one more cache
//! miss in `done`); they go stale instead (their slot's generation moved on), and a move
//! drops the stale entries it meets. So growing doubles as sweeping, and a table of mostly
//! stale entries is replaced by a smaller one.
//!
//! The index is also split into [`SHARDS`] shards by hash, which keeps each table's
//! allocation (and the zeroing of its control bytes, one per bucket) small.
//!
//! Allocating and freeing the tables themselves can stall too (glibc merges every small block
//! freed since it last did when asked for, or given back, a large one; see `chunked`). So a
//! shard nearing full [`wants`](Index::wants) its next table, which the caller allocates
//! after releasing its lock and hands over with [`refill`](Index::refill); and a table
//! that has been moved out of is handed back by [`take_garbage`](Index::take_garbage) for
//! the caller to free after releasing its lock.

use std::mem;

use hashbrown::HashTable;
use hashbrown::hash_table::{Entry, VacantEntry};

use crate::items::SlotId;

/// Number of shards (a power of two).
const SHARDS: usize = 64;

/// Buckets of the old table moved per insert while a shard grows.
const STEP: usize = 16;

/// The smallest table a shard grows into.
const MIN_CAPACITY: usize = 16;

/// Tables at most this large are swept in place, without a migration, when at least half
/// stale: a sweep checks every entry, which for a table this small is quicker than moving it
/// and allocates nothing. Queues with small backlogs and steady churn never migrate.
const SWEEP_IN_PLACE: usize = 512;

/// Tables at least this large get their successor allocated ahead of need. Smaller ones are
/// small allocations, which `malloc` serves without merging freed blocks.
const SPARE_FROM: usize = 56;

/// The shard of `hash`. The bits are taken from the middle of the hash: hashbrown uses the
/// low bits to pick a bucket and the top seven as tags, and both must still vary in a shard.
fn shard_of(hash: u64) -> usize {
    (hash >> 32) as usize & (SHARDS - 1)
}

/// The most entries a hashbrown table of `buckets` buckets holds (it keeps an eighth of the
/// buckets empty, and one bucket of the smallest tables).
fn full_capacity(buckets: usize) -> usize {
    if buckets <= 8 {
        buckets.saturating_sub(1)
    } else {
        buckets / 8 * 7
    }
}

/// Where an item with hash `hash` lives, while `generation` is its slot's generation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IndexEntry {
    pub(crate) hash: u64,
    pub(crate) slot: SlotId,
    /// Live while equal to the slot's generation.
    pub(crate) generation: u32,
}

/// Result of [`Shard::lookup`].
pub(crate) enum Lookup<'a> {
    /// The matching entry's slot.
    Found(SlotId),
    /// No entry matches; this is where one goes.
    Vacant(Vacant<'a>),
}

/// Where a new entry goes (see [`Shard::lookup`]).
pub(crate) struct Vacant<'a>(VacantEntry<'a, IndexEntry>);

impl Vacant<'_> {
    /// Adds `entry`, whose hash must be the one looked up.
    #[inline]
    pub(crate) fn insert(self, entry: IndexEntry) {
        self.0.insert(entry);
    }
}

/// The hash-sharded index of every tracked item.
pub(crate) struct Index {
    shards: Box<[Shard]>,
}

/// A table for shard `shard` with room for `capacity` entries, wanted ahead of need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WantTable {
    shard: usize,
    capacity: usize,
}

impl WantTable {
    /// Allocates the table. Meant to run without the lock.
    pub(crate) fn allocate(self) -> (usize, HashTable<IndexEntry>) {
        (self.shard, HashTable::with_capacity(self.capacity))
    }
}

/// One shard: `table` takes inserts; `old`, while not empty, is being moved into `table`.
#[derive(Default)]
pub(crate) struct Shard {
    table: HashTable<IndexEntry>,
    old: HashTable<IndexEntry>,
    /// The next bucket of `old` to move.
    cursor: usize,
    /// Stale entries in `table` and `old` together.
    stale: usize,
    /// The table to move into next, allocated ahead of need.
    spare: Option<HashTable<IndexEntry>>,
    /// `old` was emptied: the caller should take it.
    emptied: Option<HashTable<IndexEntry>>,
    /// Tables at least `SPARE_FROM` large allocated while the lock was held.
    #[cfg(test)]
    allocated_inline: usize,
}

impl Index {
    pub(crate) fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }

    /// The shard for `hash`.
    #[inline]
    pub(crate) fn shard(&mut self, hash: u64) -> &mut Shard {
        // `shard_of` masks its result below `SHARDS`, the length of `shards`.
        &mut self.shards[shard_of(hash)]
    }

    /// The table that the shard of `hash` (the one last inserted into) wants allocated ahead
    /// of need, if any.
    #[inline]
    pub(crate) fn wants(&self, hash: u64) -> Option<WantTable> {
        let shard = shard_of(hash);
        self.shards[shard]
            .wants()
            .map(|capacity| WantTable { shard, capacity })
    }

    /// Takes a table allocated for [`wants`](Self::wants); returns it if it is no longer
    /// needed, to be freed without the lock.
    pub(crate) fn refill(
        &mut self,
        (shard, table): (usize, HashTable<IndexEntry>),
    ) -> Option<HashTable<IndexEntry>> {
        match self.shards.get_mut(shard) {
            Some(s) if s.spare.is_none() => {
                s.spare = Some(table);
                None
            }
            _ => Some(table),
        }
    }

    /// A table the index no longer uses (after an insert into the shard of `hash`), to be
    /// freed without the lock.
    #[inline]
    pub(crate) fn take_garbage(&mut self, hash: u64) -> Option<HashTable<IndexEntry>> {
        self.shards[shard_of(hash)].emptied.take()
    }

    /// Entries, live and stale.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.table.len() + s.old.len())
            .sum()
    }

    /// Stale entries, in every shard.
    #[cfg(test)]
    pub(crate) fn stale(&self) -> usize {
        self.shards.iter().map(|s| s.stale).sum()
    }

    /// Entries the shards have room for.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.table.capacity() + s.old.capacity())
            .sum()
    }

    /// Large tables allocated while the lock was held, in every shard.
    #[cfg(test)]
    pub(crate) fn allocated_inline(&self) -> usize {
        self.shards.iter().map(|s| s.allocated_inline).sum()
    }

    /// Whether every shard holds an entry.
    #[cfg(test)]
    pub(crate) fn every_shard_used(&self) -> bool {
        self.shards
            .iter()
            .all(|s| !s.table.is_empty() || !s.old.is_empty())
    }
}

impl Shard {
    /// Readies the shard for one [`lookup`](Self::lookup) and insert: moves the next buckets
    /// of a running migration, and starts one if `table` is full (or sweeps a small one).
    /// `is_live` tells live entries from stale.
    #[inline]
    pub(crate) fn prepare(&mut self, is_live: impl Fn(&IndexEntry) -> bool) {
        if !self.old.is_empty() || self.table.len() == self.table.capacity() {
            self.prepare_slow(&is_live);
        }
    }

    /// [`prepare`](Self::prepare) when there is something to do (rarely: kept out of line).
    #[inline(never)]
    fn prepare_slow(&mut self, is_live: &impl Fn(&IndexEntry) -> bool) {
        if !self.old.is_empty() {
            self.step(is_live);
        }
        if self.table.len() < self.table.capacity() {
            return;
        }
        // A migration is sized to end before `table` fills, as long as `stale` is exact;
        // should it not be (a generation wrapped around), finish the running one now.
        while !self.old.is_empty() {
            self.step(is_live);
        }
        if self.table.capacity() <= SWEEP_IN_PLACE && self.stale * 2 >= self.table.len() {
            self.table.retain(|e| is_live(e));
            self.stale = 0;
            // Erased entries can leave tombstones, which still count against the capacity.
            // Reserving up to half the table rehashes it in place, which clears them without
            // allocating (hashbrown resizes only beyond half).
            let half = full_capacity(self.table.num_buckets()) / 2;
            if let Some(more) = half.checked_sub(self.table.len()).filter(|&m| m > 0) {
                self.table.reserve(more, |e| e.hash);
            }
            if self.table.len() < self.table.capacity() {
                return;
            }
        }
        let live = self.table.len().saturating_sub(self.stale);
        // Room for the live entries to move and for the inserts made while they move (one per
        // `STEP` buckets): less, and `table` could fill before the move ends.
        let needed = live + self.table.num_buckets().div_ceil(STEP) + 1;
        let next = match self.spare.take() {
            Some(spare) if spare.capacity() >= needed => spare,
            // Not kept up with (or too small after a burst of inserts): allocate now, and
            // leave a spare that is too small for the caller to free.
            spare => {
                if self.emptied.is_none() {
                    self.emptied = spare;
                }
                #[cfg(test)]
                if self.table.capacity() >= SPARE_FROM {
                    self.allocated_inline += 1;
                }
                HashTable::with_capacity(Self::next_capacity(live, self.table.num_buckets()))
            }
        };
        self.old = mem::replace(&mut self.table, next);
        self.cursor = 0;
        self.step(is_live);
    }

    /// The capacity of the table that follows one of `buckets` holding `live` live entries:
    /// room for them, for the inserts made while they move, and as much again before the
    /// next migration.
    fn next_capacity(live: usize, buckets: usize) -> usize {
        (2 * live + buckets.div_ceil(STEP) + 1).max(MIN_CAPACITY)
    }

    /// The capacity of the spare table wanted now, if any: once `table` is within an eighth
    /// of full, with room for the live entries it may gain meanwhile.
    #[inline]
    fn wants(&self) -> Option<usize> {
        let capacity = self.table.capacity();
        let margin = capacity / 8;
        if self.spare.is_some()
            || capacity < SPARE_FROM
            || !self.old.is_empty()
            || self.table.len() + margin < capacity
        {
            return None;
        }
        let live = self.table.len().saturating_sub(self.stale) + margin;
        Some(Self::next_capacity(live, self.table.num_buckets()))
    }

    /// Moves the next `STEP` buckets of `old` into `table`, dropping stale entries.
    fn step(&mut self, is_live: &impl Fn(&IndexEntry) -> bool) {
        let end = (self.cursor + STEP).min(self.old.num_buckets());
        while self.cursor < end {
            if let Ok(bucket) = self.old.get_bucket_entry(self.cursor) {
                let (entry, _) = bucket.remove();
                if is_live(&entry) {
                    self.table.insert_unique(entry.hash, entry, |e| e.hash);
                } else {
                    self.stale = self.stale.saturating_sub(1);
                }
            }
            self.cursor += 1;
        }
        if self.old.is_empty() && self.old.capacity() > 0 {
            // Handed to the caller to free without the lock; a table it did not take is freed
            // here.
            self.emptied = Some(mem::take(&mut self.old));
            self.cursor = 0;
        }
    }

    /// The slot of the entry for which `matches` holds (which must imply `hash` and being
    /// live), in either table.
    #[cfg(test)]
    pub(crate) fn find(&self, hash: u64, matches: impl Fn(&IndexEntry) -> bool) -> Option<SlotId> {
        self.table
            .find(hash, &matches)
            .or_else(|| self.old.find(hash, &matches))
            .map(|e| e.slot)
    }

    /// The slot of the entry for which `matches` holds (which must imply `hash` and being
    /// live), in either table; or, when nothing matches, where an entry for `hash` goes,
    /// found by the same probe. Call [`prepare`](Self::prepare) first: it makes sure
    /// that inserting never grows `table`.
    #[inline]
    pub(crate) fn lookup(
        &mut self,
        hash: u64,
        matches: impl Fn(&IndexEntry) -> bool,
    ) -> Lookup<'_> {
        match self.table.entry(hash, &matches, |e| e.hash) {
            Entry::Occupied(entry) => Lookup::Found(entry.get().slot),
            Entry::Vacant(vacant) => {
                let in_old = if self.old.is_empty() {
                    None
                } else {
                    self.old.find(hash, &matches)
                };
                match in_old {
                    Some(entry) => Lookup::Found(entry.slot),
                    None => Lookup::Vacant(Vacant(vacant)),
                }
            }
        }
    }

    /// Adds `entry`, which must not be in the shard. Call [`prepare`](Self::prepare) first.
    #[cfg(test)]
    pub(crate) fn insert(&mut self, entry: IndexEntry) {
        self.table.insert_unique(entry.hash, entry, |e| e.hash);
    }

    /// One of the shard's entries turned stale.
    pub(crate) fn entry_went_stale(&mut self) {
        self.stale += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    /// A model of the slots: the live generation of each, and its item's hash.
    #[derive(Default)]
    struct Slots {
        generation: Vec<u32>,
    }

    impl Slots {
        fn is_live(&self, e: &IndexEntry) -> bool {
            self.generation.get(e.slot as usize) == Some(&e.generation)
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        /// Track key `k` (if it is not tracked).
        Insert(u16),
        /// Stop tracking key `k` (if it is tracked).
        Remove(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u16..2000).prop_map(Op::Insert),
            2 => (0u16..2000).prop_map(Op::Remove),
        ]
    }

    /// All keys hash into one shard, so its table grows and migrates often.
    fn hash_of(key: u16) -> u64 {
        u64::from(key).wrapping_mul(0x9E37_79B9_7F4A_7C15) & 0xFFFF_FFFF
    }

    proptest! {
        /// Lookups through growth and migration agree with a `HashMap`.
        #[test]
        fn agrees_with_a_hashmap(ops in proptest::collection::vec(op(), 0..3000)) {
            let mut index = Index::new();
            let mut slots = Slots::default();
            // key → slot; slot → key of the tracked keys.
            let mut model: HashMap<u16, SlotId> = HashMap::new();
            let mut key_of: HashMap<SlotId, u16> = HashMap::new();
            let mut free: Vec<SlotId> = Vec::new();
            for op in ops {
                match op {
                    Op::Insert(key) => {
                        let hash = hash_of(key);
                        let shard = index.shard(hash);
                        shard.prepare(|e| slots.is_live(e));
                        let lookup = shard.lookup(hash, |e| {
                            e.hash == hash && slots.is_live(e) && key_of.get(&e.slot) == Some(&key)
                        });
                        match lookup {
                            Lookup::Found(slot) => {
                                prop_assert_eq!(Some(slot), model.get(&key).copied());
                            }
                            Lookup::Vacant(vacant) => {
                                prop_assert_eq!(model.get(&key), None);
                                let slot = free.pop().unwrap_or_else(|| {
                                    slots.generation.push(0);
                                    (slots.generation.len() - 1) as SlotId
                                });
                                let generation = slots.generation[slot as usize];
                                vacant.insert(IndexEntry { hash, slot, generation });
                                model.insert(key, slot);
                                key_of.insert(slot, key);
                            }
                        }
                    }
                    Op::Remove(key) => {
                        if let Some(slot) = model.remove(&key) {
                            key_of.remove(&slot);
                            slots.generation[slot as usize] += 1;
                            index.shard(hash_of(key)).entry_went_stale();
                            free.push(slot);
                        }
                    }
                }
                prop_assert!(index.entries() >= model.len());
                prop_assert_eq!(index.entries() - index.stale(), model.len());
            }
            for key in 0..2000_u16 {
                let hash = hash_of(key);
                let found = index.shard(hash).find(hash, |e| {
                    e.hash == hash && slots.is_live(e) && key_of.get(&e.slot) == Some(&key)
                });
                prop_assert_eq!(found, model.get(&key).copied());
            }
        }
    }

    #[test]
    fn a_full_table_migrates_a_step_at_a_time() {
        let mut shard = Shard::default();
        let live = |_: &IndexEntry| true;
        let mut slot: SlotId = 0;
        while shard.table.len() < shard.table.capacity() || shard.table.capacity() < 1000 {
            shard.prepare(live);
            shard.insert(IndexEntry {
                hash: u64::from(slot),
                slot,
                generation: 0,
            });
            slot += 1;
        }
        let full = shard.table.len();
        let buckets = shard.table.num_buckets();
        // The next insert starts a migration and moves only one step.
        shard.prepare(live);
        assert_eq!(shard.old.len() + shard.table.len(), full);
        assert!(shard.table.len() <= STEP, "{}", shard.table.len());
        // It ends within one insert per `STEP` buckets, without `table` growing meanwhile.
        let capacity = shard.table.capacity();
        let mut inserts = 1;
        while !shard.old.is_empty() {
            shard.insert(IndexEntry {
                hash: u64::from(slot),
                slot,
                generation: 0,
            });
            slot += 1;
            shard.prepare(live);
            inserts += 1;
        }
        assert!(inserts <= buckets.div_ceil(STEP), "{inserts}");
        assert_eq!(shard.table.capacity(), capacity, "never grew mid-migration");
        assert_eq!(shard.old.capacity(), 0, "old table freed");
        for s in 0..slot {
            assert_eq!(shard.find(u64::from(s), |e| e.slot == s), Some(s));
        }
    }

    #[test]
    fn a_small_churning_table_is_swept_in_place_and_never_migrates() {
        let mut shard = Shard::default();
        let mut generation = [0_u32; 8];
        for round in 0..100_000_u32 {
            let slot = round % 8;
            let is_live = |e: &IndexEntry| generation[e.slot as usize] == e.generation;
            shard.prepare(is_live);
            let capacity = shard.table.capacity();
            let lookup = shard.lookup(u64::from(round), |e| e.slot == u32::MAX);
            let Lookup::Vacant(vacant) = lookup else {
                panic!("nothing matches")
            };
            vacant.insert(IndexEntry {
                hash: u64::from(round),
                slot,
                generation: generation[slot as usize],
            });
            assert_eq!(shard.table.capacity(), capacity, "inserting never grows");
            // Finished right away: at most 8 entries are ever live.
            generation[slot as usize] += 1;
            shard.entry_went_stale();
            assert!(shard.old.is_empty(), "swept in place, not migrated");
        }
        assert!(shard.table.capacity() <= 64, "{}", shard.table.capacity());
    }

    #[test]
    fn a_migration_drops_stale_entries_and_shrinks() {
        let mut shard = Shard::default();
        for slot in 0..10_000_u32 {
            shard.prepare(|_| true);
            shard.insert(IndexEntry {
                hash: u64::from(slot),
                slot,
                generation: 0,
            });
        }
        // All but ten go stale, and so does every entry inserted from now on.
        let live = |e: &IndexEntry| e.slot < 10 && e.generation == 0;
        for _ in 10..10_000 {
            shard.entry_went_stale();
        }
        let big = shard.table.capacity();
        let mut slot: SlotId = 10_000;
        while shard.table.capacity() >= big / 4 || !shard.old.is_empty() {
            shard.prepare(live);
            shard.insert(IndexEntry {
                hash: u64::from(slot),
                slot: 0,
                generation: 1,
            });
            shard.entry_went_stale();
            slot += 1;
            assert!(slot < 100_000, "never migrated");
        }
        assert_eq!(
            shard.stale,
            shard.table.len() - 10,
            "stale entries counted exactly"
        );
        for s in 0..10 {
            assert_eq!(shard.find(u64::from(s), |e| e.slot == s), Some(s));
        }
    }
}
