//! Multi-threaded stress: every item received exactly once, with pops racing pops on the
//! last node (where a Treiber stack without safe reclamation hits ABA and
//! use-after-free), bounded stacks parking pushers, and `len` kept in bounds.
#![cfg(not(loom))]

mod common;

use common::{scaled, within, HANG};
use parkq::{Stack, TryPopError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

/// `producers` threads push `per_producer` items each, `consumers` threads pop until the
/// stack is closed; every item must arrive exactly once.
fn run(capacity: Option<usize>, producers: usize, consumers: usize, per_producer: usize) {
    let stack: Arc<Stack<(usize, usize)>> =
        Arc::new(capacity.map_or_else(Stack::new, Stack::bounded));
    let consumer_threads: Vec<_> = (0..consumers)
        .map(|_| {
            let stack = stack.clone();
            thread::spawn(move || stack.iter().collect::<Vec<_>>())
        })
        .collect();
    let producer_threads: Vec<_> = (0..producers)
        .map(|p| {
            let stack = stack.clone();
            thread::spawn(move || {
                for i in 0..per_producer {
                    stack.push((p, i)).unwrap();
                }
            })
        })
        .collect();
    for t in producer_threads {
        t.join().unwrap();
    }
    stack.close();
    let mut seen = vec![vec![false; per_producer]; producers];
    for t in consumer_threads {
        for (p, i) in t.join().unwrap() {
            assert!(!seen[p][i], "item ({p}, {i}) received twice");
            seen[p][i] = true;
        }
    }
    assert!(seen.iter().flatten().all(|&s| s), "an item was lost");
    assert!(stack.is_empty());
}

#[test]
fn mpmc_4_4_unbounded() {
    within(HANG, || run(None, 4, 4, scaled(50_000, 40)));
}

#[test]
fn mpmc_4_4_bounded() {
    within(HANG, || run(Some(8), 4, 4, scaled(50_000, 40)));
}

#[test]
fn oversubscribed_8_8_bounded_at_one() {
    within(HANG, || run(Some(1), 8, 8, scaled(5_000, 8)));
}

#[test]
fn spmc_1_4_unbounded() {
    within(HANG, || run(None, 1, 4, scaled(100_000, 80)));
}

/// Pops racing pops on a stack that is nearly always empty or one deep: the ABA and
/// use-after-free case (a popper holding the last node while others pop it, free it and
/// push a new one, possibly at the same address).
#[test]
fn pops_race_pops_on_the_last_node() {
    within(HANG, || {
        let per = scaled(50_000, 60);
        let stack = Arc::new(Stack::new());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let stack = stack.clone();
                thread::spawn(move || {
                    let mut got = vec![];
                    for i in 0..per {
                        stack.push(t * per + i).unwrap();
                        loop {
                            match stack.try_pop() {
                                Ok(item) => {
                                    got.push(item);
                                    break;
                                }
                                // Another thread took ours; one of theirs is coming.
                                Err(TryPopError::Empty) => thread::yield_now(),
                                Err(TryPopError::Closed) => unreachable!("never closed"),
                            }
                        }
                    }
                    got
                })
            })
            .collect();
        let mut all: Vec<usize> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..4 * per).collect::<Vec<_>>());
    });
}

/// `len` of a bounded stack never exceeds its capacity or underflows under traffic.
#[test]
fn len_stays_within_bounds_under_traffic() {
    within(HANG, || {
        let stack = Arc::new(Stack::bounded(4));
        let stop = Arc::new(AtomicBool::new(false));
        let churn: Vec<_> = (0..2)
            .map(|_| {
                let (stack, stop) = (stack.clone(), stop.clone());
                thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let _ = stack.try_push(1u8);
                        let _ = stack.try_pop();
                    }
                })
            })
            .collect();
        for _ in 0..scaled(100_000, 100) {
            let len = stack.len();
            assert!(len <= 4, "len {len} > capacity 4");
        }
        stop.store(true, Ordering::Relaxed);
        for t in churn {
            t.join().unwrap();
        }
    });
}
