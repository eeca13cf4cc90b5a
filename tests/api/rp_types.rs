//! Types that make `openidconnect` speak trohet: extra claims, extra discovery
//! fields, and the client/token aliases built from them.

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthorizationRequest, Client,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpClientError, IdToken,
    IdTokenClaims, IdTokenFields, ProviderMetadata, RequestTokenError, StandardErrorResponse,
    StandardTokenResponse,
};
use serde::{Deserialize, Serialize};

/// trohet's claims beyond the standard ones.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct TrohetClaims {
    pub customer: Option<CustomerClaim>,
    pub roles: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
    pub sid: Option<String>,
}
impl AdditionalClaims for TrohetClaims {}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct CustomerClaim {
    pub id: String,
    pub name: String,
}

/// Discovery fields the core metadata type does not know.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct TrohetProviderExtras {
    pub revocation_endpoint: Option<String>,
    pub introspection_endpoint: Option<String>,
    pub end_session_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for TrohetProviderExtras {}

pub type TrohetProviderMetadata = ProviderMetadata<
    TrohetProviderExtras,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;
pub type TrohetIdToken = IdToken<
    TrohetClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
pub type TrohetIdTokenClaims = IdTokenClaims<TrohetClaims, CoreGenderClaim>;
pub type TrohetTokenResponse = StandardTokenResponse<
    IdTokenFields<
        TrohetClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
/// The relying party client, parameterised by which endpoints are configured.
pub type TrohetClientWith<HasIntrospectionUrl, HasRevocationUrl> = Client<
    TrohetClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TrohetTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    HasIntrospectionUrl,
    HasRevocationUrl,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;
/// As built from discovery plus the revocation and introspection endpoints.
pub type TrohetClient = TrohetClientWith<EndpointSet, EndpointSet>;
pub type TokenError = RequestTokenError<
    HttpClientError<reqwest::Error>,
    StandardErrorResponse<CoreErrorResponseType>,
>;
pub type AuthRequestBuilder<'a> =
    AuthorizationRequest<'a, CoreAuthDisplay, CoreAuthPrompt, CoreResponseType>;

/// The `error` code of a token endpoint error response.
pub fn error_code(err: &TokenError) -> String {
    match err {
        RequestTokenError::ServerResponse(response) => response.error().as_ref().to_string(),
        other => panic!("expected an OAuth error response, got: {other:?}"),
    }
}
