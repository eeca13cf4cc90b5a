//! `trohet purposes check`, `trohet consent show` and `trohet consent record`: the
//! operator on the host reads a person's ledger and records a decision received on paper
//! or by phone, through the same service as the API, into the same audit chain.

use super::report;
use crate::audit::Actor;
use crate::clock::rfc3339;
use crate::config::Config;
use crate::consent::{Decision, Entry, Method, Purposes, Recording};
use anyhow::bail;
use clap::{Subcommand, ValueEnum};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum PurposesCommand {
    /// Validate policies/purposes.toml and print each purpose's current version
    Check,
}

#[derive(Subcommand, Debug)]
pub enum ConsentCommand {
    /// A person's current decisions and their whole ledger
    Show {
        #[arg(long, value_name = "ID")]
        person: String,
    },
    /// Record a decision received outside trohet (paper, phone)
    Record {
        #[arg(long, value_name = "ID")]
        person: String,
        #[arg(long, value_name = "PURPOSE")]
        purpose: String,
        #[arg(long, value_enum)]
        decision: DecisionArg,
        /// How the decision came in; only `staff` can be recorded from here
        #[arg(long, value_enum, default_value = "staff")]
        method: MethodArg,
        /// Where the decision came from (e.g. "signed form 2026-11-20")
        #[arg(long, value_name = "TEXT")]
        note: String,
        /// The language of the text the person agreed to (en or sv)
        #[arg(long, default_value = "en")]
        language: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DecisionArg {
    Granted,
    Refused,
    Withdrawn,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MethodArg {
    Staff,
}

pub fn purposes(config: &Config, command: PurposesCommand, json: bool) -> anyhow::Result<()> {
    let PurposesCommand::Check = command;
    let purposes = Purposes::load(&config.policies.dir)?;
    let listed: Vec<_> = purposes
        .iter()
        .map(|p| json!({"id": p.id, "legal_basis": p.legal_basis.as_str(), "version": p.version}))
        .collect();
    let lines: Vec<String> = purposes
        .iter()
        .map(|p| format!("{} ({}) {}", p.id, p.legal_basis.as_str(), p.version))
        .collect();
    let text = format!("{} purposes are valid:\n{}", lines.len(), lines.join("\n"));
    report(json, json!({"purposes": listed}), &text)
}

pub async fn consent(config: &Config, command: ConsentCommand, json: bool) -> anyhow::Result<()> {
    let consent = crate::app::open_consent(config).await?;
    match command {
        ConsentCommand::Show { person } => {
            if crate::identity::store::persons::find(consent.db(), &person)
                .await?
                .is_none()
            {
                bail!("no person with id {person}");
            }
            let states = consent.states(&person).await?;
            let history = consent.history(&person).await?;
            let mut lines: Vec<String> = states
                .iter()
                .map(|s| {
                    let state = match s.state {
                        Some(state) => state.as_str().to_string(),
                        None => format!("not asked ({})", s.legal_basis.as_str()),
                    };
                    format!("{}: {state}", s.purpose_id)
                })
                .collect();
            lines.push(format!("{} decisions:", history.len()));
            lines.extend(history.iter().map(entry_line));
            let value = json!({
                "purposes": states.iter().map(|s| json!({
                    "purpose": s.purpose_id,
                    "legal_basis": s.legal_basis.as_str(),
                    "state": s.state,
                    "current_version": s.current_version,
                })).collect::<Vec<_>>(),
                "history": history.iter().map(entry_json).collect::<Vec<_>>(),
            });
            report(json, value, &lines.join("\n"))
        }
        ConsentCommand::Record {
            person,
            purpose,
            decision,
            method: MethodArg::Staff,
            note,
            language,
        } => {
            if !["en", "sv"].contains(&language.as_str()) {
                bail!("--language must be en or sv");
            }
            if crate::identity::store::persons::find(consent.db(), &person)
                .await?
                .is_none()
            {
                bail!("no person with id {person}");
            }
            let recording = Recording {
                purpose_id: purpose,
                version: None,
                decision: match decision {
                    DecisionArg::Granted => Decision::Granted,
                    DecisionArg::Refused => Decision::Refused,
                    DecisionArg::Withdrawn => Decision::Withdrawn,
                },
                method: Method::Staff,
                client_id: None,
                note: Some(note),
                language,
            };
            let entry = consent.record(Actor::System, &person, recording).await?;
            report(
                json,
                entry_json(&entry),
                &format!("recorded: {}", entry_line(&entry)),
            )
        }
    }
}

fn entry_line(e: &Entry) -> String {
    format!(
        "{} {} {} {} (version {}, {}{})",
        rfc3339(e.recorded_at),
        e.purpose_id,
        e.decision,
        e.method,
        &e.purpose_version[..12.min(e.purpose_version.len())],
        e.receipt_id,
        e.note
            .as_ref()
            .map(|n| format!(", note: {n}"))
            .unwrap_or_default()
    )
}

fn entry_json(e: &Entry) -> serde_json::Value {
    json!({
        "receipt_id": e.receipt_id,
        "purpose": e.purpose_id,
        "version": e.purpose_version,
        "decision": e.decision,
        "method": e.method,
        "client_id": e.client_id,
        "note": e.note,
        "language": e.language,
        "recorded_at": rfc3339(e.recorded_at),
    })
}
