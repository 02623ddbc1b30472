//! `Queue<T>`: an unbounded multi-producer multi-consumer FIFO queue.
//!
//! # Algorithm
//!
//! A segmented queue: a singly linked list of *blocks* of [`BLOCK_CAP`] slots. Producers
//! and consumers claim positions with a CAS on `tail` and `head`; a position names a block
//! (its *lap*) and a slot in it (its *offset*): `index = lap * LAP + offset`. The layout
//! facts are those of crossbeam's `SegQueue` and list channel (Vyukov-style index
//! reservation, `LAP = BLOCK_CAP + 1`, a slot state word with `WRITE`/`READ`/`DESTROY`
//! bits, and the "last reader destroys" reclamation rule); the code here is this crate's
//! own, built on its shim and parking layer, and it differs where those designs spin or
//! lose a close (see below).
//!
//! Offsets `0..BLOCK_CAP` are slots. Offset `BLOCK_CAP` is the *gap*: an index there means
//! "the last slot of this block was claimed; the next block is being linked in". In `tail`
//! the gap lasts while the producer of the last slot installs the next block; in `head`
//! while the consumer of the last slot moves `head` to the next block. Nobody claims the
//! gap: the thread that made it moves the index past it (to offset 0 of the next lap), and
//! everyone else who sees it waits (briefly spinning, then parking).
//!
//! A push:
//!
//! 1. Loads `tail`. Closed: fail, handing the item back. In the gap: wait for the install.
//! 2. About to claim the block's last slot: takes a block ahead of time (the spare one, or
//!    a new allocation), so that nothing can fail or allocate between claim and install.
//! 3. CAS `tail` one position on. If it claimed the last slot, links the next block:
//!    `block.next`, then `tail.block`, then `tail` past the gap (a `fetch_add`, so a
//!    concurrent close's mark bit is kept).
//! 4. Writes the item, sets `WRITE` in the slot's state, notifies the consumers.
//!
//! A pop:
//!
//! 1. Loads `head`. In the gap: wait for the move. If `head` and `tail` count the same
//!    number of positions, the queue is empty (or closed and drained). If `head` carries
//!    `FILLED`, pushes have claimed every slot of its block: `tail` is not read at all.
//! 2. CAS `head` one position on (adding `FILLED` if the `tail` just read shows the
//!    block's remaining slots all claimed). The claim is final: from here the pop
//!    returns this slot's item.
//! 3. If it claimed the last slot: waits for `block.next`, then stores `head.block` and
//!    moves `head` past the gap, and notifies the consumers waiting on the gap.
//! 4. Waits for `WRITE` (the producer may still be copying its item), reads the item.
//! 5. Releases the slot (see reclamation below).
//!
//! Every wait above (a gap, an unwritten slot, a missing `next`) is for another thread
//! that has already claimed its position and is a few instructions from publishing. It
//! spins with [`Backoff`] for a bounded time, then parks on `poppers` as a
//! [`WaitFor::Completion`] waiter; the publishing thread notifies `poppers` after it
//! publishes, which wakes every such waiter. Nothing spins without bound.
//!
//! # Linearizability
//!
//! A push takes effect at its successful CAS on `tail`, a pop at its CAS on `head`: the
//! order of claims is the FIFO order. `try_pop` reports `Empty` only if `head` and `tail`
//! were equal when it read `tail`, that is when every claimed push had been popped. A
//! push that has returned has claimed, so a later `try_pop` never misses it; if its slot
//! is behind a slower producer's claimed slot, the pop claims that earlier slot and waits
//! for its item (which is FIFO: that push claimed first). For the `Empty` check to be
//! sound, a consumer that sees `head = h` must also see a `tail` at least as new as the
//! one that justified claiming `h - 1`: the head CAS is `Release` (and `head` loads
//! `Acquire`) for exactly that. `FILLED` is such a justification carried in `head`
//! itself: set by a claim whose `tail` showed the rest of the block claimed, it lets the
//! claims after it in that block skip `tail`, and the first claim in the next block reads
//! a `tail` at least as new as the one that set it (the same Release/Acquire chain). The
//! consumer that moves `head` past the gap stores a fresh index, without the flag.
//!
//! # Reclamation (no epochs, no hazard pointers)
//!
//! Each slot's state holds three bits: `WRITE` (the producer has written the item),
//! `READ` (the consumer has taken it and will not touch the block again), `DESTROY` (the
//! block's destruction reached this slot while its consumer was still using it).
//!
//! Invariants:
//!
//! - I1. `tail.block` and `head.block` only change while their index is in the gap, and
//!   they change before the index leaves it; the index is monotonic. So a thread whose
//!   CAS on an index succeeds holds the block pointer that belongs to that index. A
//!   thread never dereferences a block pointer before its claim succeeds (a failed CAS
//!   only retries), so stale pointers in other threads are harmless, and block reuse
//!   causes no ABA: indices never repeat.
//! - I2. A claimed slot keeps its block alive until its consumer sets `READ` (or, for the
//!   last slot, until its consumer starts the destruction). The producer's last access to
//!   the block is its `fetch_or(WRITE)`; the consumer reads only after seeing `WRITE`. The
//!   producer of the last slot links `next` before writing, so the block's successor is
//!   known before the block can die.
//! - I3. Destruction starts once, by the consumer of the last slot, after it has read its
//!   item and moved `head` on. By then every slot of the block has been claimed by some
//!   consumer (claims are in order). It walks slots `0..BLOCK_CAP - 1`: a slot already
//!   `READ` is finished; otherwise it sets `DESTROY` with a `fetch_or`. If that
//!   `fetch_or` found `READ`, the slot finished meanwhile and the walk goes on; if not,
//!   the walk stops and the slot's consumer owns the rest: its own `fetch_or(READ)` will
//!   see `DESTROY` and continue the walk from the next slot.
//!
//! Why that is safe:
//!
//! - No use-after-free: on each slot exactly one of the two `fetch_or`s (the consumer's
//!   `READ`, the destroyer's `DESTROY`) comes second, and only the one that comes second
//!   continues. So the block is freed by the thread that completes the walk, after every
//!   consumer's `READ`; each consumer's last access is that `READ` (I2), every producer's
//!   last access happened before its consumer read (I2), and the `AcqRel` on both
//!   `fetch_or`s chains all those accesses before the free. Threads holding a stale
//!   pointer never dereference it (I1).
//! - No double free: the walk is a single token passed along the slots; exactly one
//!   thread holds it at a time and exactly one ends it.
//! - No leak: every block the indices passed gets a last-slot consumer (every claim
//!   completes), so every walk starts, and every walk ends (each hand-off goes to a
//!   consumer that will finish its read). At drop, `Drop` pops what is left (which
//!   destroys the blocks it passes) and frees the current block and the spare.
//!
//! # Memory
//!
//! A destroyed block is not freed right away: it goes into `spare`, a one-block cache,
//! and the next producer that needs a block takes it from there. So steady-state traffic
//! (fewer than a block's worth of items in flight) cycles between two blocks and never
//! allocates, and after a burst the queue holds the current block and at most one spare.
//! A block is allocated in place (no large temporary on the stack for big `T`).
//!
//! # What differs from crossbeam's designs
//!
//! - Waits for another thread's publication (unwritten slot, gap, `next`) park after a
//!   bounded spin instead of spinning forever (crossbeam #997, #821).
//! - Leaving the gap is a `fetch_add`, not a store, so a close that lands while a block is
//!   being linked in is not overwritten.
//! - The first block is allocated by `new`, so no path has to race to install it.

