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
        parts
            .extensions
            .get::<crate::authz::Principal>()
            .cloned()
            .ok_or_else(|| Problem::new(Kind::Unauthorized, "send a bearer access token"))
    }
}
