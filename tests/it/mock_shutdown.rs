//! The standalone mock (`passwordless-conformance mock`) stops within its grace period on SIGTERM,
//! over plain HTTP and TLS alike, even while a client has sent only half a request.
//!
//! Each test runs the real binary on `127.0.0.1:0`, reads the address from its first line, leaves
//! a connection with half a request (or half a TLS handshake) open, sends SIGTERM with `kill`, and
//! polls for the exit with a cap. Unix only: Windows has no SIGTERM.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// The longest any step may take before the test gives up (never a fixed wait).
const CAP: Duration = Duration::from_secs(20);

/// How often a condition is polled.
const POLL: Duration = Duration::from_millis(20);

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// The mock binary, its stdout as lines, and the port it listens on.
struct Standalone {
    child: Child,
    lines: Receiver<String>,
    port: u16,
}

impl Standalone {
    /// Starts `passwordless-conformance mock --listen 127.0.0.1:0 <extra>` and reads the
    /// `mock tenant listening on <url>` line.
    fn start(extra: &[&str]) -> Standalone {
        let mut child = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"))
            .args(["mock", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(CAP)
            .expect("the mock prints its address");
        let url = first
            .strip_prefix("mock tenant listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Standalone { child, lines, port }
    }

    /// Sends SIGTERM through `kill`, as a service manager would.
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill failed: {status}");
    }

    /// Polls until the process exits, for at most [`CAP`].
    fn wait_for_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + CAP;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the mock still runs {CAP:?} after SIGTERM"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Polls until a new connection is refused, for at most [`CAP`].
    fn wait_until_refused(&self) {
        let deadline = Instant::now() + CAP;
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(
                Instant::now() < deadline,
                "still accepting {CAP:?} after SIGTERM"
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        // Only when an assertion failed: do not leave the process behind.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Opens a connection and sends the first bytes of something it never finishes.
fn half_sent(port: u16, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(bytes).unwrap();
    stream.flush().unwrap();
    stream
}

/// Stops the mock while `stalled` is open: it must stop accepting, then exit 0 within its
/// grace period, saying so on stdout.
async fn terminate_with_a_stalled_client(
    mut mock: Standalone,
    stalled: TcpStream,
    probe: &str,
    client: reqwest::Client,
) {
    // A complete request on a second connection: connections are accepted in order, so once it
    // is answered the stalled one is in the server's hands, mid-request.
    let reply = client.get(probe).send().await.unwrap();
    assert_eq!(reply.status(), 200);
    mock.terminate();
    mock.wait_until_refused();
    let status = mock.wait_for_exit();
    assert!(status.success(), "exit status {status}");
    let said: Vec<String> = mock.lines.try_iter().collect();
    assert_eq!(
        said,
        ["mock tenant shutting down: requests in flight get 2 s"],
        "stdout after the address"
    );
    drop(stalled);
}

#[tokio::test(flavor = "current_thread")]
async fn sigterm_stops_the_http_mock_while_a_request_is_half_sent() {
    let mock = Standalone::start(&[]);
    let stalled = half_sent(
        mock.port,
        b"POST /passwordless/start HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"client_id\":",
    );
    let probe = format!("http://127.0.0.1:{}/.well-known/jwks.json", mock.port);
    terminate_with_a_stalled_client(mock, stalled, &probe, reqwest::Client::new()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn sigterm_stops_the_tls_mock_while_a_handshake_is_half_sent() {
    let cert = fixture("cert.pem");
    let key = fixture("key.pem");
    let mock = Standalone::start(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    // The first bytes of a TLS record carrying a ClientHello, and no more.
    let stalled = half_sent(mock.port, &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]);
    let certificate = reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([certificate])
        .build()
        .unwrap();
    let probe = format!("https://localhost:{}/.well-known/jwks.json", mock.port);
    terminate_with_a_stalled_client(mock, stalled, &probe, client).await;
}
