//! Signals, the safe way: Python's `signal` module on Unix.
//!
//! - [`on`] runs a handler for a signal on parkq's dispatcher thread, never inside the
//!   signal handler itself, so the handler may lock, allocate and print. Dropping the
//!   returned [`Registration`] removes it.
//! - [`wait_for`] and [`sleep_interruptible`] block until one of some signals arrives
//!   (or a timeout passes). Since PEP 475, Python's `time.sleep` no longer returns
//!   early when a signal arrives; the seed's example relied on that, so parkq offers
//!   the interruptible sleep explicitly.
//! - [`alarm`], [`cancel_alarm`], [`set_itimer`] and [`get_itimer`] schedule `SIGALRM`
//!   (and the other interval timers' signals); [`raise`] sends a signal to the calling
//!   thread.
//!
//! Signal numbers are checked before anything is installed: `SIGKILL` and `SIGSTOP` are
//! [uncatchable](Error::Uncatchable), `SIGSEGV`, `SIGILL`, `SIGFPE` and `SIGBUS`
//! [forbidden](Error::Forbidden) (a handler that returns would re-run the faulting
//! instruction), and numbers the system does not have [invalid](Error::Invalid).
//!
//! # How delivery works
//!
//! The first call that needs it starts one `parkq-signals` thread per process. It owns a
//! `signal_hook` iterator: the real signal handler only writes to a self-pipe, and the
//! thread reads it and, for each signal, calls every handler registered with [`on`]
//! (in registration order), then wakes every [`wait_for`] waiting for that signal.
//! Consequences:
//!
//! - Handlers run one at a time, on that thread; a slow handler delays the others.
//! - As with any Unix signal, several arrivals of one signal before the thread reads
//!   them may be seen as one.
//! - A signal that arrives when nobody is registered for it and nobody waits for it
//!   gets its default action, emulated by the thread: for `SIGALRM`, `SIGUSR1`,
//!   `SIGTERM`, `SIGINT`, `SIGHUP` and the like, the process ends, killed by that
//!   signal, as it would with no handler installed at all (this is what "the default
//!   action is restored" means here: signal-hook cannot uninstall its handler, so parkq
//!   acts as the default would). A signal already delivered but not yet read when the
//!   last registration goes may meet either fate.
//! - A signal that arrived before [`wait_for`] started waiting is not seen by it.
//!
//! # Examples
//!
//! The seed's `signal-example-1.py`, shortened to 200 ms:
//!
#![cfg_attr(parkq_loom_doctest, doc = "```ignore")]
#![cfg_attr(not(parkq_loom_doctest), doc = "```")]
//! use parkq::signal::{self, SIGALRM};
//! use std::time::Duration;
//!
//! let _handler = signal::on(SIGALRM, |signo| println!("got signal {signo}")).unwrap();
//! signal::set_itimer(signal::Timer::Real, Duration::from_millis(200), Duration::ZERO).unwrap();
//! let sleep = signal::sleep_interruptible(Duration::from_secs(200), &[SIGALRM]).unwrap();
//! assert_eq!(sleep.interrupted_by, Some(SIGALRM));
//! println!("slept for {:?}", sleep.slept);
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use signal_hook::iterator::{Handle, Signals};

use crate::sys;

macro_rules! signals {
    ($($name:ident: $doc:literal,)*) => {
        $(
            #[doc = $doc]
            pub const $name: i32 = libc::$name;
        )*
    };
}

signals! {
    SIGHUP: "Hangup: the controlling terminal closed. Default: terminate.",
    SIGINT: "Interrupt (Ctrl-C). Default: terminate.",
    SIGQUIT: "Quit (Ctrl-\\\\). Default: terminate with a core dump.",
    SIGILL: "Illegal instruction. Forbidden here (see [`Error::Forbidden`]).",
    SIGABRT: "Abort (`abort()`). Default: terminate with a core dump.",
    SIGFPE: "Arithmetic fault. Forbidden here (see [`Error::Forbidden`]).",
    SIGKILL: "Kill. Cannot be caught (see [`Error::Uncatchable`]).",
    SIGBUS: "Bus error. Forbidden here (see [`Error::Forbidden`]).",
    SIGSEGV: "Invalid memory access. Forbidden here (see [`Error::Forbidden`]).",
    SIGPIPE: "Write to a pipe nobody reads. Rust programs ignore it by default.",
    SIGALRM: "Timer expired: [`alarm`] and [`Timer::Real`]. Default: terminate.",
    SIGTERM: "Termination request. Default: terminate.",
    SIGUSR1: "User-defined signal 1. Default: terminate.",
    SIGUSR2: "User-defined signal 2. Default: terminate.",
    SIGCHLD: "A child stopped or ended. Default: ignore.",
    SIGCONT: "Continue if stopped. Default: continue.",
    SIGSTOP: "Stop. Cannot be caught (see [`Error::Uncatchable`]).",
    SIGTSTP: "Terminal stop (Ctrl-Z). Default: stop.",
    SIGWINCH: "Terminal window size changed. Default: ignore.",
    SIGVTALRM: "Virtual timer expired: [`Timer::Virtual`]. Default: terminate.",
    SIGPROF: "Profiling timer expired: [`Timer::Prof`]. Default: terminate.",
}

