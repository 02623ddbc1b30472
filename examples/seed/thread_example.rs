//! The seed's `thread-example-1.py`, Python's low-level `thread` module: two threads
//! each run 50 tasks and print `<ident> -- task i finished` (the ident is
//! `parkq::thread::get_ident()`); after one second the main thread prints `goodbye!`.
//!
//! In Python, "when the main program exits, all threads are killed". Rust behaves the
//! same way: returning from `main` ends the process, and every thread still running ends
//! with it, mid-task. The standalone example (`cargo run --example thread_example`) does
//! exactly that. The tour cannot end the process after this section, so `run` also
//! closes the screen when it says goodbye: the workers print nothing after `goodbye!` and
//! stop at their next task, and the tour joins them.

use parkq::{thread, Lock};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// How many worker threads run.
pub const WORKERS: usize = 2;
/// How many tasks each worker would run if nothing stopped it.
pub const TASKS: usize = 50;
/// How long the main thread lets them run.
pub const RUN_FOR: Duration = Duration::from_secs(1);

/// Where the workers print: a lock that orders their lines with `goodbye!`, and whether
/// the main thread has said it.
struct Screen {
    lock: Lock,
    closed: AtomicBool,
}

fn worker(screen: &Screen) {
    let ident = thread::get_ident();
    for task in 0..TASKS {
        super::pretend_to_work();
        let _guard = screen.lock.lock();
        // Relaxed: read and written only under the lock.
        if screen.closed.load(Relaxed) {
            return; // the process would have ended here
        }
        println!("{ident} -- task {task} finished");
    }
}

/// Starts the workers, waits a second, prints `goodbye!`, and returns the workers'
/// handles: dropping them leaves the threads running until the process ends.
pub fn run() -> Vec<std::thread::JoinHandle<()>> {
    let screen = Arc::new(Screen {
        lock: Lock::new(),
        closed: AtomicBool::new(false),
    });
    let workers = (0..WORKERS)
        .map(|_| {
            let screen = Arc::clone(&screen);
            thread::spawn(move || worker(&screen))
        })
        .collect();
    std::thread::sleep(RUN_FOR);
    let _guard = screen.lock.lock();
    screen.closed.store(true, Relaxed);
    println!("goodbye!");
    workers
}
