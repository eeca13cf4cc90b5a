//! The outbox: everything trohet sends outside (e-mail today; security event tokens and
//! back-channel logout next) is first a row here, written in the transaction of the change
//! that caused it, so a message is never sent for a change that rolled back and never lost
//! for one that committed. A background task claims due rows (so two instances never send
//! one twice), delivers them, and records each attempt; transient failures retry with
//! exponential backoff, and an SMTP outage delays mail but loses none.

pub mod store;
pub mod worker;

pub use worker::{AppDelivery, Mailer, Outbox};

use crate::clock::UnixTime;
use crate::db::Tx;
use serde::{Deserialize, Serialize};

/// An e-mail as queued: rendered already, in the recipient's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What an outbox row of kind `security_event` or `logout_token` carries: a signed token
/// and the app endpoint it goes to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    pub uri: String,
    pub token: String,
}

/// Queues an e-mail in the caller's transaction.
pub async fn enqueue_email(
    tx: &mut Tx,
    email: &Email,
    now: UnixTime,
) -> Result<String, sqlx::Error> {
    let payload = serde_json::to_string(email).unwrap_or_default();
    let message = store::NewMessage {
        kind: "email",
        payload: &payload,
        recipient_digest: Some(recipient_digest(&email.to)),
        ..Default::default()
    };
    store::insert(tx, message, now).await
}

/// How the outbox names an e-mail's recipient: a digest of the normalized address.
pub fn recipient_digest(address: &str) -> String {
    crate::crypto::digest_hex(&address.trim().to_lowercase())
}
