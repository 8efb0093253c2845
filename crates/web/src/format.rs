//! Turning listings into what a page shows: texts with the language they are in, dates in
//! Helsinki time, vocabulary labels, practical badges, and result cards.

use crate::i18n::Tr;
use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use kynnys_domain::{Lang, ListingRecord, LocalizedText, NextOccurrence, Vocabularies, Vocabulary};
use kynnys_search::SearchHit;
use kynnys_store::StoredListing;

/// A text shown on a page, with the language it is in (`lang` attribute) and whether that is a
/// fallback from the page's language.
#[derive(Debug, Clone)]
pub(crate) struct Text {
    pub text: String,
    pub lang: &'static str,
    pub fallback: bool,
}

impl Text {
    pub fn of(text: &LocalizedText, lang: Lang) -> Option<Text> {
        text.resolve(lang).map(|r| Text {
            text: r.text.to_owned(),
            lang: r.lang.code(),
            fallback: r.fallback,
        })
    }

    fn resolved(text: &kynnys_search::ResolvedText, page: Lang) -> Text {
        Text {
            text: text.text.clone(),
            lang: text.lang.code(),
            fallback: text.lang != page,
        }
    }

    /// Paragraphs (separated by a blank line).
    pub fn paragraphs(&self) -> Vec<&str> {
        self.text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    }
}

/// The label of a vocabulary key in `lang` (the key itself when unknown).
pub(crate) fn label(vocabulary: &Vocabulary, key: &str, lang: Lang) -> String {
    vocabulary
        .get(key)
        .and_then(|term| term.label.resolve(lang).map(|r| r.text.to_owned()))
        .unwrap_or_else(|| key.to_owned())
}

