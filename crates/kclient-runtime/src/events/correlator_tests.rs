use super::*;

fn pod(name: &str) -> ObjectRef {
    ObjectRef {
        api_version: "v1".into(),
        kind: "Pod".into(),
        namespace: "ns".into(),
        name: name.into(),
        uid: format!("uid-{name}"),
        ..ObjectRef::default()
    }
}

fn occ(at: Instant, object: &str, reason: &str, message: &str) -> Occurrence {
    Occurrence {
        regarding: pod(object),
        related: None,
        type_: EventType::Normal,
        reason: reason.into(),
        action: reason.into(),
        message: message.into(),
        annotations: BTreeMap::new(),
        at,
    }
}

fn nanos(base: Instant) -> impl Fn(Instant) -> i128 {
    move |at| at.duration_since(base).as_nanos() as i128 + 1_700_000_000_000_000_000
}

/// A correlator with no spam limit, to look at aggregation and counting alone.
fn unlimited() -> Correlator {
    Correlator::new(CorrelatorOptions {
        spam_burst: u32::MAX,
        spam_refill: Duration::ZERO,
        ..CorrelatorOptions::default()
    })
}

#[test]
fn identical_events_count_up_on_the_first_events_name() {
    let t0 = Instant::now();
    let mut c = unlimited();
    let first = c
        .correlate(occ(t0, "web", "Pulled", "image pulled"), nanos(t0))
        .expect("written");
    assert_eq!(first.count, 1);
    assert!(first.name.starts_with("web."), "{}", first.name);
    c.update_state(&first.key, &first.name);
    for n in 2..=5u32 {
        let at = t0 + Duration::from_secs(u64::from(n) * 3600);
        let again = c
            .correlate(occ(at, "web", "Pulled", "image pulled"), nanos(t0))
            .expect("written");
        assert_eq!((again.count, again.name.as_str()), (n, first.name.as_str()));
        assert_eq!(again.first_seen, t0);
    }
    // Another message, field path or object is another Event.
    let other = c
        .correlate(occ(t0, "web", "Pulled", "other"), nanos(t0))
        .expect("written");
    assert_eq!(other.count, 1);
    assert_ne!(other.name, first.name);
    let mut part = occ(t0, "web", "Pulled", "image pulled");
    part.regarding.field_path = "spec.containers{a}".into();
    assert_eq!(c.correlate(part, nanos(t0)).expect("written").count, 1);
}

#[test]
fn the_tenth_similar_message_within_the_window_is_aggregated() {
    let t0 = Instant::now();
    let mut c = unlimited();
    for i in 0..9 {
        let at = t0 + Duration::from_secs(i * 60);
        let e = c
            .correlate(occ(at, "web", "Failed", &format!("error {i}")), nanos(t0))
            .expect("written");
        assert_eq!(
            (e.count, e.occurrence.message.clone()),
            (1, format!("error {i}"))
        );
    }
    let at = t0 + Duration::from_secs(9 * 60);
    let combined = c
        .correlate(occ(at, "web", "Failed", "error 9"), nanos(t0))
        .expect("written");
    assert_eq!(
        combined.occurrence.message,
        "(combined from similar events): error 9"
    );
    assert_eq!(combined.count, 1);
    // The next similar ones count on the aggregate Event, their message its latest.
    let next = c
        .correlate(
            occ(at + Duration::from_secs(1), "web", "Failed", "error 10"),
            nanos(t0),
        )
        .expect("written");
    assert_eq!(
        (
            next.count,
            next.name.as_str(),
            next.occurrence.message.as_str()
        ),
        (
            2,
            combined.name.as_str(),
            "(combined from similar events): error 10"
        )
    );
    // Another reason, or another object, is not similar.
    let other = c
        .correlate(occ(at, "web", "Killing", "error 11"), nanos(t0))
        .expect("written");
    assert_eq!(other.occurrence.message, "error 11");
}

