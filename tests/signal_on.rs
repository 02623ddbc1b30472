//! `signal::on`: handlers run on the dispatcher thread, in order, until their
//! `Registration` drops; `wait_for` wakes on a signal raised by another thread.
//! Signals are process-wide, so this binary holds one test.
#![cfg(all(unix, not(loom), not(miri)))]

mod common;

use common::within;
use parkq::signal::{self, SIGUSR1, SIGUSR2};
use std::sync::mpsc;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

#[test]
fn handlers_run_off_the_signal_context_until_dropped() {
    within(Duration::from_secs(30), || {
        let (tx, rx) = mpsc::channel::<(&str, i32, String)>();
        let handler = |name: &'static str| {
            let tx = Mutex::new(tx.clone());
            move |signo: i32| {
                // Allocating, locking and naming the thread: none of it is
                // async-signal-safe, all of it is fine here.
                let thread = thread::current().name().unwrap_or("").to_owned();
                tx.lock().unwrap().send((name, signo, thread)).unwrap();
            }
        };
        let first = signal::on(SIGUSR1, handler("first")).unwrap();
        let second = signal::on(SIGUSR1, handler("second")).unwrap();
        assert_eq!(first.signal(), SIGUSR1);
        let limit = Duration::from_secs(10);

        signal::raise(SIGUSR1).unwrap();
        let a = rx.recv_timeout(limit).unwrap();
        let b = rx.recv_timeout(limit).unwrap();
        assert_eq!(a, ("first", SIGUSR1, "parkq-signals".to_owned()));
        assert_eq!(b, ("second", SIGUSR1, "parkq-signals".to_owned()));

        // A panicking handler is reported and the others still run, now and later.
        let boom = signal::on(SIGUSR1, |_| panic!("handler panic (expected by the test)")).unwrap();
        signal::raise(SIGUSR1).unwrap();
        assert_eq!(rx.recv_timeout(limit).unwrap().0, "first");
        assert_eq!(rx.recv_timeout(limit).unwrap().0, "second");
        drop(boom);

        // Dropping one registration removes that handler only.
        drop(first);
        signal::raise(SIGUSR1).unwrap();
        assert_eq!(rx.recv_timeout(limit).unwrap().0, "second");
        // wait_for also sees it, after the handlers.
        let waiter = thread::spawn(|| signal::wait_for(&[SIGUSR2], Some(Duration::from_secs(10))));
        // The waiter may not be registered yet when a signal arrives; keep raising
        // (with a handler installed, extra SIGUSR2s are harmless) until it returns.
        let keep_alive = signal::on(SIGUSR2, |_| {}).unwrap();
        while !waiter.is_finished() {
            signal::raise(SIGUSR2).unwrap();
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(waiter.join().unwrap().unwrap(), Some(SIGUSR2));
        // The last SIGUSR2 raised may not be dispatched yet: dropping its handler now
        // could let it meet the default action (the process ends). Keep it.
        std::mem::forget(keep_alive);

        drop(second);
        assert!(rx.try_recv().is_err(), "no handler runs without a signal");
    });
}
