//! The story `trohet demo generate` tells, day by day, without the database: who signs
//! in and uses what, who rates what and how, which cases staff answer how fast.

use super::{Account, Member, Mood, Plan, account, features};
use crate::analytics::calendar::{DAY, day_start};
use crate::analytics::event::{Fact, Rating, RatingKind, SocialAction, Touchpoint};
use crate::analytics::policy::AnalyticsPolicy;
use crate::analytics::write::Accepted;
use crate::clock::UnixTime;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

/// The client the generated events are filed under.
pub const CLIENT: &str = "demo-portal";
/// How far back drifting accounts start to drift.
const DRIFT_SECS: i64 = 105 * DAY;
const HOUR: i64 = 3_600;

/// The generator's state while it walks the days.
pub struct Story {
    rng: StdRng,
    now: UnixTime,
    csat_scale: i64,
    features: Vec<(String, i64, f64)>,
    accounts: Vec<Account>,
    count: u64,
    /// Events that happen on a later day (a case answered tomorrow), by day.
    later: BTreeMap<UnixTime, Vec<Accepted>>,
    day: UnixTime,
    events: Vec<Accepted>,
}

impl Story {
    /// The story of these customer accounts from the day `start` to `now`.
    pub fn new(
        policy: &AnalyticsPolicy,
        customers: &[String],
        plan: &Plan,
        start: UnixTime,
        now: UnixTime,
    ) -> Story {
        let mut rng = StdRng::seed_from_u64(plan.seed);
        let accounts = customers
            .iter()
            .enumerate()
            .map(|(index, id)| account(&mut rng, index, id, plan.people))
            .collect();
        Story {
            rng,
            now,
            csat_scale: policy.csat_scale,
            features: features(policy),
            accounts,
            count: 0,
            later: BTreeMap::new(),
            day: day_start(start),
            events: Vec::new(),
        }
    }

    pub fn people(&self) -> usize {
        self.accounts.iter().map(|a| a.members.len()).sum()
    }

    /// The next day's events, oldest first; `None` once today is told.
    pub fn next_day(&mut self) -> Option<Vec<Accepted>> {
        if self.day > self.now {
            return None;
        }
        self.events = self.later.remove(&self.day).unwrap_or_default();
        let accounts = std::mem::take(&mut self.accounts);
        for account in &accounts {
            self.account_day(account);
        }
        self.accounts = accounts;
        let mut events = std::mem::take(&mut self.events);
        events.retain(|e| e.occurred_at <= self.now);
        events.sort_by_key(|e| e.occurred_at);
        self.day += DAY;
        Some(events)
    }

    fn account_day(&mut self, account: &Account) {
        // How far into its drift a drifting account is (0 before, 1 now).
        let drift = match account.mood {
            Mood::Drifting => {
                ((self.day - (self.now - DRIFT_SECS)) as f64 / DRIFT_SECS as f64).clamp(0.0, 1.0)
            }
            _ => 0.0,
        };
        let happiness = match account.mood {
            Mood::Promoter => 0.95,
            _ => 0.78 - 0.38 * drift,
        };
        let weekday = (self.day / DAY + 3) % 7 < 5;
        let (_, month, _) = crate::clock::civil_date(self.day);
        let season = match month {
            7 => 0.75,
            12 => 0.85,
            _ => 1.0,
        };
        let level = season * (1.0 - 0.7 * drift) * if weekday { 0.45 } else { 0.06 };
        for member in &account.members {
            let happiness = match member.unhappy && drift > 0.0 {
                true => 0.0,
                false => happiness,
            };
            self.member_day(account, member, level * member.zeal, happiness);
        }
        if weekday {
            self.staff_day(account, drift, happiness);
        }
    }

    fn member_day(&mut self, account: &Account, member: &Member, level: f64, happiness: f64) {
        let unhappy = happiness <= 0.0;
        // The relationship NPS, asked account by account each quarter; the unhappy answer
        // whenever asked.
        let quarter_day = (self.day / DAY + member.nps_day) % 91;
        let asked = quarter_day == 0 || unhappy && quarter_day % 30 == 0;
        if asked && (unhappy || self.rng.gen_bool(0.75)) {
            let at = self.working_time();
            let kind = (RatingKind::Nps, Touchpoint::Relationship);
            self.rate(account, member, at, kind, happiness);
        }
        // Deliveries arrive (and are rated) whether or not anyone signs in.
        let weekday = (self.day / DAY + 3) % 7 < 5;
        if weekday && self.rng.gen_bool(if unhappy { 0.25 } else { 0.05 }) {
            let touchpoint = match self.rng.gen_range(0..10) {
                0..=6 => Touchpoint::Delivery,
                7..=8 => Touchpoint::Purchase,
                _ => Touchpoint::Renewal,
            };
            let at = self.working_time();
            self.rate(
                account,
                member,
                at,
                (RatingKind::Csat, touchpoint),
                happiness,
            );
        }
        if !self.rng.gen_bool(level.min(1.0)) {
            return;
        }
        let at = self.working_time();
        self.push(account, Some(member), at, Fact::Login);
        for _ in 0..self.rng.gen_range(1..=4) {
            let (feature, weight) = self.feature();
            let later = at + self.rng.gen_range(0..1_800);
            self.push(
                account,
                Some(member),
                later,
                Fact::FeatureUsed { feature, weight },
            );
        }
        if self.rng.gen_bool(0.12) {
            let action = match self.rng.gen_bool(0.7) {
                true => SocialAction::Like,
                false => SocialAction::Comment,
            };
            self.push(account, Some(member), at + 600, Fact::Social { action });
        }
        if self.rng.gen_bool(0.04) {
            let kind = (RatingKind::Csat, Touchpoint::Use);
            self.rate(account, member, at + 900, kind, happiness);
        }
    }

