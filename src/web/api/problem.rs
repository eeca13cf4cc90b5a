//! RFC 9457 problem details: every API error is `application/problem+json` with a stable
//! `type` that scripts can match on. Failures on our side carry their cause, which is
//! logged where the response is built and never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::borrow::Cow;
use utoipa::ToSchema;

/// The kinds of problem the API reports; each has a stable `type` URI and a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    InvalidRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    LastCustomerAdmin,
    PreconditionFailed,
    PreconditionRequired,
    Validation,
    /// A decision about a purpose text that is no longer the one served.
    StalePurposeVersion,
    /// Erasure refused: the DPO holds the person's data for a legal reason (Art. 17(3)).
    LegalHold,
    Internal,
}

impl Kind {
    fn slug(self) -> &'static str {
        match self {
            Kind::InvalidRequest => "invalid-request",
            Kind::Unauthorized => "unauthorized",
            Kind::Forbidden => "forbidden",
            Kind::NotFound => "not-found",
            Kind::Conflict => "conflict",
            Kind::LastCustomerAdmin => "last-customer-admin",
            Kind::PreconditionFailed => "precondition-failed",
            Kind::PreconditionRequired => "precondition-required",
            Kind::Validation => "validation",
            Kind::StalePurposeVersion => "stale-purpose-version",
            Kind::LegalHold => "legal-hold",
            Kind::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Kind::InvalidRequest => StatusCode::BAD_REQUEST,
            Kind::Unauthorized => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Conflict
            | Kind::LastCustomerAdmin
            | Kind::StalePurposeVersion
            | Kind::LegalHold => StatusCode::CONFLICT,
            Kind::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Kind::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Kind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::InvalidRequest => "The request is malformed",
            Kind::Unauthorized => "Authentication is required",
            Kind::Forbidden => "Not permitted",
            Kind::NotFound => "Not found",
            Kind::Conflict => "Conflicts with the current state",
            Kind::LastCustomerAdmin => "The last customer admin cannot be removed",
            Kind::PreconditionFailed => "The resource changed since it was read",
            Kind::PreconditionRequired => "If-Match is required",
            Kind::Validation => "The request is not valid",
            Kind::StalePurposeVersion => "The purpose text has changed",
            Kind::LegalHold => "The data is under a legal hold",
            Kind::Internal => "The server could not complete the request",
        }
    }
}

/// An API error. Build with [`Problem::new`] or [`Problem::internal`].
#[derive(Debug)]
pub struct Problem {
    pub kind: Kind,
    pub detail: Cow<'static, str>,
    /// Members beside the standard ones (RFC 9457 §3.2), e.g. the current version.
    extensions: serde_json::Map<String, serde_json::Value>,
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// The body of an error response (RFC 9457 §3).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemBody {
    /// A stable URI naming the kind of problem, e.g. `urn:trohet:problem:not-found`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(kind: Kind, detail: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            extensions: Default::default(),
            cause: None,
        }
    }

    /// A failure on our side; the cause is logged with its chain when the response is built.
    pub fn internal(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            kind: Kind::Internal,
            detail: "see the server log".into(),
            extensions: Default::default(),
            cause: Some(Box::new(cause)),
        }
    }

    /// Adds a member to the body (RFC 9457 §3.2).
    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.extensions.insert(name.to_string(), value.into());
        self
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(Kind::NotFound, format!("no such {what}"))
    }

    pub fn type_uri(kind: Kind) -> String {
        format!("urn:trohet:problem:{}", kind.slug())
    }
}

impl From<sqlx::Error> for Problem {
    fn from(error: sqlx::Error) -> Self {
        Problem::internal(error)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(error = %super::super::error_chain(cause.as_ref()), "API request failed");
        }
        let status = self.kind.status();
        let body = ProblemBody {
            kind: Problem::type_uri(self.kind),
            title: self.kind.title().into(),
            status: status.as_u16(),
            detail: self.detail.into_owned(),
            extensions: self.extensions,
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"trohet\""),
            );
        }
        response
    }
}
