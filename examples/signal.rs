//! The seed's signal example on its own (about two seconds): `cargo run --example signal`. Unix only.

#[path = "seed/mod.rs"]
mod seed;

#[cfg(unix)]
fn main() {
    seed::signal::run();
}

#[cfg(not(unix))]
fn main() {
    eprintln!("parkq::process and parkq::signal are Unix only");
}
