//! The parking layer: how every queue in the crate blocks.
//!
//! A blocking operation is written as an *attempt* that either finishes
//! ([`Poll::Ready`]) or says what it is waiting for ([`Poll::Wait`]). [`wait_until`]
//! drives it: a short bounded spin-then-yield phase ([`SpinWait`]), then, while the
//! attempt still cannot finish, *register, re-check, park*:
//!
//! 1. Register a one-shot [`Waiter`] in the [`WaitList`] and raise its `registered` flag.
//! 2. The waiter's fence, then re-run the attempt. A change published before this point
//!    is seen here, so the thread does not park on a stale view.
//! 3. Park until notified or until the deadline.
//!
//! The side that makes progress (a push publishing an item, a pop freeing a slot, a
//! close) calls [`WaitList::notify`] after publishing: the notifier's fence, then one
//! Relaxed load of `registered`. That fence pairs with the fence of step 2 (the classic
//! store-fence-load on both sides): either the notifier sees the flag and wakes the
//! waiter, or the waiter's re-check sees the change. So a wake-up is never lost, and when
//! nobody waits the fast path costs one fence and one load. The two fences are a
//! [`Handshake`]: `fence(SeqCst)` on both sides under loom and Miri; on Linux a compiler
//! fence for the notifier and `membarrier` for the waiter, so the fast path pays no
//! barrier instruction at all (see `crate::shim`).
//!
//! Each [`Waiter`] has a one-shot state, `WAITING` → `NOTIFIED` or `WAITING` →
//! `CANCELLED`, changed only by compare-and-swap: a waiter is woken exactly once, by a
//! notification, a close (which is a notification to all), or its own deadline, never
//! two of them.
//!
//! Waiters that were notified but leave without using the notification (a timeout, or
//! an item found on the re-check) pass it on with another `notify`, so the wake-up meant
//! for "some waiter" reaches one that still wants it.
//!
//! The waiter list itself sits behind a short mutex. It is only touched on the slow path,
//! when a thread is about to park anyway (a park costs about 24 µs on this project's VMs;
//! the lock is noise beside it); the queues' fast paths never take it.

use std::collections::VecDeque;
use std::time::Instant;

use crate::backoff::{Spin, SpinWait};
use crate::shim::{self, Arc, AtomicBool, AtomicUsize, Mutex, MutexGuard};
use crate::shim::{Handshake, Ordering, Parker};

/// The result of one attempt at a blocking operation.
#[derive(Debug)]
pub(crate) enum Poll<R> {
    /// The operation finished with this result.
    Ready(R),
    /// The operation cannot finish yet; park until notified.
    Wait(WaitFor),
}

/// What a waiting operation waits for; decides which notifications wake it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitFor {
    /// An item or a free slot. Each notification is one item or one slot, so it wakes
    /// only the oldest such waiter: one event serves one waiter.
    Turn,
    /// Another thread to finish an operation it has already claimed (a producer that
    /// claimed a slot but has not written it yet). The notifier cannot tell which claim
    /// it finished, so every notification wakes every such waiter.
    Completion,
}

/// The waiter has not been woken yet.
const WAITING: usize = 0;
/// A notifier has woken the waiter.
const NOTIFIED: usize = 1;
/// The waiter gave up (deadline) or no longer needs waking (found what it wanted).
const CANCELLED: usize = 2;

/// One parked (or about to park) thread.
#[derive(Debug)]
struct Waiter {
    /// `WAITING`, `NOTIFIED` or `CANCELLED`; leaves `WAITING` exactly once.
    state: AtomicUsize,
    /// Parks the waiting thread; unparked by its notifier.
    parker: Parker,
    /// Which notifications wake it.
    wait_for: WaitFor,
}

/// How a [`Waiter::park`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Woken {
    Notified,
    TimedOut,
}

