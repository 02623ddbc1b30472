//! Helpers shared by the benchmarks: verification of what the consumers received,
//! thread pinning, the spin-then-yield wait of the non-blocking peers, and timing; and
//! the comparison suite's contenders and scenarios, shared by the criterion bench
//! (`compare`) and the interleaved report (`report`).
#![allow(dead_code)]

pub mod contenders;
pub mod scenarios;

use std::hint::spin_loop;
use std::thread;
use std::time::Duration;

// ----------------------------------------------------------------------------------
// Verification

/// What a consumer received: how many items and their sum.
#[derive(Clone, Copy, Default)]
pub struct Tally {
    pub count: u64,
    pub sum: u64,
}

impl Tally {
    #[inline]
    pub fn add(&mut self, item: u64) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(item);
    }

    pub fn merge(self, other: Tally) -> Tally {
        Tally {
            count: self.count + other.count,
            sum: self.sum.wrapping_add(other.sum),
        }
    }

    /// Panics unless exactly the items `1..=total` were received.
    pub fn check(self, total: u64) {
        assert_eq!(self.count, total, "received the wrong number of items");
        assert_eq!(
            self.sum,
            total * (total + 1) / 2,
            "received the wrong items"
        );
    }
}

/// The items producer `index` of `producers` sends: a share of `1..=total`.
pub fn share(index: usize, producers: usize, total: u64) -> std::ops::Range<u64> {
    let (index, producers) = (index as u64, producers as u64);
    1 + index * total / producers..1 + (index + 1) * total / producers
}

// ----------------------------------------------------------------------------------
// Threads

/// Pins the calling thread to `core`. Best effort: if the kernel refuses, says so
/// once and leaves the thread unpinned.
#[cfg(target_os = "linux")]
pub fn pin_to_core(core: usize) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    let pinned = core < libc::CPU_SETSIZE as usize && {
        // SAFETY: `cpu_set_t` is a plain bit array for which all zeroes is the empty
        // set; `CPU_SET` writes one bit inside it (`core < CPU_SETSIZE`, checked
        // above); `sched_setaffinity(0, ..)` only reads `size_of::<cpu_set_t>()`
        // bytes from a valid reference and changes only the calling thread.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(core, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
        }
    };
    if !pinned {
        WARNED.call_once(|| eprintln!("warning: cannot pin threads to core {core}"));
    }
}

#[cfg(not(target_os = "linux"))]
pub fn pin_to_core(_core: usize) {}

/// Waiting for a non-blocking queue: a few exponentially longer spins, then
/// `yield_now` on every further retry.
pub struct SpinYield {
    step: u32,
}

impl SpinYield {
    /// Spins 1, 2, 4, .. 32 times before switching to yielding.
    pub const SPIN_STEPS: u32 = 6;

    pub fn new() -> Self {
        SpinYield { step: 0 }
    }

    pub fn wait(&mut self) {
        if self.step < Self::SPIN_STEPS {
            for _ in 0..1u32 << self.step {
                spin_loop();
            }
            self.step += 1;
        } else {
            thread::yield_now();
        }
    }
}

/// Runs `once` `iters` times and adds up the measured time.
pub fn repeat(iters: u64, mut once: impl FnMut() -> Duration) -> Duration {
    (0..iters).map(|_| once()).sum()
}
