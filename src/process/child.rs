//! A child process that can be waited on with a timeout, talked to without deadlock, and
//! killed (with its process group) without ever signalling a recycled pid.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::process::{ChildStderr, ChildStdin, ChildStdout, Command};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::{Error, Status};
use crate::sys;

/// What [`Child::communicate`] collected: the status and both outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// How the child ended.
    pub status: Status,
    /// Everything it wrote to stdout (empty if stdout was not piped).
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr (empty if stderr was not piped).
    pub stderr: Vec<u8>,
}

/// A running (or finished) child process: [`std::process::Child`] plus timeouts,
/// deadlock-free [`communicate`](Child::communicate), and process-group kills.
///
/// Python's `subprocess.Popen` in Rust clothing. The child is reaped only by this
/// value's own methods, which take `&mut self`: so once it has been reaped, no method
/// signals its pid (which the system may have given to another process) again.
///
/// Dropping a `Child` does not kill it. If it has not been reaped, the drop closes its
/// pipes and hands it to a background thread that waits for it, so it never lingers
/// as a zombie.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::process::Child;
/// use std::process::{Command, Stdio};
/// use std::time::Duration;
///
/// let mut cmd = Command::new("cat");
/// cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
/// let mut child = Child::spawn(&mut cmd).unwrap();
/// let out = child.communicate(b"hello", Some(Duration::from_secs(30))).unwrap();
/// assert_eq!(out.stdout, b"hello");
/// assert!(out.status.success());
/// ```
#[derive(Debug)]
pub struct Child {
    inner: Option<std::process::Child>,
    program: OsString,
    group: bool,
    status: Option<Status>,
}

/// What std stores in place of a program name, argument or working directory that holds
/// a NUL byte; it then refuses to spawn (the only spawn error without an errno).
const NUL_PLACEHOLDER: &str = "<string-with-nul>";

/// Refuses what no `exec` can run, before `spawn` turns it into a vaguer error.
fn check_command(cmd: &Command) -> Result<(), Error> {
    let program = cmd.get_program();
    if program.is_empty() {
        return Err(Error::EmptyCommand);
    }
    if let Some(dir) = cmd.get_current_dir() {
        // A directory name holding a NUL is left for `spawn` to refuse (see `nul_holder`).
        if dir.as_os_str() != NUL_PLACEHOLDER && !dir.is_dir() {
            return Err(Error::NoSuchDirectory {
                program: program.to_owned(),
                dir: dir.to_owned(),
            });
        }
    }
    Ok(())
}

/// Names what held the NUL byte std refused. std keeps only its placeholder for a
/// program name, argument or directory, so the string itself is lost; environment
/// variables are kept whole.
fn nul_holder(cmd: &Command) -> String {
    let program = cmd.get_program();
    if program == NUL_PLACEHOLDER {
        return "the program name".into();
    }
    if let Some(i) = cmd.get_args().position(|arg| arg == NUL_PLACEHOLDER) {
        return format!("argument {} of {program:?}", i + 1);
    }
    if cmd
        .get_current_dir()
        .is_some_and(|dir| dir.as_os_str() == NUL_PLACEHOLDER)
    {
        return format!("the working directory of {program:?}");
    }
    let has_nul = |s: &OsStr| s.as_bytes().contains(&0);
    if let Some((key, _)) = cmd
        .get_envs()
        .find(|(key, value)| has_nul(key) || value.is_some_and(has_nul))
    {
        return format!("the environment variable {key:?} of {program:?}");
    }
    format!("an argument or environment variable of {program:?}")
}

/// Names the cause of a failed spawn.
fn spawn_error(cmd: &Command, err: io::Error) -> Error {
    let program = cmd.get_program();
    match err.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ENOTDIR) => Error::NotFound {
            program: program.to_owned(),
        },
        Some(libc::EACCES) | Some(libc::ENOEXEC) | Some(libc::EISDIR) => Error::NotExecutable {
            program: program.to_owned(),
            source: err,
        },
        // std refuses a string holding a NUL without calling exec.
        None if err.kind() == io::ErrorKind::InvalidInput => Error::NulByte {
            what: nul_holder(cmd),
        },
        _ => Error::io(program, err),
    }
}

