//! Every implementation the comparison suite measures, behind one small interface
//! ([`Contender`]: a producer handle, a consumer handle, a constructor), and the
//! families that group them.
//!
//! - parkq: `Queue`, `Ring`, `Stack`, and `parkq::channel` (unbounded and bounded);
//! - blocking peers: std `mpsc`, crossbeam-channel, kanal, flume, and a
//!   `Mutex<VecDeque>` + `Condvar` queue written here (Python's `queue.Queue` design),
//!   and the same used as a stack (`Mutex<Vec>` + `Condvar`, Python's `LifoQueue`);
//! - non-blocking peers (crossbeam-queue's `SegQueue` and `ArrayQueue`,
//!   concurrent-queue, and the `lockfree` crate's stack): they have no way to wait, so
//!   they wait by spin-then-yield
//!   ([`SpinYield`]) and carry `(spin-yield)` in their label.
//! - priority queues: `parkq::PriorityQueue`, a `Mutex<BinaryHeap>` + `Condvar` queue
//!   written here (Python's `queue.PriorityQueue` design) and crossbeam-skiplist's
//!   `SkipSet` used as a priority queue (spin-yield). The scenarios send `1..=n`; a
//!   priority contender orders each item by [`priority_key`], a bijective scramble, so
//!   priorities are pseudo-random while the count and sum checks still hold.
//!
//! A producer handle ends the stream when the last clone is dropped (closing the queue
//! or disconnecting the channel); a consumer's `recv` returns `None` once the stream has
//! ended and is drained.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::scenarios::{self, Load, Outcome, Scenario};
use super::SpinYield;

/// A producer's handle. Dropping the last one ends the stream.
pub trait Tx: Clone + Send {
    fn send(&self, item: u64);
}

/// A consumer's handle: `None` once the stream has ended and is drained.
pub trait Rx: Send {
    fn recv(&self) -> Option<u64>;
    /// Another consumer handle, if the queue allows more than one consumer.
    fn another(&self) -> Option<Self>
    where
        Self: Sized;
}

/// One implementation under test.
pub trait Contender {
    /// The label in the results.
    const NAME: &'static str;
    type Tx: Tx;
    type Rx: Rx;
    /// A new queue: `None` for unbounded, else the capacity.
    fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx);
}

/// Counts producer handles; the last one dropped runs `end` once.
pub struct Producers<Q> {
    queue: Arc<Q>,
    count: Arc<AtomicUsize>,
    end: fn(&Q),
}

impl<Q> Producers<Q> {
    fn new(queue: Arc<Q>, end: fn(&Q)) -> Self {
        Producers {
            queue,
            count: Arc::new(AtomicUsize::new(1)),
            end,
        }
    }
}

impl<Q> Clone for Producers<Q> {
    fn clone(&self) -> Self {
        // Relaxed: a new handle from a live one, as `Arc::clone`.
        self.count.fetch_add(1, Ordering::Relaxed);
        Producers {
            queue: self.queue.clone(),
            count: self.count.clone(),
            end: self.end,
        }
    }
}

impl<Q> Drop for Producers<Q> {
    fn drop(&mut self) {
        // AcqRel: the last producer's end-of-stream comes after every send.
        if self.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            (self.end)(&self.queue);
        }
    }
}

// parkq::Queue and parkq::Ring: the last producer closes; pop returns None after.

pub struct ParkqQueue;
impl Tx for Producers<parkq::Queue<u64>> {
    fn send(&self, item: u64) {
        self.queue.push(item).expect("queue is open");
    }
}
impl Rx for Arc<parkq::Queue<u64>> {
    fn recv(&self) -> Option<u64> {
        self.pop()
    }
    fn another(&self) -> Option<Self> {
        Some(self.clone())
    }
}
impl Contender for ParkqQueue {
    const NAME: &'static str = "parkq::Queue";
    type Tx = Producers<parkq::Queue<u64>>;
    type Rx = Arc<parkq::Queue<u64>>;
    fn new(_: Option<usize>) -> (Self::Tx, Self::Rx) {
        let queue = Arc::new(parkq::Queue::new());
        let end = |q: &parkq::Queue<u64>| {
            q.close();
        };
        (Producers::new(queue.clone(), end), queue)
    }
}

