//! Python's `commands` module: run a shell command, get its status and output.

use std::fs::File;
use std::io::{self, Read};
use std::process::{Command, Stdio};

use super::{Child, Error, Status};
use crate::sys;

/// Checks a shell command line before it reaches `/bin/sh -c`.
pub(crate) fn check_shell_command(cmd: &str) -> Result<(), Error> {
    if cmd.is_empty() {
        return Err(Error::EmptyCommand);
    }
    if cmd.contains('\0') {
        return Err(Error::NulByte {
            what: format!("{cmd:?}"),
        });
    }
    Ok(())
}

/// Runs `/bin/sh -c cmd` and returns its status and its combined output: Python's
/// `commands.getstatusoutput` (`subprocess.getstatusoutput` in Python 3).
///
/// stdout and stderr go to one pipe, so their interleaving is kept as the command wrote
/// it; exactly one trailing newline is stripped. stdin is `/dev/null`. Blocks until the
/// output is closed (by the command and anything it started in the background) and the
/// shell has ended.
///
/// A command the shell cannot find is not an error here: the shell reports it, and
/// the status is 127, as in Python.
///
/// # Errors
///
/// The [`io::Error`] wraps a [`process::Error`](Error) (see [`Error::from_io`]):
/// [`Error::EmptyCommand`] for `""` (Python would run it and return `(0, "")`),
/// [`Error::NulByte`], [`Error::NonUtf8`] if the output is not UTF-8 (use
/// [`getstatusoutput_bytes`] for bytes), [`Error::Io`] if the shell cannot be started
/// or the pipe fails.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::process::getstatusoutput;
///
/// let (status, output) = getstatusoutput("echo out; echo err >&2; exit 1").unwrap();
/// assert_eq!(output, "out\nerr");
/// assert_eq!(status.code(), 1);   // Python 3
/// assert_eq!(status.raw(), 256);  // Python 2, as the seed prints it
///
/// let (status, _) = getstatusoutput("no-such-command-anywhere").unwrap();
/// assert_eq!(status.code(), 127);
/// ```
pub fn getstatusoutput(cmd: &str) -> io::Result<(Status, String)> {
    let (status, bytes) = getstatusoutput_bytes(cmd)?;
    match String::from_utf8(bytes) {
        Ok(output) => Ok((status, output)),
        Err(err) => Err(Error::NonUtf8 {
            program: cmd.into(),
            bytes: err.into_bytes(),
        }
        .into()),
    }
}

/// [`getstatusoutput`] returning the output undecoded.
///
/// # Errors
///
/// Those of [`getstatusoutput`] but [`Error::NonUtf8`].
///
/// # Examples
///
#[doc = crate::example!()]
/// let (status, output) = parkq::process::getstatusoutput_bytes("printf 'a\\377\\n'").unwrap();
/// assert!(status.success());
/// assert_eq!(output, b"a\xff");
/// ```
pub fn getstatusoutput_bytes(cmd: &str) -> io::Result<(Status, Vec<u8>)> {
    check_shell_command(cmd)?;
    let (read, write) = sys::pipe().map_err(|err| Error::io("/bin/sh", err))?;
    let mut child = {
        let write2 = write.try_clone().map_err(|err| Error::io("/bin/sh", err))?;
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(cmd)
            .stdin(Stdio::null())
            .stdout(Stdio::from(write))
            .stderr(Stdio::from(write2));
        Child::spawn(&mut command)?
        // `command` drops here with our copies of the write end: the pipe reaches EOF
        // when the child (and whatever it started) closes it.
    };
    let mut output = Vec::new();
    File::from(read)
        .read_to_end(&mut output)
        .map_err(|err| Error::io(cmd, err))?;
    let status = child.wait()?;
    if output.last() == Some(&b'\n') {
        output.pop();
    }
    Ok((status, output))
}

/// Runs `/bin/sh -c cmd` and returns its combined output: Python's
/// `commands.getoutput`. Everything [`getstatusoutput`] says applies.
///
/// # Errors
///
/// Those of [`getstatusoutput`].
///
/// # Examples
///
#[doc = crate::example!()]
/// assert_eq!(parkq::process::getoutput("echo hello").unwrap(), "hello");
/// ```
pub fn getoutput(cmd: &str) -> io::Result<String> {
    getstatusoutput(cmd).map(|(_, output)| output)
}
