//! loom models of `Stack`, each run in both modes of the reclamation facade's loom
//! backend (see `src/reclaim.rs`):
//!
//! - never-free: nothing in the reclamation orders anything, so the stack's own
//!   orderings must publish every node (a push CAS without `Release` is a data race on
//!   the item);
//! - grace-period: retired nodes are poisoned once every guard held at their retirement
//!   is dropped, so a node read without a guard, or retired while still reachable, is a
//!   data race or a failed assertion.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --test loom_stack`. Each model
//! names its preemption bound; `LOOM_MAX_PREEMPTIONS` in the environment overrides it.
//! Items are loom `Arc`s where it matters: loom reports a leaked one and panics on a
//! double drop.
#![cfg(loom)]

mod common;

use common::{model, LONG};
use loom::sync::Arc;
use loom::thread;
use parkq::loom_hooks::{loom_mode, LoomMode};
use parkq::{PopTimeoutError, Stack, TryPopError, TryPushError};

/// Runs `f` as a model in both reclamation modes.
fn both_modes(bound: Option<usize>, f: fn()) {
    for mode in [LoomMode::NeverFree, LoomMode::GracePeriod] {
        loom_mode(mode);
        model(bound, f);
    }
}

/// Two pushers and a popper: every item comes out exactly once, and the two items of
/// one pusher in LIFO order when both are inside.
#[test]
fn concurrent_push_and_pop() {
    both_modes(Some(2), || {
        let stack = Arc::new(Stack::new());
        let pushers: Vec<_> = (0..2)
            .map(|p| {
                let stack = stack.clone();
                thread::spawn(move || stack.push(Arc::new(p)).unwrap())
            })
            .collect();
        let first = stack.try_pop().ok().map(|item| *item);
        for pusher in pushers {
            pusher.join().unwrap();
        }
        let mut got: Vec<i32> = first.into_iter().collect();
        while let Ok(item) = stack.try_pop() {
            got.push(*item);
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1]);
    });
}

/// The ABA and use-after-free case: two poppers race for the last nodes while a pusher
/// pushes a new node (which, without safe reclamation, could reuse a popped node's
/// memory). Each item comes out once; nothing is read after it is reclaimed.
#[test]
fn pop_races_pop_on_the_last_node() {
    both_modes(Some(2), || {
        let stack = Arc::new(Stack::new());
        stack.push(Arc::new(1)).unwrap();
        stack.push(Arc::new(2)).unwrap();
        let poppers: Vec<_> = (0..2)
            .map(|_| {
                let stack = stack.clone();
                thread::spawn(move || stack.try_pop().ok().map(|item| *item))
            })
            .collect();
        stack.push(Arc::new(3)).unwrap();
        let mut got: Vec<i32> = poppers
            .into_iter()
            .filter_map(|p| p.join().unwrap())
            .collect();
        while let Ok(item) = stack.try_pop() {
            got.push(*item);
        }
        got.sort_unstable();
        assert_eq!(got, [1, 2, 3]);
    });
}

/// A pop parked on an empty stack is woken by a push.
#[test]
fn blocked_pop_woken_by_push() {
    both_modes(None, || {
        let stack = Arc::new(Stack::new());
        let popper = {
            let stack = stack.clone();
            thread::spawn(move || stack.pop())
        };
        stack.push(7).unwrap();
        assert_eq!(popper.join().unwrap(), Some(7));
    });
}

/// A close wakes a parked pop (which then reports closed) and a parked bounded push
/// (which hands its item back), and the item inside is still drained.
#[test]
fn close_while_blocked() {
    both_modes(Some(2), || {
        let empty = Arc::new(Stack::<i32>::new());
        let full = Arc::new(Stack::bounded(1));
        full.push(1).unwrap();
        let popper = {
            let empty = empty.clone();
            thread::spawn(move || empty.pop())
        };
        let pusher = {
            let full = full.clone();
            thread::spawn(move || full.push(2).map_err(|e| e.into_inner()))
        };
        empty.close();
        full.close();
        assert_eq!(popper.join().unwrap(), None);
        let pushed = pusher.join().unwrap();
        assert_eq!(pushed, Err(2), "closed while full: the push fails");
        assert_eq!(full.pop(), Some(1));
        assert_eq!(full.pop(), None);
    });
}

/// A bounded push parked while full is woken by a pop, and its item goes in on top:
/// the pop must take the item that was inside (the push cannot link before it).
#[test]
fn bounded_push_blocked_while_full() {
    both_modes(Some(3), || {
        let stack = Arc::new(Stack::bounded(1));
        stack.push(1).unwrap();
        let pusher = {
            let stack = stack.clone();
            thread::spawn(move || stack.push(2).unwrap())
        };
        assert_eq!(stack.pop(), Some(1));
        pusher.join().unwrap();
        assert_eq!(stack.try_pop(), Ok(2));
    });
}

