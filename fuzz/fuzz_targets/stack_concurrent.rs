//! Multi-threaded conservation check of `parkq::Stack`.
//!
//! # Decoding
//!
//! The first byte is the setup: bits 0-1 pick the stack (unbounded, or bounded with a
//! capacity of 1, 2 or 5, see [`CAPACITIES`]), bit 2 the number of workers (2 or 3),
//! bit 3 whether a *drainer* thread runs alongside them, bit 4 whether the main thread
//! calls `join` before it closes the stack (drainer runs only), and bits 5-6 how the
//! main thread drains what is left (`try_iter`, `close_and_drain` or a blocking `pop`
//! loop). Bit 7 is unused. The other bytes are dealt round-robin to the workers, at
//! most [`MAX_OPS`] each. A worker's byte is one operation: `byte % 8` picks it (see
//! [`Worker::run`]) and `arg = byte / 8` is its argument: `arg % 8` indexes [`COUNTS`]
//! for the bulk operations, `arg % 4` picks the kind of a single push (blocking,
//! `try_push`, `push_timeout`, `push_deadline`), `arg / 4 % 4` indexes [`TIMEOUTS`] for
//! a timed push, `arg % 4` indexes [`TIMEOUTS`] for a timed pop (and `arg / 4 % 2` picks
//! `pop_timeout` or `pop_deadline`), and a "check" closes the stack when
//! `arg % 8 == 7`.
//!
//! Workers push `Box<u32>` items holding `worker << 16 | n`, with `n` counting that
//! worker's push attempts, so every item is distinct and names its producer and its
//! place in that producer's order. The bulk operations push or pop up to 100 items at a
//! time, and push-then-pop rounds free a node and link a fresh one at once, so the
//! workers race on the CAS on `head` while crossbeam-epoch recycles node memory (the
//! ABA window of a Treiber stack). Every worker operation returns: the blocking `push`
//! is only used on an unbounded stack (where it never parks) or while the drainer runs
//! (which pops until the stack is closed, so room always comes, or the close does);
//! otherwise a `try_push` stands in for it. Every other operation is non-blocking or
//! timed. The drainer loops on the blocking `pop` (calling `task_done` for each item);
//! it ends because the main thread closes the stack once the workers have joined. The
//! main thread then checks, closes and drains the stack.
//!
//! # What is asserted
//!
//! - Conservation: every item whose push returned `Ok` is popped exactly once, by a
//!   worker, the drainer or the final drain; nothing is lost, doubled or invented.
//! - A failed push hands back the very item it was given, and that item is never popped.
//!   An unbounded stack never reports `Full` or a push `Timeout`; a push of an unbounded
//!   stack fails only once the stack is closed.
//! - LIFO where it can be asserted soundly under concurrency:
//!   - within one worker: if it pushed `x` and then `y` and later pops both itself,
//!     the pop of `x` must not come between the push and the pop of `y` (`y` was above
//!     `x` all along, and nobody else took it). Put differently, that worker's
//!     push-to-pop intervals of its own items nest like brackets ([`assert_lifo_own`]).
//!   - in the final drain (nothing else runs): each producer's items come newest first.
//!   - nothing else: a consumer's view of another thread's items is not ordered (a pop
//!     can overtake a push it has not seen).
//! - A bounded stack never holds more than its capacity (`len`, checked by the workers).
//! - Exactly one `close` (among the workers' and the main thread's) returns `true`.
//! - Closed is final, within a thread: after a worker's own `close`, or after a push or
//!   pop of its own reported `Closed`, `is_closed` is true and every later push of that
//!   worker fails with `Closed` (never `Full` or `Timeout`); after a pop reported
//!   `Closed` (closed and drained), every later pop of that worker reports `Closed` too.
//! - Task tracking: every popped item gets one `task_done` (never one too many, which
//!   would panic); with a drainer, `join` returns once the drainer has taken the rest;
//!   without one, `close_and_drain` counts what it takes as done, so `join` returns at
//!   once afterwards.
//! - After the workers joined and the main thread closed the stack: pushes of every kind
//!   fail with `Closed` and hand the item back, `len` is exact (`is_empty` and `is_full`
//!   agree with it), the drain returns exactly `len` items, and then every pop reports
//!   `Closed` (`pop` returns `None`).
#![no_main]

