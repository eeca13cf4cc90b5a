//! Security headers on every response, set with tower-http so handlers never think of them.

use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// No scripts at all, styles only from our own stylesheet, never framed (clickjacking).
/// `form-action` is left out on purpose: browsers apply it to the redirect that follows a
/// form post, which would block sending the person back to the portal app.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

pub fn layers(https: bool) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let mut layers = vec![
        fixed(header::CONTENT_SECURITY_POLICY, CSP),
        fixed(header::REFERRER_POLICY, "no-referrer"),
        fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        fixed(header::X_FRAME_OPTIONS, "DENY"),
    ];
    if https {
        layers.push(fixed(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        ));
    }
    layers
}

fn fixed(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
