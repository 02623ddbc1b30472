//! The seed's low-level `thread` example on its own: `cargo run --example thread_example`.

#[path = "seed/mod.rs"]
mod seed;

fn main() {
    let _workers = seed::thread_example::run();
    // Returning from `main` ends the process, and the two workers with it, wherever they
    // are: as in Python's `thread` module, nothing waits for them.
}
