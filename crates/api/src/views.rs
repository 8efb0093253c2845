//! What the API answers: response bodies and their OpenAPI schemas.

use chrono::{DateTime, Utc};
use kynnys_domain::{
    Lang, ListingRecord, ListingStatus, LocalizedText, MembershipStatus, NextOccurrence,
    OrganisationRole, OrganisationStatus, PlatformRole, to_helsinki,
};
use kynnys_search::ResolvedText;
use kynnys_store::{ApiToken, AuditEntry, Member, Membership, Organisation, StoredListing, User};
use serde::Serialize;
use serde_json::{Value, json};
use std::borrow::Cow;
use utoipa::openapi::schema::{Object, Schema};
use utoipa::openapi::{Array, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// How many coming sessions a listing response lists.
const NEXT_OCCURRENCES: u16 = 5;

/// A text in the language it is actually in (the requested one, or a fallback).
fn resolved(text: &LocalizedText, lang: Lang) -> Option<ResolvedText> {
    text.resolve(lang).map(|r| ResolvedText {
        text: r.text.to_owned(),
        lang: r.lang,
    })
}

/// A listing's texts resolved for the requested language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResolvedListingTexts {
    /// The language asked for.
    pub requested: Lang,
    pub title: Option<ResolvedText>,
    pub summary: Option<ResolvedText>,
    pub description: Option<ResolvedText>,
    pub cost: Option<ResolvedText>,
    pub location_name: Option<ResolvedText>,
    pub schedule_text: Option<ResolvedText>,
    pub registration_text: Option<ResolvedText>,
    pub organisation_name: Option<ResolvedText>,
}

/// The organisation of a listing, as shown with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingOrganisation {
    pub id: String,
    pub external_id: String,
    pub name: LocalizedText,
    #[serde(rename = "type")]
    pub org_type: String,
}

/// The response body of a listing: every field of the interchange format (with the organisation
/// as [`ListingOrganisation`]) plus what the directory knows about it. Built as JSON; this type
/// carries its schema.
pub struct ListingView;

/// The body of `POST`/`PUT /api/v1/listings`: every field of the interchange format except
/// `organisation`, which is given by `organisation_id`; `external_id` is generated when absent.
pub struct ListingInputDoc;

fn record_object() -> Object {
    match ListingRecord::schema() {
        RefOr::T(Schema::Object(object)) => object,
        _ => Object::new(),
    }
}

fn string_schema(description: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(description))
            .build(),
    ))
}

fn time_schema(description: &str) -> RefOr<Schema> {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(description))
            .build(),
    ))
}

impl PartialSchema for ListingView {
    fn schema() -> RefOr<Schema> {
        let mut object = record_object();
        object.description = Some(
            "A listing: the fields of the interchange format plus its state in the directory."
                .into(),
        );
        let props = &mut object.properties;
        props.insert("organisation".into(), ListingOrganisation::schema());
        props.insert("id".into(), string_schema("Identifier in this directory."));
        props.insert("status".into(), ListingStatus::schema());
        props.insert(
            "status_reason".into(),
            string_schema("Why a moderator rejected or unpublished the listing."),
        );
        props.insert(
            "created_at".into(),
            time_schema("When the listing was created."),
        );
        props.insert("updated_at".into(), time_schema("When it last changed."));
        props.insert(
            "last_confirmed_at".into(),
            time_schema("When the organisation last confirmed it is still running."),
        );
        props.insert("resolved".into(), ResolvedListingTexts::schema());
        props.insert(
            "next_occurrences".into(),
            RefOr::T(Schema::Array(Array::new(NextOccurrence::schema()))),
        );
        for key in [
            "id",
            "status",
            "created_at",
            "updated_at",
            "resolved",
            "next_occurrences",
        ] {
            object.required.push(key.into());
        }
        RefOr::T(Schema::Object(object))
    }
}

impl ToSchema for ListingView {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Listing")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        ListingRecord::schemas(schemas);
        for (name, schema) in [
            (ListingOrganisation::name(), ListingOrganisation::schema()),
            (ListingStatus::name(), ListingStatus::schema()),
            (ResolvedListingTexts::name(), ResolvedListingTexts::schema()),
            (ResolvedText::name(), ResolvedText::schema()),
            (NextOccurrence::name(), NextOccurrence::schema()),
            (Lang::name(), Lang::schema()),
        ] {
            schemas.push((name.into_owned(), schema));
        }
    }
}

impl PartialSchema for ListingInputDoc {
    fn schema() -> RefOr<Schema> {
        let mut object = record_object();
        object.description = Some(
            "A listing to create or replace: the fields of the interchange format, with \
             `organisation_id` instead of `organisation`. `external_id` is generated when absent. \
             Unknown fields are errors."
                .into(),
        );
        object.properties.remove("organisation");
        object.properties.insert(
            "organisation_id".into(),
            string_schema("The organisation that publishes the listing (required on create)."),
        );
        object
            .required
            .retain(|k| k != "organisation" && k != "external_id");
        RefOr::T(Schema::Object(object))
    }
}

impl ToSchema for ListingInputDoc {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ListingInput")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        ListingRecord::schemas(schemas);
    }
}

