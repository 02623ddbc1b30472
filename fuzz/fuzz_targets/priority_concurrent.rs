//! Multi-threaded conservation and order check of `parkq::PriorityQueue`.
//!
//! # Decoding
//!
//! The first byte is the setup: bits 0-1 pick the queue (unbounded, or bounded with a
//! capacity of 1, 2 or 5, see [`CAPACITIES`]), bit 2 the number of workers (2 or 3),
//! bit 3 whether a *drainer* thread runs alongside them, bit 4 whether the main thread
//! calls `join` before it closes the queue (drainer runs only), bits 5-6 how the main
//! thread drains what is left (`try_iter`, `close_and_drain` or a blocking `pop` loop),
//! and bit 7 whether the threads read a shared *clock* around every push and pop (see
//! below). The other bytes are dealt round-robin to the workers, at most [`MAX_OPS`]
//! each. A worker's byte is one operation: `byte % 8` picks it (see [`Worker::run`]) and
//! `arg = byte / 8` is its argument:
//!
//! - a single push takes its kind from `arg % 4` (blocking `push`, `try_push`,
//!   `push_timeout`, `push_deadline`) and its priority from `arg / 4` (0..=7); a timed
//!   one waits [`TIMEOUTS`]`[priority % 4]`;
//! - the bulk operations take *n* from [`COUNTS`]`[arg % 8]` (up to 100), and bulk
//!   pushes (and push-then-pop rounds) give their items the priorities of the
//!   [`Pattern`] `arg / 8`: scattered, all equal, ascending or descending;
//! - a timed pop waits [`TIMEOUTS`]`[arg % 4]`, with `pop_timeout` or `pop_deadline`
//!   (`arg / 4 % 2`);
//! - a "check" (`byte % 8 == 7`) looks at the queue, and with `arg % 8` = 4, 5 or 6
//!   pushes a *poisoned* item (`try_push`; `push_timeout` waiting
//!   [`TIMEOUTS`]`[arg / 8]`; blocking `push`), or with `arg % 8 == 7` closes the queue.
//!
//! Items are a priority (0..=7, [`PRIOS`], so ties are frequent) and a unique id
//! `worker << 16 | n` in a `Box<u32>`, with `n` counting that worker's push attempts, so
//! every item is distinct and names its producer and its place in that producer's order.
//! `Ord` compares the priority only: items of equal priority compare equal and must
//! come out in push order. A blocking `push` is only used on an unbounded queue (where
//! it never parks) or while the drainer runs (which pops until the queue is closed, so
//! room always comes, or the close does); otherwise a `try_push` stands in for it. Every
//! other worker operation is non-blocking or timed, so the workers always finish. The
//! drainer loops on the blocking `pop` (calling `task_done` for each item); it ends
//! because the main thread closes the queue once the workers have joined. The main
//! thread then checks, closes and drains the queue.
//!
//! A poisoned push arms its own thread so that comparison number
//! [`PANIC_ATS`]`[arg / 8]` (1, 2, 4 or 8) of that push panics (every comparison of a
//! push involves its own item; other threads comparing with a poisoned item that got in
//! are not armed, so for them it is an ordinary item). Whether it panics depends on what
//! the queue holds at that moment, so both outcomes are accepted and then checked: if it
//! panicked, the panic is the poisoned comparison's (caught with `catch_unwind`; the
//! panic hook is quiet on that thread only while it expects the panic), it came from
//! comparison `PANIC_AT` exactly, the item was dropped exactly once on the pushing
//! thread before the panic reached it, the thread had not seen the queue closed (a
//! push after that is refused before it compares), and the item is never popped. If it
//! did not panic, its outcome is checked as any push's. A refused push (closed, full,
//! timed out) must not have compared at all. Pushes that unwound while `close` or `join`
//! run must not make them wait: a hang is reported by `-timeout`.
//!
//! # The clock
//!
//! With setup bit 7, every push and pop reads a shared counter (`fetch_add`, `SeqCst`)
//! just before it starts and just after it returns, giving each successful push and pop
//! an interval. If one operation's "after" reading is smaller than another's "before",
//! the first happened before the second (the counter's read-modify-writes synchronize),
//! so it took effect first. The clock adds a shared cache line and a full barrier to
//! every operation, which serializes the threads a little; inputs with bit 7 clear run
//! without it and check everything but the clock-based order.
//!
//! # What is asserted
//!
//! - Conservation: every item whose push returned `Ok` is popped exactly once, by a
//!   worker, the drainer or the final drain, with the priority it was pushed with;
//!   nothing is lost, doubled or invented.
//! - A failed push hands back the very item it was given, and that item is never popped.
//!   An unbounded queue never reports `Full` or a push `Timeout`; a push of an unbounded
//!   queue fails only once the queue is closed. A poisoned push that panicked is
//!   checked as above, and its item is never popped.
//! - Order, only where it is sound under concurrency. A pop returns the smallest item
//!   present at its linearization point, so `y` popped while an `x < y` (smaller
//!   priority, or equal priority and pushed earlier) was *certainly present throughout
//!   the pop* breaks the order. `x` is certainly present throughout if its push returned
//!   before the pop began and its own pop began after that pop returned. Otherwise
//!   nothing is known: a concurrent push of a smaller item may or may not have taken
//!   effect, and another thread's pushes and pops are unordered with this one's.
//!   - Within one worker, without the clock: if it pushed `x`, later popped `y` and
//!     later still popped `x` itself, `x` was present throughout that pop, so `y`'s
//!     priority is at most `x`'s, and if `y` is also its own and of equal priority, `y`
//!     was pushed before `x` (FIFO among equal items) ([`assert_order_own`]).
//!   - In the final drain (nothing else runs, the queue is quiescent): priorities never
//!     decrease, and among equal priorities each producer's items come in the order it
//!     pushed them; with the clock, also any two items whose pushes did not overlap
//!     ([`assert_final_order`]).
//!   - With the clock, for every pop by anyone: no item of smaller priority, and no item
//!     of equal priority whose push returned before the popped item's push began, was
//!     certainly present throughout the pop ([`assert_realtime_order`]).
//! - A bounded queue never holds more than its capacity (`len`, checked by the workers).
//! - Exactly one `close` (among the workers' and the main thread's) returns `true`.
//! - Closed is final, within a thread: after a worker's own `close`, or after a push or
//!   pop of its own reported `Closed`, `is_closed` is true and every later push of that
//!   worker fails with `Closed` (never `Full` or `Timeout`, never a comparison); after a
//!   pop reported `Closed` (closed and drained), every later pop of that worker reports
//!   `Closed` too.
//! - Task tracking: every popped item gets one `task_done` (never one too many, which
//!   would panic); with a drainer, `join` returns once the drainer has taken the rest;
//!   without one, `close_and_drain` counts what it takes as done, so `join` returns at
//!   once afterwards. Pushes that unwound are not counted.
//! - After the workers joined and the main thread closed the queue: pushes of every kind
//!   (also a poisoned one, which must not compare) fail with `Closed` and hand the item
//!   back, `len` is exact (`is_empty` and `is_full` agree with it), the drain returns
//!   exactly `len` items, and then every pop reports `Closed` (`pop` returns `None`).
//! - Every item is dropped exactly once: a global count of live items is zero once the
//!   queue is gone (and AddressSanitizer/LeakSanitizer watch the boxes).
#![no_main]

