//! Digest subscriptions: what a subscriber wants to hear about and how often.

use crate::{FieldProblem, Kind, ProblemCode, Vocabularies};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

string_enum! {
    /// How often a digest is sent.
    Frequency {
        /// Every Monday morning (Europe/Helsinki).
        Weekly => "weekly",
        /// Every morning.
        Daily => "daily",
    }
}

string_enum! {
    /// Where a subscription is.
    SubscriptionStatus {
        /// Waiting for the subscriber to open the confirmation link; nothing is sent.
        Pending => "pending",
        Confirmed => "confirmed",
        Unsubscribed => "unsubscribed",
    }
}

/// Search filters as data (a subscription's, a judged query's): exactly the parameter names of
/// `GET /api/v1/search`, lists where the search repeats a parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchFilters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<Kind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub municipality: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub region: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub theme: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_group: Vec<String>,
    /// Languages offered (spoken in the activity).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub language: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_in: Option<bool>,
}

const MAX_QUERY_CHARS: usize = 500;
const MAX_VALUES: usize = 50;

impl SearchFilters {
    /// Every problem, with paths under `filters`.
    pub fn validate(&self, vocab: &Vocabularies) -> Result<(), Vec<FieldProblem>> {
        let mut found = Vec::new();
        let mut add = |path: String, code, detail: Option<String>| {
            found.push(FieldProblem { path, code, detail });
        };
        if let Some(q) = &self.q {
            if q.chars().count() > MAX_QUERY_CHARS {
                add("filters.q".into(), ProblemCode::TooLong, None);
            }
            if q.chars().any(char::is_control) {
                add("filters.q".into(), ProblemCode::InvalidFormat, None);
            }
        }
        type Known<'a> = &'a dyn Fn(&str) -> bool;
        let lists: [(&str, &Vec<String>, Known<'_>); 5] = [
            ("municipality", &self.municipality, &|c| {
                vocab.municipality(c).is_some()
            }),
            ("region", &self.region, &|c| vocab.region(c).is_some()),
            ("theme", &self.theme, &|c| vocab.themes.contains(c)),
            ("target_group", &self.target_group, &|c| {
                vocab.target_groups.contains(c)
            }),
            ("language", &self.language, &|c| vocab.languages.contains(c)),
        ];
        for (name, values, known) in lists {
            if values.len() > MAX_VALUES {
                add(format!("filters.{name}"), ProblemCode::TooMany, None);
            }
            for (i, value) in values.iter().enumerate() {
                if !known(value) {
                    add(
                        format!("filters.{name}[{i}]"),
                        ProblemCode::UnknownValue,
                        Some(value.clone()),
                    );
                }
            }
        }
        if found.is_empty() { Ok(()) } else { Err(found) }
    }
}

impl SearchFilters {
    /// The filters in words, in `lang` ("Uusimaa, Kielenopiskelu, \"kahvila\"").
    pub fn describe(&self, vocab: &Vocabularies, lang: crate::Lang) -> String {
        let label = |v: &crate::Vocabulary, key: &str| {
            v.get(key)
                .and_then(|t| t.label.resolve(lang).map(|r| r.text.to_owned()))
                .unwrap_or_else(|| key.to_owned())
        };
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.region.iter().filter_map(|c| {
            vocab
                .region(c)
                .and_then(|r| r.name.resolve(lang))
                .map(|r| r.text.to_owned())
        }));
        parts.extend(self.municipality.iter().filter_map(|c| {
            vocab
                .municipality(c)
                .and_then(|m| m.name.resolve(lang))
                .map(|r| r.text.to_owned())
        }));
        parts.extend(self.theme.iter().map(|t| label(&vocab.themes, t)));
        parts.extend(
            self.target_group
                .iter()
                .map(|t| label(&vocab.target_groups, t)),
        );
        parts.extend(self.language.iter().map(|t| label(&vocab.languages, t)));
        if let Some(q) = &self.q {
            parts.push(format!("\"{q}\""));
        }
        if parts.is_empty() {
            return match lang {
                crate::Lang::Fi => "kaikki ilmoitukset".into(),
                crate::Lang::Sv => "alla annonser".into(),
                crate::Lang::En => "all listings".into(),
            };
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_use_the_search_parameter_names_and_check_the_vocabularies() {
        let vocab = Vocabularies::builtin().unwrap();
        let filters: SearchFilters = serde_json::from_value(serde_json::json!({
            "region": ["15"], "theme": ["language_learning"], "kind": ["event"], "free": true
        }))
        .unwrap();
        assert!(filters.validate(&vocab).is_ok());
        let bad: SearchFilters =
            serde_json::from_value(serde_json::json!({"region": ["15", "99"]})).unwrap();
        let problems = bad.validate(&vocab).unwrap_err();
        assert_eq!(problems[0].path, "filters.region[1]");
        assert!(serde_json::from_value::<SearchFilters>(serde_json::json!({"colour": 1})).is_err());
        assert_eq!(
            filters
                .describe(&vocab, crate::Lang::Fi)
                .split(", ")
                .count(),
            2,
            "region and theme"
        );
        assert_eq!(
            SearchFilters::default().describe(&vocab, crate::Lang::En),
            "all listings"
        );
        assert!(
            serde_json::from_value::<SearchFilters>(serde_json::json!({"kind": ["party"]}))
                .is_err()
        );
    }
}
