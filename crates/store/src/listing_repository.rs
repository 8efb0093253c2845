//! Listings: bulk import (upsert by external id), export, lookups and the change sequence.

use crate::connection::{AnyConnection, CHANGE_SEQUENCE_LOCK, write_transaction};
use crate::convert::{self, ListingMeta};
use crate::models::{
    ChangeRow, IndexOutboxRow, ListingRow, OccurrenceRow, OrganisationRow, TermRow,
};
use crate::schema::{
    index_outbox, listing_changes, listing_occurrences, listing_terms, listings, organisations,
};
use crate::{Store, StoreError, new_id};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use kynnys_domain::{Kind, ListingRecord, ListingStatus, OrganisationRecord};
use std::collections::HashMap;

/// Rows per multi-row INSERT, kept well below the bind-parameter limits of both databases.
const INSERT_CHUNK_ROWS: usize = 400;
/// Listings per page when reading many.
const PAGE: i64 = 1000;

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Of the created and updated listings, those stored as expired (past `valid_until`).
    pub expired: usize,
    pub organisations_created: usize,
    pub organisations_updated: usize,
}

/// One entry of the change sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub listing_id: String,
    pub external_id: String,
    /// `create`, `update` or `delete`.
    pub operation: String,
    pub changed_at: DateTime<Utc>,
}

/// A listing as stored: its record plus what the directory knows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredListing {
    pub id: String,
    pub organisation_id: String,
    pub status: ListingStatus,
    /// Why a moderator rejected or unpublished the listing.
    pub status_reason: Option<String>,
    pub record: ListingRecord,
    pub schedule_anchor: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_confirmed_at: Option<DateTime<Utc>>,
    pub seq: i64,
}

/// What is already stored about a listing, for deciding create / update / unchanged.
struct Existing {
    id: String,
    content_hash: String,
    status: String,
    created_at: NaiveDateTime,
    schedule_anchor: Option<NaiveDate>,
}

fn helsinki_today(now: DateTime<Utc>) -> NaiveDate {
    kynnys_domain::to_helsinki(now).date_naive()
}

/// The highest change sequence number (0 when nothing changed yet).
fn max_seq(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let last: Option<i64> = listing_changes::table
        .select(diesel::dsl::max(listing_changes::seq))
        .first(conn)?;
    Ok(last.unwrap_or(0))
}

/// The next sequence number; the caller numbers its changes from it. Must run inside a write
/// transaction: on PostgreSQL an advisory transaction lock makes numbers follow commit order, so
/// a follower never skips one.
fn allocate_seq(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    if let AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query(format!(
            "SELECT pg_advisory_xact_lock({CHANGE_SEQUENCE_LOCK})"
        ))
        .execute(pg)?;
    }
    Ok(max_seq(conn)? + 1)
}

/// Inserts rows in multi-row statements of at most [`INSERT_CHUNK_ROWS`] rows.
macro_rules! insert_chunked {
    ($conn:expr, $table:expr, $rows:expr) => {{
        for chunk in $rows.chunks(INSERT_CHUNK_ROWS) {
            // Multi-row VALUES is built per backend: the multi-connection backend has no batch insert.
            let insert = diesel::insert_into($table).values(chunk);
            match &mut *$conn {
                AnyConnection::Sqlite(c) => insert.execute(c)?,
                AnyConnection::Postgresql(c) => insert.execute(c)?,
            };
        }
        Ok::<(), StoreError>(())
    }};
}