use std::alloc::{alloc, handle_alloc_error, Layout};
use std::fmt;
use std::iter::FusedIterator;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use crate::backoff::Backoff;
use crate::error::{Closed, PopTimeoutError, TryPopError};
use crate::park::{wait_until, Poll, WaitFor, WaitList};
use crate::shim::{preemption_point, AtomicPtr, AtomicUsize, Ordering, UnsafeCell};
use crate::tasks::Tasks;

/// How many times [`Queue::len`] re-reads the indices for a consistent snapshot before
/// it settles for an estimate: a bound, so `len` never spins under constant traffic.
const LEN_SNAPSHOT_TRIES: usize = 4;

/// Slots per block. Under loom 2, so that a handful of items crosses block boundaries
/// and reaches the reclamation and cache paths.
#[cfg(not(loom))]
const BLOCK_CAP: usize = 31;
#[cfg(loom)]
const BLOCK_CAP: usize = 2;

/// Positions per lap: the slots plus the gap, rounded up to a power of two so that
/// offsets survive index wrap-around. Offsets `BLOCK_CAP + 1..LAP` (none outside loom)
/// are skipped together with the gap.
const LAP: usize = (BLOCK_CAP + 1).next_power_of_two();

/// `head` and `tail` hold `index << SHIFT`; the bit below holds a flag.
const SHIFT: u32 = 1;
/// The flag bit in `tail`: set once the queue is closed.
const CLOSED: usize = 1;
/// The flag bit in `head`: every slot of the block `head` is in has been claimed by a
/// push, so until `head` leaves the block a pop cannot find the queue empty and need not
/// read `tail` (whose cache line the producers keep writing).
const FILLED: usize = 1;

/// Slot state: the producer has written the item.
const WRITE: usize = 1;
/// Slot state: the consumer has taken the item and will not touch the block again.
const READ: usize = 2;
/// Slot state: the block's destruction stopped here, waiting for this slot's consumer.
const DESTROY: usize = 4;

/// The offset (slot, or `BLOCK_CAP` for the gap) of an index.
#[inline]
fn offset_of(index: usize) -> usize {
    index % LAP
}

/// The index of offset 0 in the lap after `index`'s.
#[inline]
fn next_lap(index: usize) -> usize {
    (index | (LAP - 1)).wrapping_add(1)
}

/// How many slots come before `index`: the gap counts as the next lap's offset 0, so an
/// index and the one past its gap count the same.
#[inline]
fn count(index: usize) -> usize {
    (index / LAP)
        .wrapping_mul(BLOCK_CAP)
        .wrapping_add(offset_of(index).min(BLOCK_CAP))
}

/// One slot of a block.
struct Slot<T> {
    /// The item, initialized from the producer's write until the consumer's read.
    value: UnsafeCell<MaybeUninit<T>>,
    /// `WRITE | READ | DESTROY` bits (see the module doc); 0 in a fresh block.
    state: AtomicUsize,
}

/// A block of slots, one link of the queue's list.
struct Block<T> {
    /// The block after this one: null until the producer of this block's last slot links
    /// it in.
    next: AtomicPtr<Block<T>>,
    /// The slots, claimed in order.
    slots: [Slot<T>; BLOCK_CAP],
    /// Under loom only: `false` while the block is free (in the spare cache or freed).
    /// Every access to the block first reads it and the reclamation writes it, both
    /// through a loom-tracked cell, so an access that is not ordered before the block's
    /// reclamation (a use-after-free) is reported as a data race.
    #[cfg(loom)]
    alive: UnsafeCell<bool>,
}

