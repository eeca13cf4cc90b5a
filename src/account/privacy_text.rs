//! The privacy page's words in English and Swedish.

use crate::consent::{LegalBasis, State};
use crate::web::i18n::Locale;

pub struct PrivacyWords {
    swedish: bool,
    pub title: &'static str,
    pub intro: &'static str,
    pub your_choice: &'static str,
    pub not_decided: &'static str,
    pub outdated: &'static str,
    pub withdraw: &'static str,
    pub grant: &'static str,
    pub refuse: &'static str,
    pub history: &'static str,
    pub no_history: &'static str,
    pub when: &'static str,
    pub purpose: &'static str,
    pub decision: &'static str,
    pub how: &'static str,
    pub receipt: &'static str,
    pub download: &'static str,
    pub apps_title: &'static str,
    pub apps_intro: &'static str,
    pub recorded: &'static str,
    pub back: &'static str,
    pub kept_for_days: &'static str,
    pub interests: &'static str,
    pub data: &'static str,
    pub save_interests: &'static str,
    pub interests_need_consent: &'static str,
}

impl PrivacyWords {
    pub fn of(locale: Locale) -> &'static PrivacyWords {
        match locale {
            Locale::En => &EN,
            Locale::Sv => &SV,
        }
    }

    pub fn basis(&self, basis: LegalBasis) -> &'static str {
        let sv = self.swedish;
        match (basis, sv) {
            (LegalBasis::Consent, false) => "Your consent",
            (LegalBasis::Contract, false) => {
                "Needed for the agreement with your company; not asked"
            }
            (LegalBasis::LegitimateInterest, false) => "Legitimate interest; not asked",
            (LegalBasis::LegalObligation, false) => "Required by law; not asked",
            (LegalBasis::Consent, true) => "Ditt samtycke",
            (LegalBasis::Contract, true) => "Behövs för avtalet med ditt företag; frågas inte",
            (LegalBasis::LegitimateInterest, true) => "Berättigat intresse; frågas inte",
            (LegalBasis::LegalObligation, true) => "Krävs enligt lag; frågas inte",
        }
    }

    pub fn state(&self, state: State) -> &'static str {
        let sv = self.swedish;
        match (state, sv) {
            (State::Granted, false) => "You agreed",
            (State::Refused, false) => "You refused",
            (State::Withdrawn, false) => "You withdrew your consent",
            (State::NotAsked, false) => self.not_decided,
            (State::Outdated, false) => self.outdated,
            (State::Granted, true) => "Du har samtyckt",
            (State::Refused, true) => "Du har avböjt",
            (State::Withdrawn, true) => "Du har återkallat ditt samtycke",
            (State::NotAsked, true) => self.not_decided,
            (State::Outdated, true) => self.outdated,
        }
    }

    /// A decision or method as stored (`granted`, `login_prompt`, …), in words.
    pub fn term(&self, stored: &str) -> &'static str {
        let sv = self.swedish;
        match (stored, sv) {
            ("granted", false) => "agreed",
            ("refused", false) => "refused",
            ("withdrawn", false) => "withdrew",
            ("login_prompt", false) => "when signing in",
            ("account_page", false) => "on this page",
            ("portal_app", false) => "in a portal app",
            ("staff", false) => "recorded by staff",
            ("granted", true) => "samtyckte",
            ("refused", true) => "avböjde",
            ("withdrawn", true) => "återkallade",
            ("login_prompt", true) => "vid inloggning",
            ("account_page", true) => "på den här sidan",
            ("portal_app", true) => "i en portalapp",
            ("staff", true) => "registrerat av personal",
            _ => "",
        }
    }
}

static EN: PrivacyWords = PrivacyWords {
    swedish: false,
    title: "Privacy",
    intro: "What your personal data is used for, on what grounds, and your choices. \
            Withdrawing is as easy as agreeing, and takes effect at once.",
    your_choice: "Your choice",
    not_decided: "You have not decided",
    outdated: "The text has changed since you decided: decide again",
    withdraw: "Withdraw consent",
    grant: "Agree",
    refuse: "Refuse",
    history: "Your decisions",
    no_history: "You have not decided on anything yet.",
    when: "When",
    purpose: "Purpose",
    decision: "Decision",
    how: "How",
    receipt: "Receipt",
    download: "Download",
    apps_title: "Apps that received your data",
    apps_intro: "The portal apps you allowed or signed in to, what they may see, and when \
                 they last did. End an app's access on your account page.",
    recorded: "Your choice was saved.",
    back: "Back to your account",
    kept_for_days: "Kept for {days} days",
    interests: "The news that interest you",
    data: "Data used",
    save_interests: "Save topics",
    interests_need_consent: "Agree to news chosen for you to pick topics.",
};

static SV: PrivacyWords = PrivacyWords {
    swedish: true,
    title: "Integritet",
    intro: "Vad dina personuppgifter används till, med vilket stöd, och dina val. Att \
            återkalla är lika enkelt som att samtycka och gäller direkt.",
    your_choice: "Ditt val",
    not_decided: "Du har inte bestämt dig",
    outdated: "Texten har ändrats sedan du bestämde dig: bestäm igen",
    withdraw: "Återkalla samtycke",
    grant: "Samtyck",
    refuse: "Avböj",
    history: "Dina beslut",
    no_history: "Du har inte bestämt något ännu.",
    when: "När",
    purpose: "Ändamål",
    decision: "Beslut",
    how: "Hur",
    receipt: "Kvitto",
    download: "Ladda ner",
    apps_title: "Appar som fått dina uppgifter",
    apps_intro: "Portalapparna du har tillåtit eller loggat in i, vad de får se och när de \
                 senast gjorde det. Avsluta en apps åtkomst på din kontosida.",
    recorded: "Ditt val är sparat.",
    back: "Tillbaka till ditt konto",
    kept_for_days: "Sparas i {days} dagar",
    interests: "Nyheterna som intresserar dig",
    data: "Uppgifter som används",
    save_interests: "Spara ämnen",
    interests_need_consent: "Samtyck till utvalda nyheter för att välja ämnen.",
};
