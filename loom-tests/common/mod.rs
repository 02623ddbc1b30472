//! Helpers shared by the loom model files.
#![allow(dead_code)]

use std::time::Duration;

/// Runs `f` under loom with `bound` preemptions (`None`: exhaustive), unless
/// `LOOM_MAX_PREEMPTIONS` is set.
pub fn model(bound: Option<usize>, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        builder.preemption_bound = bound;
    }
    builder.check(f);
}

/// A far-away deadline: under loom a timed park may "expire" at any point regardless.
pub const LONG: Duration = Duration::from_secs(3600);
