//! A linearizability checker for parkq's cores, shared by their integration tests.
//!
//! A concurrent history is linearizable if every operation can be given one instant between
//! its invocation and its response such that, taken in the order of those instants, the
//! operations and their results are a legal run of the sequential specification
//! (Herlihy and Wing, 1990). This module has three parts:
//!
//! - [`Recorder`]: threads run operations through it; it stamps each invocation and response
//!   with a ticket from one shared counter, so "A responded before B was invoked" is exactly
//!   `A.response < B.invoke`. No clocks.
//! - [`check`]: the Wing–Gong search with Lowe's memoization. It linearizes one *minimal*
//!   operation at a time (one invoked before every pending response), and remembers every
//!   (set of linearized operations, model state) pair it has already explored, so each
//!   such pair is searched once. That memo turns the exponential search into one that checks
//!   histories of a few hundred operations over 3–4 threads in milliseconds.
//! - [`Model`] and [`QueueModel`]: sequential specifications. `QueueModel` covers every parkq
//!   core with one set of operations and outcomes (push/try/timeout/pop/close, with
//!   full/empty/closed/timeout results) and a [`Discipline`]: [`Fifo`], [`Lifo`] or
//!   [`MinFirst`] (smallest priority first, FIFO among equals).
//!
//! The recorder's shared counter adds happens-before edges between all recorded operations,
//! which would hide memory-ordering bugs: ordering is loom's job (`loom-tests/`), this
//! checker is for the logic of concurrent outcomes.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt::{self, Debug};
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

// ---------------------------------------------------------------------------------------
// Histories

/// One completed operation of a history.
#[derive(Clone, Debug)]
pub struct Event<Op, Ret> {
    /// The thread that ran it (an index chosen by the test).
    pub thread: usize,
    /// What was called, with its argument.
    pub op: Op,
    /// What it returned.
    pub ret: Ret,
    /// Ticket taken just before the call.
    pub invoke: u64,
    /// Ticket taken just after the call returned.
    pub response: u64,
}

/// Records a concurrent history. Shared by reference between the threads of one run.
pub struct Recorder<Op, Ret> {
    /// The next ticket. SeqCst so that tickets follow real time across threads.
    clock: AtomicU64,
    /// Events as they complete (each thread appends its own; order does not matter).
    events: Mutex<Vec<Event<Op, Ret>>>,
}

impl<Op, Ret> Default for Recorder<Op, Ret> {
    fn default() -> Self {
        Recorder {
            clock: AtomicU64::new(0),
            events: Mutex::new(Vec::new()),
        }
    }
}

impl<Op: Clone, Ret> Recorder<Op, Ret> {
    /// Runs `call` as operation `op` of `thread` and records it with its tickets.
    pub fn record(&self, thread: usize, op: Op, call: impl FnOnce() -> Ret) {
        let invoke = self.clock.fetch_add(1, Ordering::SeqCst);
        let ret = call();
        let response = self.clock.fetch_add(1, Ordering::SeqCst);
        self.events.lock().unwrap().push(Event {
            thread,
            op,
            ret,
            invoke,
            response,
        });
    }

    /// The recorded history, sorted by invocation.
    pub fn into_history(self) -> Vec<Event<Op, Ret>> {
        let mut events = self.events.into_inner().unwrap();
        events.sort_by_key(|e| e.invoke);
        events
    }
}

