//! The seed's threading example on its own: `cargo run --example threading_counter`.

#[path = "seed/mod.rs"]
mod seed;

fn main() {
    seed::threading_counter::run();
}
