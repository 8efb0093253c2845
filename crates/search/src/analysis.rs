//! Text analysis for Finnish, Swedish and English: tokenising, lowercasing, stop words,
//! decompounding (Finnish and Swedish glue words together: *kielikahvila*, *svenskakurs*),
//! Snowball stemming and folding to ASCII. The same analyzer runs at index and query time.
//!
//! Per word the analyzer emits, at one position: the stem of the whole word, then the stems of
//! its parts when the word splits into parts that are all in the language's word list
//! (`search-index/compounds-*.txt`). `kurs` thus finds `svenskakurs`, while `konkurs` stays whole.

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};

/// Shortest piece a compound may be split into.
const MIN_PART: usize = 3;
/// Shortest word worth trying to split.
const MIN_COMPOUND: usize = 6;
/// Longest token kept (bytes; Finnish compounds with ä/ö are long).
const MAX_TOKEN_BYTES: usize = 120;
/// Words whose terms each thread remembers per word list, before it starts over.
const MEMO_WORDS: usize = 50_000;

/// Tells word lists apart in the per-thread memo.
static NEXT_MORPHOLOGY: AtomicU64 = AtomicU64::new(0);

type TermsMemo = FxHashMap<u64, FxHashMap<String, Arc<[String]>>>;

thread_local! {
    /// The terms of words analysed lately on this thread, per word list. Texts share most of
    /// their words, and splitting and stemming a word costs far more than looking it up.
    static TERMS_MEMO: RefCell<TermsMemo> = RefCell::new(FxHashMap::default());
    /// The same, per word as written (before lowercasing and stop words), for highlighting.
    static WORDS_MEMO: RefCell<TermsMemo> = RefCell::new(FxHashMap::default());
}

/// The terms of `word` in `memo` under word list `key`, made by `analyse` when not there yet.
fn remembered(
    memo: &'static std::thread::LocalKey<RefCell<TermsMemo>>,
    key: u64,
    word: &str,
    analyse: impl FnOnce() -> Vec<String>,
) -> Arc<[String]> {
    let known = memo.with_borrow(|memo| memo.get(&key).and_then(|words| words.get(word)).cloned());
    if let Some(terms) = known {
        return terms;
    }
    let terms: Arc<[String]> = analyse().into();
    memo.with_borrow_mut(|memo| {
        let words = memo.entry(key).or_default();
        if words.len() >= MEMO_WORDS {
            words.clear();
        }
        words.insert(word.to_owned(), terms.clone());
    });
    terms
}

/// The languages with their own analyzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextLang {
    Fi,
    Sv,
    En,
}

impl TextLang {
    pub const ALL: [TextLang; 3] = [TextLang::Fi, TextLang::Sv, TextLang::En];

    pub fn from_domain(lang: kynnys_domain::Lang) -> Self {
        match lang {
            kynnys_domain::Lang::Fi => TextLang::Fi,
            kynnys_domain::Lang::Sv => TextLang::Sv,
            kynnys_domain::Lang::En => TextLang::En,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            TextLang::Fi => "fi",
            TextLang::Sv => "sv",
            TextLang::En => "en",
        }
    }

