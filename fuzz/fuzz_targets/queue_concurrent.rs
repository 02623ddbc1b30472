//! Multi-threaded conservation check of `parkq::Queue`.
//!
//! # Decoding
//!
//! The first byte is the setup: bit 2 picks the number of workers (2 or 3), bit 3
//! whether a *drainer* thread runs alongside them, bit 4 whether the main thread calls
//! `join` before it closes the queue (drainer runs only), and bits 5-6 how the main
//! thread drains what is left (`try_iter`, `close_and_drain` or a blocking `pop` loop).
//! Bits 0-1 and 7 are unused. The other bytes are dealt round-robin to the workers, at
//! most [`MAX_OPS`] each. A worker's byte is one operation: `byte % 8` picks it (see
//! [`Worker::run`]) and `arg = byte / 8` is its argument: `arg % 8` indexes [`COUNTS`]
//! for the bulk operations, `arg % 4` indexes [`TIMEOUTS`] for a timed pop (and `arg / 4
//! % 2` picks `pop_timeout` or `pop_deadline`), and a "check" closes the queue when
//! `arg % 8 == 7`.
//!
//! Workers push `Box<u32>` items holding `worker << 16 | n`, with `n` counting that
//! worker's push attempts, so every item is distinct and names its producer and its
//! place in that producer's order. The bulk operations push or pop up to 100 items at a
//! time, so the workers cross block boundaries (the queue's blocks hold 31 items) and
//! race on linking, retiring and recycling blocks. Every worker operation is
//! non-blocking or timed (a push never waits), so the workers always finish. The drainer
//! loops on the blocking `pop` (calling `task_done` for each item); it ends because the
//! main thread closes the queue once the workers have joined. The main thread then
//! checks, closes and drains the queue.
//!
//! # What is asserted
//!
//! - Conservation: every item whose push returned `Ok` is popped exactly once, by a
//!   worker, the drainer or the final drain; nothing is lost, doubled or invented.
//! - A failed push hands back the very item it was given, and that item is never popped.
//!   A push fails only once the queue is closed.
//! - FIFO per producer: in every consumer's sequence, the items of one producer appear
//!   in the order that producer pushed them.
//! - Exactly one `close` (among the workers' and the main thread's) returns `true`.
//! - Closed is final, within a thread: after a worker's own `close`, or after a push or
//!   pop of its own reported `Closed`, `is_closed` is true and every later push of that
//!   worker fails with `Closed`; after a pop reported `Closed` (closed and drained),
//!   every later pop of that worker reports `Closed` too.
//! - `is_empty` agrees with `len` when nothing else can run (after the threads joined).
//! - Task tracking: every popped item gets one `task_done` (never one too many, which
//!   would panic); with a drainer, `join` returns once the drainer has taken the rest;
//!   without one, `close_and_drain` counts what it takes as done, so `join` returns at
//!   once afterwards.
//! - After the workers joined and the main thread closed the queue: pushes fail with
//!   `Closed` and hand the item back, the drain returns exactly `len` items, and then
//!   every pop reports `Closed` (`pop` returns `None`).
#![no_main]

use std::collections::HashSet;
use std::thread;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use parkq::{Closed, PopTimeoutError, Queue, TryPopError};

type Item = Box<u32>;

/// The most operations one worker runs, to keep each input short.
const MAX_OPS: usize = 48;

/// How many items a bulk operation handles, indexed by `arg % 8`. The queue's blocks
/// hold 31 items.
const COUNTS: [usize; 8] = [1, 3, 8, 30, 31, 32, 62, 100];

/// The timeouts of timed pops, indexed by `arg % 4`: zero (one attempt), a few
/// microseconds (spinning), and long enough to park.
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
    queue: &'a Queue<Item>,
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
    /// This worker knows the queue is closed.
    seen_closed: bool,
    /// This worker saw a pop report closed and drained.
    seen_drained: bool,
}

