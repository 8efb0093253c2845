//! The index on disk: generations under `KYNNYS_INDEX_DIR` (`gen-*/`), the live one named in
//! `CURRENT`. A rebuild writes a new generation beside the live one and swaps `CURRENT`
//! atomically; searches keep using the old generation until the swap. Each commit records the
//! last change sequence number applied, so a restart resumes where the index left off.

use crate::SearchError;
use crate::analysis::{PLAIN_ANALYZER, TextLang, plain_analyzer};
use crate::collector::{
    DIMENSIONS, FacetSpace, Filters, Hit, KeyOrder, SearchCollector, SegmentFacts, max_scores,
};
use crate::document::{Card, IndexListing, sessions};
use crate::highlight::Highlighter;
use crate::query::{
    FacetCount, Facets, Matched, ResolvedText, SearchHit, SearchRequest, SearchResponse, Sort,
    text_query,
};
use crate::resources::Resources;
use crate::schema::{self, Fields, SCHEMA_VERSION};
use crate::threads::SearchThreads;
use chrono::{DateTime, NaiveTime, Utc};
use kynnys_domain::{Kind, Lang, LocalizedText, Vocabularies};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::query::{AllQuery, EnableScoring, Query};
use tantivy::schema::Value;
use tantivy::{
    Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term,
};

const CURRENT: &str = "CURRENT";
const META: &str = "kynnys-index.json";
/// Listings made into documents at a time while rebuilding.
const BUILD_BATCH: usize = 1024;
/// Memory of the index writer (tantivy splits it between its threads).
const WRITER_MEMORY: usize = 64_000_000;
/// Bytes of stored documents compressed together (tantivy's default is 16 KiB). A page of
/// results reads twenty documents from as many blocks: a block of one or two listings is
/// unpacked in a quarter of the time, for an index about a tenth larger.
const DOCSTORE_BLOCK: usize = 4096;

/// What is written beside the tantivy files of a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Meta {
    schema_version: u32,
    resources: u64,
    vocabularies: u64,
}

impl Meta {
    fn expected(vocab: &Vocabularies) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let keys = vocab
            .themes
            .terms()
            .iter()
            .chain(vocab.target_groups.terms())
            .chain(vocab.languages.terms())
            .map(|t| t.key.as_str())
            .chain(vocab.municipalities().iter().map(|m| m.code.as_str()))
            .chain(vocab.regions().iter().map(|r| r.code.as_str()));
        for key in keys {
            for b in key.bytes().chain([0]) {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        Self {
            schema_version: SCHEMA_VERSION,
            resources: Resources::fingerprint(),
            vocabularies: h,
        }
    }
}

/// How the index was found at open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexStatus {
    /// A usable index that contains the changes up to this sequence number.
    Ready { seq: i64 },
    /// No usable index (missing, corrupt or from another version): it must be rebuilt.
    NeedsRebuild { reason: String },
}

struct Generation {
    name: String,
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    /// Filter and sort data per segment, built once per (immutable) segment.
    facts: Mutex<HashMap<SegmentId, Arc<SegmentFacts>>>,
    /// Per-segment ceilings of ranking queries, measured for one searcher.
    ceilings: Mutex<Ceilings>,
}

/// Ranking queries (by their text) with the most they add in each segment (see
/// [`crate::collector::max_scores`]). BM25 weighs a term by all the segments of a searcher, so
/// a ceiling holds for the searcher it was measured on: the map starts over when the reader
/// reloads.
#[derive(Default)]
struct Ceilings {
    searcher_generation: u64,
    by_query: HashMap<String, Arc<[Score]>>,
}

/// Ranking queries whose ceilings are kept at most, before the map starts over.
const MAX_CEILINGS: usize = 1024;

