//! Python's `popen2`: a shell command with a pipe to its stdin and one from its stdout.

use std::io::{self, BufRead, BufReader, LineWriter, Write};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use super::commands::check_shell_command;
use super::{Child, Error, Status};

/// How long [`Popen2`]'s drop waits, after closing stdin, before it kills the child.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(1);

/// A shell command with pipes to its stdin and from its stdout, from [`popen2`].
///
/// The fields are named, so there is no tuple order to get wrong (Python's
/// `popen2.popen2` returns `(child_stdout, child_stdin)`, and `subprocess` reversed
/// the habit). stderr is inherited.
///
/// Dropping a `Popen2` closes the child's stdin, waits up to the grace period
/// ([`DEFAULT_GRACE`], see [`set_grace`](Popen2::set_grace)) for it to end, then kills
/// its process group; either way it reaps the shell, so no zombie is left. (Background
/// jobs of a shell that ended within the grace period are not killed: once the shell
/// is reaped, its group id is no longer safe to signal.)
///
/// # Examples
///
#[doc = crate::example!()]
/// let mut sort = parkq::process::popen2("sort").unwrap();
/// sort.write_line("foo").unwrap();
/// sort.write_line("bar").unwrap();
/// sort.close_stdin();
/// assert_eq!(sort.read_line().unwrap().as_deref(), Some("bar"));
/// assert_eq!(sort.read_line().unwrap().as_deref(), Some("foo"));
/// assert_eq!(sort.read_line().unwrap(), None);
/// assert!(sort.wait().unwrap().success());
/// ```
#[derive(Debug)]
pub struct Popen2 {
    /// To the child's stdin, line-buffered (each `\n` flushes); `None` once closed.
    pub stdin: Option<LineWriter<ChildStdin>>,
    /// From the child's stdout, buffered.
    pub stdout: BufReader<ChildStdout>,
    /// The child: a shell leading its own process group.
    pub child: Child,
    grace: Duration,
}

/// Runs `/bin/sh -c cmd` in a new process group with its stdin and stdout piped to the
/// returned [`Popen2`]: Python's `popen2.popen2`. Does not block.
///
/// # Errors
///
/// [`Error::EmptyCommand`], [`Error::NulByte`], or [`Error::Io`] if the shell cannot
/// be started. A command the shell cannot find shows as the shell's exit status 127.
pub fn popen2(cmd: &str) -> Result<Popen2, Error> {
    check_shell_command(cmd)?;
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = Child::spawn_in_group(&mut command)?;
    let stdin = child.take_stdin().map(LineWriter::new);
    let stdout = BufReader::new(child.take_stdout().expect("stdout is piped"));
    Ok(Popen2 {
        stdin,
        stdout,
        child,
        grace: DEFAULT_GRACE,
    })
}

impl Popen2 {
    /// Writes `line` and a newline to the child, and flushes. Blocks while the pipe is
    /// full (the child is not reading).
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::BrokenPipe`] if stdin was closed (by
    /// [`close_stdin`](Popen2::close_stdin), or by the child), or another write error.
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        let stdin = self.stdin.as_mut().ok_or_else(|| {
            io::Error::new(io::ErrorKind::BrokenPipe, "the child's stdin is closed")
        })?;
        stdin.write_all(line.as_bytes())?;
        stdin.write_all(b"\n")?;
        stdin.flush()
    }

    /// Reads one line from the child, without its trailing newline; `None` at end of
    /// output. Blocks until a whole line (or the end) arrives.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidData`] if the line is not UTF-8, or a read error.
    pub fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if line.ends_with('\n') {
            line.pop();
        }
        Ok(Some(line))
    }

    /// Closes the child's stdin: it sees end of input. Does nothing if already closed.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Sets how long the drop waits for the child after closing its stdin before it
    /// kills it (default [`DEFAULT_GRACE`]).
    pub fn set_grace(&mut self, grace: Duration) {
        self.grace = grace;
    }

    /// Closes stdin and blocks until the child ends; reaps it. Output not yet read is
    /// still readable from [`stdout`](Popen2::stdout) afterwards; a child blocked writing
    /// into a full pipe never ends, so read what you expect first.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `waitpid` fails.
    pub fn wait(&mut self) -> Result<Status, Error> {
        self.close_stdin();
        self.child.wait()
    }
}

impl Drop for Popen2 {
    fn drop(&mut self) {
        self.close_stdin();
        self.child.reap_within(self.grace);
    }
}
