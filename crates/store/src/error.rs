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
    /// A row that should exist does not.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A write would break a uniqueness rule (e.g. an e-mail address already registered).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A listing cannot take this action in its current status.
    #[error("a {from} listing cannot take the action {action}")]
    InvalidTransition {
        from: kynnys_domain::ListingStatus,
        action: kynnys_domain::ListingAction,
    },
    #[error(transparent)]
    Domain(#[from] kynnys_domain::DomainError),
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`], leaving other errors alone.
    pub(crate) fn unique(what: &'static str) -> impl Fn(diesel::result::Error) -> StoreError {
        move |e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => StoreError::Conflict(what),
            other => StoreError::Query(other),
        }
    }
}
