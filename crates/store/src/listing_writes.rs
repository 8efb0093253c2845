//! Listings written one at a time through the API: create, edit, lifecycle actions, the public
//! list and the moderation queue. Every write records a change (for the index and the change
//! feed) and an audit entry in the same transaction.

use crate::audit::{Audit, changed_fields, record_audit};
use crate::connection::{AnyConnection, write_transaction};
use crate::convert::{self, ListingMeta, vocabulary};
use crate::listing_repository::{
    StoredListing, assemble_with_organisations, record_listing_changes,
};
use crate::mail::{NewMail, enqueue_mail};
use crate::models::ListingRow;
use crate::schema::{listing_occurrences, listing_terms, listings};
use crate::{Store, StoreError, new_id};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use kynnys_domain::{Kind, ListingAction, ListingRecord, ListingStatus, to_helsinki};
use serde_json::json;

/// Which listings to list.
#[derive(Debug, Clone, Default)]
pub struct ListingFilter {
    pub statuses: Vec<ListingStatus>,
    pub kinds: Vec<Kind>,
    pub organisations: Vec<String>,
    /// Municipality codes (a region filter is expanded to its municipalities by the caller).
    pub municipalities: Vec<String>,
    pub themes: Vec<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Resume after this change sequence number.
    pub after_seq: Option<i64>,
    pub limit: i64,
}

fn load_row(conn: &mut AnyConnection, id: &str) -> Result<ListingRow, StoreError> {
    listings::table
        .find(id)
        .select(ListingRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("listing"))
}

fn load_stored(conn: &mut AnyConnection, id: &str) -> Result<StoredListing, StoreError> {
    let row = load_row(conn, id)?;
    assemble_with_organisations(conn, vec![row])?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("listing"))
}

/// Writes the content of a listing (row, terms, occurrences) and its change.
fn write_content(
    conn: &mut AnyConnection,
    row: &ListingRow,
    record: &ListingRecord,
    created: bool,
    now: chrono::NaiveDateTime,
) -> Result<(), StoreError> {
    if created {
        diesel::insert_into(listings::table)
            .values(row)
            .execute(conn)
            .map_err(StoreError::unique("external id"))?;
    } else {
        diesel::delete(listing_terms::table.filter(listing_terms::listing_id.eq(&row.id)))
            .execute(conn)?;
        diesel::delete(
            listing_occurrences::table.filter(listing_occurrences::listing_id.eq(&row.id)),
        )
        .execute(conn)?;
        diesel::update(listings::table.find(&row.id))
            .set(row)
            .execute(conn)
            .map_err(StoreError::unique("external id"))?;
    }
    let parts = convert::listing_parts(&row.id, record);
    for term in &parts.terms {
        diesel::insert_into(listing_terms::table)
            .values(term)
            .execute(conn)?;
    }
    for occurrence in &parts.occurrences {
        diesel::insert_into(listing_occurrences::table)
            .values(occurrence)
            .execute(conn)?;
    }
    record_listing_changes(
        conn,
        &[(row.id.clone(), row.external_id.clone())],
        if created { "create" } else { "update" },
        now,
    )
}

fn schedule_anchor(
    record: &ListingRecord,
    previous: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    match (&record.schedule, record.valid_from, previous) {
        (None, _, _) => None,
        (Some(_), Some(from), _) => Some(from),
        (Some(_), None, Some(anchor)) => Some(anchor),
        (Some(_), None, None) => Some(today),
    }
}

