//! Expansion of schedules and event series into dated occurrences (DST-correct, via the `rrule` crate).

use crate::{DomainError, Kind, ListingRecord, Schedule};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// The zone of schedules unless a listing says otherwise.
pub const DEFAULT_TIMEZONE: &str = "Europe/Helsinki";

pub(crate) fn helsinki() -> chrono_tz::Tz {
    chrono_tz::Europe::Helsinki
}

/// One coming session of a listing, in the local time of the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NextOccurrence {
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
}

/// Parses a time of day written strictly as `HH:MM` (24-hour clock).
pub(crate) fn parse_hh_mm(value: &str) -> Option<NaiveTime> {
    let bytes = value.as_bytes();
    if bytes.len() != 5 || bytes[2] != b':' {
        return None;
    }
    NaiveTime::parse_from_str(value, "%H:%M").ok()
}

/// Parses an RRULE value as the interchange format writes it: the rule only, no DTSTART.
pub(crate) fn parse_rrule(value: &str) -> Result<rrule::RRule<rrule::Unvalidated>, String> {
    let upper = value.to_ascii_uppercase();
    if upper.contains("DTSTART") || value.contains('\n') {
        return Err("the rule must not contain DTSTART or several lines".to_owned());
    }
    if !upper.trim_start_matches("RRULE:").starts_with("FREQ=") && !upper.contains(";FREQ=") {
        return Err("the rule has no FREQ".to_owned());
    }
    value.parse().map_err(|e: rrule::RRuleError| e.to_string())
}

impl Schedule {
    pub fn time_zone(&self) -> Option<chrono_tz::Tz> {
        self.timezone.parse().ok()
    }

    /// Builds the recurrence anchored at `anchor` (the first day the rule may produce).
    pub(crate) fn recurrence(&self, anchor: NaiveDate) -> Result<rrule::RRuleSet, String> {
        let tz = self
            .time_zone()
            .ok_or_else(|| format!("unknown time zone {:?}", self.timezone))?;
        let start = parse_hh_mm(&self.start_time).ok_or("start_time is not HH:MM")?;
        let local = anchor.and_time(start);
        let dt_start = rrule::Tz::Tz(tz)
            .from_local_datetime(&local)
            .earliest()
            .ok_or("start time does not exist on the anchor day")?;
        parse_rrule(&self.rrule)?
            .build(dt_start)
            .map_err(|e| e.to_string())
    }

    /// The sessions that end after `after`, starting from `anchor`, until `until` (inclusive), at most `limit`.
    pub fn occurrences(
        &self,
        anchor: NaiveDate,
        after: DateTime<Utc>,
        until: Option<NaiveDate>,
        limit: u16,
    ) -> Result<Vec<NextOccurrence>, DomainError> {
        let start = parse_hh_mm(&self.start_time)
            .ok_or_else(|| DomainError::Schedule("start_time".into()))?;
        let end =
            parse_hh_mm(&self.end_time).ok_or_else(|| DomainError::Schedule("end_time".into()))?;
        let length = end - start;
        let tz = self
            .time_zone()
            .ok_or_else(|| DomainError::Schedule(format!("time zone {}", self.timezone)))?;
        let rtz = rrule::Tz::Tz(tz);
        let mut set = self.recurrence(anchor).map_err(DomainError::Schedule)?;
        // A session that has started but not ended is still "next": look back by its length.
        set = set.after((after - length).with_timezone(&rtz));
        if let Some(until) = until.and_then(|d| d.succ_opt())
            && let Some(limit_at) = rtz
                .from_local_datetime(&until.and_time(NaiveTime::MIN))
                .earliest()
        {
            set = set.before(limit_at);
        }
        let result = set.all(limit);
        Ok(result
            .dates
            .into_iter()
            .map(|starts| {
                let starts_at = starts.fixed_offset();
                let ends_at = (starts + length).fixed_offset();
                NextOccurrence { starts_at, ends_at }
            })
            .filter(|o| o.ends_at > after)
            .collect())
    }
}

