//! Consent receipts: a JWS the person or the portal app keeps as proof of one decision,
//! signed with the provider's keys (verifiable against `/jwks`). The claims are those of
//! the Kantara Consent Receipt 1.1 that apply, with the ISO/IEC TS 27560 record's legal
//! basis, decision and purpose version beside them.

use super::ledger::Entry;
use super::purpose::Purpose;
use crate::config::ControllerConfig;
use serde_json::{Value, json};

/// The JWS `typ` of a receipt, so that it cannot pass for a token.
pub const TYP_RECEIPT: &str = "consent-receipt+jwt";
const SPECIFICATION: &str = "KI-CR-v1.1.0";

/// The receipt's claims for one ledger entry. `subject` is the person as the receiving
/// client knows them (the `sub` of that client), or the person id on trohet's own pages.
pub fn claims(
    issuer: &str,
    controller: &ControllerConfig,
    purpose: &Purpose,
    entry: &Entry,
    subject: &str,
) -> Value {
    let text = purpose.text(&entry.language);
    json!({
        "iss": issuer,
        "iat": entry.recorded_at,
        "jti": entry.receipt_id,
        "version": SPECIFICATION,
        "jurisdiction": controller.jurisdiction,
        "consentTimestamp": entry.recorded_at,
        "collectionMethod": entry.method,
        "consentReceiptID": entry.receipt_id,
        "language": entry.language,
        "piiPrincipalId": subject,
        "piiControllers": [{
            "piiController": controller.name,
            "contact": controller.contact_email,
            "email": controller.contact_email,
            "url": controller.privacy_policy_url,
        }],
        "policyUrl": controller.privacy_policy_url,
        "services": [{
            "service": issuer,
            "purposes": [{
                "purpose": text.title,
                "purposeCategory": [purpose.id],
                "consentType": "EXPLICIT",
                "piiCategory": purpose.data_categories,
                "primaryPurpose": true,
                "termination": format!("P{}D", purpose.retention_days),
                "thirdPartyDisclosure": !purpose.recipients.is_empty(),
            }],
        }],
        "sensitive": false,
        "spiCat": [],
        "purpose_id": purpose.id,
        "purpose_version": entry.purpose_version,
        "legal_basis": purpose.legal_basis.as_str(),
        "decision": entry.decision,
        "client_id": entry.client_id,
    })
}