impl Store {
    /// Creates or updates listings by `external_id` in one transaction; records whose exported
    /// form is unchanged are left alone. Imported listings are published (an import is an
    /// administrator's act) unless already expired. Organisations are matched by external id.
    pub fn import_listings(
        &self,
        mut records: Vec<ListingRecord>,
        now: DateTime<Utc>,
    ) -> Result<ImportSummary, StoreError> {
        records.iter_mut().for_each(ListingRecord::normalise);
        let now_naive = now.naive_utc();
        let today = helsinki_today(now);
        let mut conn = self.conn()?;
        write_transaction(&mut conn, |conn| {
            let mut summary = ImportSummary::default();
            let organisation_ids = upsert_organisations(conn, &records, now_naive, &mut summary)?;
            let existing: HashMap<String, Existing> = listings::table
                .select((
                    listings::external_id,
                    listings::id,
                    listings::content_hash,
                    listings::status,
                    listings::created_at,
                    listings::schedule_anchor,
                ))
                .load::<(
                    String,
                    String,
                    String,
                    String,
                    NaiveDateTime,
                    Option<NaiveDate>,
                )>(conn)?
                .into_iter()
                .map(
                    |(external_id, id, content_hash, status, created_at, schedule_anchor)| {
                        (
                            external_id,
                            Existing {
                                id,
                                content_hash,
                                status,
                                created_at,
                                schedule_anchor,
                            },
                        )
                    },
                )
                .collect();

            let mut created = Vec::new();
            let mut updated = Vec::new();
            let mut parts_terms = Vec::new();
            let mut parts_occurrences = Vec::new();
            let mut changes = Vec::new();
            let mut seq = allocate_seq(conn)?;
            for record in &records {
                let hash = convert::content_hash(record)?;
                let previous = existing.get(&record.external_id);
                if previous.is_some_and(|p| {
                    p.content_hash == hash && p.status != ListingStatus::Deleted.as_str()
                }) {
                    summary.unchanged += 1;
                    continue;
                }
                let expired = record.is_expired(now);
                let status = if expired {
                    ListingStatus::Expired
                } else {
                    ListingStatus::Published
                };
                summary.expired += usize::from(expired);
                let id = previous.map_or_else(new_id, |p| p.id.clone());
                let organisation_id = organisation_ids
                    .get(&record.organisation.external_id)
                    .ok_or_else(|| StoreError::Corrupt {
                        table: "organisations",
                        id: record.organisation.external_id.clone(),
                        reason: "organisation not stored".into(),
                    })?;
                let schedule_anchor = match (record.kind, previous.and_then(|p| p.schedule_anchor))
                {
                    (_, _) if record.schedule.is_none() => None,
                    (_, _) if record.valid_from.is_some() => record.valid_from,
                    (_, Some(anchor)) => Some(anchor),
                    (Kind::Activity | Kind::Event | Kind::Training, None) => Some(today),
                };
                let row = convert::listing_row(
                    record,
                    ListingMeta {
                        id: &id,
                        organisation_id,
                        status: status.as_str(),
                        schedule_anchor,
                        content_hash: hash,
                        created_at: previous.map_or(now_naive, |p| p.created_at),
                        updated_at: now_naive,
                        last_confirmed_at: Some(now_naive),
                        seq,
                    },
                )?;
                let parts = convert::listing_parts(&id, record);
                parts_terms.extend(parts.terms);
                parts_occurrences.extend(parts.occurrences);
                changes.push(ChangeRow {
                    seq,
                    listing_id: id.clone(),
                    external_id: record.external_id.clone(),
                    operation: if previous.is_some() {
                        "update"
                    } else {
                        "create"
                    }
                    .to_owned(),
                    changed_at: now_naive,
                });
                seq += 1;
                if previous.is_some() {
                    updated.push(row);
                } else {
                    created.push(row);
                }
            }
            summary.created = created.len();
            summary.updated = updated.len();

            insert_chunked!(conn, listings::table, &created)?;
            let updated_ids: Vec<&str> = updated.iter().map(|r| r.id.as_str()).collect();
            for ids in updated_ids.chunks(INSERT_CHUNK_ROWS) {
                diesel::delete(listing_terms::table.filter(listing_terms::listing_id.eq_any(ids)))
                    .execute(conn)?;
                diesel::delete(
                    listing_occurrences::table.filter(listing_occurrences::listing_id.eq_any(ids)),
                )
                .execute(conn)?;
            }
            for row in &updated {
                diesel::update(listings::table.find(&row.id))
                    .set(row)
                    .execute(conn)?;
            }
            insert_chunked!(conn, listing_terms::table, &parts_terms)?;
            insert_chunked!(conn, listing_occurrences::table, &parts_occurrences)?;
            record_changes(conn, &changes, now_naive)?;
            Ok(summary)
        })
    }

