//! Channels with `std::sync::mpsc`'s API, multi-producer *and* multi-consumer, on
//! parkq's queues.
//!
//! - [`unbounded`] (alias [`channel`]): sends never wait; on [`Queue`].
//! - [`bounded(cap)`](bounded) (alias [`sync_channel`]): sends wait while `cap` items are
//!   buffered; on [`Ring`].
//! - `bounded(0)`: a *rendezvous* channel, as std's `sync_channel(0)`: each send waits
//!   until a receiver takes its item.
//!
//! A program using `std::sync::mpsc` compiles unchanged after replacing
//! `use std::sync::mpsc` with `use parkq::channel as mpsc`: the functions, types
//! ([`SyncSender`] is [`Sender`]), methods, errors and their `Display` texts are std's.
//! Unlike std's, [`Receiver`] is `Clone` and `Sync` too: any number of threads may receive,
//! each item going to exactly one of them.
//!
//! # Disconnection
//!
//! When the last [`Sender`] is dropped, receivers still get every buffered item, then
//! `Disconnected` errors; threads blocked in a receive wake. When the last [`Receiver`]
//! is dropped, every buffered item is dropped (once), sends fail and hand their item back,
//! and threads blocked in a send wake and fail the same way.
//!
//! # Examples
//!
#![cfg_attr(parkq_loom_doctest, doc = "```ignore")]
#![cfg_attr(not(parkq_loom_doctest), doc = "```")]
//! use parkq::channel;
//! use std::thread;
//!
//! let (tx, rx) = channel::bounded(4);
//! let workers: Vec<_> = (0..2)
//!     .map(|_| {
//!         let rx = rx.clone();
//!         thread::spawn(move || rx.iter().map(|n: u64| n * n).sum::<u64>())
//!     })
//!     .collect();
//! for n in 1..=10 {
//!     tx.send(n).unwrap();
//! }
//! drop(tx); // the workers' loops end once the channel is drained
//! let total: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
//! assert_eq!(total, 385);
//! ```

mod error;
mod rendezvous;

use std::fmt;
use std::time::{Duration, Instant};

use crate::shim::{Arc, AtomicUsize, Ordering};
use crate::{PopTimeoutError, PushTimeoutError, Queue, Ring, TryPopError, TryPushError};

pub use error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use rendezvous::Rendezvous;

/// The queue under a channel.
enum Flavor<T> {
    /// `bounded(cap)`, `cap > 0`.
    Bounded(Ring<T>),
    /// `unbounded()`.
    Unbounded(Queue<T>),
    /// `bounded(0)`.
    Rendezvous(Rendezvous<T>),
}

/// What every handle of one channel shares.
struct Channel<T> {
    flavor: Flavor<T>,
    /// How many `Sender`s exist; the one that brings it to zero disconnects them.
    senders: AtomicUsize,
    /// How many `Receiver`s exist; the one that brings it to zero disconnects them.
    receivers: AtomicUsize,
}

/// The sending half of a channel. `Clone` it for more senders.
///
/// # Examples
///
#[doc = crate::example!()]
/// use std::thread;
///
/// let (tx, rx) = parkq::channel::unbounded();
/// for id in 0..3 {
///     let tx = tx.clone();
///     thread::spawn(move || tx.send(id).unwrap());
/// }
/// drop(tx);
/// let mut got: Vec<i32> = rx.iter().collect();
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// ```
pub struct Sender<T> {
    channel: Arc<Channel<T>>,
}

/// std's name for the sender of a [`sync_channel`]; here every channel has one sender
/// type.
pub type SyncSender<T> = Sender<T>;

/// The receiving half of a channel. `Clone` it for more receivers; each item goes to
/// exactly one of them.
///
/// # Examples
///
#[doc = crate::example!()]
/// let (tx, rx) = parkq::channel::unbounded();
/// tx.send("hello").unwrap();
/// assert_eq!(rx.recv(), Ok("hello"));
/// ```
pub struct Receiver<T> {
    channel: Arc<Channel<T>>,
}

