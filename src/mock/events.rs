//! What the mock has to tell its operator, as values: the library never prints.
//!
//! Takes a callback from whoever runs the mock (the CLI's `mock` command prints each event on
//! a line; the in-process [`MockServer`](super::MockServer) of a test run drops them); gives
//! the server and the handlers one way to report what happened. The outbox keeps what a test
//! needs (`smtp_error`), so no event is ever needed to judge a run. This module knows nothing
//! of HTTP or stores.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Something worth telling the person who runs the mock.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MockEvent {
    /// The server accepts connections under `public_url`.
    Listening {
        /// The URL clients use, e.g. `http://127.0.0.1:4000`.
        public_url: String,
    },
    /// An e-mail could not be handed to the SMTP server; the message is still in the outbox,
    /// with the same reason as `smtp_error`, and the request still succeeded.
    SmtpDeliveryFailed {
        /// The recipient.
        to: String,
        /// The SMTP server, `HOST:PORT`.
        server: String,
        /// Why the delivery failed.
        reason: String,
    },
    /// A text message could not be handed to the phone provider webhook; the message is still in
    /// the outbox, and the request still succeeded.
    SmsDeliveryFailed {
        /// The recipient.
        to: String,
        /// The webhook's origin.
        webhook: String,
        /// Why the delivery failed.
        reason: String,
    },
    /// A shutdown was asked for: no new connections are accepted, and requests in flight get
    /// `grace` to finish before their connections are closed.
    ShuttingDown {
        /// How long requests in flight may still take.
        grace: Duration,
    },
}

impl fmt::Display for MockEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MockEvent::Listening { public_url } => {
                write!(f, "mock tenant listening on {public_url}")
            }
            MockEvent::SmtpDeliveryFailed { to, server, reason } => write!(
                f,
                "mock tenant: SMTP delivery to `{to}` through {server} failed: {reason}"
            ),
            MockEvent::SmsDeliveryFailed {
                to,
                webhook,
                reason,
            } => write!(
                f,
                "mock tenant: delivering the text to `{to}` to the phone provider webhook {webhook} failed: {reason}"
            ),
            MockEvent::ShuttingDown { grace } => write!(
                f,
                "mock tenant shutting down: requests in flight get {} s",
                grace.as_secs_f64()
            ),
        }
    }
}

/// A callback that receives events, from any thread.
type Callback = Arc<dyn Fn(&MockEvent) + Send + Sync>;

/// Where events go: a callback, cheap to clone. The default drops every event.
#[derive(Clone, Default)]
pub struct EventSink {
    callback: Option<Callback>,
}

impl EventSink {
    /// A sink that hands every event to `callback`.
    ///
    /// ```
    /// use passwordless_conformance::mock::{EventSink, MockEvent};
    /// let sink = EventSink::new(|event: &MockEvent| println!("{event}"));
    /// # drop(sink);
    /// ```
    pub fn new(callback: impl Fn(&MockEvent) + Send + Sync + 'static) -> EventSink {
        EventSink {
            callback: Some(Arc::new(callback)),
        }
    }

    /// A sink that drops every event.
    pub fn ignore() -> EventSink {
        EventSink::default()
    }

    /// Reports `event`.
    pub fn emit(&self, event: MockEvent) {
        if let Some(callback) = &self.callback {
            callback(&event);
        }
    }
}

impl fmt::Debug for EventSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.callback.is_some() {
            "callback"
        } else {
            "ignore"
        };
        f.debug_tuple("EventSink").field(&kind).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_sink_hands_events_to_its_callback_and_the_default_drops_them() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let copy = Arc::clone(&seen);
        let sink = EventSink::new(move |event| copy.lock().unwrap().push(event.to_string()));
        sink.emit(MockEvent::Listening {
            public_url: "http://127.0.0.1:4000".to_owned(),
        });
        EventSink::ignore().emit(MockEvent::ShuttingDown {
            grace: Duration::from_secs(2),
        });
        assert_eq!(
            *seen.lock().unwrap(),
            ["mock tenant listening on http://127.0.0.1:4000"]
        );
    }
}
