//! Snippets of a result's description with the query's words highlighted.
//!
//! The snippet is the one tantivy's `SnippetGenerator` makes, fragment for fragment and mark for
//! mark, made for less: the generator runs every word of every text through the whole analyzer
//! chain and looks each token up in an ordered map, while this looks up the words as written in
//! a per-thread memo of what the analyzer made of them (texts share most of their words) and the
//! terms in a hash map. That gives the same tokens because every step of our analyzers after the
//! tokenizer works on one word at a time.

use crate::analysis::{Morphology, TextLang};
use crate::resources::Resources;
use rustc_hash::FxHashMap;
use std::ops::Range;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Score, Searcher};

/// Highlights the terms of one field in texts of that field's language.
pub(crate) struct Highlighter<'a> {
    /// The query's terms in the field, each worth less the more documents hold it.
    terms: FxHashMap<String, Score>,
    morphology: &'a Morphology,
    /// The field's analyzer, for words not met before on a thread.
    analyzer: TextAnalyzer,
    /// Longest fragment, in bytes of the text.
    max_bytes: usize,
}

/// A run of the text that holds query terms.
struct Fragment {
    score: Score,
    start: usize,
    stop: usize,
    highlighted: Vec<Range<usize>>,
}

impl Fragment {
    fn new(start: usize) -> Self {
        Self {
            score: 0.0,
            start,
            stop: start,
            highlighted: Vec::new(),
        }
    }
}

impl<'a> Highlighter<'a> {
    /// The terms of `query` in `field`, a field of language `lang` (analysed by its analyzer in
    /// `resources`).
    pub(crate) fn new(
        searcher: &Searcher,
        query: &dyn Query,
        field: Field,
        resources: &'a Resources,
        lang: TextLang,
        max_bytes: usize,
    ) -> tantivy::Result<Self> {
        let mut in_field = Vec::new();
        query.query_terms(&mut |term, _| {
            if term.field() == field {
                in_field.push(term.clone());
            }
        });
        let mut terms = FxHashMap::default();
        for term in in_field {
            let value = term.value();
            let Some(text) = value.as_str() else {
                continue;
            };
            if terms.contains_key(text) {
                continue;
            }
            let doc_freq = searcher.doc_freq(&term)?;
            if doc_freq > 0 {
                terms.insert(text.to_owned(), 1.0 / (1.0 + doc_freq as Score));
            }
        }
        Ok(Self {
            terms,
            morphology: resources.morphology(lang),
            analyzer: resources.analyzer(lang),
            max_bytes,
        })
    }

    /// The best fragment of `text` (at most the longest fragment), as HTML with the query's
    /// terms in `<b>`; `None` when no term occurs.
    pub(crate) fn snippet_html(&self, text: &str) -> Option<String> {
        if self.terms.is_empty() {
            return None;
        }
        let mut fragments: Vec<Fragment> = Vec::new();
        let mut fragment = Fragment::new(0);
        for (from, to) in words(text) {
            let terms = self
                .morphology
                .word_terms(|| self.analyzer.clone(), &text[from..to]);
            // One token per term of the word, all at the word's offsets.
            for term in terms.iter() {
                if to - fragment.start > self.max_bytes {
                    let full = std::mem::replace(&mut fragment, Fragment::new(from));
                    if full.score > 0.0 {
                        fragments.push(full);
                    }
                }
                fragment.stop = to;
                if let Some(score) = self.terms.get(term.as_str()) {
                    fragment.score += score;
                    fragment.highlighted.push(from..to);
                }
            }
        }
        if fragment.score > 0.0 {
            fragments.push(fragment);
        }
        // The highest score; of equal scores, the earliest.
        let best = fragments.iter().max_by(|a, b| {
            a.score
                .partial_cmp(&b.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| (b.start, b.stop).cmp(&(a.start, a.stop)))
        })?;
        let mut marks = best.highlighted.clone();
        marks.sort_by_key(|r| (r.start, r.end));
        marks.dedup();
        let mut html = String::with_capacity(best.stop - best.start + 16);
        let mut at = best.start;
        for mark in merge_overlapping(marks) {
            escape_into(&mut html, &text[at..mark.start]);
            html.push_str("<b>");
            escape_into(&mut html, &text[mark.clone()]);
            html.push_str("</b>");
            at = mark.end;
        }
        escape_into(&mut html, &text[at..best.stop]);
        Some(html)
    }
}

/// Byte ranges of the words of `text`: runs of alphanumeric characters, as the analyzers'
/// tokenizer cuts them.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices();
    std::iter::from_fn(move || {
        let (from, _) = chars.by_ref().find(|(_, c)| c.is_alphanumeric())?;
        let mut to = text.len();
        for (at, c) in chars.by_ref() {
            if !c.is_alphanumeric() {
                to = at;
                break;
            }
        }
        Some((from, to))
    })
}

