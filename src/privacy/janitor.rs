//! The janitor: enforces `policies/retention.toml`. One instance at a time holds the lease
//! in `janitor_lock`; each kind of data goes in batches, so no transaction grows large and
//! the writers of live traffic are never held up for long; each run is in the audit log.
//! A dry run counts what would go and changes nothing.

use super::erasure::ErasureInput;
use super::register::Channel;
use super::retention::Retention;
use super::{Privacy, PrivacyError};
use crate::audit::{self, Actor, Event};
use crate::authz::Principal;
use crate::clock::{UnixTime, date_text};
use crate::consent::ledger;
use crate::db::{self, Db};
use crate::identity::mail::{Parts, render};
use crate::oidc::store::CODE_REPLAY_MEMORY_SECS;
use crate::outbox;
use crate::web::i18n::Locale;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;

/// Rows per batch.
const BATCH: i64 = 1_000;
/// How long a run may hold the lease before another instance may take over.
const LEASE_SECS: i64 = 15 * 60;
/// A month of inactivity counts as 31 days, so no one is erased early.
const MONTH_SECS: i64 = 31 * 86_400;

/// Signs an audit checkpoint JWS of (seq, hash) with the provider's keys.
pub type CheckpointSigner = Arc<dyn Fn(i64, &str) -> Option<String> + Send + Sync>;

/// What a run deleted, warned or erased (or, dry, would have).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub expired_sessions: u64,
    pub expired_codes_tokens_and_requests: u64,
    pub audit_events_pruned: u64,
    /// Verification now starts after this event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_pruned_through: Option<i64>,
    pub anonymous_consent_decisions: u64,
    pub closed_requests: u64,
    pub inactive_people_warned: u64,
    pub inactive_people_erased: u64,
    pub analytics: crate::analytics::retention::Pruned,
}

pub struct Janitor {
    pub privacy: Privacy,
    pub retention: Retention,
    pub sign_checkpoint: CheckpointSigner,
    /// A session unused this long has ended even before its absolute expiry.
    pub session_idle_secs: i64,
}

impl Janitor {
    /// One run; `None` when another instance holds the lease.
    pub async fn run(&self, dry_run: bool) -> Result<Option<Report>, PrivacyError> {
        let db = &self.privacy.db;
        let now = self.privacy.clock.now();
        let holder = crate::crypto::random_id();
        if !dry_run && !take_lease(db, &holder, now).await? {
            return Ok(None);
        }
        let result = self.sweep(dry_run, now).await;
        if !dry_run {
            release_lease(db, &holder).await?;
        }
        let report = result?;
        if !dry_run {
            let details = serde_json::to_value(&report).unwrap_or_default();
            let mut event = Event::new(Actor::System, "retention.ran");
            if let serde_json::Value::Object(map) = details {
                event.details = map;
            }
            audit::record_alone(db, event, self.privacy.clock.now()).await?;
        }
        Ok(Some(report))
    }

    async fn sweep(&self, dry_run: bool, now: UnixTime) -> Result<Report, PrivacyError> {
        let db = &self.privacy.db;
        let r = &self.retention;
        let expired = now - r.sessions_expired_secs;
        let idle = expired - self.session_idle_secs;
        let mut report = Report {
            dry_run,
            expired_sessions: batched(
                db,
                dry_run,
                "session",
                "session_digest",
                &format!("expires_at <= {expired} or last_seen_at <= {idle}"),
            )
            .await?,
            ..Report::default()
        };
        // A used code is remembered an hour past its expiry, so a replay is recognised.
        let codes = expired.min(now - CODE_REPLAY_MEMORY_SECS);
        for (table, key, cutoff) in [
            ("authorization_code", "code_digest", codes),
            ("refresh_token", "token_digest", expired),
            ("authorization_request", "authorization_request_id", expired),
            ("revoked_access_token", "jti", expired),
        ] {
            report.expired_codes_tokens_and_requests +=
                batched(db, dry_run, table, key, &format!("expires_at <= {cutoff}")).await?;
        }
        let closed_before = now - r.closed_requests_secs;
        report.closed_requests = batched(
            db,
            dry_run,
            "dsr_request",
            "dsr_id",
            &format!("status in ('completed', 'rejected') and completed_at < {closed_before}"),
        )
        .await?;
        if !dry_run {
            // What apps were told about a request goes with it.
            sqlx::query("delete from outbox where dsr_id is not null and dsr_id not in (select dsr_id from dsr_request)")
                .execute(db)
                .await?;
        }
        report.anonymous_consent_decisions = self.prune_anonymous_consent(dry_run, now).await?;
        let sign = self.sign_checkpoint.clone();
        loop {
            let pruned = audit::prune::prune_oldest(
                db,
                now - r.audit_events_secs,
                BATCH * 10,
                &*sign,
                dry_run,
                now,
            )
            .await?;
            report.audit_events_pruned += pruned.events;
            report.audit_pruned_through = pruned.through_seq.or(report.audit_pruned_through);
            if dry_run || pruned.events == 0 {
                break;
            }
        }
        if !dry_run {
            // Consent rows whose audit events are now gone need no marker any more.
            sqlx::query("delete from consent_pruned where audit_seq <= (select coalesce(max(through_seq), 0) from audit_prune)")
                .execute(db)
                .await?;
        }
        report.analytics = crate::analytics::retention::prune(
            db,
            now,
            r.analytics_raw_events_secs,
            r.analytics_rollups_secs,
            dry_run,
        )
        .await?;
        let (warned, erased) = self.inactive_people(dry_run, now).await?;
        report.inactive_people_warned = warned;
        report.inactive_people_erased = erased;
        Ok(report)
    }

