//! The `command` source of one-time codes: a shell command that prints the last message.
//!
//! Takes a [`CommandSource`] and the recipient, runs the script with `sh -c` in its own process
//! group, and gives the message it printed. It never outlives its timeout and never leaves a
//! process behind: on timeout, and after it exits, the whole group is killed (a `sleep &` or a
//! poller it started goes with it); what it prints is read to the end but kept only up to a cap.

use std::time::Duration;

use super::config::CommandSource;
use super::otp::{DEFAULT_CODE_REGEX, OtpError, OtpMessage, OtpQuery, message_from_text};

/// The most a `command` may print on each of stdout and stderr, in bytes (64 KiB); the rest is
/// read and dropped.
const MAX_COMMAND_OUTPUT: usize = 64 * 1024;

/// How long the output of a finished `command` may stay open (held by a process that left its
/// process group) before we stop waiting for it.
const COMMAND_OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// Runs `command` for `query` and reads the message it printed.
pub(super) async fn run_command(
    command: &CommandSource,
    query: &OtpQuery<'_>,
) -> Result<OtpMessage, OtpError> {
    let source_name = format!("command `{}`", command.script);
    let failed = |message: String| OtpError::Source {
        source_name: source_name.clone(),
        message,
    };
    let quoted = format!("'{}'", query.to.replace('\'', r"'\''"));
    let script = command
        .script
        .replace("{to}", &quoted)
        .replace("{channel}", query.channel);
    let mut process = tokio::process::Command::new("sh");
    process
        .arg("-c")
        .arg(&script)
        .env("OTP_TO", query.to)
        .env("OTP_CHANNEL", query.channel)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    // Its own process group, so that on timeout everything it started goes with it.
    #[cfg(unix)]
    process.process_group(0);
    let mut child = process
        .spawn()
        .map_err(|error| failed(format!("cannot start `sh`: {error}")))?;
    let mut group = ProcessGroup(child.id());
    let stdout = tokio::spawn(read_capped(child.stdout.take()));
    let stderr = tokio::spawn(read_capped(child.stderr.take()));
    let status = tokio::time::timeout(command.timeout, child.wait()).await;
    // Whatever the command left running in the background (a `sleep &`, a poller) ends with it.
    group.kill();
    let status = match status {
        Err(_) => {
            return Err(failed(format!(
                "still running after {:?}; it was stopped, with every process it started\nhint: raise `timeout_seconds` next to `command` in the target's profile if the command is just slow",
                command.timeout
            )));
        }
        Ok(Err(error)) => return Err(failed(error.to_string())),
        Ok(Ok(status)) => status,
    };
    let output = |task: tokio::task::JoinHandle<Captured>| async {
        match tokio::time::timeout(COMMAND_OUTPUT_GRACE, task).await {
            Ok(Ok(captured)) => Ok(captured),
            _ => Err(failed(
                "its output stayed open after it exited (a process outside its group holds it)"
                    .to_owned(),
            )),
        }
    };
    let stdout = output(stdout).await?;
    let stderr = output(stderr).await?;
    if !status.success() {
        return Err(failed(format!(
            "exited with {status}: {}",
            last_lines(&String::from_utf8_lossy(&stderr.bytes), 20)
        )));
    }
    if stdout.overflowed {
        return Err(failed(format!(
            "printed more than {MAX_COMMAND_OUTPUT} bytes; a message is expected, not a mailbox"
        )));
    }
    let body = String::from_utf8_lossy(&stdout.bytes).trim().to_owned();
    if body.is_empty() {
        return Err(OtpError::NoMessage {
            to: query.to.to_owned(),
            waited: Duration::ZERO,
            source_name,
        });
    }
    let code = regex::Regex::new(DEFAULT_CODE_REGEX).map_err(|error| failed(error.to_string()))?;
    let link =
        regex::Regex::new(r#"(https?://[^\s"'<>]+)"#).map_err(|error| failed(error.to_string()))?;
    Ok(message_from_text(query, body, &code, &link))
}

/// Runs `script` with `sh -c` in its own process group, `input` on its stdin, for at most
/// `timeout`; gives why it failed (its exit status and the end of its stderr), if it did. What it
/// prints on stdout is read and dropped. Used to hand a rotated secret to a secret store.
pub(super) async fn run_with_input(
    script: &str,
    timeout: Duration,
    input: &[u8],
) -> Result<(), String> {
    use tokio::io::AsyncWriteExt as _;
    let mut process = tokio::process::Command::new("sh");
    process
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    process.process_group(0);
    let mut child = process
        .spawn()
        .map_err(|error| format!("cannot start `sh`: {error}"))?;
    let mut group = ProcessGroup(child.id());
    let stdout = tokio::spawn(read_capped(child.stdout.take()));
    let stderr = tokio::spawn(read_capped(child.stderr.take()));
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is its own business: a closed pipe is no error.
        let _ = tokio::time::timeout(timeout, stdin.write_all(input)).await;
    }
    let status = tokio::time::timeout(timeout, child.wait()).await;
    group.kill();
    let status = match status {
        Err(_) => {
            return Err(format!(
                "still running after {timeout:?}; it was stopped, with every process it started"
            ));
        }
        Ok(Err(error)) => return Err(error.to_string()),
        Ok(Ok(status)) => status,
    };
    drop(tokio::time::timeout(COMMAND_OUTPUT_GRACE, stdout).await);
    let stderr = match tokio::time::timeout(COMMAND_OUTPUT_GRACE, stderr).await {
        Ok(Ok(captured)) => String::from_utf8_lossy(&captured.bytes).into_owned(),
        _ => String::new(),
    };
    if status.success() {
        Ok(())
    } else {
        Err(format!("exited with {status}: {}", last_lines(&stderr, 20)))
    }
}

