//! `trohet person export|erase|hold|release` and `trohet dsr list|show|add|status`: the
//! DPO's work from the host, through the same service as the API, into the same register
//! and audit chain. The operator acts as the system principal.

use super::report;

use crate::authz::Principal;
use crate::clock::{Clock, rfc3339};
use crate::config::Config;
use crate::privacy::erasure::ErasureInput;
use crate::privacy::register::{Channel, Kind, RequestFilter, RequestRow, Status};
use crate::privacy::requests::NewRequestInput;
use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ChannelArg {
    Email,
    Letter,
    Phone,
    InPerson,
    Api,
}

impl From<ChannelArg> for Channel {
    fn from(arg: ChannelArg) -> Channel {
        match arg {
            ChannelArg::Email => Channel::Email,
            ChannelArg::Letter => Channel::Letter,
            ChannelArg::Phone => Channel::Phone,
            ChannelArg::InPerson => Channel::InPerson,
            ChannelArg::Api => Channel::Api,
        }
    }
}

/// What `person export|erase|hold|release` need.
#[derive(Subcommand, Debug)]
pub enum PersonPrivacyCommand {
    /// Write everything held about a person to a zip (GDPR Art. 15 and 20)
    Export {
        #[arg(long, value_name = "ID")]
        person: String,
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        #[arg(long, value_enum, default_value = "letter")]
        channel: ChannelArg,
        /// How the requester's identity was verified
        #[arg(
            long,
            value_name = "TEXT",
            default_value = "by the data protection officer"
        )]
        verification: String,
    },
    /// Erase a person now (GDPR Art. 17) and tell every app that received their data
    Erase {
        #[arg(long, value_name = "ID")]
        person: String,
        #[arg(long, value_enum, default_value = "letter")]
        channel: ChannelArg,
        #[arg(
            long,
            value_name = "TEXT",
            default_value = "by the data protection officer"
        )]
        verification: String,
    },
    /// Keep a person's data for a legal reason (Art. 17(3)): erasure is refused until released
    Hold {
        #[arg(long, value_name = "ID")]
        person: String,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Lift a legal hold
    Release {
        #[arg(long, value_name = "ID")]
        person: String,
    },
    /// Restrict a person's processing (Art. 18): data kept, not used
    Restrict {
        #[arg(long, value_name = "ID")]
        person: String,
        /// The registered request this answers (otherwise one is registered)
        #[arg(long, value_name = "ID")]
        request: Option<String>,
    },
    /// Lift a restriction
    Unrestrict {
        #[arg(long, value_name = "ID")]
        person: String,
    },
    /// Record an objection to a purpose (Art. 21): it stops, like a withdrawal
    Object {
        #[arg(long, value_name = "ID")]
        person: String,
        #[arg(long, value_name = "PURPOSE")]
        purpose: String,
        #[arg(long, value_name = "ID")]
        request: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Enforce policies/retention.toml now (the server does every 10 minutes)
    Run {
        /// Only count what would go
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn retention(
    config: &Config,
    command: RetentionCommand,
    json: bool,
) -> anyhow::Result<()> {
    let RetentionCommand::Run { dry_run } = command;
    let janitor = crate::app::open_janitor(config).await?;
    let Some(done) = janitor.run(dry_run).await? else {
        anyhow::bail!("another instance is enforcing retention right now; try again later");
    };
    let value = serde_json::to_value(&done)?;
    let verb = if dry_run { "would delete" } else { "deleted" };
    let text = format!(
        "{verb}: {} expired sessions, {} expired codes, tokens and requests, {} audit events, \
         {} anonymous consent decisions, {} closed requests; inactive people: {} warned, {} erased",
        done.expired_sessions,
        done.expired_codes_tokens_and_requests,
        done.audit_events_pruned,
        done.anonymous_consent_decisions,
        done.closed_requests,
        done.inactive_people_warned,
        done.inactive_people_erased
    );
    report(json, value, &text)
}

#[derive(Subcommand, Debug)]
pub enum DsrCommand {
    /// The register by deadline, overdue first (open requests unless --all)
    List {
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        all: bool,
    },
    /// One request, with each app's notification status
    Show {
        #[arg(long, value_name = "ID")]
        id: String,
    },
    /// Register a request received by letter, phone, e-mail or in person
    Add {
        #[arg(long, value_enum)]
        kind: KindArg,
        #[arg(long, value_name = "ID")]
        person: String,
        #[arg(long, value_enum)]
        channel: ChannelArg,
        #[arg(long, value_name = "TEXT")]
        verification: String,
        /// For an objection: the purpose objected to
        #[arg(long, value_name = "PURPOSE")]
        purpose: Option<String>,
    },
    /// Move a request along (rejected and extended need --reason)
    Status {
        #[arg(long, value_name = "ID")]
        id: String,
        #[arg(long, value_enum)]
        status: StatusArg,
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KindArg {
    Access,
    Portability,
    Erasure,
    Rectification,
    Restriction,
    Objection,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StatusArg {
    Verified,
    InProgress,
    Completed,
    Rejected,
    Extended,
}

fn parse_enum<T>(debug: impl std::fmt::Debug, parse: fn(&str) -> Option<T>) -> anyhow::Result<T> {
    let text = format!("{debug:?}");
    // clap's variant names, snake-cased: InProgress → in_progress.
    let mut snake = String::new();
    for (i, c) in text.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    parse(&snake).with_context(|| format!("unknown value {snake}"))
}

pub async fn person(
    config: &Config,
    command: PersonPrivacyCommand,
    json: bool,
) -> anyhow::Result<()> {
    let privacy = crate::app::open_privacy(config).await?;
    let operator = Principal::system();
    match command {
        PersonPrivacyCommand::Export {
            person,
            output,
            channel,
            verification,
        } => {
            let row = privacy
                .request_export(&operator, &person, channel.into(), &verification)
                .await?;
            let summary = privacy
                .summary(&person)
                .await?
                .with_context(|| format!("no person with id {person}"))?;
            let file = tokio::fs::File::create(&output)
                .await
                .with_context(|| format!("cannot create {}", output.display()))?;
            let mut file = tokio::io::BufWriter::new(file);
            privacy
                .write_export(summary, &row.dsr_id, &mut file)
                .await?;
            tokio::io::AsyncWriteExt::flush(&mut file).await?;
            file.into_inner().sync_all().await?;
            privacy.export_downloaded(&row).await?;
            let text = format!(
                "wrote the export of {person} to {} (request {})",
                output.display(),
                row.dsr_id
            );
            report(
                json,
                json!({"request": row.dsr_id, "output": output.display().to_string()}),
                &text,
            )
        }
        PersonPrivacyCommand::Erase {
            person,
            channel,
            verification,
        } => {
            let input = ErasureInput {
                channel: channel.into(),
                verification: &verification,
                at_once: true,
            };
            let row = privacy.request_erasure(&operator, &person, input).await?;
            let text = format!("erased {person} (request {}, {})", row.dsr_id, row.status);
            report(json, request_json(&row, privacy.clock.now()), &text)
        }
        PersonPrivacyCommand::Hold { person, reason } => {
            privacy
                .set_legal_hold(&operator, &person, Some(&reason))
                .await?;
            report(
                json,
                json!({"person": person, "legal_hold": reason}),
                &format!("{person} is under a legal hold"),
            )
        }
        PersonPrivacyCommand::Restrict { person, request } => {
            let row = privacy
                .restrict(&operator, &person, request.as_deref())
                .await?;
            let text = format!("restricted {person} (request {})", row.dsr_id);
            report(json, request_json(&row, privacy.clock.now()), &text)
        }
        PersonPrivacyCommand::Unrestrict { person } => {
            privacy.lift_restriction(&operator, &person).await?;
            report(
                json,
                json!({"person": person, "restricted": false}),
                &format!("lifted the restriction on {person}"),
            )
        }
        PersonPrivacyCommand::Object {
            person,
            purpose,
            request,
        } => {
            let row = privacy
                .object(&operator, &person, &purpose, request.as_deref())
                .await?;
            let text = format!(
                "recorded {person}'s objection to {purpose} (request {})",
                row.dsr_id
            );
            report(json, request_json(&row, privacy.clock.now()), &text)
        }
        PersonPrivacyCommand::Release { person } => {
            privacy.set_legal_hold(&operator, &person, None).await?;
            report(
                json,
                json!({"person": person, "legal_hold": null}),
                &format!("released the legal hold on {person}"),
            )
        }
    }
}

pub async fn dsr(config: &Config, command: DsrCommand, json: bool) -> anyhow::Result<()> {
    let privacy = crate::app::open_privacy(config).await?;
    let operator = Principal::system();
    let now = Clock::system().now();
    match command {
        DsrCommand::List { overdue, all } => {
            let filter = RequestFilter {
                open: !all,
                overdue_at: overdue.then_some(now),
                ..RequestFilter::default()
            };
            let rows = privacy.list_requests(&operator, &filter, 10_000).await?;
            let lines: Vec<String> = rows.iter().map(|r| request_line(r, now)).collect();
            let text = if lines.is_empty() {
                "no requests".to_string()
            } else {
                lines.join("\n")
            };
            report(
                json,
                Value::Array(rows.iter().map(|r| request_json(r, now)).collect()),
                &text,
            )
        }
        DsrCommand::Show { id } => {
            let (row, notifications) = privacy.request(&operator, &id).await?;
            let mut value = request_json(&row, now);
            value["notifications"] = json!(notifications);
            let mut lines = vec![request_line(&row, now)];
            lines.extend(
                row.actions()
                    .iter()
                    .map(|a| format!("  {} {}", rfc3339(a.at), a.what)),
            );
            lines.extend(notifications.iter().map(|n| {
                let state = n.delivery().as_str();
                format!(
                    "  {} {}: {state} after {} attempts",
                    n.client_id, n.kind, n.attempts
                )
            }));
            report(json, value, &lines.join("\n"))
        }
        DsrCommand::Add {
            kind,
            person,
            channel,
            verification,
            purpose,
        } => {
            let input = NewRequestInput {
                kind: parse_enum(kind, Kind::parse)?,
                person_id: &person,
                channel: channel.into(),
                verification: &verification,
                purpose_id: purpose.as_deref(),
            };
            let row = privacy.register_request(&operator, input).await?;
            report(json, request_json(&row, now), &request_line(&row, now))
        }
        DsrCommand::Status { id, status, reason } => {
            let status: Status = parse_enum(status, Status::parse)?;
            let row = privacy
                .change_status(&operator, &id, status, reason.as_deref())
                .await?;
            report(json, request_json(&row, now), &request_line(&row, now))
        }
    }
}

fn request_line(row: &RequestRow, now: i64) -> String {
    let overdue = if row.is_overdue(now) { " OVERDUE" } else { "" };
    format!(
        "{} {} {} due {}{overdue} ({}, received {} by {})",
        row.dsr_id,
        row.kind,
        row.status,
        row.deadline,
        row.person_id.as_deref().unwrap_or("erased person"),
        rfc3339(row.received_at),
        row.channel
    )
}

fn request_json(row: &RequestRow, now: i64) -> Value {
    json!({
        "id": row.dsr_id, "kind": row.kind, "person_id": row.person_id, "subject_ref": row.subject_ref,
        "purpose": row.purpose_id, "channel": row.channel, "verification": row.verification,
        "received_at": rfc3339(row.received_at), "deadline": row.deadline, "overdue": row.is_overdue(now),
        "status": row.status, "status_reason": row.status_reason,
        "completed_at": row.completed_at.map(rfc3339), "actions": row.actions(),
    })
}