    /// Name of the registered tokenizer.
    pub fn analyzer_name(self) -> &'static str {
        match self {
            TextLang::Fi => "kynnys_fi",
            TextLang::Sv => "kynnys_sv",
            TextLang::En => "kynnys_en",
        }
    }

    fn stemmer(self) -> frostem::Algorithm {
        match self {
            TextLang::Fi => frostem::Algorithm::Finnish,
            TextLang::Sv => frostem::Algorithm::Swedish,
            TextLang::En => frostem::Algorithm::English,
        }
    }

    fn stop_words(self) -> Language {
        match self {
            TextLang::Fi => Language::Finnish,
            TextLang::Sv => Language::Swedish,
            TextLang::En => Language::English,
        }
    }

    /// Letters that may join two parts of a compound (Swedish *samtal-s-grupp*).
    fn linking_letters(self) -> &'static [char] {
        match self {
            TextLang::Sv => &['s', 'e'],
            TextLang::Fi | TextLang::En => &[],
        }
    }

    /// Inflection endings allowed after the last part of a compound.
    fn endings(self) -> &'static [&'static str] {
        match self {
            TextLang::Fi => &[
                "n", "t", "a", "ä", "na", "nä", "ssa", "ssä", "sta", "stä", "lla", "llä", "lta",
                "ltä", "lle", "ksi", "an", "en", "in", "on", "un", "yn", "än", "ön", "aan", "ään",
                "een", "iin", "oon", "uun", "yyn", "öön", "seen", "hin", "ta", "tä", "ja", "jä",
                "jen", "ien", "iden", "ineen", "ina", "inä", "issa", "issä", "ista", "istä",
                "illa", "illä", "ilta", "iltä", "ille", "ihin", "kin", "ni", "si", "nsa", "nsä",
                "mme", "nne", "tta", "ttä", "ine", "ita", "itä", "ia", "iä",
            ],
            TextLang::Sv => &[
                "s", "n", "t", "r", "e", "en", "et", "er", "ar", "or", "na", "ns", "ens", "ets",
                "ers", "ena", "arna", "erna", "orna", "arnas", "ernas", "ornas",
            ],
            TextLang::En => &[],
        }
    }
}

/// Folds letters to ASCII. With `keep_nordic`, å, ä and ö stay (the Finnish and Swedish
/// stemmers need them); everything else (é, ü, ß…) is folded.
pub fn fold(text: &str, keep_nordic: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'å' | 'ä' | 'ö' if keep_nordic => out.push(c),
            'å' | 'ä' | 'à' | 'á' | 'â' | 'ã' | 'ā' => out.push('a'),
            'ö' | 'ø' | 'ò' | 'ó' | 'ô' | 'õ' | 'ō' => out.push('o'),
            'é' | 'è' | 'ê' | 'ë' | 'ē' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' | 'ī' => out.push('i'),
            'ú' | 'ù' | 'û' | 'ü' | 'ū' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ç' | 'č' => out.push('c'),
            'š' => out.push('s'),
            'ž' => out.push('z'),
            'ñ' => out.push('n'),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            _ => out.push(c),
        }
    }
    out
}

const VOWELS: [char; 9] = ['a', 'e', 'i', 'o', 'u', 'y', 'å', 'ä', 'ö'];

/// Evens out what the Snowball stemmers leave of Finnish and Swedish stems: the plural `i`
/// after a vowel (*kahviloi-ssa*), then a final vowel (*kahvila* / *kahviloi*, *café* /
/// *caféet*), so that the forms of one word meet. Stems keep at least three letters.
fn trim_stem_vowels(stem: &mut String) {
    let count = stem.chars().count();
    let mut chars: Vec<char> = stem.chars().collect();
    if count > 4
        && chars.last() == Some(&'i')
        && chars.get(count - 2).is_some_and(|c| VOWELS.contains(c))
    {
        chars.pop();
    }
    if chars.len() > 3 && chars.last().is_some_and(|c| VOWELS.contains(c)) {
        chars.pop();
    }
    *stem = chars.into_iter().collect();
}

/// The word-level part of an analyzer: stemming and decompounding of one lowercase word.
#[derive(Clone)]
pub struct Morphology {
    lang: TextLang,
    parts: Arc<HashSet<String>>,
    stemmer: Arc<frostem::Stemmer>,
    /// This word list's key in the per-thread memo.
    memo_key: u64,
}

