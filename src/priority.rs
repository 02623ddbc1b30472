//! `PriorityQueue<T>`: a lock-free skip-list priority queue (smallest item first, FIFO
//! among equal items) that blocks by parking.
//!
//! # Algorithm
//!
//! A skip list in the style of J. Lindén and B. Jonsson, *A Skiplist-Based Concurrent
//! Priority Queue with Minimal Memory Contention* (OPODIS 2013): level 0 is a sorted
//! singly linked list from a `head` sentinel; levels 1.. are sparser lists over the same
//! nodes that let a push skip ahead. Keys are `(item, seq)`, where `seq` is taken from a
//! per-queue counter when the push starts, so keys are unique and equal items come out in
//! push order (stability).
//!
//! **Logical deletion by a mark on the predecessor's link.** A pop walks level 0 from
//! `head` past the *deleted prefix* and deletes the first node `y` that is not deleted by
//! setting the low bit of its predecessor's `next[0]` with one CAS (Lindén–Jonsson use a
//! fetch-or; a CAS that expects the unmarked `y` is equivalent here and never marks a
//! null link). A marked `x.next[0]` means "the node after `x` is deleted". An insert
//! CASes an *unmarked* `next[0]`, so nothing can be linked in front of a deleted node:
//! the deleted nodes always form a prefix of level 0, and the pop's CAS deletes the
//! smallest node present at that instant (its linearization point). A pop that reaches
//! an unmarked null link found the queue empty at that load.
//!
//! **Batched physical removal.** Deleted nodes stay linked until a pop has walked past
//! at least [`BOUND`] of them; it then tries to become the (single) *remover*, which
//! swings `head.next[0]` from the first deleted node to the last one of a run (the last
//! deleted node stays, so `head.next[0]` stays marked), swings `head.next[i]` on every
//! upper level past the removed nodes, and retires them. Removal is a try-lock: nobody
//! waits for it, a thread that loses just skips it.
//!
//! **Upper levels are an index, positional by construction.** A push first searches the
//! upper levels from `head` (recording, per level, the last node before the new key and
//! the first node after it), then walks level 0 from there and links the node with one
//! Release CAS on its level-0 predecessor: the push's linearization point. Only then does
//! it link the upper levels of its (random) tower, bottom up, each with one CAS on the
//! recorded predecessor; a failed CAS gives up that level and the ones above it (the
//! node is then simply less indexed). Before linking level `i`, the push checks by
//! pointer identity, walking level 0 forward from its own node, that the recorded
//! successor really lies *after* it on level 0 (within `4 << i` steps, else it gives up).
//! So every link on every level points forward in level-0 order, whatever `Ord` does:
//! a buggy `Ord` can misorder items but never breaks memory safety.
//!
//! Complexity: a push costs an expected O(log n) comparisons (the index is a hint: under
//! contention some towers stay short); a pop walks the deleted prefix, O(`BOUND`)
//! amortized. Pushes and pops are lock-free, with two exceptions documented below: a pop
//! waits for comparisons that are *already reading its node's item* (see *Comparisons*),
//! and `close` waits for pushes already under way.
//!
//! # Comparisons and ownership of items
//!
//! `T` is both the key and the value, so a push compares its item with items of nodes
//! that a pop may take at the same moment. A pop hands its item to the caller by value,
//! who may drop it at once: a comparison still reading it would read freed memory. Each
//! node therefore has a `state` word: reader count and a `TAKEN` bit. A comparison adds
//! a reader (skipping the node if `TAKEN` is set), compares, and removes it (`Release`);
//! the pop that deleted the node sets `TAKEN` and waits until the reader count is zero
//! (`Acquire`) before it moves the item out. It waits as every blocking operation does,
//! spinning briefly and then parking (on `settling`): the comparison is the user's `Ord`,
//! which may take any time. The last reader to leave a taken node wakes it. RMWs on one word are totally ordered, so
//! either a comparison registered first (and the pop waits for it) or it sees `TAKEN`
//! (and never touches the item). A node with `TAKEN` set is deleted (the mark came
//! first), so skipping it is right. Items are read from several threads at once, hence
//! `T: Sync` for `PriorityQueue<T>: Sync`.
//!
//! # Invariants
//!
//! 1. Deleted nodes form a prefix of level 0 (inserts CAS only unmarked links).
//! 2. Every `next[i]` link of every node, and of `head`, points forward in level-0
//!    order (level-0 inserts link between adjacent nodes; upper links are checked by
//!    pointer identity; the remover only moves `head`'s links forward).
//! 3. A node's item, seq, height and upper links are written before the Release CAS that
//!    publishes it on level 0, and never change while another thread may read them
//!    (upper links of a published node are written only by its own push, before the CAS
//!    that makes them reachable on that level).
//! 4. The remover removes a run of deleted nodes that starts at `head`, whose `next[0]`
//!    are all marked (so none is the last deleted node), and whose pushes have finished
//!    linking (`linking` cleared). By 1 and 2, such a run is reachable only from `head`
//!    and from the run's own nodes; once `head`'s links are swung past it on every level,
//!    no thread can reach it anew, so it is retired (freed once every thread pinned
//!    before has unpinned). A push still linking a node's tower may CAS a link of a
//!    removed node: harmless, the removed node is unreachable.
//! 5. Every pop that deleted a node moves its item out exactly once; `Drop` drops the
//!    items of nodes that are not deleted.
//!
//! # Close
//!
//! Pushes link anywhere, so no single word can refuse them, as the `Stack`'s head does.
//! The `seq` word carries two flags: `CLOSING` and `CLOSED`. A push takes its `seq` with
//! one `fetch_add` on that word; if `CLOSING` was set, the push fails. `close` sets
//! `CLOSING` (the returned value says how many pushes started before), waits until all
//! of them have linked (or unwound), then sets `CLOSED`: its linearization point. A push
//! that found `CLOSING` waits for `CLOSED` before reporting `Closed`, and so does a
//! second `close`, so no operation reports the close before it takes effect. A pop
//! reports `Closed` only if it saw `CLOSED` *before* it found the list empty (after
//! `CLOSED` nothing can be linked). `close` is therefore not lock-free: it waits for the
//! pushes already under way (each of which is). These waits spin briefly, then park on
//! `settling`, which every push notifies once it has linked (or unwound) and `close`
//! once `CLOSED` is set.
//!
//! # Blocking, capacity and counts
//!
//! As the `Stack`: `pop` parks on `poppers` while empty, a bounded `push` parks on
//! `pushers` while full; a push notifies `poppers`, a pop from a bounded queue notifies
//! `pushers`, `close` wakes everyone. A bounded queue reserves room with a counter before
//! the push links: `try_push` reports `Full` when linked items, pushes in flight and pops
//! that have deleted but not yet returned add up to the capacity. So `Full` can be
//! reported while a racing push or pop has not finished (never when the queue is
//! quiescent and not full), and the queue never holds more than its capacity. `pushed`
//! and `popped` count completed pushes and pops for `len` and `task_done`/`join`, as in
//! the `Stack` (`Tasks::push_counted`).

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
use crate::reclaim::{free_unshared, new_node, Liveness, Reclaimer, Retire};
use crate::shim::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, UnsafeCell};
use crate::tasks::Tasks;