use std::collections::HashSet;
use std::thread;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use parkq::{Closed, PopTimeoutError, PushTimeoutError, Stack, TryPopError, TryPushError};

type Item = Box<u32>;

/// The most operations one worker runs, to keep each input short.
const MAX_OPS: usize = 48;

/// The stacks, indexed by setup bits 0-1: unbounded, or bounded with this capacity.
const CAPACITIES: [Option<usize>; 4] = [None, Some(1), Some(2), Some(5)];

/// How many items a bulk operation handles, indexed by `arg % 8`.
const COUNTS: [usize; 8] = [1, 2, 3, 5, 8, 16, 32, 100];

/// The timeouts of timed pushes and pops: zero (one attempt), a few microseconds
/// (spinning), and long enough to park.
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

/// How a push ended, whatever its kind.
enum Pushed {
    Ok,
    Closed(Item),
    /// `Full` or `Timeout`: no room in a bounded stack.
    NoRoom(Item),
}

/// A successful push or pop, in one worker's program order.
#[derive(Clone, Copy)]
enum Event {
    Push(u32),
    Pop(u32),
}

/// One worker's script and what it saw.
struct Worker<'a> {
    id: u32,
    ops: Vec<u8>,
    stack: &'a Stack<Item>,
    /// Whether a blocking `push` always returns (unbounded, or a drainer runs).
    may_block: bool,
    /// Push attempts so far (the low half of the next item).
    attempts: u32,
    /// Items whose push returned `Ok`.
    pushed: Vec<u32>,
    /// Items handed back by failed pushes.
    rejected: Vec<u32>,
    /// Items this worker popped, in order.
    popped: Vec<u32>,
    /// This worker's successful pushes and pops, in order.
    events: Vec<Event>,
    /// How many of this worker's `close` calls returned `true`.
    closes_won: usize,
    /// This worker knows the stack is closed.
    seen_closed: bool,
    /// This worker saw a pop report closed and drained.
    seen_drained: bool,
}