impl Generation {
    /// The facts of every segment of `searcher`, building those not seen yet and forgetting
    /// segments that merged away.
    fn facts(
        &self,
        searcher: &tantivy::Searcher,
        fields: &Fields,
        space: &FacetSpace,
    ) -> Result<Vec<Arc<SegmentFacts>>, SearchError> {
        let mut cache = self.facts.lock().map_err(lock_error)?;
        let mut out = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let id = reader.segment_id();
            let facts = match cache.get(&id) {
                Some(facts) => facts.clone(),
                None => {
                    let facts = Arc::new(SegmentFacts::build(reader, fields, space)?);
                    cache.insert(id, facts.clone());
                    facts
                }
            };
            out.push(facts);
        }
        let live: std::collections::HashSet<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|r| r.segment_id())
            .collect();
        cache.retain(|id, _| live.contains(id));
        Ok(out)
    }

    /// The ceilings of `ranking` in the segments of `searcher`: measured on the first search
    /// that needs them, then remembered until the reader reloads.
    fn ceilings(
        &self,
        searcher: &tantivy::Searcher,
        ranking: &dyn Query,
        threads: &SearchThreads,
    ) -> Result<Arc<[Score]>, SearchError> {
        let key = format!("{ranking:?}");
        let generation = searcher.generation().generation_id();
        {
            let mut cache = self.ceilings.lock().map_err(lock_error)?;
            if cache.searcher_generation != generation {
                cache.by_query.clear();
                cache.searcher_generation = generation;
            }
            if let Some(known) = cache.by_query.get(&key) {
                return Ok(known.clone());
            }
        }
        let measured: Arc<[Score]> = max_scores(searcher, ranking, threads)?.into();
        let mut cache = self.ceilings.lock().map_err(lock_error)?;
        if cache.searcher_generation == generation {
            if cache.by_query.len() >= MAX_CEILINGS {
                cache.by_query.clear();
            }
            cache.by_query.insert(key, measured.clone());
        }
        Ok(measured)
    }
}

/// The search index of a process. Cheap to share (`Arc`).
pub struct SearchIndex {
    dir: PathBuf,
    fields: Fields,
    resources: Resources,
    vocab: Arc<Vocabularies>,
    /// The numbering of the vocabularies' facet values.
    space: Arc<FacetSpace>,
    live: RwLock<Arc<Generation>>,
    /// Runs the segments of one search, and the cards of its page, side by side: an advisor's
    /// query is answered by every core the server has (see `set_search_threads`). Their
    /// number is the shares the documents, and a page of results, are cut into.
    threads: SearchThreads,
}

/// Sizes of the facet dimensions (kind, municipality, region, theme, target group, language).
fn facet_sizes(v: &Vocabularies) -> [usize; DIMENSIONS] {
    [
        Kind::ALL.len(),
        v.municipalities().len(),
        v.regions().len(),
        v.themes.len(),
        v.target_groups.len(),
        v.languages.len(),
    ]
}

fn register_analyzers(index: &Index, resources: &Resources) {
    let manager = index.tokenizers();
    for lang in TextLang::ALL {
        manager.register(lang.analyzer_name(), resources.analyzer(lang));
    }
    manager.register(PLAIN_ANALYZER, plain_analyzer());
}

fn read_current(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(CURRENT))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn open_generation(
    dir: &Path,
    name: &str,
    resources: &Resources,
    vocab: &Vocabularies,
) -> Result<Generation, String> {
    let path = dir.join(name);
    let meta: Meta = std::fs::read_to_string(path.join(META))
        .map_err(|e| format!("no metadata: {e}"))
        .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("bad metadata: {e}")))?;
    if meta != Meta::expected(vocab) {
        return Err(format!(
            "built for schema {} with other resources or vocabularies",
            meta.schema_version
        ));
    }
    let directory = MmapDirectory::open(&path).map_err(|e| e.to_string())?;
    let index = Index::open(directory).map_err(|e| e.to_string())?;
    generation(name, index, resources).map_err(|e| e.to_string())
}

fn generation(name: &str, index: Index, resources: &Resources) -> Result<Generation, SearchError> {
    register_analyzers(&index, resources);
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
    Ok(Generation {
        name: name.to_owned(),
        index,
        reader,
        writer: Mutex::new(writer),
        facts: Mutex::new(HashMap::new()),
        ceilings: Mutex::new(Ceilings::default()),
    })
}

