//! Multi-threaded stress: every item received exactly once, FIFO per producer.
#![cfg(not(loom))]

mod common;

use common::{scaled, within, HANG};
use parkq::Ring;
use std::sync::Arc;
use std::thread;

/// `producers` threads push `per_producer` items each (tagged with the producer), and
/// `consumers` threads pop until the ring is closed. Checks every item arrives exactly
/// once and each consumer sees each producer's items in push order.
fn run(capacity: usize, producers: usize, consumers: usize, per_producer: usize) {
    let ring: Arc<Ring<(usize, usize)>> = Arc::new(Ring::new(capacity));
    let consumer_threads: Vec<_> = (0..consumers)
        .map(|_| {
            let ring = ring.clone();
            thread::spawn(move || {
                let mut last = vec![None::<usize>; producers];
                let mut got = Vec::new();
                while let Some((p, i)) = ring.pop() {
                    assert!(last[p].map_or(true, |prev| prev < i), "FIFO per producer");
                    last[p] = Some(i);
                    got.push((p, i));
                }
                got
            })
        })
        .collect();
    let producer_threads: Vec<_> = (0..producers)
        .map(|p| {
            let ring = ring.clone();
            thread::spawn(move || {
                for i in 0..per_producer {
                    ring.push((p, i)).unwrap();
                }
            })
        })
        .collect();
    for t in producer_threads {
        t.join().unwrap();
    }
    ring.close();
    let mut seen = vec![vec![false; per_producer]; producers];
    for t in consumer_threads {
        for (p, i) in t.join().unwrap() {
            assert!(!seen[p][i], "item ({p}, {i}) received twice");
            seen[p][i] = true;
        }
    }
    assert!(seen.iter().flatten().all(|&s| s), "an item was lost");
    assert!(ring.is_empty());
}

#[test]
fn mpmc_4_4_capacity_1() {
    within(HANG, || run(1, 4, 4, scaled(20_000, 30)));
}

#[test]
fn mpmc_4_4_capacity_1024() {
    within(HANG, || run(1024, 4, 4, scaled(50_000, 30)));
}

#[test]
fn oversubscribed_8_8_capacity_4() {
    within(HANG, || run(4, 8, 8, scaled(10_000, 10)));
}

/// Non-blocking operations only: try_push/try_pop retried, with the same guarantees.
#[test]
fn try_ops_mpmc_conserve_items() {
    within(HANG, || {
        let per = scaled(20_000, 30);
        let ring: Arc<Ring<(usize, usize)>> = Arc::new(Ring::new(2));
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let ring = ring.clone();
                thread::spawn(move || {
                    for i in 0..per {
                        let mut item = (p, i);
                        while let Err(e) = ring.try_push(item) {
                            item = e.into_inner();
                            thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let ring = ring.clone();
                thread::spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        match ring.try_pop() {
                            Ok(item) => got.push(item),
                            Err(parkq::TryPopError::Closed) => return got,
                            Err(parkq::TryPopError::Empty) => thread::yield_now(),
                        }
                    }
                })
            })
            .collect();
        for t in producers {
            t.join().unwrap();
        }
        ring.close();
        let mut all: Vec<_> = consumers
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        all.sort_unstable();
        let want: Vec<_> = (0..2).flat_map(|p| (0..per).map(move |i| (p, i))).collect();
        assert_eq!(all, want);
    });
}