impl Worker<'_> {
    /// Pushes a fresh item with the push of `kind` (0 blocking, 1 `try_push`, 2
    /// `push_timeout`, 3 `push_deadline`, the last two waiting `timeout`) and records
    /// the outcome.
    fn push(&mut self, kind: usize, timeout: Duration) {
        let item = self.id << 16 | self.attempts;
        self.attempts += 1;
        let stack = self.stack;
        let boxed = Box::new(item);
        let outcome = match kind {
            0 if self.may_block => match stack.push(boxed) {
                Ok(()) => Pushed::Ok,
                Err(Closed(back)) => Pushed::Closed(back),
            },
            0 | 1 => match stack.try_push(boxed) {
                Ok(()) => Pushed::Ok,
                Err(TryPushError::Closed(back)) => Pushed::Closed(back),
                Err(TryPushError::Full(back)) => Pushed::NoRoom(back),
            },
            _ => {
                let got = if kind == 2 {
                    stack.push_timeout(boxed, timeout)
                } else {
                    stack.push_deadline(boxed, Instant::now() + timeout)
                };
                match got {
                    Ok(()) => Pushed::Ok,
                    Err(PushTimeoutError::Closed(back)) => Pushed::Closed(back),
                    Err(PushTimeoutError::Timeout(back)) => Pushed::NoRoom(back),
                }
            }
        };
        match outcome {
            Pushed::Ok => {
                assert!(
                    !self.seen_closed,
                    "a push succeeded after this thread saw Closed"
                );
                self.pushed.push(item);
                self.events.push(Event::Push(item));
            }
            Pushed::Closed(back) => {
                assert_eq!(*back, item, "a failed push must hand back its own item");
                assert!(stack.is_closed(), "push said Closed on an open stack");
                self.seen_closed = true;
                self.rejected.push(item);
            }
            Pushed::NoRoom(back) => {
                assert_eq!(*back, item, "a failed push must hand back its own item");
                assert!(
                    stack.capacity().is_some(),
                    "an unbounded stack said Full/Timeout"
                );
                assert!(!self.seen_closed, "a push said Full/Timeout after Closed");
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
                self.events.push(Event::Pop(*item));
                self.stack.task_done();
                true
            }
            Ok(None) => {
                assert!(!self.seen_drained, "a pop said Empty after Closed");
                false
            }
            Err(()) => {
                assert!(self.stack.is_closed(), "pop said Closed on an open stack");
                self.seen_closed = true;
                self.seen_drained = true;
                false
            }
        }
    }

    fn try_pop(&mut self) -> bool {
        let result = match self.stack.try_pop() {
            Ok(item) => Ok(Some(item)),
            Err(TryPopError::Empty) => Ok(None),
            Err(TryPopError::Closed) => Err(()),
        };
        self.popped(result)
    }

    fn run(&mut self) {
        let stack = self.stack;
        for op in std::mem::take(&mut self.ops) {
            let arg = usize::from(op / 8);
            let n = COUNTS[arg % 8];
            match op % 8 {
                0 => self.push(arg % 4, TIMEOUTS[arg / 4 % 4]),
                1 => {
                    for _ in 0..n {
                        self.push(0, Duration::ZERO);
                    }
                }
                2 => {
                    self.try_pop();
                }
                3 => {
                    let timeout = TIMEOUTS[arg % 4];
                    let got = if arg / 4 % 2 == 0 {
                        stack.pop_timeout(timeout)
                    } else {
                        stack.pop_deadline(Instant::now() + timeout)
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
                    let items: Vec<Item> = stack.try_iter().take(n).collect();
                    for item in items {
                        self.popped(Ok(Some(item)));
                    }
                }
                6 => {
                    // Push-then-pop rounds: a node is unlinked and retired while fresh
                    // ones are allocated, so freed node memory comes back quickly.
                    for _ in 0..n {
                        self.push(0, Duration::ZERO);
                        self.try_pop();
                    }
                }
                _ => {
                    // Mostly a look at the stack; one time in eight, close it.
                    if arg % 8 == 7 {
                        self.closes_won += usize::from(stack.close());
                        self.seen_closed = true;
                    }
                    if self.seen_closed {
                        assert!(stack.is_closed(), "a closed stack reopened");
                    }
                    if let Some(cap) = stack.capacity() {
                        assert!(stack.len() <= cap, "len above the capacity");
                    }
                }
            }
        }
    }
}

/// Asserts LIFO among the items one worker both pushed and popped itself: their
/// push-to-pop intervals, in that worker's program order, nest like brackets. If it
/// pushed `x`, then `y`, then popped `x` while `y` was still to be popped by itself, `y`
/// was on the stack above `x` at that pop (nobody else can have taken it), so the pop
/// had to return `y` or something newer.
fn assert_lifo_own(w: &Worker) {
    let own_popped: HashSet<u32> = w
        .popped
        .iter()
        .copied()
        .filter(|&item| producer(item) == w.id)
        .collect();
    let mut open = Vec::new();
    for &event in &w.events {
        match event {
            Event::Push(item) if own_popped.contains(&item) => open.push(item),
            Event::Push(_) => {}
            Event::Pop(item) if producer(item) == w.id => {
                let top = open.pop();
                assert_eq!(
                    top,
                    Some(item),
                    "worker {}: popped its own item {item:#x} while its newer item {:#x} \
                     was still on the stack: LIFO broken",
                    w.id,
                    top.unwrap_or(u32::MAX),
                );
            }
            Event::Pop(_) => {}
        }
    }
    assert!(open.is_empty(), "worker {}: own items never popped", w.id);
}

