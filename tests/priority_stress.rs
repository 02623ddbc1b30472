//! Multi-threaded stress: every item received exactly once (MPMC, bounded and unbounded,
//! oversubscribed), pops racing pops on the minimum with pushes of new minimums, sorted
//! output from a single consumer once every push is done, and a bounded queue never
//! holding more than its capacity.
#![cfg(not(loom))]

mod common;

use common::{scaled, within, HANG};
use parkq::{PriorityQueue, TryPopError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

/// A cheap scramble so priorities are pseudo-random but reproducible.
fn priority(p: usize, i: usize) -> u32 {
    ((p * 1_000_003 + i).wrapping_mul(0x9E37_79B9) >> 7) as u32 % 1000
}

/// `producers` threads push `per_producer` items each, `consumers` threads pop until the
/// queue is closed; every item must arrive exactly once, and each consumer sees the
/// items of one producer with equal priority in push order.
fn run(capacity: Option<usize>, producers: usize, consumers: usize, per_producer: usize) {
    let queue: Arc<PriorityQueue<(u32, usize, usize)>> =
        Arc::new(capacity.map_or_else(PriorityQueue::new, PriorityQueue::bounded));
    let consumer_threads: Vec<_> = (0..consumers)
        .map(|_| {
            let queue = queue.clone();
            thread::spawn(move || queue.iter().collect::<Vec<_>>())
        })
        .collect();
    let producer_threads: Vec<_> = (0..producers)
        .map(|p| {
            let queue = queue.clone();
            thread::spawn(move || {
                for i in 0..per_producer {
                    queue.push((priority(p, i), p, i)).unwrap();
                }
            })
        })
        .collect();
    for t in producer_threads {
        t.join().unwrap();
    }
    queue.close();
    let mut seen = vec![vec![false; per_producer]; producers];
    for t in consumer_threads {
        for (_, p, i) in t.join().unwrap() {
            assert!(!seen[p][i], "item ({p}, {i}) received twice");
            seen[p][i] = true;
        }
    }
    assert!(seen.iter().flatten().all(|&s| s), "an item was lost");
    assert!(queue.is_empty());
    assert_eq!(queue.try_pop(), Err(TryPopError::Closed));
}

#[test]
fn mpmc_4_4_unbounded() {
    within(HANG, || run(None, 4, 4, scaled(20_000, 30)));
}

#[test]
fn mpmc_4_4_bounded() {
    within(HANG, || run(Some(8), 4, 4, scaled(20_000, 30)));
}

#[test]
fn oversubscribed_8_8_bounded_at_one() {
    within(HANG, || run(Some(1), 8, 8, scaled(3_000, 8)));
}

#[test]
fn spmc_1_4_unbounded() {
    within(HANG, || run(None, 1, 4, scaled(50_000, 60)));
}

/// Producers race, then one consumer drains: the output is sorted, and equal
/// priorities come out in each producer's push order.
#[test]
fn single_consumer_after_all_pushes_gets_sorted_stable_output() {
    within(HANG, || {
        let per = scaled(20_000, 40);
        let queue = Arc::new(PriorityQueue::new());
        let producers: Vec<_> = (0..4)
            .map(|p| {
                let queue = queue.clone();
                thread::spawn(move || {
                    for i in 0..per {
                        // Few priorities: many ties.
                        let item = Tie(priority(p, i) % 8, p, i);
                        queue.push(item).unwrap();
                    }
                })
            })
            .collect();
        for t in producers {
            t.join().unwrap();
        }
        let out: Vec<Tie> = queue.try_iter().collect();
        assert_eq!(out.len(), 4 * per);
        for pair in out.windows(2) {
            assert!(
                pair[0].0 <= pair[1].0,
                "not sorted: {:?} then {:?}",
                pair[0],
                pair[1]
            );
            if pair[0].0 == pair[1].0 && pair[0].1 == pair[1].1 {
                assert!(
                    pair[0].2 < pair[1].2,
                    "unstable: {:?} then {:?}",
                    pair[0],
                    pair[1]
                );
            }
        }
    });
}

/// Ordered by priority only.
#[derive(Debug, Clone, Copy)]
struct Tie(u32, usize, usize);
impl PartialEq for Tie {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Tie {}
impl PartialOrd for Tie {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Tie {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// Pops racing pops on the minimum while pushes keep inserting new minimums (each push
/// is smaller than everything before it): the deleted prefix, its removal and the
/// reader-counted comparisons all under fire.
#[test]
fn pops_race_pops_and_new_minimums() {
    within(HANG, || {
        let per = scaled(30_000, 50);
        let queue = Arc::new(PriorityQueue::new());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut got = vec![];
                    for i in 0..per {
                        // Decreasing keys: a new minimum every time.
                        queue.push(usize::MAX - (i * 4 + t)).unwrap();
                        loop {
                            match queue.try_pop() {
                                Ok(item) => {
                                    got.push(item);
                                    break;
                                }
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
        let mut want: Vec<usize> = (0..4 * per).map(|k| usize::MAX - k).collect();
        want.sort_unstable();
        assert_eq!(all, want);
    });
}

/// A bounded queue never holds more than its capacity: `len` stays within it.
#[test]
fn len_stays_within_bounds_under_traffic() {
    within(HANG, || {
        let queue = Arc::new(PriorityQueue::bounded(4));
        let stop = Arc::new(AtomicBool::new(false));
        let churn: Vec<_> = (0..2)
            .map(|t| {
                let (queue, stop) = (queue.clone(), stop.clone());
                thread::spawn(move || {
                    let mut i = 0u32;
                    while !stop.load(Ordering::Relaxed) {
                        i = i.wrapping_add(1);
                        let _ = queue.try_push(i.wrapping_mul(7 + t));
                        let _ = queue.try_pop();
                    }
                })
            })
            .collect();
        for _ in 0..scaled(100_000, 100) {
            let len = queue.len();
            assert!(len <= 4, "len {len} > capacity 4");
        }
        stop.store(true, Ordering::Relaxed);
        for t in churn {
            t.join().unwrap();
        }
    });
}