    /// Calls `sink` with every listing that is not deleted, ordered by `external_id` (byte order),
    /// in the normalised interchange form. Returns how many were written.
    pub fn export_listings(
        &self,
        mut sink: impl FnMut(&ListingRecord) -> Result<(), StoreError>,
    ) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let organisations = load_organisations(&mut conn)?;
        let mut after = String::new();
        let mut written = 0;
        loop {
            let page = load_page(&mut conn, &after)?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.external_id.clone();
            for stored in assemble(&mut conn, page, &organisations)? {
                sink(&stored.record)?;
                written += 1;
            }
        }
        Ok(written)
    }

    /// A listing by its external id, whatever its status.
    pub fn listing_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Option<StoredListing>, StoreError> {
        let mut conn = self.conn()?;
        let rows = listings::table
            .filter(listings::external_id.eq(external_id))
            .select(ListingRow::as_select())
            .load(&mut conn)?;
        Ok(assemble_with_organisations(&mut conn, rows)?
            .into_iter()
            .next())
    }

    /// The listings with these ids (any status; missing ids are left out).
    pub fn listings_by_ids(&self, ids: &[String]) -> Result<Vec<StoredListing>, StoreError> {
        let mut conn = self.conn()?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(INSERT_CHUNK_ROWS) {
            let rows = listings::table
                .filter(listings::id.eq_any(chunk))
                .select(ListingRow::as_select())
                .load(&mut conn)?;
            // Only the organisations of these listings: a page of results must not read them all.
            out.extend(assemble_with_organisations(&mut conn, rows)?);
        }
        Ok(out)
    }

    /// Calls `sink` with every published listing, a page at a time, ordered by external id.
    pub fn for_each_published(
        &self,
        mut sink: impl FnMut(Vec<StoredListing>) -> Result<(), StoreError>,
    ) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let organisations = load_organisations(&mut conn)?;
        let mut after = String::new();
        let mut count = 0;
        loop {
            let page: Vec<ListingRow> = listings::table
                .filter(listings::external_id.gt(&after))
                .filter(listings::status.eq(ListingStatus::Published.as_str()))
                .order_by(listings::external_id)
                .limit(PAGE)
                .select(ListingRow::as_select())
                .load(&mut conn)?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.external_id.clone();
            let listings = assemble(&mut conn, page, &organisations)?;
            count += listings.len();
            sink(listings)?;
        }
        Ok(count)
    }

    /// The highest change sequence number (0 when nothing changed yet).
    pub fn last_seq(&self) -> Result<i64, StoreError> {
        max_seq(&mut *self.conn()?)
    }

    /// Removes index outbox rows up to `seq`: the index has applied those changes.
    pub fn clear_index_outbox(&self, up_to: i64) -> Result<usize, StoreError> {
        Ok(
            diesel::delete(index_outbox::table.filter(index_outbox::seq.le(up_to)))
                .execute(&mut self.conn()?)?,
        )
    }

    /// Number of listings per status (deleted ones included).
    pub fn count_listings_by_status(&self) -> Result<Vec<(ListingStatus, i64)>, StoreError> {
        let rows: Vec<(String, i64)> = listings::table
            .group_by(listings::status)
            .select((listings::status, diesel::dsl::count_star()))
            .order_by(listings::status)
            .load(&mut self.conn()?)?;
        rows.into_iter()
            .map(|(status, n)| {
                status
                    .parse()
                    .map(|s| (s, n))
                    .map_err(|()| StoreError::Corrupt {
                        table: "listings",
                        id: status,
                        reason: "status".into(),
                    })
            })
            .collect()
    }

    /// Number of organisations.
    pub fn count_organisations(&self) -> Result<i64, StoreError> {
        Ok(organisations::table.count().get_result(&mut self.conn()?)?)
    }

    /// Changes with a sequence number greater than `after`, oldest first.
    pub fn changes_since(&self, after: i64, limit: i64) -> Result<Vec<Change>, StoreError> {
        let rows: Vec<ChangeRow> = listing_changes::table
            .filter(listing_changes::seq.gt(after))
            .order_by(listing_changes::seq)
            .limit(limit)
            .select(ChangeRow::as_select())
            .load(&mut self.conn()?)?;
        Ok(rows
            .into_iter()
            .map(|r| Change {
                seq: r.seq,
                listing_id: r.listing_id,
                external_id: r.external_id,
                operation: r.operation,
                changed_at: r.changed_at.and_utc(),
            })
            .collect())
    }

    /// Number of index outbox rows not yet processed.
    pub fn pending_index_updates(&self) -> Result<i64, StoreError> {
        Ok(index_outbox::table
            .filter(index_outbox::status.eq("pending"))
            .count()
            .get_result(&mut self.conn()?)?)
    }
}

