//! The seed's LIFO queue example on its own: `cargo run --example lifo_queue`.

#[path = "seed/mod.rs"]
mod seed;

fn main() {
    seed::lifo_queue::run();
}
