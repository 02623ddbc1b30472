//! Single-threaded model check of `parkq::PriorityQueue` against a `BTreeMap`.
//!
//! # Decoding
//!
//! The first byte picks the queue: `byte % 9 == 0` an unbounded one
//! (`PriorityQueue::default()` if `byte >= 128`, else `PriorityQueue::new()`), otherwise
//! `PriorityQueue::bounded(byte % 9)`, a capacity of 1..=8 (an empty input is skipped).
//! Every later byte is one operation: its high nibble picks the operation (see
//! [`Op::decode`]), its low nibble `arg` is a small argument. A single push takes its
//! kind from `arg % 4` (blocking `push`, `try_push`, `push_timeout` with a zero timeout,
//! `push_deadline` with a deadline of "now") and its priority from `arg / 4` (0..=3 for
//! high nibble 0, 4..=7 for high nibble 1). The bulk operations (push *n*, pop *n*, the
//! iterators, push-then-pop rounds) take *n* from [`COUNTS`], up to 200, and a bulk push
//! gives its items the priorities of a [`Pattern`]: scattered, all equal, ascending or
//! descending. Priorities are 0..=7 ([`PRIOS`]), so ties are frequent.
//!
//! Items are an [`Item`]: a priority, a unique id (a `Box<u32>` from a counter that
//! increases with every item made, so AddressSanitizer/LeakSanitizer, cargo-fuzz's
//! default, see an item dropped twice or never) and a `poison` flag. `Ord` and `Eq`
//! compare the priority only, so items of equal priority are distinct but compare equal:
//! that is what tests stability (FIFO among equal items). The assertions compare
//! [`Key`]s, `(priority, id)`, never items with `==` (which would ignore the id). A
//! thread-local count of live items (made and not yet dropped) must equal the model's
//! length after every operation and be zero at the end, so an item dropped twice, never
//! or at the wrong time is caught even where the sanitizers would not look.
//!
//! After the last operation the queue is dropped with its items inside, consumed with
//! `into_iter`, or partly consumed with `into_iter` and the iterator dropped with the
//! rest, chosen by the input length modulo 3.
//!
//! # The poisoned push
//!
//! High nibble 14 pushes a *poisoned* item (push kind `arg % 4`): while the push runs,
//! comparison number [`PANIC_ATS`]`[arg / 4]` (1, 2, 4 or 8, counted from the start of
//! the push) panics if either side is poisoned, and every comparison of that push
//! involves its own item. Outside that push a poisoned item compares normally (it is
//! armed only while its own push runs), so one that got in is an ordinary item from
//! then on. The model decides the outcome exactly, from what `src/priority.rs` does (a
//! push compares only with items still in the queue: deleted nodes are skipped without
//! calling `Ord`, see `compare` and the level-0 walk in `link`; the crate's own test
//! `a_push_into_an_empty_queue_never_compares` pins this down):
//!
//! - closed, or bounded and full: refused before any comparison (`Closed` takes
//!   precedence over `Full`), so no comparison, no panic, and the item comes back;
//! - open with room and empty (also when it still holds popped nodes not yet removed):
//!   nothing to compare with, so no comparison, no panic, and the push succeeds;
//! - open with room and at least one item: the push must compare at least once (it has
//!   to place the item). With the first comparison armed, it must panic; with a later
//!   one it may also finish first (how many comparisons a push makes depends on the skip
//!   list's towers), and then the item is in the queue as any other. After a panic the
//!   queue is unchanged (the model is not touched, and `len`, `is_full` and every later
//!   result must still agree), the poisoned item was dropped exactly once, before the
//!   panic reached the caller (the live count drops by one), and nothing else was
//!   dropped.
//!
//! A blocking push of a poisoned item is skipped where it would park forever, as any
//! blocking push. After every poisoned push, if the model says every pushed item is done,
//! `join` must return at once: a push that unwound was not counted as pushed. Later
//! `close` calls must not wait for it either (they would hang, reported by `-timeout`).
//!
//! # What is asserted
//!
//! After every operation the queue agrees with the model: the exact result of the call
//! (the key popped, smallest priority first and oldest first among equal priorities;
//! `Ok`; or the error `Full`/`Closed`/`Timeout`/`Empty` with the very item handed back),
//! `len`, `is_empty`, `is_full`, `is_closed`, `capacity`, and the live count. An
//! unbounded queue never reports `Full` or a push `Timeout`. Bulk operations check every
//! single result, and `len` after each step. `close` returns `true` only the first time;
//! `close_and_drain` returns the model's items in priority order and counts them as
//! done. `task_done` succeeds while the model has more popped than done items; one call
//! too many must panic with its message (caught with `catch_unwind`, the panic hook
//! silenced for this thread) and leave the count unchanged. `join` is only called when
//! the model says every pushed item is done, so it must return at once. At the end,
//! `into_iter` reports the exact count left (`size_hint` and `len`, after every step)
//! and yields the model's items in priority order; once the queue is gone, no item is
//! alive.
//!
//! The target is single-threaded, so it never issues a call that would park forever: no
//! blocking `push` on a full open bounded queue, no blocking `pop` (nor a blocking
//! `iter` step) on an empty open queue. Timed operations use a zero timeout or a
//! deadline of "now", which still makes one attempt.
#![no_main]