/// Levels of a tower (level 0 included). Small under loom so models stay small.
#[cfg(not(loom))]
const MAX_HEIGHT: usize = 20;
#[cfg(loom)]
const MAX_HEIGHT: usize = 2;

/// How many deleted nodes a pop walks past before it tries to remove them.
#[cfg(not(loom))]
const BOUND: usize = 32;
#[cfg(loom)]
const BOUND: usize = 1;

/// The most deleted nodes one removal takes out.
const REMOVE_LIMIT: usize = 1024;

/// The deletion mark: the low bit of a `next[0]` link ("the next node is deleted").
const MARK: usize = 1;

/// `seq` word: a push that found this set fails (a close is under way).
const CLOSING: usize = 1;
/// `seq` word: the close has taken effect (every earlier push has linked).
const CLOSED: usize = 2;
/// `seq` word: one push's increment (the flags use the two low bits).
const SEQ_ONE: usize = 4;

/// `state` word of a node: the item has been claimed by the pop that deleted the node.
const TAKEN: usize = 1;
/// `state` word of a node: one comparison reading the item.
const READER: usize = 2;

/// One item in the queue, with its tower of links.
struct Node<T> {
    /// The item: written before the node is published; moved out by the pop that
    /// deleted the node, once no comparison reads it (see the module doc). Uninit in
    /// the `head` sentinel.
    item: UnsafeCell<MaybeUninit<T>>,
    /// The push's sequence number: ties between equal items go to the older push.
    seq: usize,
    /// The links, one per level; `next[0]` may carry `MARK`.
    next: [AtomicPtr<Node<T>>; MAX_HEIGHT],
    /// Reader count (in `READER` units) and `TAKEN`.
    state: AtomicUsize,
    /// Set until the push has finished linking the tower: the remover skips such nodes.
    linking: AtomicBool,
    /// Set by the remover (only) once the node is in a run it removes.
    removed: AtomicBool,
    /// Checked before every read of a shared node (loom builds only; see `reclaim`).
    liveness: Liveness,
}

impl<T> Node<T> {
    fn new(item: MaybeUninit<T>, seq: usize, height: usize) -> Self {
        Node {
            item: UnsafeCell::new(item),
            seq,
            next: std::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
            state: AtomicUsize::new(0),
            linking: AtomicBool::new(height > 1),
            removed: AtomicBool::new(false),
            liveness: Liveness::new(),
        }
    }
}

impl<T> Retire for Node<T> {
    fn liveness(&self) -> &Liveness {
        &self.liveness
    }
}

/// Whether a link carries the deletion mark.
fn is_marked<T>(link: *mut Node<T>) -> bool {
    link as usize & MARK != 0
}

/// A link without the mark.
fn unmarked<T>(link: *mut Node<T>) -> *mut Node<T> {
    // Byte arithmetic keeps the pointer's provenance (no integer-to-pointer cast).
    link.cast::<u8>().wrapping_sub(link as usize & MARK).cast()
}

/// `node` with the mark.
fn marked<T>(node: *mut Node<T>) -> *mut Node<T> {
    node.cast::<u8>().wrapping_add(MARK).cast()
}

/// A shared reference to a node.
///
/// # Safety
///
/// The caller holds a reclamation guard taken before it loaded `node` from a link it
/// reached from `head`, or `node` is `head`, or the caller owns the node (unpublished,
/// or exclusive access); the node stays allocated while the reference is used.
unsafe fn node_ref<'a, T>(node: *mut Node<T>) -> &'a Node<T> {
    // SAFETY: the caller's contract.
    unsafe { &*node }
}