/// Why a signal call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// `SIGKILL` or `SIGSTOP`: the kernel never lets a process catch them.
    Uncatchable(i32),
    /// `SIGSEGV`, `SIGILL`, `SIGFPE` or `SIGBUS`: they report a fault in the running
    /// code, and a handler that returns re-runs the faulting instruction, so parkq
    /// refuses to handle them.
    Forbidden(i32),
    /// Not a signal number of this system.
    Invalid(i32),
    /// The system refused (installing a handler, starting the dispatcher thread, or a
    /// timer call).
    Io(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Uncatchable(signal) => write!(f, "signal {signal} cannot be caught"),
            Error::Forbidden(signal) => write!(
                f,
                "signal {signal} reports a fault in the running code and is forbidden here"
            ),
            Error::Invalid(signal) => write!(f, "{signal} is not a valid signal number"),
            Error::Io(err) => write!(f, "signal setup failed: {err}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        match err {
            Error::Io(err) => err,
            other => io::Error::new(io::ErrorKind::InvalidInput, other),
        }
    }
}

/// Whether `signal` is a signal number of this system (glibc's reserved real-time
/// signals 32 and 33 are not).
fn exists(signal: i32) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        (1..32).contains(&signal) || (libc::SIGRTMIN()..=libc::SIGRTMAX()).contains(&signal)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        (1..32).contains(&signal)
    }
}

/// Checks that `signal` can be handled, before signal-hook (which panics on some)
/// sees it.
fn check_catchable(signal: i32) -> Result<(), Error> {
    if !exists(signal) {
        return Err(Error::Invalid(signal));
    }
    match signal {
        libc::SIGKILL | libc::SIGSTOP => Err(Error::Uncatchable(signal)),
        libc::SIGSEGV | libc::SIGILL | libc::SIGFPE | libc::SIGBUS => Err(Error::Forbidden(signal)),
        _ => Ok(()),
    }
}

type Handler = Arc<dyn Fn(i32) + Send + Sync>;

/// A thread blocked in [`wait_for`]: the first signal it waits for lands in `fired`.
struct Waiter {
    fired: Mutex<Option<i32>>,
    woken: Condvar,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    handlers: HashMap<i32, Vec<(u64, Handler)>>,
    waiters: HashMap<i32, Vec<(u64, Arc<Waiter>)>>,
}

struct Dispatcher {
    handle: Handle,
    registry: Mutex<Registry>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Handlers run outside the lock, so a poisoned lock means a bug in this module,
    // not a torn registry: carry on.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The process's dispatcher, started on first use.
fn dispatcher() -> Result<&'static Dispatcher, Error> {
    static DISPATCHER: OnceLock<&'static Dispatcher> = OnceLock::new();
    static STARTING: Mutex<()> = Mutex::new(());
    if let Some(dispatcher) = DISPATCHER.get() {
        return Ok(dispatcher);
    }
    let _starting = lock(&STARTING);
    if let Some(dispatcher) = DISPATCHER.get() {
        return Ok(dispatcher);
    }
    let mut signals = Signals::new(std::iter::empty::<i32>()).map_err(Error::Io)?;
    let dispatcher: &'static Dispatcher = Box::leak(Box::new(Dispatcher {
        handle: signals.handle(),
        registry: Mutex::new(Registry::default()),
    }));
    thread::Builder::new()
        .name("parkq-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                dispatch(dispatcher, signal);
            }
        })
        .map_err(Error::Io)?;
    let _ = DISPATCHER.set(dispatcher);
    Ok(dispatcher)
}