/// Records one change per listing (`(id, external_id)`), numbering them from the sequence and
/// stamping each listing with its new number. Must run inside a write transaction.
pub(crate) fn record_listing_changes(
    conn: &mut AnyConnection,
    affected: &[(String, String)],
    operation: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    if affected.is_empty() {
        return Ok(());
    }
    let first = allocate_seq(conn)?;
    let mut changes = Vec::with_capacity(affected.len());
    for (seq, (id, external_id)) in (first..).zip(affected) {
        diesel::update(listings::table.find(id))
            .set(listings::seq.eq(seq))
            .execute(conn)?;
        changes.push(ChangeRow {
            seq,
            listing_id: id.clone(),
            external_id: external_id.clone(),
            operation: operation.to_owned(),
            changed_at: now,
        });
    }
    record_changes(conn, &changes, now)
}

/// Joins listing rows with their parts, loading just the organisations they need.
pub(crate) fn assemble_with_organisations(
    conn: &mut AnyConnection,
    rows: Vec<ListingRow>,
) -> Result<Vec<StoredListing>, StoreError> {
    let mut ids: Vec<&str> = rows.iter().map(|r| r.organisation_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let organisations = organisations::table
        .filter(organisations::id.eq_any(&ids))
        .select(OrganisationRow::as_select())
        .load(conn)?
        .iter()
        .map(|row| Ok((row.id.clone(), convert::organisation_record(row)?)))
        .collect::<Result<HashMap<_, _>, StoreError>>()?;
    assemble(conn, rows, &organisations)
}

/// Appends change rows and, in the same transaction, the index outbox rows that follow from them.
fn record_changes(
    conn: &mut AnyConnection,
    changes: &[ChangeRow],
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    insert_chunked!(conn, listing_changes::table, changes)?;
    let outbox: Vec<IndexOutboxRow> = changes
        .iter()
        .map(|c| IndexOutboxRow {
            seq: c.seq,
            listing_id: c.listing_id.clone(),
            status: "pending".to_owned(),
            attempts: 0,
            next_attempt_at: now,
            locked_until: None,
            last_error: None,
            created_at: now,
        })
        .collect();
    insert_chunked!(conn, index_outbox::table, &outbox)
}

/// Creates organisations seen for the first time and updates changed ones; returns the
/// database id of every organisation external id in `records`.
fn upsert_organisations(
    conn: &mut AnyConnection,
    records: &[ListingRecord],
    now: NaiveDateTime,
    summary: &mut ImportSummary,
) -> Result<HashMap<String, String>, StoreError> {
    let stored: Vec<OrganisationRow> = organisations::table
        .filter(organisations::external_id.is_not_null())
        .select(OrganisationRow::as_select())
        .load(conn)?;
    let mut by_external: HashMap<String, OrganisationRow> = stored
        .into_iter()
        .filter_map(|row| row.external_id.clone().map(|e| (e, row)))
        .collect();
    // The last record of an organisation in the import wins.
    let mut wanted: HashMap<&str, &OrganisationRecord> = HashMap::new();
    let mut order = Vec::new();
    for record in records {
        let key = record.organisation.external_id.as_str();
        if wanted.insert(key, &record.organisation).is_none() {
            order.push(key);
        }
    }
    let mut created = Vec::new();
    for key in order {
        let record = wanted[key];
        match by_external.get(key) {
            Some(row) => {
                if &convert::organisation_record(row)? != record {
                    let changed = OrganisationRow {
                        municipality: row.municipality.clone(),
                        phone: row.phone.clone(),
                        status: row.status.clone(),
                        status_reason: row.status_reason.clone(),
                        ..convert::organisation_row(&row.id, record, row.created_at, now)?
                    };
                    diesel::update(organisations::table.find(&row.id))
                        .set(&changed)
                        .execute(conn)?;
                    summary.organisations_updated += 1;
                }
            }
            None => {
                let row = convert::organisation_row(&new_id(), record, now, now)?;
                by_external.insert(key.to_owned(), row.clone());
                created.push(row);
            }
        }
    }
    summary.organisations_created = created.len();
    insert_chunked!(conn, organisations::table, &created)?;
    Ok(by_external
        .into_iter()
        .map(|(key, row)| (key, row.id))
        .collect())
}

fn load_organisations(
    conn: &mut AnyConnection,
) -> Result<HashMap<String, OrganisationRecord>, StoreError> {
    organisations::table
        .select(OrganisationRow::as_select())
        .load(conn)?
        .iter()
        .map(|row| Ok((row.id.clone(), convert::organisation_record(row)?)))
        .collect()
}

fn load_page(conn: &mut AnyConnection, after: &str) -> Result<Vec<ListingRow>, StoreError> {
    Ok(listings::table
        .filter(listings::external_id.gt(after))
        .filter(listings::status.ne(ListingStatus::Deleted.as_str()))
        .order_by(listings::external_id)
        .limit(PAGE)
        .select(ListingRow::as_select())
        .load(conn)?)
}

/// Joins listing rows with their terms, occurrences and organisation.
fn assemble(
    conn: &mut AnyConnection,
    rows: Vec<ListingRow>,
    organisations: &HashMap<String, OrganisationRecord>,
) -> Result<Vec<StoredListing>, StoreError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut terms: HashMap<String, Vec<TermRow>> = HashMap::new();
    let mut occurrences: HashMap<String, Vec<OccurrenceRow>> = HashMap::new();
    for chunk in ids.chunks(INSERT_CHUNK_ROWS) {
        let loaded: Vec<TermRow> = listing_terms::table
            .filter(listing_terms::listing_id.eq_any(chunk))
            .order_by((
                listing_terms::listing_id,
                listing_terms::vocabulary,
                listing_terms::position,
            ))
            .select(TermRow::as_select())
            .load(conn)?;
        for t in loaded {
            terms.entry(t.listing_id.clone()).or_default().push(t);
        }
        let loaded: Vec<OccurrenceRow> = listing_occurrences::table
            .filter(listing_occurrences::listing_id.eq_any(chunk))
            .order_by((
                listing_occurrences::listing_id,
                listing_occurrences::position,
            ))
            .select(OccurrenceRow::as_select())
            .load(conn)?;
        for o in loaded {
            occurrences.entry(o.listing_id.clone()).or_default().push(o);
        }
    }
    rows.into_iter()
        .map(|row| {
            let organisation = organisations
                .get(&row.organisation_id)
                .cloned()
                .ok_or_else(|| StoreError::Corrupt {
                    table: "listings",
                    id: row.id.clone(),
                    reason: "unknown organisation".into(),
                })?;
            let record = convert::listing_record(
                &row,
                organisation,
                terms.get(&row.id).map_or(&[][..], Vec::as_slice),
                occurrences.get(&row.id).map_or(&[][..], Vec::as_slice),
            )?;
            Ok(StoredListing {
                status: row.status.parse().map_err(|()| StoreError::Corrupt {
                    table: "listings",
                    id: row.id.clone(),
                    reason: format!("status {}", row.status),
                })?,
                id: row.id,
                organisation_id: row.organisation_id,
                status_reason: row.status_reason,
                record,
                schedule_anchor: row.schedule_anchor,
                created_at: row.created_at.and_utc(),
                updated_at: row.updated_at.and_utc(),
                last_confirmed_at: row.last_confirmed_at.map(|t| t.and_utc()),
                seq: row.seq,
            })
        })
        .collect()
}
