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
    section(
        "A priority queue: PriorityQueue, smallest priority first",
        seed::priority_queue::run,
    );
    #[cfg(unix)]
    {
        section(
            "The commands module (commands-example-1): getstatusoutput(\"ls -l\")",
            seed::commands::run,
        );
        section(
            "The pipes module (pipes-example-1): Template, sort | uniq",
            seed::pipes::run,
        );
        section(
            "The popen2 module (popen2-example-1): sorting two strings",
            seed::popen2::run_sort,
        );
        section(
            "The popen2 module (popen2-example-2): an interactive engine (sh stand-in for gnuchess)",
            seed::popen2::run_chess,
        );
        section(
            "The signal module (signal-example-1): SIGALRM cuts a 200 s sleep short",
            seed::signal::run,
        );
    }
    #[cfg(not(unix))]
    println!("(the process and signal sections are Unix only)");
}