impl<T> Block<T> {
    /// Allocates an empty block (every state 0, no `next`), initialized in place.
    fn alloc() -> *mut Block<T> {
        let layout = Layout::new::<Block<T>>();
        // SAFETY: a block holds atomics, so its layout is not zero-sized.
        let block = unsafe { alloc(layout) }.cast::<Block<T>>();
        if block.is_null() {
            handle_alloc_error(layout);
        }
        // SAFETY: `block` is valid for writes of a `Block<T>` and aligned for it; each
        // field is written once through a raw place, without reading or referencing the
        // uninitialized memory. The values stay uninitialized (`MaybeUninit`).
        unsafe {
            ptr::addr_of_mut!((*block).next).write(AtomicPtr::new(ptr::null_mut()));
            #[cfg(loom)]
            ptr::addr_of_mut!((*block).alive).write(UnsafeCell::new(true));
            for i in 0..BLOCK_CAP {
                let slot = ptr::addr_of_mut!((*block).slots[i]);
                ptr::addr_of_mut!((*slot).state).write(AtomicUsize::new(0));
                ptr::addr_of_mut!((*slot).value).write(UnsafeCell::new(MaybeUninit::uninit()));
            }
        }
        block
    }

    /// Under loom, asserts that `block` is alive, as a tracked read (see `alive`).
    #[inline(always)]
    fn check_alive(_block: *const Block<T>) {
        #[cfg(loom)]
        // SAFETY: only called where the caller believes the block alive; if it is not,
        // loom reports the race on `alive` before anything else happens.
        unsafe {
            (*_block)
                .alive
                .with(|alive| assert!(*alive, "use of a reclaimed block"));
        }
    }

    /// Under loom, marks `block` alive (`true`) or reclaimed (`false`): a tracked write.
    #[inline(always)]
    fn set_alive(_block: *mut Block<T>, _alive: bool) {
        #[cfg(loom)]
        // SAFETY: the caller owns the block exclusively.
        unsafe {
            (*_block).alive.with_mut(|alive| *alive = _alive);
        }
    }

    /// Frees `block` without dropping any item.
    ///
    /// # Safety
    ///
    /// `block` came from [`Block::alloc`], no other thread can reach it any more, and
    /// every item it held has been moved out.
    unsafe fn free(block: *mut Block<T>) {
        // SAFETY: allocated with the global allocator and `Layout::new::<Block<T>>()`,
        // which is what `Box<Block<T>>` frees with; every field is initialized. Dropping
        // the box drops the atomics and cells but no `T` (`MaybeUninit`).
        drop(unsafe { Box::from_raw(block) });
    }
}

/// An end of the queue: a position and the block it points into.
struct End<T> {
    /// The index of the next position to claim, shifted left by `SHIFT`. In `tail` the
    /// low bit is `CLOSED`; in `head` it is `FILLED` (the shift keeps both indices
    /// wrapping at the same point).
    index: AtomicUsize,
    /// The block that `index` points into. Changes only while `index` is in the gap.
    block: AtomicPtr<Block<T>>,
}

/// What a pop's claim found.
enum Claim<T> {
    /// Claimed the slot at `offset` of `block`; `index` is the claimed position.
    Slot {
        block: *mut Block<T>,
        offset: usize,
        index: usize,
    },
    /// Every claimed push has been popped, and the queue is open.
    Empty,
    /// Every claimed push has been popped, and the queue is closed.
    Closed,
    /// `head` is in the gap: another consumer is moving it to the next block.
    Gap,
}

/// An unbounded lock-free multi-producer multi-consumer FIFO queue that blocks by
/// parking.
///
/// Python's `queue.Queue()` (no `maxsize`) for Rust. [`push`](Queue::push) never waits
/// for room; [`pop`](Queue::pop) parks while the queue is empty; [`close`](Queue::close)
/// ends the stream: later pushes fail with the item handed back, and pops drain what is
/// left and then report that the queue is closed. Blocked threads park; none spins
/// without bound.
///
/// Memory grows in blocks of 31 slots and is given back as blocks are consumed, down to
/// the current block and one spare kept for reuse.
///
/// Share it between threads with an [`Arc`](std::sync::Arc) or a scoped thread. For a
/// queue with a bound see [`Ring`](crate::Ring).
///
/// # Examples
///
/// A worker pool: the producer pushes ten jobs, then closes the queue; each worker pops
/// until the queue is closed and drained.
///
#[doc = crate::example!()]
/// use parkq::Queue;
/// use std::thread;
///
/// let queue = Queue::new();
/// thread::scope(|s| {
///     for _ in 0..2 {
///         s.spawn(|| {
///             while let Some(job) = queue.pop() {
///                 println!("task {job} finished");
///             }
///         });
///     }
///     for job in 0..10 {
///         queue.push(job).unwrap();
///     }
///     queue.close();
/// });
/// assert!(queue.is_empty());
/// ```
pub struct Queue<T> {
    /// Where pops claim, and the block they read from.
    head: CachePadded<End<T>>,
    /// Where pushes claim (with the closed mark), and the block they write to.
    tail: CachePadded<End<T>>,
    /// A destroyed block kept for the next producer that needs one; null if none.
    spare: AtomicPtr<Block<T>>,
    /// Threads waiting to pop: for an item ([`WaitFor::Turn`]), or for another thread to
    /// publish what it claimed ([`WaitFor::Completion`]: an unwritten slot, a gap, a
    /// missing `next`; producers waiting on `tail`'s gap wait here too).
    poppers: WaitList,
    /// `task_done`/`join` bookkeeping, on its own cache line (see `Ring`).
    tasks: CachePadded<Tasks>,
    /// The queue owns `T`s.
    _items: PhantomData<T>,
}

