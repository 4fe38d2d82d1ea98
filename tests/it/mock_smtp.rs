//! E-mail delivery over SMTP (`smtp:` in the tenant fixture, `ServeOptions::smtp`), against a tiny
//! in-test SMTP sink that speaks just enough of the protocol and keeps what it received.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{Mock, get, post, status};
use passwordless_conformance::mock::{
    DEFAULT_SMTP_FROM, EventSink, MockEvent, MockServer, ServeOptions, SmtpSettings, SmtpTls,
    Tenant, serve_with_shutdown,
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const EMAIL: &str = "smtp-user@example.com";

/// One message as the sink received it.
#[derive(Debug, Clone, Default)]
struct Mail {
    /// The `MAIL FROM:` argument, e.g. `<no-reply@mock-tenant.test>`.
    envelope_from: String,
    /// The `RCPT TO:` arguments.
    envelope_to: Vec<String>,
    /// Headers and body, with CRLF line ends and dot-stuffing undone.
    data: String,
}

impl Mail {
    /// The value of header `name` (first occurrence, unfolded lines only).
    fn header(&self, name: &str) -> Option<&str> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .split("\r\n")
            .take_while(|line| !line.is_empty())
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim())
    }

    /// The body after the blank line.
    fn body(&self) -> &str {
        self.data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body)
    }
}

/// An SMTP server on `127.0.0.1:0` that accepts everything.
struct SmtpSink {
    addr: SocketAddr,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let sink_mails = Arc::clone(&mails);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(smtp_session(socket, Arc::clone(&sink_mails)));
            }
        });
        SmtpSink { addr, mails }
    }

    fn settings(&self) -> SmtpSettings {
        self.addr.to_string().parse().unwrap()
    }

    fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

/// 220 greeting; EHLO/HELO, MAIL, RCPT, RSET, NOOP → 250; DATA → 354, then `.` → 250; QUIT → 221.
/// A message is stored before its 250 goes out, so it is there once the client's send returns.
async fn smtp_session(socket: TcpStream, mails: Arc<Mutex<Vec<Mail>>>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut mail = Mail::default();
    while let Some(line) = lines.next_line().await? {
        let command = line.to_ascii_uppercase();
        let reply = if command.starts_with("MAIL FROM:") {
            mail.envelope_from = line["MAIL FROM:".len()..].trim().to_owned();
            "250 OK"
        } else if command.starts_with("RCPT TO:") {
            mail.envelope_to
                .push(line["RCPT TO:".len()..].trim().to_owned());
            "250 OK"
        } else if command == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = Vec::new();
            while let Some(data_line) = lines.next_line().await? {
                if data_line == "." {
                    break;
                }
                let unstuffed = data_line.strip_prefix('.').unwrap_or(&data_line);
                data.push(unstuffed.to_owned());
            }
            mail.data = data.join("\r\n");
            mails.lock().unwrap().push(std::mem::take(&mut mail));
            "250 OK queued"
        } else if command == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            // EHLO, HELO, RSET, NOOP.
            "250 sink.test"
        };
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
    Ok(())
}

fn tenant_with_smtp(settings: Option<SmtpSettings>) -> Tenant {
    let mut tenant = Tenant::builtin();
    tenant.smtp = settings;
    tenant
}

