//! The bench-only `lock-timing` feature records every hold of a queue's lock on the thread
//! that held it.
#![cfg(feature = "lock-timing")]

use futures::FutureExt;
use kclient_workqueue::Queue;
use kclient_workqueue::lock_timing::{reserve_thread_holds, take_thread_holds};

#[test]
fn every_hold_is_recorded_on_the_holding_thread() {
    drop(take_thread_holds());
    reserve_thread_holds(16);
    let queue = Queue::new();
    queue.add(1_u32);
    let item = queue.get().now_or_never().flatten();
    assert_eq!(item, Some(1));
    queue.done(&1);
    // add, get, done: one hold each (no allocation ahead of need for a small queue).
    let holds = take_thread_holds();
    assert_eq!(holds.len(), 3, "{holds:?}");
    let ops: Vec<_> = holds.iter().map(|h| h.op).collect();
    assert_eq!(ops, ["add", "get", "done"]);
    assert!(
        holds
            .iter()
            .all(|h| h.wall.as_secs() < 1 && h.cpu.as_secs() < 1)
    );
    assert!(take_thread_holds().is_empty(), "taken");

    // Another thread's holds are its own.
    let other = std::thread::spawn(move || {
        queue.add(2);
        take_thread_holds().len()
    });
    assert_eq!(other.join().ok(), Some(1));
    assert!(take_thread_holds().is_empty());
}
