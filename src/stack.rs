//! `Stack<T>`: a lock-free LIFO stack, unbounded or bounded, that blocks by parking.
//!
//! # Algorithm
//!
//! A Treiber stack (R. K. Treiber, *Systems Programming: Coping with Parallelism*, IBM
//! RJ 5118, 1986): a singly linked list of nodes whose top is `head`. A push links a new
//! node on top with one CAS on `head`; a pop swings `head` from the top node to its
//! successor with one CAS. Memory is reclaimed through the crate's reclamation facade
//! (`crate::reclaim`: crossbeam-epoch in production).
//!
//! A push:
//!
//! 1. Allocates a node holding the item.
//! 2. Loads `head`. Closed: fails, handing the item back. Bounded and full (the top
//!    node's `depth` is the capacity): reports full, or parks (see *Blocking*).
//! 3. Points the node's `next` at the top (and its `depth` one above the top's) and
//!    CASes `head` from the top to the node (`Release`: publishes the node's item, `next`
//!    and `depth`). On failure, retries from step 2.
//! 4. Counts the push on `pushed`, and notifies parked poppers (and joiners, see
//!    *Counts*).
//!
//! A pop:
//!
//! 1. Pins (a reclamation guard) and loads `head` (`Acquire`: pairs with the push that
//!    published the top node). Empty: reports empty, or closed if `head` is marked.
//! 2. Reads the top node's `next` and CASes `head` from the top to `next`. On failure,
//!    retries from the value the CAS found.
//! 3. The CAS winner owns the node: it moves the item out, retires the node (freed once
//!    no pinned thread can still read it), counts the pop on `popped`, and, in a bounded
//!    stack, notifies parked pushers.
//!
//! Each operation takes effect at its successful CAS on `head` (a failed push or an
//! empty pop at its load of `head`), so the stack is linearizable, `Full` and `Empty`
//! included.
//!
//! # Why ABA cannot happen
//!
//! The classic Treiber ABA: a popper loads top node `A` and its `next` `B`; meanwhile
//! others pop `A` and `B`, free `A`, and a new push gets `A`'s memory back and links it
//! on top; the first popper's CAS from `A` to `B` then succeeds and installs the freed
//! `B`. Here a node is freed only after every thread that was pinned when it was retired
//! has unpinned. The first popper is pinned from before its load of `A` until after its
//! CAS, so `A`'s memory cannot be reused while it could still compare against it:
//! a `head` equal to `A` during that window is the same node `A`, never a new one at the
//! same address, and its `next` has not changed (a node's `next` is written only before
//! it is published). Pushes do not pin: they never dereference a shared node.
//!
//! # Close
//!
//! The closed mark is the lowest bit of `head` (nodes are at least 2-aligned). A push
//! links with a CAS on `head`, so once the mark is set no push can link: a pop that finds
//! `head` empty and marked knows the stack is closed *and* drained, with nothing in
//! flight to wait for.
//!
//! # Blocking
//!
//! `pop` parks on `poppers` while the stack is empty; a bounded `push` parks on
//! `pushers` while the stack is full. Both use the crate's parking layer: a short
//! bounded spin, then register, re-check, park (`crate::park`). A push notifies
//! `poppers`; a pop from a bounded stack notifies `pushers`; `close` wakes everyone.
//!
//! # Capacity and counts
//!
//! Each node records its `depth`: how many nodes the stack held once it was linked,
//! itself included. Nodes below the top never change while it is linked, so the top's
//! depth is the stack's exact length, read with the same load of `head` the push's CAS
//! then checks: a bounded push (which pins, to read the top) fails as full exactly when
//! the stack was full. An unbounded push neither pins nor reads the top.
//!
//! `pushed` and `popped` count completed pushes and pops, for `len` of an unbounded
//! stack and for `task_done`/`join`. A push is counted just after its CAS, so a pop (and
//! its `task_done`) may be counted first; the push then checks, after counting, whether
//! that makes every task done and wakes `join` if so (`Tasks::push_counted`).

use std::fmt;
use std::iter::FusedIterator;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use crate::backoff::Backoff;
use crate::error::{Closed, PopTimeoutError, PushTimeoutError, TryPopError, TryPushError};
use crate::park::{wait_until, Poll, WaitFor, WaitList};
use crate::reclaim::{self, Liveness, Reclaimer, Retire};
use crate::shim::{AtomicPtr, AtomicUsize, Ordering, UnsafeCell};
use crate::tasks::Tasks;

