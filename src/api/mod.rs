//! The admin API under `/api/v1`: each context contributes its routes, documented with
//! utoipa so that the OpenAPI 3.1 document at `/api/openapi.json` is generated from the
//! very routes served and cannot drift. Here the routes are merged, every request's bearer
//! token is turned into a [`Principal`], and the document is served.

use crate::authz::Principal;
use crate::oidc::Oidc;
use crate::oidc::principal::TokenRejection;
use crate::web::api::{Bearer, Kind, Problem};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "trohet admin API",
        description = "Administration of customer accounts, persons, memberships, invitations, \
                       clients, signing keys and the audit log. Errors are RFC 9457 problem \
                       details; lists are keyset-paged; updates take If-Match.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(
                "An access token issued by trohet: a person's with the `admin` scope, or a \
                 service client's from client_credentials.",
            ))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        let basic = HttpBuilder::new()
            .scheme(HttpAuthScheme::Basic)
            .description(Some(
                "A confidential client's id and secret (client_secret_basic); a form body may \
                 carry them instead (client_secret_post).",
            ))
            .build();
        components.add_security_scheme("client_basic", SecurityScheme::Http(basic));
    }
}

/// The documented routes of every context, with their states applied.
pub struct Routes(pub OpenApiRouter);

impl Routes {
    pub fn new() -> Self {
        Routes(OpenApiRouter::with_openapi(ApiDoc::openapi()))
    }

    pub fn merge(self, routes: OpenApiRouter) -> Self {
        Routes(self.0.merge(routes))
    }
}

/// The API router and its OpenAPI document.
pub fn router(routes: Routes, oidc: Arc<Oidc>) -> (Router, utoipa::openapi::OpenApi) {
    let (router, document) = routes.0.split_for_parts();
    let json = bytes::Bytes::from(document.to_json().unwrap_or_default());
    let router = router
        .layer(axum::middleware::from_fn_with_state(oidc, authenticate))
        .route(
            "/api/openapi.json",
            get(move || serve_document(json.clone())),
        );
    (router, document)
}

async fn serve_document(json: bytes::Bytes) -> Response {
    let mut response = json.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Attaches the principal of a bearer token; a request without one goes on bare (its
/// handler answers 401 if it needs a principal), a bad token is refused here.
async fn authenticate(State(oidc): State<Arc<Oidc>>, mut request: Request, next: Next) -> Response {
    let Some(token) = bearer(&request) else {
        return next.run(request).await;
    };
    match oidc.api_caller(&token).await {
        Ok((bearer, principal)) => {
            request.extensions_mut().insert::<Bearer>(bearer);
            if let Some(principal) = principal {
                request.extensions_mut().insert::<Principal>(principal);
            }
            next.run(request).await
        }
        Err(TokenRejection::Invalid) => Problem::new(
            Kind::Unauthorized,
            "the access token is invalid, expired or revoked",
        )
        .into_response(),
        Err(TokenRejection::Server(error)) => Problem::internal(error).into_response(),
    }
}

fn bearer(request: &Request) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}
