//! The authorization endpoint (RFC 6749 §4.1, OIDC Core §3.1.2): validates the request,
//! decides what the person still has to do (log in, choose an account, consent), and
//! issues the code. An unknown client or unregistered redirect URI gets an error page:
//! nothing is ever sent to a URI we have not registered.

use super::Oidc;
use super::client::{Client, GrantType};
use super::error::{ErrorCode, OAuthError};
use super::scope::{SUPPORTED_SCOPES, Scope};
use super::store::{self, NewCode, PendingRequest};
use crate::crypto;
use crate::identity::session::Session;
use crate::web::i18n::Locale;
use crate::web::page::error_page;
use crate::web::params::Params;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

/// A validated authorization request, stored while the person logs in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Vec<String>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub ui_locales: Option<String>,
}

impl AuthorizationRequest {
    fn prompts(&self, value: &str) -> bool {
        self.prompt.iter().any(|p| p == value)
    }
}

/// What the person still has to do before a code can be issued.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Login,
    SelectAccount,
    Consent,
    /// Ask about purposes the person has not decided on (never blocking: "later" goes on).
    AskPurposes,
    Issue,
    Fail(ErrorCode),
}

/// What we know when deciding: the browser's session, what the person already did for
/// this request, and how many customer accounts they can choose from.
pub struct Situation<'a> {
    pub session: Option<&'a Session>,
    pub progress: Option<&'a PendingRequest>,
    pub account_count: usize,
    pub active_account_valid: bool,
    /// The client is not first-party and asks for scopes the person has not allowed it.
    pub consent_needed: bool,
    /// Purposes resting on consent that the person has not decided on (or decided on a
    /// text since changed materially), and no "decide later" in this session.
    pub purposes_to_ask: bool,
    pub now: i64,
}

pub fn decide(request: &AuthorizationRequest, s: &Situation) -> Decision {
    let did = |step: fn(&PendingRequest) -> Option<i64>| s.progress.and_then(step).is_some();
    let silent = request.prompts("none");
    let Some(session) = s.session else {
        return if silent {
            Decision::Fail(ErrorCode::LoginRequired)
        } else {
            Decision::Login
        };
    };
    let too_old = request
        .max_age
        .is_some_and(|max| s.now - session.auth_time > max);
    if too_old || request.prompts("login") && !did(|p| p.login_at) {
        return if silent {
            Decision::Fail(ErrorCode::LoginRequired)
        } else {
            Decision::Login
        };
    }
    let must_choose = s.account_count >= 2
        && (!s.active_account_valid
            || request.prompts("select_account") && !did(|p| p.account_chosen_at));
    if must_choose {
        return if silent {
            Decision::Fail(ErrorCode::AccountSelectionRequired)
        } else {
            Decision::SelectAccount
        };
    }
    let must_ask = request.prompts("consent") || s.consent_needed;
    if must_ask && !did(|p| p.consent_given_at) {
        return if silent {
            Decision::Fail(ErrorCode::ConsentRequired)
        } else {
            Decision::Consent
        };
    }
    if s.purposes_to_ask && !silent && !did(|p| p.purposes_asked_at) {
        return Decision::AskPurposes;
    }
    Decision::Issue
}

/// First the client and redirect URI (failures are pages), then everything else (failures
/// go back to the client).
pub async fn validate(
    state: &Oidc,
    params: &Params,
    locale: Locale,
) -> Result<AuthorizationRequest, Response> {
    let page = |message: &str| error_page(StatusCode::BAD_REQUEST, locale, message);
    let client_id = params
        .get("client_id")
        .ok_or_else(|| page(locale.text().no_client))?;
    let client = super::cache::client(state, client_id)
        .await
        .map_err(|e| crate::web::page::unavailable(locale, "read the client", &e))?
        .ok_or_else(|| page(locale.text().unknown_client))?;
    let redirect_uri = params
        .get("redirect_uri")
        .filter(|uri| client.has_redirect_uri(uri))
        .ok_or_else(|| page(locale.text().unregistered_redirect))?;
    validate_rest(&client, redirect_uri, params)
        .map_err(|error| redirect_error(state, redirect_uri, params.get("state"), &error))
}

fn validate_rest(
    client: &Client,
    redirect_uri: &str,
    params: &Params,
) -> Result<AuthorizationRequest, OAuthError> {
    let invalid = OAuthError::invalid_request;
    if params.contains("request") {
        return Err(OAuthError::new(
            ErrorCode::RequestNotSupported,
            "request objects are not supported",
        ));
    }
    if params.contains("request_uri") {
        return Err(OAuthError::new(
            ErrorCode::RequestUriNotSupported,
            "request_uri is not supported",
        ));
    }
    match params.get("response_type") {
        Some("code") => {}
        None => return Err(invalid("response_type is missing")),
        Some(_) => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
    }
    if params.get("response_mode").is_some_and(|m| m != "query") {
        return Err(invalid("only response_mode=query is supported"));
    }
    if !client.allows(GrantType::AuthorizationCode) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "the client may not use the code flow",
        ));
    }
    let scope = validate_scope(client, params.get("scope"))?;
    let code_challenge = validate_pkce(client, params)?;
    let prompt = validate_prompt(params.get("prompt"))?;
    let max_age = params
        .get("max_age")
        .map(|v| {
            v.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| invalid("max_age must be a non-negative integer"))
        })
        .transpose()?;
    Ok(AuthorizationRequest {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_string(),
        scope: scope.to_string(),
        state: params.get("state").map(str::to_string),
        nonce: params.get("nonce").map(str::to_string),
        code_challenge,
        prompt,
        max_age,
        login_hint: params.get("login_hint").map(str::to_string),
        ui_locales: params.get("ui_locales").map(str::to_string),
    })
}