/// Prints a history one operation per line, by invocation ticket, with each thread in its
/// own column, so overlapping operations are easy to see.
pub fn format_history<Op: Debug, Ret: Debug>(history: &[Event<Op, Ret>]) -> String {
    let mut out = String::new();
    for e in history {
        out.push_str(&format!(
            "  [{:>4}..{:>4}] {}t{}: {:?} -> {:?}\n",
            e.invoke,
            e.response,
            "    ".repeat(e.thread),
            e.thread,
            e.op,
            e.ret
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------
// The search

/// A sequential specification.
pub trait Model: Clone + Eq + Hash {
    /// An operation with its argument.
    type Op: Clone + Debug;
    /// An operation's result.
    type Ret: Clone + Debug;
    /// The state after `op` returned `ret` from this state, or `None` if `op` cannot return
    /// `ret` here (for a blocking operation: cannot complete here).
    fn step(&self, op: &Self::Op, ret: &Self::Ret) -> Option<Self>;
}

/// Why a history is not linearizable.
pub struct NotLinearizable<Op, Ret> {
    /// The history that was checked.
    pub history: Vec<Event<Op, Ret>>,
    /// The longest legal prefix the search found (indices into `history`, in the order
    /// they were linearized): past it, no pending operation could go next.
    pub longest_prefix: Vec<usize>,
    /// The search gave up after [`SEARCH_BUDGET`] states without deciding: a failure too
    /// (a test's histories are far smaller), but the history may be linearizable.
    pub gave_up: bool,
}

/// How many (linearized set, state) pairs [`check`] explores before it gives up, so a hard
/// history fails the test with a report instead of exhausting memory.
pub const SEARCH_BUDGET: usize = 2_000_000;

impl<Op: Debug, Ret: Debug> Debug for NotLinearizable<Op, Ret> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.gave_up {
            writeln!(
                f,
                "gave up after {SEARCH_BUDGET} states on a history of {} operations:",
                self.history.len()
            )?;
        } else {
            writeln!(
                f,
                "history of {} operations is not linearizable:",
                self.history.len()
            )?;
        }
        f.write_str(&format_history(&self.history))?;
        writeln!(f, "longest legal order found:")?;
        for &i in &self.longest_prefix {
            let e = &self.history[i];
            writeln!(f, "  t{}: {:?} -> {:?}", e.thread, e.op, e.ret)?;
        }
        Ok(())
    }
}

/// A set of operation indices.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Bits {
        Bits(vec![0; len.div_ceil(64)])
    }
    fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn remove(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }
}

