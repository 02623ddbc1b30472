//! The channel's error types: the names, variants and `Display` texts of
//! `std::sync::mpsc`'s, so code matching on std's errors keeps working.

use std::error::Error;
use std::fmt;

/// A [`send`](super::Sender::send) failed because every [`Receiver`](super::Receiver)
/// is gone. The unsent item is inside.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::channel::{self, SendError};
///
/// let (tx, rx) = channel::unbounded();
/// drop(rx);
/// assert_eq!(tx.send(7), Err(SendError(7)));
/// assert_eq!(tx.send(7).unwrap_err().to_string(), "sending on a closed channel");
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

/// A [`recv`](super::Receiver::recv) failed because the channel is empty and every
/// [`Sender`](super::Sender) is gone: no item will ever come.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::channel::{self, RecvError};
///
/// let (tx, rx) = channel::unbounded::<u8>();
/// drop(tx);
/// assert_eq!(rx.recv(), Err(RecvError));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub struct RecvError;

/// Why a [`try_send`](super::Sender::try_send) did not send. The unsent item is inside.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::channel::{self, TrySendError};
///
/// let (tx, rx) = channel::bounded(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// drop(rx);
/// assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The channel's buffer is full (for a rendezvous channel: no receiver was waiting).
    Full(T),
    /// Every receiver is gone.
    Disconnected(T),
}

/// Why a [`send_timeout`](super::Sender::send_timeout) or
/// [`send_deadline`](super::Sender::send_deadline) did not send. The unsent item is
/// inside.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::channel::{self, SendTimeoutError};
/// use std::time::Duration;
///
/// let (tx, _rx) = channel::bounded(1);
/// tx.send(1).unwrap();
/// assert_eq!(
///     tx.send_timeout(2, Duration::from_millis(1)),
///     Err(SendTimeoutError::Timeout(2))
/// );
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendTimeoutError<T> {
    /// The channel stayed full until the deadline (for a rendezvous channel: no receiver
    /// took the item).
    Timeout(T),
    /// Every receiver is gone.
    Disconnected(T),
}

/// Why a [`try_recv`](super::Receiver::try_recv) returned no item.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::channel::{self, TryRecvError};
///
/// let (tx, rx) = channel::unbounded::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum TryRecvError {
    /// The channel is empty, but senders remain: an item may still come.
    Empty,
    /// The channel is empty and every sender is gone.
    Disconnected,
}

/// Why a [`recv_timeout`](super::Receiver::recv_timeout) or
/// [`recv_deadline`](super::Receiver::recv_deadline) returned no item.
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::channel::{self, RecvTimeoutError};
/// use std::time::Duration;
///
/// let (tx, rx) = channel::unbounded::<u8>();
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
/// drop(tx);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Disconnected));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum RecvTimeoutError {
    /// No item came before the deadline.
    Timeout,
    /// The channel is empty and every sender is gone.
    Disconnected,
}

impl<T> SendError<T> {
    /// The item that could not be sent.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, rx) = parkq::channel::unbounded();
    /// drop(rx);
    /// assert_eq!(tx.send("x").unwrap_err().into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> TrySendError<T> {
    /// The item that could not be sent.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, _rx) = parkq::channel::bounded(0);
    /// assert_eq!(tx.try_send("x").unwrap_err().into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(item) | TrySendError::Disconnected(item) => item,
        }
    }

    /// Whether the send failed because the channel was full.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, _rx) = parkq::channel::bounded(0);
    /// assert!(tx.try_send(1).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether the send failed because every receiver is gone.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, rx) = parkq::channel::bounded(1);
    /// drop(rx);
    /// assert!(tx.try_send(1).unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, TrySendError::Disconnected(_))
    }
}

impl<T> SendTimeoutError<T> {
    /// The item that could not be sent.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use std::time::Duration;
    ///
    /// let (tx, _rx) = parkq::channel::bounded(0);
    /// let error = tx.send_timeout("x", Duration::from_millis(1)).unwrap_err();
    /// assert_eq!(error.into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(item) | SendTimeoutError::Disconnected(item) => item,
        }
    }

    /// Whether the send failed because the deadline passed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use std::time::Duration;
    ///
    /// let (tx, _rx) = parkq::channel::bounded(0);
    /// assert!(tx.send_timeout(1, Duration::from_millis(1)).unwrap_err().is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }

    /// Whether the send failed because every receiver is gone.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = parkq::channel::bounded(0);
    /// drop(rx);
    /// let error = tx.send_timeout(1, Duration::from_millis(1)).unwrap_err();
    /// assert!(error.is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, SendTimeoutError::Disconnected(_))
    }
}

// Debug does not require `T: Debug` (as std's): errors stay printable, and `unwrap`
// works, for any item type.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Disconnected(_) => f.write_str("Disconnected(..)"),
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Disconnected(_) => f.write_str("Disconnected(..)"),
        }
    }
}

// The Display texts are std's, word for word.
impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("sending on a full channel"),
            TrySendError::Disconnected(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("timed out waiting on send operation"),
            SendTimeoutError::Disconnected(_) => f.write_str("sending on a disconnected channel"),
        }
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiving on a closed channel")
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Disconnected => f.write_str("receiving on a closed channel"),
        }
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out waiting on channel"),
            RecvTimeoutError::Disconnected => {
                f.write_str("channel is empty and sending half is closed")
            }
        }
    }
}

impl<T> Error for SendError<T> {}
impl<T> Error for TrySendError<T> {}
impl<T> Error for SendTimeoutError<T> {}
impl Error for RecvError {}
impl Error for TryRecvError {}
impl Error for RecvTimeoutError {}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(error: SendError<T>) -> Self {
        TrySendError::Disconnected(error.0)
    }
}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(error: SendError<T>) -> Self {
        SendTimeoutError::Disconnected(error.0)
    }
}

impl From<RecvError> for TryRecvError {
    fn from(_: RecvError) -> Self {
        TryRecvError::Disconnected
    }
}

impl From<RecvError> for RecvTimeoutError {
    fn from(_: RecvError) -> Self {
        RecvTimeoutError::Disconnected
    }
}
