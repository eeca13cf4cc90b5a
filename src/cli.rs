//! The command line: `trohet serve`, `migrate`, `policies check`, `keys rotate`, and the
//! administrative `customer`, `person`, `membership` and `client` commands. Scripts depend
//! on these names. Passwords come only from standard input, never from arguments.

use crate::admin::{NewClient, NewMembership, NewPerson};
use crate::authz::Policies;
use crate::config::Config;
use crate::oidc::{GrantType, SigningAlg};
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::BufRead;
use std::path::PathBuf;

mod demo;

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
    /// Directory holding roles.toml [default: ./policies]
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

#[derive(Subcommand, Debug)]
enum CustomerCommand {
    Add {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum PersonCommand {
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
}

#[derive(Subcommand, Debug)]
enum MembershipCommand {
    Add {
        #[arg(long, value_name = "ID")]
        person: String,
        #[arg(long, value_name = "ID")]
        customer: String,
        #[arg(long = "role", value_name = "ROLE", required = true)]
        roles: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum ClientCommand {
    Add {
        #[arg(long)]
        name: String,
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
        post_logout_redirect_uris: Vec<String>,
        #[arg(long = "grant-type", value_enum)]
        grant_types: Vec<GrantArg>,
        /// A public client (no secret; PKCE required)
        #[arg(long)]
        public: bool,
        /// Pairwise subject identifiers
        #[arg(long)]
        pairwise: bool,
        #[arg(long, value_enum, default_value = "RS256")]
        id_token_alg: AlgArg,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum GrantArg {
    #[value(name = "authorization_code")]
    AuthorizationCode,
    #[value(name = "refresh_token")]
    RefreshToken,
    #[value(name = "client_credentials")]
    ClientCredentials,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AlgArg {
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "ES256")]
    Es256,
    #[value(name = "EdDSA")]
    EdDsa,
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
                let roles = policies.roles().count();
                let summary = format!(
                    "{roles} roles and {} permissions are valid",
                    policies.permission_count()
                );
                report(
                    json,
                    serde_json::json!({"roles": roles, "permissions": policies.permission_count()}),
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
            Command::Customer { command } => customer(&config, command, json).await,
            Command::Person { command } => person(&config, command, json).await,
            Command::Membership { command } => membership(&config, command, json).await,
            Command::Client { command } => client(&config, command, json).await,
        }
    }
}

async fn serve(mut config: Config, demo: bool) -> anyhow::Result<()> {
    config.server.demo = demo;
    let app = crate::App::build(config).await?;
    if demo {
        demo::seed_and_explain(&app).await?;
    }
    app.run_until_stopped().await
}

fn report(json: bool, value: serde_json::Value, text: &str) -> anyhow::Result<()> {
    if json {
        println!("{value}");
    } else {
        println!("{text}");
    }
    Ok(())
}

async fn customer(config: &Config, command: CustomerCommand, json: bool) -> anyhow::Result<()> {
    let CustomerCommand::Add { name } = command;
    let (admin, _) = crate::app::open_admin(config).await?;
    let id = admin.add_customer_account(&name).await?;
    report(
        json,
        serde_json::json!({"id": id}),
        &format!("created customer account {id}"),
    )
}

async fn person(config: &Config, command: PersonCommand, json: bool) -> anyhow::Result<()> {
    let PersonCommand::Add {
        email,
        name,
        locale,
        staff,
        customer,
        roles,
        password_stdin,
    } = command;
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
    let (admin, _) = crate::app::open_admin(config).await?;
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
    report(
        json,
        serde_json::json!({"id": id}),
        &format!("created person {id}"),
    )
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

async fn membership(config: &Config, command: MembershipCommand, json: bool) -> anyhow::Result<()> {
    let MembershipCommand::Add {
        person,
        customer,
        roles,
    } = command;
    let (admin, _) = crate::app::open_admin(config).await?;
    admin
        .add_membership(&person, &customer, roles.clone())
        .await?;
    report(
        json,
        serde_json::json!({"person": person, "customer": customer, "roles": roles}),
        "membership saved",
    )
}

async fn client(config: &Config, command: ClientCommand, json: bool) -> anyhow::Result<()> {
    let ClientCommand::Add {
        name,
        redirect_uris,
        post_logout_redirect_uris,
        grant_types,
        public,
        pairwise,
        id_token_alg,
    } = command;
    let mut new = NewClient::new(&name, redirect_uris);
    new.post_logout_redirect_uris = post_logout_redirect_uris;
    if !grant_types.is_empty() {
        new.grant_types = grant_types
            .into_iter()
            .map(|g| match g {
                GrantArg::AuthorizationCode => GrantType::AuthorizationCode,
                GrantArg::RefreshToken => GrantType::RefreshToken,
                GrantArg::ClientCredentials => GrantType::ClientCredentials,
            })
            .collect();
    }
    new.public = public;
    new.pairwise = pairwise;
    new.id_token_alg = match id_token_alg {
        AlgArg::Rs256 => SigningAlg::Rs256,
        AlgArg::Es256 => SigningAlg::Es256,
        AlgArg::EdDsa => SigningAlg::EdDsa,
    };
    let (admin, _) = crate::app::open_admin(config).await?;
    let registered = admin.add_client(new).await?;
    let text = match &registered.client_secret {
        Some(secret) => format!(
            "client_id: {}\nclient_secret: {secret}\n(the secret is shown only now)",
            registered.client_id
        ),
        None => format!("client_id: {} (public client)", registered.client_id),
    };
    report(json, serde_json::to_value(&registered)?, &text)
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
