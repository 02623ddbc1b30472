//! The one place that decides between std and loom.
//!
//! Every atomic, cell, lock, thread and park primitive the crate uses is imported from
//! here. Under `cfg(loom)` they are loom's model-checked twins; otherwise they are std's.
//! No other module names `std::sync::atomic`, `core::cell::UnsafeCell`, `std::thread`
//! or `loom` directly, so the rest of the code never knows which build it is in.
//!
//! The shim also owns the three things that differ in *behaviour* between the builds:
//!
//! - how a spin is spent ([`spin`], [`yield_now`], [`SPIN_WAIT_STEPS`], [`YIELD_PHASE`]):
//!   under loom every spin must yield to the scheduler, or a model never ends, and a
//!   wait parks at once;
//! - how the parking handshake's two fences are paid ([`Handshake`]): under loom and
//!   Miri both are `fence(SeqCst)`, which loom checks exactly; in production on Linux the
//!   notifier's fast path pays only a compiler fence and the waiter's slow path pays a
//!   `membarrier` system call;
//! - how a thread parks ([`Parker`]): under loom time does not pass, so a timed park
//!   yields once and then reports that the deadline "may have expired at any point",
//!   which lets the model explore a timeout racing every other step.

use std::time::{Duration, Instant};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Mutex, MutexGuard};

/// How many short spin steps a wait takes (see [`crate::backoff::SpinWait`]) before it
/// starts yielding: 1, 2, 4, then 8 pauses a step, about 110 pauses in all (1-5 µs,
/// depending on the CPU's pause).
///
/// Under loom the whole spin-and-yield phase is skipped: it is only a delay before the
/// same attempt the park phase makes, so it adds no interleaving, only states to explore.
#[cfg(not(loom))]
pub(crate) const SPIN_WAIT_STEPS: u32 = 16;
#[cfg(loom)]
pub(crate) const SPIN_WAIT_STEPS: u32 = 0;

/// How long a wait yields its time slice, after its spin steps, before it parks.
///
/// Measured with `cargo bench --bench report -- --quick` on the project's 2-core VM (see
/// `crate::backoff` for why): with 4 µs, capacity-1 hand-offs fell into parking on both
/// ends (0.05x the best peer in spsc) and the priority queue's ping-pong parked on most
/// round trips (0.04x); 10, 20 and 50 µs were within noise of each other on every
/// scenario (spsc capacity 1: 0.23-0.47x; ping-pong 1.05-1.2x). 20 µs is about what a
/// park and its wake-up cost here, the point past which spinning stops paying. See also
/// [`MIN_YIELDS`].
#[cfg(not(loom))]
pub(crate) const YIELD_PHASE: Duration = Duration::from_micros(20);
#[cfg(loom)]
pub(crate) const YIELD_PHASE: Duration = Duration::ZERO;

/// The fewest yields a wait makes before it parks, however long they took: on a busy
/// core each one runs other threads for a time slice (see `crate::backoff`). 13 is what
/// the previous, count-only policy used; without it, capacity-1 scenarios with more
/// threads than cores fell from 0.5-0.65x the best peer to 0.25-0.4x. (Under loom the
/// yield phase is empty, whatever this says.)
pub(crate) const MIN_YIELDS: u32 = 13;

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

/// Marks a window where another thread's interference matters: between claiming a
/// position and publishing it.
///
/// A no-op in every normal build. Under `--cfg parkq_chaos` (a test build, see README's
/// verification table) it yields the time slice half the time, so the windows that real
/// threads hit once in millions of runs are hit in every run: the linearizability and
/// stress tests then see claimed-but-unfinished slots as often as loom's models do. Under
/// loom it is a no-op too: loom already preempts at every atomic access.
#[inline(always)]
pub(crate) fn preemption_point() {
    #[cfg(all(parkq_chaos, not(loom)))]
    chaos::maybe_yield();
}

#[cfg(all(parkq_chaos, not(loom)))]
mod chaos {
    use std::cell::Cell;

    thread_local! {
        /// Per-thread xorshift state, seeded from the thread-local's address.
        static STATE: Cell<u64> = const { Cell::new(0) };
    }