fn new_channel<T>(flavor: Flavor<T>) -> (Sender<T>, Receiver<T>) {
    let channel = Arc::new(Channel {
        flavor,
        senders: AtomicUsize::new(1),
        receivers: AtomicUsize::new(1),
    });
    (
        Sender {
            channel: Arc::clone(&channel),
        },
        Receiver { channel },
    )
}

/// Creates a channel with no bound: sends never wait.
///
/// # Examples
///
#[doc = crate::example!()]
/// let (tx, rx) = parkq::channel::unbounded();
/// for n in 0..1000 {
///     tx.send(n).unwrap(); // never waits
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.recv(), Ok(0));
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    new_channel(Flavor::Unbounded(Queue::new()))
}

/// Creates a channel that buffers at most `cap` items; a send waits while it is full.
///
/// With `cap == 0` it is a rendezvous channel: each send waits until a receiver takes its
/// item, [`try_send`](Sender::try_send) succeeds only if a receiver is waiting, and
/// [`try_recv`](Receiver::try_recv) only if a sender is.
///
/// # Panics
///
/// If `cap` is larger than `usize::MAX / 4`.
///
/// # Examples
///
#[doc = crate::example!()]
/// use std::thread;
///
/// let (tx, rx) = parkq::channel::bounded(0);
/// let receiver = thread::spawn(move || rx.recv().unwrap());
/// tx.send(42).unwrap(); // returns once the receiver has taken it
/// assert_eq!(receiver.join().unwrap(), 42);
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    if cap == 0 {
        new_channel(Flavor::Rendezvous(Rendezvous::new()))
    } else {
        new_channel(Flavor::Bounded(Ring::new(cap)))
    }
}

/// std's name for [`unbounded`].
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::channel as mpsc;
///
/// let (tx, rx) = mpsc::channel();
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv().unwrap(), 1);
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    unbounded()
}

/// std's name for [`bounded`].
///
/// # Panics
///
/// As [`bounded`].
///
/// # Examples
///
#[doc = crate::example!()]
/// use parkq::channel::{self as mpsc, TrySendError};
///
/// let (tx, _rx) = mpsc::sync_channel(1);
/// tx.send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// ```
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    bounded(bound)
}

/// `Instant::now() + timeout`, or `None` ("wait forever") if that overflows.
fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

