//! Pseudonyms: HMAC-SHA-256 of the customer account id under the person's own random
//! secret (kept in `subject_key`, deleted on erasure). Nothing in analytics names a person;
//! once the secret is gone nobody, trohet included, can tie the rows to anyone.

use crate::crypto;
use crate::db::{Db, placeholders};
use std::collections::HashMap;

/// What the survey timing is keyed by: a person-wide pseudonym, so that apps of several
/// customer accounts share one rhythm. NUL cannot occur in a customer account id.
const SURVEY_MESSAGE: &[u8] = b"relationship-nps-survey\0";

pub fn pseudonym(secret: &[u8; 32], customer_account_id: &str) -> String {
    crypto::hmac_b64(secret, customer_account_id.as_bytes())
}

pub fn survey_key(secret: &[u8; 32]) -> String {
    crypto::hmac_b64(secret, SURVEY_MESSAGE)
}

/// The pseudonym secrets of these people (people without one have made no consent
/// decision, so nothing of theirs is counted).
pub async fn secrets(
    db: &Db,
    person_ids: &[String],
) -> Result<HashMap<String, [u8; 32]>, sqlx::Error> {
    let mut found = HashMap::new();
    for chunk in person_ids.chunks(500) {
        let marks = placeholders(1, chunk.len());
        let sql = format!(
            "select person_id, pseudonym_secret from subject_key where person_id in ({marks})"
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for (person_id, secret) in query.fetch_all(db).await? {
            if let Some(secret) = decode(&secret) {
                found.insert(person_id, secret);
            }
        }
    }
    Ok(found)
}

/// One person's secret, if they still have one.
pub async fn secret_of(db: &Db, person_id: &str) -> Result<Option<[u8; 32]>, sqlx::Error> {
    Ok(secrets(db, &[person_id.to_string()])
        .await?
        .remove(person_id))
}

fn decode(text: &str) -> Option<[u8; 32]> {
    crypto::b64url_decode(text)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_person_has_a_different_pseudonym_in_each_customer_account() {
        let secret = [7u8; 32];
        let a = pseudonym(&secret, "acme");
        assert_eq!(a, pseudonym(&secret, "acme"));
        assert_ne!(a, pseudonym(&secret, "globex"));
        assert_ne!(a, pseudonym(&[8u8; 32], "acme"));
        assert_ne!(survey_key(&secret), a);
    }
}
