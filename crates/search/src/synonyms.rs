//! Multilingual synonym groups (`search-index/synonyms.txt`): a query that contains one entry of a
//! group is expanded with the other entries, each searched in its own language's fields.

use crate::analysis::TextLang;

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
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

impl Synonyms {
    pub fn parse(text: &str, resources: &crate::Resources) -> Self {
        let groups = text
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
        Self { groups }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// The entries to add for a query whose words stem to `query_stems` in `lang`: every other
    /// entry of each group that has an entry contained (as consecutive words) in the query.
    /// Per matching group, its other entries.
    pub fn expansions(&self, lang: TextLang, query_stems: &[String]) -> Vec<Vec<&Entry>> {
        let mut out: Vec<Vec<&Entry>> = Vec::new();
        for group in &self.groups {
            let hit = group.iter().find(|e| {
                e.lang == lang
                    && !e.stems.is_empty()
                    && query_stems
                        .windows(e.stems.len())
                        .any(|w| w == e.stems.as_slice())
            });
            if let Some(hit) = hit {
                out.push(group.iter().filter(|entry| *entry != hit).collect());
            }
        }
        out
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
