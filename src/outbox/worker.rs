//! The delivery task: claims due messages one at a time, hands e-mail to the mailer and
//! tokens to the apps' endpoints, and records the outcome. Transient failures (an SMTP 4xx,
//! a refused connection, an HTTP 5xx) retry with exponential backoff for up to three days;
//! permanent ones (an SMTP 5xx, an HTTP 4xx) give up at once.

use super::store::{self, Claimed};
use super::{Delivery, Email};
use crate::clock::{Clock, UnixTime};
use crate::config::SmtpConfig;
use crate::db::Db;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// Longer than any one delivery may take, so a lease never runs out mid-send.
const LEASE_SECS: i64 = 300;
const FIRST_RETRY_SECS: i64 = 30;
const MAX_RETRY_SECS: i64 = 3600;
/// After this, a message still failing is given up.
pub const GIVE_UP_AFTER_SECS: i64 = 3 * 24 * 3600;
const IDLE_POLL: Duration = Duration::from_secs(2);
/// Messages claimed and delivered side by side.
const BATCH: i64 = 32;

/// Where e-mail goes.
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
        timeout: Duration,
    },
    /// `serve --demo`: every message is written to the log instead.
    Log,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("temporary failure: {0}")]
    Transient(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
}

impl Mailer {
    pub fn smtp(config: &SmtpConfig) -> anyhow::Result<Option<Mailer>> {
        let Some(url) = &config.url else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .map_err(|e| anyhow::anyhow!("smtp.url is not a valid SMTP URL: {e}"))?
            .timeout(Some(Duration::from_secs(config.timeout_secs)))
            .build();
        let from = config
            .from
            .parse::<Mailbox>()
            .map_err(|e| anyhow::anyhow!("smtp.from is not a valid address: {e}"))?;
        Ok(Some(Mailer::Smtp {
            transport,
            from,
            timeout: Duration::from_secs(config.timeout_secs),
        }))
    }

    pub async fn deliver(&self, email: &Email) -> Result<(), DeliveryError> {
        match self {
            Mailer::Log => {
                tracing::info!(
                    to = %email.to,
                    subject = %email.subject,
                    "demo mail (not sent):\n{}",
                    email.text
                );
                Ok(())
            }
            Mailer::Smtp {
                transport,
                from,
                timeout,
            } => {
                let message = message(from, email)?;
                // lettre bounds only the connect; this bounds the whole conversation.
                match tokio::time::timeout(*timeout, transport.send(message)).await {
                    Err(_) => Err(DeliveryError::Transient("the SMTP server timed out".into())),
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(error)) if error.is_permanent() => {
                        Err(DeliveryError::Permanent(error.to_string()))
                    }
                    Ok(Err(error)) => Err(DeliveryError::Transient(error.to_string())),
                }
            }
        }
    }
}