    pub(super) fn maybe_yield() {
        let coin = STATE.with(|state| {
            let mut x = state.get();
            if x == 0 {
                x = (state as *const Cell<u64> as u64) | 1;
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.set(x);
            x & 1
        });
        if coin == 1 {
            std::thread::yield_now();
        }
    }
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

/// How the two fences of the parking handshake (see `crate::park`) are paid.
///
/// The handshake is store → fence → load on both sides: a notifier publishes, fences,
/// loads the waiter flag; a waiter raises the flag, fences, re-checks. Each wait list
/// decides its `Handshake` once, when it is created, and both of its sides use it.
///
/// - Symmetric (loom, Miri, non-Linux, or `membarrier` unavailable): both fences are
///   `fence(SeqCst)`, the version loom checks exactly.
/// - Asymmetric (Linux with `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`): the
///   notifier's fence is only a compiler fence, and the waiter's is the `membarrier`
///   system call, which makes every running thread of the process execute a full memory
///   barrier (a thread that is not running has passed a context switch, which is one).
///   Wherever that barrier falls relative to the notifier's store and load, either the
///   load sees the waiter's flag or the waiter's re-check sees the store. This is the
///   asymmetric pattern `membarrier(2)` was made for; it moves the cost from every push
///   and pop to the thread that is about to park (about 12 µs on this project's VMs,
///   beside a park's 24 µs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Handshake {
    /// Whether the notifier may use a compiler fence (the waiter then uses `membarrier`).
    #[cfg(asymmetric_fence)]
    asymmetric: bool,
}

impl Handshake {
    /// Decides the fences: asymmetric if `membarrier` is available (checked once per
    /// process), symmetric otherwise.
    pub(crate) fn new() -> Self {
        Handshake {
            #[cfg(asymmetric_fence)]
            asymmetric: asymmetric::available(),
        }
    }

    /// The notifier's fence: between its publication and its load of the waiter flag.
    #[inline]
    pub(crate) fn notifier_fence(self) {
        #[cfg(asymmetric_fence)]
        if self.asymmetric {
            // The waiter's `membarrier` supplies the hardware barrier; only the compiler
            // must keep our store before our load.
            // audit: keep - production only (loom builds `fence(SeqCst)` here). SeqCst is
            // the only compiler fence that keeps an earlier store before a later load:
            // Acquire, Release and AcqRel all allow that reordering.
            std::sync::atomic::compiler_fence(Ordering::SeqCst);
            return;
        }
        fence(Ordering::SeqCst);
    }

    /// The waiter's fence: between raising its flag and re-checking.
    pub(crate) fn waiter_fence(self) {
        #[cfg(asymmetric_fence)]
        if self.asymmetric {
            asymmetric::membarrier();
            return;
        }
        fence(Ordering::SeqCst);
    }
}

/// `membarrier(2)` on Linux: the one place with FFI in the crate.
#[cfg(asymmetric_fence)]
mod asymmetric {
    use std::sync::OnceLock;

    /// From `<linux/membarrier.h>`.
    const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
    const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

    /// Whether this process could register for expedited private `membarrier`.
    pub(super) fn available() -> bool {
        static REGISTERED: OnceLock<bool> = OnceLock::new();
        *REGISTERED.get_or_init(|| {
            // SAFETY: `membarrier` takes plain integers and touches no memory of ours;
            // registering only allows this process to use the expedited command.
            let result = unsafe {
                libc::syscall(
                    libc::SYS_membarrier,
                    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
                    0,
                    0,
                )
            };
            result == 0
        })
    }

    /// A full memory barrier on every running thread of the process.
    pub(super) fn membarrier() {
        // SAFETY: as above; the process is registered (`available()` returned true).
        let result =
            unsafe { libc::syscall(libc::SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) };
        // A registered process cannot get an error from this command. If one came anyway,
        // the notifiers' compiler fences would not be enough: fail loudly, never silently.
        assert_eq!(
            result, 0,
            "membarrier(PRIVATE_EXPEDITED) failed after registration"
        );
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

/// Real OS threads and a process-wide counter, for `parkq::thread`: std's in every
/// build, loom included. That module wraps std's threads for users and is no part of any
/// lock-free algorithm; its counters live in statics, which loom cannot model outside a
/// `loom::model` anyway.
pub(crate) mod os {
    pub(crate) use std::sync::atomic::{AtomicU64, Ordering};
    pub(crate) use std::thread::{current, Builder, JoinHandle};
}