async fn start(client: &reqwest::Client, base: &str, body: Value) -> Value {
    let reply = client
        .post(format!("{base}/passwordless/start"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    reply.json().await.unwrap()
}

async fn outbox(client: &reqwest::Client, base: &str, to: &str) -> Value {
    client
        .get(format!("{base}/__mock/outbox"))
        .query(&[("to", to)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_passwordless_code_reaches_the_smtp_server_before_the_answer() {
    let sink = SmtpSink::start().await;
    let server = MockServer::start(tenant_with_smtp(Some(sink.settings())))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let base = server.base_url();
    start(
        &client,
        base,
        json!({"client_id": "native-app", "connection": "email", "email": EMAIL, "send": "code"}),
    )
    .await;

    // No polling: the mail was delivered before the 200.
    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    let message = outbox(&client, base, EMAIL).await;
    let code = message["code"].as_str().unwrap();
    assert_eq!(mail.envelope_to, [format!("<{EMAIL}>")]);
    assert_eq!(mail.envelope_from, "<no-reply@mock-tenant.test>");
    assert_eq!(mail.header("To"), Some(EMAIL));
    // lettre quotes the display name.
    assert_eq!(
        mail.header("From"),
        Some("\"Mock Tenant\" <no-reply@mock-tenant.test>")
    );
    assert_eq!(mail.header("Content-Transfer-Encoding"), Some("7bit"));
    assert_eq!(mail.header("Subject"), Some("Your verification code"));
    assert!(
        mail.body()
            .contains(&format!("Your verification code is: {code}")),
        "{}",
        mail.data
    );
    assert_eq!(
        mail.body(),
        message["body"].as_str().unwrap().replace('\n', "\r\n")
    );
    assert!(message.get("smtp_error").is_none(), "{message}");
}

#[tokio::test]
async fn a_magic_link_arrives_whole_with_its_own_subject() {
    let sink = SmtpSink::start().await;
    let server = MockServer::start(tenant_with_smtp(Some(sink.settings())))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let base = server.base_url();
    start(
        &client,
        base,
        json!({"client_id": "native-app", "connection": "email", "email": EMAIL, "send": "link",
               "authParams": {"scope": "openid", "redirect_uri": "https://app.example.test/callback"}}),
    )
    .await;
    let message = outbox(&client, base, EMAIL).await;
    let link = message["link"].as_str().unwrap();
    assert!(
        link.len() > 78,
        "the link should be longer than a mail line: {link}"
    );
    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].header("Subject"), Some("Your login link"));
    assert!(mails[0].body().contains(link), "{}", mails[0].data);
}

#[tokio::test]
async fn text_messages_never_go_to_the_smtp_server() {
    let sink = SmtpSink::start().await;
    let mock = Mock::with_tenant(tenant_with_smtp(Some(sink.settings())));
    mock.sms_code("+15555550123").await;
    assert!(sink.mails().is_empty());
}

#[tokio::test]
async fn an_mfa_email_challenge_is_delivered_over_smtp() {
    let sink = SmtpSink::start().await;
    let mock = Mock::with_tenant(tenant_with_smtp(Some(sink.settings())));
    let token = mock.mfa_token("email_enrolled", json!({})).await;
    let reply = mock
        .challenge(&token, json!({"challenge_type": "oob"}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let address = "email-mfa@example.com";
    let code = mock.last_code(address);
    let mails = sink.mails();
    // The login code first, then the binding code.
    assert_eq!(mails.len(), 2, "{mails:?}");
    let mail = &mails[1];
    assert_eq!(mail.envelope_to, [format!("<{address}>")]);
    assert!(
        mail.body()
            .contains(&format!("Your verification code is: {code}")),
        "{}",
        mail.data
    );
}

#[tokio::test]
async fn a_failed_delivery_still_answers_200_and_is_noted_on_the_message_and_as_an_event() {
    // A port nobody listens on: bind one, then let it go.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let events = Arc::clone(&events);
        EventSink::new(move |event| events.lock().unwrap().push(event.clone()))
    };
    let tenant = tenant_with_smtp(Some(closed.to_string().parse().unwrap()));
    let mock = Mock::with_events(tenant, sink);
    mock.call(post(
        "/passwordless/start",
        json!({"client_id": "native-app", "connection": "email", "email": EMAIL, "send": "code"}),
    ))
    .await
    .expect(status(200));
    let message = mock.call(get(format!("/__mock/outbox?to={EMAIL}"))).await;
    let error = message.json["smtp_error"].as_str().unwrap();
    assert!(!error.is_empty());
    assert!(message.json["code"].as_str().is_some());
    // The library printed nothing: the reason went to the event sink.
    let events = events.lock().unwrap().clone();
    assert_eq!(
        events,
        [MockEvent::SmtpDeliveryFailed {
            to: EMAIL.to_owned(),
            server: closed.to_string(),
            reason: error.to_owned(),
        }]
    );
}

#[tokio::test]
async fn serve_options_smtp_replaces_the_fixture_setting() {
    let sink = SmtpSink::start().await;
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // The fixture points elsewhere; the option wins.
    let opts = ServeOptions {
        smtp: Some(sink.settings()),
        ..ServeOptions::new(
            listen,
            tenant_with_smtp(Some("192.0.2.1:25".parse().unwrap())),
        )
    };
    let server = tokio::spawn(serve_with_shutdown(opts, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let base = format!("http://{listen}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while client
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{base} never came up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start(
        &client,
        &base,
        json!({"client_id": "native-app", "connection": "email", "email": EMAIL, "send": "code"}),
    )
    .await;
    assert_eq!(sink.mails().len(), 1);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[test]
fn the_fixture_smtp_section_has_defaults_and_is_checked() {
    let base = "clients: []\nconnections: []\n";
    let tenant = Tenant::from_yaml_str(
        &format!("{base}smtp:\n  host: 127.0.0.1\n  port: 1025\n"),
        Path::new("t.yaml"),
    )
    .unwrap();
    let smtp = tenant.smtp.unwrap();
    assert_eq!(smtp.to_string(), "127.0.0.1:1025");
    assert_eq!(smtp.from, DEFAULT_SMTP_FROM);
    assert_eq!(smtp.tls, SmtpTls::None);

    let tenant = Tenant::from_yaml_str(
        &format!(
            "{base}smtp: {{ host: mail.test, port: 587, from: \"QA <qa@mail.test>\", tls: starttls }}\n"
        ),
        Path::new("t.yaml"),
    )
    .unwrap();
    assert_eq!(tenant.smtp.unwrap().tls, SmtpTls::Starttls);

    let error = Tenant::from_yaml_str(
        &format!("{base}smtp:\n  host: 127.0.0.1\n  port: 1025\n  from: not a mailbox\n"),
        Path::new("t.yaml"),
    )
    .unwrap_err();
    let diagnostic = &error.diagnostics()[0];
    assert_eq!(diagnostic.span.to_string(), "6:9");
    assert!(
        diagnostic
            .message
            .starts_with("`smtp.from` `not a mailbox` is not a mailbox"),
        "{error}"
    );
    assert_eq!(
        diagnostic.hint.as_deref(),
        Some("write `Name <address@example.test>` or a bare address")
    );
    let message = Tenant::from_yaml_str(
        &format!("{base}smtp:\n  host: 127.0.0.1\n"),
        Path::new("t.yaml"),
    )
    .unwrap_err()
    .to_string();
    assert!(message.contains("missing field `port`"), "{message}");
}

#[test]
fn the_builtin_fixture_has_no_smtp_rate_limits_or_latency() {
    let tenant = Tenant::builtin();
    assert!(tenant.smtp.is_none());
    assert!(tenant.rate_limits.is_none());
    assert_eq!(tenant.latency_ms, 0);
}
