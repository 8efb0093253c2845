//! Analyzer resources shipped in `search-index/`: compound word lists and multilingual synonyms.

use crate::analysis::{Morphology, TextLang};
use crate::synonyms::Synonyms;

const COMPOUNDS_FI: &str = include_str!("../../../search-index/compounds-fi.txt");
const COMPOUNDS_SV: &str = include_str!("../../../search-index/compounds-sv.txt");
const SYNONYMS: &str = include_str!("../../../search-index/synonyms.txt");
const CONCEPTS: &str = include_str!("../../../search-index/concepts.txt");

/// Everything the analyzers and the query builder need, loaded once.
#[derive(Clone)]
pub struct Resources {
    pub(crate) fi: Morphology,
    pub(crate) sv: Morphology,
    pub(crate) en: Morphology,
    pub(crate) synonyms: Synonyms,
    /// Broader groups of related activities, weighted below synonyms.
    pub(crate) concepts: Synonyms,
    /// Built analyzers (building one makes its stop word set), cloned for each use.
    analyzers: [tantivy::tokenizer::TextAnalyzer; 3],
}

impl Resources {
    /// The resources compiled into the binary.
    pub fn builtin() -> Self {
        let fi = Morphology::new(TextLang::Fi, COMPOUNDS_FI);
        let sv = Morphology::new(TextLang::Sv, COMPOUNDS_SV);
        let en = Morphology::new(TextLang::En, "");
        let analyzers = [
            crate::analysis::analyzer(fi.clone()),
            crate::analysis::analyzer(sv.clone()),
            crate::analysis::analyzer(en.clone()),
        ];
        let mut resources = Self {
            fi,
            sv,
            en,
            synonyms: Synonyms::default(),
            concepts: Synonyms::default(),
            analyzers,
        };
        resources.synonyms = Synonyms::parse(SYNONYMS, &resources);
        resources.concepts = Synonyms::parse(CONCEPTS, &resources);
        resources
    }

    /// A ready analyzer of the language.
    pub fn analyzer(&self, lang: TextLang) -> tantivy::tokenizer::TextAnalyzer {
        let i = TextLang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
        self.analyzers[i].clone()
    }

    pub fn morphology(&self, lang: TextLang) -> &Morphology {
        match lang {
            TextLang::Fi => &self.fi,
            TextLang::Sv => &self.sv,
            TextLang::En => &self.en,
        }
    }

    /// A fingerprint of the resources: an index built with other resources must be rebuilt.
    pub fn fingerprint() -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for text in [COMPOUNDS_FI, COMPOUNDS_SV, SYNONYMS, CONCEPTS] {
            for byte in text.bytes() {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        hash
    }
}
