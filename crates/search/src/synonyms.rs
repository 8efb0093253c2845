//! Multilingual synonym groups (`search-index/synonyms.txt`): a query that contains one entry of a
//! group is expanded with the other entries, each searched in its own language's fields.

use crate::analysis::TextLang;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashMap;

/// One entry of a group: its language and the stems of its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub lang: TextLang,
    pub text: String,
    pub stems: Vec<String>,
    /// The entry as its language's analyzer sees it (per word: whole term, then parts).
    pub words: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    groups: Vec<Vec<Entry>>,
    /// (language, first stem of an entry) → (group, entry): the entries a query word can start.
    by_first_stem: HashMap<(TextLang, String), Vec<(usize, usize)>>,
    /// (language, first term or first compound part of an entry's first word) → (group, entry):
    /// the entries a term of a listing can start.
    /// Per language (in the order of `TextLang::ALL`).
    by_first_term: [FxHashMap<String, Vec<(usize, usize)>>; 3],
}

fn lang_slot(lang: TextLang) -> usize {
    TextLang::ALL.iter().position(|l| *l == lang).unwrap_or(0)
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

impl Synonyms {
    pub fn parse(text: &str, resources: &crate::Resources) -> Self {
        let groups: Vec<Vec<Entry>> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|line| {
                line.split(" | ")
                    .filter_map(|entry| {
                        let (code, phrase) = entry.trim().split_once(':')?;
                        let lang = TextLang::ALL.into_iter().find(|l| l.code() == code)?;
                        let m = resources.morphology(lang);
                        let stems: Vec<String> = words(phrase).map(|w| m.stem(&w)).collect();
                        (!stems.is_empty()).then(|| Entry {
                            lang,
                            text: phrase.trim().to_owned(),
                            words: crate::analysis::analyze(resources, lang, phrase),
                            stems,
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|g| g.len() > 1)
            .collect();
        let mut by_first_stem: HashMap<(TextLang, String), Vec<(usize, usize)>> = HashMap::new();
        let mut by_first_term: [FxHashMap<String, Vec<(usize, usize)>>; 3] = Default::default();
        for (g, group) in groups.iter().enumerate() {
            for (e, entry) in group.iter().enumerate() {
                if let Some(first) = entry.stems.first() {
                    by_first_stem
                        .entry((entry.lang, first.clone()))
                        .or_default()
                        .push((g, e));
                }
                for term in entry
                    .words
                    .first()
                    .into_iter()
                    .flat_map(|w| w.iter().take(2))
                {
                    let starts = by_first_term[lang_slot(entry.lang)]
                        .entry(term.clone())
                        .or_default();
                    if !starts.contains(&(g, e)) {
                        starts.push((g, e));
                    }
                }
            }
        }
        Self {
            groups,
            by_first_stem,
            by_first_term,
        }
    }

    /// The groups with an entry of `lang` found in a text whose terms (whole words and compound
    /// parts, as the analyzer of `lang` makes them) are `terms`: every word of the entry is a
    /// term of the text, or, with `compound_parts`, all of the word's parts are.
    pub fn groups_in(
        &self,
        lang: TextLang,
        terms: &FxHashSet<&str>,
        compound_parts: bool,
    ) -> Vec<usize> {
        let word_found = |word: &Vec<String>| {
            terms.contains(word[0].as_str())
                || (compound_parts
                    && word.len() > 1
                    && word[1..].iter().all(|p| terms.contains(p.as_str())))
        };
        let by_first_term = &self.by_first_term[lang_slot(lang)];
        let mut found: Vec<usize> = Vec::new();
        for term in terms {
            let Some(starts) = by_first_term.get(*term) else {
                continue;
            };
            for &(g, e) in starts {
                let entry = &self.groups[g][e];
                if !found.contains(&g)
                    && !entry.words.is_empty()
                    && entry.words.iter().all(|w| !w.is_empty() && word_found(w))
                {
                    found.push(g);
                }
            }
        }
        found.sort_unstable();
        found
    }

    /// The groups that have an entry contained (as consecutive words) in a query whose words
    /// stem to `query_stems` in `lang`.
    pub fn groups_of_query(&self, lang: TextLang, query_stems: &[String]) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        for (start, stem) in query_stems.iter().enumerate() {
            let Some(candidates) = self.by_first_stem.get(&(lang, stem.clone())) else {
                continue;
            };
            for &(g, e) in candidates {
                let entry = &self.groups[g][e];
                if query_stems.get(start..start + entry.stems.len()) == Some(entry.stems.as_slice())
                    && !found.contains(&g)
                {
                    found.push(g);
                }
            }
        }
        found.sort_unstable();
        found
    }

    /// How a group is named to a reader of `lang`: its first entry in that language, else its
    /// first entry.
    pub fn group_name(&self, group: usize, lang: TextLang) -> &str {
        let entries = &self.groups[group];
        entries
            .iter()
            .find(|e| e.lang == lang)
            .or(entries.first())
            .map_or("", |e| e.text.as_str())
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.groups.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_in_one_language_brings_the_others() {
        let resources = crate::Resources::builtin();
        let s = Synonyms::parse(
            "# comment\nfi:kielikahvila | sv:språkcafé | en:language café\nfi:läksykerho | en:homework club\n",
            &resources,
        );
        assert_eq!(s.len(), 2);
        let en = resources.morphology(TextLang::En);
        let query: Vec<String> = ["a", "language", "cafes"]
            .iter()
            .map(|w| en.stem(w))
            .collect();
        assert_eq!(s.groups_of_query(TextLang::En, &query), [0]);
        assert_eq!(s.group_name(0, TextLang::Sv), "språkcafé");
        assert_eq!(
            s.group_name(1, TextLang::Sv),
            "läksykerho",
            "no Swedish entry"
        );
        let fi = resources.morphology(TextLang::Fi);
        let query: Vec<String> = vec![fi.stem("kielikahvilaan")];
        assert_eq!(
            s.groups_of_query(TextLang::Fi, &query),
            [0],
            "inflected forms match by stem"
        );
        assert!(s.groups_of_query(TextLang::Sv, &query).is_empty());
    }

    /// A listing's text contains a group when it contains one of its entries: every word, or
    /// with compound parts all the parts of a word.
    #[test]
    fn groups_found_in_a_listing_text() {
        let resources = crate::Resources::builtin();
        let s = Synonyms::parse(
            "fi:kielikahvila | sv:språkcafé | en:language café
fi:läksykerho | en:homework club
",
            &resources,
        );
        let found = |lang: TextLang, text: &str, parts: bool| {
            let terms: Vec<String> = crate::analysis::analyze(&resources, lang, text)
                .into_iter()
                .flatten()
                .collect();
            let terms: FxHashSet<&str> = terms.iter().map(String::as_str).collect();
            s.groups_in(lang, &terms, parts)
        };
        assert_eq!(
            found(TextLang::En, "Our homework clubs meet weekly", true),
            [1]
        );
        assert_eq!(
            found(
                TextLang::En,
                "Homework on your own, then a club for chess",
                true
            ),
            [1],
            "the words of an entry need not stand together"
        );
        assert!(
            found(TextLang::En, "a club", true).is_empty(),
            "one word of two"
        );
        assert_eq!(
            found(TextLang::Fi, "Tervetuloa kielikahvilaan!", false),
            [0]
        );
        assert_eq!(
            found(TextLang::Sv, "Välkommen till vårt språkcafé", true),
            [0]
        );
        assert!(
            found(TextLang::Sv, "homework club", true).is_empty(),
            "entries keep their language"
        );
    }
}
