//! Telling the portal apps (GDPR Art. 19). In the transaction of the change, a signed token
//! per app is queued in the outbox: a Security Event Token (RFC 8417) for apps with an
//! events endpoint, pushed per RFC 8935, and an OpenID Connect Back-Channel Logout 1.0
//! logout token for apps with a back-channel logout URI. Each names the person by the `sub`
//! that app knows. The outbox worker delivers them with retries and records each outcome,
//! which the request shows per app.

use crate::clock::UnixTime;
use crate::consent::Provider;
use crate::db::{Db, Tx};
use crate::outbox::Delivery;
use crate::outbox::store::{self, NewMessage};
use serde::Serialize;
use serde_json::json;

/// RISC: the account is gone for good.
pub const ACCOUNT_PURGED: &str =
    "https://schemas.openid.net/secevent/risc/event-type/account-purged";
/// RISC: the account may not be used until enabled again.
pub const ACCOUNT_DISABLED: &str =
    "https://schemas.openid.net/secevent/risc/event-type/account-disabled";
pub const ACCOUNT_ENABLED: &str =
    "https://schemas.openid.net/secevent/risc/event-type/account-enabled";
/// CAEP: the person's session(s) at this provider ended.
pub const SESSION_REVOKED: &str =
    "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
/// The event of a logout token.
const BACKCHANNEL_LOGOUT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// A logout token lives this long (the app should refuse an older one).
const LOGOUT_TOKEN_TTL_SECS: i64 = 120;

/// What happened, and so what each app is sent.
#[derive(Debug, Clone, Copy)]
pub enum Happening<'a> {
    /// One browser session ended (sign-out, or ended from the account page): apps that
    /// took part in it get a logout token with its `sid` and a CAEP session-revoked event.
    SessionEnded { sid: &'a str },
    /// Every session ended (a new password): a logout token and session-revoked per app.
    AllSessionsEnded,
    /// The account was disabled: logout tokens and RISC account-disabled.
    Disabled,
    /// Enabled again: RISC account-enabled only.
    Enabled,
    /// Erased, under a request: logout tokens and RISC account-purged.
    Erased { dsr_id: &'a str },
}

impl Happening<'_> {
    fn security_event(&self) -> &'static str {
        match self {
            Happening::SessionEnded { .. } | Happening::AllSessionsEnded => SESSION_REVOKED,
            Happening::Disabled => ACCOUNT_DISABLED,
            Happening::Enabled => ACCOUNT_ENABLED,
            Happening::Erased { .. } => ACCOUNT_PURGED,
        }
    }

    fn logs_out(&self) -> bool {
        !matches!(self, Happening::Enabled)
    }
}

/// An app that received the person's claims and wants to be told.
#[derive(sqlx::FromRow)]
struct Listener {
    client_id: String,
    events_uri: Option<String>,
    backchannel_logout_uri: Option<String>,
}

/// Queues, in the caller's transaction, the tokens that tell each app that knew the person
/// (in that session, for a session's end) what happened; returns how many.
pub async fn tell(
    tx: &mut Tx,
    provider: &dyn Provider,
    person_id: &str,
    happening: Happening<'_>,
    now: UnixTime,
) -> Result<usize, sqlx::Error> {
    let sid = match happening {
        Happening::SessionEnded { sid } => Some(sid),
        _ => None,
    };
    let listeners: Vec<Listener> = sqlx::query_as(
        "select c.client_id, c.events_uri, c.backchannel_logout_uri from client c \
         where (c.events_uri is not null or c.backchannel_logout_uri is not null) \
         and exists (select 1 from oauth_grant g where g.client_id = c.client_id \
                     and g.person_id = $1 and ($2 = '' or g.sid = $2)) \
         order by c.client_id",
    )
    .bind(person_id)
    .bind(sid.unwrap_or_default())
    .fetch_all(&mut **tx)
    .await?;
    let dsr_id = match happening {
        Happening::Erased { dsr_id } => Some(dsr_id),
        _ => None,
    };
    let mut queued = 0;
    for listener in listeners {
        let Some(sub) = provider.subject_for(&listener.client_id, person_id).await? else {
            continue;
        };
        let to = Recipient {
            client_id: &listener.client_id,
            dsr_id,
        };
        if let Some(uri) = &listener.events_uri {
            let claims = security_event(
                provider.issuer(),
                to.client_id,
                &sub,
                happening.security_event(),
                now,
            );
            queued += queue(tx, provider, "security_event", uri, &to, &claims, now).await?;
        }
        if let (Some(uri), true) = (&listener.backchannel_logout_uri, happening.logs_out()) {
            let claims = logout_token(provider.issuer(), to.client_id, &sub, sid, now);
            queued += queue(tx, provider, "logout_token", uri, &to, &claims, now).await?;
        }
    }
    Ok(queued)
}

