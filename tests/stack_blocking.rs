//! Blocking, timeout, close and task-tracking behaviour of `Stack` with real threads
//! (bounded stacks, so pushes park too).
#![cfg(not(loom))]

mod common;

use common::{scaled, within, HANG};
use parkq::{Closed, PopTimeoutError, PushTimeoutError, Stack, TryPopError, TryPushError};
use std::error::Error;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn stack_is_send_and_sync_for_send_items() {
    assert_send_sync::<Stack<Box<u8>>>();
    assert_send_sync::<Stack<std::cell::Cell<u8>>>();
}

#[test]
#[should_panic(expected = "capacity must be at least 1")]
fn zero_capacity_panics_with_a_clear_message() {
    let _ = Stack::<u8>::bounded(0);
}

#[test]
fn blocked_pops_wake_for_pushes() {
    within(HANG, || {
        for _ in 0..scaled(200, 3) {
            let stack = Arc::new(Stack::bounded(1));
            let consumer = {
                let stack = stack.clone();
                thread::spawn(move || stack.pop())
            };
            stack.push(42).unwrap();
            assert_eq!(consumer.join().unwrap(), Some(42));
        }
    });
}

#[test]
fn blocked_pushes_wake_for_pops() {
    within(HANG, || {
        for _ in 0..scaled(200, 3) {
            let stack = Arc::new(Stack::bounded(1));
            stack.push(1).unwrap();
            let producer = {
                let stack = stack.clone();
                thread::spawn(move || stack.push(2))
            };
            assert_eq!(stack.pop(), Some(1));
            assert_eq!(stack.pop(), Some(2));
            producer.join().unwrap().unwrap();
        }
    });
}

#[test]
fn close_wakes_every_blocked_thread() {
    within(HANG, || {
        let empty: Arc<Stack<u32>> = Arc::new(Stack::bounded(2));
        let full = Arc::new(Stack::bounded(1));
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
    let stack = Stack::bounded(1);
    stack.push("first").unwrap();
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    let err = stack.push_timeout("second", timeout).unwrap_err();
    assert!(start.elapsed() >= timeout, "gave up before the deadline");
    assert!(err.is_timeout());
    assert_eq!(err.into_inner(), "second");
    assert_eq!(stack.pop(), Some("first"));
    assert_eq!(stack.try_pop(), Err(TryPopError::Empty));
}

#[test]
fn timed_out_pop_waits_until_the_deadline() {
    let stack: Stack<u8> = Stack::bounded(1);
    let deadline = Instant::now() + Duration::from_millis(20);
    assert_eq!(stack.pop_deadline(deadline), Err(PopTimeoutError::Timeout));
    assert!(Instant::now() >= deadline, "gave up before the deadline");
}

#[test]
fn huge_timeouts_mean_wait_forever_and_never_panic() {
    within(HANG, || {
        let stack = Arc::new(Stack::bounded(1));
        let consumer = {
            let stack = stack.clone();
            thread::spawn(move || stack.pop_timeout(Duration::MAX))
        };
        stack.push_timeout(9, Duration::MAX).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(9));
        stack.push(1).unwrap();
        let producer = {
            let stack = stack.clone();
            thread::spawn(move || stack.push_timeout(2, Duration::MAX))
        };
        assert_eq!(stack.pop(), Some(1));
        producer.join().unwrap().unwrap();
        assert_eq!(stack.pop(), Some(2));
    });
}

#[test]
fn timed_operations_are_woken_by_the_other_side() {
    within(HANG, || {
        let stack = Arc::new(Stack::bounded(1));
        let consumer = {
            let stack = stack.clone();
            thread::spawn(move || stack.pop_timeout(Duration::from_secs(30)))
        };
        stack.push(3).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(3));
        let closer = {
            let stack = stack.clone();
            thread::spawn(move || stack.pop_timeout(Duration::from_secs(30)))
        };
        stack.close();
        assert_eq!(closer.join().unwrap(), Err(PopTimeoutError::Closed));
        assert_eq!(
            stack.push_timeout(4, Duration::from_secs(30)),
            Err(PushTimeoutError::Closed(4))
        );
    });
}

