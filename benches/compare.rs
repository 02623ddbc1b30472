//! parkq's FIFO queues and channels against their peers, side by side in one run.
//!
//! Families (criterion groups) and contenders:
//!
//! - `unbounded`: [`parkq::Queue`], `parkq::channel::unbounded`, std `mpsc::channel`,
//!   crossbeam-channel `unbounded`, kanal `unbounded`, flume `unbounded`, and
//!   crossbeam-queue `SegQueue` (no blocking API: it waits by spin-then-yield and is
//!   labelled so);
//! - `bounded` (capacity 1 and 1024): [`parkq::Ring`], `parkq::channel::bounded`, std
//!   `mpsc::sync_channel`, crossbeam-channel, kanal and flume `bounded`, and
//!   `ArrayQueue` (spin-then-yield).
//!
//! Scenarios:
//!
//! - `seq`: one thread sends a batch (the capacity, or 1024 items unbounded), then
//!   receives it, until [`ITEMS`] items have passed;
//! - `spsc`, `mpsc_4x1`, `spmc_1x4`, `mpmc_4x4`: producer and consumer threads;
//! - `oversub_8x8`: eight of each, far more threads than the machine's cores: where a
//!   queue that waits by spinning steals the time of the threads that could progress;
//! - `pingpong`: a round trip through two queues (one thread echoes), reported per round
//!   trip (criterion's time per element is the round-trip latency).
//!
//! Single-consumer contenders (std's receivers) skip the scenarios with more than one
//! consumer. Every measured run checks what the consumers received (count and sum), so
//! a fast wrong answer fails. Threads are pinned alternately to cores 0 and 1.
//!
//! A contender is one type implementing [`Contender`] and one line in a family's list:
//! adding a core (a `Stack`, say) to the suite is a few lines.
//!
//! Run with `cargo bench --bench compare`; `-- --test` runs each benchmark once;
//! filter as usual, e.g. `cargo bench --bench compare -- 'unbounded/mpmc'`. Only ratios
//! within one run are meaningful on a small shared machine.

// The peers and criterion are not dependencies of loom builds.
#[cfg(loom)]
fn main() {}

#[cfg(not(loom))]
criterion::criterion_main!(bench::benches);

#[cfg(not(loom))]
mod common;

#[cfg(not(loom))]
mod bench {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use std::thread;
    use std::time::{Duration, Instant};

