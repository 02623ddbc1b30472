//! Replays the examples of the seed chapter ("Threads and Processes") in Rust, in order,
//! with a heading for each: `cargo run --release --example tour`.

#[path = "seed/mod.rs"]
mod seed;

fn section(title: &str, run: fn()) {
    println!("== {title} ==");
    run();
    println!();
}

fn main() {
    section(
        "The Queue module (queue-example-1): Queue, unbounded, 2 workers",
        seed::unbounded_queue::run,
    );
    section(
        "Queue with a maximum size (queue-example-2): Ring, capacity 3, 2 workers",
        seed::bounded_queue::run,
    );
}
