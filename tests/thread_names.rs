//! `parkq::thread`: Python's `Thread-N` names, explicit names, `get_ident`.
//!
//! The naming test must be the only code of this binary that spawns through
//! `parkq::thread` (the counter is process-wide), so the other tests here use
//! `std::thread`.
#![cfg(not(loom))]

use parkq::thread::{self, Builder};
use std::collections::HashSet;
use std::sync::{Arc, Barrier};

/// Unnamed threads are `Thread-1`, `Thread-2`, ... in creation order, explicit names win
/// and take no number, and `spawn` and `Builder` share the counter.
#[test]
fn threads_are_named_like_python() {
    let first = thread::spawn(thread::current_name).join().unwrap();
    assert_eq!(first.as_deref(), Some("Thread-1"));
    let named = Builder::new()
        .name("reader")
        .spawn(thread::current_name)
        .unwrap();
    assert_eq!(named.join().unwrap().as_deref(), Some("reader"));
    let second = Builder::new()
        .stack_size(1 << 20)
        .spawn(thread::current_name)
        .unwrap();
    assert_eq!(second.join().unwrap().as_deref(), Some("Thread-2"));
    // Created in order, running at once: still numbered in creation order.
    let handles: Vec<_> = (0..8)
        .map(|_| thread::spawn(thread::current_name))
        .collect();
    let names: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let expected: Vec<_> = (3..11).map(|n| Some(format!("Thread-{n}"))).collect();
    assert_eq!(names, expected);
    // The handle is std's: its thread knows the name too.
    let handle = thread::spawn(|| ());
    assert_eq!(handle.thread().name(), Some("Thread-11"));
    handle.join().unwrap();
}

/// The main thread keeps std's name; a thread std spawned without a name has none.
#[test]
fn current_name_of_other_threads() {
    let unnamed = std::thread::spawn(thread::current_name).join().unwrap();
    assert_eq!(unnamed, None);
    let named = std::thread::Builder::new()
        .name("std-named".into())
        .spawn(thread::current_name)
        .unwrap();
    assert_eq!(named.join().unwrap().as_deref(), Some("std-named"));
}

/// `get_ident` is non-zero, stable within a thread, and distinct among threads that are
/// all alive at once (a barrier keeps all 16 alive until each has read its own).
#[test]
fn idents_are_nonzero_stable_and_unique_among_live_threads() {
    let me = thread::get_ident();
    assert_ne!(me, 0);
    assert_eq!(thread::get_ident(), me);

    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let ident = thread::get_ident();
                barrier.wait(); // everyone is alive and has its ident
                assert_eq!(thread::get_ident(), ident, "ident changed");
                ident
            })
        })
        .collect();
    let idents: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let distinct: HashSet<_> = idents.iter().copied().chain([me]).collect();
    assert_eq!(distinct.len(), 17, "idents repeat: {idents:?} and {me}");
    assert!(!distinct.contains(&0));
}
