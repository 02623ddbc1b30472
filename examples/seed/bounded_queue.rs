//! The seed's `queue-example-2.py`: a bounded queue (capacity 3) feeding 2 workers.
//!
//! The producer prints `push N` before each push; a push parks while the ring is full,
//! so the pushes run at most capacity + workers items ahead of `task N finished`.
//! Python ends the workers with one `None` marker each; here `close()` does it: the
//! workers drain what is left, then `pop` returns `None`.

use parkq::Ring;
use std::thread;

/// How many workers pop from the ring.
pub const WORKERS: usize = 2;
/// The ring's capacity (Python's `Queue(3)`).
pub const CAPACITY: usize = 3;
/// How many items the producer pushes.
pub const ITEMS: usize = 10;

/// Runs the example, printing as the seed does.
pub fn run() {
    let queue = Ring::new(CAPACITY);
    thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| {
                while let Some(item) = queue.pop() {
                    super::pretend_to_work();
                    println!("task {item} finished");
                }
            });
        }
        for item in 0..ITEMS {
            println!("push {item}");
            queue
                .push(item)
                .expect("nobody closes the ring before the producer");
        }
        // Python's end-of-queue markers: one close wakes every worker once it is drained.
        queue.close();
    });
}
