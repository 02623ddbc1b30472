//! Multi-threaded conservation check of `parkq::Ring`.
//!
//! # Decoding
//!
//! The first byte is the setup: bits 0-1 pick the capacity (`1..=4`), bit 2 the number
//! of workers (2 or 3), bit 3 whether a *drainer* thread runs alongside them, bit 4
//! whether the main thread calls `join` before it closes the ring (drainer runs only),
//! and bits 5-6 how the main thread drains what is left (`try_iter`, `close_and_drain`
//! or a blocking `pop` loop). The other bytes are dealt round-robin to the workers, at
//! most [`MAX_OPS`] each. A worker's byte is one operation: `byte % 8` picks it (see
//! [`Worker::run`]) and `byte / 8` is its argument (a timeout out of [`TIMEOUTS`], how
//! many items an iterator takes, or whether a "check" closes the ring).
//!
//! Workers push `Box<u32>` items holding `worker << 16 | n`, with `n` counting that
//! worker's push attempts, so every item is distinct and names its producer and its
//! place in that producer's order. Every worker operation is non-blocking or timed, so
//! the workers always finish. The drainer loops on the blocking `pop` (calling
//! `task_done` for each item); it ends because the main thread closes the ring once the
//! workers have joined. The main thread then checks, closes and drains the ring.
//!
//! # What is asserted
//!
//! - Conservation: every item whose push returned `Ok` is popped exactly once, by a
//!   worker, the drainer or the final drain; nothing is lost, doubled or invented.
//! - A failed push hands back the very item it was given, and that item is never popped.
//! - FIFO per producer: in every consumer's sequence, the items of one producer appear
//!   in the order that producer pushed them.
//! - Exactly one `close` (among the workers' and the main thread's) returns `true`.
//! - Closed is final, within a thread: after a worker's own `close`, or after a push or
//!   pop of its own reported `Closed`, `is_closed` is true and every later push of that
//!   worker fails with `Closed`; after a pop reported `Closed` (closed and drained),
//!   every later pop of that worker reports `Closed` too.
//! - `len` never exceeds the capacity.
//! - Task tracking: every popped item gets one `task_done` (never one too many, which
//!   would panic); with a drainer, `join` returns once the drainer has taken the rest;
//!   without one, `close_and_drain` counts what it takes as done, so `join` returns at
//!   once afterwards.
//! - After the workers joined and the main thread closed the ring: pushes of every kind
//!   fail with `Closed` and hand the item back, the drain returns the remaining items,
//!   and then every pop reports `Closed` (`pop` returns `None`).
#![no_main]

use std::collections::HashSet;
use std::thread;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use parkq::{Closed, PopTimeoutError, PushTimeoutError, Ring, TryPopError, TryPushError};

type Item = Box<u32>;

/// The most operations one worker runs, to keep each input short.
const MAX_OPS: usize = 48;

/// The timeouts of timed pushes and pops, indexed by `arg % 4`: zero (one attempt),
/// a few microseconds (spinning), and long enough to park.
const TIMEOUTS: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_micros(5),
    Duration::from_micros(100),
    Duration::from_millis(1),
];

fn producer(item: u32) -> u32 {
    item >> 16
}

fn sequence(item: u32) -> u32 {
    item & 0xffff
}

/// One worker's script and what it saw.
struct Worker<'a> {
    id: u32,
    ops: Vec<u8>,
    ring: &'a Ring<Item>,
    /// Push attempts so far (the low half of the next item).
    attempts: u32,
    /// Items whose push returned `Ok`.
    pushed: Vec<u32>,
    /// Items handed back by failed pushes.
    rejected: Vec<u32>,
    /// Items this worker popped, in order.
    popped: Vec<u32>,
    /// How many of this worker's `close` calls returned `true`.
    closes_won: usize,
    /// This worker knows the ring is closed.
    seen_closed: bool,
    /// This worker saw a pop report closed and drained.
    seen_drained: bool,
}

