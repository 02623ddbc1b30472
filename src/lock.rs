//! `Lock`: Python's `threading.Lock`, a binary lock that parks its waiters.
//!
//! The algorithm is a *barging* lock with *eventual hand-off*, the scheme of WebKit's
//! `WTF::Lock` and parking_lot's `RawMutex`, on the crate's own parking layer
//! ([`crate::park`]) and with a count of lost rounds instead of a timer:
//!
//! - Acquiring is one compare-and-swap of the state word from unlocked to locked. A
//!   thread that finds the lock taken spins briefly ([`crate::backoff`]), then registers
//!   in `waiters` and parks (`wait_until`: register, fence, re-check, park).
//! - Releasing clears the locked bit and notifies `waiters`, which wakes the oldest
//!   parked waiter. The lock is free at that point: any thread may take it before the
//!   woken waiter runs (barging). That keeps a busy lock busy instead of idle for the
//!   ~24 µs a wake-up takes, and is what `std::sync::Mutex` does too.
//! - Barging alone can starve a waiter. So a waiter that has lost
//!   [`ROUNDS_BEFORE_PRIORITY`] rounds (woken, or re-checked after registering, and the
//!   lock was taken again each time) becomes a *priority waiter*: it adds itself to the
//!   `PRIORITY` count of the state word, which it may do only while the lock is held.
//!   While that count is non-zero, `release` does not unlock: it moves one unit from
//!   `PRIORITY` to `HANDOFF` in the same compare-and-swap, leaving the lock locked, and
//!   notifies `handoffs`, where priority waiters park. A priority waiter takes the lock
//!   by taking one `HANDOFF` unit. Nobody can barge in between: the lock never looked
//!   free.
//!
//! # The state word
//!
//! `LOCKED` (bit 0) | `PRIORITY` count (bits 1 to half the word) | `HANDOFF` count (the
//! upper half). Invariants, each kept by compare-and-swap on the one word:
//!
//! - `PRIORITY > 0` implies `LOCKED`: a waiter joins the priority count only from a
//!   locked state, and `release` clears `LOCKED` only when the count is zero.
//! - `PRIORITY + HANDOFF` is the number of priority waiters still inside `acquire`: a
//!   release moves a unit from one count to the other, and a priority waiter leaves by
//!   taking a `HANDOFF` unit (it got the lock) or, at its deadline, a `PRIORITY` unit
//!   (it did not). So a priority waiter that times out finds one of the two, and takes
//!   the lock if a release handed it over meanwhile.
//! - With only owners releasing, `HANDOFF` is 0 or 1, and 1 only while `LOCKED`. Python
//!   lets any thread release a held lock, so a third thread may release the lock while a
//!   hand-off is in flight; the recipient still returns from `acquire` (the lock was
//!   handed to it, then released by someone else, exactly as if that release had come a
//!   moment later) and every operation stays linearizable: the recipient's acquisition
//!   takes effect at the hand-off.
//!
//! # Fairness
//!
//! A blocked `acquire` loses at most [`ROUNDS_BEFORE_PRIORITY`] rounds to barging
//! threads. From the moment it is a priority waiter, no thread can take the lock except
//! priority waiters, each by hand-off at a release, in the order the parking layer wakes
//! them (oldest first). Between two of its rounds, though, any number of acquisitions
//! can happen: the bound is on the waiter's lost rounds, not on the others' acquisitions.
//! `try_acquire` and the timed forms never wait for priority waiters' hand-offs to
//! complete; they simply find the lock held.
//!
//! # Blocking
//!
//! Through [`crate::park`], with its handshake: the releasing thread publishes the
//! new state (its compare-and-swap), then runs the notifier's fence and one Relaxed load
//! of the wait list's flag; a waiter registers, runs the waiter's fence, and re-checks
//! the state. Either the releaser sees the waiter or the waiter's re-check sees the
//! release, so no wake-up is lost.
//!
//! Data protection is left to `std::sync::Mutex`: with Python's semantics, any thread may
//! release a held `Lock`, so a guard could not prove that it still holds the lock, and a
//! `Lock<T>` handing out `&mut T` through it would be unsound.

use std::fmt;
use std::time::{Duration, Instant};

use crate::park::{wait_until, wait_until_phased, Phase, Poll, WaitFor, WaitList};
use crate::shim::{AtomicUsize, Ordering};

