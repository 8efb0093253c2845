//! Search requests and responses, and the text query: per-language analysis, compound parts,
//! cross-lingual synonyms, typo candidates and prefixes, all as weighted term queries so that
//! BM25 ranking holds.

use crate::analysis::{TextLang, fold};
use crate::resources::Resources;
use crate::schema::Fields;
use crate::union::SmallUnion;
use chrono::NaiveDate;
use kynnys_domain::{Kind, Lang, NextOccurrence};
use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder};
use serde::Serialize;
use std::sync::OnceLock;
use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

/// Most typo candidates per word, most prefix completions per word.
const MAX_TYPO_TERMS: usize = 8;
const MAX_PREFIX_TERMS: usize = 16;

/// Weight of a synonym group of the query, and of a broader concept.
const SYNONYM_BOOST: f32 = 0.7;
const CONCEPT_BOOST: f32 = 0.35;
/// What all the parts of a compound count, together, against the whole word.
const PARTS_BOOST: f32 = 0.6;
/// A compound used as a word by at least one listing in this many is common (see `text_query`).
const COMMON_COMPOUND_SHARE: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    Distance,
    NextOccurrence,
    Updated,
}

/// Where the previous page ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor(pub(crate) crate::collector::Key);

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{:016x}{:016x}", self.0.primary.to_bits(), self.0.tiebreak)
    }

    pub fn decode(text: &str) -> Result<Self, crate::SearchError> {
        if text.len() != 32 || !text.is_ascii() {
            return Err(crate::SearchError::InvalidCursor);
        }
        let part =
            |s: &str| u64::from_str_radix(s, 16).map_err(|_| crate::SearchError::InvalidCursor);
        let primary = f64::from_bits(part(&text[..16])?);
        if primary.is_nan() {
            return Err(crate::SearchError::InvalidCursor);
        }
        Ok(Self(crate::collector::Key {
            primary,
            tiebreak: part(&text[16..])?,
        }))
    }
}

/// A search: text, filters (OR within one, AND across), sort and page.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: String,
    pub lang: Option<Lang>,
    pub kinds: Vec<Kind>,
    pub municipalities: Vec<String>,
    pub regions: Vec<String>,
    pub themes: Vec<String>,
    pub target_groups: Vec<String>,
    pub languages: Vec<String>,
    pub online: Option<bool>,
    pub free: Option<bool>,
    pub drop_in: Option<bool>,
    pub near: Option<(f64, f64)>,
    pub radius_km: Option<f64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sort: Sort,
    pub limit: usize,
    pub cursor: Option<Cursor>,
}

impl SearchRequest {
    /// A search for `filters` (their `q` too) in `lang`, first page of `limit`.
    pub fn with_filters(filters: &kynnys_domain::SearchFilters, lang: Lang, limit: usize) -> Self {
        SearchRequest {
            q: filters.q.clone().unwrap_or_default(),
            lang: Some(lang),
            kinds: filters.kind.clone(),
            municipalities: filters.municipality.clone(),
            regions: filters.region.clone(),
            themes: filters.theme.clone(),
            target_groups: filters.target_group.clone(),
            languages: filters.language.clone(),
            online: filters.online,
            free: filters.free,
            drop_in: filters.drop_in,
            limit,
            ..SearchRequest::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ResolvedText {
    pub text: String,
    pub lang: Lang,
}

/// Why a result matched: the query words it contains (directly, as a compound part, through a
/// synonym, a typo correction or a prefix) and the filters applied.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Matched {
    pub terms: Vec<String>,
    pub filters: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub id: String,
    pub external_id: String,
    pub kind: Kind,
    pub title: ResolvedText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<ResolvedText>,
    pub organisation: ResolvedText,
    pub municipalities: Vec<String>,
    pub languages_offered: Vec<String>,
    pub online: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_occurrence: Option<NextOccurrence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// A passage of the description with the matching words in `<b>` (HTML-escaped otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    pub matched: Matched,
    #[serde(skip)]
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub kind: Vec<FacetCount>,
    pub municipality: Vec<FacetCount>,
    pub region: Vec<FacetCount>,
    pub theme: Vec<FacetCount>,
    pub target_group: Vec<FacetCount>,
    pub language: Vec<FacetCount>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    pub total: usize,
    pub items: Vec<SearchHit>,
    pub facets: Facets,
    pub next_cursor: Option<String>,
}

/// The query of one word of the user's text, kept to tell which words a result matched.
pub(crate) struct WordQuery {
    pub word: String,
    pub query: Box<dyn Query>,
    /// An entry of a synonym group rather than a word the user typed.
    pub synonym: bool,
}

pub(crate) struct TextQuery {
    pub query: Box<dyn Query>,
    /// What adds to the score of the documents `query` matches (without finding any).
    pub ranking: Option<Box<dyn Query>>,
    pub words: Vec<WordQuery>,
}

impl TextQuery {
    /// Every term the text query seeks, for highlighting.
    pub fn all_terms(&self) -> Box<dyn Query> {
        match &self.ranking {
            Some(ranking) => Box::new(BooleanQuery::new(vec![
                (Occur::Should, self.query.box_clone()),
                (Occur::Should, ranking.box_clone()),
            ])),
            None => self.query.box_clone(),
        }
    }
}

fn levenshtein(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    if distance <= 1 {
        ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true))
    } else {
        TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true))
    }
}