fn message(from: &Mailbox, email: &Email) -> Result<Message, DeliveryError> {
    let address = email
        .to
        .parse()
        .map_err(|e| DeliveryError::Permanent(format!("invalid recipient: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(email.to_name.clone(), address))
        .subject(email.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| DeliveryError::Permanent(e.to_string()))
}

/// The delivery task of one instance.
#[derive(Clone)]
pub struct Outbox {
    pub db: Db,
    pub clock: Clock,
    /// None: mail waits (no SMTP configured); tokens to apps are delivered regardless.
    pub mailer: Option<Arc<Mailer>>,
    pub apps: AppDelivery,
}

/// Posts security event tokens and logout tokens to the apps' endpoints.
#[derive(Clone)]
pub struct AppDelivery {
    http: reqwest::Client,
}

impl AppDelivery {
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self { http }
    }

    /// RFC 8935 §2: a SET is `POST`ed as `application/secevent+jwt`, accepted with 202.
    /// Back-Channel Logout 1.0 §2.5: a form with `logout_token`, accepted with 200 (or 204,
    /// which some frameworks send instead).
    async fn deliver(&self, kind: &str, delivery: &Delivery) -> Result<(), DeliveryError> {
        let request = match kind {
            "security_event" => self
                .http
                .post(&delivery.uri)
                .header("content-type", "application/secevent+jwt")
                .header("accept", "application/json")
                .body(delivery.token.clone()),
            _ => self
                .http
                .post(&delivery.uri)
                .form(&[("logout_token", delivery.token.as_str())]),
        };
        let response = request
            .send()
            .await
            .map_err(|e| DeliveryError::Transient(crate::web::error_chain(&e)))?;
        let status = response.status();
        let accepted = match kind {
            "security_event" => status == reqwest::StatusCode::ACCEPTED,
            _ => matches!(status.as_u16(), 200 | 204),
        };
        match status.as_u16() {
            _ if accepted => Ok(()),
            408 | 425 | 429 | 500..=599 => Err(DeliveryError::Transient(format!("HTTP {status}"))),
            _ => Err(DeliveryError::Permanent(format!("HTTP {status}"))),
        }
    }
}

impl Default for AppDelivery {
    fn default() -> Self {
        Self::new()
    }
}

impl Outbox {
    /// Delivers until the task is aborted; idles while nothing is due.
    pub async fn run(self) {
        loop {
            match self.deliver_due().await {
                Ok(0) => {}
                Ok(_) => continue,
                Err(error) => {
                    tracing::error!(error = %crate::web::error_chain(&error), "outbox delivery failed");
                }
            }
            tokio::time::sleep(IDLE_POLL).await;
        }
    }

    /// Claims up to a batch of due messages, delivers them side by side (each to its own
    /// endpoint or through the SMTP pool), and records the outcomes; how many it claimed.
    pub async fn deliver_due(&self) -> Result<usize, sqlx::Error> {
        let kinds: &[&str] = match self.mailer {
            Some(_) => &["email", "security_event", "logout_token"],
            None => &["security_event", "logout_token"],
        };
        let claimed = store::claim(&self.db, kinds, self.clock.now(), LEASE_SECS, BATCH).await?;
        let count = claimed.len();
        let mut attempts = tokio::task::JoinSet::new();
        for message in claimed {
            let outbox = self.clone();
            attempts.spawn(async move {
                let outcome = outbox.attempt(&message).await;
                (message, outcome)
            });
        }
        let mut delivered = Vec::new();
        while let Some(Ok((message, outcome))) = attempts.join_next().await {
            let now = self.clock.now();
            match outcome {
                Ok(()) => delivered.push(message),
                Err(error) => {
                    let retry_at = retry_at(&message, &error, now);
                    tracing::warn!(outbox_id = %message.outbox_id, attempts = message.attempts, %error, retry = retry_at.is_some(), "outbox message not delivered");
                    store::failed(&self.db, &message, &error.to_string(), retry_at, now).await?;
                }
            }
        }
        store::delivered(&self.db, &delivered, self.clock.now()).await?;
        Ok(count)
    }

    async fn attempt(&self, claimed: &Claimed) -> Result<(), DeliveryError> {
        match (claimed.kind.as_str(), &self.mailer) {
            ("email", Some(mailer)) => match serde_json::from_str::<Email>(&claimed.payload) {
                Ok(email) => mailer.deliver(&email).await,
                Err(_) => Err(DeliveryError::Permanent("unreadable message".into())),
            },
            (kind, _) => match serde_json::from_str::<Delivery>(&claimed.payload) {
                Ok(delivery) => self.apps.deliver(kind, &delivery).await,
                Err(_) => Err(DeliveryError::Permanent("unreadable message".into())),
            },
        }
    }
}

/// Exponential backoff from 30 s to an hour, for three days; never for permanent errors.
fn retry_at(claimed: &Claimed, error: &DeliveryError, now: UnixTime) -> Option<UnixTime> {
    if matches!(error, DeliveryError::Permanent(_)) {
        return None;
    }
    let exponent = u32::try_from(claimed.attempts.saturating_sub(1))
        .unwrap_or(u32::MAX)
        .min(20);
    let delay = FIRST_RETRY_SECS
        .saturating_mul(1_i64 << exponent)
        .min(MAX_RETRY_SECS);
    let at = now + delay;
    (at - claimed.created_at <= GIVE_UP_AFTER_SECS).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(attempts: i64, created_at: i64) -> Claimed {
        Claimed {
            outbox_id: "m".into(),
            kind: "email".into(),
            payload: "{}".into(),
            attempts,
            created_at,
            claimed_until: 0,
        }
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour_and_stop_after_three_days() {
        let transient = DeliveryError::Transient("451".into());
        assert_eq!(retry_at(&claimed(1, 0), &transient, 0), Some(30));
        assert_eq!(retry_at(&claimed(3, 0), &transient, 0), Some(120));
        assert_eq!(retry_at(&claimed(12, 0), &transient, 0), Some(3600));
        let late = GIVE_UP_AFTER_SECS;
        assert_eq!(retry_at(&claimed(50, 0), &transient, late), None);
        let permanent = DeliveryError::Permanent("550".into());
        assert_eq!(retry_at(&claimed(1, 0), &permanent, 0), None);
    }
}