impl<T> Sender<T> {
    /// Sends `item`, waiting while the channel is full (for a rendezvous channel: until a
    /// receiver takes it).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the item if every receiver is gone (before or while waiting).
    /// A successful send does not mean the item will be received: the receivers may
    /// still be dropped before they take it.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, rx) = parkq::channel::bounded(1);
    /// tx.send(1).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, item: T) -> Result<(), SendError<T>> {
        match &self.channel.flavor {
            Flavor::Bounded(ring) => ring.push(item).map_err(|closed| SendError(closed.0)),
            Flavor::Unbounded(queue) => queue.push(item).map_err(|closed| SendError(closed.0)),
            Flavor::Rendezvous(zero) => zero
                .send(item, None)
                .map_err(|error| SendError(error.into_inner())),
        }
    }

    /// Sends `item` only if that needs no waiting. Never blocks, except that on a
    /// rendezvous channel it waits for a receiver that is already waiting to take the
    /// item.
    ///
    /// # Errors
    ///
    /// - [`TrySendError::Full`] if the buffer is full (rendezvous: no receiver waiting);
    /// - [`TrySendError::Disconnected`] if every receiver is gone.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::channel::{self, TrySendError};
    ///
    /// let (tx, rx) = channel::bounded(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
    /// ```
    pub fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        match &self.channel.flavor {
            Flavor::Bounded(ring) => ring.try_push(item).map_err(|error| match error {
                TryPushError::Full(item) => TrySendError::Full(item),
                TryPushError::Closed(item) => TrySendError::Disconnected(item),
            }),
            Flavor::Unbounded(queue) => queue
                .push(item)
                .map_err(|closed| TrySendError::Disconnected(closed.0)),
            Flavor::Rendezvous(zero) => zero.try_send(item),
        }
    }

    /// Sends `item`, waiting while the channel is full, at most for `timeout`. A timeout
    /// too large to add to the current time means "wait forever".
    ///
    /// # Errors
    ///
    /// - [`SendTimeoutError::Timeout`] if the channel stayed full (rendezvous: no
    ///   receiver took the item);
    /// - [`SendTimeoutError::Disconnected`] if every receiver is gone.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::channel::{self, SendTimeoutError};
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = channel::bounded(1);
    /// tx.send(1).unwrap();
    /// let error = tx.send_timeout(2, Duration::from_millis(5)).unwrap_err();
    /// assert_eq!(error, SendTimeoutError::Timeout(2));
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    pub fn send_timeout(&self, item: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.send_until(item, deadline_after(timeout))
    }

    /// Sends `item`, waiting while the channel is full, until `deadline`. A deadline
    /// already passed still makes one attempt.
    ///
    /// # Errors
    ///
    /// As [`send_timeout`](Sender::send_timeout).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use std::time::Instant;
    ///
    /// let (tx, rx) = parkq::channel::bounded(1);
    /// assert_eq!(tx.send_deadline(1, Instant::now()), Ok(()));
    /// assert!(tx.send_deadline(2, Instant::now()).unwrap_err().is_timeout());
    /// # drop(rx);
    /// ```
    pub fn send_deadline(&self, item: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.send_until(item, Some(deadline))
    }

    fn send_until(&self, item: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>> {
        match &self.channel.flavor {
            Flavor::Bounded(ring) => {
                let pushed = match deadline {
                    Some(deadline) => ring.push_deadline(item, deadline),
                    None => ring
                        .push(item)
                        .map_err(|closed| PushTimeoutError::Closed(closed.0)),
                };
                pushed.map_err(|error| match error {
                    PushTimeoutError::Timeout(item) => SendTimeoutError::Timeout(item),
                    PushTimeoutError::Closed(item) => SendTimeoutError::Disconnected(item),
                })
            }
            Flavor::Unbounded(queue) => queue
                .push(item)
                .map_err(|closed| SendTimeoutError::Disconnected(closed.0)),
            Flavor::Rendezvous(zero) => zero.send(item, deadline),
        }
    }

    /// How many items are buffered. Approximate while other threads send or receive.
    /// Always 0 for a rendezvous channel.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, _rx) = parkq::channel::unbounded();
    /// tx.send(()).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// Whether no item is buffered. Approximate while other threads send or receive.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, _rx) = parkq::channel::unbounded::<u8>();
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.channel.len() == 0
    }

    /// Whether the buffer is full. Never for an unbounded channel, always for a
    /// rendezvous channel.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, _rx) = parkq::channel::bounded(1);
    /// tx.send(()).unwrap();
    /// assert!(tx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.channel.is_full()
    }

    /// The buffer's capacity: `None` for an unbounded channel, `Some(0)` for a
    /// rendezvous channel.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// assert_eq!(parkq::channel::bounded::<u8>(3).0.capacity(), Some(3));
    /// assert_eq!(parkq::channel::unbounded::<u8>().0.capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.channel.capacity()
    }
}