/// Appends `text` to `html` with the characters that mean something in HTML as entities (the
/// entities of tantivy's snippets). They are ASCII, so the text is scanned as bytes: no byte of
/// a longer UTF-8 character is ASCII.
fn escape_into(html: &mut String, text: &str) {
    let mut from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'"' => "&quot;",
            b'&' => "&amp;",
            b'\'' => "&#x27;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        html.push_str(&text[from..at]);
        html.push_str(entity);
        from = at + 1;
    }
    html.push_str(&text[from..]);
}

/// Sorted ranges with the overlapping ones merged (ranges that only touch stay apart).
fn merge_overlapping(sorted: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for range in sorted {
        match merged.last_mut() {
            Some(last) if last.end > range.start => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
    use tantivy::snippet::SnippetGenerator;
    use tantivy::{Index, TantivyDocument, Term};

    const CORPUS: &str = include_str!("../../server/demo/listings.jsonl");

    /// Snippets of every description of the demo corpus, for queries in each language, are the
    /// ones tantivy's generator makes.
    #[test]
    fn snippets_are_the_ones_tantivys_generator_makes() {
        let resources = Resources::builtin();
        let mut builder = Schema::builder();
        let fields: Vec<(TextLang, Field)> = TextLang::ALL
            .iter()
            .map(|lang| {
                let options = TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(lang.analyzer_name())
                        .set_index_option(IndexRecordOption::WithFreqsAndPositions),
                );
                (*lang, builder.add_text_field(lang.code(), options))
            })
            .collect();
        let index = Index::create_in_ram(builder.build());
        for lang in TextLang::ALL {
            index
                .tokenizers()
                .register(lang.analyzer_name(), resources.analyzer(lang));
        }
        let mut texts: Vec<(TextLang, String)> = Vec::new();
        for line in CORPUS.lines() {
            let listing: serde_json::Value = serde_json::from_str(line).unwrap();
            for (lang, _) in &fields {
                if let Some(text) = listing["description"][lang.code()].as_str() {
                    texts.push((*lang, text.to_owned()));
                }
            }
        }
        // Markup in a text is escaped, inside and outside the marks.
        texts.push((
            TextLang::Fi,
            "Kielikahvila & <läksykerho> \"kaikille\" – kielikahvilaan 'tervetuloa'".to_owned(),
        ));
        let mut writer = index.writer_with_num_threads(1, 20_000_000).unwrap();
        for (lang, text) in &texts {
            let field = fields.iter().find(|(l, _)| l == lang).unwrap().1;
            let mut doc = TantivyDocument::default();
            doc.add_text(field, text);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let queries = [
            (TextLang::Fi, "kielikahvila kerho läksyt"),
            (TextLang::Fi, "suomen kieli ryhmä naiset"),
            (TextLang::Sv, "språkcafé kurs läxhjälp"),
            (TextLang::Sv, "svenska för föräldrar"),
            (TextLang::En, "language cafe homework help"),
            (TextLang::En, "job search women"),
        ];
        let (mut compared, mut marked) = (0, 0);
        for (lang, q) in queries {
            let field = fields.iter().find(|(l, _)| *l == lang).unwrap().1;
            let clauses: Vec<(Occur, Box<dyn Query>)> = analyze(&resources, lang, q)
                .into_iter()
                .flatten()
                .map(|term| {
                    let query = TermQuery::new(
                        Term::from_field_text(field, &term),
                        IndexRecordOption::WithFreqs,
                    );
                    (Occur::Should, Box::new(query) as Box<dyn Query>)
                })
                .collect();
            let query = BooleanQuery::new(clauses);
            let mut generator = SnippetGenerator::create(&searcher, &query, field).unwrap();
            generator.set_max_num_chars(200);
            let highlighter =
                Highlighter::new(&searcher, &query, field, &resources, lang, 200).unwrap();
            for (_, text) in texts.iter().filter(|(l, _)| *l == lang) {
                let expected = Some(generator.snippet(text))
                    .filter(|s| !s.fragment().is_empty())
                    .map(|s| s.to_html());
                // Twice: analysed, then remembered.
                for _ in 0..2 {
                    assert_eq!(highlighter.snippet_html(text), expected, "{q}: {text}");
                }
                compared += 1;
                marked += usize::from(expected.is_some_and(|html| html.contains("<b>")));
            }
        }
        assert!(compared > 300, "{compared} texts compared");
        assert!(marked > 100, "only {marked} snippets had marks");
    }
}
