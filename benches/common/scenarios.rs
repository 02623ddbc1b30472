//! The scenarios every family runs, generic over a [`Contender`]: what one measured run
//! does, and how it checks what it received.
//!
//! - `seq`: one thread sends a batch (the capacity, or [`UNBOUNDED_BATCH`] items
//!   unbounded), then receives it, until every item has passed;
//! - `spsc`, `mpsc_4x1`, `spmc_1x4`, `mpmc_4x4`: producer and consumer threads;
//! - `oversub_8x8`: eight of each, far more threads than the machine's 2 cores: where a
//!   queue that waits by spinning steals the time of the threads that could progress;
//! - `pingpong`: round trips through two queues (one thread echoes), each timed.
//!
//! Every run checks that the consumers received exactly the items `1..=n` (count and
//! sum), so a fast wrong answer panics. Threads are pinned alternately to cores 0 and 1,
//! so the two ends of `spsc` or `pingpong` never share a core by chance.

use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use super::contenders::{Contender, Rx, Tx};
use super::{pin_to_core, share, Tally};

/// The `seq` batch of an unbounded queue.
pub const UNBOUNDED_BATCH: usize = 1024;

/// One scenario: what runs, on how many threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// One thread sends a batch, then receives it.
    Seq,
    /// Producer and consumer threads.
    Threads {
        name: &'static str,
        producers: usize,
        consumers: usize,
    },
    /// Timed round trips through two queues.
    PingPong,
}

impl Scenario {
    /// The scenario's label in the results.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Seq => "seq",
            Scenario::Threads { name, .. } => name,
            Scenario::PingPong => "pingpong",
        }
    }
}

/// Every scenario, in the order the results list them.
pub const SCENARIOS: [Scenario; 7] = [
    Scenario::Seq,
    Scenario::Threads {
        name: "spsc",
        producers: 1,
        consumers: 1,
    },
    Scenario::Threads {
        name: "mpsc_4x1",
        producers: 4,
        consumers: 1,
    },
    Scenario::Threads {
        name: "spmc_1x4",
        producers: 1,
        consumers: 4,
    },
    Scenario::Threads {
        name: "mpmc_4x4",
        producers: 4,
        consumers: 4,
    },
    Scenario::Threads {
        name: "oversub_8x8",
        producers: 8,
        consumers: 8,
    },
    Scenario::PingPong,
];

/// How much one run moves, and through what size of queue.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// `None` for an unbounded queue, else its capacity.
    pub capacity: Option<usize>,
    /// Items moved by a throughput run.
    pub items: u64,
    /// Round trips of a `pingpong` run.
    pub round_trips: u64,
}

/// What one run measured.
pub enum Outcome {
    /// A throughput run: the time to move `Load::items`.
    Moved(Duration),
    /// A `pingpong` run: each round trip's time, in nanoseconds.
    RoundTrips(Vec<u64>),
}

impl Outcome {
    /// The run's total measured time.
    pub fn elapsed(&self) -> Duration {
        match self {
            Outcome::Moved(elapsed) => *elapsed,
            Outcome::RoundTrips(trips) => Duration::from_nanos(trips.iter().sum()),
        }
    }
}

/// Whether `C` can run `scenario`: single-consumer queues sit out the scenarios with
/// more than one consumer.
pub fn takes_part<C: Contender>(scenario: Scenario, capacity: Option<usize>) -> bool {
    match scenario {
        Scenario::Threads { consumers, .. } if consumers > 1 => {
            C::new(capacity).1.another().is_some()
        }
        _ => true,
    }
}

/// Runs `scenario` once on a new queue of `C`; `None` if `C` does not take part.
pub fn run<C: Contender>(scenario: Scenario, load: Load) -> Option<Outcome> {
    if !takes_part::<C>(scenario, load.capacity) {
        return None;
    }
    Some(match scenario {
        Scenario::Seq => Outcome::Moved(seq::<C>(load)),
        Scenario::Threads {
            producers,
            consumers,
            ..
        } => Outcome::Moved(threads::<C>(load, producers, consumers)),
        Scenario::PingPong => Outcome::RoundTrips(pingpong::<C>(load)),
    })
}

