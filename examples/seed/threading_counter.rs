//! The seed's `threading-example-1.py`: ten worker threads increment a shared counter
//! under a `Lock`, ten times each, and print `Thread-N -- task i finished value`.
//!
//! The counter's read and write are two separate steps (a load and a store, not an atomic
//! increment), exactly like Python's `self.value = value = self.value + 1`: only the lock
//! keeps two workers from reading the same value. With it, the values printed are
//! 1 to 100, each once; "if you remove the calls to acquire and release, it's pretty
//! likely that the counter won't reach 100".
//!
//! Python waits for its (non-daemon) threads before the process exits; Rust does not,
//! so `run` joins them.

use parkq::{thread, Lock};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

/// How many worker threads run.
pub const WORKERS: usize = 10;
/// How many times each worker increments the counter.
pub const TASKS: usize = 10;

/// The seed's `Counter`: a value and the lock that guards it.
pub struct Counter {
    lock: Lock,
    value: AtomicUsize,
}

impl Counter {
    pub fn new() -> Counter {
        Counter {
            lock: Lock::new(),
            value: AtomicUsize::new(0),
        }
    }

    /// Adds one and returns the new value.
    pub fn increment(&self) -> usize {
        self.lock.acquire(); // critical section
                             // Relaxed is enough: the lock's acquire and release order these accesses.
        let value = self.value.load(Relaxed) + 1;
        self.value.store(value, Relaxed);
        self.lock.release().expect("we hold the lock");
        value
    }
}

/// Runs the example, printing as the seed does.
pub fn run() {
    let counter = Arc::new(Counter::new());
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let counter = Arc::clone(&counter);
            // Named Thread-1, Thread-2, ... as Python names them.
            thread::spawn(move || {
                let name = thread::current_name().unwrap_or_default();
                for task in 0..TASKS {
                    let value = counter.increment(); // increment global counter
                    super::pretend_to_work();
                    println!("{name} -- task {task} finished {value}");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker panicked");
    }
}
