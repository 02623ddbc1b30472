//! Runs `examples/tour.rs` and checks the invariants of each section from its output.
//!
//! The tour runs once (as `cargo run --example tour`, in this test's profile, so no
//! other build is needed), shared by one test per section. Its headings are
//! `== <seed file>: <title> ==`. [`SECTIONS`] lists the seed files in the order the tour
//! must play them, each with its check; a section the table does not know fails the
//! test, so a new section comes with its checks: one line in the table and one function.
//! The seed's random 10-100 ms pauses stay, so the checks are about what every run must
//! satisfy (counts, orders, bounds), never about timing.
#![cfg(not(any(loom, miri)))]

#[path = "../examples/seed/mod.rs"]
mod seed;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::OnceLock;

/// Checks the lines of one section; panics with the broken invariant.
type Check = fn(&[String]);

/// The seed files the tour replays, in order, and the check of each one's output.
const SECTIONS: &[(&str, Check)] = &[
    ("threading-example-1", check_threading_counter),
    ("queue-example-1", check_unbounded_queue),
    ("queue-example-2", check_bounded_queue),
    ("queue-example-3", check_priority_queue),
    ("queue-example-4", check_lifo_queue),
    ("thread-example-1", check_thread_example),
    #[cfg(unix)]
    ("commands-example-1", check_commands),
    #[cfg(unix)]
    ("pipes-example-1", check_pipes),
    #[cfg(unix)]
    ("popen2-example-1", check_popen2_sort),
    #[cfg(unix)]
    ("popen2-example-2", check_popen2_engine),
    #[cfg(unix)]
    ("signal-example-1", check_signal),
];

/// The tour's output, split into sections: (seed file, lines without the heading and the
/// blank line after each section).
fn tour() -> &'static [(String, Vec<String>)] {
    static TOUR: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    TOUR.get_or_init(|| {
        let mut command = Command::new(env!("CARGO"));
        command.args(["run", "--quiet", "--example", "tour"]);
        if !cfg!(debug_assertions) {
            command.arg("--release");
        }
        let output = command.output().expect("cannot run cargo");
        assert!(
            output.status.success(),
            "the tour failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).expect("the tour printed non-UTF-8");
        split(&stdout)
    })
}

/// Splits the output at its headings.
fn split(stdout: &str) -> Vec<(String, Vec<String>)> {
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in stdout.lines() {
        if let Some(heading) = line.strip_prefix("== ").and_then(|l| l.strip_suffix(" ==")) {
            let (key, _title) = heading
                .split_once(": ")
                .unwrap_or_else(|| panic!("heading without a seed file: {line:?}"));
            sections.push((key.to_owned(), Vec::new()));
        } else if !line.is_empty() {
            let (_, lines) = sections
                .last_mut()
                .unwrap_or_else(|| panic!("output before the first heading: {line:?}"));
            lines.push(line.to_owned());
        }
    }
    sections
}

/// The lines of one section.
fn section(key: &str) -> &'static [String] {
    let (_, lines) = tour()
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("the tour has no section {key}"));
    lines
}

#[test]
fn sections_are_the_seeds_in_order() {
    let played: Vec<&str> = tour().iter().map(|(key, _)| key.as_str()).collect();
    let expected: Vec<&str> = SECTIONS.iter().map(|(key, _)| *key).collect();
    assert_eq!(played, expected, "sections played vs. sections with checks");
}

#[test]
fn threading_example_1() {
    check("threading-example-1");
}

#[test]
fn queue_example_1() {
    check("queue-example-1");
}

#[test]
fn queue_example_2() {
    check("queue-example-2");
}

#[test]
fn queue_example_3() {
    check("queue-example-3");
}

#[test]
fn queue_example_4() {
    check("queue-example-4");
}

#[test]
fn thread_example_1() {
    check("thread-example-1");
}

#[cfg(unix)]
#[test]
fn commands_example_1() {
    check("commands-example-1");
}

