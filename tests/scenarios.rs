//! One libtest-mimic trial per file under `scenarios/`, named by its path there.
//!
//! `cargo test -- passwordless/email`, `--list`, `--exact`, `--ignored` and `--test-threads`
//! behave as libtest's; `cargo nextest run` runs each trial as its own process. The target comes
//! from `CONFORMANCE_TARGET` (default: the embedded mock) and tags from `CONFORMANCE_TAGS`
//! (`mfa,!slow`), since the arguments belong to libtest. A scenario the target cannot run is
//! marked ignored when the trials are listed, so every runner reports it as skipped; the reasons
//! go to stderr (see `suite::trials`). A scenario the tags leave out is not listed. This is the
//! library's entry point for any crate ([`passwordless_conformance::harness`]), here on this
//! repository's own project folder.

fn main() {
    passwordless_conformance::harness::run(env!("CARGO_MANIFEST_DIR")).exit()
}