pub struct ParkqRing;
impl Tx for Producers<parkq::Ring<u64>> {
    fn send(&self, item: u64) {
        self.queue.push(item).expect("ring is open");
    }
}
impl Rx for Arc<parkq::Ring<u64>> {
    fn recv(&self) -> Option<u64> {
        self.pop()
    }
    fn another(&self) -> Option<Self> {
        Some(self.clone())
    }
}
impl Contender for ParkqRing {
    const NAME: &'static str = "parkq::Ring";
    type Tx = Producers<parkq::Ring<u64>>;
    type Rx = Arc<parkq::Ring<u64>>;
    fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let ring = Arc::new(parkq::Ring::new(capacity.expect("a ring is bounded")));
        let end = |r: &parkq::Ring<u64>| {
            r.close();
        };
        (Producers::new(ring.clone(), end), ring)
    }
}

// Channels: dropping the last sender disconnects.

/// `Tx` for a sender type with `send(item) -> Result`.
macro_rules! channel_tx {
    ($tx:ty) => {
        impl Tx for $tx {
            fn send(&self, item: u64) {
                <$tx>::send(self, item).expect("channel is open");
            }
        }
    };
}

/// `Rx` for a receiver type with `recv() -> Result`; `clone` makes another consumer
/// unless the receiver is single-consumer.
macro_rules! channel_rx {
    ($rx:ty, single_consumer) => {
        impl Rx for $rx {
            fn recv(&self) -> Option<u64> {
                <$rx>::recv(self).ok()
            }
            fn another(&self) -> Option<Self> {
                None
            }
        }
    };
    ($rx:ty) => {
        impl Rx for $rx {
            fn recv(&self) -> Option<u64> {
                <$rx>::recv(self).ok()
            }
            fn another(&self) -> Option<Self> {
                Some(self.clone())
            }
        }
    };
}

/// A channel contender: its name, its handle types, and how to make a channel.
macro_rules! channel_contender {
    ($contender:ident, $name:literal, $tx:ty, $rx:ty,
     unbounded: $unbounded:expr, bounded: $bounded:expr) => {
        struct $contender;
        impl Contender for $contender {
            const NAME: &'static str = $name;
            type Tx = $tx;
            type Rx = $rx;
            fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
                match capacity {
                    None => $unbounded,
                    Some(cap) => $bounded(cap),
                }
            }
        }
    };
}

channel_tx!(parkq::channel::Sender<u64>);
channel_rx!(parkq::channel::Receiver<u64>);
channel_contender!(ParkqChannel, "parkq::channel",
    parkq::channel::Sender<u64>, parkq::channel::Receiver<u64>,
    unbounded: parkq::channel::unbounded(), bounded: parkq::channel::bounded);

// std's unbounded and bounded channels have different sender types.
channel_tx!(std::sync::mpsc::Sender<u64>);
channel_tx!(std::sync::mpsc::SyncSender<u64>);
channel_rx!(std::sync::mpsc::Receiver<u64>, single_consumer);
channel_contender!(StdMpsc, "std::mpsc",
    std::sync::mpsc::Sender<u64>, std::sync::mpsc::Receiver<u64>,
    unbounded: std::sync::mpsc::channel(),
    bounded: |_| panic!("bounded std runs use StdSyncChannel"));
channel_contender!(StdSyncChannel, "std::mpsc",
    std::sync::mpsc::SyncSender<u64>, std::sync::mpsc::Receiver<u64>,
    unbounded: panic!("unbounded std runs use StdMpsc"),
    bounded: std::sync::mpsc::sync_channel);

channel_tx!(crossbeam_channel::Sender<u64>);
channel_rx!(crossbeam_channel::Receiver<u64>);
channel_contender!(Crossbeam, "crossbeam-channel",
    crossbeam_channel::Sender<u64>, crossbeam_channel::Receiver<u64>,
    unbounded: crossbeam_channel::unbounded(), bounded: crossbeam_channel::bounded);

channel_tx!(flume::Sender<u64>);
channel_rx!(flume::Receiver<u64>);
channel_contender!(Flume, "flume", flume::Sender<u64>, flume::Receiver<u64>,
    unbounded: flume::unbounded(), bounded: flume::bounded);

channel_tx!(kanal::Sender<u64>);
channel_rx!(kanal::Receiver<u64>);
channel_contender!(Kanal, "kanal", kanal::Sender<u64>, kanal::Receiver<u64>,
    unbounded: kanal::unbounded(), bounded: kanal::bounded);

// Non-blocking queues: spin-then-yield, and a `done` flag raised by the last
// producer; a consumer that finds the queue empty after seeing it stops.