#[cfg(unix)]
#[test]
fn pipes_example_1() {
    check("pipes-example-1");
}

#[cfg(unix)]
#[test]
fn popen2_example_1() {
    check("popen2-example-1");
}

#[cfg(unix)]
#[test]
fn popen2_example_2() {
    check("popen2-example-2");
}

#[cfg(unix)]
#[test]
fn signal_example_1() {
    check("signal-example-1");
}

fn check(key: &str) {
    let (_, check) = SECTIONS.iter().find(|(k, _)| *k == key).unwrap();
    let lines = section(key);
    assert!(!lines.is_empty(), "section {key} printed nothing");
    check(lines);
}

/// Parses `line` as `prefix` + a number + `suffix`.
fn number_between(line: &str, prefix: &str, suffix: &str) -> Option<usize> {
    line.strip_prefix(prefix)?
        .strip_suffix(suffix)?
        .parse()
        .ok()
}

/// `Thread-N -- task i finished value`: 10 threads named Thread-1..=Thread-10, each
/// finishing tasks 0..10 in order with growing values; the values are 1..=100, each once,
/// so the counter reached 100.
fn check_threading_counter(lines: &[String]) {
    use seed::threading_counter::{TASKS, WORKERS};
    let mut tasks: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    let mut values = BTreeSet::new();
    for line in lines {
        let parsed = line.split_once(" -- task ").and_then(|(name, rest)| {
            let (task, value) = rest.split_once(" finished ")?;
            Some((name, task.parse().ok()?, value.parse().ok()?))
        });
        let (name, task, value): (&str, usize, usize) =
            parsed.unwrap_or_else(|| panic!("unexpected line {line:?}"));
        assert!(values.insert(value), "value {value} printed twice");
        tasks
            .entry(name.to_owned())
            .or_default()
            .push((task, value));
    }
    let names: BTreeSet<String> = tasks.keys().cloned().collect();
    let expected: BTreeSet<String> = (1..=WORKERS).map(|n| format!("Thread-{n}")).collect();
    assert_eq!(names, expected, "thread names");
    for (name, done) in &tasks {
        let order: Vec<usize> = done.iter().map(|&(task, _)| task).collect();
        assert_eq!(order, (0..TASKS).collect::<Vec<_>>(), "{name}'s tasks");
        assert!(
            done.windows(2).all(|w| w[0].1 < w[1].1),
            "{name}'s values do not grow: {done:?}"
        );
    }
    assert_eq!(
        values,
        (1..=WORKERS * TASKS).collect::<BTreeSet<_>>(),
        "the counter must reach {} with every value printed once",
        WORKERS * TASKS
    );
}

/// `task N finished` for every item, exactly once.
fn check_unbounded_queue(lines: &[String]) {
    use seed::unbounded_queue::ITEMS;
    let mut finished: Vec<usize> = lines
        .iter()
        .map(|line| {
            number_between(line, "task ", " finished")
                .unwrap_or_else(|| panic!("unexpected line {line:?}"))
        })
        .collect();
    finished.sort_unstable();
    assert_eq!(
        finished,
        (0..ITEMS).collect::<Vec<_>>(),
        "every task finished once"
    );
}

/// `push N` in order and `task N finished` for every item exactly once; when `push N`
/// is printed, items 0..N are pushed and at most capacity + workers of them are still in
/// the ring or in a worker's hands, so at least N - (capacity + workers) have finished.
fn check_bounded_queue(lines: &[String]) {
    use seed::bounded_queue::{CAPACITY, ITEMS, WORKERS};
    let mut pushed = Vec::new();
    let mut finished = Vec::new();
    for line in lines {
        if let Some(item) = number_between(line, "push ", "") {
            assert!(
                finished.len() + CAPACITY + WORKERS >= item,
                "push {item} ran more than capacity + workers ({}) ahead of \
                 {} finished tasks",
                CAPACITY + WORKERS,
                finished.len()
            );
            pushed.push(item);
        } else if let Some(item) = number_between(line, "task ", " finished") {
            assert!(
                pushed.contains(&item),
                "task {item} finished before its push"
            );
            finished.push(item);
        } else {
            panic!("unexpected line {line:?}");
        }
    }
    assert_eq!(pushed, (0..ITEMS).collect::<Vec<_>>(), "pushes in order");
    finished.sort_unstable();
    assert_eq!(
        finished,
        (0..ITEMS).collect::<Vec<_>>(),
        "every task finished once"
    );
}

