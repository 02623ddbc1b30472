//! `parkq::thread`: threads named the way Python names them, and `thread.get_ident()`.
//!
//! These are std's threads: [`spawn`] and [`Builder::spawn`] return std's [`JoinHandle`].
//! What this module adds is Python's naming. A thread created without a name is called
//! `Thread-N`, where `N` counts such threads in creation order across the whole process
//! (`Thread-1`, `Thread-2`, ...), as `threading.Thread` does; an explicit name wins and
//! uses no number. [`get_ident`] gives every thread a non-zero number of its own, and
//! [`current_name`] reads the calling thread's name.
//!
//! As in Python's low-level `thread` module (and unlike `threading`, which waits for its
//! threads at exit), returning from `main` ends the process and every thread still
//! running with it; join the handles to wait for them.
//!
//! # Examples
//!
#![cfg_attr(parkq_loom_doctest, doc = "```ignore")]
#![cfg_attr(not(parkq_loom_doctest), doc = "```")]
//! use parkq::thread;
//!
//! let worker = thread::spawn(|| thread::current_name());
//! let name = worker.join().unwrap().unwrap();
//! assert!(name.starts_with("Thread-"));
//!
//! let named = thread::Builder::new().name("reader").spawn(thread::current_name).unwrap();
//! assert_eq!(named.join().unwrap().as_deref(), Some("reader"));
//! ```

use std::cell::Cell;
use std::io;

use crate::shim::os::{self, AtomicU64, JoinHandle, Ordering};

/// The number the next unnamed thread gets in its `Thread-N` name.
static NEXT_NAME: AtomicU64 = AtomicU64::new(1);

/// The identifier the next thread to call [`get_ident`] gets. Starts at 1: 0 is never an
/// identifier.
static NEXT_IDENT: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's identifier, or 0 until it first calls [`get_ident`].
    static IDENT: Cell<u64> = const { Cell::new(0) };
}

/// Spawns a thread named `Thread-N` (see the [module docs](self)) running `f`.
///
/// # Panics
///
/// If the operating system cannot create the thread, as `std::thread::spawn` does; use
/// [`Builder::spawn`] to handle that error.
///
/// # Examples
///
#[doc = crate::example!()]
/// let handle = parkq::thread::spawn(|| 6 * 7);
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// Configures a thread before spawning it: its name and stack size.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::thread::{self, Builder};
///
/// let handle = Builder::new()
///     .name("worker")
///     .stack_size(256 * 1024)
///     .spawn(thread::current_name)
///     .unwrap();
/// assert_eq!(handle.join().unwrap().as_deref(), Some("worker"));
/// ```
#[derive(Debug, Default)]
pub struct Builder {
    /// The explicit name, or `None` for the next `Thread-N`.
    name: Option<String>,
    /// The stack size in bytes, or `None` for std's default.
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder for a thread named `Thread-N` with std's default stack size.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the thread `name` instead of `Thread-N`.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let handle = parkq::thread::Builder::new()
    ///     .name("io")
    ///     .spawn(parkq::thread::current_name)
    ///     .unwrap();
    /// assert_eq!(handle.join().unwrap().as_deref(), Some("io"));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Sets the thread's stack size in bytes (see `std::thread::Builder::stack_size`).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let handle = parkq::thread::Builder::new()
    ///     .stack_size(1 << 20)
    ///     .spawn(|| 1)
    ///     .unwrap();
    /// assert_eq!(handle.join().unwrap(), 1);
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// Spawns the thread running `f`.
    ///
    /// # Errors
    ///
    /// If the operating system cannot create the thread (std's error).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let handle = parkq::thread::Builder::new().spawn(|| "done")?;
    /// assert_eq!(handle.join().unwrap(), "done");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let name = self.name.unwrap_or_else(|| {
            // Relaxed: the counter only has to hand out distinct, increasing numbers,
            // which its modification order does; no other memory depends on it.
            let number = NEXT_NAME.fetch_add(1, Ordering::Relaxed);
            format!("Thread-{number}")
        });
        let mut builder = os::Builder::new().name(name);
        if let Some(bytes) = self.stack_size {
            builder = builder.stack_size(bytes);
        }
        builder.spawn(f)
    }
}

/// A non-zero identifier of the calling thread. Python's `thread.get_ident()`.
///
/// Stable for the thread's whole life, and never given to another thread of the process,
/// alive or not (Python only promises uniqueness among live threads). Identifiers are
/// handed out in the order threads first ask for one, starting at 1; they do not
/// depend on std's unstable `ThreadId::as_u64`. Works on every thread, whoever spawned
/// it.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::thread;
///
/// let me = thread::get_ident();
/// assert_ne!(me, 0);
/// assert_eq!(thread::get_ident(), me);
/// let other = thread::spawn(thread::get_ident).join().unwrap();
/// assert_ne!(other, me);
/// ```
pub fn get_ident() -> u64 {
    IDENT.with(|ident| {
        if ident.get() == 0 {
            // Relaxed: as for `NEXT_NAME`, only distinct values matter.
            ident.set(NEXT_IDENT.fetch_add(1, Ordering::Relaxed));
        }
        ident.get()
    })
}

/// The calling thread's name: `Thread-N` or the explicit name for threads spawned here,
/// std's name otherwise (`main` for the main thread), `None` for a thread spawned
/// without a name through `std::thread` directly. Python's `current_thread().name`.
///
/// # Examples
///
#[doc = crate::example!()]
/// let handle = parkq::thread::Builder::new()
///     .name("worker-7")
///     .spawn(parkq::thread::current_name)
///     .unwrap();
/// assert_eq!(handle.join().unwrap().as_deref(), Some("worker-7"));
/// ```
pub fn current_name() -> Option<String> {
    os::current().name().map(str::to_owned)
}
