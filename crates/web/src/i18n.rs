//! Interface texts in Finnish, Swedish and English: Fluent files under `locales/`, compiled
//! into the binary. Listing texts come from the data, not from here.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, static_loader};
use kynnys_domain::Lang;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "fi",
        // No Unicode isolation marks around arguments: they end up in HTML attributes too.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static IDENTIFIERS: LazyLock<[LanguageIdentifier; 3]> = LazyLock::new(|| {
    Lang::ALL.map(|lang| {
        lang.code()
            .parse()
            .unwrap_or_else(|_| LanguageIdentifier::default())
    })
});

fn identifier(lang: Lang) -> &'static LanguageIdentifier {
    let position = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    &IDENTIFIERS[position]
}

/// The interface texts of one language, for templates (`t.t(…)` with a message id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Lang);

impl Tr {
    /// The text of `key`.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(identifier(self.0), key)
    }

    /// The text of `key` with a number (`{ $count }`, plural rules of the language).
    pub fn n(&self, key: &str, count: usize) -> String {
        let args = HashMap::from([(Cow::Borrowed("count"), FluentValue::from(count))]);
        LOCALES.lookup_with_args(identifier(self.0), key, &args)
    }

    /// The text of `key` with one named text argument.
    pub fn a(&self, key: &str, name: &'static str, value: &str) -> String {
        let args = HashMap::from([(Cow::Borrowed(name), FluentValue::from(value.to_owned()))]);
        LOCALES.lookup_with_args(identifier(self.0), key, &args)
    }

    /// The note on a text shown in another language: "in Finnish".
    pub fn in_language(&self, code: &str) -> String {
        self.t(&format!("written-in-{code}"))
    }

    /// The language's code, for `lang` attributes and URLs.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(lang: &str) -> BTreeSet<String> {
        let path = format!("{}/locales/{lang}/main.ftl", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
            .collect()
    }

    #[test]
    fn every_language_has_every_key() {
        let fi = keys("fi");
        assert!(fi.len() > 50);
        for lang in ["sv", "en"] {
            let other = keys(lang);
            let missing: Vec<_> = fi.symmetric_difference(&other).collect();
            assert!(missing.is_empty(), "{lang} differs from fi: {missing:?}");
        }
    }

    #[test]
    fn every_key_used_in_the_code_and_templates_exists() {
        let fi = keys("fi");
        let root = env!("CARGO_MANIFEST_DIR");
        let mut used = BTreeSet::new();
        for dir in ["templates", "src"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for call in [".t(\"", ".n(\"", ".a(\""] {
                    for piece in text.split(call).skip(1) {
                        if let Some(key) = piece.split('"').next()
                            && key.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                            && !key.is_empty()
                        {
                            used.insert(key.to_owned());
                        }
                    }
                }
            }
        }
        let missing: Vec<_> = used.difference(&fi).collect();
        assert!(missing.is_empty(), "keys without a text: {missing:?}");
    }

    #[test]
    fn texts_come_in_the_asked_language_with_plurals() {
        assert_eq!(Tr(Lang::Sv).t("nav-search"), "Sök");
        assert_eq!(Tr(Lang::En).n("results-count", 1), "1 result");
        assert_eq!(Tr(Lang::En).n("results-count", 3), "3 results");
        assert_eq!(Tr(Lang::Fi).n("results-count", 3), "3 tulosta");
    }
}
