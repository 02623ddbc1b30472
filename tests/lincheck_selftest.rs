//! The linearizability checker's own tests: hand-written histories with known answers for
//! each discipline, and test-only broken queues that the checker must catch on real threads
//! (with a correct queue on the same programs as the control).
#![cfg(not(loom))]

mod lincheck;

use lincheck::{
    check, run_program, Event, Fifo, Lifo, MinFirst, Model, Program, QOp, QRet, QueueModel,
};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

type Ev<V> = Event<QOp<V>, QRet<V>>;

/// An event of `thread` running `op` -> `ret` between tickets `invoke` and `response`.
fn ev<V>(thread: usize, op: QOp<V>, ret: QRet<V>, invoke: u64, response: u64) -> Ev<V> {
    Event {
        thread,
        op,
        ret,
        invoke,
        response,
    }
}

/// Operations that run one after another on thread 0, each given as (op, result).
fn sequential<V>(ops: Vec<(QOp<V>, QRet<V>)>) -> Vec<Ev<V>> {
    ops.into_iter()
        .enumerate()
        .map(|(i, (op, ret))| ev(0, op, ret, 2 * i as u64, 2 * i as u64 + 1))
        .collect()
}

fn ok<M: Model>(model: M, history: Vec<Event<M::Op, M::Ret>>) -> bool {
    check(model, history).is_ok()
}

fn fifo(capacity: Option<usize>) -> QueueModel<u32, Fifo> {
    QueueModel::new(capacity, Fifo)
}

use QOp::*;
use QRet::*;

#[test]
fn sequential_fifo_order_is_checked() {
    let pushes = || vec![(Push(1), Pushed), (Push(2), Pushed)];
    let mut right = pushes();
    right.extend([(Pop, Item(1)), (Pop, Item(2))]);
    assert!(ok(fifo(None), sequential(right)));

    let mut wrong = pushes();
    wrong.extend([(Pop, Item(2)), (Pop, Item(1))]);
    assert!(!ok(fifo(None), sequential(wrong)));
}

#[test]
fn overlapping_pushes_may_take_effect_in_either_order() {
    // Push(1) and Push(2) overlap, so both pop orders are legal.
    for (first, second) in [(1, 2), (2, 1)] {
        let history = vec![
            ev(0, Push(1), Pushed, 0, 3),
            ev(1, Push(2), Pushed, 1, 2),
            ev(0, Pop, Item(first), 4, 5),
            ev(0, Pop, Item(second), 6, 7),
        ];
        assert!(ok(fifo(None), history));
    }
    // But not when Push(1) responded before Push(2) was invoked.
    let history = vec![
        ev(0, Push(1), Pushed, 0, 1),
        ev(1, Push(2), Pushed, 2, 3),
        ev(0, Pop, Item(2), 4, 5),
    ];
    assert!(!ok(fifo(None), history));
}

#[test]
fn empty_is_legal_only_while_a_push_is_pending() {
    // try_pop overlapping the push may see the queue before it.
    let overlapping = vec![ev(0, TryPush(1), Pushed, 0, 3), ev(1, TryPop, Empty, 1, 2)];
    assert!(ok(fifo(None), overlapping));
    // After the push completed, Empty is spurious: the strict specification rejects it.
    let after = vec![ev(0, TryPush(1), Pushed, 0, 1), ev(1, TryPop, Empty, 2, 3)];
    assert!(!ok(fifo(None), after));
    // The same for a timed pop.
    let after = vec![
        ev(0, Push(1), Pushed, 0, 1),
        ev(1, PopTimeout, Timeout, 2, 3),
    ];
    assert!(!ok(fifo(None), after));
}

#[test]
fn an_item_popped_twice_or_never_pushed_is_caught() {
    let twice = vec![
        ev(0, Push(7), Pushed, 0, 1),
        ev(1, TryPop, Item(7), 2, 5),
        ev(2, TryPop, Item(7), 3, 4),
    ];
    assert!(!ok(fifo(None), twice));
    let invented = vec![ev(0, TryPop, Item(9), 0, 1)];
    assert!(!ok(fifo(None), invented));
}

#[test]
fn full_and_blocking_push_follow_the_capacity() {
    let full = sequential(vec![(TryPush(1), Pushed), (TryPush(2), Full)]);
    assert!(ok(fifo(Some(1)), full));
    let spurious_full = sequential(vec![(TryPush(1), Full)]);
    assert!(!ok(fifo(Some(1)), spurious_full));
    // A blocking push into a full queue can only complete after a pop made room.
    let waits = vec![
        ev(0, Push(1), Pushed, 0, 1),
        ev(0, Push(2), Pushed, 2, 7),
        ev(1, Pop, Item(1), 3, 4),
        ev(1, Pop, Item(2), 8, 9),
    ];
    assert!(ok(fifo(Some(1)), waits));
    let did_not_wait = vec![
        ev(0, Push(1), Pushed, 0, 1),
        ev(0, Push(2), Pushed, 2, 3),
        ev(1, Pop, Item(1), 4, 5),
    ];
    assert!(!ok(fifo(Some(1)), did_not_wait));
    let timed_out = sequential(vec![(Push(1), Pushed), (PushTimeout(2), Timeout)]);
    assert!(ok(fifo(Some(1)), timed_out));
}

