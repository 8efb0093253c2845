//! From a listing to an index document and its result card.

use crate::resources::Resources;
use crate::schema::Fields;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use kynnys_domain::{Kind, Lang, ListingRecord, LocalizedText, Vocabularies};
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use tantivy::TantivyDocument;
use tantivy::schema::Field;
use tantivy::tokenizer::{PreTokenizedString, Token};

/// Sessions kept on a card; the first that has not ended is the "next occurrence".
const CARD_OCCURRENCES: u16 = 8;

/// What the index needs of a listing.
#[derive(Debug, Clone)]
pub struct IndexListing {
    pub id: String,
    pub record: ListingRecord,
    pub schedule_anchor: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

/// The stored part of a document: everything a result item shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Card {
    pub id: String,
    pub external_id: String,
    pub kind: Kind,
    pub title: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<LocalizedText>,
    pub organisation: LocalizedText,
    pub municipalities: Vec<String>,
    pub languages_offered: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    pub online: bool,
    pub updated_at: DateTime<Utc>,
}

/// A listing's next sessions, stored beside its card as 24 bytes each (start, its UTC offset,
/// end, its UTC offset; little-endian i64, i32, i64, i32): a page of results reads twenty
/// listings' sessions, and reading them as JSON numbers cost as much as the rest of the card.
pub mod sessions {
    use chrono::{DateTime, FixedOffset, TimeZone, Utc};
    use kynnys_domain::NextOccurrence;

    const SESSION_BYTES: usize = 24;

    pub fn encode(occurrences: &[NextOccurrence]) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(occurrences.len() * SESSION_BYTES);
        for o in occurrences {
            for at in [o.starts_at, o.ends_at] {
                bytes.extend_from_slice(&at.timestamp().to_le_bytes());
                bytes.extend_from_slice(&at.offset().local_minus_utc().to_le_bytes());
            }
        }
        bytes
    }

    /// The first session that has not ended at `now`.
    pub fn next(bytes: &[u8], now: DateTime<Utc>) -> Result<Option<NextOccurrence>, String> {
        if !bytes.len().is_multiple_of(SESSION_BYTES) {
            return Err(format!("{} bytes of sessions", bytes.len()));
        }
        let at = |bytes: &[u8]| -> Result<DateTime<FixedOffset>, String> {
            let (seconds, offset) = bytes.split_at(8);
            let seconds = i64::from_le_bytes(seconds.try_into().map_err(|_| "session start")?);
            let offset = i32::from_le_bytes(offset.try_into().map_err(|_| "session offset")?);
            FixedOffset::east_opt(offset)
                .and_then(|offset| offset.timestamp_opt(seconds, 0).single())
                .ok_or_else(|| "session time out of range".to_owned())
        };
        for session in bytes.chunks_exact(SESSION_BYTES) {
            let (starts, ends) = session.split_at(SESSION_BYTES / 2);
            let ends_at = at(ends)?;
            // Only the session that is shown has its start read.
            if ends_at > now {
                return Ok(Some(NextOccurrence {
                    starts_at: at(starts)?,
                    ends_at,
                }));
            }
        }
        Ok(None)
    }
}

