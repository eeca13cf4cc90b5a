//! Operations: health and readiness probes and Prometheus metrics (requests and latency by
//! route, logins, tokens by grant, open and overdue data subject requests). Labels never carry personal data.

mod metrics;

pub use metrics::{Metrics, track_requests};

use crate::clock::Clock;
use crate::db::Db;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::sync::Arc;

struct Ops {
    db: Db,
    clock: Clock,
    metrics: Arc<Metrics>,
}

pub fn router(db: Db, clock: Clock, metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(render_metrics))
        .with_state(Arc::new(Ops { db, clock, metrics }))
}

async fn ready(State(state): State<Arc<Ops>>) -> impl IntoResponse {
    match sqlx::query("select 1").execute(&state.db).await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(error = %crate::web::error_chain(&error), "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

async fn render_metrics(State(state): State<Arc<Ops>>) -> impl IntoResponse {
    match crate::privacy::register::counts(&state.db, state.clock.now()).await {
        Ok((open, overdue)) => state.metrics.set_subject_requests(open, overdue),
        Err(error) => {
            tracing::warn!(error = %crate::web::error_chain(&error), "cannot count data subject requests");
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
