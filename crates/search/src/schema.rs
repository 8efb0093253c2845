//! The index schema. Text fields per language with their analyzers; filters and sort keys as
//! fast fields holding small integer codes (vocabulary positions), so that filtering and facet
//! counting read columns instead of terms.

use crate::analysis::{PLAIN_ANALYZER, TextLang};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// Bump when the schema, the analyzers or the document layout change: an index with another
/// version is rebuilt at start.
pub const SCHEMA_VERSION: u32 = 4;

/// Text fields of one language.
#[derive(Debug, Clone, Copy)]
pub struct LangFields {
    pub title: Field,
    pub summary: Field,
    pub description: Field,
    /// The description as written, stored for snippets.
    pub description_text: Field,
    /// Labels of the listing's themes, target groups and languages offered.
    pub labels: Field,
}

/// The synonym groups (`s{n}`) and concept groups (`c{n}`) that a listing's texts contain, in
/// any language, by the kind of text they were found in (found once per kind, whatever the
/// number of languages): a group in a query is one term per kind instead of every term of
/// every entry of the group.
#[derive(Debug, Clone, Copy)]
pub struct GroupFields {
    pub title: Field,
    pub summary: Field,
    pub description: Field,
    pub labels: Field,
}

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub fi: LangFields,
    pub sv: LangFields,
    pub en: LangFields,
    pub groups: GroupFields,
    /// Organisation names (all languages), plain analysis.
    pub organisation: Field,
    /// Municipality names and the place name, plain analysis.
    pub place: Field,
    /// The result card (JSON), stored only.
    pub card: Field,
    /// The next sessions (see [`crate::document::sessions`]), stored only.
    pub sessions: Field,
    pub kind: Field,
    pub municipality: Field,
    pub region: Field,
    pub theme: Field,
    pub target_group: Field,
    pub language: Field,
    pub online: Field,
    pub free: Field,
    pub drop_in: Field,
    /// Bit per text language present (fi = 1, sv = 2, en = 4).
    pub text_langs: Field,
    pub lat: Field,
    pub lon: Field,
    /// Unix seconds: when the listing is current (validity or the span of its sessions).
    pub window_start: Field,
    pub window_end: Field,
    /// Unix seconds of the next session at indexing time (i64::MAX when none).
    pub next_start: Field,
    pub updated: Field,
    /// Stable tie-breaker derived from the id, for cursor pagination.
    pub tiebreak: Field,
}

impl Fields {
    pub fn lang(&self, lang: TextLang) -> &LangFields {
        match lang {
            TextLang::Fi => &self.fi,
            TextLang::Sv => &self.sv,
            TextLang::En => &self.en,
        }
    }
}

fn text(analyzer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let id = b.add_text_field("id", STRING | STORED);
    let mut lang_fields = |lang: TextLang| LangFields {
        title: b.add_text_field(
            &format!("title_{}", lang.code()),
            text(lang.analyzer_name()),
        ),
        summary: b.add_text_field(
            &format!("summary_{}", lang.code()),
            text(lang.analyzer_name()),
        ),
        description: b.add_text_field(
            &format!("description_{}", lang.code()),
            text(lang.analyzer_name()),
        ),
        description_text: b.add_text_field(&format!("description_text_{}", lang.code()), STORED),
        labels: b.add_text_field(
            &format!("labels_{}", lang.code()),
            text(lang.analyzer_name()),
        ),
    };
    let fi = lang_fields(TextLang::Fi);
    let sv = lang_fields(TextLang::Sv);
    let en = lang_fields(TextLang::En);
    let group_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let groups = GroupFields {
        title: b.add_text_field("groups_title", group_options.clone()),
        summary: b.add_text_field("groups_summary", group_options.clone()),
        description: b.add_text_field("groups_description", group_options.clone()),
        labels: b.add_text_field("groups_labels", group_options),
    };
    let organisation = b.add_text_field("organisation", text(PLAIN_ANALYZER));
    let place = b.add_text_field("place", text(PLAIN_ANALYZER));
    let card = b.add_text_field("card", STORED);
    let sessions = b.add_bytes_field("sessions", STORED);
    let codes =
        |b: &mut tantivy::schema::SchemaBuilder, name: &str| b.add_u64_field(name, FAST | INDEXED);
    let kind = codes(&mut b, "kind");
    let municipality = codes(&mut b, "municipality");
    let region = codes(&mut b, "region");
    let theme = codes(&mut b, "theme");
    let target_group = codes(&mut b, "target_group");
    let language = codes(&mut b, "language");
    let online = codes(&mut b, "online");
    let free = codes(&mut b, "free");
    let drop_in = codes(&mut b, "drop_in");
    let text_langs = codes(&mut b, "text_langs");
    let lat = b.add_f64_field("lat", FAST);
    let lon = b.add_f64_field("lon", FAST);
    let window_start = b.add_i64_field("window_start", FAST);
    let window_end = b.add_i64_field("window_end", FAST);
    let next_start = b.add_i64_field("next_start", FAST);
    let updated = b.add_i64_field("updated", FAST);
    let tiebreak = b.add_u64_field("tiebreak", FAST);
    let fields = Fields {
        id,
        fi,
        sv,
        en,
        groups,
        organisation,
        place,
        card,
        sessions,
        kind,
        municipality,
        region,
        theme,
        target_group,
        language,
        online,
        free,
        drop_in,
        text_langs,
        lat,
        lon,
        window_start,
        window_end,
        next_start,
        updated,
        tiebreak,
    };
    (b.build(), fields)
}
