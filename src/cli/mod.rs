//! The command line: `trohet serve`, `migrate`, `policies check`, `keys rotate`, the
//! administrative `customer`, `person`, `membership` and `client` commands, and
//! `purposes check`, `consent show|record`, and the DPO's `person export|erase|hold|release`
//! and `dsr list|show|add|status`, customer health's `analytics rebuild|health|portfolio`
//! and `demo generate`. Scripts depend
//! on these names. Passwords come only from standard input, never from arguments.

use crate::authz::Policies;
use crate::config::Config;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

mod analytics;
mod audit;
mod clients;
mod consent;
mod demo;
mod people;
mod privacy;

use analytics::AnalyticsCommand;
use audit::AuditCommand;
use clients::ClientCommand;
use consent::{ConsentCommand, PurposesCommand};
use demo::DemoCommand;
use people::{CustomerCommand, InviteArgs, MembershipCommand, PersonCommand};

#[derive(Parser, Debug)]
#[command(
    name = "trohet",
    version,
    about = "Identity and consent for B2B customer portals"
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct GlobalArgs {
    /// Directory of the embedded SQLite database and master key file [default: ./trohet-data]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://… or postgres://… (also TROHET_DATABASE_URL)
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// A TOML configuration file
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory holding roles.toml and purposes.toml [default: ./policies]
    #[arg(long, global = true, value_name = "DIR")]
    policies_dir: Option<PathBuf>,
    /// Print results as JSON
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server
    Serve {
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
        /// Public base URL [default: http:// plus the listen address]
        #[arg(long, value_name = "URL")]
        issuer: Option<String>,
        /// Add a demo customer account, two people and a demo client, and print how to log in
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations
    Migrate,
    /// Policy files
    Policies {
        #[command(subcommand)]
        command: PoliciesCommand,
    },
    /// Signing keys
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Customer accounts
    Customer {
        #[command(subcommand)]
        command: CustomerCommand,
    },
    /// Persons
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Memberships of persons in customer accounts
    Membership {
        #[command(subcommand)]
        command: MembershipCommand,
    },
    /// OAuth clients (portal apps and back-ends)
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Invite someone to a customer account by e-mail (prints the link without SMTP)
    Invite(InviteArgs),
    /// The audit log
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The purposes of processing (policies/purposes.toml)
    Purposes {
        #[command(subcommand)]
        command: PurposesCommand,
    },
    /// Persons' consent decisions
    Consent {
        #[command(subcommand)]
        command: ConsentCommand,
    },
    /// The register of data subject requests (GDPR Art. 12 to 22)
    Dsr {
        #[command(subcommand)]
        command: privacy::DsrCommand,
    },
    /// How long data is kept (policies/retention.toml)
    Retention {
        #[command(subcommand)]
        command: privacy::RetentionCommand,
    },
    /// Customer health: rebuild the rollups, one account's report, the portfolio
    Analytics {
        #[command(subcommand)]
        command: AnalyticsCommand,
    },
    /// Synthetic data for trying trohet out
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
}

#[derive(Subcommand, Debug)]
enum PoliciesCommand {
    /// Validate policies/ and report the first problem with file and line
    Check,
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Add new signing keys; old public keys stay in JWKS until their tokens expire
    Rotate,
}

impl Cli {
    /// The layered configuration: defaults, file, environment, then these flags.
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.global.config.as_deref(), std::env::vars())?;
        if let Some(dir) = &self.global.data_dir {
            config.database.data_dir = dir.clone();
        }
        if let Some(url) = &self.global.database_url {
            config.database.url = Some(url.clone());
        }
        if let Some(dir) = &self.global.policies_dir {
            config.policies.dir = dir.clone();
        }
        if let Command::Serve { listen, issuer, .. } = &self.command {
            if let Some(listen) = listen {
                config.server.listen = *listen;
            }
            if let Some(issuer) = issuer {
                config.server.issuer = Some(issuer.clone());
            }
        }
        Ok(config)
    }

    pub async fn run(self, config: Config) -> anyhow::Result<()> {
        let json = self.global.json;
        match self.command {
            Command::Serve { demo, .. } => serve(config, demo).await,
            Command::Migrate => {
                crate::app::open_database(&config).await?;
                report(
                    json,
                    serde_json::json!({"migrated": true}),
                    "database is up to date",
                )
            }
            Command::Policies {
                command: PoliciesCommand::Check,
            } => {
                let policies = Policies::load(&config.policies.dir)?;
                let purposes = crate::consent::Purposes::load(&config.policies.dir)?;
                crate::consent::Interests::load(&config.policies.dir, &purposes)?;
                crate::privacy::retention::Retention::load(&config.policies.dir)?;
                crate::analytics::AnalyticsPolicy::load(&config.policies.dir)?;
                let roles = policies.roles().count();
                let purposes = purposes.iter().count();
                let summary = format!(
                    "{roles} roles, {} permissions and {purposes} purposes are valid",
                    policies.permission_count()
                );
                report(
                    json,
                    serde_json::json!({"roles": roles, "permissions": policies.permission_count(), "purposes": purposes}),
                    &summary,
                )
            }
            Command::Keys {
                command: KeysCommand::Rotate,
            } => {
                let kids = crate::app::rotate_keys(&config).await?;
                report(
                    json,
                    serde_json::json!({"kids": kids}),
                    &format!("new signing keys: {}", kids.join(", ")),
                )
            }
            Command::Customer { command } => people::customer(&config, command, json).await,
            Command::Person { command } => people::person(&config, command, json).await,
            Command::Membership { command } => people::membership(&config, command, json).await,
            Command::Client { command } => clients::client(&config, command, json).await,
            Command::Invite(args) => people::invite(&config, args, json).await,
            Command::Audit { command } => audit::audit(&config, command, json).await,
            Command::Purposes { command } => consent::purposes(&config, command, json),
            Command::Consent { command } => consent::consent(&config, command, json).await,
            Command::Dsr { command } => privacy::dsr(&config, command, json).await,
            Command::Retention { command } => privacy::retention(&config, command, json).await,
            Command::Analytics { command } => analytics::analytics(&config, command, json).await,
            Command::Demo { command } => demo::demo(&config, command, json).await,
        }
    }
}

async fn serve(mut config: Config, demo: bool) -> anyhow::Result<()> {
    config.server.demo = demo;
    let app = crate::App::build(config.clone()).await?;
    if demo {
        demo::seed_and_explain(&app, &config).await?;
    }
    app.run_until_stopped().await
}

/// Prints a result: the JSON value with `--json`, the text otherwise.
fn report(json: bool, value: serde_json::Value, text: &str) -> anyhow::Result<()> {
    if json {
        println!("{value}");
    } else {
        println!("{text}");
    }
    Ok(())
}

impl Cli {
    /// Only `serve` logs at `log.level`; one-shot commands print their result and, on
    /// failure, one error line, so they log warnings and worse only.
    pub fn log_level<'a>(&self, config: &'a Config) -> &'a str {
        match self.command {
            Command::Serve { .. } => &config.log.level,
            _ => "warn",
        }
    }
}

/// Sets up logging: text or JSON, filtered by `RUST_LOG` or the given level. sqlx's
/// PostgreSQL notices ("relation already exists") are kept out below warnings.
pub fn init_tracing(config: &Config, level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(format!("{level},sqlx::postgres::notice=warn")))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