/// Where a token goes, and the request it reports on.
struct Recipient<'a> {
    client_id: &'a str,
    dsr_id: Option<&'a str>,
}

/// RFC 8417 claims of one event about a subject, in RISC's `iss_sub` subject format.
pub fn security_event(
    issuer: &str,
    client_id: &str,
    sub: &str,
    event: &str,
    now: UnixTime,
) -> serde_json::Value {
    json!({
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "jti": uuid::Uuid::new_v4().to_string(),
        "events": { event: {
            "subject": { "format": "iss_sub", "iss": issuer, "sub": sub },
            "event_timestamp": now,
        } },
    })
}

/// Back-Channel Logout 1.0 §2.4 claims: `sub`, and `sid` when one session ended.
pub fn logout_token(
    issuer: &str,
    client_id: &str,
    sub: &str,
    sid: Option<&str>,
    now: UnixTime,
) -> serde_json::Value {
    let mut claims = json!({
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_TTL_SECS,
        "jti": uuid::Uuid::new_v4().to_string(),
        "sub": sub,
        "events": { BACKCHANNEL_LOGOUT: {} },
    });
    if let (Some(sid), Some(map)) = (sid, claims.as_object_mut()) {
        map.insert("sid".into(), sid.into());
    }
    claims
}

async fn queue(
    tx: &mut Tx,
    provider: &dyn Provider,
    kind: &str,
    uri: &str,
    to: &Recipient<'_>,
    claims: &serde_json::Value,
    now: UnixTime,
) -> Result<usize, sqlx::Error> {
    let typ = if kind == "logout_token" {
        "logout+jwt"
    } else {
        "secevent+jwt"
    };
    let Some(token) = provider.sign(typ, claims) else {
        tracing::error!(
            client_id = to.client_id,
            "no signing key: the app cannot be told"
        );
        return Ok(0);
    };
    let payload = serde_json::to_string(&Delivery {
        uri: uri.to_string(),
        token,
    })
    .unwrap_or_default();
    let message = NewMessage {
        kind,
        payload: &payload,
        client_id: Some(to.client_id),
        dsr_id: to.dsr_id,
        recipient_digest: None,
    };
    store::insert(tx, message, now).await?;
    Ok(1)
}

/// How one app's notification about a request went.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NotificationStatus {
    pub client_id: String,
    /// `security_event` or `logout_token`.
    pub kind: String,
    /// Unix seconds.
    pub queued_at: i64,
    pub attempts: i64,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    Delivered,
    /// Given up: permanently refused, or not accepted within three days.
    Failed,
    /// Not tried yet.
    Queued,
    /// Tried and refused for now; tried again with backoff.
    Retrying,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
            DeliveryState::Queued => "queued",
            DeliveryState::Retrying => "retrying",
        }
    }
}

impl NotificationStatus {
    pub fn delivery(&self) -> DeliveryState {
        match (self.delivered_at, self.failed_at) {
            (Some(_), _) => DeliveryState::Delivered,
            (None, Some(_)) => DeliveryState::Failed,
            (None, None) if self.attempts == 0 => DeliveryState::Queued,
            (None, None) => DeliveryState::Retrying,
        }
    }
}

/// Every app notification of a request.
pub async fn status_of(db: &Db, dsr_id: &str) -> Result<Vec<NotificationStatus>, sqlx::Error> {
    sqlx::query_as(
        "select client_id, kind, created_at as queued_at, attempts, delivered_at, failed_at, \
         last_error from outbox where dsr_id = $1 order by client_id, kind",
    )
    .bind(dsr_id)
    .fetch_all(db)
    .await
}
