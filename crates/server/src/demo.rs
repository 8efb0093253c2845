//! The demo dataset that ships with kynnys: the shared multilingual corpus (250 listings of
//! activities, events and trainings across Finland), moved forward in whole weeks so that it
//! stays current, whatever the date.

use crate::ServerError;
use crate::import::parse_text;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kynnys_domain::{ListingRecord, Vocabularies};
use kynnys_store::{ImportSummary, Store};

const DATASET: &str = include_str!("../demo/listings.jsonl");
/// The day the dataset was written for.
const DATASET_TODAY: (i32, u32, u32) = (2026, 11, 22);

/// Whole weeks between the dataset's day and `today` (never negative): shifting by whole
/// weeks keeps weekdays, so weekly and monthly rules keep their meaning.
fn weeks_since_dataset(today: NaiveDate) -> i64 {
    let (y, m, d) = DATASET_TODAY;
    NaiveDate::from_ymd_opt(y, m, d)
        .map(|base| (today - base).num_days().div_euclid(7).max(0))
        .unwrap_or(0)
}

fn shift(record: &mut ListingRecord, by: Duration) {
    let dates = [&mut record.valid_from, &mut record.valid_until];
    for date in dates.into_iter().flatten() {
        *date += by;
    }
    if let Some(deadline) = record
        .registration
        .as_mut()
        .and_then(|r| r.deadline.as_mut())
    {
        *deadline += by;
    }
    for t in [
        &mut record.starts_at,
        &mut record.ends_at,
        &mut record.updated_at,
    ]
    .into_iter()
    .flatten()
    {
        *t += by;
    }
    for o in record.occurrences.iter_mut().flatten() {
        o.starts_at += by;
        o.ends_at += by;
    }
}

/// The demo listings, dated for `now`.
pub fn demo_listings(
    vocabularies: &Vocabularies,
    now: DateTime<Utc>,
) -> Result<Vec<ListingRecord>, ServerError> {
    let mut records = parse_text(vocabularies, "demo/listings.jsonl", DATASET)?;
    let weeks = weeks_since_dataset(kynnys_domain::to_helsinki(now).date_naive());
    if weeks > 0 {
        let by = Duration::weeks(weeks);
        records.iter_mut().for_each(|r| shift(r, by));
    }
    Ok(records)
}

/// Loads the demo listings when the database has no listings; returns what was imported.
pub fn load_if_empty(
    store: &Store,
    vocabularies: &Vocabularies,
    now: DateTime<Utc>,
) -> Result<Option<ImportSummary>, ServerError> {
    let existing: i64 = store
        .count_listings_by_status()?
        .iter()
        .map(|(_, n)| n)
        .sum();
    if existing > 0 {
        tracing::info!(
            listings = existing,
            "database is not empty: demo data not loaded"
        );
        return Ok(None);
    }
    let summary = store.import_listings(demo_listings(vocabularies, now)?, now)?;
    tracing::info!(created = summary.created, "demo data loaded");
    Ok(Some(summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dataset_is_valid_and_moves_by_whole_weeks() {
        let vocab = Vocabularies::builtin().unwrap();
        let at_release: DateTime<Utc> = "2026-11-22T12:00:00Z".parse().unwrap();
        let original = demo_listings(&vocab, at_release).unwrap();
        assert_eq!(original.len(), 250);
        let a_year_later: DateTime<Utc> = "2027-11-25T12:00:00Z".parse().unwrap();
        let moved = demo_listings(&vocab, a_year_later).unwrap();
        let (a, b) = original
            .iter()
            .zip(&moved)
            .find(|(a, _)| a.valid_until.is_some())
            .unwrap();
        let days = (b.valid_until.unwrap() - a.valid_until.unwrap()).num_days();
        assert_eq!(days, 52 * 7);
        let current =
            |records: &[ListingRecord], now| records.iter().filter(|r| !r.is_expired(now)).count();
        assert_eq!(
            current(&original, at_release),
            current(&moved, a_year_later)
        );
    }
}
