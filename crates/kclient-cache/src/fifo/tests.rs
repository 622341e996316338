use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use proptest::prelude::*;

use super::*;
use crate::delta::apply_deltas;

fn cm(name: &str, rv: u64) -> Arc<ConfigMap> {
    Arc::new(ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("ns".to_owned()),
            resource_version: Some(rv.to_string()),
            ..Default::default()
        },
        ..Default::default()
    })
}

fn kinds(d: &Deltas<ConfigMap>) -> Vec<(DeltaType, bool)> {
    d.iter()
        .map(|d| (d.kind, d.object.is_tombstone()))
        .collect()
}

fn rv(d: &Delta<ConfigMap>) -> u64 {
    d.object
        .object()
        .metadata
        .resource_version
        .as_ref()
        .unwrap()
        .parse()
        .unwrap()
}

async fn pop_ok(f: &DeltaFifo<ConfigMap>) -> Deltas<ConfigMap> {
    f.pop(|_, _| Ok::<(), ProcessError<()>>(())).await.unwrap()
}

#[tokio::test]
async fn deltas_are_grouped_per_key_in_fifo_order() {
    let f = DeltaFifo::new();
    f.add(cm("a", 1)).unwrap();
    f.add(cm("b", 2)).unwrap();
    f.update(cm("a", 3)).unwrap();
    f.delete(cm("a", 4)).unwrap();
    assert_eq!(f.list_keys(), ["ns/a", "ns/b"]);
    let a = pop_ok(&f).await;
    assert_eq!(a.key(), "ns/a");
    assert_eq!(
        kinds(&a),
        [
            (DeltaType::Added, false),
            (DeltaType::Updated, false),
            (DeltaType::Deleted, false)
        ]
    );
    assert_eq!(rv(a.oldest().unwrap()), 1);
    assert_eq!(rv(a.newest().unwrap()), 4);
    assert_eq!(pop_ok(&f).await.key(), "ns/b");
    assert!(f.is_empty());
}

#[tokio::test]
async fn consecutive_deletes_are_deduplicated_keeping_the_informative_one() {
    let f = DeltaFifo::new();
    f.add(cm("a", 1)).unwrap();
    f.delete(cm("a", 2)).unwrap();
    f.delete(cm("a", 3)).unwrap();
    // A relist without "a" adds a tombstone, which loses against the real deletion.
    f.replace(vec![]).unwrap();
    let a = f.get_by_key("ns/a").unwrap();
    assert_eq!(
        kinds(&a),
        [(DeltaType::Added, false), (DeltaType::Deleted, false)]
    );
    assert_eq!(rv(a.newest().unwrap()), 3);
}

#[tokio::test]
async fn deleting_an_unknown_object_is_ignored() {
    let known = Indexer::new();
    let f = DeltaFifo::with_known_objects(Arc::new(known.clone()));
    f.delete(cm("ghost", 1)).unwrap();
    assert!(f.is_empty());
    known.add(cm("real", 1)).unwrap();
    f.delete(cm("real", 2)).unwrap();
    assert_eq!(f.list_keys(), ["ns/real"]);
}

#[tokio::test]
async fn replace_queues_tombstones_for_vanished_known_objects() {
    let known = Indexer::new();
    known.add(cm("gone", 1)).unwrap();
    known.add(cm("kept", 1)).unwrap();
    let f = DeltaFifo::with_known_objects(Arc::new(known.clone()));
    f.replace(vec![cm("kept", 2), cm("new", 2)]).unwrap();
    let mut keys = f.list_keys();
    keys.sort();
    assert_eq!(keys, ["ns/gone", "ns/kept", "ns/new"]);
    let gone = f.get_by_key("ns/gone").unwrap();
    assert_eq!(kinds(&gone), [(DeltaType::Deleted, true)]);
    match &gone.newest().unwrap().object {
        DeltaObject::DeletedFinalStateUnknown { key, object } => {
            assert_eq!(key, "ns/gone");
            assert_eq!(object.metadata.resource_version.as_deref(), Some("1"));
        }
        other => panic!("not a tombstone: {other:?}"),
    }
    assert_eq!(
        kinds(&f.get_by_key("ns/kept").unwrap()),
        [(DeltaType::Replaced, false)]
    );
}

#[tokio::test]
async fn replace_without_known_objects_uses_the_queue_and_sync_type_when_asked() {
    let f = DeltaFifo::with_options(DeltaFifoOptions {
        known_objects: None,
        emit_delta_type_replaced: false,
    });
    f.add(cm("queued", 1)).unwrap();
    f.replace(vec![cm("listed", 2)]).unwrap();
    let q = f.get_by_key("ns/queued").unwrap();
    assert_eq!(
        kinds(&q),
        [(DeltaType::Added, false), (DeltaType::Deleted, true)]
    );
    assert_eq!(
        rv(q.newest().unwrap()),
        1,
        "tombstone carries the last queued state"
    );
    assert_eq!(
        kinds(&f.get_by_key("ns/listed").unwrap()),
        [(DeltaType::Sync, false)]
    );
    // A second relist keeps the tombstone's object, not a tombstone of a tombstone.
    f.replace(vec![]).unwrap();
    let q = f.get_by_key("ns/queued").unwrap();
    assert_eq!(q.len(), 2);
    assert!(f.replace(vec![Arc::new(ConfigMap::default())]).is_err());
}

