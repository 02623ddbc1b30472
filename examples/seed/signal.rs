//! The seed's `signal-example-1.py`: a `SIGALRM` handler, an alarm in two seconds, and a
//! 200-second sleep that the alarm cuts short.
//!
//! Since PEP 475 Python's own `time.sleep` resumes after a handled signal, so this
//! example no longer works as printed in today's Python. parkq says what it means:
//! `sleep_interruptible` returns when the signal arrives.

use parkq::signal::{self, SIGALRM};
use std::time::{Duration, Instant};

/// Runs the example, printing as the seed does (about two seconds).
pub fn run() {
    let _handler =
        signal::on(SIGALRM, |signo| println!("got signal {signo}")).expect("SIGALRM is catchable");
    // wake me up in two seconds
    signal::alarm(2);
    let now = Instant::now();
    let sleep = signal::sleep_interruptible(Duration::from_secs(200), &[SIGALRM])
        .expect("SIGALRM is catchable");
    assert_eq!(sleep.interrupted_by, Some(SIGALRM));
    let slept = now.elapsed().as_secs_f64();
    println!("slept for about {slept:.0} seconds ({slept:.3} s)");
}