/// The tower height for a push's `seq`: 1 + the number of trailing one bits of a hash
/// of `seq` (geometric, p = 1/2), capped. Derived from `seq`, not from thread-local
/// randomness, so loom replays are deterministic and no RNG state is shared.
fn tower_height(seq: usize) -> usize {
    // splitmix64's finalizer.
    let mut z = (seq as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    1 + (z.trailing_ones() as usize).min(MAX_HEIGHT - 1)
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

/// A lock-free priority queue (Python's `queue.PriorityQueue`) that parks when it has
/// to wait: pops take the **smallest** item first, and items that compare equal come
/// out in the order they were pushed.
///
/// Smallest first is Python's `heapq` order, the opposite of
/// [`std::collections::BinaryHeap`] (largest first). For largest first, push
/// [`std::cmp::Reverse`] items. [`PriorityQueue::new`] makes an unbounded queue;
/// [`PriorityQueue::bounded`] one whose [`push`](PriorityQueue::push) parks while it
/// holds `capacity` items. The same operations as [`Stack`](crate::Stack) and
/// [`Queue`](crate::Queue): blocking, non-blocking and timed pushes and pops,
/// [`close`](PriorityQueue::close), and
/// [`task_done`](PriorityQueue::task_done)/[`join`](PriorityQueue::join).
///
/// Comparisons run in `push`, before the item is linked; one that panics leaves the queue
/// unchanged and drops the item once. The implementation is a lock-free skip list (see
/// the README, *Design*); `PriorityQueue<T>` is `Sync` when `T: Send + Sync`, since
/// pushes on several threads may compare against the same item at once.
///
/// # Examples
///
/// The seed chapter's priority queue:
///
#[doc = crate::example!()]
/// use parkq::PriorityQueue;
///
/// let queue = PriorityQueue::new();
/// queue.push((20, "second")).unwrap();
/// queue.push((10, "first")).unwrap();
/// queue.push((30, "third")).unwrap();
/// let mut order = vec![];
/// while let Ok((_, word)) = queue.try_pop() {
///     order.push(word);
/// }
/// assert_eq!(order, ["first", "second", "third"]);
/// ```
///
/// Largest first, and equal priorities in push order:
///
#[doc = crate::example!()]
/// use parkq::PriorityQueue;
/// use std::cmp::Reverse;
///
/// let queue = PriorityQueue::new();
/// for job in [(1, 'a'), (5, 'b'), (1, 'c'), (5, 'd')] {
///     // Only the priority orders the jobs: the letter rides along.
///     queue.push(Job(Reverse(job.0), job.1)).unwrap();
/// }
/// let order: String = queue.try_iter().map(|Job(_, c)| c).collect();
/// assert_eq!(order, "bdac");
///
/// struct Job(Reverse<u8>, char);
/// impl PartialEq for Job { fn eq(&self, o: &Self) -> bool { self.0 == o.0 } }
/// impl Eq for Job {}
/// impl PartialOrd for Job {
///     fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> { Some(self.cmp(o)) }
/// }
/// impl Ord for Job { fn cmp(&self, o: &Self) -> std::cmp::Ordering { self.0.cmp(&o.0) } }
/// ```
pub struct PriorityQueue<T> {
    /// The sentinel: its tower has every level; its item is never initialized.
    head: *mut Node<T>,
    /// Push sequence numbers (in `SEQ_ONE` units) with `CLOSING` and `CLOSED`.
    seq: CachePadded<AtomicUsize>,
    /// How many pushes have linked their item.
    pushed: CachePadded<AtomicUsize>,
    /// How many pops have taken an item.
    popped: CachePadded<AtomicUsize>,
    /// Pushes that took a `seq` before any close but unwound (a panicking `Ord`).
    abandoned: AtomicUsize,
    /// Bounded queues: items linked or being pushed or popped (the reservation count).
    count: CachePadded<AtomicUsize>,
    /// The most items the queue holds (`usize::MAX`: unbounded).
    capacity: usize,
    /// Held by the one thread removing a deleted prefix.
    removing: AtomicBool,
    /// Frees removed nodes once no pinned thread can read them.
    reclaim: Reclaimer,
    /// Threads waiting for an item.
    poppers: WaitList,
    /// Threads waiting for room (bounded queues only).
    pushers: WaitList,
    /// Threads waiting for a step another thread has begun and will finish: a pop for
    /// the comparisons reading its node's item, a `close` for the pushes under way, a
    /// push or a second `close` for a close under way to take effect. Woken by every
    /// notification (they wait for [`WaitFor::Completion`]).
    settling: WaitList,
    /// `task_done`/`join` bookkeeping.
    tasks: CachePadded<Tasks>,
    /// The queue owns `T`s.
    _items: PhantomData<T>,
}

// SAFETY: each item goes from exactly one pusher to exactly one popper, possibly on
// another thread, so `T: Send`; the nodes are reached only through the queue.
unsafe impl<T: Send> Send for PriorityQueue<T> {}
// SAFETY: as above, and pushes on several threads may hold `&T` to the same item at once
// (comparisons), hence `T: Sync`. Publication is by Release CAS / Acquire load, and nodes
// are freed only after every thread that could read them has unpinned (module doc).
unsafe impl<T: Send + Sync> Sync for PriorityQueue<T> {}

impl<T: Ord> Default for PriorityQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Ord> PriorityQueue<T> {
    /// Creates an empty, unbounded priority queue.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::PriorityQueue;
    ///
    /// let queue: PriorityQueue<u32> = PriorityQueue::new();
    /// assert!(queue.is_empty());
    /// assert_eq!(queue.capacity(), None);
    /// ```
    pub fn new() -> PriorityQueue<T> {
        Self::with_capacity(usize::MAX)
    }

    /// Creates an empty priority queue that holds at most `capacity` items (Python's
    /// `PriorityQueue(maxsize)`): [`push`](PriorityQueue::push) parks while it is full.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero or `usize::MAX` (use [`PriorityQueue::new`]).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PriorityQueue, TryPushError};
    ///
    /// let queue = PriorityQueue::bounded(1);
    /// queue.push(1).unwrap();
    /// assert_eq!(queue.try_push(2), Err(TryPushError::Full(2)));
    /// assert_eq!(queue.capacity(), Some(1));
    /// ```
    pub fn bounded(capacity: usize) -> PriorityQueue<T> {
        assert!(
            capacity > 0,
            "PriorityQueue capacity must be at least 1 (for a rendezvous, use a bounded(0) channel)"
        );
        assert!(
            capacity < usize::MAX,
            "PriorityQueue capacity usize::MAX is unbounded: use PriorityQueue::new()"
        );
        Self::with_capacity(capacity)
    }

    fn with_capacity(capacity: usize) -> PriorityQueue<T> {
        let head = Box::into_raw(Box::new(Node::new(MaybeUninit::uninit(), 0, MAX_HEIGHT)));
        // SAFETY: just allocated, not shared.
        unsafe { node_ref(head) }
            .linking
            .store(false, Ordering::Relaxed);
        PriorityQueue {
            head,
            seq: CachePadded::new(AtomicUsize::new(0)),
            pushed: CachePadded::new(AtomicUsize::new(0)),
            popped: CachePadded::new(AtomicUsize::new(0)),
            abandoned: AtomicUsize::new(0),
            count: CachePadded::new(AtomicUsize::new(0)),
            capacity,
            removing: AtomicBool::new(false),
            reclaim: Reclaimer::new(),
            poppers: WaitList::new(),
            pushers: WaitList::new(),
            settling: WaitList::new(),
            tasks: CachePadded::new(Tasks::new()),
            _items: PhantomData,
        }
    }

    // ----------------------------------------------------------------------------------
    // The lock-free core: pushes

    /// One push attempt: links `item`, unless the queue is closed or full.
    fn link(&self, item: T) -> Result<(), Refused<T>> {
        if self.is_bounded() {
            // Relaxed: a reservation count; it orders nothing (see the module doc).
            let mut count = self.count.load(Ordering::Relaxed);
            loop {
                if count >= self.capacity {
                    // Closed takes precedence over full. Relaxed: a snapshot (a close
                    // under way is waited for, as below).
                    if self.seq.load(Ordering::Relaxed) & CLOSING != 0 {
                        self.wait_closed();
                        return Err(Refused::Closed(item));
                    }
                    return Err(Refused::Full(item));
                }
                match self.count.compare_exchange_weak(
                    count,
                    count + 1,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => break,
                    Err(current) => count = current,
                }
            }
        }
        // Relaxed: the flags and the count live in this one word, so the RMWs of pushes
        // and `close` are totally ordered whatever the ordering; the close's wait for
        // `pushed` (not this word) orders the links (see `close`).
        let seq = self.seq.fetch_add(SEQ_ONE, Ordering::Relaxed);
        if seq & CLOSING != 0 {
            self.unreserve();
            self.wait_closed();
            return Err(Refused::Closed(item));
        }
        let seq = seq / SEQ_ONE;
        let height = tower_height(seq);
        // From this thread's cache of reclaimed node memory when it has a block (see
        // `crate::reclaim`): retired nodes go there, so steady traffic reuses them.
        let node = new_node(Node::new(MaybeUninit::new(item), seq, height));
        // Frees the node and its item if a comparison panics (the node is not linked).
        let abandon = Abandon { queue: self, node };
        let guard = self.reclaim.pin();
        // SAFETY: not published yet: we own it.
        let new = unsafe { node_ref(node) };
        // SAFETY: our own node's item, initialized above; nobody else can reach it until
        // the level-0 CAS, and we stop reading it before that CAS.
        let key: &T = new.item.with(|item| unsafe { (*item).assume_init_ref() });

        // The index search: per level, the last node before the key and the first after.
        let mut preds = [self.head; MAX_HEIGHT];
        let mut succs = [ptr::null_mut::<Node<T>>(); MAX_HEIGHT];
        let mut x = self.head;
        // The node that stopped the search on the level above: known to be greater, so
        // meeting it again one level down costs no comparison (about half the time).
        let mut greater = ptr::null_mut();
        for level in (1..MAX_HEIGHT).rev() {
            loop {
                // SAFETY: `x` is `head` or was loaded from a link while pinned (`guard`).
                let xn = unsafe { node_ref(x) };
                // Acquire: pairs with the Release CAS that linked `y` on this level (or
                // the remover's Release swing), so `y`'s fields are visible.
                let y = xn.next[level].load(Ordering::Acquire);
                if y.is_null() {
                    break;
                }
                if y == greater {
                    succs[level] = y;
                    break;
                }
                // SAFETY: loaded while pinned.
                let yn = unsafe { node_ref(y) };
                yn.liveness.check();
                match compare(yn, key, seq, &self.settling) {
                    // Taken (deleted, so before our place) or smaller: go on.
                    None | Some(std::cmp::Ordering::Less) => x = y,
                    Some(_) => {
                        succs[level] = y;
                        greater = y;
                        break;
                    }
                }
            }
            preds[level] = x;
        }

        // Level 0: walk to the place and link with one CAS (the linearization point).
        let mut backoff = Backoff::new();
        loop {
            // SAFETY: `x` is `head` or was loaded while pinned.
            let xn = unsafe { node_ref(x) };
            xn.liveness.check();
            // Acquire: as above, for the node linked (or marked) on level 0.
            let raw = xn.next[0].load(Ordering::Acquire);
            if is_marked(raw) {
                // The next node is deleted: our place is after it.
                x = unmarked(raw);
                continue;
            }
            if !raw.is_null() && raw != greater {
                // SAFETY: loaded while pinned.
                let yn = unsafe { node_ref(raw) };
                yn.liveness.check();
                match compare(yn, key, seq, &self.settling) {
                    // Taken: deleted just now, so `x.next[0]` is marked (the taking pop's
                    // Release on `state`, our Acquire in `compare`): reload it.
                    None => continue,
                    Some(std::cmp::Ordering::Less) => {
                        x = raw;
                        continue;
                    }
                    Some(_) => {}
                }
            }
            // Not published yet: Relaxed, the CAS below publishes it.
            new.next[0].store(raw, Ordering::Relaxed);
            for (link, &succ) in new.next.iter().zip(&succs).take(height).skip(1) {
                link.store(succ, Ordering::Relaxed);
            }
            // Release: publishes the node (item, seq, height, links) to every thread
            // that loads it from this link, directly or through the release sequence of
            // later RMWs (marks, inserts) on it. Relaxed on failure: we reload above.
            match xn.next[0].compare_exchange(raw, node, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => break,
                Err(_) => backoff.spin(),
            }
        }
        std::mem::forget(abandon);

        // The tower: only levels whose successor is verified to lie after the node.
        let top = self.verified_levels(node, height, &succs);
        for level in 1..top {
            // SAFETY: `preds[level]` is `head` or was loaded while pinned.
            let pred = unsafe { node_ref(preds[level]) };
            pred.liveness.check();
            // Release: publishes the node's `next[level]` (written before the level-0
            // CAS, so already visible to anyone who synchronized with that; this covers
            // threads that reach the node first on this level). Relaxed on failure: we
            // give up this level and the ones above.
            if pred.next[level]
                .compare_exchange(succs[level], node, Ordering::Release, Ordering::Relaxed)
                .is_err()
            {
                break;
            }
        }
        if height > 1 {
            // Release: pairs with the remover's Acquire load; our upper CASes are done.
            new.linking.store(false, Ordering::Release);
        }
        drop(guard);
        // SeqCst: one of the four accesses `Tasks::push_counted` explains (a pop and its
        // `task_done` may be counted before this push); also pairs with the Acquire load
        // in `close`, which waits for every push that started before it.
        // audit: keep - production pairing of two notifiers, as in the Stack; under loom
        // the handshake's fence(SeqCst) orders it.
        self.pushed.fetch_add(1, Ordering::SeqCst);
        self.tasks.push_counted(|| self.pushed_count());
        self.poppers.notify();
        // A `close` may be waiting for this push to link.
        self.settling.notify();
        Ok(())
    }

    /// How many levels of `node`'s tower may be linked: level `i` only if `succs[i]` is
    /// null or found walking level 0 forward from `node` within `4 << i` steps, so that
    /// every upper link points forward in level-0 order (invariant 2) whatever `Ord`
    /// says. Pointer identity only: no comparison after the node is linked.
    fn verified_levels(&self, node: *mut Node<T>, height: usize, succs: &[*mut Node<T>]) -> usize {
        let mut at = node;
        let mut steps = 0;
        for (level, &succ) in succs.iter().enumerate().take(height).skip(1) {
            if succ.is_null() {
                continue;
            }
            while at != succ {
                if steps >= 4 << level || at.is_null() {
                    return level;
                }
                // SAFETY: `node` is linked and not removable while `linking` is set
                // (invariant 4), and so is every node after it; we are pinned.
                let an = unsafe { node_ref(at) };
                an.liveness.check();
                // Acquire: as in the search: the next node may be reached first here.
                // audit: keep - needed to dereference a node first reached through this
                // load; in the models every node after the new one was already acquired
                // by the search, so no model can tell Relaxed apart.
                at = unmarked(an.next[0].load(Ordering::Acquire));
                steps += 1;
            }
        }
        height
    }

    // ----------------------------------------------------------------------------------
    // The lock-free core: pops

    /// One pop attempt.
    fn take(&self) -> Take<T> {
        loop {
            // Read the flags first: `CLOSED` seen before an empty list means closed and
            // drained (nothing links after `CLOSED`). Acquire: pairs with the Release in
            // `close`, so every push that linked before the close is visible below.
            let closed_before = self.seq.load(Ordering::Acquire) & CLOSED != 0;
            let guard = self.reclaim.pin();
            let mut backoff = Backoff::new();
            let mut x = self.head;
            let mut skipped = 0;
            // SAFETY: `head` lives as long as the queue.
            let mut raw = unsafe { node_ref(x) }.next[0].load(Ordering::Acquire);
            loop {
                if is_marked(raw) {
                    // Deleted: walk past it.
                    x = unmarked(raw);
                    // SAFETY: loaded while pinned (`guard`).
                    let xn = unsafe { node_ref(x) };
                    xn.liveness.check();
                    skipped += 1;
                    // Acquire: pairs with the Release CAS that linked the next node
                    // (marks continue its release sequence).
                    raw = xn.next[0].load(Ordering::Acquire);
                    continue;
                }
                if raw.is_null() {
                    break;
                }
                // SAFETY: `x` is `head` or was loaded while pinned.
                let xn = unsafe { node_ref(x) };
                // Relaxed on success: the load that returned `raw` already acquired the
                // node; the mark continues the release sequence of the CAS that linked
                // it, for the walkers after us. Acquire on failure: we may walk into
                // the node the failure returns.
                match xn.next[0].compare_exchange(
                    raw,
                    marked(raw),
                    Ordering::Relaxed,
                    Ordering::Acquire,
                ) {
                    Ok(_) => {
                        let item = self.claim(raw);
                        if skipped >= BOUND {
                            self.remove_prefix();
                        }
                        drop(guard);
                        // Relaxed: a count (see `crate::tasks`).
                        self.popped.fetch_add(1, Ordering::Relaxed);
                        if self.is_bounded() {
                            self.unreserve();
                        }
                        return Take::Item(item);
                    }
                    Err(current) => {
                        raw = current;
                        backoff.spin();
                    }
                }
            }
            drop(guard);
            if closed_before {
                return Take::Closed;
            }
            // Closed between the two loads: look again (now with the flag seen first,
            // by the Acquire load above). Otherwise the queue was open when we found it
            // empty. Relaxed: nothing is read on the strength of this load.
            if self.seq.load(Ordering::Relaxed) & CLOSED != 0 {
                continue;
            }
            return Take::Empty;
        }
    }

    /// Moves the item out of `node`, which this thread has just deleted, once no
    /// comparison reads it.
    fn claim(&self, node: *mut Node<T>) -> T {
        // SAFETY: loaded while pinned by our caller, who deleted it (so it is not
        // removed before our caller unpins).
        let n = unsafe { node_ref(node) };
        n.liveness.check();
        // Release: a comparison that sees `TAKEN` (Acquire) also sees our mark, so it
        // reloads a marked link instead of this node (see `link`).
        n.state.fetch_or(TAKEN, Ordering::Release);
        // Acquire: pairs with the Release of each comparison's exit, so its reads of the
        // item happen before we move the item out.
        self.wait_settled(|| n.state.load(Ordering::Acquire) == TAKEN);
        // SAFETY: we deleted the node: we alone move its item out, once; no comparison
        // reads it any more (`TAKEN` with no readers). `with_mut`: it ends the node's
        // ownership of the item, which loom checks against the comparisons' reads.
        n.item
            .with_mut(|item| unsafe { ptr::read(item).assume_init() })
    }

    /// Removes a run of deleted nodes from the front, if no other thread is doing so.
    /// Called pinned (the caller's guard covers the nodes it reads).
    fn remove_prefix(&self) {
        // Acquire: pairs with the previous remover's Release below, so its work (the
        // `removed` flags and `head`'s links) is visible.
        // audit: keep - without it a second remover may read `head`'s links from before
        // the previous removal and walk into retired nodes; the models (2 levels, a few
        // items) never run two removals on different threads.
        if self
            .removing
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        // SAFETY: `head` lives as long as the queue.
        let head = unsafe { node_ref(self.head) };
        // Acquire: as in `take`. Only removers change `head.next[0]` once it is marked.
        // audit: keep - (this and the remover's other Acquire loads) needed to read nodes
        // this thread did not acquire yet; in the models the remover has just walked the
        // same prefix in its own pop, so no model can tell Relaxed apart.
        let first = head.next[0].load(Ordering::Acquire);
        debug_assert!(is_marked(first), "a pop deleted a node before calling this");
        let guard = self.reclaim.pin();
        // The run is the nodes from `unmarked(first)` up to (not including) `x` on level
        // 0. Their `next[0]` links are marked, so nobody changes them: walking the run
        // again below finds the same nodes, and no list of them needs allocating.
        let mut run_len = 0;
        let mut x = unmarked(first);
        while run_len < REMOVE_LIMIT {
            // SAFETY: loaded while pinned; nodes of the prefix are not removed by anyone
            // else (we hold `removing`).
            let xn = unsafe { node_ref(x) };
            xn.liveness.check();
            // Acquire: as in `take`.
            // audit: keep - as the load of `first`.
            let next = xn.next[0].load(Ordering::Acquire);
            // Acquire: pairs with the push's Release: its tower CASes are done.
            if !is_marked(next) || xn.linking.load(Ordering::Acquire) {
                break;
            }
            // Relaxed: read only by removers, ordered by `removing`.
            xn.removed.store(true, Ordering::Relaxed);
            run_len += 1;
            x = unmarked(next);
        }
        if run_len > 0 {
            // Release: a walker that loads the new link sees `x` (which we acquired).
            // audit: keep - (this and the upper-level swing's Release) a plain store ends
            // the release sequence of `x`'s link; in the models every thread that reads
            // the new link later has acquired `x` already or is joined after the pop.
            head.next[0].store(marked(x), Ordering::Release);
            for level in 1..MAX_HEIGHT {
                loop {
                    // Acquire: as in the search.
                    // audit: keep - as the load of `first`.
                    let old = head.next[level].load(Ordering::Acquire);
                    let mut y = old;
                    while !y.is_null() {
                        // SAFETY: loaded while pinned.
                        let yn = unsafe { node_ref(y) };
                        yn.liveness.check();
                        // Relaxed: our own flags.
                        if !yn.removed.load(Ordering::Relaxed) {
                            break;
                        }
                        // Acquire: as in the search.
                        // audit: keep - as the load of `first`.
                        y = yn.next[level].load(Ordering::Acquire);
                    }
                    if y == old {
                        break;
                    }
                    // Release: as the level-0 store. Relaxed on failure: we retry.
                    // audit: keep - as the level-0 store.
                    if head.next[level]
                        .compare_exchange(old, y, Ordering::Release, Ordering::Relaxed)
                        .is_ok()
                    {
                        break;
                    }
                }
            }
            let mut node = unmarked(first);
            while node != x {
                // SAFETY: in the run: loaded while pinned, and only retired below, after
                // this read (the free waits for our guard anyway).
                let nn = unsafe { node_ref(node) };
                // Relaxed: a marked link of the run, unchanged since we acquired it above.
                let next = unmarked(nn.next[0].load(Ordering::Relaxed));
                // SAFETY: unreachable from `head` on every level (invariant 4), retired
                // once (we held `removing` and marked it removed), its item moved out by
                // the pop that deleted it (or being moved by that pinned pop: the free
                // waits for it).
                unsafe { guard.retire(node) };
                node = next;
            }
        }
        // Release: see the Acquire above.
        self.removing.store(false, Ordering::Release);
    }

    /// Gives back a bounded queue's reservation and wakes a pusher waiting for room.
    fn unreserve(&self) {
        if self.is_bounded() {
            // Relaxed: a count; the notify fences (see `crate::park`).
            self.count.fetch_sub(1, Ordering::Relaxed);
            self.pushers.notify();
        }
    }

    /// Waits until a close that is under way has taken effect.
    fn wait_closed(&self) {
        // Relaxed: the caller only reports `Closed`; nothing is read on the strength of
        // this load (a pop after it synchronizes with `close` itself).
        self.wait_settled(|| self.seq.load(Ordering::Relaxed) & CLOSED != 0);
    }

    /// Waits until `settled()` holds: a step another thread has begun and will finish,
    /// then notify `settling`. Spins briefly, then parks (see [`crate::park`]).
    fn wait_settled(&self, mut settled: impl FnMut() -> bool) {
        if settled() {
            return;
        }
        wait_until(&self.settling, None, || {
            if settled() {
                Poll::Ready(())
            } else {
                Poll::Wait(WaitFor::Completion)
            }
        })
        .expect("a wait with no deadline cannot time out");
    }
}

/// Compares `node`'s key with `(key, seq)`, or `None` if the node's item has been taken
/// (the node is deleted). Registers as a reader while the item is borrowed; the last
/// reader to leave a taken node wakes its pop, parked on `settling`.
fn compare<T: Ord>(
    node: &Node<T>,
    key: &T,
    seq: usize,
    settling: &WaitList,
) -> Option<std::cmp::Ordering> {
    // Acquire: a `TAKEN` seen comes with the taking pop's mark.
    if node.state.load(Ordering::Acquire) & TAKEN != 0 {
        return None;
    }
    // Relaxed: if `TAKEN` shows up only here, the caller's reload may still see the
    // unmarked link, compares again and then sees `TAKEN` by the Acquire load above.
    if node.state.fetch_add(READER, Ordering::Relaxed) & TAKEN != 0 {
        // Relaxed: we read nothing.
        node.state.fetch_sub(READER, Ordering::Relaxed);
        return None;
    }
    /// Leaves the reader count, also when `Ord` panics.
    struct Leave<'a>(&'a AtomicUsize, &'a WaitList);
    impl Drop for Leave<'_> {
        fn drop(&mut self) {
            // Release: pairs with the Acquire load in `claim`: our reads of the item
            // happen before the pop moves it out.
            let before = self.0.fetch_sub(READER, Ordering::Release);
            // The last reader of a taken node: its pop may be parked, waiting for us, so
            // wake it now rather than when our push ends (which notifies `settling` too;
            // loom's `push_of_a_new_minimum_races_a_pop` deadlocks only without both). A
            // reader that left before `TAKEN` was set is never waited for: the pop's
            // `fetch_or` comes after our `fetch_sub` and sees the count without us.
            if before == TAKEN | READER {
                self.1.notify();
            }
        }
    }
    let _leave = Leave(&node.state, settling);
    // SAFETY: the node is not the `head` (we reached it through a link); its item was
    // initialized before publication and is not moved out while we are a reader.
    let ord = node
        .item
        .with(|item| unsafe { (*item).assume_init_ref() }.cmp(key));
    Some(ord.then(node.seq.cmp(&seq)))
}

/// Undoes a push whose comparison panicked: the node was never linked.
struct Abandon<'a, T> {
    queue: &'a PriorityQueue<T>,
    node: *mut Node<T>,
}

