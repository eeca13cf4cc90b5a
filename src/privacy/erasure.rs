//! Erasure (GDPR Art. 17). A request is registered first, with the time it is to be
//! carried out (`act_at`: at once for the DPO, after a grace period for a person's own);
//! then one transaction erases everything: the person row and all that hangs on it
//! (credentials, memberships and roles, sessions, grants, codes, refresh tokens, remembered
//! consent, interests, the subject key and pseudonym secret), invitations to their address,
//! mail still waiting for them, and their throttle window. The consent ledger and the audit
//! chain stay as they are: they name the person only through the subject key and audit
//! reference just destroyed, so they can no longer be tied to anyone. Apps that received the
//! person's claims are told through the outbox in the same transaction.
//!
//! The transaction makes erasure all or nothing, and the registered request makes it
//! resumable: if the process dies before the commit, the worker finds the request still due
//! on restart and carries it out. An erasure refused by a legal hold is recorded as such.

use super::register::{self, Change, Channel, Kind, NewRequest, RequestRow, Status};
use super::{Privacy, PrivacyError, notify};
use crate::audit::{self, Actor, Event, Outcome};
use crate::authz::Principal;
use crate::clock::UnixTime;
use crate::db::{self, Tx};
use crate::identity::store::{persons, subject_refs};
use crate::identity::{Ending, session};
use crate::{crypto, outbox};

/// How an erasure was asked for.
pub struct ErasureInput<'a> {
    pub channel: Channel,
    /// How the requester's identity was verified.
    pub verification: &'a str,
    /// Carry it out now (the DPO), or after the grace period (the person's own request).
    pub at_once: bool,
}

impl Privacy {
    /// Registers an erasure and, when `at_once`, carries it out before answering.
    pub async fn request_erasure(
        &self,
        by: &Principal,
        person_id: &str,
        input: ErasureInput<'_>,
    ) -> Result<RequestRow, PrivacyError> {
        self.require(by, "persons.erase")?;
        self.register_erasure(Actor::of(by), person_id, input).await
    }

    /// A person's own request, after they re-entered their password: erased when the grace
    /// period ends unless they cancel.
    pub async fn request_own_erasure(&self, person_id: &str) -> Result<RequestRow, PrivacyError> {
        let input = ErasureInput {
            channel: Channel::SelfService,
            verification: "signed in and re-entered the password",
            at_once: self.config.erasure_grace_days <= 0,
        };
        self.register_erasure(Actor::Person(person_id.into()), person_id, input)
            .await
    }

    async fn register_erasure(
        &self,
        actor: Actor,
        person_id: &str,
        input: ErasureInput<'_>,
    ) -> Result<RequestRow, PrivacyError> {
        let now = self.clock.now();
        if let Some(pending) = register::pending_erasure(&self.db, person_id).await? {
            // One erasure per person: the DPO's "now" brings a waiting one forward (a
            // letter registered earlier, or a person's own in its grace period).
            if input.at_once {
                self.bring_forward(&pending, person_id, now).await?;
                self.carry_out(&pending.dsr_id).await?;
                return Ok(register::find(&self.db, &pending.dsr_id)
                    .await?
                    .unwrap_or(pending));
            }
            return Ok(pending);
        }
        let mut tx = db::begin_write(&self.db).await?;
        let hold = legal_hold_of(&mut tx, person_id)
            .await?
            .ok_or(PrivacyError::NotFound("person"))?;
        let subject_ref = subject_refs::for_write(&mut tx, person_id, now)
            .await?
            .ok_or(PrivacyError::NotFound("person"))?;
        let act_at = if input.at_once {
            now
        } else {
            now + self.config.erasure_grace_days * 86_400
        };
        let (status, first_action) = match &hold {
            Some(_) => (Status::Rejected, "received; refused: legal hold"),
            None if input.at_once => (Status::InProgress, "received; erasing now"),
            None => (
                Status::Verified,
                "received; erasure scheduled after the grace period",
            ),
        };
        let new = NewRequest {
            kind: Kind::Erasure,
            person_id,
            subject_ref: &subject_ref,
            purpose_id: None,
            channel: input.channel,
            verification: input.verification,
            status,
            act_at: hold.is_none().then_some(act_at),
            first_action,
        };
        let mut row = register::insert(&mut tx, &new, now).await?;
        if input.at_once && hold.is_none() {
            // Until the erasure commits (a crash may come between), the person cannot sign in.
            persons::set_status(&mut tx, person_id, "disabled").await?;
            session::delete_all_of(&mut tx, person_id).await?;
            self.revoker
                .revoke_person(&mut tx, person_id, Ending::Erasure, now)
                .await?;
        }
        if let Some(reason) = &hold {
            row = register::update(
                &mut tx,
                &row,
                Change {
                    status_reason: Some(reason.clone()),
                    ..Default::default()
                },
                now,
            )
            .await?;
        }
        let event = Event::new(actor, "person.erasure_requested")
            .target("person", person_id)
            .outcome(if hold.is_some() {
                Outcome::Denied
            } else {
                Outcome::Success
            })
            .detail("request", row.dsr_id.clone())
            .detail("erase_at", act_at);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        if let Some(reason) = hold {
            return Err(PrivacyError::LegalHold(reason));
        }
        if input.at_once {
            self.carry_out(&row.dsr_id).await?;
            return Ok(register::find(&self.db, &row.dsr_id).await?.unwrap_or(row));
        }
        Ok(row)
    }