// SAFETY: the queue hands each item from exactly one producer to exactly one consumer,
// possibly on another thread, so `T: Send` is what it needs; the slot states'
// Release/Acquire pairs order every access to a slot's value, and blocks are freed only
// after their last access (see the module doc), so shared references are sound.
unsafe impl<T: Send> Send for Queue<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Queue<T> {}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Queue<T> {
    /// Creates an empty queue. Allocates its first block.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Queue;
    ///
    /// let queue: Queue<String> = Queue::new();
    /// assert!(queue.is_empty());
    /// ```
    pub fn new() -> Queue<T> {
        let block = Block::alloc();
        Queue {
            head: CachePadded::new(End {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(block),
            }),
            tail: CachePadded::new(End {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(block),
            }),
            spare: AtomicPtr::new(ptr::null_mut()),
            poppers: WaitList::new(),
            tasks: CachePadded::new(Tasks::new()),
            _items: PhantomData,
        }
    }

    /// A block for the next lap: the spare one if there is one, a new one otherwise.
    fn take_block(&self) -> *mut Block<T> {
        // Relaxed: only a hint to skip the swap when there is nothing to take.
        if !self.spare.load(Ordering::Relaxed).is_null() {
            // Acquire: pairs with the Release CAS in `recycle`, so the reset of the
            // block's states happens before we hand the block out.
            let spare = self.spare.swap(ptr::null_mut(), Ordering::Acquire);
            if !spare.is_null() {
                Block::set_alive(spare, true);
                return spare;
            }
        }
        Block::alloc()
    }

    /// Resets `block` and keeps it as the spare, or frees it if there already is one.
    ///
    /// # Safety
    ///
    /// No other thread can reach `block` any more, and its items have been moved out.
    unsafe fn recycle(&self, block: *mut Block<T>) {
        Block::set_alive(block, false);
        // SAFETY: we own `block` exclusively (caller's contract).
        let b = unsafe { &*block };
        for slot in &b.slots {
            // Relaxed: published by the Release CAS below.
            slot.state.store(0, Ordering::Relaxed);
        }
        // Relaxed: as above.
        b.next.store(ptr::null_mut(), Ordering::Relaxed);
        // Release: pairs with the Acquire swap in `take_block` (see there).
        if self
            .spare
            .compare_exchange(ptr::null_mut(), block, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            // SAFETY: as above; the spare slot was taken, so nobody will see `block`.
            unsafe { Block::free(block) };
        }
    }

    /// Waits until `ready` returns something: another thread has claimed a position and
    /// is about to publish it. Spins briefly, then parks on `poppers` as a
    /// [`WaitFor::Completion`] waiter (woken by that thread's `notify`).
    fn wait_for<R>(&self, mut ready: impl FnMut() -> Option<R>) -> R {
        if let Some(result) = ready() {
            return result;
        }
        wait_until(&self.poppers, None, || match ready() {
            Some(result) => Poll::Ready(result),
            None => Poll::Wait(WaitFor::Completion),
        })
        .expect("a wait with no deadline cannot time out")
    }

    /// Waits until `tail` leaves the gap (or the queue is closed) and returns it.
    #[cold]
    fn wait_tail_out_of_gap(&self) -> usize {
        self.wait_for(|| {
            // Acquire: as the load in `push`.
            let tail = self.tail.index.load(Ordering::Acquire);
            let in_gap = tail & CLOSED == 0 && offset_of(tail >> SHIFT) == BLOCK_CAP;
            (!in_gap).then_some(tail)
        })
    }

