//! The events portal apps send, and checking one without the database: each event of a
//! batch is read on its own, so that one bad event is refused with its reason while the
//! rest are counted.

use super::policy::AnalyticsPolicy;
use crate::clock::{self, UnixTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How far in the future an event's time may be (clocks of portal apps drift).
pub const FUTURE_SKEW_SECS: i64 = 300;
const MAX_KEY_CHARS: usize = 128;
const MAX_ID_CHARS: usize = 128;
pub const MAX_ANSWER_CHARS: usize = 2000;

/// One event as a portal app sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncomingEvent {
    /// Unique per client: a retried event (same key, same `occurred_at`) is counted once.
    /// Time-ordered keys (UUIDv7, ULID) are the fastest to check.
    pub idempotency_key: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The person as this client knows them. Required for `feature_used`, `rating` and
    /// `social`; never sent for staff engagement events, which are about the account.
    pub sub: Option<String>,
    /// The customer account the event happened in.
    pub customer_id: String,
    /// RFC 3339; at most 5 minutes in the future.
    pub occurred_at: String,
    /// `feature_used`: a feature declared in policies/analytics.toml.
    pub feature: Option<String>,
    /// `rating`: csat (on the scale of policies/analytics.toml), nps (0–10) or ces (1–7).
    pub kind: Option<RatingKind>,
    pub score: Option<i64>,
    /// `rating` of kind csat: if sent, must equal the configured scale (3, 5 or 7).
    pub scale: Option<i64>,
    /// `rating`: where along the customer journey.
    pub touchpoint: Option<Touchpoint>,
    /// `rating`: the rated thing (a delivery, a case); `news_published`: the article.
    pub item_id: Option<String>,
    /// `rating`: the free-text answer to the open question. Stored with the pseudonym
    /// only, never in any figure, deleted on erasure.
    pub answer: Option<String>,
    /// `social`: like or comment.
    pub action: Option<SocialAction>,
    /// `case_opened`, `case_first_response`, `case_closed`: the case as the app knows it.
    pub case_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    FeatureUsed,
    Rating,
    Social,
    CaseOpened,
    CaseFirstResponse,
    CaseClosed,
    NewsPublished,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RatingKind {
    Csat,
    Nps,
    Ces,
}

impl RatingKind {
    pub const ALL: [RatingKind; 3] = [RatingKind::Csat, RatingKind::Nps, RatingKind::Ces];

    pub fn as_str(self) -> &'static str {
        match self {
            RatingKind::Csat => "csat",
            RatingKind::Nps => "nps",
            RatingKind::Ces => "ces",
        }
    }

    pub fn parse(text: &str) -> Option<RatingKind> {
        RatingKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The lowest score of the kind's scale.
    fn lowest(self) -> i64 {
        match self {
            RatingKind::Nps => 0,
            _ => 1,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Touchpoint {
    Purchase,
    Delivery,
    Use,
    SupportCase,
    Renewal,
    Relationship,
}

impl Touchpoint {
    pub const ALL: [Touchpoint; 6] = [
        Touchpoint::Purchase,
        Touchpoint::Delivery,
        Touchpoint::Use,
        Touchpoint::SupportCase,
        Touchpoint::Renewal,
        Touchpoint::Relationship,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Touchpoint::Purchase => "purchase",
            Touchpoint::Delivery => "delivery",
            Touchpoint::Use => "use",
            Touchpoint::SupportCase => "support_case",
            Touchpoint::Renewal => "renewal",
            Touchpoint::Relationship => "relationship",
        }
    }

    pub fn parse(text: &str) -> Option<Touchpoint> {
        Touchpoint::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SocialAction {
    Like,
    Comment,
}

/// What happened, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    /// Recorded by trohet itself when a person signs in to a portal app.
    Login,
    FeatureUsed {
        feature: String,
        weight: i64,
    },
    Rating(Rating),
    Social {
        action: SocialAction,
    },
    CaseOpened {
        case_id: String,
    },
    CaseFirstResponse {
        case_id: String,
    },
    CaseClosed {
        case_id: String,
    },
    NewsPublished {
        item_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub kind: RatingKind,
    pub scale: i64,
    pub score: i64,
    pub touchpoint: Touchpoint,
    pub item_id: Option<String>,
    pub answer: Option<String>,
}

/// Negative, for the "unhappy person" signal: CSAT in the bottom two points, NPS 0–6
/// (a detractor), CES 1–3 (hard to get it done).
pub fn negative(kind: RatingKind, scale: i64, score: i64) -> bool {
    match kind {
        RatingKind::Csat => score <= 2 && scale > 3 || scale == 3 && score == 1,
        RatingKind::Nps => score <= 6,
        RatingKind::Ces => score <= 3,
    }
}

impl Fact {
    /// The consent purpose a person must grant for the event to be kept; `None` for
    /// staff engagement, which is about the account and carries no person.
    pub fn purpose(&self) -> Option<&'static str> {
        match self {
            Fact::Login | Fact::FeatureUsed { .. } | Fact::Social { .. } => {
                Some(super::ANALYTICS_PURPOSE)
            }
            Fact::Rating(_) => Some(super::SURVEYS_PURPOSE),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Fact::Login => "login",
            Fact::FeatureUsed { .. } => "feature_used",
            Fact::Rating(_) => "rating",
            Fact::Social { .. } => "social",
            Fact::CaseOpened { .. } => "case_opened",
            Fact::CaseFirstResponse { .. } => "case_first_response",
            Fact::CaseClosed { .. } => "case_closed",
            Fact::NewsPublished { .. } => "news_published",
        }
    }
}

/// An event that passed the checks that need no database.
#[derive(Debug, Clone)]
pub struct Checked {
    pub idempotency_key: String,
    pub sub: Option<String>,
    pub customer_id: String,
    pub occurred_at: UnixTime,
    pub fact: Fact,
}

/// Reads and checks one event; the error is the reason to give the app.
pub fn check(
    value: serde_json::Value,
    policy: &AnalyticsPolicy,
    now: UnixTime,
    oldest: UnixTime,
) -> Result<Checked, String> {
    let event: IncomingEvent =
        serde_json::from_value(value).map_err(|e| format!("malformed event: {e}"))?;
    bounded("idempotency_key", &event.idempotency_key, MAX_KEY_CHARS)?;
    bounded("customer_id", &event.customer_id, MAX_ID_CHARS)?;
    let occurred_at = clock::parse_rfc3339(&event.occurred_at)
        .ok_or("occurred_at must be an RFC 3339 time such as 2026-11-26T09:30:00Z")?;
    if occurred_at > now + FUTURE_SKEW_SECS {
        return Err("occurred_at is in the future".into());
    }
    if occurred_at < oldest {
        return Err(
            "occurred_at is older than raw events are kept (policies/retention.toml)".into(),
        );
    }
    let about_person = matches!(
        event.event_type,
        EventType::FeatureUsed | EventType::Rating | EventType::Social
    );
    match (&event.sub, about_person) {
        (None, true) => return Err("sub is required for this type".into()),
        (Some(_), false) => {
            return Err(
                "staff engagement events are about the customer account: send no sub".into(),
            );
        }
        (Some(sub), true) => bounded("sub", sub, 255)?,
        (None, false) => {}
    }
    let fact = fact_of(&event, policy)?;
    Ok(Checked {
        idempotency_key: event.idempotency_key,
        sub: event.sub,
        customer_id: event.customer_id,
        occurred_at,
        fact,
    })
}

fn fact_of(event: &IncomingEvent, policy: &AnalyticsPolicy) -> Result<Fact, String> {
    let case_id = || -> Result<String, String> {
        let id = event
            .case_id
            .clone()
            .ok_or("case_id is required for this type")?;
        bounded("case_id", &id, MAX_ID_CHARS)?;
        Ok(id)
    };
    Ok(match event.event_type {
        EventType::FeatureUsed => {
            let feature = event
                .feature
                .clone()
                .ok_or("feature is required for feature_used")?;
            let weight = policy.weight(&feature).ok_or_else(|| {
                format!("unknown feature `{feature}` (not in policies/analytics.toml)")
            })?;
            Fact::FeatureUsed { feature, weight }
        }
        EventType::Rating => Fact::Rating(rating_of(event, policy)?),
        EventType::Social => Fact::Social {
            action: event
                .action
                .ok_or("action (like or comment) is required for social")?,
        },
        EventType::CaseOpened => Fact::CaseOpened {
            case_id: case_id()?,
        },
        EventType::CaseFirstResponse => Fact::CaseFirstResponse {
            case_id: case_id()?,
        },
        EventType::CaseClosed => Fact::CaseClosed {
            case_id: case_id()?,
        },
        EventType::NewsPublished => Fact::NewsPublished {
            item_id: optional_id(&event.item_id)?,
        },
    })
}

fn rating_of(event: &IncomingEvent, policy: &AnalyticsPolicy) -> Result<Rating, String> {
    let kind = event
        .kind
        .ok_or("kind (csat, nps or ces) is required for rating")?;
    let score = event.score.ok_or("score is required for rating")?;
    let touchpoint = event
        .touchpoint
        .ok_or("touchpoint is required for rating")?;
    let scale = match kind {
        RatingKind::Csat => policy.csat_scale,
        RatingKind::Nps => 10,
        RatingKind::Ces => 7,
    };
    if let Some(sent) = event.scale
        && sent != scale
    {
        return Err(format!(
            "{} is rated on a scale to {scale} here, not {sent}",
            kind.as_str()
        ));
    }
    if !(kind.lowest()..=scale).contains(&score) {
        return Err(format!(
            "a {} score must be {} to {scale}, not {score}",
            kind.as_str(),
            kind.lowest()
        ));
    }
    let answer = match &event.answer {
        Some(text) if text.chars().count() > MAX_ANSWER_CHARS => {
            return Err(format!(
                "answer is longer than {MAX_ANSWER_CHARS} characters"
            ));
        }
        Some(text) if text.trim().is_empty() => None,
        other => other.clone(),
    };
    Ok(Rating {
        kind,
        scale,
        score,
        touchpoint,
        item_id: optional_id(&event.item_id)?,
        answer,
    })
}

fn optional_id(id: &Option<String>) -> Result<Option<String>, String> {
    if let Some(id) = id {
        bounded("item_id", id, MAX_ID_CHARS)?;
    }
    Ok(id.clone())
}

fn bounded(name: &str, value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() || value.chars().count() > max {
        return Err(format!("{name} must be 1 to {max} characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy() -> AnalyticsPolicy {
        let text = std::fs::read_to_string("policies/analytics.toml").unwrap();
        AnalyticsPolicy::parse("analytics.toml", &text).unwrap()
    }

    const NOW: i64 = 1_800_000_000;

    fn checked(value: serde_json::Value) -> Result<Checked, String> {
        check(value, &policy(), NOW, NOW - 86_400 * 396)
    }

    fn rating(kind: &str, score: i64) -> serde_json::Value {
        json!({"idempotency_key": "k", "type": "rating", "sub": "s", "customer_id": "c",
               "occurred_at": clock::rfc3339(NOW), "kind": kind, "score": score,
               "touchpoint": "delivery"})
    }

    #[test]
    fn scores_outside_their_scale_are_refused_with_the_scale() {
        assert!(checked(rating("nps", 10)).is_ok());
        assert!(checked(rating("nps", 0)).is_ok());
        assert!(checked(rating("nps", 11)).unwrap_err().contains("0 to 10"));
        assert!(checked(rating("csat", 6)).unwrap_err().contains("1 to 5"));
        assert!(checked(rating("ces", 0)).unwrap_err().contains("1 to 7"));
    }

    #[test]
    fn a_feature_not_in_the_policy_is_refused() {
        let event = json!({"idempotency_key": "k", "type": "feature_used", "sub": "s",
            "customer_id": "c", "occurred_at": clock::rfc3339(NOW), "feature": "teleport"});
        assert!(checked(event).unwrap_err().contains("unknown feature"));
    }

    #[test]
    fn times_too_far_ahead_or_behind_are_refused() {
        let mut event = rating("nps", 9);
        event["occurred_at"] = json!(clock::rfc3339(NOW + 600));
        assert!(checked(event.clone()).unwrap_err().contains("future"));
        event["occurred_at"] = json!(clock::rfc3339(NOW + 60));
        assert!(checked(event.clone()).is_ok());
        event["occurred_at"] = json!(clock::rfc3339(NOW - 86_400 * 400));
        assert!(checked(event).unwrap_err().contains("older"));
    }

    #[test]
    fn staff_engagement_carries_no_person() {
        let event = json!({"idempotency_key": "k", "type": "case_opened", "sub": "s",
            "customer_id": "c", "occurred_at": clock::rfc3339(NOW), "case_id": "C-1"});
        assert!(checked(event).unwrap_err().contains("send no sub"));
    }

    #[test]
    fn negative_ratings_are_the_bottom_of_each_scale() {
        assert!(negative(RatingKind::Csat, 5, 2));
        assert!(!negative(RatingKind::Csat, 5, 3));
        assert!(negative(RatingKind::Csat, 3, 1));
        assert!(!negative(RatingKind::Csat, 3, 2));
        assert!(negative(RatingKind::Nps, 10, 6));
        assert!(!negative(RatingKind::Nps, 10, 7));
        assert!(negative(RatingKind::Ces, 7, 3));
    }
}