impl Worker<'_> {
    /// Pushes a fresh item and records the outcome.
    fn push(&mut self) {
        let item = self.id << 16 | self.attempts;
        self.attempts += 1;
        match self.queue.push(Box::new(item)) {
            Ok(()) => {
                assert!(
                    !self.seen_closed,
                    "a push succeeded after this thread saw Closed"
                );
                self.pushed.push(item);
            }
            Err(Closed(back)) => {
                assert_eq!(*back, item, "a failed push must hand back its own item");
                assert!(self.queue.is_closed(), "push said Closed on an open queue");
                self.seen_closed = true;
                self.rejected.push(item);
            }
        }
    }

    /// Records the outcome of a pop: an item, `Ok(None)` for "empty" or a timeout, or
    /// `Err(())` for "closed and drained". Returns whether it got an item.
    fn popped(&mut self, result: Result<Option<Item>, ()>) -> bool {
        match result {
            Ok(Some(item)) => {
                assert!(!self.seen_drained, "an item was popped after Closed");
                self.popped.push(*item);
                self.queue.task_done();
                true
            }
            Ok(None) => {
                assert!(!self.seen_drained, "a pop said Empty after Closed");
                false
            }
            Err(()) => {
                assert!(self.queue.is_closed(), "pop said Closed on an open queue");
                self.seen_closed = true;
                self.seen_drained = true;
                false
            }
        }
    }

    fn try_pop(&mut self) -> bool {
        let result = match self.queue.try_pop() {
            Ok(item) => Ok(Some(item)),
            Err(TryPopError::Empty) => Ok(None),
            Err(TryPopError::Closed) => Err(()),
        };
        self.popped(result)
    }

    fn run(&mut self) {
        let queue = self.queue;
        for op in std::mem::take(&mut self.ops) {
            let arg = usize::from(op / 8);
            let n = COUNTS[arg % 8];
            match op % 8 {
                0 => self.push(),
                1 => {
                    for _ in 0..n {
                        self.push();
                    }
                }
                2 => {
                    self.try_pop();
                }
                3 => {
                    let timeout = TIMEOUTS[arg % 4];
                    let got = if arg / 4 % 2 == 0 {
                        queue.pop_timeout(timeout)
                    } else {
                        queue.pop_deadline(Instant::now() + timeout)
                    };
                    let result = match got {
                        Ok(item) => Ok(Some(item)),
                        Err(PopTimeoutError::Timeout) => Ok(None),
                        Err(PopTimeoutError::Closed) => Err(()),
                    };
                    self.popped(result);
                }
                4 => {
                    // Pops up to `n`, stopping at the first miss.
                    for _ in 0..n {
                        if !self.try_pop() {
                            break;
                        }
                    }
                }
                5 => {
                    let items: Vec<Item> = queue.try_iter().take(n).collect();
                    for item in items {
                        self.popped(Ok(Some(item)));
                    }
                }
                6 => {
                    // Push-then-pop rounds: the indices move on (retiring blocks and
                    // reusing the spare) while the length stays small.
                    for _ in 0..n {
                        self.push();
                        self.try_pop();
                    }
                }
                _ => {
                    // Mostly a look at the queue; one time in eight, close it.
                    if arg % 8 == 7 {
                        self.closes_won += usize::from(queue.close());
                        self.seen_closed = true;
                    }
                    if self.seen_closed {
                        assert!(queue.is_closed(), "a closed queue reopened");
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
    let workers = if setup & 0b100 == 0 { 2 } else { 3 };
    let drainer = setup & 0b1000 != 0;
    let join_first = drainer && setup & 0b1_0000 != 0;
    let final_drain = (setup >> 5) & 0b11;

    let queue: Queue<Item> = Queue::new();
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
            queue: &queue,
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
                while let Some(item) = queue.pop() {
                    got.push(*item);
                    queue.task_done();
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
            queue.join();
        }
        closes_won += usize::from(queue.close());
        drainer.map_or_else(Vec::new, |d| d.join().expect("the drainer panicked"))
    });

    // The workers and the drainer are gone: the queue is closed, and only the main
    // thread touches it.
    assert!(queue.is_closed());
    let len = queue.len();
    assert_eq!(queue.is_empty(), len == 0);
    assert_eq!(
        queue.push(Box::new(u32::MAX)),
        Err(Closed(Box::new(u32::MAX)))
    );
    let remaining = queue.len();
    let rest: Vec<u32> = match final_drain {
        0 | 1 => queue.try_iter().map(|item| *item).collect(),
        2 => queue
            .close_and_drain()
            .into_iter()
            .map(|item| *item)
            .collect(),
        _ => queue.iter().map(|item| *item).collect(),
    };
    assert_eq!(rest.len(), remaining, "len before the final drain");
    if final_drain != 2 {
        for _ in &rest {
            queue.task_done();
        }
    }
    assert_eq!(queue.try_pop(), Err(TryPopError::Closed));
    assert_eq!(
        queue.pop_timeout(Duration::ZERO),
        Err(PopTimeoutError::Closed)
    );
    assert_eq!(
        queue.pop_deadline(Instant::now()),
        Err(PopTimeoutError::Closed)
    );
    assert_eq!(queue.pop(), None);
    assert!(queue.is_empty());
    assert_eq!(queue.len(), 0);

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
    // Every item pushed was popped and marked done. Last, so that a lost item fails the
    // conservation checks above rather than hanging here.
    queue.join();
    // Nothing is left to drop: the queue's drop only frees its blocks.
    drop(queue);
});
