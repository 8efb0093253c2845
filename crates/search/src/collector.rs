//! One pass over the documents that match the text query: applies the filters from fast fields,
//! counts facets as if each facet's own filter were not applied, and keeps the best page.

use crate::schema::Fields;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

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
    /// Per facet dimension (kind, municipality, region, theme, target group, language): the
    /// allowed codes (`None` = no filter).
    pub dims: [Option<Vec<bool>>; 6],
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
    /// Sizes of the facet code spaces.
    pub facet_sizes: [usize; 6],
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
    pub counts: [Vec<u64>; 6],
}

pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// The filter and sort data of one segment, copied out of the fast fields into plain arrays
/// once per segment (segments never change), so that the per-document loop is cheap.
pub struct SegmentFacts {
    window_start: Vec<i64>,
    window_end: Vec<i64>,
    /// bit 0 online, 1 free, 2 drop_in; bits 3.. the text languages (`text_langs << 3`).
    flags: Vec<u8>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    next_start: Vec<i64>,
    updated: Vec<i64>,
    tiebreak: Vec<u64>,
    /// Facet codes of every document, dimension by dimension: `codes[offsets[6d + k]..offsets[6d + k + 1]]`.
    offsets: Vec<u32>,
    codes: Vec<u16>,
}

impl SegmentFacts {
    pub fn build(reader: &SegmentReader, fields: &Fields) -> tantivy::Result<Self> {
        let ff = reader.fast_fields();
        let schema = reader.schema();
        let name = |f| schema.get_field_name(f).to_owned();
        let u = |f| ff.u64(&name(f));
        let i = |f| ff.i64(&name(f));
        let fl = |f| ff.f64(&name(f));
        let dims: [Column<u64>; 6] = [
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
            window_start: Vec::with_capacity(n),
            window_end: Vec::with_capacity(n),
            flags: Vec::with_capacity(n),
            lat: Vec::with_capacity(n),
            lon: Vec::with_capacity(n),
            next_start: Vec::with_capacity(n),
            updated: Vec::with_capacity(n),
            tiebreak: Vec::with_capacity(n),
            offsets: Vec::with_capacity(n * 6 + 1),
            codes: Vec::with_capacity(n * 8),
        };
        facts.offsets.push(0);
        for doc in 0..reader.max_doc() {
            facts.window_start.push(ws.first(doc).unwrap_or(i64::MIN));
            facts.window_end.push(we.first(doc).unwrap_or(i64::MAX));
            let bit = |c: &Column<u64>, b: u8| {
                if c.first(doc).unwrap_or(0) != 0 {
                    1 << b
                } else {
                    0
                }
            };
            let text_langs = (langs.first(doc).unwrap_or(0) as u8 & 0b111) << 3;
            facts
                .flags
                .push(bit(&online, 0) | bit(&free, 1) | bit(&drop_in, 2) | text_langs);
            facts.lat.push(lat.first(doc).unwrap_or(f64::NAN));
            facts.lon.push(lon.first(doc).unwrap_or(f64::NAN));
            facts.next_start.push(next.first(doc).unwrap_or(i64::MAX));
            facts.updated.push(updated.first(doc).unwrap_or(0));
            facts.tiebreak.push(tiebreak.first(doc).unwrap_or(0));
            for column in &dims {
                facts
                    .codes
                    .extend(column.values_for_doc(doc).map(|v| v as u16));
                facts.offsets.push(facts.codes.len() as u32);
            }
        }
        Ok(facts)
    }

    fn codes(&self, doc: DocId, dim: usize) -> &[u16] {
        let k = doc as usize * 6 + dim;
        &self.codes[self.offsets[k] as usize..self.offsets[k + 1] as usize]
    }
}