#[tokio::test]
async fn resync_skips_keys_with_pending_deltas() {
    let known = Indexer::new();
    known.add(cm("a", 1)).unwrap();
    known.add(cm("b", 1)).unwrap();
    let f = DeltaFifo::with_known_objects(Arc::new(known.clone()));
    f.update(cm("a", 2)).unwrap();
    f.resync();
    assert_eq!(
        kinds(&f.get_by_key("ns/a").unwrap()),
        [(DeltaType::Updated, false)]
    );
    assert_eq!(
        kinds(&f.get_by_key("ns/b").unwrap()),
        [(DeltaType::Sync, false)]
    );
    DeltaFifo::<ConfigMap>::new().resync();
}

#[tokio::test]
async fn has_synced_after_the_initial_batch_is_popped() {
    let f = DeltaFifo::new();
    assert!(!f.has_synced());
    f.replace(vec![cm("a", 1), cm("b", 1)]).unwrap();
    f.add(cm("c", 2)).unwrap();
    assert!(!f.has_synced());
    let first = f
        .pop(|_, initial| {
            assert!(initial);
            Ok::<(), ProcessError<()>>(())
        })
        .await
        .unwrap();
    assert_eq!(first.key(), "ns/a");
    assert!(!f.has_synced());
    pop_ok(&f).await;
    assert!(f.has_synced());
    let last = f
        .pop(|_, initial| {
            assert!(!initial);
            Ok::<(), ProcessError<()>>(())
        })
        .await
        .unwrap();
    assert_eq!(last.key(), "ns/c");

    // An empty initial list is synced at once; so is a FIFO whose first write was an add.
    let empty = DeltaFifo::<ConfigMap>::new();
    empty.replace(vec![]).unwrap();
    assert!(empty.has_synced());
    let added = DeltaFifo::new();
    added.add(cm("x", 1)).unwrap();
    assert!(added.has_synced());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_errors_requeue_and_writes_wait_for_the_handler() {
    let f = DeltaFifo::new();
    f.add(cm("a", 1)).unwrap();
    let err = f
        .pop(|_, _| Err(ProcessError::Requeue("boom")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PopError::Process { ref key, error: "boom", requeued: true } if key == "ns/a")
    );
    let again = pop_ok(&f).await;
    assert_eq!(rv(again.newest().unwrap()), 1);

    // A write arriving while the handler runs waits for it (the FIFO is locked across
    // `process`, as in client-go), so it lands after the requeued deltas, not instead of them.
    f.add(cm("b", 1)).unwrap();
    let (running_tx, running_rx) = std::sync::mpsc::channel();
    let writer = std::thread::spawn({
        let f = f.clone();
        move || {
            running_rx.recv().unwrap();
            f.update(cm("b", 2)).unwrap();
        }
    });
    let err = f
        .pop(move |_, _| {
            running_tx.send(()).unwrap();
            // Long enough for the writer to block on the lock if it is going to.
            std::thread::sleep(Duration::from_millis(50));
            Err(ProcessError::Requeue(()))
        })
        .await
        .unwrap_err();
    assert!(matches!(err, PopError::Process { requeued: true, .. }));
    writer.join().unwrap();
    let b = pop_ok(&f).await;
    assert_eq!(
        kinds(&b),
        [(DeltaType::Added, false), (DeltaType::Updated, false)]
    );

    f.add(cm("c", 1)).unwrap();
    let err = f
        .pop(|_, _| Err(ProcessError::Failed(7)))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PopError::Process {
            error: 7,
            requeued: false,
            ..
        }
    ));
    assert!(f.is_empty());
}

#[tokio::test]
async fn a_list_naming_a_key_twice_still_syncs() {
    let f = DeltaFifo::new();
    f.replace(vec![cm("a", 1), cm("b", 1), cm("a", 2)]).unwrap();
    assert!(!f.has_synced());
    let a = pop_ok(&f).await;
    assert_eq!(kinds(&a), [(DeltaType::Replaced, false); 2]);
    assert!(!f.has_synced());
    pop_ok(&f).await;
    assert!(
        f.has_synced(),
        "two distinct keys popped: the initial list is done"
    );
}

