//! Throughput of [`parkq::Ring`] against two bounded MPMC peers, side by side.
//!
//! Peers:
//!
//! - `crossbeam_queue::ArrayQueue`, which cannot block: a full push or an empty pop is
//!   retried with a few spins and then `yield_now` (labelled `arrayqueue(spin-yield)`);
//! - `kanal::bounded`, a blocking channel (`send`/`recv`).
//!
//! Group `ring`, one benchmark per scenario, capacity and queue:
//!
//! - `seq`: one thread pushes a batch of `capacity` items, then pops them (capacity 1
//!   alternates push and pop);
//! - `spsc`: one producer thread, one consumer thread;
//! - `mpmc_4x4`: four producers, four consumers;
//! - `oversub_8x8`: eight producers and eight consumers, far more threads than cores,
//!   where waiting by spinning steals time from the threads that could make progress.
//!
//! each at capacities 1 and 1024. Group `ring_task_tracking` runs `spsc` at capacity 1024
//! with plain push/pop and again with `task_done` after every pop and `join` at the end,
//! to show what task tracking costs the users who call it. Users who do not call it run
//! exactly the plain push/pop code: tracking adds no instruction to push or pop.
//!
//! Every measured iteration moves a fixed batch of [`ITEMS`] distinct items and checks
//! that the consumers received each exactly once (their count and sum), so a fast wrong
//! answer fails the benchmark. Threads are started per iteration (outside the timed
//! part: the clock starts when all of them are past a barrier) and pinned alternately to
//! cores 0 and 1, so the two ends of `spsc` never share a core by chance.
//!
//! Throughput is reported in elements per second. On a small shared VM (the reference
//! machine has 2 cores) absolute numbers drift between runs: only ratios between
//! queues within one run are meaningful.
//!
//! Run with `cargo bench --bench ring`, or, to check that every benchmark runs once and
//! verifies, `cargo bench --bench ring -- --test`. Filter with a regex as usual, e.g.
//! `cargo bench --bench ring -- 'ring/spsc'`.

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
    use std::sync::Barrier;
    use std::thread;
    use std::time::{Duration, Instant};

    use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};
    use crossbeam_queue::ArrayQueue;
    use parkq::Ring;

    use crate::common::{pin_to_core, repeat, share, SpinYield, Tally};

    /// Items moved per measured iteration, in every scenario.
    const ITEMS: u64 = 20_000;

    /// The capacities every scenario runs at.
    const CAPACITIES: [usize; 2] = [1, 1024];

    /// Threaded scenarios: (name, producers, consumers).
    const THREADED: [(&str, usize, usize); 3] =
        [("spsc", 1, 1), ("mpmc_4x4", 4, 4), ("oversub_8x8", 8, 8)];

    const PARKQ: &str = "parkq";
    const ARRAYQUEUE: &str = "arrayqueue(spin-yield)";
    const KANAL: &str = "kanal";

    type Producer<'a> = Box<dyn FnOnce() + Send + 'a>;
    type Consumer<'a> = Box<dyn FnOnce() -> Tally + Send + 'a>;

    /// Runs producers and consumers on their own pinned threads, and returns the time
    /// from the first of them past the start barrier until the last one finishes, as
    /// the threads themselves measured it (the caller is unpinned and may not run for a
    /// while on a busy machine, so its clock would miss the start). Checks that the
    /// consumers received exactly `1..=total`.
    fn run_threads(
        producers: Vec<Producer<'_>>,
        consumers: Vec<Consumer<'_>>,
        total: u64,
    ) -> Duration {
        let ready = Barrier::new(producers.len() + consumers.len());
        let ready = &ready;
        let (spans, tally) = thread::scope(|s| {
            let producers: Vec<_> = producers
                .into_iter()
                .enumerate()
                .map(|(i, produce)| {
                    s.spawn(move || {
                        pin_to_core(i % 2);
                        ready.wait();
                        let start = Instant::now();
                        produce();
                        (start, Instant::now())
                    })
                })
                .collect();
            let consumers: Vec<_> = consumers
                .into_iter()
                .enumerate()
                .map(|(j, consume)| {
                    s.spawn(move || {
                        pin_to_core((j + 1) % 2);
                        ready.wait();
                        let start = Instant::now();
                        let tally = consume();
                        ((start, Instant::now()), tally)
                    })
                })
                .collect();
            let mut spans = vec![];
            let mut tally = Tally::default();
            for c in consumers {
                let (span, received) = c.join().expect("consumer panicked");
                spans.push(span);
                tally = tally.merge(received);
            }
            for p in producers {
                spans.push(p.join().expect("producer panicked"));
            }
            (spans, tally)
        });
        tally.check(total);
        let first_start = spans.iter().map(|span| span.0).min().expect("threads ran");
        let last_end = spans.iter().map(|span| span.1).max().expect("threads ran");
        last_end - first_start
    }

    /// Counts finished producers; `finish` returns true for the last one.
    struct Remaining(AtomicUsize);

    impl Remaining {
        fn new(producers: usize) -> Self {
            Remaining(AtomicUsize::new(producers))
        }

        /// AcqRel: the last producer acquires every other producer's pushes, so the
        /// end-of-stream signal it then publishes covers all of them.
        fn finish(&self) -> bool {
            self.0.fetch_sub(1, Ordering::AcqRel) == 1
        }
    }

    // ----------------------------------------------------------------------------------
    // The ArrayQueue wait strategy

    /// Pushes `item`, waiting by spin-then-yield while the queue is full.
    fn spin_push(queue: &ArrayQueue<u64>, mut item: u64) {
        let mut backoff = SpinYield::new();
        while let Err(back) = queue.push(item) {
            item = back;
            backoff.wait();
        }
    }

    // ----------------------------------------------------------------------------------
    // Scenarios

    /// `seq`: one thread pushes batches of `capacity` items and pops each batch back.
    fn seq(capacity: usize, mut push: impl FnMut(u64), mut pop: impl FnMut() -> u64) -> Duration {
        let mut tally = Tally::default();
        let start = Instant::now();
        let mut next = 1;
        while next <= ITEMS {
            let end = (next + capacity as u64).min(ITEMS + 1);
            for item in next..end {
                push(item);
            }
            for _ in next..end {
                tally.add(pop());
            }
            next = end;
        }
        let elapsed = start.elapsed();
        tally.check(ITEMS);
        elapsed
    }

    fn parkq_seq(capacity: usize) -> Duration {
        let ring = Ring::new(capacity);
        seq(
            capacity,
            |item| ring.push(item).expect("ring is open"),
            || ring.pop().expect("ring holds the batch"),
        )
    }

    fn arrayqueue_seq(capacity: usize) -> Duration {
        let queue = ArrayQueue::new(capacity);
        seq(
            capacity,
            |item| queue.push(item).expect("queue has room for the batch"),
            || queue.pop().expect("queue holds the batch"),
        )
    }

    fn kanal_seq(capacity: usize) -> Duration {
        let (tx, rx) = kanal::bounded(capacity);
        seq(
            capacity,
            |item| tx.send(item).expect("channel is open"),
            || rx.recv().expect("channel holds the batch"),
        )
    }

    /// Threaded parkq run. With `TRACK`, consumers call `task_done` after every pop and
    /// the last producer calls `join` before closing.
    fn parkq_threads<const TRACK: bool>(
        capacity: usize,
        producers: usize,
        consumers: usize,
    ) -> Duration {
        let ring = Ring::new(capacity);
        let remaining = Remaining::new(producers);
        let (ring, remaining) = (&ring, &remaining);
        let producers = (0..producers)
            .map(|i| {
                let items = share(i, producers, ITEMS);
                Box::new(move || {
                    for item in items {
                        ring.push(item).expect("ring is open");
                    }
                    if remaining.finish() {
                        if TRACK {
                            ring.join();
                        }
                        ring.close();
                    }
                }) as Producer<'_>
            })
            .collect();
        let consumers = (0..consumers)
            .map(|_| {
                Box::new(move || {
                    let mut tally = Tally::default();
                    while let Some(item) = ring.pop() {
                        tally.add(item);
                        if TRACK {
                            ring.task_done();
                        }
                    }
                    tally
                }) as Consumer<'_>
            })
            .collect();
        run_threads(producers, consumers, ITEMS)
    }

    /// Threaded ArrayQueue run. The last producer raises `done`; a consumer stops when
    /// it finds the queue empty after seeing `done` (no push can follow it).
    fn arrayqueue_threads(capacity: usize, producers: usize, consumers: usize) -> Duration {
        let queue = ArrayQueue::new(capacity);
        let remaining = Remaining::new(producers);
        let done = AtomicBool::new(false);
        let (queue, remaining, done) = (&queue, &remaining, &done);
        let producers = (0..producers)
            .map(|i| {
                let items = share(i, producers, ITEMS);
                Box::new(move || {
                    for item in items {
                        spin_push(queue, item);
                    }
                    if remaining.finish() {
                        // Release: pairs with the consumers' Acquire load.
                        done.store(true, Ordering::Release);
                    }
                }) as Producer<'_>
            })
            .collect();
        let consumers = (0..consumers)
            .map(|_| {
                Box::new(move || {
                    let mut tally = Tally::default();
                    let mut backoff = SpinYield::new();
                    loop {
                        match queue.pop() {
                            Some(item) => {
                                tally.add(item);
                                backoff = SpinYield::new();
                            }
                            // Every push happened before `done`: empty now is final.
                            None if done.load(Ordering::Acquire) => match queue.pop() {
                                Some(item) => tally.add(item),
                                None => break,
                            },
                            None => backoff.wait(),
                        }
                    }
                    tally
                }) as Consumer<'_>
            })
            .collect();
        run_threads(producers, consumers, ITEMS)
    }

    /// Threaded kanal run: each producer owns a sender and drops it when done; `recv`
    /// fails once every sender is gone and the channel is drained.
    fn kanal_threads(capacity: usize, producers: usize, consumers: usize) -> Duration {
        let (tx, rx) = kanal::bounded(capacity);
        let producer_threads = (0..producers)
            .map(|i| {
                let items = share(i, producers, ITEMS);
                let tx = tx.clone();
                Box::new(move || {
                    for item in items {
                        tx.send(item).expect("channel is open");
                    }
                }) as Producer<'_>
            })
            .collect();
        drop(tx);
        let consumer_threads = (0..consumers)
            .map(|_| {
                let rx = rx.clone();
                Box::new(move || {
                    let mut tally = Tally::default();
                    while let Ok(item) = rx.recv() {
                        tally.add(item);
                    }
                    tally
                }) as Consumer<'_>
            })
            .collect();
        drop(rx);
        run_threads(producer_threads, consumer_threads, ITEMS)
    }

    // ----------------------------------------------------------------------------------
    // Criterion

    fn ring(c: &mut Criterion) {
        let mut group = c.benchmark_group("ring");
        // An iteration is a whole batch (up to ~100 ms when spinning collapses): sample
        // flat instead of growing the iteration count per sample.
        group.sampling_mode(SamplingMode::Flat);
        group.throughput(Throughput::Elements(ITEMS));

        for capacity in CAPACITIES {
            let id = |queue: &str| BenchmarkId::new(format!("seq/cap{capacity}"), queue);
            group.bench_function(id(PARKQ), |b| {
                b.iter_custom(|iters| repeat(iters, || parkq_seq(capacity)));
            });
            group.bench_function(id(ARRAYQUEUE), |b| {
                b.iter_custom(|iters| repeat(iters, || arrayqueue_seq(capacity)));
            });
            group.bench_function(id(KANAL), |b| {
                b.iter_custom(|iters| repeat(iters, || kanal_seq(capacity)));
            });
        }

        for (scenario, producers, consumers) in THREADED {
            for capacity in CAPACITIES {
                let id = |queue: &str| BenchmarkId::new(format!("{scenario}/cap{capacity}"), queue);
                group.bench_function(id(PARKQ), |b| {
                    b.iter_custom(|iters| {
                        repeat(iters, || {
                            parkq_threads::<false>(capacity, producers, consumers)
                        })
                    });
                });
                group.bench_function(id(ARRAYQUEUE), |b| {
                    b.iter_custom(|iters| {
                        repeat(iters, || arrayqueue_threads(capacity, producers, consumers))
                    });
                });
                group.bench_function(id(KANAL), |b| {
                    b.iter_custom(|iters| {
                        repeat(iters, || kanal_threads(capacity, producers, consumers))
                    });
                });
            }
        }
        group.finish();
    }

    fn ring_task_tracking(c: &mut Criterion) {
        let mut group = c.benchmark_group("ring_task_tracking");
        group.sampling_mode(SamplingMode::Flat);
        group.throughput(Throughput::Elements(ITEMS));
        let capacity = 1024;
        group.bench_function(BenchmarkId::new("spsc/cap1024", "push+pop"), |b| {
            b.iter_custom(|iters| repeat(iters, || parkq_threads::<false>(capacity, 1, 1)));
        });
        group.bench_function(BenchmarkId::new("spsc/cap1024", "+task_done+join"), |b| {
            b.iter_custom(|iters| repeat(iters, || parkq_threads::<true>(capacity, 1, 1)));
        });
        group.finish();
    }

    fn config() -> Criterion {
        Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
    }

    criterion_group! {
        name = benches;
        config = config();
        targets = ring, ring_task_tracking
    }
}
