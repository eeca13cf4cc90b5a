//! The client form, shared by registration and editing: reading it into a `NewClient`
//! and rendering it from one (the stored client's settings, or what was just submitted).

use super::Words;
use super::forms::{RoleChoice, checked_roles, lines, role_boxes};
use super::request::Visit;
use crate::oidc::client::{Client, GrantType, NewClient, optional_uri};
use crate::oidc::jws::SigningAlg;
use crate::oidc::scope::{
    ADMIN_SCOPE, ANALYTICS_WRITE_SCOPE, AUDIENCE_READ_SCOPE, CONSENT_READ_SCOPE, CONSENT_SCOPE,
    REGISTERED_SCOPES, STANDARD_SCOPES, SURVEYS_READ_SCOPE,
};
use maud::{Markup, html};

const GRANT_TYPES: [GrantType; 3] = [
    GrantType::AuthorizationCode,
    GrantType::RefreshToken,
    GrantType::ClientCredentials,
];
const STAFF_ROLE: &str = "role.";

/// The submitted client; an unknown signing algorithm is refused with the API's message.
pub fn read(visit: &Visit, roles: &[RoleChoice]) -> Result<NewClient, String> {
    let params = &visit.params;
    let mut new = NewClient::new(
        params.get("name").unwrap_or_default(),
        lines(params.get("redirect_uris")),
    );
    new.post_logout_redirect_uris = lines(params.get("post_logout_redirect_uris"));
    new.grant_types = GRANT_TYPES
        .into_iter()
        .filter(|g| params.contains(&format!("grant.{}", g.as_str())))
        .collect();
    new.public = params.contains("public");
    new.pairwise = params.contains("pairwise");
    new.first_party = params.contains("first_party");
    new.events_uri = optional_uri(params.get("events_uri").map(str::to_string));
    new.backchannel_logout_uri =
        optional_uri(params.get("backchannel_logout_uri").map(str::to_string));
    new.extra_scopes = REGISTERED_SCOPES
        .into_iter()
        .filter(|s| params.contains(&format!("scope.{s}")))
        .map(str::to_string)
        .collect();
    new.roles = checked_roles(visit, STAFF_ROLE, roles);
    if let Some(alg) = params.get("id_token_alg") {
        new.id_token_alg = SigningAlg::parse(alg)
            .ok_or_else(|| "id_token_alg must be RS256, ES256 or EdDSA".to_string())?;
    }
    Ok(new)
}

/// A stored client's settings, to fill the edit form.
pub fn settings(client: &Client) -> NewClient {
    NewClient {
        name: client.name.clone(),
        redirect_uris: client.redirect_uris.clone(),
        post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
        grant_types: client.grant_types.clone(),
        public: client.is_public(),
        pairwise: client.pairwise,
        id_token_alg: client.id_token_alg,
        extra_scopes: client
            .scopes
            .iter()
            .filter(|s| !STANDARD_SCOPES.contains(&s.as_str()))
            .cloned()
            .collect(),
        roles: client.roles.clone(),
        first_party: client.first_party,
        events_uri: client.events_uri.clone(),
        backchannel_logout_uri: client.backchannel_logout_uri.clone(),
    }
}

/// The form's fields. Public, pairwise and the ID token algorithm are fixed once the
/// client exists (its secret and its subjects depend on them), so only registration
/// offers them.
pub fn fields(
    words: &Words,
    client: &NewClient,
    roles: &[RoleChoice],
    registering: bool,
) -> Markup {
    html! {
        label for="name" { (words.name) }
        input id="name" name="name" required value=(client.name);
        label for="redirect_uris" { (words.redirect_uris) }
        textarea id="redirect_uris" name="redirect_uris" rows="3" { (client.redirect_uris.join("\n")) }
        label for="post_logout_redirect_uris" { (words.post_logout_uris) }
        textarea id="post_logout_redirect_uris" name="post_logout_redirect_uris" rows="2" { (client.post_logout_redirect_uris.join("\n")) }
        label for="events_uri" { (words.events_uri) }
        input id="events_uri" name="events_uri" type="url" aria-describedby="endpoints_note" value=(client.events_uri.as_deref().unwrap_or_default());
        label for="backchannel_logout_uri" { (words.backchannel_logout_uri) }
        input id="backchannel_logout_uri" name="backchannel_logout_uri" type="url" aria-describedby="endpoints_note" value=(client.backchannel_logout_uri.as_deref().unwrap_or_default());
        p.muted id="endpoints_note" { (words.endpoints_note) }
        fieldset {
            legend { (words.grant_types) }
            @for grant in GRANT_TYPES {
                label.check {
                    input type="checkbox" name=(format!("grant.{}", grant.as_str())) checked[client.grant_types.contains(&grant)];
                    " " (grant.as_str())
                }
            }
        }
        label.check {
            input type="checkbox" name="first_party" checked[client.first_party];
            " " (words.first_party)
        }
        @for (scope, label) in [
            (ADMIN_SCOPE, words.admin_scope),
            (CONSENT_SCOPE, words.consent_scope),
            (CONSENT_READ_SCOPE, words.consent_read_scope),
            (AUDIENCE_READ_SCOPE, words.audience_read_scope),
            (ANALYTICS_WRITE_SCOPE, words.analytics_write_scope),
            (SURVEYS_READ_SCOPE, words.surveys_read_scope),
        ] {
            label.check {
                input type="checkbox" name=(format!("scope.{scope}")) checked[client.extra_scopes.iter().any(|s| s == scope)];
                " " (label)
            }
        }
        @if roles.iter().any(|r| r.grantable || client.roles.contains(&r.name)) {
            fieldset {
                legend { (words.service_roles) }
                (role_boxes(STAFF_ROLE, roles, &client.roles))
            }
        }
        @if registering {
            label.check { input type="checkbox" name="public" checked[client.public]; " " (words.public_client) }
            label.check { input type="checkbox" name="pairwise" checked[client.pairwise]; " " (words.pairwise) }
            label for="id_token_alg" { (words.id_token_alg) }
            select id="id_token_alg" name="id_token_alg" {
                @for alg in SigningAlg::ALL {
                    option value=(alg.as_str()) selected[alg == client.id_token_alg] { (alg.as_str()) }
                }
            }
        }
    }
}