impl Waiter {
    /// Parks until notified or until `deadline`.
    fn park(&self, deadline: Option<Instant>) -> Woken {
        loop {
            // Acquire: pairs with the notifier's Release CAS, so whatever the notifier
            // published before notifying (an item, the closed mark) is visible to the
            // attempt this thread makes next.
            // audit: keep - no loom model can tell Relaxed apart: a stale attempt only
            // re-registers, and `register`'s lock then orders the notifier's publication
            // before the re-check. Acquire is what makes the first attempt after a wake
            // succeed (no second lock + fence or `membarrier` round) and what keeps a
            // waiter notified at its deadline from reporting a timeout for an item that
            // was announced to it; loom's timed park cannot expose the latter.
            if self.state.load(Ordering::Acquire) == NOTIFIED {
                return Woken::Notified;
            }
            if self.parker.park_until(deadline) {
                // The deadline passed: give up, unless a notifier got there first.
                // Relaxed on success: giving up acquires nothing. Acquire on failure:
                // we were notified after all, so pair with the notifier's Release as
                // the load above does.
                return match self.state.compare_exchange(
                    WAITING,
                    CANCELLED,
                    Ordering::Relaxed,
                    // audit: keep - as the Acquire load above: the final attempt of a
                    // waiter notified at its deadline must see the announced item.
                    Ordering::Acquire,
                ) {
                    Ok(_) => Woken::TimedOut,
                    Err(_) => Woken::Notified,
                };
            }
            // A spurious wake-up: check the state again.
        }
    }
}

/// The threads waiting for one condition of one queue ("not empty", "not full", ...).
#[derive(Debug)]
pub(crate) struct WaitList {
    /// How the handshake's two fences are paid; fixed for the list's life, so its
    /// notifiers and waiters always agree. Read by the fast path beside `registered`.
    handshake: Handshake,
    /// How its waiters spin before they park (see `crate::backoff`).
    spin: Spin,
    /// Whether any waiter is registered. The only field the notifier's fast path reads;
    /// written only while `waiters` is locked, and kept equal to `!waiters.is_empty()`.
    registered: AtomicBool,
    /// The registered waiters, oldest first.
    waiters: Mutex<VecDeque<Arc<Waiter>>>,
}

impl Default for WaitList {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitList {
    /// A list whose waiters wait for another thread's publication (an item, a slot, a
    /// claim finished): they spin in short steps before parking.
    pub(crate) fn new() -> Self {
        Self::with_spin(Spin::HandOff)
    }

    /// A list whose waiters all poll one word that its holder rewrites at once (a lock):
    /// they spin in doubling steps before parking, leaving the holder's cache line alone.
    pub(crate) fn contended() -> Self {
        Self::with_spin(Spin::Contended)
    }

