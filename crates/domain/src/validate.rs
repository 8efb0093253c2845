//! Validation of interchange records: every problem at once, each with its field path and a stable code.

use crate::schedule::{parse_hh_mm, parse_rrule};
use crate::{
    FieldProblem, Kind, ListingRecord, LocalizedText, OrganisationRecord, ProblemCode, Schedule,
    Vocabularies, Vocabulary,
};
use std::collections::HashSet;

const MAX_ID: usize = 200;
const MAX_TITLE: usize = 200;
const MAX_SUMMARY: usize = 600;
const MAX_DESCRIPTION: usize = 20_000;
const MAX_SHORT_TEXT: usize = 500;
const MAX_LINE: usize = 300;
const MAX_THEMES: usize = 5;
const MAX_AGE: u8 = 120;

/// Collects problems under a growing field path.
struct Problems {
    found: Vec<FieldProblem>,
}

impl Problems {
    fn add(&mut self, path: impl Into<String>, code: ProblemCode, detail: Option<String>) {
        self.found.push(FieldProblem {
            path: path.into(),
            code,
            detail,
        });
    }

    fn plain_text(&mut self, path: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(path, ProblemCode::Blank, None);
        } else if value.chars().count() > max {
            self.add(
                path,
                ProblemCode::TooLong,
                Some(format!("at most {max} characters")),
            );
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            self.add(
                path,
                ProblemCode::InvalidFormat,
                Some("control characters".into()),
            );
        }
    }

    fn single_line(&mut self, path: &str, value: &str, max: usize) {
        self.plain_text(path, value, max);
        if value.contains('\n') {
            self.add(
                path,
                ProblemCode::InvalidFormat,
                Some("must be one line".into()),
            );
        }
    }

    fn localized(&mut self, path: &str, text: &LocalizedText, max: usize) {
        if text.is_empty() {
            self.add(
                path,
                ProblemCode::Required,
                Some("at least one of fi, sv, en".into()),
            );
        }
        for (lang, value) in text.languages() {
            self.plain_text(&format!("{path}.{lang}"), value, max);
        }
    }

    fn url(&mut self, path: &str, value: &str) {
        let ok = url::Url::parse(value)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            self.add(path, ProblemCode::InvalidUrl, Some(value.to_owned()));
        }
    }

    fn email(&mut self, path: &str, value: &str) {
        if !email_address::EmailAddress::is_valid(value) {
            self.add(path, ProblemCode::InvalidEmail, None);
        }
    }

    /// Checks a list of vocabulary keys: each known, none twice, and the count within bounds.
    fn keys(
        &mut self,
        path: &str,
        keys: &[String],
        vocabulary: &Vocabulary,
        min: usize,
        max: usize,
    ) {
        self.count(path, keys.len(), min, max);
        let mut seen = HashSet::new();
        for (i, key) in keys.iter().enumerate() {
            if !vocabulary.contains(key) {
                self.add(
                    format!("{path}[{i}]"),
                    ProblemCode::UnknownValue,
                    Some(key.clone()),
                );
            } else if !seen.insert(key.as_str()) {
                self.add(
                    format!("{path}[{i}]"),
                    ProblemCode::Duplicate,
                    Some(key.clone()),
                );
            }
        }
    }

    fn count(&mut self, path: &str, len: usize, min: usize, max: usize) {
        if len == 0 && min > 0 {
            self.add(path, ProblemCode::Required, None);
        } else if len < min {
            self.add(path, ProblemCode::TooFew, Some(format!("at least {min}")));
        } else if len > max {
            self.add(path, ProblemCode::TooMany, Some(format!("at most {max}")));
        }
    }
}

/// Finnish business id (Y-tunnus): seven digits, a hyphen and a check digit.
fn valid_business_id(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.len() != 9
        || bytes[7] != b'-'
        || !value
            .chars()
            .filter(|c| *c != '-')
            .all(|c| c.is_ascii_digit())
    {
        return false;
    }
    const WEIGHTS: [u32; 7] = [7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = bytes[..7]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = match sum % 11 {
        0 => 0,
        1 => return false,
        r => 11 - r,
    };
    u32::from(bytes[8] - b'0') == check
}

fn valid_phone(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '/'))
}

