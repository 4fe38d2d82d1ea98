//! Text messages POSTed to a webhook (`phone_provider:` in the tenant fixture, `mock --sms-webhook`),
//! the way a tenant's custom phone provider Action forwards them, against a webhook inbox in this
//! test that keeps what it received.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use passwordless_conformance::mock::{MockServer, PhoneProvider, Tenant};
use serde_json::{Value, json};

/// A webhook inbox on `127.0.0.1:0` answering `status` to every POST, keeping every body.
struct Inbox {
    url: String,
    received: Arc<Mutex<Vec<Value>>>,
}

impl Inbox {
    async fn start(status: StatusCode) -> Inbox {
        let received = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .route(
                "/messages",
                post(
                    move |State(received): State<Arc<Mutex<Vec<Value>>>>,
                          Json(body): Json<Value>| async move {
                        received.lock().unwrap().push(body);
                        status
                    },
                ),
            )
            .with_state(Arc::clone(&received));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/messages", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Inbox { url, received }
    }

    fn received(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }
}

fn tenant_posting_to(url: &str) -> Tenant {
    let mut tenant = Tenant::builtin();
    tenant.phone_provider = Some(url.parse::<PhoneProvider>().unwrap());
    tenant
}

async fn send_code(client: &reqwest::Client, base: &str, body: Value) -> u16 {
    client
        .post(format!("{base}/passwordless/start"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
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
async fn a_texted_code_reaches_the_webhook_before_the_answer_as_recipient_and_text() {
    let inbox = Inbox::start(StatusCode::NO_CONTENT).await;
    let server = MockServer::start(tenant_posting_to(&inbox.url))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let phone = "+15555550142";
    let status = send_code(
        &client,
        server.base_url(),
        json!({"client_id": "native-app", "connection": "sms", "phone_number": phone, "send": "code"}),
    )
    .await;
    assert_eq!(status, 200);
    // No polling: the webhook had the message before the 200.
    let received = inbox.received();
    let message = outbox(&client, server.base_url(), phone).await;
    assert_eq!(
        received,
        [json!({"recipient": phone, "text": message["body"]})],
        "exactly what the documented Action sends"
    );
    let code = message["code"].as_str().unwrap();
    assert!(
        message["body"].as_str().unwrap().contains(code),
        "{message}"
    );
}

#[tokio::test]
async fn e_mail_never_goes_to_the_webhook_and_a_failing_webhook_fails_no_request() {
    let inbox = Inbox::start(StatusCode::INTERNAL_SERVER_ERROR).await;
    let server = MockServer::start(tenant_posting_to(&inbox.url))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let email = send_code(
        &client,
        server.base_url(),
        json!({"client_id": "native-app", "connection": "email", "email": "hook@example.com", "send": "code"}),
    )
    .await;
    assert_eq!(email, 200);
    assert!(
        inbox.received().is_empty(),
        "e-mail went to the phone webhook"
    );
    let text = send_code(
        &client,
        server.base_url(),
        json!({"client_id": "native-app", "connection": "sms", "phone_number": "+15555550143", "send": "code"}),
    )
    .await;
    assert_eq!(text, 200, "Auth0 answers once its provider took the job");
    assert_eq!(inbox.received().len(), 1);
    assert!(
        outbox(&client, server.base_url(), "+15555550143").await["code"].is_string(),
        "the message is still in the outbox"
    );
}

#[test]
fn a_fixture_names_its_webhook_and_a_bad_one_is_a_clear_error() {
    let fixture = |webhook: &str| {
        format!("clients: []\nconnections: []\nphone_provider:\n  webhook: \"{webhook}\"\n")
    };
    let tenant = Tenant::from_yaml_str(
        &fixture("http://127.0.0.1:8025/messages"),
        std::path::Path::new("t.yaml"),
    )
    .unwrap();
    assert_eq!(
        tenant.phone_provider.unwrap().webhook,
        "http://127.0.0.1:8025/messages"
    );
    let error = Tenant::from_yaml_str(&fixture("not a url"), std::path::Path::new("t.yaml"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("`phone_provider.webhook`"), "{error}");
    assert!(error.contains("t.yaml:"), "{error}");
}
