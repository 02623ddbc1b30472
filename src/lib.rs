//! Lock-free concurrent queues that block by parking.
//!
//! parkq is Python's threads-and-queues toolkit rebuilt for Rust programs that need a
//! fast, trustworthy dependency. Its queues are lock-free at their core; a thread that
//! has to wait (for an item, for room, for the workers to finish) spins briefly and then
//! parks, so nothing burns a CPU while it waits.
//!
//! - [`Ring`]: a bounded multi-producer multi-consumer FIFO queue (Python's
//!   `queue.Queue(maxsize)`), with blocking and non-blocking pushes and pops, timeouts,
//!   [`close`](Ring::close), and `task_done`/`join`.
//! - [`Queue`]: an unbounded multi-producer multi-consumer FIFO queue (Python's
//!   `queue.Queue()`), with the same pops, close and task tracking; pushes never wait.
//! - [`Stack`]: a lock-free LIFO stack (Python's `queue.LifoQueue`), unbounded or
//!   bounded, with the same operations.
//! - [`PriorityQueue`]: a lock-free skip-list priority queue (Python's
//!   `queue.PriorityQueue`): smallest item first, equal items in push order, unbounded or
//!   bounded, with the same operations.
//! - [`channel`]: `std::sync::mpsc`'s API (unbounded, bounded and rendezvous channels)
//!   on those queues, with senders *and* receivers that clone (MPMC).
//! - [`Lock`]: Python's `threading.Lock` (acquire, release from any thread, timeouts),
//!   hand-written on the same parking layer, with an RAII [`LockGuard`].
//! - [`thread`]: threads named `Thread-1`, `Thread-2`, ... as Python names them, and
//!   Python's `get_ident()`.
//! - On Unix, [`process`] (Python's `commands`, `pipes` and `popen2`, and a `Child` with
//!   timeouts and process-group kills) and [`signal`] (handlers that run on a thread,
//!   never in signal context; alarms and an interruptible sleep).
//!
//! Every queue shares the same names and the same [error types](TryPopError), and the
//! same parking layer.
//!
//! # Quick start
//!
//! A worker pool (the same as in the README):
//!
#![cfg_attr(parkq_loom_doctest, doc = "```ignore")]
#![cfg_attr(not(parkq_loom_doctest), doc = "```")]
//! use parkq::Ring;
//! use std::thread;
//!
//! let jobs = Ring::new(3);
//! thread::scope(|s| {
//!     for worker in 0..2 {
//!         let jobs = &jobs;
//!         s.spawn(move || {
//!             while let Some(job) = jobs.pop() {
//!                 println!("worker {worker}: task {job} finished");
//!                 jobs.task_done();
//!             }
//!         });
//!     }
//!     for job in 0..10 {
//!         jobs.push(job).unwrap(); // parks while 3 jobs are waiting
//!     }
//!     jobs.join();  // every job pushed has been processed
//!     jobs.close(); // the workers stop
//! });
//! ```
//!
//! # Verification
//!
//! The lock-free code is checked by loom models (`loom-tests/`), proptest model tests,
//! multi-threaded stress and drop-counting tests, and Miri; see the README.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

/// The opening fence of a doc example: "```" normally, "```ignore" in loom builds.
///
/// Doctests link the library as built, and under `--cfg loom` its primitives panic
/// outside a loom model. `build.rs` sets `parkq_loom_doctest` (which, unlike a
/// `RUSTFLAGS` cfg, reaches rustdoc) so the examples are skipped in that build only.
#[cfg(not(parkq_loom_doctest))]
macro_rules! example {
    () => {
        "```"
    };
}
#[cfg(parkq_loom_doctest)]
macro_rules! example {
    () => {
        "```ignore"
    };
}
pub(crate) use example;

mod backoff;
pub mod channel;
mod error;
mod lock;
mod park;
mod priority;
#[cfg(unix)]
pub mod process;
mod queue;
mod reclaim;
mod ring;
mod shim;
#[cfg(unix)]
pub mod signal;
mod stack;
#[cfg(unix)]
mod sys;
mod tasks;
pub mod thread;

pub use error::{Closed, PopTimeoutError, PushTimeoutError, TryPopError, TryPushError};
pub use lock::{Lock, LockGuard, ReleaseError};
pub use priority::{PriorityQueue, PriorityQueueIntoIter, PriorityQueueIter, PriorityQueueTryIter};
pub use queue::{Queue, QueueIntoIter, QueueIter, QueueTryIter};
pub use ring::{IntoIter, Iter, Ring, TryIter};
pub use stack::{Stack, StackIntoIter, StackIter, StackTryIter};

/// Hooks for this crate's loom models (`loom-tests/`); only in `--cfg loom` builds.
#[cfg(loom)]
#[doc(hidden)]
pub mod loom_hooks {
    pub use crate::reclaim::{loom_mode, LoomMode};
}