/// Adapts a Levenshtein DFA to the term dictionary's automaton interface (cloned per segment,
/// hence the `Arc`).
#[derive(Clone)]
struct DfaAutomaton(std::sync::Arc<DFA>);

impl tantivy_fst::Automaton for DfaAutomaton {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

fn doc_freq(searcher: &Searcher, fields: &[Field], text: &str) -> u64 {
    fields
        .iter()
        .map(|f| {
            searcher
                .doc_freq(&Term::from_field_text(*f, text))
                .unwrap_or(0)
        })
        .sum()
}

/// Terms of `field` accepted by an automaton, with their document frequency.
fn terms_matching<A>(searcher: &Searcher, field: Field, automaton: &A, out: &mut Vec<(String, u64)>)
where
    A: tantivy_fst::Automaton + Clone,
    A::State: Clone,
{
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().search(automaton.clone()).into_stream() else {
            continue;
        };
        while stream.advance() {
            let Ok(term) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let df = u64::from(stream.value().doc_freq);
            match out.iter_mut().find(|(t, _)| t == term) {
                Some(known) => known.1 += df,
                None => out.push((term.to_owned(), df)),
            }
        }
    }
}

/// Accepts the terms that start with the given bytes.
#[derive(Clone)]
struct Prefix(Vec<u8>);

impl tantivy_fst::Automaton for Prefix {
    type State = Option<usize>;

    fn start(&self) -> Option<usize> {
        Some(0)
    }

    fn is_match(&self, state: &Option<usize>) -> bool {
        state.is_some_and(|n| n >= self.0.len())
    }

    fn can_match(&self, state: &Option<usize>) -> bool {
        state.is_some()
    }

    fn accept(&self, state: &Option<usize>, byte: u8) -> Option<usize> {
        match *state {
            Some(n) if n >= self.0.len() => Some(n),
            Some(n) if self.0[n] == byte => Some(n + 1),
            _ => None,
        }
    }
}

fn fuzzy_terms(
    searcher: &Searcher,
    fields: &[Field],
    term: &str,
    prefix: bool,
) -> Vec<(String, u64)> {
    let len = term.chars().count();
    let mut found = Vec::new();
    if prefix {
        let automaton = Prefix(term.as_bytes().to_vec());
        for f in fields {
            terms_matching(searcher, *f, &automaton, &mut found);
        }
        // Completions must keep more than half of the word typed (so `sata` does not become `satakunta`).
        found.retain(|(t, _)| t != term && len * 2 > t.chars().count());
        found.sort_by_key(|t| std::cmp::Reverse(t.1));
        found.truncate(MAX_PREFIX_TERMS);
    } else {
        let distance = if len >= 9 { 2 } else { 1 };
        let dfa = DfaAutomaton(std::sync::Arc::new(levenshtein(distance).build_dfa(term)));
        for f in fields {
            terms_matching(searcher, *f, &dfa, &mut found);
        }
        found.retain(|(t, _)| t != term);
        found.sort_by_key(|t| std::cmp::Reverse(t.1));
        found.truncate(MAX_TYPO_TERMS);
    }
    found
}

/// Field weights within one language.
fn weighted_fields(fields: &Fields, lang: TextLang) -> [(Field, f32); 4] {
    let f = fields.lang(lang);
    [
        (f.title, 3.0),
        (f.summary, 1.5),
        (f.description, 1.0),
        (f.labels, 1.2),
    ]
}