fn validate_scope(client: &Client, scope: Option<&str>) -> Result<Scope, OAuthError> {
    let mut scope = Scope::parse(scope.unwrap_or_default());
    if !scope.contains("openid") {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            "the openid scope is required",
        ));
    }
    if let Some(unknown) = scope.iter().find(|v| !SUPPORTED_SCOPES.contains(v)) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("unknown scope {unknown}"),
        ));
    }
    if let Some(value) = scope.first_outside(&client.scopes) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("the client may not request {value}"),
        ));
    }
    // OIDC Core §11: offline_access is ignored when the client cannot refresh.
    if !client.allows(GrantType::RefreshToken) {
        scope.remove("offline_access");
    }
    Ok(scope)
}

/// PKCE (RFC 7636) with S256 only; required for public clients (RFC 9700 §2.1.1).
fn validate_pkce(client: &Client, params: &Params) -> Result<Option<String>, OAuthError> {
    let challenge = params.get("code_challenge");
    match (challenge, params.get("code_challenge_method")) {
        (None, None) if client.is_public() => Err(OAuthError::invalid_request(
            "public clients must use PKCE (code_challenge)",
        )),
        (None, None) => Ok(None),
        (Some(challenge), Some("S256")) => {
            let well_formed = challenge.len() == 43 && crypto::b64url_decode(challenge).is_some();
            if well_formed {
                Ok(Some(challenge.to_string()))
            } else {
                Err(OAuthError::invalid_request(
                    "code_challenge must be a base64url SHA-256 digest",
                ))
            }
        }
        (Some(_), None | Some(_)) => Err(OAuthError::invalid_request(
            "code_challenge_method must be S256",
        )),
        (None, Some(_)) => Err(OAuthError::invalid_request("code_challenge is missing")),
    }
}

fn validate_prompt(prompt: Option<&str>) -> Result<Vec<String>, OAuthError> {
    let values: Vec<String> = prompt
        .unwrap_or_default()
        .split(' ')
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(unknown) = values
        .iter()
        .find(|v| !["none", "login", "consent", "select_account"].contains(&v.as_str()))
    {
        return Err(OAuthError::invalid_request(format!(
            "unsupported prompt value {unknown}"
        )));
    }
    if values.len() > 1 && values.iter().any(|v| v == "none") {
        return Err(OAuthError::invalid_request(
            "prompt=none cannot be combined with other values",
        ));
    }
    Ok(values)
}

/// Sends the person back to the client with an error (RFC 6749 §4.1.2.1, RFC 9207 `iss`).
pub fn redirect_error(
    state: &Oidc,
    redirect_uri: &str,
    client_state: Option<&str>,
    error: &OAuthError,
) -> Response {
    error.log("answer an authorization request");
    redirect_with(
        redirect_uri,
        &[
            ("error", Some(error.code.as_str())),
            ("error_description", Some(&error.description)),
            ("state", client_state),
            ("iss", Some(&state.issuer)),
        ],
    )
}

/// A 303 to a registered URI with parameters appended to its own query.
pub fn redirect_with(uri: &str, params: &[(&str, Option<&str>)]) -> Response {
    let Ok(mut url) = url::Url::parse(uri) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    Redirect::to(url.as_str()).into_response()
}

/// Tells analytics that the person entered a portal app in a customer account.
async fn record_sign_in(state: &Oidc, grant: &store::Grant, session: &Session) {
    let recorder = state.sign_ins.get().and_then(std::sync::Weak::upgrade);
    let (Some(recorder), Some(account)) = (recorder, &grant.customer_account_id) else {
        return;
    };
    let sign_in = crate::identity::SignIn {
        person_id: &session.person_id,
        customer_account_id: account,
        client_id: &grant.client_id,
        sid: &session.sid,
        auth_time: session.auth_time,
    };
    recorder.signed_in(sign_in).await;
}

