//! Reading the one-time codes a target sent: the mock's outbox, an HTTP inbox, a command, a person.
//!
//! Every source answers the same question — "the last message sent to this address since that
//! moment" — and gives an [`OtpMessage`]. Sources poll with a cap and never hang: answers are read
//! up to a size, a `command` runs for at most its timeout and never leaves a process behind.
//! Errors name an inbox by its origin (`https://mail.example:8025`), never by a URL that may hold
//! credentials.

use std::io::IsTerminal as _;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use serde_json_path::JsonPath;

use super::config::{CommandSource, HttpInbox, OtpSource};

/// How long the mock's outbox is polled before giving up (it answers at once in practice).
const OUTBOX_WAIT: Duration = Duration::from_secs(10);
/// How often the outbox is polled while waiting.
const OUTBOX_POLL_INTERVAL: Duration = Duration::from_millis(50);
/// The default code pattern: the first run of 4–10 digits that is not part of a phone number
/// (`+15555550100`) or a longer number.
pub const DEFAULT_CODE_REGEX: &str = r"(?:^|[^+0-9])([0-9]{4,10})(?:[^0-9]|$)";

/// The most an inbox's or the outbox's answer may hold, in bytes (8 MiB): a list of messages, not
/// a mailbox dump.
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// The most a `command` may print on each of stdout and stderr, in bytes (64 KiB); the rest is
/// read and dropped.
const MAX_COMMAND_OUTPUT: usize = 64 * 1024;

/// How long the output of a finished `command` may stay open (held by a process that left its
/// process group) before we stop waiting for it.
const COMMAND_OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// A message the target sent to a test identity.
#[derive(Debug, Clone, PartialEq)]
pub struct OtpMessage {
    /// The address it went to.
    pub to: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The one-time code, when the message carried one.
    pub code: Option<String>,
    /// The magic link, when the message carried one.
    pub link: Option<String>,
    /// The message's text.
    pub body: String,
}

/// Why no message could be read.
#[derive(Debug, thiserror::Error)]
pub enum OtpError {
    /// Nothing arrived in time.
    #[error(
        "no message to `{to}` arrived within {waited:?} ({source_name})\nhint: check that the step before sent one to the same address, and that the source sees it"
    )]
    NoMessage {
        /// The address.
        to: String,
        /// How long we waited.
        waited: Duration,
        /// Which source.
        source_name: String,
    },
    /// The source failed (unreachable inbox, bad answer, failing command).
    #[error("the {source_name} failed: {message}")]
    Source {
        /// Which source.
        source_name: String,
        /// What went wrong.
        message: String,
    },
    /// The prompt source cannot ask anyone.
    #[error(
        "the `prompt` one-time-code source needs a terminal, and this run has none (or CI is set)\nhint: configure an `http_inbox` or `command` source for this channel in targets.yaml"
    )]
    NoTerminal,
}

/// What the runner asks a source for.
pub struct OtpQuery<'a> {
    /// The recipient.
    pub to: &'a str,
    /// `email` or `sms`.
    pub channel: &'a str,
    /// Ignore messages sent before this moment (when the source can tell).
    pub since: SystemTime,
}

/// Reads the last message for `query` from `source`.
pub async fn read_message(
    source: &OtpSource,
    query: &OtpQuery<'_>,
    http: &reqwest::Client,
    base_url: &str,
) -> Result<OtpMessage, OtpError> {
    match source {
        OtpSource::MockOutbox => mock_outbox(query, http, base_url).await,
        OtpSource::HttpInbox(inbox) => http_inbox(inbox, query, http).await,
        OtpSource::Command(command) => run_command(command, query).await,
        OtpSource::Prompt => prompt(query).await,
    }
}

async fn mock_outbox(
    query: &OtpQuery<'_>,
    http: &reqwest::Client,
    base_url: &str,
) -> Result<OtpMessage, OtpError> {
    let source_name = "mock outbox".to_owned();
    let failed = |message: String| OtpError::Source {
        source_name: source_name.clone(),
        message,
    };
    let mut url = reqwest::Url::parse(&format!("{base_url}/__mock/outbox"))
        .map_err(|error| failed(error.to_string()))?;
    url.query_pairs_mut().append_pair("to", query.to);
    let started = tokio::time::Instant::now();
    loop {
        let response = http
            .get(url.clone())
            .send()
            .await
            .map_err(|error| failed(error.without_url().to_string()))?;
        if response.status().is_success() {
            let message: Value = read_json(response).await.map_err(&failed)?;
            let text = |key: &str| message.get(key).and_then(Value::as_str).map(str::to_owned);
            return Ok(OtpMessage {
                to: text("to").unwrap_or_else(|| query.to.to_owned()),
                channel: text("channel").unwrap_or_else(|| query.channel.to_owned()),
                code: text("code"),
                link: text("link"),
                body: text("body").unwrap_or_default(),
            });
        }
        if started.elapsed() >= OUTBOX_WAIT {
            return Err(OtpError::NoMessage {
                to: query.to.to_owned(),
                waited: OUTBOX_WAIT,
                source_name,
            });
        }
        tokio::time::sleep(OUTBOX_POLL_INTERVAL).await;
    }
}

