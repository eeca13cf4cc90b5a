//! The e-mail identity sends, in the recipient's language: an invitation, a password reset
//! link, the notice after a password change, and for a change of e-mail address the link
//! to the new address and the notice to the old. Rendered here, queued in the outbox.

use crate::outbox::Email;
use crate::web::i18n::Locale;
use maud::html;

pub(crate) struct Parts<'a> {
    pub subject: String,
    pub greeting: String,
    pub lines: Vec<String>,
    pub link: Option<(&'a str, &'a str)>,
    pub closing: &'a str,
}

pub(crate) fn render(to: &str, name: &str, parts: Parts<'_>) -> Email {
    let mut text = format!("{}\n\n", parts.greeting);
    for line in &parts.lines {
        text.push_str(line);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = parts.link {
        text.push_str(&format!("{label}:\n{url}\n\n"));
    }
    text.push_str(parts.closing);
    text.push('\n');
    let html = html! {
        p { (parts.greeting) }
        @for line in &parts.lines { p { (line) } }
        @if let Some((label, url)) = parts.link { p { a href=(url) { (label) } } }
        p { (parts.closing) }
    };
    Email {
        to: to.to_string(),
        to_name: Some(name.to_string()),
        subject: parts.subject,
        text,
        html: html.into_string(),
    }
}

pub fn invitation(locale: Locale, to: &str, name: &str, account: &str, link: &str) -> Email {
    let parts = match locale {
        Locale::Sv => Parts {
            subject: format!("Inbjudan till {account}"),
            greeting: format!("Hej {name}!"),
            lines: vec![
                format!("Du har bjudits in att använda portalen för {account}."),
                "Länken gäller i sju dagar och kan användas en gång.".into(),
            ],
            link: Some(("Tacka ja och välj lösenord", link)),
            closing: "Om du inte väntade dig detta kan du bortse från meddelandet.",
        },
        Locale::En => Parts {
            subject: format!("Invitation to {account}"),
            greeting: format!("Hello {name},"),
            lines: vec![
                format!("You have been invited to use the portal for {account}."),
                "The link is valid for seven days and can be used once.".into(),
            ],
            link: Some(("Accept and choose a password", link)),
            closing: "If you did not expect this, you can ignore this message.",
        },
    };
    render(to, name, parts)
}

pub fn password_reset(locale: Locale, to: &str, name: &str, link: &str) -> Email {
    let parts = match locale {
        Locale::Sv => Parts {
            subject: "Återställ ditt lösenord".into(),
            greeting: format!("Hej {name}!"),
            lines: vec!["Någon bad om att återställa lösenordet till ditt konto. Länken gäller i 30 minuter och kan användas en gång.".into()],
            link: Some(("Välj ett nytt lösenord", link)),
            closing: "Om det inte var du kan du bortse från meddelandet; ditt lösenord är oförändrat.",
        },
        Locale::En => Parts {
            subject: "Reset your password".into(),
            greeting: format!("Hello {name},"),
            lines: vec!["Someone asked to reset the password of your account. The link is valid for 30 minutes and can be used once.".into()],
            link: Some(("Choose a new password", link)),
            closing: "If that was not you, ignore this message; your password is unchanged.",
        },
    };
    render(to, name, parts)
}

pub fn password_changed(locale: Locale, to: &str, name: &str) -> Email {
    let parts = match locale {
        Locale::Sv => Parts {
            subject: "Ditt lösenord har ändrats".into(),
            greeting: format!("Hej {name}!"),
            lines: vec![
                "Lösenordet till ditt konto har just ändrats, och alla inloggningar har avslutats."
                    .into(),
            ],
            link: None,
            closing: "Om det inte var du, kontakta portalens support omedelbart.",
        },
        Locale::En => Parts {
            subject: "Your password was changed".into(),
            greeting: format!("Hello {name},"),
            lines: vec![
                "The password of your account was just changed, and every sign-in was ended."
                    .into(),
            ],
            link: None,
            closing: "If that was not you, contact the portal's support at once.",
        },
    };
    render(to, name, parts)
}

/// The link that confirms a new address, sent to that address.
pub fn email_change_link(locale: Locale, to: &str, name: &str, link: &str) -> Email {
    let parts = match locale {
        Locale::Sv => Parts {
            subject: "Bekräfta din nya e-postadress".into(),
            greeting: format!("Hej {name}!"),
            lines: vec![
                "Du har bett om att byta e-postadressen till ditt konto till den här adressen. Länken gäller i 24 timmar och kan användas en gång.".into(),
            ],
            link: Some(("Bekräfta den nya adressen", link)),
            closing: "Om det inte var du kan du bortse från meddelandet; inget ändras.",
        },
        Locale::En => Parts {
            subject: "Confirm your new e-mail address".into(),
            greeting: format!("Hello {name},"),
            lines: vec![
                "You asked to change the e-mail address of your account to this address. The link is valid for 24 hours and can be used once.".into(),
            ],
            link: Some(("Confirm the new address", link)),
            closing: "If that was not you, ignore this message; nothing changes.",
        },
    };
    render(to, name, parts)
}

/// Tells the current address that a change was asked for, so that a takeover through a
/// session left open does not go unnoticed. `controller` names whom to contact.
pub fn email_change_notice(locale: Locale, to: &str, name: &str, controller: &str) -> Email {
    let parts = match locale {
        Locale::Sv => Parts {
            subject: "Byte av e-postadress begärt".into(),
            greeting: format!("Hej {name}!"),
            lines: vec![
                "Någon som loggat in på ditt konto har bett om att byta dess e-postadress. Bytet sker först när det bekräftas från den nya adressen.".into(),
                format!("Om det inte var du, kontakta {controller} omedelbart och byt ditt lösenord."),
            ],
            link: None,
            closing: "Om det var du behöver du inte göra något.",
        },
        Locale::En => Parts {
            subject: "A change of e-mail address was asked for".into(),
            greeting: format!("Hello {name},"),
            lines: vec![
                "Someone signed in to your account asked to change its e-mail address. The change happens only once it is confirmed from the new address.".into(),
                format!("If that was not you, contact {controller} at once and change your password."),
            ],
            link: None,
            closing: "If it was you, there is nothing more to do.",
        },
    };
    render(to, name, parts)
}