#[test]
fn close_outcomes_are_checked() {
    let legal = sequential(vec![
        (Push(1), Pushed),
        (Close, DidClose(true)),
        (Close, DidClose(false)),
        (TryPush(2), Closed),
        (Pop, Item(1)),
        (TryPop, Closed),
        (PopTimeout, Closed),
        (Pop, Closed),
    ]);
    assert!(ok(fifo(Some(4)), legal));
    // Closed while an item is still inside.
    let early = sequential(vec![
        (Push(1), Pushed),
        (Close, DidClose(true)),
        (Pop, Closed),
    ]);
    assert!(!ok(fifo(None), early));
    // Two closes both claiming to have closed it.
    let twice = vec![
        ev(0, Close, DidClose(true), 0, 3),
        ev(1, Close, DidClose(true), 1, 2),
    ];
    assert!(!ok(fifo(None), twice));
    // A push after the close completed cannot succeed...
    let pushed = sequential(vec![(Close, DidClose(true)), (TryPush(1), Pushed)]);
    assert!(!ok(fifo(None), pushed));
    // ...but one overlapping it may.
    let racing = vec![
        ev(0, Close, DidClose(true), 0, 3),
        ev(1, TryPush(1), Pushed, 1, 2),
        ev(1, Pop, Item(1), 4, 5),
    ];
    assert!(ok(fifo(None), racing));
}

#[test]
fn lifo_pops_the_newest() {
    let pushes = || vec![(Push(1), Pushed), (Push(2), Pushed), (Push(3), Pushed)];
    let mut right = pushes();
    right.extend([(Pop, Item(3)), (Pop, Item(2)), (Pop, Item(1))]);
    assert!(ok(QueueModel::new(None, Lifo), sequential(right)));
    let mut wrong = pushes();
    wrong.extend([(Pop, Item(1))]);
    assert!(!ok(QueueModel::new(None, Lifo), sequential(wrong)));
}

#[test]
fn min_first_is_stable_among_equal_priorities() {
    // The seed's example plus a second item of priority 10.
    let pushes = || {
        vec![
            (Push((20, 's')), Pushed),
            (Push((10, 'f')), Pushed),
            (Push((30, 't')), Pushed),
            (Push((10, 'g')), Pushed),
        ]
    };
    let model = || QueueModel::new(None, MinFirst);
    let mut right = pushes();
    right.extend([
        (TryPop, Item((10, 'f'))),
        (TryPop, Item((10, 'g'))),
        (TryPop, Item((20, 's'))),
        (TryPop, Item((30, 't'))),
        (TryPop, Empty),
    ]);
    assert!(ok(model(), sequential(right)));
    // 'g' was pushed after 'f' with the same priority: it cannot come out first.
    let mut unstable = pushes();
    unstable.extend([(TryPop, Item((10, 'g')))]);
    assert!(!ok(model(), sequential(unstable)));
    let mut not_min = pushes();
    not_min.extend([(TryPop, Item((20, 's')))]);
    assert!(!ok(model(), sequential(not_min)));
}

#[test]
fn long_histories_check() {
    // 4 threads x 100 operations, each overlapping its neighbours on the other threads:
    // the memo keeps this from exploding. Built from a correct sequential run, so it must
    // pass; then one result is corrupted, so it must fail. The queue stays short, as in
    // the capacity-bounded runs on real threads: a failing search must try every order of
    // the overlapping pushes whose items are still inside, 2^(items inside) at worst.
    let threads = 4u64;
    let per_thread = 100u64;
    let mut model: VecDeque<u32> = VecDeque::new();
    let mut history = Vec::new();
    let mut next_value = 0u32;
    for k in 0..threads * per_thread {
        let thread = (k % threads) as usize;
        let (op, ret) = if model.len() >= 3 || k % 3 == 2 {
            match model.pop_front() {
                Some(v) => (TryPop, Item(v)),
                None => (TryPop, Empty),
            }
        } else {
            next_value += 1;
            model.push_back(next_value);
            (TryPush(next_value), Pushed)
        };
        // Operation k is linearized at ticket 4k+2 and spans [4k, 4k+5]: it overlaps the
        // operations just before and after it.
        history.push(ev(thread, op, ret, 4 * k, 4 * k + 5));
    }
    assert!(check(fifo(None), history.clone()).is_ok());

    let last_pop = history
        .iter()
        .rposition(|e| matches!(e.ret, Item(_)))
        .unwrap();
    history[last_pop].ret = Item(u32::MAX);
    let failure = check(fifo(None), history).unwrap_err();
    assert!(!failure.gave_up);
    assert!(!failure.longest_prefix.is_empty());
    assert!(format!("{failure:?}").contains("not linearizable"));
}

