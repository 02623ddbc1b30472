//! Replays the examples of the seed chapter ("Threads and Processes") in Rust, in order,
//! with a heading for each: `cargo run --release --example tour`.
//!
//! Each heading is `== <seed file>: <title> ==`, so `tests/tour.rs` can split the output
//! into sections and check each one's invariants. To add a section, add its module under
//! `examples/seed/`, a line here, and its checks in `tests/tour.rs`.

#[path = "seed/mod.rs"]
mod seed;

fn section(seed_file: &str, title: &str, run: impl FnOnce()) {
    println!("== {seed_file}: {title} ==");
    run();
    println!();
}

fn main() {
    section(
        "threading-example-1",
        "The threading module: 10 threads increment a counter under a Lock",
        seed::threading_counter::run,
    );
    section(
        "queue-example-1",
        "The Queue module: Queue, unbounded, 2 workers",
        seed::unbounded_queue::run,
    );
    section(
        "queue-example-2",
        "Queue with a maximum size: Ring, capacity 3, 2 workers",
        seed::bounded_queue::run,
    );
    section(
        "queue-example-3",
        "A priority queue: PriorityQueue, smallest priority first",
        seed::priority_queue::run,
    );
    section(
        "queue-example-4",
        "A last-in first-out queue: Stack",
        seed::lifo_queue::run,
    );
    section(
        "thread-example-1",
        "The thread module: 2 threads, goodbye after 1 second",
        || {
            for worker in seed::thread_example::run() {
                // The seed's process ends here, killing the workers; the tour goes on,
                // so it waits for them to notice the goodbye and stop.
                worker.join().expect("a worker panicked");
            }
        },
    );
    #[cfg(unix)]
    {
        section(
            "commands-example-1",
            "The commands module: getstatusoutput(\"ls -l\")",
            seed::commands::run,
        );
        section(
            "pipes-example-1",
            "The pipes module: Template, sort | uniq",
            seed::pipes::run,
        );
        section(
            "popen2-example-1",
            "The popen2 module: sorting two strings",
            seed::popen2::run_sort,
        );
        section(
            "popen2-example-2",
            "The popen2 module: an interactive engine (sh stand-in for gnuchess)",
            seed::popen2::run_chess,
        );
        section(
            "signal-example-1",
            "The signal module: SIGALRM cuts a 200 s sleep short",
            seed::signal::run,
        );
    }
    #[cfg(not(unix))]
    println!("(the process and signal sections are Unix only)");
}