    /// Consent decisions of erased people (their subject key is gone) older than the
    /// retention: deleted under the ledger's prune permit, their audit seqs noted.
    async fn prune_anonymous_consent(
        &self,
        dry_run: bool,
        now: UnixTime,
    ) -> Result<u64, PrivacyError> {
        let db = &self.privacy.db;
        let keys: Vec<(String,)> = sqlx::query_as("select subject_key from subject_key")
            .fetch_all(db)
            .await?;
        let living: HashSet<String> = keys
            .iter()
            .filter_map(|(key,)| crate::crypto::b64url_decode(key))
            .filter_map(|key| <[u8; 32]>::try_from(key).ok())
            .map(|key| ledger::subject_of(&key))
            .collect();
        let before = now - self.retention.consent_after_erasure_secs;
        let mut after = 0;
        let mut gone = 0;
        loop {
            let page: Vec<(i64, String, i64)> = sqlx::query_as(
                "select consent_event_id, subject, audit_seq from consent_event \
                 where consent_event_id > $1 and recorded_at < $2 order by consent_event_id limit $3",
            )
            .bind(after)
            .bind(before)
            .bind(BATCH)
            .fetch_all(db)
            .await?;
            let Some((last, _, _)) = page.last() else {
                break;
            };
            after = *last;
            let orphans: Vec<(i64, i64)> = page
                .iter()
                .filter(|(_, subject, _)| !living.contains(subject))
                .map(|(id, _, seq)| (*id, *seq))
                .collect();
            gone += orphans.len() as u64;
            if !dry_run && !orphans.is_empty() {
                delete_consent_rows(db, &orphans).await?;
            }
        }
        Ok(gone)
    }

    /// Warns people inactive for the configured months, and erases those warned long
    /// enough ago who still did not sign in. Legal holds are left alone.
    async fn inactive_people(
        &self,
        dry_run: bool,
        now: UnixTime,
    ) -> Result<(u64, u64), PrivacyError> {
        let Some(inactivity) = self.retention.inactive else {
            return Ok((0, 0));
        };
        let db = &self.privacy.db;
        let idle_since = now - inactivity.months * MONTH_SECS;
        let to_warn: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "select person_id, email, display_name, locale from person \
             where coalesce(last_login_at, created_at) < $1 and inactivity_warned_at is null \
             and legal_hold_reason is null order by person_id limit $2",
        )
        .bind(idle_since)
        .bind(BATCH)
        .fetch_all(db)
        .await?;
        let warned_before = now - inactivity.warning_secs;
        let to_erase: Vec<(String,)> = sqlx::query_as(
            "select person_id from person where inactivity_warned_at < $1 \
             and coalesce(last_login_at, created_at) < inactivity_warned_at \
             and legal_hold_reason is null order by person_id limit $2",
        )
        .bind(warned_before)
        .bind(BATCH)
        .fetch_all(db)
        .await?;
        if dry_run {
            return Ok((to_warn.len() as u64, to_erase.len() as u64));
        }
        let erase_on = date_text(now + inactivity.warning_secs);
        for (person_id, email, name, locale) in &to_warn {
            let mut tx = db::begin_write(db).await?;
            let notice =
                inactivity_notice(Locale::of_tag(locale.as_deref()), email, name, &erase_on);
            outbox::enqueue_email(&mut tx, &notice, now).await?;
            sqlx::query("update person set inactivity_warned_at = $2 where person_id = $1")
                .bind(person_id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            tx.commit().await?;
        }
        let verification = format!(
            "no sign-in for {} months; warned by e-mail",
            inactivity.months
        );
        for (person_id,) in &to_erase {
            let input = ErasureInput {
                channel: Channel::Retention,
                verification: &verification,
                at_once: true,
            };
            self.privacy
                .request_erasure(&Principal::system(), person_id, input)
                .await?;
        }
        Ok((to_warn.len() as u64, to_erase.len() as u64))
    }
}

