//! Compact JWS (RFC 7515) with the three algorithms we sign with. Hand-written on top of
//! `ring` because it is twenty lines and sits on the hot path of every token request.

use super::keys::{KeyRing, SigningKey};
use crate::crypto::{b64url, b64url_decode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SigningAlg {
    #[serde(rename = "RS256")]
    Rs256,
    #[serde(rename = "ES256")]
    Es256,
    #[serde(rename = "EdDSA")]
    EdDsa,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 3] = [SigningAlg::Rs256, SigningAlg::Es256, SigningAlg::EdDsa];

    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::Rs256 => "RS256",
            SigningAlg::Es256 => "ES256",
            SigningAlg::EdDsa => "EdDSA",
        }
    }

    pub fn parse(text: &str) -> Option<SigningAlg> {
        SigningAlg::ALL.into_iter().find(|alg| alg.as_str() == text)
    }
}

#[derive(Serialize, Deserialize)]
struct Header<'a> {
    alg: &'a str,
    kid: &'a str,
    typ: &'a str,
}

pub const TYP_ID_TOKEN: &str = "JWT";
/// RFC 9068 §2.1: access tokens say what they are, so an ID token cannot pass for one.
pub const TYP_ACCESS_TOKEN: &str = "at+jwt";

pub fn sign(key: &SigningKey, typ: &str, claims: &impl Serialize) -> String {
    let header = Header {
        alg: key.alg.as_str(),
        kid: &key.kid,
        typ,
    };
    let header = b64url(&serde_json::to_vec(&header).unwrap_or_default());
    let payload = b64url(&serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = b64url(&key.sign(signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Verifies a token signed by one of our keys with the expected `typ`, returning its claims.
/// Expiry is the caller's business: `end_session` accepts expired ID tokens as hints.
pub fn verify<T: DeserializeOwned>(ring: &KeyRing, token: &str, typ: &str) -> Option<T> {
    let mut parts = token.split('.');
    let (header_b64, payload_b64, signature_b64) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header_json = b64url_decode(header_b64)?;
    let header: Header = serde_json::from_slice(&header_json).ok()?;
    let key = ring.find(header.kid)?;
    if header.alg != key.alg.as_str() || !header.typ.eq_ignore_ascii_case(typ) {
        return None;
    }
    let signature = b64url_decode(signature_b64)?;
    let signing_input_len = header_b64.len() + 1 + payload_b64.len();
    if !key.verify(&token.as_bytes()[..signing_input_len], &signature) {
        return None;
    }
    serde_json::from_slice(&b64url_decode(payload_b64)?).ok()
}

/// The `kid` named in a compact JWS's header, unverified.
pub fn key_id(token: &str) -> Option<String> {
    let header = b64url_decode(token.split('.').next()?)?;
    let header: Header = serde_json::from_slice(&header).ok()?;
    Some(header.kid.to_string())
}

/// `at_hash` (OIDC Core §3.1.3.6): the left half of the access token's hash, with the hash
/// of the ID token's algorithm (SHA-512 for Ed25519, as the OpenID Foundation registered).
pub fn at_hash(alg: SigningAlg, access_token: &str) -> String {
    use aws_lc_rs::digest;
    let algorithm = match alg {
        SigningAlg::Rs256 | SigningAlg::Es256 => &digest::SHA256,
        SigningAlg::EdDsa => &digest::SHA512,
    };
    let hash = digest::digest(algorithm, access_token.as_bytes());
    let bytes = hash.as_ref();
    b64url(&bytes[..bytes.len() / 2])
}

/// `typ` of a signed audit checkpoint.
pub const TYP_CHECKPOINT: &str = "audit-checkpoint+jwt";

/// What an audit checkpoint signs: the chain's (seq, hash) at a point, by this issuer.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckpointClaims {
    pub iss: String,
    pub iat: i64,
    pub seq: i64,
    pub hash: String,
}

/// The audit chain's (seq, hash) signed with the current EdDSA key (`trohet audit
/// checkpoint`, and the janitor before it prunes).
pub fn sign_checkpoint(
    ring: &KeyRing,
    issuer: &str,
    seq: i64,
    hash: &str,
    now: crate::clock::UnixTime,
) -> Option<String> {
    let key = ring.active(SigningAlg::EdDsa, now)?;
    let claims = CheckpointClaims {
        iss: issuer.to_string(),
        iat: now,
        seq,
        hash: hash.to_string(),
    };
    Some(sign(key, TYP_CHECKPOINT, &claims))
}