/// The lock is held (or being handed to a priority waiter).
const LOCKED: usize = 1;
/// One priority waiter that has not been handed the lock yet; the count occupies bits
/// 1 up to half the word (2^15 - 1 waiters on 32-bit targets, 2^31 - 1 on 64-bit).
const PRIORITY: usize = 1 << 1;
/// One hand-off not yet taken by its priority waiter; the count is the upper half.
const HANDOFF: usize = 1 << (usize::BITS / 2);
/// The bits of the `PRIORITY` count.
const PRIORITY_MASK: usize = HANDOFF - PRIORITY;

/// How many rounds a blocked `acquire` loses before it becomes a priority waiter.
///
/// A round is one failed attempt after the spin phase: the re-check right after
/// registering in the wait list, or the attempt after a wake-up (each park costs about
/// two rounds), so 8 rounds is about four parks. `cargo bench --bench lock` on the
/// project's 2-core VM could not tell 2, 8 and 32 apart: parkq's contended throughput
/// stayed within 86-106 M critical sections/s for all three, inside the run-to-run noise.
/// 8 keeps hand-offs (each leaves the lock idle for a wake-up's latency) rare while
/// bounding how long a waiter can lose to barging threads.
#[cfg(not(loom))]
pub(crate) const ROUNDS_BEFORE_PRIORITY: u32 = 8;
/// Under loom two lost rounds (the re-check after registering, then one wake-up) make a
/// priority waiter, so that small models reach both the barging park and the hand-off.
#[cfg(loom)]
pub(crate) const ROUNDS_BEFORE_PRIORITY: u32 = 2;

/// A binary lock that parks its waiters: Python's `threading.Lock`.
///
/// `acquire` blocks until the lock is free and takes it; `release` frees it. Unlike a
/// Rust `Mutex`, the lock has no owner: as in Python, any thread may release a held
/// lock (for example a thread that hands work to another and lets it release when
/// done). Releasing a lock that is not held is an error, reported as [`ReleaseError`].
///
/// For Rust code, [`lock`](Lock::lock) returns a [`LockGuard`] that releases the lock
/// when dropped. To protect data, use `std::sync::Mutex`: since any thread may release
/// a `Lock`, a guard cannot prove it still holds it, so there is no `Lock<T>` handing out
/// `&mut T`.
///
/// Waiters spin briefly, then park; none spins without bound.
///
/// # Fairness
///
/// A released lock is free for whoever comes first (barging), as with
/// `std::sync::Mutex`. But a blocked `acquire` loses at most 8 rounds (failed attempts
/// after its spin phase, about four parks) to barging threads; then it becomes a
/// priority waiter, and every release hands the lock directly to a priority waiter
/// without unlocking it, so no other thread can take it in between. The bound is on the
/// waiter's lost rounds, not on the number of acquisitions by others between them.
///
/// # Examples
///
/// The seed's counter: ten threads increment a shared value under the lock.
///
#[doc = crate::example!()]
/// use parkq::Lock;
/// use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
/// use std::thread;
///
/// let lock = Lock::new();
/// let value = AtomicUsize::new(0);
/// thread::scope(|s| {
///     for _ in 0..10 {
///         s.spawn(|| {
///             for _ in 0..10 {
///                 lock.acquire(); // critical section
///                 // A load and a store, not an atomic increment: only the lock keeps
///                 // two threads from reading the same value.
///                 value.store(value.load(Relaxed) + 1, Relaxed);
///                 lock.release().unwrap();
///             }
///         });
///     }
/// });
/// assert_eq!(value.into_inner(), 100);
/// ```
pub struct Lock {
    /// `LOCKED`, the `PRIORITY` count and the `HANDOFF` count (see the module doc).
    state: AtomicUsize,
    /// Threads waiting for the lock to be released (barging waiters).
    waiters: WaitList,
    /// Priority waiters, waiting for a release to hand them the lock.
    handoffs: WaitList,
}

/// What the barging phase of a blocking acquire ended with.
enum Barging {
    /// The lock is ours.
    Acquired,
    /// We lost too many rounds and are now counted in `PRIORITY`.
    Priority,
}

impl Lock {
    /// Creates an unlocked lock.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let lock = parkq::Lock::new();
    /// assert!(!lock.locked());
    /// ```
    pub fn new() -> Lock {
        Lock {
            state: AtomicUsize::new(0),
            waiters: WaitList::contended(),
            handoffs: WaitList::contended(),
        }
    }

    /// Acquires the lock, parking until it is free. Python's `acquire()`.
    ///
    /// The lock has no owner and is not reentrant: a thread that acquires a lock it
    /// already holds waits until another thread releases it.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let lock = parkq::Lock::new();
    /// lock.acquire();
    /// assert!(lock.locked());
    /// lock.release().unwrap();
    /// ```
    #[inline]
    pub fn acquire(&self) {
        if !self.try_acquire() {
            let acquired = self.acquire_slow(None);
            debug_assert!(acquired, "an acquire with no deadline cannot time out");
        }
    }