impl Store {
    /// Creates a draft listing of `organisation_id`. The record's organisation must be that
    /// organisation's record. `Conflict` when the external id is taken.
    pub fn create_listing(
        &self,
        mut record: ListingRecord,
        organisation_id: &str,
        actor_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StoredListing, StoreError> {
        record.normalise();
        let now_naive = now.naive_utc();
        let id = new_id();
        write_transaction(&mut *self.conn()?, |conn| {
            let row = convert::listing_row(
                &record,
                ListingMeta {
                    id: &id,
                    organisation_id,
                    status: ListingStatus::Draft.as_str(),
                    schedule_anchor: schedule_anchor(&record, None, to_helsinki(now).date_naive()),
                    content_hash: convert::content_hash(&record)?,
                    created_at: now_naive,
                    updated_at: now_naive,
                    last_confirmed_at: Some(now_naive),
                    seq: 0,
                },
            )?;
            write_content(conn, &row, &record, true, now_naive)?;
            record_audit(
                conn,
                Audit {
                    actor_id: Some(actor_id),
                    action: "listing.create",
                    organisation_id: Some(organisation_id),
                    listing_id: Some(&id),
                    details: json!({ "status": ListingStatus::Draft }),
                },
                now_naive,
            )?;
            load_stored(conn, &id)
        })
    }

    /// Replaces the content of a listing, keeping its status (see the lifecycle in the domain).
    /// An unchanged record changes nothing.
    pub fn update_listing(
        &self,
        id: &str,
        mut record: ListingRecord,
        actor_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StoredListing, StoreError> {
        record.normalise();
        let now_naive = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            let before = load_stored(conn, id)?;
            if before.status.after(ListingAction::Edit).is_none() {
                return Err(StoreError::InvalidTransition {
                    from: before.status,
                    action: ListingAction::Edit,
                });
            }
            if before.record == record {
                return Ok(before);
            }
            let row = convert::listing_row(
                &record,
                ListingMeta {
                    id,
                    organisation_id: &before.organisation_id,
                    status: before.status.as_str(),
                    schedule_anchor: schedule_anchor(
                        &record,
                        before.schedule_anchor,
                        to_helsinki(now).date_naive(),
                    ),
                    content_hash: convert::content_hash(&record)?,
                    created_at: before.created_at.naive_utc(),
                    updated_at: now_naive,
                    last_confirmed_at: Some(now_naive),
                    seq: before.seq,
                },
            )?;
            let row = ListingRow {
                status_reason: before.status_reason.clone(),
                ..row
            };
            write_content(conn, &row, &record, false, now_naive)?;
            let mut old = json!(before.record);
            let mut new = json!(record);
            for value in [&mut old, &mut new] {
                if let Some(fields) = value.as_object_mut() {
                    fields.remove("organisation");
                }
            }
            record_audit(
                conn,
                Audit {
                    actor_id: Some(actor_id),
                    action: "listing.update",
                    organisation_id: Some(&before.organisation_id),
                    listing_id: Some(id),
                    details: json!({ "changed": changed_fields(&old, &new) }),
                },
                now_naive,
            )?;
            load_stored(conn, id)
        })
    }