/// A non-blocking queue and its end-of-stream flag.
pub struct Polled<Q> {
    queue: Q,
    done: AtomicBool,
}

/// What the spin-then-yield adapter needs from a non-blocking queue.
pub trait NonBlocking: Send + Sync + 'static {
    fn try_push(&self, item: u64) -> Result<(), u64>;
    fn try_pop(&self) -> Option<u64>;
}

impl NonBlocking for crossbeam_queue::SegQueue<u64> {
    fn try_push(&self, item: u64) -> Result<(), u64> {
        self.push(item);
        Ok(())
    }
    fn try_pop(&self) -> Option<u64> {
        self.pop()
    }
}

impl NonBlocking for crossbeam_queue::ArrayQueue<u64> {
    fn try_push(&self, item: u64) -> Result<(), u64> {
        self.push(item)
    }
    fn try_pop(&self) -> Option<u64> {
        self.pop()
    }
}

impl NonBlocking for lockfree::stack::Stack<u64> {
    fn try_push(&self, item: u64) -> Result<(), u64> {
        self.push(item);
        Ok(())
    }
    fn try_pop(&self) -> Option<u64> {
        self.pop()
    }
}

impl NonBlocking for concurrent_queue::ConcurrentQueue<u64> {
    fn try_push(&self, item: u64) -> Result<(), u64> {
        self.push(item).map_err(|e| e.into_inner())
    }
    fn try_pop(&self) -> Option<u64> {
        self.pop().ok()
    }
}

impl<Q: NonBlocking> Tx for Producers<Polled<Q>> {
    fn send(&self, mut item: u64) {
        let mut backoff = SpinYield::new();
        while let Err(back) = self.queue.queue.try_push(item) {
            item = back;
            backoff.wait();
        }
    }
}

impl<Q: NonBlocking> Rx for Arc<Polled<Q>> {
    fn recv(&self) -> Option<u64> {
        let mut backoff = SpinYield::new();
        loop {
            if let Some(item) = self.queue.try_pop() {
                return Some(item);
            }
            // Acquire: pairs with the last producer's Release; every push came
            // before it, so empty after it is final.
            if self.done.load(Ordering::Acquire) {
                return self.queue.try_pop();
            }
            backoff.wait();
        }
    }
    fn another(&self) -> Option<Self> {
        Some(self.clone())
    }
}

fn polled<Q: NonBlocking>(queue: Q) -> (Producers<Polled<Q>>, Arc<Polled<Q>>) {
    let polled = Arc::new(Polled {
        queue,
        done: AtomicBool::new(false),
    });
    // Release: publishes every push of every producer (ordered before the last
    // producer's drop by the handle count's AcqRel) to the consumers.
    let end = |p: &Polled<Q>| p.done.store(true, Ordering::Release);
    (Producers::new(polled.clone(), end), polled)
}

pub struct SegQueue;
impl Contender for SegQueue {
    const NAME: &'static str = "SegQueue(spin-yield)";
    type Tx = Producers<Polled<crossbeam_queue::SegQueue<u64>>>;
    type Rx = Arc<Polled<crossbeam_queue::SegQueue<u64>>>;
    fn new(_: Option<usize>) -> (Self::Tx, Self::Rx) {
        polled(crossbeam_queue::SegQueue::new())
    }
}

/// The `lockfree` crate's lock-free (Treiber) stack: the published lock-free stack peer of
/// the LIFO family. Unbounded only.
pub struct LockfreeStack;
impl Contender for LockfreeStack {
    const NAME: &'static str = "lockfree::Stack(spin-yield)";
    type Tx = Producers<Polled<lockfree::stack::Stack<u64>>>;
    type Rx = Arc<Polled<lockfree::stack::Stack<u64>>>;
    fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        assert!(capacity.is_none(), "lockfree::stack::Stack is unbounded");
        polled(lockfree::stack::Stack::new())
    }
}

pub struct ArrayQueue;
impl Contender for ArrayQueue {
    const NAME: &'static str = "ArrayQueue(spin-yield)";
    type Tx = Producers<Polled<crossbeam_queue::ArrayQueue<u64>>>;
    type Rx = Arc<Polled<crossbeam_queue::ArrayQueue<u64>>>;
    fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        polled(crossbeam_queue::ArrayQueue::new(
            capacity.expect("ArrayQueue is bounded"),
        ))
    }
}