/// A command's process group, killed (once) when asked or when dropped, so that not even a
/// cancelled trial leaves the command's processes running.
struct ProcessGroup(Option<u32>);

impl ProcessGroup {
    fn kill(&mut self) {
        if let Some(leader) = self.0.take() {
            kill_group(leader);
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(unix)]
fn kill_group(leader: u32) {
    let Some(group) = i32::try_from(leader)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    // The group may be gone already (every process exited): nothing to do then.
    let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
}

#[cfg(not(unix))]
fn kill_group(_leader: u32) {}

/// What a command printed on one stream, up to [`MAX_COMMAND_OUTPUT`].
struct Captured {
    bytes: Vec<u8>,
    overflowed: bool,
}

/// Reads a stream to its end, keeping the first [`MAX_COMMAND_OUTPUT`] bytes and dropping the rest
/// (still reading, so the command never blocks on a full pipe).
async fn read_capped(stream: Option<impl tokio::io::AsyncRead + Unpin>) -> Captured {
    use tokio::io::AsyncReadExt as _;
    let mut captured = Captured {
        bytes: Vec::new(),
        overflowed: false,
    };
    let Some(mut stream) = stream else {
        return captured;
    };
    let mut buffer = [0_u8; 8192];
    while let Ok(read) = stream.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        let room = MAX_COMMAND_OUTPUT.saturating_sub(captured.bytes.len());
        captured.overflowed |= read > room;
        captured.bytes.extend_from_slice(&buffer[..read.min(room)]);
    }
    captured
}

/// The last `count` lines of `text`, trimmed: the end of a long error output says what failed.
/// Cut at line ends only, so that no secret is cut into a fragment nothing recognises.
fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    let skipped = lines.len().saturating_sub(count);
    let shown = lines[skipped..].join("\n");
    if skipped > 0 {
        format!("(… {skipped} lines before)\n{shown}")
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn query(to: &str) -> OtpQuery<'_> {
        OtpQuery {
            to,
            channel: "sms",
            since: SystemTime::UNIX_EPOCH,
        }
    }

    fn command(script: &str, timeout: Duration) -> CommandSource {
        CommandSource {
            script: script.to_owned(),
            timeout,
        }
    }

    /// Whether process `pid` has ended (gone, or a zombie nobody reaped yet).
    #[cfg(target_os = "linux")]
    fn has_ended(pid: &str) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            // `pid (comm) S …`: the state follows the last `)`.
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
        }
    }

    /// Polls until `pid` has ended, for at most ten seconds.
    #[cfg(target_os = "linux")]
    async fn wait_until_ended(pid: &str) -> bool {
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if has_ended(pid) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    fn scratch_file(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("pc-otp-{}-{name}", std::process::id()))
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_command_that_overruns_its_timeout_is_killed_with_its_children() {
        let pid_file = scratch_file("overrun.pid");
        let _ = std::fs::remove_file(&pid_file);
        let script = format!("sleep 300 & echo $! > '{}'; wait", pid_file.display());
        let error = run_command(&command(&script, Duration::from_millis(300)), &query("a"))
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("still running after 300ms"), "{error}");
        assert!(error.contains("timeout_seconds"), "{error}");
        let child = std::fs::read_to_string(&pid_file).unwrap_or_default();
        let child = child.trim();
        assert!(!child.is_empty(), "the command wrote no child pid");
        assert!(
            wait_until_ended(child).await,
            "the command's child {child} still runs"
        );
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_command_that_leaves_a_child_behind_still_answers_and_the_child_ends() {
        let pid_file = scratch_file("leftover.pid");
        let _ = std::fs::remove_file(&pid_file);
        let script = format!(
            "sleep 300 & echo $! > '{}'; echo 'your code is 424242'",
            pid_file.display()
        );
        let message = run_command(&command(&script, Duration::from_secs(30)), &query("a"))
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(message.code.as_deref(), Some("424242"));
        let child = std::fs::read_to_string(&pid_file).unwrap_or_default();
        assert!(
            wait_until_ended(child.trim()).await,
            "the background child still runs"
        );
    }

    #[tokio::test]
    async fn a_command_printing_without_end_is_refused_not_buffered() {
        let error = run_command(
            &command(
                "head -c 1000000 /dev/zero | tr '\\0' 'x'",
                Duration::from_secs(30),
            ),
            &query("a"),
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(error.contains("printed more than 65536 bytes"), "{error}");
    }

    #[tokio::test]
    async fn a_command_source_gets_the_address_quoted_and_its_output_parsed() {
        let message = run_command(
            &command(
                "printf 'to %s: your code is 654321' {to}",
                Duration::from_secs(30),
            ),
            &query("+1555 'x'"),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(message.code.as_deref(), Some("654321"));
        assert!(message.body.contains("to +1555 'x'"), "{}", message.body);
    }

    #[tokio::test]
    async fn a_failing_command_source_says_how_it_failed() {
        let error = run_command(
            &command("echo oops >&2; exit 3", Duration::from_secs(30)),
            &query("a"),
        )
        .await
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("exited with") && text.contains("oops"),
            "{text}"
        );
    }
}
