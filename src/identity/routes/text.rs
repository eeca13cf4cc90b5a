//! The words of identity's own pages (invitation, password reset, confirming a new e-mail
//! address), in English and Swedish.

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
    pub email_title: &'static str,
    /// `{email}` is replaced.
    pub email_intro: &'static str,
    pub email_confirm: &'static str,
    pub email_changed_title: &'static str,
    /// `{email}` is replaced.
    pub email_changed: &'static str,
    pub email_taken: &'static str,
    pub to_account: &'static str,
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
    email_title: "Confirm your new e-mail address",
    email_intro: "The e-mail address of your account will become {email}. From then on you sign in with it.",
    email_confirm: "Confirm the new address",
    email_changed_title: "Your e-mail address was changed",
    email_changed: "Your account's e-mail address is now {email}. Sign in with it from now on.",
    email_taken: "This address now belongs to another account, so the change cannot be made. Ask for a change to another address.",
    to_account: "Go to your account",
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
    email_title: "Bekräfta din nya e-postadress",
    email_intro: "Ditt kontos e-postadress blir {email}. Därefter loggar du in med den.",
    email_confirm: "Bekräfta den nya adressen",
    email_changed_title: "Din e-postadress är bytt",
    email_changed: "Ditt kontos e-postadress är nu {email}. Logga in med den från och med nu.",
    email_taken: "Adressen hör nu till ett annat konto, så bytet kan inte göras. Be om ett byte till en annan adress.",
    to_account: "Till ditt konto",
};
