//! Export of everything held about a person (GDPR Art. 15 and 20): a zip streamed as it
//! is written, so memory stays flat however long the person's history. It holds
//! `data.json` (machine-readable: a manifest with the schema version, the Art. 15(1)
//! information, then every section, the long ones paged straight from the database) and
//! `index.html` (a readable summary in the person's language).

use super::export_data::{self as data, AppReceipt};
use super::export_html;
use super::register::{self, Change, Channel, Kind, NewRequest, RequestRow, Status};
use super::{Privacy, PrivacyError};
use crate::audit::{self, Actor, Event};
use crate::authz::Principal;
use crate::clock::rfc3339;
use crate::db;
use crate::identity::store::subject_refs;
use crate::web::i18n::Locale;
use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use futures_util::AsyncWriteExt;
use serde_json::{Value, json};

/// Bumped whenever `data.json` changes shape.
pub const SCHEMA_VERSION: u32 = 1;
/// How much of the zip may wait for a slow reader.
const PIPE_BYTES: usize = 64 * 1024;

/// The small sections, read before streaming starts: they also make the summary.
pub struct Summary {
    pub person_id: String,
    pub locale: Locale,
    pub profile: Value,
    pub email_normalized: String,
    pub memberships: Value,
    pub staff_roles: Value,
    pub apps: Vec<AppReceipt>,
    pub consents: Value,
    pub information: Value,
}

impl Privacy {
    /// Registers an access request for a person and completes it on download: the DPO's
    /// export (API, console, CLI).
    pub async fn request_export(
        &self,
        by: &Principal,
        person_id: &str,
        channel: Channel,
        verification: &str,
    ) -> Result<RequestRow, PrivacyError> {
        self.require(by, "persons.export")?;
        let verification = super::requests::checked_text(verification, "verification")?;
        self.register_export(
            Actor::of(by),
            person_id,
            channel,
            verification,
            Status::InProgress,
        )
        .await
    }

    /// A person's own export from their account page: registered and completed at once.
    pub async fn own_export(&self, person_id: &str) -> Result<RequestRow, PrivacyError> {
        let actor = Actor::Person(person_id.into());
        let verification =
            "signed in (re-entered the password if the session was older than 5 minutes)";
        self.register_export(
            actor,
            person_id,
            Channel::SelfService,
            verification,
            Status::Completed,
        )
        .await
    }

