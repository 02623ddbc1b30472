//! Blocking, timeout, close and task-tracking behaviour of `PriorityQueue` with real
//! threads (bounded queues, so pushes park too).
#![cfg(not(loom))]

mod common;

use common::{scaled, within, HANG};
use parkq::{Closed, PopTimeoutError, PriorityQueue, PushTimeoutError, TryPopError, TryPushError};
use std::error::Error;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn queue_is_send_and_sync_for_send_and_sync_items() {
    // Not for `Cell` items: pushes on several threads may compare one item at once.
    assert_send_sync::<PriorityQueue<Box<u8>>>();
    fn assert_send<T: Send>() {}
    assert_send::<PriorityQueue<std::cell::Cell<u8>>>();
}

#[test]
#[should_panic(expected = "capacity must be at least 1")]
fn zero_capacity_panics_with_a_clear_message() {
    let _ = PriorityQueue::<u8>::bounded(0);
}

#[test]
fn blocked_pops_wake_for_pushes() {
    within(HANG, || {
        for _ in 0..scaled(200, 3) {
            let queue = Arc::new(PriorityQueue::bounded(1));
            let consumer = {
                let queue = queue.clone();
                thread::spawn(move || queue.pop())
            };
            queue.push(42).unwrap();
            assert_eq!(consumer.join().unwrap(), Some(42));
        }
    });
}

#[test]
fn blocked_pushes_wake_for_pops() {
    within(HANG, || {
        for _ in 0..scaled(200, 3) {
            let queue = Arc::new(PriorityQueue::bounded(1));
            queue.push(1).unwrap();
            let producer = {
                let queue = queue.clone();
                thread::spawn(move || queue.push(2))
            };
            assert_eq!(queue.pop(), Some(1));
            assert_eq!(queue.pop(), Some(2));
            producer.join().unwrap().unwrap();
        }
    });
}

#[test]
fn close_wakes_every_blocked_thread() {
    within(HANG, || {
        let empty: Arc<PriorityQueue<u32>> = Arc::new(PriorityQueue::bounded(2));
        let full = Arc::new(PriorityQueue::bounded(1));
        full.push(0).unwrap();
        let poppers: Vec<_> = (0..3)
            .map(|_| {
                let empty = empty.clone();
                thread::spawn(move || empty.pop())
            })
            .collect();
        let pushers: Vec<_> = (1..4)
            .map(|i| {
                let full = full.clone();
                thread::spawn(move || full.push(i).map_err(Closed::into_inner))
            })
            .collect();
        // Each pusher either got in (after a pop below) or was handed its item back.
        assert!(empty.close());
        assert!(full.close());
        for p in poppers {
            assert_eq!(p.join().unwrap(), None);
        }
        let mut accounted: Vec<u32> = full.iter().collect();
        for p in pushers {
            if let Err(item) = p.join().unwrap() {
                accounted.push(item);
            }
        }
        accounted.sort_unstable();
        assert_eq!(accounted, [0, 1, 2, 3]);
    });
}

#[test]
fn timed_out_push_hands_the_item_back_after_the_deadline() {
    let queue = PriorityQueue::bounded(1);
    queue.push("first").unwrap();
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    let err = queue.push_timeout("second", timeout).unwrap_err();
    assert!(start.elapsed() >= timeout, "gave up before the deadline");
    assert!(err.is_timeout());
    assert_eq!(err.into_inner(), "second");
    assert_eq!(queue.pop(), Some("first"));
    assert_eq!(queue.try_pop(), Err(TryPopError::Empty));
}

#[test]
fn timed_out_pop_waits_until_the_deadline() {
    let queue: PriorityQueue<u8> = PriorityQueue::bounded(1);
    let deadline = Instant::now() + Duration::from_millis(20);
    assert_eq!(queue.pop_deadline(deadline), Err(PopTimeoutError::Timeout));
    assert!(Instant::now() >= deadline, "gave up before the deadline");
}

#[test]
fn huge_timeouts_mean_wait_forever_and_never_panic() {
    within(HANG, || {
        let queue = Arc::new(PriorityQueue::bounded(1));
        let consumer = {
            let queue = queue.clone();
            thread::spawn(move || queue.pop_timeout(Duration::MAX))
        };
        queue.push_timeout(9, Duration::MAX).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(9));
        queue.push(1).unwrap();
        let producer = {
            let queue = queue.clone();
            thread::spawn(move || queue.push_timeout(2, Duration::MAX))
        };
        assert_eq!(queue.pop(), Some(1));
        producer.join().unwrap().unwrap();
        assert_eq!(queue.pop(), Some(2));
    });
}

#[test]
fn timed_operations_are_woken_by_the_other_side() {
    within(HANG, || {
        let queue = Arc::new(PriorityQueue::bounded(1));
        let consumer = {
            let queue = queue.clone();
            thread::spawn(move || queue.pop_timeout(Duration::from_secs(30)))
        };
        queue.push(3).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(3));
        let closer = {
            let queue = queue.clone();
            thread::spawn(move || queue.pop_timeout(Duration::from_secs(30)))
        };
        queue.close();
        assert_eq!(closer.join().unwrap(), Err(PopTimeoutError::Closed));
        assert_eq!(
            queue.push_timeout(4, Duration::from_secs(30)),
            Err(PushTimeoutError::Closed(4))
        );
    });
}