impl OrganisationRecord {
    fn check(&self, p: &mut Problems, vocab: &Vocabularies, path: &str) {
        p.single_line(&format!("{path}.external_id"), &self.external_id, MAX_ID);
        p.localized(&format!("{path}.name"), &self.name, MAX_TITLE);
        if !vocab.organisation_types.contains(&self.org_type) {
            p.add(
                format!("{path}.type"),
                ProblemCode::UnknownValue,
                Some(self.org_type.clone()),
            );
        }
        if let Some(id) = &self.business_id
            && !valid_business_id(id)
        {
            p.add(
                format!("{path}.business_id"),
                ProblemCode::InvalidFormat,
                Some(id.clone()),
            );
        }
        if let Some(website) = &self.website {
            p.url(&format!("{path}.website"), website);
        }
        if let Some(email) = &self.email {
            p.email(&format!("{path}.email"), email);
        }
    }

    /// Every problem of an organisation record (as used on its own, e.g. by the API).
    pub fn validate(&self, vocab: &Vocabularies) -> Result<(), Vec<FieldProblem>> {
        let mut p = Problems { found: Vec::new() };
        self.check(&mut p, vocab, "organisation");
        finish(p)
    }
}

impl Schedule {
    fn check(&self, p: &mut Problems) {
        let start = parse_hh_mm(&self.start_time);
        let end = parse_hh_mm(&self.end_time);
        if start.is_none() {
            p.add(
                "schedule.start_time",
                ProblemCode::InvalidTime,
                Some(self.start_time.clone()),
            );
        }
        if end.is_none() {
            p.add(
                "schedule.end_time",
                ProblemCode::InvalidTime,
                Some(self.end_time.clone()),
            );
        }
        if let (Some(start), Some(end)) = (start, end)
            && end <= start
        {
            p.add("schedule.end_time", ProblemCode::EndBeforeStart, None);
        }
        let zone_ok = self.time_zone().is_some();
        if !zone_ok {
            p.add(
                "schedule.timezone",
                ProblemCode::InvalidTimezone,
                Some(self.timezone.clone()),
            );
        }
        match parse_rrule(&self.rrule) {
            Err(reason) => p.add("schedule.rrule", ProblemCode::InvalidRrule, Some(reason)),
            Ok(_) if zone_ok && start.is_some() => {
                // Validation of the rule against a start (e.g. UNTIL must be UTC with a zoned start).
                let probe = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
                if let Err(reason) = self.recurrence(probe) {
                    p.add("schedule.rrule", ProblemCode::InvalidRrule, Some(reason));
                }
            }
            Ok(_) => {}
        }
        if let Some(text) = &self.text {
            p.localized("schedule.text", text, MAX_SHORT_TEXT);
        }
    }
}

