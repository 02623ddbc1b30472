//! The seed's two popen2 examples (sort, then the chess-engine stand-in) on their own: `cargo run --example popen2`. Unix only.

#[path = "seed/mod.rs"]
mod seed;

#[cfg(unix)]
fn main() {
    seed::popen2::run();
}

#[cfg(not(unix))]
fn main() {
    eprintln!("parkq::process and parkq::signal are Unix only");
}