/// Checks that `history` is linearizable with respect to the sequential model starting in
/// state `init`. Every operation in the history must have completed.
pub fn check<M: Model>(
    init: M,
    history: Vec<Event<M::Op, M::Ret>>,
) -> Result<(), NotLinearizable<M::Op, M::Ret>> {
    let mut history = history;
    history.sort_by_key(|e| e.invoke);
    let n = history.len();

    // One frame per linearized operation: which one, and the state before it.
    let mut stack: Vec<(usize, M)> = Vec::new();
    let mut state = init;
    let mut done = Bits::new(n);
    // (linearized set, state) pairs already searched from; never search them twice.
    let mut seen: HashSet<(Bits, M)> = HashSet::new();
    let mut longest: Vec<usize> = Vec::new();
    // The next candidate to try at the current depth.
    let mut next = 0;

    while stack.len() < n {
        if seen.len() > SEARCH_BUDGET {
            return Err(NotLinearizable {
                history,
                longest_prefix: longest,
                gave_up: true,
            });
        }
        // The pending operation that responds first bounds the candidates: an operation
        // invoked after that response cannot be linearized before it.
        let mut horizon = u64::MAX;
        for (i, e) in history.iter().enumerate() {
            if !done.contains(i) {
                horizon = horizon.min(e.response);
            }
        }

        let mut advanced = false;
        let mut i = next;
        while i < n && history[i].invoke < horizon {
            if !done.contains(i) {
                if let Some(after) = state.step(&history[i].op, &history[i].ret) {
                    done.insert(i);
                    if seen.insert((done.clone(), after.clone())) {
                        stack.push((i, std::mem::replace(&mut state, after)));
                        advanced = true;
                        break;
                    }
                    done.remove(i);
                }
            }
            i += 1;
        }

        if advanced {
            if stack.len() > longest.len() {
                longest = stack.iter().map(|&(i, _)| i).collect();
            }
            next = 0;
            continue;
        }
        // Dead end: undo the last choice and try the candidate after it.
        match stack.pop() {
            Some((i, before)) => {
                done.remove(i);
                state = before;
                next = i + 1;
            }
            None => {
                return Err(NotLinearizable {
                    history,
                    longest_prefix: longest,
                    gave_up: false,
                })
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The queue specification

/// An operation on a parkq queue, with its argument.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QOp<V> {
    /// Blocking push: waits while full.
    Push(V),
    /// Non-blocking push.
    TryPush(V),
    /// Push waiting at most some time.
    PushTimeout(V),
    /// Blocking pop: waits while empty and open.
    Pop,
    /// Non-blocking pop.
    TryPop,
    /// Pop waiting at most some time.
    PopTimeout,
    /// Close.
    Close,
}

/// The outcome of a [`QOp`], independent of each core's error types.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QRet<V> {
    /// A push succeeded.
    Pushed,
    /// A pop returned this item.
    Item(V),
    /// `try_push` found the queue full.
    Full,
    /// `try_pop` found the queue empty.
    Empty,
    /// A timed operation gave up.
    Timeout,
    /// The queue was closed (a push failed, or a pop found it closed and empty).
    Closed,
    /// What `close` returned: whether this call closed the queue.
    DidClose(bool),
}

/// Which item a pop takes.
pub trait Discipline<V>: Clone + Eq + Hash {
    /// Puts a pushed item in `items`.
    fn insert(items: &mut Vec<V>, item: V);
    /// The index of the item the next pop takes (`items` is not empty).
    fn next(items: &[V]) -> usize;
}

/// First in, first out.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fifo;

/// Last in, first out.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lifo;

/// Smallest priority first; items of equal priority in push order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MinFirst;

impl<V> Discipline<V> for Fifo {
    fn insert(items: &mut Vec<V>, item: V) {
        items.push(item);
    }
    fn next(_: &[V]) -> usize {
        0
    }
}

impl<V> Discipline<V> for Lifo {
    fn insert(items: &mut Vec<V>, item: V) {
        items.push(item);
    }
    fn next(items: &[V]) -> usize {
        items.len() - 1
    }
}

/// An item with a priority; only the priority orders it.
pub trait Prioritized {
    /// The priority type.
    type Priority: Ord;
    /// This item's priority.
    fn priority(&self) -> &Self::Priority;
}

impl<P: Ord, T> Prioritized for (P, T) {
    type Priority = P;
    fn priority(&self) -> &P {
        &self.0
    }
}

impl<V: Prioritized> Discipline<V> for MinFirst {
    fn insert(items: &mut Vec<V>, item: V) {
        // Kept sorted; a new item goes after every item of the same priority.
        let at = items.partition_point(|x| x.priority() <= item.priority());
        items.insert(at, item);
    }
    fn next(_: &[V]) -> usize {
        0
    }
}

/// The sequential specification of a closable queue, strict: no spurious full, empty or
/// timeout outcome.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QueueModel<V, D> {
    /// Items inside, in the discipline's order.
    items: Vec<V>,
    /// `None`: unbounded.
    capacity: Option<usize>,
    closed: bool,
    discipline: D,
}

impl<V, D> QueueModel<V, D> {
    /// An empty, open queue.
    pub fn new(capacity: Option<usize>, discipline: D) -> Self {
        QueueModel {
            items: Vec::new(),
            capacity,
            closed: false,
            discipline,
        }
    }

    fn is_full(&self) -> bool {
        self.capacity.is_some_and(|c| self.items.len() >= c)
    }
}

impl<V, D> Model for QueueModel<V, D>
where
    V: Clone + Debug + Eq + Hash,
    D: Discipline<V>,
{
    type Op = QOp<V>;
    type Ret = QRet<V>;

    fn step(&self, op: &QOp<V>, ret: &QRet<V>) -> Option<Self> {
        let open = !self.closed;
        let mut next = self.clone();
        let ok = match (op, ret) {
            (QOp::Push(v) | QOp::TryPush(v) | QOp::PushTimeout(v), QRet::Pushed)
                if open && !self.is_full() =>
            {
                D::insert(&mut next.items, v.clone());
                true
            }
            (QOp::Push(_) | QOp::TryPush(_) | QOp::PushTimeout(_), QRet::Closed) => self.closed,
            (QOp::TryPush(_), QRet::Full) => open && self.is_full(),
            (QOp::PushTimeout(_), QRet::Timeout) => open && self.is_full(),
            (QOp::Pop | QOp::TryPop | QOp::PopTimeout, QRet::Item(v)) if !self.items.is_empty() => {
                let at = D::next(&self.items);
                next.items.remove(at) == *v
            }
            (QOp::Pop | QOp::TryPop | QOp::PopTimeout, QRet::Closed) => {
                self.closed && self.items.is_empty()
            }
            (QOp::TryPop, QRet::Empty) => open && self.items.is_empty(),
            (QOp::PopTimeout, QRet::Timeout) => open && self.items.is_empty(),
            (QOp::Close, QRet::DidClose(closed_now)) => {
                next.closed = true;
                *closed_now == open
            }
            _ => false,
        };
        ok.then_some(next)
    }
}

// ---------------------------------------------------------------------------------------
// Running programs on real threads

/// What one run does: per-thread operation lists, and whether the main thread closes the
/// queue part-way through.
#[derive(Clone, Debug)]
pub struct Program {
    /// One list of operations per worker thread. Pushed values are unique in the program.
    pub threads: Vec<Vec<QOp<u32>>>,
    /// `Some(n)`: the main thread closes the queue after yielding `n` times (or as soon as
    /// every worker is done). Required when the program has blocking operations: once the
    /// queue is closed, every blocking push and pop returns, so every run terminates.
    pub close_after: Option<u32>,
}

impl Program {
    /// How many operations the program runs.
    pub fn len(&self) -> usize {
        self.threads.iter().map(Vec::len).sum::<usize>() + usize::from(self.close_after.is_some())
    }
}

/// Runs `program` once on real threads against one queue, through `apply` (which performs
/// an operation on the queue and translates its result), and returns the history.
pub fn run_program<Q: Sync>(
    queue: &Q,
    program: &Program,
    apply: impl Fn(&Q, &QOp<u32>) -> QRet<u32> + Sync,
) -> Vec<Event<QOp<u32>, QRet<u32>>> {
    let recorder = Recorder::default();
    let finished = AtomicU64::new(0);
    let workers = program.threads.len() as u64;
    std::thread::scope(|s| {
        for (t, ops) in program.threads.iter().enumerate() {
            let (recorder, finished, apply) = (&recorder, &finished, &apply);
            s.spawn(move || {
                for op in ops {
                    recorder.record(t, op.clone(), || apply(queue, op));
                }
                finished.fetch_add(1, Ordering::SeqCst);
            });
        }
        if let Some(yields) = program.close_after {
            for _ in 0..yields {
                if finished.load(Ordering::SeqCst) == workers {
                    break;
                }
                std::thread::yield_now();
            }
            let closer = program.threads.len();
            recorder.record(closer, QOp::Close, || apply(queue, &QOp::Close));
        }
    });
    recorder.into_history()
}

/// How many proptest cases a linearizability test runs: `default`, or the value of the
/// `PARKQ_LINCHECK_CASES` environment variable (`.ci/full` runs many more).
pub fn cases(default: usize) -> u32 {
    std::env::var("PARKQ_LINCHECK_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default as u32)
}

/// Proptest strategies for programs.
pub mod strategy {
    use super::{Program, QOp};
    use proptest::prelude::*;

    /// One operation kind, its value filled in later.
    fn op(blocking: bool) -> BoxedStrategy<QOp<u32>> {
        let non_blocking = prop_oneof![
            4 => Just(QOp::TryPush(0)),
            2 => Just(QOp::PushTimeout(0)),
            4 => Just(QOp::TryPop),
            2 => Just(QOp::PopTimeout),
            1 => Just(QOp::Close),
        ];
        if blocking {
            prop_oneof![
                13 => non_blocking,
                3 => Just(QOp::Push(0)),
                3 => Just(QOp::Pop),
            ]
            .boxed()
        } else {
            non_blocking.boxed()
        }
    }

    /// Gives every push of the program its own value: thread `t`'s `i`-th operation pushes
    /// `t * 10_000 + i`, so a history shows which push an item came from.
    fn number(mut threads: Vec<Vec<QOp<u32>>>) -> Vec<Vec<QOp<u32>>> {
        for (t, ops) in threads.iter_mut().enumerate() {
            for (i, op) in ops.iter_mut().enumerate() {
                let v = (t * 10_000 + i) as u32;
                match op {
                    QOp::Push(x) | QOp::TryPush(x) | QOp::PushTimeout(x) => *x = v,
                    _ => {}
                }
            }
        }
        threads
    }

    /// Programs of `threads` workers with up to `max_ops` operations each. Programs with
    /// blocking operations always get a closing main thread; the others sometimes do.
    pub fn program(
        threads: std::ops::RangeInclusive<usize>,
        max_ops: usize,
    ) -> impl Strategy<Value = Program> {
        (any::<bool>(), any::<bool>(), 0u32..200).prop_flat_map(move |(blocking, close, yields)| {
            let close_after = (blocking || close).then_some(yields);
            prop::collection::vec(
                prop::collection::vec(op(blocking), 1..=max_ops),
                threads.clone(),
            )
            .prop_map(move |threads| Program {
                threads: number(threads),
                close_after,
            })
        })
    }
}