pub struct ConcurrentQueue;
impl Contender for ConcurrentQueue {
    const NAME: &'static str = "concurrent-queue(spin-yield)";
    type Tx = Producers<Polled<concurrent_queue::ConcurrentQueue<u64>>>;
    type Rx = Arc<Polled<concurrent_queue::ConcurrentQueue<u64>>>;
    fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        polled(match capacity {
            None => concurrent_queue::ConcurrentQueue::unbounded(),
            Some(capacity) => concurrent_queue::ConcurrentQueue::bounded(capacity),
        })
    }
}

// A `Mutex<VecDeque>` and two `Condvar`s: the design of Python's `queue.Queue`.

/// A blocking FIFO queue under one lock, as Python's `queue.Queue` is built. Like
/// Python's `Condition`, it signals only when someone waits: std's `notify_one` makes a
/// system call even with no waiter, which would make this baseline a straw man.
pub struct CondvarQueue {
    state: Mutex<CondvarState>,
    /// Signalled when an item arrives or the queue closes.
    not_empty: Condvar,
    /// Signalled when an item leaves a bounded queue, or the queue closes.
    not_full: Condvar,
    /// `None` for unbounded, else the most items the queue holds.
    capacity: Option<usize>,
    /// Pops take the newest item (a stack: the deque used as a `Vec`).
    lifo: bool,
}

pub struct CondvarState {
    items: VecDeque<u64>,
    closed: bool,
    /// Consumers waiting on `not_empty`.
    waiting_to_pop: usize,
    /// Producers waiting on `not_full`.
    waiting_to_push: usize,
}

impl CondvarQueue {
    fn new(capacity: Option<usize>, lifo: bool) -> Self {
        CondvarQueue {
            lifo,
            state: Mutex::new(CondvarState {
                items: VecDeque::with_capacity(capacity.unwrap_or(0)),
                closed: false,
                waiting_to_pop: 0,
                waiting_to_push: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
        }
    }

    fn push(&self, item: u64) {
        let mut state = self.state.lock().unwrap();
        while self.capacity.is_some_and(|cap| state.items.len() >= cap) {
            state.waiting_to_push += 1;
            state = self.not_full.wait(state).unwrap();
            state.waiting_to_push -= 1;
        }
        state.items.push_back(item);
        let wake = state.waiting_to_pop > 0;
        drop(state);
        if wake {
            self.not_empty.notify_one();
        }
    }

    fn pop(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap();
        loop {
            let item = if self.lifo {
                state.items.pop_back()
            } else {
                state.items.pop_front()
            };
            if let Some(item) = item {
                let wake = state.waiting_to_push > 0;
                drop(state);
                if wake {
                    self.not_full.notify_one();
                }
                return Some(item);
            }
            if state.closed {
                return None;
            }
            state.waiting_to_pop += 1;
            state = self.not_empty.wait(state).unwrap();
            state.waiting_to_pop -= 1;
        }
    }

    fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}

impl Tx for Producers<CondvarQueue> {
    fn send(&self, item: u64) {
        self.queue.push(item);
    }
}
impl Rx for Arc<CondvarQueue> {
    fn recv(&self) -> Option<u64> {
        self.pop()
    }
    fn another(&self) -> Option<Self> {
        Some(self.clone())
    }
}

pub struct MutexVecDeque;
impl Contender for MutexVecDeque {
    const NAME: &'static str = "Mutex<VecDeque>+Condvar";
    type Tx = Producers<CondvarQueue>;
    type Rx = Arc<CondvarQueue>;
    fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let queue = Arc::new(CondvarQueue::new(capacity, false));
        (Producers::new(queue.clone(), CondvarQueue::close), queue)
    }
}

/// A stack under one lock (the same queue, popping the newest item): Python's
/// `LifoQueue` design.
pub struct MutexVec;
impl Contender for MutexVec {
    const NAME: &'static str = "Mutex<Vec>+Condvar";
    type Tx = Producers<CondvarQueue>;
    type Rx = Arc<CondvarQueue>;
    fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let queue = Arc::new(CondvarQueue::new(capacity, true));
        (Producers::new(queue.clone(), CondvarQueue::close), queue)
    }
}

// parkq::Stack: the last producer closes; pop returns None after.

