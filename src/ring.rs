//! `Ring<T>`: a bounded multi-producer multi-consumer FIFO queue.
//!
//! The algorithm is Dmitry Vyukov's bounded MPMC queue ("Bounded MPMC queue",
//! 1024cores.net, 2010): a ring of slots, each with a *stamp* that says which position
//! the slot is ready for. Producers and consumers claim positions with a CAS on `tail`
//! and `head`, then wait for nothing but the slot's stamp. The lap encoding of positions
//! (`lap * one_lap + index`, with a spare bit as the closed mark) follows crossbeam's
//! `ArrayQueue`.
//!
//! A slot at index `i` moves through the stamps, for each lap `L`
//! (`pos = L * one_lap + i`):
//!
//! - `pos`: empty, ready for the producer of `pos`;
//! - `pos + 1`: full, written by that producer, ready for the consumer of `pos`;
//! - `pos + one_lap`: empty again, ready for the producer of the next lap.
//!
//! # Capacity 1: one state word
//!
//! With one slot, a push and a pop claim the same slot through two counters, so every
//! hand-off moves three cache lines (`tail`, `head` and the slot) between cores. A ring
//! of capacity 1 instead keeps everything in the slot's `stamp`, used as a state word:
//!
//! - bits 0-1, the phase: `EMPTY` -> `WRITING` (a push claimed the slot) -> `FULL` ->
//!   `READING` (a pop claimed the item) -> `EMPTY`;
//! - bit 2, the closed flag;
//! - above them, how many pops have completed (for `len`, `join` and against ABA).
//!
//! A push claims `EMPTY` and a pop claims `FULL` with one CAS (Acquire); the claimer
//! copies its item and publishes the next phase with a plain store (Release). The store
//! is safe because nothing else changes a `WRITING` or `READING` word: other claims
//! only take `EMPTY` or `FULL`, and `close` waits for the copy to finish before it sets
//! the flag (see [`Ring::close`]). `head` and `tail` stay unused.
//!
//! # Linearizable `try_pop` and `try_push`
//!
//! The textbook `try_pop` reports `Empty` when the slot at `head` is claimed by a
//! producer that has not written it yet, even if later pushes have already completed:
//! that answer is not linearizable. Here such a slot is *in flight*: `try_pop` waits for
//! the producer to finish (spinning briefly, then parking, never spinning without bound)
//! and reports `Empty` only when `tail == head`, that is when the ring really was empty.
//! `try_push` does the same for a slot that a consumer has claimed but not yet emptied.
//!
//! # Progress
//!
//! Honestly stated: like every Vyukov-style ring, this queue is not lock-free in the
//! strict sense. An operation that finds a slot claimed by another thread that is still
//! copying its item waits for that thread (a few instructions, unless it is preempted).
//! Claims themselves are lock-free: a CAS only fails because another thread's succeeded.
//! At capacity 1, `close` too waits for a push or pop that is copying its item.
//!
//! # Blocking
//!
//! Blocking, timeouts and close go through [`crate::park`]: `poppers` holds threads
//! waiting for an item (or for an in-flight push), `pushers` those waiting for a free
//! slot (or for an in-flight pop). Every successful push notifies `poppers`, every
//! successful pop notifies `pushers`; when nobody waits that is one load (and, under loom
//! or without `membarrier`, one fence).

use std::fmt;
use std::iter::FusedIterator;
use std::mem::MaybeUninit;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use crate::backoff::Backoff;
use crate::error::{Closed, PopTimeoutError, PushTimeoutError, TryPopError, TryPushError};
use crate::park::{wait_until, Poll, WaitFor, WaitList};
use crate::shim::{preemption_point, AtomicUsize, Ordering, UnsafeCell};
use crate::tasks::Tasks;

/// Capacity 1, `state` phase: the slot is empty.
const EMPTY: usize = 0;
/// Capacity 1, `state` phase: a push has claimed the empty slot and is writing it.
const WRITING: usize = 1;
/// Capacity 1, `state` phase: the slot holds an item.
const FULL: usize = 2;
/// Capacity 1, `state` phase: a pop has claimed the item and is reading it.
const READING: usize = 3;
/// Capacity 1: the bits of the phase.
const PHASE: usize = 3;
/// Capacity 1: the closed flag.
const SINGLE_CLOSED: usize = 4;
/// Capacity 1: one completed pop in the count held above the flags.
const ONE_POP: usize = 8;

/// One slot of the ring.
struct Slot<T> {
    /// Which position this slot is ready for (see the module doc). In a ring of
    /// capacity 1, the one slot's `state` instead: phase, closed flag and pop count.
    stamp: AtomicUsize,
    /// The item, initialized exactly while the stamp says "full".
    value: UnsafeCell<MaybeUninit<T>>,
}

/// What one attempt at a pop found.
enum PopAttempt<T> {
    /// Took this item.
    Item(T),
    /// The ring was empty (and open) when `tail` was read.
    Empty,
    /// The ring is closed and empty.
    Closed,
    /// The slot at `head` is claimed by a producer that has not written it yet.
    InFlight,
}

