//! The signing floor of the mock's own library: `cargo bench --bench sign_floor [-- SECONDS]`.
//!
//! Signs an ID-token-sized message with the mock's current test key through aws-lc-rs, exactly as
//! `src/mock/keys.rs` does (a key pair parsed once, RS256), on one thread for SECONDS (default 2),
//! and prints one JSON line: signatures made, the thread's CPU seconds (from
//! `/proc/thread-self/schedstat`, so a busy shared machine does not inflate it the way wall time
//! would) and the CPU per signature. `benches/mock_load.sh` prints it beside `openssl speed`.
//! Nothing is asserted.

use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const KEY_PEM: &str = include_str!("../src/mock/test_keys/key_1.pem");

fn main() {
    // `cargo test --benches` passes `--test`-style flags: a short run is enough there.
    let seconds = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse::<f64>().ok())
        .unwrap_or(2.0);
    let body: String = KEY_PEM
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(body.trim()).expect("the test key is PEM");
    let pair = RsaKeyPair::from_pkcs8(&der).expect("the test key is an RSA PKCS#8 key");
    // A header and claims the size of the bench's ID tokens (about 500 bytes of base64url).
    let message = vec![b'e'; 500];
    let mut signature = vec![0; pair.public_modulus_len()];
    let rng = SystemRandom::new();

    let cpu_before = thread_cpu();
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut signatures = 0u64;
    while Instant::now() < deadline {
        pair.sign(&RSA_PKCS1_SHA256, &rng, &message, &mut signature)
            .expect("signing works");
        signatures += 1;
    }
    let cpu = thread_cpu() - cpu_before;
    println!(
        "{{\"signatures\":{signatures},\"cpu_seconds\":{cpu:.4},\"ms_per_signature\":{:.4}}}",
        cpu * 1000.0 / signatures as f64
    );
}

/// The CPU time this thread has used, in seconds (the first field of its schedstat, in ns).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(f64::NAN, |nanos| nanos as f64 / 1e9)
}