pub struct ParkqStack;
impl Tx for Producers<parkq::Stack<u64>> {
    fn send(&self, item: u64) {
        self.queue.push(item).expect("stack is open");
    }
}
impl Rx for Arc<parkq::Stack<u64>> {
    fn recv(&self) -> Option<u64> {
        self.pop()
    }
    fn another(&self) -> Option<Self> {
        Some(self.clone())
    }
}
impl Contender for ParkqStack {
    const NAME: &'static str = "parkq::Stack";
    type Tx = Producers<parkq::Stack<u64>>;
    type Rx = Arc<parkq::Stack<u64>>;
    fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let stack = Arc::new(capacity.map_or_else(parkq::Stack::new, parkq::Stack::bounded));
        let end = |s: &parkq::Stack<u64>| {
            s.close();
        };
        (Producers::new(stack.clone(), end), stack)
    }
}

// Priority queues: items are `(priority_key(item), item)`, smallest key first.

/// A pseudo-random priority for item `item`: an odd multiplication and a rotation, both
/// bijective on `u64`, so distinct items get distinct keys.
pub fn priority_key(item: u64) -> u64 {
    item.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
}

// parkq::PriorityQueue: the last producer closes; pop returns None after.

pub struct ParkqPriority;
impl Tx for Producers<parkq::PriorityQueue<(u64, u64)>> {
    fn send(&self, item: u64) {
        self.queue
            .push((priority_key(item), item))
            .expect("queue is open");
    }
}
impl Rx for Arc<parkq::PriorityQueue<(u64, u64)>> {
    fn recv(&self) -> Option<u64> {
        self.pop().map(|(_, item)| item)
    }
    fn another(&self) -> Option<Self> {
        Some(self.clone())
    }
}
impl Contender for ParkqPriority {
    const NAME: &'static str = "parkq::PriorityQueue";
    type Tx = Producers<parkq::PriorityQueue<(u64, u64)>>;
    type Rx = Arc<parkq::PriorityQueue<(u64, u64)>>;
    fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let queue = Arc::new(
            capacity.map_or_else(parkq::PriorityQueue::new, parkq::PriorityQueue::bounded),
        );
        let end = |q: &parkq::PriorityQueue<(u64, u64)>| {
            q.close();
        };
        (Producers::new(queue.clone(), end), queue)
    }
}

/// A blocking priority queue under one lock: Python's `queue.PriorityQueue` design (a
/// heap and two `Condition`s), signalling only when someone waits, as `CondvarQueue`.
pub struct CondvarHeap {
    state: Mutex<CondvarHeapState>,
    /// Signalled when an item arrives or the queue closes.
    not_empty: Condvar,
    /// Signalled when an item leaves a bounded queue, or the queue closes.
    not_full: Condvar,
    /// `None` for unbounded, else the most items the queue holds.
    capacity: Option<usize>,
}

pub struct CondvarHeapState {
    /// A max-heap of `Reverse`: smallest key first.
    items: BinaryHeap<Reverse<(u64, u64)>>,
    closed: bool,
    waiting_to_pop: usize,
    waiting_to_push: usize,
}