use std::any::Any;
use std::cell::Cell;
use std::cmp::Ordering as CmpOrdering;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Once;
use std::thread;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use parkq::{Closed, PopTimeoutError, PriorityQueue, PushTimeoutError, TryPopError, TryPushError};

/// What the assertions compare: an item's priority and its unique id.
type Key = (u8, u32);

/// The most operations one worker runs, to keep each input short.
const MAX_OPS: usize = 48;

/// The queues, indexed by setup bits 0-1: unbounded, or bounded with this capacity.
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

/// Priorities are `0..PRIOS`.
const PRIOS: u8 = 8;

/// Which comparison of a poisoned push panics, indexed by `arg / 8`.
const PANIC_ATS: [usize; 4] = [1, 2, 4, 8];

/// Items made and not yet dropped, on every thread.
static LIVE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Comparisons made on this thread since the last reset.
    static COMPARISONS: Cell<usize> = const { Cell::new(0) };
    /// Which comparison of this thread (counted by `COMPARISONS`) panics if it involves a
    /// poisoned item; 0: none.
    static PANIC_AT: Cell<usize> = const { Cell::new(0) };
    /// Poisoned items dropped on this thread.
    static POISON_DROPS: Cell<usize> = const { Cell::new(0) };
    /// A panic is expected on this thread: the panic hook stays quiet.
    static EXPECTING_PANIC: Cell<bool> = const { Cell::new(false) };
}