#[test]
fn join_waits_for_every_task_and_sees_the_work() {
    within(HANG, || {
        let items = scaled(1000, 20);
        let queue = Arc::new(PriorityQueue::bounded(4));
        let work = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let queue = queue.clone();
                let work = work.clone();
                thread::spawn(move || {
                    while let Some(n) = queue.pop() {
                        work.fetch_add(n, Ordering::Relaxed);
                        queue.task_done();
                    }
                })
            })
            .collect();
        for n in 1..=items {
            queue.push(n).unwrap();
        }
        queue.join();
        // Relaxed is enough here only because `join` synchronizes with `task_done`.
        assert_eq!(work.load(Ordering::Relaxed), items * (items + 1) / 2);
        queue.close();
        for w in workers {
            w.join().unwrap();
        }
    });
}

#[test]
fn join_returns_at_once_with_nothing_outstanding() {
    let queue: PriorityQueue<u8> = PriorityQueue::bounded(1);
    queue.join();
    queue.push(1).unwrap();
    queue.pop().unwrap();
    queue.task_done();
    queue.join();
}

#[test]
fn task_done_past_the_popped_count_panics_and_keeps_the_count() {
    let queue = PriorityQueue::bounded(2);
    queue.push(1).unwrap();
    queue.push(2).unwrap();
    queue.pop().unwrap();
    queue.task_done();
    let err = catch_unwind(AssertUnwindSafe(|| queue.task_done())).unwrap_err();
    let message = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("task_done() called more times than items were popped"));
    // The count was not corrupted: one more pop and task_done finish the work.
    queue.pop().unwrap();
    queue.task_done();
    queue.join();
}

#[test]
fn close_and_drain_counts_the_drained_items_as_done() {
    within(HANG, || {
        let queue = Arc::new(PriorityQueue::bounded(8));
        for i in 0..5 {
            queue.push(i).unwrap();
        }
        let joiner = {
            let queue = queue.clone();
            thread::spawn(move || queue.join())
        };
        assert_eq!(queue.pop(), Some(0));
        queue.task_done();
        assert_eq!(queue.close_and_drain(), [1, 2, 3, 4]);
        joiner.join().unwrap();
        assert_eq!(queue.try_pop(), Err(TryPopError::Closed));
        assert!(queue.close_and_drain().is_empty());
    });
}

#[test]
fn iterators() {
    let queue = PriorityQueue::bounded(4);
    for i in [2, 0, 3, 1] {
        queue.push(i).unwrap();
    }
    assert_eq!(queue.try_iter().take(2).collect::<Vec<_>>(), [0, 1]);
    queue.close();
    assert_eq!((&queue).into_iter().collect::<Vec<_>>(), [2, 3]);
    assert_eq!(queue.iter().next(), None);

    let owned = PriorityQueue::bounded(3);
    owned.push('b').unwrap();
    owned.push('a').unwrap();
    let iter = owned.into_iter();
    assert_eq!(iter.len(), 2);
    assert_eq!(iter.collect::<String>(), "ab");
}

#[test]
fn debug_shows_state_not_items() {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct Opaque;
    let queue = PriorityQueue::bounded(2);
    queue.push(Opaque).unwrap();
    assert_eq!(
        format!("{queue:?}"),
        "PriorityQueue { len: 1, capacity: Some(2), closed: false, .. }"
    );
}

#[test]
fn errors_display_like_std_and_hand_items_back() {
    struct NotDebug;
    fn is_error<E: Error>(_: &E) {}
    let err = TryPushError::Full(NotDebug);
    is_error(&err);
    assert_eq!(err.to_string(), "pushing into a full queue");
    assert_eq!(format!("{err:?}"), "Full(..)");
    assert!(err.is_full() && !err.is_closed());
    let _item: NotDebug = err.into_inner();

    assert_eq!(Closed(1).to_string(), "pushing into a closed queue");
    assert_eq!(format!("{:?}", Closed(1)), "Closed { .. }");
    assert_eq!(TryPushError::from(Closed(5)), TryPushError::Closed(5));
    assert_eq!(
        PushTimeoutError::from(Closed(5)),
        PushTimeoutError::Closed(5)
    );
    assert_eq!(
        PushTimeoutError::Timeout(()).to_string(),
        "timed out waiting to push into a full queue"
    );
    assert_eq!(
        TryPopError::Empty.to_string(),
        "popping from an empty queue"
    );
    assert_eq!(
        TryPopError::Closed.to_string(),
        "popping from a closed and empty queue"
    );
    assert_eq!(
        PopTimeoutError::Timeout.to_string(),
        "timed out waiting to pop from an empty queue"
    );
    let copy = TryPushError::Closed(3);
    let copied = copy;
    assert_eq!(copy, copied);
}

/// A push that has not linked yet when `close` starts still goes in; pushes after the
/// close fail; a pop parked meanwhile gets the item or, once drained, `None`.
#[test]
fn close_waits_for_pushes_under_way() {
    within(HANG, || {
        for _ in 0..scaled(200, 3) {
            let queue = Arc::new(PriorityQueue::new());
            let pushers: Vec<_> = (0..2)
                .map(|t| {
                    let queue = queue.clone();
                    thread::spawn(move || {
                        (0..50).filter(|i| queue.push(t * 100 + i).is_ok()).count()
                    })
                })
                .collect();
            let popper = {
                let queue = queue.clone();
                thread::spawn(move || queue.iter().count())
            };
            queue.close();
            let pushed: usize = pushers.into_iter().map(|p| p.join().unwrap()).sum();
            assert_eq!(
                popper.join().unwrap(),
                pushed,
                "every linked item is popped"
            );
            assert_eq!(queue.try_pop(), Err(TryPopError::Closed));
        }
    });
}