impl CondvarHeap {
    fn new(capacity: Option<usize>) -> Self {
        CondvarHeap {
            state: Mutex::new(CondvarHeapState {
                items: BinaryHeap::with_capacity(capacity.unwrap_or(0)),
                closed: false,
                waiting_to_pop: 0,
                waiting_to_push: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
        }
    }

    fn push(&self, item: u64) {
        let mut state = self.state.lock().unwrap();
        while self.capacity.is_some_and(|cap| state.items.len() >= cap) {
            state.waiting_to_push += 1;
            state = self.not_full.wait(state).unwrap();
            state.waiting_to_push -= 1;
        }
        state.items.push(Reverse((priority_key(item), item)));
        let wake = state.waiting_to_pop > 0;
        drop(state);
        if wake {
            self.not_empty.notify_one();
        }
    }

    fn pop(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap();
        loop {
            if let Some(Reverse((_, item))) = state.items.pop() {
                let wake = state.waiting_to_push > 0;
                drop(state);
                if wake {
                    self.not_full.notify_one();
                }
                return Some(item);
            }
            if state.closed {
                return None;
            }
            state.waiting_to_pop += 1;
            state = self.not_empty.wait(state).unwrap();
            state.waiting_to_pop -= 1;
        }
    }

    fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}

impl Tx for Producers<CondvarHeap> {
    fn send(&self, item: u64) {
        self.queue.push(item);
    }
}
impl Rx for Arc<CondvarHeap> {
    fn recv(&self) -> Option<u64> {
        self.pop()
    }
    fn another(&self) -> Option<Self> {
        Some(self.clone())
    }
}

pub struct MutexBinaryHeap;
impl Contender for MutexBinaryHeap {
    const NAME: &'static str = "Mutex<BinaryHeap>+Condvar";
    type Tx = Producers<CondvarHeap>;
    type Rx = Arc<CondvarHeap>;
    fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let queue = Arc::new(CondvarHeap::new(capacity));
        (Producers::new(queue.clone(), CondvarHeap::close), queue)
    }
}

impl NonBlocking for crossbeam_skiplist::SkipSet<(u64, u64)> {
    fn try_push(&self, item: u64) -> Result<(), u64> {
        self.insert((priority_key(item), item));
        Ok(())
    }
    fn try_pop(&self) -> Option<u64> {
        self.pop_front().map(|entry| entry.value().1)
    }
}

pub struct SkipSet;
impl Contender for SkipSet {
    const NAME: &'static str = "SkipSet(spin-yield)";
    type Tx = Producers<Polled<crossbeam_skiplist::SkipSet<(u64, u64)>>>;
    type Rx = Arc<Polled<crossbeam_skiplist::SkipSet<(u64, u64)>>>;
    fn new(_: Option<usize>) -> (Self::Tx, Self::Rx) {
        polled(crossbeam_skiplist::SkipSet::new())
    }
}

// ----------------------------------------------------------------------------------
// Families: which contenders run at which capacity. Adding a core is one line here
// (and a `Contender` impl above).

/// A contender with its type erased, so a family can list contenders of any type.
#[derive(Clone, Copy)]
pub struct Entry {
    /// The label in the results.
    pub name: &'static str,
    /// Runs one scenario once: `None` if the contender does not take part.
    pub run: fn(Scenario, Load) -> Option<Outcome>,
    /// Whether the contender takes part in a scenario at a capacity.
    pub takes_part: fn(Scenario, Option<usize>) -> bool,
}

impl Entry {
    /// Whether this is one of parkq's own implementations (the others are peers).
    pub fn is_parkq(&self) -> bool {
        self.name.starts_with("parkq")
    }
}

fn entry<C: Contender>() -> Entry {
    Entry {
        name: C::NAME,
        run: scenarios::run::<C>,
        takes_part: scenarios::takes_part::<C>,
    }
}

/// One family of the suite: contenders of one kind at one capacity.
pub struct Family {
    /// The family's label, also its criterion group.
    pub name: &'static str,
    /// `None` for unbounded queues, else every queue's capacity.
    pub capacity: Option<usize>,
    /// parkq's implementations first, then the peers.
    pub entries: Vec<Entry>,
}

/// Every family, in the order the results list them.
pub fn families() -> Vec<Family> {
    let bounded = |name, capacity| Family {
        name,
        capacity: Some(capacity),
        entries: vec![
            entry::<ParkqRing>(),
            entry::<ParkqChannel>(),
            entry::<ArrayQueue>(),
            entry::<ConcurrentQueue>(),
            entry::<Kanal>(),
            entry::<Crossbeam>(),
            entry::<Flume>(),
            entry::<StdSyncChannel>(),
            entry::<MutexVecDeque>(),
        ],
    };
    vec![
        Family {
            name: "unbounded",
            capacity: None,
            entries: vec![
                entry::<ParkqQueue>(),
                entry::<ParkqChannel>(),
                entry::<SegQueue>(),
                entry::<ConcurrentQueue>(),
                entry::<Kanal>(),
                entry::<Crossbeam>(),
                entry::<Flume>(),
                entry::<StdMpsc>(),
                entry::<MutexVecDeque>(),
            ],
        },
        bounded("bounded_cap1", 1),
        bounded("bounded_cap1024", 1024),
        // LIFO, unbounded. No published lock-free stack crate is a peer yet: none is
        // maintained with a blocking API, and a dependency needs a reason.
        Family {
            name: "lifo",
            capacity: None,
            entries: vec![
                entry::<ParkqStack>(),
                entry::<MutexVec>(),
                entry::<LockfreeStack>(),
            ],
        },
        // Priority order, unbounded, random priorities (`priority_key`).
        Family {
            name: "priority",
            capacity: None,
            entries: vec![
                entry::<ParkqPriority>(),
                entry::<MutexBinaryHeap>(),
                entry::<SkipSet>(),
            ],
        },
    ]
}