fn term_query(field: Field, text: &str, weight: f32) -> Box<dyn Query> {
    let q: Box<dyn Query> = Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ));
    if (weight - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, weight))
    }
}

/// A term searched in every text field of a language.
fn in_language(
    fields: &Fields,
    lang: TextLang,
    term: &str,
    weight: f32,
) -> Vec<(Occur, Box<dyn Query>)> {
    in_language_scoped(fields, lang, term, weight, true)
}

/// The parts of a compound word, all required, each searched in the fields of its language.
fn all_parts(fields: &Fields, lang: TextLang, parts: &[String], weight: f32) -> Box<dyn Query> {
    let must: Vec<(Occur, Box<dyn Query>)> = parts
        .iter()
        .map(|p| {
            // Sought by the intersection: a small union seeks cheaply.
            let part = SmallUnion::new(
                in_language(fields, lang, p, weight)
                    .into_iter()
                    .map(|(_, q)| q)
                    .collect(),
            );
            (Occur::Must, Box::new(part) as Box<dyn Query>)
        })
        .collect();
    Box::new(BooleanQuery::new(must))
}

/// Like [`in_language`]; without descriptions when `descriptions` is false (what a listing is
/// about is in its title, summary and labels).
fn in_language_scoped(
    fields: &Fields,
    lang: TextLang,
    term: &str,
    weight: f32,
    descriptions: bool,
) -> Vec<(Occur, Box<dyn Query>)> {
    let description = fields.lang(lang).description;
    weighted_fields(fields, lang)
        .into_iter()
        .filter(|(field, _)| descriptions || *field != description)
        .map(|(field, w)| (Occur::Should, term_query(field, term, w * weight)))
        .collect()
}

/// The query of one language: its clauses, and the parts of common compounds that only rank
/// the documents the clauses match.
struct LanguageQuery {
    clauses: Vec<(Occur, Box<dyn Query>)>,
    scoring_parts: Vec<(Occur, Box<dyn Query>)>,
}

impl LanguageQuery {
    fn into_query(self) -> Box<dyn Query> {
        with_scoring(self.clauses, self.scoring_parts)
    }
}

/// The union of `clauses`, plus `scoring` on the documents it matches (sought on those alone).
fn with_scoring(
    clauses: Vec<(Occur, Box<dyn Query>)>,
    mut scoring: Vec<(Occur, Box<dyn Query>)>,
) -> Box<dyn Query> {
    let union: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
    if scoring.is_empty() {
        return union;
    }
    scoring.insert(0, (Occur::Must, union));
    Box::new(BooleanQuery::new(scoring))
}

/// Adds `clauses` to what tells whether a result matched `word` (a typed word, or a synonym
/// group's name when `synonym`). A word keeps its place in the query's order from its first
/// clauses; a typed word stays typed when a group shares its name.
fn add_word_query(
    words: &mut Vec<WordQuery>,
    word: String,
    mut clauses: Vec<Box<dyn Query>>,
    synonym: bool,
) {
    let query: Box<dyn Query> = match clauses.len() {
        0 => return,
        1 => clauses.remove(0),
        _ => Box::new(SmallUnion::new(clauses)),
    };
    match words.iter_mut().find(|w| w.word == word) {
        Some(existing) => {
            existing.query = Box::new(SmallUnion::new(vec![existing.query.box_clone(), query]));
            existing.synonym &= synonym;
        }
        None => words.push(WordQuery {
            word,
            query,
            synonym,
        }),
    }
}