/// After a pop has returned, a bounded stack it emptied has room: `try_push` never
/// reports a stale `Full`.
#[test]
fn try_push_never_full_after_completed_pop() {
    both_modes(None, || {
        let stack = Arc::new(Stack::bounded(1));
        stack.push(1).unwrap();
        let popper = {
            let stack = stack.clone();
            thread::spawn(move || stack.try_pop())
        };
        let popped = popper.join().unwrap();
        assert_eq!(popped, Ok(1));
        assert_eq!(stack.try_push(2), Ok(()));
        assert_eq!(stack.try_push(3), Err(TryPushError::Full(3)));
    });
}

/// A timed pop racing a push: it either gets the item or times out, and an item it did
/// not get is still inside.
#[test]
fn pop_timeout_races_push() {
    both_modes(None, || {
        let stack = Arc::new(Stack::new());
        let pusher = {
            let stack = stack.clone();
            thread::spawn(move || stack.push(5).unwrap())
        };
        let got = stack.pop_timeout(LONG);
        pusher.join().unwrap();
        match got {
            Ok(item) => assert_eq!(item, 5),
            Err(PopTimeoutError::Timeout) => assert_eq!(stack.try_pop(), Ok(5)),
            Err(PopTimeoutError::Closed) => panic!("never closed"),
        }
    });
}

/// `join` returns only after the worker's `task_done`, and sees the work done before it.
#[test]
fn task_done_then_join() {
    both_modes(Some(2), || {
        let stack = Arc::new(Stack::new());
        let work = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let worker = {
            let (stack, work) = (stack.clone(), work.clone());
            thread::spawn(move || {
                let item = stack.pop().unwrap();
                work.store(item, loom::sync::atomic::Ordering::Relaxed);
                stack.task_done();
            })
        };
        stack.push(9).unwrap();
        stack.join();
        assert_eq!(work.load(loom::sync::atomic::Ordering::Relaxed), 9);
        worker.join().unwrap();
        assert_eq!(stack.try_pop(), Err(TryPopError::Empty));
    });
}

/// Items left inside when the stack drops, or drained by the immediate close racing a
/// pop, are each dropped exactly once (loom `Arc`s: a leak or a double drop fails).
#[test]
fn drain_racing_pop_drops_each_item_once() {
    both_modes(Some(2), || {
        let stack = Arc::new(Stack::new());
        for i in 0..3 {
            stack.push(Arc::new(i)).unwrap();
        }
        let popper = {
            let stack = stack.clone();
            thread::spawn(move || stack.try_pop().ok())
        };
        let drained = stack.close_and_drain();
        let popped = popper.join().unwrap();
        assert_eq!(drained.len() + usize::from(popped.is_some()), 3);
        drop(stack);
    });
}

/// Two bounded pushes race: the second to link reads the first's depth (published by
/// its CAS), so the stack knows it is full exactly when it is.
#[test]
fn bounded_pushes_race_and_count_depth() {
    both_modes(Some(2), || {
        let stack = Arc::new(Stack::bounded(2));
        let pushers: Vec<_> = (0..2)
            .map(|p| {
                let stack = stack.clone();
                thread::spawn(move || stack.try_push(p).is_ok())
            })
            .collect();
        let pushed: Vec<bool> = pushers.into_iter().map(|p| p.join().unwrap()).collect();
        assert_eq!(pushed, [true, true], "room for both");
        assert_eq!(stack.len(), 2);
        assert_eq!(stack.try_push(9), Err(TryPushError::Full(9)));
    });
}

/// `len` of a bounded stack racing a push reads the new top's depth only through the
/// push's publication: 0 or 1, never a torn or stale depth.
#[test]
fn len_races_a_bounded_push() {
    both_modes(None, || {
        let stack = Arc::new(Stack::bounded(2));
        let pusher = {
            let stack = stack.clone();
            thread::spawn(move || stack.push(1).unwrap())
        };
        let len = stack.len();
        assert!(len <= 1, "len {len} with one push");
        pusher.join().unwrap();
        assert_eq!(stack.len(), 1);
    });
}

/// A push is counted after its item can be popped, so a worker may pop it and call
/// `task_done` before the count: `join` must still return (whichever of the push count
/// and the `task_done` comes last wakes it).
#[test]
fn task_done_racing_the_push_count() {
    both_modes(Some(2), || {
        let stack = Arc::new(Stack::new());
        let pusher = {
            let stack = stack.clone();
            thread::spawn(move || stack.push(1).unwrap())
        };
        let worker = {
            let stack = stack.clone();
            thread::spawn(move || {
                assert_eq!(stack.pop(), Some(1));
                stack.task_done();
            })
        };
        // Joining before the pusher is joined: `join` may return at once (nothing
        // pushed yet, which is fine) or wait; it must never wait forever.
        stack.join();
        pusher.join().unwrap();
        worker.join().unwrap();
        stack.join();
    });
}
