//! The seed chapter's programs, one module each, shared by their own example and by
//! the `tour`.
//!
//! Each example binary includes all of them and runs one: the others are unused there.
#![allow(dead_code)]

pub mod bounded_queue;
#[cfg(unix)]
pub mod commands;
pub mod lifo_queue;
#[cfg(unix)]
pub mod pipes;
#[cfg(unix)]
pub mod popen2;
pub mod priority_queue;
#[cfg(unix)]
pub mod signal;
pub mod thread_example;
pub mod threading_counter;
pub mod unbounded_queue;

use std::time::Duration;

/// A pseudo-random pause of 10 to 100 ms, the seed's
/// `time.sleep(random.randint(10, 100) / 1000.0)`: "pretend we're doing something".
pub fn pretend_to_work() {
    std::thread::sleep(Duration::from_millis(10 + random_below(91)));
}

/// A small xorshift generator seeded per thread: enough for demo pauses, no
/// dependency needed.
fn random_below(bound: u64) -> u64 {
    use std::cell::Cell;
    use std::hash::{BuildHasher, RandomState};
    thread_local! {
        static STATE: Cell<u64> = Cell::new(RandomState::new().hash_one(std::thread::current().id()) | 1);
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        x % bound
    })
}