/// Runs on the dispatcher thread for each signal read from signal-hook's pipe.
fn dispatch(dispatcher: &Dispatcher, signal: i32) {
    let (handlers, waiters): (Vec<Handler>, Vec<Arc<Waiter>>) = {
        let registry = lock(&dispatcher.registry);
        (
            registry.handlers.get(&signal).map_or_else(Vec::new, |hs| {
                hs.iter().map(|(_, h)| Arc::clone(h)).collect()
            }),
            registry.waiters.get(&signal).map_or_else(Vec::new, |ws| {
                ws.iter().map(|(_, w)| Arc::clone(w)).collect()
            }),
        )
    };
    if handlers.is_empty() && waiters.is_empty() {
        // Nobody wants it: do what the default disposition would (for most signals,
        // end the process by that signal).
        let _ = signal_hook::low_level::emulate_default_handler(signal);
        return;
    }
    for handler in handlers {
        if catch_unwind(AssertUnwindSafe(|| handler(signal))).is_err() {
            eprintln!("parkq: a handler for signal {signal} panicked; the dispatcher goes on");
        }
    }
    for waiter in waiters {
        let mut fired = lock(&waiter.fired);
        if fired.is_none() {
            *fired = Some(signal);
        }
        waiter.woken.notify_all();
    }
}

/// Makes sure signal-hook's handler for `signal` is installed.
fn install(dispatcher: &Dispatcher, signal: i32) -> Result<(), Error> {
    // Checked by the callers: signal-hook panics on forbidden or huge numbers.
    debug_assert!(check_catchable(signal).is_ok());
    dispatcher.handle.add_signal(signal).map_err(Error::Io)
}

/// A handler installed by [`on`]; dropping it removes the handler.
///
/// After the last registration for a signal is dropped (and no [`wait_for`] waits for
/// it), the signal gets its default action again (see the [module docs](self)).
#[must_use = "dropping a Registration removes the handler at once"]
#[derive(Debug)]
pub struct Registration {
    signal: i32,
    id: u64,
}

impl Registration {
    /// The signal this handler is for.
    pub fn signal(&self) -> i32 {
        self.signal
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // A Registration exists only if the dispatcher started.
        if let Ok(dispatcher) = dispatcher() {
            let mut registry = lock(&dispatcher.registry);
            if let Some(handlers) = registry.handlers.get_mut(&self.signal) {
                handlers.retain(|(id, _)| *id != self.id);
            }
        }
    }
}

/// Calls `handler(signal)` on parkq's dispatcher thread each time `signal` arrives,
/// until the returned [`Registration`] is dropped: Python's `signal.signal`.
///
/// The handler never runs inside the signal handler, so it can do anything a thread can
/// (lock, allocate, print). Several handlers for one signal run in registration order.
/// A handler that panics is reported on stderr; the dispatcher carries on. Does not
/// block (beyond starting the dispatcher thread on first use).
///
/// # Errors
///
/// [`Error::Uncatchable`], [`Error::Forbidden`], [`Error::Invalid`] for those signal
/// numbers; [`Error::Io`] if the handler or the dispatcher thread cannot be set up.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::signal::{self, SIGUSR1};
/// use std::sync::mpsc;
///
/// let (tx, rx) = mpsc::channel();
/// let tx = std::sync::Mutex::new(tx);
/// let registration = signal::on(SIGUSR1, move |signo| {
///     tx.lock().unwrap().send(signo).unwrap();
/// })
/// .unwrap();
/// signal::raise(SIGUSR1).unwrap();
/// assert_eq!(rx.recv().unwrap(), SIGUSR1);
/// drop(registration);
///
/// assert!(matches!(signal::on(signal::SIGKILL, |_| {}), Err(signal::Error::Uncatchable(9))));
/// ```
pub fn on<F>(signal: i32, handler: F) -> Result<Registration, Error>
where
    F: Fn(i32) + Send + Sync + 'static,
{
    check_catchable(signal)?;
    let dispatcher = dispatcher()?;
    let id = {
        let mut registry = lock(&dispatcher.registry);
        registry.next_id += 1;
        let id = registry.next_id;
        registry
            .handlers
            .entry(signal)
            .or_default()
            .push((id, Arc::new(handler)));
        id
    };
    // Registered first, installed second: a signal arriving in between finds its
    // handler. On failure the Registration's drop removes it again.
    let registration = Registration { signal, id };
    install(dispatcher, signal)?;
    Ok(registration)
}