impl ListingRecord {
    /// Checks the record against the format's rules and the vocabularies, returning every problem.
    pub fn validate(&self, vocab: &Vocabularies) -> Result<(), Vec<FieldProblem>> {
        let mut p = Problems { found: Vec::new() };
        p.single_line("external_id", &self.external_id, MAX_ID);
        self.organisation.check(&mut p, vocab, "organisation");
        p.localized("title", &self.title, MAX_TITLE);
        if self.title.languages().any(|(_, t)| t.contains('\n')) {
            p.add(
                "title",
                ProblemCode::InvalidFormat,
                Some("must be one line".into()),
            );
        }
        if let Some(summary) = &self.summary {
            p.localized("summary", summary, MAX_SUMMARY);
        }
        p.localized("description", &self.description, MAX_DESCRIPTION);
        p.keys("themes", &self.themes, &vocab.themes, 1, MAX_THEMES);
        p.keys(
            "target_groups",
            &self.target_groups,
            &vocab.target_groups,
            1,
            usize::MAX,
        );
        if let Some(stages) = &self.integration_stage {
            let as_keys: Vec<String> = stages.iter().map(u8::to_string).collect();
            p.keys(
                "integration_stage",
                &as_keys,
                &vocab.integration_stages,
                0,
                3,
            );
        }
        p.keys(
            "languages_offered",
            &self.languages_offered,
            &vocab.languages,
            1,
            usize::MAX,
        );
        self.check_places(&mut p, vocab);
        self.check_times(&mut p);
        if let Some(cost) = &self.cost {
            p.localized("cost", cost, MAX_SHORT_TEXT);
        }
        if let Some(reg) = &self.registration {
            if let Some(url) = &reg.url {
                p.url("registration.url", url);
            }
            if let Some(text) = &reg.text {
                p.localized("registration.text", text, MAX_SHORT_TEXT);
            }
        }
        for (path, age) in [("age_min", self.age_min), ("age_max", self.age_max)] {
            if age.is_some_and(|a| a > MAX_AGE) {
                p.add(
                    path,
                    ProblemCode::OutOfRange,
                    Some(format!("0..={MAX_AGE}")),
                );
            }
        }
        if let (Some(min), Some(max)) = (self.age_min, self.age_max)
            && max < min
        {
            p.add("age_max", ProblemCode::EndBeforeStart, None);
        }
        if self.kind.is_dated() && self.audience.is_none() {
            p.add("audience", ProblemCode::Required, None);
        }
        if self.kind == Kind::Activity && self.audience.is_some() {
            p.add("audience", ProblemCode::NotAllowedForKind, None);
        }
        if let Some(contact) = &self.contact {
            if let Some(name) = &contact.name {
                p.single_line("contact.name", name, MAX_LINE);
            }
            if let Some(email) = &contact.email {
                p.email("contact.email", email);
            }
            if let Some(phone) = &contact.phone
                && !valid_phone(phone)
            {
                p.add(
                    "contact.phone",
                    ProblemCode::InvalidFormat,
                    Some(phone.clone()),
                );
            }
        }
        if let Some(url) = &self.url {
            p.url("url", url);
        }
        finish(p)
    }

    fn check_places(&self, p: &mut Problems, vocab: &Vocabularies) {
        if self.municipalities.is_empty() && !self.online {
            p.add(
                "municipalities",
                ProblemCode::Required,
                Some("empty only when online".into()),
            );
        }
        let mut seen = HashSet::new();
        for (i, code) in self.municipalities.iter().enumerate() {
            if vocab.municipality(code).is_none() {
                p.add(
                    format!("municipalities[{i}]"),
                    ProblemCode::UnknownValue,
                    Some(code.clone()),
                );
            } else if !seen.insert(code.as_str()) {
                p.add(
                    format!("municipalities[{i}]"),
                    ProblemCode::Duplicate,
                    Some(code.clone()),
                );
            }
        }
        let Some(location) = &self.location else {
            return;
        };
        if let Some(name) = &location.name {
            p.localized("location.name", name, MAX_LINE);
        }
        if let Some(street) = &location.street_address {
            p.single_line("location.street_address", street, MAX_LINE);
        }
        if let Some(postal) = &location.postal_code
            && (postal.is_empty()
                || postal.len() > 12
                || !postal
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-'))
        {
            p.add(
                "location.postal_code",
                ProblemCode::InvalidFormat,
                Some(postal.clone()),
            );
        }
        if vocab.municipality(&location.municipality).is_none() {
            p.add(
                "location.municipality",
                ProblemCode::UnknownValue,
                Some(location.municipality.clone()),
            );
        }
        match (location.lat, location.lon) {
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    p.add(
                        "location.lat",
                        ProblemCode::OutOfRange,
                        Some(lat.to_string()),
                    );
                }
                if !(-180.0..=180.0).contains(&lon) {
                    p.add(
                        "location.lon",
                        ProblemCode::OutOfRange,
                        Some(lon.to_string()),
                    );
                }
            }
            (None, None) => {}
            (Some(_), None) => p.add("location.lon", ProblemCode::IncompleteCoordinates, None),
            (None, Some(_)) => p.add("location.lat", ProblemCode::IncompleteCoordinates, None),
        }
    }

    fn check_times(&self, p: &mut Problems) {
        match (&self.schedule, self.kind) {
            (Some(schedule), _) => schedule.check(p),
            (None, Kind::Activity) => p.add("schedule", ProblemCode::Required, None),
            (None, _) => {}
        }
        if self.kind.is_dated() {
            if self.starts_at.is_none() {
                p.add("starts_at", ProblemCode::Required, None);
            }
            if self.ends_at.is_none() {
                p.add("ends_at", ProblemCode::Required, None);
            }
        }
        if let (Some(start), Some(end)) = (self.starts_at, self.ends_at)
            && end < start
        {
            p.add("ends_at", ProblemCode::EndBeforeStart, None);
        }
        for (i, o) in self.occurrences.iter().flatten().enumerate() {
            if o.ends_at < o.starts_at {
                p.add(
                    format!("occurrences[{i}].ends_at"),
                    ProblemCode::EndBeforeStart,
                    None,
                );
            }
        }
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && until < from
        {
            p.add("valid_until", ProblemCode::EndBeforeStart, None);
        }
    }
}