/// Municipality names, comma-separated.
pub(crate) fn municipality_names(vocab: &Vocabularies, codes: &[String], lang: Lang) -> String {
    codes
        .iter()
        .map(|code| {
            vocab
                .municipality(code)
                .and_then(|m| m.name.resolve(lang).map(|r| r.text.to_owned()))
                .unwrap_or_else(|| code.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Readable names of languages offered, comma-separated.
pub(crate) fn language_names(vocab: &Vocabularies, codes: &[String], lang: Lang) -> String {
    codes
        .iter()
        .map(|code| label(&vocab.languages, code, lang))
        .collect::<Vec<_>>()
        .join(", ")
}

fn in_helsinki(at: DateTime<FixedOffset>) -> DateTime<chrono_tz::Tz> {
    at.with_timezone(&chrono_tz::Europe::Helsinki)
}

/// A day in the page's language: "ti 25.11.", "tis 25.11.", "Tue 25 Nov".
pub(crate) fn day(t: Tr, at: DateTime<FixedOffset>) -> String {
    let local = in_helsinki(at);
    let weekday = t.t(&format!("weekday-{}", local.weekday().number_from_monday()));
    match t.0 {
        Lang::En => format!(
            "{weekday} {} {}",
            local.day(),
            t.t(&format!("month-{}", local.month()))
        ),
        _ => format!("{weekday} {}.{}.", local.day(), local.month()),
    }
}

fn clock(t: Tr, at: DateTime<chrono_tz::Tz>) -> String {
    match t.0 {
        Lang::En => format!("{:02}:{:02}", at.hour(), at.minute()),
        _ => format!("{}.{:02}", at.hour(), at.minute()),
    }
}

/// One session: "ti 25.11. klo 17.00–19.00" (Helsinki time).
pub(crate) fn when(t: Tr, occurrence: &NextOccurrence) -> String {
    let starts = in_helsinki(occurrence.starts_at);
    let ends = in_helsinki(occurrence.ends_at);
    let same_day = starts.date_naive() == ends.date_naive();
    let end = if same_day {
        clock(t, ends)
    } else {
        format!("{} {}", day(t, occurrence.ends_at), clock(t, ends))
    };
    format!(
        "{} {} {}–{end}",
        day(t, occurrence.starts_at),
        t.t("at-time"),
        clock(t, starts)
    )
}

/// A date: "25.11.2026" or "25 Nov 2026".
pub(crate) fn date(t: Tr, date: chrono::NaiveDate) -> String {
    match t.0 {
        Lang::En => format!(
            "{} {} {}",
            date.day(),
            t.t(&format!("month-{}", date.month())),
            date.year()
        ),
        _ => format!("{}.{}.{}", date.day(), date.month(), date.year()),
    }
}

/// The practical badges of a listing, in the page's language.
pub(crate) fn badges(t: Tr, record: &ListingRecord) -> Vec<String> {
    let flags = record.flags.unwrap_or_default();
    let support = record.language_support.unwrap_or_default();
    [
        (flags.free, "badge-free"),
        (flags.drop_in, "badge-drop-in"),
        (flags.childcare, "badge-childcare"),
        (flags.women_only, "badge-women-only"),
        (support.interpreter, "badge-interpreter"),
        (support.plain_language, "badge-plain-language"),
        (
            support.no_finnish_or_swedish_needed,
            "badge-no-finnish-needed",
        ),
        (flags.wheelchair_accessible, "badge-wheelchair"),
        (Some(record.online), "badge-online"),
    ]
    .into_iter()
    .filter(|(on, _)| *on == Some(true))
    .map(|(_, key)| t.t(key))
    .collect()
}

/// A result as a card: what an advisor needs to pick it.
#[derive(Debug, Clone)]
pub(crate) struct Card {
    pub id: String,
    pub kind: String,
    pub title: Text,
    pub summary: Option<Text>,
    pub organisation: Option<Text>,
    pub place: String,
    pub next: Option<String>,
    pub languages: String,
    pub badges: Vec<String>,
    pub distance: Option<String>,
    /// A passage with the matching words in `<b>` (escaped otherwise).
    pub snippet: Option<String>,
    pub on_shortlist: bool,
}

fn distance(t: Tr, km: f64) -> String {
    let value = if km < 10.0 {
        format!("{km:.1}")
    } else {
        format!("{km:.0}")
    };
    let value = if t.0 == Lang::En {
        value
    } else {
        value.replace('.', ",")
    };
    t.a("distance-km", "km", &value)
}

impl Card {
    /// A card of a search result; `stored` adds the badges the index does not carry.
    pub fn from_hit(
        t: Tr,
        vocab: &Vocabularies,
        hit: &SearchHit,
        stored: Option<&StoredListing>,
        shortlist: &[String],
    ) -> Card {
        Card {
            id: hit.id.clone(),
            kind: t.t(&format!("kind-{}", hit.kind)),
            title: Text::resolved(&hit.title, t.0),
            summary: hit.summary.as_ref().map(|s| Text::resolved(s, t.0)),
            organisation: Some(Text::resolved(&hit.organisation, t.0)),
            place: municipality_names(vocab, &hit.municipalities, t.0),
            next: hit.next_occurrence.as_ref().map(|o| when(t, o)),
            languages: language_names(vocab, &hit.languages_offered, t.0),
            badges: stored.map(|s| badges(t, &s.record)).unwrap_or_default(),
            distance: hit.distance_km.map(|km| distance(t, km)),
            snippet: hit.snippet.clone(),
            on_shortlist: shortlist.contains(&hit.id),
        }
    }

    /// A card of a stored listing (shortlist, handout).
    pub fn from_stored(
        t: Tr,
        vocab: &Vocabularies,
        listing: &StoredListing,
        now: DateTime<Utc>,
    ) -> Option<Card> {
        let record = &listing.record;
        let anchor = listing
            .schedule_anchor
            .unwrap_or_else(|| listing.created_at.date_naive());
        let next = record
            .next_occurrences(anchor, now, 1)
            .ok()
            .and_then(|o| o.first().map(|o| when(t, o)));
        Some(Card {
            id: listing.id.clone(),
            kind: t.t(&format!("kind-{}", record.kind)),
            title: Text::of(&record.title, t.0)?,
            summary: record.summary.as_ref().and_then(|s| Text::of(s, t.0)),
            organisation: Text::of(&record.organisation.name, t.0),
            place: municipality_names(vocab, &record.municipalities, t.0),
            next,
            languages: language_names(vocab, &record.languages_offered, t.0),
            badges: badges(t, record),
            distance: None,
            snippet: None,
            on_shortlist: true,
        })
    }
}

/// A checkbox or option of the form.
pub(crate) struct Option_ {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub(crate) fn options(
    values: impl Iterator<Item = (String, String)>,
    chosen: &[String],
) -> Vec<Option_> {
    values
        .map(|(value, label)| Option_ {
            checked: chosen.contains(&value),
            value,
            label,
        })
        .collect()
}

/// Every municipality as (code, name in `lang`), by name.
pub(crate) fn municipalities_by_name(vocab: &Vocabularies, lang: Lang) -> Vec<(String, String)> {
    let mut municipalities: Vec<(String, String)> = vocab
        .municipalities()
        .iter()
        .map(|m| {
            (
                m.code.clone(),
                m.name
                    .resolve(lang)
                    .map(|r| r.text.to_owned())
                    .unwrap_or_default(),
            )
        })
        .collect();
    municipalities.sort_by(|a, b| a.1.cmp(&b.1));
    municipalities
}