    /// Pushes `item` at the back of the queue. Never waits for room.
    ///
    /// # Errors
    ///
    /// [`Closed`] with the item if the queue is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Queue;
    ///
    /// let queue = Queue::new();
    /// queue.push(1).unwrap();
    /// queue.close();
    /// assert_eq!(queue.push(2).unwrap_err().into_inner(), 2);
    /// assert_eq!(queue.pop(), Some(1));
    /// ```
    pub fn push(&self, item: T) -> Result<(), Closed<T>> {
        let mut backoff = Backoff::new();
        // The block linked in if this push claims a block's last slot, taken before the
        // claim so nothing can fail or allocate between claim and link.
        let mut next_block: *mut Block<T> = ptr::null_mut();
        // Acquire: pairs with the Release `fetch_add` that moved `tail` out of the gap
        // (claims are RMWs in its release sequence), so the `tail.block` we load below is
        // the block of the index we load here.
        let mut tail = self.tail.index.load(Ordering::Acquire);
        let result = loop {
            if tail & CLOSED != 0 {
                break Err(Closed(item));
            }
            let index = tail >> SHIFT;
            let offset = offset_of(index);
            if offset == BLOCK_CAP {
                // The last slot's producer is linking the next block in.
                tail = self.wait_tail_out_of_gap();
                continue;
            }
            if offset + 1 == BLOCK_CAP && next_block.is_null() {
                next_block = self.take_block();
            }
            // Relaxed: the Acquire load of `tail` ordered it (I1 in the module doc).
            let block = self.tail.block.load(Ordering::Relaxed);
            // Success Relaxed: the claim itself publishes nothing; the slot state does.
            // Failure Acquire: we retry with the value found, as with the first load.
            match self.tail.index.compare_exchange_weak(
                tail,
                tail.wrapping_add(1 << SHIFT),
                Ordering::Relaxed,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    preemption_point();
                    if offset + 1 == BLOCK_CAP {
                        // We claimed the last slot; `tail` is in the gap. Link the next
                        // block in and move `tail` past the gap.
                        let next = std::mem::replace(&mut next_block, ptr::null_mut());
                        // SAFETY: our slot is claimed but unwritten, so `block` is alive
                        // (I2).
                        let b = unsafe { &*block };
                        // Release: pairs with the Acquire load of the last slot's
                        // consumer, which then sees `next` initialized.
                        b.next.store(next, Ordering::Release);
                        // Relaxed: published by the Release `fetch_add` below.
                        self.tail.block.store(next, Ordering::Relaxed);
                        // Release: pairs with producers' Acquire loads of `tail`. A
                        // `fetch_add`, not a store: it keeps a close's mark.
                        self.tail
                            .index
                            .fetch_add((LAP - BLOCK_CAP) << SHIFT, Ordering::Release);
                        preemption_point();
                    }
                    // SAFETY: as above, `block` is alive until our consumer reads.
                    let slot = unsafe { &(*block).slots[offset] };
                    // SAFETY: we own the position: the value is ours to write until we
                    // set WRITE, and it is uninitialized (a fresh or reset block).
                    slot.value.with_mut(|value| unsafe { (*value).write(item) });
                    // Release: publishes the item to the consumer's Acquire load. A
                    // `fetch_or`, not a store: the destruction may have set DESTROY
                    // already (the consumer claimed and waits). After this we never
                    // touch the block again.
                    // Under loom: our last access to the block must come before its
                    // reclamation.
                    Block::check_alive(block);
                    slot.state.fetch_or(WRITE, Ordering::Release);
                    self.poppers.notify();
                    break Ok(());
                }
                Err(current) => {
                    tail = current;
                    backoff.spin();
                }
            }
        };
        if !next_block.is_null() {
            // The claim went elsewhere (or the queue closed): give the block back.
            // SAFETY: the block never left this thread and holds no item.
            unsafe { self.recycle(next_block) };
        }
        result
    }

    /// One attempt to claim a position to pop; never waits.
    fn claim(&self) -> Claim<T> {
        let mut backoff = Backoff::new();
        // Acquire: pairs with the Release store that moved `head` out of the gap (so
        // `head.block` below belongs to this index, I1) and with the Release claims of
        // earlier consumers (so the `tail` we load is at least as new as theirs).
        let mut head = self.head.index.load(Ordering::Acquire);
        loop {
            let index = head >> SHIFT;
            let offset = offset_of(index);
            if offset == BLOCK_CAP {
                return Claim::Gap;
            }
            let mut new_head = head.wrapping_add(1 << SHIFT);
            if head & FILLED == 0 {
                // Relaxed: the item is published by the slot state, not by `tail`; the
                // Acquire on `head` above keeps this load no older than the one that
                // justified the previous claim (or set `FILLED`).
                let tail = self.tail.index.load(Ordering::Relaxed);
                let tail_count = count(tail >> SHIFT);
                let head_count = count(index);
                debug_assert!(
                    tail_count.wrapping_sub(head_count) <= usize::MAX / 2,
                    "head ahead of tail"
                );
                if tail_count == head_count {
                    return if tail & CLOSED != 0 {
                        Claim::Closed
                    } else {
                        Claim::Empty
                    };
                }
                if tail_count.wrapping_sub(head_count) >= BLOCK_CAP - offset {
                    // Pushes have claimed the rest of this block: the pops after ours
                    // in it skip the look at `tail`.
                    new_head |= FILLED;
                }
            }
            // Relaxed: ordered by the Acquire load of `head` (I1).
            let block = self.head.block.load(Ordering::Relaxed);
            // Success Release: a consumer that Acquire-loads the new `head` sees a
            // `tail` at least as new as ours, so it never mistakes a stale `tail` for a
            // non-empty queue (see "Linearizability" in the module doc).
            // Failure Acquire: we retry with the value found, as with the first load.
            // audit: keep - needed for the `Empty` check (read-read coherence through
            // `head`: a consumer that sees another's claim must not see an older `tail`,
            // or it claims a position nobody pushed and waits for it). The model
            // `loom_queue::try_pop_never_claims_past_tail` is that scenario, but loom
            // 0.7.3 does not produce the stale `tail` read there (as with `task_done`'s
            // first load), so neither mutant dies.
            match self.head.index.compare_exchange_weak(
                head,
                new_head,
                Ordering::Release,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Claim::Slot {
                        block,
                        offset,
                        index,
                    }
                }
                Err(current) => {
                    head = current;
                    backoff.spin();
                }
            }
        }
    }

    /// Completes a claimed pop: moves `head` past the gap if it claimed the last slot,
    /// waits for the item, takes it, releases the slot.
    ///
    /// # Safety
    ///
    /// `block`, `offset` and `index` come from a [`Claim::Slot`] of this queue that has not
    /// been completed yet.
    unsafe fn complete(&self, block: *mut Block<T>, offset: usize, index: usize) -> T {
        preemption_point();
        // SAFETY (for every dereference of `block` below, until the release): our claim
        // keeps the block alive (I2).
        if offset + 1 == BLOCK_CAP {
            // We claimed the last slot; `head` is in the gap. The producer of this slot
            // links `next` right after its claim.
            let next = self.wait_for(|| {
                // Acquire: pairs with the producer's Release store of `next`, so the
                // next block's initialization (or reset) is visible.
                // SAFETY: our claim keeps the block alive (I2).
                let next = unsafe { (*block).next.load(Ordering::Acquire) };
                (!next.is_null()).then_some(next)
            });
            // Relaxed: published by the Release store of `head` below.
            self.head.block.store(next, Ordering::Relaxed);
            // Release: pairs with the Acquire loads of `head` in `claim`. A store is
            // enough: only this thread writes `head` while it is in the gap.
            self.head
                .index
                .store(next_lap(index) << SHIFT, Ordering::Release);
            // Consumers may be waiting on the gap.
            self.poppers.notify();
        }
        // SAFETY: as above.
        let slot = unsafe { &(*block).slots[offset] };
        self.wait_for(|| {
            // Acquire: pairs with the producer's Release `fetch_or(WRITE)`.
            (slot.state.load(Ordering::Acquire) & WRITE != 0).then_some(())
        });
        // SAFETY: WRITE is set, so the producer initialized the value and will not touch
        // it again; our claim makes us its only reader.
        let item = slot
            .value
            .with(|value| unsafe { (*value).assume_init_read() });
        // Under loom: our last access to the block must come before its reclamation.
        Block::check_alive(block);
        if offset + 1 == BLOCK_CAP {
            // The last slot: start the destruction (I3). Our item is out, `next` read.
            // SAFETY: every slot has been claimed; the walk's rules do the rest.
            unsafe { self.destroy(block, 0) };
        } else {
            // Release: our read of the value (and every access before) happens before
            // the free, for whoever frees the block. Acquire: if DESTROY is set we
            // continue the walk, after everything the walk's earlier holders did.
            let state = slot.state.fetch_or(READ, Ordering::AcqRel);
            if state & DESTROY != 0 {
                // SAFETY: the walk stopped at our slot and handed the rest to us (I3).
                unsafe { self.destroy(block, offset + 1) };
            }
        }
        item
    }

    /// Walks slots `start..BLOCK_CAP - 1` of `block`: if each has been read, frees the
    /// block (into the spare cache); otherwise marks the first unread one DESTROY and
    /// leaves the rest of the walk to its consumer. See I3 in the module doc.
    ///
    /// # Safety
    ///
    /// The caller holds the walk: it read the last slot (`start == 0`), or its
    /// `fetch_or(READ)` on slot `start - 1` found DESTROY.
    unsafe fn destroy(&self, block: *mut Block<T>, start: usize) {
        for i in start..BLOCK_CAP - 1 {
            Block::check_alive(block);
            // SAFETY: the block cannot be freed while we hold the walk.
            let slot = unsafe { &(*block).slots[i] };
            // Acquire (load and fetch_or): pairs with the consumer's Release
            // `fetch_or(READ)`, so its accesses happen before the free. Release on the
            // fetch_or: pairs with that consumer's Acquire if it takes the walk over.
            if slot.state.load(Ordering::Acquire) & READ == 0
                && slot.state.fetch_or(DESTROY, Ordering::AcqRel) & READ == 0
            {
                // Its consumer is still using the slot; it will continue from `i + 1`.
                return;
            }
        }
        // SAFETY: every slot has been read and no thread will touch the block again
        // (module doc, "Why that is safe").
        unsafe { self.recycle(block) };
    }

    /// Pops an item, parking while the queue is empty, until `deadline` if one is given.
    ///
    /// `Some(None)` means closed and drained, `None` means the deadline passed.
    fn pop_until(&self, deadline: Option<Instant>) -> Option<Option<T>> {
        // Fast path: one attempt, outside the waiting machinery.
        let claimed = match self.claim() {
            Claim::Slot {
                block,
                offset,
                index,
            } => (block, offset, index),
            Claim::Closed => return Some(None),
            Claim::Empty | Claim::Gap => {
                let claimed = wait_until(&self.poppers, deadline, || match self.claim() {
                    Claim::Slot {
                        block,
                        offset,
                        index,
                    } => Poll::Ready(Some((block, offset, index))),
                    Claim::Closed => Poll::Ready(None),
                    Claim::Empty => Poll::Wait(WaitFor::Turn),
                    Claim::Gap => Poll::Wait(WaitFor::Completion),
                });
                match claimed {
                    Some(Some(claimed)) => claimed,
                    Some(None) => return Some(None),
                    None => return None,
                }
            }
        };
        let (block, offset, index) = claimed;
        // SAFETY: a fresh claim of this queue.
        Some(Some(unsafe { self.complete(block, offset, index) }))
    }

    /// Pops the oldest item, parking while the queue is empty.
    ///
    /// Returns `None` only once the queue is closed and drained, so a worker loop is
    /// `while let Some(item) = queue.pop() { ... }`, ended by [`close`](Queue::close).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Queue;
    /// use std::thread;
    ///
    /// let queue = Queue::new();
    /// thread::scope(|s| {
    ///     s.spawn(|| queue.push("hello").unwrap());
    ///     assert_eq!(queue.pop(), Some("hello")); // parks until the push
    /// });
    /// queue.close();
    /// assert_eq!(queue.pop(), None);
    /// ```
    pub fn pop(&self) -> Option<T> {
        self.pop_until(None)
            .expect("a pop with no deadline cannot time out")
    }

    /// Pops the oldest item if there is one, without parking for an item.
    ///
    /// Linearizable: `Empty` means the queue really was empty at some instant during the
    /// call. If the oldest item's producer has claimed its slot but not yet written it,
    /// the call waits for that producer (briefly; see the module doc).
    ///
    /// # Errors
    ///
    /// - [`TryPopError::Empty`] if the queue was empty but is still open;
    /// - [`TryPopError::Closed`] if the queue is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{Queue, TryPopError};
    ///
    /// let queue = Queue::new();
    /// queue.push(1).unwrap();
    /// assert_eq!(queue.try_pop(), Ok(1));
    /// assert_eq!(queue.try_pop(), Err(TryPopError::Empty));
    /// ```
    pub fn try_pop(&self) -> Result<T, TryPopError> {
        let claimed = match self.claim() {
            Claim::Slot {
                block,
                offset,
                index,
            } => (block, offset, index),
            Claim::Empty => return Err(TryPopError::Empty),
            Claim::Closed => return Err(TryPopError::Closed),
            Claim::Gap => {
                let result = wait_until(&self.poppers, None, || match self.claim() {
                    Claim::Slot {
                        block,
                        offset,
                        index,
                    } => Poll::Ready(Ok((block, offset, index))),
                    Claim::Empty => Poll::Ready(Err(TryPopError::Empty)),
                    Claim::Closed => Poll::Ready(Err(TryPopError::Closed)),
                    Claim::Gap => Poll::Wait(WaitFor::Completion),
                });
                result.expect("a wait with no deadline cannot time out")?
            }
        };
        let (block, offset, index) = claimed;
        // SAFETY: a fresh claim of this queue.
        Ok(unsafe { self.complete(block, offset, index) })
    }

    /// Pops the oldest item, parking while the queue is empty, for at most `timeout`.
    ///
    /// An item that is ready at the deadline is still taken, and it times out only if
    /// the queue was empty at the deadline. A timeout too large to add to the current
    /// time means "wait forever".
    ///
    /// # Errors
    ///
    /// - [`PopTimeoutError::Timeout`] if the queue stayed empty;
    /// - [`PopTimeoutError::Closed`] if the queue is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PopTimeoutError, Queue};
    /// use std::time::Duration;
    ///
    /// let queue = Queue::new();
    /// queue.push(5).unwrap();
    /// assert_eq!(queue.pop_timeout(Duration::from_millis(10)), Ok(5));
    /// assert_eq!(queue.pop_timeout(Duration::from_millis(10)), Err(PopTimeoutError::Timeout));
    /// ```
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError> {
        self.pop_until_opt(Instant::now().checked_add(timeout))
    }

    /// Pops the oldest item, parking while the queue is empty, until `deadline`.
    ///
    /// A deadline already passed still makes one attempt.
    ///
    /// # Errors
    ///
    /// As [`pop_timeout`](Queue::pop_timeout).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PopTimeoutError, Queue};
    /// use std::time::Instant;
    ///
    /// let queue: Queue<u8> = Queue::new();
    /// assert_eq!(queue.pop_deadline(Instant::now()), Err(PopTimeoutError::Timeout));
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

    /// Closes the queue. Returns `true` if this call closed it, `false` if it already was.
    ///
    /// Every later push fails and hands its item back. Pops still drain the items
    /// inside, then report the queue closed; threads parked in a pop wake at once.
    /// Pushes that had already claimed a slot when the queue closed complete, and their
    /// items are drained too.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Queue;
    ///
    /// let queue = Queue::new();
    /// queue.push(1).unwrap();
    /// assert!(queue.close());
    /// assert!(!queue.close());
    /// assert!(queue.push(2).is_err());
    /// assert_eq!(queue.pop(), Some(1));
    /// assert_eq!(queue.pop(), None);
    /// ```
    pub fn close(&self) -> bool {
        // Relaxed: the mark carries no data, and `notify_all` below fences before it
        // looks for parked threads; a parked thread re-reads `tail` after its notifier's
        // Release (see `crate::park`).
        let tail = self.tail.index.fetch_or(CLOSED, Ordering::Relaxed);
        let closed_now = tail & CLOSED == 0;
        if closed_now {
            self.poppers.notify_all();
        }
        closed_now
    }

    /// Whether the queue is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue: parkq::Queue<u8> = parkq::Queue::new();
    /// assert!(!queue.is_closed());
    /// queue.close();
    /// assert!(queue.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        // Relaxed: a snapshot, ordered with nothing else.
        self.tail.index.load(Ordering::Relaxed) & CLOSED != 0
    }

    /// Closes the queue and takes out every item still inside, oldest first.
    ///
    /// Python's `shutdown(immediate=True)`, except that nothing is dropped silently: the
    /// items come back to the caller. Items taken here count as done for
    /// [`join`](Queue::join). Consumers running at the same time may still take some
    /// items first; each item goes to exactly one of them.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::Queue;
    ///
    /// let queue = Queue::new();
    /// queue.push(1).unwrap();
    /// queue.push(2).unwrap();
    /// assert_eq!(queue.close_and_drain(), vec![1, 2]);
    /// assert!(queue.is_closed());
    /// queue.join(); // the drained items count as done
    /// ```
    pub fn close_and_drain(&self) -> Vec<T> {
        self.close();
        let mut items = Vec::new();
        // After the close no new push can claim, and `pop` waits for the ones in flight,
        // so this loop ends with the queue empty.
        while let Some(item) = self.pop() {
            items.push(item);
        }
        self.tasks.mark_done(items.len(), || self.pushed_count());
        items
    }

    /// How many items are in the queue.
    ///
    /// Approximate while other threads push or pop: it never exceeds the length the
    /// queue had at some point during the call (it may fall short of it while pushes
    /// and pops race). Never panics, never underflows.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue = parkq::Queue::new();
    /// queue.push('x').unwrap();
    /// assert_eq!(queue.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        // Tail first, then head: both only grow, so `tail - head` from these reads is at
        // most the length at the instant `head` was read (a head read after the tail can
        // only be ahead of the head that went with that tail; hence the saturation).
        // Reading head first would overcount by every push made between the two reads,
        // without bound. If the tail is unchanged after the head read, the pair is an
        // exact snapshot; a few tries for one, then the (under)estimate.
        let mut pushed = self.pushed_count();
        for _ in 0..LEN_SNAPSHOT_TRIES {
            let popped = self.popped_count();
            let pushed_again = self.pushed_count();
            if pushed_again == pushed {
                return pushed.saturating_sub(popped);
            }
            pushed = pushed_again;
        }
        pushed.saturating_sub(self.popped_count())
    }

    /// Whether the queue is empty. Approximate, like [`len`](Queue::len).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue: parkq::Queue<u8> = parkq::Queue::new();
    /// assert!(queue.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many pushes have ever claimed a position.
    fn pushed_count(&self) -> usize {
        // Relaxed: a count, ordered by the callers (see `crate::tasks`).
        count(self.tail.index.load(Ordering::Relaxed) >> SHIFT)
    }

    /// How many pops have ever claimed a position.
    fn popped_count(&self) -> usize {
        // Relaxed: as above.
        count(self.head.index.load(Ordering::Relaxed) >> SHIFT)
    }

    /// Marks one popped item as processed (Python's `task_done`).
    ///
    /// Pair each item a worker pops with one call once it has finished with it; then
    /// [`join`](Queue::join) can tell when all the work is done. Costs nothing to users
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
    /// use parkq::Queue;
    /// use std::thread;
    ///
    /// let queue = Queue::new();
    /// thread::scope(|s| {
    ///     s.spawn(|| {
    ///         while let Some(n) = queue.pop() {
    ///             let _ = n * 2; // the work
    ///             queue.task_done();
    ///         }
    ///     });
    ///     for n in 0..10 {
    ///         queue.push(n).unwrap();
    ///     }
    ///     queue.join(); // every item pushed has been processed
    ///     queue.close();
    /// });
    /// ```
    pub fn task_done(&self) {
        self.tasks
            .task_done(|| self.popped_count(), || self.pushed_count());
    }

    /// Parks until every item ever pushed has been marked done with
    /// [`task_done`](Queue::task_done) (or taken out by
    /// [`close_and_drain`](Queue::close_and_drain)).
    ///
    /// Returns at once if nothing is outstanding. Closing the queue does not end a
    /// `join`: outstanding items still have to be marked done.
    ///
    /// # Examples
    ///
    /// See [`task_done`](Queue::task_done).
    pub fn join(&self) {
        self.tasks.join(|| self.pushed_count());
    }

    /// A blocking iterator: yields items as [`pop`](Queue::pop) does, and ends once the
    /// queue is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue = parkq::Queue::new();
    /// queue.push(1).unwrap();
    /// queue.push(2).unwrap();
    /// queue.close();
    /// assert_eq!(queue.iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn iter(&self) -> QueueIter<'_, T> {
        QueueIter { queue: self }
    }

    /// A non-blocking iterator: yields items as [`try_pop`](Queue::try_pop) does, and
    /// ends as soon as the queue is empty.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue = parkq::Queue::new();
    /// queue.push(1).unwrap();
    /// assert_eq!(queue.try_iter().collect::<Vec<_>>(), [1]);
    /// assert_eq!(queue.try_iter().next(), None);
    /// ```
    pub fn try_iter(&self) -> QueueTryIter<'_, T> {
        QueueTryIter { queue: self }
    }

    /// Pops with exclusive access (no operation in flight, so nothing to wait for).
    fn pop_owned(&mut self) -> Option<T> {
        match self.claim() {
            // SAFETY: a fresh claim of this queue.
            Claim::Slot {
                block,
                offset,
                index,
            } => Some(unsafe { self.complete(block, offset, index) }),
            Claim::Empty | Claim::Closed | Claim::Gap => None,
        }
    }
}