fn producer(id: u32) -> u32 {
    id >> 16
}

fn sequence(id: u32) -> u32 {
    id & 0xffff
}

/// The payload of a poisoned comparison's panic.
struct Poisoned;

/// An item: only `prio` orders it; `id` tells equal items apart.
struct Item {
    prio: u8,
    id: Box<u32>,
    poison: bool,
}

impl Item {
    fn new(prio: u8, id: u32, poison: bool) -> Item {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Item {
            prio,
            id: Box::new(id),
            poison,
        }
    }

    fn key(&self) -> Key {
        (self.prio, *self.id)
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        let before = LIVE.fetch_sub(1, Ordering::Relaxed);
        assert!(before > 0, "more items dropped than made");
        if self.poison {
            POISON_DROPS.with(|d| d.set(d.get() + 1));
        }
    }
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Item{:?}", self.key())?;
        if self.poison {
            write!(f, "(poisoned)")?;
        }
        Ok(())
    }
}

impl Ord for Item {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        let n = COMPARISONS.with(|c| {
            c.set(c.get() + 1);
            c.get()
        });
        if (self.poison || other.poison) && PANIC_AT.with(Cell::get) == n {
            panic::panic_any(Poisoned);
        }
        self.prio.cmp(&other.prio)
    }
}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}

impl Eq for Item {}

/// A scattered priority for the item with this id (a multiplicative hash).
fn scattered(id: u32) -> u8 {
    (id.wrapping_mul(0x9E37_79B9) >> 29) as u8 % PRIOS
}

/// The priorities of a bulk push, indexed by `arg / 8`.
#[derive(Debug, Clone, Copy)]
enum Pattern {
    Scattered,
    Equal,
    Ascending,
    Descending,
}

const PATTERNS: [Pattern; 4] = [
    Pattern::Scattered,
    Pattern::Equal,
    Pattern::Ascending,
    Pattern::Descending,
];

impl Pattern {
    /// The priority of the `i`-th item of a bulk operation whose id is `id`.
    fn prio(self, i: usize, id: u32) -> u8 {
        match self {
            Pattern::Scattered => scattered(id),
            Pattern::Equal => 3,
            Pattern::Ascending => (i % usize::from(PRIOS)) as u8,
            Pattern::Descending => PRIOS - 1 - (i % usize::from(PRIOS)) as u8,
        }
    }
}

/// The optional shared clock (see the module doc).
#[derive(Clone, Copy)]
struct Clock<'a>(Option<&'a AtomicU64>);

impl Clock<'_> {
    fn now(self) -> u64 {
        self.0.map_or(0, |c| c.fetch_add(1, Ordering::SeqCst))
    }
}

/// How a push ended, whatever its kind, with the item handed back as its key.
#[derive(Debug, Clone, Copy)]
enum Pushed {
    Ok,
    Closed(Key),
    /// `Full` or `Timeout`: no room in a bounded queue.
    NoRoom(Key),
}

/// A successful push or pop, with its clock readings (0 without the clock).
#[derive(Debug, Clone, Copy)]
struct Op {
    key: Key,
    start: u64,
    end: u64,
}

/// A successful push or pop, in one worker's program order.
#[derive(Clone, Copy)]
enum Event {
    Push(Key),
    Pop(Key),
}

/// Installs (once) a panic hook that stays quiet while the panicking thread expects a
/// panic and otherwise calls the previous one: libfuzzer-sys's, which aborts the process
/// on any panic, before `catch_unwind` could catch it. Per thread, so a worker expecting
/// its poisoned comparison's panic never silences another thread's failure.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let fuzzer_hook = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !EXPECTING_PANIC.with(Cell::get) {
                fuzzer_hook(info);
            }
        }));
    });
}