fn finish(p: Problems) -> Result<(), Vec<FieldProblem>> {
    if p.found.is_empty() {
        Ok(())
    } else {
        Err(p.found)
    }
}

impl crate::OrganisationInput {
    /// Every problem of an organisation registration or edit.
    pub fn validate(&self, vocab: &Vocabularies) -> Result<(), Vec<FieldProblem>> {
        let mut p = Problems { found: Vec::new() };
        p.localized("name", &self.name, MAX_TITLE);
        if !vocab.organisation_types.contains(&self.org_type) {
            p.add(
                "type",
                ProblemCode::UnknownValue,
                Some(self.org_type.clone()),
            );
        }
        if let Some(id) = &self.business_id
            && !valid_business_id(id)
        {
            p.add("business_id", ProblemCode::InvalidFormat, Some(id.clone()));
        }
        if let Some(code) = &self.municipality
            && vocab.municipality(code).is_none()
        {
            p.add(
                "municipality",
                ProblemCode::UnknownValue,
                Some(code.clone()),
            );
        }
        if let Some(website) = &self.website {
            p.url("website", website);
        }
        if let Some(email) = &self.email {
            p.email("email", email);
        }
        if let Some(phone) = &self.phone
            && !valid_phone(phone)
        {
            p.add("phone", ProblemCode::InvalidFormat, None);
        }
        finish(p)
    }
}

/// Checks an e-mail address given at `path` (e.g. at registration).
pub fn check_email(path: &str, value: &str) -> Result<(), FieldProblem> {
    let mut p = Problems { found: Vec::new() };
    p.email(path, value);
    p.found.into_iter().next().map_or(Ok(()), Err)
}

