//! The words of identity's own pages (invitation, password reset), in English and Swedish.

use crate::web::i18n::Locale;

pub struct Words {
    pub invitation_title: &'static str,
    /// `{account}` is replaced.
    pub invitation_intro: &'static str,
    pub invitation_existing: &'static str,
    pub your_name: &'static str,
    pub accept: &'static str,
    pub link_expired: &'static str,
    pub forgot_title: &'static str,
    pub forgot_intro: &'static str,
    pub send_link: &'static str,
    pub link_sent: &'static str,
    pub reset_title: &'static str,
    pub save_password: &'static str,
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
    invitation_title: "Accept the invitation",
    invitation_intro: "You are invited to the portal of {account}.",
    invitation_existing: "You already have an account with this address: accepting adds {account} to it.",
    your_name: "Your name",
    accept: "Accept",
    link_expired: "This link has expired or was already used. Ask for a new one.",
    forgot_title: "Forgot your password?",
    forgot_intro: "Enter your email address and we will send you a link to choose a new password.",
    send_link: "Send the link",
    link_sent: "If the address belongs to an account, a link is on its way. It is valid for 30 minutes.",
    reset_title: "Choose a new password",
    save_password: "Save the password",
};

static SV: Words = Words {
    invitation_title: "Tacka ja till inbjudan",
    invitation_intro: "Du är inbjuden till portalen för {account}.",
    invitation_existing: "Du har redan ett konto med den här adressen: om du tackar ja läggs {account} till i det.",
    your_name: "Ditt namn",
    accept: "Tacka ja",
    link_expired: "Länken har gått ut eller redan använts. Be om en ny.",
    forgot_title: "Glömt lösenordet?",
    forgot_intro: "Ange din e-postadress så skickar vi en länk där du väljer ett nytt lösenord.",
    send_link: "Skicka länken",
    link_sent: "Om adressen hör till ett konto är en länk på väg. Den gäller i 30 minuter.",
    reset_title: "Välj ett nytt lösenord",
    save_password: "Spara lösenordet",
};
