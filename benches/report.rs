//! The comparison report: every family's contenders run interleaved, round-robin, for
//! several repetitions; printed as a markdown table with paired ratios, and drawn as an
//! SVG chart of parkq's ratio to the best peer in each scenario.
//!
//! ```text
//! cargo bench --bench report              # full mode: under ten minutes on 2 cores
//! cargo bench --bench report -- --quick   # quick mode: under a minute
//! cargo bench --bench report -- --test    # one tiny repetition: checks it all runs
//! cargo bench --bench report -- --docs    # also write docs/compare.{md,svg}
//! cargo bench --bench report -- spsc      # only families/scenarios containing "spsc"
//! ```
//!
//! Why interleaved and paired: on a small shared VM, the same code runs up to 2x faster
//! or slower from one minute to the next. Within one repetition, the contenders of a
//! scenario run back to back (in an order rotated every repetition), so they share the
//! machine's state of that moment; the ratio of parkq to the best peer *of the same
//! repetition* cancels most of the drift, and the median of those paired ratios over the
//! repetitions is what the report calls parkq's ratio.
//!
//! The contenders and scenarios are the criterion bench's (`benches/common/`): every run
//! checks what it received, and threads are pinned alternately to cores 0 and 1.
//!
//! Output: the table on stdout and in `target/parkq-report/report.md`, the chart in
//! `target/parkq-report/ratios.svg`; with `--docs`, copies in `docs/compare.md` and
//! `docs/compare.svg` (the ones README shows).

// The peers and plotters are not dependencies of loom builds.
#[cfg(loom)]
fn main() {}

#[cfg(not(loom))]
fn main() {
    report::main();
}

#[cfg(not(loom))]
mod common;

#[cfg(not(loom))]
mod report {
    use std::fmt::Write as _;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::{Instant, SystemTime, UNIX_EPOCH};

    use crate::common::contenders::{families, Entry, Family};
    use crate::common::scenarios::{Load, Outcome, Scenario, SCENARIOS};

    // ----------------------------------------------------------------------------------
    // Modes

    /// How long and how often to measure.
    #[derive(Clone, Copy)]
    struct Mode {
        name: &'static str,
        /// Measured repetitions (odd, so the median is one of them).
        repetitions: usize,
        /// Unmeasured repetitions run first (thread stacks, allocator, caches).
        warm_up: usize,
        /// Items per throughput run.
        items: u64,
        /// Round trips per `pingpong` run.
        round_trips: u64,
    }

    const FULL: Mode = Mode {
        name: "full",
        repetitions: 11,
        warm_up: 1,
        items: 100_000,
        round_trips: 10_000,
    };
    const QUICK: Mode = Mode {
        name: "quick",
        repetitions: 5,
        warm_up: 0,
        items: 20_000,
        round_trips: 2_000,
    };
    const TEST: Mode = Mode {
        name: "test",
        repetitions: 1,
        warm_up: 0,
        items: 200,
        round_trips: 20,
    };

    /// The command line: a mode, `--docs`, and substrings that select scenarios.
    struct Options {
        mode: Mode,
        docs: bool,
        filters: Vec<String>,
    }

    fn options() -> Options {
        let mut options = Options {
            mode: FULL,
            docs: false,
            filters: vec![],
        };
        for arg in std::env::args().skip(1) {
            match arg.as_str() {
                "--quick" => options.mode = QUICK,
                "--test" => options.mode = TEST,
                "--docs" => options.docs = true,
                // `cargo bench` passes `--bench` to every harness-less bench.
                "--bench" => {}
                "--help" | "-h" => {
                    println!("usage: cargo bench --bench report -- [--quick | --test] [--docs] [FILTER...]");
                    std::process::exit(0);
                }
                flag if flag.starts_with('-') => {
                    eprintln!("report: unknown option {flag:?} (try --help)");
                    std::process::exit(2);
                }
                filter => options.filters.push(filter.to_owned()),
            }
        }
        if options.docs && options.mode.name == "test" {
            eprintln!("report: --docs needs a real measurement, not --test");
            std::process::exit(2);
        }
        options
    }

