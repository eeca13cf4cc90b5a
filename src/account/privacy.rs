//! `/account/privacy`: every purpose with its full text and legal basis, where the person
//! stands and since when, one-click withdraw or agree (GDPR Art. 7(3): as easy to withdraw
//! as to give), the whole history with a signed receipt per decision, the apps that
//! received the person's data, and the ways to download it all or delete the account.

use super::data_text::DataWords;
use super::privacy_text::PrivacyWords;
use super::{AccountPages, Posted, data, deletion, signed_in};
use crate::audit::Actor;
use crate::clock::rfc3339;
use crate::consent::receipt::{self, TYP_RECEIPT};
use crate::consent::{ConsentError, Decision, Entry, Method, Provider, PurposeState, Recording};
use crate::identity::session::Session;
use crate::privacy::register;
use crate::web::i18n::Locale;
use crate::web::page::{error_page, hidden, unavailable};
use crate::web::params::Params;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use std::sync::Arc;

pub async fn privacy(
    State(pages): State<Arc<AccountPages>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let (session, locale) = match signed_in(&pages, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let params = Params::parse(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let notice = match params.get("done") {
        Some("decided") => Some(PrivacyWords::of(locale).recorded),
        Some("kept") => Some(DataWords::of(locale).account_kept),
        _ => None,
    };
    render(&pages, &headers, &session, locale, notice).await
}

async fn render(
    pages: &AccountPages,
    headers: &HeaderMap,
    session: &Session,
    locale: Locale,
    notice: Option<&str>,
) -> Response {
    let consent = &pages.oidc.consent;
    let person = &session.person_id;
    let loaded = async {
        let states = consent.states(person).await?;
        let history = consent.history(person).await?;
        let apps = pages.oidc.apps_of(person).await?;
        let pending = register::pending_erasure(&pages.privacy.db, person).await?;
        Ok::<_, sqlx::Error>((states, history, apps, pending))
    };
    let chosen = match consent.interests_of(person).await {
        Ok(chosen) => chosen,
        Err(error) => return unavailable(locale, "read the chosen topics", &error),
    };
    let (states, history, apps, pending) = match loaded.await {
        Ok(found) => found,
        Err(error) => return unavailable(locale, "render the privacy page", &error),
    };
    let words = PrivacyWords::of(locale);
    let data_words = DataWords::of(locale);
    let language = locale.tag();
    pages
        .forms
        .page(headers, locale, StatusCode::OK, words.title, |csrf| {
            html! {
                h1 { (words.title) }
                p { (words.intro) }
                @if let Some(notice) = notice { p.notice role="status" { (notice) } }
                @if let Some(row) = &pending {
                    (deletion::banner(data_words, row, csrf, "/account/privacy?done=kept"))
                }
                @for state in &states {
                    (purpose_section(pages, words, language, csrf, state))
                    @if state.purpose_id == consent.interests().purpose() {
                        (interests_form(pages, words, language, csrf, state, &chosen))
                    }
                }
                h2 { (words.history) }
                (history_table(pages, words, language, &history))
                h2 { (words.apps_title) }
                p { (words.apps_intro) }
                ul.apps {
                    @for app in &apps {
                        li {
                            strong { (app.client_name) } " (" (rfc3339(app.signed_in_at)) "): "
                            (what_it_sees(locale, &app.scope))
                        }
                    }
                }
                (data::section(data_words, csrf))
                (deletion::section(pages, data_words, pending.as_ref()))
                p { a href="/account" { (words.back) } }
            }
        })
}

/// What an app's scopes let it see, in words ("see your name and language, …").
fn what_it_sees(locale: Locale, scope: &str) -> String {
    let granted: Vec<&str> = scope.split(' ').collect();
    let names = locale.text().scope_names.iter();
    let seen: Vec<&str> = names
        .filter(|(name, _)| granted.contains(name))
        .map(|(_, words)| *words)
        .collect();
    seen.join(", ")
}

fn purpose_section(
    pages: &AccountPages,
    words: &PrivacyWords,
    language: &str,
    csrf: &str,
    state: &PurposeState,
) -> Markup {
    let Some(purpose) = pages.oidc.consent.purposes().get(&state.purpose_id) else {
        return html! {};
    };
    let text = purpose.text(language);
    let retention = words
        .kept_for_days
        .replace("{days}", &purpose.retention_days.to_string());
    let purposes = pages.oidc.consent.purposes();
    let categories: Vec<&str> = purpose
        .data_categories
        .iter()
        .filter_map(|c| purposes.category(c, language))
        .collect();
    html! {
        section.purpose id=(purpose.id) {
            h2 { (text.title) }
            p { (text.text) }
            p.muted { (words.data) ": " (categories.join("; ")) ". " }
            p.muted { (words.basis(purpose.legal_basis)) ". " (retention) "." }
            @if let Some(standing) = state.state {
                p {
                    strong { (words.your_choice) ": " } (words.state(standing))
                    @if let Some(latest) = &state.latest {
                        " (" (rfc3339(latest.recorded_at)) ", " (words.term(&latest.method)) ")"
                    }
                }
                form.inline method="post" action="/account/privacy/decide" {
                    (hidden("csrf", csrf))
                    (hidden("purpose", &purpose.id))
                    @if standing.is_granted() {
                        button type="submit" name="decision" value="withdrawn" { (words.withdraw) }
                    } @else {
                        button type="submit" name="decision" value="granted" { (words.grant) }
                        " "
                        @if standing.needs_asking() {
                            button type="submit" name="decision" value="refused" { (words.refuse) }
                        }
                    }
                }
            }
        }
    }
}

/// The news topics, to choose while the purpose they serve is granted.
fn interests_form(
    pages: &AccountPages,
    words: &PrivacyWords,
    language: &str,
    csrf: &str,
    state: &PurposeState,
    chosen: &[String],
) -> Markup {
    let granted = state.state.is_some_and(|s| s.is_granted());
    html! {
        section.interests id="interests" {
            h3 { (words.interests) }
            @if granted {
                form method="post" action="/account/privacy/interests" {
                    (hidden("csrf", csrf))
                    @for (id, name) in pages.oidc.consent.interests().topics(language) {
                        label.check {
                            input type="checkbox" name=(format!("topic.{id}")) checked[chosen.iter().any(|c| c == id)];
                            " " (name)
                        }
                    }
                    button type="submit" { (words.save_interests) }
                }
            } @else {
                p.muted { (words.interests_need_consent) }
            }
        }
    }
}

/// Saves the chosen news topics.
pub async fn save_interests(State(pages): State<Arc<AccountPages>>, form: Posted) -> Response {
    let consent = &pages.oidc.consent;
    let topics: Vec<String> = consent
        .interests()
        .topics("en")
        .filter(|(id, _)| form.params.contains(&format!("topic.{id}")))
        .map(|(id, _)| id.to_string())
        .collect();
    match consent
        .set_interests(&form.session.person_id, &topics)
        .await
    {
        Ok(()) => Redirect::to("/account/privacy?done=decided#interests").into_response(),
        Err(ConsentError::Database(error)) => unavailable(form.locale, "save topics", &error),
        Err(refused) => error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            form.locale,
            &refused.to_string(),
        ),
    }
}

fn history_table(
    pages: &AccountPages,
    words: &PrivacyWords,
    language: &str,
    history: &[Entry],
) -> Markup {
    let title = |id: &str| {
        pages
            .oidc
            .consent
            .purposes()
            .get(id)
            .map_or(id.to_string(), |p| p.text(language).title.clone())
    };
    html! {
        @if history.is_empty() { p.muted { (words.no_history) } } @else {
            table {
                tr { th { (words.when) } th { (words.purpose) } th { (words.decision) } th { (words.how) } th { (words.receipt) } }
                @for entry in history {
                    tr {
                        td { (rfc3339(entry.recorded_at)) }
                        td { (title(&entry.purpose_id)) }
                        td { (words.term(&entry.decision)) }
                        td { (words.term(&entry.method)) }
                        td { a href=(format!("/account/privacy/receipts/{}", entry.receipt_id)) download { (words.download) } }
                    }
                }
            }
        }
    }
}

/// One click: agree, refuse or withdraw, recorded at once.
pub async fn decide(State(pages): State<Arc<AccountPages>>, form: Posted) -> Response {
    let decision = match form.get("decision") {
        "granted" => Decision::Granted,
        "refused" => Decision::Refused,
        "withdrawn" => Decision::Withdrawn,
        _ => return error_page(StatusCode::BAD_REQUEST, form.locale, "no such decision"),
    };
    let person = &form.session.person_id;
    let recording = Recording {
        purpose_id: form.get("purpose").to_string(),
        version: None,
        decision,
        method: Method::AccountPage,
        client_id: None,
        note: None,
        language: form.locale.tag().to_string(),
    };
    let actor = Actor::Person(person.clone());
    match pages.oidc.consent.record(actor, person, recording).await {
        Ok(_) => Redirect::to("/account/privacy?done=decided").into_response(),
        Err(ConsentError::Database(error)) => {
            unavailable(form.locale, "record a privacy choice", &error)
        }
        Err(refused) => error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            form.locale,
            &refused.to_string(),
        ),
    }
}

