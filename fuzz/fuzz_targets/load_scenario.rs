//! Arbitrary bytes through the path a scenario file takes before any request: read (size, UTF-8, byte-order
//! mark), parse, load, validate against this project. Whatever the input, nothing may panic, and a file
//! that does not load must say why.

#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use passwordless_conformance::scenario::parse_scenario_bytes;
use passwordless_conformance::validate::{ProjectContext, validate};

static PROJECT: LazyLock<ProjectContext> =
    LazyLock::new(|| ProjectContext::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")));

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match parse_scenario_bytes(data, "fuzz.yaml") {
        Ok(scenario) => {
            let validation = validate(&scenario, &PROJECT);
            for diagnostic in validation.errors.iter().chain(&validation.warnings) {
                let _ = diagnostic.to_string();
            }
        }
        Err(error) => {
            assert!(
                !error.diagnostics().is_empty(),
                "a failed load says nothing"
            );
            let _ = error.to_string();
        }
    }
});
