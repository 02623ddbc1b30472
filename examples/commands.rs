//! The seed's commands example on its own: `cargo run --example commands`. Unix only.

#[path = "seed/mod.rs"]
mod seed;

#[cfg(unix)]
fn main() {
    seed::commands::run();
}

#[cfg(not(unix))]
fn main() {
    eprintln!("parkq::process and parkq::signal are Unix only");
}
