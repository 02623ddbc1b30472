//! The seed's `pipes-example-1.py`: a `sort | uniq` pipeline over a sample file, its
//! output going straight to stdout.

use parkq::process::Template;

/// The seed's `samples/sample.txt`: the candidates, some listed twice.
pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed/sample.txt");

/// Runs the example, printing as the seed does.
pub fn run() {
    let mut t = Template::new();
    // create a pipeline
    t.append("sort", "--").expect("a valid step");
    t.append("uniq", "--").expect("a valid step");
    // filter some text ("" is stdout: the pipeline writes there itself)
    let status = t.copy(SAMPLE, "").expect("/bin/sh runs");
    assert!(status.success(), "sort | uniq failed: {status}");
}
