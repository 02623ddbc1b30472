//! `Stack` against the strict LIFO specification, on real threads: random programs of
//! push/try_push/push_timeout/pop/try_pop/pop_timeout/close, each run many times, every
//! history checked for linearizability (see `tests/lincheck`). Strict: a `Full`, `Empty`
//! or timeout that no sequential order explains fails the test.
#![cfg(not(loom))]

mod common;
mod lincheck;

use common::{scaled, within, HANG};
use lincheck::{check, run_program, strategy, Lifo, Program, QOp, QRet, QueueModel};
use parkq::{PopTimeoutError, Stack, TryPopError};
use proptest::prelude::*;
use std::time::Duration;

/// How long the timed operations wait: long enough to be woken, short enough to time out.
const WAIT: Duration = Duration::from_micros(200);

/// Runs `op` on `stack` and translates the result, checking that a rejected item comes
/// back.
fn apply(stack: &Stack<u32>, op: &QOp<u32>) -> QRet<u32> {
    match *op {
        QOp::Push(v) => match stack.push(v) {
            Ok(()) => QRet::Pushed,
            Err(e) => {
                assert_eq!(e.into_inner(), v, "push handed back another item");
                QRet::Closed
            }
        },
        QOp::TryPush(v) => match stack.try_push(v) {
            Ok(()) => QRet::Pushed,
            Err(e) => {
                let ret = if e.is_full() {
                    QRet::Full
                } else {
                    QRet::Closed
                };
                assert_eq!(e.into_inner(), v, "try_push handed back another item");
                ret
            }
        },
        QOp::PushTimeout(v) => match stack.push_timeout(v, WAIT) {
            Ok(()) => QRet::Pushed,
            Err(e) => {
                let ret = if e.is_timeout() {
                    QRet::Timeout
                } else {
                    QRet::Closed
                };
                assert_eq!(e.into_inner(), v, "push_timeout handed back another item");
                ret
            }
        },
        QOp::Pop => stack.pop().map_or(QRet::Closed, QRet::Item),
        QOp::TryPop => match stack.try_pop() {
            Ok(v) => QRet::Item(v),
            Err(TryPopError::Empty) => QRet::Empty,
            Err(TryPopError::Closed) => QRet::Closed,
        },
        QOp::PopTimeout => match stack.pop_timeout(WAIT) {
            Ok(v) => QRet::Item(v),
            Err(PopTimeoutError::Timeout) => QRet::Timeout,
            Err(PopTimeoutError::Closed) => QRet::Closed,
        },
        QOp::Close => QRet::DidClose(stack.close()),
    }
}

/// Runs `program` `runs` times on fresh stacks of `capacity` and checks every history.
fn check_program(
    capacity: Option<usize>,
    program: Program,
    runs: usize,
) -> Result<(), TestCaseError> {
    for run in 0..runs {
        let stack = capacity.map_or_else(Stack::new, Stack::bounded);
        let p = program.clone();
        // The watchdog turns a lost wake-up into a failure instead of a hang.
        let history = within(HANG, move || run_program(&stack, &p, apply));
        if let Err(failure) = check(QueueModel::new(capacity, Lifo), history) {
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

    /// Unbounded: 2 or 3 threads, short programs, many runs each.
    #[test]
    fn unbounded_stack_is_linearizable(program in strategy::program(2..=3, 12)) {
        check_program(None, program, scaled(16, 1))?;
    }

    /// Bounded at 1, 2 or 3: `Full` and push timeouts must be real.
    #[test]
    fn bounded_stack_is_linearizable(
        capacity in 1usize..=3,
        program in strategy::program(2..=3, 12),
    ) {
        check_program(Some(capacity), program, scaled(16, 1))?;
    }

    /// 4 threads with longer programs: fewer cases, longer histories.
    #[test]
    fn stack_is_linearizable_long_histories(program in strategy::program(4..=4, 30)) {
        check_program(Some(4), program, scaled(4, 1))?;
    }
}