    // ----------------------------------------------------------------------------------
    // Measuring

    /// One run's result.
    struct Sample {
        /// Higher is better: M items/s, or round trips per µs for `pingpong` (from the
        /// run's median round trip).
        score: f64,
        /// `pingpong` only: every round trip of the run, in ns.
        trips: Vec<u64>,
    }

    /// Every sample of one scenario of one family: `samples[entry][repetition]`.
    struct Measured {
        family: &'static str,
        scenario: Scenario,
        entries: Vec<Entry>,
        samples: Vec<Vec<Sample>>,
    }

    fn sample(outcome: Outcome, load: Load) -> Sample {
        match outcome {
            Outcome::Moved(elapsed) => Sample {
                score: load.items as f64 / elapsed.as_secs_f64() / 1e6,
                trips: vec![],
            },
            Outcome::RoundTrips(mut trips) => {
                trips.sort_unstable();
                Sample {
                    score: 1e3 / percentile(&trips, 50.0).max(1) as f64,
                    trips,
                }
            }
        }
    }

    /// Runs every selected scenario of every family, interleaved and repeated.
    fn measure(options: &Options) -> Vec<Measured> {
        let mode = options.mode;
        let selected = |family: &Family, scenario: Scenario| {
            let label = format!("{}/{}", family.name, scenario.name());
            options.filters.is_empty() || options.filters.iter().any(|f| label.contains(f))
        };
        let mut measured: Vec<Measured> = vec![];
        let families = families();
        for family in &families {
            for scenario in SCENARIOS {
                if !selected(family, scenario) {
                    continue;
                }
                let entries: Vec<Entry> = family
                    .entries
                    .iter()
                    .copied()
                    .filter(|entry| (entry.takes_part)(scenario, family.capacity))
                    .collect();
                measured.push(Measured {
                    family: family.name,
                    scenario,
                    samples: entries.iter().map(|_| vec![]).collect(),
                    entries,
                });
            }
        }
        let capacity = |name: &str| {
            families
                .iter()
                .find(|family| family.name == name)
                .and_then(|family| family.capacity)
        };

        let total = mode.warm_up + mode.repetitions;
        for repetition in 0..total {
            let warming = repetition < mode.warm_up;
            eprintln!(
                "report: repetition {}/{}{}",
                repetition + 1,
                total,
                if warming {
                    " (warm-up, not counted)"
                } else {
                    ""
                }
            );
            for m in &mut measured {
                let load = Load {
                    capacity: capacity(m.family),
                    items: mode.items,
                    round_trips: mode.round_trips,
                };
                // Round-robin, starting one further each repetition, so no contender
                // always runs right after the same neighbour.
                let n = m.entries.len();
                for k in 0..n {
                    let i = (k + repetition) % n;
                    let outcome = (m.entries[i].run)(m.scenario, load)
                        .expect("only contenders that take part are listed");
                    if !warming {
                        m.samples[i].push(sample(outcome, load));
                    }
                }
            }
        }
        measured
    }

    // ----------------------------------------------------------------------------------
    // Statistics

