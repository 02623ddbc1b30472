//! Random single-thread operation sequences against a `VecDeque` model, long enough to
//! cross many blocks (31 slots each) and to reuse the spare block.
#![cfg(not(loom))]

use parkq::{PopTimeoutError, Queue, TryPopError};
use proptest::prelude::*;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    /// Pushes this many items in a row (bursts cross block boundaries quickly).
    Push(u8),
    Pop,
    TryPop,
    PopTimeout,
    Close,
    CloseAndDrain,
    TaskDone,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (1u8..=40).prop_map(Op::Push),
        4 => Just(Op::Pop),
        4 => Just(Op::TryPop),
        1 => Just(Op::PopTimeout),
        3 => Just(Op::TaskDone),
        1 => Just(Op::Close),
        1 => Just(Op::CloseAndDrain),
    ]
}

/// What the queue should hold and have counted.
struct Model {
    items: VecDeque<u32>,
    closed: bool,
    popped: usize,
    done: usize,
    next: u32,
}

fn check(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let queue = Queue::new();
    let mut m = Model {
        items: VecDeque::new(),
        closed: false,
        popped: 0,
        done: 0,
        next: 0,
    };
    for op in ops {
        match op {
            Op::Push(n) => {
                for _ in 0..n {
                    let v = m.next;
                    m.next += 1;
                    let got = queue.push(v).map_err(|e| e.into_inner());
                    if m.closed {
                        prop_assert_eq!(got, Err(v));
                    } else {
                        prop_assert_eq!(got, Ok(()));
                        m.items.push_back(v);
                    }
                }
            }
            // Single-threaded, a pop on an empty open queue would park forever: only
            // issue it when the model says it returns.
            Op::Pop if m.closed || !m.items.is_empty() => {
                let want = m.items.pop_front();
                m.popped += usize::from(want.is_some());
                prop_assert_eq!(queue.pop(), want);
            }
            Op::Pop => {}
            Op::TryPop => {
                let want = match m.items.pop_front() {
                    Some(v) => {
                        m.popped += 1;
                        Ok(v)
                    }
                    None if m.closed => Err(TryPopError::Closed),
                    None => Err(TryPopError::Empty),
                };
                prop_assert_eq!(queue.try_pop(), want);
            }
            Op::PopTimeout => {
                let want = match m.items.pop_front() {
                    Some(v) => {
                        m.popped += 1;
                        Ok(v)
                    }
                    None if m.closed => Err(PopTimeoutError::Closed),
                    None => Err(PopTimeoutError::Timeout),
                };
                prop_assert_eq!(queue.pop_timeout(Duration::ZERO), want);
            }
            Op::Close => {
                prop_assert_eq!(queue.close(), !m.closed);
                m.closed = true;
            }
            Op::CloseAndDrain => {
                let want: Vec<u32> = m.items.drain(..).collect();
                m.popped += want.len();
                m.done += want.len();
                m.closed = true;
                prop_assert_eq!(queue.close_and_drain(), want);
            }
            Op::TaskDone => {
                let result = catch_unwind(AssertUnwindSafe(|| queue.task_done()));
                if m.done < m.popped {
                    prop_assert!(result.is_ok());
                    m.done += 1;
                } else {
                    prop_assert!(
                        result.is_err(),
                        "task_done past the popped count must panic"
                    );
                }
            }
        }
        prop_assert_eq!(queue.len(), m.items.len());
        prop_assert_eq!(queue.is_empty(), m.items.is_empty());
        prop_assert_eq!(queue.is_closed(), m.closed);
    }
    // `join` returns at once exactly when everything pushed was marked done.
    let pushed = m.popped + m.items.len();
    if m.done == pushed {
        queue.join();
    }
    let rest: Vec<u32> = queue.into_iter().collect();
    prop_assert_eq!(rest, Vec::from(m.items));
    Ok(())
}

/// Keeps the expected `task_done` panics out of the output; other panics still print.
fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.to_string().contains("task_done() called more times") {
                default(info);
            }
        }));
    });
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 512 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn queue_agrees_with_vecdeque(ops in prop::collection::vec(op(), 0..if cfg!(miri) { 40 } else { 200 })) {
        quiet_expected_panics();
        check(ops)?;
    }
}

/// Exactly at the block boundaries: fill and drain 0..=3 blocks' worth, one at a time and
/// interleaved, so every offset (first slot, last slot, the gap) is popped and pushed.
#[test]
fn block_boundaries_in_order() {
    for n in [0, 1, 30, 31, 32, 61, 62, 63, 93, 100] {
        let queue = Queue::new();
        for i in 0..n {
            queue.push(i).unwrap();
        }
        assert_eq!(queue.len(), n);
        for i in 0..n {
            assert_eq!(queue.try_pop(), Ok(i));
        }
        assert_eq!(queue.try_pop(), Err(TryPopError::Empty));
        // One in flight across many blocks: the spare block is reused.
        for i in 0..200 {
            queue.push(i).unwrap();
            assert_eq!(queue.pop(), Some(i));
        }
        assert!(queue.is_empty());
    }
}
