//! The languages our pages speak: English and Swedish, chosen by `ui_locales` first
//! (OIDC Core §3.1.2.1), then `Accept-Language`, then English.

use axum::http::{HeaderMap, header};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
    Sv,
}

impl Locale {
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Sv => "sv",
        }
    }

    fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag
            .trim()
            .split(['-', '_', ';'])
            .next()?
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "sv" => Some(Locale::Sv),
            _ => None,
        }
    }

    /// The language of a stored locale tag (a person's, an invitation's), English when
    /// unknown.
    pub fn of_tag(tag: Option<&str>) -> Locale {
        tag.and_then(Locale::from_tag).unwrap_or(Locale::En)
    }

    /// The language of a signed-in person's pages: their own choice if they made one,
    /// otherwise what the browser prefers.
    pub fn for_person(stored: Option<&str>, headers: &HeaderMap) -> Locale {
        stored
            .and_then(Locale::from_tag)
            .unwrap_or_else(|| Locale::choose(None, headers))
    }

    pub fn choose(ui_locales: Option<&str>, headers: &HeaderMap) -> Locale {
        if let Some(locale) = ui_locales.and_then(|l| l.split(' ').find_map(Locale::from_tag)) {
            return locale;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(preferred)
            .unwrap_or(Locale::En)
    }

    pub fn text(self) -> &'static Text {
        match self {
            Locale::En => &EN,
            Locale::Sv => &SV,
        }
    }
}

/// The highest-weighted supported language of an Accept-Language header.
fn preferred(accept_language: &str) -> Option<Locale> {
    accept_language
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let locale = Locale::from_tag(parts.next()?)?;
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((locale, weight))
        })
        .filter(|(_, weight)| *weight > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(locale, _)| locale)
}

pub struct Text {
    pub sign_in: &'static str,
    pub sign_in_to: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub wrong_credentials: &'static str,
    pub form_expired: &'static str,
    pub choose_account: &'static str,
    pub choose_account_intro: &'static str,
    pub consent_title: &'static str,
    pub consent_intro: &'static str,
    /// When the person allowed the client some scopes before: it now asks for more.
    pub consent_more: &'static str,
    pub allow: &'static str,
    pub deny: &'static str,
    /// The page after login that asks about purposes (GDPR Art. 7).
    pub choices_title: &'static str,
    pub choices_intro: &'static str,
    pub choices_changed: &'static str,
    pub accept: &'static str,
    pub refuse: &'static str,
    pub save_choices: &'static str,
    pub decide_later: &'static str,
    pub your_account: &'static str,
    pub customer_accounts: &'static str,
    pub staff_roles: &'static str,
    pub roles: &'static str,
    pub active: &'static str,
    pub sign_out: &'static str,
    pub signed_out: &'static str,
    pub sign_out_confirm: &'static str,
    pub error_title: &'static str,
    pub request_expired: &'static str,
    pub try_again: &'static str,
    pub no_client: &'static str,
    pub unknown_client: &'static str,
    pub unregistered_redirect: &'static str,
    pub bad_id_token_hint: &'static str,
    pub client_mismatch: &'static str,
    pub scope_names: &'static [(&'static str, &'static str)],
    /// `{minutes}` is replaced.
    pub too_many_attempts: &'static str,
    pub no_active_account: &'static str,
    pub forgot_password: &'static str,
    pub new_password: &'static str,
    pub repeat_password: &'static str,
    pub passwords_differ: &'static str,
    pub invitation_accepted: &'static str,
    pub password_was_reset: &'static str,
}

impl Text {
    pub fn too_many_attempts(&self, wait_secs: i64) -> String {
        let minutes = (wait_secs + 59) / 60;
        self.too_many_attempts
            .replace("{minutes}", &minutes.max(1).to_string())
    }
}