/// Checks a new password given at `path`: long enough, not absurdly long. Its content is never
/// put in the problem.
pub fn check_password(path: &str, value: &str) -> Result<(), FieldProblem> {
    let chars = value.chars().count();
    let code = if chars < crate::organisation::MIN_PASSWORD_CHARS {
        ProblemCode::TooShort
    } else if chars > crate::organisation::MAX_PASSWORD_CHARS {
        ProblemCode::TooLong
    } else {
        return Ok(());
    };
    Err(FieldProblem {
        path: path.to_owned(),
        code,
        detail: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"external_id":"x-1","kind":"activity","organisation":{"external_id":"o-1","name":{"fi":"Yhdistys ry"},"type":"association","business_id":"0112038-9"},"title":{"fi":"Kielikahvila"},"description":{"fi":"Tervetuloa."},"themes":["language_learning"],"target_groups":["everyone"],"languages_offered":["fi"],"online":false,"municipalities":["091"],"schedule":{"rrule":"FREQ=WEEKLY;BYDAY=WE","start_time":"17:00","end_time":"19:00","timezone":"Europe/Helsinki"}}"#;

    fn vocab() -> Vocabularies {
        Vocabularies::builtin().unwrap()
    }

    fn problems(json: &str) -> Vec<(String, &'static str)> {
        let record = ListingRecord::from_json_line(json).unwrap();
        match record.validate(&vocab()) {
            Ok(()) => vec![],
            Err(found) => found
                .into_iter()
                .map(|p| (p.path, p.code.as_str()))
                .collect(),
        }
    }

    fn edit(f: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut value: serde_json::Value = serde_json::from_str(GOOD).unwrap();
        f(&mut value);
        value.to_string()
    }

    #[test]
    fn a_complete_record_is_valid() {
        assert_eq!(problems(GOOD), vec![]);
    }

    #[test]
    fn every_problem_is_reported_with_its_path_and_code() {
        let json = edit(|v| {
            v["title"] = serde_json::json!({"fi": "  "});
            v["themes"] = serde_json::json!(["language_learning", "cooking", "language_learning"]);
            v["municipalities"] = serde_json::json!(["091", "049", "999"]);
            v["schedule"]["rrule"] = serde_json::json!("FREQ=NEVER");
            v["schedule"]["end_time"] = serde_json::json!("16:00");
            v["organisation"]["type"] = serde_json::json!("club");
            v["contact"] = serde_json::json!({"email": "not-an-address"});
        });
        let found = problems(&json);
        for expected in [
            ("title.fi", "blank"),
            ("themes[1]", "unknown_value"),
            ("themes[2]", "duplicate"),
            ("municipalities[2]", "unknown_value"),
            ("schedule.rrule", "invalid_rrule"),
            ("schedule.end_time", "end_before_start"),
            ("organisation.type", "unknown_value"),
            ("contact.email", "invalid_email"),
        ] {
            assert!(
                found.iter().any(|(p, c)| (p.as_str(), *c) == expected),
                "missing {expected:?} in {found:?}"
            );
        }
        assert_eq!(found.len(), 8, "{found:?}");
    }

    #[test]
    fn kind_specific_requirements() {
        let activity_without_schedule = edit(|v| {
            v.as_object_mut().unwrap().remove("schedule");
        });
        assert_eq!(
            problems(&activity_without_schedule),
            vec![("schedule".to_owned(), "required")]
        );
        let event = edit(|v| {
            v["kind"] = serde_json::json!("event");
            v.as_object_mut().unwrap().remove("schedule");
            v["starts_at"] = serde_json::json!("2027-01-19T12:00:00+02:00");
            v["ends_at"] = serde_json::json!("2027-01-19T09:00:00+02:00");
        });
        assert_eq!(
            problems(&event),
            vec![
                ("ends_at".to_owned(), "end_before_start"),
                ("audience".to_owned(), "required")
            ]
        );
    }

    #[test]
    fn nationwide_online_listings_may_have_no_municipality() {
        let offline = edit(|v| v["municipalities"] = serde_json::json!([]));
        assert_eq!(
            problems(&offline),
            vec![("municipalities".to_owned(), "required")]
        );
        let online = edit(|v| {
            v["municipalities"] = serde_json::json!([]);
            v["online"] = serde_json::json!(true);
        });
        assert_eq!(problems(&online), vec![]);
    }

    #[test]
    fn structural_errors_name_their_path() {
        let paths = |json: &str| -> Vec<(String, &'static str)> {
            ListingRecord::from_json_line(json)
                .unwrap_err()
                .into_iter()
                .map(|p| (p.path, p.code.as_str()))
                .collect()
        };
        let owned = |pairs: &[(&str, &'static str)]| -> Vec<(String, &'static str)> {
            pairs.iter().map(|(p, c)| ((*p).to_owned(), *c)).collect()
        };
        let unknown_key = edit(|v| v["colour"] = serde_json::json!("red"));
        assert_eq!(paths(&unknown_key), owned(&[("colour", "unknown_field")]));
        // Every structural problem at once, not only the first.
        let many = edit(|v| {
            v["kind"] = serde_json::json!("party");
            v["valid_until"] = serde_json::json!("2027-02-30");
            v["title"]["de"] = serde_json::json!("Sprachcafé");
            v["schedule"]["start_time"] = serde_json::json!(17);
            v["municipalities"] = serde_json::json!(["091", 49]);
            v.as_object_mut().unwrap().remove("online");
        });
        assert_eq!(
            paths(&many),
            owned(&[
                ("kind", "invalid_format"),
                ("title.de", "unknown_field"),
                ("online", "required"),
                ("municipalities[1]", "invalid_format"),
                ("schedule.start_time", "invalid_format"),
                ("valid_until", "invalid_format"),
            ])
        );
        assert_eq!(paths("[1,2]"), owned(&[("$", "invalid_format")]));
        assert_eq!(paths(&GOOD[..40]), owned(&[("$", "invalid_json")]));
    }

    #[test]
    fn business_id_check_digit() {
        assert!(valid_business_id("0112038-9"));
        assert!(!valid_business_id("0112038-8"));
        assert!(!valid_business_id("112038-9"));
    }
}