impl Child {
    /// Starts `cmd`, with the typed errors of this module.
    ///
    /// Set `cmd`'s stdin explicitly (to a pipe, a file or [`Stdio::null`]): inheriting
    /// it lets the child read the parent's terminal, or fail where there is none (CI).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyCommand`] for an empty program, [`Error::NulByte`] if the program, an
    /// argument, the working directory or an environment variable holds a NUL, [`Error::NoSuchDirectory`] if the working directory is
    /// missing, [`Error::NotFound`] if no such program exists, [`Error::NotExecutable`]
    /// if it cannot be executed, [`Error::Io`] for anything else.
    ///
    /// [`Stdio::null`]: std::process::Stdio::null
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::process::{Child, Error};
    /// use std::process::{Command, Stdio};
    ///
    /// let err = Child::spawn(Command::new("no-such-program-here").stdin(Stdio::null()));
    /// assert!(matches!(err, Err(Error::NotFound { .. })));
    /// ```
    pub fn spawn(cmd: &mut Command) -> Result<Child, Error> {
        Child::spawn_inner(cmd, false)
    }

    /// Starts `cmd` as the leader of a new process group, so that
    /// [`terminate`](Child::terminate), [`kill`](Child::kill) and a
    /// [`communicate`](Child::communicate) timeout reach every process it starts: a
    /// grandchild holding a pipe open cannot outlive the kill.
    ///
    /// The group is not the terminal's foreground group, so Ctrl-C at a terminal does
    /// not reach it. Errors are those of [`spawn`](Child::spawn).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::process::Child;
    /// use std::process::{Command, Stdio};
    ///
    /// let mut cmd = Command::new("sh");
    /// cmd.args(["-c", "sleep 60 & sleep 60"]).stdin(Stdio::null());
    /// let mut child = Child::spawn_in_group(&mut cmd).unwrap();
    /// child.kill().unwrap(); // both sleeps
    /// assert_eq!(child.wait().unwrap().signal(), Some(9));
    /// ```
    pub fn spawn_in_group(cmd: &mut Command) -> Result<Child, Error> {
        cmd.process_group(0);
        Child::spawn_inner(cmd, true)
    }

    fn spawn_inner(cmd: &mut Command, group: bool) -> Result<Child, Error> {
        check_command(cmd)?;
        let program = cmd.get_program().to_owned();
        match cmd.spawn() {
            Ok(inner) => Ok(Child {
                inner: Some(inner),
                program,
                group,
                status: None,
            }),
            Err(err) => Err(spawn_error(cmd, err)),
        }
    }

    fn inner(&mut self) -> &mut std::process::Child {
        self.inner.as_mut().expect("present until drop")
    }

    /// The child's process id (also its process group id if it leads one).
    pub fn id(&self) -> u32 {
        self.inner.as_ref().expect("present until drop").id()
    }

    /// The program, as given to the command.
    pub fn program(&self) -> &OsStr {
        &self.program
    }

    /// Whether the child leads its own process group
    /// ([`spawn_in_group`](Child::spawn_in_group)).
    pub fn in_group(&self) -> bool {
        self.group
    }

    /// The status, once a wait has reaped the child; `None` before.
    pub fn status(&self) -> Option<Status> {
        self.status
    }

    /// The child's stdin, if it is a pipe not yet taken.
    pub fn stdin(&mut self) -> Option<&mut ChildStdin> {
        self.inner().stdin.as_mut()
    }

    /// Takes the child's stdin pipe; dropping it closes the pipe (the child sees EOF).
    pub fn take_stdin(&mut self) -> Option<ChildStdin> {
        self.inner().stdin.take()
    }

