//! One pass over the documents that match the text query: applies the filters from fast fields,
//! counts facets as if each facet's own filter were not applied, and keeps the best page.

use crate::schema::Fields;
use crate::threads::SearchThreads;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::{
    COLLECT_BLOCK_BUFFER_LEN, DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal,
    SegmentReader,
};

/// Sort key: smaller is better; the tie-breaker makes keys unique.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    pub primary: f64,
    pub tiebreak: u64,
}

impl Eq for Key {}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.primary
            .total_cmp(&other.primary)
            .then(self.tiebreak.cmp(&other.tiebreak))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {
    /// Higher score first.
    Score,
    /// Nearer first (needs a point).
    Distance,
    /// Sooner next session first.
    NextStart,
    /// Most recently updated first.
    Updated,
}

#[derive(Debug, Clone)]
pub struct Filters {
    /// The numbering of facet values.
    pub space: std::sync::Arc<FacetSpace>,
    /// Per facet value, in that numbering, the bit of its dimension if the facet filters allow
    /// it (OR within a dimension), else 0: a document's satisfied dimensions are the OR over
    /// its values, with no branch per value.
    pub satisfies: Vec<u8>,
    /// The dimensions that have a filter, a bit each.
    pub filtered: u8,
    pub online: Option<bool>,
    pub free: Option<bool>,
    pub drop_in: Option<bool>,
    /// Point for distances, and the radius to keep.
    pub near: Option<(f64, f64)>,
    pub radius_km: Option<f64>,
    /// The listing must be current somewhere in this span (Unix seconds).
    pub window: (i64, i64),
    /// Bit of the requested language in `text_langs`.
    pub lang_bit: u64,
}

