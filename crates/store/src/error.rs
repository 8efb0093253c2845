use thiserror::Error;

/// Failures of the storage layer.
#[derive(Debug, Error)]
pub enum StoreError {
    /// `KYNNYS_DATABASE_URL` (or the config file) names no database we can use.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    #[error("cannot open the database: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot connect to the database: {0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    /// A stored value does not decode into the domain type it was written from.
    #[error("stored data of {table} {id} is corrupt: {reason}")]
    Corrupt {
        table: &'static str,
        id: String,
        reason: String,
    },
    #[error("cannot create a working directory: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Domain(#[from] kynnys_domain::DomainError),
}
