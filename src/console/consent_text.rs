//! The console's consent pages' words in English and Swedish.

use crate::web::i18n::Locale;

pub struct ConsentWords {
    pub title: &'static str,
    pub intro: &'static str,
    pub purpose: &'static str,
    pub granted: &'static str,
    pub refused: &'static str,
    pub withdrawn: &'static str,
    pub outdated: &'static str,
    pub fewer_than: &'static str,
    pub person_title: &'static str,
    pub state: &'static str,
    pub not_asked: &'static str,
    pub not_decided: &'static str,
    pub history: &'static str,
    pub when: &'static str,
    pub decision: &'static str,
    pub method: &'static str,
    pub version: &'static str,
    pub note: &'static str,
    pub receipt: &'static str,
    pub record: &'static str,
    pub record_intro: &'static str,
    pub language: &'static str,
    pub recorded: &'static str,
    pub consents_link: &'static str,
}

impl ConsentWords {
    pub fn of(locale: Locale) -> &'static ConsentWords {
        match locale {
            Locale::En => &EN,
            Locale::Sv => &SV,
        }
    }
}

static EN: ConsentWords = ConsentWords {
    title: "Consent",
    intro: "How many people stand where on each purpose right now. Counts drawn from fewer \
            than five people are withheld.",
    purpose: "Purpose",
    granted: "Granted",
    refused: "Refused",
    withdrawn: "Withdrawn",
    outdated: "Text changed since",
    fewer_than: "fewer than {n}",
    person_title: "Consent decisions",
    state: "Now",
    not_asked: "shown, not asked",
    not_decided: "not decided",
    history: "History",
    when: "When",
    decision: "Decision",
    method: "How",
    version: "Text version",
    note: "Note",
    receipt: "Receipt",
    record: "Record a decision",
    record_intro: "A decision the person gave on paper or by phone. Say in the note where it \
                   is kept.",
    language: "Language of the text",
    recorded: "The decision was recorded.",
    consents_link: "Consent decisions",
};

static SV: ConsentWords = ConsentWords {
    title: "Samtycken",
    intro: "Hur många personer som står var i varje ändamål just nu. Antal från färre än fem \
            personer visas inte.",
    purpose: "Ändamål",
    granted: "Samtyckt",
    refused: "Avböjt",
    withdrawn: "Återkallat",
    outdated: "Texten ändrad sedan",
    fewer_than: "färre än {n}",
    person_title: "Samtyckesbeslut",
    state: "Nu",
    not_asked: "visas, frågas inte",
    not_decided: "inte bestämt",
    history: "Historik",
    when: "När",
    decision: "Beslut",
    method: "Hur",
    version: "Textversion",
    note: "Anteckning",
    receipt: "Kvitto",
    record: "Registrera ett beslut",
    record_intro: "Ett beslut som personen lämnat på papper eller per telefon. Skriv i \
                   anteckningen var det förvaras.",
    language: "Textens språk",
    recorded: "Beslutet är registrerat.",
    consents_link: "Samtyckesbeslut",
};
