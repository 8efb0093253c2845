//! Conversion between interchange records and rows.

use crate::StoreError;
use crate::models::{ListingRow, OccurrenceRow, OrganisationRow, TermRow};
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use kynnys_domain::{ListingRecord, Occurrence, OrganisationRecord, to_helsinki};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// Names of the list-valued fields in `listing_terms.vocabulary`.
pub(crate) mod vocabulary {
    pub const THEME: &str = "theme";
    pub const TARGET_GROUP: &str = "target_group";
    pub const INTEGRATION_STAGE: &str = "integration_stage";
    pub const LANGUAGE: &str = "language";
    pub const MUNICIPALITY: &str = "municipality";
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt {
        table: "json",
        id: String::new(),
        reason: e.to_string(),
    })
}

fn opt_json<T: Serialize>(value: Option<&T>) -> Result<Option<String>, StoreError> {
    value.map(to_json).transpose()
}

pub(crate) fn from_json<T: DeserializeOwned>(
    table: &'static str,
    id: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        table,
        id: id.to_owned(),
        reason: e.to_string(),
    })
}

fn opt_from_json<T: DeserializeOwned>(
    table: &'static str,
    id: &str,
    text: Option<&str>,
) -> Result<Option<T>, StoreError> {
    text.map(|t| from_json(table, id, t)).transpose()
}

pub(crate) fn utc(t: DateTime<FixedOffset>) -> NaiveDateTime {
    t.with_timezone(&Utc).naive_utc()
}

pub(crate) fn local(t: NaiveDateTime) -> DateTime<FixedOffset> {
    to_helsinki(t.and_utc())
}

/// SHA-256 of the record as it is exported: equal hashes mean nothing to update.
pub(crate) fn content_hash(record: &ListingRecord) -> Result<String, StoreError> {
    let digest = Sha256::digest(to_json(record)?.as_bytes());
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

pub(crate) fn organisation_row(
    id: &str,
    record: &OrganisationRecord,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> Result<OrganisationRow, StoreError> {
    Ok(OrganisationRow {
        id: id.to_owned(),
        external_id: Some(record.external_id.clone()),
        name: to_json(&record.name)?,
        org_type: record.org_type.clone(),
        business_id: record.business_id.clone(),
        municipality: None,
        website: record.website.clone(),
        email: record.email.clone(),
        status: "approved".to_owned(),
        created_at,
        updated_at,
        phone: None,
        status_reason: None,
    })
}

pub(crate) fn organisation_record(row: &OrganisationRow) -> Result<OrganisationRecord, StoreError> {
    Ok(OrganisationRecord {
        external_id: row.external_id.clone().unwrap_or_else(|| row.id.clone()),
        name: from_json("organisations", &row.id, &row.name)?,
        org_type: row.org_type.clone(),
        business_id: row.business_id.clone(),
        website: row.website.clone(),
        email: row.email.clone(),
    })
}

/// The parts of a listing that are not columns of `listings`.
pub(crate) struct ListingParts {
    pub terms: Vec<TermRow>,
    pub occurrences: Vec<OccurrenceRow>,
}

/// What the store decides about a listing besides its content.
pub(crate) struct ListingMeta<'a> {
    pub id: &'a str,
    pub organisation_id: &'a str,
    pub status: &'a str,
    pub schedule_anchor: Option<chrono::NaiveDate>,
    pub content_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_confirmed_at: Option<NaiveDateTime>,
    pub seq: i64,
}

pub(crate) fn listing_row(
    record: &ListingRecord,
    meta: ListingMeta<'_>,
) -> Result<ListingRow, StoreError> {
    Ok(ListingRow {
        id: meta.id.to_owned(),
        external_id: record.external_id.clone(),
        kind: record.kind.as_str().to_owned(),
        organisation_id: meta.organisation_id.to_owned(),
        status: meta.status.to_owned(),
        title: to_json(&record.title)?,
        summary: opt_json(record.summary.as_ref())?,
        description: to_json(&record.description)?,
        cost: opt_json(record.cost.as_ref())?,
        language_support: opt_json(record.language_support.as_ref())?,
        flags: opt_json(record.flags.as_ref())?,
        online: record.online,
        location: opt_json(record.location.as_ref())?,
        schedule: opt_json(record.schedule.as_ref())?,
        schedule_anchor: meta.schedule_anchor,
        starts_at: record.starts_at.map(utc),
        ends_at: record.ends_at.map(utc),
        valid_from: record.valid_from,
        valid_until: record.valid_until,
        registration: opt_json(record.registration.as_ref())?,
        age_min: record.age_min.map(i32::from),
        age_max: record.age_max.map(i32::from),
        audience: record.audience.map(|a| a.as_str().to_owned()),
        contact: opt_json(record.contact.as_ref())?,
        url: record.url.clone(),
        source_updated_at: record.updated_at.map(utc),
        content_hash: meta.content_hash,
        created_at: meta.created_at,
        updated_at: meta.updated_at,
        last_confirmed_at: meta.last_confirmed_at,
        status_reason: None,
        seq: meta.seq,
    })
}

pub(crate) fn listing_parts(listing_id: &str, record: &ListingRecord) -> ListingParts {
    let mut terms = Vec::new();
    let stages: Vec<String> = record
        .integration_stage
        .iter()
        .flatten()
        .map(u8::to_string)
        .collect();
    for (name, codes) in [
        (vocabulary::THEME, &record.themes),
        (vocabulary::TARGET_GROUP, &record.target_groups),
        (vocabulary::INTEGRATION_STAGE, &stages),
        (vocabulary::LANGUAGE, &record.languages_offered),
        (vocabulary::MUNICIPALITY, &record.municipalities),
    ] {
        terms.extend(codes.iter().zip(0..).map(|(code, position)| TermRow {
            listing_id: listing_id.to_owned(),
            vocabulary: name.to_owned(),
            position,
            code: code.clone(),
        }));
    }
    let occurrences = record
        .occurrences
        .iter()
        .flatten()
        .zip(0..)
        .map(|(o, position)| OccurrenceRow {
            listing_id: listing_id.to_owned(),
            position,
            starts_at: utc(o.starts_at),
            ends_at: utc(o.ends_at),
        })
        .collect();
    ListingParts { terms, occurrences }
}

fn corrupt(id: &str, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table: "listings",
        id: id.to_owned(),
        reason: reason.into(),
    }
}