/// Asserts that, in the final drain (nothing else running), each producer's items come
/// newest first: a later push of one producer was linked above its earlier ones, and
/// nodes below the top never move.
fn assert_newest_first(popped: &[u32]) {
    let mut last = [None::<u32>; 3];
    for &item in popped {
        let last = &mut last[producer(item) as usize];
        if let Some(previous) = *last {
            assert!(
                sequence(previous) > sequence(item),
                "final drain: item {item:#x} after the older item {previous:#x} of the same \
                 producer: LIFO broken",
            );
        }
        *last = Some(item);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&setup, script)) = data.split_first() else {
        return;
    };
    let cap = CAPACITIES[usize::from(setup & 0b11)];
    let workers = if setup & 0b100 == 0 { 2 } else { 3 };
    let drainer = setup & 0b1000 != 0;
    let join_first = drainer && setup & 0b1_0000 != 0;
    let final_drain = (setup >> 5) & 0b11;

    let stack: Stack<Item> = cap.map_or_else(Stack::new, Stack::bounded);
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
            stack: &stack,
            may_block: cap.is_none() || drainer,
            attempts: 0,
            pushed: Vec::new(),
            rejected: Vec::new(),
            popped: Vec::new(),
            events: Vec::new(),
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
                while let Some(item) = stack.pop() {
                    got.push(*item);
                    stack.task_done();
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
            stack.join();
        }
        closes_won += usize::from(stack.close());
        drainer.map_or_else(Vec::new, |d| d.join().expect("the drainer panicked"))
    });

    // The workers and the drainer are gone: the stack is closed, and only the main
    // thread touches it, so `len` is exact.
    assert!(stack.is_closed());
    let remaining = stack.len();
    assert_eq!(stack.is_empty(), remaining == 0);
    assert_eq!(stack.is_full(), cap == Some(remaining));
    if let Some(cap) = cap {
        assert!(remaining <= cap, "len above the capacity");
    }
    let rejected = || Box::new(u32::MAX);
    assert_eq!(stack.push(rejected()), Err(Closed(rejected())));
    assert_eq!(
        stack.try_push(rejected()),
        Err(TryPushError::Closed(rejected()))
    );
    assert_eq!(
        stack.push_timeout(rejected(), Duration::ZERO),
        Err(PushTimeoutError::Closed(rejected()))
    );
    assert_eq!(
        stack.push_deadline(rejected(), Instant::now()),
        Err(PushTimeoutError::Closed(rejected()))
    );
    let rest: Vec<u32> = match final_drain {
        0 | 1 => stack.try_iter().map(|item| *item).collect(),
        2 => stack
            .close_and_drain()
            .into_iter()
            .map(|item| *item)
            .collect(),
        _ => stack.iter().map(|item| *item).collect(),
    };
    assert_eq!(rest.len(), remaining, "len before the final drain");
    if final_drain != 2 {
        for _ in &rest {
            stack.task_done();
        }
    }
    assert_eq!(stack.try_pop(), Err(TryPopError::Closed));
    assert_eq!(
        stack.pop_timeout(Duration::ZERO),
        Err(PopTimeoutError::Closed)
    );
    assert_eq!(
        stack.pop_deadline(Instant::now()),
        Err(PopTimeoutError::Closed)
    );
    assert_eq!(stack.pop(), None);
    assert!(stack.is_empty());
    assert_eq!(stack.len(), 0);

    closes_won += workers.iter().map(|w| w.closes_won).sum::<usize>();
    assert_eq!(closes_won, 1, "exactly one close returns true");

    // LIFO, where it is sound to assert.
    for w in &workers {
        assert_lifo_own(w);
    }
    assert_newest_first(&rest);

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
    stack.join();
    // Nothing is left to drop: the stack's drop frees nothing but its reclaimer's share.
    drop(stack);
});
