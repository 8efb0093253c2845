//! Types and rules of kynnys. No I/O: everything here is pure and deterministic given its inputs.

mod error;
mod lang;
mod listing;
mod problem;
mod schedule;
mod validate;
mod vocabulary;

pub use error::DomainError;
pub use lang::{Lang, LocalizedText, Resolved};
pub use listing::{
    Audience, Contact, Flags, Kind, LanguageSupport, ListingRecord, ListingStatus, Location,
    Occurrence, OrganisationRecord, Registration, Schedule,
};
pub use problem::{FieldProblem, ProblemCode};
pub use schedule::{DEFAULT_TIMEZONE, NextOccurrence, to_helsinki};
pub use vocabulary::{Municipality, Region, Term, Vocabularies, Vocabulary, VocabularySources};