// ---------------------------------------------------------------------------------------
// Broken queues

/// The flaw a test queue has.
#[derive(Clone, Copy, PartialEq)]
enum Flaw {
    /// None: a correct locked queue, the control.
    None,
    /// A pop reads the front, lets go of the lock, then removes whatever is in front:
    /// two racing pops can both return the same item (and another is lost).
    Duplicates,
    /// A pop that runs while another pop is in progress takes the newest item instead of
    /// the oldest: sequentially correct, FIFO lost under a race.
    ReordersUnderRace,
}

struct TestQueue {
    items: Mutex<VecDeque<u32>>,
    closed: Mutex<bool>,
    capacity: usize,
    flaw: Flaw,
    popping: AtomicUsize,
}

impl TestQueue {
    fn new(capacity: usize, flaw: Flaw) -> TestQueue {
        TestQueue {
            items: Mutex::new(VecDeque::new()),
            closed: Mutex::new(false),
            capacity,
            flaw,
            popping: AtomicUsize::new(0),
        }
    }

    /// Only the non-blocking operations: the programs below use nothing else.
    fn apply(&self, op: &QOp<u32>) -> QRet<u32> {
        match *op {
            TryPush(v) => {
                let closed = self.closed.lock().unwrap();
                let mut items = self.items.lock().unwrap();
                if *closed {
                    Closed
                } else if items.len() == self.capacity {
                    Full
                } else {
                    items.push_back(v);
                    Pushed
                }
            }
            TryPop => self.try_pop(),
            Close => DidClose(!std::mem::replace(&mut *self.closed.lock().unwrap(), true)),
            _ => unreachable!("broken queues run non-blocking programs only"),
        }
    }

    fn try_pop(&self) -> QRet<u32> {
        let empty = || {
            if *self.closed.lock().unwrap() {
                Closed
            } else {
                Empty
            }
        };
        match self.flaw {
            Flaw::None => {
                // Let go of `items` before `empty` locks `closed` (pushes lock them in the
                // other order).
                let front = self.items.lock().unwrap().pop_front();
                front.map_or_else(empty, Item)
            }
            Flaw::Duplicates => {
                let front = self.items.lock().unwrap().front().copied();
                let Some(v) = front else { return empty() };
                std::thread::yield_now();
                self.items.lock().unwrap().pop_front();
                Item(v)
            }
            Flaw::ReordersUnderRace => {
                let others = self.popping.fetch_add(1, Ordering::SeqCst);
                std::thread::yield_now();
                let mut items = self.items.lock().unwrap();
                let got = if others > 0 {
                    items.pop_back()
                } else {
                    items.pop_front()
                };
                drop(items);
                self.popping.fetch_sub(1, Ordering::SeqCst);
                got.map_or_else(empty, Item)
            }
        }
    }
}

/// One producer thread and two consumer threads, non-blocking operations only.
fn race_program() -> Program {
    let producer: Vec<QOp<u32>> = (0..40).map(TryPush).collect();
    let consumer = vec![TryPop; 40];
    Program {
        threads: vec![producer, consumer.clone(), consumer],
        close_after: Some(20),
    }
}

/// Runs the race program on a fresh queue with `flaw` up to `runs` times; returns how many
/// runs produced a history the checker rejected.
fn rejected_runs(flaw: Flaw, runs: usize) -> usize {
    let program = race_program();
    (0..runs)
        .filter(|_| {
            let queue = TestQueue::new(4, flaw);
            let history = run_program(&queue, &program, TestQueue::apply);
            match check(fifo(Some(4)), history) {
                Ok(()) => false,
                Err(failure) => {
                    assert!(!failure.gave_up, "{failure:?}");
                    true
                }
            }
        })
        .count()
}

#[test]
fn correct_locked_queue_passes() {
    assert_eq!(rejected_runs(Flaw::None, 200), 0);
}

/// Runs until the checker catches the flaw, failing if it never does in many runs.
fn caught(flaw: Flaw) -> bool {
    (0..100).any(|_| rejected_runs(flaw, 10) > 0)
}

#[test]
fn duplicating_queue_is_caught() {
    assert!(caught(Flaw::Duplicates));
}

#[test]
fn reordering_queue_is_caught() {
    assert!(caught(Flaw::ReordersUnderRace));
}