/// Deletes, `BATCH` at a time, the rows of `table` matching `condition` (built here from
/// numbers only); a dry run counts them.
async fn batched(
    db: &Db,
    dry_run: bool,
    table: &str,
    key: &str,
    condition: &str,
) -> Result<u64, sqlx::Error> {
    if dry_run {
        let (count,): (i64,) =
            sqlx::query_as(&format!("select count(*) from {table} where {condition}"))
                .fetch_one(db)
                .await?;
        return Ok(u64::try_from(count).unwrap_or(0));
    }
    let mut deleted = 0;
    loop {
        let mut tx = db::begin_write(db).await?;
        let done = sqlx::query(&format!(
            "delete from {table} where {key} in (select {key} from {table} where {condition} limit {BATCH})"
        ))
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        deleted += done.rows_affected();
        if done.rows_affected() < BATCH as u64 {
            return Ok(deleted);
        }
    }
}

async fn delete_consent_rows(db: &Db, rows: &[(i64, i64)]) -> Result<(), sqlx::Error> {
    let mut tx = db::begin_write(db).await?;
    sqlx::query("insert into prune_permit (table_name) values ('consent_event')")
        .execute(&mut **tx)
        .await?;
    for (id, audit_seq) in rows {
        sqlx::query("delete from consent_event where consent_event_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "insert into consent_pruned (audit_seq) values ($1) on conflict (audit_seq) do nothing",
        )
        .bind(audit_seq)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("delete from prune_permit where table_name = 'consent_event'")
        .execute(&mut **tx)
        .await?;
    tx.commit().await
}

async fn take_lease(db: &Db, holder: &str, now: UnixTime) -> Result<bool, sqlx::Error> {
    let mut tx = db::begin_write(db).await?;
    let done = sqlx::query(
        "insert into janitor_lock (name, holder, until) values ('retention', $1, $2) \
         on conflict (name) do update set holder = excluded.holder, until = excluded.until \
         where janitor_lock.until < $3",
    )
    .bind(holder)
    .bind(now + LEASE_SECS)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

async fn release_lease(db: &Db, holder: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update janitor_lock set until = 0 where name = 'retention' and holder = $1")
        .bind(holder)
        .execute(db)
        .await?;
    Ok(())
}

fn inactivity_notice(locale: Locale, to: &str, name: &str, erase_on: &str) -> outbox::Email {
    let parts = match locale {
        Locale::Sv => Parts {
            subject: "Ditt konto raderas om du inte loggar in".into(),
            greeting: format!("Hej {name}!"),
            lines: vec![
                "Du har inte loggat in på länge. Vi sparar inte personuppgifter längre än vi behöver.".into(),
                format!("Logga in före {erase_on} om du vill behålla kontot; annars raderas det och allt vi har om dig."),
            ],
            link: None,
            closing: "Hör av dig om du har frågor.",
        },
        Locale::En => Parts {
            subject: "Your account will be deleted unless you sign in".into(),
            greeting: format!("Hello {name},"),
            lines: vec![
                "You have not signed in for a long time, and we keep personal data no longer than we need it.".into(),
                format!("Sign in before {erase_on} to keep your account; otherwise it will be deleted with everything we hold about you."),
            ],
            link: None,
            closing: "Please get in touch if you have questions.",
        },
    };
    render(to, name, parts)
}
