//! Memory does not grow with the number of trials: 2 000 trials of the login flow on the embedded
//! mock, each listed and then run as `run` does, with the heap's live bytes counted after trial
//! 500 and after trial 2 000. Whatever a trial leaves behind (a prepared scenario never taken, a
//! cache keyed by trial, a runtime or mock not torn down) grows the second figure by 1 500 times
//! its size. Its own binary, because the global allocator counts every thread of the process.

use std::alloc::System;
use std::path::Path;

use passwordless_conformance::suite::TrialOutcome;
use passwordless_conformance::{ScenarioFile, SchemaRegistry, SnapshotMode, Suite, TargetConfig};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const TRIALS: usize = 2000;
const STEADY_FROM: usize = 500;
/// What the heap may grow by between trial 500 and trial 2 000: room for a cache that settles
/// late, far below 1 500 trials of anything (a retained scenario is several KiB, a trial id 50 B).
const SLACK_BYTES: i128 = 48 * 1024;

const FLOW: &str = r#"
name: steady state
requires: [outbox]
steps:
  - name: ask for a code
    request:
      method: POST
      path: /passwordless/start
      json: { client_id: "{{ clients.native.client_id }}", connection: email, email: "{{ users.email_user.email }}", send: code }
    expect: { status: 200, schema: passwordless-start-email.json }
  - name: read the code
    otp: { to: "{{ users.email_user.email }}" }
  - name: exchange it
    request:
      method: POST
      path: /oauth/token
      json:
        grant_type: http://auth0.com/oauth/grant-type/passwordless/otp
        client_id: "{{ clients.native.client_id }}"
        username: "{{ users.email_user.email }}"
        otp: "{{ code }}"
        realm: email
        scope: openid
    expect: { status: 200, schema: token-success.json, body: { $.token_type: Bearer } }
"#;

/// Bytes allocated and not freed (stats_alloc already counts a reallocation's growth as
/// allocated and its shrinking as freed).
fn live_bytes() -> i128 {
    let stats = HEAP.stats();
    stats.bytes_allocated as i128 - stats.bytes_deallocated as i128
}

#[test]
fn the_heap_does_not_grow_from_trial_500_to_trial_2000() {
    let root = std::env::temp_dir().join(format!("pc-steady-state-{}", std::process::id()));
    let scenarios = root.join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("a temporary folder");
    let files: Vec<ScenarioFile> = (0..TRIALS)
        .map(|index| {
            let id = format!("flow_{index:04}.yaml");
            let path = scenarios.join(&id);
            std::fs::write(&path, FLOW).expect("a scenario file");
            ScenarioFile { id, path }
        })
        .collect();
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut suite = Suite::from_project_dir(repository);
    suite.scenarios_dir = scenarios;
    suite.target = Ok(TargetConfig::builtin_mock());
    suite.schemas = SchemaRegistry::load(&repository.join("schemas"));
    suite.snapshots = SnapshotMode::Skip;
    // As `run` without `--html`; the reports' steps are per trial and dropped with it anyway.
    suite.record_steps = false;

    let mut at_steady = None;
    for (index, file) in files.iter().enumerate() {
        suite.plan(file);
        let outcome = suite.run_file(file);
        assert_eq!(outcome, TrialOutcome::Passed, "trial {index}");
        if index + 1 == STEADY_FROM {
            at_steady = Some(live_bytes());
        }
    }
    let at_end = live_bytes();
    let _ = std::fs::remove_dir_all(&root);
    let at_steady = at_steady.expect("more trials than STEADY_FROM");
    let growth = at_end - at_steady;
    assert!(
        growth <= SLACK_BYTES,
        "the heap grew by {growth} bytes from trial {STEADY_FROM} to trial {TRIALS} \
         ({} bytes per trial): something is kept per trial",
        growth / (TRIALS - STEADY_FROM) as i128
    );
}