/// Creates the grant and a single-use code bound to the client, redirect URI and PKCE
/// challenge, and sends the person back with it.
pub async fn issue_code(
    state: &Oidc,
    request: &AuthorizationRequest,
    session: &Session,
    customer_account_id: Option<String>,
) -> Result<Response, OAuthError> {
    let now = state.clock.now();
    let code = crypto::random_token();
    let scope = Scope::parse(&request.scope);
    let grant = store::Grant {
        grant_id: crypto::random_id(),
        client_id: request.client_id.clone(),
        person_id: Some(session.person_id.clone()),
        customer_account_id,
        sid: Some(session.sid.clone()),
        scope: request.scope.clone(),
        auth_time: Some(session.auth_time),
        revoked_at: None,
    };
    let new_code = NewCode {
        code_digest: &crypto::digest_hex(&code),
        redirect_uri: &request.redirect_uri,
        code_challenge: request.code_challenge.as_deref(),
        nonce: request.nonce.as_deref(),
        expires_at: now + state.tokens.authorization_code_ttl_secs,
    };
    let client = super::cache::client(state, &request.client_id)
        .await?
        .ok_or_else(OAuthError::server_error)?;
    let subject = super::tokens::subject(state, &client, &session.person_id);
    let pairwise = client.pairwise.then(|| store::PairwiseSubject {
        sector_identifier: &client.sector_identifier,
        subject: &subject,
    });
    store::insert_grant_with_code(
        &state.db,
        &grant,
        scope.contains("offline_access"),
        new_code,
        pairwise,
        now,
    )
    .await?;
    record_sign_in(state, &grant, session).await;
    Ok(redirect_with(
        &request.redirect_uri,
        &[
            ("code", Some(&code)),
            ("state", request.state.as_deref()),
            ("iss", Some(&state.issuer)),
        ],
    ))
}

/// Pages that handle a pending request receive its id as `auth`.
pub fn interaction_url(path: &str, request_id: &str) -> String {
    format!(
        "{path}?auth={}",
        url::form_urlencoded::byte_serialize(request_id.as_bytes()).collect::<String>()
    )
}

pub fn headers_locale(request: &AuthorizationRequest, headers: &HeaderMap) -> Locale {
    Locale::choose(request.ui_locales.as_deref(), headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(prompt: &[&str], max_age: Option<i64>) -> AuthorizationRequest {
        AuthorizationRequest {
            client_id: "c".into(),
            redirect_uri: "https://app/cb".into(),
            scope: "openid".into(),
            state: None,
            nonce: None,
            code_challenge: None,
            prompt: prompt.iter().map(|p| p.to_string()).collect(),
            max_age,
            login_hint: None,
            ui_locales: None,
        }
    }

    fn session(auth_time: i64, active: Option<&str>) -> Session {
        Session {
            sid: "s".into(),
            person_id: "p".into(),
            active_customer_account_id: active.map(str::to_string),
            auth_time,
            last_seen_at: auth_time,
            expires_at: auth_time + 3600,
        }
    }

    fn situation<'a>(
        session: Option<&'a Session>,
        accounts: usize,
        active_valid: bool,
    ) -> Situation<'a> {
        Situation {
            session,
            progress: None,
            account_count: accounts,
            active_account_valid: active_valid,
            consent_needed: false,
            purposes_to_ask: false,
            now: 1000,
        }
    }

    #[test]
    fn prompt_none_without_a_session_fails_with_login_required() {
        let decision = decide(&request(&["none"], None), &situation(None, 0, false));
        assert_eq!(decision, Decision::Fail(ErrorCode::LoginRequired));
    }

    #[test]
    fn a_session_older_than_max_age_must_log_in_again() {
        let s = session(100, None);
        assert_eq!(
            decide(&request(&[], Some(60)), &situation(Some(&s), 0, false)),
            Decision::Login
        );
        assert_eq!(
            decide(&request(&[], Some(6000)), &situation(Some(&s), 0, false)),
            Decision::Issue
        );
    }

    #[test]
    fn a_person_with_two_accounts_and_none_active_must_choose() {
        let s = session(990, None);
        assert_eq!(
            decide(&request(&[], None), &situation(Some(&s), 2, false)),
            Decision::SelectAccount
        );
        let chosen = session(990, Some("a"));
        assert_eq!(
            decide(&request(&[], None), &situation(Some(&chosen), 2, true)),
            Decision::Issue
        );
    }

    #[test]
    fn prompt_consent_asks_until_consent_is_given() {
        let s = session(990, None);
        assert_eq!(
            decide(&request(&["consent"], None), &situation(Some(&s), 1, true)),
            Decision::Consent
        );
    }

    #[test]
    fn undecided_purposes_are_asked_once_after_login_but_never_in_a_silent_request() {
        let s = session(990, None);
        let undecided = Situation {
            purposes_to_ask: true,
            ..situation(Some(&s), 1, true)
        };
        assert_eq!(
            decide(&request(&[], None), &undecided),
            Decision::AskPurposes
        );
        assert_eq!(
            decide(&request(&["none"], None), &undecided),
            Decision::Issue
        );
    }

    #[test]
    fn scopes_not_yet_allowed_ask_and_fail_a_silent_request() {
        let s = session(990, None);
        let needed = Situation {
            consent_needed: true,
            ..situation(Some(&s), 1, true)
        };
        assert_eq!(decide(&request(&[], None), &needed), Decision::Consent);
        assert_eq!(
            decide(&request(&["none"], None), &needed),
            Decision::Fail(ErrorCode::ConsentRequired)
        );
    }
}
