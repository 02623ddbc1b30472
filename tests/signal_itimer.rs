//! `signal::set_itimer`: a one-shot 200 ms timer interrupts `sleep_interruptible`, and
//! an interval timer repeats. Signals are process-wide, so this binary holds one test.
#![cfg(all(unix, not(loom), not(miri)))]

mod common;

use common::within;
use parkq::signal::{self, Timer, SIGALRM};
use std::time::Duration;

#[test]
fn itimer_one_shot_and_interval() {
    within(Duration::from_secs(30), || {
        assert_eq!(Timer::Real.signal(), SIGALRM);
        // Handled from before the timer is armed to the end of the process: should this
        // thread be descheduled past the 200 ms before `sleep_interruptible` waits, the
        // alarm meets this handler (and the sleep's bound below fails the test) instead
        // of SIGALRM's default action, which would end the process with no message.
        // Later ticks of the interval timer may still be in flight at the end.
        let handled = signal::on(SIGALRM, |_| {}).unwrap();
        assert_eq!(
            signal::get_itimer(Timer::Real).unwrap(),
            (Duration::ZERO, Duration::ZERO)
        );
        let previous =
            signal::set_itimer(Timer::Real, Duration::from_millis(200), Duration::ZERO).unwrap();
        assert_eq!(previous, (Duration::ZERO, Duration::ZERO));
        let (left, interval) = signal::get_itimer(Timer::Real).unwrap();
        assert!(
            left > Duration::ZERO && left <= Duration::from_millis(200),
            "{left:?}"
        );
        assert_eq!(interval, Duration::ZERO);

        let sleep = signal::sleep_interruptible(Duration::from_secs(10), &[SIGALRM]).unwrap();
        assert_eq!(sleep.interrupted_by, Some(SIGALRM));
        assert!(
            sleep.slept >= Duration::from_millis(150),
            "{:?}",
            sleep.slept
        );
        assert!(sleep.slept < Duration::from_secs(5), "{:?}", sleep.slept);
        assert_eq!(
            signal::get_itimer(Timer::Real).unwrap().0,
            Duration::ZERO,
            "a one-shot timer is spent"
        );

        // An interval timer fires again and again until disarmed; a tick arriving
        // between two waits meets the handler.
        signal::set_itimer(
            Timer::Real,
            Duration::from_millis(50),
            Duration::from_millis(50),
        )
        .unwrap();
        for _ in 0..3 {
            let tick = signal::wait_for(&[SIGALRM], Some(Duration::from_secs(5))).unwrap();
            assert_eq!(tick, Some(SIGALRM));
        }
        let (_, interval) =
            signal::set_itimer(Timer::Real, Duration::ZERO, Duration::ZERO).unwrap();
        assert_eq!(interval, Duration::from_millis(50));
        // A tick that fired just before the disarm may not be dispatched yet; dropping
        // the handler now would let it meet SIGALRM's default action (the process
        // ends). Keep the handler for the rest of this process.
        std::mem::forget(handled);
    });
}
