//! The account page's words in English and Swedish.

use crate::web::i18n::Locale;

pub struct Words {
    pub profile: &'static str,
    pub name: &'static str,
    pub language: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub change_password: &'static str,
    pub current_password: &'static str,
    pub password_changed: &'static str,
    pub sessions: &'static str,
    pub this_browser: &'static str,
    pub started: &'static str,
    pub last_seen: &'static str,
    pub browser: &'static str,
    pub network: &'static str,
    pub end: &'static str,
    pub session_ended: &'static str,
    pub apps: &'static str,
    pub no_apps: &'static str,
    pub app: &'static str,
    pub scopes: &'static str,
    pub signed_in_at: &'static str,
    pub stays_connected: &'static str,
    pub app_ended: &'static str,
    pub administration: &'static str,
    pub privacy: &'static str,
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
    profile: "Profile",
    name: "Name",
    language: "Language",
    save: "Save",
    saved: "Saved.",
    change_password: "Change password",
    current_password: "Current password",
    password_changed: "Your password was changed; your other sessions and apps were signed out.",
    sessions: "Active sessions",
    this_browser: "this browser",
    started: "Started",
    last_seen: "Last active",
    browser: "Browser",
    network: "Network",
    end: "End",
    session_ended: "The session was ended.",
    apps: "Apps you signed in to",
    no_apps: "No app holds a sign-in of yours.",
    app: "App",
    scopes: "May",
    signed_in_at: "Signed in",
    stays_connected: "stays connected",
    app_ended: "The app was signed out.",
    administration: "Administration",
    privacy: "Privacy: what your data is used for, and your choices",
};

static SV: Words = Words {
    profile: "Profil",
    name: "Namn",
    language: "Språk",
    save: "Spara",
    saved: "Sparat.",
    change_password: "Byt lösenord",
    current_password: "Nuvarande lösenord",
    password_changed: "Ditt lösenord är bytt; dina andra sessioner och appar har loggats ut.",
    sessions: "Aktiva sessioner",
    this_browser: "den här webbläsaren",
    started: "Startad",
    last_seen: "Senast aktiv",
    browser: "Webbläsare",
    network: "Nätverk",
    end: "Avsluta",
    session_ended: "Sessionen är avslutad.",
    apps: "Appar du har loggat in i",
    no_apps: "Ingen app har någon inloggning från dig.",
    app: "App",
    scopes: "Får",
    signed_in_at: "Inloggad",
    stays_connected: "förblir ansluten",
    app_ended: "Appen är utloggad.",
    administration: "Administration",
    privacy: "Integritet: vad dina uppgifter används till, och dina val",
};
