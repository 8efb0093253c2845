//! The audit log: who did what, when, to which organisation or listing. Written in the same
//! transaction as the change it describes; never updated.

use crate::connection::AnyConnection;
use crate::models::AuditRow;
use crate::schema::{audit_log, users};
use crate::{Store, StoreError, new_id};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// One audit entry as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    /// `None` for the system (the expiry job, an import).
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub organisation_id: Option<String>,
    pub listing_id: Option<String>,
    /// What changed: for edits `{"changed": {"field": {"from": .., "to": ..}}}`, for status
    /// changes `{"from": .., "to": .., "reason": ..}`.
    pub details: serde_json::Value,
}

/// An audit entry to write.
pub(crate) struct Audit<'a> {
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub organisation_id: Option<&'a str>,
    pub listing_id: Option<&'a str>,
    pub details: serde_json::Value,
}

pub(crate) fn record_audit(
    conn: &mut AnyConnection,
    entry: Audit<'_>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values(AuditRow {
            id: new_id(),
            at: now,
            actor_id: entry.actor_id.map(str::to_owned),
            action: entry.action.to_owned(),
            organisation_id: entry.organisation_id.map(str::to_owned),
            listing_id: entry.listing_id.map(str::to_owned),
            details: entry.details.to_string(),
        })
        .execute(conn)?;
    Ok(())
}

/// The top-level fields that differ between two JSON objects, with their old and new values.
pub(crate) fn changed_fields(
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> serde_json::Map<String, serde_json::Value> {
    let empty = serde_json::Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| {
            (
                k.clone(),
                serde_json::json!({ "from": before.get(k), "to": after.get(k) }),
            )
        })
        .collect()
}

/// Which rows of the audit log to read.
#[derive(Debug, Clone, Copy)]
pub enum AuditScope<'a> {
    Listing(&'a str),
    Organisation(&'a str),
}

impl Store {
    /// Audit entries of a listing or of an organisation (its listings included), newest first.
    pub fn audit_entries(
        &self,
        scope: AuditScope<'_>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut query = audit_log::table
            .left_join(users::table.on(users::id.nullable().eq(audit_log::actor_id)))
            .select((AuditRow::as_select(), users::display_name.nullable()))
            .order_by((audit_log::at.desc(), audit_log::id.desc()))
            .limit(limit)
            .into_boxed();
        query = match scope {
            AuditScope::Listing(id) => query.filter(audit_log::listing_id.eq(id)),
            AuditScope::Organisation(id) => query.filter(audit_log::organisation_id.eq(id)),
        };
        let rows: Vec<(AuditRow, Option<String>)> = query.load(&mut self.conn()?)?;
        rows.into_iter()
            .map(|(row, actor_name)| {
                Ok(AuditEntry {
                    details: serde_json::from_str(&row.details).map_err(|e| {
                        StoreError::Corrupt {
                            table: "audit_log",
                            id: row.id.clone(),
                            reason: e.to_string(),
                        }
                    })?,
                    id: row.id,
                    at: row.at.and_utc(),
                    actor_id: row.actor_id,
                    actor_name,
                    action: row.action,
                    organisation_id: row.organisation_id,
                    listing_id: row.listing_id,
                })
            })
            .collect()
    }
}
