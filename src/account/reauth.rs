//! Asking a signed-in person for their password again before something that cannot be
//! taken back (handing over all their data, deleting the account), so that a browser left
//! open is not enough. The password is checked as login checks it: throttled, with an
//! unknown outcome costing the same, and audited.

use super::data_text::DataWords;
use super::{AccountPages, Posted};
use crate::identity::service::login::LoginOutcome;
use crate::identity::session::Session;
use crate::identity::store;
use crate::web::client_addr::ClientAddr;
use crate::web::page::unavailable;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

/// How long after signing in a person counts as present without typing the password again.
const FRESH_SIGN_IN_SECS: i64 = 5 * 60;

pub enum Recheck {
    Confirmed,
    /// Shown on the form again: wrong password (401), or too many attempts (429).
    Refused(StatusCode, String),
}

pub fn signed_in_recently(pages: &AccountPages, session: &Session) -> bool {
    pages.privacy.clock.now() - session.auth_time <= FRESH_SIGN_IN_SECS
}

/// Checks the password posted in the `password` field against the signed-in person's.
pub async fn confirm_password(
    pages: &AccountPages,
    form: &Posted,
    client: ClientAddr,
) -> Result<Recheck, Response> {
    let locale = form.locale;
    let person = store::find_person(&pages.identity.db, &form.session.person_id)
        .await
        .map_err(|e| unavailable(locale, "read the person", &e))?
        .ok_or_else(|| Redirect::to("/login").into_response())?;
    let network = client.network();
    let outcome = pages
        .identity
        .authenticate(&person.email, form.get("password"), network.as_deref())
        .await
        .map_err(|e| unavailable(locale, "verify a password", &e))?;
    Ok(match outcome {
        LoginOutcome::Success { person_id } if person_id == person.person_id => Recheck::Confirmed,
        // The password is right; suspended customer accounts do not take away a person's
        // rights over their own data.
        LoginOutcome::NoActiveAccount => Recheck::Confirmed,
        LoginOutcome::Throttled { wait_secs } => Recheck::Refused(
            StatusCode::TOO_MANY_REQUESTS,
            locale.text().too_many_attempts(wait_secs),
        ),
        LoginOutcome::Success { .. } | LoginOutcome::Rejected => Recheck::Refused(
            StatusCode::UNAUTHORIZED,
            DataWords::of(locale).wrong_password.to_string(),
        ),
    })
}

/// The password input of a confirming form.
pub fn password_input(label: &str) -> Markup {
    html! {
        label for="password" { (label) }
        input id="password" type="password" name="password" autocomplete="current-password" required;
    }
}
