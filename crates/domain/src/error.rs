use thiserror::Error;

/// Failures of the domain crate that are not validation problems of user input.
#[derive(Debug, Error)]
pub enum DomainError {
    /// A vocabulary data file that ships with the project (or was supplied by a deployment) is broken.
    #[error("vocabulary file {file}: {reason}")]
    VocabularyData { file: &'static str, reason: String },
    /// A schedule that passed validation could not be expanded (should not happen for validated records).
    #[error("schedule cannot be expanded: {0}")]
    Schedule(String),
}