impl Worker<'_> {
    fn fresh(&mut self) -> u32 {
        let item = self.id << 16 | self.attempts;
        self.attempts += 1;
        item
    }

    /// Records the outcome of a push of `item`: `Ok`, or the error's item and whether
    /// the error said `Closed`.
    fn pushed(&mut self, item: u32, result: Result<(), (Item, bool)>) {
        match result {
            Ok(()) => {
                assert!(
                    !self.seen_closed,
                    "a push succeeded after this thread saw Closed"
                );
                self.pushed.push(item);
            }
            Err((back, closed)) => {
                assert_eq!(*back, item, "a failed push must hand back its own item");
                if closed {
                    assert!(self.ring.is_closed(), "push said Closed on an open ring");
                    self.seen_closed = true;
                } else {
                    assert!(!self.seen_closed, "a push said Full/Timeout after Closed");
                }
                self.rejected.push(item);
            }
        }
    }

    /// Records the outcome of a pop: an item, `Ok(None)` for "empty" or a timeout, or
    /// `Err(())` for "closed and drained".
    fn popped(&mut self, result: Result<Option<Item>, ()>) {
        match result {
            Ok(Some(item)) => {
                assert!(!self.seen_drained, "an item was popped after Closed");
                self.popped.push(*item);
                self.ring.task_done();
            }
            Ok(None) => assert!(!self.seen_drained, "a pop said Empty after Closed"),
            Err(()) => {
                assert!(self.ring.is_closed(), "pop said Closed on an open ring");
                self.seen_closed = true;
                self.seen_drained = true;
            }
        }
    }

    fn run(&mut self) {
        let ring = self.ring;
        for op in std::mem::take(&mut self.ops) {
            let arg = usize::from(op / 8);
            let timeout = TIMEOUTS[arg % 4];
            match op % 8 {
                0 | 1 => {
                    let item = self.fresh();
                    let result = ring.try_push(Box::new(item)).map_err(|e| {
                        let closed = e.is_closed();
                        (e.into_inner(), closed)
                    });
                    self.pushed(item, result);
                }
                2 => {
                    let item = self.fresh();
                    let result = ring.push_timeout(Box::new(item), timeout).map_err(|e| {
                        let closed = e.is_closed();
                        (e.into_inner(), closed)
                    });
                    self.pushed(item, result);
                }
                3 | 4 => {
                    let result = match ring.try_pop() {
                        Ok(item) => Ok(Some(item)),
                        Err(TryPopError::Empty) => Ok(None),
                        Err(TryPopError::Closed) => Err(()),
                    };
                    self.popped(result);
                }
                5 => {
                    let result = match ring.pop_timeout(timeout) {
                        Ok(item) => Ok(Some(item)),
                        Err(PopTimeoutError::Timeout) => Ok(None),
                        Err(PopTimeoutError::Closed) => Err(()),
                    };
                    self.popped(result);
                }
                6 => {
                    let items: Vec<Item> = ring.try_iter().take(arg % 4 + 1).collect();
                    for item in items {
                        self.popped(Ok(Some(item)));
                    }
                }
                _ => {
                    // Mostly a look at the ring; one time in eight, close it.
                    assert!(ring.len() <= ring.capacity(), "len above capacity");
                    if arg % 8 == 7 {
                        self.closes_won += usize::from(ring.close());
                        self.seen_closed = true;
                    }
                    if self.seen_closed {
                        assert!(ring.is_closed(), "a closed ring reopened");
                    }
                }
            }
        }
    }
}