impl<T> Receiver<T> {
    /// Receives an item, waiting while the channel is empty.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the channel is empty and every sender is gone. Items sent
    /// before the last sender was dropped are all received first.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::channel::{self, RecvError};
    ///
    /// let (tx, rx) = channel::unbounded();
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Err(RecvError));
    /// ```
    pub fn recv(&self) -> Result<T, RecvError> {
        match &self.channel.flavor {
            Flavor::Bounded(ring) => ring.pop().ok_or(RecvError),
            Flavor::Unbounded(queue) => queue.pop().ok_or(RecvError),
            Flavor::Rendezvous(zero) => zero.recv(None).map_err(|_| RecvError),
        }
    }

    /// Receives an item only if one is ready (rendezvous: a sender is waiting). Never
    /// blocks, except to wait out a send that is already writing its item.
    ///
    /// # Errors
    ///
    /// - [`TryRecvError::Empty`] if no item is ready;
    /// - [`TryRecvError::Disconnected`] if the channel is empty and every sender is gone.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::channel::{self, TryRecvError};
    ///
    /// let (tx, rx) = channel::bounded(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        fn convert(error: TryPopError) -> TryRecvError {
            match error {
                TryPopError::Empty => TryRecvError::Empty,
                TryPopError::Closed => TryRecvError::Disconnected,
            }
        }
        match &self.channel.flavor {
            Flavor::Bounded(ring) => ring.try_pop().map_err(convert),
            Flavor::Unbounded(queue) => queue.try_pop().map_err(convert),
            Flavor::Rendezvous(zero) => zero.try_recv(),
        }
    }

    /// Receives an item, waiting while the channel is empty, at most for `timeout`. A
    /// timeout too large to add to the current time means "wait forever".
    ///
    /// # Errors
    ///
    /// - [`RecvTimeoutError::Timeout`] if no item came in time;
    /// - [`RecvTimeoutError::Disconnected`] if the channel is empty and every sender is
    ///   gone.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::channel::{self, RecvTimeoutError};
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = channel::unbounded();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)), Ok(1));
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.recv_until(deadline_after(timeout))
    }

    /// Receives an item, waiting while the channel is empty, until `deadline`. A deadline
    /// already passed still makes one attempt.
    ///
    /// # Errors
    ///
    /// As [`recv_timeout`](Receiver::recv_timeout).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::channel::{self, RecvTimeoutError};
    /// use std::time::Instant;
    ///
    /// let (tx, rx) = channel::unbounded::<u8>();
    /// assert_eq!(rx.recv_deadline(Instant::now()), Err(RecvTimeoutError::Timeout));
    /// # drop(tx);
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.recv_until(Some(deadline))
    }

    fn recv_until(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        fn convert(error: PopTimeoutError) -> RecvTimeoutError {
            match error {
                PopTimeoutError::Timeout => RecvTimeoutError::Timeout,
                PopTimeoutError::Closed => RecvTimeoutError::Disconnected,
            }
        }
        let Some(deadline) = deadline else {
            return self.recv().map_err(RecvTimeoutError::from);
        };
        match &self.channel.flavor {
            Flavor::Bounded(ring) => ring.pop_deadline(deadline).map_err(convert),
            Flavor::Unbounded(queue) => queue.pop_deadline(deadline).map_err(convert),
            Flavor::Rendezvous(zero) => zero.recv(Some(deadline)),
        }
    }

    /// An iterator that receives items, waiting for each, until the channel is empty and
    /// every sender is gone.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, rx) = parkq::channel::unbounded();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { receiver: self }
    }

    /// An iterator over the items ready now; it never waits for more.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, rx) = parkq::channel::unbounded();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// assert_eq!(rx.try_iter().next(), None); // tx is still alive: no waiting
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { receiver: self }
    }

    /// How many items are buffered. Approximate while other threads send or receive.
    /// Always 0 for a rendezvous channel.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, rx) = parkq::channel::bounded(4);
    /// tx.send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// Whether no item is buffered. Approximate while other threads send or receive.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (_tx, rx) = parkq::channel::bounded::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.channel.len() == 0
    }

    /// Whether the buffer is full. Never for an unbounded channel, always for a
    /// rendezvous channel.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let (tx, rx) = parkq::channel::bounded(1);
    /// tx.send(()).unwrap();
    /// assert!(rx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.channel.is_full()
    }

    /// The buffer's capacity: `None` for an unbounded channel, `Some(0)` for a
    /// rendezvous channel.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// assert_eq!(parkq::channel::bounded::<u8>(0).1.capacity(), Some(0));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.channel.capacity()
    }
}

impl<T> Channel<T> {
    fn len(&self) -> usize {
        match &self.flavor {
            Flavor::Bounded(ring) => ring.len(),
            Flavor::Unbounded(queue) => queue.len(),
            Flavor::Rendezvous(_) => 0,
        }
    }