    use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};

    use crate::common::{pin_to_core, repeat, share, SpinYield, Tally};

    /// Items moved per measured run, in every throughput scenario.
    const ITEMS: u64 = 20_000;
    /// Round trips per measured `pingpong` run.
    const ROUND_TRIPS: u64 = 2_000;
    /// The `seq` batch of an unbounded queue.
    const UNBOUNDED_BATCH: usize = 1024;

    /// Threaded scenarios: (name, producers, consumers).
    const THREADED: [(&str, usize, usize); 5] = [
        ("spsc", 1, 1),
        ("mpsc_4x1", 4, 1),
        ("spmc_1x4", 1, 4),
        ("mpmc_4x4", 4, 4),
        ("oversub_8x8", 8, 8),
    ];

    // ----------------------------------------------------------------------------------
    // Contenders

    /// A producer's handle. Dropping the last one ends the stream.
    trait Tx: Clone + Send {
        fn send(&self, item: u64);
    }

    /// A consumer's handle: `None` once the stream has ended and is drained.
    trait Rx: Send {
        fn recv(&self) -> Option<u64>;
        /// Another consumer handle, if the queue allows more than one consumer.
        fn another(&self) -> Option<Self>
        where
            Self: Sized;
    }

    /// One implementation under test.
    trait Contender {
        /// The label in the results.
        const NAME: &'static str;
        type Tx: Tx;
        type Rx: Rx;
        /// A new queue: `None` for unbounded, else the capacity.
        fn new(capacity: Option<usize>) -> (Self::Tx, Self::Rx);
    }

    /// Counts producer handles; the last one dropped runs `end` once.
    struct Producers<Q> {
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

    struct ParkqQueue;
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

    struct ParkqRing;
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
    struct Polled<Q> {
        queue: Q,
        done: AtomicBool,
    }

    /// What the spin-then-yield adapter needs from a non-blocking queue.
    trait NonBlocking: Send + Sync + 'static {
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

    struct SegQueue;
    impl Contender for SegQueue {
        const NAME: &'static str = "SegQueue(spin-yield)";
        type Tx = Producers<Polled<crossbeam_queue::SegQueue<u64>>>;
        type Rx = Arc<Polled<crossbeam_queue::SegQueue<u64>>>;
        fn new(_: Option<usize>) -> (Self::Tx, Self::Rx) {
            polled(crossbeam_queue::SegQueue::new())
        }
    }

    struct ArrayQueue;
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

    // ----------------------------------------------------------------------------------
    // Scenarios

    /// `seq`: one thread sends a batch, then receives it, until `ITEMS` have passed.
    fn seq<C: Contender>(capacity: Option<usize>) -> Duration {
        let batch = capacity.unwrap_or(UNBOUNDED_BATCH) as u64;
        let (tx, rx) = C::new(capacity);
        let mut tally = Tally::default();
        let start = Instant::now();
        let mut next = 1;
        while next <= ITEMS {
            let end = (next + batch).min(ITEMS + 1);
            for item in next..end {
                tx.send(item);
            }
            for _ in next..end {
                tally.add(rx.recv().expect("the batch is inside"));
            }
            next = end;
        }
        let elapsed = start.elapsed();
        tally.check(ITEMS);
        elapsed
    }

    /// Producers and consumers on their own pinned threads; the time from the moment
    /// all are ready until the last finishes. `None` if `C` cannot have `consumers`.
    fn threads<C: Contender>(
        capacity: Option<usize>,
        producers: usize,
        consumers: usize,
    ) -> Option<Duration> {
        let (tx, rx) = C::new(capacity);
        let mut receivers = vec![];
        for _ in 1..consumers {
            receivers.push(rx.another()?);
        }
        receivers.push(rx);
        let senders: Vec<_> = (0..producers).map(|_| tx.clone()).collect();
        drop(tx);

        let ready = Barrier::new(producers + consumers + 1);
        let ready = &ready;
        let (elapsed, tally) = thread::scope(|s| {
            let producer_threads: Vec<_> = senders
                .into_iter()
                .enumerate()
                .map(|(i, tx)| {
                    let items = share(i, producers, ITEMS);
                    s.spawn(move || {
                        pin_to_core(i % 2);
                        ready.wait();
                        for item in items {
                            tx.send(item);
                        }
                    })
                })
                .collect();
            let consumer_threads: Vec<_> = receivers
                .into_iter()
                .enumerate()
                .map(|(j, rx)| {
                    s.spawn(move || {
                        pin_to_core((j + 1) % 2);
                        ready.wait();
                        let mut tally = Tally::default();
                        while let Some(item) = rx.recv() {
                            tally.add(item);
                        }
                        tally
                    })
                })
                .collect();
            ready.wait();
            let start = Instant::now();
            let tally = consumer_threads
                .into_iter()
                .map(|c| c.join().expect("consumer panicked"))
                .fold(Tally::default(), Tally::merge);
            for p in producer_threads {
                p.join().expect("producer panicked");
            }
            (start.elapsed(), tally)
        });
        tally.check(ITEMS);
        Some(elapsed)
    }

    /// `pingpong`: `ROUND_TRIPS` round trips through two queues, one thread echoing.
    fn pingpong<C: Contender>(capacity: Option<usize>) -> Duration {
        let (ping_tx, ping_rx) = C::new(capacity);
        let (pong_tx, pong_rx) = C::new(capacity);
        let ready = Barrier::new(2);
        thread::scope(|s| {
            let ready = &ready;
            s.spawn(move || {
                pin_to_core(1);
                ready.wait();
                while let Some(item) = ping_rx.recv() {
                    pong_tx.send(item);
                }
            });
            pin_to_core(0);
            ready.wait();
            let mut tally = Tally::default();
            let start = Instant::now();
            for item in 1..=ROUND_TRIPS {
                ping_tx.send(item);
                tally.add(pong_rx.recv().expect("the echo answers"));
            }
            let elapsed = start.elapsed();
            drop(ping_tx);
            tally.check(ROUND_TRIPS);
            elapsed
        })
    }

    // ----------------------------------------------------------------------------------
    // Criterion

    /// Registers every scenario of one contender at one capacity.
    fn contender<C: Contender>(c: &mut Criterion, family: &str, capacity: Option<usize>) {
        let cap = capacity.map_or(String::new(), |cap| format!("/cap{cap}"));
        let id = |scenario: &str| BenchmarkId::new(format!("{scenario}{cap}"), C::NAME);

        let mut group = c.benchmark_group(family);
        // An iteration is a whole batch (up to ~100 ms when spinning collapses): sample
        // flat instead of growing the iteration count per sample.
        group.sampling_mode(SamplingMode::Flat);
        group.throughput(Throughput::Elements(ITEMS));
        group.bench_function(id("seq"), |b| {
            b.iter_custom(|iters| repeat(iters, || seq::<C>(capacity)));
        });
        for (scenario, producers, consumers) in THREADED {
            if consumers > 1 && C::new(capacity).1.another().is_none() {
                continue; // a single-consumer queue: not a contender here
            }
            group.bench_function(id(scenario), |b| {
                b.iter_custom(|iters| {
                    repeat(iters, || {
                        threads::<C>(capacity, producers, consumers).expect("checked above")
                    })
                });
            });
        }
        group.throughput(Throughput::Elements(ROUND_TRIPS));
        group.bench_function(id("pingpong"), |b| {
            b.iter_custom(|iters| repeat(iters, || pingpong::<C>(capacity)));
        });
        group.finish();
    }

    /// Unbounded FIFO queues and channels.
    fn unbounded(c: &mut Criterion) {
        contender::<ParkqQueue>(c, "unbounded", None);
        contender::<ParkqChannel>(c, "unbounded", None);
        contender::<SegQueue>(c, "unbounded", None);
        contender::<Kanal>(c, "unbounded", None);
        contender::<Crossbeam>(c, "unbounded", None);
        contender::<Flume>(c, "unbounded", None);
        contender::<StdMpsc>(c, "unbounded", None);
    }

    /// Bounded FIFO queues and channels.
    fn bounded(c: &mut Criterion) {
        for capacity in [Some(1), Some(1024)] {
            contender::<ParkqRing>(c, "bounded", capacity);
            contender::<ParkqChannel>(c, "bounded", capacity);
            contender::<ArrayQueue>(c, "bounded", capacity);
            contender::<Kanal>(c, "bounded", capacity);
            contender::<Crossbeam>(c, "bounded", capacity);
            contender::<Flume>(c, "bounded", capacity);
            contender::<StdSyncChannel>(c, "bounded", capacity);
        }
    }

    fn config() -> Criterion {
        Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
    }

    criterion_group! {
        name = benches;
        config = config();
        targets = unbounded, bounded
    }
}
