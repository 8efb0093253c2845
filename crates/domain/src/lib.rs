//! Types and rules of kynnys. No I/O: everything here is pure and deterministic given its inputs.

#[macro_use]
mod string_enum;

mod access;
mod error;
mod lang;
mod lifecycle;
mod listing;
mod organisation;
mod problem;
mod schedule;
mod subscription;
mod validate;
mod vocabulary;

pub use access::{MembershipStatus, OrganisationRole, OrganisationStatus, PlatformRole};
pub use error::DomainError;
pub use lang::{Lang, LocalizedText, Resolved};
pub use lifecycle::ListingAction;
pub use listing::{
    Audience, Contact, Flags, Kind, LanguageSupport, ListingRecord, ListingStatus, Location,
    Occurrence, OrganisationRecord, Registration, Schedule,
};
pub use organisation::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, OrganisationInput};
pub use problem::{FieldProblem, ProblemCode, from_json_value};
pub use schedule::{DEFAULT_TIMEZONE, NextOccurrence, to_helsinki};
pub use subscription::{Frequency, SearchFilters, SubscriptionStatus};
pub use validate::{check_email, check_password};
pub use vocabulary::{Municipality, Region, Term, Vocabularies, Vocabulary, VocabularySources};
