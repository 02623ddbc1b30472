//! loom models of `Ring` and the parking layer under it.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release` (this whole command also runs
//! the regular suite, which is compiled out under loom). Each model names its preemption
//! bound; `LOOM_MAX_PREEMPTIONS` in the environment overrides it for a deeper run.
//!
//! Slots are reused across threads in the FIFO models (more items than capacity): that
//! is what kills weakened stamp orderings.
//!
//! A ring of capacity 1 runs a different algorithm (one state word, see `src/ring.rs`)
//! from the slot ring of larger capacities, so the blocking, timeout and close models run
//! at capacity 1 and at capacity 2.
#![cfg(loom)]

mod common;

use common::{model, LONG};
use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use parkq::{PopTimeoutError, PushTimeoutError, Ring, TryPopError};

/// Two producers push through a ring of `capacity` (the first two items, the second
/// one); one consumer pops all three and checks each producer's items arrive in order,
/// each exactly once. Three items through capacity 1 or 2 reuse slots across threads.
fn two_producers_one_consumer(capacity: usize, bound: Option<usize>) {
    model(bound, move || {
        let ring = Arc::new(Ring::new(capacity));
        let producers: Vec<_> = [2, 1]
            .into_iter()
            .enumerate()
            .map(|(p, count)| {
                let ring = ring.clone();
                thread::spawn(move || {
                    for i in 0..count {
                        ring.push(p * 10 + i).unwrap();
                    }
                })
            })
            .collect();
        let mut next = [0, 10];
        for _ in 0..3 {
            let item = ring.pop().unwrap();
            let p = item / 10;
            assert_eq!(item, next[p], "FIFO per producer");
            next[p] += 1;
        }
        for producer in producers {
            producer.join().unwrap();
        }
        assert_eq!(ring.try_pop(), Err(TryPopError::Empty));
    });
}

#[test]
fn two_producers_one_consumer_capacity_1() {
    two_producers_one_consumer(1, Some(1));
}

#[test]
fn two_producers_one_consumer_capacity_2() {
    two_producers_one_consumer(2, Some(2));
}

/// One producer, one consumer, three items through capacity 2: every slot is reused
/// across threads.
#[test]
fn spsc_wraps() {
    model(Some(3), || {
        let ring = Arc::new(Ring::new(2));
        let producer = {
            let ring = ring.clone();
            thread::spawn(move || {
                for i in 0..3 {
                    ring.push(i).unwrap();
                }
            })
        };
        for i in 0..3 {
            assert_eq!(ring.pop(), Some(i));
        }
        producer.join().unwrap();
    });
}

/// A pop parked on an empty ring is woken by a push. Exhaustive.
fn blocked_pop_woken_by_push(capacity: usize) {
    model(None, move || {
        let ring = Arc::new(Ring::new(capacity));
        let consumer = {
            let ring = ring.clone();
            thread::spawn(move || ring.pop())
        };
        ring.push(7).unwrap();
        assert_eq!(consumer.join().unwrap(), Some(7));
    });
}

#[test]
fn blocked_pop_woken_by_push_capacity_1() {
    blocked_pop_woken_by_push(1);
}

#[test]
fn blocked_pop_woken_by_push_capacity_2() {
    blocked_pop_woken_by_push(2);
}

/// A push parked on a full ring is woken by a pop.
fn blocked_push_woken_by_pop(capacity: usize) {
    model(Some(3), move || {
        let ring = Arc::new(Ring::new(capacity));
        for i in 1..=capacity {
            ring.push(i).unwrap();
        }
        let producer = {
            let ring = ring.clone();
            thread::spawn(move || ring.push(capacity + 1).unwrap())
        };
        for i in 1..=capacity + 1 {
            assert_eq!(ring.pop(), Some(i));
        }
        producer.join().unwrap();
    });
}

#[test]
fn blocked_push_woken_by_pop_capacity_1() {
    blocked_push_woken_by_pop(1);
}

#[test]
fn blocked_push_woken_by_pop_capacity_2() {
    blocked_push_woken_by_pop(2);
}

/// Two consumers parked (or about to park) on an empty ring; two pushes must wake both.
/// Catches a notification lost between two waiters.
#[test]
fn two_blocked_pops_both_woken() {
    model(Some(2), || {
        let ring = Arc::new(Ring::new(1));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let ring = ring.clone();
                thread::spawn(move || ring.pop().unwrap())
            })
            .collect();
        ring.push(1).unwrap();
        ring.push(2).unwrap();
        let mut got: Vec<_> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

/// Close while a push is parked on a full ring and a pop is running: every thread
/// wakes, and each item ends up exactly once either popped or handed back. At capacity
/// 1 the close may also land while the push or the pop is copying its item, which it
/// waits out.
fn close_while_blocked(capacity: usize, bound: usize) {
    model(Some(bound), move || {
        let ring = Arc::new(Ring::new(capacity));
        for i in 1..capacity {
            ring.push(i + 10).unwrap();
        }
        ring.push(1).unwrap();
        let producer = {
            let ring = ring.clone();
            thread::spawn(move || ring.push(2).err().map(|closed| closed.into_inner()))
        };
        let consumer = {
            let ring = ring.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Some(item) = ring.pop() {
                    got.push(item);
                }
                got
            })
        };
        ring.close();
        let handed_back = producer.join().unwrap();
        let mut seen = consumer.join().unwrap();
        seen.extend(handed_back);
        seen.retain(|&item| item < 10);
        seen.sort_unstable();
        assert_eq!(
            seen,
            [1, 2],
            "each item popped or handed back, exactly once"
        );
    });
}

