//! The process layer's error type.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Why a process-layer call failed.
///
/// Each variant names the program (or the pipeline step) and the cause, and
/// [`Display`](fmt::Display) says both. The `Template` variants print CPython's
/// `pipes.py` messages word for word, so a Python user recognises them.
///
/// Functions the seed's Python returns plain I/O errors from (`getstatusoutput`,
/// `getoutput`) return [`io::Error`]; it wraps this type, which
/// [`Error::from_io`] gets back.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The command or program was the empty string.
    EmptyCommand,
    /// A command, argument, environment variable or file name contained a NUL byte,
    /// which no `exec` or shell can receive.
    NulByte {
        /// What held it: the string itself (quoted, lossily decoded) when known; for
        /// [`Child::spawn`](super::Child::spawn), which part of the command (`the program
        /// name`, `argument 2 of "echo"`, `the working directory of "ls"`, an environment
        /// variable), since [`Command`](std::process::Command) keeps only a placeholder
        /// for such a string.
        what: String,
    },
    /// `exec` found no such program (`ENOENT`, with the working directory checked to
    /// exist first).
    NotFound {
        /// The program as given.
        program: OsString,
    },
    /// The program exists but cannot be executed (`EACCES` or `ENOEXEC`): not
    /// executable, a directory, or not a format the kernel runs.
    NotExecutable {
        /// The program as given.
        program: OsString,
        /// The error `exec` reported.
        source: io::Error,
    },
    /// The working directory set for the child does not exist or is not a directory.
    NoSuchDirectory {
        /// The program that was to run there.
        program: OsString,
        /// The missing directory.
        dir: PathBuf,
    },
    /// A `Template` step kind is not one of `--`, `-f`, `f-`, `ff`, `.-`, `-.`.
    BadKind {
        /// `"append"` or `"prepend"`.
        method: &'static str,
        /// The kind as given.
        kind: String,
    },
    /// `Template::append` was given a SOURCE (`.-`) step.
    SourceAppended,
    /// `Template::prepend` was given a SINK (`-.`) step.
    SinkPrepended,
    /// `Template::append` on a template whose last step is a SINK.
    AlreadyEndsWithSink,
    /// `Template::prepend` on a template whose first step is a SOURCE.
    AlreadyBeginsWithSource,
    /// A step that reads a file (`f-`, `ff`) does not mention `$IN`.
    MissingIn {
        /// `"append"` or `"prepend"`.
        method: &'static str,
    },
    /// A step that writes a file (`-f`, `ff`) does not mention `$OUT`.
    MissingOut {
        /// `"append"` or `"prepend"`.
        method: &'static str,
    },
    /// `Template::open` with a mode other than `"r"` or `"w"`.
    BadMode {
        /// The mode as given.
        mode: String,
    },
    /// `Template::open_read` on a pipeline that ends with a SINK (nothing to read).
    ReadFromSink,
    /// `Template::open_write` on a pipeline that begins with a SOURCE (nothing reads
    /// what is written).
    WriteToSource,
    /// The child's output was not UTF-8. The bytes are kept; the `_bytes` variants of
    /// the call return them directly.
    NonUtf8 {
        /// The program (or shell command) that wrote them.
        program: OsString,
        /// The output, undecoded (`getstatusoutput` has stripped one trailing newline).
        bytes: Vec<u8>,
    },
    /// The child did not finish within the timeout. It has been killed (with its group,
    /// if it leads one) and reaped; what it wrote before that is kept.
    Timeout {
        /// The program that timed out.
        program: OsString,
        /// The timeout that passed.
        timeout: Duration,
        /// Its standard output, as far as it was read.
        stdout: Vec<u8>,
        /// Its standard error, as far as it was read.
        stderr: Vec<u8>,
    },
    /// `communicate` was given input but the child's stdin is not a pipe.
    StdinNotPiped {
        /// The program.
        program: OsString,
    },
    /// Any other I/O failure, with what was being done.
    Io {
        /// The program involved.
        program: OsString,
        /// The underlying error.
        source: io::Error,
    },
}

impl Error {
    /// The process-layer error inside an [`io::Error`] returned by
    /// [`getstatusoutput`](super::getstatusoutput) or [`getoutput`](super::getoutput),
    /// if it carries one.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::process::{self, Error};
    ///
    /// let err = process::getoutput("printf '\\377'").unwrap_err();
    /// assert!(matches!(Error::from_io(&err), Some(Error::NonUtf8 { .. })));
    /// ```
    pub fn from_io(err: &io::Error) -> Option<&Error> {
        err.get_ref()?.downcast_ref::<Error>()
    }

    pub(crate) fn io(program: impl Into<OsString>, source: io::Error) -> Error {
        Error::Io {
            program: program.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyCommand => f.write_str("empty command"),
            Error::NulByte { what } => write!(f, "{what} contains a NUL byte"),
            Error::NotFound { program } => write!(f, "{program:?}: program not found"),
            Error::NotExecutable { program, source } => {
                write!(f, "{program:?}: not executable ({source})")
            }
            Error::NoSuchDirectory { program, dir } => write!(
                f,
                "{program:?}: working directory {} does not exist",
                dir.display()
            ),
            Error::BadKind { method, kind } => {
                write!(
                    f,
                    "Template.{method}: bad kind {}",
                    super::quote::py_repr(kind)
                )
            }
            Error::SourceAppended => f.write_str("Template.append: SOURCE can only be prepended"),
            Error::SinkPrepended => f.write_str("Template.prepend: SINK can only be appended"),
            Error::AlreadyEndsWithSink => f.write_str("Template.append: already ends with SINK"),
            Error::AlreadyBeginsWithSource => {
                f.write_str("Template.prepend: already begins with SOURCE")
            }
            Error::MissingIn { method } => write!(f, "Template.{method}: missing $IN in cmd"),
            Error::MissingOut { method } => write!(f, "Template.{method}: missing $OUT in cmd"),
            Error::BadMode { mode } => write!(
                f,
                "Template.open: rw must be 'r' or 'w', not {}",
                super::quote::py_repr(mode)
            ),
            // "width" is CPython's typo, kept so the message matches.
            Error::ReadFromSink => f.write_str("Template.open_r: pipeline ends width SINK"),
            Error::WriteToSource => f.write_str("Template.open_w: pipeline begins with SOURCE"),
            Error::NonUtf8 { program, bytes } => write!(
                f,
                "{program:?}: output is not UTF-8 ({} bytes; use the _bytes variant)",
                bytes.len()
            ),
            Error::Timeout {
                program, timeout, ..
            } => write!(f, "{program:?}: timed out after {timeout:?} and was killed"),
            Error::StdinNotPiped { program } => {
                write!(
                    f,
                    "{program:?}: input given but the child's stdin is not piped"
                )
            }
            Error::Io { program, source } => write!(f, "{program:?}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::NotExecutable { source, .. } | Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    /// Wraps the error, with the closest [`io::ErrorKind`]; [`Error::from_io`] gets it
    /// back.
    fn from(err: Error) -> io::Error {
        let kind = match &err {
            Error::NotFound { .. } | Error::NoSuchDirectory { .. } => io::ErrorKind::NotFound,
            Error::NotExecutable { .. } => io::ErrorKind::PermissionDenied,
            Error::NonUtf8 { .. } => io::ErrorKind::InvalidData,
            Error::Timeout { .. } => io::ErrorKind::TimedOut,
            Error::Io { source, .. } => source.kind(),
            _ => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, err)
    }
}
