//! The harness's own integration tests, in one binary (matklad's layout: one link, one
//! process, shared helpers in `support`). Scenarios run in their own binary, `tests/scenarios.rs`,
//! because libtest-mimic owns its `main`.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

mod authoring;
mod canary;
mod diagnostics;
mod engine;
mod evidence_classes;
mod flows;
mod hostile;
mod init_project;
mod listing;
mod loader_properties;
mod mock_calibration;
mod mock_control;
mod mock_mfa;
mod mock_mfa_manage;
mod mock_mfa_oob;
mod mock_passwordless;
mod mock_phone_provider;
mod mock_properties;
mod mock_rate_limit;
mod mock_server;
mod mock_shutdown;
mod mock_smtp;
mod mock_token;
mod run_output;
mod run_reports;
mod shared_tls;
mod snapshot_accept;
mod staging_profile;
mod support;
