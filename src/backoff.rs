//! The one backoff helper: every spin in the crate goes through it.
//!
//! A step first spins for an exponentially growing number of pause instructions, then
//! yields the time slice. After [`BACKOFF_STEPS`] steps the caller is expected to stop
//! spinning and park (see [`crate::park`]); nothing here spins without bound.
//!
//! Why spin at all: on the 2-core VMs this crate is tuned on, a futex wake-up round trip
//! costs about 24 µs, while a hand-off between two running threads takes about 0.3 µs.
//! A short spin catches most hand-offs without paying for a park; the step limit keeps an
//! oversubscribed machine from burning the cores it needs for the threads that would
//! make progress.

use crate::shim::{self, BACKOFF_STEPS};

/// The step after which `spin` stops doubling: at most `1 << SPIN_DOUBLINGS` pauses.
const SPIN_DOUBLINGS: u32 = 6;

/// Exponential backoff for one retry loop.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    /// How many steps this loop has spent so far.
    step: u32,
}

impl Backoff {
    pub(crate) const fn new() -> Self {
        Backoff { step: 0 }
    }

    /// Backs off after losing a race (a failed CAS): spins only, never yields, since the
    /// winner is running and will be done in a few instructions.
    #[inline]
    pub(crate) fn spin(&mut self) {
        shim::spin(1 << self.step.min(SPIN_DOUBLINGS));
        if self.step <= SPIN_DOUBLINGS {
            self.step += 1;
        }
    }

    /// Backs off while waiting for another thread: spins, then yields once the spins
    /// have grown long.
    #[inline]
    pub(crate) fn snooze(&mut self) {
        if self.step <= SPIN_DOUBLINGS {
            shim::spin(1 << self.step);
        } else {
            shim::yield_now();
        }
        self.step += 1;
    }

    /// Whether this loop has spent its budget and should park instead.
    #[inline]
    // Under loom the budget is zero, which makes this comparison always true: intended.
    #[allow(clippy::absurd_extreme_comparisons)]
    pub(crate) fn is_completed(&self) -> bool {
        self.step >= BACKOFF_STEPS
    }
}