/// Asserts that, in one consumer's sequence, each producer's items come in push order.
fn assert_fifo_per_producer(consumer: &str, popped: &[u32]) {
    let mut last = [None::<u32>; 3];
    for &item in popped {
        let last = &mut last[producer(item) as usize];
        if let Some(previous) = *last {
            assert!(
                sequence(previous) < sequence(item),
                "{consumer}: item {item:#x} after item {previous:#x} of the same producer: \
                 FIFO broken",
            );
        }
        *last = Some(item);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&setup, script)) = data.split_first() else {
        return;
    };
    let cap = 1 + usize::from(setup & 0b11);
    let workers = if setup & 0b100 == 0 { 2 } else { 3 };
    let drainer = setup & 0b1000 != 0;
    let join_first = drainer && setup & 0b1_0000 != 0;
    let final_drain = (setup >> 5) & 0b11;

    let ring: Ring<Item> = Ring::new(cap);
    let mut scripts = vec![Vec::new(); workers];
    for (i, &op) in script.iter().take(workers * MAX_OPS).enumerate() {
        scripts[i % workers].push(op);
    }
    let mut workers: Vec<Worker> = scripts
        .into_iter()
        .zip(0..)
        .map(|(ops, id)| Worker {
            id,
            ops,
            ring: &ring,
            attempts: 0,
            pushed: Vec::new(),
            rejected: Vec::new(),
            popped: Vec::new(),
            closes_won: 0,
            seen_closed: false,
            seen_drained: false,
        })
        .collect();

    let mut closes_won = 0;
    let drained: Vec<u32> = thread::scope(|s| {
        let drainer = drainer.then(|| {
            s.spawn(|| {
                let mut got = Vec::new();
                while let Some(item) = ring.pop() {
                    got.push(*item);
                    ring.task_done();
                }
                got
            })
        });
        let handles: Vec<_> = workers
            .iter_mut()
            .map(|w| s.spawn(move || w.run()))
            .collect();
        for handle in handles {
            handle.join().expect("a worker panicked");
        }
        if join_first {
            // Every pop so far was marked done, and the drainer takes and marks the
            // rest, so this returns.
            ring.join();
        }
        closes_won += usize::from(ring.close());
        drainer.map_or_else(Vec::new, |d| d.join().expect("the drainer panicked"))
    });

    // The workers and the drainer are gone: the ring is closed, and only the main thread
    // touches it.
    assert!(ring.is_closed());
    assert!(ring.len() <= cap);
    assert_eq!(
        ring.try_push(Box::new(u32::MAX)),
        Err(TryPushError::Closed(Box::new(u32::MAX)))
    );
    assert_eq!(
        ring.push(Box::new(u32::MAX)),
        Err(Closed(Box::new(u32::MAX)))
    );
    assert_eq!(
        ring.push_timeout(Box::new(u32::MAX), Duration::ZERO),
        Err(PushTimeoutError::Closed(Box::new(u32::MAX)))
    );
    let remaining = ring.len();
    let rest: Vec<u32> = match final_drain {
        0 | 1 => ring.try_iter().map(|item| *item).collect(),
        2 => ring
            .close_and_drain()
            .into_iter()
            .map(|item| *item)
            .collect(),
        _ => ring.iter().map(|item| *item).collect(),
    };
    assert_eq!(rest.len(), remaining, "len before the final drain");
    if final_drain != 2 {
        for _ in &rest {
            ring.task_done();
        }
    }
    assert_eq!(ring.try_pop(), Err(TryPopError::Closed));
    assert_eq!(
        ring.pop_timeout(Duration::ZERO),
        Err(PopTimeoutError::Closed)
    );
    assert_eq!(ring.pop(), None);
    assert!(ring.is_empty());
    assert_eq!(ring.len(), 0);
    // Every item pushed was popped and marked done.
    ring.join();

    closes_won += workers.iter().map(|w| w.closes_won).sum::<usize>();
    assert_eq!(closes_won, 1, "exactly one close returns true");

    // Conservation.
    let mut popped = HashSet::new();
    let consumers = workers
        .iter()
        .map(|w| (format!("worker {}", w.id), &w.popped))
        .chain([
            ("drainer".to_string(), &drained),
            ("final drain".to_string(), &rest),
        ]);
    for (name, sequence) in consumers {
        assert_fifo_per_producer(&name, sequence);
        for &item in sequence {
            assert!(popped.insert(item), "{name}: item {item:#x} popped twice");
        }
    }
    let mut pushed = HashSet::new();
    for w in &workers {
        pushed.extend(w.pushed.iter().copied());
        for item in &w.rejected {
            assert!(!popped.contains(item), "rejected item {item:#x} was popped");
        }
    }
    for item in &popped {
        assert!(
            pushed.contains(item),
            "item {item:#x} popped but never pushed"
        );
    }
    for item in &pushed {
        assert!(
            popped.contains(item),
            "item {item:#x} pushed but never popped"
        );
    }
});
