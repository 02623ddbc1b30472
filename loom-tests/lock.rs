//! loom models of `Lock` on the parking layer.
//!
//! Run with `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release
//! --test loom_lock`. Each model names its preemption bound; `LOOM_MAX_PREEMPTIONS`
//! overrides it. The data a critical section touches is a loom `UnsafeCell`, so a
//! critical section that overlaps another, or one that does not see the previous one's
//! write (a weakened Acquire/Release), fails as a data race or causality violation.
//!
//! Under loom a waiter becomes a priority waiter after two lost rounds (the re-check
//! after registering, then one wake-up), so the models with a thread that releases and
//! re-acquires reach the hand-off path as well as the barging one.
#![cfg(loom)]

mod common;

use common::{model, LONG};
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;
use parkq::{Lock, ReleaseError};

/// A lock and the data it protects.
struct Guarded {
    lock: Lock,
    data: UnsafeCell<usize>,
}

// SAFETY: `data` is only accessed between `lock.acquire()` and `lock.release()`; loom
// checks that claim, which is what the models are for.
unsafe impl Sync for Guarded {}

impl Guarded {
    fn new() -> Arc<Guarded> {
        Arc::new(Guarded {
            lock: Lock::new(),
            data: UnsafeCell::new(0),
        })
    }

    /// Adds one to the data. Call only while holding the lock.
    fn increment(&self) {
        // SAFETY: the caller holds the lock (loom reports it if not).
        self.data.with_mut(|data| unsafe { *data += 1 });
    }

    /// Reads the data. Call only while holding the lock.
    fn read(&self) -> usize {
        // SAFETY: as in `increment`.
        self.data.with(|data| unsafe { *data })
    }
}

/// Two threads each increment the data under the lock while the main thread does too:
/// no two critical sections overlap and each sees the previous one's write.
#[test]
fn mutual_exclusion() {
    model(Some(3), || {
        let guarded = Guarded::new();
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let guarded = guarded.clone();
                thread::spawn(move || {
                    guarded.lock.acquire();
                    guarded.increment();
                    guarded.lock.release().unwrap();
                })
            })
            .collect();
        guarded.lock.acquire();
        guarded.increment();
        guarded.lock.release().unwrap();
        for worker in workers {
            worker.join().unwrap();
        }
        assert!(guarded.lock.try_acquire());
        assert_eq!(guarded.read(), 3);
        guarded.lock.release().unwrap();
    });
}

/// One waiter blocked on a held lock is woken by the release (loom reports a deadlock if
/// the wake-up is lost). Exhaustive.
#[test]
fn release_wakes_blocked_acquire() {
    model(None, || {
        let guarded = Guarded::new();
        guarded.lock.acquire();
        let waiter = {
            let guarded = guarded.clone();
            thread::spawn(move || {
                guarded.lock.acquire();
                let seen = guarded.read();
                guarded.lock.release().unwrap();
                seen
            })
        };
        guarded.increment();
        guarded.lock.release().unwrap();
        assert_eq!(
            waiter.join().unwrap(),
            1,
            "the waiter saw the critical section"
        );
        assert!(!guarded.lock.locked());
    });
}

/// Two waiters on a held lock; one release: both get through (each release passes the
/// lock on), whichever path (barging or hand-off) each takes.
#[test]
fn two_waiters_both_get_through() {
    model(Some(3), || {
        let guarded = Guarded::new();
        guarded.lock.acquire();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let guarded = guarded.clone();
                thread::spawn(move || {
                    guarded.lock.acquire();
                    guarded.increment();
                    guarded.lock.release().unwrap();
                })
            })
            .collect();
        guarded.lock.release().unwrap();
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert!(guarded.lock.try_acquire());
        assert_eq!(guarded.read(), 2);
    });
}

/// The main thread releases and re-acquires (barges) twice while a waiter blocks: the
/// waiter becomes a priority waiter in some interleavings and is then handed the lock.
/// Every path ends with both done, the critical sections exclusive, the lock free.
#[test]
fn barging_then_handoff() {
    model(Some(4), || {
        let guarded = Guarded::new();
        guarded.lock.acquire();
        let waiter = {
            let guarded = guarded.clone();
            thread::spawn(move || {
                guarded.lock.acquire();
                guarded.increment();
                guarded.lock.release().unwrap();
            })
        };
        for _ in 0..2 {
            guarded.increment();
            guarded.lock.release().unwrap();
            guarded.lock.acquire();
        }
        guarded.lock.release().unwrap();
        waiter.join().unwrap();
        assert!(
            guarded.lock.try_acquire(),
            "a hand-off or priority count leaked"
        );
        assert_eq!(guarded.read(), 3);
    });
}