async fn http_inbox(
    inbox: &HttpInbox,
    query: &OtpQuery<'_>,
    http: &reqwest::Client,
) -> Result<OtpMessage, OtpError> {
    let source_name = format!("HTTP inbox at `{}`", origin(&inbox.url));
    let failed = |message: String| OtpError::Source {
        source_name: source_name.clone(),
        message,
    };
    let encoded_to: String = url::form_urlencoded::byte_serialize(query.to.as_bytes()).collect();
    let url = inbox.url.replace("{to}", &encoded_to);
    let parse = |path: &str| {
        JsonPath::parse(path).map_err(|error| failed(format!("bad JSONPath `{path}`: {error}")))
    };
    let messages_path = parse(&inbox.messages)?;
    let recipient_path = parse(&inbox.recipient)?;
    let body_path = parse(&inbox.body)?;
    let sent_at_path = inbox.sent_at.as_deref().map(parse).transpose()?;
    let code_regex =
        regex::Regex::new(&inbox.code_regex).map_err(|error| failed(error.to_string()))?;
    let link_regex =
        regex::Regex::new(&inbox.link_regex).map_err(|error| failed(error.to_string()))?;

    let started = tokio::time::Instant::now();
    loop {
        let mut request = http.get(&url);
        for (name, value) in &inbox.headers {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|error| failed(describe_request_error(error)))?;
        if !response.status().is_success() {
            return Err(failed(format!(
                "`{}` answered {}",
                origin_and_path(&url),
                response.status()
            )));
        }
        let answer: Value = read_json(response).await.map_err(|error| {
            failed(format!(
                "`{}` did not answer JSON: {error}",
                origin_and_path(&url)
            ))
        })?;
        let mut newest: Option<(SystemTime, String)> = None;
        let mut newest_read_before: Option<(SystemTime, String)> = None;
        for message in messages_path.query(&answer).all() {
            let to_this_address = recipient_path.query(message).all().iter().any(|recipient| {
                recipient
                    .as_str()
                    .is_some_and(|address| address_matches(address, query.to))
            });
            if !to_this_address {
                continue;
            }
            let sent_at = match &sent_at_path {
                Some(path) => match path
                    .query(message)
                    .all()
                    .first()
                    .and_then(|value| value.as_str())
                {
                    Some(text) => match humantime::parse_rfc3339_weak(text) {
                        Ok(time) => time,
                        Err(_) => continue,
                    },
                    None => continue,
                },
                None => SystemTime::now(),
            };
            if sent_at_path.is_some() && sent_at < query.since {
                continue;
            }
            let body = match body_path.query(message).all().first() {
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => continue,
            };
            // Without timestamps, the last matching message in the list wins. A message this
            // process already handed out (to an earlier step or trial on a shared account) is only
            // taken when no new one arrives.
            let slot = if was_read(query.to, sent_at, &body) {
                &mut newest_read_before
            } else {
                &mut newest
            };
            if slot.as_ref().is_none_or(|(time, _)| sent_at >= *time) {
                *slot = Some((sent_at, body));
            }
        }
        let waited_long_enough = started.elapsed() >= inbox.timeout / 4;
        if let Some((sent_at, body)) = newest.or(newest_read_before.filter(|_| waited_long_enough))
        {
            mark_read(query.to, sent_at, &body);
            return Ok(message_from_text(query, body, &code_regex, &link_regex));
        }
        if started.elapsed() >= inbox.timeout {
            return Err(OtpError::NoMessage {
                to: query.to.to_owned(),
                waited: inbox.timeout,
                source_name,
            });
        }
        tokio::time::sleep(inbox.interval).await;
    }
}

/// Messages this process has already handed out, by recipient, time and text.
fn read_messages() -> &'static std::sync::Mutex<std::collections::HashSet<String>> {
    static READ: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<String>>> =
        std::sync::OnceLock::new();
    READ.get_or_init(Default::default)
}

fn fingerprint(to: &str, sent_at: SystemTime, body: &str) -> String {
    let nanos = sent_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    format!("{}\u{0}{nanos}\u{0}{body}", to.to_ascii_lowercase())
}

fn was_read(to: &str, sent_at: SystemTime, body: &str) -> bool {
    read_messages()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .contains(&fingerprint(to, sent_at, body))
}

fn mark_read(to: &str, sent_at: SystemTime, body: &str) {
    read_messages()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(fingerprint(to, sent_at, body));
}