    /// Acquires the lock if it is free, without waiting. Python's
    /// `acquire(blocking=False)`.
    ///
    /// Returns `false` only if the lock was held at some instant during the call.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let lock = parkq::Lock::new();
    /// assert!(lock.try_acquire());
    /// assert!(!lock.try_acquire());
    /// ```
    #[must_use = "if it returns true, the lock is held and must be released"]
    #[inline]
    pub fn try_acquire(&self) -> bool {
        // Acquire on success: pairs with the Release of the release that freed the lock,
        // so the previous critical section happens before ours. Relaxed on failure: the
        // value only steers the retry below.
        match self
            .state
            .compare_exchange(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => true,
            Err(state) => self.try_acquire_slow(state),
        }
    }

    /// `try_acquire` when the state was not plain "unlocked": held, or unlocked with a
    /// stray hand-off count left by a release from a third thread.
    #[cold]
    fn try_acquire_slow(&self, mut state: usize) -> bool {
        while state & LOCKED == 0 {
            // Acquire on success, Relaxed on failure: as in `try_acquire`.
            // audit: keep - needed as on every acquiring path (the same CAS in the fast
            // path and in the barging attempt dies to a causality violation), but this one
            // only runs in the stray state: a third thread released the lock while a
            // hand-off was in flight. A model of it needs a priority waiter (the owner
            // barging twice), the stray releaser and a fourth thread reading the owner's
            // data, beside the recipient; the loom suite has no such model.
            match self.state.compare_exchange_weak(
                state,
                state | LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(current) => state = current,
            }
        }
        false
    }

