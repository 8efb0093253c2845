//! Row structs, one per table, used for reading and writing alike.

use crate::schema::*;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organisations, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct OrganisationRow {
    pub id: String,
    pub external_id: Option<String>,
    /// LocalizedText as JSON.
    pub name: String,
    pub org_type: String,
    pub business_id: Option<String>,
    pub municipality: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub phone: Option<String>,
    pub status_reason: Option<String>,
}

/// A listing. Localized texts and small nested objects are JSON text; lists live in `listing_terms`,
/// event series in `listing_occurrences`. Timestamps are UTC.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = listings, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ListingRow {
    pub id: String,
    pub external_id: String,
    pub kind: String,
    pub organisation_id: String,
    pub status: String,
    pub title: String,
    pub summary: Option<String>,
    pub description: String,
    pub cost: Option<String>,
    pub language_support: Option<String>,
    pub flags: Option<String>,
    pub online: bool,
    pub location: Option<String>,
    pub schedule: Option<String>,
    pub schedule_anchor: Option<NaiveDate>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub registration: Option<String>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub audience: Option<String>,
    pub contact: Option<String>,
    pub url: Option<String>,
    pub source_updated_at: Option<NaiveDateTime>,
    pub content_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_confirmed_at: Option<NaiveDateTime>,
    pub status_reason: Option<String>,
    pub seq: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = listing_terms)]
pub struct TermRow {
    pub listing_id: String,
    pub vocabulary: String,
    pub position: i32,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = listing_occurrences)]
pub struct OccurrenceRow {
    pub listing_id: String,
    pub position: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = listing_changes)]
pub struct ChangeRow {
    pub seq: i64,
    pub listing_id: String,
    pub external_id: String,
    pub operation: String,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = index_outbox, treat_none_as_default_value = false)]
pub struct IndexOutboxRow {
    pub seq: i64,
    pub listing_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    /// Lower case.
    pub email: String,
    pub password_hash: Option<String>,
    pub display_name: Option<String>,
    pub platform_role: String,
    pub email_verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub lang: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships)]
pub struct MembershipRow {
    pub organisation_id: String,
    pub user_id: String,
    pub role: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub token_hash: String,
    pub prefix: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = email_tokens)]
pub struct EmailTokenRow {
    pub token_hash: String,
    pub purpose: String,
    pub email: String,
    pub user_id: Option<String>,
    pub organisation_id: Option<String>,
    pub role: Option<String>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub action: String,
    pub organisation_id: Option<String>,
    pub listing_id: Option<String>,
    /// JSON.
    pub details: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub body: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = email_outbox)]
pub struct EmailOutboxRow {
    pub id: String,
    pub dedupe_key: String,
    pub message_id: String,
    pub recipient: String,
    pub mail_kind: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub headers: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = subscriptions)]
pub struct SubscriptionRow {
    pub id: String,
    pub email: String,
    pub lang: String,
    pub frequency: String,
    pub filters: String,
    pub status: String,
    pub confirm_token_hash: Option<String>,
    pub confirm_expires_at: Option<NaiveDateTime>,
    pub manage_token: String,
    pub user_id: Option<String>,
    pub consent_at: Option<NaiveDateTime>,
    pub consent_source: Option<String>,
    pub consent_ip: Option<String>,
    pub last_period: Option<String>,
    pub last_digest_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}