impl<T> Drop for Queue<T> {
    fn drop(&mut self) {
        // Drops every item still inside, exactly once, and frees every block. If an
        // item's destructor panics, `Rest` keeps going while unwinding, as `Vec` does.
        struct Rest<'a, T>(&'a mut Queue<T>);
        impl<T> Drop for Rest<'_, T> {
            fn drop(&mut self) {
                while let Some(item) = self.0.pop_owned() {
                    drop(item);
                }
                // Drained: `head` and `tail` share the current block. The blocks before
                // it were freed by their pops.
                let head_block = self.0.head.block.load(Ordering::Relaxed);
                debug_assert_eq!(head_block, self.0.tail.block.load(Ordering::Relaxed));
                // Relaxed (here and below): we have exclusive access.
                let spare = self.0.spare.swap(ptr::null_mut(), Ordering::Relaxed);
                // SAFETY: exclusive access; the current block holds no item (drained)
                // and the spare never does.
                unsafe {
                    Block::free(head_block);
                    if !spare.is_null() {
                        Block::free(spare);
                    }
                }
            }
        }
        let rest = Rest(self);
        while let Some(item) = rest.0.pop_owned() {
            drop(item);
        }
        // `rest` drops here: nothing left to drop, so it only frees the blocks.
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// A blocking iterator over a [`Queue`], created by [`Queue::iter`].
#[derive(Debug)]
pub struct QueueIter<'a, T> {
    queue: &'a Queue<T>,
}

