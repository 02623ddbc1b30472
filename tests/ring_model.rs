//! Random single-thread operation sequences against a `VecDeque` model.
#![cfg(not(loom))]

use parkq::{PopTimeoutError, PushTimeoutError, Ring, TryPopError, TryPushError};
use proptest::prelude::*;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    Push(u16),
    TryPush(u16),
    PushTimeout(u16),
    Pop,
    TryPop,
    PopTimeout,
    Close,
    CloseAndDrain,
    TaskDone,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u16>().prop_map(Op::Push),
        3 => any::<u16>().prop_map(Op::TryPush),
        1 => any::<u16>().prop_map(Op::PushTimeout),
        3 => Just(Op::Pop),
        3 => Just(Op::TryPop),
        1 => Just(Op::PopTimeout),
        2 => Just(Op::TaskDone),
        1 => Just(Op::Close),
        1 => Just(Op::CloseAndDrain),
    ]
}

/// What the ring should hold and have counted.
struct Model {
    items: VecDeque<u16>,
    cap: usize,
    closed: bool,
    popped: usize,
    done: usize,
}

fn check(cap: usize, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let ring = Ring::new(cap);
    let mut m = Model {
        items: VecDeque::new(),
        cap,
        closed: false,
        popped: 0,
        done: 0,
    };
    for op in ops {
        match op {
            // Single-threaded, a blocking push on a full open ring would park forever:
            // only issue it when the model says it returns.
            Op::Push(v) if m.closed || m.items.len() < m.cap => {
                let got = ring.push(v).map_err(|e| e.into_inner());
                if m.closed {
                    prop_assert_eq!(got, Err(v));
                } else {
                    prop_assert_eq!(got, Ok(()));
                    m.items.push_back(v);
                }
            }
            Op::Push(_) => {}
            Op::TryPush(v) => {
                let want = if m.closed {
                    Err(TryPushError::Closed(v))
                } else if m.items.len() == m.cap {
                    Err(TryPushError::Full(v))
                } else {
                    m.items.push_back(v);
                    Ok(())
                };
                prop_assert_eq!(ring.try_push(v), want);
            }
            Op::PushTimeout(v) => {
                let want = if m.closed {
                    Err(PushTimeoutError::Closed(v))
                } else if m.items.len() == m.cap {
                    Err(PushTimeoutError::Timeout(v))
                } else {
                    m.items.push_back(v);
                    Ok(())
                };
                prop_assert_eq!(ring.push_timeout(v, Duration::ZERO), want);
            }
            Op::Pop if m.closed || !m.items.is_empty() => {
                let want = m.items.pop_front();
                m.popped += usize::from(want.is_some());
                prop_assert_eq!(ring.pop(), want);
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
                prop_assert_eq!(ring.try_pop(), want);
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
                prop_assert_eq!(ring.pop_timeout(Duration::ZERO), want);
            }
            Op::Close => {
                prop_assert_eq!(ring.close(), !m.closed);
                m.closed = true;
            }
            Op::CloseAndDrain => {
                let want: Vec<u16> = m.items.drain(..).collect();
                m.popped += want.len();
                m.done += want.len();
                m.closed = true;
                prop_assert_eq!(ring.close_and_drain(), want);
            }
            Op::TaskDone => {
                let result = catch_unwind(AssertUnwindSafe(|| ring.task_done()));
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
        prop_assert_eq!(ring.len(), m.items.len());
        prop_assert_eq!(ring.is_empty(), m.items.is_empty());
        prop_assert_eq!(ring.is_full(), m.items.len() == m.cap);
        prop_assert_eq!(ring.is_closed(), m.closed);
    }
    // `join` returns at once exactly when everything pushed was marked done.
    let pushed = m.popped + m.items.len();
    if m.done == pushed {
        ring.join();
    }
    let rest: Vec<u16> = ring.into_iter().collect();
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
        cases: if cfg!(miri) { 8 } else { 512 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn ring_agrees_with_vecdeque(cap in 1usize..=8, ops in prop::collection::vec(op(), 0..64)) {
        quiet_expected_panics();
        check(cap, ops)?;
    }
}
