//! Every `unsafe` libc call of the process and signal layers, in one place to audit.
//!
//! Each function is a safe wrapper: it checks the C return value, turns failures into
//! [`io::Error`], and takes only plain values, so no caller can break an invariant.
//! `src/shim.rs` keeps its own `membarrier` call; nothing else in the crate calls libc
//! unsafely.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

/// Turns a `-1` return into the `errno` error.
fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// A pipe whose two ends are close-on-exec: `(read, write)`.
///
/// Children get an end only through `Stdio`, which dups it onto 0, 1 or 2 (clearing
/// close-on-exec there), so no other child inherits it and holds the pipe open.
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as libc::c_int; 2];
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    {
        // SAFETY: `fds` is a valid, writable array of two c_ints, as pipe2 requires.
        check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    {
        // SAFETY: `fds` is a valid, writable array of two c_ints, as pipe requires.
        check(unsafe { libc::pipe(fds.as_mut_ptr()) })?;
    }
    // SAFETY: pipe succeeded, so both descriptors are open and owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    for fd in [&read, &write] {
        use std::os::fd::AsRawFd;
        // SAFETY: `fd` is an open descriptor we own; F_SETFD takes an int flag argument.
        check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) })?;
    }
    Ok((read, write))
}

/// `kill(pid, signal)`. A negative `pid` names a process group.
///
/// Callers must only pass the pid of a child they have not reaped (or its group while
/// the leader is unreaped): then the id cannot have been recycled.
pub(crate) fn kill(pid: i32, signal: i32) -> io::Result<()> {
    // SAFETY: kill takes plain integers and touches no memory of ours.
    check(unsafe { libc::kill(pid, signal) }).map(drop)
}

/// `raise(signal)`: sends `signal` to the calling thread.
pub(crate) fn raise(signal: i32) -> io::Result<()> {
    // SAFETY: raise takes a plain integer and touches no memory of ours.
    let ret = unsafe { libc::raise(signal) };
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn to_timeval(d: Duration) -> libc::timeval {
    libc::timeval {
        // Saturate: an interval beyond time_t is "forever" for any caller.
        tv_sec: libc::time_t::try_from(d.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_usec: d.subsec_micros() as libc::suseconds_t,
    }
}

fn from_timeval(tv: libc::timeval) -> Duration {
    Duration::new(tv.tv_sec.max(0) as u64, 0) + Duration::from_micros(tv.tv_usec.max(0) as u64)
}

/// `setitimer(which, value, interval)`, returning the previous `(value, interval)`.
///
/// Sub-microsecond parts are truncated, except that a nonzero `value` shorter than a
/// microsecond becomes one microsecond (zero would cancel the timer instead).
pub(crate) fn setitimer(
    which: libc::c_int,
    value: Duration,
    interval: Duration,
) -> io::Result<(Duration, Duration)> {
    let value = if value > Duration::ZERO && value < Duration::from_micros(1) {
        Duration::from_micros(1)
    } else {
        value
    };
    let new = libc::itimerval {
        it_interval: to_timeval(interval),
        it_value: to_timeval(value),
    };
    let mut old = libc::itimerval {
        it_interval: to_timeval(Duration::ZERO),
        it_value: to_timeval(Duration::ZERO),
    };
    // SAFETY: `new` is a valid itimerval to read, `old` a valid one to write; both live
    // across the call. An invalid `which` is reported as EINVAL, not undefined behaviour.
    check(unsafe { libc::setitimer(which as _, &new, &mut old) })?;
    Ok((from_timeval(old.it_value), from_timeval(old.it_interval)))
}

/// `getitimer(which)`: the timer's current `(value, interval)`.
pub(crate) fn getitimer(which: libc::c_int) -> io::Result<(Duration, Duration)> {
    let mut cur = libc::itimerval {
        it_interval: to_timeval(Duration::ZERO),
        it_value: to_timeval(Duration::ZERO),
    };
    // SAFETY: `cur` is a valid itimerval to write, alive across the call.
    check(unsafe { libc::getitimer(which as _, &mut cur) })?;
    Ok((from_timeval(cur.it_value), from_timeval(cur.it_interval)))
}