    /// Acquires the lock, parking for at most `timeout`. Python's `acquire(timeout=...)`.
    ///
    /// Returns whether the lock was acquired. It returns `false` only if the lock was
    /// held at the deadline: a lock released at the deadline is still taken. A timeout
    /// too large to add to `Instant::now()` means "wait forever".
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use std::time::Duration;
    ///
    /// let lock = parkq::Lock::new();
    /// assert!(lock.acquire_timeout(Duration::from_millis(10)));
    /// assert!(!lock.acquire_timeout(Duration::from_millis(10))); // held: times out
    /// ```
    #[must_use = "if it returns true, the lock is held and must be released"]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.acquire_deadline(deadline),
            None => {
                self.acquire();
                true
            }
        }
    }

    /// Acquires the lock, parking until `deadline` at the latest. Returns whether the
    /// lock was acquired; a deadline already passed still makes one attempt.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use std::time::{Duration, Instant};
    ///
    /// let lock = parkq::Lock::new();
    /// let deadline = Instant::now() + Duration::from_millis(10);
    /// assert!(lock.acquire_deadline(deadline));
    /// assert!(!lock.acquire_deadline(deadline));
    /// ```
    #[must_use = "if it returns true, the lock is held and must be released"]
    pub fn acquire_deadline(&self, deadline: Instant) -> bool {
        self.try_acquire() || self.acquire_slow(Some(deadline))
    }

    /// The blocking part of every acquire: barge until too many rounds are lost, then
    /// wait as a priority waiter for a hand-off. Returns `false` if `deadline` passed.
    #[cold]
    fn acquire_slow(&self, deadline: Option<Instant>) -> bool {
        let mut lost_rounds = 0u32;
        let barging = wait_until_phased(&self.waiters, deadline, |phase| {
            // Relaxed: only a guess for the compare-and-swaps below, which decide.
            let mut state = self.state.load(Ordering::Relaxed);
            loop {
                if state & LOCKED == 0 {
                    // Acquire on success: pairs with the Release of the release that
                    // freed the lock (as in `try_acquire`). Relaxed on failure: retry.
                    match self.state.compare_exchange_weak(
                        state,
                        state | LOCKED,
                        Ordering::Acquire,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return Poll::Ready(Barging::Acquired),
                        Err(current) => state = current,
                    }
                } else if phase == Phase::Spin || lost_rounds + 1 < ROUNDS_BEFORE_PRIORITY {
                    lost_rounds += u32::from(phase == Phase::Park);
                    return Poll::Wait(WaitFor::Turn);
                } else {
                    // Lost the last allowed round: join the priority count, which is only
                    // allowed while the lock is held (the CAS checks `LOCKED` is set).
                    // Relaxed: joining acquires nothing; the Acquire that orders our
                    // critical section is the one that takes the hand-off.
                    match self.state.compare_exchange_weak(
                        state,
                        state + PRIORITY,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return Poll::Ready(Barging::Priority),
                        Err(current) => state = current,
                    }
                }
            }
        });
        match barging {
            None => false,
            Some(Barging::Acquired) => true,
            Some(Barging::Priority) => self.await_handoff(deadline),
        }
    }

    /// Waits, as a priority waiter, until a release hands the lock over. Returns `false`
    /// if `deadline` passed first, after leaving the priority count.
    fn await_handoff(&self, deadline: Option<Instant>) -> bool {
        let handed = wait_until(&self.handoffs, deadline, || {
            // Relaxed: only a guess for the compare-and-swap below.
            let mut state = self.state.load(Ordering::Relaxed);
            while state >= HANDOFF {
                match self.take(state, HANDOFF) {
                    Ok(()) => return Poll::Ready(()),
                    Err(current) => state = current,
                }
            }
            Poll::Wait(WaitFor::Turn)
        });
        if handed.is_some() {
            return true;
        }
        // The deadline passed. Leave through whichever count still holds our unit (see
        // the module doc): `PRIORITY` if no release handed the lock to us, else `HANDOFF`.
        // Relaxed: only a guess for `take`.
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            let (unit, acquired) = if state & PRIORITY_MASK != 0 {
                (PRIORITY, false)
            } else {
                debug_assert!(state >= HANDOFF, "a priority waiter lost its unit");
                (HANDOFF, true)
            };
            match self.take(state, unit) {
                Ok(()) => return acquired,
                Err(current) => state = current,
            }
        }
    }

    /// Subtracts `unit` (`PRIORITY` or `HANDOFF`) from the state if it is still `state`.
    fn take(&self, state: usize, unit: usize) -> Result<(), usize> {
        // Acquire on success: taking a `HANDOFF` unit takes the lock, so this pairs with
        // the Release compare-and-swap of the release that handed it over (the read is in
        // that release's release sequence, since every later change of the word is a
        // read-modify-write). Taking a `PRIORITY` unit acquires nothing, but one call site
        // serves both. Relaxed on failure: the caller retries with the value.
        self.state
            .compare_exchange(state, state - unit, Ordering::Acquire, Ordering::Relaxed)
            .map(drop)
    }

    /// Releases the lock. Python's `release()`.
    ///
    /// Any thread may release a held lock, not only the one that acquired it. If a
    /// priority waiter is waiting (see *Fairness* in the README), the lock goes straight
    /// to it and stays locked; otherwise it becomes free and the oldest waiter is woken.
    ///
    /// # Errors
    ///
    /// [`ReleaseError`] if the lock was not held: the call changes nothing. Python raises
    /// `RuntimeError: release unlocked lock` there.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{Lock, ReleaseError};
    ///
    /// let lock = Lock::new();
    /// lock.acquire();
    /// assert_eq!(lock.release(), Ok(()));
    /// assert_eq!(lock.release(), Err(ReleaseError));
    /// ```
    #[inline]
    pub fn release(&self) -> Result<(), ReleaseError> {
        // Release on success: our critical section happens before the next acquirer's
        // Acquire compare-and-swap. Relaxed on failure: see `release_slow`.
        match self
            .state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
        {
            Ok(_) => {
                self.waiters.notify();
                Ok(())
            }
            Err(state) => self.release_slow(state),
        }
    }

    /// `release` when the state was not plain "locked": unlocked (an error), or locked
    /// with priority waiters (a hand-off) or a stray hand-off count.
    #[cold]
    fn release_slow(&self, mut state: usize) -> Result<(), ReleaseError> {
        loop {
            if state & LOCKED == 0 {
                // Releasing an unlocked lock publishes nothing, so the Relaxed reads that
                // brought us here are enough to report it.
                return Err(ReleaseError);
            }
            let handoff = state & PRIORITY_MASK != 0;
            let new = if handoff {
                // Hand the lock to a priority waiter: it stays locked.
                state - PRIORITY + HANDOFF
            } else {
                state & !LOCKED
            };
            // Release on success: pairs with the Acquire of whoever takes the lock next
            // (the hand-off's recipient in `take`, or a barging acquirer). Relaxed on
            // failure: the loop re-examines the value.
            match self
                .state
                .compare_exchange(state, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => {
                    if handoff {
                        self.handoffs.notify();
                    } else {
                        self.waiters.notify();
                    }
                    return Ok(());
                }
                Err(current) => state = current,
            }
        }
    }

    /// Whether the lock is held right now. Python's `locked()`.
    ///
    /// Only a snapshot: another thread may acquire or release it right after.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let lock = parkq::Lock::new();
    /// assert!(!lock.locked());
    /// let guard = lock.lock();
    /// assert!(lock.locked());
    /// drop(guard);
    /// assert!(!lock.locked());
    /// ```
    pub fn locked(&self) -> bool {
        // Relaxed: a snapshot that orders nothing; callers that need the protected data
        // acquire the lock.
        self.state.load(Ordering::Relaxed) & LOCKED != 0
    }

    /// Acquires the lock and returns a guard that releases it when dropped.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let lock = parkq::Lock::new();
    /// {
    ///     let _guard = lock.lock();
    ///     assert!(lock.locked());
    /// } // released here
    /// assert!(!lock.locked());
    /// ```
    #[inline]
    pub fn lock(&self) -> LockGuard<'_> {
        self.acquire();
        LockGuard { lock: self }
    }

    /// Acquires the lock if it is free and returns a guard, without waiting.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let lock = parkq::Lock::new();
    /// let guard = lock.try_lock().unwrap();
    /// assert!(lock.try_lock().is_none());
    /// drop(guard);
    /// ```
    pub fn try_lock(&self) -> Option<LockGuard<'_>> {
        // `then`, not `then_some`: a guard built eagerly would release on drop.
        self.try_acquire().then(|| LockGuard { lock: self })
    }

    /// Acquires the lock, parking for at most `timeout`, and returns a guard.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use std::time::Duration;
    ///
    /// let lock = parkq::Lock::new();
    /// let guard = lock.lock_timeout(Duration::from_millis(10)).unwrap();
    /// assert!(lock.lock_timeout(Duration::from_millis(10)).is_none());
    /// drop(guard);
    /// ```
    pub fn lock_timeout(&self, timeout: Duration) -> Option<LockGuard<'_>> {
        self.acquire_timeout(timeout)
            .then(|| LockGuard { lock: self })
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .finish_non_exhaustive()
    }
}