static EN: Text = Text {
    sign_in: "Sign in",
    sign_in_to: "Sign in to continue to",
    email: "Email",
    password: "Password",
    wrong_credentials: "The email or password is not right.",
    form_expired: "The form expired. Please try again.",
    choose_account: "Choose a customer account",
    choose_account_intro: "You belong to several customer accounts. Which one do you want to work in?",
    consent_title: "Allow access?",
    consent_intro: "wants to:",
    consent_more: "now also wants to:",
    choices_title: "Your privacy choices",
    choices_intro: "Choose for each purpose whether you agree. Nothing is chosen for you, you \
                    can decide later, and you can change your mind at any time on your \
                    account page.",
    choices_changed: "This text has changed since you last decided.",
    accept: "Accept",
    refuse: "Refuse",
    save_choices: "Save my choices",
    decide_later: "Decide later",
    allow: "Allow",
    deny: "Deny",
    your_account: "Your account",
    customer_accounts: "Customer accounts",
    staff_roles: "Staff roles",
    roles: "Roles",
    active: "active",
    sign_out: "Sign out",
    signed_out: "You are signed out.",
    sign_out_confirm: "Do you want to sign out?",
    error_title: "Something is not right",
    request_expired: "This sign-in took too long or was already used. Go back to the application and start again.",
    try_again: "Something went wrong on our side. Please try again shortly.",
    no_client: "The request does not say which application sent you (client_id is missing).",
    unknown_client: "The application that sent you here is not registered.",
    unregistered_redirect: "The application asked to send you to an address it has not registered, so we stopped here.",
    bad_id_token_hint: "The sign-out request carries an ID token we did not issue.",
    client_mismatch: "The sign-out request names two different applications.",
    scope_names: &[
        ("openid", "know who you are"),
        ("profile", "see your name and language"),
        ("email", "see your email address"),
        ("offline_access", "stay connected when you are away"),
        ("customer", "see which customer account you work in"),
        ("roles", "see your roles in that customer account"),
        ("admin", "administer with your permissions"),
        ("consent", "see and record your privacy choices"),
    ],
    too_many_attempts: "Too many attempts. Try again in {minutes} minutes.",
    no_active_account: "Your customer account is not active. Contact your administrator.",
    forgot_password: "Forgot your password?",
    new_password: "New password",
    repeat_password: "Repeat the password",
    passwords_differ: "The two passwords differ.",
    invitation_accepted: "Welcome! Sign in with your email address and your new password.",
    password_was_reset: "Your password was changed. Sign in with the new one.",
};

static SV: Text = Text {
    sign_in: "Logga in",
    sign_in_to: "Logga in för att fortsätta till",
    email: "E-post",
    password: "Lösenord",
    wrong_credentials: "E-postadressen eller lösenordet stämmer inte.",
    form_expired: "Formuläret har gått ut. Försök igen.",
    choose_account: "Välj kundkonto",
    choose_account_intro: "Du tillhör flera kundkonton. Vilket vill du arbeta i?",
    consent_title: "Tillåta åtkomst?",
    consent_intro: "vill:",
    consent_more: "vill nu också:",
    choices_title: "Dina integritetsval",
    choices_intro: "Välj för varje ändamål om du samtycker. Inget är förvalt, du kan \
                    bestämma senare, och du kan ändra dig när som helst på din kontosida.",
    choices_changed: "Texten har ändrats sedan du senast bestämde dig.",
    accept: "Godkänn",
    refuse: "Avböj",
    save_choices: "Spara mina val",
    decide_later: "Bestäm senare",
    allow: "Tillåt",
    deny: "Neka",
    your_account: "Ditt konto",
    customer_accounts: "Kundkonton",
    staff_roles: "Personalroller",
    roles: "Roller",
    active: "aktivt",
    sign_out: "Logga ut",
    signed_out: "Du är utloggad.",
    sign_out_confirm: "Vill du logga ut?",
    error_title: "Något stämmer inte",
    request_expired: "Inloggningen tog för lång tid eller har redan använts. Gå tillbaka till tjänsten och börja om.",
    try_again: "Något gick fel hos oss. Försök igen om en stund.",
    no_client: "Begäran säger inte vilken tjänst som skickade dig (client_id saknas).",
    unknown_client: "Tjänsten som skickade dig hit är inte registrerad.",
    unregistered_redirect: "Tjänsten bad oss skicka dig till en adress som den inte har registrerat, så vi stannade här.",
    bad_id_token_hint: "Utloggningsbegäran innehåller en ID-token som vi inte har utfärdat.",
    client_mismatch: "Utloggningsbegäran nämner två olika tjänster.",
    scope_names: &[
        ("openid", "veta vem du är"),
        ("profile", "se ditt namn och språk"),
        ("email", "se din e-postadress"),
        ("offline_access", "hålla dig ansluten när du inte är här"),
        ("customer", "se vilket kundkonto du arbetar i"),
        ("roles", "se dina roller i kundkontot"),
        ("admin", "administrera med dina behörigheter"),
        ("consent", "se och registrera dina integritetsval"),
    ],
    too_many_attempts: "För många försök. Försök igen om {minutes} minuter.",
    no_active_account: "Ditt kundkonto är inte aktivt. Kontakta din administratör.",
    forgot_password: "Glömt lösenordet?",
    new_password: "Nytt lösenord",
    repeat_password: "Upprepa lösenordet",
    passwords_differ: "Lösenorden är olika.",
    invitation_accepted: "Välkommen! Logga in med din e-postadress och ditt nya lösenord.",
    password_was_reset: "Ditt lösenord är ändrat. Logga in med det nya.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn ui_locales_wins_over_accept_language() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en-GB"));
        assert_eq!(Locale::choose(Some("de sv-SE"), &headers), Locale::Sv);
    }

    #[test]
    fn accept_language_weights_are_honoured() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en;q=0.5, sv;q=0.9"),
        );
        assert_eq!(Locale::choose(None, &headers), Locale::Sv);
    }
}
