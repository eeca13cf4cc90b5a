//! The console's customer health pages' words in English and Swedish. The reasons a
//! signal gives are the analytics service's own and stay in English, as the API says them.

use crate::analytics::calendar::Granularity;
use crate::analytics::event::Touchpoint;
use crate::web::i18n::Locale;

pub struct HealthWords {
    pub title: &'static str,
    pub portfolio_intro: &'static str,
    pub judged_month: &'static str,
    pub account: &'static str,
    pub risk: &'static str,
    pub signals: &'static str,
    pub risk_signals: &'static str,
    pub reference_candidate: &'static str,
    pub not_reference_candidate: &'static str,
    pub people: &'static str,
    pub weighted_use: &'static str,
    pub change: &'static str,
    /// `{n}`: the smallest group a figure is drawn from.
    pub fewer_people: &'static str,
    pub fewer_cases: &'static str,
    pub download_csv: &'static str,
    pub no_accounts: &'static str,
    pub no_signals: &'static str,
    pub version: &'static str,
    pub account_intro: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub granularity: &'static str,
    pub day: &'static str,
    pub week: &'static str,
    pub month: &'static str,
    pub show: &'static str,
    pub activity: &'static str,
    pub engagement: &'static str,
    pub satisfaction: &'static str,
    pub satisfaction_note: &'static str,
    pub period: &'static str,
    pub logins: &'static str,
    pub feature_uses: &'static str,
    pub social: &'static str,
    pub z_score: &'static str,
    pub cases_opened: &'static str,
    pub cases_closed: &'static str,
    pub news_published: &'static str,
    pub median_response: &'static str,
    pub p90_response: &'static str,
    pub no_cases: &'static str,
    pub no_ratings: &'static str,
    pub touchpoint: &'static str,
    pub all_touchpoints: &'static str,
    pub use_chart: &'static str,
    pub use_axis: &'static str,
    pub baseline: &'static str,
    pub nps_chart: &'static str,
    pub csat_chart: &'static str,
    pub signals_month: &'static str,
    pub no_complete_month: &'static str,
    pub account_page: &'static str,
    /// `{n}`: a percentage.
    pub percent: &'static str,
    declining: &'static str,
    unhappy_person: &'static str,
    dormant: &'static str,
    slow_response: &'static str,
    purchase: &'static str,
    delivery: &'static str,
    usage: &'static str,
    support_case: &'static str,
    renewal: &'static str,
    relationship: &'static str,
}

impl HealthWords {
    pub fn of(locale: Locale) -> &'static HealthWords {
        match locale {
            Locale::En => &EN,
            Locale::Sv => &SV,
        }
    }

    /// A signal's rule in words; a rule this page does not know yet keeps its name.
    pub fn rule<'a>(&self, rule: &'a str) -> &'a str {
        match rule {
            "declining" => self.declining,
            "unhappy_person" => self.unhappy_person,
            "dormant" => self.dormant,
            "slow_response" => self.slow_response,
            "reference_candidate" => self.reference_candidate,
            other => other,
        }
    }

    pub fn touchpoint(&self, touchpoint: Touchpoint) -> &'static str {
        match touchpoint {
            Touchpoint::Purchase => self.purchase,
            Touchpoint::Delivery => self.delivery,
            Touchpoint::Use => self.usage,
            Touchpoint::SupportCase => self.support_case,
            Touchpoint::Renewal => self.renewal,
            Touchpoint::Relationship => self.relationship,
        }
    }

    pub fn granularity(&self, granularity: Granularity) -> &'static str {
        match granularity {
            Granularity::Day => self.day,
            Granularity::Week => self.week,
            Granularity::Month => self.month,
        }
    }

    pub fn fewer_people(&self, min: usize) -> String {
        self.fewer_people.replace("{n}", &min.to_string())
    }

    pub fn fewer_cases(&self, min: usize) -> String {
        self.fewer_cases.replace("{n}", &min.to_string())
    }

    pub fn version(&self, version: i64) -> String {
        self.version.replace("{n}", &version.to_string())
    }
}