    /// Takes the child's stdout pipe.
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.inner().stdout.take()
    }

    /// Takes the child's stderr pipe.
    pub fn take_stderr(&mut self) -> Option<ChildStderr> {
        self.inner().stderr.take()
    }

    /// Reaps the child if it has ended, without blocking.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `waitpid` fails.
    pub fn try_wait(&mut self) -> Result<Option<Status>, Error> {
        if self.status.is_some() {
            return Ok(self.status);
        }
        match self.inner().try_wait() {
            Ok(Some(status)) => {
                self.status = Some(status.into());
                Ok(self.status)
            }
            Ok(None) => Ok(None),
            Err(err) => Err(Error::io(&self.program, err)),
        }
    }

    /// Closes the child's stdin (so a child reading it sees EOF), then blocks until the
    /// child ends and reaps it. Returns at once if it was already reaped.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `waitpid` fails.
    pub fn wait(&mut self) -> Result<Status, Error> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        drop(self.take_stdin());
        match self.inner().wait() {
            Ok(status) => {
                let status = Status::from(status);
                self.status = Some(status);
                Ok(status)
            }
            Err(err) => Err(Error::io(&self.program, err)),
        }
    }

    /// Blocks until the child ends or `timeout` passes; reaps it if it ended.
    ///
    /// Returns `Ok(None)` on timeout, with the child still running and unreaped (so it
    /// can still be [`kill`](Child::kill)ed). Unlike [`wait`](Child::wait) it leaves
    /// stdin open.
    ///
    /// It polls `waitpid(WNOHANG)`, sleeping 1 ms after the first check and doubling up
    /// to 20 ms between checks (never past the deadline): a child is seen at most 20 ms
    /// after it ends, and no signal handler or helper thread is needed.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `waitpid` fails.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::process::Child;
    /// use std::process::{Command, Stdio};
    /// use std::time::Duration;
    ///
    /// let mut cmd = Command::new("sleep");
    /// cmd.arg("60").stdin(Stdio::null());
    /// let mut child = Child::spawn(&mut cmd).unwrap();
    /// assert_eq!(child.wait_timeout(Duration::from_millis(50)).unwrap(), None);
    /// child.terminate().unwrap();
    /// let status = child.wait_timeout(Duration::from_secs(30)).unwrap().unwrap();
    /// assert_eq!(status.code(), -15);
    /// ```
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<Option<Status>, Error> {
        let deadline = Instant::now().checked_add(timeout);
        self.wait_deadline(deadline)
    }

    /// [`wait_timeout`](Child::wait_timeout) until `deadline` (`None`: forever).
    fn wait_deadline(&mut self, deadline: Option<Instant>) -> Result<Option<Status>, Error> {
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(Some(status));
            }
            let nap = match deadline {
                None => pause,
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(None);
                    }
                    pause.min(deadline - now)
                }
            };
            thread::sleep(nap);
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// Waits up to `grace` for the child to end, then kills it (its group, if it leads
    /// one); reaps it either way, ignoring errors: the drops of [`Popen2`] and of the
    /// `Template` pipes.
    ///
    /// [`Popen2`]: super::Popen2
    pub(crate) fn reap_within(&mut self, grace: Duration) {
        if let Ok(Some(_)) = self.wait_timeout(grace) {
            return;
        }
        let _ = self.kill();
        let _ = self.wait();
    }

    /// Sends `signal` to the child, or to its whole group if it leads one.
    ///
    /// Does nothing once the child has been reaped: its pid may already name another
    /// process. A child that ended but is not yet reaped still holds its pid (and its
    /// group id), so signalling it is harmless.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `kill` fails (an invalid signal number, for one).
    pub fn send_signal(&mut self, signal: i32) -> Result<(), Error> {
        if self.status.is_some() {
            return Ok(());
        }
        let pid = self.id() as i32;
        let target = if self.group { -pid } else { pid };
        match sys::kill(target, signal) {
            // Only possible for a group whose every member has been reaped elsewhere.
            Err(err) if err.raw_os_error() == Some(libc::ESRCH) => Ok(()),
            Err(err) => Err(Error::io(&self.program, err)),
            Ok(()) => Ok(()),
        }
    }

    /// Asks the child (and its group, if it leads one) to end: `SIGTERM`. Does not wait;
    /// does nothing once the child has been reaped.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `kill` fails.
    pub fn terminate(&mut self) -> Result<(), Error> {
        self.send_signal(libc::SIGTERM)
    }

    /// Kills the child (and its group, if it leads one): `SIGKILL`. Does not wait (call
    /// [`wait`](Child::wait) to reap it); does nothing once the child has been reaped.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `kill` fails.
    pub fn kill(&mut self) -> Result<(), Error> {
        self.send_signal(libc::SIGKILL)
    }

    /// Writes `input` to the child's stdin (then closes it) while reading its stdout and
    /// stderr to the end, then waits for it: Python's `Popen.communicate`.
    ///
    /// One thread feeds stdin and one drains each output pipe, so a child that fills
    /// one pipe while the parent writes another cannot deadlock the two. Pipes that
    /// are not piped are skipped (their output stays empty). Blocks until the child has
    /// closed its outputs and ended, or until `timeout` (`None`: no limit).
    ///
    /// On timeout the child is killed (its whole group if it leads one), and reaped,
    /// and [`Error::Timeout`] carries what it wrote so far. If it is not in a group, a
    /// grandchild that inherited its pipes may keep them open: the reader threads are
    /// then left to finish in the background, and the timeout still returns after at
    /// most one more second.
    ///
    /// # Errors
    ///
    /// [`Error::StdinNotPiped`] if `input` is not empty but stdin is not a pipe (or was
    /// taken), [`Error::Timeout`] as above, [`Error::Io`] if reading, spawning a
    /// thread or waiting fails. Writing stops silently when the child closes its stdin
    /// (a broken pipe is not an error, as in Python).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::process::{Child, Error};
    /// use std::process::{Command, Stdio};
    /// use std::time::Duration;
    ///
    /// let mut cmd = Command::new("sh");
    /// cmd.args(["-c", "echo partial; exec sleep 60"]);
    /// cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    /// let mut child = Child::spawn_in_group(&mut cmd).unwrap();
    /// match child.communicate(b"", Some(Duration::from_secs(1))) {
    ///     Err(Error::Timeout { stdout, .. }) => assert_eq!(stdout, b"partial\n"),
    ///     other => panic!("expected a timeout, got {other:?}"),
    /// }
    /// assert_eq!(child.status().unwrap().signal(), Some(9));
    /// ```
    pub fn communicate(
        &mut self,
        input: &[u8],
        timeout: Option<Duration>,
    ) -> Result<Output, Error> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let stdin = self.take_stdin();
        if stdin.is_none() && !input.is_empty() {
            return Err(Error::StdinNotPiped {
                program: self.program.clone(),
            });
        }
        let (done_tx, done_rx) = mpsc::channel::<io::Result<()>>();
        let mut pending = 0;
        let spawn = |name: &str, job: Box<dyn FnOnce() -> io::Result<()> + Send>| {
            let done = done_tx.clone();
            thread::Builder::new()
                .name(format!("parkq-communicate-{name}"))
                .spawn(move || {
                    let _ = done.send(job());
                })
                .map(drop)
        };
        if let Some(mut stdin) = stdin {
            let input = input.to_vec();
            spawn(
                "stdin",
                Box::new(move || match stdin.write_all(&input) {
                    Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                    other => other,
                }),
            )
            .map_err(|err| Error::io(&self.program, err))?;
            pending += 1;
        }
        let stdout_buf = Arc::new(Mutex::new(Vec::new()));
        let stderr_buf = Arc::new(Mutex::new(Vec::new()));
        if let Some(stdout) = self.take_stdout() {
            let buf = Arc::clone(&stdout_buf);
            spawn("stdout", Box::new(move || drain(stdout, &buf)))
                .map_err(|err| Error::io(&self.program, err))?;
            pending += 1;
        }
        if let Some(stderr) = self.take_stderr() {
            let buf = Arc::clone(&stderr_buf);
            spawn("stderr", Box::new(move || drain(stderr, &buf)))
                .map_err(|err| Error::io(&self.program, err))?;
            pending += 1;
        }
        drop(done_tx);

        let mut failure = None;
        let mut timed_out = false;
        while pending > 0 {
            let next = match deadline {
                None => done_rx
                    .recv()
                    .map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                Some(deadline) => {
                    done_rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                }
            };
            match next {
                Ok(result) => {
                    pending -= 1;
                    if let Err(err) = result {
                        failure.get_or_insert(err);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    timed_out = true;
                    break;
                }
                // Every thread sends before it ends; a panic would land here.
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        if !timed_out {
            match deadline {
                None => drop(self.wait()?),
                Some(_) => timed_out = self.wait_deadline(deadline)?.is_none(),
            }
        }
        if timed_out {
            // The child is unreaped here, so its pid (and group id) are still its own.
            self.kill()?;
            let grace = Instant::now() + Duration::from_secs(1);
            while pending > 0 {
                match done_rx.recv_timeout(grace.saturating_duration_since(Instant::now())) {
                    Ok(_) => pending -= 1,
                    Err(_) => break,
                }
            }
            self.wait()?;
            return Err(Error::Timeout {
                program: self.program.clone(),
                timeout: timeout.unwrap_or(Duration::MAX),
                stdout: take(&stdout_buf),
                stderr: take(&stderr_buf),
            });
        }
        if let Some(err) = failure {
            self.wait()?;
            return Err(Error::io(&self.program, err));
        }
        let status = self.wait()?;
        Ok(Output {
            status,
            stdout: take(&stdout_buf),
            stderr: take(&stderr_buf),
        })
    }
}

/// Reads `pipe` to the end into `buf`, chunk by chunk, so a timeout can take what has
/// arrived so far.
fn drain(mut pipe: impl Read, buf: &Mutex<Vec<u8>>) -> io::Result<()> {
    let mut chunk = vec![0; 64 * 1024];
    loop {
        match pipe.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => lock(buf).extend_from_slice(&chunk[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

fn lock(buf: &Mutex<Vec<u8>>) -> std::sync::MutexGuard<'_, Vec<u8>> {
    buf.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn take(buf: &Mutex<Vec<u8>>) -> Vec<u8> {
    std::mem::take(&mut *lock(buf))
}

impl Drop for Child {
    /// Closes the pipes; if the child has not been reaped, a background thread waits
    /// for it (no zombie is left). The child is not killed.
    fn drop(&mut self) {
        if self.status.is_some() {
            return;
        }
        let Some(mut inner) = self.inner.take() else {
            return;
        };
        drop(inner.stdin.take());
        drop(inner.stdout.take());
        drop(inner.stderr.take());
        if let Ok(Some(_)) = inner.try_wait() {
            return;
        }
        let _ = thread::Builder::new()
            .name("parkq-reaper".into())
            .spawn(move || {
                let _ = inner.wait();
            });
    }
}
