//! The seed's priority queue example on its own: `cargo run --example priority_queue`.

#[path = "seed/mod.rs"]
mod seed;

fn main() {
    seed::priority_queue::run();
}
