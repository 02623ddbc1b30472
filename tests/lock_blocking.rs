//! `Lock`'s Python semantics, one behaviour per test: acquire and release, `try_acquire`,
//! timeouts, release by another thread, errors, and the guard.
#![cfg(not(loom))]

mod common;

use common::{within, HANG};
use parkq::{Lock, ReleaseError};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

#[test]
fn acquire_release_and_locked() {
    let lock = Lock::new();
    assert!(!lock.locked());
    lock.acquire();
    assert!(lock.locked());
    assert_eq!(lock.release(), Ok(()));
    assert!(!lock.locked());
}

#[test]
fn try_acquire_fails_only_while_held() {
    let lock = Lock::default();
    assert!(lock.try_acquire());
    assert!(!lock.try_acquire());
    lock.release().unwrap();
    assert!(lock.try_acquire());
    lock.release().unwrap();
}

#[test]
fn releasing_an_unlocked_lock_is_an_error_and_changes_nothing() {
    let lock = Lock::new();
    assert_eq!(lock.release(), Err(ReleaseError));
    assert!(!lock.locked());
    lock.acquire();
    lock.release().unwrap();
    let err = lock.release().unwrap_err();
    assert_eq!(err.to_string(), "release unlocked lock");
    // Still usable, still unlocked.
    assert!(lock.try_acquire());
    assert!(lock.locked());
    lock.release().unwrap();
}

#[test]
fn acquire_timeout_times_out_on_a_held_lock() {
    let lock = Lock::new();
    lock.acquire();
    let deadline = Instant::now() + Duration::from_millis(20);
    assert!(!lock.acquire_deadline(deadline));
    assert!(Instant::now() >= deadline, "returned before its deadline");
    assert!(!lock.acquire_timeout(Duration::ZERO));
    // A timed-out waiter leaves nothing behind: the owner's release frees the lock.
    lock.release().unwrap();
    assert!(lock.acquire_timeout(Duration::ZERO));
    lock.release().unwrap();
}

#[test]
fn huge_timeout_waits_forever_instead_of_panicking() {
    let lock = Arc::new(Lock::new());
    assert!(lock.acquire_timeout(Duration::MAX));
    let releaser = {
        let lock = lock.clone();
        thread::spawn(move || lock.release().unwrap())
    };
    let lock2 = lock.clone();
    within(HANG, move || assert!(lock2.acquire_timeout(Duration::MAX)));
    releaser.join().unwrap();
    lock.release().unwrap();
}

#[test]
fn blocked_acquire_is_woken_by_release() {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let (started, waiting) = mpsc::channel();
    let waiter = {
        let lock = lock.clone();
        thread::spawn(move || {
            started.send(()).unwrap();
            lock.acquire();
            lock.release().unwrap();
        })
    };
    waiting.recv().unwrap();
    lock.release().unwrap();
    within(HANG, move || waiter.join().unwrap());
}

/// Python's ownerless release: the thread that acquired hands the lock to another thread,
/// which releases it; a third thread waiting on it then gets it.
#[test]
fn any_thread_may_release_a_held_lock() {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let waiter = {
        let lock = lock.clone();
        thread::spawn(move || {
            lock.acquire();
            lock.release()
        })
    };
    let releaser = {
        let lock = lock.clone();
        thread::spawn(move || lock.release())
    };
    assert_eq!(releaser.join().unwrap(), Ok(()));
    assert_eq!(within(HANG, move || waiter.join().unwrap()), Ok(()));
    assert!(!lock.locked());
}

#[test]
fn guard_releases_on_drop() {
    let lock = Lock::new();
    {
        let _guard = lock.lock();
        assert!(lock.locked());
        assert!(lock.try_lock().is_none());
        assert!(lock.lock_timeout(Duration::from_millis(1)).is_none());
        assert!(lock.locked(), "a failed try_lock must not release the lock");
    }
    assert!(!lock.locked());
    let guard = lock.lock_timeout(Duration::from_millis(1)).unwrap();
    drop(guard);
    assert!(!lock.locked());
}

#[test]
#[should_panic(expected = "already been released by another thread")]
fn guard_reports_a_release_behind_its_back() {
    let lock = Lock::new();
    let _guard = lock.lock();
    lock.release().unwrap(); // as another thread may, in Python
}

#[test]
fn lock_and_errors_are_send_sync_debug() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Lock>();
    assert_send_sync::<ReleaseError>();
    let lock = Lock::new();
    assert_eq!(format!("{lock:?}"), "Lock { locked: false, .. }");
    let guard = lock.lock();
    assert_eq!(format!("{lock:?}"), "Lock { locked: true, .. }");
    assert_eq!(format!("{guard:?}"), "LockGuard { .. }");
    let err: Box<dyn std::error::Error> = Box::new(ReleaseError);
    assert_eq!(err.to_string(), "release unlocked lock");
}