#[test]
fn join_waits_for_every_task_and_sees_the_work() {
    within(HANG, || {
        let items = scaled(1000, 20);
        let stack = Arc::new(Stack::bounded(4));
        let work = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let stack = stack.clone();
                let work = work.clone();
                thread::spawn(move || {
                    while let Some(n) = stack.pop() {
                        work.fetch_add(n, Ordering::Relaxed);
                        stack.task_done();
                    }
                })
            })
            .collect();
        for n in 1..=items {
            stack.push(n).unwrap();
        }
        stack.join();
        // Relaxed is enough here only because `join` synchronizes with `task_done`.
        assert_eq!(work.load(Ordering::Relaxed), items * (items + 1) / 2);
        stack.close();
        for w in workers {
            w.join().unwrap();
        }
    });
}

#[test]
fn join_returns_at_once_with_nothing_outstanding() {
    let stack: Stack<u8> = Stack::bounded(1);
    stack.join();
    stack.push(1).unwrap();
    stack.pop().unwrap();
    stack.task_done();
    stack.join();
}

#[test]
fn task_done_past_the_popped_count_panics_and_keeps_the_count() {
    let stack = Stack::bounded(2);
    stack.push(1).unwrap();
    stack.push(2).unwrap();
    stack.pop().unwrap();
    stack.task_done();
    let err = catch_unwind(AssertUnwindSafe(|| stack.task_done())).unwrap_err();
    let message = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("task_done() called more times than items were popped"));
    // The count was not corrupted: one more pop and task_done finish the work.
    stack.pop().unwrap();
    stack.task_done();
    stack.join();
}

#[test]
fn close_and_drain_counts_the_drained_items_as_done() {
    within(HANG, || {
        let stack = Arc::new(Stack::bounded(8));
        for i in 0..5 {
            stack.push(i).unwrap();
        }
        let joiner = {
            let stack = stack.clone();
            thread::spawn(move || stack.join())
        };
        assert_eq!(stack.pop(), Some(4));
        stack.task_done();
        assert_eq!(stack.close_and_drain(), [3, 2, 1, 0]);
        joiner.join().unwrap();
        assert_eq!(stack.try_pop(), Err(TryPopError::Closed));
        assert!(stack.close_and_drain().is_empty());
    });
}

#[test]
fn iterators() {
    let stack = Stack::bounded(4);
    for i in 0..4 {
        stack.push(i).unwrap();
    }
    assert_eq!(stack.try_iter().take(2).collect::<Vec<_>>(), [3, 2]);
    stack.close();
    assert_eq!((&stack).into_iter().collect::<Vec<_>>(), [1, 0]);
    assert_eq!(stack.iter().next(), None);

    let owned = Stack::bounded(3);
    owned.push('a').unwrap();
    owned.push('b').unwrap();
    let iter = owned.into_iter();
    assert_eq!(iter.len(), 2);
    assert_eq!(iter.collect::<String>(), "ba");
}

#[test]
fn debug_shows_state_not_items() {
    struct Opaque;
    let stack = Stack::bounded(2);
    stack.push(Opaque).unwrap();
    assert_eq!(
        format!("{stack:?}"),
        "Stack { len: 1, capacity: Some(2), closed: false, .. }"
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

#[test]
fn len_stays_within_bounds_under_traffic() {
    within(HANG, || {
        let stack = Arc::new(Stack::bounded(3));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let churn: Vec<_> = (0..2)
            .map(|_| {
                let stack = stack.clone();
                let stop = stop.clone();
                thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let _ = stack.try_push(1u8);
                        let _ = stack.try_pop();
                    }
                })
            })
            .collect();
        for _ in 0..scaled(100_000, 100) {
            assert!(stack.len() <= 3);
        }
        stop.store(true, Ordering::Relaxed);
        for t in churn {
            t.join().unwrap();
        }
    });
}