/// Stable 64-bit hash (FNV-1a) of an id, for tie-breaking.
pub fn tiebreak(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn day_start(date: NaiveDate) -> i64 {
    date.and_time(NaiveTime::MIN).and_utc().timestamp() - 3 * 3600
}

fn day_end(date: NaiveDate) -> i64 {
    day_start(date) + 24 * 3600 + 3 * 3600
}

/// The span in which the listing is current, in Unix seconds.
fn window(record: &ListingRecord) -> (i64, i64) {
    if record.kind.is_dated() || record.schedule.is_none() {
        let sessions: Vec<(i64, i64)> = record
            .occurrences
            .iter()
            .flatten()
            .map(|o| (o.starts_at.timestamp(), o.ends_at.timestamp()))
            .chain(
                record
                    .starts_at
                    .zip(record.ends_at)
                    .map(|(s, e)| (s.timestamp(), e.timestamp())),
            )
            .collect();
        if let (Some(start), Some(end)) = (
            sessions.iter().map(|s| s.0).min(),
            sessions.iter().map(|s| s.1).max(),
        ) {
            let start = record.valid_from.map_or(start, |d| start.min(day_start(d)));
            let end = record.valid_until.map_or(end, |d| end.max(day_end(d)));
            return (start, end);
        }
    }
    (
        record.valid_from.map_or(i64::MIN, day_start),
        record.valid_until.map_or(i64::MAX, day_end),
    )
}

impl IndexListing {
    pub(crate) fn to_document(
        &self,
        fields: &Fields,
        vocab: &Vocabularies,
        resources: &Resources,
        now: DateTime<Utc>,
    ) -> Result<TantivyDocument, crate::SearchError> {
        let r = &self.record;
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.id, &self.id);
        let mut text_langs = 0u64;
        // Groups found in titles, summaries, descriptions and labels. Each text is analysed
        // once, for its groups and for the index.
        let mut groups: [BTreeSet<(char, usize)>; 4] = Default::default();
        for (bit, lang) in [(1, Lang::Fi), (2, Lang::Sv), (4, Lang::En)] {
            let text_lang = crate::TextLang::from_domain(lang);
            let f = fields.lang(text_lang);
            let mut analyzer = resources.analyzer(text_lang);
            let mut add = |field: Field, text: &str, kind: usize, concepts: bool| {
                let tokens = crate::analysis::tokens(&mut analyzer, text);
                add_groups(resources, text_lang, &tokens, concepts, &mut groups[kind]);
                doc.add_pre_tokenized_text(
                    field,
                    PreTokenizedString {
                        text: text.to_owned(),
                        tokens,
                    },
                );
            };
            if let Some(title) = r.title.get(lang) {
                add(f.title, title, 0, true);
                text_langs |= bit;
            }
            if let Some(summary) = r.summary.as_ref().and_then(|s| s.get(lang)) {
                add(f.summary, summary, 1, true);
            }
            if let Some(description) = r.description.get(lang) {
                // What a listing is about is in its title, summary and labels: descriptions
                // bring synonyms, not broader concepts.
                add(f.description, description, 2, false);
            }
            let labels = r
                .themes
                .iter()
                .filter_map(|k| vocab.themes.get(k))
                .chain(
                    r.target_groups
                        .iter()
                        .filter_map(|k| vocab.target_groups.get(k)),
                )
                .chain(
                    r.languages_offered
                        .iter()
                        .filter_map(|k| vocab.languages.get(k)),
                )
                .filter_map(|t| t.label.get(lang));
            for label in labels {
                add(f.labels, label, 3, true);
            }
            if let Some(description) = r.description.get(lang) {
                doc.add_text(f.description_text, description);
            }
        }
        let g = &fields.groups;
        for (field, found) in [g.title, g.summary, g.description, g.labels]
            .into_iter()
            .zip(&groups)
        {
            for (prefix, group) in found {
                doc.add_text(field, format!("{prefix}{group}"));
            }
        }
        doc.add_u64(fields.text_langs, text_langs);
        for (_, name) in r.organisation.name.languages() {
            doc.add_text(fields.organisation, name);
        }
        let mut places: Vec<&str> = r.municipalities.iter().map(String::as_str).collect();
        if let Some(location) = &r.location {
            if !places.contains(&location.municipality.as_str()) {
                places.push(&location.municipality);
            }
            for (_, name) in location.name.iter().flat_map(|n| n.languages()) {
                doc.add_text(fields.place, name);
            }
        }
        let mut regions: Vec<u64> = Vec::new();
        for code in &places {
            if let Some(m) = vocab.municipality(code) {
                for (_, name) in m.name.languages() {
                    doc.add_text(fields.place, name);
                }
                if let Some(p) = vocab.municipality_position(code).map(|p| p as u64) {
                    doc.add_u64(fields.municipality, p);
                }
                if let Some(p) = vocab.region_position(&m.region).map(|p| p as u64)
                    && !regions.contains(&p)
                {
                    regions.push(p);
                    doc.add_u64(fields.region, p);
                }
            }
        }
        doc.add_u64(
            fields.kind,
            Kind::ALL.iter().position(|k| *k == r.kind).unwrap_or(0) as u64,
        );
        for (field, keys, vocabulary) in [
            (fields.theme, &r.themes, &vocab.themes),
            (fields.target_group, &r.target_groups, &vocab.target_groups),
            (fields.language, &r.languages_offered, &vocab.languages),
        ] {
            for key in keys {
                if let Some(p) = vocabulary.position(key).map(|p| p as u64) {
                    doc.add_u64(field, p);
                }
            }
        }
        let flags = r.flags.unwrap_or_default();
        doc.add_u64(fields.online, u64::from(r.online));
        doc.add_u64(fields.free, u64::from(flags.free.unwrap_or(false)));
        doc.add_u64(fields.drop_in, u64::from(flags.drop_in.unwrap_or(false)));
        // Coordinates: the place, else the centre of the first municipality.
        let coordinates = r
            .location
            .as_ref()
            .and_then(|l| l.lat.zip(l.lon))
            .or_else(|| {
                places
                    .first()
                    .and_then(|c| vocab.municipality(c))
                    .map(|m| (m.lat, m.lon))
            });
        if let Some((lat, lon)) = coordinates {
            doc.add_f64(fields.lat, lat);
            doc.add_f64(fields.lon, lon);
        }
        let (start, end) = window(r);
        doc.add_i64(fields.window_start, start);
        doc.add_i64(fields.window_end, end);
        let anchor = self.schedule_anchor.unwrap_or_else(|| now.date_naive());
        let occurrences = r.next_occurrences(anchor, now, CARD_OCCURRENCES)?;
        doc.add_i64(
            fields.next_start,
            occurrences
                .first()
                .map_or(i64::MAX, |o| o.starts_at.timestamp()),
        );
        doc.add_i64(fields.updated, self.updated_at.timestamp());
        doc.add_u64(fields.tiebreak, tiebreak(&self.id));
        let card = Card {
            id: self.id.clone(),
            external_id: r.external_id.clone(),
            kind: r.kind,
            title: r.title.clone(),
            summary: r.summary.clone(),
            organisation: r.organisation.name.clone(),
            municipalities: r.municipalities.clone(),
            languages_offered: r.languages_offered.clone(),
            lat: coordinates.map(|c| c.0),
            lon: coordinates.map(|c| c.1),
            online: r.online,
            updated_at: self.updated_at,
        };
        let json = serde_json::to_string(&card)
            .map_err(|e| crate::SearchError::Metadata(e.to_string()))?;
        doc.add_text(fields.card, json);
        doc.add_bytes(fields.sessions, &sessions::encode(&occurrences));
        Ok(doc)
    }
}

