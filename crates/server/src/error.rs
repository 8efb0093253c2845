use kynnys_domain::DomainError;
use kynnys_store::StoreError;
use thiserror::Error;

/// Failures of the `kynnys` commands.
#[derive(Debug, Error)]
pub enum ServerError {
    /// The configuration cannot be used; the message names the setting and where it came from.
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Search(#[from] kynnys_search::SearchError),
    #[error("{path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A command was given arguments it cannot use.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Api(#[from] kynnys_api::ApiError),
    #[error(transparent)]
    Mailer(#[from] kynnys_mailer::MailerError),
    /// A benchmark could not measure what it set out to (a page failed, the server did not start).
    #[error("benchmark failed: {0}")]
    Benchmark(String),
    /// Input files had invalid lines and nothing was imported.
    #[error("nothing imported: {invalid} invalid line(s); fix them or use --skip-invalid")]
    InvalidInput { invalid: usize },
    /// Input files had invalid lines that were skipped; the rest was imported.
    #[error("{skipped} invalid line(s) were skipped")]
    SkippedLines { skipped: usize },
}

impl ServerError {
    /// The process exit code for this error: 2 for configuration, 3 for an import that skipped
    /// invalid lines, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            ServerError::Config(_) | ServerError::Usage(_) => 2,
            ServerError::SkippedLines { .. } => 3,
            ServerError::Store(_)
            | ServerError::Domain(_)
            | ServerError::Search(_)
            | ServerError::File { .. }
            | ServerError::Io(_)
            | ServerError::Api(_)
            | ServerError::Mailer(_)
            | ServerError::Benchmark(_)
            | ServerError::InvalidInput { .. } => 1,
        }
    }
}
