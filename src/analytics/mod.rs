//! Customer health analytics: activity, satisfaction and engagement per customer account,
//! with churn-risk signals and survey timing. Lawful under GDPR Art. 6(1)(a) and 89 only
//! as it is built: events are kept only for people who granted `portal-analytics` or
//! `satisfaction-surveys` and are not restricted (Art. 18), under a pseudonym per person
//! and account that erasure makes unlinkable (Art. 4(5), 17), and every figure shown is
//! drawn from at least `min_group_size` people, with no figure derivable from others that
//! is not (`disclosure.rs`).

pub mod calendar;
mod cells;
pub mod csv;
pub mod demo;
pub mod disclosure;
pub mod error;
pub mod event;
pub mod figures;
pub mod ingest;
mod partitions;
pub mod policy;
pub mod portfolio;
pub mod pseudonym;
mod raters;
pub mod read;
pub mod rebuild;
pub mod report;
pub mod retention;
mod rollups;
pub mod routes;
mod rows;
mod satisfaction;
pub mod signals;
pub mod subject;
pub mod survey;
pub mod write;
mod writer;

pub use cells::{ActivityCell, ActivityFigures, Engagement, ResponseCell};
pub use error::AnalyticsError;
pub use policy::AnalyticsPolicy;
pub use satisfaction::{RatingCell, RatingFigures, SatisfactionMonth, ScoreTrend, TouchpointCells};

use crate::authz::{Policies, Principal};
use crate::clock::Clock;
use crate::consent::{Consent, Provider};
use crate::crypto;
use crate::db::Db;
use crate::identity::{SignIn, SignInRecorder};
use event::Fact;
use futures_util::future::BoxFuture;
use partitions::Partitions;
use std::sync::Arc;
use write::Accepted;

/// The purpose activity (sign-ins, feature use, likes) needs.
pub const ANALYTICS_PURPOSE: &str = "portal-analytics";
/// The purpose ratings and survey timing need.
pub const SURVEYS_PURPOSE: &str = "satisfaction-surveys";

#[derive(Clone)]
pub struct Analytics {
    pub db: Db,
    pub clock: Clock,
    pub policy: Arc<AnalyticsPolicy>,
    pub policies: Arc<Policies>,
    pub consent: Consent,
    /// Turns the `sub` a client sends into a person.
    pub provider: Arc<dyn Provider>,
    /// How long raw events are kept (policies/retention.toml): older ones are refused.
    pub raw_events_secs: i64,
    writer: writer::Writer,
}

impl Analytics {
    pub fn new(
        db: Db,
        clock: Clock,
        policy: Arc<AnalyticsPolicy>,
        policies: Arc<Policies>,
        consent: Consent,
        provider: Arc<dyn Provider>,
        raw_events_secs: i64,
    ) -> Analytics {
        Analytics {
            raw_events_secs,
            writer: writer::Writer::new(writer::Store {
                db: db.clone(),
                partitions: Partitions::default(),
                negative_cap: policy.signals.unhappy_person.negative_in_a_row,
            }),
            db,
            clock,
            policy,
            policies,
            consent,
            provider,
        }
    }

    /// Reports are for the portal owner's staff (`analytics.read`), never a customer's.
    fn require_read(&self, by: &Principal) -> Result<(), AnalyticsError> {
        let decision = self.policies.decide(by, "analytics.read", None);
        match decision.is_allowed() {
            true => Ok(()),
            false => Err(AnalyticsError::denied(decision, "customer account")),
        }
    }

    /// Counts a sign-in for a person who grants `portal-analytics`, once per browser
    /// session and authentication; starts their survey rhythm if they grant surveys.
    pub async fn record_sign_in(&self, sign_in: &SignIn<'_>) -> Result<(), AnalyticsError> {
        let person = [sign_in.person_id.to_string()];
        let counted = self
            .consent
            .granting_among(ANALYTICS_PURPOSE, &person)
            .await?;
        let surveyed = self
            .consent
            .granting_among(SURVEYS_PURPOSE, &person)
            .await?;
        if counted.is_empty() && surveyed.is_empty() {
            return Ok(());
        }
        let Some(secret) = pseudonym::secret_of(&self.db, sign_in.person_id).await? else {
            return Ok(());
        };
        let now = self.clock.now();
        if !surveyed.is_empty() {
            self.seen_signing_in(&secret, now).await?;
        }
        if counted.is_empty() {
            return Ok(());
        }
        let key = crypto::digest_hex(&format!(
            "{}\0{}\0{}",
            sign_in.sid, sign_in.client_id, sign_in.auth_time
        ));
        let login = Accepted {
            event_id: write::new_event_id(),
            client_id: sign_in.client_id.to_string(),
            idempotency_key: key,
            customer_id: sign_in.customer_account_id.to_string(),
            pseudonym: Some(pseudonym::pseudonym(&secret, sign_in.customer_account_id)),
            survey_key: None,
            occurred_at: sign_in.auth_time.min(now),
            received_at: now,
            fact: Fact::Login,
        };
        self.store(vec![login]).await?;
        Ok(())
    }
}

impl SignInRecorder for Analytics {
    fn signed_in<'a>(&'a self, sign_in: SignIn<'a>) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Err(error) = self.record_sign_in(&sign_in).await {
                tracing::error!(error = %crate::web::error_chain(&error), "cannot count a sign-in");
            }
        })
    }
}
