//! The console's words in English and Swedish.

use crate::web::i18n::Locale;

pub struct Words {
    pub console: &'static str,
    pub your_account: &'static str,
    pub customers: &'static str,
    pub persons: &'static str,
    pub clients: &'static str,
    pub keys: &'static str,
    pub audit: &'static str,
    pub nothing_to_administer: &'static str,
}

impl Words {
    pub fn of(locale: Locale) -> &'static Words {
        match locale {
            Locale::En => &EN,
            Locale::Sv => &SV,
        }
    }
}

static EN: Words = Words {
    console: "Administration",
    your_account: "Your account",
    customers: "Customer accounts",
    persons: "People",
    clients: "Applications",
    keys: "Signing keys",
    audit: "Audit log",
    nothing_to_administer: "Your roles do not include any administration.",
};

static SV: Words = Words {
    console: "Administration",
    your_account: "Ditt konto",
    customers: "Kundkonton",
    persons: "Personer",
    clients: "Applikationer",
    keys: "Signeringsnycklar",
    audit: "Granskningslogg",
    nothing_to_administer: "Dina roller omfattar ingen administration.",
};
