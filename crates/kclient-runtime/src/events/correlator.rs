//! client-go's `EventCorrelator` (`tools/record/events_cache.go`): what the recorder does to
//! each event before it writes anything.
//!
//! 1. **Aggregation**: events about one object that differ only in their message are
//!    *similar*. From the 10th distinct message within 10 minutes of the previous similar
//!    event, they are written as one Event whose message is
//!    `(combined from similar events): <latest message>`.
//! 2. **Counting**: an event *identical* to one already written (same object, field path,
//!    type, reason, action, related object and message) is not created again: the existing
//!    Event's count (core/v1 `count`, events.k8s.io `series.count`) goes up by a patch.
//! 3. **Spam filter**: each object may have 25 events written at once, then one per 5
//!    minutes (a token bucket per object and type); the rest are dropped.
//!
//! The caches are bounded LRUs (4,096 entries each, as client-go's), so a controller that
//! reports on many objects forgets the least recently seen ones rather than growing. Time is
//! passed in, so this module does no I/O and its tests need no clock.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use kclient_core::token_bucket::TokenBucket;

use super::{EventType, ObjectRef};

/// Entries per cache (client-go's `maxLruCacheEntries`).
pub(crate) const CACHE_SIZE: usize = 4096;

/// How the correlator groups, counts and limits events; the defaults are client-go's.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelatorOptions {
    /// Distinct messages of similar events, within `aggregate_window`, from which on they
    /// are aggregated. Default: 10.
    pub aggregate_max_events: usize,
    /// How long after the last similar event a new one starts a fresh group. Default:
    /// 10 minutes.
    pub aggregate_window: Duration,
    /// Events about one object written at once before the spam filter limits them.
    /// Default: 25.
    pub spam_burst: u32,
    /// Once the burst is spent, one more event about the object per this interval.
    /// Default: 5 minutes.
    pub spam_refill: Duration,
}

impl Default for CorrelatorOptions {
    fn default() -> Self {
        Self {
            aggregate_max_events: 10,
            aggregate_window: Duration::from_secs(600),
            spam_burst: 25,
            spam_refill: Duration::from_secs(300),
        }
    }
}

/// One call of the recorder, as the caller made it.
#[derive(Clone, Debug)]
pub(crate) struct Occurrence {
    pub regarding: ObjectRef,
    pub related: Option<ObjectRef>,
    pub type_: EventType,
    pub reason: String,
    pub action: String,
    pub message: String,
    pub annotations: BTreeMap<String, String>,
    /// When the call was made.
    pub at: Instant,
}

/// The Event to write after correlation.
#[derive(Clone, Debug)]
pub(crate) struct Correlated {
    /// The logger's cache key, under which the server's answer is remembered.
    pub key: String,
    /// The Event's name: new, or that of the Event this one counts.
    pub name: String,
    /// The occurrence, its message possibly replaced by the aggregate message.
    pub occurrence: Occurrence,
    /// How many times the Event has now occurred; above 1 it is a patch of `name`.
    pub count: u32,
    /// When the first occurrence counted by this Event was seen.
    pub first_seen: Instant,
}

/// A map that forgets its least recently used entry beyond its capacity.
#[derive(Debug)]
struct Lru<V> {
    capacity: usize,
    tick: u64,
    entries: HashMap<String, (V, u64)>,
    order: BTreeMap<u64, String>,
}

