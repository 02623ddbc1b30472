//! The rendezvous flavor (`bounded(0)`): no buffer; a send waits until a receiver takes
//! its item.
//!
//! # Design
//!
//! A blocked sender is an *offer*: its item, a one-shot `state`, and the means to wake
//! the sender. Offers wait, oldest first, in an unbounded [`Queue`] (`offers`), so the
//! lock-free core and the parking layer of the crate carry the hand-off; this module
//! adds only the offer's state machine:
//!
//! ```text
//! WAITING ──(a receiver's CAS)──▶ TAKEN       the receiver moves the item out
//!    └─────(the sender's CAS)───▶ WITHDRAWN   the sender takes its item back
//! ```
//!
//! Whichever CAS wins owns the item; the other side leaves it alone. A sender withdraws
//! at its deadline, or when every receiver is gone; a withdrawn offer stays in `offers`
//! until a receiver pops and skips it.
//!
//! - `send`: push the offer, then park (on the offer's own parker, so a hand-off wakes
//!   exactly the sender it served) until it is taken, withdrawn or disconnected.
//! - `recv`: pop offers until one is taken (a blocking pop parks in the queue).
//! - `try_recv`: the same with `try_pop`: it succeeds only if a sender is waiting.
//! - `try_send`: succeeds only if a receiver is waiting, as std's. Receivers blocked in
//!   `recv` are counted in `receivers_waiting`. With none, `Full` at once. Otherwise
//!   the offer is pushed and the sender waits until it is taken or until no receiver is
//!   waiting any more (then it withdraws: `Full`). Every waiting receiver either takes an
//!   offer and leaves, or pops on towards ours, so that wait ends. A timed send whose
//!   deadline passes while a receiver is waiting finishes the same way.
//!
//! Disconnection: the last sender closes `offers` (receivers drain the withdrawn offers
//! left, then see it closed). The last receiver sets `disconnected`, closes `offers` and
//! drains it, waking each sender still waiting there, which then withdraws its item and
//! returns it in the error.
//!
//! Cost: one allocation per blocking hand-off (the offer, shared by sender and receiver
//! through an `Arc`, so a sender that timed out can leave while its offer is still
//! queued).

use std::time::Instant;

use crate::channel::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use crate::park::{wait_until, Poll, WaitFor, WaitList};
use crate::shim::{Arc, AtomicBool, AtomicUsize, Ordering, Parker, UnsafeCell};
use crate::{PopTimeoutError, Queue, TryPopError};

/// The offer waits for a receiver.
const WAITING: usize = 0;
/// A receiver took the item.
const TAKEN: usize = 1;
/// The sender took its item back.
const WITHDRAWN: usize = 2;

/// One blocked sender's item.
struct Offer<T> {
    /// `WAITING`, `TAKEN` or `WITHDRAWN`; leaves `WAITING` exactly once, by CAS.
    state: AtomicUsize,
    /// The item; `Some` until the side that moved `state` out of `WAITING` takes it.
    item: UnsafeCell<Option<T>>,
    /// Wakes the sender.
    sender: Parker,
}

// SAFETY: an `Offer` moves a `T` from one thread to another (hence `T: Send`), and only
// the one thread that won the CAS on `state` touches `item` after it is shared, so
// sharing `&Offer` never gives two threads access to the `T` at once (no `T: Sync`).
unsafe impl<T: Send> Send for Offer<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Offer<T> {}

impl<T> Offer<T> {
    fn new(item: T) -> Self {
        Offer {
            state: AtomicUsize::new(WAITING),
            item: UnsafeCell::new(Some(item)),
            sender: Parker::for_current_thread(),
        }
    }