/// `<ident> -- task i finished` from at most 2 threads with distinct non-zero idents,
/// each counting its tasks from 0 without gaps, then `goodbye!` as the last line.
fn check_thread_example(lines: &[String]) {
    use seed::thread_example::{TASKS, WORKERS};
    let (goodbye, tasks) = lines.split_last().unwrap();
    assert_eq!(goodbye, "goodbye!", "goodbye! is the last line");
    let mut next: BTreeMap<u64, usize> = BTreeMap::new();
    for line in tasks {
        let parsed = line.split_once(" -- task ").and_then(|(ident, rest)| {
            Some((
                ident.parse::<u64>().ok()?,
                number_between(rest, "", " finished")?,
            ))
        });
        let (ident, task) = parsed.unwrap_or_else(|| panic!("unexpected line {line:?}"));
        assert_ne!(ident, 0, "get_ident() is never 0");
        let expected = next.entry(ident).or_insert(0);
        assert_eq!(task, *expected, "thread {ident} skipped or repeated a task");
        *expected += 1;
        assert!(task < TASKS);
    }
    assert!(next.len() <= WORKERS, "more idents than threads: {next:?}");
}

/// Min-first: pushed as (20, second), (10, first), (30, third), they come out in
/// priority order.
fn check_priority_queue(lines: &[String]) {
    assert_eq!(
        lines,
        ["first", "second", "third"],
        "smallest priority first"
    );
}

/// LIFO: the seed's three words come out newest first.
fn check_lifo_queue(lines: &[String]) {
    assert_eq!(lines, ["third", "second", "first"], "LIFO order");
}

/// `status => 0` (Python's exit code) and a non-empty listing.
#[cfg(unix)]
fn check_commands(lines: &[String]) {
    assert_eq!(lines[0], "status => 0", "ls -l succeeds");
    let bytes = number_between(&lines[1], "output => ", " bytes")
        .unwrap_or_else(|| panic!("unexpected line {:?}", lines[1]));
    assert!(bytes > 0, "ls -l printed nothing");
}

/// `sort | uniq` over the sample: sorted, no line twice.
#[cfg(unix)]
fn check_pipes(lines: &[String]) {
    assert!(
        lines.windows(2).all(|pair| pair[0] < pair[1]),
        "sorted and unique: {lines:?}"
    );
}

/// `sort` of "foo" and "bar".
#[cfg(unix)]
fn check_popen2_sort(lines: &[String]) {
    assert_eq!(lines, ["bar", "foo"], "sorted by the child");
}

/// The engine stand-in answers each of the two moves with one move of its own.
#[cfg(unix)]
fn check_popen2_engine(lines: &[String]) {
    assert_eq!(lines.len(), 2, "one answer per move: {lines:?}");
    assert!(
        lines.iter().all(|line| line.len() == 4),
        "moves like e7e5: {lines:?}"
    );
}

/// The alarm's handler ran on the dispatcher thread, then the sleep reported its length.
#[cfg(unix)]
fn check_signal(lines: &[String]) {
    assert_eq!(lines[0], "got signal 14", "SIGALRM's handler ran");
    assert!(
        lines[1].starts_with("slept for about 2 seconds"),
        "the alarm cut the sleep at ~2 s: {:?}",
        lines[1]
    );
}