impl<T> Drop for Abandon<'_, T> {
    fn drop(&mut self) {
        // Relaxed: `close` counts this push as settled; it linked nothing to publish.
        self.queue.abandoned.fetch_add(1, Ordering::Relaxed);
        // A `close` may be waiting for this push to settle.
        self.queue.settling.notify();
        if self.queue.capacity != usize::MAX {
            // Relaxed: a count.
            self.queue.count.fetch_sub(1, Ordering::Relaxed);
            self.queue.pushers.notify();
        }
        // SAFETY: the node was never published: we own it; its item is initialized.
        let node = unsafe { node_ref(self.node) };
        // SAFETY: as above; dropped once, here.
        node.item
            .with_mut(|item| unsafe { ptr::drop_in_place((*item).as_mut_ptr()) });
        // SAFETY: from `new_node`, never published, freed once; what it still holds
        // (atomics, an uninitialized item) needs no drop beyond its own.
        unsafe { free_unshared(self.node) };
    }
}

impl<T: Ord> PriorityQueue<T> {
    // ----------------------------------------------------------------------------------
    // Pushes

    /// Pushes `item`, parking while a bounded queue is full. An unbounded queue never
    /// parks here.
    ///
    /// # Errors
    ///
    /// [`Closed`] with the item if the queue is closed, before or while this call waits.
    ///
    /// # Panics
    ///
    /// If `T`'s `Ord` panics; the item is then dropped and the queue is unchanged.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::PriorityQueue;
    /// use std::thread;
    ///
    /// let queue = PriorityQueue::bounded(1);
    /// thread::scope(|s| {
    ///     s.spawn(|| {
    ///         queue.push(2).unwrap();
    ///         queue.push(1).unwrap(); // parks until the main thread pops 2
    ///     });
    ///     assert_eq!(queue.pop(), Some(2));
    ///     assert_eq!(queue.pop(), Some(1));
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
    /// - [`TryPushError::Full`] with the item if a bounded queue was full: its linked
    ///   items, plus pushes and pops still under way on other threads, fill it;
    /// - [`TryPushError::Closed`] with the item if the queue is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PriorityQueue, TryPushError};
    ///
    /// let queue = PriorityQueue::bounded(1);
    /// assert_eq!(queue.try_push('a'), Ok(()));
    /// assert_eq!(queue.try_push('b'), Err(TryPushError::Full('b')));
    /// queue.close();
    /// assert_eq!(queue.try_push('c'), Err(TryPushError::Closed('c')));
    /// ```
    pub fn try_push(&self, item: T) -> Result<(), TryPushError<T>> {
        self.link(item).map_err(|refused| match refused {
            Refused::Full(item) => TryPushError::Full(item),
            Refused::Closed(item) => TryPushError::Closed(item),
        })
    }