pub struct Segment {
    facts: std::sync::Arc<SegmentFacts>,
    filters: Filters,
    order: KeyOrder,
    limit: usize,
    after: Option<Key>,
    segment: SegmentOrdinal,
    heap: BinaryHeap<Hit>,
    fruit: Fruit,
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
        let counts = self.filters.facet_sizes.map(|n| vec![0u64; n]);
        Ok(Segment {
            facts,
            filters: self.filters.clone(),
            order: self.order,
            limit: self.limit,
            after: self.after,
            segment,
            heap: BinaryHeap::with_capacity(self.limit + 1),
            fruit: Fruit {
                counts,
                ..Fruit::default()
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut merged = Fruit {
            counts: self.filters.facet_sizes.map(|n| vec![0u64; n]),
            ..Fruit::default()
        };
        for fruit in fruits {
            merged.total += fruit.total;
            merged.remaining += fruit.remaining;
            merged.hits.extend(fruit.hits);
            for (into, from) in merged.counts.iter_mut().zip(fruit.counts) {
                for (a, b) in into.iter_mut().zip(from) {
                    *a += b;
                }
            }
        }
        merged.hits.sort();
        merged.hits.truncate(self.limit);
        Ok(merged)
    }
}

impl SegmentCollector for Segment {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let c = &*self.facts;
        let f = &self.filters;
        let d = doc as usize;
        if c.window_end[d] < f.window.0 || c.window_start[d] > f.window.1 {
            return;
        }
        let flags = c.flags[d];
        let flag_ok =
            |wanted: Option<bool>, bit: u8| wanted.is_none_or(|w| (flags & (1 << bit) != 0) == w);
        if !flag_ok(f.online, 0) || !flag_ok(f.free, 1) || !flag_ok(f.drop_in, 2) {
            return;
        }
        let distance_km = match f.near {
            Some(point) if !c.lat[d].is_nan() => Some(haversine_km(point, (c.lat[d], c.lon[d]))),
            _ => None,
        };
        if let Some(radius) = f.radius_km
            && distance_km.is_none_or(|km| km > radius)
        {
            return;
        }
        let mut failing = 0u32;
        for (dim, allowed) in f.dims.iter().enumerate() {
            if let Some(allowed) = allowed
                && !c
                    .codes(doc, dim)
                    .iter()
                    .any(|v| allowed.get(*v as usize).copied().unwrap_or(false))
            {
                failing |= 1 << dim;
            }
        }
        if failing != 0 {
            if failing.is_power_of_two() {
                let dim = failing.trailing_zeros() as usize;
                for v in c.codes(doc, dim) {
                    if let Some(n) = self.fruit.counts[dim].get_mut(*v as usize) {
                        *n += 1;
                    }
                }
            }
            return;
        }
        for (dim, counts) in self.fruit.counts.iter_mut().enumerate() {
            for v in c.codes(doc, dim) {
                if let Some(n) = counts.get_mut(*v as usize) {
                    *n += 1;
                }
            }
        }
        self.fruit.total += 1;
        let preferred = u64::from(flags >> 3) & f.lang_bit != 0;
        let primary = match self.order {
            KeyOrder::Score => -(f64::from(score) * if preferred { 1.1 } else { 1.0 }),
            KeyOrder::Distance => distance_km.unwrap_or(f64::INFINITY),
            KeyOrder::NextStart => c.next_start[d] as f64,
            KeyOrder::Updated => {
                // The requested language first, then the most recent.
                let bonus = if preferred { 1e10 } else { 0.0 };
                -(c.updated[d] as f64 + bonus)
            }
        };
        let key = Key {
            primary,
            tiebreak: c.tiebreak[d],
        };
        if self.after.is_some_and(|after| key <= after) {
            return;
        }
        self.fruit.remaining += 1;
        let hit = Hit {
            key,
            address: DocAddress::new(self.segment, doc),
            score,
            distance_km,
        };
        if self.heap.len() < self.limit {
            self.heap.push(hit);
        } else if self.heap.peek().is_some_and(|worst| hit < *worst) {
            self.heap.pop();
            self.heap.push(hit);
        }
    }

    fn harvest(mut self) -> Fruit {
        self.fruit.hits = self.heap.into_sorted_vec();
        self.fruit
    }
}