impl<V> Lru<V> {
    fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            tick: 0,
            entries: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    /// The entry at `key`, marked as just used.
    fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.tick += 1;
        let tick = self.tick;
        let (value, used) = self.entries.get_mut(key)?;
        self.order.remove(used);
        *used = tick;
        self.order.insert(tick, key.to_string());
        Some(value)
    }

    fn insert(&mut self, key: String, value: V) {
        self.tick += 1;
        if let Some((_, used)) = self.entries.insert(key.clone(), (value, self.tick)) {
            self.order.remove(&used);
        }
        self.order.insert(self.tick, key);
        while self.entries.len() > self.capacity {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Similar events seen lately.
#[derive(Debug)]
struct AggregateRecord {
    messages: HashSet<String>,
    last: Instant,
}

/// An Event written (or about to be), for counting identical ones.
#[derive(Debug, Clone)]
struct EventLog {
    count: u32,
    first_seen: Instant,
    name: String,
}

/// The correlator; see the [module docs](self).
#[derive(Debug)]
pub(crate) struct Correlator {
    options: CorrelatorOptions,
    aggregates: Lru<AggregateRecord>,
    logs: Lru<EventLog>,
    spam: Lru<TokenBucket>,
    /// Makes names unique when two events get the same timestamp.
    last_name_nanos: i128,
}

/// Joins key parts with a byte no part can hold, so that no two events share a key by
/// accident of concatenation.
fn join(parts: &[&str]) -> String {
    parts.join("\u{0}")
}

fn object_parts(r: &ObjectRef) -> [&str; 5] {
    [&r.kind, &r.namespace, &r.name, &r.uid, &r.api_version]
}

/// The object, its type and its reason: what similar events share.
fn aggregate_key(o: &Occurrence) -> String {
    let related = o.related.as_ref().map(related_key).unwrap_or_default();
    let mut parts = object_parts(&o.regarding).to_vec();
    parts.extend([o.type_.as_str(), &o.reason, &o.action, &related]);
    format!("a\u{0}{}", join(&parts))
}

/// Everything that makes two events identical.
fn event_key(o: &Occurrence) -> String {
    let related = o.related.as_ref().map(related_key).unwrap_or_default();
    let mut parts = object_parts(&o.regarding).to_vec();
    parts.extend([
        &o.regarding.field_path,
        o.type_.as_str(),
        &o.reason,
        &o.action,
        &related,
        &o.message,
    ]);
    format!("e\u{0}{}", join(&parts))
}

/// The object and the event type: what the spam filter limits.
fn spam_key(o: &Occurrence) -> String {
    let mut parts = object_parts(&o.regarding).to_vec();
    parts.push(o.type_.as_str());
    join(&parts)
}

fn related_key(r: &ObjectRef) -> String {
    join(&[
        &r.kind,
        &r.namespace,
        &r.name,
        &r.uid,
        &r.api_version,
        &r.field_path,
    ])
}

/// The message of an aggregate Event.
pub(crate) fn aggregate_message(message: &str) -> String {
    format!("(combined from similar events): {message}")
}

impl Correlator {
    pub fn new(options: CorrelatorOptions) -> Self {
        Self {
            options,
            aggregates: Lru::new(CACHE_SIZE),
            logs: Lru::new(CACHE_SIZE),
            spam: Lru::new(CACHE_SIZE),
            last_name_nanos: 0,
        }
    }

    /// What to write for `occurrence`, or `None` when the spam filter drops it.
    /// `name_nanos` gives the wall-clock nanoseconds new Events are named after.
    pub fn correlate(
        &mut self,
        occurrence: Occurrence,
        name_nanos: impl FnOnce(Instant) -> i128,
    ) -> Option<Correlated> {
        let nanos = name_nanos(occurrence.at).max(self.last_name_nanos + 1);
        self.last_name_nanos = nanos;
        let (occurrence, key) = self.aggregate(occurrence);
        let correlated = self.observe(occurrence, key, nanos);
        self.allowed(&correlated.occurrence).then_some(correlated)
    }

    /// client-go's `EventAggregate`: the occurrence itself and its own key, or from the
    /// threshold on the aggregate occurrence and the group's key.
    fn aggregate(&mut self, mut occurrence: Occurrence) -> (Occurrence, String) {
        let key = aggregate_key(&occurrence);
        let at = occurrence.at;
        let window = self.options.aggregate_window;
        let fresh = || AggregateRecord {
            messages: HashSet::new(),
            last: at,
        };
        let mut record = match self.aggregates.get_mut(&key) {
            Some(r) if at.saturating_duration_since(r.last) <= window => {
                std::mem::replace(r, fresh())
            }
            _ => fresh(),
        };
        record.messages.insert(occurrence.message.clone());
        record.last = at;
        let aggregate = record.messages.len() >= self.options.aggregate_max_events;
        if aggregate {
            // Keep the set below the threshold: client-go pops one message.
            if let Some(any) = record.messages.iter().next().cloned() {
                record.messages.remove(&any);
            }
        }
        self.aggregates.insert(key.clone(), record);
        if !aggregate {
            return (occurrence.clone(), event_key(&occurrence));
        }
        occurrence.message = aggregate_message(&occurrence.message);
        // The aggregate Event is about the whole object.
        occurrence.regarding.field_path.clear();
        (occurrence, key)
    }

    /// client-go's `eventObserve`: counts the occurrence against an Event already written
    /// under `key`, or names a new one.
    fn observe(&mut self, occurrence: Occurrence, key: String, nanos: i128) -> Correlated {
        let log = match self.logs.get_mut(&key) {
            Some(last) if last.count > 0 => EventLog {
                count: last.count.saturating_add(1),
                ..last.clone()
            },
            _ => EventLog {
                count: 1,
                first_seen: occurrence.at,
                name: event_name(&occurrence.regarding.name, nanos),
            },
        };
        self.logs.insert(key.clone(), log.clone());
        Correlated {
            key,
            name: log.name,
            count: log.count,
            first_seen: log.first_seen,
            occurrence,
        }
    }

    /// client-go's `EventSourceObjectSpamFilter`: whether the object still has a token.
    fn allowed(&mut self, occurrence: &Occurrence) -> bool {
        let key = spam_key(occurrence);
        if let Some(bucket) = self.spam.get_mut(&key) {
            return bucket.try_take(occurrence.at);
        }
        let mut bucket =
            TokenBucket::with_interval(self.options.spam_refill, self.options.spam_burst);
        let allowed = bucket.try_take(occurrence.at);
        self.spam.insert(key, bucket);
        allowed
    }

    /// Remembers the name the server kept for the Event under `key` (client-go's
    /// `UpdateState`), so the next identical event patches that Event.
    pub fn update_state(&mut self, key: &str, name: &str) {
        if let Some(log) = self.logs.get_mut(key) {
            log.name = name.to_string();
        }
    }

    #[cfg(test)]
    fn cached(&self) -> (usize, usize, usize) {
        (self.aggregates.len(), self.logs.len(), self.spam.len())
    }
}

/// client-go's `GenerateEventName`: the object's name and the time in hexadecimal
/// nanoseconds, or a random name when that is no valid object name.
pub(crate) fn event_name(object_name: &str, nanos: i128) -> String {
    let name = format!("{object_name}.{nanos:x}");
    if kclient_core::validation::is_dns1123_subdomain(&name).is_empty() {
        return name;
    }
    let random: u128 = rand::random();
    format!("{random:032x}")
}

#[cfg(test)]
#[path = "correlator_tests.rs"]
mod tests;