    async fn register_export(
        &self,
        actor: Actor,
        person_id: &str,
        channel: Channel,
        verification: &str,
        status: Status,
    ) -> Result<RequestRow, PrivacyError> {
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let subject_ref = subject_refs::for_write(&mut tx, person_id, now)
            .await?
            .ok_or(PrivacyError::NotFound("person"))?;
        let new = NewRequest {
            kind: Kind::Access,
            person_id,
            subject_ref: &subject_ref,
            purpose_id: None,
            channel,
            verification,
            status,
            act_at: None,
            first_action: "received; export prepared",
        };
        let mut row = register::insert(&mut tx, &new, now).await?;
        if status.is_closed() {
            let change = Change {
                completed: true,
                action: Some("export downloaded".into()),
                ..Default::default()
            };
            row = register::update(&mut tx, &row, change, now).await?;
        }
        let event = Event::new(actor, "person.exported")
            .target("person", person_id)
            .detail("request", row.dsr_id.clone());
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The request of a DPO's export, checked: an access request whose person still exists.
    pub async fn export_request(
        &self,
        by: &Principal,
        dsr_id: &str,
    ) -> Result<RequestRow, PrivacyError> {
        self.require(by, "persons.export")?;
        let row = register::find(&self.db, dsr_id)
            .await?
            .filter(|r| r.kind() == Some(Kind::Access))
            .ok_or(PrivacyError::NotFound("export"))?;
        if row.person_id.is_none() {
            return Err(PrivacyError::Conflict(
                "the person of this request has been erased".into(),
            ));
        }
        Ok(row)
    }

    /// Notes a download on the request, completing it.
    pub async fn export_downloaded(&self, row: &RequestRow) -> Result<(), PrivacyError> {
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let Some(row) = register::find_for_update(&mut tx, &row.dsr_id).await? else {
            return Ok(());
        };
        let change = Change {
            status: Some(Status::Completed),
            completed: row.completed_at.is_none(),
            action: Some("export downloaded".into()),
            ..Default::default()
        };
        register::update(&mut tx, &row, change, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reads the small sections; `None` when there is no such person.
    pub async fn summary(&self, person_id: &str) -> Result<Option<Summary>, PrivacyError> {
        let Some(profile) = data::profile(&self.db, person_id).await? else {
            return Ok(None);
        };
        let locale = Locale::of_tag(profile["locale"].as_str());
        let apps = data::apps(&self.db, person_id).await?;
        let states = self.consent.states(person_id).await?;
        let consents = Value::Array(
            states
                .iter()
                .map(|s| {
                    json!({
                        "purpose": s.purpose_id, "legal_basis": s.legal_basis.as_str(),
                        "current_version": s.current_version,
                        "state": s.state.map(|state| state.as_str()),
                        "decided_at": s.latest.as_ref().map(|e| rfc3339(e.recorded_at)),
                        "decided_on_version": s.latest.as_ref().map(|e| e.purpose_version.clone()),
                    })
                })
                .collect(),
        );
        let email_normalized =
            crate::identity::store::normalize_email(profile["email"].as_str().unwrap_or_default());
        Ok(Some(Summary {
            person_id: person_id.to_string(),
            locale,
            information: self.information(&apps),
            memberships: data::memberships(&self.db, person_id).await?,
            staff_roles: data::staff_roles(&self.db, person_id).await?,
            profile,
            email_normalized,
            apps,
            consents,
        }))
    }

    /// GDPR Art. 15(1)(a)–(h) and 15(2), as data.
    fn information(&self, apps: &[AppReceipt]) -> Value {
        let purposes: Vec<Value> = self
            .consent
            .purposes()
            .iter()
            .map(|p| {
                json!({
                    "purpose": p.id, "legal_basis": p.legal_basis.as_str(),
                    "title": p.text("en").title, "text": p.text("en").text,
                    "texts": p.texts,
                    "data_categories": p.data_categories, "recipients": p.recipients,
                    "retention_days": p.retention_days,
                })
            })
            .collect();
        let categories: Vec<Value> = retention_statements()
            .iter()
            .map(|(category, source, retention)| {
                json!({"category": category, "source": source, "retention": retention})
            })
            .collect();
        let recipients: Vec<Value> = apps
            .iter()
            .map(|a| {
                json!({"client_id": a.client_id, "name": a.client_name, "scopes": a.scopes(),
                       "first_received_at": rfc3339(a.first_at), "last_received_at": rfc3339(a.last_at)})
            })
            .collect();
        json!({
            "controller": {
                "name": self.controller.name,
                "contact": self.controller.contact_email,
                "privacy_policy": self.controller.privacy_policy_url,
                "jurisdiction": self.controller.jurisdiction,
            },
            "purposes": purposes,
            "categories": categories,
            "recipients": recipients,
            "third_countries": "none: trohet transfers nothing outside the controller's systems",
            "automated_decisions": "none: no decision with legal or similarly significant effect is made about you automatically (Art. 22)",
            "rights": [
                "access (Art. 15): this export",
                "rectification (Art. 16): edit your profile on your account page",
                "erasure (Art. 17): on your account page, or ask the controller",
                "restriction (Art. 18): ask the controller",
                "portability (Art. 20): data.json in this export",
                "objection (Art. 21): withdraw or object on your privacy page",
                "withdraw consent at any time (Art. 7(3)), as easily as it was given",
                "lodge a complaint with a supervisory authority (Art. 77)",
            ],
        })
    }

    /// Starts writing the export of `summary`'s person; the body streams it out as it is
    /// written, a pipe's worth at a time.
    pub fn export_body(&self, summary: Summary, dsr_id: String) -> axum::body::Body {
        let (writer, reader) = tokio::io::duplex(PIPE_BYTES);
        let privacy = self.clone();
        tokio::spawn(async move {
            if let Err(error) = privacy.write_export(summary, &dsr_id, writer).await {
                // The client sees a truncated zip, which no unzip tool accepts.
                tracing::error!(error = %error, "export failed");
            }
        });
        axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(reader))
    }

    /// Writes the whole zip into `sink` (a pipe to the response, or a file).
    pub async fn write_export<W>(
        &self,
        summary: Summary,
        dsr_id: &str,
        sink: W,
    ) -> anyhow::Result<()>
    where
        W: tokio::io::AsyncWrite + Unpin,
    {
        let mut zip = ZipFileWriter::with_tokio(sink);
        // Deflate at level 1: a JSON export still shrinks about tenfold, at a fraction of
        // the default level's work. (async_zip's `Fast` option maps to the default level.)
        let entry = ZipEntryBuilder::new("data.json".into(), Compression::Deflate)
            .deflate_option(async_zip::DeflateOption::Other(1));
        let mut out = zip.write_entry_stream(entry).await?;
        let manifest = json!({
            "format": "trohet-export", "schema_version": SCHEMA_VERSION,
            "generated_at": rfc3339(self.clock.now()), "request": dsr_id,
            "person_id": summary.person_id,
            "files": {"data.json": "everything held about you, machine-readable (Art. 20)",
                      "index.html": "a readable summary (Art. 15)"},
        });
        let person_id = summary.person_id.as_str();
        let sections: Vec<(&str, Value)> = vec![
            ("manifest", manifest),
            ("information", summary.information.clone()),
            ("profile", summary.profile.clone()),
            ("memberships", summary.memberships.clone()),
            ("staff_roles", summary.staff_roles.clone()),
            ("consents", summary.consents.clone()),
            ("interests", data::interests(&self.db, person_id).await?),
            ("apps", apps_json(&summary.apps)),
            (
                "remembered_app_consent",
                data::remembered_consent(&self.db, person_id).await?,
            ),
            ("sessions", data::sessions(&self.db, person_id).await?),
            (
                "invitations",
                data::invitations(&self.db, &summary.email_normalized).await?,
            ),
            (
                "password_resets",
                data::password_resets(&self.db, person_id).await?,
            ),
            ("requests", data::requests(&self.db, person_id).await?),
            (
                "analytics",
                crate::analytics::subject::export(&self.db, person_id).await?,
            ),
            ("purpose_texts", data::purpose_texts(&self.db).await?),
        ];
        out.write_all(b"{").await?;
        for (name, value) in &sections {
            out.write_all(format!("{}:", json!(name)).as_bytes())
                .await?;
            out.write_all(&serde_json::to_vec(value)?).await?;
            out.write_all(b",\n").await?;
        }
        let (subject, audit_ref) = data::keys(&self.db, person_id).await?;
        out.write_all(b"\"consent_ledger\":[").await?;
        let decisions = match &subject {
            Some(subject) => {
                write_list(&mut out, |after| {
                    data::ledger_page(&self.db, subject, after)
                })
                .await?
            }
            None => 0,
        };
        out.write_all(b"],\n\"audit_events\":[").await?;
        let events = match &audit_ref {
            Some(audit_ref) => {
                write_list(&mut out, |after| {
                    data::audit_page(&self.db, audit_ref, after)
                })
                .await?
            }
            None => 0,
        };
        let counts = (decisions, events);
        out.write_all(b"]}\n").await?;
        out.close().await?;
        let html = export_html::render(&summary, counts);
        let entry = ZipEntryBuilder::new("index.html".into(), Compression::Deflate);
        zip.write_entry_whole(entry, html.as_bytes()).await?;
        zip.close().await?;
        Ok(())
    }
}

/// Streams a long list a page at a time (`fetch(after)` returns the page after the key
/// `after`, or `None` past the end); a page goes out as one write. Returns how many rows.
async fn write_list<W, F, Fut>(out: &mut W, mut fetch: F) -> anyhow::Result<u64>
where
    W: futures_util::AsyncWrite + Unpin,
    F: FnMut(i64) -> Fut,
    Fut: std::future::Future<Output = Result<Option<data::ListPage>, sqlx::Error>>,
{
    let (mut after, mut count) = (0, 0u64);
    let mut buffer = Vec::with_capacity(256 * 1024);
    while let Some(page) = fetch(after).await? {
        after = page.last;
        buffer.clear();
        for row in &page.rows {
            if count > 0 {
                buffer.push(b',');
            }
            buffer.extend_from_slice(row.as_bytes());
            count += 1;
        }
        out.write_all(&buffer).await?;
    }
    Ok(count)
}

fn apps_json(apps: &[AppReceipt]) -> Value {
    Value::Array(
        apps.iter()
            .map(|a| {
                json!({"client_id": a.client_id, "name": a.client_name, "scopes": a.scopes(),
                       "first_signed_in_at": rfc3339(a.first_at), "last_signed_in_at": rfc3339(a.last_at),
                       "access_live": a.live > 0})
            })
            .collect(),
    )
}

/// What trohet keeps, where it came from, and for how long (Art. 15(1)(d) and (g)).
pub fn retention_statements() -> &'static [(&'static str, &'static str, &'static str)] {
    &[
        (
            "profile (name, e-mail address, language)",
            "your organisation's administrator, and you",
            "as long as you have an account",
        ),
        (
            "memberships and roles",
            "your organisation's administrator",
            "as long as you have an account",
        ),
        (
            "password",
            "you (kept only as a salted Argon2id hash, never exported)",
            "as long as you have an account",
        ),
        (
            "sessions (times, browser, network)",
            "recorded as you sign in",
            "until the session ends",
        ),
        (
            "apps you signed in to, with the scopes they received",
            "recorded as you sign in",
            "as long as you have an account",
        ),
        (
            "consent decisions",
            "you, or staff recording what you decided",
            "as long as you have an account; then kept anonymous as proof",
        ),
        (
            "audit events naming you",
            "recorded by trohet as you or others act",
            "as long as the audit log is kept; anonymous once you are erased",
        ),
        (
            "data subject requests",
            "you, or the data protection officer",
            "as long as the register is kept; anonymous once you are erased",
        ),
    ]
}