    /// Pushes `item`, parking while a bounded queue is full, for at most `timeout`.
    ///
    /// Room that frees up by the deadline is still used. A timeout too large to add to
    /// the current time means "wait forever".
    ///
    /// # Errors
    ///
    /// - [`PushTimeoutError::Timeout`] with the item if the queue stayed full;
    /// - [`PushTimeoutError::Closed`] with the item if the queue is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PriorityQueue, PushTimeoutError};
    /// use std::time::Duration;
    ///
    /// let queue = PriorityQueue::bounded(1);
    /// queue.push(1).unwrap();
    /// let full = queue.push_timeout(2, Duration::from_millis(10));
    /// assert_eq!(full, Err(PushTimeoutError::Timeout(2)));
    /// ```
    pub fn push_timeout(&self, item: T, timeout: Duration) -> Result<(), PushTimeoutError<T>> {
        self.push_until_result(item, Instant::now().checked_add(timeout))
    }

    /// Pushes `item`, parking while a bounded queue is full, until `deadline`.
    ///
    /// A deadline already passed still makes one attempt.
    ///
    /// # Errors
    ///
    /// As [`push_timeout`](PriorityQueue::push_timeout).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PriorityQueue, PushTimeoutError};
    /// use std::time::Instant;
    ///
    /// let queue = PriorityQueue::bounded(1);
    /// assert_eq!(queue.push_deadline(1, Instant::now()), Ok(()));
    /// assert_eq!(queue.push_deadline(2, Instant::now()), Err(PushTimeoutError::Timeout(2)));
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