/// Adds the synonym groups (`s{n}`) found in a text analysed into `tokens`, and with `concepts` the concept groups
/// (`c{n}`, whole words only), to `out`.
fn add_groups(
    resources: &Resources,
    lang: crate::TextLang,
    tokens: &[Token],
    concepts: bool,
    out: &mut BTreeSet<(char, usize)>,
) {
    let terms: FxHashSet<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
    for g in resources.synonyms.groups_in(lang, &terms, true) {
        out.insert(('s', g));
    }
    if concepts {
        for g in resources.concepts.groups_in(lang, &terms, false) {
            out.insert(('c', g));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kynnys_domain::NextOccurrence;

    #[test]
    fn sessions_keep_their_offsets_and_the_next_is_the_first_not_ended() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap();
        let occurrences = vec![
            NextOccurrence {
                starts_at: at("2026-10-25T02:30:00+03:00"),
                ends_at: at("2026-10-25T03:30:00+02:00"),
            },
            NextOccurrence {
                starts_at: at("2026-12-07T17:00:00+02:00"),
                ends_at: at("2026-12-07T18:30:00+02:00"),
            },
        ];
        let bytes = sessions::encode(&occurrences);
        let now = |text: &str| at(text).with_timezone(&Utc);
        for (when, expected) in [
            ("2026-10-01T00:00:00Z", Some(occurrences[0])),
            // Ends at 01:30 UTC: not ended a second before, ended at that second.
            ("2026-10-25T01:29:59Z", Some(occurrences[0])),
            ("2026-10-25T01:30:00Z", Some(occurrences[1])),
            ("2026-12-07T16:30:00Z", None),
        ] {
            let next = sessions::next(&bytes, now(when)).unwrap();
            assert_eq!(next, expected, "at {when}");
            if let (Some(next), Some(expected)) = (next, expected) {
                assert_eq!(next.starts_at.offset(), expected.starts_at.offset());
                assert_eq!(next.ends_at.offset(), expected.ends_at.offset());
            }
        }
        assert_eq!(sessions::next(&[], now("2026-10-01T00:00:00Z")), Ok(None));
        assert!(sessions::next(&bytes[..30], now("2026-10-01T00:00:00Z")).is_err());
        // An offset no time zone has.
        let mut bad = bytes.clone();
        bad[20..24].copy_from_slice(&999_999_i32.to_le_bytes());
        assert!(sessions::next(&bad, now("2026-10-01T00:00:00Z")).is_err());
    }
}