use std::any::Any;
use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use parkq::{Closed, PopTimeoutError, PriorityQueue, PushTimeoutError, TryPopError, TryPushError};

/// What the assertions compare: an item's priority and its unique id.
type Key = (u8, u32);

/// Priorities are `0..PRIOS`.
const PRIOS: u8 = 8;

/// How many items a bulk operation handles, indexed by the low nibble: every count up to
/// 9 (the largest capacity is 8), then longer runs (a pop walks past 32 deleted nodes
/// before it removes them, so a few bytes reach the removal of the deleted prefix).
const COUNTS: [usize; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 24, 32, 64, 100, 200];

/// Which comparison of a poisoned push panics, indexed by `arg / 4`.
const PANIC_ATS: [usize; 4] = [1, 2, 4, 8];

thread_local! {
    /// Items made and not yet dropped.
    static LIVE: Cell<usize> = const { Cell::new(0) };
    /// Comparisons since the last reset.
    static COMPARISONS: Cell<usize> = const { Cell::new(0) };
    /// Which comparison (counted by `COMPARISONS`) panics if it involves a poisoned
    /// item; 0: none.
    static PANIC_AT: Cell<usize> = const { Cell::new(0) };
    /// A panic is expected on this thread: the panic hook stays quiet.
    static EXPECTING_PANIC: Cell<bool> = const { Cell::new(false) };
}

