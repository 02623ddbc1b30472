//! Random single-thread operation sequences against a `Vec` model (LIFO), unbounded and
//! bounded, with close, the immediate close and task tracking.
#![cfg(not(loom))]

use parkq::{PopTimeoutError, PushTimeoutError, Stack, TryPopError, TryPushError};
use proptest::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    /// Pushes this many items in a row (`try_push` if bounded, so it never parks).
    Push(u8),
    PushTimeout,
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
        6 => (1u8..=8).prop_map(Op::Push),
        1 => Just(Op::PushTimeout),
        4 => Just(Op::Pop),
        4 => Just(Op::TryPop),
        1 => Just(Op::PopTimeout),
        3 => Just(Op::TaskDone),
        2 => Just(Op::Len),
        1 => Just(Op::Close),
        1 => Just(Op::CloseAndDrain),
    ]
}

/// What the stack should hold and have counted.
struct Model {
    items: Vec<u32>,
    capacity: Option<usize>,
    closed: bool,
    pushed: usize,
    popped: usize,
    done: usize,
    next: u32,
}

impl Model {
    fn full(&self) -> bool {
        self.capacity.is_some_and(|c| self.items.len() >= c)
    }
}

const SHORT: Duration = Duration::from_micros(100);

fn check(capacity: Option<usize>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let stack = capacity.map_or_else(Stack::new, Stack::bounded);
    let mut m = Model {
        items: vec![],
        capacity,
        closed: false,
        pushed: 0,
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
                    let got = stack.try_push(v);
                    if m.closed {
                        prop_assert_eq!(got, Err(TryPushError::Closed(v)));
                    } else if m.full() {
                        prop_assert_eq!(got, Err(TryPushError::Full(v)));
                    } else {
                        prop_assert_eq!(got, Ok(()));
                        m.items.push(v);
                        m.pushed += 1;
                    }
                }
            }
            Op::PushTimeout => {
                let v = m.next;
                m.next += 1;
                let got = stack.push_timeout(v, SHORT);
                if m.closed {
                    prop_assert_eq!(got, Err(PushTimeoutError::Closed(v)));
                } else if m.full() {
                    prop_assert_eq!(got, Err(PushTimeoutError::Timeout(v)));
                } else {
                    prop_assert_eq!(got, Ok(()));
                    m.items.push(v);
                    m.pushed += 1;
                }
            }
            Op::Pop => {
                if m.items.is_empty() && !m.closed {
                    continue; // would park forever
                }
                let want = m.items.pop();
                if want.is_some() {
                    m.popped += 1;
                }
                prop_assert_eq!(stack.pop(), want);
            }
            Op::TryPop => {
                let want = match m.items.pop() {
                    Some(v) => {
                        m.popped += 1;
                        Ok(v)
                    }
                    None if m.closed => Err(TryPopError::Closed),
                    None => Err(TryPopError::Empty),
                };
                prop_assert_eq!(stack.try_pop(), want);
            }
            Op::PopTimeout => {
                let want = match m.items.pop() {
                    Some(v) => {
                        m.popped += 1;
                        Ok(v)
                    }
                    None if m.closed => Err(PopTimeoutError::Closed),
                    None => Err(PopTimeoutError::Timeout),
                };
                prop_assert_eq!(stack.pop_timeout(SHORT), want);
            }
            Op::Close => {
                prop_assert_eq!(stack.close(), !m.closed);
                m.closed = true;
            }
            Op::CloseAndDrain => {
                let mut want: Vec<u32> = m.items.drain(..).collect();
                want.reverse();
                m.popped += want.len();
                m.done += want.len();
                m.closed = true;
                prop_assert_eq!(stack.close_and_drain(), want);
            }
            Op::TaskDone => {
                let result = catch_unwind(AssertUnwindSafe(|| stack.task_done()));
                if m.done < m.popped {
                    prop_assert!(result.is_ok(), "task_done panicked with work popped");
                    m.done += 1;
                } else {
                    prop_assert!(result.is_err(), "task_done accepted more calls than pops");
                }
            }
            Op::Len => {
                prop_assert_eq!(stack.len(), m.items.len());
                prop_assert_eq!(stack.is_empty(), m.items.is_empty());
                prop_assert_eq!(stack.is_full(), m.full());
            }
        }
        prop_assert_eq!(stack.is_closed(), m.closed);
    }
    // Everything done: `join` returns at once.
    if m.done == m.pushed {
        stack.join();
    }
    // The rest comes out newest first.
    m.items.reverse();
    prop_assert_eq!(stack.into_iter().collect::<Vec<_>>(), m.items);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 3 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn unbounded_stack_matches_a_vec(ops in prop::collection::vec(op(), 0..80)) {
        check(None, ops)?;
    }

    #[test]
    fn bounded_stack_matches_a_vec(
        capacity in 1usize..6,
        ops in prop::collection::vec(op(), 0..80),
    ) {
        check(Some(capacity), ops)?;
    }
}

#[test]
fn seed_example_pops_third_second_first() {
    let stack = Stack::new();
    for word in ["first", "second", "third"] {
        stack.push(word).unwrap();
    }
    assert_eq!(
        stack.try_iter().collect::<Vec<_>>(),
        ["third", "second", "first"]
    );
}

#[test]
#[should_panic(expected = "at least 1")]
fn zero_capacity_is_refused() {
    let _ = Stack::<u8>::bounded(0);
}

#[test]
fn debug_shows_len_capacity_and_closed() {
    let stack = Stack::bounded(3);
    stack.push(1).unwrap();
    stack.close();
    assert_eq!(
        format!("{stack:?}"),
        "Stack { len: 1, capacity: Some(3), closed: true, .. }"
    );
}