/// What one attempt at a push found. Failed attempts hand the item back.
enum PushAttempt<T> {
    Pushed,
    /// The ring was full when `head` was read.
    Full(T),
    Closed(T),
    /// The slot at `tail` is claimed by a consumer that has not emptied it yet.
    InFlight(T),
}

/// A bounded lock-free multi-producer multi-consumer FIFO queue that blocks by parking.
///
/// Python's `queue.Queue(maxsize)` for Rust. `push` parks while the ring is full, `pop`
/// parks while it is empty, and [`close`](Ring::close) ends the stream: later pushes
/// fail with the item handed back, and pops drain what is left and then report that the
/// ring is closed. Blocked threads park; none spins without bound.
///
/// Share it between threads with an [`Arc`](std::sync::Arc) or a scoped thread. For a
/// queue with no bound see the crate's other queues; for a rendezvous (capacity 0)
/// channel, see the channel API.
///
/// # Examples
///
/// A worker pool: the producer pushes ten jobs, then closes the ring; each worker pops
/// until the ring is closed and drained.
///
#[doc = crate::example!()]
/// use parkq::Ring;
/// use std::thread;
///
/// let ring = Ring::new(3);
/// thread::scope(|s| {
///     for _ in 0..2 {
///         s.spawn(|| {
///             while let Some(job) = ring.pop() {
///                 println!("task {job} finished");
///             }
///         });
///     }
///     for job in 0..10 {
///         ring.push(job).unwrap();
///     }
///     ring.close();
/// });
/// assert!(ring.is_empty());
/// ```
pub struct Ring<T> {
    /// The position the next pop claims: `lap * one_lap + index`.
    head: CachePadded<AtomicUsize>,
    /// The position the next push claims, with `mark_bit` set once the ring is closed.
    tail: CachePadded<AtomicUsize>,
    /// The slots; `slots.len() == cap`.
    slots: Box<[Slot<T>]>,
    /// How many items the ring holds at most.
    cap: usize,
    /// The bit of a position that marks the ring closed (only ever set in `tail`):
    /// the smallest power of two greater than `cap`, so the index bits stay below it.
    mark_bit: usize,
    /// What adding one lap adds to a position: `2 * mark_bit`.
    one_lap: usize,
    /// `log2(one_lap)`: a position shifted right by it is its lap number.
    lap_shift: u32,
    /// Threads waiting to pop.
    poppers: WaitList,
    /// Threads waiting to push.
    pushers: WaitList,
    /// `task_done`/`join` bookkeeping. On its own cache line: consumers write its count,
    /// and it must not share a line with the `registered` flags every push and pop read.
    tasks: CachePadded<Tasks>,
}