impl Morphology {
    pub fn new(lang: TextLang, word_list: &str) -> Self {
        let parts = word_list
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| fold(&l.to_lowercase(), true))
            .filter(|w| w.chars().count() >= MIN_PART)
            .collect();
        Self {
            lang,
            parts: Arc::new(parts),
            stemmer: Arc::new(frostem::Stemmer::new(lang.stemmer())),
            memo_key: NEXT_MORPHOLOGY.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub fn lang(&self) -> TextLang {
        self.lang
    }

    /// Stem and fold one lowercase word.
    pub fn stem(&self, word: &str) -> String {
        let prepared = fold(word, true);
        let mut stem = self.stemmer.stem(&prepared).into_owned();
        // Swedish loanwords in -é take the definite -et (caféet, idéet), which Snowball keeps.
        if self.lang == TextLang::Sv && stem.ends_with("eet") {
            stem.truncate(stem.len() - 2);
        }
        if matches!(self.lang, TextLang::Fi | TextLang::Sv) {
            trim_stem_vowels(&mut stem);
        }
        fold(&stem, false)
    }

    /// The parts of a compound word (lowercase), if it splits into known parts; the last part
    /// keeps its inflection ending. Fewest parts win.
    pub fn split(&self, word: &str) -> Option<Vec<String>> {
        if self.parts.is_empty() || word.chars().count() < MIN_COMPOUND {
            return None;
        }
        let word = fold(word, true);
        let chars: Vec<char> = word.chars().collect();
        let n = chars.len();
        let relax = |slot: &mut Option<Vec<(usize, usize)>>, pieces: Vec<(usize, usize)>| {
            if slot.as_ref().is_none_or(|known| pieces.len() < known.len()) {
                *slot = Some(pieces);
            }
        };
        // best[i]: the fewest pieces covering chars[..i].
        let mut best: Vec<Option<Vec<(usize, usize)>>> = vec![None; n + 1];
        best[0] = Some(Vec::new());
        for start in 0..n {
            let Some(before) = best[start].clone() else {
                continue;
            };
            let mut starts = vec![start];
            // A linking letter may join a part to the previous one.
            if start > 0 && self.lang.linking_letters().contains(&chars[start]) {
                starts.push(start + 1);
            }
            for from in starts {
                for end in (from + MIN_PART)..=n {
                    let piece: String = chars[from..end].iter().collect();
                    if !self.parts.contains(&piece) {
                        continue;
                    }
                    let mut pieces = before.clone();
                    pieces.push((from, end));
                    // The last part may carry an inflection ending.
                    if end < n {
                        let rest: String = chars[end..].iter().collect();
                        if self.lang.endings().contains(&rest.as_str()) {
                            let mut inflected = pieces.clone();
                            if let Some(last) = inflected.last_mut() {
                                last.1 = n;
                            }
                            relax(&mut best[n], inflected);
                        }
                    }
                    relax(&mut best[end], pieces);
                }
            }
        }
        let split = best[n].take()?;
        if split.len() < 2 {
            return None;
        }
        Some(
            split
                .into_iter()
                .map(|(a, b)| chars[a..b].iter().collect())
                .collect(),
        )
    }

    /// The terms of one word: the whole word's stem first, then the stems of its parts.
    pub fn terms(&self, word: &str) -> Vec<String> {
        self.memoized_terms(word).to_vec()
    }

    /// [`Self::terms`], remembered per thread.
    fn memoized_terms(&self, word: &str) -> Arc<[String]> {
        remembered(&TERMS_MEMO, self.memo_key, word, || self.analyse_word(word))
    }

    /// The terms that `analyzer` (this word list's analyzer) makes of `word`, a word as the
    /// text tokenizer cuts it: none for a stop word or an overlong word. Remembered per thread,
    /// so that highlighting a word seen before costs a lookup.
    pub(crate) fn word_terms(
        &self,
        analyzer: impl FnOnce() -> TextAnalyzer,
        word: &str,
    ) -> Arc<[String]> {
        remembered(&WORDS_MEMO, self.memo_key, word, || {
            tokens(&mut analyzer(), word)
                .into_iter()
                .map(|token| token.text)
                .collect()
        })
    }

    fn analyse_word(&self, word: &str) -> Vec<String> {
        let mut terms = vec![self.stem(word)];
        if let Some(parts) = self.split(word) {
            for part in parts {
                let stem = self.stem(&part);
                if !terms.contains(&stem) {
                    terms.push(stem);
                }
            }
        }
        terms
    }
}

/// Token filter applying [`Morphology`] to every token.
#[derive(Clone)]
struct MorphologyFilter(Morphology);

impl TokenFilter for MorphologyFilter {
    type Tokenizer<T: Tokenizer> = MorphologyTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MorphologyTokenizer<T> {
        MorphologyTokenizer {
            inner: tokenizer,
            morphology: self.0,
        }
    }
}

#[derive(Clone)]
pub struct MorphologyTokenizer<T> {
    inner: T,
    morphology: Morphology,
}

impl<T: Tokenizer> Tokenizer for MorphologyTokenizer<T> {
    type TokenStream<'a> = MorphologyStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MorphologyStream {
            inner: self.inner.token_stream(text),
            morphology: &self.morphology,
            pending: Vec::new(),
            current: Token::default(),
        }
    }
}