/// Blocks until one of `signals` arrives or `timeout` passes (`None`: no limit);
/// returns the signal, or `None` on timeout.
///
/// Handlers registered with [`on`] for the signal run first (on the dispatcher
/// thread), then this returns. While it waits, the signals it waits for are "handled",
/// so they do not get their default action. Only signals arriving after the call starts
/// count. With an empty `signals` it simply sleeps for `timeout`.
///
/// # Errors
///
/// [`Error::Uncatchable`], [`Error::Forbidden`], [`Error::Invalid`] if any of
/// `signals` is one; [`Error::Io`] if a handler cannot be installed.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::signal::{self, SIGUSR2};
/// use std::time::Duration;
///
/// let got = signal::wait_for(&[SIGUSR2], Some(Duration::from_millis(10))).unwrap();
/// assert_eq!(got, None);
/// ```
pub fn wait_for(signals: &[i32], timeout: Option<Duration>) -> Result<Option<i32>, Error> {
    for &signal in signals {
        check_catchable(signal)?;
    }
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let dispatcher = dispatcher()?;
    let waiter = Arc::new(Waiter {
        fired: Mutex::new(None),
        woken: Condvar::new(),
    });
    let id = {
        let mut registry = lock(&dispatcher.registry);
        registry.next_id += 1;
        let id = registry.next_id;
        for &signal in signals {
            registry
                .waiters
                .entry(signal)
                .or_default()
                .push((id, Arc::clone(&waiter)));
        }
        id
    };
    let unregister = || {
        let mut registry = lock(&dispatcher.registry);
        for signal in signals {
            if let Some(waiters) = registry.waiters.get_mut(signal) {
                waiters.retain(|(other, _)| *other != id);
            }
        }
    };
    for &signal in signals {
        if let Err(err) = install(dispatcher, signal) {
            unregister();
            return Err(err);
        }
    }
    let mut fired = lock(&waiter.fired);
    while fired.is_none() {
        match deadline {
            None => fired = waiter.woken.wait(fired).unwrap_or_else(|p| p.into_inner()),
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                fired = waiter
                    .woken
                    .wait_timeout(fired, deadline - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
        }
    }
    let got = *fired;
    drop(fired);
    unregister();
    Ok(got)
}

/// What [`sleep_interruptible`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sleep {
    /// The signal that cut the sleep short, or `None` if it ran its full length.
    pub interrupted_by: Option<i32>,
    /// How long it slept.
    pub slept: Duration,
}

impl Sleep {
    /// Whether a signal cut the sleep short.
    pub fn interrupted(&self) -> bool {
        self.interrupted_by.is_some()
    }
}

/// Sleeps for `duration`, or until one of `signals` arrives: the interruptible
/// `time.sleep` of Python before PEP 475, which the seed's signal example relies on.
///
/// Handlers registered with [`on`] for the signal run before this returns. Blocks for at
/// most `duration`.
///
/// # Errors
///
/// Those of [`wait_for`].
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::signal::{self, SIGUSR2};
/// use std::time::Duration;
///
/// let sleep = signal::sleep_interruptible(Duration::from_millis(20), &[SIGUSR2]).unwrap();
/// assert!(!sleep.interrupted());
/// assert!(sleep.slept >= Duration::from_millis(20));
/// ```
pub fn sleep_interruptible(duration: Duration, signals: &[i32]) -> Result<Sleep, Error> {
    let start = Instant::now();
    let interrupted_by = wait_for(signals, Some(duration))?;
    Ok(Sleep {
        interrupted_by,
        slept: start.elapsed(),
    })
}

/// Sends `signal` to the calling thread: Python's `signal.raise_signal`. If a handler
/// is installed, this returns after the (real, signal-hook) handler ran; handlers
/// registered with [`on`] run soon after on the dispatcher thread. Any existing signal
/// may be raised, including ones parkq will not handle.
///
/// # Errors
///
/// [`Error::Invalid`] if `signal` is not a signal number of this system; [`Error::Io`]
/// if `raise` fails.
pub fn raise(signal: i32) -> Result<(), Error> {
    if !exists(signal) {
        return Err(Error::Invalid(signal));
    }
    sys::raise(signal).map_err(Error::Io)
}

