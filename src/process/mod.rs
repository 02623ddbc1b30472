//! Running other programs: Python's `commands`, `pipes` and `popen2` modules, and
//! `subprocess.Popen`'s waits, on Unix.
//!
//! - [`getstatusoutput`] and [`getoutput`]: run a shell command, get its status and its
//!   combined stdout and stderr (`commands`).
//! - [`Template`]: a pipeline of shell commands over files, with CPython's rules and
//!   scripts (`pipes`); [`quote`] is `shlex.quote`.
//! - [`popen2`]: a shell command with line-oriented pipes to its stdin and from its
//!   stdout, reaped (and if need be killed) on drop (`popen2`).
//! - [`Child`]: [`std::process::Child`] with [`wait_timeout`](Child::wait_timeout), a
//!   deadlock-free [`communicate`](Child::communicate), and kills that reach the whole
//!   process group and never a recycled pid.
//!
//! Every call that spawns sets the child's stdin explicitly, and every failure is an
//! [`Error`] naming the program and the cause.
//!
//! # Examples
//!
//! The seed's `commands-example-1.py`:
//!
#![cfg_attr(parkq_loom_doctest, doc = "```ignore")]
#![cfg_attr(not(parkq_loom_doctest), doc = "```")]
//! let (status, output) = parkq::process::getstatusoutput("ls -l /").unwrap();
//! println!("status => {}", status.code());
//! println!("output => {} bytes", output.len());
//! ```

mod child;
mod commands;
mod error;
mod popen;
mod quote;
mod status;
mod template;

pub use child::{Child, Output};
pub use commands::{getoutput, getstatusoutput, getstatusoutput_bytes};
pub use error::Error;
pub use popen::{popen2, Popen2, DEFAULT_GRACE};
pub use quote::{quote, quote_bytes};
pub use status::Status;
pub use template::{Pipe, PipeReader, PipeWriter, Template};
