use crate::{DomainError, LocalizedText};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One key of a vocabulary with its labels.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Term {
    pub key: String,
    pub label: LocalizedText,
}

/// An ordered vocabulary with lookup by key.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    terms: Vec<Term>,
    by_key: HashMap<String, usize>,
}

impl Vocabulary {
    fn from_terms(file: &'static str, terms: Vec<Term>) -> Result<Self, DomainError> {
        let mut by_key = HashMap::with_capacity(terms.len());
        for (i, term) in terms.iter().enumerate() {
            if by_key.insert(term.key.clone(), i).is_some() {
                return Err(DomainError::VocabularyData {
                    file,
                    reason: format!("duplicate key {:?}", term.key),
                });
            }
        }
        Ok(Self { terms, by_key })
    }

    pub fn contains(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }

    pub fn get(&self, key: &str) -> Option<&Term> {
        self.by_key.get(key).map(|i| &self.terms[*i])
    }

    /// The position of a key in the vocabulary's order.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// A municipality (Statistics Finland code) with its region and the coordinates of its centre.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Municipality {
    pub code: String,
    pub name: LocalizedText,
    pub region: String,
    pub lat: f64,
    pub lon: f64,
}

/// A region (maakunta / landskap).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Region {
    pub code: String,
    pub name: LocalizedText,
}

/// Every vocabulary of the directory, loaded from data files. The built-in set describes Finland;
/// a deployment elsewhere can load its own files with [`Vocabularies::from_csv`].
#[derive(Debug, Clone)]
pub struct Vocabularies {
    pub themes: Vocabulary,
    pub target_groups: Vocabulary,
    pub organisation_types: Vocabulary,
    pub integration_stages: Vocabulary,
    pub languages: Vocabulary,
    municipalities: Vec<Municipality>,
    municipality_index: HashMap<String, usize>,
    regions: Vec<Region>,
    region_index: HashMap<String, usize>,
}

/// The CSV sources of every vocabulary, one text per file.
#[derive(Debug, Clone, Copy)]
pub struct VocabularySources<'a> {
    pub themes: &'a str,
    pub target_groups: &'a str,
    pub organisation_types: &'a str,
    pub integration_stages: &'a str,
    pub languages: &'a str,
    pub municipalities: &'a str,
    pub regions: &'a str,
}

const BUILTIN: VocabularySources<'static> = VocabularySources {
    themes: include_str!("../data/themes.csv"),
    target_groups: include_str!("../data/target_groups.csv"),
    organisation_types: include_str!("../data/organisation_types.csv"),
    integration_stages: include_str!("../data/integration_stages.csv"),
    languages: include_str!("../data/languages.csv"),
    municipalities: include_str!("../data/municipalities.csv"),
    regions: include_str!("../data/regions.csv"),
};

#[derive(Deserialize)]
struct LabelRow {
    #[serde(alias = "code")]
    key: String,
    fi: String,
    sv: String,
    en: String,
}

#[derive(Deserialize)]
struct MunicipalityRow {
    code: String,
    name_fi: String,
    name_sv: String,
    region_code: String,
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct RegionRow {
    code: String,
    name_fi: String,
    name_sv: String,
    name_en: String,
}

fn read_rows<T: for<'de> Deserialize<'de>>(
    file: &'static str,
    text: &str,
) -> Result<Vec<T>, DomainError> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| DomainError::VocabularyData {
            file,
            reason: e.to_string(),
        })
}

fn labelled(file: &'static str, text: &str) -> Result<Vocabulary, DomainError> {
    let terms = read_rows::<LabelRow>(file, text)?
        .into_iter()
        .map(|row| Term {
            key: row.key,
            label: LocalizedText {
                fi: Some(row.fi),
                sv: Some(row.sv),
                en: Some(row.en),
            },
        })
        .collect();
    Vocabulary::from_terms(file, terms)
}

fn index_by<T>(
    file: &'static str,
    items: &[T],
    key: impl Fn(&T) -> &str,
) -> Result<HashMap<String, usize>, DomainError> {
    let mut index = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if index.insert(key(item).to_owned(), i).is_some() {
            return Err(DomainError::VocabularyData {
                file,
                reason: format!("duplicate code {:?}", key(item)),
            });
        }
    }
    Ok(index)
}

impl Vocabularies {
    /// The vocabularies that ship with kynnys (Finland).
    pub fn builtin() -> Result<Self, DomainError> {
        Self::from_csv(BUILTIN)
    }