    /// Makes a waiting erasure due now, and stops the person signing in meanwhile.
    async fn bring_forward(
        &self,
        pending: &RequestRow,
        person_id: &str,
        now: UnixTime,
    ) -> Result<(), PrivacyError> {
        let mut tx = db::begin_write(&self.db).await?;
        let Some(row) = register::find_for_update(&mut tx, &pending.dsr_id).await? else {
            return Ok(());
        };
        let change = Change {
            status: Some(Status::InProgress),
            act_at: Some(Some(now)),
            action: Some("to be carried out now".into()),
            ..Default::default()
        };
        register::update(&mut tx, &row, change, now).await?;
        persons::set_status(&mut tx, person_id, "disabled").await?;
        session::delete_all_of(&mut tx, person_id).await?;
        self.revoker
            .revoke_person(&mut tx, person_id, Ending::Erasure, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The reason and time of a legal hold on the person's data, if any.
    pub async fn legal_hold(&self, person_id: &str) -> Result<Option<(String, i64)>, PrivacyError> {
        let row: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
            "select legal_hold_reason, legal_hold_at from person where person_id = $1",
        )
        .bind(person_id)
        .fetch_optional(&self.db)
        .await?;
        Ok(row.and_then(|(reason, at)| reason.map(|r| (r, at.unwrap_or_default()))))
    }

    /// Cancels the person's own pending erasure (they signed in during the grace period).
    pub async fn cancel_own_erasure(&self, person_id: &str) -> Result<bool, PrivacyError> {
        let Some(pending) = register::pending_erasure(&self.db, person_id).await? else {
            return Ok(false);
        };
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let Some(row) = register::find_for_update(&mut tx, &pending.dsr_id).await? else {
            return Ok(false);
        };
        if row.status().is_closed() || row.status() == Status::InProgress {
            return Ok(false);
        }
        let change = Change {
            status: Some(Status::Rejected),
            status_reason: Some("withdrawn by the person".into()),
            act_at: Some(None),
            completed: true,
            action: Some("withdrawn by the person".into()),
            ..Default::default()
        };
        register::update(&mut tx, &row, change, now).await?;
        let event = Event::new(Actor::Person(person_id.into()), "person.erasure_cancelled")
            .target("person", person_id)
            .detail("request", row.dsr_id.clone());
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Carries out every erasure whose time has come; returns how many were done.
    pub async fn run_due_erasures(&self) -> Result<usize, PrivacyError> {
        let due = register::due_erasures(&self.db, self.clock.now()).await?;
        for dsr_id in &due {
            self.carry_out(dsr_id).await?;
        }
        Ok(due.len())
    }

    /// Erases the person of one erasure request, in one transaction. Idempotent: a request
    /// already completed, or whose person is gone, is only closed.
    pub async fn carry_out(&self, dsr_id: &str) -> Result<(), PrivacyError> {
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let Some(row) = register::find_for_update(&mut tx, dsr_id).await? else {
            return Err(PrivacyError::NotFound("request"));
        };
        if row.status().is_closed() {
            return Ok(());
        }
        let person = match &row.person_id {
            Some(id) => erasable(&mut tx, id).await?,
            None => None,
        };
        let change = match person {
            None => Change {
                status: Some(Status::Completed),
                act_at: Some(None),
                completed: true,
                action: Some("nothing left to erase".into()),
                ..Default::default()
            },
            Some(Erasable {
                hold: Some(reason), ..
            }) => Change {
                status: Some(Status::Rejected),
                status_reason: Some(reason),
                act_at: Some(None),
                completed: true,
                action: Some("refused: legal hold".into()),
                ..Default::default()
            },
            Some(Erasable {
                person_id,
                email_normalized,
                hold: None,
            }) => {
                let told = self
                    .erase(&mut tx, &person_id, &email_normalized, &row, now)
                    .await?;
                Change {
                    status: Some(Status::Completed),
                    act_at: Some(None),
                    completed: true,
                    action: Some(format!("erased; {told} app notifications queued")),
                    ..Default::default()
                }
            }
        };
        register::update(&mut tx, &row, change, now).await?;
        crash_point("erasure.before_commit");
        tx.commit().await?;
        self.consent
            .forget_person(row.person_id.as_deref().unwrap_or_default());
        Ok(())
    }

    /// Everything of the erasure inside the transaction; returns the notifications queued.
    async fn erase(
        &self,
        tx: &mut Tx,
        person_id: &str,
        email_normalized: &str,
        row: &RequestRow,
        now: UnixTime,
    ) -> Result<usize, PrivacyError> {
        let erased = notify::Happening::Erased {
            dsr_id: &row.dsr_id,
        };
        let told = notify::tell(tx, self.provider.as_ref(), person_id, erased, now).await?;
        let grants = self
            .revoker
            .revoke_person(tx, person_id, Ending::Erasure, now)
            .await?;
        let event = Event::new(Actor::System, "person.erased")
            .target("person", person_id)
            .detail("request", row.dsr_id.clone())
            .detail("grants_revoked", grants)
            .detail("apps_notified", told);
        audit::record(tx, event, now).await?;
        sqlx::query("delete from invitation where email_normalized = $1")
            .bind(email_normalized)
            .execute(&mut **tx)
            .await?;
        sqlx::query("update invitation set invited_by = 'erased' where invited_by = $1")
            .bind(person_id)
            .execute(&mut **tx)
            .await?;
        outbox::store::forget_mail_to(tx, &outbox::recipient_digest(email_normalized)).await?;
        sqlx::query("delete from login_throttle where throttle_key = $1")
            .bind(format!("account:{}", crypto::digest_hex(email_normalized)))
            .execute(&mut **tx)
            .await?;
        // Free-text survey answers and the survey rhythm, found through the pseudonym
        // secret before it goes; the counted analytics stay, unlinkable.
        let answers = crate::analytics::subject::forget(tx, person_id).await?;
        tracing::debug!(answers, "erased survey answers");
        // The rest goes with the person row (foreign keys cascade), the subject key with it.
        sqlx::query("delete from person where person_id = $1")
            .bind(person_id)
            .execute(&mut **tx)
            .await?;
        Ok(told)
    }

    /// Sets or lifts (`None`) a legal hold on a person's data (Art. 17(3)).
    pub async fn set_legal_hold(
        &self,
        by: &Principal,
        person_id: &str,
        reason: Option<&str>,
    ) -> Result<(), PrivacyError> {
        self.require(by, "persons.erase")?;
        let reason = reason.map(str::trim);
        if reason.is_some_and(|r| r.is_empty() || r.chars().count() > 500) {
            return Err(PrivacyError::Validation(
                "a legal hold needs a reason of at most 500 characters".into(),
            ));
        }
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let done = sqlx::query(
            "update person set legal_hold_reason = $2, legal_hold_at = $3 where person_id = $1",
        )
        .bind(person_id)
        .bind(reason)
        .bind(reason.map(|_| now))
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(PrivacyError::NotFound("person"));
        }
        let action = if reason.is_some() {
            "person.legal_hold_set"
        } else {
            "person.legal_hold_lifted"
        };
        audit::record(
            &mut tx,
            Event::new(Actor::of(by), action).target("person", person_id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

struct Erasable {
    person_id: String,
    email_normalized: String,
    hold: Option<String>,
}

async fn erasable(tx: &mut Tx, person_id: &str) -> Result<Option<Erasable>, sqlx::Error> {
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "select person_id, email_normalized, legal_hold_reason from person where person_id = $1",
    )
    .bind(person_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(person_id, email_normalized, hold)| Erasable {
        person_id,
        email_normalized,
        hold,
    }))
}

/// `None`: no such person; `Some(None)`: no hold.
async fn legal_hold_of(
    tx: &mut Tx,
    person_id: &str,
) -> Result<Option<Option<String>>, sqlx::Error> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("select legal_hold_reason from person where person_id = $1")
            .bind(person_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(hold,)| hold))
}

/// A test hook: with `TROHET_CRASH_AT=<point>` the process aborts at that point, so a test
/// can show what a crash there leaves behind (an erasure that completes on restart).
fn crash_point(point: &str) {
    if std::env::var("TROHET_CRASH_AT").is_ok_and(|at| at == point) {
        tracing::error!(point, "crashing on purpose (TROHET_CRASH_AT)");
        std::process::abort();
    }
}
