//! Random single-thread operation sequences against a `BinaryHeap<Reverse<(P, seq)>>`
//! model (smallest first, push order among equals), unbounded and bounded, with close,
//! the immediate close and task tracking; the seed example; a panicking `Ord`.
#![cfg(not(loom))]

use parkq::{PopTimeoutError, PriorityQueue, PushTimeoutError, TryPopError, TryPushError};
use proptest::prelude::*;
use std::cmp::{Ordering as CmpOrdering, Reverse};
use std::collections::BinaryHeap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// An item: a priority (few values, so ties are common) and a unique id. Only the
/// priority orders it, so stability is observable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Item {
    priority: u8,
    id: u32,
}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl Ord for Item {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.priority.cmp(&other.priority)
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Pushes items of these priorities in a row (`try_push`, so it never parks).
    Push(Vec<u8>),
    PushTimeout(u8),
    Pop,
    TryPop,
    PopTimeout,
    Close,
    CloseAndDrain,
    TaskDone,
    Len,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => prop::collection::vec(0u8..4, 1..=8).prop_map(Op::Push),
        1 => (0u8..4).prop_map(Op::PushTimeout),
        4 => Just(Op::Pop),
        4 => Just(Op::TryPop),
        1 => Just(Op::PopTimeout),
        3 => Just(Op::TaskDone),
        2 => Just(Op::Len),
        1 => Just(Op::Close),
        1 => Just(Op::CloseAndDrain),
    ]
}

/// The model: a max-heap of `Reverse((priority, seq))` is a min-heap with push order
/// among equal priorities.
struct Model {
    heap: BinaryHeap<Reverse<(u8, u32)>>,
    capacity: Option<usize>,
    closed: bool,
    pushed: usize,
    popped: usize,
    done: usize,
    next: u32,
}

impl Model {
    fn full(&self) -> bool {
        self.capacity.is_some_and(|c| self.heap.len() >= c)
    }
    fn pop(&mut self) -> Option<Item> {
        let Reverse((priority, id)) = self.heap.pop()?;
        self.popped += 1;
        Some(Item { priority, id })
    }
}

const SHORT: Duration = Duration::from_micros(100);

fn check(capacity: Option<usize>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let queue = capacity.map_or_else(PriorityQueue::new, PriorityQueue::bounded);
    let mut m = Model {
        heap: BinaryHeap::new(),
        capacity,
        closed: false,
        pushed: 0,
        popped: 0,
        done: 0,
        next: 0,
    };
    let push = |m: &mut Model, priority: u8, timed: bool| -> Result<(), TestCaseError> {
        let item = Item {
            priority,
            id: m.next,
        };
        m.next += 1;
        if timed {
            let got = queue.push_timeout(item, SHORT);
            if m.closed {
                prop_assert_eq!(got, Err(PushTimeoutError::Closed(item)));
            } else if m.full() {
                prop_assert_eq!(got, Err(PushTimeoutError::Timeout(item)));
            } else {
                prop_assert_eq!(got, Ok(()));
            }
        } else {
            let got = queue.try_push(item);
            if m.closed {
                prop_assert_eq!(got, Err(TryPushError::Closed(item)));
            } else if m.full() {
                prop_assert_eq!(got, Err(TryPushError::Full(item)));
            } else {
                prop_assert_eq!(got, Ok(()));
            }
        }
        if !m.closed && !m.full() {
            m.heap.push(Reverse((item.priority, item.id)));
            m.pushed += 1;
        }
        Ok(())
    };
    for op in ops {
        match op {
            Op::Push(priorities) => {
                for p in priorities {
                    push(&mut m, p, false)?;
                }
            }
            Op::PushTimeout(p) => push(&mut m, p, true)?,
            Op::Pop => {
                // Only when it cannot park forever.
                if !m.heap.is_empty() || m.closed {
                    let want = m.pop();
                    let got = queue.pop();
                    prop_assert_eq!(
                        got.map(|i| (i.priority, i.id)),
                        want.map(|i| (i.priority, i.id))
                    );
                }
            }
            Op::TryPop => {
                let want = match m.pop() {
                    Some(i) => Ok((i.priority, i.id)),
                    None if m.closed => Err(TryPopError::Closed),
                    None => Err(TryPopError::Empty),
                };
                prop_assert_eq!(queue.try_pop().map(|i| (i.priority, i.id)), want);
            }
            Op::PopTimeout => {
                let want = match m.pop() {
                    Some(i) => Ok((i.priority, i.id)),
                    None if m.closed => Err(PopTimeoutError::Closed),
                    None => Err(PopTimeoutError::Timeout),
                };
                prop_assert_eq!(queue.pop_timeout(SHORT).map(|i| (i.priority, i.id)), want);
            }
            Op::Close => {
                prop_assert_eq!(queue.close(), !m.closed);
                m.closed = true;
            }
            Op::CloseAndDrain => {
                let mut want = vec![];
                while let Some(i) = m.pop() {
                    want.push((i.priority, i.id));
                }
                // Drained items count as popped and as done.
                m.done += want.len();
                m.closed = true;
                let got: Vec<_> = queue
                    .close_and_drain()
                    .into_iter()
                    .map(|i| (i.priority, i.id))
                    .collect();
                prop_assert_eq!(got, want);
                prop_assert!(queue.is_closed());
            }
            Op::TaskDone => {
                let result = catch_unwind(AssertUnwindSafe(|| queue.task_done()));
                if m.done < m.popped {
                    prop_assert!(result.is_ok());
                    m.done += 1;
                } else {
                    prop_assert!(result.is_err(), "task_done beyond the pops must panic");
                }
            }
            Op::Len => {
                prop_assert_eq!(queue.len(), m.heap.len());
                prop_assert_eq!(queue.is_empty(), m.heap.is_empty());
                prop_assert_eq!(queue.is_full(), m.full());
            }
        }
    }
    // What is left comes out in order.
    let mut left = vec![];
    while let Some(i) = m.pop() {
        left.push((i.priority, i.id));
    }
    let got: Vec<_> = queue.into_iter().map(|i| (i.priority, i.id)).collect();
    prop_assert_eq!(got, left);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 8 } else { 512 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn unbounded_matches_the_model(ops in prop::collection::vec(op(), 0..80)) {
        check(None, ops)?;
    }

    #[test]
    fn bounded_matches_the_model(capacity in 1usize..6, ops in prop::collection::vec(op(), 0..80)) {
        check(Some(capacity), ops)?;
    }

    /// Many pushes then pops: the tower index and the batched prefix removal at work.
    #[test]
    fn long_runs_come_out_sorted_and_stable(
        priorities in prop::collection::vec(0u8..8, 0..if cfg!(miri) { 40 } else { 600 }),
        pops_between in 0usize..50,
    ) {
        let queue = PriorityQueue::new();
        let mut model = BinaryHeap::new();
        for (id, &priority) in priorities.iter().enumerate() {
            queue.push(Item { priority, id: id as u32 }).unwrap();
            model.push(Reverse((priority, id as u32)));
            if pops_between > 0 && id % pops_between == 0 {
                let Reverse(want) = model.pop().unwrap();
                let got = queue.try_pop().unwrap();
                prop_assert_eq!((got.priority, got.id), want);
            }
        }
        while let Some(Reverse(want)) = model.pop() {
            let got = queue.try_pop().unwrap();
            prop_assert_eq!((got.priority, got.id), want);
        }
        prop_assert_eq!(queue.try_pop(), Err(TryPopError::Empty));
    }
}

