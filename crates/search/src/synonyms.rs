//! Multilingual synonym groups (`search-index/synonyms.txt`): a query that contains one entry of a
//! group is expanded with the other entries, each searched in its own language's fields.

use crate::analysis::TextLang;
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
        for (g, group) in groups.iter().enumerate() {
            for (e, entry) in group.iter().enumerate() {
                if let Some(first) = entry.stems.first() {
                    by_first_stem
                        .entry((entry.lang, first.clone()))
                        .or_default()
                        .push((g, e));
                }
            }
        }
        Self {
            groups,
            by_first_stem,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// The entries to add for a query whose words stem to `query_stems` in `lang`: every other
    /// entry of each group that has an entry contained (as consecutive words) in the query.
    /// Per matching group, its other entries.
    pub fn expansions(&self, lang: TextLang, query_stems: &[String]) -> Vec<Vec<&Entry>> {
        // The first entry of each group found at some position of the query, in group order.
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for (start, stem) in query_stems.iter().enumerate() {
            let Some(candidates) = self.by_first_stem.get(&(lang, stem.clone())) else {
                continue;
            };
            for &(g, e) in candidates {
                let entry = &self.groups[g][e];
                let fits = query_stems.get(start..start + entry.stems.len())
                    == Some(entry.stems.as_slice());
                if fits {
                    match hits.iter_mut().find(|(hg, _)| *hg == g) {
                        Some(known) => known.1 = known.1.min(e),
                        None => hits.push((g, e)),
                    }
                }
            }
        }
        hits.sort_unstable();
        hits.into_iter()
            .map(|(g, e)| {
                self.groups[g]
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != e)
                    .map(|(_, entry)| entry)
                    .collect()
            })
            .collect()
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
        let groups = s.expansions(TextLang::En, &query);
        assert_eq!(groups.len(), 1);
        let got: Vec<&str> = groups[0].iter().map(|e| e.text.as_str()).collect();
        assert_eq!(got, ["kielikahvila", "språkcafé"]);
        let fi = resources.morphology(TextLang::Fi);
        let query: Vec<String> = vec![fi.stem("kielikahvilaan")];
        assert_eq!(
            s.expansions(TextLang::Fi, &query).concat().len(),
            2,
            "inflected forms match by stem"
        );
    }
}
