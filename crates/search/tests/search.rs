//! Search behaviour on the shared corpus: analyzers, filters and facets against counts computed
//! independently from the records, cursor pagination, rebuilds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use kynnys_domain::{Kind, Lang, ListingRecord, LocalizedText, Vocabularies};
use kynnys_search::{IndexListing, Resources, SearchIndex, SearchRequest, Sort};
use std::collections::HashSet;
use std::sync::Arc;

const CORPUS: &str = include_str!("../../server/demo/listings.jsonl");

fn now() -> DateTime<Utc> {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

fn corpus() -> Vec<ListingRecord> {
    CORPUS
        .lines()
        .map(|l| ListingRecord::from_json_line(l).unwrap())
        .collect()
}

/// `copies` more copies of the corpus, under other external ids.
fn corpus_copies(copies: usize) -> Vec<ListingRecord> {
    (1..=copies)
        .flat_map(|copy| {
            corpus().into_iter().map(move |mut record| {
                record.external_id = format!("{}-copy{copy}", record.external_id);
                record
            })
        })
        .collect()
}

fn listing(record: ListingRecord) -> IndexListing {
    IndexListing {
        id: format!("id-{}", record.external_id),
        record,
        schedule_anchor: None,
        updated_at: now(),
    }
}

/// An activity written in one language only, for the compound and cross-lingual cases.
fn only(lang: Lang, external_id: &str, title: &str, description: &str) -> ListingRecord {
    let mut r = corpus()
        .into_iter()
        .find(|r| {
            r.kind == Kind::Activity && r.valid_until.is_some_and(|d| d.to_string() > "2027".into())
        })
        .unwrap();
    r.external_id = external_id.to_owned();
    let text = |t: &str| {
        let mut l = LocalizedText::default();
        match lang {
            Lang::Fi => l.fi = Some(t.to_owned()),
            Lang::Sv => l.sv = Some(t.to_owned()),
            Lang::En => l.en = Some(t.to_owned()),
        }
        l
    };
    r.title = text(title);
    r.summary = None;
    r.description = text(description);
    r.themes = vec!["everyday_life".into()];
    r.target_groups = vec!["everyone".into()];
    r.municipalities = vec!["837".into()];
    r.location = None;
    r
}

struct Fixture {
    index: SearchIndex,
    records: Vec<ListingRecord>,
    _dir: tempfile::TempDir,
}

fn fixture(extra: Vec<ListingRecord>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let vocab = Arc::new(Vocabularies::builtin().unwrap());
    let (index, _) = SearchIndex::open(dir.path(), Resources::builtin(), vocab).unwrap();
    let mut records = corpus();
    records.extend(extra);
    let current: Vec<IndexListing> = records
        .iter()
        .filter(|r| !r.is_expired(now()))
        .cloned()
        .map(listing)
        .collect();
    index
        .rebuild(current.into_iter().map(Ok), 1, now())
        .unwrap();
    Fixture {
        index,
        records,
        _dir: dir,
    }
}

fn search(f: &Fixture, lang: Lang, q: &str) -> Vec<String> {
    let request = SearchRequest {
        q: q.into(),
        lang: Some(lang),
        limit: 100,
        ..Default::default()
    };
    f.index
        .search(&request, now())
        .unwrap()
        .items
        .into_iter()
        .map(|h| h.external_id)
        .collect()
}

#[test]
fn compounds_inflections_typos_prefixes_folding_and_the_konkurs_trap() {
    let f = fixture(vec![
        only(
            Lang::Fi,
            "t-kielikahvila",
            "Kielikahvila Hervannassa",
            "Tule kielikahvilaan juttelemaan.",
        ),
        only(
            Lang::Fi,
            "t-laksykerho",
            "Läksykerho koululaisille",
            "Apua kotitehtäviin.",
        ),
        only(
            Lang::Sv,
            "t-svenskakurs",
            "Svenskakurs för nybörjare",
            "En kurs i svenska.",
        ),
        only(
            Lang::Sv,
            "t-konkurs",
            "Rådgivning vid konkurs",
            "Hjälp när ett företag går i konkurs.",
        ),
    ]);
    let has = |hits: &[String], id: &str| hits.iter().any(|h| h == id);
    assert!(
        has(&search(&f, Lang::Fi, "kahvila"), "t-kielikahvila"),
        "part of a compound"
    );
    assert!(has(&search(&f, Lang::Fi, "kerho"), "t-laksykerho"));
    let kurs = search(&f, Lang::Sv, "kurs");
    assert!(has(&kurs, "t-svenskakurs"));
    assert!(!has(&kurs, "t-konkurs"), "kurs must not find konkurs");
    assert!(
        has(&search(&f, Lang::Sv, "konkurs"), "t-konkurs"),
        "the whole word is kept"
    );
    assert!(
        has(&search(&f, Lang::Fi, "kielikahvilaan"), "t-kielikahvila"),
        "inflection"
    );
    assert!(
        has(&search(&f, Lang::Fi, "kielikahvla"), "t-kielikahvila"),
        "typo"
    );
    assert!(
        has(&search(&f, Lang::Fi, "läksyk"), "t-laksykerho"),
        "prefix"
    );
    assert!(
        has(&search(&f, Lang::Fi, "laksykerho"), "t-laksykerho"),
        "folding: a for ä"
    );
    assert_eq!(search(&f, Lang::Fi, "zzqxw"), Vec::<String>::new());
}

#[test]
fn a_rare_compound_also_finds_its_parts_written_apart() {
    let f = fixture(vec![only(
        Lang::Fi,
        "t-shakki",
        "Shakkia nuorille",
        "Kerho kokoontuu kirjastossa.",
    )]);
    // No listing says "shakkikerho"; one has both of its parts.
    assert!(
        search(&f, Lang::Fi, "shakkikerho")
            .iter()
            .any(|h| h == "t-shakki")
    );
}

/// Many listings say "kielikahvila": its parts still rank the listings that use it, so of two
/// alike, the one that also speaks of "kieli" (language) scores higher.
#[test]
fn a_common_compounds_parts_rank_the_listings_that_use_it() {
    let f = fixture(vec![
        only(
            Lang::Fi,
            "t-parts",
            "Kielikahvila torstaisin",
            "Puhumme kieltä yhdessä.",
        ),
        only(
            Lang::Fi,
            "t-whole",
            "Kielikahvila torstaisin",
            "Luemme kirjoja yhdessä.",
        ),
    ]);
    let request = SearchRequest {
        q: "kielikahvila".into(),
        lang: Some(Lang::Fi),
        limit: 100,
        ..Default::default()
    };
    let found = f.index.search(&request, now()).unwrap();
    let score = |id: &str| {
        let hit = found.items.iter().find(|h| h.external_id == id);
        hit.map(|h| h.score).expect(id)
    };
    assert!(found.items.len() > 3, "several listings use the word");
    assert!(score("t-parts") > score("t-whole"));
}

#[test]
fn a_query_in_english_or_swedish_finds_a_finnish_only_listing() {
    let f = fixture(vec![only(
        Lang::Fi,
        "t-laksykerho",
        "Läksykerho koululaisille",
        "Apua kotitehtäviin.",
    )]);
    assert!(search(&f, Lang::En, "homework club").contains(&"t-laksykerho".to_owned()));
    assert!(search(&f, Lang::Sv, "läxhjälp").contains(&"t-laksykerho".to_owned()));
}

/// A synonym found only in a description, in another language than the query's, finds the
/// listing and is named (in the reader's language) as what it matched; a multi-word synonym
/// finds a listing written in another language, and an unrelated query does not.
#[test]
fn synonyms_in_descriptions_and_related_concepts() {
    let f = fixture(vec![
        only(
            Lang::Sv,
            "t-mote",
            "Måndagsträff i biblioteket",
            "Varje måndag har vi språkcafé: vi pratar svenska tillsammans.",
        ),
        only(
            Lang::En,
            "t-peer",
            "Monday evenings for mothers",
            "A peer support group where mothers share experiences.",
        ),
    ]);
    let request = |q: &str| SearchRequest {
        q: q.into(),
        lang: Some(Lang::Fi),
        limit: 100,
        ..Default::default()
    };
    let found = f.index.search(&request("kielikahvila"), now()).unwrap();
    let hit = found
        .items
        .iter()
        .find(|h| h.external_id == "t-mote")
        .expect("found through the Swedish synonym in its description");
    assert_eq!(
        hit.matched.terms,
        ["kielikahvila"],
        "named by the group in the reader's language"
    );
    let ids = search(&f, Lang::Fi, "vertaistukiryhmä");
    assert!(ids.contains(&"t-peer".to_owned()));
    assert!(!search(&f, Lang::Fi, "kielikahvila").contains(&"t-peer".to_owned()));
}

#[test]
fn filters_and_facets_match_counts_computed_from_the_records() {
    let f = fixture(vec![]);
    let vocab = Vocabularies::builtin().unwrap();
    let current: Vec<&ListingRecord> = f.records.iter().filter(|r| !r.is_expired(now())).collect();
    let in_region = |r: &ListingRecord, region: &str| {
        r.municipalities
            .iter()
            .chain(r.location.as_ref().map(|l| &l.municipality))
            .any(|m| vocab.region_of(m) == Some(region))
    };
    let request = SearchRequest {
        lang: Some(Lang::Fi),
        regions: vec!["01".into()],
        kinds: vec![Kind::Activity],
        free: Some(true),
        limit: 100,
        ..Default::default()
    };
    let response = f.index.search(&request, now()).unwrap();
    let free = |r: &ListingRecord| r.flags.and_then(|f| f.free).unwrap_or(false);
    let expected: HashSet<&str> = current
        .iter()
        .filter(|r| in_region(r, "01") && r.kind == Kind::Activity && free(r))
        .map(|r| r.external_id.as_str())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(response.total, expected.len());
    let got: HashSet<&str> = response
        .items
        .iter()
        .map(|h| h.external_id.as_str())
        .collect();
    assert_eq!(got, expected);
    // The region facet counts as if the region filter were not applied; other filters hold.
    let count = |value: &str, facet: &[kynnys_search::FacetCount]| {
        facet
            .iter()
            .find(|c| c.value == value)
            .map_or(0, |c| c.count)
    };
    let lapland = current
        .iter()
        .filter(|r| in_region(r, "19") && r.kind == Kind::Activity && free(r))
        .count() as u64;
    assert_eq!(count("19", &response.facets.region), lapland);
    assert_eq!(count("01", &response.facets.region), expected.len() as u64);
    let events = current
        .iter()
        .filter(|r| in_region(r, "01") && r.kind == Kind::Event && free(r))
        .count() as u64;
    assert_eq!(count("event", &response.facets.kind), events);
    // Nationwide online listings (no municipalities) never match a region filter.
    assert!(response.items.iter().all(|h| !h.municipalities.is_empty()));
    // Expired listings never appear.
    let expired: HashSet<&str> = f
        .records
        .iter()
        .filter(|r| r.is_expired(now()))
        .map(|r| r.external_id.as_str())
        .collect();
    let browse = f
        .index
        .search(
            &SearchRequest {
                limit: 100,
                ..Default::default()
            },
            now(),
        )
        .unwrap();
    assert_eq!(browse.total, current.len());
    assert!(
        browse
            .items
            .iter()
            .all(|h| !expired.contains(h.external_id.as_str()))
    );
}

/// Per facet, how many of `records` have each value, computed from the records alone.
fn facet_counts(
    records: &[&ListingRecord],
    vocab: &Vocabularies,
) -> [std::collections::BTreeMap<String, u64>; 6] {
    let mut counts: [std::collections::BTreeMap<String, u64>; 6] = Default::default();
    for r in records {
        let mut places: Vec<&String> = r.municipalities.iter().collect();
        if let Some(l) = &r.location {
            places.push(&l.municipality);
        }
        let places: std::collections::BTreeSet<String> = places.into_iter().cloned().collect();
        let regions: std::collections::BTreeSet<String> = places
            .iter()
            .filter_map(|m| vocab.region_of(m).map(str::to_owned))
            .collect();
        let kind = serde_json::to_value(r.kind)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned();
        let values: [Vec<String>; 6] = [
            vec![kind],
            places.into_iter().collect(),
            regions.into_iter().collect(),
            r.themes.clone(),
            r.target_groups.clone(),
            r.languages_offered.clone(),
        ];
        for (dim, values) in values.into_iter().enumerate() {
            let distinct: std::collections::BTreeSet<String> = values.into_iter().collect();
            for value in distinct {
                *counts[dim].entry(value).or_default() += 1;
            }
        }
    }
    counts
}

fn response_counts(facets: &kynnys_search::Facets) -> [std::collections::BTreeMap<String, u64>; 6] {
    [
        &facets.kind,
        &facets.municipality,
        &facets.region,
        &facets.theme,
        &facets.target_group,
        &facets.language,
    ]
    .map(|facet| facet.iter().map(|c| (c.value.clone(), c.count)).collect())
}

/// Asserts that `facets` count what [`facet_counts`] counts, naming the values that differ.
fn assert_same_counts(
    facets: &kynnys_search::Facets,
    records: &[&ListingRecord],
    vocab: &Vocabularies,
    what: &str,
) {
    let got = response_counts(facets);
    let expected = facet_counts(records, vocab);
    for (dim, (got, expected)) in got.iter().zip(&expected).enumerate() {
        let differ: Vec<(&String, Option<&u64>, Option<&u64>)> = got
            .keys()
            .chain(expected.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter(|k| got.get(*k) != expected.get(*k))
            .map(|k| (k, got.get(k), expected.get(k)))
            .collect();
        assert!(
            differ.is_empty(),
            "{what}, facet {dim}: (value, counted, expected) {differ:?}"
        );
    }
}

#[test]
fn every_facet_value_counts_the_listings_that_have_it() {
    // Enough copies of the corpus that common values are counted from bitsets and rare ones
    // document by document, in segments of several sizes.
    let mut f = fixture(corpus_copies(3));
    // A rebuild leaves one segment however many threads wrote it.
    assert_eq!(f.index.segment_sizes().unwrap().len(), 1);
    let mut changed = f.records[0].clone();
    changed.themes = vec!["digital_skills".into(), "safety_and_rights".into()];
    changed.languages_offered = vec!["so".into(), "ar".into(), "fa".into()];
    f.index
        .apply(&[listing(changed.clone())], &[], 2, now())
        .unwrap();
    f.records[0] = changed;
    let vocab = Vocabularies::builtin().unwrap();
    let current: Vec<&ListingRecord> = f.records.iter().filter(|r| !r.is_expired(now())).collect();
    for threads in [1, 3] {
        f.index.set_search_threads(threads);
        // Browsing counts every current listing.
        let browse = f
            .index
            .search(
                &SearchRequest {
                    limit: 5,
                    ..Default::default()
                },
                now(),
            )
            .unwrap();
        assert_eq!(browse.total, current.len());
        assert_same_counts(&browse.facets, &current, &vocab, "browse");
        // A text query counts the listings it matched, whatever the page shows.
        for (q, lang) in [("kielikahvila", Lang::Fi), ("homework club", Lang::En)] {
            let mut request = SearchRequest {
                q: q.into(),
                lang: Some(lang),
                limit: 100,
                ..Default::default()
            };
            let mut matched: HashSet<String> = HashSet::new();
            loop {
                let page = f.index.search(&request, now()).unwrap();
                matched.extend(page.items.iter().map(|h| h.external_id.clone()));
                let Some(cursor) = page.next_cursor else {
                    assert_eq!(matched.len(), page.total);
                    let records: Vec<&ListingRecord> = current
                        .iter()
                        .copied()
                        .filter(|r| matched.contains(&r.external_id))
                        .collect();
                    assert!(records.len() > 20, "{q}: {}", records.len());
                    assert_same_counts(&page.facets, &records, &vocab, q);
                    break;
                };
                request.cursor = Some(kynnys_search::Cursor::decode(&cursor).unwrap());
            }
        }
    }
}

/// Every result of `q`, page after page of 7 by cursor; checks that no result comes twice and
/// none of the total is missing.
fn page_through(f: &Fixture, q: &str, sort: Sort) -> Vec<String> {
    let mut request = SearchRequest {
        q: q.into(),
        lang: Some(Lang::Sv),
        limit: 7,
        sort,
        ..Default::default()
    };
    let mut seen = Vec::new();
    let total = loop {
        let page = f.index.search(&request, now()).unwrap();
        seen.extend(page.items.iter().map(|h| h.id.clone()));
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(kynnys_search::Cursor::decode(&cursor).unwrap()),
            None => break page.total,
        }
    };
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates for {q:?}");
    assert_eq!(seen.len(), total, "no gaps for {q:?}");
    assert!(total > 7);
    seen
}

/// Checks that pages of 7 come in the order of one page of 100 (for a compound, a page that
/// never fills, so that every score on it is complete, its parts included).
fn assert_pages_in_order_of_one_page(f: &Fixture, q: &str, seen: &[String]) {
    assert!(q == "kieli" || seen.len() < 100, "{q:?} fits one page");
    let request = SearchRequest {
        q: q.into(),
        lang: Some(Lang::Sv),
        limit: 100,
        ..Default::default()
    };
    let in_one: Vec<String> = f
        .index
        .search(&request, now())
        .unwrap()
        .items
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(
        seen[..in_one.len()],
        in_one,
        "pages in the order of one page for {q:?}"
    );
}

#[test]
fn cursor_pages_have_no_duplicates_and_no_gaps() {
    let f = fixture(vec![]);
    for (q, sort) in [
        ("", Sort::Updated),
        ("kieli", Sort::Relevance),
        // A common compound: its parts rank what the whole word and its synonyms match.
        ("kielikahvila", Sort::Relevance),
        ("språkcafé", Sort::Relevance),
        ("", Sort::NextOccurrence),
    ] {
        let seen = page_through(&f, q, sort);
        if !q.is_empty() {
            assert_pages_in_order_of_one_page(&f, q, &seen);
        }
    }
}

#[test]
fn compound_pages_keep_their_order_after_a_write() {
    let f = fixture(vec![]);
    // The parts' ceiling in each segment is measured by the first search and remembered until
    // the index changes.
    let before = page_through(&f, "kielikahvila", Sort::Relevance);
    // Many listings that name neither part: each part is rarer among more documents, so it
    // weighs more, and every listing that has it scores higher than before.
    let others: Vec<IndexListing> = (0..600)
        .map(|i| {
            listing(only(
                Lang::Fi,
                &format!("other-{i}"),
                "Shakkikerho",
                "Pelataan shakkia joka viikko.",
            ))
        })
        .collect();
    f.index.apply(&others, &[], 2, now()).unwrap();
    let after = page_through(&f, "kielikahvila", Sort::Relevance);
    assert_eq!(after.len(), before.len());
    assert_pages_in_order_of_one_page(&f, "kielikahvila", &after);
}

#[test]
fn a_search_on_several_threads_answers_as_on_one() {
    // Ten copies of the corpus: enough documents (over 2,048, the least a share holds) for the
    // threads to cut segments into shares.
    let mut f = fixture(corpus_copies(9));
    // Changes in three commits: the index has several segments for the threads to share.
    for (i, record) in f.records.iter().take(3).enumerate() {
        let mut changed = record.clone();
        changed.title.fi = Some(format!("Kielikahvila {i}"));
        f.index
            .apply(&[listing(changed)], &[], 2 + i as i64, now())
            .unwrap();
    }
    let sizes = f.index.segment_sizes().unwrap();
    assert!(sizes.len() >= 2);
    assert!(sizes.iter().sum::<u32>() > 2048, "{sizes:?}");
    let requests = [
        SearchRequest {
            q: "kielikahvila".into(),
            lang: Some(Lang::Fi),
            limit: 30,
            ..Default::default()
        },
        SearchRequest {
            q: "homework club".into(),
            lang: Some(Lang::En),
            themes: vec!["children_and_youth".into()],
            limit: 10,
            ..Default::default()
        },
        SearchRequest {
            lang: Some(Lang::Sv),
            kinds: vec![Kind::Event],
            sort: Sort::NextOccurrence,
            limit: 5,
            ..Default::default()
        },
    ];
    let answers = |index: &SearchIndex| -> Vec<serde_json::Value> {
        requests
            .iter()
            .map(|r| serde_json::to_value(index.search(r, now()).unwrap()).unwrap())
            .collect()
    };
    f.index.set_search_threads(1);
    let one = answers(&f.index);
    assert!(one[0]["total"].as_u64().unwrap() > 3, "{}", one[0]["total"]);
    f.index.set_search_threads(3);
    assert_eq!(answers(&f.index), one);
}

#[test]
fn distance_sort_and_radius() {
    let f = fixture(vec![]);
    let helsinki = (60.1699, 24.9384);
    let request = SearchRequest {
        near: Some(helsinki),
        radius_km: Some(30.0),
        sort: Sort::Distance,
        limit: 100,
        ..Default::default()
    };
    let response = f.index.search(&request, now()).unwrap();
    assert!(response.total > 0);
    let distances: Vec<f64> = response
        .items
        .iter()
        .map(|h| h.distance_km.unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    assert!(distances.iter().all(|d| *d <= 30.0));
}

#[test]
fn an_index_from_another_version_is_rebuilt_and_changes_apply() {
    let dir = tempfile::tempdir().unwrap();
    let vocab = Arc::new(Vocabularies::builtin().unwrap());
    {
        let (index, status) =
            SearchIndex::open(dir.path(), Resources::builtin(), vocab.clone()).unwrap();
        assert!(matches!(
            status,
            kynnys_search::IndexStatus::NeedsRebuild { .. }
        ));
        let records: Vec<IndexListing> = corpus().into_iter().take(20).map(listing).collect();
        index.apply(&records, &[], 20, now()).unwrap();
        assert_eq!(index.num_docs().unwrap(), 20);
        index
            .apply(&[], &[records[0].id.clone()], 21, now())
            .unwrap();
        assert_eq!(index.num_docs().unwrap(), 19);
    }
    let (index, status) =
        SearchIndex::open(dir.path(), Resources::builtin(), vocab.clone()).unwrap();
    assert_eq!(status, kynnys_search::IndexStatus::Ready { seq: 21 });
    assert_eq!(index.num_docs().unwrap(), 19);
    let generation = index.generation().unwrap();
    drop(index);
    std::fs::write(
        dir.path().join(&generation).join("kynnys-index.json"),
        "{\"schema_version\":0,\"resources\":0,\"vocabularies\":0}",
    )
    .unwrap();
    let (_, status) = SearchIndex::open(dir.path(), Resources::builtin(), vocab).unwrap();
    assert!(
        matches!(status, kynnys_search::IndexStatus::NeedsRebuild { .. }),
        "{status:?}"
    );
}