    pub fn from_csv(sources: VocabularySources<'_>) -> Result<Self, DomainError> {
        let regions: Vec<Region> = read_rows::<RegionRow>("regions.csv", sources.regions)?
            .into_iter()
            .map(|row| Region {
                code: row.code,
                name: LocalizedText {
                    fi: Some(row.name_fi),
                    sv: Some(row.name_sv),
                    en: Some(row.name_en),
                },
            })
            .collect();
        let region_index = index_by("regions.csv", &regions, |r| &r.code)?;
        let municipalities: Vec<Municipality> =
            read_rows::<MunicipalityRow>("municipalities.csv", sources.municipalities)?
                .into_iter()
                .map(|row| Municipality {
                    code: row.code,
                    // Finnish municipalities have no English names: English uses the Finnish one.
                    name: LocalizedText {
                        en: Some(row.name_fi.clone()),
                        fi: Some(row.name_fi),
                        sv: Some(row.name_sv),
                    },
                    region: row.region_code,
                    lat: row.lat,
                    lon: row.lon,
                })
                .collect();
        if let Some(orphan) = municipalities
            .iter()
            .find(|m| !region_index.contains_key(&m.region))
        {
            return Err(DomainError::VocabularyData {
                file: "municipalities.csv",
                reason: format!(
                    "municipality {} refers to unknown region {}",
                    orphan.code, orphan.region
                ),
            });
        }
        let municipality_index = index_by("municipalities.csv", &municipalities, |m| &m.code)?;
        Ok(Self {
            themes: labelled("themes.csv", sources.themes)?,
            target_groups: labelled("target_groups.csv", sources.target_groups)?,
            organisation_types: labelled("organisation_types.csv", sources.organisation_types)?,
            integration_stages: labelled("integration_stages.csv", sources.integration_stages)?,
            languages: labelled("languages.csv", sources.languages)?,
            municipalities,
            municipality_index,
            regions,
            region_index,
        })
    }

    pub fn municipalities(&self) -> &[Municipality] {
        &self.municipalities
    }

    pub fn municipality(&self, code: &str) -> Option<&Municipality> {
        self.municipality_index
            .get(code)
            .map(|i| &self.municipalities[*i])
    }

    /// The position of a municipality in [`Vocabularies::municipalities`].
    pub fn municipality_position(&self, code: &str) -> Option<usize> {
        self.municipality_index.get(code).copied()
    }

    /// The position of a region in [`Vocabularies::regions`].
    pub fn region_position(&self, code: &str) -> Option<usize> {
        self.region_index.get(code).copied()
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.region_index.get(code).map(|i| &self.regions[*i])
    }

    /// The region code of a municipality code.
    pub fn region_of(&self, municipality: &str) -> Option<&str> {
        self.municipality(municipality).map(|m| m.region.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    #[test]
    fn builtin_vocabularies_load_with_labels_in_every_language() {
        let v = Vocabularies::builtin().unwrap();
        assert_eq!(v.themes.len(), 15);
        assert_eq!(v.target_groups.len(), 15);
        assert_eq!(v.organisation_types.len(), 8);
        assert_eq!(v.integration_stages.len(), 3);
        assert!(v.languages.len() >= 60, "{}", v.languages.len());
        assert_eq!(v.municipalities().len(), 308);
        assert_eq!(v.regions().len(), 19);
        for vocab in [
            &v.themes,
            &v.target_groups,
            &v.organisation_types,
            &v.integration_stages,
            &v.languages,
        ] {
            for term in vocab.terms() {
                for lang in Lang::ALL {
                    let label = term.label.get(lang).unwrap();
                    assert!(!label.trim().is_empty(), "{} has no {lang} label", term.key);
                }
            }
        }
    }

    #[test]
    fn municipality_lookup_gives_names_and_region() {
        let v = Vocabularies::builtin().unwrap();
        let helsinki = v.municipality("091").unwrap();
        assert_eq!(helsinki.name.get(Lang::Sv), Some("Helsingfors"));
        assert_eq!(v.region_of("091"), Some("01"));
        assert_eq!(
            v.region("15").unwrap().name.get(Lang::Sv),
            Some("Österbotten")
        );
        // Isokyrö moved to Etelä-Pohjanmaa in 2021
        assert_eq!(v.region_of("152"), Some("14"));
        assert!(
            v.municipality("588").is_none(),
            "Pertunmaa merged into Mäntyharju in 2025"
        );
    }

    #[test]
    fn languages_cover_the_most_spoken_immigrant_languages() {
        let v = Vocabularies::builtin().unwrap();
        for code in [
            "fi", "sv", "en", "ar", "ru", "so", "uk", "prs", "fa", "ti", "ckb", "ku", "et", "zh",
        ] {
            assert!(v.languages.contains(code), "missing {code}");
        }
        assert_eq!(
            v.languages.get("ar").unwrap().label.get(Lang::Fi),
            Some("arabia")
        );
    }

    #[test]
    fn a_duplicate_key_in_deployment_data_is_an_error() {
        let mut sources = BUILTIN;
        sources.themes = "key,fi,sv,en\na,A,A,A\na,B,B,B\n";
        let err = Vocabularies::from_csv(sources).unwrap_err();
        assert!(err.to_string().contains("duplicate key"), "{err}");
    }
}
