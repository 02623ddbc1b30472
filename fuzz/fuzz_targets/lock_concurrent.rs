//! Multi-threaded mutual-exclusion check of `parkq::Lock`.
//!
//! # Decoding
//!
//! The first byte is the setup: bit 0 picks the number of workers (2 or 3), bit 1
//! whether the main thread holds the lock while the workers start (and releases it once
//! they all have, so they start by queueing up behind it). The other bytes are dealt
//! round-robin to the workers, at most [`MAX_OPS`] each. A worker's byte is one
//! operation: `byte % 8` picks the way to take the lock (see [`Worker::run`]),
//! `byte / 8 % 4` the timeout of a timed one out of [`TIMEOUTS`], and `byte / 32` how
//! many times the holder yields inside its critical section (0 to 7: long holds make
//! waiters park, lose rounds and become priority waiters).
//!
//! # What is asserted
//!
//! - Mutual exclusion: a worker that takes the lock finds the shared `inside` flag
//!   clear and sets it, and clears it before it releases; `locked()` is true all along.
//! - No lost update: the critical section increments a shared counter by a separate
//!   load and store with yields in between, so two holders at once would lose an
//!   increment; at the end the counter equals the number of successful acquisitions.
//! - Every release of a lock the worker took returns `Ok`; `try_acquire` and `try_lock`
//!   on a lock the worker itself holds return `false`/`None` (it is not reentrant).
//! - No lost wake-up: every blocking `acquire` and `lock` returns (the threads only
//!   hold the lock briefly); an input that hangs past libFuzzer's `-timeout` fails.
//! - At the end the lock is free: `locked()` is false, `release` reports
//!   `ReleaseError` and changes nothing, and the lock can be taken and released again.
#![no_main]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use parkq::{Lock, ReleaseError};

/// The most operations one worker runs, to keep each input short.
const MAX_OPS: usize = 48;

/// The timeouts of timed acquisitions, indexed by `byte / 8 % 4`: zero (one attempt),
/// a few microseconds (spinning), and long enough to park.
const TIMEOUTS: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_micros(5),
    Duration::from_micros(100),
    Duration::from_millis(1),
];

/// What the workers share besides the lock.
struct Shared {
    lock: Lock,
    /// Set while a worker is inside its critical section.
    inside: AtomicBool,
    /// Incremented once per critical section, by a load and a separate store.
    count: AtomicUsize,
}

impl Shared {
    /// The critical section of a worker that holds the lock: checks exclusion, bumps
    /// the counter non-atomically, yielding `yields` times on the way.
    fn critical_section(&self, yields: usize) {
        // Relaxed everywhere: the lock's own Acquire/Release order these accesses; if
        // it did not exclude, the swap below or the counter would show it.
        assert!(
            !self.inside.swap(true, Ordering::Relaxed),
            "two threads hold the lock at once"
        );
        assert!(self.lock.locked(), "locked() is false inside the lock");
        let before = self.count.load(Ordering::Relaxed);
        for _ in 0..yields {
            thread::yield_now();
        }
        self.count.store(before + 1, Ordering::Relaxed);
        assert!(self.lock.locked(), "locked() is false inside the lock");
        self.inside.store(false, Ordering::Relaxed);
    }
}

/// One worker's script.
struct Worker<'a> {
    ops: Vec<u8>,
    shared: &'a Shared,
    /// Critical sections this worker ran (successful acquisitions).
    acquired: usize,
}

impl Worker<'_> {
    /// Runs the critical section with the lock held by this worker, then checks that the
    /// lock is not reentrant and releases it with `release`.
    fn hold_then_release(&mut self, yields: usize, check_reentry: bool) {
        let lock = &self.shared.lock;
        self.shared.critical_section(yields);
        if check_reentry {
            assert!(!lock.try_acquire(), "try_acquire took a held lock");
            assert!(lock.try_lock().is_none(), "try_lock took a held lock");
        }
        self.acquired += 1;
        assert_eq!(lock.release(), Ok(()), "releasing a held lock failed");
    }

    /// Runs the critical section under a guard, which releases on drop.
    fn hold_guarded(&mut self, yields: usize) {
        self.shared.critical_section(yields);
        self.acquired += 1;
    }

    fn run(&mut self) {
        let lock = &self.shared.lock;
        for byte in std::mem::take(&mut self.ops) {
            let timeout = TIMEOUTS[usize::from(byte / 8 % 4)];
            let yields = usize::from(byte / 32);
            match byte % 8 {
                0 => {
                    lock.acquire();
                    self.hold_then_release(yields, true);
                }
                1 => {
                    if lock.try_acquire() {
                        self.hold_then_release(yields, false);
                    }
                }
                2 => {
                    if lock.acquire_timeout(timeout) {
                        self.hold_then_release(yields, true);
                    }
                }
                3 => {
                    if lock.acquire_deadline(Instant::now() + timeout) {
                        self.hold_then_release(yields, false);
                    }
                }
                4 => {
                    let guard = lock.lock();
                    self.hold_guarded(yields);
                    drop(guard);
                }
                5 => {
                    if let Some(guard) = lock.try_lock() {
                        self.hold_guarded(yields);
                        drop(guard);
                    }
                }
                6 => {
                    if let Some(guard) = lock.lock_timeout(timeout) {
                        self.hold_guarded(yields);
                        drop(guard);
                    }
                }
                _ => {
                    // A snapshot only: another worker may hold the lock or not.
                    let _ = lock.locked();
                    thread::yield_now();
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&setup, ops)) = data.split_first() else {
        return;
    };
    let workers = 2 + usize::from(setup & 1);
    let main_holds_first = setup & 2 != 0;

    let shared = Shared {
        lock: Lock::new(),
        inside: AtomicBool::new(false),
        count: AtomicUsize::new(0),
    };
    // Nothing held yet: releasing is an error that changes nothing.
    assert_eq!(shared.lock.release(), Err(ReleaseError));
    assert!(!shared.lock.locked());

    let mut scripts: Vec<Vec<u8>> = vec![Vec::new(); workers];
    for (i, &byte) in ops.iter().enumerate().take(workers * MAX_OPS) {
        scripts[i % workers].push(byte);
    }

    if main_holds_first {
        shared.lock.acquire();
    }
    let started = Barrier::new(workers + 1);
    let acquired: usize = thread::scope(|scope| {
        let handles: Vec<_> = scripts
            .into_iter()
            .map(|ops| {
                let (shared, started) = (&shared, &started);
                scope.spawn(move || {
                    let mut worker = Worker {
                        ops,
                        shared,
                        acquired: 0,
                    };
                    started.wait();
                    worker.run();
                    worker.acquired
                })
            })
            .collect();
        started.wait();
        if main_holds_first {
            // The main thread's critical section: released by this thread, not by a
            // guard, while the workers race to take the lock.
            shared.critical_section(1);
            assert_eq!(shared.lock.release(), Ok(()));
        }
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });

    let main_sections = usize::from(main_holds_first);
    assert_eq!(
        shared.count.load(Ordering::Relaxed),
        acquired + main_sections,
        "an increment was lost: two holders at once"
    );
    assert!(
        !shared.lock.locked(),
        "the lock is still held after every release"
    );
    assert_eq!(shared.lock.release(), Err(ReleaseError));
    assert!(!shared.lock.locked(), "a failed release changed the lock");
    assert!(shared.lock.try_acquire());
    assert_eq!(shared.lock.release(), Ok(()));
});
