//! `Lock` against its sequential specification, on real threads (see `tests/lincheck`):
//! random programs of acquire/try_acquire/acquire_timeout each followed by a release
//! (from the same thread, which may release a lock another thread holds, as Python
//! allows), over 2-4 threads, each run many times; every history must be linearizable.
//!
//! The specification is a boolean: an acquisition succeeds only on a free lock and
//! takes it; `try_acquire` and `acquire_timeout` fail only while it is held (at some
//! instant during the call, for a timeout: at its deadline); `release` succeeds only on
//! a held lock and frees it, and fails with `ReleaseError` otherwise. Hand-offs keep the
//! lock held from the release to the recipient, so they must pass unnoticed.
//!
//! Programs cannot hang: every acquisition is followed by a release by the same thread,
//! so a held lock is always released (or was already released by someone else).
//! `PARKQ_LINCHECK_CASES` raises the number of cases.
#![cfg(not(loom))]

mod common;
mod lincheck;

use common::{scaled, within, HANG};
use lincheck::{cases, check, Model, Recorder};
use parkq::{Lock, ReleaseError};
use proptest::prelude::*;
use std::time::Duration;

/// How long a timed acquire waits: long enough to be handed the lock, short enough to
/// time out often.
const WAIT: Duration = Duration::from_micros(200);

/// An operation of the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    Acquire,
    TryAcquire,
    AcquireTimeout,
    Release,
}

/// What it returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Ret {
    /// The lock was acquired.
    Acquired,
    /// `try_acquire` or `acquire_timeout` returned false.
    Busy,
    /// `release` returned `Ok`.
    Released,
    /// `release` returned `Err(ReleaseError)`.
    NotHeld,
}

/// The sequential lock: held or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct LockModel {
    held: bool,
}

impl Model for LockModel {
    type Op = Op;
    type Ret = Ret;

    fn step(&self, op: &Op, ret: &Ret) -> Option<LockModel> {
        let held = self.held;
        match (op, ret) {
            (Op::Acquire | Op::TryAcquire | Op::AcquireTimeout, Ret::Acquired) if !held => {
                Some(LockModel { held: true })
            }
            (Op::TryAcquire | Op::AcquireTimeout, Ret::Busy) if held => Some(*self),
            (Op::Release, Ret::Released) if held => Some(LockModel { held: false }),
            (Op::Release, Ret::NotHeld) if !held => Some(*self),
            _ => None,
        }
    }
}

fn apply(lock: &Lock, op: Op) -> Ret {
    let acquired = match op {
        Op::Acquire => {
            lock.acquire();
            true
        }
        Op::TryAcquire => lock.try_acquire(),
        Op::AcquireTimeout => lock.acquire_timeout(WAIT),
        Op::Release => {
            return match lock.release() {
                Ok(()) => Ret::Released,
                Err(ReleaseError) => Ret::NotHeld,
            }
        }
    };
    if acquired {
        Ret::Acquired
    } else {
        Ret::Busy
    }
}

/// Runs one program (per thread: a list of acquire kinds, each followed by a release)
/// `runs` times on fresh locks and checks every history.
fn check_program(threads: &[Vec<Op>], runs: usize) -> Result<(), TestCaseError> {
    for _ in 0..runs {
        let lock = Lock::new();
        let recorder = Recorder::default();
        std::thread::scope(|s| {
            for (t, kinds) in threads.iter().enumerate() {
                let (lock, recorder) = (&lock, &recorder);
                s.spawn(move || {
                    for &kind in kinds {
                        recorder.record(t, kind, || apply(lock, kind));
                        recorder.record(t, Op::Release, || apply(lock, Op::Release));
                    }
                });
            }
        });
        let history = recorder.into_history();
        if let Err(e) = check(LockModel { held: false }, history) {
            return Err(TestCaseError::fail(format!("{e:?}")));
        }
        prop_assert!(!lock.locked(), "every acquisition was released");
    }
    Ok(())
}

fn kind() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Acquire),
        Just(Op::TryAcquire),
        Just(Op::AcquireTimeout),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(scaled(64, 4)),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn lock_is_linearizable(
        threads in prop::collection::vec(prop::collection::vec(kind(), 1..=scaled(12, 3)), 2..=4)
    ) {
        let runs = scaled(20, 2);
        within(HANG, move || check_program(&threads, runs))?;
    }
}

/// The checker rejects what a broken lock would do: two acquisitions without a release
/// between them, and a release reported as an error while the lock was held.
#[test]
fn the_specification_rejects_broken_histories() {
    let free = LockModel { held: false };
    let held = free.step(&Op::Acquire, &Ret::Acquired).unwrap();
    assert!(held.step(&Op::TryAcquire, &Ret::Acquired).is_none());
    assert!(held.step(&Op::Release, &Ret::NotHeld).is_none());
    assert!(free.step(&Op::TryAcquire, &Ret::Busy).is_none());
    assert!(free.step(&Op::Release, &Ret::Released).is_none());
}