impl Filters {
    /// A box around the radius, to skip the exact distance of documents far outside it.
    fn bounding_box(&self) -> Option<BoundingBox> {
        let ((lat, lon), radius) = (self.near?, self.radius_km?);
        let lat_span = radius / 111.0 + 0.01;
        let widest = (lat.abs() + lat_span).min(89.0).to_radians().cos();
        Some(BoundingBox {
            lat: (lat - lat_span, lat + lat_span),
            lon: (lon - lat_span / widest, lon + lat_span / widest),
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct BoundingBox {
    lat: (f64, f64),
    lon: (f64, f64),
}

impl BoundingBox {
    fn contains(&self, lat: f64, lon: f64) -> bool {
        lat >= self.lat.0 && lat <= self.lat.1 && lon >= self.lon.0 && lon <= self.lon.1
    }
}

pub struct SearchCollector {
    /// The facts of each segment of the searcher, by segment ordinal.
    pub facts: Vec<std::sync::Arc<SegmentFacts>>,
    pub filters: Filters,
    pub order: KeyOrder,
    pub limit: usize,
    pub after: Option<Key>,
    pub scoring: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub key: Key,
    pub address: DocAddress,
    pub score: Score,
    pub distance_km: Option<f64>,
}

impl PartialEq for Hit {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Hit {}
impl Ord for Hit {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}
impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Default)]
pub struct Fruit {
    pub total: usize,
    /// Matches that sort after the cursor.
    pub remaining: usize,
    pub hits: Vec<Hit>,
    /// Facet counts in the numbering of [`FacetSpace`].
    pub counts: Vec<u32>,
}

impl Fruit {
    /// The facet counts per dimension.
    pub fn counts_by_dimension(&self, space: &FacetSpace) -> [Vec<u64>; DIMENSIONS] {
        space.split(&self.counts)
    }
}

pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// The facet dimensions: kind, municipality, region, theme, target group, language.
pub const DIMENSIONS: usize = 6;

/// Where each facet dimension's codes start in the one numbering of all facet values, and
/// which dimension each value belongs to.
#[derive(Debug, Clone)]
pub struct FacetSpace {
    sizes: [usize; DIMENSIONS],
    base: [usize; DIMENSIONS],
    dimension_of: Vec<u8>,
}

impl FacetSpace {
    pub fn new(sizes: [usize; DIMENSIONS]) -> Self {
        let mut base = [0; DIMENSIONS];
        let mut dimension_of = Vec::new();
        for (dim, size) in sizes.iter().enumerate() {
            base[dim] = dimension_of.len();
            dimension_of.extend(std::iter::repeat_n(dim as u8, *size));
        }
        Self {
            sizes,
            base,
            dimension_of,
        }
    }

    fn len(&self) -> usize {
        self.dimension_of.len()
    }

    /// The value of one code of a dimension in the one numbering (`None` when out of range,
    /// as after a vocabulary shrank).
    fn global(&self, dim: usize, code: u64) -> Option<u16> {
        let code = usize::try_from(code).ok()?;
        (code < self.sizes[dim])
            .then(|| u16::try_from(self.base[dim] + code).ok())
            .flatten()
    }

    /// Per facet value, the bit of its dimension when the filters allow it (OR within a
    /// dimension), and a bit for each dimension with a filter: `wanted` holds the keys asked
    /// for per dimension, `key` names value `i` of a dimension.
    pub fn allowed<'k>(
        &self,
        wanted: [&[String]; DIMENSIONS],
        key: impl Fn(usize, usize) -> Option<&'k str>,
    ) -> (Vec<u8>, u8) {
        let mut allowed = vec![0u8; self.len()];
        let mut filtered = 0u8;
        for (dim, wanted) in wanted.iter().enumerate() {
            if wanted.is_empty() {
                continue;
            }
            filtered |= 1 << dim;
            for i in 0..self.sizes[dim] {
                if key(dim, i).is_some_and(|k| wanted.iter().any(|w| w == k)) {
                    allowed[self.base[dim] + i] = 1 << dim;
                }
            }
        }
        (allowed, filtered)
    }

    /// Splits counts in the one numbering into counts per dimension.
    pub fn split(&self, counts: &[u32]) -> [Vec<u64>; DIMENSIONS] {
        std::array::from_fn(|dim| {
            counts[self.base[dim]..self.base[dim] + self.sizes[dim]]
                .iter()
                .map(|n| u64::from(*n))
                .collect()
        })
    }
}

/// What the per-document loop reads of every matching document, in one place.
#[derive(Debug, Clone, Copy)]
struct Row {
    window_start: i64,
    window_end: i64,
    /// Start of the document's facet codes in `codes`; they end where the next row's start.
    codes_start: u32,
    /// How many of them, from the start, are sparse values (see [`SegmentFacts::dense`]).
    sparse: u16,
    /// bit 0 online, 1 free, 2 drop_in; bits 3.. the text languages (`text_langs << 3`).
    flags: u8,
}

/// A value of the segment's documents is dense when at least one in this many has it.
const DENSE_SHARE: usize = 32;

/// The filter and sort data of one segment, copied out of the fast fields into plain arrays
/// once per segment (segments never change), so that the per-document loop is cheap.
pub struct SegmentFacts {
    /// One per document, and one more that ends the last document's codes.
    rows: Vec<Row>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    next_start: Vec<i64>,
    updated: Vec<i64>,
    tiebreak: Vec<u64>,
    /// Facet values of every document in the one numbering of [`FacetSpace`], each
    /// document's sparse values first.
    codes: Vec<u16>,
    /// The dense values (those of at least one document in [`DENSE_SHARE`]) with the documents
    /// that have each, a bit per document. A search counts a sparse value as it meets each
    /// document, and a dense one once at the end, from the documents it admitted: a word of
    /// 64 documents at a time instead of an increment per document.
    dense: Vec<(u16, Vec<u64>)>,
}

impl SegmentFacts {
    pub fn build(
        reader: &SegmentReader,
        fields: &Fields,
        space: &FacetSpace,
    ) -> tantivy::Result<Self> {
        let ff = reader.fast_fields();
        let schema = reader.schema();
        let name = |f| schema.get_field_name(f).to_owned();
        let u = |f| ff.u64(&name(f));
        let i = |f| ff.i64(&name(f));
        let fl = |f| ff.f64(&name(f));
        let dims: [Column<u64>; DIMENSIONS] = [
            u(fields.kind)?,
            u(fields.municipality)?,
            u(fields.region)?,
            u(fields.theme)?,
            u(fields.target_group)?,
            u(fields.language)?,
        ];
        let (online, free, drop_in, langs) = (
            u(fields.online)?,
            u(fields.free)?,
            u(fields.drop_in)?,
            u(fields.text_langs)?,
        );
        let (lat, lon) = (fl(fields.lat)?, fl(fields.lon)?);
        let (ws, we, next, updated) = (
            i(fields.window_start)?,
            i(fields.window_end)?,
            i(fields.next_start)?,
            i(fields.updated)?,
        );
        let tiebreak = u(fields.tiebreak)?;
        let n = reader.max_doc() as usize;
        let mut facts = SegmentFacts {
            rows: Vec::with_capacity(n + 1),
            lat: Vec::with_capacity(n),
            lon: Vec::with_capacity(n),
            next_start: Vec::with_capacity(n),
            updated: Vec::with_capacity(n),
            tiebreak: Vec::with_capacity(n),
            codes: Vec::with_capacity(n * 8),
            dense: Vec::new(),
        };
        // How many documents have each value, to tell the dense values from the sparse.
        let mut documents_with = vec![0usize; space.len()];
        let mut doc_codes: Vec<u16> = Vec::new();
        for doc in 0..reader.max_doc() {
            let bit = |c: &Column<u64>, b: u8| {
                if c.first(doc).unwrap_or(0) != 0 {
                    1 << b
                } else {
                    0
                }
            };
            let text_langs = (langs.first(doc).unwrap_or(0) as u8 & 0b111) << 3;
            facts.rows.push(Row {
                window_start: ws.first(doc).unwrap_or(i64::MIN),
                window_end: we.first(doc).unwrap_or(i64::MAX),
                codes_start: facts.codes.len() as u32,
                sparse: 0,
                flags: bit(&online, 0) | bit(&free, 1) | bit(&drop_in, 2) | text_langs,
            });
            facts.lat.push(lat.first(doc).unwrap_or(f64::NAN));
            facts.lon.push(lon.first(doc).unwrap_or(f64::NAN));
            facts.next_start.push(next.first(doc).unwrap_or(i64::MAX));
            facts.updated.push(updated.first(doc).unwrap_or(0));
            facts.tiebreak.push(tiebreak.first(doc).unwrap_or(0));
            doc_codes.clear();
            for (dim, column) in dims.iter().enumerate() {
                doc_codes.extend(
                    column
                        .values_for_doc(doc)
                        .filter_map(|v| space.global(dim, v)),
                );
            }
            // A value listed twice counts once.
            doc_codes.sort_unstable();
            doc_codes.dedup();
            for &code in &doc_codes {
                documents_with[code as usize] += 1;
            }
            facts.codes.extend_from_slice(&doc_codes);
        }
        facts.rows.push(Row {
            window_start: i64::MIN,
            window_end: i64::MIN,
            codes_start: facts.codes.len() as u32,
            sparse: 0,
            flags: 0,
        });
        facts.split_dense(&documents_with);
        Ok(facts)
    }

    /// Picks the dense values, makes their bitsets, and puts each document's sparse values
    /// before its dense ones.
    fn split_dense(&mut self, documents_with: &[usize]) {
        let docs = self.rows.len() - 1;
        let is_dense: Vec<bool> = documents_with
            .iter()
            .map(|n| *n > 0 && n.saturating_mul(DENSE_SHARE) >= docs)
            .collect();
        let mut slot_of = vec![usize::MAX; documents_with.len()];
        for (code, dense) in is_dense.iter().enumerate() {
            if *dense {
                slot_of[code] = self.dense.len();
                self.dense
                    .push((code as u16, vec![0u64; docs.div_ceil(64)]));
            }
        }
        for doc in 0..docs {
            let (start, end) = (
                self.rows[doc].codes_start as usize,
                self.rows[doc + 1].codes_start as usize,
            );
            let codes = &mut self.codes[start..end];
            codes.sort_by_key(|c| is_dense[*c as usize]);
            let sparse = codes.partition_point(|c| !is_dense[*c as usize]);
            for &code in &codes[sparse..] {
                self.dense[slot_of[code as usize]].1[doc / 64] |= 1 << (doc % 64);
            }
            // At most one of each value of the space, whose codes are u16.
            self.rows[doc].sparse = u16::try_from(sparse).unwrap_or(u16::MAX);
        }
    }

    fn codes(&self, doc: usize) -> &[u16] {
        let start = self.rows[doc].codes_start as usize;
        let end = self.rows[doc + 1].codes_start as usize;
        &self.codes[start..end]
    }
}

pub struct Segment {
    facts: std::sync::Arc<SegmentFacts>,
    filters: Filters,
    bounding_box: Option<BoundingBox>,
    order: KeyOrder,
    limit: usize,
    after: Option<Key>,
    segment: SegmentOrdinal,
    heap: BinaryHeap<Hit>,
    fruit: Fruit,
    /// The documents admitted, a bit each, when the segment has dense values to count.
    admitted: Vec<u64>,
    /// The words of `admitted` that the documents this collector is given fall in.
    words: std::ops::Range<usize>,
}

/// Documents `start..end` of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DocRange {
    pub segment: SegmentOrdinal,
    pub start: DocId,
    pub end: DocId,
}

/// The fewest documents worth a share of their own: a share opens the query's postings
/// again, which a small share would not pay back.
pub(crate) const MIN_SHARE_DOCS: u32 = 2048;

/// Cuts the documents of segments of `sizes` into at most `shares` runs of about equal length
/// (and at least `min_docs` each), so that search threads share the work evenly however the
/// segments happen to be sized. A run may span the end of one segment and the start of the next.
pub(crate) fn shares(sizes: &[DocId], shares: usize, min_docs: u32) -> Vec<Vec<DocRange>> {
    let total: u64 = sizes.iter().map(|s| u64::from(*s)).sum();
    let per_share = total
        .div_ceil(shares.max(1) as u64)
        .max(u64::from(min_docs.max(1)));
    let mut out: Vec<Vec<DocRange>> = Vec::new();
    let mut current: Vec<DocRange> = Vec::new();
    let mut room = per_share;
    for (segment, &size) in sizes.iter().enumerate() {
        let mut start: DocId = 0;
        while start < size {
            let take = u64::from(size - start).min(room) as DocId;
            current.push(DocRange {
                segment: segment as SegmentOrdinal,
                start,
                end: start + take,
            });
            start += take;
            room -= u64::from(take);
            if room == 0 {
                out.push(std::mem::take(&mut current));
                room = per_share;
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

impl SearchCollector {
    /// Runs `query` over every document of `searcher`, cut into one share per search thread
    /// (see [`shares`]), and merges what the shares found. The answer is the same however the
    /// documents are cut: every key is unique, and counts add up.
    ///
    /// `ranking` adds to the score of what `query` matches, at most its ceiling in each segment
    /// (see [`max_scores`]): it is sought only on the documents whose place on the page it
    /// could change.
    pub fn search(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        ranking: Option<(&dyn Query, &[Score])>,
        threads: &SearchThreads,
    ) -> tantivy::Result<Fruit> {
        let scoring = if self.scoring {
            EnableScoring::enabled_from_searcher(searcher)
        } else {
            EnableScoring::disabled_from_searcher(searcher)
        };
        let weight = query.weight(scoring)?;
        let ranking = match ranking {
            Some((query, ceilings)) if self.scoring => Some((query.weight(scoring)?, ceilings)),
            _ => None,
        };
        let ranking = ranking
            .as_ref()
            .map(|(w, ceilings)| (w.as_ref(), *ceilings));
        let sizes: Vec<DocId> = searcher
            .segment_readers()
            .iter()
            .map(|r| r.max_doc())
            .collect();
        let per_share = threads.run(
            shares(&sizes, threads.threads(), MIN_SHARE_DOCS),
            |ranges: Vec<DocRange>| {
                ranges
                    .iter()
                    .map(|range| self.collect_range(searcher, weight.as_ref(), ranking, *range))
                    .collect::<tantivy::Result<Vec<Fruit>>>()
            },
        );
        let mut fruits = Vec::new();
        for share in per_share {
            fruits.extend(share?);
        }
        self.merge_fruits(fruits)
    }

    fn collect_range(
        &self,
        searcher: &Searcher,
        weight: &dyn Weight,
        ranking: Option<(&dyn Weight, &[Score])>,
        range: DocRange,
    ) -> tantivy::Result<Fruit> {
        let reader = searcher.segment_reader(range.segment);
        let mut child = self.for_segment(range.segment, reader)?;
        child.words = range.start as usize / 64..(range.end as usize).div_ceil(64);
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        if doc < range.start {
            doc = scorer.seek(range.start);
        }
        let alive = reader.alive_bitset();
        let is_alive = |doc: DocId| alive.is_none_or(|a| a.is_alive(doc));
        if let Some((ranking, ceilings)) = ranking {
            let bound = ceilings
                .get(range.segment as usize)
                .copied()
                .unwrap_or(Score::INFINITY);
            let mut ranking = ranking.scorer(reader, 1.0)?;
            while doc < range.end {
                if is_alive(doc) {
                    child.collect_ranked(doc, scorer.score(), bound, || {
                        let at = ranking.doc();
                        if at == doc || (at < doc && ranking.seek(doc) == doc) {
                            ranking.score()
                        } else {
                            0.0
                        }
                    });
                }
                doc = scorer.advance();
            }
        } else if self.scoring {
            while doc < range.end {
                if is_alive(doc) {
                    child.collect(doc, scorer.score());
                }
                doc = scorer.advance();
            }
        } else {
            // Without scores, documents come a block at a time (a browse visits them all).
            let mut block = [0; COLLECT_BLOCK_BUFFER_LEN];
            'blocks: while doc < range.end {
                let filled = scorer.fill_buffer(&mut block);
                if filled == 0 {
                    break;
                }
                for &doc in &block[..filled] {
                    if doc >= range.end {
                        break 'blocks;
                    }
                    if is_alive(doc) {
                        child.collect(doc, 0.0);
                    }
                }
                doc = scorer.doc();
            }
        }
        Ok(child.harvest())
    }
}

/// The highest score `query` gives a document in each segment of `searcher` (deleted
/// documents included), by segment ordinal, with a margin for rounding: an exact ceiling of what
/// a ranking query adds, so that it is sought only where it can change a page. It holds for
/// this searcher alone, since BM25 weighs terms by the statistics of all its segments.
pub(crate) fn max_scores(
    searcher: &Searcher,
    query: &dyn Query,
    threads: &SearchThreads,
) -> tantivy::Result<Vec<Score>> {
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let segments: Vec<&SegmentReader> = searcher.segment_readers().iter().collect();
    threads
        .run(segments, |reader| {
            let mut scorer = weight.scorer(reader, 1.0)?;
            let mut max: Score = 0.0;
            while scorer.doc() != tantivy::TERMINATED {
                max = max.max(scorer.score());
                scorer.advance();
            }
            Ok(max * 1.001)
        })
        .into_iter()
        .collect()
}

impl Collector for SearchCollector {
    type Fruit = Fruit;
    type Child = Segment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<Segment> {
        let facts = self.facts.get(segment as usize).cloned().ok_or_else(|| {
            tantivy::TantivyError::InternalError(format!("no facts for segment {segment}"))
        })?;
        let words = (facts.rows.len() - 1).div_ceil(64);
        Ok(Segment {
            filters: self.filters.clone(),
            bounding_box: self.filters.bounding_box(),
            order: self.order,
            limit: self.limit,
            after: self.after,
            segment,
            heap: BinaryHeap::with_capacity(self.limit + 1),
            fruit: Fruit {
                counts: vec![0; self.filters.space.len()],
                ..Fruit::default()
            },
            admitted: if facts.dense.is_empty() {
                Vec::new()
            } else {
                vec![0; words]
            },
            words: 0..words,
            facts,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut merged = Fruit {
            counts: vec![0; self.filters.space.len()],
            ..Fruit::default()
        };
        for fruit in fruits {
            merged.total += fruit.total;
            merged.remaining += fruit.remaining;
            merged.hits.extend(fruit.hits);
            for (into, from) in merged.counts.iter_mut().zip(fruit.counts) {
                *into += from;
            }
        }
        merged.hits.sort();
        merged.hits.truncate(self.limit);
        Ok(merged)
    }
}

/// What the filters worked out about a document that passes them, for its key.
struct Admitted {
    distance_km: Option<f64>,
    /// Written in the requested language.
    preferred: bool,
}

impl Segment {
    /// Applies the filters to `doc` and counts it in the facets (as if each facet's own filter
    /// were off) and, when it passes them all, in the total.
    #[inline]
    fn admit(&mut self, doc: DocId) -> Option<Admitted> {
        let c = &*self.facts;
        let f = &self.filters;
        let d = doc as usize;
        let row = c.rows[d];
        if row.window_end < f.window.0 || row.window_start > f.window.1 {
            return None;
        }
        let flags = row.flags;
        let flag_ok =
            |wanted: Option<bool>, bit: u8| wanted.is_none_or(|w| (flags & (1 << bit) != 0) == w);
        if !flag_ok(f.online, 0) || !flag_ok(f.free, 1) || !flag_ok(f.drop_in, 2) {
            return None;
        }
        let distance_km = match f.near {
            Some(_) if c.lat[d].is_nan() => None,
            Some(_)
                if self
                    .bounding_box
                    .is_some_and(|b| !b.contains(c.lat[d], c.lon[d])) =>
            {
                return None;
            }
            Some(point) => Some(haversine_km(point, (c.lat[d], c.lon[d]))),
            None => None,
        };
        if let Some(radius) = f.radius_km
            && distance_km.is_none_or(|km| km > radius)
        {
            return None;
        }
        let codes = c.codes(d);
        let counts = &mut self.fruit.counts;
        if f.filtered != 0 {
            let space = &f.space;
            let mut satisfied = 0u8;
            for &code in codes {
                satisfied |= f.satisfies[code as usize];
            }
            let failing = f.filtered & !satisfied;
            if failing != 0 {
                // Counted in the facet of the one filter it fails, as if that filter were off.
                if failing.is_power_of_two() {
                    let dim = failing.trailing_zeros() as u8;
                    for &code in codes {
                        if space.dimension_of[code as usize] == dim {
                            counts[code as usize] += 1;
                        }
                    }
                }
                return None;
            }
        }
        // The sparse values now, the dense ones at the end (see `harvest`).
        for &code in &codes[..row.sparse as usize] {
            counts[code as usize] += 1;
        }
        if let Some(word) = self.admitted.get_mut(d / 64) {
            *word |= 1 << (d % 64);
        }
        self.fruit.total += 1;
        Some(Admitted {
            distance_km,
            preferred: u64::from(flags >> 3) & f.lang_bit != 0,
        })
    }

    /// The first part of a document's key; the tie-breaker is read only when it must be.
    #[inline]
    fn primary(&self, doc: DocId, score: Score, admitted: &Admitted) -> f64 {
        let c = &*self.facts;
        let d = doc as usize;
        match self.order {
            KeyOrder::Score => -(f64::from(score) * if admitted.preferred { 1.1 } else { 1.0 }),
            KeyOrder::Distance => admitted.distance_km.unwrap_or(f64::INFINITY),
            KeyOrder::NextStart => c.next_start[d] as f64,
            KeyOrder::Updated => {
                // The requested language first, then the most recent.
                let bonus = if admitted.preferred { 1e10 } else { 0.0 };
                -(c.updated[d] as f64 + bonus)
            }
        }
    }

    /// How the key of `doc` with `primary` compares to `key`.
    #[inline]
    fn compare(&self, doc: DocId, primary: f64, key: &Key) -> Ordering {
        primary
            .total_cmp(&key.primary)
            .then_with(|| self.facts.tiebreak[doc as usize].cmp(&key.tiebreak))
    }

    /// Whether the key of `doc` with `primary` sorts after the cursor (always, without one).
    #[inline]
    fn after_cursor(&self, doc: DocId, primary: f64) -> bool {
        self.after
            .is_none_or(|after| self.compare(doc, primary, &after) == Ordering::Greater)
    }

    /// Whether the key of `doc` with `primary` would sort into the page kept so far.
    #[inline]
    fn may_enter(&self, doc: DocId, primary: f64) -> bool {
        self.heap.len() < self.limit
            || self
                .heap
                .peek()
                .is_some_and(|last| self.compare(doc, primary, &last.key) == Ordering::Less)
    }

    /// Offers an admitted document to the page: past the cursor, among the best so far.
    #[inline]
    fn offer(&mut self, doc: DocId, score: Score, admitted: Admitted) {
        let primary = self.primary(doc, score, &admitted);
        if !self.after_cursor(doc, primary) {
            return;
        }
        self.fruit.remaining += 1;
        if !self.may_enter(doc, primary) {
            return;
        }
        if self.heap.len() >= self.limit {
            self.heap.pop();
        }
        self.heap.push(Hit {
            key: Key {
                primary,
                tiebreak: self.facts.tiebreak[doc as usize],
            },
            address: DocAddress::new(self.segment, doc),
            score,
            distance_km: admitted.distance_km,
        });
    }

    /// Like `collect`, for a document whose score is `base` plus what `ranking` adds, at most
    /// `bound`: `ranking` is asked only when the answer could change the page or the count
    /// after the cursor (by score alone, never for another order).
    #[inline]
    fn collect_ranked(
        &mut self,
        doc: DocId,
        base: Score,
        bound: Score,
        ranking: impl FnOnce() -> Score,
    ) {
        let Some(admitted) = self.admit(doc) else {
            return;
        };
        if self.order == KeyOrder::Score {
            // The key with the least and with the most the ranking could add.
            let worst = self.primary(doc, base, &admitted);
            let best = self.primary(doc, base + bound, &admitted);
            if !self.after_cursor(doc, worst) {
                return;
            }
            if self.after_cursor(doc, best) && !self.may_enter(doc, best) {
                self.fruit.remaining += 1;
                return;
            }
        }
        self.offer(doc, base + ranking(), admitted);
    }
}

impl SegmentCollector for Segment {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(admitted) = self.admit(doc) {
            self.offer(doc, score, admitted);
        }
    }

    fn harvest(mut self) -> Fruit {
        if !self.admitted.is_empty() {
            let admitted = self.admitted.get(self.words.clone()).unwrap_or_default();
            for (code, documents) in &self.facts.dense {
                let documents = documents.get(self.words.clone()).unwrap_or_default();
                let n: u32 = admitted
                    .iter()
                    .zip(documents)
                    .map(|(a, d)| (a & d).count_ones())
                    .sum();
                self.fruit.counts[*code as usize] += n;
            }
        }
        self.fruit.hits = self.heap.into_sorted_vec();
        self.fruit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lengths(cut: &[Vec<DocRange>]) -> Vec<u32> {
        cut.iter()
            .map(|share| share.iter().map(|r| r.end - r.start).sum())
            .collect()
    }

    #[test]
    fn shares_are_even_and_cover_every_document_once() {
        let sizes = [56_708, 38_187, 10];
        let cut = shares(&sizes, 2, 2048);
        assert_eq!(lengths(&cut), vec![47_453, 47_452]);
        // In order, without gaps or overlaps, within each segment.
        let mut next = [0u32; 3];
        for range in cut.iter().flatten() {
            let segment = range.segment as usize;
            assert_eq!(range.start, next[segment]);
            assert!(range.end > range.start);
            next[segment] = range.end;
        }
        assert_eq!(next, sizes);
    }

    #[test]
    fn small_indexes_are_not_cut_below_the_least_share() {
        assert_eq!(lengths(&shares(&[300, 200], 4, 2048)), vec![500]);
        assert_eq!(lengths(&shares(&[3000], 4, 2048)), vec![2048, 952]);
        assert_eq!(lengths(&shares(&[100_000], 1, 2048)), vec![100_000]);
        assert!(shares(&[], 2, 2048).is_empty());
        assert!(shares(&[0, 0], 2, 2048).is_empty());
    }
}
