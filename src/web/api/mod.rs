//! Plumbing of the JSON API shared by every context: problem details, body and query
//! extractors that answer in problem details, keyset paging and ETags.

mod paging;
mod problem;
mod versioning;

pub use paging::{Cursor, Page, PageQuery};
pub use problem::{Kind, Problem, ProblemBody};
pub use versioning::{IfMatch, Versioned};

use axum::extract::{FromRequest, FromRequestParts};

/// A JSON body; a malformed one is a 400 problem, not axum's plain-text rejection.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Problem))]
pub struct Json<T>(pub T);

/// Query parameters; malformed ones are a 400 problem.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Problem))]
pub struct Query<T>(pub T);

/// Path parameters; malformed ones are a 400 problem.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Problem))]
pub struct Path<T>(pub T);

impl From<axum::extract::rejection::JsonRejection> for Problem {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        Problem::new(Kind::InvalidRequest, rejection.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for Problem {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        Problem::new(Kind::InvalidRequest, rejection.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for Problem {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        Problem::new(Kind::InvalidRequest, rejection.body_text())
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// The principal the API's authentication layer attached to the request; 401 without one.
impl<S: Send + Sync> FromRequestParts<S> for crate::authz::Principal {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<crate::authz::Principal>() {
            return Ok(principal.clone());
        }
        // A valid token that makes no principal: a person's without the admin scope.
        match parts.extensions.get::<Bearer>() {
            Some(_) => Err(missing_scope("admin")),
            None => Err(Problem::new(
                Kind::Unauthorized,
                "send a bearer access token",
            )),
        }
    }
}

/// The access token behind an API request, whatever it may do: a person's (with the
/// client that got it) or a service client's own.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub client_id: String,
    /// The person the token was issued for; `None` for a client_credentials token.
    pub person_id: Option<String>,
    pub scope: Vec<String>,
}

impl Bearer {
    /// A person's token carrying `scope` (403 otherwise).
    pub fn person_with(&self, scope: &str) -> Result<&str, Problem> {
        match &self.person_id {
            Some(person) if self.has(scope) => Ok(person),
            Some(_) => Err(missing_scope(scope)),
            None => Err(Problem::new(
                Kind::Forbidden,
                "this needs a person's access token, not a client's",
            )),
        }
    }

    /// A service client's token carrying `scope` (403 otherwise).
    pub fn client_with(&self, scope: &str) -> Result<&str, Problem> {
        match &self.person_id {
            None if self.has(scope) => Ok(&self.client_id),
            None => Err(missing_scope(scope)),
            Some(_) => Err(Problem::new(
                Kind::Forbidden,
                "this needs a client_credentials access token, not a person's",
            )),
        }
    }

    fn has(&self, scope: &str) -> bool {
        self.scope.iter().any(|s| s == scope)
    }
}

fn missing_scope(scope: &str) -> Problem {
    Problem::new(
        Kind::Forbidden,
        format!("the access token lacks the {scope} scope"),
    )
}

/// The bearer token the API's authentication layer attached; 401 without one.
impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Bearer>()
            .cloned()
            .ok_or_else(|| Problem::new(Kind::Unauthorized, "send a bearer access token"))
    }
}
