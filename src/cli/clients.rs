//! `trohet client add` and `trohet client rotate-secret`.

use super::report;
use crate::admin::NewClient;
use crate::config::Config;
use crate::oidc::client::optional_uri;
use crate::oidc::{GrantType, SigningAlg};
use clap::{Subcommand, ValueEnum};

#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Register a client; its secret is printed this once
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
        /// The portal owner's own app: people are never asked to consent to it
        #[arg(long)]
        first_party: bool,
        /// Where trohet POSTs RFC 8935 security event tokens (https, or http on a loopback
        /// host)
        #[arg(long, value_name = "URL")]
        events_uri: Option<String>,
        /// Where trohet POSTs back-channel logout tokens (OIDC Back-Channel Logout 1.0;
        /// https, or http on a loopback host)
        #[arg(long, value_name = "URL")]
        backchannel_logout_uri: Option<String>,
        #[arg(long, value_enum, default_value = "RS256")]
        id_token_alg: AlgArg,
        /// A staff role the client acts with at the admin API (client_credentials)
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// An extra scope the client may request: `admin` (people's tokens for the admin
        /// API), `consent` (people's tokens read and record their consent), `consent:read`
        /// (its own token reads anyone's consent), `audience:read`, `analytics:write` (its
        /// own token sends portal events), `surveys:read` (asks when to survey a person)
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
    },
    /// Give a confidential client a new secret; the old one stops working at once
    RotateSecret {
        /// The client id (it may begin with `-`)
        #[arg(long, value_name = "ID", allow_hyphen_values = true)]
        client: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GrantArg {
    #[value(name = "authorization_code")]
    AuthorizationCode,
    #[value(name = "refresh_token")]
    RefreshToken,
    #[value(name = "client_credentials")]
    ClientCredentials,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AlgArg {
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "ES256")]
    Es256,
    #[value(name = "EdDSA")]
    EdDsa,
}

pub async fn client(config: &Config, command: ClientCommand, json: bool) -> anyhow::Result<()> {
    let (admin, _) = crate::app::open_admin(config).await?;
    match command {
        ClientCommand::RotateSecret { client } => {
            let secret = admin
                .clients()
                .rotate_client_secret(admin.operator(), &client)
                .await?;
            let text = format!("client_secret: {secret}\n(the secret is shown only now)");
            report(
                json,
                serde_json::json!({"client_id": client, "client_secret": secret}),
                &text,
            )
        }
        ClientCommand::Add {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            grant_types,
            public,
            pairwise,
            first_party,
            events_uri,
            backchannel_logout_uri,
            id_token_alg,
            roles,
            scopes,
        } => {
            let mut new = NewClient::new(&name, redirect_uris);
            new.post_logout_redirect_uris = post_logout_redirect_uris;
            if !grant_types.is_empty() {
                new.grant_types = grant_types.into_iter().map(grant_type).collect();
            }
            new.public = public;
            new.pairwise = pairwise;
            new.first_party = first_party;
            new.events_uri = optional_uri(events_uri);
            new.backchannel_logout_uri = optional_uri(backchannel_logout_uri);
            new.id_token_alg = match id_token_alg {
                AlgArg::Rs256 => SigningAlg::Rs256,
                AlgArg::Es256 => SigningAlg::Es256,
                AlgArg::EdDsa => SigningAlg::EdDsa,
            };
            new.roles = roles;
            new.extra_scopes = scopes;
            let (client, registered) = admin.clients().create_client(admin.operator(), new).await?;
            let mut text = match &registered.client_secret {
                Some(secret) => format!(
                    "client_id: {}\nclient_secret: {secret}\n(the secret is shown only now)",
                    registered.client_id
                ),
                None => format!("client_id: {} (public client)", registered.client_id),
            };
            for (field, uri) in [
                ("events_uri", &client.events_uri),
                ("backchannel_logout_uri", &client.backchannel_logout_uri),
            ] {
                if let Some(uri) = uri {
                    text.push_str(&format!("\n{field}: {uri}"));
                }
            }
            let value = serde_json::json!({
                "client_id": registered.client_id,
                "client_secret": registered.client_secret,
                "events_uri": client.events_uri,
                "backchannel_logout_uri": client.backchannel_logout_uri,
            });
            report(json, value, &text)
        }
    }
}

fn grant_type(arg: GrantArg) -> GrantType {
    match arg {
        GrantArg::AuthorizationCode => GrantType::AuthorizationCode,
        GrantArg::RefreshToken => GrantType::RefreshToken,
        GrantArg::ClientCredentials => GrantType::ClientCredentials,
    }
}
