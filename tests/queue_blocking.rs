//! `Queue`: blocking, timeout, close and task-tracking behaviour with real threads.
#![cfg(not(loom))]

mod common;

use common::{scaled, within, HANG};
use parkq::{PopTimeoutError, Queue, TryPopError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn queue_is_send_and_sync_for_send_items() {
    assert_send_sync::<Queue<Box<u8>>>();
    assert_send_sync::<Queue<std::cell::Cell<u8>>>();
}

#[test]
fn blocked_pops_wake_for_pushes() {
    within(HANG, || {
        for _ in 0..scaled(200, 3) {
            let queue = Arc::new(Queue::new());
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
fn close_wakes_every_blocked_pop() {
    within(HANG, || {
        let queue: Arc<Queue<u32>> = Arc::new(Queue::new());
        let poppers: Vec<_> = (0..3)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || queue.pop())
            })
            .collect();
        assert!(queue.close());
        for p in poppers {
            assert_eq!(p.join().unwrap(), None);
        }
    });
}

#[test]
fn pops_drain_after_close_then_report_closed() {
    let queue = Queue::new();
    for i in 0..40 {
        queue.push(i).unwrap();
    }
    queue.close();
    assert_eq!(queue.push(40).unwrap_err().into_inner(), 40);
    assert_eq!(
        queue.iter().collect::<Vec<_>>(),
        (0..40).collect::<Vec<_>>()
    );
    assert_eq!(queue.try_pop(), Err(TryPopError::Closed));
    assert_eq!(
        queue.pop_timeout(Duration::from_secs(1)),
        Err(PopTimeoutError::Closed)
    );
}

#[test]
fn pop_timeout_times_out_on_empty() {
    let queue: Queue<u8> = Queue::new();
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    assert_eq!(queue.pop_timeout(timeout), Err(PopTimeoutError::Timeout));
    assert!(start.elapsed() >= timeout, "gave up before the deadline");
    let deadline = Instant::now() + Duration::from_millis(20);
    assert_eq!(queue.pop_deadline(deadline), Err(PopTimeoutError::Timeout));
    assert!(Instant::now() >= deadline, "gave up before the deadline");
}

#[test]
fn huge_timeouts_mean_wait_forever_and_never_panic() {
    within(HANG, || {
        let queue = Arc::new(Queue::new());
        let consumer = {
            let queue = queue.clone();
            thread::spawn(move || queue.pop_timeout(Duration::MAX))
        };
        queue.push(9).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(9));
    });
}

#[test]
fn timed_pops_are_woken_by_push_and_close() {
    within(HANG, || {
        let queue = Arc::new(Queue::new());
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
    });
}

#[test]
fn join_waits_for_every_task_and_sees_the_work() {
    within(HANG, || {
        let items = scaled(1000, 40);
        let queue = Arc::new(Queue::new());
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
    let queue: Queue<u8> = Queue::new();
    queue.join();
    queue.push(1).unwrap();
    queue.pop().unwrap();
    queue.task_done();
    queue.join();
}

#[test]
fn task_done_past_the_popped_count_panics_and_keeps_the_count() {
    let queue = Queue::new();
    queue.push(1).unwrap();
    queue.push(2).unwrap();
    queue.pop().unwrap();
    queue.task_done();
    let err = catch_unwind(AssertUnwindSafe(|| queue.task_done())).unwrap_err();
    let message = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("task_done() called more times than items were popped"));
    queue.pop().unwrap();
    queue.task_done();
    queue.join();
}

#[test]
fn close_and_drain_counts_the_drained_items_as_done() {
    within(HANG, || {
        let queue = Arc::new(Queue::new());
        for i in 0..50 {
            queue.push(i).unwrap();
        }
        let joiner = {
            let queue = queue.clone();
            thread::spawn(move || queue.join())
        };
        assert_eq!(queue.pop(), Some(0));
        queue.task_done();
        assert_eq!(queue.close_and_drain(), (1..50).collect::<Vec<_>>());
        joiner.join().unwrap();
        assert_eq!(queue.try_pop(), Err(TryPopError::Closed));
        assert!(queue.close_and_drain().is_empty());
    });
}

#[test]
fn iterators() {
    let queue = Queue::new();
    for i in 0..4 {
        queue.push(i).unwrap();
    }
    assert_eq!(queue.try_iter().take(2).collect::<Vec<_>>(), [0, 1]);
    queue.close();
    assert_eq!((&queue).into_iter().collect::<Vec<_>>(), [2, 3]);
    assert_eq!(queue.iter().next(), None);

    let owned = Queue::default();
    owned.push('a').unwrap();
    owned.push('b').unwrap();
    let iter = owned.into_iter();
    assert_eq!(iter.len(), 2);
    assert_eq!(iter.collect::<String>(), "ab");
}

#[test]
fn debug_shows_state_not_items() {
    struct Opaque;
    let queue = Queue::new();
    queue.push(Opaque).unwrap();
    assert_eq!(format!("{queue:?}"), "Queue { len: 1, closed: false, .. }");
}
