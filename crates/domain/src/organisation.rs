//! What a person registers about an organisation, and what an account is made of.

use crate::LocalizedText;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An organisation as registered or edited through the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    /// The name in one or more of fi, sv, en.
    pub name: LocalizedText,
    /// A key of the `organisation_types` vocabulary.
    #[serde(rename = "type")]
    pub org_type: String,
    /// Finnish business id (Y-tunnus), `1234567-8`, checksum verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
    /// Home municipality (Statistics Finland code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Public contact address of the organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted, in characters (hashing cost stays bounded).
pub const MAX_PASSWORD_CHARS: usize = 256;
