//! The listing interchange format, version 1 (`shared/corpus/FORMAT.md`): one record per line.
//! Unknown keys are errors. Vocabulary keys are kept as strings and checked by validation, so that
//! every problem of a record is reported at once.

use crate::{FieldProblem, LocalizedText, ProblemCode};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a listing is: an activity for immigrants, or an event or training for people who work in integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Activity,
    Event,
    Training,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Activity, Kind::Event, Kind::Training];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Activity => "activity",
            Kind::Event => "event",
            Kind::Training => "training",
        }
    }

    /// Events and trainings have dates and an audience; activities recur on a schedule.
    pub fn is_dated(self) -> bool {
        matches!(self, Kind::Event | Kind::Training)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// Who an event or training is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Employees,
    Volunteers,
    Both,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Employees => "employees",
            Audience::Volunteers => "volunteers",
            Audience::Both => "both",
        }
    }
}

impl FromStr for Audience {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Audience::Employees, Audience::Volunteers, Audience::Both]
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or(())
    }
}

/// The organisation that runs a listing, matched across imports by its `external_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRecord {
    pub external_id: String,
    pub name: LocalizedText,
    #[serde(rename = "type")]
    pub org_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Support for people who do not (yet) speak the majority languages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageSupport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plain_language: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_finnish_or_swedish_needed: Option<bool>,
}

/// Practical facts about taking part. A missing flag counts as false.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Flags {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_in: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub childcare: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub women_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wheelchair_accessible: Option<bool>,
}

/// Where a listing happens (WGS84 coordinates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<LocalizedText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    pub municipality: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// When an activity recurs: an RFC 5545 RRULE (without DTSTART) and local times in a time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub rrule: String,
    pub start_time: String,
    pub end_time: String,
    pub timezone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<LocalizedText>,
}

/// One dated session of an event series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Occurrence {
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<LocalizedText>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// One listing in the interchange format. Field order is the order of FORMAT.md and of every export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingRecord {
    pub external_id: String,
    pub kind: Kind,
    pub organisation: OrganisationRecord,
    pub title: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<LocalizedText>,
    pub description: LocalizedText,
    pub themes: Vec<String>,
    pub target_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_stage: Option<Vec<u8>>,
    pub languages_offered: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_support: Option<LanguageSupport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<Flags>,
    pub online: bool,
    pub municipalities: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<Vec<Occurrence>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<LocalizedText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<Registration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_min: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_max: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<FixedOffset>>,
}

impl ListingRecord {
    /// Parses one line of the interchange format. On failure every structural problem is
    /// reported (unknown keys, missing required keys, values of the wrong type, malformed dates),
    /// each with its path.
    pub fn from_json_line(line: &str) -> Result<Self, Vec<FieldProblem>> {
        let mut de = serde_json::Deserializer::from_str(line);
        let parsed: Result<Self, _> = serde_path_to_error::deserialize(&mut de);
        let first = match parsed {
            Ok(record) => match de.end() {
                Ok(()) => return Ok(record),
                Err(e) => structural_problem("", &e),
            },
            Err(e) => structural_problem(&e.path().to_string(), e.inner()),
        };
        if first.code == ProblemCode::InvalidJson {
            return Err(vec![first]);
        }
        let found = match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(fields)) => structural_problems(&fields),
            Ok(_) => vec![FieldProblem {
                path: "$".into(),
                code: ProblemCode::InvalidFormat,
                detail: Some("a listing is a JSON object".into()),
            }],
            Err(_) => vec![],
        };
        Err(if found.is_empty() { vec![first] } else { found })
    }

    /// Parses a listing from a JSON value (e.g. an API body after the organisation was filled in),
    /// reporting every structural problem with its path.
    pub fn from_json_value(value: &serde_json::Value) -> Result<Self, Vec<FieldProblem>> {
        let serde_json::Value::Object(fields) = value else {
            return Err(vec![FieldProblem {
                path: "$".into(),
                code: ProblemCode::InvalidFormat,
                detail: Some("a listing is a JSON object".into()),
            }]);
        };
        let parsed: Result<Self, _> = serde_path_to_error::deserialize(value);
        parsed.map_err(|e| {
            let found = structural_problems(fields);
            if found.is_empty() {
                vec![structural_problem(&e.path().to_string(), e.inner())]
            } else {
                found
            }
        })
    }

    /// The last moment the listing takes place, for events and trainings (series included).
    pub fn last_end(&self) -> Option<DateTime<FixedOffset>> {
        let series = self.occurrences.iter().flatten().map(|o| o.ends_at);
        self.ends_at.into_iter().chain(series).max()
    }

    /// True when the listing is no longer current on `today` (Europe/Helsinki date):
    /// past `valid_until`, or a dated listing whose last session has ended.
    pub fn is_expired(&self, now: DateTime<chrono::Utc>) -> bool {
        let today = now.with_timezone(&crate::schedule::helsinki()).date_naive();
        if self.valid_until.is_some_and(|until| until < today) {
            return true;
        }
        self.kind.is_dated() && self.last_end().is_some_and(|end| end < now)
    }
}

/// Checks one field's value against its type, naming the nested path of a mismatch.
fn check_field<T: serde::de::DeserializeOwned>(
    key: &str,
    value: &serde_json::Value,
) -> Option<FieldProblem> {
    let result: Result<T, _> = serde_path_to_error::deserialize(value);
    result.err().map(|e| {
        let inner = e.path().to_string();
        let path = if inner.is_empty() || inner == "." {
            key.to_owned()
        } else {
            format!("{key}.{inner}")
        };
        let mut problem = structural_problem(&path, e.inner());
        problem.path = problem.path.replace(".[", "[");
        problem
    })
}

