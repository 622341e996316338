//! The bounded event history of one resource: watches resume from it, and its
//! oldest retained point is also how far back snapshot reads may go.

use std::collections::VecDeque;
use std::sync::Arc;

use super::object::Event;

/// Recent events in resourceVersion order plus the compaction point.
#[derive(Debug)]
pub(crate) struct History {
    events: VecDeque<Arc<Event>>,
    capacity: usize,
    /// Watches and snapshot reads are served for any RV >= this.
    oldest_valid: u64,
}

impl History {
    pub fn new(capacity: usize) -> Self {
        History {
            events: VecDeque::new(),
            capacity: capacity.max(1),
            oldest_valid: 0,
        }
    }

    pub fn oldest_valid(&self) -> u64 {
        self.oldest_valid
    }

    /// Appends an event; returns the events that fell out of the window.
    pub fn push(&mut self, event: Arc<Event>) -> Vec<Arc<Event>> {
        self.events.push_back(event);
        let mut evicted = Vec::new();
        while self.events.len() > self.capacity {
            if let Some(old) = self.events.pop_front() {
                self.oldest_valid = self.oldest_valid.max(old.rv);
                evicted.push(old);
            }
        }
        evicted
    }

    /// Events after `rv`, or `Err(oldest_valid)` when they are no longer all kept.
    pub fn since(&self, rv: u64) -> Result<Vec<Arc<Event>>, u64> {
        if rv < self.oldest_valid {
            return Err(self.oldest_valid);
        }
        let start = self.events.partition_point(|e| e.rv <= rv);
        Ok(self.events.range(start..).cloned().collect())
    }

    /// Forgets everything up to `rv`: older resourceVersions now answer 410.
    pub fn compact_to(&mut self, rv: u64) -> Vec<Arc<Event>> {
        self.oldest_valid = self.oldest_valid.max(rv);
        let keep = self.events.partition_point(|e| e.rv <= rv);
        self.events.drain(..keep).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::object::{EventType, Obj};
    use serde_json::json;

    fn ev(rv: u64) -> Arc<Event> {
        Arc::new(Event::new(
            rv,
            EventType::Added,
            Obj::new(json!({})),
            None,
            format!("k{rv}"),
        ))
    }

    #[test]
    fn window_and_compaction() {
        let mut h = History::new(3);
        for rv in [2, 4, 6] {
            assert!(h.push(ev(rv)).is_empty());
        }
        assert_eq!(h.since(0).unwrap().len(), 3);
        assert_eq!(h.since(4).unwrap().len(), 1);
        let out = h.push(ev(8));
        assert_eq!(out.len(), 1);
        assert_eq!(h.oldest_valid(), 2);
        assert_eq!(h.since(1).unwrap_err(), 2);
        assert_eq!(h.since(2).unwrap().len(), 3);
        let dropped = h.compact_to(7);
        assert_eq!(dropped.len(), 2);
        assert!(h.since(6).is_err());
        assert_eq!(h.since(7).unwrap().len(), 1);
    }
}
