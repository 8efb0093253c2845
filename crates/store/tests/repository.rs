//! Repository tests, run on SQLite and (when `KYNNYS_TEST_POSTGRES_URL` is set) on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use kynnys_domain::{ListingRecord, ListingStatus};
use kynnys_store::testing::TestDatabase;
use kynnys_store::{Backend, StoreError};
use std::collections::BTreeSet;

const CORPUS: &str = include_str!("../../server/demo/listings.jsonl");

fn corpus() -> Vec<ListingRecord> {
    CORPUS
        .lines()
        .map(|line| ListingRecord::from_json_line(line).unwrap())
        .collect()
}

fn now() -> DateTime<Utc> {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

fn export(db: &TestDatabase) -> String {
    let mut out = String::new();
    db.store
        .export_listings(|record| {
            out.push_str(
                &serde_json::to_string(record).map_err(|e| StoreError::Migration(e.to_string()))?,
            );
            out.push('\n');
            Ok(())
        })
        .unwrap();
    out
}

#[test]
fn migrations_go_up_down_and_up_again() {
    for db in TestDatabase::each_backend_unmigrated() {
        let applied = db.store.migrate().unwrap();
        assert!(!applied.is_empty(), "{:?}", db.backend());
        assert!(db.store.pending_migrations().unwrap().is_empty());
        db.store
            .import_listings(corpus()[..3].to_vec(), now())
            .unwrap();
        let reverted = db.store.revert_all_migrations().unwrap();
        assert_eq!(reverted.len(), applied.len());
        assert_eq!(db.store.pending_migrations().unwrap().len(), applied.len());
        assert_eq!(db.store.migrate().unwrap(), applied);
        assert_eq!(
            db.store.count_organisations().unwrap(),
            0,
            "down migrations drop the data"
        );
    }
}

#[test]
fn both_backends_have_the_same_migration_names() {
    let names = |backend: &str| -> BTreeSet<String> {
        let dir = format!("{}/../../migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}

#[test]
fn the_corpus_imports_once_and_a_second_import_changes_nothing() {
    for db in TestDatabase::each_backend() {
        let records = corpus();
        let first = db.store.import_listings(records.clone(), now()).unwrap();
        assert_eq!(first.created, 250, "{:?}", db.backend());
        assert_eq!((first.updated, first.unchanged), (0, 0));
        assert_eq!(first.organisations_created, 87);
        let expired_in_corpus = records.iter().filter(|r| r.is_expired(now())).count();
        assert!(expired_in_corpus > 0);
        assert_eq!(first.expired, expired_in_corpus);
        let counts = db.store.count_listings_by_status().unwrap();
        assert_eq!(
            counts,
            vec![
                (ListingStatus::Expired, expired_in_corpus as i64),
                (ListingStatus::Published, (250 - expired_in_corpus) as i64)
            ]
        );

        let second = db.store.import_listings(records, now()).unwrap();
        assert_eq!(
            (second.created, second.updated, second.unchanged),
            (0, 0, 250)
        );
        assert_eq!(
            (second.organisations_created, second.organisations_updated),
            (0, 0)
        );
        assert_eq!(db.store.changes_since(0, 1000).unwrap().len(), 250);
    }
}

#[test]
fn export_round_trip_is_lossless_and_identical_on_both_backends() {
    let mut exports = Vec::new();
    for db in TestDatabase::each_backend() {
        db.store.import_listings(corpus(), now()).unwrap();
        let first = export(&db);
        assert_eq!(first.lines().count(), 250);
        let ids: Vec<String> = first
            .lines()
            .map(|l| ListingRecord::from_json_line(l).unwrap().external_id)
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "export is ordered by external_id");

        // Every record survives: same meaning as the source (times compared as instants).
        let mut source = corpus();
        source.iter_mut().for_each(ListingRecord::normalise);
        source.sort_by(|a, b| a.external_id.cmp(&b.external_id));
        let exported: Vec<ListingRecord> = first
            .lines()
            .map(|l| ListingRecord::from_json_line(l).unwrap())
            .collect();
        assert_eq!(exported, source);

        // Import the export into a fresh database of the same kind: byte-identical second export.
        let fresh = match db.backend() {
            Backend::Sqlite => TestDatabase::sqlite(),
            Backend::Postgres => TestDatabase::postgres().unwrap(),
        };
        fresh.store.import_listings(exported, now()).unwrap();
        assert_eq!(export(&fresh), first);
        exports.push(first);
    }
    if let [sqlite, postgres] = exports.as_slice() {
        assert!(sqlite == postgres, "SQLite and PostgreSQL exports differ");
    }
}

#[test]
fn changes_get_increasing_sequence_numbers_and_index_outbox_rows() {
    for db in TestDatabase::each_backend() {
        let records = corpus();
        db.store
            .import_listings(records[..10].to_vec(), now())
            .unwrap();
        let mut changed = records[3].clone();
        changed.title.en = Some("Renamed in the source system".into());
        let later: DateTime<Utc> = "2026-11-23T08:00:00Z".parse().unwrap();
        let summary = db
            .store
            .import_listings(vec![changed.clone(), records[10].clone()], later)
            .unwrap();
        assert_eq!((summary.created, summary.updated), (1, 1));

        let changes = db.store.changes_since(0, 100).unwrap();
        let seqs: Vec<i64> = changes.iter().map(|c| c.seq).collect();
        assert_eq!(seqs, (1..=12).collect::<Vec<_>>());
        assert_eq!(changes[10].external_id, changed.external_id);
        assert_eq!(changes[10].operation, "update");
        assert_eq!(changes[11].operation, "create");
        let tail = db.store.changes_since(10, 100).unwrap();
        assert_eq!(
            tail.len(),
            2,
            "a follower resumes after the last seq it saw"
        );
        assert_eq!(db.store.pending_index_updates().unwrap(), 12);

        let stored = db
            .store
            .listing_by_external_id(&changed.external_id)
            .unwrap()
            .unwrap();
        assert_eq!(stored.seq, 11);
        assert_eq!(
            stored.record.title.en.as_deref(),
            Some("Renamed in the source system")
        );
        assert_eq!(stored.created_at, now(), "created_at survives an update");
        assert_eq!(stored.updated_at, later);
    }
}

#[test]
fn a_changed_organisation_is_updated_and_its_listings_change() {
    for db in TestDatabase::each_backend() {
        let records = corpus();
        db.store
            .import_listings(records[..5].to_vec(), now())
            .unwrap();
        let mut renamed = records[..5].to_vec();
        for r in &mut renamed {
            if r.organisation.external_id == records[0].organisation.external_id {
                r.organisation.name.sv = Some("Ny förening rf".into());
            }
        }
        let affected = renamed
            .iter()
            .filter(|r| r.organisation.external_id == records[0].organisation.external_id)
            .count();
        let summary = db.store.import_listings(renamed, now()).unwrap();
        assert_eq!(summary.organisations_updated, 1);
        assert_eq!(summary.updated, affected);
        assert_eq!(summary.unchanged, 5 - affected);
        let stored = db
            .store
            .listing_by_external_id(&records[0].external_id)
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.record.organisation.name.sv.as_deref(),
            Some("Ny förening rf")
        );
    }
}