    fn with_spin(spin: Spin) -> Self {
        WaitList {
            handshake: Handshake::new(),
            spin,
            registered: AtomicBool::new(false),
            waiters: Mutex::new(VecDeque::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Arc<Waiter>>> {
        // Nothing panics while the lock is held, but a poisoned list is still a valid
        // list: never let poison turn into a second panic.
        self.waiters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tells the waiters that the condition may now hold: wakes the oldest
    /// [`WaitFor::Turn`] waiter and every [`WaitFor::Completion`] waiter.
    ///
    /// Call it after publishing the change. Costs one fence and one load when nobody is
    /// registered.
    #[inline]
    pub(crate) fn notify(&self) {
        // Pairs with the waiter's fence in `register`: orders the caller's publication
        // before the load of `registered` (see the module doc).
        self.handshake.notifier_fence();
        // Relaxed: the fence above does the ordering; the flag carries no data.
        if self.registered.load(Ordering::Relaxed) {
            self.wake(false);
        }
    }

    /// Wakes every registered waiter (used by `close`).
    pub(crate) fn notify_all(&self) {
        self.notify_all_if(|| true);
    }

    /// Wakes every registered waiter if `condition` holds. `condition` is evaluated only
    /// when someone is registered, after the handshake's fence: use it for a check that
    /// is too costly for the fast path (task tracking reads the producers' counter).
    pub(crate) fn notify_all_if(&self, condition: impl FnOnce() -> bool) {
        // Same handshake as `notify`.
        self.handshake.notifier_fence();
        if self.registered.load(Ordering::Relaxed) && condition() {
            self.wake(true);
        }
    }

    #[cold]
    fn wake(&self, all: bool) {
        let mut woken = Vec::new();
        {
            let mut waiters = self.lock();
            let mut turn_served = false;
            waiters.retain(|waiter| {
                let wanted = all || waiter.wait_for == WaitFor::Completion || !turn_served;
                if !wanted {
                    return true;
                }
                // Release: pairs with the Acquire in `Waiter::park`, so what our caller
                // published before notifying is visible to the woken thread.
                // audit: keep - the pair's other half; see `Waiter::park`.
                if waiter
                    .state
                    .compare_exchange(WAITING, NOTIFIED, Ordering::Release, Ordering::Relaxed)
                    .is_ok()
                {
                    turn_served |= waiter.wait_for == WaitFor::Turn;
                    woken.push(Arc::clone(waiter));
                }
                // Notified now, or cancelled and about to remove itself: either way it
                // leaves the list.
                false
            });
            // Relaxed: written under the lock; see the field doc.
            self.registered
                .store(!waiters.is_empty(), Ordering::Relaxed);
        }
        // Unpark outside the lock so the woken threads do not wake into a held lock.
        for waiter in woken {
            waiter.parker.unpark();
        }
    }

    /// Adds the current thread as a waiter, then fences so that the caller's re-check
    /// sees every change whose notifier missed this registration.
    fn register(&self, wait_for: WaitFor) -> Arc<Waiter> {
        let waiter = Arc::new(Waiter {
            state: AtomicUsize::new(WAITING),
            parker: Parker::for_current_thread(),
            wait_for,
        });
        {
            let mut waiters = self.lock();
            waiters.push_back(Arc::clone(&waiter));
            // Relaxed: written under the lock; the fence below orders it for `notify`.
            self.registered.store(true, Ordering::Relaxed);
        }
        // Pairs with the notifier's fence in `notify`: either the notifier's load of
        // `registered` sees our store, or our caller's re-check sees what it published.
        self.handshake.waiter_fence();
        waiter
    }

    /// Removes `waiter` from the list. Returns `true` if it had been notified first.
    fn deregister(&self, waiter: &Arc<Waiter>) -> bool {
        // Relaxed on failure is enough: the caller only needs to know a notification
        // happened, not what it published (it already has its result).
        let notified = waiter
            .state
            .compare_exchange(WAITING, CANCELLED, Ordering::Relaxed, Ordering::Relaxed)
            .is_err_and(|state| state == NOTIFIED);
        if !notified {
            let mut waiters = self.lock();
            waiters.retain(|other| !Arc::ptr_eq(other, waiter));
            // Relaxed: written under the lock; see the field doc.
            self.registered
                .store(!waiters.is_empty(), Ordering::Relaxed);
        }
        notified
    }
}

/// Which phase of [`wait_until_phased`] an attempt runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// The spin-and-yield phase: nothing registered yet.
    Spin,
    /// The park phase: the re-check after registering, or the attempt after a wake-up
    /// (a *round*: the `Lock` counts the rounds a waiter loses).
    Park,
}

/// Runs `attempt` until it is [`Poll::Ready`], parking on `list` while it waits.
///
/// Returns `None` if `deadline` passed first. When the deadline passes, one last
/// attempt is made, so an item (or a slot) that is ready at the deadline is still taken.
///
/// Only waiting for a [`WaitFor::Turn`] can time out. If the last attempt found another
/// thread's claim in flight ([`WaitFor::Completion`]), the outcome is not known yet: the
/// queue may well have had room (or an item) at the deadline. So the wait goes on, without
/// a deadline, until that claim completes, exactly as a `try_` operation waits it out; then
/// the outcome is decided. Timing out there instead would report a full (or empty) queue
/// that never was, which the linearizability tests catch.
///
/// If `attempt` panics, the panic goes on unwinding and no waiter is left behind in
/// `list` (one would swallow a notification meant for a thread that still waits).
pub(crate) fn wait_until<R>(
    list: &WaitList,
    deadline: Option<Instant>,
    mut attempt: impl FnMut() -> Poll<R>,
) -> Option<R> {
    wait_until_phased(list, deadline, |_| attempt())
}

/// [`wait_until`], telling `attempt` which phase it runs in.
pub(crate) fn wait_until_phased<R>(
    list: &WaitList,
    deadline: Option<Instant>,
    mut attempt: impl FnMut(Phase) -> Poll<R>,
) -> Option<R> {
    // Whether the deadline has passed. Under loom time only passes when a timed park
    // says so, hence a flag rather than a clock read each time it matters.
    let mut expired = false;

    // Spin phase: cheap retries while the other side is likely running right now.
    let mut spin = SpinWait::new(list.spin);
    let mut wait_for = loop {
        let wait_for = match attempt(Phase::Spin) {
            Poll::Ready(result) => return Some(result),
            Poll::Wait(wait_for) => wait_for,
        };
        expired = expired || deadline.is_some_and(shim::deadline_passed);
        if expired && wait_for == WaitFor::Turn {
            return None;
        }
        if !spin.snooze() {
            break wait_for;
        }
    };

    // Park phase: register, re-check, park.
    loop {
        let registration = Registration::new(list, wait_for);
        match attempt(Phase::Park) {
            Poll::Ready(result) => {
                if registration.leave() {
                    // A notification reached us that we no longer need: pass it on.
                    list.notify();
                }
                return Some(result);
            }
            Poll::Wait(now_waiting_for) if now_waiting_for != wait_for => {
                // Registered for the wrong kind of notification: register again.
                registration.leave();
                wait_for = now_waiting_for;
                if expired && wait_for == WaitFor::Turn {
                    return None;
                }
                continue;
            }
            Poll::Wait(_) => {}
        }

        // Past the deadline only a Completion wait gets here: it parks without one.
        let woken = registration.park(if expired { None } else { deadline });
        if woken == Woken::TimedOut {
            expired = true;
        }
        match attempt(Phase::Park) {
            Poll::Ready(result) => return Some(result),
            Poll::Wait(now_waiting_for) => wait_for = now_waiting_for,
        }
        expired = expired || deadline.is_some_and(shim::deadline_passed);
        if expired {
            // A notification we received may have been meant for an item we could not
            // reach yet (behind an unfinished claim): pass it on.
            list.notify();
            if wait_for == WaitFor::Turn {
                return None;
            }
            // The outcome waits on another thread's claim: wait that out, with no
            // deadline (see above).
        }
    }
}

/// A waiter registered in a list, until it parks or leaves.
///
/// Dropped while still registered (the re-check attempt panicked), it deregisters and
/// passes on a notification it had received, so the panic leaves the list as it found
/// it.
struct Registration<'a> {
    list: &'a WaitList,
    /// `None` once parked or left: the list no longer holds it (or it was notified).
    waiter: Option<Arc<Waiter>>,
}

impl<'a> Registration<'a> {
    /// Registers the current thread in `list` (see [`WaitList::register`]).
    fn new(list: &'a WaitList, wait_for: WaitFor) -> Self {
        Registration {
            list,
            waiter: Some(list.register(wait_for)),
        }
    }

    /// Deregisters. Returns `true` if the waiter had been notified first.
    fn leave(mut self) -> bool {
        let waiter = self.waiter.take().expect("a registration leaves once");
        self.list.deregister(&waiter)
    }

    /// Parks until notified or until `deadline`; a waiter that times out deregisters.
    fn park(mut self, deadline: Option<Instant>) -> Woken {
        let waiter = self.waiter.take().expect("a registration parks once");
        let woken = waiter.park(deadline);
        if woken == Woken::TimedOut {
            self.list.deregister(&waiter);
        }
        woken
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter.take() {
            if self.list.deregister(&waiter) {
                self.list.notify();
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use super::*;

    fn is_clear(list: &WaitList) -> bool {
        !list.registered.load(Ordering::Relaxed) && list.lock().is_empty()
    }

    #[test]
    fn a_panicking_recheck_leaves_no_waiter_behind() {
        let list = WaitList::new();
        let unwound = catch_unwind(AssertUnwindSafe(|| {
            wait_until_phased(&list, None, |phase| -> Poll<()> {
                // Registered (the park phase's re-check) when the attempt panics.
                assert!(phase == Phase::Spin, "the attempt panicked");
                Poll::Wait(WaitFor::Turn)
            })
        }));
        assert!(unwound.is_err());
        assert!(is_clear(&list), "the panicking waiter is still registered");
    }

    #[test]
    fn a_panicking_recheck_passes_on_its_notification() {
        let list = WaitList::new();
        let mut younger = None;
        let unwound = catch_unwind(AssertUnwindSafe(|| {
            wait_until_phased(&list, None, |phase| -> Poll<()> {
                if phase == Phase::Park {
                    // Another waiter registers after us, a notifier wakes the oldest
                    // waiter (us), and then the attempt panics.
                    younger = Some(list.register(WaitFor::Turn));
                    list.notify();
                    panic!("the attempt panicked");
                }
                Poll::Wait(WaitFor::Turn)
            })
        }));
        assert!(unwound.is_err());
        let younger = younger.expect("the park phase ran");
        assert_eq!(
            younger.state.load(Ordering::Relaxed),
            NOTIFIED,
            "the notification the panicking waiter took was not passed on"
        );
        assert!(is_clear(&list));
    }
}
