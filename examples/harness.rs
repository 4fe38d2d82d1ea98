//! How another crate runs its scenarios as `cargo test` trials: a test target without libtest's
//! harness whose `main` hands the project folder to the library.
//!
//! In your crate, `Cargo.toml`:
//!
//! ```toml
//! [dev-dependencies]
//! passwordless-conformance = { git = "https://github.com/YOUR-ORG/passwordless-conformance" }
//!
//! [[test]]
//! name = "conformance"
//! harness = false
//! ```
//!
//! and `tests/conformance.rs` holding `fn main() { passwordless_conformance::harness::main() }`,
//! with `scenarios/` next to `Cargo.toml` (`passwordless-conformance init .` writes one). Here the
//! project is `examples/conformance/` — what `init` writes — and `cargo test` runs this example
//! (`test = true` in this repository's `Cargo.toml`), so the example stays green.

fn main() {
    passwordless_conformance::harness::run(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/conformance"
    ))
    .exit()
}
