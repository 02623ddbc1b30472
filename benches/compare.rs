//! parkq's FIFO queues and channels against their peers, side by side in one run, with
//! criterion.
//!
//! Families (criterion groups) `unbounded`, `bounded_cap1` and `bounded_cap1024`; the
//! contenders of each are listed in `benches/common/contenders.rs` (parkq's `Queue` or
//! `Ring` and channel; std `mpsc`, crossbeam-channel, kanal, flume, crossbeam-queue,
//! concurrent-queue, and a `Mutex<VecDeque>` + `Condvar` queue), the scenarios in
//! `benches/common/scenarios.rs` (`seq`, `spsc`, `mpsc_4x1`, `spmc_1x4`, `mpmc_4x4`,
//! `oversub_8x8`, `pingpong`). Every measured run checks what the consumers received.
//! Non-blocking peers wait by spin-then-yield and are labelled so.
//!
//! For `pingpong`, criterion's time per element is the round-trip latency.
//!
//! Run with `cargo bench --bench compare`; `-- --test` runs each benchmark once; filter
//! as usual, e.g. `cargo bench --bench compare -- 'unbounded/mpmc'`. Only ratios within
//! one run are meaningful on a small shared machine. The interleaved, repeated report
//! with paired ratios and a chart is `cargo bench --bench report`.

// The peers and criterion are not dependencies of loom builds.
#[cfg(loom)]
fn main() {}

#[cfg(not(loom))]
criterion::criterion_main!(bench::benches);

#[cfg(not(loom))]
mod common;

#[cfg(not(loom))]
mod bench {
    use std::time::Duration;

    use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};

    use crate::common::contenders::families;
    use crate::common::repeat;
    use crate::common::scenarios::{Load, Scenario, SCENARIOS};

    /// What one measured run moves.
    const fn load(capacity: Option<usize>) -> Load {
        Load {
            capacity,
            items: 20_000,
            round_trips: 2_000,
        }
    }

    /// Registers every family, scenario and contender.
    fn compare(c: &mut Criterion) {
        for family in families() {
            let load = load(family.capacity);
            let mut group = c.benchmark_group(family.name);
            // An iteration is a whole batch (up to ~100 ms when spinning collapses):
            // sample flat instead of growing the iteration count per sample.
            group.sampling_mode(SamplingMode::Flat);
            for scenario in SCENARIOS {
                group.throughput(Throughput::Elements(match scenario {
                    Scenario::PingPong => load.round_trips,
                    _ => load.items,
                }));
                for entry in &family.entries {
                    if !(entry.takes_part)(scenario, family.capacity) {
                        continue; // a single-consumer queue: not a contender here
                    }
                    let id = BenchmarkId::new(scenario.name(), entry.name);
                    group.bench_function(id, |b| {
                        b.iter_custom(|iters| {
                            repeat(iters, || {
                                (entry.run)(scenario, load).expect("takes part").elapsed()
                            })
                        });
                    });
                }
            }
            group.finish();
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
        targets = compare
    }
}
