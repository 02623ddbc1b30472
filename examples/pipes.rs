//! The seed's pipes example on its own: `cargo run --example pipes`. Unix only.

#[path = "seed/mod.rs"]
mod seed;

#[cfg(unix)]
fn main() {
    seed::pipes::run();
}

#[cfg(not(unix))]
fn main() {
    eprintln!("parkq::process and parkq::signal are Unix only");
}