/// The closed mark: the lowest bit of `head`.
const CLOSED: usize = 1;

/// One item on the stack.
#[repr(align(2))]
struct Node<T> {
    /// The item: written by its push before the node is published, moved out by the one
    /// pop whose CAS unlinks the node.
    item: UnsafeCell<MaybeUninit<T>>,
    /// The node below; written only before the node is published, so it never changes
    /// while another thread can read it.
    next: UnsafeCell<*mut Node<T>>,
    /// How many nodes the stack held once this one was linked (bounded stacks only;
    /// 0 in an unbounded one). Written before publication, like `next`.
    depth: UnsafeCell<usize>,
    /// Checked before every read of a shared node (loom builds only; see `reclaim`).
    liveness: Liveness,
}

impl<T> Retire for Node<T> {
    fn liveness(&self) -> &Liveness {
        &self.liveness
    }
}

/// Whether `head` carries the closed mark.
fn is_closed(head: *mut u8) -> bool {
    head as usize & CLOSED != 0
}

/// `head` without the closed mark: the top node, or null.
fn top_of<T>(head: *mut Node<T>) -> *mut Node<T> {
    // Byte arithmetic keeps the pointer's provenance (no integer-to-pointer cast).
    head.cast::<u8>()
        .wrapping_sub(head as usize & CLOSED)
        .cast()
}

/// `top` with the closed mark.
fn with_mark<T>(top: *mut Node<T>) -> *mut Node<T> {
    top.cast::<u8>().wrapping_add(CLOSED).cast()
}

/// What one pop attempt found.
enum Take<T> {
    Item(T),
    Empty,
    Closed,
}

/// Why a push did not link its item.
enum Refused<T> {
    Full(T),
    Closed(T),
}

/// A lock-free LIFO stack (Python's `queue.LifoQueue`) that parks when it has to wait.
///
/// [`Stack::new`] makes an unbounded stack; [`Stack::bounded`] one that holds at most
/// `capacity` items, whose [`push`](Stack::push) parks while it is full (Python's
/// `maxsize`). Pops take the newest item first. Like [`Ring`](crate::Ring) and
/// [`Queue`](crate::Queue): blocking, non-blocking and timed pushes and pops,
/// [`close`](Stack::close), and [`task_done`](Stack::task_done)/[`join`](Stack::join).
///
/// # Examples
///
/// The seed chapter's LIFO queue:
///
#[doc = crate::example!()]
/// use parkq::Stack;
///
/// let stack = Stack::new();
/// for word in ["first", "second", "third"] {
///     stack.push(word).unwrap();
/// }
/// let mut order = vec![];
/// while let Ok(word) = stack.try_pop() {
///     order.push(word);
/// }
/// assert_eq!(order, ["third", "second", "first"]);
/// ```
pub struct Stack<T> {
    /// The top node (null if empty), with the closed mark in its lowest bit.
    head: CachePadded<AtomicPtr<Node<T>>>,
    /// How many pushes have ever completed.
    pushed: CachePadded<AtomicUsize>,
    /// How many pops have ever completed.
    popped: CachePadded<AtomicUsize>,
    /// The most items the stack holds (`usize::MAX`: unbounded).
    capacity: usize,
    /// Frees unlinked nodes once no pinned thread can read them.
    reclaim: Reclaimer,
    /// Threads waiting for an item.
    poppers: WaitList,
    /// Threads waiting for room (bounded stacks only).
    pushers: WaitList,
    /// `task_done`/`join` bookkeeping.
    tasks: CachePadded<Tasks>,
    /// The stack owns `T`s.
    _items: PhantomData<T>,
}

// SAFETY: each item goes from exactly one pusher to exactly one popper, possibly on
// another thread, so `T: Send` is what it needs; the push's Release CAS and the pop's
// Acquire load order every access to a node, and nodes are freed only after every
// thread that could read them has unpinned (see the module doc).
unsafe impl<T: Send> Send for Stack<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Stack<T> {}

impl<T> Default for Stack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Stack<T> {
    /// Creates an empty, unbounded stack. Allocates nothing until the first push.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Stack;
    ///
    /// let stack: Stack<String> = Stack::new();
    /// assert!(stack.is_empty());
    /// assert_eq!(stack.capacity(), None);
    /// ```
    pub fn new() -> Stack<T> {
        Self::with_capacity(usize::MAX)
    }