/// The seed chapter's example.
#[test]
fn seed_example_pops_first_second_third() {
    let queue = PriorityQueue::new();
    queue.push((20, "second")).unwrap();
    queue.push((10, "first")).unwrap();
    queue.push((30, "third")).unwrap();
    let mut order = vec![];
    while let Ok((_, word)) = queue.try_pop() {
        order.push(word);
    }
    assert_eq!(order, ["first", "second", "third"]);
}

#[test]
fn reverse_gives_largest_first() {
    let queue = PriorityQueue::new();
    for n in [3, 1, 4, 1, 5, 9, 2, 6] {
        queue.push(Reverse(n)).unwrap();
    }
    let order: Vec<_> = queue.try_iter().map(|Reverse(n)| n).collect();
    assert_eq!(order, [9, 6, 5, 4, 3, 2, 1, 1]);
}

/// An `Ord` that panics while a shared flag is set.
mod panicking {
    use std::cell::Cell;
    use std::cmp::Ordering;

    thread_local! {
        pub static PANIC: Cell<bool> = const { Cell::new(false) };
    }

    #[derive(Debug)]
    pub struct Touchy {
        pub key: u32,
        pub drops: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Drop for Touchy {
        fn drop(&mut self) {
            self.drops.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    impl PartialEq for Touchy {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other) == Ordering::Equal
        }
    }
    impl Eq for Touchy {}
    impl PartialOrd for Touchy {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Touchy {
        fn cmp(&self, other: &Self) -> Ordering {
            if PANIC.with(Cell::get) {
                panic!("Touchy::cmp panics on purpose");
            }
            self.key.cmp(&other.key)
        }
    }
}

#[test]
fn a_panicking_ord_leaves_the_queue_unchanged_and_drops_the_item_once() {
    use panicking::{Touchy, PANIC};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let drops = Arc::new(AtomicUsize::new(0));
    let touchy = |key| Touchy {
        key,
        drops: drops.clone(),
    };
    for capacity in [None, Some(8)] {
        drops.store(0, Ordering::SeqCst);
        let queue = capacity.map_or_else(PriorityQueue::new, PriorityQueue::bounded);
        for key in [5, 1, 3] {
            queue.push(touchy(key)).unwrap();
        }
        PANIC.with(|p| p.set(true));
        let result = catch_unwind(AssertUnwindSafe(|| queue.push(touchy(2))));
        PANIC.with(|p| p.set(false));
        assert!(result.is_err(), "the comparison panicked");
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the refused item was dropped once"
        );
        assert_eq!(queue.len(), 3);
        // Later operations work, and the order is intact.
        queue.push(touchy(4)).unwrap();
        assert_eq!(queue.try_pop().unwrap().key, 1);
        let keys: Vec<u32> = queue.try_iter().map(|t| t.key).collect();
        assert_eq!(keys, [3, 4, 5]);
        // A close does not wait for the push that unwound.
        assert!(queue.close());
        assert_eq!(queue.try_pop().map(|t| t.key), Err(TryPopError::Closed));
        drop(queue);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            5,
            "every item dropped exactly once"
        );
    }
}

#[test]
fn a_push_into_an_empty_queue_never_compares() {
    use panicking::{Touchy, PANIC};
    let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let queue = PriorityQueue::new();
    PANIC.with(|p| p.set(true));
    queue
        .push(Touchy {
            key: 1,
            drops: drops.clone(),
        })
        .unwrap();
    PANIC.with(|p| p.set(false));
    assert_eq!(queue.try_pop().unwrap().key, 1);
}