    /// Pops the smallest item, parking while the queue is empty. Returns `None` once the
    /// queue is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::PriorityQueue;
    /// use std::thread;
    ///
    /// let queue = PriorityQueue::new();
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

    /// Pops the smallest item if there is one, without parking.
    ///
    /// # Errors
    ///
    /// - [`TryPopError::Empty`] if the queue was empty but is still open;
    /// - [`TryPopError::Closed`] if the queue is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PriorityQueue, TryPopError};
    ///
    /// let queue = PriorityQueue::new();
    /// queue.push(2).unwrap();
    /// queue.push(1).unwrap();
    /// assert_eq!(queue.try_pop(), Ok(1));
    /// assert_eq!(queue.try_pop(), Ok(2));
    /// assert_eq!(queue.try_pop(), Err(TryPopError::Empty));
    /// ```
    pub fn try_pop(&self) -> Result<T, TryPopError> {
        match self.take() {
            Take::Item(item) => Ok(item),
            Take::Empty => Err(TryPopError::Empty),
            Take::Closed => Err(TryPopError::Closed),
        }
    }

    /// Pops the smallest item, parking while the queue is empty, for at most `timeout`.
    ///
    /// An item that is ready at the deadline is still taken. A timeout too large to add
    /// to the current time means "wait forever".
    ///
    /// # Errors
    ///
    /// - [`PopTimeoutError::Timeout`] if the queue stayed empty;
    /// - [`PopTimeoutError::Closed`] if the queue is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PopTimeoutError, PriorityQueue};
    /// use std::time::Duration;
    ///
    /// let queue = PriorityQueue::new();
    /// queue.push(5).unwrap();
    /// assert_eq!(queue.pop_timeout(Duration::from_millis(10)), Ok(5));
    /// assert_eq!(queue.pop_timeout(Duration::from_millis(10)), Err(PopTimeoutError::Timeout));
    /// ```
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopTimeoutError> {
        self.pop_until_result(Instant::now().checked_add(timeout))
    }

