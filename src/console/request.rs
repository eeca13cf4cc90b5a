//! What every console handler starts from: the signed-in visitor, the request headers
//! (pages need them for the CSRF cookie) and the parameters: the query string of a page,
//! or the fields of a form post once its CSRF token checked out.

use super::errors;
use super::{Console, Visitor};
use crate::web::params::{MAX_PARAMS_BYTES, Params};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use std::sync::Arc;

/// A signed-in visitor's request with its parameters.
pub struct Visit {
    pub visitor: Visitor,
    pub headers: HeaderMap,
    pub params: Params,
}

impl Visit {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }
}

impl FromRequestParts<Arc<Console>> for Visit {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        console: &Arc<Console>,
    ) -> Result<Self, Self::Rejection> {
        let visitor = visitor(parts, console).await?;
        let query = parts.uri.query().unwrap_or_default();
        let params =
            Params::parse(query.as_bytes()).map_err(|_| errors::bad_request(visitor.locale))?;
        Ok(Visit {
            visitor,
            headers: parts.headers.clone(),
            params,
        })
    }
}

/// A form post to the console: a [`Visit`] whose parameters are the form's fields, after
/// the CSRF check.
pub struct Submission(pub Visit);

impl FromRequest<Arc<Console>> for Submission {
    type Rejection = Response;

    async fn from_request(request: Request, console: &Arc<Console>) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let visitor = visitor(&parts, console).await?;
        let locale = visitor.locale;
        let body = axum::body::to_bytes(body, MAX_PARAMS_BYTES + 1)
            .await
            .map_err(|_| errors::bad_request(locale))?;
        let params =
            Params::from_form(&parts.headers, &body).map_err(|_| errors::bad_request(locale))?;
        if !console.forms.verify(&parts.headers, params.get("csrf")) {
            return Err(errors::form_expired(locale));
        }
        Ok(Submission(Visit {
            visitor,
            headers: parts.headers,
            params,
        }))
    }
}

/// The visitor, or the login page. After signing in, a page comes back to itself; a form
/// post (which cannot be replayed) comes back to the console's start page.
async fn visitor(parts: &Parts, console: &Console) -> Result<Visitor, Response> {
    let start = Uri::from_static("/console");
    let back = if parts.method == Method::GET {
        &parts.uri
    } else {
        &start
    };
    console.visitor(&parts.headers, back).await
}
