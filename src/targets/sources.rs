//! Which source reads a one-time code: the profile's `otp_sources` entry for the channel, dispatched
//! to the mock's outbox or an HTTP inbox (`otp.rs`), a command (`command.rs`), or a person.
//!
//! Above both: `otp.rs` holds the messages and their parsing, `command.rs` runs processes and
//! reads its message with `otp.rs`'s parser, and neither needs the other's reader.

use super::command;
use super::config::OtpSource;
use super::otp::{self, OtpError, OtpMessage, OtpQuery};

/// Reads the last message for `query` from `source`.
pub async fn read_message(
    source: &OtpSource,
    query: &OtpQuery<'_>,
    http: &reqwest::Client,
    base_url: &str,
) -> Result<OtpMessage, OtpError> {
    match source {
        OtpSource::MockOutbox => otp::mock_outbox(query, http, base_url).await,
        OtpSource::HttpInbox(inbox) => otp::http_inbox(inbox, query, http).await,
        OtpSource::Command(command) => command::run_command(command, query).await,
        OtpSource::Prompt => otp::prompt(query).await,
    }
}