    /// Pops the smallest item, parking while the queue is empty, until `deadline`.
    ///
    /// A deadline already passed still makes one attempt.
    ///
    /// # Errors
    ///
    /// As [`pop_timeout`](PriorityQueue::pop_timeout).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::{PopTimeoutError, PriorityQueue};
    /// use std::time::Instant;
    ///
    /// let queue: PriorityQueue<u8> = PriorityQueue::new();
    /// assert_eq!(queue.pop_deadline(Instant::now()), Err(PopTimeoutError::Timeout));
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

    /// Closes the queue. Returns `true` if this call closed it, `false` if it already was.
    ///
    /// Every later push fails and hands its item back. Pops still drain the items inside
    /// (smallest first), then report the queue closed; parked threads wake at once.
    /// Pushes already under way when `close` starts still go in: `close` waits for them
    /// (they are lock-free, so this is short), and returns once the close has taken
    /// effect; so does a `close` racing it, and a push that arrives meanwhile.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::PriorityQueue;
    ///
    /// let queue = PriorityQueue::new();
    /// queue.push(1).unwrap();
    /// assert!(queue.close());
    /// assert!(!queue.close());
    /// assert!(queue.push(2).is_err());
    /// assert_eq!(queue.pop(), Some(1));
    /// assert_eq!(queue.pop(), None);
    /// ```
    pub fn close(&self) -> bool {
        // Relaxed: the RMWs on this word are totally ordered with the pushes' (which
        // is all `CLOSING` needs); the result says how many pushes started before.
        let before = self.seq.fetch_or(CLOSING, Ordering::Relaxed);
        if before & CLOSING != 0 {
            self.wait_closed();
            return false;
        }
        let started = before / SEQ_ONE;
        self.wait_settled(|| {
            // Acquire: pairs with each push's count (SeqCst RMW), so their links happen
            // before `CLOSED` below. Relaxed for the unwound pushes: nothing to publish.
            let settled =
                self.pushed.load(Ordering::Acquire) + self.abandoned.load(Ordering::Relaxed);
            settled >= started
        });
        // Release: pairs with the Acquire loads of the flag in `take`: a pop that sees
        // `CLOSED` sees every item linked before it.
        self.seq.fetch_or(CLOSED, Ordering::Release);
        self.poppers.notify_all();
        self.pushers.notify_all();
        self.settling.notify_all();
        true
    }

    /// Whether the queue is closed.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue: parkq::PriorityQueue<u8> = parkq::PriorityQueue::new();
    /// assert!(!queue.is_closed());
    /// queue.close();
    /// assert!(queue.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        // Relaxed: a snapshot, ordered with nothing else.
        self.seq.load(Ordering::Relaxed) & CLOSED != 0
    }

    /// Closes the queue and takes out every item still inside, smallest first.
    ///
    /// Python's `shutdown(immediate=True)`, except that nothing is dropped silently: the
    /// items come back to the caller. Items taken here count as done for
    /// [`join`](PriorityQueue::join). Consumers running at the same time may still take
    /// some items first; each item goes to exactly one of them.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::PriorityQueue;
    ///
    /// let queue = PriorityQueue::new();
    /// queue.push(2).unwrap();
    /// queue.push(1).unwrap();
    /// assert_eq!(queue.close_and_drain(), vec![1, 2]);
    /// assert!(queue.is_closed());
    /// queue.join(); // the drained items count as done
    /// ```
    pub fn close_and_drain(&self) -> Vec<T> {
        self.close();
        let mut items = Vec::new();
        // After the close nothing links, so this loop ends with the queue empty.
        while let Take::Item(item) = self.take() {
            items.push(item);
        }
        self.tasks.mark_done(items.len(), || self.pushed_count());
        items
    }

    /// How many items are in the queue: exact when no other thread pushes or pops,
    /// approximate while they do. A bounded queue reports its reservation count (items
    /// inside plus pushes and pops under way), never more than its capacity; an unbounded
    /// one the difference of its push and pop counts. Never panics, never underflows.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue = parkq::PriorityQueue::new();
    /// queue.push('x').unwrap();
    /// assert_eq!(queue.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        if self.is_bounded() {
            // The reservation count: never above the capacity. Relaxed: a snapshot.
            return self.count.load(Ordering::Relaxed);
        }
        // A push is counted after its pop may have been: saturate.
        let popped = self.popped_count();
        self.pushed_count().saturating_sub(popped)
    }

    /// Whether the queue is empty. Approximate, like [`len`](PriorityQueue::len).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue: parkq::PriorityQueue<u8> = parkq::PriorityQueue::new();
    /// assert!(queue.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a bounded queue is full (always `false` for an unbounded one): whether
    /// [`try_push`](PriorityQueue::try_push) would report `Full` now.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue = parkq::PriorityQueue::bounded(1);
    /// queue.push(()).unwrap();
    /// assert!(queue.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        // Relaxed: a snapshot.
        self.is_bounded() && self.count.load(Ordering::Relaxed) >= self.capacity
    }

    /// How many pushes have ever completed.
    fn pushed_count(&self) -> usize {
        // SeqCst: read by `task_done` after its count; see `Tasks::push_counted`.
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
    /// # Panics
    ///
    /// If called more times than items have been popped. The count is left unchanged.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::PriorityQueue;
    /// use std::thread;
    ///
    /// let queue = PriorityQueue::new();
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
    /// [`task_done`](PriorityQueue::task_done) (or taken out by
    /// [`close_and_drain`](PriorityQueue::close_and_drain)).
    ///
    /// # Examples
    ///
    /// See [`task_done`](PriorityQueue::task_done).
    pub fn join(&self) {
        self.tasks.join(|| self.pushed_count());
    }

    /// A blocking iterator: yields items as [`pop`](PriorityQueue::pop) does, and ends
    /// once the queue is closed and drained.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue = parkq::PriorityQueue::new();
    /// queue.push(2).unwrap();
    /// queue.push(1).unwrap();
    /// queue.close();
    /// assert_eq!(queue.iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn iter(&self) -> PriorityQueueIter<'_, T> {
        PriorityQueueIter { queue: self }
    }

    /// A non-blocking iterator: yields items as [`try_pop`](PriorityQueue::try_pop)
    /// does, and ends as soon as the queue is empty.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue = parkq::PriorityQueue::new();
    /// queue.push(1).unwrap();
    /// assert_eq!(queue.try_iter().collect::<Vec<_>>(), [1]);
    /// assert_eq!(queue.try_iter().next(), None);
    /// ```
    pub fn try_iter(&self) -> PriorityQueueTryIter<'_, T> {
        PriorityQueueTryIter { queue: self }
    }
}

