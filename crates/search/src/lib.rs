//! kynnys search: one tantivy index of the published listings, with Finnish, Swedish and English
//! analyzers (stemming, decompounding, folding), cross-lingual synonyms, typo tolerance, prefix
//! matching, filters, facet counts, geo distance and cursor pagination.

mod analysis;
mod collector;
mod document;
mod error;
mod highlight;
mod index;
mod query;
mod resources;
mod schema;
mod synonyms;
mod threads;
mod union;

pub use analysis::{Morphology, TextLang, analyze, fold};
pub use document::IndexListing;
pub use error::SearchError;
pub use index::{IndexStatus, SearchIndex};
pub use query::{
    Cursor, FacetCount, Facets, Matched, ResolvedText, SearchHit, SearchRequest, SearchResponse,
    Sort,
};
pub use resources::Resources;