/// The longest [`alarm`], in seconds: 10^8 (a little over three years). macOS and the
/// BSDs refuse longer interval timers.
pub const MAX_ALARM_SECS: u32 = 100_000_000;

/// Schedules `SIGALRM` in `secs` seconds, replacing any alarm already set; 0 cancels
/// it: Python's `signal.alarm`. Does not block.
///
/// Returns the previous alarm's remaining time in whole seconds (rounded to nearest, at
/// least 1, as `alarm(2)` rounds), or `None` if none was set (Python's 0).
///
/// `secs` is capped at [`MAX_ALARM_SECS`] (about three years), the most the BSDs'
/// `setitimer` accepts, so the call cannot fail on any Unix.
///
/// The alarm is `ITIMER_REAL`, shared with [`set_itimer`]`(`[`Timer::Real`]`, ..)`.
/// With no handler for `SIGALRM` (see [`on`], [`wait_for`]), the alarm ends the
/// process, as in Python.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::signal;
///
/// assert_eq!(signal::alarm(100), None);
/// assert_eq!(signal::alarm(0), Some(100)); // cancelled
/// assert_eq!(signal::cancel_alarm(), None);
///
/// signal::alarm(u32::MAX);
/// assert_eq!(signal::cancel_alarm(), Some(signal::MAX_ALARM_SECS));
/// ```
pub fn alarm(secs: u32) -> Option<u32> {
    let (previous, _) = sys::setitimer(
        libc::ITIMER_REAL,
        Duration::from_secs(u64::from(secs.min(MAX_ALARM_SECS))),
        Duration::ZERO,
    )
    .expect("setitimer(ITIMER_REAL) with at most 10^8 s cannot fail");
    if previous.is_zero() {
        return None;
    }
    let rounded = previous.as_secs() + u64::from(previous.subsec_micros() >= 500_000);
    Some(u32::try_from(rounded.max(1)).unwrap_or(u32::MAX))
}

/// Cancels the pending alarm: `alarm(0)`. Returns what [`alarm`] returns.
pub fn cancel_alarm() -> Option<u32> {
    alarm(0)
}

/// The three interval timers of `setitimer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Real (wall-clock) time; sends [`SIGALRM`]. Shared with [`alarm`].
    Real,
    /// Time the process runs in user mode; sends [`SIGVTALRM`].
    Virtual,
    /// Time the process runs in user and kernel mode; sends [`SIGPROF`].
    Prof,
}

impl Timer {
    fn which(self) -> libc::c_int {
        match self {
            Timer::Real => libc::ITIMER_REAL,
            Timer::Virtual => libc::ITIMER_VIRTUAL,
            Timer::Prof => libc::ITIMER_PROF,
        }
    }

    /// The signal the timer sends.
    pub fn signal(self) -> i32 {
        match self {
            Timer::Real => SIGALRM,
            Timer::Virtual => SIGVTALRM,
            Timer::Prof => SIGPROF,
        }
    }
}

/// Arms `timer` to fire after `value`, then every `interval` (zero: once); a zero
/// `value` disarms it: Python's `signal.setitimer`. Returns the previous
/// `(value, interval)`. Does not block. Times are kept to the microsecond.
///
/// # Errors
///
/// [`Error::Io`] if `setitimer` refuses: Linux accepts any value (times beyond its
/// range saturate), macOS and the BSDs refuse more than 10^8 s.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::signal::{self, Timer};
/// use std::time::Duration;
///
/// signal::set_itimer(Timer::Real, Duration::from_secs(100), Duration::ZERO).unwrap();
/// let (left, interval) = signal::set_itimer(Timer::Real, Duration::ZERO, Duration::ZERO).unwrap();
/// assert!(left > Duration::from_secs(99) && interval.is_zero());
/// ```
pub fn set_itimer(
    timer: Timer,
    value: Duration,
    interval: Duration,
) -> Result<(Duration, Duration), Error> {
    sys::setitimer(timer.which(), value, interval).map_err(Error::Io)
}

/// The time left on `timer` and its interval: Python's `signal.getitimer`. Does not
/// block.
///
/// # Errors
///
/// [`Error::Io`] if `getitimer` fails.
pub fn get_itimer(timer: Timer) -> Result<(Duration, Duration), Error> {
    sys::getitimer(timer.which()).map_err(Error::Io)
}
