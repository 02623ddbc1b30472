//! The seed's unbounded-queue example on its own: `cargo run --example unbounded_queue`.

#[path = "seed/mod.rs"]
mod seed;

fn main() {
    seed::unbounded_queue::run();
}