/// Builds the text query of `q` for a reader in `lang` (the language of the user interface).
pub(crate) fn text_query(
    searcher: &Searcher,
    fields: &Fields,
    resources: &Resources,
    q: &str,
    lang: TextLang,
) -> TextQuery {
    let raw_words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut words: Vec<WordQuery> = Vec::new();
    let mut all: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    // One query per language; a document scores by its best language, so that a listing
    // written in three languages does not outrank one written in one.
    let mut per_language: Vec<LanguageQuery> = Vec::new();
    let mut groups_seen: Vec<String> = Vec::new();
    let last_raw = raw_words.last().map(|w| fold(w, false));
    let last_position = raw_words.len().saturating_sub(1);
    let num_docs = searcher.num_docs();
    let analysed: Vec<Vec<(usize, Vec<String>)>> = TextLang::ALL
        .iter()
        .map(|l| crate::analysis::analyze_positioned(resources, *l, q))
        .collect();
    // How many listings use each word as a whole, per language, and the most in any language:
    // a word of the index in one language is not a typo to correct in the others, and a word
    // common in one language is not a word still being typed.
    let whole_freqs: Vec<Vec<u64>> = TextLang::ALL
        .iter()
        .zip(&analysed)
        .map(|(l, words)| {
            let lang_fields: Vec<Field> = weighted_fields(fields, *l)
                .iter()
                .map(|(f, _)| *f)
                .collect();
            words
                .iter()
                .map(|(_, terms)| doc_freq(searcher, &lang_fields, &terms[0]))
                .collect()
        })
        .collect();
    let freq_anywhere = |position: usize| -> u64 {
        analysed
            .iter()
            .zip(&whole_freqs)
            .flat_map(|(words, freqs)| {
                words
                    .iter()
                    .zip(freqs)
                    .filter(move |((p, _), _)| *p == position)
                    .map(|(_, f)| *f)
            })
            .max()
            .unwrap_or(0)
    };
    for (l, text_lang) in TextLang::ALL.into_iter().enumerate() {
        let mut language_clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let weight = if text_lang == lang { 1.0 } else { 0.6 };
        let lang_fields: Vec<Field> = weighted_fields(fields, text_lang)
            .iter()
            .map(|(f, _)| *f)
            .collect();
        let word_count = analysed[l].len();
        let mut synonym_stems: Vec<String> = Vec::with_capacity(word_count);
        // Parts of common compounds: they rank the documents matched otherwise.
        let mut scoring_parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Whether any term of this language is in the index (the parts of a rare compound are
        // taken to be): a language that cannot match is left out of the query.
        let mut may_match = false;
        for (i, (position, terms)) in analysed[l].iter().enumerate() {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let whole = &terms[0];
            clauses.extend(in_language(fields, text_lang, whole, weight));
            let whole_clauses = clauses.len();
            let whole_freq = whole_freqs[l][i];
            // All parts of a compound, together, count a little less than the whole word.
            let parts = (terms.len() > 1).then(|| {
                let parts = all_parts(fields, text_lang, &terms[1..], weight);
                Box::new(BoostQuery::new(parts, PARTS_BOOST)) as Box<dyn Query>
            });
            // A compound that many listings use as a word is found as a word; its parts written
            // apart only rank those listings (what a listing is about names them again). A rare
            // one is also found by its parts: "shakkikerho" finds "shakkia ... kerho".
            let parts_find = whole_freq.saturating_mul(COMMON_COMPOUND_SHARE) < num_docs;
            may_match |= whole_freq > 0 || (parts.is_some() && parts_find);
            if let Some(parts) = parts.as_ref().filter(|_| !parts_find) {
                scoring_parts.push((Occur::Should, parts.box_clone()));
            }
            let anywhere = freq_anywhere(*position);
            // What the word most likely means when it is not a word of the index: the most
            // frequent near term (a typo, an inflection the stemmer missed) or completion.
            let mut best_guess: Option<String> = None;
            if anywhere == 0 && whole.chars().count() >= 5 {
                for (candidate, _) in fuzzy_terms(searcher, &lang_fields, whole, false) {
                    may_match = true;
                    clauses.extend(in_language(fields, text_lang, &candidate, weight * 0.5));
                    best_guess.get_or_insert(candidate);
                }
            }
            let is_last = *position == last_position;
            // Completions of the last word, unless it is already a common word of the index.
            if let Some(raw) = last_raw
                .as_ref()
                .filter(|r| is_last && anywhere < 3 && r.chars().count() >= 3)
            {
                let prefix_fields: Vec<Field> = [
                    fields.lang(text_lang).title,
                    fields.lang(text_lang).summary,
                    fields.lang(text_lang).labels,
                ]
                .to_vec();
                let mut completions = fuzzy_terms(searcher, &prefix_fields, raw, true).into_iter();
                if let Some((top, _)) = completions.next() {
                    may_match = true;
                    clauses.extend(in_language(fields, text_lang, &top, weight * 0.5));
                    // For the word being typed, the likeliest completion beats a near term.
                    if whole_freq == 0 {
                        best_guess = Some(top);
                    }
                }
                for (completion, _) in completions {
                    clauses.extend(in_language(fields, text_lang, &completion, weight * 0.5));
                }
            }
            synonym_stems.push(best_guess.unwrap_or_else(|| whole.clone()));
            // Which results matched the word is found by seeking, which a small union does
            // cheaply; the main query keeps the buffered union, faster to run through. Only the
            // terms that can tell are sought: not the whole word where no listing uses it, nor
            // the parts of a common compound (they find no result on their own).
            let mut word_clauses: Vec<Box<dyn Query>> = clauses
                .iter()
                .skip(if whole_freq == 0 { whole_clauses } else { 0 })
                .map(|(_, q)| q.box_clone())
                .collect();
            if let Some(parts) = parts.filter(|_| parts_find) {
                word_clauses.push(parts.box_clone());
                clauses.push((Occur::Should, parts));
            }
            let word = raw_words
                .get(*position)
                .cloned()
                .unwrap_or_else(|| whole.clone());
            // Flat: a union of unions sums the same scores but pays a level of buffering per
            // document, and a union of term queries alone runs without dynamic dispatch.
            language_clauses.extend(clauses);
            add_word_query(&mut words, word, word_clauses, false);
        }
        // Synonym groups of words or phrases of the query in this language, and broader
        // concepts (related activities, counting less and only where a listing says what it is
        // about: title, summary, labels). The index records the groups each listing contains,
        // so a group is one term per kind of text however many entries it has.
        let synonym_groups = resources
            .synonyms
            .groups_of_query(text_lang, &synonym_stems)
            .into_iter()
            .map(|g| {
                let name = resources.synonyms.group_name(g, lang);
                (format!("s{g}"), name, SYNONYM_BOOST, true)
            });
        let concept_groups = resources
            .concepts
            .groups_of_query(text_lang, &synonym_stems)
            .into_iter()
            .map(|g| {
                let name = resources.concepts.group_name(g, lang);
                (format!("c{g}"), name, CONCEPT_BOOST, false)
            });
        for (token, name, boost, descriptions) in synonym_groups.chain(concept_groups) {
            if groups_seen.contains(&token) {
                continue;
            }
            let g = &fields.groups;
            let mut kinds = vec![(g.title, 3.0), (g.summary, 1.5), (g.labels, 1.2)];
            if descriptions {
                kinds.push((g.description, 1.0));
            }
            let clauses: Vec<Box<dyn Query>> = kinds
                .iter()
                .map(|(field, weight)| term_query(*field, &token, *weight))
                .collect();
            // Into the main union directly, the group's weight on each kind of text.
            all.extend(kinds.iter().map(|(field, weight)| {
                (Occur::Should, term_query(*field, &token, weight * boost))
            }));
            groups_seen.push(token);
            // A group named like a word of the query counts as that word.
            add_word_query(&mut words, name.to_owned(), clauses, true);
        }
        if may_match {
            per_language.push(LanguageQuery {
                clauses: language_clauses,
                scoring_parts,
            });
        }
    }
    // Parts that rank whatever the rest of the query matched.
    let mut ranking = None;
    if per_language.len() == 1 {
        // One language: the best of one is itself. Its term queries go straight into the main
        // union (the same sum, one level of buffering less, and without dynamic dispatch when
        // every clause is a term query).
        let only = per_language.remove(0);
        all.extend(only.clauses);
        if !only.scoring_parts.is_empty() {
            let parts: Box<dyn Query> = Box::new(BooleanQuery::new(only.scoring_parts));
            ranking = Some(parts);
        }
    } else if !per_language.is_empty() {
        let queries = per_language
            .into_iter()
            .map(LanguageQuery::into_query)
            .collect();
        all.push((
            Occur::Should,
            Box::new(DisjunctionMaxQuery::with_tie_breaker(queries, 0.2)),
        ));
    }
    // Names of organisations and places, without stemming.
    for word in &raw_words {
        let folded = fold(word, false);
        let names = [(fields.organisation, 2.0), (fields.place, 1.0)];
        all.extend(
            names
                .iter()
                .map(|(field, weight)| (Occur::Should, term_query(*field, &folded, *weight))),
        );
        let clauses = names
            .iter()
            .map(|(field, weight)| term_query(*field, &folded, *weight))
            .collect();
        add_word_query(&mut words, word.clone(), clauses, false);
    }
    TextQuery {
        query: Box::new(BooleanQuery::new(all)),
        ranking,
        words,
    }
}