pub struct MorphologyStream<'a, S> {
    inner: S,
    morphology: &'a Morphology,
    /// Tokens still to emit for the current word, in reverse order.
    pending: Vec<Token>,
    current: Token,
}

impl<S: TokenStream> TokenStream for MorphologyStream<'_, S> {
    fn advance(&mut self) -> bool {
        if let Some(next) = self.pending.pop() {
            self.current = next;
            return true;
        }
        if !self.inner.advance() {
            return false;
        }
        let token = self.inner.token();
        let terms = self.morphology.memoized_terms(&token.text);
        // Built field by field: cloning the word's token would copy its text only to drop it.
        let at = |text: String| Token {
            offset_from: token.offset_from,
            offset_to: token.offset_to,
            position: token.position,
            text,
            position_length: token.position_length,
        };
        for text in terms.iter().skip(1).rev() {
            self.pending.push(at(text.clone()));
        }
        // The current token's text buffer is reused for the whole word's term.
        let mut text = std::mem::take(&mut self.current.text);
        text.clear();
        text.push_str(terms.first().map_or("", String::as_str));
        self.current = at(text);
        true
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// Builds the analyzer of a language.
pub fn analyzer(morphology: Morphology) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser);
    match StopWordFilter::new(morphology.lang().stop_words()) {
        Some(stop) => builder
            .filter(stop)
            .filter(MorphologyFilter(morphology))
            .build(),
        None => builder.filter(MorphologyFilter(morphology)).build(),
    }
}

/// Name of the analyzer for names and codes: lowercased and folded, no stemming.
pub const PLAIN_ANALYZER: &str = "kynnys_plain";

#[derive(Clone)]
struct FoldFilter;

impl TokenFilter for FoldFilter {
    type Tokenizer<T: Tokenizer> = FoldTokenizer<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> FoldTokenizer<T> {
        FoldTokenizer(tokenizer)
    }
}

#[derive(Clone)]
pub struct FoldTokenizer<T>(T);

impl<T: Tokenizer> Tokenizer for FoldTokenizer<T> {
    type TokenStream<'a> = FoldStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        FoldStream(self.0.token_stream(text))
    }
}

pub struct FoldStream<S>(S);

impl<S: TokenStream> TokenStream for FoldStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let token = self.0.token_mut();
        token.text = fold(&token.text, false);
        true
    }
    fn token(&self) -> &Token {
        self.0.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

pub fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(FoldFilter)
        .build()
}

/// The terms a language's analyzer makes of `text`, per word: the whole word's term first, then
/// its compound parts (for tuning the word lists: `kynnys bench analyze`).
pub fn analyze(resources: &crate::Resources, lang: TextLang, text: &str) -> Vec<Vec<String>> {
    analyze_positioned(resources, lang, text)
        .into_iter()
        .map(|(_, terms)| terms)
        .collect()
}