/// Runs `f`, catching a panic, with the panic hook quiet for this thread.
fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Box<dyn Any + Send>> {
    EXPECTING_PANIC.with(|e| e.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    EXPECTING_PANIC.with(|e| e.set(false));
    result
}

/// A panic payload, for messages.
fn describe(payload: &(dyn Any + Send)) -> String {
    if payload.is::<Poisoned>() {
        "a poisoned comparison".to_string()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with an unknown payload".to_string()
    }
}

/// One worker's script and what it saw.
struct Worker<'a> {
    id: u32,
    ops: Vec<u8>,
    queue: &'a PriorityQueue<Item>,
    clock: Clock<'a>,
    /// Whether a blocking `push` always returns (unbounded, or a drainer runs).
    may_block: bool,
    /// Push attempts so far (the low half of the next item's id).
    attempts: u32,
    /// Pushes that returned `Ok`.
    pushed: Vec<Op>,
    /// Ids of items handed back by failed pushes.
    rejected: Vec<u32>,
    /// Ids of poisoned items whose push panicked.
    abandoned: Vec<u32>,
    /// Items this worker popped, in order.
    popped: Vec<Op>,
    /// This worker's successful pushes and pops, in order.
    events: Vec<Event>,
    /// How many of this worker's `close` calls returned `true`.
    closes_won: usize,
    /// This worker knows the queue is closed.
    seen_closed: bool,
    /// This worker saw a pop report closed and drained.
    seen_drained: bool,
}