/// Rebuilds the interchange record of a listing. `terms` and `occurrences` must be this
/// listing's rows sorted by position.
pub(crate) fn listing_record(
    row: &ListingRow,
    organisation: OrganisationRecord,
    terms: &[TermRow],
    occurrences: &[OccurrenceRow],
) -> Result<ListingRecord, StoreError> {
    let id = row.id.as_str();
    let codes = |name: &str| -> Vec<String> {
        terms
            .iter()
            .filter(|t| t.vocabulary == name)
            .map(|t| t.code.clone())
            .collect()
    };
    let stages = codes(vocabulary::INTEGRATION_STAGE)
        .iter()
        .map(|s| s.parse::<u8>().map_err(|e| corrupt(id, e.to_string())))
        .collect::<Result<Vec<u8>, _>>()?;
    let age = |v: Option<i32>| -> Result<Option<u8>, StoreError> {
        v.map(|a| u8::try_from(a).map_err(|e| corrupt(id, e.to_string())))
            .transpose()
    };
    Ok(ListingRecord {
        external_id: row.external_id.clone(),
        kind: row.kind.parse().map_err(|()| corrupt(id, "kind"))?,
        organisation,
        title: from_json("listings", id, &row.title)?,
        summary: opt_from_json("listings", id, row.summary.as_deref())?,
        description: from_json("listings", id, &row.description)?,
        themes: codes(vocabulary::THEME),
        target_groups: codes(vocabulary::TARGET_GROUP),
        integration_stage: (!stages.is_empty()).then_some(stages),
        languages_offered: codes(vocabulary::LANGUAGE),
        language_support: opt_from_json("listings", id, row.language_support.as_deref())?,
        flags: opt_from_json("listings", id, row.flags.as_deref())?,
        online: row.online,
        municipalities: codes(vocabulary::MUNICIPALITY),
        location: opt_from_json("listings", id, row.location.as_deref())?,
        schedule: opt_from_json("listings", id, row.schedule.as_deref())?,
        starts_at: row.starts_at.map(local),
        ends_at: row.ends_at.map(local),
        occurrences: (!occurrences.is_empty()).then(|| {
            occurrences
                .iter()
                .map(|o| Occurrence {
                    starts_at: local(o.starts_at),
                    ends_at: local(o.ends_at),
                })
                .collect()
        }),
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        cost: opt_from_json("listings", id, row.cost.as_deref())?,
        registration: opt_from_json("listings", id, row.registration.as_deref())?,
        age_min: age(row.age_min)?,
        age_max: age(row.age_max)?,
        audience: row
            .audience
            .as_deref()
            .map(|a| a.parse().map_err(|()| corrupt(id, "audience")))
            .transpose()?,
        contact: opt_from_json("listings", id, row.contact.as_deref())?,
        url: row.url.clone(),
        updated_at: row.source_updated_at.map(local),
    })
}