/// One thread per core, at most four: the threads of a rebuild's writer, and of one search
/// unless set.
fn cores_up_to_four() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

fn new_generation_name() -> String {
    format!("gen-{}", Utc::now().format("%Y%m%dT%H%M%S%.6f"))
}

fn lock_error<T>(_: T) -> SearchError {
    SearchError::Metadata("index lock poisoned".into())
}

/// Builds an index of `listings` in a new generation directory and records `seq` in its commit.
/// Returns the generation's name; it becomes live with [`SearchIndex::switch_to`].
fn build_generation(
    dir: &Path,
    resources: &Resources,
    vocab: &Vocabularies,
    listings: impl Iterator<Item = Result<IndexListing, SearchError>>,
    seq: i64,
    now: DateTime<Utc>,
) -> Result<String, SearchError> {
    let name = new_generation_name();
    let path = dir.join(&name);
    std::fs::create_dir_all(&path)?;
    let (schema, fields) = schema::build();
    let index = Index::builder()
        .schema(schema)
        .settings(IndexSettings {
            docstore_blocksize: DOCSTORE_BLOCK,
            ..IndexSettings::default()
        })
        .create_in_dir(&path)?;
    register_analyzers(&index, resources);
    let threads = cores_up_to_four();
    let mut writer: IndexWriter =
        index.writer_with_num_threads(threads, WRITER_MEMORY * threads)?;
    // The segments are merged into one once all are written (below), not piecemeal meanwhile.
    writer.set_merge_policy(Box::new(tantivy::merge_policy::NoMergePolicy));
    // Documents are made (texts analysed, groups found) on every core, a batch at a time,
    // while the writer's threads index the batch before.
    let mut listings = listings;
    let mut batch: Vec<IndexListing> = Vec::with_capacity(BUILD_BATCH);
    loop {
        batch.clear();
        for listing in listings.by_ref().take(BUILD_BATCH) {
            batch.push(listing?);
        }
        if batch.is_empty() {
            break;
        }
        let per_thread = batch.len().div_ceil(threads);
        let documents: Vec<Result<Vec<TantivyDocument>, SearchError>> =
            std::thread::scope(|scope| {
                let workers: Vec<_> = batch
                    .chunks(per_thread)
                    .map(|part| {
                        let fields = &fields;
                        scope.spawn(move || {
                            part.iter()
                                .map(|l| l.to_document(fields, vocab, resources, now))
                                .collect()
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| {
                        w.join().unwrap_or_else(|_| {
                            Err(SearchError::Metadata("a document builder panicked".into()))
                        })
                    })
                    .collect()
            });
        for part in documents {
            for document in part? {
                writer.add_document(document)?;
            }
        }
    }
    let mut commit = writer.prepare_commit()?;
    commit.set_payload(&seq.to_string());
    commit.commit()?;
    // One segment: a search then looks each term up, opens its postings and walks the term
    // dictionaries for near words once instead of once per segment, and its threads share
    // one run of documents evenly. Segments the live index adds later merge as usual.
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    std::fs::write(
        path.join(META),
        serde_json::to_string(&Meta::expected(vocab))
            .map_err(|e| SearchError::Metadata(e.to_string()))?,
    )?;
    Ok(name)
}

impl SearchIndex {
    /// Opens the live generation under `dir`, or an empty one when there is none usable
    /// (the status then says why, and the caller rebuilds from the database).
    pub fn open(
        dir: &Path,
        resources: Resources,
        vocab: Arc<Vocabularies>,
    ) -> Result<(Self, IndexStatus), SearchError> {
        std::fs::create_dir_all(dir)?;
        let (_, fields) = schema::build();
        let opened = match read_current(dir) {
            Some(name) => open_generation(dir, &name, &resources, &vocab)
                .map_err(|reason| format!("{name}: {reason}")),
            None => Err("no index yet".to_owned()),
        };
        let (generation, status) = match opened {
            Ok(generation) => {
                let seq = generation
                    .index
                    .load_metas()?
                    .payload
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                (generation, IndexStatus::Ready { seq })
            }
            Err(reason) => {
                let name =
                    build_generation(dir, &resources, &vocab, std::iter::empty(), 0, Utc::now())?;
                let generation = open_generation(dir, &name, &resources, &vocab)
                    .map_err(SearchError::Metadata)?;
                write_current(dir, &name)?;
                (generation, IndexStatus::NeedsRebuild { reason })
            }
        };
        let search_threads = cores_up_to_four();
        let index = Self {
            dir: dir.to_owned(),
            fields,
            resources,
            space: Arc::new(FacetSpace::new(facet_sizes(&vocab))),
            vocab,
            live: RwLock::new(Arc::new(generation)),
            threads: SearchThreads::new(search_threads),
        };
        index.remove_old_generations();
        Ok((index, status))
    }

    /// Runs each search on `threads` threads (1: on the calling thread alone, the most
    /// searches at once; more: the quickest answer to one search).
    pub fn set_search_threads(&mut self, threads: usize) {
        self.threads = SearchThreads::new(threads);
    }

    fn live(&self) -> Result<Arc<Generation>, SearchError> {
        Ok(self.live.read().map_err(lock_error)?.clone())
    }

    /// Name of the live generation.
    pub fn generation(&self) -> Result<String, SearchError> {
        Ok(self.live()?.name.clone())
    }

    /// The change sequence number the live generation contains.
    pub fn applied_seq(&self) -> Result<i64, SearchError> {
        Ok(self
            .live()?
            .index
            .load_metas()?
            .payload
            .and_then(|p| p.parse().ok())
            .unwrap_or(0))
    }

    /// Builds a fresh generation from `listings` (a full rebuild) beside the live one and makes it live.
    pub fn rebuild(
        &self,
        listings: impl Iterator<Item = Result<IndexListing, SearchError>>,
        seq: i64,
        now: DateTime<Utc>,
    ) -> Result<(), SearchError> {
        std::fs::create_dir_all(&self.dir)?;
        let name = build_generation(&self.dir, &self.resources, &self.vocab, listings, seq, now)?;
        self.switch_to(&name)
    }

    /// Builds a generation in `dir` without opening the live one (`kynnys reindex` in another
    /// process); a running server picks it up with [`SearchIndex::follow_current`].
    pub fn build_beside(
        dir: &Path,
        resources: &Resources,
        vocab: &Vocabularies,
        listings: impl Iterator<Item = Result<IndexListing, SearchError>>,
        seq: i64,
        now: DateTime<Utc>,
    ) -> Result<String, SearchError> {
        std::fs::create_dir_all(dir)?;
        let name = build_generation(dir, resources, vocab, listings, seq, now)?;
        write_current(dir, &name)?;
        Ok(name)
    }

    /// Makes generation `name` live.
    pub fn switch_to(&self, name: &str) -> Result<(), SearchError> {
        let generation = open_generation(&self.dir, name, &self.resources, &self.vocab)
            .map_err(SearchError::Metadata)?;
        write_current(&self.dir, name)?;
        *self.live.write().map_err(lock_error)? = Arc::new(generation);
        self.remove_old_generations();
        tracing::info!(generation = name, "search index generation is live");
        Ok(())
    }

    /// True when the live generation is still on disk (someone may have deleted the directory).
    pub fn is_on_disk(&self) -> bool {
        self.live().is_ok_and(|live| {
            self.dir.join(&live.name).join(META).is_file() && read_current(&self.dir).is_some()
        })
    }

    /// Switches to the generation named in `CURRENT` when another process has changed it.
    /// Returns true when it switched.
    pub fn follow_current(&self) -> Result<bool, SearchError> {
        let Some(name) = read_current(&self.dir) else {
            return Ok(false);
        };
        if name == self.live()?.name {
            return Ok(false);
        }
        let generation = open_generation(&self.dir, &name, &self.resources, &self.vocab)
            .map_err(SearchError::Metadata)?;
        *self.live.write().map_err(lock_error)? = Arc::new(generation);
        tracing::info!(generation = name, "switched to a rebuilt search index");
        self.remove_old_generations();
        Ok(true)
    }

    fn remove_old_generations(&self) {
        let Ok(live) = self.live() else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("gen-")
                && name != live.name
                && name < live.name
                && let Err(e) = std::fs::remove_dir_all(entry.path())
            {
                tracing::warn!(generation = name, error = %e, "cannot remove an old index generation");
            }
        }
    }

    /// Applies changes: `upserts` are (re)indexed, `removals` (listing ids) leave the index;
    /// one commit records `seq`, and searches see the result when this returns.
    pub fn apply(
        &self,
        upserts: &[IndexListing],
        removals: &[String],
        seq: i64,
        now: DateTime<Utc>,
    ) -> Result<(), SearchError> {
        let live = self.live()?;
        let mut writer = live.writer.lock().map_err(lock_error)?;
        for id in removals.iter().chain(upserts.iter().map(|l| &l.id)) {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        for listing in upserts {
            writer.add_document(listing.to_document(
                &self.fields,
                &self.vocab,
                &self.resources,
                now,
            )?)?;
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&seq.to_string());
        commit.commit()?;
        drop(writer);
        live.reader.reload()?;
        // Prepare the new segments' facts here, not in the next search.
        live.facts(&live.reader.searcher(), &self.fields, &self.space)?;
        Ok(())
    }

    /// Number of documents searchable now.
    pub fn num_docs(&self) -> Result<u64, SearchError> {
        Ok(self.live()?.reader.searcher().num_docs())
    }

    /// Documents in each segment of the live generation (a search runs its segments side by side).
    pub fn segment_sizes(&self) -> Result<Vec<u32>, SearchError> {
        Ok(self
            .live()?
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|s| s.num_docs())
            .collect())
    }

    /// Bytes on disk of the live generation.
    pub fn size_bytes(&self) -> Result<u64, SearchError> {
        let path = self.dir.join(&self.live()?.name);
        Ok(std::fs::read_dir(path)?
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum())
    }

    /// The key of facet value `i` of dimension `dim` (kind, municipality, region, theme,
    /// target group, language).
    fn facet_key(&self, dim: usize, i: usize) -> Option<&str> {
        let v = &self.vocab;
        match dim {
            0 => Kind::ALL.get(i).map(|k| k.as_str()),
            1 => v.municipalities().get(i).map(|m| m.code.as_str()),
            2 => v.regions().get(i).map(|r| r.code.as_str()),
            3 => v.themes.terms().get(i).map(|t| t.key.as_str()),
            4 => v.target_groups.terms().get(i).map(|t| t.key.as_str()),
            _ => v.languages.terms().get(i).map(|t| t.key.as_str()),
        }
    }

    fn filters(&self, request: &SearchRequest, now: DateTime<Utc>, lang: Lang) -> Filters {
        let kinds: Vec<String> = request
            .kinds
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect();
        let wanted: [&[String]; DIMENSIONS] = [
            &kinds,
            &request.municipalities,
            &request.regions,
            &request.themes,
            &request.target_groups,
            &request.languages,
        ];
        let (satisfies, filtered) = self.space.allowed(wanted, |dim, i| self.facet_key(dim, i));
        let start = request
            .from
            .map(|d| d.and_time(NaiveTime::MIN).and_utc().timestamp() - 3 * 3600)
            .map_or(now.timestamp(), |s| s.max(now.timestamp()));
        let end = request.to.map_or(i64::MAX, |d| {
            d.and_time(NaiveTime::MIN).and_utc().timestamp() + 24 * 3600
        });
        Filters {
            space: self.space.clone(),
            satisfies,
            filtered,
            online: request.online,
            free: request.free,
            drop_in: request.drop_in,
            near: request.near,
            radius_km: request.near.and(request.radius_km),
            window: (start, end),
            lang_bit: match lang {
                Lang::Fi => 1,
                Lang::Sv => 2,
                Lang::En => 4,
            },
        }
    }

    fn facet_values(&self, dim: usize, counts: &[u64]) -> Vec<FacetCount> {
        let mut out: Vec<FacetCount> = counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .filter_map(|(i, n)| {
                self.facet_key(dim, i).map(|value| FacetCount {
                    value: value.to_owned(),
                    count: *n,
                })
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        out
    }

    /// Runs a search as of `now` (listings no longer current are left out).
    pub fn search(
        &self,
        request: &SearchRequest,
        now: DateTime<Utc>,
    ) -> Result<SearchResponse, SearchError> {
        let started = std::time::Instant::now();
        self.threads.wake();
        let live = self.live()?;
        let searcher = live.reader.searcher();
        let lang = request.lang.unwrap_or(Lang::Fi);
        let text_lang = TextLang::from_domain(lang);
        let q = request.q.trim();
        let text = (!q.is_empty())
            .then(|| text_query(&searcher, &self.fields, &self.resources, q, text_lang));
        let order = match request.sort {
            Sort::Relevance if text.is_some() => KeyOrder::Score,
            Sort::Relevance | Sort::Updated => KeyOrder::Updated,
            Sort::Distance if request.near.is_some() => KeyOrder::Distance,
            Sort::Distance => KeyOrder::Score,
            Sort::NextOccurrence => KeyOrder::NextStart,
        };
        let limit = request.limit.clamp(1, 100);
        let collector = SearchCollector {
            facts: live.facts(&searcher, &self.fields, &self.space)?,
            filters: self.filters(request, now, lang),
            order,
            limit,
            after: request.cursor.map(|c| c.0),
            scoring: order == KeyOrder::Score,
        };
        let all: Box<dyn Query> = Box::new(AllQuery);
        let query = text.as_ref().map_or(&all, |t| &t.query);
        let built = started.elapsed();
        let ranking = match text.as_ref().and_then(|t| t.ranking.as_ref()) {
            Some(ranking) if order == KeyOrder::Score => Some((
                ranking.as_ref(),
                live.ceilings(&searcher, ranking.as_ref(), &self.threads)?,
            )),
            _ => None,
        };
        let fruit = collector.search(
            &searcher,
            query.as_ref(),
            ranking.as_ref().map(|(q, ceilings)| (*q, &ceilings[..])),
            &self.threads,
        )?;
        let collected = started.elapsed();
        let next_cursor = (fruit.remaining > fruit.hits.len())
            .then(|| fruit.hits.last().map(|h| crate::Cursor(h.key).encode()))
            .flatten();
        let mut filters_applied: Vec<String> = Vec::new();
        for (name, on) in [
            ("kind", !request.kinds.is_empty()),
            ("municipality", !request.municipalities.is_empty()),
            ("region", !request.regions.is_empty()),
            ("theme", !request.themes.is_empty()),
            ("target_group", !request.target_groups.is_empty()),
            ("language", !request.languages.is_empty()),
            ("online", request.online.is_some()),
            ("free", request.free.is_some()),
            ("drop_in", request.drop_in.is_some()),
            (
                "near",
                request.radius_km.is_some() && request.near.is_some(),
            ),
            ("from", request.from.is_some()),
            ("to", request.to.is_some()),
        ] {
            if on {
                filters_applied.push(name.to_owned());
            }
        }
        // Which words each result matched, and a snippet of its description.
        let word_weights: Vec<WordWeight> = match &text {
            Some(t) => t
                .words
                .iter()
                .filter_map(|w| {
                    w.query
                        .weight(EnableScoring::disabled_from_searcher(&searcher))
                        .ok()
                        .map(|weight| WordWeight {
                            word: w.word.clone(),
                            synonym: w.synonym,
                            weight,
                        })
                })
                .collect(),
            None => Vec::new(),
        };
        let page = PageContext {
            searcher: &searcher,
            fields: &self.fields,
            text: text.as_ref(),
            word_weights: &word_weights,
            lang,
            text_lang,
            now,
            filters_applied: &filters_applied,
            resources: &self.resources,
            snippets: Default::default(),
        };
        // The page's cards and snippets are made on every core too, a share of the hits each.
        // The hits are shared out in index order, so that a share reads the postings (of the
        // matched words) and the stored documents of as few segments as it can.
        let mut in_index_order: Vec<(usize, Hit)> =
            fruit.hits.iter().copied().enumerate().collect();
        in_index_order.sort_by_key(|(_, hit)| (hit.address.segment_ord, hit.address.doc_id));
        let (ranks, hits): (Vec<usize>, Vec<Hit>) = in_index_order.into_iter().unzip();
        let share = hits
            .len()
            .div_ceil(self.threads.threads())
            .max(MIN_PAGE_SHARE);
        let shares = self
            .threads
            .run(hits.chunks(share).collect(), |hits: &[Hit]| {
                page.items(hits)
            });
        let mut by_rank: Vec<Option<SearchHit>> = vec![None; hits.len()];
        for (rank, item) in ranks.into_iter().zip(
            shares
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten(),
        ) {
            by_rank[rank] = Some(item);
        }
        let items: Vec<SearchHit> = by_rank.into_iter().flatten().collect();
        let counts = fruit.counts_by_dimension(&self.space);
        let facets = Facets {
            kind: self.facet_values(0, &counts[0]),
            municipality: self.facet_values(1, &counts[1]),
            region: self.facet_values(2, &counts[2]),
            theme: self.facet_values(3, &counts[3]),
            target_group: self.facet_values(4, &counts[4]),
            language: self.facet_values(5, &counts[5]),
        };
        if tracing::enabled!(tracing::Level::DEBUG) {
            let page_us = (started.elapsed() - collected).as_micros() as u64;
            // The query's terms, and the postings they hold.
            let (mut term_count, mut postings) = (0usize, 0u64);
            query.query_terms(&mut |term, _| {
                let freq = searcher.doc_freq(term).unwrap_or(0);
                tracing::trace!(term = ?term, freq, "query term");
                term_count += 1;
                postings += freq;
            });
            tracing::debug!(
                query_us = built.as_micros() as u64,
                collect_us = (collected - built).as_micros() as u64,
                page_us,
                total = fruit.total,
                terms = term_count,
                postings,
                q,
                "search"
            );
        }
        Ok(SearchResponse {
            total: fruit.total,
            items,
            facets,
            next_cursor,
        })
    }
}

/// Longest snippet, in bytes of the description.
const SNIPPET_BYTES: usize = 200;

/// The fewest hits of a page worth a share (a search thread) of their own.
const MIN_PAGE_SHARE: usize = 6;

/// A word of the query with its weight, to tell which results contain it.
struct WordWeight {
    word: String,
    /// An entry of a synonym group rather than a word the user typed.
    synonym: bool,
    weight: Box<dyn tantivy::query::Weight>,
}

/// What the cards of a page are made from.
struct PageContext<'a> {
    searcher: &'a tantivy::Searcher,
    fields: &'a Fields,
    text: Option<&'a crate::query::TextQuery>,
    word_weights: &'a [WordWeight],
    lang: Lang,
    text_lang: TextLang,
    now: DateTime<Utc>,
    filters_applied: &'a [String],
    resources: &'a Resources,
    /// Highlighters, made for the languages the page shows, shared by its shares.
    snippets: [std::sync::OnceLock<Option<Highlighter<'a>>>; 3],
}

impl PageContext<'_> {
    /// Per hit, the words it matched: one scorer per word and segment, advanced in doc order.
    fn matched_words(&self, hits: &[Hit]) -> Vec<Vec<usize>> {
        let mut matched: Vec<Vec<usize>> = vec![Vec::new(); hits.len()];
        let mut order: Vec<usize> = (0..hits.len()).collect();
        order.sort_by_key(|i| (hits[*i].address.segment_ord, hits[*i].address.doc_id));
        for (w, word) in self.word_weights.iter().enumerate() {
            let mut segment = None;
            let mut scorer = None;
            for &i in &order {
                let address = hits[i].address;
                if segment != Some(address.segment_ord) {
                    segment = Some(address.segment_ord);
                    scorer = word
                        .weight
                        .scorer(self.searcher.segment_reader(address.segment_ord), 1.0)
                        .ok();
                }
                if let Some(scorer) = scorer.as_mut() {
                    let at = if scorer.doc() < address.doc_id {
                        scorer.seek(address.doc_id)
                    } else {
                        scorer.doc()
                    };
                    if at == address.doc_id {
                        matched[i].push(w);
                    }
                }
            }
        }
        matched
    }

    /// The result cards of `hits`, in their order.
    fn items(&self, hits: &[Hit]) -> Result<Vec<SearchHit>, SearchError> {
        let (lang, text_lang, now) = (self.lang, self.text_lang, self.now);
        let matched_words = self.matched_words(hits);
        let mut items = Vec::with_capacity(hits.len());
        for (n, hit) in hits.iter().enumerate() {
            let doc: TantivyDocument = self.searcher.doc(hit.address)?;
            let card_json = doc
                .get_first(self.fields.card)
                .and_then(|v| v.as_str())
                .unwrap_or("{}");
            let card: Card = serde_json::from_str(card_json)
                .map_err(|e| SearchError::Metadata(e.to_string()))?;
            let words = &self.word_weights;
            let typed_matched = matched_words[n].iter().any(|w| !words[*w].synonym);
            let matched_terms: Vec<String> = matched_words[n]
                .iter()
                .map(|w| &words[*w])
                // A synonym is named only when none of the typed words matched.
                .filter(|word| !word.synonym || !typed_matched)
                .map(|word| word.word.clone())
                .collect();
            let title = resolve(&card.title, lang);
            let snippet_lang = title
                .as_ref()
                .map_or(text_lang, |t| TextLang::from_domain(t.lang));
            let slot = TextLang::ALL
                .iter()
                .position(|l| *l == snippet_lang)
                .unwrap_or(0);
            let snippet = match self.text {
                Some(t) => self.snippets[slot]
                    .get_or_init(|| {
                        Highlighter::new(
                            self.searcher,
                            t.all_terms().as_ref(),
                            self.fields.lang(snippet_lang).description,
                            self.resources,
                            snippet_lang,
                            SNIPPET_BYTES,
                        )
                        .ok()
                    })
                    .as_ref()
                    .zip(
                        doc.get_first(self.fields.lang(snippet_lang).description_text)
                            .and_then(|v| v.as_str()),
                    )
                    .and_then(|(h, description)| h.snippet_html(description)),
                None => None,
            };
            let next_occurrence = sessions::next(
                doc.get_first(self.fields.sessions)
                    .and_then(|v| v.as_bytes())
                    .unwrap_or_default(),
                now,
            )
            .map_err(SearchError::Metadata)?;
            items.push(SearchHit {
                id: card.id,
                external_id: card.external_id,
                kind: card.kind,
                title: title.unwrap_or(ResolvedText {
                    text: String::new(),
                    lang,
                }),
                summary: card.summary.as_ref().and_then(|s| resolve(s, lang)),
                organisation: resolve(&card.organisation, lang).unwrap_or(ResolvedText {
                    text: String::new(),
                    lang,
                }),
                municipalities: card.municipalities,
                languages_offered: card.languages_offered,
                online: card.online,
                next_occurrence,
                distance_km: hit.distance_km.map(|d| (d * 10.0).round() / 10.0),
                snippet,
                matched: Matched {
                    terms: matched_terms,
                    filters: self.filters_applied.to_vec(),
                },
                score: hit.score,
            });
        }
        Ok(items)
    }
}

fn resolve(text: &LocalizedText, lang: Lang) -> Option<ResolvedText> {
    text.resolve(lang).map(|r| ResolvedText {
        text: r.text.to_owned(),
        lang: r.lang,
    })
}

fn write_current(dir: &Path, name: &str) -> Result<(), SearchError> {
    let tmp = dir.join("CURRENT.tmp");
    std::fs::write(&tmp, name)?;
    std::fs::rename(tmp, dir.join(CURRENT))?;
    Ok(())
}
