//! The one backoff helper: every spin in the crate goes through it.
//!
//! Two kinds of spinning, two types:
//!
//! - [`Backoff`]: after losing a race (a failed CAS). The winner is running and done in
//!   a few instructions, so this only spins, exponentially longer each time, to keep the
//!   losers from hammering the contended cache line.
//! - [`SpinWait`]: while waiting for another thread (an item, a free slot, a claim under
//!   way to be published), before parking. It spins in short steps, then yields the time
//!   slice, for a bounded time and a bounded number of yields
//!   ([`shim::SPIN_WAIT_STEPS`], [`shim::YIELD_PHASE`], [`shim::MIN_YIELDS`]); then its
//!   caller parks (see [`crate::park`]). Nothing here spins without bound.
//!
//! Why wait before parking at all, and for how long: on the 2-core VMs this crate is
//! tuned on, a hand-off between two running threads takes 0.3-0.6 µs, while a park costs
//! tens of microseconds (the handshake's `membarrier` about 16 µs, then the futex wake-up
//! round trip). A wait that ends within the spin-and-yield phase is far cheaper than a
//! park; one that outlasts it costs at most about twice what parking at once would have
//! (the classic bound for spinning as long as a park costs). The phase must also outlast
//! the *other* side's wake-up: when one end of a capacity-1 hand-off parks, the other end
//! waits a wake-up latency for it, and if that wait parks too, both ends park on every
//! item from then on (measured: 0.05x the best peer at capacity 1 with a 4 µs phase,
//! 0.4x with 10-50 µs). While yielding, an oversubscribed machine runs the threads that
//! can make progress, so the phase costs them little. On such a machine one yield can
//! last a whole time slice, so the phase also lasts at least [`shim::MIN_YIELDS`] yields:
//! a waiter that parked after a single long yield paid a park on nearly every wait
//! (capacity 1 with 4 consumers or 8+8 threads: 0.25-0.4x the best peer instead of
//! 0.5-0.65x).
//!
//! How the spin steps grow depends on what is waited for ([`Spin`], chosen per wait list):
//!
//! - [`Spin::HandOff`]: another thread's publication (an item, a slot, a claim finished).
//!   The steps stay short (at most 8 pauses) because the wait ends when the other
//!   thread's write lands, and a waiter deep in a long pause run notices it late: capping
//!   the steps at 8 pauses instead of 64 took the ping-pong round trip from 0.85x to
//!   1.1x the best peer's.
//! - [`Spin::Contended`]: a word that every waiter polls and the holder rewrites at once
//!   (the `Lock`'s state). The steps double up to 64 pauses, so the waiters leave the
//!   holder's cache line alone: with 8-pause steps the contended lock ran at 10-18 M
//!   critical sections/s, with doubling steps at 30-33 M.

use std::time::Instant;

use crate::shim::{self, MIN_YIELDS, SPIN_WAIT_STEPS, YIELD_PHASE};

/// The step after which [`Backoff::spin`] stops doubling: at most `1 << 6` pauses.
const SPIN_DOUBLINGS: u32 = 6;

/// How a wait's spin steps grow before it starts yielding (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spin {
    /// Waiting for another thread's publication: short steps (1, 2, 4, then 8 pauses).
    HandOff,
    /// Waiting on a word every waiter polls: doubling steps (1, 2, .., 64 pauses).
    Contended,
}

impl Spin {
    /// The step after which the steps stop doubling.
    const fn doublings(self) -> u32 {
        match self {
            Spin::HandOff => 3,
            Spin::Contended => SPIN_DOUBLINGS,
        }
    }

    /// How many spin steps a wait takes before it yields.
    const fn steps(self) -> u32 {
        match self {
            Spin::HandOff => SPIN_WAIT_STEPS,
            // 1 + 2 + .. + 64 pauses: about as long as the hand-off's 16 steps (none
            // under loom, where there are no spin steps at all).
            Spin::Contended => {
                if SPIN_WAIT_STEPS == 0 {
                    0
                } else {
                    SPIN_DOUBLINGS + 1
                }
            }
        }
    }
}

/// Exponential backoff after losing a race (a failed CAS).
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    /// How many times this loop has backed off so far.
    step: u32,
}

impl Backoff {
    pub(crate) const fn new() -> Self {
        Backoff { step: 0 }
    }

    /// Backs off after losing a race: spins only, never yields, since the winner is
    /// running and will be done in a few instructions.
    #[inline]
    pub(crate) fn spin(&mut self) {
        shim::spin(1 << self.step.min(SPIN_DOUBLINGS));
        if self.step <= SPIN_DOUBLINGS {
            self.step += 1;
        }
    }
}

/// The bounded spin-then-yield phase of one wait, before its caller parks.
#[derive(Debug)]
pub(crate) struct SpinWait {
    /// How the spin steps grow.
    spin: Spin,
    /// How many steps this wait has taken so far.
    step: u32,
    /// How many times this wait has yielded.
    yields: u32,
    /// When the yield phase may end: set by the first yield.
    yield_until: Option<Instant>,
}

impl SpinWait {
    pub(crate) const fn new(spin: Spin) -> Self {
        SpinWait {
            spin,
            step: 0,
            yields: 0,
            yield_until: None,
        }
    }

    /// Waits a little: a short spin, or, once the spin steps are spent, a yield.
    /// Returns `false`, without waiting, once the budget is spent: the caller should
    /// park instead.
    #[inline]
    // Under loom there are no spin steps, which makes the first comparison always false:
    // intended.
    #[allow(clippy::absurd_extreme_comparisons)]
    pub(crate) fn snooze(&mut self) -> bool {
        if self.step < self.spin.steps() {
            shim::spin(1 << self.step.min(self.spin.doublings()));
            self.step += 1;
            return true;
        }
        self.yield_phase()
    }

    /// The yield phase: one yield per call until `YIELD_PHASE` has passed since the
    /// first and `MIN_YIELDS` yields were made. Under loom the phase is empty (see
    /// `shim::YIELD_PHASE`) and the clock is never read.
    #[cold]
    fn yield_phase(&mut self) -> bool {
        if YIELD_PHASE.is_zero() {
            return false;
        }
        let now = Instant::now();
        let until = *self.yield_until.get_or_insert(now + YIELD_PHASE);
        if now >= until && self.yields >= MIN_YIELDS {
            return false;
        }
        self.yields += 1;
        shim::yield_now();
        true
    }
}