    /// Creates an empty stack that holds at most `capacity` items (Python's
    /// `LifoQueue(maxsize)`): [`push`](Stack::push) parks while it is full.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero (for a rendezvous, use a `bounded(0)` channel) or
    /// `usize::MAX` (use [`Stack::new`]).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{Stack, TryPushError};
    ///
    /// let stack = Stack::bounded(1);
    /// stack.push(1).unwrap();
    /// assert_eq!(stack.try_push(2), Err(TryPushError::Full(2)));
    /// assert_eq!(stack.capacity(), Some(1));
    /// ```
    pub fn bounded(capacity: usize) -> Stack<T> {
        assert!(
            capacity > 0,
            "Stack capacity must be at least 1 (for a rendezvous, use a bounded(0) channel)"
        );
        assert!(
            capacity < usize::MAX,
            "Stack capacity usize::MAX is unbounded: use Stack::new()"
        );
        Self::with_capacity(capacity)
    }

    fn with_capacity(capacity: usize) -> Stack<T> {
        Stack {
            head: CachePadded::new(AtomicPtr::new(ptr::null_mut())),
            pushed: CachePadded::new(AtomicUsize::new(0)),
            popped: CachePadded::new(AtomicUsize::new(0)),
            capacity,
            reclaim: Reclaimer::new(),
            poppers: WaitList::new(),
            pushers: WaitList::new(),
            tasks: CachePadded::new(Tasks::new()),
            _items: PhantomData,
        }
    }