impl ListingRecord {
    /// The next sessions of a listing that end after `now`: expanded from the schedule for
    /// activities (anchored at `valid_from`, else at `anchor`), the dated sessions for events.
    pub fn next_occurrences(
        &self,
        anchor: NaiveDate,
        now: DateTime<Utc>,
        limit: u16,
    ) -> Result<Vec<NextOccurrence>, DomainError> {
        if (self.kind == Kind::Activity || self.starts_at.is_none())
            && let Some(schedule) = &self.schedule
        {
            let anchor = self.valid_from.unwrap_or(anchor);
            return schedule.occurrences(anchor, now, self.valid_until, limit);
        }
        let mut dated: Vec<NextOccurrence> = match &self.occurrences {
            Some(series) if !series.is_empty() => series
                .iter()
                .map(|o| NextOccurrence {
                    starts_at: o.starts_at,
                    ends_at: o.ends_at,
                })
                .collect(),
            _ => self
                .starts_at
                .zip(self.ends_at)
                .map(|(starts_at, ends_at)| NextOccurrence { starts_at, ends_at })
                .into_iter()
                .collect(),
        };
        dated.retain(|o| o.ends_at > now);
        dated.sort_by_key(|o| o.starts_at);
        dated.truncate(usize::from(limit));
        Ok(dated)
    }
}

/// Local wall-clock time of an instant in Europe/Helsinki, as the offset form the format uses.
pub fn to_helsinki(instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    instant.with_timezone(&helsinki()).fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(rrule: &str, start: &str, end: &str) -> Schedule {
        Schedule {
            rrule: rrule.into(),
            start_time: start.into(),
            end_time: end.into(),
            timezone: DEFAULT_TIMEZONE.into(),
            text: None,
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn weekly_rule_keeps_local_time_across_the_autumn_dst_change() {
        // 2026-10-25 is the end of summer time in Finland.
        let s = schedule("FREQ=WEEKLY;BYDAY=WE", "17:00", "19:00");
        let anchor = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let got = s
            .occurrences(anchor, utc("2026-10-15T00:00:00Z"), None, 3)
            .unwrap();
        let starts: Vec<String> = got.iter().map(|o| o.starts_at.to_rfc3339()).collect();
        assert_eq!(
            starts,
            [
                "2026-10-21T17:00:00+03:00",
                "2026-10-28T17:00:00+02:00",
                "2026-11-04T17:00:00+02:00"
            ]
        );
        assert_eq!(got[1].ends_at.to_rfc3339(), "2026-10-28T19:00:00+02:00");
    }

    #[test]
    fn biweekly_rule_is_anchored_and_stops_at_valid_until() {
        let s = schedule("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", "10:00", "12:00");
        let anchor = NaiveDate::from_ymd_opt(2026, 11, 7).unwrap();
        let until = NaiveDate::from_ymd_opt(2026, 12, 19);
        let got = s
            .occurrences(anchor, utc("2026-11-10T00:00:00Z"), until, 10)
            .unwrap();
        let days: Vec<String> = got
            .iter()
            .map(|o| o.starts_at.date_naive().to_string())
            .collect();
        assert_eq!(days, ["2026-11-21", "2026-12-05", "2026-12-19"]);
    }

    #[test]
    fn monthly_rule_with_ordinal_weekday_and_a_session_in_progress() {
        let s = schedule("FREQ=MONTHLY;BYDAY=-1FR", "13:00", "15:00");
        let anchor = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        // 2026-11-27 is the last Friday of November; at 14:00 local it is in progress.
        let got = s
            .occurrences(anchor, utc("2026-11-27T12:00:00Z"), None, 2)
            .unwrap();
        assert_eq!(got[0].starts_at.to_rfc3339(), "2026-11-27T13:00:00+02:00");
        assert_eq!(got[1].starts_at.to_rfc3339(), "2026-12-25T13:00:00+02:00");
    }

    #[test]
    fn rules_with_dtstart_or_without_freq_are_refused() {
        assert!(parse_rrule("FREQ=WEEKLY;BYDAY=TU").is_ok());
        assert!(parse_rrule("DTSTART:20260101T100000\nRRULE:FREQ=WEEKLY").is_err());
        assert!(parse_rrule("BYDAY=TU").is_err());
        assert!(parse_rrule("FREQ=SOMETIMES").is_err());
    }

    #[test]
    fn times_must_be_strict_hh_mm() {
        assert!(parse_hh_mm("09:30").is_some());
        assert!(parse_hh_mm("9:30").is_none());
        assert!(parse_hh_mm("24:00").is_none());
        assert!(parse_hh_mm("09:30:00").is_none());
    }
}
