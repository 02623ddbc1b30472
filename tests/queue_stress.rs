//! Multi-threaded stress: every item received exactly once, FIFO per producer, across
//! many blocks (31 slots each) so block linking, reclamation and the spare cache race.
#![cfg(not(loom))]

mod common;

use common::{scaled, within, HANG};
use parkq::{Queue, TryPopError};
use std::sync::Arc;
use std::thread;

/// `producers` threads push `per_producer` items each (tagged with the producer), and
/// `consumers` threads pop until the queue is closed. Checks every item arrives exactly
/// once and each consumer sees each producer's items in push order.
fn run(producers: usize, consumers: usize, per_producer: usize) {
    let queue: Arc<Queue<(usize, usize)>> = Arc::new(Queue::new());
    let consumer_threads: Vec<_> = (0..consumers)
        .map(|_| {
            let queue = queue.clone();
            thread::spawn(move || {
                let mut last = vec![None::<usize>; producers];
                let mut got = Vec::new();
                while let Some((p, i)) = queue.pop() {
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
            let queue = queue.clone();
            thread::spawn(move || {
                for i in 0..per_producer {
                    queue.push((p, i)).unwrap();
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
        for (p, i) in t.join().unwrap() {
            assert!(!seen[p][i], "item ({p}, {i}) received twice");
            seen[p][i] = true;
        }
    }
    assert!(seen.iter().flatten().all(|&s| s), "an item was lost");
    assert!(queue.is_empty());
}

#[test]
fn mpmc_4_4() {
    within(HANG, || run(4, 4, scaled(50_000, 40)));
}

#[test]
fn oversubscribed_8_8() {
    within(HANG, || run(8, 8, scaled(10_000, 12)));
}

#[test]
fn mpsc_4_1() {
    within(HANG, || run(4, 1, scaled(50_000, 40)));
}

#[test]
fn spmc_1_4() {
    within(HANG, || run(1, 4, scaled(100_000, 80)));
}

/// Non-blocking pops only, with the same guarantees; `try_pop` never reports `Closed`
/// before every item is out.
#[test]
fn try_pop_mpmc_conserves_items() {
    within(HANG, || {
        let per = scaled(20_000, 40);
        let queue: Arc<Queue<(usize, usize)>> = Arc::new(Queue::new());
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let queue = queue.clone();
                thread::spawn(move || {
                    for i in 0..per {
                        queue.push((p, i)).unwrap();
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        match queue.try_pop() {
                            Ok(item) => got.push(item),
                            Err(TryPopError::Closed) => return got,
                            Err(TryPopError::Empty) => thread::yield_now(),
                        }
                    }
                })
            })
            .collect();
        for t in producers {
            t.join().unwrap();
        }
        queue.close();
        let mut all: Vec<_> = consumers
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        all.sort_unstable();
        let want: Vec<_> = (0..2).flat_map(|p| (0..per).map(move |i| (p, i))).collect();
        assert_eq!(all, want);
    });
}

/// `len` never underflows (a wrapped subtraction would be near `usize::MAX`) and never
/// exceeds a length the queue really had, while blocks churn: two threads each keep at
/// most 3 items inside, so 6 is the most `len` may report. (Under Miri, whose weak-memory
/// emulation can hand out an old `head` for a while, only the underflow is checked.)
#[test]
fn len_stays_within_bounds_under_traffic() {
    within(HANG, || {
        let queue = Arc::new(Queue::new());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let churn: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                let stop = stop.clone();
                thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        for _ in 0..3 {
                            queue.push(1u8).unwrap();
                        }
                        for _ in 0..3 {
                            queue.try_pop().unwrap();
                        }
                    }
                })
            })
            .collect();
        let most = if cfg!(miri) { 1_000 } else { 6 };
        for _ in 0..scaled(100_000, 100) {
            let len = queue.len();
            assert!(len <= most, "len {len} > {most}");
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in churn {
            t.join().unwrap();
        }
    });
}
