//! Property tests of the scenario loader: whatever the bytes, loading and validating never panic, never
//! report nothing, and every diagnostic points inside the file.
//!
//! Two generators: arbitrary bytes, and structured mutations of real scenarios (the shipped ones and the
//! diagnostics corpus) — characters and YAML tokens inserted, ranges deleted, lines duplicated, swapped or
//! re-indented — which reach far deeper into the loader than random bytes do. Case counts are kept small so
//! `cargo test` stays fast; `fuzz/` runs the same property for as long as you like (see its README).

use std::path::Path;
use std::sync::LazyLock;

use passwordless_conformance::scenario::{LoadError, parse_scenario_bytes};
use passwordless_conformance::validate::{ProjectContext, validate};
use proptest::prelude::*;

static PROJECT: LazyLock<ProjectContext> =
    LazyLock::new(|| ProjectContext::load(Path::new(env!("CARGO_MANIFEST_DIR"))));

/// Every scenario shipped with the project and every file of the diagnostics corpus.
static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    for dir in ["scenarios", "tests/diagnostics"] {
        for file in passwordless_conformance::discover(&root.join(dir)).unwrap_or_default() {
            if let Ok(bytes) = std::fs::read(&file.path) {
                seeds.push(bytes);
            }
        }
    }
    seeds
});

/// Loads and validates `bytes`, checking what every outcome must satisfy.
fn check(bytes: &[u8]) {
    match parse_scenario_bytes(bytes, "prop.yaml") {
        Ok(scenario) => {
            assert!(!scenario.steps.is_empty());
            let validation = validate(&scenario, &PROJECT);
            let text = &scenario.source.text;
            for diagnostic in validation.errors.iter().chain(&validation.warnings) {
                assert_points_inside(text, diagnostic);
            }
        }
        Err(LoadError::Invalid {
            diagnostics,
            omitted: _,
        }) => {
            assert!(!diagnostics.is_empty());
            let text = String::from_utf8_lossy(bytes);
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            for diagnostic in &diagnostics {
                assert_points_inside(text, diagnostic);
                assert!(!diagnostic.to_string().is_empty());
            }
        }
        Err(other) => panic!("loading bytes cannot fail to read: {other}"),
    }
}

fn assert_points_inside(text: &str, diagnostic: &passwordless_conformance::diagnostic::Diagnostic) {
    // YAML ends lines with `\n`, `\r\n` or a lone `\r`.
    let lines = text
        .replace("\r\n", "\n")
        .split(['\n', '\r'])
        .count()
        .max(1);
    assert!(
        diagnostic.span.line >= 1 && diagnostic.span.line <= lines + 1,
        "{diagnostic} is outside the {lines} lines of {text:?}"
    );
    assert!(diagnostic.span.col >= 1, "{diagnostic}");
    if let Some(line) = &diagnostic.source_line {
        assert!(
            diagnostic.span.col <= line.chars().count() + 1,
            "{diagnostic} points past its line in {text:?}"
        );
    }
}

/// Pieces of YAML and of templates that change a document's structure.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "- ",
    ": ",
    ",",
    "\"",
    "'",
    "\t",
    "#",
    "\n",
    "  ",
    "{{",
    "}}",
    "{%",
    "&a ",
    "*a",
    "<<: *a",
    "!tag ",
    "!!str ",
    "? ",
    "|\n",
    ">-\n",
    "---\n",
    "...\n",
    "~",
    "\u{feff}",
    "\\",
    "%",
    "users.emial_user.email",
    "$.",
    "$[?@.a]",
    "\u{0}",
    "\r\n",
    "é",
];

#[derive(Debug, Clone)]
enum Mutation {
    Insert { at: usize, token: usize },
    InsertByte { at: usize, byte: u8 },
    Delete { at: usize, len: usize },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
    Indent { line: usize, by: usize },
    Dedent { line: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::InsertByte { at, byte }),
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        (any::<usize>(), 1usize..5).prop_map(|(line, by)| Mutation::Indent { line, by }),
        any::<usize>().prop_map(|line| Mutation::Dedent { line }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    let len = bytes.len().max(1);
    let mut lines: Vec<Vec<u8>> = bytes
        .split(|byte| *byte == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let line_count = lines.len();
    match mutation {
        Mutation::Insert { at, token } => {
            let at = at % len;
            let at = at.min(bytes.len());
            bytes.splice(at..at, TOKENS[*token].bytes());
            return bytes;
        }
        Mutation::InsertByte { at, byte } => {
            let at = (at % len).min(bytes.len());
            bytes.insert(at, *byte);
            return bytes;
        }
        Mutation::Delete { at, len: count } => {
            let start = (at % len).min(bytes.len());
            let end = (start + count).min(bytes.len());
            bytes.drain(start..end);
            return bytes;
        }
        Mutation::DuplicateLine { line } => {
            let line = line % line_count;
            let copy = lines[line].clone();
            lines.insert(line, copy);
        }
        Mutation::SwapLines { a, b } => lines.swap(a % line_count, b % line_count),
        Mutation::Indent { line, by } => {
            let line = line % line_count;
            lines[line].splice(0..0, std::iter::repeat_n(b' ', *by));
        }
        Mutation::Dedent { line } => {
            let line = line % line_count;
            let spaces = lines[line].iter().take_while(|byte| **byte == b' ').count();
            lines[line].drain(..spaces.min(2));
        }
    }
    lines.join(&b'\n')
}

proptest! {
    // `PROPTEST_CASES=20000 cargo test --test it loader_properties` searches longer.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(192),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic_and_always_say_something(
        bytes in proptest::collection::vec(any::<u8>(), 0..512)
    ) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        check(text.as_bytes());
    }

    #[test]
    fn mutated_scenarios_never_panic_and_point_inside_the_file(
        seed in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let mut bytes = seed.get(&SEEDS).clone();
        for mutation in &mutations {
            bytes = apply(bytes, mutation);
        }
        check(&bytes);
    }
}

#[test]
fn every_seed_loads_or_fails_cleanly() {
    assert!(SEEDS.len() > 40, "{} seeds", SEEDS.len());
    for seed in SEEDS.iter() {
        check(seed);
    }
}
