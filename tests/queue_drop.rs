//! Drop counting for `Queue`: no leak, no double drop, across block boundaries.
#![cfg(not(loom))]

mod common;

use common::{scaled, within, Counted, HANG};
use parkq::Queue;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

#[test]
fn items_left_across_several_blocks_are_dropped_once() {
    // 100 items span four blocks of 31.
    let drops = Arc::new(AtomicUsize::new(0));
    let queue = Queue::new();
    for _ in 0..100 {
        queue.push(Counted::new(&drops)).unwrap();
    }
    drop(queue.pop());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(queue);
    assert_eq!(drops.load(Ordering::SeqCst), 100);
}

#[test]
fn partially_consumed_blocks_drop_exactly_what_is_left() {
    for (pushed, popped) in [
        (0, 0),
        (31, 31),
        (31, 30),
        (32, 31),
        (62, 40),
        (70, 62),
        (93, 5),
    ] {
        let drops = Arc::new(AtomicUsize::new(0));
        let queue = Queue::new();
        for _ in 0..pushed {
            queue.push(Counted::new(&drops)).unwrap();
        }
        for _ in 0..popped {
            drop(queue.try_pop().unwrap());
        }
        assert_eq!(drops.load(Ordering::SeqCst), popped);
        assert_eq!(queue.len(), pushed - popped);
        drop(queue);
        assert_eq!(drops.load(Ordering::SeqCst), pushed, "({pushed}, {popped})");
    }
}

#[test]
fn close_and_drain_hands_every_item_back_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let queue = Queue::new();
    for _ in 0..70 {
        queue.push(Counted::new(&drops)).unwrap();
    }
    for _ in 0..10 {
        drop(queue.pop().unwrap());
    }
    let drained = queue.close_and_drain();
    assert_eq!(drained.len(), 60);
    assert_eq!(drops.load(Ordering::SeqCst), 10);
    let back = queue.push(Counted::new(&drops)).unwrap_err().into_inner();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        10,
        "a failed push hands its item back"
    );
    drop(back);
    drop(drained);
    assert_eq!(drops.load(Ordering::SeqCst), 71);
    drop(queue);
    assert_eq!(drops.load(Ordering::SeqCst), 71);
}

#[test]
fn panicking_drop_still_drops_the_rest_and_frees_the_blocks() {
    let drops = Arc::new(AtomicUsize::new(0));
    let queue = Queue::new();
    for i in 0..50 {
        queue
            .push(Counted {
                drops: drops.clone(),
                panics: i == 3,
            })
            .unwrap();
    }
    let result = catch_unwind(AssertUnwindSafe(|| drop(queue)));
    assert!(result.is_err(), "the item's panic propagates");
    assert_eq!(drops.load(Ordering::SeqCst), 50, "every item dropped once");
}

#[test]
fn into_iter_takes_the_rest_and_drops_what_it_does_not_yield() {
    let drops = Arc::new(AtomicUsize::new(0));
    let queue = Queue::new();
    for _ in 0..40 {
        queue.push(Counted::new(&drops)).unwrap();
    }
    let mut iter = queue.into_iter();
    assert_eq!(iter.len(), 40);
    for _ in 0..35 {
        drop(iter.next().unwrap());
    }
    assert_eq!(drops.load(Ordering::SeqCst), 35);
    drop(iter);
    assert_eq!(drops.load(Ordering::SeqCst), 40);
}

#[test]
fn concurrent_traffic_drops_each_item_once() {
    within(HANG, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let per = scaled(5_000, 40);
        let queue = Arc::new(Queue::new());
        let producers: Vec<_> = (0..3)
            .map(|_| {
                let queue = queue.clone();
                let drops = drops.clone();
                thread::spawn(move || {
                    for _ in 0..per {
                        if queue.push(Counted::new(&drops)).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || {
                    // Stop early so some items (in several blocks) are left for the
                    // queue's own drop.
                    for _ in 0..per {
                        match queue.pop() {
                            Some(item) => drop(item),
                            None => break,
                        }
                    }
                })
            })
            .collect();
        for c in consumers {
            c.join().unwrap();
        }
        queue.close();
        for p in producers {
            p.join().unwrap();
        }
        let queue = Arc::try_unwrap(queue).ok().unwrap();
        let inside = queue.len();
        let before = drops.load(Ordering::SeqCst);
        drop(queue);
        // Each item made was dropped once: by a consumer, by a failed push (after the
        // close), or by the queue's own drop.
        assert_eq!(drops.load(Ordering::SeqCst), before + inside);
    });
}
