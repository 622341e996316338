//! [`SlotList`]: a FIFO (or stack) of slot numbers threaded through the slots themselves.
//!
//! The queue's FIFO and its free list used to be a `VecDeque` and a `Vec`, which grow by
//! copying everything they hold while the queue's lock is held (megabytes at a million
//! items). Here each slot stores the number of the slot after it, so pushing and popping
//! write one link and never allocate: every operation is O(1) in the worst case. The links
//! cost no extra cache miss either: `get` reads the slot it pops anyway, and `add` links the
//! slot it fills to the previous tail, the slot the previous `add` touched.
//!
//! A slot is on at most one list at a time (waiting in the FIFO, or free), so one link per
//! slot serves both lists.

use crate::items::SlotId;

/// The end of a list: no slot. Never a valid slot number (see `Items::insert`).
pub(crate) const NIL: SlotId = SlotId::MAX;

/// Storage of the links, indexed by slot.
pub(crate) trait Links {
    /// The slot after `slot`, or [`NIL`].
    fn next(&self, slot: SlotId) -> SlotId;
    /// Links `slot` to `next`.
    fn set_next(&mut self, slot: SlotId, next: SlotId);
}

/// A singly linked list of slots with O(1) `push_back`, `push_front` and `pop_front`.
#[derive(Debug)]
pub(crate) struct SlotList {
    head: SlotId,
    tail: SlotId,
    len: usize,
}

impl SlotList {
    pub(crate) const fn new() -> Self {
        Self {
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends `slot`, which must not be on any list.
    pub(crate) fn push_back(&mut self, links: &mut impl Links, slot: SlotId) {
        links.set_next(slot, NIL);
        if self.tail == NIL {
            self.head = slot;
        } else {
            links.set_next(self.tail, slot);
        }
        self.tail = slot;
        self.len += 1;
    }

    /// Prepends `slot`, which must not be on any list.
    pub(crate) fn push_front(&mut self, links: &mut impl Links, slot: SlotId) {
        links.set_next(slot, self.head);
        if self.head == NIL {
            self.tail = slot;
        }
        self.head = slot;
        self.len += 1;
    }

    /// Removes and returns the first slot.
    pub(crate) fn pop_front(&mut self, links: &impl Links) -> Option<SlotId> {
        if self.head == NIL {
            return None;
        }
        let slot = self.head;
        self.head = links.next(slot);
        if self.head == NIL {
            self.tail = NIL;
        }
        self.len -= 1;
        Some(slot)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use proptest::prelude::*;

    use super::*;

    /// Links in a plain vector; the slot numbers in use are `0..len`.
    struct VecLinks(Vec<SlotId>);

    impl Links for VecLinks {
        fn next(&self, slot: SlotId) -> SlotId {
            self.0[slot as usize]
        }
        fn set_next(&mut self, slot: SlotId, next: SlotId) {
            self.0[slot as usize] = next;
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        PushBack,
        PushFront,
        Pop,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => Just(Op::PushBack),
            1 => Just(Op::PushFront),
            3 => Just(Op::Pop),
        ]
    }

    const SLOTS: usize = 64;

    proptest! {
        /// Any sequence of pushes and pops matches a `VecDeque`, with slots reused as soon as
        /// they are popped (as the queue reuses freed slots).
        #[test]
        fn behaves_like_a_vecdeque(ops in proptest::collection::vec(op(), 0..400)) {
            let mut links = VecLinks(vec![NIL; SLOTS]);
            let mut list = SlotList::new();
            let mut model = VecDeque::new();
            // Slots not on the list, reused last-popped first.
            let mut unused: Vec<SlotId> = (0..SLOTS as SlotId).rev().collect();
            for op in ops {
                match op {
                    Op::PushBack | Op::PushFront => {
                        let Some(slot) = unused.pop() else { continue };
                        if matches!(op, Op::PushBack) {
                            list.push_back(&mut links, slot);
                            model.push_back(slot);
                        } else {
                            list.push_front(&mut links, slot);
                            model.push_front(slot);
                        }
                    }
                    Op::Pop => {
                        let popped = list.pop_front(&links);
                        prop_assert_eq!(popped, model.pop_front());
                        unused.extend(popped);
                    }
                }
                prop_assert_eq!(list.len(), model.len());
            }
            let mut rest = Vec::new();
            while let Some(slot) = list.pop_front(&links) {
                rest.push(slot);
            }
            prop_assert_eq!(rest, Vec::from(model));
            prop_assert_eq!(list.len(), 0);
            prop_assert_eq!((list.head, list.tail), (NIL, NIL));
        }
    }

    #[test]
    fn empties_and_refills() {
        let mut links = VecLinks(vec![NIL; 4]);
        let mut list = SlotList::new();
        assert_eq!(list.pop_front(&links), None);
        list.push_back(&mut links, 2);
        list.push_front(&mut links, 1);
        list.push_back(&mut links, 3);
        assert_eq!(list.pop_front(&links), Some(1));
        assert_eq!(list.pop_front(&links), Some(2));
        assert_eq!(list.pop_front(&links), Some(3));
        assert_eq!(list.pop_front(&links), None);
        // The emptied list forgot its tail: the next push is the head.
        list.push_back(&mut links, 0);
        assert_eq!(list.pop_front(&links), Some(0));
        assert_eq!(list.len(), 0);
    }
}