    /// The `p`th percentile of sorted `values` (nearest rank).
    fn percentile(sorted: &[u64], p: f64) -> u64 {
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    /// The median of `values` (the mean of the middle two for an even count).
    fn median(values: &[f64]) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        }
    }

    fn min_max(values: &[f64]) -> (f64, f64) {
        values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            })
    }

    /// What the report says about one implementation in one scenario.
    struct Row {
        family: &'static str,
        scenario: Scenario,
        name: &'static str,
        parkq: bool,
        /// Median and range of the per-repetition scores.
        score: f64,
        score_range: (f64, f64),
        /// `pingpong`: median and 99th percentile of all round trips, in ns.
        trip_median: u64,
        trip_p99: u64,
        /// Median and range of the paired ratios to the best peer.
        ratio: f64,
        ratio_range: (f64, f64),
        /// Whether this is the best peer (highest median score among the peers).
        best_peer: bool,
    }

    fn rows(measured: &Measured) -> Vec<Row> {
        let repetitions = measured.samples[0].len();
        // In each repetition, the best peer's score: what parkq is paired with.
        let best_peer_score: Vec<f64> = (0..repetitions)
            .map(|r| {
                measured
                    .entries
                    .iter()
                    .zip(&measured.samples)
                    .filter(|(entry, _)| !entry.is_parkq())
                    .map(|(_, samples)| samples[r].score)
                    .fold(0.0, f64::max)
            })
            .collect();
        let mut rows: Vec<Row> = measured
            .entries
            .iter()
            .zip(&measured.samples)
            .map(|(entry, samples)| {
                let scores: Vec<f64> = samples.iter().map(|s| s.score).collect();
                let ratios: Vec<f64> = scores
                    .iter()
                    .zip(&best_peer_score)
                    .map(|(score, best)| score / best)
                    .collect();
                let mut trips: Vec<u64> = samples.iter().flat_map(|s| &s.trips).copied().collect();
                trips.sort_unstable();
                let (trip_median, trip_p99) = if trips.is_empty() {
                    (0, 0)
                } else {
                    (percentile(&trips, 50.0), percentile(&trips, 99.0))
                };
                Row {
                    family: measured.family,
                    scenario: measured.scenario,
                    name: entry.name,
                    parkq: entry.is_parkq(),
                    score: median(&scores),
                    score_range: min_max(&scores),
                    trip_median,
                    trip_p99,
                    ratio: median(&ratios),
                    ratio_range: min_max(&ratios),
                    best_peer: false,
                }
            })
            .collect();
        if let Some(best) = rows
            .iter_mut()
            .filter(|row| !row.parkq)
            .max_by(|a, b| a.score.total_cmp(&b.score))
        {
            best.best_peer = true;
        }
        rows
    }

    // ----------------------------------------------------------------------------------
    // The table

    /// A number with three significant digits.
    fn sig3(value: f64) -> String {
        if value >= 100.0 {
            format!("{value:.0}")
        } else if value >= 10.0 {
            format!("{value:.1}")
        } else if value >= 1.0 {
            format!("{value:.2}")
        } else {
            format!("{value:.3}")
        }
    }

    fn nanos(ns: u64) -> String {
        if ns >= 1_000_000 {
            format!("{} ms", sig3(ns as f64 / 1e6))
        } else if ns >= 1_000 {
            format!("{} µs", sig3(ns as f64 / 1e3))
        } else {
            format!("{ns} ns")
        }
    }

    /// The median and range columns of a row.
    fn value_columns(row: &Row) -> (String, String) {
        match row.scenario {
            Scenario::PingPong => (
                format!("{} (p99 {})", nanos(row.trip_median), nanos(row.trip_p99)),
                // A score is round trips per µs: its inverse is a median round trip.
                format!(
                    "{}–{}",
                    nanos((1e3 / row.score_range.1) as u64),
                    nanos((1e3 / row.score_range.0) as u64)
                ),
            ),
            _ => (
                format!("{} M/s", sig3(row.score)),
                format!("{}–{}", sig3(row.score_range.0), sig3(row.score_range.1)),
            ),
        }
    }

    fn ratio_text(ratio: f64, range: (f64, f64)) -> String {
        let text = format!("{ratio:.2}x ({:.2}–{:.2})", range.0, range.1);
        if ratio >= 1.0 {
            format!("**{text}**")
        } else {
            text
        }
    }

    /// Facts about the run: machine, toolchain, commit, date, mode.
    fn header(options: &Options) -> String {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|line| line.starts_with("model name"))
                    .and_then(|line| line.split(':').nth(1))
                    .map(|model| model.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let command = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .output()
                .ok()
                .filter(|out| out.status.success())
                .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        };
        let rustc = command("rustc", &["-V"]).unwrap_or_else(|| "rustc (unknown)".into());
        let commit = command("git", &["rev-parse", "--short", "HEAD"]).map_or_else(
            || "unknown commit".to_owned(),
            |commit| match command("git", &["status", "--porcelain", "--untracked-files=no"]) {
                Some(changes) if !changes.is_empty() => format!("`{commit}` + uncommitted changes"),
                _ => format!("`{commit}`"),
            },
        );
        let mode = options.mode;
        format!(
            "Machine: {cpu}, {cores} cores. {rustc}. Commit {commit}, {date} (UTC).\n\
             Mode `{name}`: {reps} repetitions (after {warm} warm-up), {items} items per \
             throughput run, {trips} round trips per `pingpong` run.\n\n\
             Only ratios within this run mean anything: absolute figures on a shared VM \
             move by up to 2x between runs. *vs best peer* is paired: in each repetition, \
             the implementation's score divided by the best peer's score in that same \
             repetition (throughput; for `pingpong`, round trips per second from the \
             run's median round trip); the table shows the median of those ratios and \
             their range. Above 1.00x (bold) is faster than every peer. Peers marked \
             `(spin-yield)` have no blocking API and wait by spinning, then yielding.\n",
            date = today(),
            name = mode.name,
            reps = mode.repetitions,
            warm = mode.warm_up,
            items = mode.items,
            trips = mode.round_trips,
        )
    }

    /// Today's UTC date as `YYYY-MM-DD` (days to civil date, H. Hinnant's algorithm).
    fn today() -> String {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let days = (secs / 86_400) as i64 + 719_468;
        let era = days.div_euclid(146_097);
        let day_of_era = days.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        format!("{year:04}-{month:02}-{day:02}")
    }

    fn markdown(header: &str, all: &[Vec<Row>]) -> String {
        let mut out = String::from("# parkq comparison report\n\n");
        out += header;

        out += "\n## Summary: parkq / best peer\n\n\
                | family | scenario | parkq | vs best peer | best peer |\n\
                | --- | --- | --- | ---: | --- |\n";
        for rows in all {
            let best = rows
                .iter()
                .find(|row| row.best_peer)
                .map_or("—", |row| row.name);
            for row in rows.iter().filter(|row| row.parkq) {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    row.family,
                    row.scenario.name(),
                    row.name,
                    ratio_text(row.ratio, row.ratio_range),
                    best
                );
            }
        }

        let mut family = "";
        for rows in all {
            if rows[0].family != family {
                family = rows[0].family;
                let _ = write!(
                    out,
                    "\n## {family}\n\n\
                     Throughput in M items/s; `pingpong` as median round trip (p99 over all \
                     round trips) and the range of the per-repetition medians.\n\n\
                     | scenario | implementation | median | min–max | vs best peer |\n\
                     | --- | --- | ---: | ---: | ---: |\n"
                );
            }
            for row in rows {
                let (value, range) = value_columns(row);
                let name = if row.best_peer {
                    format!("{} (best peer)", row.name)
                } else {
                    row.name.to_owned()
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    row.scenario.name(),
                    name,
                    value,
                    range,
                    ratio_text(row.ratio, row.ratio_range)
                );
            }
        }
        out
    }

    // ----------------------------------------------------------------------------------
    // The chart

    /// Draws parkq's paired ratio to the best peer, one bar per parkq implementation and
    /// scenario, on a log scale centred on 1.
    fn chart(path: &Path, all: &[Vec<Row>], subtitle: &str) -> Result<(), String> {
        use plotters::prelude::*;

        let bars: Vec<&Row> = all.iter().flatten().filter(|row| row.parkq).collect();
        if bars.is_empty() {
            return Ok(());
        }
        let n = bars.len();
        let (lo, hi) = bars.iter().fold((0.5f64, 2.0f64), |(lo, hi), row| {
            (lo.min(row.ratio_range.0), hi.max(row.ratio_range.1))
        });
        let (lo, hi) = (lo / 1.25, hi * 1.25);
        let height = 120 + 22 * n as u32;
        let root = SVGBackend::new(path, (960, height)).into_drawing_area();
        let fail = |e: &dyn std::fmt::Display| format!("drawing {}: {e}", path.display());
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        // The first row at the top.
        let at = |i: usize| n - 1 - i;
        // The top edge of row `k`: the last row's is the axis's end.
        let top = |k: usize| {
            if k + 1 == n {
                SegmentValue::Last
            } else {
                SegmentValue::Exact(k + 1)
            }
        };
        let labels: Vec<String> = bars
            .iter()
            .rev()
            .map(|row| format!("{} · {} · {}", row.family, row.scenario.name(), row.name))
            .collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("parkq / best peer, paired per repetition ({subtitle})"),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(330)
            .build_cartesian_2d((lo..hi).log_scale(), (0..n - 1).into_segmented())
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|value| match value {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc(
                "ratio to the best peer (log scale; > 1 is faster than every peer). \
                 Blue: Queue or Ring; orange: parkq::channel; whisker: min–max",
            )
            // Log-scale ticks crowd near each power of ten: label only 1-2-5 steps.
            .x_label_formatter(&|x| {
                let mantissa = x / 10f64.powf(x.log10().floor());
                if [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6) {
                    format!("{x}")
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(|e| fail(&e))?;

        let core = RGBColor(52, 101, 164);
        let channel = RGBColor(245, 121, 0);
        chart
            .draw_series(bars.iter().enumerate().map(|(i, row)| {
                let (from, to) = if row.ratio >= 1.0 {
                    (1.0, row.ratio)
                } else {
                    (row.ratio, 1.0)
                };
                let color = if row.name.contains("channel") {
                    channel
                } else {
                    core
                };
                let mut bar = Rectangle::new(
                    [(from, SegmentValue::Exact(at(i))), (to, top(at(i)))],
                    color.filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            }))
            .map_err(|e| fail(&e))?;
        // The range of the paired ratios over the repetitions.
        chart
            .draw_series(bars.iter().enumerate().map(|(i, row)| {
                PathElement::new(
                    vec![
                        (row.ratio_range.0, SegmentValue::CenterOf(at(i))),
                        (row.ratio_range.1, SegmentValue::CenterOf(at(i))),
                    ],
                    BLACK.stroke_width(1),
                )
            }))
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, row)| {
                Text::new(
                    format!("{:.2}x", row.ratio),
                    (
                        row.ratio_range.1.max(1.0) * 1.03,
                        SegmentValue::CenterOf(at(i)),
                    ),
                    ("sans-serif", 12).into_font(),
                )
            }))
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(1.0, SegmentValue::Exact(0)), (1.0, SegmentValue::Last)],
                BLACK.stroke_width(2),
            )))
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
        Ok(())
    }

    // ----------------------------------------------------------------------------------
    // Main

    fn write(path: &Path, contents: &str) {
        if let Err(e) = std::fs::write(path, contents) {
            eprintln!("report: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
    }

    pub fn main() {
        let options = options();
        let started = Instant::now();
        // The facts about the run are taken before it: the working tree may change while
        // a full report runs, and the binary measures what it was built from.
        let header = header(&options);
        let measured = measure(&options);
        if measured.is_empty() {
            eprintln!("report: no scenario matches {:?}", options.filters);
            std::process::exit(2);
        }
        let all: Vec<Vec<Row>> = measured.iter().map(rows).collect();
        let table = markdown(&header, &all);
        println!("{table}");

        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root.join("target"), PathBuf::from)
            .join("parkq-report");
        if let Err(e) = std::fs::create_dir_all(&target) {
            eprintln!("report: cannot create {}: {e}", target.display());
            std::process::exit(1);
        }
        let subtitle = format!(
            "{} mode, median of {} repetitions, {}",
            options.mode.name,
            options.mode.repetitions,
            today()
        );
        let mut outputs = vec![(target.join("report.md"), target.join("ratios.svg"))];
        if options.docs {
            let docs = root.join("docs");
            let _ = std::fs::create_dir_all(&docs);
            outputs.push((docs.join("compare.md"), docs.join("compare.svg")));
        }
        for (md, svg) in &outputs {
            write(md, &table);
            if let Err(e) = chart(svg, &all, &subtitle) {
                eprintln!("report: {e}");
                std::process::exit(1);
            }
            eprintln!("report: wrote {} and {}", md.display(), svg.display());
        }
        eprintln!("report: {:.0} s", started.elapsed().as_secs_f64());
    }
}
