//! Tells rustdoc about loom builds.
//!
//! `RUSTFLAGS="--cfg loom"` reaches rustc but not rustdoc, yet doctests link the
//! loom-built library, whose primitives panic outside a `loom::model`. A cfg set
//! here reaches both, so `src/doctest.rs` can mark the examples `ignore` in that
//! build only. Normal builds run every example.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_CFG_LOOM").is_some() {
        println!("cargo:rustc-cfg=parkq_loom_doctest");
    }
}
