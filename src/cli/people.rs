//! Customer accounts, persons, memberships and invitations from the command line. Each
//! command goes through the same service as the admin API, as the operator, and lands in
//! the audit log.

use super::report;
use crate::admin::{Admin, NewMembership, NewPerson};
use crate::config::Config;
use crate::identity::service::invitations::InviteInput;
use crate::identity::service::persons::PersonDetail;
use crate::identity::store::customers::CustomerFilter;
use crate::identity::store::persons::PersonFilter;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use std::io::BufRead;

/// Rows per page when a list command walks the whole list.
const PAGE: i64 = 200;

#[derive(Subcommand, Debug)]
pub enum CustomerCommand {
    Add {
        #[arg(long)]
        name: String,
    },
    /// List customer accounts by name
    List {
        /// Prefix of the name
        #[arg(long, value_name = "PREFIX")]
        q: Option<String>,
        /// active or suspended
        #[arg(long)]
        status: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PersonCommand {
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        locale: Option<String>,
        /// A member of the portal owner's staff (roles are then staff roles)
        #[arg(long)]
        staff: bool,
        /// The customer account the roles apply to
        #[arg(long, value_name = "ID")]
        customer: Option<String>,
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Read the password from the first line of standard input (required)
        #[arg(long)]
        password_stdin: bool,
    },
    /// List persons by email, optionally of one customer account or by email/name prefix
    List {
        #[arg(long, value_name = "ID")]
        customer: Option<String>,
        #[arg(long, value_name = "PREFIX")]
        q: Option<String>,
    },
    /// Show one person with their roles
    Show {
        #[arg(long, value_name = "ID")]
        person: String,
    },
    /// End every session, grant and refresh token of the person and refuse new logins
    Disable {
        #[arg(long, value_name = "ID")]
        person: String,
    },
    /// Allow the person to log in again (nothing that disabling ended comes back)
    Enable {
        #[arg(long, value_name = "ID")]
        person: String,
    },
    #[command(flatten)]
    Privacy(super::privacy::PersonPrivacyCommand),
}

#[derive(Subcommand, Debug)]
pub enum MembershipCommand {
    /// Give the person exactly these roles in the account (adding the membership if new)
    Add {
        #[arg(long, value_name = "ID")]
        person: String,
        #[arg(long, value_name = "ID")]
        customer: String,
        #[arg(long = "role", value_name = "ROLE", required = true)]
        roles: Vec<String>,
    },
    /// Remove the person from the account
    Remove {
        #[arg(long, value_name = "ID")]
        person: String,
        #[arg(long, value_name = "ID")]
        customer: String,
    },
}

#[derive(Args, Debug)]
pub struct InviteArgs {
    #[arg(long, value_name = "ID")]
    customer: String,
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    #[arg(long = "role", value_name = "ROLE", required = true)]
    roles: Vec<String>,
    /// sv or en: the language of the e-mail
    #[arg(long)]
    locale: Option<String>,
}

pub async fn customer(config: &Config, command: CustomerCommand, json: bool) -> anyhow::Result<()> {
    let (admin, _) = crate::app::open_admin(config).await?;
    match command {
        CustomerCommand::Add { name } => {
            let id = admin.add_customer_account(&name).await?;
            report(
                json,
                json!({"id": id}),
                &format!("created customer account {id}"),
            )
        }
        CustomerCommand::List { q, status } => {
            let mut filter = CustomerFilter {
                q,
                status,
                ..CustomerFilter::default()
            };
            let mut rows = Vec::new();
            loop {
                let mut page = admin
                    .identity()
                    .list_customers(admin.operator(), filter.clone(), PAGE)
                    .await?;
                let more = page.len() as i64 > PAGE;
                page.truncate(PAGE as usize);
                filter.after = page
                    .last()
                    .map(|r| (r.name_normalized.clone(), r.customer_account_id.clone()));
                rows.extend(page);
                if !more {
                    break;
                }
            }
            let values: Vec<_> = rows
                .iter()
                .map(|r| json!({"id": r.customer_account_id, "name": r.name, "status": r.status}))
                .collect();
            let text = rows
                .iter()
                .map(|r| format!("{}  {:<9}  {}", r.customer_account_id, r.status, r.name))
                .collect::<Vec<_>>()
                .join("\n");
            report(json, json!(values), &text)
        }
    }
}

pub async fn person(config: &Config, command: PersonCommand, json: bool) -> anyhow::Result<()> {
    if let PersonCommand::Privacy(command) = command {
        return super::privacy::person(config, command, json).await;
    }
    let (admin, _) = crate::app::open_admin(config).await?;
    let operator = admin.operator();
    match command {
        PersonCommand::Add {
            email,
            name,
            locale,
            staff,
            customer,
            roles,
            password_stdin,
        } => {
            add_person(
                &admin,
                email,
                name,
                locale,
                staff,
                customer,
                roles,
                password_stdin,
                json,
            )
            .await
        }
        PersonCommand::List { customer, q } => list_persons(&admin, customer, q, json).await,
        PersonCommand::Show { person } => {
            let detail = admin.identity().person(operator, &person).await?;
            report(json, person_json(&detail), &person_text(&detail))
        }
        PersonCommand::Disable { person } => {
            let detail = admin.identity().disable_person(operator, &person).await?;
            report(
                json,
                person_json(&detail),
                &format!("disabled {person}: sessions and grants ended"),
            )
        }
        PersonCommand::Enable { person } => {
            let detail = admin.identity().enable_person(operator, &person).await?;
            report(json, person_json(&detail), &format!("enabled {person}"))
        }
        // Handled above, before opening the admin context.
        PersonCommand::Privacy(_) => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn add_person(
    admin: &Admin,
    email: String,
    name: String,
    locale: Option<String>,
    staff: bool,
    customer: Option<String>,
    roles: Vec<String>,
    password_stdin: bool,
    json: bool,
) -> anyhow::Result<()> {
    if !password_stdin {
        bail!("the password is read from standard input: pass --password-stdin");
    }
    if staff && customer.is_some() {
        bail!("--staff and --customer exclude each other: staff hold staff roles");
    }
    if !staff && customer.is_none() && !roles.is_empty() {
        bail!("--role needs --customer ID (or --staff for staff roles)");
    }
    let password = read_password()?;
    let (staff_roles, memberships) = match customer {
        Some(customer_account_id) => (
            Vec::new(),
            vec![NewMembership {
                customer_account_id,
                roles,
            }],
        ),
        None => (roles, Vec::new()),
    };
    let new = NewPerson {
        email,
        display_name: name,
        locale,
        staff,
        staff_roles,
        memberships,
        password,
    };
    let id = admin.add_person(new).await?;
    report(json, json!({"id": id}), &format!("created person {id}"))
}

async fn list_persons(
    admin: &Admin,
    customer: Option<String>,
    q: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let mut filter = PersonFilter {
        q,
        ..PersonFilter::default()
    };
    let mut rows = Vec::new();
    loop {
        let mut page = admin
            .identity()
            .list_persons(admin.operator(), filter.clone(), customer.as_deref(), PAGE)
            .await?;
        let more = page.len() as i64 > PAGE;
        page.truncate(PAGE as usize);
        filter.after = page.last().map(|r| r.email_normalized.clone());
        rows.extend(page);
        if !more {
            break;
        }
    }
    let values: Vec<_> = rows
        .iter()
        .map(|r| json!({"id": r.person_id, "email": r.email, "name": r.display_name, "kind": r.kind, "status": r.status}))
        .collect();
    let text = rows
        .iter()
        .map(|r| {
            format!(
                "{}  {:<8}  {:<8}  {}  {}",
                r.person_id, r.kind, r.status, r.email, r.display_name
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    report(json, json!(values), &text)
}

fn person_json(detail: &PersonDetail) -> serde_json::Value {
    let row = &detail.row;
    json!({
        "id": row.person_id,
        "email": row.email,
        "name": row.display_name,
        "locale": row.locale,
        "kind": row.kind,
        "status": row.status,
        "staff_roles": detail.staff_roles,
        "memberships": detail.memberships.iter().map(|(id, name, status, roles)| {
            json!({"customer_id": id, "customer_name": name, "customer_status": status, "roles": roles})
        }).collect::<Vec<_>>(),
    })
}

fn person_text(detail: &PersonDetail) -> String {
    let row = &detail.row;
    let mut text = format!(
        "{} <{}>\nid: {}\nkind: {}\nstatus: {}",
        row.display_name, row.email, row.person_id, row.kind, row.status
    );
    if let Some(roles) = detail.staff_roles.as_ref().filter(|r| !r.is_empty()) {
        text.push_str(&format!("\nstaff roles: {}", roles.join(", ")));
    }
    for (id, name, status, roles) in &detail.memberships {
        text.push_str(&format!("\n{name} ({id}, {status}): {}", roles.join(", ")));
    }
    text
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}

pub async fn membership(
    config: &Config,
    command: MembershipCommand,
    json: bool,
) -> anyhow::Result<()> {
    let (admin, _) = crate::app::open_admin(config).await?;
    match command {
        MembershipCommand::Add {
            person,
            customer,
            roles,
        } => {
            admin
                .add_membership(&person, &customer, roles.clone())
                .await?;
            report(
                json,
                json!({"person": person, "customer": customer, "roles": roles}),
                "membership saved",
            )
        }
        MembershipCommand::Remove { person, customer } => {
            admin
                .identity()
                .remove_member(admin.operator(), &customer, &person, None)
                .await?;
            report(
                json,
                json!({"person": person, "customer": customer, "removed": true}),
                "membership removed",
            )
        }
    }
}

pub async fn invite(config: &Config, args: InviteArgs, json: bool) -> anyhow::Result<()> {
    let (admin, _) = crate::app::open_admin(config).await?;
    let input = InviteInput {
        email: args.email,
        display_name: args.name,
        roles: args.roles,
        locale: args.locale,
    };
    let invited = admin
        .identity()
        .invite(admin.operator(), &args.customer, input)
        .await?;
    let id = &invited.invitation.invitation_id;
    let text = match &invited.link {
        Some(link) => format!(
            "invitation {id} created; no SMTP is configured, so pass on this link (valid 7 days):\n{link}"
        ),
        None => format!("invitation {id} created; the running server e-mails it"),
    };
    report(json, json!({"id": id, "accept_url": invited.link}), &text)
}