/// A timed acquire racing the release (loom may expire its deadline at any point): if it
/// reports success it holds the lock and sees the critical section; if it reports a
/// timeout, the lock is free afterwards (no hand-off or priority count left behind).
/// Exhaustive.
#[test]
fn timeout_racing_release() {
    model(None, || {
        let guarded = Guarded::new();
        guarded.lock.acquire();
        let waiter = {
            let guarded = guarded.clone();
            thread::spawn(move || {
                if !guarded.lock.acquire_timeout(LONG) {
                    return None;
                }
                let seen = guarded.read();
                guarded.lock.release().unwrap();
                Some(seen)
            })
        };
        guarded.increment();
        guarded.lock.release().unwrap();
        if let Some(seen) = waiter.join().unwrap() {
            assert_eq!(seen, 1);
        }
        assert!(
            guarded.lock.try_acquire(),
            "a timed-out waiter left the lock held"
        );
    });
}

/// A timed acquire that may become a priority waiter (the main thread barges twice) and
/// may time out at any point, including after a release handed it the lock: a waiter
/// that times out never leaves the lock held, and one handed the lock reports success.
#[test]
fn priority_waiter_times_out() {
    model(Some(4), || {
        let guarded = Guarded::new();
        guarded.lock.acquire();
        let waiter = {
            let guarded = guarded.clone();
            thread::spawn(move || {
                let acquired = guarded.lock.acquire_timeout(LONG);
                if acquired {
                    guarded.increment();
                    guarded.lock.release().unwrap();
                }
                acquired
            })
        };
        for _ in 0..2 {
            guarded.increment();
            guarded.lock.release().unwrap();
            guarded.lock.acquire();
        }
        guarded.lock.release().unwrap();
        let acquired = waiter.join().unwrap();
        assert!(guarded.lock.try_acquire(), "the lock was left held");
        assert_eq!(guarded.read(), 2 + usize::from(acquired));
    });
}

/// Two waiters block while the main thread barges twice: both may become priority
/// waiters, and the two hand-offs (fungible units of the state word) reach both.
#[test]
fn two_priority_waiters() {
    model(Some(3), || {
        let guarded = Guarded::new();
        guarded.lock.acquire();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let guarded = guarded.clone();
                thread::spawn(move || {
                    guarded.lock.acquire();
                    guarded.increment();
                    guarded.lock.release().unwrap();
                })
            })
            .collect();
        for _ in 0..2 {
            guarded.lock.release().unwrap();
            guarded.lock.acquire();
        }
        guarded.lock.release().unwrap();
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert!(
            guarded.lock.try_acquire(),
            "a hand-off or priority count leaked"
        );
        assert_eq!(guarded.read(), 2);
    });
}

/// Python's ownerless release: a thread that did not acquire the lock releases it, and
/// a waiter blocked on it gets through. Exhaustive.
#[test]
fn release_by_another_thread_wakes_waiter() {
    model(None, || {
        let lock = Arc::new(Lock::new());
        lock.acquire();
        let releaser = {
            let lock = lock.clone();
            thread::spawn(move || lock.release())
        };
        lock.acquire(); // parks until the other thread releases
        assert_eq!(releaser.join().unwrap(), Ok(()));
        assert_eq!(lock.release(), Ok(()));
        assert_eq!(lock.release(), Err(ReleaseError));
    });
}

/// Two threads release a lock held once: exactly one succeeds, the other gets the error
/// and changes nothing. Exhaustive.
#[test]
fn double_release_is_an_error() {
    model(None, || {
        let lock = Arc::new(Lock::new());
        lock.acquire();
        let other = {
            let lock = lock.clone();
            thread::spawn(move || lock.release())
        };
        let mine = lock.release();
        let theirs = other.join().unwrap();
        assert!(
            mine.is_ok() != theirs.is_ok(),
            "exactly one release succeeds: {mine:?}, {theirs:?}"
        );
        assert!(!lock.locked());
        assert!(lock.try_acquire());
    });
}

/// A priority waiter's hand-off, then a release by a third thread before the recipient
/// has picked it up (Python lets any thread release a held lock): every thread finishes,
/// nothing panics, and the lock ends free.
#[test]
fn foreign_release_during_handoff() {
    model(Some(3), || {
        let lock = Arc::new(Lock::new());
        lock.acquire();
        let waiter = {
            let lock = lock.clone();
            thread::spawn(move || {
                lock.acquire();
                // Another thread may have released it meanwhile: either answer is fine.
                let _ = lock.release();
            })
        };
        let stranger = {
            let lock = lock.clone();
            thread::spawn(move || {
                let _ = lock.release();
            })
        };
        for _ in 0..2 {
            let _ = lock.release();
            lock.acquire();
        }
        let _ = lock.release();
        waiter.join().unwrap();
        stranger.join().unwrap();
        assert!(lock.try_acquire(), "the lock was left held");
    });
}
