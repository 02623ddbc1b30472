//! Drop counting for `Stack`: every item dropped exactly once, wherever it ends up (left
//! inside, handed back by a refused push, popped, drained), also while threads race.
#![cfg(not(loom))]

mod common;

use common::{scaled, within, Counted, HANG};
use parkq::{Stack, TryPushError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

#[test]
fn items_left_inside_are_dropped_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let stack = Stack::new();
    for _ in 0..100 {
        stack.push(Counted::new(&drops)).unwrap();
    }
    drop(stack.pop());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(stack);
    assert_eq!(drops.load(Ordering::SeqCst), 100);
}

#[test]
fn refused_pushes_hand_the_item_back_undropped() {
    let drops = Arc::new(AtomicUsize::new(0));
    let stack = Stack::bounded(1);
    stack.push(Counted::new(&drops)).unwrap();
    let full = stack.try_push(Counted::new(&drops));
    assert!(matches!(full, Err(TryPushError::Full(_))));
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "the refused item is still alive"
    );
    drop(full);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    stack.close();
    let closed = stack.push(Counted::new(&drops));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(closed);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(stack);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn close_and_drain_hands_every_item_back() {
    let drops = Arc::new(AtomicUsize::new(0));
    let stack = Stack::new();
    for _ in 0..10 {
        stack.push(Counted::new(&drops)).unwrap();
    }
    let items = stack.close_and_drain();
    assert_eq!(items.len(), 10);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(items);
    drop(stack);
    assert_eq!(drops.load(Ordering::SeqCst), 10);
}

#[test]
fn a_panicking_destructor_does_not_leak_the_rest() {
    let drops = Arc::new(AtomicUsize::new(0));
    let stack = Stack::new();
    for i in 0..10 {
        let mut item = Counted::new(&drops);
        item.panics = i == 5;
        stack.push(item).unwrap();
    }
    let result = catch_unwind(AssertUnwindSafe(|| drop(stack)));
    assert!(result.is_err(), "the panic reaches the caller");
    assert_eq!(drops.load(Ordering::SeqCst), 10, "every item dropped once");
}

#[test]
fn racing_threads_drop_every_item_once() {
    within(HANG, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let per_thread = scaled(2_000, 40);
        let stack = Arc::new(Stack::bounded(16));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (stack, drops) = (stack.clone(), drops.clone());
                thread::spawn(move || {
                    for i in 0..per_thread {
                        if t % 2 == 0 || i % 3 == 0 {
                            // A refused item comes back in the error and drops here.
                            let _ = stack.try_push(Counted::new(&drops));
                        } else {
                            drop(stack.try_pop());
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let stack = Arc::try_unwrap(stack).expect("all threads are done");
        drop(stack);
        // Every item created was dropped exactly once: refused ones with their error,
        // popped ones by the poppers, the rest by the stack's drop.
        let created = 2 * per_thread + 2 * per_thread.div_ceil(3);
        assert_eq!(drops.load(Ordering::SeqCst), created);
    });
}