#[test]
fn close_while_blocked_capacity_1() {
    close_while_blocked(1, 3);
}

#[test]
fn close_while_blocked_capacity_2() {
    close_while_blocked(2, 2);
}

/// At capacity 1 a close may land while a push is writing the one slot, which the
/// close waits out: once `close` returns every push fails, and the racing push's item is
/// either in the ring or handed back, exactly once. Exhaustive.
#[test]
fn close_races_a_push_capacity_1() {
    model(None, || {
        let ring = Arc::new(Ring::new(1));
        let producer = {
            let ring = ring.clone();
            thread::spawn(move || ring.push(1).err().map(|closed| closed.into_inner()))
        };
        assert!(ring.close());
        assert_eq!(ring.push(2).unwrap_err().into_inner(), 2);
        let handed_back = producer.join().unwrap();
        let mut seen: Vec<i32> = ring.try_iter().collect();
        seen.extend(handed_back);
        assert_eq!(seen, [1], "the item popped or handed back, exactly once");
        assert_eq!(ring.try_pop(), Err(TryPopError::Closed));
    });
}

/// A pop parked on an empty ring wakes at close and reports it. Exhaustive.
#[test]
fn close_wakes_blocked_pop() {
    model(None, || {
        let ring: Arc<Ring<u8>> = Arc::new(Ring::new(1));
        let consumer = {
            let ring = ring.clone();
            thread::spawn(move || ring.pop())
        };
        ring.close();
        assert_eq!(consumer.join().unwrap(), None);
    });
}

/// A timed pop races a push: either it gets the item, or it times out and the item is
/// still in the ring. Nothing is lost, and the timeout never leaves the list corrupt.
/// Exhaustive.
fn pop_timeout_races_push(capacity: usize) {
    model(None, move || {
        let ring = Arc::new(Ring::new(capacity));
        let consumer = {
            let ring = ring.clone();
            thread::spawn(move || ring.pop_timeout(LONG))
        };
        ring.push(5).unwrap();
        match consumer.join().unwrap() {
            Ok(item) => assert_eq!(item, 5),
            Err(PopTimeoutError::Timeout) => assert_eq!(ring.try_pop(), Ok(5)),
            Err(PopTimeoutError::Closed) => panic!("never closed"),
        }
    });
}

#[test]
fn pop_timeout_races_push_capacity_1() {
    pop_timeout_races_push(1);
}

#[test]
fn pop_timeout_races_push_capacity_2() {
    pop_timeout_races_push(2);
}

/// A timed push races a pop on a full ring: either it pushes, or it times out with its
/// item handed back. Exhaustive.
fn push_timeout_races_pop(capacity: usize) {
    model(None, move || {
        let ring = Arc::new(Ring::new(capacity));
        for i in 1..=capacity {
            ring.push(i).unwrap();
        }
        let producer = {
            let ring = ring.clone();
            thread::spawn(move || ring.push_timeout(0, LONG))
        };
        assert_eq!(ring.pop(), Some(1));
        let pushed = match producer.join().unwrap() {
            Ok(()) => true,
            Err(PushTimeoutError::Timeout(item)) => {
                assert_eq!(item, 0);
                false
            }
            Err(PushTimeoutError::Closed(_)) => panic!("never closed"),
        };
        // The items already inside, in order; the timed push's item last, if it went in
        // (and only then).
        let rest: Vec<usize> = ring.try_iter().collect();
        let expected: Vec<usize> = (2..=capacity).chain(pushed.then_some(0)).collect();
        assert_eq!(rest, expected);
    });
}

#[test]
fn push_timeout_races_pop_capacity_1() {
    push_timeout_races_pop(1);
}

#[test]
fn push_timeout_races_pop_capacity_2() {
    push_timeout_races_pop(2);
}

