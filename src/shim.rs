//! The one place that decides between std and loom.
//!
//! Every atomic, cell, lock, thread and park primitive the crate uses is imported from
//! here. Under `cfg(loom)` they are loom's model-checked twins; otherwise they are std's.
//! No other module names `std::sync::atomic`, `core::cell::UnsafeCell`, `std::thread`
//! or `loom` directly, so the rest of the code never knows which build it is in.
//!
//! The shim also owns the two things that differ in *behaviour* between the builds:
//!
//! - how a spin is spent ([`spin`], [`yield_now`], [`BACKOFF_STEPS`]): under loom every
//!   spin must yield to the scheduler, or a model never ends;
//! - how a thread parks ([`Parker`]): under loom time does not pass, so a timed park
//!   yields once and then reports that the deadline "may have expired at any point",
//!   which lets the model explore a timeout racing every other step.

use std::time::Instant;

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Mutex, MutexGuard};

/// How many backoff steps a blocking operation spends (spinning, then yielding) before
/// it registers as a waiter and parks. See [`crate::backoff::Backoff`].
///
/// Measured with `cargo bench --bench ring` on the project's 2-core VM: 4 steps (spins
/// only) made capacity-1 hand-offs park almost every time (~50 K items/s instead of
/// ~3 M); 10, 14 and 20 were within noise of each other, 20 ahead in most threaded
/// scenarios. 20 steps = 7 spin steps (~4 µs) then 13 yields, then park.
///
/// Under loom the spin phase is skipped: it is only a delay before the same attempt the
/// park phase makes, so it adds no interleaving, only states to explore.
#[cfg(not(loom))]
pub(crate) const BACKOFF_STEPS: u32 = 20;
#[cfg(loom)]
pub(crate) const BACKOFF_STEPS: u32 = 0;

/// Spins for about `iterations` pause instructions.
#[cfg(not(loom))]
#[inline]
pub(crate) fn spin(iterations: u32) {
    for _ in 0..iterations {
        std::hint::spin_loop();
    }
}

/// Under loom a spin is one yield to the model's scheduler, whatever its length.
#[cfg(loom)]
pub(crate) fn spin(_iterations: u32) {
    loom::thread::yield_now();
}

/// Gives the rest of this time slice to another thread.
#[inline]
pub(crate) fn yield_now() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::thread::yield_now();
}

/// Whether `deadline` is already behind us.
///
/// Under loom time never passes by itself: a deadline only expires through
/// [`park_until`], where the model decides when.
#[inline]
pub(crate) fn deadline_passed(deadline: Instant) -> bool {
    #[cfg(loom)]
    {
        let _ = deadline;
        false
    }
    #[cfg(not(loom))]
    {
        Instant::now() >= deadline
    }
}

/// The means to park one thread and to wake it from another.
///
/// Created by the thread that will park; [`unpark`](Parker::unpark) may come from any
/// thread, before or after the park, and makes the next park return. Like
/// `thread::park`, a park may also return early for no reason: callers re-check their
/// own state.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct Parker {
    /// The thread that parks: std's park token is the flag.
    thread: std::thread::Thread,
}

#[cfg(not(loom))]
impl Parker {
    /// A parker for the calling thread.
    pub(crate) fn for_current_thread() -> Self {
        Parker {
            thread: std::thread::current(),
        }
    }

    /// Parks until unparked, or until `deadline` if one is given. Call it only from the
    /// thread that created the parker. Returns `true` if the deadline has passed.
    pub(crate) fn park_until(&self, deadline: Option<Instant>) -> bool {
        match deadline {
            None => {
                std::thread::park();
                false
            }
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    return true;
                }
                std::thread::park_timeout(deadline - now);
                Instant::now() >= deadline
            }
        }
    }

    /// Makes the parked thread's current or next park return.
    pub(crate) fn unpark(&self) {
        self.thread.unpark();
    }
}

/// The loom twin of the std parker.
///
/// It is a flag behind a loom `Mutex` and `Condvar` rather than loom's `park`/`unpark`:
/// an `unpark` that arrives after the woken thread has moved on (a stale token, harmless
/// with std) would, in loom, wake that thread out of whatever it blocks on next (a
/// `JoinHandle::join`, say) and fail the model. A flag nobody reads any more is harmless.
/// (`loom::sync::Notify` would do too, but its spurious wake-ups multiply the states to
/// explore several times over; spurious wake-ups are covered by the timed parks.)
#[cfg(loom)]
#[derive(Debug)]
pub(crate) struct Parker {
    /// Set by `unpark`, consumed by `park_until`.
    unparked: loom::sync::Mutex<bool>,
    /// Signalled when `unparked` is set.
    condvar: loom::sync::Condvar,
}

#[cfg(loom)]
impl Parker {
    pub(crate) fn for_current_thread() -> Self {
        Parker {
            unparked: loom::sync::Mutex::new(false),
            condvar: loom::sync::Condvar::new(),
        }
    }

    pub(crate) fn park_until(&self, deadline: Option<Instant>) -> bool {
        if deadline.is_some() {
            // The deadline may expire at any point: yield so that other threads can run
            // any number of steps first, then let it expire.
            loom::thread::yield_now();
            return true;
        }
        let mut unparked = self.unparked.lock().unwrap();
        while !*unparked {
            unparked = self.condvar.wait(unparked).unwrap();
        }
        *unparked = false;
        false
    }

    pub(crate) fn unpark(&self) {
        *self.unparked.lock().unwrap() = true;
        self.condvar.notify_one();
    }
}

/// `UnsafeCell` with loom's closure-based access API, so both builds read the same.
///
/// loom tracks every access to the cell and reports concurrent ones as data races.
#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// `UnsafeCell` with loom's closure-based access API, so both builds read the same.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a shared raw pointer to the contents.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a unique raw pointer to the contents.
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
