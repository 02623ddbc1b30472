//! Tells rustdoc about loom builds.
//!
//! `RUSTFLAGS="--cfg loom"` reaches rustc but not rustdoc, yet doctests link the
//! loom-built library, whose primitives panic outside a `loom::model`. A cfg set
//! here reaches both, so the `example!` macro in `src/lib.rs` marks the examples `ignore` in that
//! build only. Normal builds run every example.
//!
//! It also decides `asymmetric_fence` (see `src/shim.rs`): Linux, and neither loom (which
//! must check the plain `fence(SeqCst)` handshake) nor Miri (which cannot run
//! `membarrier`).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let loom = std::env::var_os("CARGO_CFG_LOOM").is_some();
    let miri = std::env::var_os("CARGO_CFG_MIRI").is_some();
    if linux && !loom && !miri {
        println!("cargo:rustc-cfg=asymmetric_fence");
    }
    if std::env::var_os("CARGO_CFG_LOOM").is_some() {
        println!("cargo:rustc-cfg=parkq_loom_doctest");
    }
}