    /// The most items the stack holds: `None` if it is unbounded.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// assert_eq!(parkq::Stack::<u8>::bounded(3).capacity(), Some(3));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        (self.capacity != usize::MAX).then_some(self.capacity)
    }

    fn is_bounded(&self) -> bool {
        self.capacity != usize::MAX
    }

    // ----------------------------------------------------------------------------------
    // The lock-free core

    /// One push attempt: links `item` on top, unless the stack is closed or full.
    fn link(&self, item: T) -> Result<(), Refused<T>> {
        let node = reclaim::new_node(Node {
            item: UnsafeCell::new(MaybeUninit::new(item)),
            next: UnsafeCell::new(ptr::null_mut()),
            depth: UnsafeCell::new(0),
            liveness: Liveness::new(),
        });
        // A bounded push reads the top node's depth: it must be pinned to dereference it.
        let guard = self.is_bounded().then(|| self.reclaim.pin());
        let mut backoff = Backoff::new();
        // Acquire if bounded: pairs with the Release CAS that published the top node (as
        // in `take`), so its depth is visible. Unbounded: Relaxed, the push never reads
        // through `head`; the CAS decides.
        let mut head = if guard.is_some() {
            self.head.load(Ordering::Acquire)
        } else {
            self.head.load(Ordering::Relaxed)
        };
        loop {
            let top = top_of(head);
            // Closed, or full: hand the item back. (`Some(true)`: full.)
            let full = if is_closed(head.cast()) {
                Some(false)
            } else if guard.is_some() {
                let depth = if top.is_null() {
                    0
                } else {
                    // SAFETY: pinned (`guard`) since before `top` was loaded.
                    let top = unsafe { node_ref(top) };
                    top.liveness.check();
                    // SAFETY: `depth` is immutable once published.
                    top.depth.with(|depth| unsafe { *depth })
                };
                // SAFETY: `node` is not published yet: we own it.
                let owned = unsafe { node_ref(node) };
                // SAFETY: as above: nobody else can access `depth` yet.
                owned.depth.with_mut(|d| unsafe { *d = depth + 1 });
                (depth >= self.capacity).then_some(true)
            } else {
                None
            };
            if let Some(full) = full {
                // SAFETY: `node` was never published: we own it.
                let owned = unsafe { node_ref(node) };
                // SAFETY: the item was written above and never moved out.
                let item = owned
                    .item
                    .with(|item| unsafe { ptr::read(item).assume_init() });
                // SAFETY: never published, freed once; its item was moved out (the
                // item cell is `MaybeUninit`, so freeing drops nothing).
                unsafe { reclaim::free_unshared(node) };
                return Err(if full {
                    Refused::Full(item)
                } else {
                    Refused::Closed(item)
                });
            }
            // SAFETY: `node` is not published yet: we own it and are its only user.
            let owned = unsafe { node_ref(node) };
            // SAFETY: as above: nobody else can access `next` yet.
            owned.next.with_mut(|next| unsafe { *next = top });
            // Release: publishes the node's item, `next` and `depth` to the pop that
            // loads it (and, through the release sequence of later CASes on `head`, to
            // every thread that reaches it later). Acquire on failure: a bounded push
            // reads the new top's depth next (as the load above; an unbounded push
            // would need only Relaxed, and pays nothing for it on x86).
            match self
                .head
                .compare_exchange_weak(head, node, Ordering::Release, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(current) => {
                    head = current;
                    backoff.spin();
                }
            }
        }
        drop(guard);
        // SeqCst: one of the four accesses `Tasks::push_counted` explains (a pop and its
        // `task_done` may be counted before this push).
        // audit: keep - production pairing of two notifiers; under loom the handshake's
        // fence(SeqCst) already orders it, so no model can tell it from Relaxed.
        self.pushed.fetch_add(1, Ordering::SeqCst);
        self.tasks.push_counted(|| self.pushed_count());
        self.poppers.notify();
        Ok(())
    }

    /// One pop attempt.
    fn take(&self) -> Take<T> {
        let guard = self.reclaim.pin();
        let mut backoff = Backoff::new();
        // Acquire: pairs with the Release CAS of the push that published the top node
        // (directly, or through the release sequence of later CASes on `head`), so its
        // item and `next` are visible.
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            let top = top_of(head);
            if top.is_null() {
                return if is_closed(head.cast()) {
                    Take::Closed
                } else {
                    Take::Empty
                };
            }
            // SAFETY: pinned (`guard`) since before `top` was loaded from `head`.
            let node = unsafe { node_ref(top) };
            node.liveness.check();
            // SAFETY: pinned since before `top` was loaded, so the node is allocated;
            // `next` is immutable once published.
            let next = node.next.with(|next| unsafe { *next });
            // The new head keeps the closed mark if `head` had it.
            let new_head = if is_closed(head.cast()) {
                with_mark(next)
            } else {
                next
            };
            // Relaxed on success: the load (or failed CAS) that returned `head`
            // already acquired the node; our CAS continues the release sequence for
            // the pops after us. Acquire on failure: we read the new top next.
            match self.head.compare_exchange_weak(
                head,
                new_head,
                Ordering::Relaxed,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // SAFETY: our CAS unlinked the node: we alone move its item out.
                    let item = node
                        .item
                        .with(|item| unsafe { ptr::read(item).assume_init() });
                    // SAFETY: unlinked (no thread can load it anew), retired once, and
                    // its item has just been moved out.
                    unsafe { guard.retire(top) };
                    drop(guard);
                    // Relaxed: a count (see `crate::tasks`).
                    self.popped.fetch_add(1, Ordering::Relaxed);
                    if self.is_bounded() {
                        self.pushers.notify();
                    }
                    return Take::Item(item);
                }
                Err(current) => {
                    head = current;
                    backoff.spin();
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // Pushes

    /// Pushes `item` on top, parking while a bounded stack is full. An unbounded stack
    /// never parks here.
    ///
    /// # Errors
    ///
    /// [`Closed`] with the item if the stack is closed, before or while this call waits.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Stack;
    /// use std::thread;
    ///
    /// let stack = Stack::bounded(1);
    /// thread::scope(|s| {
    ///     s.spawn(|| {
    ///         stack.push(1).unwrap();
    ///         stack.push(2).unwrap(); // parks until the main thread pops 1
    ///     });
    ///     assert_eq!(stack.pop(), Some(1));
    ///     assert_eq!(stack.pop(), Some(2));
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
    /// # Errors
    ///
    /// - [`TryPushError::Full`] with the item if a bounded stack was full;
    /// - [`TryPushError::Closed`] with the item if the stack is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{Stack, TryPushError};
    ///
    /// let stack = Stack::bounded(1);
    /// assert_eq!(stack.try_push('a'), Ok(()));
    /// assert_eq!(stack.try_push('b'), Err(TryPushError::Full('b')));
    /// stack.close();
    /// assert_eq!(stack.try_push('c'), Err(TryPushError::Closed('c')));
    /// ```
    pub fn try_push(&self, item: T) -> Result<(), TryPushError<T>> {
        self.link(item).map_err(|refused| match refused {
            Refused::Full(item) => TryPushError::Full(item),
            Refused::Closed(item) => TryPushError::Closed(item),
        })
    }

    /// Pushes `item`, parking while a bounded stack is full, for at most `timeout`.
    ///
    /// Room that frees up by the deadline is still used. A timeout too large to add to
    /// the current time means "wait forever".
    ///
    /// # Errors
    ///
    /// - [`PushTimeoutError::Timeout`] with the item if the stack stayed full;
    /// - [`PushTimeoutError::Closed`] with the item if the stack is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PushTimeoutError, Stack};
    /// use std::time::Duration;
    ///
    /// let stack = Stack::bounded(1);
    /// stack.push(1).unwrap();
    /// let full = stack.push_timeout(2, Duration::from_millis(10));
    /// assert_eq!(full, Err(PushTimeoutError::Timeout(2)));
    /// ```
    pub fn push_timeout(&self, item: T, timeout: Duration) -> Result<(), PushTimeoutError<T>> {
        self.push_until_result(item, Instant::now().checked_add(timeout))
    }

    /// Pushes `item`, parking while a bounded stack is full, until `deadline`.
    ///
    /// A deadline already passed still makes one attempt.
    ///
    /// # Errors
    ///
    /// As [`push_timeout`](Stack::push_timeout).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PushTimeoutError, Stack};
    /// use std::time::Instant;
    ///
    /// let stack = Stack::bounded(1);
    /// assert_eq!(stack.push_deadline(1, Instant::now()), Ok(()));
    /// assert_eq!(stack.push_deadline(2, Instant::now()), Err(PushTimeoutError::Timeout(2)));
    /// ```
    pub fn push_deadline(&self, item: T, deadline: Instant) -> Result<(), PushTimeoutError<T>> {
        self.push_until_result(item, Some(deadline))
    }

    fn push_until_result(
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

    /// Pushes, parking for room until `deadline`. `Err(item)`: timed out;
    /// `Ok(Err(item))`: closed.
    fn push_until(&self, item: T, deadline: Option<Instant>) -> Result<Result<(), T>, T> {
        let item = match self.link(item) {
            Ok(()) => return Ok(Ok(())),
            Err(Refused::Closed(item)) => return Ok(Err(item)),
            Err(Refused::Full(item)) => item,
        };
        // The attempt owns the item between tries; what it holds at the end comes back.
        let mut item = Some(item);
        let outcome = wait_until(&self.pushers, deadline, || {
            match self.link(item.take().expect("the item is back after each try")) {
                Ok(()) => Poll::Ready(Ok(())),
                Err(Refused::Closed(back)) => Poll::Ready(Err(back)),
                Err(Refused::Full(back)) => {
                    item = Some(back);
                    Poll::Wait(WaitFor::Turn)
                }
            }
        });
        match outcome {
            Some(result) => Ok(result),
            None => Err(item.expect("a timed-out push still holds its item")),
        }
    }

    // ----------------------------------------------------------------------------------
    // Pops

    /// Pops the newest item, parking while the stack is empty. Returns `None` once the
    /// stack is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Stack;
    /// use std::thread;
    ///
    /// let stack = Stack::new();
    /// thread::scope(|s| {
    ///     s.spawn(|| stack.push("hello").unwrap());
    ///     assert_eq!(stack.pop(), Some("hello")); // parks until the push
    /// });
    /// stack.close();
    /// assert_eq!(stack.pop(), None);
    /// ```
    pub fn pop(&self) -> Option<T> {
        self.pop_until(None)
            .expect("a pop with no deadline cannot time out")
    }

    /// Pops the newest item if there is one, without parking.
    ///
    /// # Errors
    ///
    /// - [`TryPopError::Empty`] if the stack was empty but is still open;
    /// - [`TryPopError::Closed`] if the stack is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{Stack, TryPopError};
    ///
    /// let stack = Stack::new();
    /// stack.push(1).unwrap();
    /// stack.push(2).unwrap();
    /// assert_eq!(stack.try_pop(), Ok(2));
    /// assert_eq!(stack.try_pop(), Ok(1));
    /// assert_eq!(stack.try_pop(), Err(TryPopError::Empty));
    /// ```
    pub fn try_pop(&self) -> Result<T, TryPopError> {
        match self.take() {
            Take::Item(item) => Ok(item),
            Take::Empty => Err(TryPopError::Empty),
            Take::Closed => Err(TryPopError::Closed),
        }
    }

    /// Pops the newest item, parking while the stack is empty, for at most `timeout`.
    ///
    /// An item that is ready at the deadline is still taken. A timeout too large to add
    /// to the current time means "wait forever".
    ///
    /// # Errors
    ///
    /// - [`PopTimeoutError::Timeout`] if the stack stayed empty;
    /// - [`PopTimeoutError::Closed`] if the stack is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PopTimeoutError, Stack};
    /// use std::time::Duration;
    ///
    /// let stack = Stack::new();
    /// stack.push(5).unwrap();
    /// assert_eq!(stack.pop_timeout(Duration::from_millis(10)), Ok(5));
    /// assert_eq!(stack.pop_timeout(Duration::from_millis(10)), Err(PopTimeoutError::Timeout));
    /// ```
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError> {
        self.pop_until_result(Instant::now().checked_add(timeout))
    }

    /// Pops the newest item, parking while the stack is empty, until `deadline`.
    ///
    /// A deadline already passed still makes one attempt.
    ///
    /// # Errors
    ///
    /// As [`pop_timeout`](Stack::pop_timeout).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PopTimeoutError, Stack};
    /// use std::time::Instant;
    ///
    /// let stack: Stack<u8> = Stack::new();
    /// assert_eq!(stack.pop_deadline(Instant::now()), Err(PopTimeoutError::Timeout));
    /// ```
    pub fn pop_deadline(&self, deadline: Instant) -> Result<T, PopTimeoutError> {
        self.pop_until_result(Some(deadline))
    }

    fn pop_until_result(&self, deadline: Option<Instant>) -> Result<T, PopTimeoutError> {
        match self.pop_until(deadline) {
            Some(Some(item)) => Ok(item),
            Some(None) => Err(PopTimeoutError::Closed),
            None => Err(PopTimeoutError::Timeout),
        }
    }

    /// Pops, parking while empty until `deadline`. `None`: timed out; `Some(None)`:
    /// closed and drained.
    fn pop_until(&self, deadline: Option<Instant>) -> Option<Option<T>> {
        match self.take() {
            Take::Item(item) => return Some(Some(item)),
            Take::Closed => return Some(None),
            Take::Empty => {}
        }
        wait_until(&self.poppers, deadline, || match self.take() {
            Take::Item(item) => Poll::Ready(Some(item)),
            Take::Closed => Poll::Ready(None),
            Take::Empty => Poll::Wait(WaitFor::Turn),
        })
    }

    // ----------------------------------------------------------------------------------
    // Close, length, tasks, iterators

    /// Closes the stack. Returns `true` if this call closed it, `false` if it already was.
    ///
    /// Every later push fails and hands its item back. Pops still drain the items
    /// inside (newest first), then report the stack closed; parked threads wake at once.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Stack;
    ///
    /// let stack = Stack::new();
    /// stack.push(1).unwrap();
    /// assert!(stack.close());
    /// assert!(!stack.close());
    /// assert!(stack.push(2).is_err());
    /// assert_eq!(stack.pop(), Some(1));
    /// assert_eq!(stack.pop(), None);
    /// ```
    pub fn close(&self) -> bool {
        // Relaxed: the mark carries no data (the notifications below fence before they
        // look for parked threads, and a parked thread re-reads `head` after its
        // notifier's Release; see `crate::park`). Relaxed on failure: we retry.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            if is_closed(head.cast()) {
                return false;
            }
            match self.head.compare_exchange_weak(
                head,
                with_mark(head),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(current) => head = current,
            }
        }
        self.poppers.notify_all();
        self.pushers.notify_all();
        true
    }

    /// Whether the stack is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let stack: parkq::Stack<u8> = parkq::Stack::new();
    /// assert!(!stack.is_closed());
    /// stack.close();
    /// assert!(stack.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        // Relaxed: a snapshot, ordered with nothing else.
        is_closed(self.head.load(Ordering::Relaxed).cast())
    }

    /// Closes the stack and takes out every item still inside, newest first.
    ///
    /// Python's `shutdown(immediate=True)`, except that nothing is dropped silently: the
    /// items come back to the caller. Items taken here count as done for
    /// [`join`](Stack::join). Consumers running at the same time may still take some
    /// items first; each item goes to exactly one of them.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Stack;
    ///
    /// let stack = Stack::new();
    /// stack.push(1).unwrap();
    /// stack.push(2).unwrap();
    /// assert_eq!(stack.close_and_drain(), vec![2, 1]);
    /// assert!(stack.is_closed());
    /// stack.join(); // the drained items count as done
    /// ```
    pub fn close_and_drain(&self) -> Vec<T> {
        self.close();
        let mut items = Vec::new();
        // After the close no push can link, so this loop ends with the stack empty.
        while let Take::Item(item) = self.take() {
            items.push(item);
        }
        self.tasks.mark_done(items.len(), || self.pushed_count());
        items
    }

    /// How many items are in the stack.
    ///
    /// Exact for a bounded stack (the top node's depth, read at one instant). For an
    /// unbounded stack it is computed from the push and pop counts, and approximate
    /// while other threads push or pop. Never panics, never underflows.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let stack = parkq::Stack::new();
    /// stack.push('x').unwrap();
    /// assert_eq!(stack.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        if self.is_bounded() {
            let _guard = self.reclaim.pin();
            // Acquire: as in `take`: the top's depth is visible.
            let top = top_of(self.head.load(Ordering::Acquire));
            if top.is_null() {
                return 0;
            }
            // SAFETY: pinned since before `top` was loaded.
            let top = unsafe { node_ref(top) };
            top.liveness.check();
            // SAFETY: `depth` is immutable once published.
            return top.depth.with(|depth| unsafe { *depth });
        }
        // A push is counted after its pop may have been: saturate.
        let popped = self.popped_count();
        self.pushed_count().saturating_sub(popped)
    }

    /// Whether the stack is empty. Approximate, like [`len`](Stack::len).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let stack: parkq::Stack<u8> = parkq::Stack::new();
    /// assert!(stack.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a bounded stack is full (always `false` for an unbounded one).
    /// Approximate, like [`len`](Stack::len).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let stack = parkq::Stack::bounded(1);
    /// stack.push(()).unwrap();
    /// assert!(stack.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.is_bounded() && self.len() >= self.capacity
    }

    /// How many pushes have ever completed.
    fn pushed_count(&self) -> usize {
        // SeqCst: read by `task_done` after its count; see `Tasks::push_counted`. (A
        // plain load on x86.)
        // audit: keep - as the `fetch_add` in `link`.
        self.pushed.load(Ordering::SeqCst)
    }

    /// How many pops have ever completed.
    fn popped_count(&self) -> usize {
        // Relaxed: as above.
        self.popped.load(Ordering::Relaxed)
    }

    /// Marks one popped item as processed (Python's `task_done`).
    ///
    /// Pair each item a worker pops with one call once it has finished with it; then
    /// [`join`](Stack::join) can tell when all the work is done.
    ///
    /// # Panics
    ///
    /// If called more times than items have been popped (a caller bug, like Python's
    /// `ValueError`). The count is left unchanged.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Stack;
    /// use std::thread;
    ///
    /// let stack = Stack::new();
    /// thread::scope(|s| {
    ///     s.spawn(|| {
    ///         while let Some(n) = stack.pop() {
    ///             let _ = n * 2; // the work
    ///             stack.task_done();
    ///         }
    ///     });
    ///     for n in 0..10 {
    ///         stack.push(n).unwrap();
    ///     }
    ///     stack.join(); // every item pushed has been processed
    ///     stack.close();
    /// });
    /// ```
    pub fn task_done(&self) {
        self.tasks
            .task_done(|| self.popped_count(), || self.pushed_count());
    }

    /// Parks until every item ever pushed has been marked done with
    /// [`task_done`](Stack::task_done) (or taken out by
    /// [`close_and_drain`](Stack::close_and_drain)).
    ///
    /// Returns at once if nothing is outstanding. Closing the stack does not end a
    /// `join`: outstanding items still have to be marked done.
    ///
    /// # Examples
    ///
    /// See [`task_done`](Stack::task_done).
    pub fn join(&self) {
        self.tasks.join(|| self.pushed_count());
    }

    /// A blocking iterator: yields items as [`pop`](Stack::pop) does, and ends once the
    /// stack is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let stack = parkq::Stack::new();
    /// stack.push(1).unwrap();
    /// stack.push(2).unwrap();
    /// stack.close();
    /// assert_eq!(stack.iter().collect::<Vec<_>>(), [2, 1]);
    /// ```
    pub fn iter(&self) -> StackIter<'_, T> {
        StackIter { stack: self }
    }

    /// A non-blocking iterator: yields items as [`try_pop`](Stack::try_pop) does, and
    /// ends as soon as the stack is empty.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let stack = parkq::Stack::new();
    /// stack.push(1).unwrap();
    /// assert_eq!(stack.try_iter().collect::<Vec<_>>(), [1]);
    /// assert_eq!(stack.try_iter().next(), None);
    /// ```
    pub fn try_iter(&self) -> StackTryIter<'_, T> {
        StackTryIter { stack: self }
    }

    /// Pops with exclusive access: unlinks the top node directly (no CAS, no guard).
    fn pop_owned(&mut self) -> Option<T> {
        // Relaxed (here and below): exclusive access.
        let head = self.head.load(Ordering::Relaxed);
        let top = top_of(head);
        if top.is_null() {
            return None;
        }
        // SAFETY: exclusive access: the node is ours, allocated and published.
        let node = unsafe { node_ref(top) };
        // SAFETY: as above.
        let next = node.next.with(|next| unsafe { *next });
        let new_head = if is_closed(head.cast()) {
            with_mark(next)
        } else {
            next
        };
        self.head.store(new_head, Ordering::Relaxed);
        self.popped.fetch_add(1, Ordering::Relaxed);
        // SAFETY: a linked node holds its item.
        let item = node
            .item
            .with(|item| unsafe { ptr::read(item).assume_init() });
        // SAFETY: exclusive access, so no other thread can reach the node; unlinked
        // above, freed once, its item moved out.
        unsafe { reclaim::free_unshared(top) };
        Some(item)
    }
}