#[test]
fn similar_events_further_apart_than_the_window_start_over() {
    let t0 = Instant::now();
    let mut c = unlimited();
    for i in 0..20u64 {
        // 10 minutes and a second apart: every one starts a fresh group.
        let at = t0 + Duration::from_secs(i * 601);
        let e = c
            .correlate(occ(at, "web", "Failed", &format!("error {i}")), nanos(t0))
            .expect("written");
        assert_eq!(e.occurrence.message, format!("error {i}"));
    }
    // Within the window of the last one, nine more make ten.
    let last = t0 + Duration::from_secs(19 * 601);
    for i in 0..8u64 {
        let e = c
            .correlate(occ(last, "web", "Failed", &format!("more {i}")), nanos(t0))
            .expect("written");
        assert!(!e.occurrence.message.starts_with("(combined"));
    }
    let e = c
        .correlate(occ(last, "web", "Failed", "more 8"), nanos(t0))
        .expect("written");
    assert!(e.occurrence.message.starts_with("(combined"), "{e:?}");
}

#[test]
fn the_spam_filter_allows_a_burst_of_25_then_one_per_5_minutes_per_object() {
    let t0 = Instant::now();
    let mut c = Correlator::new(CorrelatorOptions::default());
    let mut written = 0;
    for i in 0..100 {
        // Distinct reasons: no aggregation, every event its own.
        if c.correlate(occ(t0, "web", &format!("R{i}"), "m"), nanos(t0))
            .is_some()
        {
            written += 1;
        }
    }
    assert_eq!(written, 25);
    // Another object has its own bucket; Warnings have their own too.
    assert!(c.correlate(occ(t0, "db", "R", "m"), nanos(t0)).is_some());
    let mut warning = occ(t0, "web", "W", "m");
    warning.type_ = EventType::Warning;
    assert!(c.correlate(warning, nanos(t0)).is_some());
    // One token back after 5 minutes, not before.
    let almost = t0 + Duration::from_secs(299);
    assert!(
        c.correlate(occ(almost, "web", "X", "m"), nanos(t0))
            .is_none()
    );
    let later = t0 + Duration::from_secs(300);
    assert!(
        c.correlate(occ(later, "web", "Y", "m"), nanos(t0))
            .is_some()
    );
    assert!(
        c.correlate(occ(later, "web", "Z", "m"), nanos(t0))
            .is_none()
    );
}

#[test]
fn identical_events_dropped_by_the_spam_filter_still_count() {
    let t0 = Instant::now();
    let mut c = Correlator::new(CorrelatorOptions {
        spam_burst: 2,
        ..CorrelatorOptions::default()
    });
    let e = |c: &mut Correlator| c.correlate(occ(t0, "web", "R", "same"), nanos(t0));
    assert_eq!(e(&mut c).map(|e| e.count), Some(1));
    assert_eq!(e(&mut c).map(|e| e.count), Some(2));
    assert!(e(&mut c).is_none());
    assert!(e(&mut c).is_none());
    let later = c
        .correlate(
            occ(t0 + Duration::from_secs(300), "web", "R", "same"),
            nanos(t0),
        )
        .expect("a token came back");
    // client-go counts before it filters: the next write carries every occurrence.
    assert_eq!(later.count, 5);
}

#[test]
fn caches_are_bounded() {
    let t0 = Instant::now();
    let mut c = unlimited();
    for i in 0..(CACHE_SIZE + 100) {
        c.correlate(occ(t0, &format!("p{i}"), "R", "m"), nanos(t0));
    }
    let (aggregates, logs, spam) = c.cached();
    assert_eq!(
        (aggregates, logs, spam),
        (CACHE_SIZE, CACHE_SIZE, CACHE_SIZE)
    );
    // The oldest object was forgotten: its next event is new again.
    let again = c
        .correlate(occ(t0, "p0", "R", "m"), nanos(t0))
        .expect("written");
    assert_eq!(again.count, 1);
}

#[test]
fn names_are_the_objects_name_and_hex_nanoseconds_and_unique() {
    assert_eq!(event_name("web", 0x17a), "web.17a");
    // Too long for an object name: a random one.
    let long = "x".repeat(260);
    let random = event_name(&long, 1);
    assert_eq!(random.len(), 32);
    assert!(random.chars().all(|c| c.is_ascii_hexdigit()));
    let t0 = Instant::now();
    let mut c = unlimited();
    let same = |_| 5;
    let a = c.correlate(occ(t0, "web", "A", "m"), same).expect("a");
    let b = c.correlate(occ(t0, "web", "B", "m"), same).expect("b");
    assert_ne!(a.name, b.name);
}