/// Like [`analyze`], each word with its position among the words of the text (stop words
/// leave gaps).
pub(crate) fn analyze_positioned(
    resources: &crate::Resources,
    lang: TextLang,
    text: &str,
) -> Vec<(usize, Vec<String>)> {
    let mut analyzer = resources.analyzer(lang);
    let mut words: Vec<(usize, Vec<String>)> = Vec::new();
    for token in tokens(&mut analyzer, text) {
        match words.last_mut() {
            Some((position, terms)) if *position == token.position => terms.push(token.text),
            _ => words.push((token.position, vec![token.text])),
        }
    }
    words
}

/// Runs an analyzer over a text and returns its tokens.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fi() -> Morphology {
        Morphology::new(
            TextLang::Fi,
            "kieli\nkahvila\nläksy\nkerho\nnaisten\nryhmä\nsatu\ntuokio\n",
        )
    }

    fn sv() -> Morphology {
        Morphology::new(
            TextLang::Sv,
            "svenska\nkurs\nspråk\ncafé\nsamtal\ngrupp\nföräldra\n",
        )
    }

    #[test]
    fn compounds_split_into_known_parts_only() {
        assert_eq!(
            fi().split("kielikahvila"),
            Some(vec!["kieli".into(), "kahvila".into()])
        );
        assert_eq!(
            fi().split("kielikahvilaan"),
            Some(vec!["kieli".into(), "kahvilaan".into()])
        );
        assert_eq!(
            fi().split("läksykerho"),
            Some(vec!["läksy".into(), "kerho".into()])
        );
        assert_eq!(fi().split("satakunta"), None);
        assert_eq!(
            sv().split("svenskakurs"),
            Some(vec!["svenska".into(), "kurs".into()])
        );
        assert_eq!(
            sv().split("samtalsgrupp"),
            Some(vec!["samtal".into(), "grupp".into()])
        );
        assert_eq!(sv().split("konkurs"), None);
        assert_eq!(sv().split("kurs"), None);
    }

    #[test]
    fn a_part_query_finds_the_compound_and_not_the_look_alike() {
        let sv = sv();
        let kurs = sv.terms("kurs");
        assert!(sv.terms("svenskakurs").contains(&kurs[0]));
        assert!(!sv.terms("konkurs").contains(&kurs[0]));
        let fi = fi();
        let kahvila = fi.terms("kahvila");
        assert!(fi.terms("kielikahvilaan").contains(&kahvila[0]));
        assert_eq!(
            fi.terms("kielikahvilaan")[0],
            fi.terms("kielikahvila")[0],
            "inflection"
        );
    }

    #[test]
    fn inflected_forms_meet_at_one_stem() {
        let fi = fi();
        for form in ["kahvilassa", "kahviloissa", "kahviloita", "kahvilat"] {
            assert_eq!(fi.stem(form), fi.stem("kahvila"), "{form}");
        }
        let sv = sv();
        for form in ["caféet", "caféer", "cafeerna"] {
            assert_eq!(sv.stem(form), sv.stem("café"), "{form}");
        }
    }

    #[test]
    fn folding_keeps_nordic_letters_for_stemming_only() {
        assert_eq!(fold("Café Ääni", true), "Cafe Ääni");
        assert_eq!(fold("café ääni", false), "cafe aani");
        let sv = sv();
        assert_eq!(sv.stem("familjekafé"), sv.stem("familjekafe"));
    }

    #[test]
    fn analyzers_drop_stop_words_and_emit_parts_at_the_same_position() {
        let mut a = analyzer(sv());
        let t = tokens(&mut a, "En kurs och en svenskakurs");
        let texts: Vec<(&str, usize)> = t.iter().map(|t| (t.text.as_str(), t.position)).collect();
        assert_eq!(texts[0].0, sv().stem("kurs"));
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert_eq!(
            texts[1].1, texts[2].1,
            "parts share the position of their word"
        );
    }
}
