//! Restriction (GDPR Art. 18) and objection (Art. 21), as the DPO carries them out. A
//! restricted person's data stays but is not used: audiences skip them and portal apps
//! reading their consent see nothing allowed (and, once analytics exists, their events are
//! dropped). An objection to a purpose works like a withdrawal: it is recorded in the
//! consent ledger, so the apps that gate on it stop. Each is in the register and the log.

use super::register::{self, Change, Channel, Kind, NewRequest, RequestRow, Status};
use super::{Privacy, PrivacyError};
use crate::audit::{self, Actor, Event};
use crate::authz::Principal;
use crate::consent::{ConsentError, Decision, LegalBasis, Method, Recording};
use crate::db::{self, Tx};
use crate::identity::store::subject_refs;

impl Privacy {
    /// Restricts a person's processing, answering the registered request `request` or one
    /// registered now.
    pub async fn restrict(
        &self,
        by: &Principal,
        person_id: &str,
        request: Option<&str>,
    ) -> Result<RequestRow, PrivacyError> {
        self.require(by, "dsr.manage")?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        set_restricted_at(&mut tx, person_id, Some(now)).await?;
        let row = self
            .answered(
                &mut tx,
                person_id,
                Kind::Restriction,
                None,
                request,
                "restricted",
            )
            .await?;
        let event = Event::new(Actor::of(by), "person.restricted")
            .target("person", person_id)
            .detail("request", row.dsr_id.clone());
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        self.consent.forget_person(person_id);
        Ok(row)
    }

    /// Since when the person's processing is restricted, if it is.
    pub async fn restricted_since(&self, person_id: &str) -> Result<Option<i64>, sqlx::Error> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("select restricted_at from person where person_id = $1")
                .bind(person_id)
                .fetch_optional(&self.db)
                .await?;
        Ok(row.and_then(|(at,)| at))
    }

    /// Lifts a restriction (Art. 18(3): the person is told before, by the DPO); logged.
    pub async fn lift_restriction(
        &self,
        by: &Principal,
        person_id: &str,
    ) -> Result<(), PrivacyError> {
        self.require(by, "dsr.manage")?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        set_restricted_at(&mut tx, person_id, None).await?;
        let event =
            Event::new(Actor::of(by), "person.restriction_lifted").target("person", person_id);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        self.consent.forget_person(person_id);
        Ok(())
    }

    /// Records a person's objection to a purpose, which stops processing under it.
    pub async fn object(
        &self,
        by: &Principal,
        person_id: &str,
        purpose_id: &str,
        request: Option<&str>,
    ) -> Result<RequestRow, PrivacyError> {
        self.require(by, "dsr.manage")?;
        let purpose = self
            .consent
            .purposes()
            .get(purpose_id)
            .ok_or_else(|| PrivacyError::Validation(format!("no purpose {purpose_id}")))?;
        if !matches!(
            purpose.legal_basis,
            LegalBasis::Consent | LegalBasis::LegitimateInterest
        ) {
            return Err(PrivacyError::Validation(format!(
                "{purpose_id} rests on {}: there is no right to object to it",
                purpose.legal_basis.as_str()
            )));
        }
        let recording = Recording {
            purpose_id: purpose_id.to_string(),
            version: None,
            decision: Decision::Withdrawn,
            method: Method::Staff,
            client_id: None,
            note: Some("objection (GDPR Art. 21)".into()),
            language: "en".into(),
        };
        let what = match self
            .consent
            .record(Actor::of(by), person_id, recording)
            .await
        {
            Ok(_) => format!("objection recorded: {purpose_id} stopped"),
            // Not granted: nothing was being done under it, and nothing will be.
            Err(ConsentError::NothingToWithdraw(_)) => format!("{purpose_id} was not in use"),
            Err(ConsentError::Database(e)) => return Err(e.into()),
            Err(other) => return Err(PrivacyError::Validation(other.to_string())),
        };
        let mut tx = db::begin_write(&self.db).await?;
        let row = self
            .answered(
                &mut tx,
                person_id,
                Kind::Objection,
                Some(purpose_id),
                request,
                &what,
            )
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Completes the registered request `request` (which must be of `kind` and about this
    /// person); without one, the person's open request of that kind if any (a letter the DPO
    /// registered earlier), or else a request registered now.
    async fn answered(
        &self,
        tx: &mut Tx,
        person_id: &str,
        kind: Kind,
        purpose_id: Option<&str>,
        request: Option<&str>,
        what: &str,
    ) -> Result<RequestRow, PrivacyError> {
        let now = self.clock.now();
        let open = match request {
            Some(_) => None,
            None => open_request(tx, person_id, kind, purpose_id).await?,
        };
        let row = match request.or(open.as_deref()) {
            Some(id) => {
                let row = register::find_for_update(tx, id)
                    .await?
                    .filter(|r| r.kind() == Some(kind) && r.person_id.as_deref() == Some(person_id))
                    .ok_or(PrivacyError::NotFound("request"))?;
                if row.status().is_closed() {
                    return Err(PrivacyError::Conflict(format!(
                        "the request is already {}",
                        row.status
                    )));
                }
                row
            }
            None => {
                let subject_ref = subject_refs::for_write(tx, person_id, now)
                    .await?
                    .ok_or(PrivacyError::NotFound("person"))?;
                let new = NewRequest {
                    kind,
                    person_id,
                    subject_ref: &subject_ref,
                    purpose_id,
                    channel: Channel::Api,
                    verification: "by the data protection officer",
                    status: Status::InProgress,
                    act_at: None,
                    first_action: "received",
                };
                register::insert(tx, &new, now).await?
            }
        };
        let change = Change {
            status: Some(Status::Completed),
            completed: true,
            action: Some(what.to_string()),
            ..Default::default()
        };
        Ok(register::update(tx, &row, change, now).await?)
    }
}

async fn set_restricted_at(
    tx: &mut Tx,
    person_id: &str,
    at: Option<i64>,
) -> Result<(), PrivacyError> {
    let done = sqlx::query("update person set restricted_at = $2 where person_id = $1")
        .bind(person_id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(PrivacyError::NotFound("person"));
    }
    Ok(())
}

/// The person's oldest open request of `kind` (for an objection, about this purpose or none).
async fn open_request(
    tx: &mut Tx,
    person_id: &str,
    kind: Kind,
    purpose_id: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "select dsr_id from dsr_request where person_id = $1 and kind = $2 \
         and status not in ('completed', 'rejected') and coalesce(purpose_id, $3) = $3 \
         order by received_at, dsr_id limit 1",
    )
    .bind(person_id)
    .bind(kind.as_str())
    .bind(purpose_id.unwrap_or_default())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(id,)| id))
}