/// A decision's receipt, signed now with the provider's current key.
pub async fn receipt_download(
    State(pages): State<Arc<AccountPages>>,
    headers: HeaderMap,
    Path(receipt_id): Path<String>,
) -> Response {
    let (session, locale) = match signed_in(&pages, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let consent = &pages.oidc.consent;
    let entry = match consent.own_entry(&session.person_id, &receipt_id).await {
        Ok(Some(entry)) => entry,
        Ok(None) => return error_page(StatusCode::NOT_FOUND, locale, "no such receipt"),
        Err(error) => return unavailable(locale, "read a receipt", &error),
    };
    let Some(purpose) = consent.purposes().get(&entry.purpose_id) else {
        return error_page(StatusCode::NOT_FOUND, locale, "no such receipt");
    };
    let oidc = pages.oidc.as_ref();
    let claims = receipt::claims(
        Provider::issuer(oidc),
        &pages.controller,
        purpose,
        &entry,
        &session.person_id,
    );
    let Some(jws) = oidc.sign(TYP_RECEIPT, &claims) else {
        return error_page(StatusCode::SERVICE_UNAVAILABLE, locale, "no signing key");
    };
    let mut response = jws.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jose"),
    );
    let disposition = format!("attachment; filename=\"consent-receipt-{receipt_id}.jws\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
