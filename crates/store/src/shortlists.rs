//! Shortlists for handouts: a language and listing ids under a short code. The code is derived
//! from the content, so saving the same list twice gives the same link.

use crate::schema::shortlists;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kynnys_domain::Lang;
use sha2::{Digest, Sha256};

/// Characters of a short code: no look-alikes (0/o, 1/l/i).
const CODE_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
const CODE_LEN: usize = 10;

/// A saved shortlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortlist {
    pub code: String,
    pub lang: Lang,
    pub listing_ids: Vec<String>,
}

/// The short code of a list: a hash of its language and ids.
fn code_of(lang: Lang, listing_ids: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(lang.code());
    for id in listing_ids {
        hasher.update([0]);
        hasher.update(id.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .take(CODE_LEN)
        .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
        .collect()
}

impl Store {
    /// Saves a shortlist (or finds the same one saved before) and returns its code.
    pub fn save_shortlist(
        &self,
        lang: Lang,
        listing_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let code = code_of(lang, listing_ids);
        let ids = serde_json::Value::from(listing_ids.to_vec()).to_string();
        let inserted = diesel::insert_into(shortlists::table)
            .values((
                shortlists::code.eq(&code),
                shortlists::lang.eq(lang.code()),
                shortlists::listing_ids.eq(ids),
                shortlists::created_at.eq(now.naive_utc()),
            ))
            .execute(&mut *self.conn()?);
        match inserted {
            // The same list was saved before: its code is the same.
            Ok(_)
            | Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Ok(code),
            Err(e) => Err(e.into()),
        }
    }

    /// A saved shortlist by its code.
    pub fn shortlist(&self, code: &str) -> Result<Option<Shortlist>, StoreError> {
        let row: Option<(String, String)> = shortlists::table
            .find(code)
            .select((shortlists::lang, shortlists::listing_ids))
            .first(&mut *self.conn()?)
            .optional()?;
        row.map(|(lang, ids)| {
            let corrupt = |reason: String| StoreError::Corrupt {
                table: "shortlists",
                id: code.to_owned(),
                reason,
            };
            Ok(Shortlist {
                code: code.to_owned(),
                lang: lang
                    .parse()
                    .map_err(|()| corrupt(format!("language {lang}")))?,
                listing_ids: serde_json::from_str(&ids).map_err(|e| corrupt(e.to_string()))?,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_stable_and_depend_on_language_and_order() {
        let ids = vec!["a".to_owned(), "b".to_owned()];
        let code = code_of(Lang::Sv, &ids);
        assert_eq!(code.len(), CODE_LEN);
        assert_eq!(code, code_of(Lang::Sv, &ids));
        assert_ne!(code, code_of(Lang::Fi, &ids));
        assert_ne!(code, code_of(Lang::Sv, &["b".to_owned(), "a".to_owned()]));
    }
}
