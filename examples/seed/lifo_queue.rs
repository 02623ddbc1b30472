//! The seed's `queue-example-4.py`: a thread-safe stack. Python builds it by overriding
//! `Queue`'s insertion; parkq has a lock-free `Stack` with the same operations.
//!
//! Push "first", "second", "third", then `try_pop` (Python's `pop_nowait`) until the
//! stack is empty: they come out third, second, first.

use parkq::Stack;

/// Runs the example, printing as the seed does.
pub fn run() {
    let stack = Stack::new();
    for word in ["first", "second", "third"] {
        stack.push(word).expect("the stack is open");
    }
    // Python's loop ends on `Empty`; `try_iter` ends on it too.
    for word in stack.try_iter() {
        println!("{word}");
    }
}