/// `seq`: one thread sends a batch, then receives it, until `load.items` have passed.
fn seq<C: Contender>(load: Load) -> Duration {
    let batch = load.capacity.unwrap_or(UNBOUNDED_BATCH) as u64;
    let (tx, rx) = C::new(load.capacity);
    let mut tally = Tally::default();
    let start = Instant::now();
    let mut next = 1;
    while next <= load.items {
        let end = (next + batch).min(load.items + 1);
        for item in next..end {
            tx.send(item);
        }
        for _ in next..end {
            tally.add(rx.recv().expect("the batch is inside"));
        }
        next = end;
    }
    let elapsed = start.elapsed();
    tally.check(load.items);
    elapsed
}

/// Producers and consumers on their own pinned threads. The time is taken by the
/// threads themselves, from the first one past the start barrier to the last one done:
/// the calling thread is not pinned and may not run for a while on a busy machine, so
/// its clock would miss the start.
fn threads<C: Contender>(load: Load, producers: usize, consumers: usize) -> Duration {
    let (tx, rx) = C::new(load.capacity);
    let mut receivers: Vec<_> = (1..consumers)
        .map(|_| rx.another().expect("checked by takes_part"))
        .collect();
    receivers.push(rx);
    let senders: Vec<_> = (0..producers).map(|_| tx.clone()).collect();
    drop(tx);

    let ready = Barrier::new(producers + consumers);
    let ready = &ready;
    let (spans, tally) = thread::scope(|s| {
        let producer_threads: Vec<_> = senders
            .into_iter()
            .enumerate()
            .map(|(i, tx)| {
                let items = share(i, producers, load.items);
                s.spawn(move || {
                    pin_to_core(i % 2);
                    ready.wait();
                    let start = Instant::now();
                    for item in items {
                        tx.send(item);
                    }
                    drop(tx); // the last producer's drop ends the stream: inside the span
                    (start, Instant::now())
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
                    let start = Instant::now();
                    let mut tally = Tally::default();
                    while let Some(item) = rx.recv() {
                        tally.add(item);
                    }
                    ((start, Instant::now()), tally)
                })
            })
            .collect();
        let mut spans = vec![];
        let mut tally = Tally::default();
        for c in consumer_threads {
            let (span, received) = c.join().expect("consumer panicked");
            spans.push(span);
            tally = tally.merge(received);
        }
        for p in producer_threads {
            spans.push(p.join().expect("producer panicked"));
        }
        (spans, tally)
    });
    tally.check(load.items);
    let first_start = spans.iter().map(|span| span.0).min().expect("threads ran");
    let last_end = spans.iter().map(|span| span.1).max().expect("threads ran");
    last_end - first_start
}

/// `pingpong`: `load.round_trips` round trips through two queues, one thread echoing;
/// returns each round trip's time in nanoseconds.
fn pingpong<C: Contender>(load: Load) -> Vec<u64> {
    let (ping_tx, ping_rx) = C::new(load.capacity);
    let (pong_tx, pong_rx) = C::new(load.capacity);
    thread::scope(|s| {
        s.spawn(move || {
            pin_to_core(1);
            while let Some(item) = ping_rx.recv() {
                pong_tx.send(item);
            }
        });
        // The pinging side runs on its own thread too, so the caller stays unpinned.
        let pinger = s.spawn(move || {
            pin_to_core(0);
            let mut tally = Tally::default();
            let mut trips = Vec::with_capacity(load.round_trips as usize);
            // One untimed round trip first: the echo thread may not be running yet.
            ping_tx.send(0);
            assert_eq!(pong_rx.recv(), Some(0), "the echo answers");
            for item in 1..=load.round_trips {
                let start = Instant::now();
                ping_tx.send(item);
                let echo = pong_rx.recv().expect("the echo answers");
                trips.push(start.elapsed().as_nanos() as u64);
                tally.add(echo);
            }
            drop(ping_tx); // ends the echo
            tally.check(load.round_trips);
            trips
        });
        pinger.join().expect("the pinging thread panicked")
    })
}
