//! One pass over the documents that match the text query: applies the filters from fast fields,
//! counts facets as if each facet's own filter were not applied, and keeps the best page.

use crate::schema::Fields;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// The facet dimensions, in the order of [`Filters::dims`].
pub const FACETS: [&str; 6] = [
    "kind",
    "municipality",
    "region",
    "theme",
    "target_group",
    "language",
];

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
    /// Per facet dimension: the allowed codes (`None` = no filter).
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
    pub fields: Fields,
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

struct Columns {
    dims: [Column<u64>; 6],
    online: Column<u64>,
    free: Column<u64>,
    drop_in: Column<u64>,
    text_langs: Column<u64>,
    lat: Column<f64>,
    lon: Column<f64>,
    window_start: Column<i64>,
    window_end: Column<i64>,
    next_start: Column<i64>,
    updated: Column<i64>,
    tiebreak: Column<u64>,
}

pub struct Segment {
    columns: Columns,
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
        reader: &SegmentReader,
    ) -> tantivy::Result<Segment> {
        let ff = reader.fast_fields();
        let schema = reader.schema();
        let name = |f| schema.get_field_name(f).to_owned();
        let u = |f| ff.u64(&name(f));
        let i = |f| ff.i64(&name(f));
        let fl = |f| ff.f64(&name(f));
        let fields = &self.fields;
        let columns = Columns {
            dims: [
                u(fields.kind)?,
                u(fields.municipality)?,
                u(fields.region)?,
                u(fields.theme)?,
                u(fields.target_group)?,
                u(fields.language)?,
            ],
            online: u(fields.online)?,
            free: u(fields.free)?,
            drop_in: u(fields.drop_in)?,
            text_langs: u(fields.text_langs)?,
            lat: fl(fields.lat)?,
            lon: fl(fields.lon)?,
            window_start: i(fields.window_start)?,
            window_end: i(fields.window_end)?,
            next_start: i(fields.next_start)?,
            updated: i(fields.updated)?,
            tiebreak: u(fields.tiebreak)?,
        };
        let counts = self.filters.facet_sizes.map(|n| vec![0u64; n]);
        Ok(Segment {
            columns,
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

fn flag_ok(column: &Column<u64>, doc: DocId, wanted: Option<bool>) -> bool {
    wanted.is_none_or(|w| column.first(doc).unwrap_or(0) == u64::from(w))
}

impl SegmentCollector for Segment {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let c = &self.columns;
        let f = &self.filters;
        let start = c.window_start.first(doc).unwrap_or(i64::MIN);
        let end = c.window_end.first(doc).unwrap_or(i64::MAX);
        if end < f.window.0 || start > f.window.1 {
            return;
        }
        if !flag_ok(&c.online, doc, f.online)
            || !flag_ok(&c.free, doc, f.free)
            || !flag_ok(&c.drop_in, doc, f.drop_in)
        {
            return;
        }
        let distance_km = match (f.near, c.lat.first(doc), c.lon.first(doc)) {
            (Some(point), Some(lat), Some(lon)) => Some(haversine_km(point, (lat, lon))),
            _ => None,
        };
        if let Some(radius) = f.radius_km {
            if distance_km.is_none_or(|d| d > radius) {
                return;
            }
        }
        let mut failing = 0u32;
        for (d, allowed) in f.dims.iter().enumerate() {
            if let Some(allowed) = allowed {
                let hit = c.dims[d]
                    .values_for_doc(doc)
                    .any(|v| allowed.get(v as usize).copied().unwrap_or(false));
                if !hit {
                    failing |= 1 << d;
                }
            }
        }
        if failing == 0 {
            for (d, counts) in self.fruit.counts.iter_mut().enumerate() {
                for v in c.dims[d].values_for_doc(doc) {
                    if let Some(n) = counts.get_mut(v as usize) {
                        *n += 1;
                    }
                }
            }
        } else {
            if failing.is_power_of_two() {
                let d = failing.trailing_zeros() as usize;
                for v in c.dims[d].values_for_doc(doc) {
                    if let Some(n) = self.fruit.counts[d].get_mut(v as usize) {
                        *n += 1;
                    }
                }
            }
            return;
        }
        self.fruit.total += 1;
        let preferred = c.text_langs.first(doc).unwrap_or(0) & f.lang_bit != 0;
        let primary = match self.order {
            KeyOrder::Score => -(f64::from(score) * if preferred { 1.1 } else { 1.0 }),
            KeyOrder::Distance => distance_km.unwrap_or(f64::INFINITY),
            KeyOrder::NextStart => c.next_start.first(doc).unwrap_or(i64::MAX) as f64,
            KeyOrder::Updated => {
                // The requested language first, then the most recent.
                let bonus = if preferred { 1e10 } else { 0.0 };
                -(c.updated.first(doc).unwrap_or(0) as f64 + bonus)
            }
        };
        let key = Key {
            primary,
            tiebreak: c.tiebreak.first(doc).unwrap_or(0),
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
