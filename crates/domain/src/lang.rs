use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language of the user interface and of listing texts.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fi,
    Sv,
    En,
}

impl Lang {
    /// All languages in the default fallback order.
    pub const ALL: [Lang; 3] = [Lang::Fi, Lang::Sv, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// The order in which texts are looked for when `self` is requested:
    /// the requested language first, then the default chain fi → sv → en.
    pub fn fallback_chain(self) -> [Lang; 3] {
        let mut chain = [self, Lang::Fi, Lang::Sv];
        let rest = Lang::ALL.iter().copied().filter(|l| *l != self);
        for (slot, lang) in chain.iter_mut().skip(1).zip(rest) {
            *slot = lang;
        }
        chain
    }

    /// Picks the best supported language from an HTTP `Accept-Language` value
    /// (quality values honoured, region subtags ignored: `sv-FI` is `sv`).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (position, part) in header.split(',').enumerate() {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            let Ok(lang) = primary.parse::<Lang>() else {
                continue;
            };
            if quality <= 0.0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((q, p, _)) => quality > q || (quality == q && position < p),
            };
            if better {
                best = Some((quality, position, lang));
            }
        }
        best.map(|(_, _, lang)| lang)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "fi" => Ok(Lang::Fi),
            "sv" => Ok(Lang::Sv),
            "en" => Ok(Lang::En),
            _ => Err(()),
        }
    }
}

/// A text in one or more of Finnish, Swedish and English. A valid value has at least one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

/// A text resolved for a requested language, saying which language it is actually in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Resolved<'a> {
    pub text: &'a str,
    pub lang: Lang,
    /// True when the text is not in the requested language.
    pub fallback: bool,
}

impl LocalizedText {
    pub fn new(fi: Option<&str>, sv: Option<&str>, en: Option<&str>) -> Self {
        Self {
            fi: fi.map(str::to_owned),
            sv: sv.map(str::to_owned),
            en: en.map(str::to_owned),
        }
    }

    pub fn get(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::Fi => self.fi.as_deref(),
            Lang::Sv => self.sv.as_deref(),
            Lang::En => self.en.as_deref(),
        }
    }

    pub fn is_empty(&self) -> bool {
        Lang::ALL.iter().all(|l| self.get(*l).is_none())
    }

    /// The languages present, in fi, sv, en order.
    pub fn languages(&self) -> impl Iterator<Item = (Lang, &str)> {
        Lang::ALL
            .into_iter()
            .filter_map(|l| self.get(l).map(|text| (l, text)))
    }

    /// The text in `requested`, else the first present along the fallback chain.
    pub fn resolve(&self, requested: Lang) -> Option<Resolved<'_>> {
        requested.fallback_chain().into_iter().find_map(|lang| {
            self.get(lang).map(|text| Resolved {
                text,
                lang,
                fallback: lang != requested,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_chain_starts_with_requested_then_default_order() {
        assert_eq!(Lang::Fi.fallback_chain(), [Lang::Fi, Lang::Sv, Lang::En]);
        assert_eq!(Lang::Sv.fallback_chain(), [Lang::Sv, Lang::Fi, Lang::En]);
        assert_eq!(Lang::En.fallback_chain(), [Lang::En, Lang::Fi, Lang::Sv]);
    }

    #[test]
    fn resolve_reports_the_language_served() {
        let text = LocalizedText::new(None, Some("Språkcafé"), Some("Language café"));
        let en = text.resolve(Lang::En).unwrap();
        assert_eq!(
            (en.text, en.lang, en.fallback),
            ("Language café", Lang::En, false)
        );
        // fi is missing: the default chain continues with sv before en
        let fi = text.resolve(Lang::Fi).unwrap();
        assert_eq!(
            (fi.text, fi.lang, fi.fallback),
            ("Språkcafé", Lang::Sv, true)
        );
        let only_en = LocalizedText::new(None, None, Some("Homework club"));
        assert_eq!(only_en.resolve(Lang::Sv).unwrap().lang, Lang::En);
        assert!(LocalizedText::default().resolve(Lang::Fi).is_none());
    }

    #[test]
    fn accept_language_honours_quality_and_region() {
        assert_eq!(
            Lang::from_accept_language("sv-FI,sv;q=0.9,en;q=0.8"),
            Some(Lang::Sv)
        );
        assert_eq!(
            Lang::from_accept_language("de, en;q=0.5, fi;q=0.7"),
            Some(Lang::Fi)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(Lang::from_accept_language("fi;q=0, en"), Some(Lang::En));
    }

    #[test]
    fn unknown_keys_in_localized_text_are_rejected() {
        let err = serde_json::from_str::<LocalizedText>(r#"{"fi":"a","de":"b"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `de`"), "{err}");
    }
}