impl<T> Iterator for QueueIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.pop()
    }
}

impl<T> FusedIterator for QueueIter<'_, T> {}

/// A non-blocking iterator over a [`Queue`], created by [`Queue::try_iter`].
#[derive(Debug)]
pub struct QueueTryIter<'a, T> {
    queue: &'a Queue<T>,
}

impl<T> Iterator for QueueTryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.try_pop().ok()
    }
}

/// An owning iterator over a [`Queue`]: yields the items left inside, oldest first.
#[derive(Debug)]
pub struct QueueIntoIter<T> {
    queue: Queue<T>,
}

impl<T> Iterator for QueueIntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.pop_owned()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // No other thread can reach an owned queue, so `len` is exact.
        let len = self.queue.len();
        (len, Some(len))
    }
}

impl<T> ExactSizeIterator for QueueIntoIter<T> {}
impl<T> FusedIterator for QueueIntoIter<T> {}

impl<T> IntoIterator for Queue<T> {
    type Item = T;
    type IntoIter = QueueIntoIter<T>;

    /// Takes the items left inside, oldest first.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue = parkq::Queue::new();
    /// queue.push('a').unwrap();
    /// queue.push('b').unwrap();
    /// assert_eq!(queue.into_iter().collect::<String>(), "ab");
    /// ```
    fn into_iter(self) -> QueueIntoIter<T> {
        QueueIntoIter { queue: self }
    }
}

impl<'a, T> IntoIterator for &'a Queue<T> {
    type Item = T;
    type IntoIter = QueueIter<'a, T>;

    fn into_iter(self) -> QueueIter<'a, T> {
        self.iter()
    }
}
