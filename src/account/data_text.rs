//! The words of "Your data" and "Delete my account" in English and Swedish.

use crate::clock::{UnixTime, date_text};
use crate::web::i18n::Locale;

pub struct DataWords {
    pub your_data: &'static str,
    pub your_data_intro: &'static str,
    pub download: &'static str,
    pub confirm_title: &'static str,
    pub confirm_intro: &'static str,
    pub wrong_password: &'static str,
    pub delete_title: &'static str,
    delete_intro: &'static str,
    pub what_goes: &'static str,
    pub gone: &'static [&'static str],
    pub what_stays: &'static str,
    pub kept: &'static [&'static str],
    when: &'static str,
    pub confirm_delete: &'static str,
    pub delete_button: &'static str,
    pub cancel: &'static str,
    scheduled: &'static str,
    pub scheduled_more: &'static str,
    pub keep: &'static str,
    pub account_kept: &'static str,
    pub held_title: &'static str,
    pub held_intro: &'static str,
    pub held_contact: &'static str,
}

impl DataWords {
    pub fn of(locale: Locale) -> &'static DataWords {
        match locale {
            Locale::En => &EN,
            Locale::Sv => &SV,
        }
    }

    /// The privacy page's lead into deleting the account.
    pub fn delete_intro(&self, days: i64) -> String {
        self.delete_intro.replace("{days}", &days.to_string())
    }

    /// When a deletion asked for now would happen, and how to stop it.
    pub fn when(&self, days: i64, at: UnixTime) -> String {
        self.when
            .replace("{days}", &days.to_string())
            .replace("{date}", &date_text(at))
    }

    /// "Your account will be deleted on …".
    pub fn scheduled(&self, at: UnixTime) -> String {
        self.scheduled.replace("{date}", &date_text(at))
    }
}

static EN: DataWords = DataWords {
    your_data: "Your data",
    your_data_intro: "Download everything held about you: a zip with your data in a \
                      machine-readable form (data.json) and a readable summary (index.html).",
    download: "Download my data",
    confirm_title: "Confirm that it is you",
    confirm_intro: "You signed in more than five minutes ago. Enter your password again \
                    to download your data.",
    wrong_password: "That is not your password.",
    delete_title: "Delete my account",
    delete_intro: "Your account and the data about you are deleted {days} days after you \
                   ask; until then you can change your mind.",
    what_goes: "What is deleted",
    gone: &[
        "Your profile: name, e-mail address, language and password.",
        "Your memberships in customer accounts, and your roles.",
        "Your sessions: you are signed out everywhere.",
        "The apps' access to your data, and what you allowed each app.",
        "Your news topics.",
        "The apps that received your data are told, so that they delete it too.",
    ],
    what_stays: "What the law makes us keep",
    kept: &[
        "An anonymous record that your request was received and handled.",
        "Your consent decisions, anonymously, as proof of what was agreed.",
        "The audit log, which then names no one.",
    ],
    when: "Your account is deleted on {date}, {days} days from now. If you sign in before \
           then, you are offered to keep it.",
    confirm_delete: "Enter your password to confirm.",
    delete_button: "Delete my account",
    cancel: "Cancel",
    scheduled: "Your account will be deleted on {date}.",
    scheduled_more: "Nothing has been deleted yet: until then you can keep your account.",
    keep: "Keep my account",
    account_kept: "Your account is kept; the deletion was cancelled.",
    held_title: "Your account cannot be deleted now",
    held_intro: "Your data must be kept for a legal reason (GDPR Art. 17(3)):",
    held_contact: "Questions? Contact",
};

static SV: DataWords = DataWords {
    your_data: "Dina uppgifter",
    your_data_intro: "Ladda ner allt som finns om dig: en zip-fil med dina uppgifter i \
                      maskinläsbar form (data.json) och en läsbar sammanfattning (index.html).",
    download: "Ladda ner mina uppgifter",
    confirm_title: "Bekräfta att det är du",
    confirm_intro: "Du loggade in för mer än fem minuter sedan. Ange ditt lösenord igen för \
                    att ladda ner dina uppgifter.",
    wrong_password: "Det är inte ditt lösenord.",
    delete_title: "Radera mitt konto",
    delete_intro: "Ditt konto och uppgifterna om dig raderas {days} dagar efter att du ber \
                   om det; fram till dess kan du ångra dig.",
    what_goes: "Det här raderas",
    gone: &[
        "Din profil: namn, e-postadress, språk och lösenord.",
        "Dina medlemskap i kundkonton, och dina roller.",
        "Dina sessioner: du loggas ut överallt.",
        "Apparnas åtkomst till dina uppgifter, och vad du har tillåtit varje app.",
        "Dina nyhetsämnen.",
        "Apparna som fått dina uppgifter meddelas, så att de också raderar dem.",
    ],
    what_stays: "Det här måste vi spara enligt lag",
    kept: &[
        "En anonym uppgift om att din begäran kom in och hanterades.",
        "Dina samtyckesbeslut, anonymt, som bevis på vad som godkändes.",
        "Granskningsloggen, som då inte namnger någon.",
    ],
    when: "Ditt konto raderas den {date}, om {days} dagar. Om du loggar in före dess får du \
           välja att behålla det.",
    confirm_delete: "Ange ditt lösenord för att bekräfta.",
    delete_button: "Radera mitt konto",
    cancel: "Avbryt",
    scheduled: "Ditt konto raderas den {date}.",
    scheduled_more: "Inget har raderats ännu: fram till dess kan du behålla ditt konto.",
    keep: "Behåll mitt konto",
    account_kept: "Ditt konto behålls; raderingen är avbruten.",
    held_title: "Ditt konto kan inte raderas nu",
    held_intro: "Dina uppgifter måste sparas av ett rättsligt skäl (GDPR artikel 17.3):",
    held_contact: "Frågor? Kontakta",
};
