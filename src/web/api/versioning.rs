//! Optimistic concurrency: reads return an `ETag` naming the row's version, and updates
//! carry it back in `If-Match`, so two admins cannot overwrite each other unknowingly
//! (RFC 9110 §13.1.1). A stale tag is 412; an update without one is 428 (RFC 6585).

use super::{Kind, Problem};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// A JSON body with its row version as the `ETag` header.
pub struct Versioned<T>(pub i64, pub T);

impl<T: serde::Serialize> IntoResponse for Versioned<T> {
    fn into_response(self) -> Response {
        let mut response = axum::Json(self.1).into_response();
        response.headers_mut().insert(header::ETAG, etag(self.0));
        response
    }
}

/// The version an update was based on. `*` (any version) is `Any`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    Absent,
    Any,
    Version(i64),
    /// A tag we never issued: it matches nothing.
    Unknown,
}

impl IfMatch {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let Some(value) = headers.get(header::IF_MATCH) else {
            return IfMatch::Absent;
        };
        let text = value.to_str().unwrap_or_default().trim();
        if text == "*" {
            return IfMatch::Any;
        }
        text.trim_start_matches("W/")
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|t| t.parse().ok())
            .map_or(IfMatch::Unknown, IfMatch::Version)
    }

    /// For updates that must name the version they replace.
    pub fn required(self) -> Result<Self, Problem> {
        match self {
            IfMatch::Absent => Err(Problem::new(
                Kind::PreconditionRequired,
                "send If-Match with the ETag of the resource you read",
            )),
            other => Ok(other),
        }
    }

    /// Whether a row at `version` satisfies the condition.
    pub fn matches(self, version: i64) -> bool {
        match self {
            IfMatch::Absent | IfMatch::Any => true,
            IfMatch::Version(expected) => expected == version,
            IfMatch::Unknown => false,
        }
    }

    /// The 412 for a condition that failed.
    pub fn stale() -> Problem {
        Problem::new(
            Kind::PreconditionFailed,
            "the resource was changed by someone else; read it again",
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IfMatch::from_headers(&parts.headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> IfMatch {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        IfMatch::from_headers(&headers)
    }

    #[test]
    fn if_match_reads_our_etags_and_refuses_others() {
        assert_eq!(parse("\"7\""), IfMatch::Version(7));
        assert_eq!(parse("W/\"7\""), IfMatch::Version(7));
        assert_eq!(parse("*"), IfMatch::Any);
        assert_eq!(parse("\"abc\""), IfMatch::Unknown);
        assert!(!IfMatch::Unknown.matches(1));
        assert!(IfMatch::from_headers(&HeaderMap::new()).required().is_err());
    }
}
