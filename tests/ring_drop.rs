//! Drop counting: no leak, no double drop.
#![cfg(not(loom))]

mod common;

use common::{scaled, within, Counted, HANG};
use parkq::Ring;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

#[test]
fn items_left_inside_are_dropped_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let ring = Ring::new(8);
    for _ in 0..5 {
        ring.push(Counted::new(&drops)).unwrap();
    }
    drop(ring.pop());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(ring);
    assert_eq!(drops.load(Ordering::SeqCst), 5);
}

#[test]
fn wrapped_ring_drops_exactly_what_is_inside() {
    let drops = Arc::new(AtomicUsize::new(0));
    let ring = Ring::new(3);
    // Wrap the positions a few laps so head and tail sit mid-ring.
    for _ in 0..7 {
        ring.push(Counted::new(&drops)).unwrap();
        drop(ring.pop().unwrap());
    }
    ring.push(Counted::new(&drops)).unwrap();
    ring.push(Counted::new(&drops)).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 7);
    drop(ring);
    assert_eq!(drops.load(Ordering::SeqCst), 9);
}

#[test]
fn panicking_drop_still_drops_the_rest() {
    let drops = Arc::new(AtomicUsize::new(0));
    let ring = Ring::new(4);
    ring.push(Counted::new(&drops)).unwrap();
    ring.push(Counted {
        drops: drops.clone(),
        panics: true,
    })
    .unwrap();
    ring.push(Counted::new(&drops)).unwrap();
    let result = catch_unwind(AssertUnwindSafe(|| drop(ring)));
    assert!(result.is_err(), "the item's panic propagates");
    assert_eq!(drops.load(Ordering::SeqCst), 3, "every item dropped once");
}

#[test]
fn failed_pushes_hand_items_back_not_drop_them() {
    let drops = Arc::new(AtomicUsize::new(0));
    let ring = Ring::new(1);
    ring.push(Counted::new(&drops)).unwrap();
    let back = ring
        .try_push(Counted::new(&drops))
        .unwrap_err()
        .into_inner();
    let back2 = ring
        .push_timeout(back, std::time::Duration::ZERO)
        .unwrap_err()
        .into_inner();
    ring.close();
    let back3 = ring.push(back2).unwrap_err().into_inner();
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(back3);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    let drained = ring.close_and_drain();
    assert_eq!(drained.len(), 1);
    drop(drained);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(ring);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[test]
fn concurrent_traffic_drops_each_item_once() {
    within(HANG, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let per = scaled(5_000, 20);
        let ring = Arc::new(Ring::new(4));
        let producers: Vec<_> = (0..3)
            .map(|_| {
                let ring = ring.clone();
                let drops = drops.clone();
                thread::spawn(move || {
                    for _ in 0..per {
                        if ring.push(Counted::new(&drops)).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let ring = ring.clone();
                thread::spawn(move || {
                    let mut n = 0;
                    // Stop early so some items are left for the ring's own drop.
                    while n < per {
                        match ring.pop() {
                            Some(item) => drop(item),
                            None => break,
                        }
                        n += 1;
                    }
                })
            })
            .collect();
        for c in consumers {
            c.join().unwrap();
        }
        ring.close();
        for p in producers {
            p.join().unwrap();
        }
        let ring = Arc::try_unwrap(ring).unwrap();
        let inside = ring.len();
        let before = drops.load(Ordering::SeqCst);
        drop(ring);
        assert_eq!(drops.load(Ordering::SeqCst), before + inside);
    });
}
