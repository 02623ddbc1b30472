//! The seed's priority queue example: items pushed as `(priority, value)` come out
//! smallest priority first, like Python's `queue.PriorityQueue` (and `heapq`).

use parkq::PriorityQueue;

/// Runs the example, printing as the seed does.
pub fn run() {
    let queue = PriorityQueue::new();
    queue.push((20, "second")).expect("the queue is open");
    queue.push((10, "first")).expect("the queue is open");
    queue.push((30, "third")).expect("the queue is open");
    while let Ok((_, word)) = queue.try_pop() {
        println!("{word}");
    }
}
