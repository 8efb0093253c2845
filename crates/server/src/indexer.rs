//! Keeps the search index in step with the database: a full rebuild when the index is missing,
//! corrupt or outdated, and a follower that applies the change sequence in batches (about every
//! 200 ms; one commit per batch), clearing the index outbox behind it.

use crate::ServerError;
use crate::config::Settings;
use chrono::{DateTime, Utc};
use kynnys_domain::{ListingStatus, Vocabularies};
use kynnys_search::{IndexListing, IndexStatus, Resources, SearchError, SearchIndex};
use kynnys_store::{Change, Store, StoredListing};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Changes applied per commit at most.
const BATCH: i64 = 2000;
/// Pause between polls of the change sequence.
const POLL: Duration = Duration::from_millis(200);

fn index_listing(stored: StoredListing) -> IndexListing {
    IndexListing {
        id: stored.id,
        record: stored.record,
        schedule_anchor: stored.schedule_anchor,
        updated_at: stored.updated_at,
    }
}

/// Opens the index under `KYNNYS_INDEX_DIR`, rebuilding it from the database when needed, and
/// brings it up to date with the change sequence.
pub fn open_index(
    settings: &Settings,
    store: &Store,
    vocabularies: Arc<Vocabularies>,
) -> Result<Arc<SearchIndex>, ServerError> {
    let (mut index, status) =
        SearchIndex::open(&settings.index_dir, Resources::builtin(), vocabularies)?;
    if let Some(threads) = settings.search_threads {
        index.set_search_threads(threads.get());
    }
    let index = Arc::new(index);
    match status {
        IndexStatus::Ready { seq } => {
            tracing::info!(seq, generation = %index.generation()?, "search index opened");
        }
        IndexStatus::NeedsRebuild { reason } => {
            tracing::info!(%reason, "rebuilding the search index from the database");
            rebuild(store, &index, Utc::now())?;
        }
    }
    catch_up(store, &index, Utc::now())?;
    Ok(index)
}

/// Streams every published listing from the database into `build`, which gets an iterator.
pub fn with_published<T>(
    store: &Store,
    build: impl FnOnce(
        &mut dyn Iterator<Item = Result<IndexListing, SearchError>>,
    ) -> Result<T, ServerError>,
) -> Result<T, ServerError> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<StoredListing>>(4);
    let reader_store = store.clone();
    let reader = std::thread::spawn(move || {
        reader_store.for_each_published(|page| {
            sender
                .send(page)
                .map_err(|_| kynnys_store::StoreError::Migration("index builder stopped".into()))
        })
    });
    let mut listings = receiver.into_iter().flatten().map(|s| Ok(index_listing(s)));
    let built = build(&mut listings);
    drop(listings);
    match reader.join() {
        Ok(Ok(_)) => built,
        Ok(Err(e)) => built.and(Err(e.into())),
        Err(_) => built.and(Err(ServerError::Config(
            "the listing reader panicked".into(),
        ))),
    }
}

/// The published listings that are still current at `now`.
fn current<'a>(
    listings: &'a mut dyn Iterator<Item = Result<IndexListing, SearchError>>,
    now: DateTime<Utc>,
) -> impl Iterator<Item = Result<IndexListing, SearchError>> + 'a {
    listings.filter(move |l| !l.as_ref().is_ok_and(|l| l.record.is_expired(now)))
}

/// Builds a fresh generation from the database and makes it live.
pub fn rebuild(store: &Store, index: &SearchIndex, now: DateTime<Utc>) -> Result<(), ServerError> {
    let seq = store.last_seq()?;
    with_published(store, |listings| {
        Ok(index.rebuild(current(listings, now), seq, now)?)
    })?;
    store.clear_index_outbox(seq)?;
    tracing::info!(seq, documents = index.num_docs()?, "search index rebuilt");
    Ok(())
}

/// `kynnys reindex`: builds a generation from the database beside the live one and names it in
/// `CURRENT`; a running server switches to it. Returns the generation and the sequence number.
pub fn reindex_beside(
    settings: &Settings,
    store: &Store,
    vocabularies: &Vocabularies,
) -> Result<(String, i64), ServerError> {
    let now = Utc::now();
    let seq = store.last_seq()?;
    let name = with_published(store, |listings| {
        Ok(SearchIndex::build_beside(
            &settings.index_dir,
            &Resources::builtin(),
            vocabularies,
            current(listings, now),
            seq,
            now,
        )?)
    })?;
    Ok((name, seq))
}

/// Applies every change after the index's sequence number. Returns how many were applied.
pub fn catch_up(
    store: &Store,
    index: &SearchIndex,
    now: DateTime<Utc>,
) -> Result<usize, ServerError> {
    let mut applied = 0;
    loop {
        let changes = store.changes_since(index.applied_seq()?, BATCH)?;
        let Some(last) = changes.last() else {
            return Ok(applied);
        };
        let seq = last.seq;
        apply(store, index, &changes, seq, now)?;
        applied += changes.len();
    }
}

fn apply(
    store: &Store,
    index: &SearchIndex,
    changes: &[Change],
    seq: i64,
    now: DateTime<Utc>,
) -> Result<(), ServerError> {
    let mut seen = HashSet::new();
    let ids: Vec<String> = changes
        .iter()
        .filter(|c| seen.insert(c.listing_id.as_str()))
        .map(|c| c.listing_id.clone())
        .collect();
    let (upserts, gone): (Vec<_>, Vec<_>) = store
        .listings_by_ids(&ids)?
        .into_iter()
        .partition(|l| l.status == ListingStatus::Published && !l.record.is_expired(now));
    let upserts: Vec<IndexListing> = upserts.into_iter().map(index_listing).collect();
    let kept: HashSet<&str> = upserts.iter().map(|l| l.id.as_str()).collect();
    let removals: Vec<String> = ids
        .iter()
        .filter(|id| !kept.contains(id.as_str()))
        .cloned()
        .collect();
    index.apply(&upserts, &removals, seq, now)?;
    store.clear_index_outbox(seq)?;
    tracing::debug!(
        seq,
        upserts = upserts.len(),
        removals = removals.len(),
        gone = gone.len(),
        "index updated"
    );
    Ok(())
}

/// Runs the follower on its own thread until `stop` is set.
pub fn spawn_follower(
    store: Store,
    index: Arc<SearchIndex>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut failures: u32 = 0;
        while !stop.load(Ordering::Relaxed) {
            let step = if index.is_on_disk() {
                index
                    .follow_current()
                    .map_err(ServerError::from)
                    .and_then(|_| catch_up(&store, &index, Utc::now()))
            } else {
                tracing::warn!(
                    "the search index directory is gone: rebuilding it from the database"
                );
                rebuild(&store, &index, Utc::now())
                    .and_then(|()| catch_up(&store, &index, Utc::now()))
            };
            match step {
                Ok(_) => failures = 0,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, failures, "search index update failed; retrying");
                }
            }
            let pause = POLL * 2u32.saturating_pow(failures.min(5));
            std::thread::sleep(pause);
        }
    })
}
