//! The ledger checked against the audit chain: what `trohet audit verify` adds for the
//! records whose hashes the chain holds.

use super::ledger::Entry;
use super::store;
use crate::db::Db;
use futures_util::future::BoxFuture;

/// [`verify_ledger`] as the audit log's check of the records it covers.
pub fn ledger_check(db: &Db) -> BoxFuture<'_, Result<Option<(i64, String)>, sqlx::Error>> {
    Box::pin(verify_ledger(db))
}

/// Checks the ledger against the audit chain: every row's hash matches its content and
/// is the one recorded in its audit event, and every audited decision has its row.
/// Returns the audit seq of the first row that does not fit and what is wrong with it.
pub async fn verify_ledger(db: &Db) -> Result<Option<(i64, String)>, sqlx::Error> {
    const PAGE: i64 = 10_000;
    // Rows whose audit events were pruned are checked against their own hash only.
    let pruned_through = crate::audit::store::start(db).await?.seq;
    let mut after = 0;
    let mut rows = 0;
    loop {
        let page = store::ledger_page(db, after, PAGE).await?;
        let Some((last, _, _)) = page.last() else {
            break;
        };
        after = *last;
        for (id, entry, audit) in &page {
            let covered = entry.audit_seq > pruned_through;
            rows += i64::from(covered);
            if let Some(problem) = misfit(*id, entry, audit.as_ref(), covered) {
                return Ok(Some((entry.audit_seq, problem)));
            }
        }
    }
    let audited = store::audited_decisions(db).await?;
    Ok((audited != rows).then(|| {
        let detail =
            format!("the audit log records {audited} consent decisions, the ledger holds {rows}");
        (0, detail)
    }))
}

fn misfit(
    id: i64,
    entry: &Entry,
    audit: Option<&(String, String)>,
    covered: bool,
) -> Option<String> {
    if entry.compute_hash() != entry.entry_hash {
        return Some(format!(
            "consent entry {id} does not match its hash: it was changed"
        ));
    }
    if !covered {
        return None;
    }
    let recorded = audit.and_then(|(target, details)| {
        let details: serde_json::Value = serde_json::from_str(details).ok()?;
        let hash = details.get("entry_hash")?.as_str()?.to_string();
        (*target == entry.receipt_id).then_some(hash)
    });
    match recorded {
        Some(hash) if hash == entry.entry_hash => None,
        _ => Some(format!(
            "consent entry {id} is not the one its audit event {} recorded",
            entry.audit_seq
        )),
    }
}
