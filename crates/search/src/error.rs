use thiserror::Error;

/// Failures of the search index.
#[derive(Debug, Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot open the index directory: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index metadata: {0}")]
    Metadata(String),
    #[error("search resources: {0}")]
    Resources(String),
    #[error("invalid cursor")]
    InvalidCursor,
    #[error(transparent)]
    Domain(#[from] kynnys_domain::DomainError),
}
