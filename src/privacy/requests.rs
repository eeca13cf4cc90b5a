//! The register, as the DPO works it: register a request received by letter, phone or
//! e-mail; follow the queue by deadline; move a request along (`verified`, `in_progress`,
//! `completed`, `rejected` with a reason, `extended` with a reason, which moves the
//! deadline to three months from receipt and tells the person).

use super::deadline;
use super::notify::{self, NotificationStatus};
use super::register::{self, Change, Channel, Kind, NewRequest, RequestFilter, RequestRow, Status};
use super::{Privacy, PrivacyError};
use crate::audit::{self, Actor, Event};
use crate::authz::Principal;
use crate::db;
use crate::identity::mail::{Parts, render};
use crate::identity::store::{persons, subject_refs};
use crate::outbox;
use crate::web::i18n::Locale;

/// A request received outside trohet's own pages.
pub struct NewRequestInput<'a> {
    pub kind: Kind,
    pub person_id: &'a str,
    pub channel: Channel,
    pub verification: &'a str,
    /// For an objection: the purpose objected to.
    pub purpose_id: Option<&'a str>,
}

impl Privacy {
    pub async fn register_request(
        &self,
        by: &Principal,
        input: NewRequestInput<'_>,
    ) -> Result<RequestRow, PrivacyError> {
        self.require(by, "dsr.manage")?;
        let verification = checked_text(input.verification, "verification")?;
        if input.kind == Kind::Objection && input.purpose_id.is_none() {
            return Err(PrivacyError::Validation(
                "an objection names the purpose objected to".into(),
            ));
        }
        if let Some(purpose) = input
            .purpose_id
            .filter(|p| self.consent.purposes().get(p).is_none())
        {
            return Err(PrivacyError::Validation(format!("no purpose {purpose}")));
        }
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let subject_ref = subject_refs::for_write(&mut tx, input.person_id, now)
            .await?
            .ok_or(PrivacyError::NotFound("person"))?;
        let new = NewRequest {
            kind: input.kind,
            person_id: input.person_id,
            subject_ref: &subject_ref,
            purpose_id: input.purpose_id,
            channel: input.channel,
            verification,
            status: Status::Received,
            act_at: None,
            first_action: "received",
        };
        let row = register::insert(&mut tx, &new, now).await?;
        let event = Event::new(Actor::of(by), "dsr.received")
            .target("person", input.person_id)
            .detail("request", row.dsr_id.clone())
            .detail("kind", input.kind.as_str());
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn list_requests(
        &self,
        by: &Principal,
        filter: &RequestFilter,
        limit: i64,
    ) -> Result<Vec<RequestRow>, PrivacyError> {
        self.require(by, "dsr.read")?;
        Ok(register::list(&self.db, filter, limit).await?)
    }

    /// A request and how each app's notification about it went.
    pub async fn request(
        &self,
        by: &Principal,
        dsr_id: &str,
    ) -> Result<(RequestRow, Vec<NotificationStatus>), PrivacyError> {
        self.require(by, "dsr.read")?;
        let row = register::find(&self.db, dsr_id)
            .await?
            .ok_or(PrivacyError::NotFound("request"))?;
        let notifications = notify::status_of(&self.db, dsr_id).await?;
        Ok((row, notifications))
    }

    /// Moves a request along. Closed requests stay closed; `rejected` and `extended` need a
    /// reason; `extended` happens once and tells the person.
    pub async fn change_status(
        &self,
        by: &Principal,
        dsr_id: &str,
        status: Status,
        reason: Option<&str>,
    ) -> Result<RequestRow, PrivacyError> {
        self.require(by, "dsr.manage")?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if matches!(status, Status::Rejected | Status::Extended) && reason.is_none() {
            return Err(PrivacyError::Validation(format!(
                "{} needs a reason",
                status.as_str()
            )));
        }
        if status == Status::Received {
            return Err(PrivacyError::Validation(
                "a request cannot go back to received".into(),
            ));
        }
        let reason = reason.map(|r| checked_text(r, "reason")).transpose()?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let row = register::find_for_update(&mut tx, dsr_id)
            .await?
            .ok_or(PrivacyError::NotFound("request"))?;
        if row.status().is_closed() {
            return Err(PrivacyError::Conflict(format!(
                "the request is already {}",
                row.status
            )));
        }
        let extending = status == Status::Extended;
        if extending && row.actions().iter().any(|a| a.what.starts_with("extended")) {
            return Err(PrivacyError::Conflict(
                "a request is extended once, by two months at most".into(),
            ));
        }
        let change = Change {
            status: Some(status),
            status_reason: reason.map(str::to_string),
            deadline: extending
                .then(|| deadline::deadline(row.received_at, deadline::EXTENDED_MONTHS)),
            completed: status.is_closed(),
            act_at: status.is_closed().then_some(None),
            action: Some(match reason {
                Some(reason) => format!("{}: {reason}", status.as_str()),
                None => status.as_str().to_string(),
            }),
        };
        let row = register::update(&mut tx, &row, change, now).await?;
        if extending {
            self.tell_extended(&mut tx, &row, reason.unwrap_or_default(), now)
                .await?;
        }
        let event = Event::new(Actor::of(by), "dsr.status_changed")
            .detail("request", row.dsr_id.clone())
            .detail("status", status.as_str());
        let event = match &row.person_id {
            Some(person) => event.target("person", person),
            None => event,
        };
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Art. 12(3): the person is told of an extension, and why, within the first month.
    async fn tell_extended(
        &self,
        tx: &mut db::Tx,
        row: &RequestRow,
        reason: &str,
        now: crate::clock::UnixTime,
    ) -> Result<(), PrivacyError> {
        let Some(person_id) = &row.person_id else {
            return Ok(());
        };
        let Some(person) = persons::find(&self.db, person_id).await? else {
            return Ok(());
        };
        let email = extension_notice(
            Locale::of_tag(person.locale.as_deref()),
            &person.email,
            &person.display_name,
            &row.deadline,
            reason,
        );
        outbox::enqueue_email(tx, &email, now).await?;
        Ok(())
    }
}

pub(super) fn checked_text<'a>(text: &'a str, what: &str) -> Result<&'a str, PrivacyError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 500 {
        return Err(PrivacyError::Validation(format!(
            "{what} must be 1 to 500 characters"
        )));
    }
    Ok(text)
}

fn extension_notice(
    locale: Locale,
    to: &str,
    name: &str,
    deadline: &str,
    reason: &str,
) -> outbox::Email {
    let parts = match locale {
        Locale::Sv => Parts {
            subject: "Din begäran tar längre tid".into(),
            greeting: format!("Hej {name}!"),
            lines: vec![
                format!(
                    "Vi behöver mer tid för att besvara din begäran om dina personuppgifter. Du får svar senast {deadline}."
                ),
                format!("Skäl: {reason}"),
            ],
            link: None,
            closing: "Hör av dig om du har frågor.",
        },
        Locale::En => Parts {
            subject: "Your request will take longer".into(),
            greeting: format!("Hello {name},"),
            lines: vec![
                format!(
                    "We need more time to answer your request about your personal data. You will have our answer by {deadline}."
                ),
                format!("Why: {reason}"),
            ],
            link: None,
            closing: "Please get in touch if you have questions.",
        },
    };
    render(to, name, parts)
}
