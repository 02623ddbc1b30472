//! The seed's `queue-example-1.py`: an unbounded queue (Python's `Queue(0)`) feeding 2
//! workers that print `task N finished` as they go.
//!
//! Python ends the workers with one `None` marker each; here `close()` does it: the
//! workers drain what is left, then `pop` returns `None`.

use parkq::Queue;
use std::thread;

/// How many workers pop from the queue.
pub const WORKERS: usize = 2;
/// How many items the producer pushes.
pub const ITEMS: usize = 10;

/// Runs the example, printing as the seed does.
pub fn run() {
    let queue = Queue::new();
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
            queue
                .push(item)
                .expect("nobody closes the queue before the producer");
        }
        // Python's end-of-queue markers: one close wakes every worker once it is drained.
        queue.close();
    });
}