/// Every structural problem of a JSON object that does not deserialise as a listing.
fn structural_problems(fields: &serde_json::Map<String, serde_json::Value>) -> Vec<FieldProblem> {
    type Check = fn(&str, &serde_json::Value) -> Option<FieldProblem>;
    const FIELDS: [(&str, bool, Check); 29] = [
        ("external_id", true, check_field::<String>),
        ("kind", true, check_field::<Kind>),
        ("organisation", true, check_field::<OrganisationRecord>),
        ("title", true, check_field::<LocalizedText>),
        ("summary", false, check_field::<Option<LocalizedText>>),
        ("description", true, check_field::<LocalizedText>),
        ("themes", true, check_field::<Vec<String>>),
        ("target_groups", true, check_field::<Vec<String>>),
        ("integration_stage", false, check_field::<Option<Vec<u8>>>),
        ("languages_offered", true, check_field::<Vec<String>>),
        (
            "language_support",
            false,
            check_field::<Option<LanguageSupport>>,
        ),
        ("flags", false, check_field::<Option<Flags>>),
        ("online", true, check_field::<bool>),
        ("municipalities", true, check_field::<Vec<String>>),
        ("location", false, check_field::<Option<Location>>),
        ("schedule", false, check_field::<Option<Schedule>>),
        (
            "starts_at",
            false,
            check_field::<Option<DateTime<FixedOffset>>>,
        ),
        (
            "ends_at",
            false,
            check_field::<Option<DateTime<FixedOffset>>>,
        ),
        ("occurrences", false, check_field::<Option<Vec<Occurrence>>>),
        ("valid_from", false, check_field::<Option<NaiveDate>>),
        ("valid_until", false, check_field::<Option<NaiveDate>>),
        ("cost", false, check_field::<Option<LocalizedText>>),
        ("registration", false, check_field::<Option<Registration>>),
        ("age_min", false, check_field::<Option<u8>>),
        ("age_max", false, check_field::<Option<u8>>),
        ("audience", false, check_field::<Option<Audience>>),
        ("contact", false, check_field::<Option<Contact>>),
        ("url", false, check_field::<Option<String>>),
        (
            "updated_at",
            false,
            check_field::<Option<DateTime<FixedOffset>>>,
        ),
    ];
    let mut found: Vec<FieldProblem> = fields
        .keys()
        .filter(|key| !FIELDS.iter().any(|(known, _, _)| known == key))
        .map(|key| FieldProblem {
            path: key.clone(),
            code: ProblemCode::UnknownField,
            detail: None,
        })
        .collect();
    for (key, required, check) in FIELDS {
        match fields.get(key) {
            Some(value) => found.extend(check(key, value)),
            None if required => found.push(FieldProblem {
                path: key.into(),
                code: ProblemCode::Required,
                detail: None,
            }),
            None => {}
        }
    }
    found
}

pub(crate) fn structural_problem(path: &str, err: &serde_json::Error) -> FieldProblem {
    let message = err.to_string();
    // serde_json appends "at line 1 column N": the path already says where.
    let detail = match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    };
    let code = if err.is_eof() || err.is_syntax() {
        ProblemCode::InvalidJson
    } else if detail.starts_with("unknown field") {
        ProblemCode::UnknownField
    } else {
        ProblemCode::InvalidFormat
    };
    FieldProblem {
        path: if path.is_empty() || path == "." || code == ProblemCode::InvalidJson {
            "$".to_owned()
        } else {
            path.to_owned()
        },
        code,
        detail: Some(detail),
    }
}

/// Where a listing is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    Draft,
    PendingReview,
    Published,
    Rejected,
    Expired,
    Archived,
    /// Removed; kept as a tombstone so followers of the change feed see the deletion.
    Deleted,
}

impl ListingStatus {
    pub const ALL: [ListingStatus; 7] = [
        ListingStatus::Draft,
        ListingStatus::PendingReview,
        ListingStatus::Published,
        ListingStatus::Rejected,
        ListingStatus::Expired,
        ListingStatus::Archived,
        ListingStatus::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ListingStatus::Draft => "draft",
            ListingStatus::PendingReview => "pending_review",
            ListingStatus::Published => "published",
            ListingStatus::Rejected => "rejected",
            ListingStatus::Expired => "expired",
            ListingStatus::Archived => "archived",
            ListingStatus::Deleted => "deleted",
        }
    }
}

impl fmt::Display for ListingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ListingStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ListingStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or(())
    }
}

impl ListingRecord {
    /// Brings a record into the one form every export writes: times in Europe/Helsinki local
    /// offset, empty optional lists dropped. Two records that mean the same normalise equally.
    pub fn normalise(&mut self) {
        let local = |t: &mut DateTime<FixedOffset>| {
            *t = crate::to_helsinki(t.with_timezone(&chrono::Utc));
        };
        self.starts_at.iter_mut().for_each(local);
        self.ends_at.iter_mut().for_each(local);
        self.updated_at.iter_mut().for_each(local);
        for o in self.occurrences.iter_mut().flatten() {
            local(&mut o.starts_at);
            local(&mut o.ends_at);
        }
        if self.occurrences.as_ref().is_some_and(Vec::is_empty) {
            self.occurrences = None;
        }
        if self.integration_stage.as_ref().is_some_and(Vec::is_empty) {
            self.integration_stage = None;
        }
    }
}
