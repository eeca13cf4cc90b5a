//! `trohet audit verify` and `trohet audit checkpoint`. A checkpoint is the chain head
//! (sequence number and hash) signed as a JWS with the current EdDSA signing key, saved in
//! the database and printed: kept somewhere else, it proves later that even a wholesale
//! rewrite of the table (and of the saved copy) happened.

use super::report;
use crate::audit::{self, store};
use crate::clock::Clock;
use crate::config::Config;
use crate::oidc::jws::{self, CheckpointClaims, TYP_CHECKPOINT};
use crate::oidc::keys::{KeyRing, KeyVault};
use anyhow::{Context, bail};
use clap::Subcommand;

use serde_json::json;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the hash chain; exits non-zero naming the first event that does not fit
    Verify {
        /// A checkpoint printed earlier by `trohet audit checkpoint` (repeatable)
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// Print the chain head signed as a JWS, and save it for later verifications
    Checkpoint,
}

pub async fn audit(config: &Config, command: AuditCommand, json: bool) -> anyhow::Result<()> {
    let db = crate::app::open_database(config).await?;
    match command {
        AuditCommand::Checkpoint => {
            let ring = key_ring(config, &db).await?;
            let now = Clock::system().now();
            let head = store::head(&db).await?;
            let issuer = crate::app::public_url(config);
            let token = jws::sign_checkpoint(&ring, &issuer, head.seq, &head.hash, now)
                .context("no EdDSA signing key to sign with")?;
            let checkpoint = store::Checkpoint {
                seq: head.seq,
                hash: head.hash.clone(),
                jws: token.clone(),
            };
            store::insert_checkpoint(&db, &checkpoint, now).await?;
            report(
                json,
                json!({"seq": head.seq, "hash": head.hash, "jws": token}),
                &token,
            )
        }
        AuditCommand::Verify { checkpoints } => {
            let ring = match checkpoints.is_empty() {
                true => None,
                false => Some(key_ring(config, &db).await?),
            };
            let mut outside = Vec::new();
            for path in &checkpoints {
                outside.push(read_checkpoint(path, ring.as_ref())?);
            }
            let result = audit::verify_all(&db, &outside, &[crate::consent::ledger_check]).await?;
            if let Some(problem) = &result.problem {
                bail!("{problem}");
            }
            let text = format!(
                "the audit chain and the consent ledger it covers are intact: {} events, head {} {}, {} checkpoints checked",
                result.events,
                result.verified_seq,
                result.verified_hash,
                result.checkpoints_checked
            );
            report(json, serde_json::to_value(&result)?, &text)
        }
    }
}

async fn key_ring(config: &Config, db: &crate::db::Db) -> anyhow::Result<KeyRing> {
    let master = crate::app::load_master_key(config)?;
    let vault = KeyVault::new(master, crate::app::key_retention_secs(config));
    Ok(vault.load(db, Clock::system().now()).await?)
}

/// A checkpoint file's (seq, hash), its signature checked when the signing key is still
/// held (retired keys go once their tokens expire; the hash is still compared).
fn read_checkpoint(path: &PathBuf, ring: Option<&KeyRing>) -> anyhow::Result<(i64, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read checkpoint {}", path.display()))?;
    let token = text.trim();
    let payload = token
        .split('.')
        .nth(1)
        .and_then(crate::crypto::b64url_decode)
        .and_then(|bytes| serde_json::from_slice::<CheckpointClaims>(&bytes).ok())
        .with_context(|| format!("{} is not an audit checkpoint", path.display()))?;
    if let Some(ring) = ring {
        let kid_known = jws::key_id(token).is_some_and(|kid| ring.find(&kid).is_some());
        if kid_known && jws::verify::<CheckpointClaims>(ring, token, TYP_CHECKPOINT).is_none() {
            bail!("the checkpoint {} has an invalid signature", path.display());
        }
    }
    Ok((payload.seq, payload.hash))
}