    fn is_full(&self) -> bool {
        match &self.flavor {
            Flavor::Bounded(ring) => ring.is_full(),
            Flavor::Unbounded(_) => false,
            Flavor::Rendezvous(_) => true,
        }
    }

    fn capacity(&self) -> Option<usize> {
        match &self.flavor {
            Flavor::Bounded(ring) => Some(ring.capacity()),
            Flavor::Unbounded(_) => None,
            Flavor::Rendezvous(_) => Some(0),
        }
    }

    /// The last sender is gone: receivers drain what is buffered, then see the channel
    /// disconnected.
    fn disconnect_senders(&self) {
        match &self.flavor {
            Flavor::Bounded(ring) => {
                ring.close();
            }
            Flavor::Unbounded(queue) => {
                queue.close();
            }
            Flavor::Rendezvous(zero) => zero.disconnect_senders(),
        }
    }

    /// The last receiver is gone: the buffered items are dropped (each once, here) and
    /// senders fail from now on.
    fn disconnect_receivers(&self) {
        match &self.flavor {
            Flavor::Bounded(ring) => drop(ring.close_and_drain()),
            Flavor::Unbounded(queue) => drop(queue.close_and_drain()),
            Flavor::Rendezvous(zero) => zero.disconnect_receivers(),
        }
    }
}

impl<T> Clone for Sender<T> {
    /// Another sender for the same channel.
    fn clone(&self) -> Self {
        // Relaxed: as `Arc::clone`; a new handle is made from an existing one, which
        // keeps the count above zero meanwhile, so nothing needs ordering.
        self.channel.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            channel: Arc::clone(&self.channel),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // Relaxed: the count carries no data. A send that returned has claimed its
        // position with an RMW on the core's `tail`, and the close is an RMW on that
        // same word; an RMW reads the latest value, so the close comes after the claim
        // and receivers drain the item (loom: `racing_sender_drops_disconnect_once`).
        if self.channel.senders.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.channel.disconnect_senders();
        }
    }
}

impl<T> Clone for Receiver<T> {
    /// Another receiver for the same channel; each item goes to exactly one receiver.
    fn clone(&self) -> Self {
        // Relaxed: as in `Sender::clone`.
        self.channel.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            channel: Arc::clone(&self.channel),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // Relaxed: as in `Sender::drop`; the drain after the close takes whatever any
        // send managed to claim (loom: `receiver_gone_while_bounded_sender_blocked`).
        if self.channel.receivers.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.channel.disconnect_receivers();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

/// Receives items, waiting for each, until the channel is empty and disconnected;
/// made by [`Receiver::iter`].
///
/// # Examples
///
#[doc = crate::example!()]
/// let (tx, rx) = parkq::channel::unbounded();
/// tx.send('a').unwrap();
/// drop(tx);
/// let mut iter = rx.iter();
/// assert_eq!(iter.next(), Some('a'));
/// assert_eq!(iter.next(), None);
/// ```
#[derive(Debug)]
pub struct Iter<'a, T> {
    receiver: &'a Receiver<T>,
}

/// Receives the items ready now, without waiting; made by [`Receiver::try_iter`].
///
/// # Examples
///
#[doc = crate::example!()]
/// let (tx, rx) = parkq::channel::unbounded();
/// tx.send('a').unwrap();
/// let mut iter = rx.try_iter();
/// assert_eq!(iter.next(), Some('a'));
/// assert_eq!(iter.next(), None);
/// ```
#[derive(Debug)]
pub struct TryIter<'a, T> {
    receiver: &'a Receiver<T>,
}

/// Receives items, waiting for each, until the channel is empty and disconnected; made
/// by `Receiver`'s `into_iter`.
///
/// # Examples
///
#[doc = crate::example!()]
/// let (tx, rx) = parkq::channel::unbounded();
/// tx.send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.into_iter().sum::<i32>(), 1);
/// ```
#[derive(Debug)]
pub struct IntoIter<T> {
    receiver: Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { receiver: self }
    }
}