#[tokio::test(start_paused = true)]
async fn pop_waits_for_items_and_close_drains_then_stops() {
    let f = DeltaFifo::new();
    let waiter = {
        let f = f.clone();
        tokio::spawn(async move { pop_ok(&f).await.key().to_owned() })
    };
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(!waiter.is_finished());
    f.add(cm("late", 1)).unwrap();
    assert_eq!(waiter.await.unwrap(), "ns/late");

    f.add(cm("left", 1)).unwrap();
    let closed_waiter = {
        let f = DeltaFifo::<ConfigMap>::new();
        let g = f.clone();
        let h = tokio::spawn(async move { g.pop(|_, _| Ok::<(), ProcessError<()>>(())).await });
        tokio::task::yield_now().await;
        f.close();
        h
    };
    assert!(matches!(
        closed_waiter.await.unwrap(),
        Err(PopError::Closed)
    ));
    f.close();
    assert!(f.is_closed());
    assert_eq!(pop_ok(&f).await.key(), "ns/left", "closing drains first");
    assert!(matches!(
        f.pop(|_, _| Ok::<(), ProcessError<()>>(())).await,
        Err(PopError::Closed)
    ));
}

#[tokio::test(start_paused = true)]
async fn dropping_a_waiting_pop_loses_nothing() {
    let f = DeltaFifo::new();
    let res = tokio::time::timeout(Duration::from_secs(1), pop_ok(&f)).await;
    assert!(res.is_err());
    f.add(cm("a", 1)).unwrap();
    assert_eq!(pop_ok(&f).await.key(), "ns/a");
}

#[derive(Clone, Debug)]
enum Op {
    /// Create (if absent) or update (if present) object `n`.
    Write(u8),
    /// Delete object `n` if present on the "server".
    Delete(u8),
    /// Delete `n` on the server without telling the FIFO (a missed watch event).
    DeleteSilently(u8),
    /// Relist: the FIFO gets the server's full state.
    Replace,
    Resync,
    Pop,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..6u8).prop_map(Op::Write),
        2 => (0..6u8).prop_map(Op::Delete),
        1 => (0..6u8).prop_map(Op::DeleteSilently),
        1 => Just(Op::Replace),
        1 => Just(Op::Resync),
        4 => Just(Op::Pop),
    ]
}

fn check_invariants(f: &DeltaFifo<ConfigMap>) -> Result<(), TestCaseError> {
    let keys = f.list_keys();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    prop_assert_eq!(unique.len(), keys.len(), "a key is queued once");
    for key in &keys {
        let deltas = f.get_by_key(key).unwrap();
        prop_assert!(!deltas.is_empty());
        for pair in deltas.as_slice().windows(2) {
            prop_assert!(
                !(pair[0].kind == DeltaType::Deleted && pair[1].kind == DeltaType::Deleted),
                "consecutive deletes survived"
            );
        }
    }
    Ok(())
}

proptest! {
    /// DeltaFIFO + consumer Indexer (as known objects) against a model of the server: after
    /// every relist that is fully drained, the consumer holds exactly the server's state,
    /// including deletions the FIFO never saw as events.
    #[test]
    fn fifo_feeds_the_consumer_to_the_server_state(ops in proptest::collection::vec(op(), 0..80)) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let store = Indexer::new();
            let f = DeltaFifo::with_known_objects(Arc::new(store.clone()));
            let mut server: BTreeMap<String, u64> = BTreeMap::new();
            let mut rv = 0u64;
            for op in ops {
                match op {
                    Op::Write(n) => {
                        rv += 1;
                        let name = format!("o{n}");
                        if server.insert(format!("ns/{name}"), rv).is_some() {
                            f.update(cm(&name, rv)).unwrap();
                        } else {
                            f.add(cm(&name, rv)).unwrap();
                        }
                    }
                    Op::Delete(n) => {
                        let key = format!("ns/o{n}");
                        if let Some(old) = server.remove(&key) {
                            f.delete(cm(&format!("o{n}"), old)).unwrap();
                        }
                    }
                    Op::DeleteSilently(n) => {
                        server.remove(&format!("ns/o{n}"));
                    }
                    Op::Replace => {
                        let items = server
                            .iter()
                            .map(|(k, v)| cm(k.trim_start_matches("ns/"), *v))
                            .collect();
                        f.replace(items).unwrap();
                    }
                    Op::Resync => f.resync(),
                    Op::Pop => {
                        if !f.is_empty() {
                            let d = pop_ok(&f).await;
                            apply_deltas(&store, &d);
                        }
                    }
                }
                check_invariants(&f)?;
            }
            // Relist and drain: the consumer must now equal the server.
            let items = server.iter().map(|(k, v)| cm(k.trim_start_matches("ns/"), *v)).collect();
            f.replace(items).unwrap();
            while !f.is_empty() {
                let d = pop_ok(&f).await;
                apply_deltas(&store, &d);
            }
            let held: BTreeMap<String, u64> = store
                .list()
                .iter()
                .map(|o| {
                    (
                        meta_namespace_key(&**o).unwrap(),
                        o.metadata.resource_version.as_ref().unwrap().parse().unwrap(),
                    )
                })
                .collect();
            prop_assert_eq!(held, server);
            prop_assert!(f.has_synced());
            Ok(())
        })?;
    }
}