/// The JSON of a listing for a reader of `lang`.
pub fn listing_json(listing: &StoredListing, lang: Lang, now: DateTime<Utc>) -> Value {
    let record = &listing.record;
    let mut value = json!(record);
    let anchor = listing
        .schedule_anchor
        .unwrap_or_else(|| to_helsinki(now).date_naive());
    let next = record
        .next_occurrences(anchor, now, NEXT_OCCURRENCES)
        .unwrap_or_default();
    let resolved = ResolvedListingTexts {
        requested: lang,
        title: resolved(&record.title, lang),
        summary: record.summary.as_ref().and_then(|t| resolved(t, lang)),
        description: resolved(&record.description, lang),
        cost: record.cost.as_ref().and_then(|t| resolved(t, lang)),
        location_name: record
            .location
            .as_ref()
            .and_then(|l| l.name.as_ref())
            .and_then(|t| resolved(t, lang)),
        schedule_text: record
            .schedule
            .as_ref()
            .and_then(|s| s.text.as_ref())
            .and_then(|t| resolved(t, lang)),
        registration_text: record
            .registration
            .as_ref()
            .and_then(|r| r.text.as_ref())
            .and_then(|t| resolved(t, lang)),
        organisation_name: resolved(&record.organisation.name, lang),
    };
    if let Some(fields) = value.as_object_mut() {
        fields.insert(
            "organisation".into(),
            json!(ListingOrganisation {
                id: listing.organisation_id.clone(),
                external_id: record.organisation.external_id.clone(),
                name: record.organisation.name.clone(),
                org_type: record.organisation.org_type.clone(),
            }),
        );
        fields.insert("id".into(), json!(listing.id));
        fields.insert("status".into(), json!(listing.status));
        if let Some(reason) = &listing.status_reason {
            fields.insert("status_reason".into(), json!(reason));
        }
        fields.insert("created_at".into(), json!(listing.created_at));
        fields.insert("updated_at".into(), json!(listing.updated_at));
        if let Some(at) = listing.last_confirmed_at {
            fields.insert("last_confirmed_at".into(), json!(at));
        }
        fields.insert("resolved".into(), json!(resolved));
        fields.insert("next_occurrences".into(), json!(next));
    }
    value
}

/// A page of listings.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingPage {
    #[schema(value_type = Vec<ListingView>)]
    pub items: Vec<Value>,
    /// Pass as `cursor` to read on; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: String,
    pub external_id: String,
    pub name: LocalizedText,
    pub resolved_name: Option<ResolvedText>,
    #[serde(rename = "type")]
    pub org_type: String,
    pub business_id: Option<String>,
    pub municipality: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: OrganisationStatus,
    pub status_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrganisationView {
    pub fn new(org: Organisation, lang: Lang) -> Self {
        OrganisationView {
            resolved_name: resolved(&org.input.name, lang),
            id: org.id,
            external_id: org.external_id,
            name: org.input.name,
            org_type: org.input.org_type,
            business_id: org.input.business_id,
            municipality: org.input.municipality,
            website: org.input.website,
            email: org.input.email,
            phone: org.input.phone,
            status: org.status,
            status_reason: org.status_reason,
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }
}

/// A page of organisations.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationPage {
    pub items: Vec<OrganisationView>,
    pub next_cursor: Option<String>,
}

/// A member of an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub role: OrganisationRole,
    pub status: MembershipStatus,
    pub since: DateTime<Utc>,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> Self {
        MemberView {
            user_id: m.user_id,
            email: m.email,
            display_name: m.display_name,
            role: m.role,
            status: m.status,
            since: m.since,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<MemberView>,
}

/// A membership as seen by its member.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipView {
    pub organisation_id: String,
    pub user_id: String,
    pub role: OrganisationRole,
    pub status: MembershipStatus,
    pub since: DateTime<Utc>,
}

impl From<Membership> for MembershipView {
    fn from(m: Membership) -> Self {
        MembershipView {
            organisation_id: m.organisation_id,
            user_id: m.user_id,
            role: m.role,
            status: m.status,
            since: m.created_at,
        }
    }
}

/// The signed-in person.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub lang: Lang,
    pub platform_role: PlatformRole,
    pub email_verified: bool,
    pub memberships: Vec<MembershipView>,
}

impl MeView {
    pub fn new(user: User, memberships: Vec<Membership>) -> Self {
        MeView {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            lang: user.lang,
            platform_role: user.platform_role,
            email_verified: user.email_verified,
            memberships: memberships.into_iter().map(Into::into).collect(),
        }
    }
}

/// A personal API token (its secret is shown only when created).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    /// The first characters of the token.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        TokenView {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenView>,
}

/// A new token with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenView,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub organisation_id: Option<String>,
    pub listing_id: Option<String>,
    /// What changed.
    #[schema(value_type = Object)]
    pub details: Value,
}

impl From<AuditEntry> for AuditView {
    fn from(e: AuditEntry) -> Self {
        AuditView {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            actor_name: e.actor_name,
            action: e.action,
            organisation_id: e.organisation_id,
            listing_id: e.listing_id,
            details: e.details,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditView>,
}

/// A short acknowledgement (`{"status": "..."}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Ack {
    pub status: &'static str,
}
