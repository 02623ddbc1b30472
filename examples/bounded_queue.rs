//! The seed's bounded-queue example on its own: `cargo run --example bounded_queue`.

#[path = "seed/mod.rs"]
mod seed;

fn main() {
    seed::bounded_queue::run();
}
