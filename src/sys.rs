//! Every `unsafe` libc call of the process and signal layers, in one place to audit.
//!
//! Each function is a safe wrapper: it checks the C return value, turns failures into
//! [`io::Error`], and takes only plain values, so no caller can break an invariant.
//! `src/shim.rs` keeps its own `membarrier` call; nothing else in the crate calls libc
//! unsafely.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

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