    /// Moves `state` from `WAITING` to `to`. Returns whether this call did.
    fn claim(&self, to: usize) -> bool {
        // Relaxed: the CAS only decides who owns the item; both sides can see the item
        // already (the sender wrote it, the receiver popped the offer from `offers`,
        // whose push/pop pair orders the write before the read).
        self.state
            .compare_exchange(WAITING, to, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// Moves the item out.
    ///
    /// # Safety
    ///
    /// The caller's [`claim`](Offer::claim) succeeded, and this is its only call.
    unsafe fn take_item(&self) -> T {
        // SAFETY: the caller's CAS moved `state` out of `WAITING`, which happens once,
        // so no other thread touches `item` from now on; the item is still there because
        // this is the only take.
        let item = self.item.with_mut(|item| unsafe { (*item).take() });
        item.expect("an offer is taken once")
    }

    /// A receiver takes the item, and wakes the sender.
    fn take(&self) -> Option<T> {
        if !self.claim(TAKEN) {
            return None;
        }
        // SAFETY: our claim succeeded.
        let item = unsafe { self.take_item() };
        self.sender.unpark();
        Some(item)
    }

    /// The sender takes its item back, unless a receiver took it first.
    fn withdraw(&self) -> Option<T> {
        // SAFETY: our claim succeeded.
        self.claim(WITHDRAWN).then(|| unsafe { self.take_item() })
    }

    fn is_taken(&self) -> bool {
        // Relaxed: the sender learns only that its send is done; it reads nothing the
        // receiver wrote.
        self.state.load(Ordering::Relaxed) == TAKEN
    }
}

/// A channel with no buffer.
pub(crate) struct Rendezvous<T> {
    /// The offers of senders waiting for a receiver, oldest first.
    offers: Queue<Arc<Offer<T>>>,
    /// How many receivers are parked (or about to park) in a blocking `recv`.
    receivers_waiting: AtomicUsize,
    /// Senders in `try_send` (or past their deadline) waiting for a receiver that is
    /// already waiting: woken each time a receiver stops waiting.
    hopeful_senders: WaitList,
    /// Every receiver is gone.
    disconnected: AtomicBool,
}

impl<T> Rendezvous<T> {
    pub(crate) fn new() -> Self {
        Rendezvous {
            offers: Queue::new(),
            receivers_waiting: AtomicUsize::new(0),
            hopeful_senders: WaitList::new(),
            disconnected: AtomicBool::new(false),
        }
    }

    /// Sends `item`, waiting until a receiver takes it or until `deadline`.
    pub(crate) fn send(
        &self,
        item: T,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<T>> {
        let offer = Arc::new(Offer::new(item));
        if self.offers.push(Arc::clone(&offer)).is_err() {
            return Err(SendTimeoutError::Disconnected(Self::never_sent(&offer)));
        }
        let mut deadline_passed = false;
        loop {
            if offer.is_taken() {
                return Ok(());
            }
            // Relaxed: set before the receiver that set it drains `offers` and unparks
            // this sender; the unpark/park pair orders it before this load.
            if self.disconnected.load(Ordering::Relaxed) {
                return match offer.withdraw() {
                    Some(item) => Err(SendTimeoutError::Disconnected(item)),
                    None => Ok(()),
                };
            }
            if deadline_passed {
                return self
                    .wait_for_waiting_receiver(&offer)
                    .map_err(SendTimeoutError::Timeout);
            }
            deadline_passed = offer.sender.park_until(deadline);
        }
    }

    /// Sends `item` only if a receiver is waiting for one.
    pub(crate) fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        if self.disconnected.load(Ordering::Relaxed) {
            return Err(TrySendError::Disconnected(item));
        }
        // Relaxed: a snapshot; a receiver that starts waiting after it simply was not
        // waiting when this call looked.
        if self.receivers_waiting.load(Ordering::Relaxed) == 0 {
            return Err(TrySendError::Full(item));
        }
        let offer = Arc::new(Offer::new(item));
        if self.offers.push(Arc::clone(&offer)).is_err() {
            return Err(TrySendError::Disconnected(Self::never_sent(&offer)));
        }
        self.wait_for_waiting_receiver(&offer)
            .map_err(TrySendError::Full)
    }

    /// Waits while a receiver is waiting and `offer` (already queued) is not taken.
    /// Returns `Ok` if a receiver took it; otherwise withdraws it and returns the item.
    fn wait_for_waiting_receiver(&self, offer: &Offer<T>) -> Result<(), T> {
        let outcome = wait_until(&self.hopeful_senders, None, || {
            if offer.is_taken() {
                return Poll::Ready(Ok(()));
            }
            // Relaxed: a receiver decrements before notifying `hopeful_senders`, whose
            // handshake orders the decrement before this re-check (see `crate::park`).
            if self.receivers_waiting.load(Ordering::Relaxed) == 0 {
                // Withdraw; losing the race means a receiver took it after all.
                return Poll::Ready(offer.withdraw().map_or(Ok(()), Err));
            }
            // Every receiver that stops waiting notifies; re-check on each one.
            Poll::Wait(WaitFor::Completion)
        });
        // `wait_until` without a deadline always has an outcome.
        outcome.unwrap_or(Ok(()))
    }

    /// The item of an offer that was never shared (its push failed).
    fn never_sent(offer: &Offer<T>) -> T {
        offer
            .withdraw()
            .expect("an offer nobody else saw is still waiting")
    }

    /// Receives an item from a waiting sender, waiting for one until `deadline`.
    pub(crate) fn recv(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        // A sender already waiting: no need to count this receiver as waiting.
        match self.try_recv() {
            Ok(item) => return Ok(item),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => {}
        }
        // Relaxed: a hint for `try_send`, which re-checks it under the parking
        // handshake before giving up.
        self.receivers_waiting.fetch_add(1, Ordering::Relaxed);
        let result = loop {
            let popped = match deadline {
                None => self.offers.pop().ok_or(PopTimeoutError::Closed),
                Some(deadline) => self.offers.pop_deadline(deadline),
            };
            match popped {
                Ok(offer) => {
                    if let Some(item) = offer.take() {
                        break Ok(item);
                    }
                    // A withdrawn offer: skip it.
                }
                Err(PopTimeoutError::Closed) => break Err(RecvTimeoutError::Disconnected),
                Err(PopTimeoutError::Timeout) => break Err(RecvTimeoutError::Timeout),
            }
        };
        // Relaxed: see the increment. The notify's handshake publishes it to the hopeful
        // senders, which may now have to withdraw.
        self.receivers_waiting.fetch_sub(1, Ordering::Relaxed);
        self.hopeful_senders.notify_all();
        result
    }

    /// Receives an item only if a sender is waiting with one.
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        loop {
            match self.offers.try_pop() {
                Ok(offer) => {
                    if let Some(item) = offer.take() {
                        return Ok(item);
                    }
                }
                Err(TryPopError::Empty) => return Err(TryRecvError::Empty),
                Err(TryPopError::Closed) => return Err(TryRecvError::Disconnected),
            }
        }
    }

    /// The last sender is gone: receivers drain the (withdrawn) offers left, then see
    /// the channel disconnected.
    pub(crate) fn disconnect_senders(&self) {
        self.offers.close();
    }

    /// The last receiver is gone: every waiting sender wakes and gets its item back.
    pub(crate) fn disconnect_receivers(&self) {
        // Relaxed: the unpark below orders it before the woken sender's load; senders
        // that push after the close below fail at the push.
        self.disconnected.store(true, Ordering::Relaxed);
        for offer in self.offers.close_and_drain() {
            offer.sender.unpark();
        }
    }
}