/// A shared reference to a node.
///
/// # Safety
///
/// The caller holds a reclamation guard taken before it loaded `node` from `head`, or
/// owns the node (not yet published, or exclusive access to the stack); either way the
/// node stays allocated while the reference is used.
unsafe fn node_ref<'a, T>(node: *mut Node<T>) -> &'a Node<T> {
    // SAFETY: the caller's contract.
    unsafe { &*node }
}

impl<T> Drop for Stack<T> {
    fn drop(&mut self) {
        // Drops every item still inside, exactly once, and frees every node. If an item's
        // destructor panics, `Rest` keeps going while unwinding, as `Vec` does.
        struct Rest<'a, T>(&'a mut Stack<T>);
        impl<T> Drop for Rest<'_, T> {
            fn drop(&mut self) {
                while let Some(item) = self.0.pop_owned() {
                    drop(item);
                }
            }
        }
        let rest = Rest(self);
        while let Some(item) = rest.0.pop_owned() {
            drop(item);
        }
    }
}

impl<T> fmt::Debug for Stack<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// A blocking iterator over a [`Stack`], created by [`Stack::iter`].
#[derive(Debug)]
pub struct StackIter<'a, T> {
    stack: &'a Stack<T>,
}

impl<T> Iterator for StackIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.stack.pop()
    }
}

