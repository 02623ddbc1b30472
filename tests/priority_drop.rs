//! Drop counting for `PriorityQueue`: every item dropped exactly once, wherever it ends
//! up (left inside, handed back by a refused push, popped, drained, unwound by a
//! panicking `Ord`), also while threads race and the deleted prefix is removed.
#![cfg(not(loom))]

mod common;

use common::{scaled, within, Counted, HANG};
use parkq::{PriorityQueue, TryPushError};
use std::cmp::Ordering as CmpOrdering;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

/// A counted item with a priority; only the priority orders it.
struct Item {
    priority: u32,
    _counted: Counted,
}

impl Item {
    fn new(priority: u32, drops: &Arc<AtomicUsize>) -> Self {
        Item {
            priority,
            _counted: Counted::new(drops),
        }
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.priority == other.priority
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.priority.cmp(&other.priority)
    }
}

#[test]
fn items_left_inside_are_dropped_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let queue = PriorityQueue::new();
    for i in 0..200 {
        queue.push(Item::new(i * 7919 % 101, &drops)).unwrap();
    }
    // Pop enough to have a deleted prefix and removals behind us.
    for _ in 0..100 {
        drop(queue.pop());
    }
    assert_eq!(drops.load(Ordering::SeqCst), 100);
    drop(queue);
    assert_eq!(drops.load(Ordering::SeqCst), 200);
}

#[test]
fn refused_pushes_hand_the_item_back_undropped() {
    let drops = Arc::new(AtomicUsize::new(0));
    let queue = PriorityQueue::bounded(1);
    queue.push(Item::new(1, &drops)).unwrap();
    let full = queue.try_push(Item::new(2, &drops));
    assert!(matches!(full, Err(TryPushError::Full(_))));
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "the refused item is still alive"
    );
    drop(full);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    queue.close();
    let closed = queue.push(Item::new(3, &drops));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(closed);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(queue);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn close_and_drain_hands_every_item_back_in_order() {
    let drops = Arc::new(AtomicUsize::new(0));
    let queue = PriorityQueue::new();
    for i in [5, 3, 9, 1, 7, 3] {
        queue.push(Item::new(i, &drops)).unwrap();
    }
    let items = queue.close_and_drain();
    let order: Vec<u32> = items.iter().map(|i| i.priority).collect();
    assert_eq!(order, [1, 3, 3, 5, 7, 9]);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(items);
    drop(queue);
    assert_eq!(drops.load(Ordering::SeqCst), 6);
}

#[test]
fn a_panicking_destructor_does_not_leak_the_rest() {
    let drops = Arc::new(AtomicUsize::new(0));
    let queue = PriorityQueue::new();
    for i in 0..10 {
        let mut item = Item::new(i, &drops);
        item._counted.panics = i == 5;
        queue.push(item).unwrap();
    }
    drop(queue.pop()); // a deleted node stays linked: Drop must skip its moved-out item
    let result = catch_unwind(AssertUnwindSafe(|| drop(queue)));
    assert!(result.is_err(), "the panic reaches the caller");
    assert_eq!(drops.load(Ordering::SeqCst), 10, "every item dropped once");
}

#[test]
fn racing_threads_drop_every_item_once() {
    within(HANG, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let per_thread = scaled(4_000, 40);
        let queue = Arc::new(PriorityQueue::bounded(64));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (queue, drops) = (queue.clone(), drops.clone());
                thread::spawn(move || {
                    for i in 0..per_thread {
                        if t % 2 == 0 || i % 3 == 0 {
                            // A refused item comes back in the error and drops here.
                            let priority = (i as u32).wrapping_mul(2_654_435_761) % 50;
                            let _ = queue.try_push(Item::new(priority, &drops));
                        } else {
                            drop(queue.try_pop());
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let queue = Arc::try_unwrap(queue).expect("all threads are done");
        drop(queue);
        let created = 2 * per_thread + 2 * per_thread.div_ceil(3);
        assert_eq!(drops.load(Ordering::SeqCst), created);
    });
}
