//! The delivery task: claims due messages one at a time, hands them to the mailer, and
//! records the outcome. Transient failures (an SMTP 4xx, a refused connection) retry with
//! exponential backoff for up to three days; permanent ones (a 5xx) give up at once.

use super::Email;
use super::store::{self, Claimed};
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
    pub mailer: Option<Arc<Mailer>>,
}

impl Outbox {
    /// Delivers until the task is aborted; idles while nothing is due.
    pub async fn run(self) {
        let Some(mailer) = self.mailer.clone() else {
            return;
        };
        loop {
            match self.deliver_one(&mailer).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => {
                    tracing::error!(error = %crate::web::error_chain(&error), "outbox delivery failed");
                }
            }
            tokio::time::sleep(IDLE_POLL).await;
        }
    }

    /// Claims and delivers one due message; false when none was due.
    pub async fn deliver_one(&self, mailer: &Mailer) -> Result<bool, sqlx::Error> {
        let now = self.clock.now();
        let Some(claimed) = store::claim(&self.db, now, LEASE_SECS).await? else {
            return Ok(false);
        };
        let outcome = match serde_json::from_str::<Email>(&claimed.payload) {
            Ok(email) if claimed.kind == "email" => mailer.deliver(&email).await,
            _ => Err(DeliveryError::Permanent("unreadable message".into())),
        };
        let now = self.clock.now();
        match outcome {
            Ok(()) => store::delivered(&self.db, &claimed, now).await?,
            Err(error) => {
                let retry_at = retry_at(&claimed, &error, now);
                tracing::warn!(outbox_id = %claimed.outbox_id, attempts = claimed.attempts, %error, retry = retry_at.is_some(), "outbox message not delivered");
                store::failed(&self.db, &claimed, &error.to_string(), retry_at, now).await?;
            }
        }
        Ok(true)
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
