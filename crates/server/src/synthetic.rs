//! A synthetic directory of any size, recombined from the demo corpus: the corpus's texts,
//! kinds, themes and schedules, spread over every municipality of the vocabulary, with unique
//! ids and organisations that each run a handful of listings. Deterministic for a seed.

use kynnys_domain::{ListingRecord, Vocabularies};

/// Average number of listings per organisation in a synthetic directory.
const LISTINGS_PER_ORGANISATION: usize = 5;

/// `count` listings built from `base`, made one at a time as they are taken (a large directory
/// is never held whole). The same seed gives the same directory.
pub fn synthetic_listings<'a>(
    base: &'a [ListingRecord],
    vocabularies: &'a Vocabularies,
    count: usize,
    seed: u64,
) -> impl Iterator<Item = ListingRecord> + 'a {
    let mut rng = fastrand::Rng::with_seed(seed);
    let municipalities = vocabularies.municipalities();
    let organisations = count.div_ceil(LISTINGS_PER_ORGANISATION).max(1);
    let count = if base.is_empty() || municipalities.is_empty() {
        0
    } else {
        count
    };
    (0..count).map(move |i| {
        let mut record = base[rng.usize(..base.len())].clone();
        record.external_id = format!("syn-{i:07}");
        let org_index = rng.usize(..organisations);
        let org_base = &base[org_index % base.len()].organisation;
        record.organisation = org_base.clone();
        record.organisation.external_id = format!("syn-org-{org_index:06}");
        for name in [
            &mut record.organisation.name.fi,
            &mut record.organisation.name.sv,
            &mut record.organisation.name.en,
        ]
        .into_iter()
        .flatten()
        {
            name.push_str(&format!(" {org_index}"));
        }
        // Nationwide online listings stay nationwide; the rest move to a random municipality.
        if !record.municipalities.is_empty() {
            let place = &municipalities[rng.usize(..municipalities.len())];
            record.municipalities = vec![place.code.clone()];
            if let Some(location) = record.location.as_mut() {
                location.municipality = place.code.clone();
                if location.lat.is_some() {
                    let jitter = |rng: &mut fastrand::Rng| (rng.f64() - 0.5) / 10.0;
                    location.lat = Some(((place.lat + jitter(&mut rng)) * 1e4).round() / 1e4);
                    location.lon = Some(((place.lon + jitter(&mut rng)) * 1e4).round() / 1e4);
                }
            }
            for (lang, title) in [
                (kynnys_domain::Lang::Fi, &mut record.title.fi),
                (kynnys_domain::Lang::Sv, &mut record.title.sv),
                (kynnys_domain::Lang::En, &mut record.title.en),
            ] {
                if let (Some(title), Some(name)) = (title.as_mut(), place.name.get(lang)) {
                    title.push_str(&format!(" ({name})"));
                }
            }
        }
        record
    })
}

/// Writes a synthetic directory of `count` listings (seed 2026) as an interchange file
/// `listings.jsonl` in `dir`, and returns its path.
pub fn write_synthetic_file(
    dir: &std::path::Path,
    vocabularies: &Vocabularies,
    count: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<std::path::PathBuf, crate::ServerError> {
    use std::io::Write as _;
    let base = crate::demo::demo_listings(vocabularies, now)?;
    let file = dir.join("listings.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
    for record in synthetic_listings(&base, vocabularies, count, 2026) {
        serde_json::to_writer(&mut out, &record).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_listings_are_valid_unique_and_deterministic() {
        let vocab = Vocabularies::builtin().unwrap();
        let base = crate::demo::demo_listings(&vocab, chrono::Utc::now()).unwrap();
        let a: Vec<_> = synthetic_listings(&base, &vocab, 2000, 7).collect();
        let b: Vec<_> = synthetic_listings(&base, &vocab, 2000, 7).collect();
        assert_eq!(a, b);
        let ids: std::collections::HashSet<_> = a.iter().map(|r| &r.external_id).collect();
        assert_eq!(ids.len(), 2000);
        for record in &a {
            assert_eq!(record.validate(&vocab), Ok(()), "{}", record.external_id);
        }
        let places: std::collections::HashSet<_> =
            a.iter().flat_map(|r| r.municipalities.clone()).collect();
        assert!(
            places.len() > 200,
            "spread over many municipalities: {}",
            places.len()
        );
    }
}