/// `Name <qa@x.test>` and `qa@x.test` match `qa@x.test`, case-insensitively.
fn address_matches(candidate: &str, to: &str) -> bool {
    let candidate = candidate.trim();
    let bare = match (candidate.rfind('<'), candidate.rfind('>')) {
        (Some(open), Some(close)) if open < close => &candidate[open + 1..close],
        _ => candidate,
    };
    bare.eq_ignore_ascii_case(to)
}

fn message_from_text(
    query: &OtpQuery<'_>,
    body: String,
    code: &regex::Regex,
    link: &regex::Regex,
) -> OtpMessage {
    let first_group = |regex: &regex::Regex| {
        regex.captures(&body).and_then(|found| {
            found
                .get(1)
                .or_else(|| found.get(0))
                .map(|matched| matched.as_str().to_owned())
        })
    };
    let link = first_group(link).map(|url| url.replace("&amp;", "&"));
    // A code inside the link (verification_code=…) is the link's, not a separate code.
    let code = first_group(code);
    OtpMessage {
        to: query.to.to_owned(),
        channel: query.channel.to_owned(),
        code,
        link,
        body,
    }
}

/// `scheme://host:port` of a URL: where it goes, without credentials, path or query.
fn origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.has_host() => parsed.origin().ascii_serialization(),
        _ => "(not a URL)".to_owned(),
    }
}

/// `scheme://host:port/path`: also without credentials or query.
fn origin_and_path(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.has_host() => {
            format!("{}{}", parsed.origin().ascii_serialization(), parsed.path())
        }
        _ => "(not a URL)".to_owned(),
    }
}

/// A request error with its causes, without the URL reqwest would print (credentials and all).
fn describe_request_error(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// Reads an answer as JSON, refusing one larger than [`MAX_ANSWER_BYTES`].
async fn read_json(mut response: reqwest::Response) -> Result<Value, String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| error.without_url().to_string())?
    {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(format!(
                "the answer is larger than {MAX_ANSWER_BYTES} bytes, more than any list of messages needs"
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&bytes).map_err(|error| error.to_string())
}

async fn run_command(
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

async fn prompt(query: &OtpQuery<'_>) -> Result<OtpMessage, OtpError> {
    let in_ci = std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false");
    if in_ci || !std::io::stdin().is_terminal() {
        return Err(OtpError::NoTerminal);
    }
    let to = query.to.to_owned();
    let channel = query.channel.to_owned();
    let line = tokio::task::spawn_blocking(move || {
        eprint!("enter the code (or link) sent by {channel} to {to}: ");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|error| OtpError::Source {
        source_name: "prompt".to_owned(),
        message: error.to_string(),
    })?
    .map_err(|error| OtpError::Source {
        source_name: "prompt".to_owned(),
        message: error.to_string(),
    })?;
    let answer = line.trim().to_owned();
    let is_link = answer.starts_with("http://") || answer.starts_with("https://");
    Ok(OtpMessage {
        to: query.to.to_owned(),
        channel: query.channel.to_owned(),
        code: (!is_link).then(|| answer.clone()),
        link: is_link.then(|| answer.clone()),
        body: answer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test]
    async fn the_prompt_source_refuses_to_run_without_a_terminal() {
        // Tests run with stdin not a terminal (and CI set in CI): never a hang waiting for input.
        let error = prompt(&query("a")).await.unwrap_err();
        assert!(matches!(error, OtpError::NoTerminal), "{error}");
    }

    #[test]
    fn inboxes_are_named_by_origin_without_credentials() {
        assert_eq!(
            origin("https://qa:hunter2@mail.example:8025/api/v1/search?query=to:{to}"),
            "https://mail.example:8025"
        );
        assert_eq!(
            origin_and_path("https://qa:hunter2@mail.example/api?token=x"),
            "https://mail.example/api"
        );
    }

    #[test]
    fn addresses_match_with_display_names_and_case() {
        assert!(address_matches(
            "QA <qa+x@Example.test>",
            "qa+x@example.test"
        ));
        assert!(address_matches("qa@example.test", "qa@example.test"));
        assert!(!address_matches("qa2@example.test", "qa@example.test"));
    }

    #[test]
    fn codes_and_links_are_found_in_text() {
        let query = OtpQuery {
            to: "a@b.test",
            channel: "email",
            since: SystemTime::UNIX_EPOCH,
        };
        let code = regex::Regex::new(r"\b([0-9]{4,10})\b").unwrap_or_else(|_| unreachable!());
        let link = regex::Regex::new(r#"(https?://[^\s"'<>]+)"#).unwrap_or_else(|_| unreachable!());
        let message = message_from_text(
            &query,
            "Your code is 123456. Or open https://t.test/verify?a=1&amp;b=2".to_owned(),
            &code,
            &link,
        );
        assert_eq!(message.code.as_deref(), Some("123456"));
        assert_eq!(
            message.link.as_deref(),
            Some("https://t.test/verify?a=1&b=2")
        );
    }
}
