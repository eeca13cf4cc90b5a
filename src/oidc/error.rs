//! OAuth 2.0 / OpenID Connect errors with the codes the RFCs define, mapped to HTTP in one
//! place: JSON bodies for the back-channel endpoints, redirects for the authorization
//! endpoint (built by `authorize`), and an HTML page when no redirect may be made.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    UnsupportedTokenType,
    InvalidScope,
    AccessDenied,
    ServerError,
    LoginRequired,
    ConsentRequired,
    AccountSelectionRequired,
    RequestNotSupported,
    RequestUriNotSupported,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::UnsupportedTokenType => "unsupported_token_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ServerError => "server_error",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::ConsentRequired => "consent_required",
            ErrorCode::AccountSelectionRequired => "account_selection_required",
            ErrorCode::RequestNotSupported => "request_not_supported",
            ErrorCode::RequestUriNotSupported => "request_uri_not_supported",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: Cow<'static, str>,
    /// Why we failed (`server_error` only): logged where the response is built, never sent.
    #[source]
    pub cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            description: description.into(),
            cause: None,
        }
    }
    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }
    pub fn invalid_grant(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }
    pub fn invalid_client() -> Self {
        Self::new(ErrorCode::InvalidClient, "client authentication failed")
    }
    pub fn server_error() -> Self {
        Self::new(
            ErrorCode::ServerError,
            "the server could not complete the request",
        )
    }

    /// A failure on our side, answered without internal text.
    pub fn internal(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            cause: Some(Box::new(cause)),
            ..Self::server_error()
        }
    }

    /// Logs a failure on our side with its whole chain; called where the response is built.
    pub fn log(&self, operation: &str) {
        if self.code == ErrorCode::ServerError {
            tracing::error!(operation, error = %crate::web::error_chain(self), "request failed");
        }
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(error: sqlx::Error) -> Self {
        OAuthError::internal(error)
    }
}

impl From<crate::identity::IdentityError> for OAuthError {
    fn from(error: crate::identity::IdentityError) -> Self {
        OAuthError::internal(error)
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    error_description: &'a str,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        self.log("answer an OAuth request");
        let status = match self.code {
            // RFC 6749 §5.2: 401 with WWW-Authenticate when the client authenticated via a header;
            // we answer 401 for every failed client authentication so clients see one behaviour.
            ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = ErrorBody {
            error: self.code.as_str(),
            error_description: &self.description,
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"trohet\", charset=\"UTF-8\""),
            );
        }
        response
    }
}

/// RFC 6750 errors for the protected resource (userinfo).
#[derive(Debug)]
pub enum BearerError {
    Missing,
    InvalidToken(&'static str),
    InsufficientScope(&'static str),
    Server(OAuthError),
}

impl<E: Into<OAuthError>> From<E> for BearerError {
    fn from(error: E) -> Self {
        BearerError::Server(error.into())
    }
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let (status, challenge, code, description) = match self {
            BearerError::Missing => (
                StatusCode::UNAUTHORIZED,
                "Bearer realm=\"trohet\"".to_string(),
                "invalid_request",
                "no access token",
            ),
            BearerError::InvalidToken(why) => (
                StatusCode::UNAUTHORIZED,
                format!(
                    "Bearer realm=\"trohet\", error=\"invalid_token\", error_description=\"{why}\""
                ),
                "invalid_token",
                why,
            ),
            BearerError::InsufficientScope(why) => (
                StatusCode::FORBIDDEN,
                format!(
                    "Bearer realm=\"trohet\", error=\"insufficient_scope\", error_description=\"{why}\""
                ),
                "insufficient_scope",
                why,
            ),
            BearerError::Server(error) => return error.into_response(),
        };
        let body = ErrorBody {
            error: code,
            error_description: description,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