static EN: HealthWords = HealthWords {
    title: "Customer health",
    portfolio_intro: "Every active customer account, highest churn risk first, judged on its \
                      last complete month against the months before it. Figures drawn from \
                      fewer than {n} people are withheld.",
    judged_month: "Month judged",
    account: "Customer account",
    risk: "Risk",
    signals: "Signals",
    risk_signals: "Risk signals",
    reference_candidate: "Reference candidate",
    not_reference_candidate: "Not a reference candidate this month.",
    people: "People",
    weighted_use: "Weighted use",
    change: "Change",
    fewer_people: "fewer than {n} people",
    fewer_cases: "fewer than {n} cases",
    download_csv: "Download as CSV",
    no_accounts: "No active customer accounts.",
    no_signals: "No signals.",
    version: "version {n}",
    account_intro: "Activity and engagement per period, satisfaction per month. Figures drawn \
                    from fewer than {n} people are withheld, in the charts as hatched gaps.",
    from: "From month",
    to: "To month",
    granularity: "Per",
    day: "Day",
    week: "Week",
    month: "Month",
    show: "Show",
    activity: "Activity",
    engagement: "Engagement",
    satisfaction: "Satisfaction",
    satisfaction_note: "Satisfaction is always reported per month.",
    period: "Period",
    logins: "Sign-ins",
    feature_uses: "Feature uses",
    social: "Likes and comments",
    z_score: "z-score",
    cases_opened: "Cases opened",
    cases_closed: "Cases closed",
    news_published: "News published",
    median_response: "Median first response (h)",
    p90_response: "90th percentile (h)",
    no_cases: "no cases",
    no_ratings: "no ratings",
    touchpoint: "Touchpoint",
    all_touchpoints: "All",
    use_chart: "Weighted feature use per day, with the trend baseline",
    use_axis: "per day",
    baseline: "Baseline",
    nps_chart: "NPS per month",
    csat_chart: "CSAT per month (%)",
    signals_month: "Judged on the month",
    no_complete_month: "The span holds no complete month to judge yet.",
    account_page: "Account page",
    percent: "{n}%",
    declining: "Declining",
    unhappy_person: "Unhappy person",
    dormant: "Dormant",
    slow_response: "Slow response",
    purchase: "Purchase",
    delivery: "Delivery",
    usage: "Use",
    support_case: "Support case",
    renewal: "Renewal",
    relationship: "Relationship",
};

static SV: HealthWords = HealthWords {
    title: "Kundhälsa",
    portfolio_intro: "Alla aktiva kundkonton, högst risk för kundbortfall först, bedömda på \
                      sin senaste hela månad jämfört med månaderna före. Siffror som bygger \
                      på färre än {n} personer visas inte.",
    judged_month: "Bedömd månad",
    account: "Kundkonto",
    risk: "Risk",
    signals: "Signaler",
    risk_signals: "Risksignaler",
    reference_candidate: "Referenskandidat",
    not_reference_candidate: "Ingen referenskandidat den här månaden.",
    people: "Personer",
    weighted_use: "Viktad användning",
    change: "Förändring",
    fewer_people: "färre än {n} personer",
    fewer_cases: "färre än {n} ärenden",
    download_csv: "Ladda ner som CSV",
    no_accounts: "Inga aktiva kundkonton.",
    no_signals: "Inga signaler.",
    version: "version {n}",
    account_intro: "Aktivitet och engagemang per period, nöjdhet per månad. Siffror som \
                    bygger på färre än {n} personer visas inte, i diagrammen som streckade \
                    luckor.",
    from: "Från månad",
    to: "Till månad",
    granularity: "Per",
    day: "Dag",
    week: "Vecka",
    month: "Månad",
    show: "Visa",
    activity: "Aktivitet",
    engagement: "Engagemang",
    satisfaction: "Nöjdhet",
    satisfaction_note: "Nöjdhet redovisas alltid per månad.",
    period: "Period",
    logins: "Inloggningar",
    feature_uses: "Funktionsanvändningar",
    social: "Gillanden och kommentarer",
    z_score: "z-värde",
    cases_opened: "Öppnade ärenden",
    cases_closed: "Stängda ärenden",
    news_published: "Publicerade nyheter",
    median_response: "Median för första svar (h)",
    p90_response: "90:e percentilen (h)",
    no_cases: "inga ärenden",
    no_ratings: "inga betyg",
    touchpoint: "Kontaktpunkt",
    all_touchpoints: "Alla",
    use_chart: "Viktad funktionsanvändning per dag, med trendens baslinje",
    use_axis: "per dag",
    baseline: "Baslinje",
    nps_chart: "NPS per månad",
    csat_chart: "CSAT per månad (%)",
    signals_month: "Bedömd månad",
    no_complete_month: "Perioden innehåller ännu ingen hel månad att bedöma.",
    account_page: "Kontots sida",
    percent: "{n} %",
    declining: "Vikande",
    unhappy_person: "Missnöjd person",
    dormant: "Inaktivt",
    slow_response: "Långsamma svar",
    purchase: "Köp",
    delivery: "Leverans",
    usage: "Användning",
    support_case: "Supportärende",
    renewal: "Förnyelse",
    relationship: "Relation",
};
