//! Configuration: defaults, then a TOML file, then `TROHET__SECTION__KEY` environment
//! variables, then command-line flags (applied by the CLI). Unknown keys are refused at
//! every layer, so a typo never silently falls back to a default.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub policies: PoliciesConfig,
    pub tokens: TokenConfig,
    pub session: SessionConfig,
    pub security: SecurityConfig,
    pub smtp: SmtpConfig,
    pub controller: ControllerConfig,
    pub privacy: PrivacyConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Public base URL; defaults to `http://` plus the bound listen address.
    pub issuer: Option<String>,
    pub request_timeout_secs: u64,
    /// Serve the demo callback page (`trohet serve --demo`).
    pub demo: bool,
    /// Take the client address from the last `X-Forwarded-For` entry (only behind a proxy
    /// that sets it; otherwise clients could claim any address).
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; unset means SQLite in `data_dir`.
    pub url: Option<String>,
    /// Holds the embedded SQLite database and, without `TROHET_MASTER_KEY`, the master key file.
    pub data_dir: PathBuf,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PoliciesConfig {
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    pub access_token_ttl_secs: i64,
    pub id_token_ttl_secs: i64,
    pub authorization_code_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    /// How long a started login (an authorization request awaiting the person) stays valid.
    pub authorization_request_ttl_secs: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    pub idle_timeout_secs: i64,
    pub absolute_timeout_secs: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Each Argon2id hash holds 19 MiB for tens of milliseconds; this bounds both.
    pub max_concurrent_password_hashes: usize,
    /// 32 bytes, base64 or hex. Normally from `TROHET_MASTER_KEY`, never from a file in git.
    #[serde(skip_serializing)]
    pub master_key: Option<Secret>,
}

/// Outgoing e-mail. Without `url`, mail waits in the outbox undelivered and admins are
/// shown invitation links to pass on; `serve --demo` prints outgoing mail to its log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// `smtp://host:port`, `smtp://user:pass@host?tls=required` or `smtps://host`.
    #[serde(skip_serializing)]
    pub url: Option<Secret>,
    /// The sender, e.g. `Portal <no-reply@portal.example>`.
    pub from: String,
    /// How long one delivery attempt may take.
    pub timeout_secs: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            url: None,
            from: "trohet <no-reply@localhost>".into(),
            timeout_secs: 30,
        }
    }
}

/// The data controller (the portal owner), named in consent receipts and privacy notices
/// (GDPR Art. 13(1)(a) and (b)).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControllerConfig {
    pub name: String,
    /// How to reach the controller or its data protection officer.
    pub contact_email: Option<String>,
    /// The portal's privacy policy.
    pub privacy_policy_url: Option<String>,
    /// Where the controller is established, e.g. `SE`.
    pub jurisdiction: String,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        Self {
            name: "The portal owner".into(),
            contact_email: None,
            privacy_policy_url: None,
            jurisdiction: "EU".into(),
        }
    }
}

/// Data subject requests.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Days between a person asking to be erased and the erasure, during which signing in
    /// offers to cancel (the DPO can erase at once).
    pub erasure_grace_days: i64,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        Self {
            erasure_grace_days: 7,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `tracing` filter such as `info` or `trohet=debug,info`.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

/// A string whose `Debug` never shows its value.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            issuer: None,
            request_timeout_secs: 30,
            demo: false,
            trust_forwarded_for: false,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            data_dir: PathBuf::from("trohet-data"),
            max_connections: 8,
        }
    }
}

impl Default for PoliciesConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("policies"),
        }
    }
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            access_token_ttl_secs: 300,
            id_token_ttl_secs: 300,
            authorization_code_ttl_secs: 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            authorization_request_ttl_secs: 15 * 60,
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout_secs: 30 * 60,
            absolute_timeout_secs: 12 * 3600,
        }
    }
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            max_concurrent_password_hashes: 2,
            master_key: None,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

const ENV_PREFIX: &str = "TROHET__";

impl Config {
    /// Layers defaults, the optional file and the environment; the CLI applies flags on top.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut merged = toml::Table::new();
        let mut origin = "defaults".to_string();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            origin = path.display().to_string();
            merged = text
                .parse::<toml::Table>()
                .map_err(|e| ConfigError::Invalid {
                    origin: origin.clone(),
                    message: e.message().to_string(),
                })?;
        }
        let mut config = parse_layer(&origin, merged.clone())?;
        let mut env_seen = false;
        for (name, value) in env {
            match name.as_str() {
                "TROHET_DATABASE_URL" => config.database.url = Some(value),
                "TROHET_MASTER_KEY" => config.security.master_key = Some(Secret::new(value)),
                _ => {
                    if let Some(path) = name.strip_prefix(ENV_PREFIX) {
                        set_env_key(&mut merged, &name, path, &value)?;
                        env_seen = true;
                    }
                }
            }
        }
        if env_seen {
            let keep_url = config.database.url.take();
            let keep_key = config.security.master_key.take();
            config = parse_layer("environment", merged)?;
            config.database.url = config.database.url.or(keep_url);
            config.security.master_key = config.security.master_key.or(keep_key);
        }
        Ok(config)
    }

    /// Where the embedded default keeps its database.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.database.data_dir.join("trohet.db").display()
            ),
        }
    }
}

fn parse_layer(origin: &str, table: toml::Table) -> Result<Config, ConfigError> {
    toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError::Invalid {
            origin: origin.to_string(),
            message: e.message().to_string(),
        })
}

/// `TROHET__TOKENS__ACCESS_TOKEN_TTL_SECS=600` sets `tokens.access_token_ttl_secs`.
fn set_env_key(
    table: &mut toml::Table,
    name: &str,
    path: &str,
    raw: &str,
) -> Result<(), ConfigError> {
    let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
    let invalid = || ConfigError::Invalid {
        origin: name.to_string(),
        message: "expected TROHET__SECTION__KEY".into(),
    };
    let [section, key] = keys.as_slice() else {
        return Err(invalid());
    };
    let value = format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()));
    let section_table = table
        .entry(section.clone())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let toml::Value::Table(section_table) = section_table else {
        return Err(invalid());
    };
    section_table.insert(key.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_variables_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("trohet.toml");
        std::fs::write(&file, "[tokens]\naccess_token_ttl_secs = 100\n").unwrap();
        let config = Config::load(
            Some(&file),
            env(&[("TROHET__TOKENS__ACCESS_TOKEN_TTL_SECS", "200")]),
        )
        .unwrap();
        assert_eq!(config.tokens.access_token_ttl_secs, 200);
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("trohet.toml");
        std::fs::write(&file, "[tokens]\naccess_token_tll_secs = 100\n").unwrap();
        let error = Config::load(Some(&file), env(&[])).unwrap_err();
        assert!(
            error.to_string().contains("access_token_tll_secs"),
            "{error}"
        );
    }

    #[test]
    fn an_unknown_environment_key_is_refused() {
        let error = Config::load(None, env(&[("TROHET__SERVER__LISTEN_ON", "x")])).unwrap_err();
        assert!(error.to_string().contains("listen_on"), "{error}");
    }

    #[test]
    fn the_database_url_variable_is_honoured() {
        let config = Config::load(None, env(&[("TROHET_DATABASE_URL", "postgres://x/y")])).unwrap();
        assert_eq!(config.database_url(), "postgres://x/y");
    }
}