impl<T> FusedIterator for StackIter<'_, T> {}

/// A non-blocking iterator over a [`Stack`], created by [`Stack::try_iter`].
#[derive(Debug)]
pub struct StackTryIter<'a, T> {
    stack: &'a Stack<T>,
}

impl<T> Iterator for StackTryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.stack.try_pop().ok()
    }
}

/// An owning iterator over a [`Stack`]: yields the items left inside, newest first.
#[derive(Debug)]
pub struct StackIntoIter<T> {
    stack: Stack<T>,
}

impl<T> Iterator for StackIntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.stack.pop_owned()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // No other thread can reach an owned stack, so `len` is exact.
        let len = self.stack.len();
        (len, Some(len))
    }
}

impl<T> ExactSizeIterator for StackIntoIter<T> {}
impl<T> FusedIterator for StackIntoIter<T> {}

impl<T> IntoIterator for Stack<T> {
    type Item = T;
    type IntoIter = StackIntoIter<T>;

    /// Takes the items left inside, newest first.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let stack = parkq::Stack::new();
    /// stack.push('a').unwrap();
    /// stack.push('b').unwrap();
    /// assert_eq!(stack.into_iter().collect::<String>(), "ba");
    /// ```
    fn into_iter(self) -> StackIntoIter<T> {
        StackIntoIter { stack: self }
    }
}

impl<'a, T> IntoIterator for &'a Stack<T> {
    type Item = T;
    type IntoIter = StackIter<'a, T>;

    fn into_iter(self) -> StackIter<'a, T> {
        self.iter()
    }
}