// SAFETY: the ring hands each item from exactly one producer to exactly one consumer,
// possibly on another thread, so `T: Send` is what it needs; the stamps' Acquire/Release
// pairs order every access to a slot's value, so shared references are sound.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// Creates a ring that holds at most `capacity` items.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero (a rendezvous hand-off is the channel API's job), or so
    /// large that positions would overflow (more than `usize::MAX / 4`).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Ring;
    ///
    /// let ring: Ring<String> = Ring::new(16);
    /// assert_eq!(ring.capacity(), 16);
    /// ```
    pub fn new(capacity: usize) -> Ring<T> {
        assert!(
            capacity > 0,
            "Ring capacity must be at least 1 (for a rendezvous, use a bounded(0) channel)"
        );
        assert!(
            capacity <= usize::MAX / 4,
            "Ring capacity {capacity} is too large"
        );
        let mark_bit = (capacity + 1).next_power_of_two();
        let one_lap = mark_bit * 2;
        // Slot `i` starts ready for the producer of position `i` in lap 0.
        let slots = (0..capacity)
            .map(|i| Slot {
                stamp: AtomicUsize::new(i),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Ring {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            slots,
            cap: capacity,
            mark_bit,
            one_lap,
            lap_shift: one_lap.trailing_zeros(),
            poppers: WaitList::new(),
            pushers: WaitList::new(),
            tasks: CachePadded::new(Tasks::new()),
        }
    }

    /// How many items the ring holds at most.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let ring: parkq::Ring<u8> = parkq::Ring::new(5);
    /// assert_eq!(ring.capacity(), 5);
    /// ```
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// The position after `pos` (within the same lap, or the first of the next lap).
    fn next_position(&self, pos: usize) -> usize {
        let index = pos & (self.mark_bit - 1);
        if index + 1 < self.cap {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    /// How many positions come before `pos` (its mark bit ignored): the number of
    /// pushes (for `tail`) or pops (for `head`) ever claimed.
    fn count(&self, pos: usize) -> usize {
        // A shift, not a division: `one_lap` is a power of two, and a 64-bit `div` would
        // cost `task_done` and `len` tens of cycles.
        let laps = pos >> self.lap_shift;
        let index = pos & (self.mark_bit - 1);
        laps.wrapping_mul(self.cap).wrapping_add(index)
    }

    /// One attempt at a push; never waits.
    #[inline]
    fn push_attempt(&self, item: T) -> PushAttempt<T> {
        if self.cap == 1 {
            return self.single_push_attempt(item);
        }
        let mut backoff = Backoff::new();
        // Relaxed: a stale tail only makes the CAS below fail; the slot's stamp, not
        // `tail`, orders the accesses to the item.
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark_bit != 0 {
                return PushAttempt::Closed(item);
            }
            let slot = &self.slots[tail & (self.mark_bit - 1)];
            // Acquire: pairs with the Release store of the consumer that emptied this
            // slot in the previous lap, so our write below comes after its read.
            let stamp = slot.stamp.load(Ordering::Acquire);

            if stamp == tail {
                // The slot is ready for position `tail`: claim the position.
                // Relaxed: the CAS only decides who owns the position; the stamp we just
                // read (Acquire) already ordered the slot for us, and it cannot change
                // again until the owner of `tail` writes it.
                match self.tail.compare_exchange_weak(
                    tail,
                    self.next_position(tail),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        preemption_point();
                        // SAFETY: we own position `tail`: no other thread touches the
                        // value until we publish the stamp below, and the previous
                        // lap's item was moved out (stamp == tail).
                        slot.value.with_mut(|value| unsafe { (*value).write(item) });
                        // Release: publishes the item to the consumer's Acquire load.
                        slot.stamp.store(tail + 1, Ordering::Release);
                        self.poppers.notify();
                        return PushAttempt::Pushed;
                    }
                    Err(current) => {
                        tail = current;
                        backoff.spin();
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds the item of the previous lap. The ring is full if
                // no consumer has claimed it yet; otherwise a consumer is emptying it.
                // Relaxed: the Acquire stamp load above keeps this load after it.
                let head = self.head.load(Ordering::Relaxed);
                if head.wrapping_add(self.one_lap) == tail {
                    return PushAttempt::Full(item);
                }
                return PushAttempt::InFlight(item);
            } else {
                // Another producer claimed `tail` and moved on: reload.
                backoff.spin();
                // Relaxed: as the first load of `tail` above.
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// One attempt at a pop; never waits.
    #[inline]
    fn pop_attempt(&self) -> PopAttempt<T> {
        if self.cap == 1 {
            return self.single_pop_attempt();
        }
        let mut backoff = Backoff::new();
        // Relaxed: as in `push_attempt`.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[head & (self.mark_bit - 1)];
            // Acquire: pairs with the producer's Release store, so its item is visible.
            let stamp = slot.stamp.load(Ordering::Acquire);

            if stamp == head + 1 {
                // The slot holds the item for position `head`: claim the position.
                // Relaxed: as in `push_attempt`.
                match self.head.compare_exchange_weak(
                    head,
                    self.next_position(head),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        preemption_point();
                        // SAFETY: we own position `head`, the producer initialized the
                        // value before its Release store of the stamp we read, and no
                        // other thread touches it until we publish the stamp below.
                        let item = slot
                            .value
                            .with(|value| unsafe { (*value).assume_init_read() });
                        // Release: our read above happens before the next lap's producer
                        // (its Acquire load) overwrites the slot.
                        slot.stamp
                            .store(head.wrapping_add(self.one_lap), Ordering::Release);
                        self.pushers.notify();
                        return PopAttempt::Item(item);
                    }
                    Err(current) => {
                        head = current;
                        backoff.spin();
                    }
                }
            } else if stamp == head {
                // The slot is empty for this lap. The ring is empty if no producer has
                // claimed position `head`; otherwise one is writing it.
                // Relaxed: the Acquire stamp load above keeps this load after it.
                let tail = self.tail.load(Ordering::Relaxed);
                if tail & !self.mark_bit == head {
                    return if tail & self.mark_bit != 0 {
                        PopAttempt::Closed
                    } else {
                        PopAttempt::Empty
                    };
                }
                return PopAttempt::InFlight;
            } else {
                // Another consumer claimed `head` and moved on: reload.
                backoff.spin();
                // Relaxed: as the first load of `head` above.
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// The one-slot ring's state word (capacity 1 only).
    fn state(&self) -> &AtomicUsize {
        &self.slots[0].stamp
    }

    /// `push_attempt` for capacity 1.
    fn single_push_attempt(&self, item: T) -> PushAttempt<T> {
        let mut backoff = Backoff::new();
        let slot = &self.slots[0];
        // Relaxed: only a guess for the CAS below, which orders.
        let mut state = slot.stamp.load(Ordering::Relaxed);
        loop {
            if state & SINGLE_CLOSED != 0 {
                return PushAttempt::Closed(item);
            }
            match state & PHASE {
                EMPTY => {}
                // The slot is claimed by a push: full.
                WRITING | FULL => return PushAttempt::Full(item),
                // A pop is emptying it.
                _ => return PushAttempt::InFlight(item),
            }
            // Acquire: pairs with the Release of the pop that emptied the slot, so our
            // write below comes after its read.
            match slot.stamp.compare_exchange_weak(
                state,
                state | WRITING,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    preemption_point();
                    // SAFETY: we claimed the empty slot: no other thread touches the
                    // value until we publish FULL, and the previous item was moved out.
                    slot.value.with_mut(|value| unsafe { (*value).write(item) });
                    // Release: publishes the item to the pop's Acquire claim. A store:
                    // while the slot is WRITING nobody else changes the word (pushes
                    // and pops only claim EMPTY or FULL, `close` waits for them), so
                    // the value we claimed is still current.
                    slot.stamp.store(state + (FULL - EMPTY), Ordering::Release);
                    self.poppers.notify();
                    return PushAttempt::Pushed;
                }
                Err(current) => {
                    state = current;
                    backoff.spin();
                }
            }
        }
    }

    /// `close` for capacity 1: sets the flag once no push or pop is copying an item
    /// (their publishing stores would overwrite it), waiting for one that is. Returns
    /// whether this call closed the ring.
    fn single_close(&self) -> bool {
        let state = self.state();
        loop {
            // Relaxed: the flag carries no data (see `close`); a guess for the CAS.
            let current = state.load(Ordering::Relaxed);
            if current & SINGLE_CLOSED != 0 {
                return false;
            }
            let copying = match current & PHASE {
                WRITING => &self.poppers,
                READING => &self.pushers,
                _ => {
                    // Relaxed: as the load.
                    if state
                        .compare_exchange(
                            current,
                            current | SINGLE_CLOSED,
                            Ordering::Relaxed,
                            Ordering::Relaxed,
                        )
                        .is_ok()
                    {
                        return true;
                    }
                    continue;
                }
            };
            // A push (or pop) is copying its item: wait until it publishes, which
            // notifies the poppers (or pushers). It is a few instructions from done.
            // Any change of the word will do (the pop count in it rules out ABA).
            wait_until(copying, None, || {
                // Relaxed: as above.
                if state.load(Ordering::Relaxed) == current {
                    Poll::Wait(WaitFor::Completion)
                } else {
                    Poll::Ready(())
                }
            });
        }
    }

    /// `pop_attempt` for capacity 1.
    fn single_pop_attempt(&self) -> PopAttempt<T> {
        let mut backoff = Backoff::new();
        let slot = &self.slots[0];
        // Relaxed: only a guess for the CAS below, which orders.
        let mut state = slot.stamp.load(Ordering::Relaxed);
        loop {
            match state & PHASE {
                FULL => {}
                // A push is writing the slot.
                WRITING => return PopAttempt::InFlight,
                // Empty, or its item already claimed by another pop.
                _ => {
                    return if state & SINGLE_CLOSED != 0 {
                        PopAttempt::Closed
                    } else {
                        PopAttempt::Empty
                    }
                }
            }
            // Acquire: pairs with the push's Release publication of the item.
            match slot.stamp.compare_exchange_weak(
                state,
                state + (READING - FULL),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    preemption_point();
                    // SAFETY: we claimed the full slot: the push initialized the value
                    // before its Release, and no other thread touches it until we
                    // publish EMPTY.
                    let item = slot
                        .value
                        .with(|value| unsafe { (*value).assume_init_read() });
                    // Release: our read happens before the next push's write (its
                    // Acquire claim). READING -> EMPTY with one more pop counted; a
                    // store, as in the push: nobody else changes a READING word.
                    slot.stamp.store(state - FULL + ONE_POP, Ordering::Release);
                    self.pushers.notify();
                    return PopAttempt::Item(item);
                }
                Err(current) => {
                    state = current;
                    backoff.spin();
                }
            }
        }
    }

    /// Pushes `item`, parking while the ring is full, until `deadline` if one is given.
    ///
    /// `Ok(Err(item))` means closed, `Err(item)` means the deadline passed.
    fn push_until(&self, item: T, deadline: Option<Instant>) -> Result<Result<(), T>, T> {
        // Fast path: one attempt, outside the waiting machinery.
        let item = match self.push_attempt(item) {
            PushAttempt::Pushed => return Ok(Ok(())),
            PushAttempt::Closed(item) => return Ok(Err(item)),
            PushAttempt::Full(item) | PushAttempt::InFlight(item) => item,
        };
        let mut item = Some(item);
        let pushed = wait_until(&self.pushers, deadline, || {
            let attempt = self.push_attempt(item.take().expect("item is put back on Wait"));
            match attempt {
                PushAttempt::Pushed => Poll::Ready(Ok(())),
                PushAttempt::Closed(back) => Poll::Ready(Err(back)),
                PushAttempt::Full(back) => {
                    item = Some(back);
                    Poll::Wait(WaitFor::Turn)
                }
                PushAttempt::InFlight(back) => {
                    item = Some(back);
                    Poll::Wait(WaitFor::Completion)
                }
            }
        });
        pushed.ok_or_else(|| item.take().expect("a timed-out push still holds its item"))
    }

    /// Pops an item, parking while the ring is empty, until `deadline` if one is given.
    ///
    /// `Some(None)` means closed and drained, `None` means the deadline passed.
    fn pop_until(&self, deadline: Option<Instant>) -> Option<Option<T>> {
        // Fast path: one attempt, outside the waiting machinery.
        match self.pop_attempt() {
            PopAttempt::Item(item) => return Some(Some(item)),
            PopAttempt::Closed => return Some(None),
            PopAttempt::Empty | PopAttempt::InFlight => {}
        }
        wait_until(&self.poppers, deadline, || match self.pop_attempt() {
            PopAttempt::Item(item) => Poll::Ready(Some(item)),
            PopAttempt::Closed => Poll::Ready(None),
            PopAttempt::Empty => Poll::Wait(WaitFor::Turn),
            PopAttempt::InFlight => Poll::Wait(WaitFor::Completion),
        })
    }

    /// Pushes `item`, parking while the ring is full.
    ///
    /// Returns at once once the item is in. Wakes up as soon as a slot frees or the ring
    /// is closed.
    ///
    /// # Errors
    ///
    /// [`Closed`] with the item if the ring is closed, before or while this call waits.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Ring;
    /// use std::thread;
    ///
    /// let ring = Ring::new(1);
    /// thread::scope(|s| {
    ///     s.spawn(|| {
    ///         ring.push(1).unwrap();
    ///         ring.push(2).unwrap(); // parks until the main thread pops 1
    ///     });
    ///     assert_eq!(ring.pop(), Some(1));
    ///     assert_eq!(ring.pop(), Some(2));
    /// });
    /// ```
    pub fn push(&self, item: T) -> Result<(), Closed<T>> {
        match self.push_until(item, None) {
            Ok(result) => result.map_err(Closed),
            Err(_) => unreachable!("a push with no deadline cannot time out"),
        }
    }

    /// Pushes `item` if there is room, without parking.
    ///
    /// Linearizable: `Full` means the ring really was full at some instant during the
    /// call. If a consumer has claimed the slot this push needs but not yet emptied it,
    /// the call waits for that consumer (briefly; see the module doc on progress).
    ///
    /// # Errors
    ///
    /// - [`TryPushError::Full`] with the item if the ring was full;
    /// - [`TryPushError::Closed`] with the item if the ring is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{Ring, TryPushError};
    ///
    /// let ring = Ring::new(1);
    /// assert_eq!(ring.try_push('a'), Ok(()));
    /// assert_eq!(ring.try_push('b'), Err(TryPushError::Full('b')));
    /// ```
    pub fn try_push(&self, item: T) -> Result<(), TryPushError<T>> {
        // Fast path: only an in-flight slot needs the waiting machinery.
        let item = match self.push_attempt(item) {
            PushAttempt::Pushed => return Ok(()),
            PushAttempt::Full(item) => return Err(TryPushError::Full(item)),
            PushAttempt::Closed(item) => return Err(TryPushError::Closed(item)),
            PushAttempt::InFlight(item) => item,
        };
        let mut item = Some(item);
        let result = wait_until(&self.pushers, None, || {
            match self.push_attempt(item.take().expect("item is put back on Wait")) {
                PushAttempt::Pushed => Poll::Ready(Ok(())),
                PushAttempt::Full(back) => Poll::Ready(Err(TryPushError::Full(back))),
                PushAttempt::Closed(back) => Poll::Ready(Err(TryPushError::Closed(back))),
                PushAttempt::InFlight(back) => {
                    item = Some(back);
                    Poll::Wait(WaitFor::Completion)
                }
            }
        });
        result.expect("a wait with no deadline cannot time out")
    }

    /// Pushes `item`, parking while the ring is full, for at most `timeout`.
    ///
    /// It times out only if the ring was full at the deadline: if the deadline passes
    /// while another thread is still taking an item out of the slot this push needs, the
    /// push waits for it to finish, as [`try_push`](Ring::try_push) does. A timeout too
    /// large to add to the current time means "wait forever".
    ///
    /// # Errors
    ///
    /// - [`PushTimeoutError::Timeout`] with the item if the ring stayed full;
    /// - [`PushTimeoutError::Closed`] with the item if the ring is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PushTimeoutError, Ring};
    /// use std::time::Duration;
    ///
    /// let ring = Ring::new(1);
    /// ring.push_timeout("a", Duration::from_secs(1)).unwrap();
    /// let err = ring.push_timeout("b", Duration::from_millis(10)).unwrap_err();
    /// assert_eq!(err, PushTimeoutError::Timeout("b"));
    /// ```
    pub fn push_timeout(&self, item: T, timeout: Duration) -> Result<(), PushTimeoutError<T>> {
        self.push_until_opt(item, Instant::now().checked_add(timeout))
    }

    /// Pushes `item`, parking while the ring is full, until `deadline`.
    ///
    /// A deadline already passed still makes one attempt.
    ///
    /// # Errors
    ///
    /// As [`push_timeout`](Ring::push_timeout).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Ring;
    /// use std::time::{Duration, Instant};
    ///
    /// let ring = Ring::new(1);
    /// let deadline = Instant::now() + Duration::from_millis(10);
    /// ring.push_deadline(1, deadline).unwrap();
    /// assert!(ring.push_deadline(2, deadline).unwrap_err().is_timeout());
    /// ```
    pub fn push_deadline(&self, item: T, deadline: Instant) -> Result<(), PushTimeoutError<T>> {
        self.push_until_opt(item, Some(deadline))
    }

    fn push_until_opt(
        &self,
        item: T,
        deadline: Option<Instant>,
    ) -> Result<(), PushTimeoutError<T>> {
        match self.push_until(item, deadline) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(item)) => Err(PushTimeoutError::Closed(item)),
            Err(item) => Err(PushTimeoutError::Timeout(item)),
        }
    }

    /// Pops the oldest item, parking while the ring is empty.
    ///
    /// Returns `None` only once the ring is closed and drained, so a worker loop is
    /// `while let Some(item) = ring.pop() { ... }`, ended by [`close`](Ring::close).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Ring;
    ///
    /// let ring = Ring::new(2);
    /// ring.push(7).unwrap();
    /// ring.close();
    /// assert_eq!(ring.pop(), Some(7));
    /// assert_eq!(ring.pop(), None);
    /// ```
    pub fn pop(&self) -> Option<T> {
        self.pop_until(None)
            .expect("a pop with no deadline cannot time out")
    }

    /// Pops the oldest item if there is one, without parking.
    ///
    /// Linearizable: `Empty` means the ring really was empty at some instant during the
    /// call. If a producer has claimed the slot at the head but not yet written it, the
    /// call waits for that producer (briefly; see the module doc on progress).
    ///
    /// # Errors
    ///
    /// - [`TryPopError::Empty`] if the ring was empty but is still open;
    /// - [`TryPopError::Closed`] if the ring is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{Ring, TryPopError};
    ///
    /// let ring = Ring::new(2);
    /// ring.push(1).unwrap();
    /// assert_eq!(ring.try_pop(), Ok(1));
    /// assert_eq!(ring.try_pop(), Err(TryPopError::Empty));
    /// ```
    pub fn try_pop(&self) -> Result<T, TryPopError> {
        // Fast path: only an in-flight slot needs the waiting machinery.
        match self.pop_attempt() {
            PopAttempt::Item(item) => return Ok(item),
            PopAttempt::Empty => return Err(TryPopError::Empty),
            PopAttempt::Closed => return Err(TryPopError::Closed),
            PopAttempt::InFlight => {}
        }
        let result = wait_until(&self.poppers, None, || match self.pop_attempt() {
            PopAttempt::Item(item) => Poll::Ready(Ok(item)),
            PopAttempt::Empty => Poll::Ready(Err(TryPopError::Empty)),
            PopAttempt::Closed => Poll::Ready(Err(TryPopError::Closed)),
            PopAttempt::InFlight => Poll::Wait(WaitFor::Completion),
        });
        result.expect("a wait with no deadline cannot time out")
    }

    /// Pops the oldest item, parking while the ring is empty, for at most `timeout`.
    ///
    /// An item that is ready at the deadline is still taken, and it times out only if
    /// the ring was empty at the deadline: if the deadline passes while another thread
    /// is still writing the item this pop is due, the pop waits for it, as
    /// [`try_pop`](Ring::try_pop) does. A timeout too large to add to the current time
    /// means "wait forever".
    ///
    /// # Errors
    ///
    /// - [`PopTimeoutError::Timeout`] if the ring stayed empty;
    /// - [`PopTimeoutError::Closed`] if the ring is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PopTimeoutError, Ring};
    /// use std::time::Duration;
    ///
    /// let ring = Ring::new(1);
    /// ring.push(5).unwrap();
    /// assert_eq!(ring.pop_timeout(Duration::from_millis(10)), Ok(5));
    /// assert_eq!(ring.pop_timeout(Duration::from_millis(10)), Err(PopTimeoutError::Timeout));
    /// ```
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError> {
        self.pop_until_opt(Instant::now().checked_add(timeout))
    }

    /// Pops the oldest item, parking while the ring is empty, until `deadline`.
    ///
    /// A deadline already passed still makes one attempt.
    ///
    /// # Errors
    ///
    /// As [`pop_timeout`](Ring::pop_timeout).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PopTimeoutError, Ring};
    /// use std::time::Instant;
    ///
    /// let ring: Ring<u8> = Ring::new(1);
    /// assert_eq!(ring.pop_deadline(Instant::now()), Err(PopTimeoutError::Timeout));
    /// ```
    pub fn pop_deadline(&self, deadline: Instant) -> Result<T, PopTimeoutError> {
        self.pop_until_opt(Some(deadline))
    }

    fn pop_until_opt(&self, deadline: Option<Instant>) -> Result<T, PopTimeoutError> {
        match self.pop_until(deadline) {
            Some(Some(item)) => Ok(item),
            Some(None) => Err(PopTimeoutError::Closed),
            None => Err(PopTimeoutError::Timeout),
        }
    }

    /// Closes the ring. Returns `true` if this call closed it, `false` if it already was.
    ///
    /// Every later push fails and hands its item back; threads parked in a push wake at
    /// once and fail the same way. Pops still drain the items inside, then report the
    /// ring closed; threads parked in a pop wake at once. Pushes that had already
    /// claimed a slot when the ring closed complete, and their items are drained too.
    ///
    /// Never blocks for long, with one exception at capacity 1: if a push or a pop is
    /// copying its item into or out of the one slot at that moment, `close` waits for
    /// that copy (a few instructions, unless that thread is preempted) before closing.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Ring;
    ///
    /// let ring = Ring::new(2);
    /// ring.push(1).unwrap();
    /// assert!(ring.close());
    /// assert!(!ring.close());
    /// assert!(ring.push(2).is_err());
    /// assert_eq!(ring.pop(), Some(1));
    /// assert_eq!(ring.pop(), None);
    /// ```
    pub fn close(&self) -> bool {
        // Relaxed: the mark carries no data, and `notify_all` below fences before it
        // looks for parked threads; a parked thread re-reads `tail` after its notifier's
        // Release (see `crate::park`).
        let closed_now = if self.cap == 1 {
            self.single_close()
        } else {
            let tail = self.tail.fetch_or(self.mark_bit, Ordering::Relaxed);
            tail & self.mark_bit == 0
        };
        if closed_now {
            self.pushers.notify_all();
            self.poppers.notify_all();
        }
        closed_now
    }

    /// Whether the ring is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let ring: parkq::Ring<u8> = parkq::Ring::new(1);
    /// assert!(!ring.is_closed());
    /// ring.close();
    /// assert!(ring.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        // Relaxed: a snapshot, ordered with nothing else.
        if self.cap == 1 {
            return self.state().load(Ordering::Relaxed) & SINGLE_CLOSED != 0;
        }
        self.tail.load(Ordering::Relaxed) & self.mark_bit != 0
    }

    /// Closes the ring and takes out every item still inside, oldest first.
    ///
    /// Python's `shutdown(immediate=True)`, except that nothing is dropped silently: the
    /// items come back to the caller. Items taken here count as done for
    /// [`join`](Ring::join). Consumers running at the same time may still take some items
    /// first; each item goes to exactly one of them. Returns an empty vector if the ring
    /// was empty.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Ring;
    ///
    /// let ring = Ring::new(4);
    /// ring.push(1).unwrap();
    /// ring.push(2).unwrap();
    /// assert_eq!(ring.close_and_drain(), vec![1, 2]);
    /// assert!(ring.is_closed());
    /// ring.join(); // the drained items count as done
    /// ```
    pub fn close_and_drain(&self) -> Vec<T> {
        self.close();
        let mut items = Vec::new();
        // After the close no new push can start, and `pop` waits for the ones in flight,
        // so this loop ends with the ring empty.
        while let Some(item) = self.pop() {
            items.push(item);
        }
        self.tasks.mark_done(items.len(), || self.pushed_count());
        items
    }

    /// How many items are in the ring.
    ///
    /// Approximate while other threads push or pop: it is a value the length had at some
    /// point during the call, or between two such values. Never more than the capacity,
    /// never panics.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let ring = parkq::Ring::new(4);
    /// ring.push('x').unwrap();
    /// assert_eq!(ring.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        // Head first: `head <= tail` at every instant and both only grow, so a head read
        // before the tail can never be ahead of it.
        let popped = self.popped_count();
        let pushed = self.pushed_count();
        pushed.saturating_sub(popped).min(self.cap)
    }

    /// Whether the ring is empty. Approximate, like [`len`](Ring::len).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let ring: parkq::Ring<u8> = parkq::Ring::new(4);
    /// assert!(ring.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the ring is full. Approximate, like [`len`](Ring::len).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let ring = parkq::Ring::new(1);
    /// ring.push(()).unwrap();
    /// assert!(ring.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.len() == self.cap
    }

    /// How many pushes have ever claimed a position.
    fn pushed_count(&self) -> usize {
        if self.cap == 1 {
            // Relaxed: as below. Every pop counted, plus the push the slot is claimed
            // by (writing, full or being read).
            let state = self.state().load(Ordering::Relaxed);
            return (state / ONE_POP).wrapping_add(usize::from(state & PHASE != EMPTY));
        }
        // Relaxed: a count, ordered by the callers (see `crate::tasks`).
        self.count(self.tail.load(Ordering::Relaxed) & !self.mark_bit)
    }

    /// How many pops have ever claimed a position.
    fn popped_count(&self) -> usize {
        if self.cap == 1 {
            // Relaxed: as below. Every pop counted, plus the one reading the slot.
            let state = self.state().load(Ordering::Relaxed);
            return (state / ONE_POP).wrapping_add(usize::from(state & PHASE == READING));
        }
        // Relaxed: as above.
        self.count(self.head.load(Ordering::Relaxed))
    }

    /// Marks one popped item as processed (Python's `task_done`).
    ///
    /// Pair each item a worker pops with one call once it has finished with it; then
    /// [`join`](Ring::join) can tell when all the work is done. Costs nothing to users
    /// who never call it.
    ///
    /// # Panics
    ///
    /// If called more times than items have been popped (a caller bug, like Python's
    /// `ValueError`). The count is left unchanged.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Ring;
    /// use std::thread;
    ///
    /// let ring = Ring::new(4);
    /// thread::scope(|s| {
    ///     s.spawn(|| {
    ///         while let Some(n) = ring.pop() {
    ///             let _ = n * 2; // the work
    ///             ring.task_done();
    ///         }
    ///     });
    ///     for n in 0..10 {
    ///         ring.push(n).unwrap();
    ///     }
    ///     ring.join(); // every item pushed has been processed
    ///     ring.close();
    /// });
    /// ```
    pub fn task_done(&self) {
        self.tasks
            .task_done(|| self.popped_count(), || self.pushed_count());
    }

    /// Parks until every item ever pushed has been marked done with
    /// [`task_done`](Ring::task_done) (or taken out by
    /// [`close_and_drain`](Ring::close_and_drain)).
    ///
    /// Returns at once if nothing is outstanding. Closing the ring does not end a
    /// `join`: outstanding items still have to be marked done.
    ///
    /// # Examples
    ///
    /// See [`task_done`](Ring::task_done).
    pub fn join(&self) {
        self.tasks.join(|| self.pushed_count());
    }

    /// A blocking iterator: yields items as [`pop`](Ring::pop) does, and ends once the
    /// ring is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let ring = parkq::Ring::new(4);
    /// ring.push(1).unwrap();
    /// ring.push(2).unwrap();
    /// ring.close();
    /// assert_eq!(ring.iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { ring: self }
    }

    /// A non-blocking iterator: yields items as [`try_pop`](Ring::try_pop) does, and
    /// ends as soon as the ring is empty.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let ring = parkq::Ring::new(4);
    /// ring.push(1).unwrap();
    /// assert_eq!(ring.try_iter().collect::<Vec<_>>(), [1]);
    /// assert_eq!(ring.try_iter().next(), None);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { ring: self }
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // Drops every item still inside, exactly once. If an item's destructor panics,
        // `Rest` keeps dropping the others while unwinding, as `Vec` does.
        struct Rest<'a, T>(&'a Ring<T>);
        impl<T> Drop for Rest<'_, T> {
            fn drop(&mut self) {
                while let PopAttempt::Item(item) = self.0.pop_attempt() {
                    drop(item);
                }
            }
        }
        let rest = Rest(self);
        while let PopAttempt::Item(item) = rest.0.pop_attempt() {
            drop(item);
        }
        std::mem::forget(rest);
    }
}