impl Worker<'_> {
    fn item(&mut self, prio: impl FnOnce(u32) -> u8, poison: bool) -> Item {
        let id = self.id << 16 | self.attempts;
        self.attempts += 1;
        Item::new(prio(id), id, poison)
    }

    /// One push of `kind` (0 blocking, 1 `try_push`, 2 `push_timeout`, 3
    /// `push_deadline`, the last two waiting `timeout`); the blocking push falls back
    /// to `try_push` where it could park forever.
    fn attempt(&self, kind: usize, item: Item, timeout: Duration) -> Pushed {
        let queue = self.queue;
        match kind {
            0 if self.may_block => match queue.push(item) {
                Ok(()) => Pushed::Ok,
                Err(Closed(back)) => Pushed::Closed(back.key()),
            },
            0 | 1 => match queue.try_push(item) {
                Ok(()) => Pushed::Ok,
                Err(TryPushError::Closed(back)) => Pushed::Closed(back.key()),
                Err(TryPushError::Full(back)) => Pushed::NoRoom(back.key()),
            },
            _ => {
                let got = if kind == 2 {
                    queue.push_timeout(item, timeout)
                } else {
                    queue.push_deadline(item, Instant::now() + timeout)
                };
                match got {
                    Ok(()) => Pushed::Ok,
                    Err(PushTimeoutError::Closed(back)) => Pushed::Closed(back.key()),
                    Err(PushTimeoutError::Timeout(back)) => Pushed::NoRoom(back.key()),
                }
            }
        }
    }

    /// Checks and records how a push of `key` ended.
    fn record_push(&mut self, key: Key, outcome: Pushed, start: u64, end: u64) {
        match outcome {
            Pushed::Ok => {
                assert!(
                    !self.seen_closed,
                    "a push succeeded after this thread saw Closed"
                );
                self.pushed.push(Op { key, start, end });
                self.events.push(Event::Push(key));
            }
            Pushed::Closed(back) => {
                assert_eq!(back, key, "a failed push must hand back its own item");
                assert!(self.queue.is_closed(), "push said Closed on an open queue");
                self.seen_closed = true;
                self.rejected.push(key.1);
            }
            Pushed::NoRoom(back) => {
                assert_eq!(back, key, "a failed push must hand back its own item");
                assert!(
                    self.queue.capacity().is_some(),
                    "an unbounded queue said Full/Timeout"
                );
                assert!(!self.seen_closed, "a push said Full/Timeout after Closed");
                self.rejected.push(key.1);
            }
        }
    }

    /// Pushes a fresh item of priority `prio` with a push of `kind`.
    fn push(&mut self, kind: usize, prio: impl FnOnce(u32) -> u8, timeout: Duration) {
        let item = self.item(prio, false);
        let key = item.key();
        let start = self.clock.now();
        let outcome = self.attempt(kind, item, timeout);
        let end = self.clock.now();
        self.record_push(key, outcome, start, end);
    }

    /// Pushes a fresh poisoned item whose comparison number `panic_at` panics.
    fn poison_push(&mut self, kind: usize, panic_at: usize, timeout: Duration) {
        let item = self.item(scattered, true);
        let key = item.key();
        let drops_before = POISON_DROPS.with(Cell::get);
        COMPARISONS.with(|c| c.set(0));
        PANIC_AT.with(|p| p.set(panic_at));
        let start = self.clock.now();
        let got = catch(|| self.attempt(kind, item, timeout));
        let end = self.clock.now();
        PANIC_AT.with(|p| p.set(0));
        let compared = COMPARISONS.with(Cell::get);
        match got {
            Ok(outcome) => {
                assert!(
                    compared < panic_at,
                    "{compared} comparisons, but comparison {panic_at} did not panic"
                );
                if !matches!(outcome, Pushed::Ok) {
                    // Refusals come before the comparisons; a push that compared links.
                    assert_eq!(compared, 0, "a refused push ({outcome:?}) compared");
                }
                self.record_push(key, outcome, start, end);
            }
            Err(payload) => {
                assert!(
                    payload.is::<Poisoned>(),
                    "a poisoned push panicked with something else: {}",
                    describe(&*payload)
                );
                assert_eq!(compared, panic_at, "the panic came from another comparison");
                assert_eq!(
                    POISON_DROPS.with(Cell::get) - drops_before,
                    1,
                    "the refused poisoned item must be dropped exactly once, before the \
                     panic reaches the caller"
                );
                assert!(
                    !self.seen_closed,
                    "a push compared after this thread saw the queue closed"
                );
                self.abandoned.push(key.1);
            }
        }
    }

    /// Records the outcome of a pop: an item, `Ok(None)` for "empty" or a timeout, or
    /// `Err(())` for "closed and drained". Returns whether it got an item.
    fn popped(&mut self, result: Result<Option<Item>, ()>, start: u64, end: u64) -> bool {
        match result {
            Ok(Some(item)) => {
                assert!(!self.seen_drained, "an item was popped after Closed");
                let key = item.key();
                drop(item);
                self.popped.push(Op { key, start, end });
                self.events.push(Event::Pop(key));
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
        let start = self.clock.now();
        let got = self.queue.try_pop();
        let end = self.clock.now();
        let result = match got {
            Ok(item) => Ok(Some(item)),
            Err(TryPopError::Empty) => Ok(None),
            Err(TryPopError::Closed) => Err(()),
        };
        self.popped(result, start, end)
    }

    fn run(&mut self) {
        let queue = self.queue;
        for op in std::mem::take(&mut self.ops) {
            let arg = usize::from(op / 8);
            let n = COUNTS[arg % 8];
            let pattern = PATTERNS[arg / 8];
            match op % 8 {
                0 => {
                    let prio = (arg / 4) as u8;
                    self.push(arg % 4, |_| prio, TIMEOUTS[usize::from(prio) % 4]);
                }
                1 => {
                    for i in 0..n {
                        self.push(0, |id| pattern.prio(i, id), Duration::ZERO);
                    }
                }
                2 => {
                    self.try_pop();
                }
                3 => {
                    let timeout = TIMEOUTS[arg % 4];
                    let start = self.clock.now();
                    let got = if arg / 4 % 2 == 0 {
                        queue.pop_timeout(timeout)
                    } else {
                        queue.pop_deadline(Instant::now() + timeout)
                    };
                    let end = self.clock.now();
                    let result = match got {
                        Ok(item) => Ok(Some(item)),
                        Err(PopTimeoutError::Timeout) => Ok(None),
                        Err(PopTimeoutError::Closed) => Err(()),
                    };
                    self.popped(result, start, end);
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
                    let mut iter = queue.try_iter();
                    for _ in 0..n {
                        let start = self.clock.now();
                        let next = iter.next();
                        let end = self.clock.now();
                        match next {
                            Some(item) => self.popped(Ok(Some(item)), start, end),
                            None => break,
                        };
                    }
                }
                6 => {
                    // Push-then-pop rounds: the deleted prefix grows and gets removed
                    // while pushes search and link behind it.
                    for i in 0..n {
                        self.push(0, |id| pattern.prio(i, id), Duration::ZERO);
                        self.try_pop();
                    }
                }
                _ => {
                    // Mostly a look at the queue; sometimes a poisoned push or a close.
                    let panic_at = PANIC_ATS[arg / 8];
                    match arg % 8 {
                        4 => self.poison_push(1, panic_at, Duration::ZERO),
                        5 => self.poison_push(2, panic_at, TIMEOUTS[arg / 8]),
                        6 => self.poison_push(0, panic_at, Duration::ZERO),
                        7 => {
                            self.closes_won += usize::from(queue.close());
                            self.seen_closed = true;
                        }
                        _ => {}
                    }
                    if self.seen_closed {
                        assert!(queue.is_closed(), "a closed queue reopened");
                    }
                    if let Some(cap) = queue.capacity() {
                        assert!(queue.len() <= cap, "len above the capacity");
                    }
                }
            }
        }
    }
}

/// Asserts priority order among the items one worker both pushed and popped itself. If
/// it pushed `x`, then popped `y`, then popped `x`, `x` was in the queue throughout the
/// pop of `y` (nobody else can have taken it), so that pop had to return `x` or
/// something smaller: `y`'s priority is at most `x`'s, and if `y` is also this worker's
/// (so its place in the push order is known) and of equal priority, it was pushed first.
fn assert_order_own(w: &Worker) {
    let own_popped: HashSet<u32> = w
        .popped
        .iter()
        .map(|op| op.key.1)
        .filter(|&id| producer(id) == w.id)
        .collect();
    // The worker's own items pushed so far that it pops later: `(priority, id)`, and
    // ids grow with the push order.
    let mut present: BTreeSet<Key> = BTreeSet::new();
    for &event in &w.events {
        match event {
            Event::Push(key) if own_popped.contains(&key.1) => {
                present.insert(key);
            }
            Event::Push(_) => {}
            Event::Pop(key) => {
                let own = producer(key.1) == w.id;
                if own {
                    assert!(
                        present.remove(&key),
                        "own item {key:?} popped before pushed"
                    );
                }
                if let Some(&first) = present.first() {
                    assert!(
                        first.0 >= key.0,
                        "worker {}: popped {key:?} while its own smaller item {first:?} was \
                         in the queue throughout: priority order broken",
                        w.id
                    );
                    assert!(
                        !(own && first.0 == key.0 && first.1 < key.1),
                        "worker {}: popped its own {key:?} while its older equal item \
                         {first:?} was in the queue throughout: FIFO among equals broken",
                        w.id
                    );
                }
            }
        }
    }
    assert!(
        present.is_empty(),
        "worker {}: own items never popped",
        w.id
    );
}

/// Asserts the order of the final drain (nothing else running): priorities never
/// decrease; among equal priorities, each producer's items come in its push order, and
/// with the clock, an item whose push returned before another's began comes first.
fn assert_final_order(rest: &[Op], pushes: &HashMap<u32, Op>, clocked: bool) {
    for pair in rest.windows(2) {
        assert!(
            pair[0].key.0 <= pair[1].key.0,
            "final drain: {:?} before the smaller {:?}: priority order broken",
            pair[0].key,
            pair[1].key
        );
    }
    let mut last: HashMap<(u32, u8), u32> = HashMap::new();
    for op in rest {
        let (prio, id) = op.key;
        if let Some(previous) = last.insert((producer(id), prio), id) {
            assert!(
                sequence(previous) < sequence(id),
                "final drain: {:?} after the newer equal item {:?} of the same producer: \
                 FIFO among equals broken",
                op.key,
                (prio, previous)
            );
        }
    }
    if clocked {
        // Walking back: the earliest push end among the later items of each priority.
        let mut earliest_end_after: [Option<(u64, Key)>; PRIOS as usize] = [None; PRIOS as usize];
        for op in rest.iter().rev() {
            let push = pushes[&op.key.1];
            let slot = &mut earliest_end_after[usize::from(op.key.0)];
            if let Some((end, later)) = *slot {
                assert!(
                    end > push.start,
                    "final drain: {:?} came before {later:?}, of equal priority, whose push \
                     returned before {:?}'s began: FIFO among equals broken",
                    op.key,
                    op.key
                );
            }
            if slot.is_none_or(|(end, _)| push.end < end) {
                *slot = Some((push.end, op.key));
            }
        }
    }
}

/// With the clock: for every pop of `y`, no `x` with a smaller priority, and no `x` of
/// equal priority whose push returned before `y`'s push began, was certainly in the
/// queue throughout the pop: pushed (returned) before the pop began, and popped by a
/// pop that began after it returned. A sweep over the pops by how early such an `x`
/// must have been pushed keeps, per priority, the latest pop start of the items pushed
/// so far; `pops` has every popped item once (conservation is checked before).
fn assert_realtime_order(pushes: &HashMap<u32, Op>, pops: &[Op]) {
    let pop_of: HashMap<u32, &Op> = pops.iter().map(|op| (op.key.1, op)).collect();
    // Items by push end, with their pop's start.
    let mut items: Vec<(u64, Key, u64)> = pushes
        .values()
        .map(|push| (push.end, push.key, pop_of[&push.key.1].start))
        .collect();
    items.sort_unstable();
    // Queries: (threshold, equal priority?, the pop). Items pushed (returned) before
    // the threshold were present when the pop began, and (for the equal-priority query)
    // pushed before the popped item's push began, so earlier in the FIFO order.
    let mut queries: Vec<(u64, bool, &Op)> = Vec::with_capacity(pops.len() * 2);
    for pop in pops {
        let push = pushes[&pop.key.1];
        queries.push((pop.start, false, pop));
        queries.push((pop.start.min(push.start), true, pop));
    }
    queries.sort_unstable_by_key(|&(threshold, equal, pop)| (threshold, equal, pop.key));
    // Per priority: the latest pop start among the items added so far, and that item.
    let mut latest: [Option<(u64, Key)>; PRIOS as usize] = [None; PRIOS as usize];
    let mut next = 0;
    for (threshold, equal, pop) in queries {
        while next < items.len() && items[next].0 < threshold {
            let (_, key, pop_start) = items[next];
            let slot = &mut latest[usize::from(key.0)];
            if slot.is_none_or(|(start, _)| pop_start > start) {
                *slot = Some((pop_start, key));
            }
            next += 1;
        }
        let prio = usize::from(pop.key.0);
        let range = if equal { prio..prio + 1 } else { 0..prio };
        for slot in &latest[range] {
            if let Some((start, x)) = *slot {
                assert!(
                    start < pop.end,
                    "{:?} was popped (clock {}..{}) while {x:?} was in the queue \
                     throughout (pushed before that pop began, popped from clock {start}): \
                     {}",
                    pop.key,
                    pop.start,
                    pop.end,
                    if equal {
                        "equal priority and pushed earlier: FIFO among equals broken"
                    } else {
                        "smaller priority: priority order broken"
                    }
                );
            }
        }
    }
}

/// Runs the deferred frees of the nodes this input retired (crossbeam-epoch, parkq's
/// reclamation backend), so that an input frees what it allocated: libFuzzer runs a
/// slow LeakSanitizer pass after every input that allocates more than it frees. Each
/// flush may advance the global epoch by one; a bag of garbage is freed two epochs
/// after it was sealed. The other threads have exited (their garbage went to the
/// global queue).
fn collect_garbage() {
    for _ in 0..8 {
        crossbeam_epoch::pin().flush();
    }
}

fuzz_target!(|data: &[u8]| {
    install_panic_hook();
    let Some((&setup, script)) = data.split_first() else {
        return;
    };
    assert_eq!(
        LIVE.load(Ordering::Relaxed),
        0,
        "items alive before the input started"
    );
    let cap = CAPACITIES[usize::from(setup & 0b11)];
    let workers = if setup & 0b100 == 0 { 2 } else { 3 };
    let drainer = setup & 0b1000 != 0;
    let join_first = drainer && setup & 0b1_0000 != 0;
    let final_drain = (setup >> 5) & 0b11;
    let counter = AtomicU64::new(1);
    let clocked = setup & 0x80 != 0;
    let clock = Clock(clocked.then_some(&counter));

    let queue: PriorityQueue<Item> = cap.map_or_else(PriorityQueue::new, PriorityQueue::bounded);
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
            clock,
            may_block: cap.is_none() || drainer,
            attempts: 0,
            pushed: Vec::new(),
            rejected: Vec::new(),
            abandoned: Vec::new(),
            popped: Vec::new(),
            events: Vec::new(),
            closes_won: 0,
            seen_closed: false,
            seen_drained: false,
        })
        .collect();

    let mut closes_won = 0;
    let drained: Vec<Op> = thread::scope(|s| {
        let drainer = drainer.then(|| {
            s.spawn(|| {
                let mut got = Vec::new();
                loop {
                    let start = clock.now();
                    let item = queue.pop();
                    let end = clock.now();
                    let Some(item) = item else {
                        break;
                    };
                    got.push(Op {
                        key: item.key(),
                        start,
                        end,
                    });
                    drop(item);
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
    // thread touches it, so `len` is exact.
    assert!(queue.is_closed());
    let remaining = queue.len();
    assert_eq!(queue.is_empty(), remaining == 0);
    assert_eq!(queue.is_full(), cap == Some(remaining));
    if let Some(cap) = cap {
        assert!(remaining <= cap, "len above the capacity");
    }
    let rejected = || Item::new(0, u32::MAX, false);
    let key = rejected().key();
    assert!(matches!(queue.push(rejected()), Err(Closed(back)) if back.key() == key));
    assert!(matches!(
        queue.try_push(rejected()),
        Err(TryPushError::Closed(back)) if back.key() == key
    ));
    assert!(matches!(
        queue.push_timeout(rejected(), Duration::ZERO),
        Err(PushTimeoutError::Closed(back)) if back.key() == key
    ));
    assert!(matches!(
        queue.push_deadline(rejected(), Instant::now()),
        Err(PushTimeoutError::Closed(back)) if back.key() == key
    ));
    // A poisoned push into the closed queue is refused before any comparison.
    COMPARISONS.with(|c| c.set(0));
    PANIC_AT.with(|p| p.set(1));
    let refused = queue.try_push(Item::new(0, u32::MAX, true));
    PANIC_AT.with(|p| p.set(0));
    assert!(matches!(refused, Err(TryPushError::Closed(_))));
    assert_eq!(
        COMPARISONS.with(Cell::get),
        0,
        "a push into a closed queue compared"
    );
    drop(refused);

    let drain_start = clock.now();
    let rest: Vec<Op> = match final_drain {
        0 | 1 | 3 => {
            let mut rest = Vec::new();
            let mut iter: Box<dyn Iterator<Item = Item>> = if final_drain == 3 {
                Box::new(queue.iter())
            } else {
                Box::new(queue.try_iter())
            };
            loop {
                let start = clock.now();
                let next = iter.next();
                let end = clock.now();
                let Some(item) = next else {
                    break;
                };
                rest.push(Op {
                    key: item.key(),
                    start,
                    end,
                });
            }
            rest
        }
        _ => {
            let items = queue.close_and_drain();
            let end = clock.now();
            items
                .into_iter()
                .map(|item| Op {
                    key: item.key(),
                    start: drain_start,
                    end,
                })
                .collect()
        }
    };
    assert_eq!(rest.len(), remaining, "len before the final drain");
    if final_drain != 2 {
        for _ in &rest {
            queue.task_done();
        }
    }
    assert_eq!(
        queue.try_pop().map(|item| item.key()),
        Err(TryPopError::Closed)
    );
    assert_eq!(
        queue.pop_timeout(Duration::ZERO).map(|item| item.key()),
        Err(PopTimeoutError::Closed)
    );
    assert_eq!(
        queue.pop_deadline(Instant::now()).map(|item| item.key()),
        Err(PopTimeoutError::Closed)
    );
    assert!(queue.pop().is_none());
    assert!(queue.is_empty());
    assert_eq!(queue.len(), 0);

    closes_won += workers.iter().map(|w| w.closes_won).sum::<usize>();
    assert_eq!(closes_won, 1, "exactly one close returns true");

    // Conservation.
    let mut pushes: HashMap<u32, Op> = HashMap::new();
    for w in &workers {
        for push in &w.pushed {
            assert!(
                pushes.insert(push.key.1, *push).is_none(),
                "an id pushed twice"
            );
        }
    }
    let mut all_pops: Vec<Op> = Vec::new();
    let mut popped = HashSet::new();
    let consumers = workers
        .iter()
        .map(|w| (format!("worker {}", w.id), &w.popped))
        .chain([
            ("drainer".to_string(), &drained),
            ("final drain".to_string(), &rest),
        ]);
    for (name, ops) in consumers {
        for op in ops {
            let (prio, id) = op.key;
            assert!(popped.insert(id), "{name}: item {id:#x} popped twice");
            let push = pushes
                .get(&id)
                .unwrap_or_else(|| panic!("{name}: item {id:#x} popped but never pushed"));
            assert_eq!(
                push.key.0, prio,
                "{name}: item {id:#x} changed its priority"
            );
            all_pops.push(*op);
        }
    }
    for w in &workers {
        for id in w.rejected.iter().chain(&w.abandoned) {
            assert!(!popped.contains(id), "refused item {id:#x} was popped");
        }
    }
    for id in pushes.keys() {
        assert!(popped.contains(id), "item {id:#x} pushed but never popped");
    }

    // Order, where it is sound to assert.
    for w in &workers {
        assert_order_own(w);
    }
    assert_final_order(&rest, &pushes, clocked);
    if clocked {
        assert_realtime_order(&pushes, &all_pops);
    }

    // Every item pushed was popped and marked done (pushes that unwound do not count).
    // Last, so that a lost item fails the conservation checks above rather than hanging
    // here.
    queue.join();
    drop(queue);
    assert_eq!(
        LIVE.load(Ordering::Relaxed),
        0,
        "items still alive after the queue is gone"
    );
    collect_garbage();
});
