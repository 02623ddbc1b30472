//! Signal numbers are checked before signal-hook (which panics on several) sees them.
//! No signal is delivered here, so these tests may share a binary.
#![cfg(all(unix, not(loom), not(miri)))]

mod common;

use common::within;
use parkq::signal::{self, Error};
use std::time::Duration;

/// Watchdog: a check that blocked instead of failing would hit it.
const LIMIT: Duration = Duration::from_secs(30);

const INVALID: [i32; 7] = [0, -1, 65, 128, 1000, i32::MAX, i32::MIN];

#[test]
fn uncatchable_signals() {
    within(LIMIT, || {
        for sig in [signal::SIGKILL, signal::SIGSTOP] {
            assert!(matches!(signal::on(sig, |_| {}), Err(Error::Uncatchable(s)) if s == sig));
            assert!(matches!(
                signal::wait_for(&[sig], Some(Duration::ZERO)),
                Err(Error::Uncatchable(s)) if s == sig
            ));
            assert!(matches!(
                signal::sleep_interruptible(Duration::ZERO, &[signal::SIGUSR1, sig]),
                Err(Error::Uncatchable(s)) if s == sig
            ));
        }
        assert_eq!(
            signal::on(9, |_| {}).unwrap_err().to_string(),
            "signal 9 cannot be caught"
        );
    });
}

#[test]
fn forbidden_signals() {
    within(LIMIT, || {
        for sig in [
            signal::SIGSEGV,
            signal::SIGILL,
            signal::SIGFPE,
            signal::SIGBUS,
        ] {
            assert!(matches!(signal::on(sig, |_| {}), Err(Error::Forbidden(s)) if s == sig));
            assert!(matches!(
                signal::wait_for(&[sig], Some(Duration::ZERO)),
                Err(Error::Forbidden(s)) if s == sig
            ));
        }
        let err = signal::on(signal::SIGSEGV, |_| {}).unwrap_err();
        assert!(err.to_string().contains("forbidden"), "{err}");
    });
}

#[test]
fn invalid_numbers() {
    within(LIMIT, || {
        let mut invalid = INVALID.to_vec();
        // glibc keeps 32 and 33 for its threads.
        if cfg!(target_os = "linux") {
            invalid.extend([32, 33]);
        }
        for sig in invalid {
            assert!(
                matches!(signal::on(sig, |_| {}), Err(Error::Invalid(s)) if s == sig),
                "{sig}"
            );
            assert!(matches!(
                signal::wait_for(&[sig], None),
                Err(Error::Invalid(s)) if s == sig
            ));
            assert!(matches!(signal::raise(sig), Err(Error::Invalid(s)) if s == sig));
        }
        assert_eq!(
            signal::on(1000, |_| {}).unwrap_err().to_string(),
            "1000 is not a valid signal number"
        );
        let io: std::io::Error = Error::Invalid(0).into();
        assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
    });
}

#[test]
fn a_bad_number_in_a_list_installs_nothing() {
    within(LIMIT, || {
        // Checked before anything is registered: the valid SIGUSR2 is not left installed
        // (nothing to observe directly, but the call must fail without waiting).
        let start = std::time::Instant::now();
        let err = signal::wait_for(&[signal::SIGUSR2, 0], None).unwrap_err();
        assert!(matches!(err, Error::Invalid(0)));
        assert!(start.elapsed() < Duration::from_secs(5));
    });
}