/// Releases its [`Lock`] when dropped; returned by [`Lock::lock`].
///
/// # Panics
///
/// Dropping the guard panics (unless the thread is already panicking) if another thread
/// released the lock meanwhile, which Python's semantics allow: the error is reported,
/// never ignored.
///
/// # Examples
///
#[doc = crate::example!()]
/// let lock = parkq::Lock::new();
/// let guard = lock.lock();
/// assert!(lock.try_lock().is_none());
/// drop(guard);
/// assert!(lock.try_lock().is_some());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    /// The lock this guard releases.
    lock: &'a Lock,
}

impl Drop for LockGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.lock.release().is_err() && !std::thread::panicking() {
            panic!("LockGuard dropped, but its lock had already been released by another thread");
        }
    }
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard").finish_non_exhaustive()
    }
}

/// [`Lock::release`] was called on a lock that was not held.
///
/// Python raises `RuntimeError: release unlocked lock` there; parkq returns this error
/// and leaves the lock unchanged.
///
/// # Examples
///
#[doc = crate::example!()]
/// let lock = parkq::Lock::new();
/// let err = lock.release().unwrap_err();
/// assert_eq!(err.to_string(), "release unlocked lock");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReleaseError;

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("release unlocked lock")
    }
}

impl std::error::Error for ReleaseError {}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The hand-off, checked on the state word: once a blocked `acquire` has joined the
    /// priority count, the next release leaves the lock locked for it, and nobody else
    /// can take it in between. The waiter gets there only by losing rounds, which the
    /// main thread forces by releasing and at once re-acquiring.
    #[test]
    fn priority_waiter_gets_the_next_release() {
        let lock = Arc::new(Lock::new());
        lock.acquire();
        let waiter = {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || {
                lock.acquire();
                lock.release().unwrap();
            })
        };
        // Release and re-acquire until the waiter is a priority waiter. If it barges in
        // instead (our `try_acquire` fails, or it got in and out between our release and
        // `try_acquire`), it never queues: start over with a fresh waiter.
        while lock.state.load(Ordering::Relaxed) & PRIORITY_MASK == 0 {
            lock.release().unwrap();
            if !lock.try_acquire() || waiter.is_finished() {
                waiter.join().unwrap();
                return priority_waiter_gets_the_next_release();
            }
            std::thread::yield_now();
        }
        assert_eq!(lock.state.load(Ordering::Relaxed), LOCKED | PRIORITY);
        lock.release().unwrap();
        // Handed off: still locked, and no barging.
        assert!(lock.locked());
        assert!(!lock.try_acquire());
        waiter.join().unwrap();
        assert_eq!(lock.state.load(Ordering::Relaxed), 0, "units left behind");
    }
}