    /// Cases opened, answered and closed, and news published, by the portal owner's staff.
    fn staff_day(&mut self, account: &Account, drift: f64, happiness: f64) {
        let people = account.members.len() as f64;
        if self
            .rng
            .gen_bool((0.02 * people * (1.0 + 0.5 * drift)).min(0.9))
        {
            let case_id = format!("C-{:016x}", self.rng.r#gen::<u64>());
            let opened = self.working_time();
            let hours = match drift > 0.3 {
                true => self.rng.gen_range(12.0..60.0),
                false if self.rng.gen_bool(0.15) => self.rng.gen_range(8.0..40.0),
                false => self.rng.gen_range(0.5..8.0),
            };
            let answered = opened + (hours * HOUR as f64) as i64;
            let closed = answered + self.rng.gen_range(4 * HOUR..96 * HOUR);
            let id = case_id.clone();
            self.push(
                account,
                None,
                opened,
                Fact::CaseOpened {
                    case_id: id.clone(),
                },
            );
            self.push(
                account,
                None,
                answered,
                Fact::CaseFirstResponse {
                    case_id: id.clone(),
                },
            );
            self.push(account, None, closed, Fact::CaseClosed { case_id: id });
            let rater = &account.members[self.rng.gen_range(0..account.members.len())];
            let kind = match self.rng.gen_bool(0.6) {
                true => RatingKind::Ces,
                false => RatingKind::Csat,
            };
            let at = closed + self.rng.gen_range(HOUR..24 * HOUR);
            self.rate(
                account,
                rater,
                at,
                (kind, Touchpoint::SupportCase),
                happiness,
            );
        }
        if self.rng.gen_bool(3.0 / 22.0) {
            let item_id = Some(format!("news-{:08x}", self.rng.r#gen::<u32>()));
            let at = self.working_time();
            self.push(account, None, at, Fact::NewsPublished { item_id });
        }
    }

    /// A rating by `member`; `happiness` is the chance it is a good one (0: the
    /// chronically unhappy, whose every rating is negative).
    fn rate(
        &mut self,
        account: &Account,
        member: &Member,
        at: UnixTime,
        (kind, touchpoint): (RatingKind, Touchpoint),
        happiness: f64,
    ) {
        let unhappy = happiness <= 0.0;
        let happy = self.rng.gen_bool(happiness);
        let s = self.csat_scale;
        let (scale, score) = match (kind, happy, unhappy) {
            (RatingKind::Csat, true, _) => (s, self.rng.gen_range(s - 1..=s)),
            (RatingKind::Csat, false, true) => (s, self.rng.gen_range(1..=s.min(4) - 2)),
            (RatingKind::Csat, false, false) => (s, self.rng.gen_range(1..=s - 2)),
            (RatingKind::Ces, true, _) => (7, self.rng.gen_range(5..=7)),
            (RatingKind::Ces, false, true) => (7, self.rng.gen_range(1..=3)),
            (RatingKind::Ces, false, false) => (7, self.rng.gen_range(1..=4)),
            (RatingKind::Nps, _, true) => (10, self.rng.gen_range(0..=4)),
            (RatingKind::Nps, _, false) => {
                let draw: f64 = self.rng.r#gen();
                let score = match draw {
                    d if d < happiness - 0.35 => self.rng.gen_range(9..=10),
                    d if d < 1.0 - (1.0 - happiness) * 0.6 => self.rng.gen_range(7..=8),
                    _ => self.rng.gen_range(0..=6),
                };
                (10, score)
            }
        };
        let item_id = (touchpoint == Touchpoint::Delivery)
            .then(|| format!("D-{:08x}", self.rng.r#gen::<u32>()));
        let rating = Rating {
            kind,
            scale,
            score,
            touchpoint,
            item_id,
            answer: None,
        };
        self.push(account, Some(member), at, Fact::Rating(rating));
    }

    fn feature(&mut self) -> (String, i64) {
        let mut draw: f64 = self.rng.r#gen();
        for (name, weight, share) in &self.features {
            if draw < *share {
                return (name.clone(), *weight);
            }
            draw -= share;
        }
        let last = self.features.last();
        last.map_or((String::new(), 0), |(name, weight, _)| {
            (name.clone(), *weight)
        })
    }

    /// A moment in today's working hours (07:00–18:00 UTC).
    fn working_time(&mut self) -> UnixTime {
        self.day + self.rng.gen_range(7 * HOUR..18 * HOUR)
    }

    fn push(&mut self, account: &Account, member: Option<&Member>, at: UnixTime, fact: Fact) {
        self.count += 1;
        let event_id = crate::analytics::write::new_event_id();
        let event = Accepted {
            idempotency_key: event_id.clone(),
            event_id,
            client_id: CLIENT.into(),
            customer_id: account.id.clone(),
            pseudonym: member.map(|m| m.pseudonym.clone()),
            survey_key: matches!(fact, Fact::Rating(_))
                .then(|| member.map(|m| m.survey_key.clone()))
                .flatten(),
            occurred_at: at,
            received_at: self.now,
            fact,
        };
        match day_start(at) > self.day {
            true => self.later.entry(day_start(at)).or_default().push(event),
            false => self.events.push(event),
        }
    }
}
