//! Error types shared by every queue in the crate.
//!
//! Every error that comes from a failed push carries the item back, so nothing is ever
//! lost: get it with `into_inner()`. Like std's `SendError`, these implement
//! `std::error::Error` whatever `T` is, and their `Debug` output does not show the item,
//! so `T` need not be `Debug`.

use std::error::Error;
use std::fmt;

/// A push failed because the queue is closed. The item is handed back.
///
/// Returned by the blocking `push` of every queue.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::{Closed, Ring};
///
/// let ring = Ring::new(4);
/// ring.close();
/// let err: Closed<&str> = ring.push("late").unwrap_err();
/// assert_eq!(err.into_inner(), "late");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Closed<T>(pub T);

impl<T> Closed<T> {
    /// Gives back the item that could not be pushed.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pushing into a closed queue")
    }
}

impl<T> Error for Closed<T> {}

/// Why a `try_push` failed. The item is handed back either way.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::{Ring, TryPushError};
///
/// let ring = Ring::new(1);
/// ring.try_push(1).unwrap();
/// assert_eq!(ring.try_push(2), Err(TryPushError::Full(2)));
/// ring.close();
/// assert_eq!(ring.try_push(3), Err(TryPushError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPushError<T> {
    /// The queue was full at some instant during the call.
    Full(T),
    /// The queue is closed: no push will ever succeed again.
    Closed(T),
}

impl<T> TryPushError<T> {
    /// Gives back the item that could not be pushed.
    pub fn into_inner(self) -> T {
        match self {
            TryPushError::Full(item) | TryPushError::Closed(item) => item,
        }
    }

    /// Whether the push failed because the queue was full.
    pub fn is_full(&self) -> bool {
        matches!(self, TryPushError::Full(_))
    }

    /// Whether the push failed because the queue is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TryPushError::Closed(_))
    }
}

impl<T> From<Closed<T>> for TryPushError<T> {
    fn from(err: Closed<T>) -> Self {
        TryPushError::Closed(err.0)
    }
}

impl<T> fmt::Debug for TryPushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPushError::Full(_) => f.write_str("Full(..)"),
            TryPushError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TryPushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPushError::Full(_) => f.write_str("pushing into a full queue"),
            TryPushError::Closed(_) => f.write_str("pushing into a closed queue"),
        }
    }
}

impl<T> Error for TryPushError<T> {}

/// Why a `push_timeout` or `push_deadline` failed. The item is handed back either way.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::{PushTimeoutError, Ring};
/// use std::time::Duration;
///
/// let ring = Ring::new(1);
/// ring.push(1).unwrap();
/// let err = ring.push_timeout(2, Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err, PushTimeoutError::Timeout(2));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PushTimeoutError<T> {
    /// The queue stayed full until the deadline.
    Timeout(T),
    /// The queue is closed: no push will ever succeed again.
    Closed(T),
}

impl<T> PushTimeoutError<T> {
    /// Gives back the item that could not be pushed.
    pub fn into_inner(self) -> T {
        match self {
            PushTimeoutError::Timeout(item) | PushTimeoutError::Closed(item) => item,
        }
    }

    /// Whether the push gave up because the deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, PushTimeoutError::Timeout(_))
    }

    /// Whether the push failed because the queue is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, PushTimeoutError::Closed(_))
    }
}

impl<T> From<Closed<T>> for PushTimeoutError<T> {
    fn from(err: Closed<T>) -> Self {
        PushTimeoutError::Closed(err.0)
    }
}

impl<T> fmt::Debug for PushTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            PushTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for PushTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushTimeoutError::Timeout(_) => {
                f.write_str("timed out waiting to push into a full queue")
            }
            PushTimeoutError::Closed(_) => f.write_str("pushing into a closed queue"),
        }
    }
}

impl<T> Error for PushTimeoutError<T> {}

/// Why a `try_pop` found nothing.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::{Ring, TryPopError};
///
/// let ring: Ring<u32> = Ring::new(1);
/// assert_eq!(ring.try_pop(), Err(TryPopError::Empty));
/// ring.close();
/// assert_eq!(ring.try_pop(), Err(TryPopError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryPopError {
    /// The queue was empty at some instant during the call, but is not closed: an item
    /// may still come.
    Empty,
    /// The queue is closed and drained: no item will ever come again.
    Closed,
}

impl fmt::Display for TryPopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPopError::Empty => f.write_str("popping from an empty queue"),
            TryPopError::Closed => f.write_str("popping from a closed and empty queue"),
        }
    }
}

impl Error for TryPopError {}

/// Why a `pop_timeout` or `pop_deadline` returned no item.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::{PopTimeoutError, Ring};
/// use std::time::Duration;
///
/// let ring: Ring<u32> = Ring::new(1);
/// assert_eq!(ring.pop_timeout(Duration::from_millis(1)), Err(PopTimeoutError::Timeout));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PopTimeoutError {
    /// The queue stayed empty until the deadline.
    Timeout,
    /// The queue is closed and drained: no item will ever come again.
    Closed,
}

impl fmt::Display for PopTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PopTimeoutError::Timeout => f.write_str("timed out waiting to pop from an empty queue"),
            PopTimeoutError::Closed => f.write_str("popping from a closed and empty queue"),
        }
    }
}

impl Error for PopTimeoutError {}
