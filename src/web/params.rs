//! OAuth request parameters from a query string or a form body. RFC 6749 §3.1 forbids
//! repeated parameters, and we bound sizes so oversized input is a clear 400, never a 500.

use axum::http::{HeaderMap, header};
use std::collections::HashMap;

/// No single OAuth parameter we accept needs more than this.
pub const MAX_PARAM_BYTES: usize = 4096;
pub const MAX_PARAMS_BYTES: usize = 16 * 1024;

#[derive(Debug, Default, Clone)]
pub struct Params(HashMap<String, String>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParamsError {
    #[error("the parameter {0} is repeated")]
    Repeated(String),
    #[error("the parameter {0} is too long")]
    TooLong(String),
    #[error("the request parameters are too large")]
    TooLarge,
    #[error("the request body must be application/x-www-form-urlencoded")]
    NotAForm,
}

impl Params {
    pub fn parse(encoded: &[u8]) -> Result<Params, ParamsError> {
        if encoded.len() > MAX_PARAMS_BYTES {
            return Err(ParamsError::TooLarge);
        }
        let mut map = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(encoded) {
            if value.len() > MAX_PARAM_BYTES {
                return Err(ParamsError::TooLong(name.into_owned()));
            }
            // An empty value counts as absent (RFC 6749 §3.1).
            if value.is_empty() {
                continue;
            }
            if map.insert(name.to_string(), value.into_owned()).is_some() {
                return Err(ParamsError::Repeated(name.into_owned()));
            }
        }
        Ok(Params(map))
    }

    /// Parses a request body after checking that its content type is a form.
    pub fn from_form(headers: &HeaderMap, body: &[u8]) -> Result<Params, ParamsError> {
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|ct| {
                ct.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return Err(ParamsError::NotAForm);
        }
        Params::parse(body)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_repeated_parameter_is_refused() {
        assert_eq!(
            Params::parse(b"a=1&a=2").unwrap_err(),
            ParamsError::Repeated("a".into())
        );
    }

    #[test]
    fn an_oversized_parameter_is_refused() {
        let body = format!("state={}", "x".repeat(MAX_PARAM_BYTES + 1));
        assert!(matches!(
            Params::parse(body.as_bytes()),
            Err(ParamsError::TooLong(_))
        ));
    }

    #[test]
    fn invalid_percent_encoding_is_decoded_lossily_not_refused_with_a_crash() {
        let params = Params::parse(b"state=%ff%fe").unwrap();
        assert!(params.get("state").is_some());
    }

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers
    }

    #[test]
    fn a_json_body_is_not_a_form() {
        assert_eq!(
            Params::from_form(&json_headers(), b"{}").unwrap_err(),
            ParamsError::NotAForm
        );
    }
}