impl<T> PriorityQueue<T> {
    /// The most items the queue holds: `None` if it is unbounded.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// assert_eq!(parkq::PriorityQueue::<u8>::bounded(3).capacity(), Some(3));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        (self.capacity != usize::MAX).then_some(self.capacity)
    }

    fn is_bounded(&self) -> bool {
        self.capacity != usize::MAX
    }
}

impl<T> Drop for PriorityQueue<T> {
    fn drop(&mut self) {
        /// Frees the rest of level 0 from `cursor`, dropping the items of nodes that are
        /// not deleted; keeps going while unwinding if an item's destructor panics.
        struct Rest<T> {
            cursor: *mut Node<T>,
            /// Whether the node at `cursor` is deleted (its item already moved out).
            deleted: bool,
        }
        impl<T> Rest<T> {
            fn free_all(&mut self) {
                while !self.cursor.is_null() {
                    // SAFETY: exclusive access: every node still on level 0 is ours;
                    // removed nodes are not on it (the reclaimer frees those). `new_node`
                    // allocated it as a `Box<Node<T>>` (fresh, or a cached block of that
                    // layout, which was one).
                    let node = unsafe { Box::from_raw(self.cursor) };
                    // Relaxed: exclusive access.
                    let next = node.next[0].load(Ordering::Relaxed);
                    let deleted = self.deleted;
                    self.cursor = unmarked(next);
                    self.deleted = is_marked(next);
                    if !deleted {
                        // SAFETY: a node that is not deleted holds its item (invariant 5).
                        node.item
                            .with_mut(|item| unsafe { ptr::drop_in_place((*item).as_mut_ptr()) });
                    }
                }
            }
        }
        impl<T> Drop for Rest<T> {
            fn drop(&mut self) {
                self.free_all();
            }
        }
        // SAFETY: the sentinel was allocated in `with_capacity`; its item is uninit.
        let head = unsafe { Box::from_raw(self.head) };
        // Relaxed: exclusive access.
        let first = head.next[0].load(Ordering::Relaxed);
        drop(head);
        let mut rest = Rest {
            cursor: unmarked(first),
            deleted: is_marked(first),
        };
        rest.free_all();
    }
}

impl<T> fmt::Debug for PriorityQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Relaxed (all): a snapshot.
        let popped = self.popped.load(Ordering::Relaxed);
        let len = if self.is_bounded() {
            self.count.load(Ordering::Relaxed)
        } else {
            self.pushed.load(Ordering::Relaxed).saturating_sub(popped)
        };
        f.debug_struct("PriorityQueue")
            .field("len", &len)
            .field("capacity", &self.capacity())
            .field("closed", &(self.seq.load(Ordering::Relaxed) & CLOSED != 0))
            .finish_non_exhaustive()
    }
}

/// A blocking iterator over a [`PriorityQueue`], created by [`PriorityQueue::iter`].
#[derive(Debug)]
pub struct PriorityQueueIter<'a, T> {
    queue: &'a PriorityQueue<T>,
}

impl<T: Ord> Iterator for PriorityQueueIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.pop()
    }
}

impl<T: Ord> FusedIterator for PriorityQueueIter<'_, T> {}

/// A non-blocking iterator over a [`PriorityQueue`], created by
/// [`PriorityQueue::try_iter`].
#[derive(Debug)]
pub struct PriorityQueueTryIter<'a, T> {
    queue: &'a PriorityQueue<T>,
}

impl<T: Ord> Iterator for PriorityQueueTryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.try_pop().ok()
    }
}

/// An owning iterator over a [`PriorityQueue`]: yields the items left inside, smallest
/// first.
#[derive(Debug)]
pub struct PriorityQueueIntoIter<T> {
    queue: PriorityQueue<T>,
}

impl<T: Ord> Iterator for PriorityQueueIntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.try_pop().ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // No other thread can reach an owned queue, so `len` is exact.
        let len = self.queue.len();
        (len, Some(len))
    }
}

impl<T: Ord> ExactSizeIterator for PriorityQueueIntoIter<T> {}
impl<T: Ord> FusedIterator for PriorityQueueIntoIter<T> {}

impl<T: Ord> IntoIterator for PriorityQueue<T> {
    type Item = T;
    type IntoIter = PriorityQueueIntoIter<T>;

    /// Takes the items left inside, smallest first.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let queue = parkq::PriorityQueue::new();
    /// queue.push('b').unwrap();
    /// queue.push('a').unwrap();
    /// assert_eq!(queue.into_iter().collect::<String>(), "ab");
    /// ```
    fn into_iter(self) -> PriorityQueueIntoIter<T> {
        PriorityQueueIntoIter { queue: self }
    }
}

impl<'a, T: Ord> IntoIterator for &'a PriorityQueue<T> {
    type Item = T;
    type IntoIter = PriorityQueueIter<'a, T>;

    fn into_iter(self) -> PriorityQueueIter<'a, T> {
        self.iter()
    }
}
