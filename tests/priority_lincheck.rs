//! `PriorityQueue` against the min-first specification (smallest priority first, push
//! order among equal priorities), on real threads: random programs of
//! push/try_push/push_timeout/pop/try_pop/pop_timeout/close, each run many times, every
//! history checked for linearizability (see `tests/lincheck`). Items are `(u8 priority,
//! u32 id)` with three priorities, so equal priorities are common and stability is
//! checked.
//!
//! Unbounded queues are checked strictly. Bounded queues reserve room with a counter
//! before a push links, so `try_push` may report `Full` (and `push_timeout` time out)
//! while pushes or pops that fill the count have not finished (see the module doc of
//! `src/priority.rs`): for them a `Full`/`Timeout` push is accepted whenever the queue
//! is open, and everything else (no item beyond the capacity, order, close) is strict.
#![cfg(not(loom))]

mod common;
mod lincheck;

use common::{scaled, within, HANG};
use lincheck::{
    check, run_program, strategy, Event, MinFirst, Model, Program, QOp, QRet, QueueModel,
};
use parkq::{PopTimeoutError, PriorityQueue, TryPopError};
use proptest::prelude::*;
use std::time::Duration;

/// How long the timed operations wait: long enough to be woken, short enough to time out.
const WAIT: Duration = Duration::from_micros(200);

type Item = (u8, u32);

/// The priority of pushed value `v`: three values, spread over threads and positions.
fn item(v: u32) -> Item {
    (((v % 10_000) * 7 + v / 10_000) as u8 % 3, v)
}

/// What the queue holds: an item ordered by its priority only (the id rides along), so
/// equal priorities are ties that only the queue's stability orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Job(Item);

impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Job {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0 .0.cmp(&other.0 .0)
    }
}

fn job(v: u32) -> Job {
    Job(item(v))
}

fn apply(queue: &PriorityQueue<Job>, op: &QOp<u32>) -> QRet<u32> {
    let id = |Job((_, id)): Job| id;
    match *op {
        QOp::Push(v) => match queue.push(job(v)) {
            Ok(()) => QRet::Pushed,
            Err(e) => {
                assert_eq!(e.into_inner(), job(v), "push handed back another item");
                QRet::Closed
            }
        },
        QOp::TryPush(v) => match queue.try_push(job(v)) {
            Ok(()) => QRet::Pushed,
            Err(e) => {
                let ret = if e.is_full() {
                    QRet::Full
                } else {
                    QRet::Closed
                };
                assert_eq!(e.into_inner(), job(v), "try_push handed back another item");
                ret
            }
        },
        QOp::PushTimeout(v) => match queue.push_timeout(job(v), WAIT) {
            Ok(()) => QRet::Pushed,
            Err(e) => {
                let ret = if e.is_timeout() {
                    QRet::Timeout
                } else {
                    QRet::Closed
                };
                assert_eq!(
                    e.into_inner(),
                    job(v),
                    "push_timeout handed back another item"
                );
                ret
            }
        },
        QOp::Pop => queue.pop().map_or(QRet::Closed, |i| QRet::Item(id(i))),
        QOp::TryPop => match queue.try_pop() {
            Ok(i) => QRet::Item(id(i)),
            Err(TryPopError::Empty) => QRet::Empty,
            Err(TryPopError::Closed) => QRet::Closed,
        },
        QOp::PopTimeout => match queue.pop_timeout(WAIT) {
            Ok(i) => QRet::Item(id(i)),
            Err(PopTimeoutError::Timeout) => QRet::Timeout,
            Err(PopTimeoutError::Closed) => QRet::Closed,
        },
        QOp::Close => QRet::DidClose(queue.close()),
    }
}

/// The history with every value turned into its `(priority, id)` item.
fn with_priorities(history: Vec<Event<QOp<u32>, QRet<u32>>>) -> Vec<Event<QOp<Item>, QRet<Item>>> {
    let op = |op: QOp<u32>| match op {
        QOp::Push(v) => QOp::Push(item(v)),
        QOp::TryPush(v) => QOp::TryPush(item(v)),
        QOp::PushTimeout(v) => QOp::PushTimeout(item(v)),
        QOp::Pop => QOp::Pop,
        QOp::TryPop => QOp::TryPop,
        QOp::PopTimeout => QOp::PopTimeout,
        QOp::Close => QOp::Close,
    };
    let ret = |ret: QRet<u32>| match ret {
        QRet::Item(v) => QRet::Item(item(v)),
        QRet::Pushed => QRet::Pushed,
        QRet::Full => QRet::Full,
        QRet::Empty => QRet::Empty,
        QRet::Timeout => QRet::Timeout,
        QRet::Closed => QRet::Closed,
        QRet::DidClose(b) => QRet::DidClose(b),
    };
    history
        .into_iter()
        .map(|e| Event {
            thread: e.thread,
            op: op(e.op),
            ret: ret(e.ret),
            invoke: e.invoke,
            response: e.response,
        })
        .collect()
}

/// The min-first specification, with a bounded queue's `Full`/`Timeout` pushes accepted
/// whenever the queue is open (see the file doc).
#[derive(Clone, PartialEq, Eq, Hash)]
struct Spec {
    inner: QueueModel<Item, MinFirst>,
    lenient_full: bool,
}

impl Model for Spec {
    type Op = QOp<Item>;
    type Ret = QRet<Item>;

    fn step(&self, op: &QOp<Item>, ret: &QRet<Item>) -> Option<Self> {
        if let (true, QOp::TryPush(v), QRet::Full) | (true, QOp::PushTimeout(v), QRet::Timeout) =
            (self.lenient_full, op, ret)
        {
            // Open: a push would not be refused as closed.
            let open = self.inner.step(&QOp::TryPush(*v), &QRet::Closed).is_none();
            return open.then(|| self.clone());
        }
        self.inner.step(op, ret).map(|inner| Spec {
            inner,
            lenient_full: self.lenient_full,
        })
    }
}

fn check_program(
    capacity: Option<usize>,
    program: Program,
    runs: usize,
) -> Result<(), TestCaseError> {
    for run in 0..runs {
        let queue = capacity.map_or_else(PriorityQueue::new, PriorityQueue::bounded);
        let p = program.clone();
        // The watchdog turns a lost wake-up into a failure instead of a hang.
        let history = within(HANG, move || run_program(&queue, &p, apply));
        let spec = Spec {
            inner: QueueModel::new(capacity, MinFirst),
            lenient_full: capacity.is_some(),
        };
        if let Err(failure) = check(spec, with_priorities(history)) {
            return Err(TestCaseError::fail(format!("run {run}: {failure:?}")));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: lincheck::cases(scaled(128, 4)),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Unbounded (strict): 2 or 3 threads, short programs, many runs each.
    #[test]
    fn unbounded_priority_queue_is_linearizable(program in strategy::program(2..=3, 12)) {
        check_program(None, program, scaled(16, 1))?;
    }

    /// Bounded at 1, 2 or 3.
    #[test]
    fn bounded_priority_queue_is_linearizable(
        capacity in 1usize..=3,
        program in strategy::program(2..=3, 12),
    ) {
        check_program(Some(capacity), program, scaled(16, 1))?;
    }

    /// 4 threads with longer programs: fewer cases, longer histories.
    #[test]
    fn priority_queue_is_linearizable_long_histories(program in strategy::program(4..=4, 30)) {
        check_program(None, program, scaled(4, 1))?;
    }
}