/// A timed pop that times out after being notified must pass the notification on: the
/// other consumer, parked without a deadline, must still get the second item.
#[test]
fn timed_out_waiter_passes_notification_on() {
    model(Some(2), || {
        let ring = Arc::new(Ring::new(2));
        let timed = {
            let ring = ring.clone();
            thread::spawn(move || ring.pop_timeout(LONG).ok())
        };
        let patient = {
            let ring = ring.clone();
            thread::spawn(move || ring.pop())
        };
        ring.push(1).unwrap();
        ring.push(2).unwrap();
        let mut got: Vec<_> = [timed.join().unwrap(), patient.join().unwrap()]
            .into_iter()
            .flatten()
            .collect();
        got.extend(ring.try_iter());
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

/// Once a push has returned the ring is not empty: `take` (a non-blocking or timed pop)
/// must get an item, even while another producer holds an earlier slot it has not
/// written yet.
fn item_found_after_completed_push(take: fn(&Ring<u32>) -> Option<u32>) {
    model(Some(3), move || {
        let ring = Arc::new(Ring::new(2));
        let slow = {
            let ring = ring.clone();
            thread::spawn(move || ring.push(1).unwrap())
        };
        let fast = {
            let ring = ring.clone();
            thread::spawn(move || ring.push(2).unwrap())
        };
        fast.join().unwrap();
        let first = take(&ring).expect("a completed push makes the ring non-empty");
        slow.join().unwrap();
        let second = ring.try_pop().unwrap();
        assert!(matches!((first, second), (1, 2) | (2, 1)));
    });
}

/// Once a pop has returned from a full ring there is room: `put` (a non-blocking or
/// timed push) must succeed, even while another consumer holds an earlier slot.
fn room_found_after_completed_pop(put: fn(&Ring<u32>, u32) -> bool) {
    model(Some(3), move || {
        let ring = Arc::new(Ring::new(2));
        ring.push(1).unwrap();
        ring.push(2).unwrap();
        let slow = {
            let ring = ring.clone();
            thread::spawn(move || ring.pop().unwrap())
        };
        let fast = {
            let ring = ring.clone();
            thread::spawn(move || ring.pop().unwrap())
        };
        fast.join().unwrap();
        assert!(put(&ring, 3), "a completed pop makes room");
        slow.join().unwrap();
    });
}

/// `try_pop` is linearizable: no `Empty` after a completed push.
#[test]
fn try_pop_never_empty_after_completed_push() {
    item_found_after_completed_push(|ring| ring.try_pop().ok());
}

/// `try_push` is linearizable: no `Full` after a completed pop.
#[test]
fn try_push_never_full_after_completed_pop() {
    room_found_after_completed_pop(|ring, item| ring.try_push(item).is_ok());
}

/// The timed operations too: a deadline passing while the earlier slot is still being
/// written (or emptied) does not turn into `Timeout`. Limits: loom's timed park yields
/// before it expires, which lets the slow thread finish first, so these models check the
/// paths around the deadline but cannot expire it mid-write; the real-thread
/// linearizability test under `--cfg parkq_chaos` (`tests/ring_lincheck.rs`) is the one
/// that catches a timeout there.
#[test]
fn pop_timeout_never_times_out_after_completed_push() {
    item_found_after_completed_push(|ring| ring.pop_timeout(LONG).ok());
}

/// See `pop_timeout_never_times_out_after_completed_push`.
#[test]
fn push_timeout_never_times_out_after_completed_pop() {
    room_found_after_completed_pop(|ring, item| ring.push_timeout(item, LONG).is_ok());
}

/// `join` returns only after every item was marked done, and the workers' writes made
/// before `task_done` are visible after it (loom reports a data race otherwise).
#[test]
fn task_done_then_join() {
    model(Some(3), || {
        let ring: Arc<Ring<usize>> = Arc::new(Ring::new(1));
        let results = Arc::new([UnsafeCell::new(0u32), UnsafeCell::new(0u32)]);
        let worker = {
            let ring = ring.clone();
            let results = results.clone();
            thread::spawn(move || {
                while let Some(i) = ring.pop() {
                    // SAFETY: each index is popped once, and read only after `join`.
                    results[i].with_mut(|r| unsafe { *r = 1 });
                    ring.task_done();
                }
            })
        };
        ring.push(0).unwrap();
        ring.push(1).unwrap();
        ring.join();
        for cell in results.iter() {
            // SAFETY: `join` returned, so the worker's write happened before this read.
            assert_eq!(cell.with(|r| unsafe { *r }), 1);
        }
        ring.close();
        worker.join().unwrap();
    });
}

/// Two workers each pop and mark done: a correct caller must never be reported as
/// calling `task_done` too often, even when it sees the other worker's `task_done`
/// before that worker's pop (Miri's weak-memory emulation found this once).
#[test]
fn task_done_from_two_workers_is_never_misreported() {
    model(Some(2), || {
        let ring: Arc<Ring<u8>> = Arc::new(Ring::new(2));
        ring.push(1).unwrap();
        ring.push(2).unwrap();
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let ring = ring.clone();
                thread::spawn(move || {
                    ring.pop().unwrap();
                    ring.task_done();
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        ring.join();
    });
}

/// Items left inside are dropped exactly once when the last handle goes, including
/// after an immediate close raced by a consumer.
#[test]
fn drop_and_drain_drop_each_item_once() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    model(Some(2), || {
        let drops = Arc::new(AtomicUsize::new(0));
        let ring = Arc::new(Ring::new(2));
        ring.push(Counted(drops.clone())).unwrap();
        ring.push(Counted(drops.clone())).unwrap();
        let consumer = {
            let ring = ring.clone();
            thread::spawn(move || ring.try_pop().ok())
        };
        let drained = ring.close_and_drain();
        let popped = consumer.join().unwrap();
        assert_eq!(drained.len() + usize::from(popped.is_some()), 2);
        drop(drained);
        drop(popped);
        drop(ring);
        assert_eq!(drops.load(Ordering::Relaxed), 2);
    });
}
