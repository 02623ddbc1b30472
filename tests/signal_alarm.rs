//! `signal::alarm` interrupts `sleep_interruptible`, after the `on` handler ran: the
//! seed's `signal-example-1.py`. Signals are process-wide, so this binary holds one test.
#![cfg(all(unix, not(loom), not(miri)))]

mod common;

use common::within;
use parkq::signal::{self, SIGALRM, SIGUSR1};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn alarm_interrupts_an_interruptible_sleep() {
    within(Duration::from_secs(30), || {
        // Python's alarm contract: the previous remaining time, 0 (here None) if none.
        assert_eq!(signal::alarm(100), None);
        assert_eq!(signal::alarm(50), Some(100));
        assert_eq!(signal::alarm(0), Some(50));
        assert_eq!(signal::cancel_alarm(), None);

        let got = Arc::new(AtomicI32::new(0));
        let seen = Arc::clone(&got);
        let _handler =
            signal::on(SIGALRM, move |signo| seen.store(signo, Ordering::SeqCst)).unwrap();
        assert_eq!(signal::alarm(1), None);
        let sleep = signal::sleep_interruptible(Duration::from_secs(200), &[SIGALRM]).unwrap();
        assert_eq!(sleep.interrupted_by, Some(SIGALRM));
        assert!(sleep.interrupted());
        assert_eq!(
            got.load(Ordering::SeqCst),
            SIGALRM,
            "the handler runs first"
        );
        assert!(
            sleep.slept >= Duration::from_millis(150),
            "{:?}",
            sleep.slept
        );
        assert!(sleep.slept < Duration::from_secs(5), "{:?}", sleep.slept);
        assert_eq!(signal::cancel_alarm(), None, "the alarm was used up");

        // A sleep nobody interrupts runs its length, and other signals do not cut it.
        let quiet = signal::sleep_interruptible(Duration::from_millis(100), &[SIGUSR1]).unwrap();
        assert_eq!(quiet.interrupted_by, None);
        assert!(quiet.slept >= Duration::from_millis(100));
    });
}