impl<T> fmt::Debug for Ring<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ring")
            .field("capacity", &self.cap)
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// A blocking iterator over a [`Ring`], created by [`Ring::iter`].
#[derive(Debug)]
pub struct Iter<'a, T> {
    ring: &'a Ring<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.ring.pop()
    }
}

impl<T> FusedIterator for Iter<'_, T> {}

/// A non-blocking iterator over a [`Ring`], created by [`Ring::try_iter`].
#[derive(Debug)]
pub struct TryIter<'a, T> {
    ring: &'a Ring<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.ring.try_pop().ok()
    }
}

/// An owning iterator over a [`Ring`]: yields the items left inside, oldest first.
#[derive(Debug)]
pub struct IntoIter<T> {
    ring: Ring<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self.ring.pop_attempt() {
            PopAttempt::Item(item) => Some(item),
            _ => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // No other thread can reach an owned ring, so `len` is exact.
        let len = self.ring.len();
        (len, Some(len))
    }
}

impl<T> ExactSizeIterator for IntoIter<T> {}
impl<T> FusedIterator for IntoIter<T> {}

impl<T> IntoIterator for Ring<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    /// Takes the items left inside, oldest first.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let ring = parkq::Ring::new(4);
    /// ring.push('a').unwrap();
    /// ring.push('b').unwrap();
    /// assert_eq!(ring.into_iter().collect::<String>(), "ab");
    /// ```
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { ring: self }
    }
}

impl<'a, T> IntoIterator for &'a Ring<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}