fn live() -> usize {
    LIVE.with(Cell::get)
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
        LIVE.with(|live| live.set(live.get() + 1));
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
        LIVE.with(|live| {
            assert!(live.get() > 0, "more items dropped than made");
            live.set(live.get() - 1);
        });
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
    fn cmp(&self, other: &Self) -> Ordering {
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
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Item {}

/// A scattered priority for the item with this id (a multiplicative hash).
fn scattered(id: u32) -> u8 {
    (id.wrapping_mul(0x9E37_79B9) >> 29) as u8 % PRIOS
}

/// The priorities of a bulk push.
#[derive(Debug, Clone, Copy)]
enum Pattern {
    /// A hash of the item's id.
    Scattered,
    /// All 3: only stability decides the order.
    Equal,
    /// 0, 1, ..., 7, 0, ...: each item goes after the last (or near it).
    Ascending,
    /// 7, 6, ..., 0, 7, ...: each item goes in front (or near it).
    Descending,
    /// All 0: always at the front, behind older 0s.
    Min,
}

impl Pattern {
    /// The priority of the `i`-th item of a bulk operation whose id is `id`.
    fn prio(self, i: usize, id: u32) -> u8 {
        match self {
            Pattern::Scattered => scattered(id),
            Pattern::Equal => 3,
            Pattern::Ascending => (i % usize::from(PRIOS)) as u8,
            Pattern::Descending => PRIOS - 1 - (i % usize::from(PRIOS)) as u8,
            Pattern::Min => 0,
        }
    }
}

/// Makes items with fresh ids.
struct Maker {
    next: u32,
}

impl Maker {
    fn item(&mut self, prio: impl FnOnce(u32) -> u8, poison: bool) -> Item {
        self.next += 1;
        Item::new(prio(self.next), self.next, poison)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum PushKind {
    Push,
    TryPush,
    PushTimeout,
    PushDeadline,
}

impl PushKind {
    fn decode(arg: usize) -> PushKind {
        [
            PushKind::Push,
            PushKind::TryPush,
            PushKind::PushTimeout,
            PushKind::PushDeadline,
        ][arg % 4]
    }
}

#[derive(Debug, Clone, Copy)]
enum PopKind {
    Pop,
    TryPop,
    PopTimeout,
    PopDeadline,
}

/// One decoded operation.
#[derive(Debug, Clone, Copy)]
enum Op {
    Push {
        kind: PushKind,
        prio: u8,
    },
    /// `n` `try_push`es in a row (going on past `Full`/`Closed`).
    PushMany(usize, Pattern),
    /// The same pop, `times` times.
    Pops {
        kind: PopKind,
        times: usize,
    },
    /// `n` `try_pop`s in a row (going on past `Empty`/`Closed`).
    PopMany(usize),
    Close,
    CloseAndDrain,
    TaskDone,
    /// `try_iter().take(n)`.
    TryIter(usize),
    /// `iter().take(n)`, the blocking iterator.
    Iter(usize),
    Join,
    /// `task_done` for every popped item not yet done, then `join`.
    FinishAndJoin,
    /// `n` rounds of one `try_push` then one `try_pop`: the deleted prefix grows while
    /// the length stays put, and the new item lands behind it (or is taken at once).
    Cycle(usize, Pattern),
    /// A push of a poisoned item (see the module doc).
    PoisonPush {
        kind: PushKind,
        panic_at: usize,
    },
}

impl Op {
    fn decode(byte: u8) -> Op {
        let arg = usize::from(byte & 0x0f);
        let n = COUNTS[arg];
        let kind = PushKind::decode(arg);
        let quarter = (arg / 4) as u8;
        match byte >> 4 {
            0 => Op::Push {
                kind,
                prio: quarter,
            },
            1 => Op::Push {
                kind,
                prio: 4 + quarter,
            },
            2 => Op::PushMany(n, Pattern::Scattered),
            3 => Op::PushMany(n, Pattern::Equal),
            4 => Op::PushMany(n, Pattern::Ascending),
            5 => Op::PushMany(n, Pattern::Descending),
            6 => Op::Pops {
                kind: [
                    PopKind::Pop,
                    PopKind::TryPop,
                    PopKind::PopTimeout,
                    PopKind::PopDeadline,
                ][arg % 4],
                times: 1 + arg / 4,
            },
            7 => Op::PopMany(n),
            8 if arg < 8 => Op::Close,
            8 => Op::CloseAndDrain,
            9 => Op::TaskDone,
            10 => Op::TryIter(n),
            11 => Op::Iter(n),
            12 => match arg {
                0..=3 => Op::Join,
                4..=7 => Op::FinishAndJoin,
                _ => Op::Cycle(COUNTS[arg - 8], Pattern::Equal),
            },
            13 => Op::Cycle(n, Pattern::Scattered),
            14 => Op::PoisonPush {
                kind,
                panic_at: PANIC_ATS[arg / 4],
            },
            _ => Op::Cycle(n, Pattern::Min),
        }
    }
}

/// What the queue should hold and have counted.
struct Model {
    /// `(priority, push order)` to id: the first entry is the next pop.
    items: BTreeMap<(u8, u64), u32>,
    /// The push order of the next accepted item.
    next_seq: u64,
    cap: Option<usize>,
    closed: bool,
    pushed: usize,
    popped: usize,
    done: usize,
}

impl Model {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn is_full(&self) -> bool {
        self.cap.is_some_and(|cap| self.len() >= cap)
    }

    /// Takes the smallest item (the oldest among equal ones), counting it as popped.
    fn pop(&mut self) -> Option<Key> {
        let ((prio, _), id) = self.items.pop_first()?;
        self.popped += 1;
        Some((prio, id))
    }

    /// What `try_pop` should return, applied to the model.
    fn try_pop(&mut self) -> Result<Key, TryPopError> {
        match self.pop() {
            Some(key) => Ok(key),
            None if self.closed => Err(TryPopError::Closed),
            None => Err(TryPopError::Empty),
        }
    }

    /// What a timed pop with a zero timeout should return, applied to the model.
    fn pop_timeout(&mut self) -> Result<Key, PopTimeoutError> {
        match self.pop() {
            Some(key) => Ok(key),
            None if self.closed => Err(PopTimeoutError::Closed),
            None => Err(PopTimeoutError::Timeout),
        }
    }

    /// Accepts `key` if the queue is open and has room, as a successful push does.
    fn push(&mut self, key: Key) {
        assert!(!self.closed && !self.is_full());
        self.items.insert((key.0, self.next_seq), key.1);
        self.next_seq += 1;
        self.pushed += 1;
    }

    /// What a push of `kind` should return (with a zero timeout or a "now" deadline),
    /// not yet applied; `None` for a blocking push that would park forever.
    fn expected_push(&self, kind: PushKind, key: Key) -> Option<Pushed> {
        if self.closed {
            return Some(Pushed::Closed(key));
        }
        if !self.is_full() {
            return Some(Pushed::Ok);
        }
        match kind {
            PushKind::Push => None,
            PushKind::TryPush => Some(Pushed::Full(key)),
            PushKind::PushTimeout | PushKind::PushDeadline => Some(Pushed::Timeout(key)),
        }
    }

    /// Takes every item out, in priority order.
    fn drain(&mut self) -> Vec<Key> {
        let keys: Vec<Key> = std::mem::take(&mut self.items)
            .into_iter()
            .map(|((prio, _), id)| (prio, id))
            .collect();
        self.popped += keys.len();
        keys
    }
}

/// A push's result, any kind, with the item handed back replaced by its key.
#[derive(Debug, PartialEq, Clone, Copy)]
enum Pushed {
    Ok,
    Closed(Key),
    Full(Key),
    Timeout(Key),
}

/// Pushes `item` with a push of `kind`: zero timeout, deadline "now".
fn push_kind(queue: &PriorityQueue<Item>, kind: PushKind, item: Item) -> Pushed {
    match kind {
        PushKind::Push => match queue.push(item) {
            Ok(()) => Pushed::Ok,
            Err(Closed(back)) => Pushed::Closed(back.key()),
        },
        PushKind::TryPush => match queue.try_push(item) {
            Ok(()) => Pushed::Ok,
            Err(TryPushError::Closed(back)) => Pushed::Closed(back.key()),
            Err(TryPushError::Full(back)) => Pushed::Full(back.key()),
        },
        PushKind::PushTimeout | PushKind::PushDeadline => {
            let got = if kind == PushKind::PushTimeout {
                queue.push_timeout(item, Duration::ZERO)
            } else {
                queue.push_deadline(item, Instant::now())
            };
            match got {
                Ok(()) => Pushed::Ok,
                Err(PushTimeoutError::Closed(back)) => Pushed::Closed(back.key()),
                Err(PushTimeoutError::Timeout(back)) => Pushed::Timeout(back.key()),
            }
        }
    }
}

/// Installs (once) a panic hook that stays quiet while this thread expects a panic and
/// otherwise calls the previous one: libfuzzer-sys's, which aborts the process on any
/// panic, before `catch_unwind` could catch it.
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

/// Runs the deferred frees of the nodes this input retired (crossbeam-epoch, parkq's
/// reclamation backend: a popped node is retired once a pop removes the deleted prefix
/// it belongs to), so that an input frees what it allocated. libFuzzer runs a slow
/// LeakSanitizer pass after every input that allocates more than it frees; without this
/// the frees trail into later inputs and nearly every input pays that pass. Each flush
/// may advance the global epoch by one; a bag of garbage is freed two epochs after it
/// was sealed.
fn collect_garbage() {
    for _ in 0..8 {
        crossbeam_epoch::pin().flush();
    }
}

fn check_state(queue: &PriorityQueue<Item>, m: &Model) {
    assert_eq!(queue.len(), m.len(), "len");
    assert_eq!(queue.is_empty(), m.items.is_empty(), "is_empty");
    assert_eq!(queue.is_full(), m.is_full(), "is_full");
    assert_eq!(queue.is_closed(), m.closed, "is_closed");
    assert_eq!(queue.capacity(), m.cap, "capacity");
    assert_eq!(live(), m.len(), "live items: exactly those in the queue");
}

/// One `try_push`, checked against the model.
fn try_push(queue: &PriorityQueue<Item>, m: &mut Model, item: Item) {
    let key = item.key();
    let want = m
        .expected_push(PushKind::TryPush, key)
        .expect("try_push returns");
    assert_eq!(push_kind(queue, PushKind::TryPush, item), want, "try_push");
    if want == Pushed::Ok {
        m.push(key);
    }
}

/// One `try_pop`, checked against the model.
fn try_pop(queue: &PriorityQueue<Item>, m: &mut Model) {
    let want = m.try_pop();
    assert_eq!(queue.try_pop().map(|item| item.key()), want, "try_pop");
}

/// A push of a poisoned item, checked as the module doc says.
fn poison_push(
    queue: &PriorityQueue<Item>,
    m: &mut Model,
    kind: PushKind,
    panic_at: usize,
    item: Item,
) {
    let key = item.key();
    let Some(want) = m.expected_push(kind, key) else {
        // A blocking push on a full open bounded queue: it would park forever.
        return;
    };
    let live_before = live();
    COMPARISONS.with(|c| c.set(0));
    PANIC_AT.with(|p| p.set(panic_at));
    let got = catch(|| push_kind(queue, kind, item));
    PANIC_AT.with(|p| p.set(0));
    let compared = COMPARISONS.with(Cell::get);
    if want != Pushed::Ok || m.items.is_empty() {
        // Refused before any comparison, or nothing to compare with.
        let got = match got {
            Ok(got) => got,
            Err(payload) => panic!(
                "poisoned {kind:?} (refused, or into an empty queue) panicked: {}",
                describe(&*payload)
            ),
        };
        assert_eq!(got, want, "poisoned {kind:?}");
        assert_eq!(
            compared,
            0,
            "poisoned {kind:?}: compared although {}",
            if want == Pushed::Ok {
                "the queue was empty"
            } else {
                "the push was refused"
            }
        );
        if want == Pushed::Ok {
            m.push(key);
        }
    } else {
        // Open, with room, not empty: it must compare, so the first comparison panics.
        assert!(
            compared >= 1,
            "poisoned {kind:?}: no comparison with {} items inside",
            m.len()
        );
        match got {
            Err(payload) => {
                assert!(
                    payload.is::<Poisoned>(),
                    "poisoned {kind:?}: unexpected panic: {}",
                    describe(&*payload)
                );
                assert_eq!(compared, panic_at, "the panic came from another comparison");
                // The queue is unchanged (the model is not touched; `check_state` and
                // every later operation check it) and the item was dropped once.
                assert_eq!(
                    live(),
                    live_before - 1,
                    "the refused poisoned item must be dropped exactly once, and nothing \
                     else"
                );
            }
            Ok(got) => {
                assert!(
                    panic_at > 1 && compared < panic_at,
                    "poisoned {kind:?}: {compared} comparisons but no panic at comparison \
                     {panic_at}"
                );
                assert_eq!(got, Pushed::Ok, "poisoned {kind:?} with room");
                m.push(key);
            }
        }
    }
    // A push that unwound is not counted: with every counted push done, `join` returns.
    if m.done == m.pushed {
        queue.join();
    }
}

fuzz_target!(|data: &[u8]| {
    install_panic_hook();
    let Some((&first, ops)) = data.split_first() else {
        return;
    };
    assert_eq!(live(), 0, "items alive before the input started");
    let cap = match first % 9 {
        0 => None,
        cap => Some(usize::from(cap)),
    };
    let queue: PriorityQueue<Item> = match cap {
        None if first >= 128 => PriorityQueue::default(),
        None => PriorityQueue::new(),
        Some(cap) => PriorityQueue::bounded(cap),
    };
    let mut m = Model {
        items: BTreeMap::new(),
        next_seq: 0,
        cap,
        closed: false,
        pushed: 0,
        popped: 0,
        done: 0,
    };
    let mut maker = Maker { next: 0 };

    for &byte in ops {
        match Op::decode(byte) {
            Op::Push { kind, prio } => {
                let item = maker.item(|_| prio, false);
                let key = item.key();
                // `None`: blocking, and it would park forever on a full open queue.
                let Some(want) = m.expected_push(kind, key) else {
                    continue;
                };
                assert_eq!(push_kind(&queue, kind, item), want, "{kind:?}");
                if want == Pushed::Ok {
                    m.push(key);
                }
            }
            Op::PushMany(n, pattern) => {
                for i in 0..n {
                    try_push(&queue, &mut m, maker.item(|id| pattern.prio(i, id), false));
                    assert_eq!(queue.len(), m.len(), "len within a bulk push");
                }
            }
            Op::Pops { kind, times } => {
                for _ in 0..times {
                    match kind {
                        PopKind::Pop => {
                            // Blocking: on an empty open queue it would park forever.
                            if !m.closed && m.items.is_empty() {
                                break;
                            }
                            assert_eq!(queue.pop().map(|item| item.key()), m.pop(), "pop");
                        }
                        PopKind::TryPop => try_pop(&queue, &mut m),
                        PopKind::PopTimeout | PopKind::PopDeadline => {
                            let want = m.pop_timeout();
                            let got = if matches!(kind, PopKind::PopTimeout) {
                                queue.pop_timeout(Duration::ZERO)
                            } else {
                                queue.pop_deadline(Instant::now())
                            };
                            assert_eq!(got.map(|item| item.key()), want, "{kind:?}");
                        }
                    }
                    assert_eq!(queue.len(), m.len(), "len within repeated pops");
                }
            }
            Op::PopMany(n) => {
                for _ in 0..n {
                    try_pop(&queue, &mut m);
                    assert_eq!(queue.len(), m.len(), "len within a bulk pop");
                }
            }
            Op::Close => {
                assert_eq!(queue.close(), !m.closed, "close returns true only once");
                m.closed = true;
            }
            Op::CloseAndDrain => {
                // Smallest first, oldest first among equal ones.
                let want = m.drain();
                m.done += want.len();
                m.closed = true;
                let got: Vec<Key> = queue
                    .close_and_drain()
                    .into_iter()
                    .map(|item| item.key())
                    .collect();
                assert_eq!(got, want, "close_and_drain");
            }
            Op::TaskDone => {
                if m.done < m.popped {
                    queue.task_done();
                    m.done += 1;
                } else {
                    // One call too many: a panic, and the count stays as it was (the
                    // `Join` and later `TaskDone` operations check that).
                    match catch(|| queue.task_done()) {
                        Ok(()) => panic!("task_done beyond the pops did not panic"),
                        Err(payload) => assert!(
                            describe(&*payload).contains("task_done"),
                            "task_done panicked with: {}",
                            describe(&*payload)
                        ),
                    }
                }
            }
            Op::TryIter(n) => {
                let want: Vec<Key> = (0..n).map_while(|_| m.pop()).collect();
                let got: Vec<Key> = queue.try_iter().take(n).map(|item| item.key()).collect();
                assert_eq!(got, want, "try_iter");
            }
            Op::Iter(n) => {
                // Each step is a blocking pop: only take what is there, unless closed.
                let n = if m.closed { n } else { n.min(m.len()) };
                let want: Vec<Key> = (0..n).map_while(|_| m.pop()).collect();
                let got: Vec<Key> = queue.iter().take(n).map(|item| item.key()).collect();
                assert_eq!(got, want, "iter");
            }
            Op::Join => {
                // Only when it returns at once; otherwise it would park forever.
                if m.done == m.pushed {
                    queue.join();
                }
            }
            Op::FinishAndJoin => {
                for _ in m.done..m.popped {
                    queue.task_done();
                }
                m.done = m.popped;
                if m.items.is_empty() {
                    // Everything pushed was popped and is now done.
                    assert_eq!(m.done, m.pushed);
                    queue.join();
                }
            }
            Op::Cycle(n, pattern) => {
                for i in 0..n {
                    try_push(&queue, &mut m, maker.item(|id| pattern.prio(i, id), false));
                    try_pop(&queue, &mut m);
                }
            }
            Op::PoisonPush { kind, panic_at } => {
                let item = maker.item(scattered, true);
                poison_push(&queue, &mut m, kind, panic_at, item);
            }
        }
        check_state(&queue, &m);
    }

    match data.len() % 3 {
        0 => {
            // Dropping the queue drops the items inside (the live count and LeakSanitizer
            // check that none leaks) and frees every node.
            drop(queue);
        }
        1 => {
            let want = m.drain();
            let mut iter = queue.into_iter();
            assert_eq!(
                iter.size_hint(),
                (want.len(), Some(want.len())),
                "into_iter size_hint"
            );
            for (i, &key) in want.iter().enumerate() {
                assert_eq!(iter.next().map(|item| item.key()), Some(key), "into_iter");
                let left = want.len() - i - 1;
                assert_eq!(iter.size_hint(), (left, Some(left)), "into_iter size_hint");
                assert_eq!(iter.len(), left, "into_iter len");
            }
            assert!(
                iter.next().is_none(),
                "into_iter yielded more than the model holds"
            );
            assert!(iter.next().is_none(), "into_iter is fused");
        }
        _ => {
            // Take half, then drop the iterator with the rest inside.
            let want = m.drain();
            let mut iter = queue.into_iter();
            assert_eq!(iter.len(), want.len(), "into_iter len");
            let half = want.len() / 2;
            let got: Vec<Key> = iter.by_ref().take(half).map(|item| item.key()).collect();
            assert_eq!(got, want[..half], "into_iter");
            assert_eq!(iter.len(), want.len() - half, "into_iter len");
            assert_eq!(live(), want.len() - half, "live items in the iterator");
            drop(iter);
        }
    }
    assert_eq!(live(), 0, "items still alive after the queue is gone");
    collect_garbage();
});
