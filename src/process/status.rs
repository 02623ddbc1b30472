//! How a child ended.

use std::fmt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// How a child process ended: an exit code or a signal.
///
/// [`code`](Status::code) follows Python's `subprocess`: the exit code, or minus the
/// signal number that killed the child. [`raw`](Status::raw) is the wait status that
/// the seed's Python 2 `commands.getstatusoutput` printed (`256` for `exit 1`).
///
/// # Examples
///
#[doc = crate::example!()]
/// let (status, _) = parkq::process::getstatusoutput("exit 3").unwrap();
/// assert_eq!(status.code(), 3);
/// assert_eq!(status.exit_code(), Some(3));
/// assert_eq!(status.raw(), 3 << 8);
///
/// let (status, _) = parkq::process::getstatusoutput("kill -TERM $$").unwrap();
/// assert_eq!(status.code(), -15);
/// assert_eq!(status.signal(), Some(15));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Status(ExitStatus);

impl Status {
    /// Python's `returncode`: the exit code, or `-N` if signal `N` killed the child.
    ///
    /// A child stopped (not ended) by a signal is never reported: the waits here
    /// return only ended children.
    pub fn code(&self) -> i32 {
        match (self.0.code(), self.0.signal()) {
            (Some(code), _) => code,
            (None, Some(signal)) => -signal,
            // Neither exited nor signalled: not produced by a wait for termination.
            (None, None) => self.0.into_raw(),
        }
    }

    /// The exit code, if the child exited (rather than being killed by a signal).
    pub fn exit_code(&self) -> Option<i32> {
        self.0.code()
    }

    /// The signal that killed the child, if one did.
    pub fn signal(&self) -> Option<i32> {
        self.0.signal()
    }

    /// Whether the child dumped core as it died.
    pub fn core_dumped(&self) -> bool {
        self.0.core_dumped()
    }

    /// The raw `wait` status, as Python 2's `commands.getstatusoutput` and `os.system`
    /// return it: exit code `c` is `c << 8`, death by signal `s` is `s` (plus 128 if
    /// core was dumped).
    pub fn raw(&self) -> i32 {
        self.0.into_raw()
    }

    /// Whether the child exited with code 0.
    pub fn success(&self) -> bool {
        self.0.success()
    }

    /// The standard library's form of the status.
    pub fn as_exit_status(&self) -> ExitStatus {
        self.0
    }
}

impl From<ExitStatus> for Status {
    fn from(status: ExitStatus) -> Status {
        Status(status)
    }
}

impl From<Status> for ExitStatus {
    fn from(status: Status) -> ExitStatus {
        status.0
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.exit_code(), self.signal()) {
            (Some(code), _) => write!(f, "Status(exit {code})"),
            (None, Some(signal)) => write!(f, "Status(signal {signal})"),
            (None, None) => write!(f, "Status(raw {})", self.raw()),
        }
    }
}

impl fmt::Display for Status {
    /// `exit code 3`, or `killed by signal 15` (with `, core dumped` when it did).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.exit_code(), self.signal()) {
            (Some(code), _) => write!(f, "exit code {code}"),
            (None, Some(signal)) => {
                write!(f, "killed by signal {signal}")?;
                if self.core_dumped() {
                    f.write_str(", core dumped")?;
                }
                Ok(())
            }
            (None, None) => write!(f, "wait status {}", self.raw()),
        }
    }
}