    /// Takes a lifecycle action. `actor_id` is `None` for the system. `mails` are written in
    /// the same transaction (e.g. "your listing was approved").
    pub fn transition_listing(
        &self,
        id: &str,
        action: ListingAction,
        reason: Option<&str>,
        actor_id: Option<&str>,
        mails: &[NewMail],
        now: DateTime<Utc>,
    ) -> Result<StoredListing, StoreError> {
        let now_naive = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            let before = load_stored(conn, id)?;
            let to = before
                .status
                .after(action)
                .ok_or(StoreError::InvalidTransition {
                    from: before.status,
                    action,
                })?;
            if matches!(action, ListingAction::Submit | ListingAction::Approve)
                && before.record.is_expired(now)
            {
                return Err(StoreError::Conflict("listing is past its end"));
            }
            let reason = match to {
                ListingStatus::Rejected => reason,
                _ => None,
            };
            let confirmed = match action {
                ListingAction::Confirm => Some(now_naive),
                _ => before.last_confirmed_at.map(|t| t.naive_utc()),
            };
            diesel::update(listings::table.find(id))
                .set((
                    listings::status.eq(to.as_str()),
                    listings::status_reason.eq(reason),
                    listings::last_confirmed_at.eq(confirmed),
                    listings::updated_at.eq(now_naive),
                ))
                .execute(conn)?;
            if to != before.status {
                let operation = if to == ListingStatus::Deleted {
                    "delete"
                } else {
                    "update"
                };
                record_listing_changes(
                    conn,
                    &[(id.to_owned(), before.record.external_id.clone())],
                    operation,
                    now_naive,
                )?;
            }
            record_audit(
                conn,
                Audit {
                    actor_id,
                    action: &format!("listing.{action}"),
                    organisation_id: Some(&before.organisation_id),
                    listing_id: Some(id),
                    details: json!({ "from": before.status, "to": to, "reason": reason }),
                },
                now_naive,
            )?;
            for mail in mails {
                enqueue_mail(conn, mail, now_naive)?;
            }
            load_stored(conn, id)
        })
    }

    /// A listing by id, whatever its status (deleted ones included).
    pub fn listing(&self, id: &str) -> Result<Option<StoredListing>, StoreError> {
        match load_stored(&mut *self.conn()?, id) {
            Ok(listing) => Ok(Some(listing)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Published listings past their `valid_until` (Europe/Helsinki date) become expired.
    /// Returns their ids.
    pub fn expire_due_listings(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        let today = to_helsinki(now).date_naive();
        let due: Vec<String> = listings::table
            .filter(listings::status.eq(ListingStatus::Published.as_str()))
            .filter(listings::valid_until.lt(today))
            .select(listings::id)
            .load(&mut self.conn()?)?;
        let mut expired = Vec::with_capacity(due.len());
        for id in due {
            match self.transition_listing(&id, ListingAction::Expire, None, None, &[], now) {
                Ok(_) => expired.push(id),
                // Changed meanwhile (e.g. archived): nothing to expire.
                Err(StoreError::InvalidTransition { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(expired)
    }

    /// Listings by filter, in change order (`seq`), so that a reader can resume after the last
    /// one it saw.
    pub fn listings(&self, filter: &ListingFilter) -> Result<Vec<StoredListing>, StoreError> {
        let mut query = listings::table
            .select(ListingRow::as_select())
            .order_by(listings::seq)
            .limit(filter.limit)
            .into_boxed();
        if !filter.statuses.is_empty() {
            let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
            query = query.filter(listings::status.eq_any(statuses));
        }
        if !filter.kinds.is_empty() {
            let kinds: Vec<&str> = filter.kinds.iter().map(|k| k.as_str()).collect();
            query = query.filter(listings::kind.eq_any(kinds));
        }
        if !filter.organisations.is_empty() {
            query = query.filter(listings::organisation_id.eq_any(&filter.organisations));
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(listings::updated_at.ge(since.naive_utc()));
        }
        if let Some(after) = filter.after_seq {
            query = query.filter(listings::seq.gt(after));
        }
        for (name, codes) in [
            (vocabulary::MUNICIPALITY, &filter.municipalities),
            (vocabulary::THEME, &filter.themes),
        ] {
            if !codes.is_empty() {
                query = query.filter(diesel::dsl::exists(
                    listing_terms::table
                        .filter(listing_terms::listing_id.eq(listings::id))
                        .filter(listing_terms::vocabulary.eq(name))
                        .filter(listing_terms::code.eq_any(codes)),
                ));
            }
        }
        let mut conn = self.conn()?;
        let rows = query.load(&mut conn)?;
        assemble_with_organisations(&mut conn, rows)
    }

    /// Listings waiting for a moderator, oldest first.
    pub fn moderation_queue(&self, limit: i64) -> Result<Vec<StoredListing>, StoreError> {
        let mut conn = self.conn()?;
        let rows = listings::table
            .filter(listings::status.eq(ListingStatus::PendingReview.as_str()))
            .order_by((listings::updated_at, listings::id))
            .limit(limit)
            .select(ListingRow::as_select())
            .load(&mut conn)?;
        assemble_with_organisations(&mut conn, rows)
    }
}
