//! `kynnys bench import`: measures the import path end to end (file → parse → validate →
//! database) on a synthetic directory, and prints the figures.

use crate::ServerError;
use crate::synthetic::{synthetic_listings, write_synthetic_file};
use crate::{demo, export, import};
use kynnys_domain::Vocabularies;
use kynnys_store::{DatabaseUrl, Store};
use std::time::Instant;

/// Runs the import benchmark with `listings` synthetic listings. Without `database_url` a new
/// SQLite database in a temporary directory is used; a given database should be empty.
pub fn import_benchmark(
    listings: usize,
    database_url: Option<DatabaseUrl>,
) -> Result<(), ServerError> {
    let vocabularies = Vocabularies::builtin()?;
    let now = chrono::Utc::now();
    let dir = tempfile::tempdir()?;
    let url = database_url.unwrap_or_else(|| DatabaseUrl::Sqlite(dir.path().join("bench.db")));
    let store = Store::open(&url)?;
    store.migrate()?;

    let started = Instant::now();
    let file = write_synthetic_file(dir.path(), &vocabularies, listings, now)?;
    let size = std::fs::metadata(&file)?.len();
    println!(
        "generated {listings} listings ({:.1} MB) in {:.2} s",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    println!("database: {}", url.redacted());

    let files = [file];
    let timed =
        |label: &str, f: &dyn Fn() -> Result<String, ServerError>| -> Result<(), ServerError> {
            let started = Instant::now();
            let detail = f()?;
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "{label:<18} {seconds:>7.2} s  {:>9.0} listings/s  {detail}",
                listings as f64 / seconds.max(1e-9)
            );
            Ok(())
        };
    timed("import (new)", &|| {
        let report = import::import_files(&store, &vocabularies, &files, false, now)?;
        Ok(format!("{} created", report.summary.created))
    })?;
    timed("import (same)", &|| {
        let report = import::import_files(&store, &vocabularies, &files, false, now)?;
        Ok(format!("{} unchanged", report.summary.unchanged))
    })?;
    timed("export", &|| {
        let n = export::write_listings(&store, &mut std::io::sink())?;
        Ok(format!("{n} written"))
    })?;
    Ok(())
}

/// One judged query of a relevance file (`dev-queries.json`).
#[derive(Debug, serde::Deserialize)]
struct JudgedQuery {
    id: String,
    lang: kynnys_domain::Lang,
    category: String,
    q: String,
    #[serde(default)]
    filters: kynnys_domain::SearchFilters,
    relevant: std::collections::BTreeMap<String, u8>,
}

#[derive(Debug, serde::Deserialize)]
struct JudgedFile {
    queries: Vec<JudgedQuery>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Scores {
    ndcg_sum: f64,
    ndcg_n: usize,
    recall_sum: f64,
    recall_n: usize,
    zero: usize,
    zero_n: usize,
    empty_ok: usize,
    empty_n: usize,
}

impl Scores {
    fn add(&mut self, other: &Scores) {
        self.ndcg_sum += other.ndcg_sum;
        self.ndcg_n += other.ndcg_n;
        self.recall_sum += other.recall_sum;
        self.recall_n += other.recall_n;
        self.zero += other.zero;
        self.zero_n += other.zero_n;
        self.empty_ok += other.empty_ok;
        self.empty_n += other.empty_n;
    }

    fn line(&self, label: &str) -> String {
        let mean = |s: f64, n: usize| {
            if n == 0 {
                "   -  ".to_owned()
            } else {
                format!("{:.3}", s / n as f64)
            }
        };
        let empty = if self.empty_n == 0 {
            String::new()
        } else {
            format!(
                "  empty answered by nothing: {}/{}",
                self.empty_ok, self.empty_n
            )
        };
        format!(
            "{label:<16} nDCG@10 {}  recall@10 {}  zero-result {}  ({} judged){empty}",
            mean(self.ndcg_sum, self.ndcg_n),
            mean(self.recall_sum, self.recall_n),
            mean(self.zero as f64, self.zero_n),
            self.ndcg_n
        )
    }
}

/// nDCG@10 with gain 2^grade - 1 and a log2 discount, against the ideal order of the judged ids.
fn ndcg_at_10(results: &[String], relevant: &std::collections::BTreeMap<String, u8>) -> f64 {
    let gain = |g: u8| f64::from((1u32 << g) - 1);
    let dcg: f64 = results
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, id)| gain(relevant.get(id).copied().unwrap_or(0)) / ((i + 2) as f64).log2())
        .sum();
    let mut ideal: Vec<u8> = relevant.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, g)| gain(*g) / ((i + 2) as f64).log2())
        .sum();
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

/// Runs judged queries against the current index and prints nDCG@10, recall@10 and the
/// zero-result rate, overall and per category and language. With `verbose`, every query's line.
pub fn relevance_benchmark(
    index: &kynnys_search::SearchIndex,
    queries_file: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
    verbose: bool,
) -> Result<(), ServerError> {
    use std::collections::BTreeMap;
    let text = std::fs::read_to_string(queries_file).map_err(|source| ServerError::File {
        path: queries_file.display().to_string(),
        source,
    })?;
    let file: JudgedFile = serde_json::from_str(&text)
        .map_err(|e| ServerError::Config(format!("{}: {e}", queries_file.display())))?;
    let mut overall = Scores::default();
    let mut by_category: BTreeMap<String, Scores> = BTreeMap::new();
    let mut by_lang: BTreeMap<String, Scores> = BTreeMap::new();
    for judged in &file.queries {
        let request = kynnys_search::SearchRequest {
            q: judged.q.clone(),
            ..kynnys_search::SearchRequest::with_filters(&judged.filters, judged.lang, 10)
        };
        let response = index.search(&request, now)?;
        let results: Vec<String> = response
            .items
            .iter()
            .map(|h| h.external_id.clone())
            .collect();
        let mut s = Scores::default();
        if judged.relevant.is_empty() {
            s.empty_n = 1;
            s.empty_ok = usize::from(results.is_empty());
        } else {
            s.ndcg_sum = ndcg_at_10(&results, &judged.relevant);
            s.ndcg_n = 1;
            s.zero_n = 1;
            s.zero = usize::from(results.is_empty());
            let wanted: Vec<&String> = judged
                .relevant
                .iter()
                .filter(|(_, g)| **g >= 2)
                .map(|(id, _)| id)
                .collect();
            if !wanted.is_empty() {
                let found = wanted
                    .iter()
                    .filter(|id| results.iter().take(10).any(|r| r == **id))
                    .count();
                s.recall_sum = found as f64 / wanted.len() as f64;
                s.recall_n = 1;
            }
        }
        if verbose {
            println!(
                "{} {} {:<13} {:<32} nDCG {:.3}  top: {}",
                judged.id,
                judged.lang,
                judged.category,
                format!("{:?}", judged.q),
                if s.ndcg_n == 1 { s.ndcg_sum } else { f64::NAN },
                results
                    .iter()
                    .take(5)
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        overall.add(&s);
        by_category
            .entry(judged.category.clone())
            .or_default()
            .add(&s);
        by_lang
            .entry(judged.lang.code().to_owned())
            .or_default()
            .add(&s);
    }
    println!(
        "{} queries against {} documents",
        file.queries.len(),
        index.num_docs()?
    );
    println!("{}", overall.line("overall"));
    println!("-- per category");
    for (category, s) in &by_category {
        println!("{}", s.line(category));
    }
    println!("-- per language");
    for (lang, s) in &by_lang {
        println!("{}", s.line(lang));
    }
    Ok(())
}

fn peak_memory_mb() -> Option<f64> {
    memory_status_mb("VmHWM:")
}

fn resident_memory_mb() -> Option<f64> {
    memory_status_mb("VmRSS:")
}

/// A line of `/proc/self/status` (Linux) in megabytes.
fn memory_status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Starts a new peak: the kernel's high-water mark of resident memory is set back to the
/// current resident size (Linux; elsewhere the peak stays the whole process's).
fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The query mix of the speed benchmark: text, text with filters, browse with facets, geo.
fn query_mix(vocabularies: &Vocabularies) -> Vec<(&'static str, kynnys_search::SearchRequest)> {
    use kynnys_domain::{Kind, Lang};
    use kynnys_search::{SearchRequest, Sort};
    let text = |q: &str, lang: Lang| SearchRequest {
        q: q.into(),
        lang: Some(lang),
        limit: 20,
        ..Default::default()
    };
    let mut mix = Vec::new();
    for (q, lang) in [
        ("kielikahvila", Lang::Fi),
        ("läksykerho", Lang::Fi),
        ("språkcafé", Lang::Sv),
        ("homework club", Lang::En),
        ("naisten ryhmä", Lang::Fi),
        ("svenskakurs", Lang::Sv),
        ("digital help", Lang::En),
        ("kielikahvilaan", Lang::Fi),
        ("familjekafe", Lang::Sv),
        ("keskustelur", Lang::Fi),
    ] {
        mix.push(("text", text(q, lang)));
    }
    let regions: Vec<String> = vocabularies
        .regions()
        .iter()
        .map(|r| r.code.clone())
        .collect();
    for (i, (q, lang)) in [
        ("kielikahvila", Lang::Fi),
        ("support group", Lang::En),
        ("språkcafé", Lang::Sv),
        ("kerho", Lang::Fi),
    ]
    .into_iter()
    .enumerate()
    {
        let mut r = text(q, lang);
        r.regions = vec![regions[i % regions.len()].clone()];
        r.languages = vec!["ar".into(), "so".into()];
        r.free = Some(true);
        mix.push(("text+filters", r));
    }
    for (i, kind) in [Kind::Activity, Kind::Event, Kind::Training]
        .into_iter()
        .enumerate()
    {
        let r = SearchRequest {
            lang: Some(Lang::Sv),
            kinds: vec![kind],
            regions: vec![regions[(i * 5) % regions.len()].clone()],
            limit: 20,
            ..Default::default()
        };
        mix.push(("browse+facets", r));
    }
    mix.push((
        "browse+facets",
        SearchRequest {
            limit: 20,
            ..Default::default()
        },
    ));
    for (lat, lon) in [(60.1699, 24.9384), (61.4978, 23.7610), (65.0121, 25.4651)] {
        let r = SearchRequest {
            lang: Some(Lang::En),
            near: Some((lat, lon)),
            radius_km: Some(25.0),
            sort: Sort::Distance,
            limit: 20,
            ..Default::default()
        };
        mix.push(("geo", r));
    }
    mix
}

/// Builds a synthetic directory of `listings`, indexes it and prints throughput, latencies,
/// queries per second on two threads, the write→searchable delay, index size and peak memory.
pub fn search_benchmark(
    listings: usize,
    rounds: usize,
    only: Option<&str>,
) -> Result<(), ServerError> {
    use kynnys_search::{IndexListing, Resources, SearchIndex};
    let vocabularies = std::sync::Arc::new(Vocabularies::builtin()?);
    let now = chrono::Utc::now();
    let base = demo::demo_listings(&vocabularies, now)?;
    // The directory is made as it is indexed, as the server streams it from its database.
    let current = std::cell::Cell::new(0usize);
    let directory = || {
        synthetic_listings(&base, &vocabularies, listings, 2026)
            .filter(|r| !r.is_expired(now))
            .map(|record| {
                current.set(current.get() + 1);
                Ok(IndexListing {
                    id: record.external_id.clone(),
                    record,
                    schedule_anchor: None,
                    updated_at: now,
                })
            })
    };
    let dir = tempfile::tempdir()?;
    let (mut index, _) = SearchIndex::open(dir.path(), Resources::builtin(), vocabularies.clone())?;
    // Searches run on as many threads as the server's would (`KYNNYS_SEARCH_THREADS`).
    if let Some(threads) = crate::config::Settings::load(None)?.search_threads {
        index.set_search_threads(threads.get());
    }
    let started = Instant::now();
    index.rebuild(directory(), 1, now)?;
    let build = started.elapsed().as_secs_f64();
    let current = current.take();
    println!("synthetic directory: {listings} listings, {current} current (indexed)");
    println!(
        "indexing            {build:>8.2} s   {:>9.0} listings/s  (generating included)",
        current as f64 / build
    );
    let started = Instant::now();
    index.rebuild(directory(), 1, now)?;
    println!(
        "full reindex        {:>8.2} s",
        started.elapsed().as_secs_f64()
    );
    let segments = index.segment_sizes()?;
    println!(
        "index size          {:>8.1} MB   {} segments of {:?} documents",
        index.size_bytes()? as f64 / 1e6,
        segments.len(),
        segments
    );
    let building_peak = peak_memory_mb();
    // The twenty listings the write test changes.
    let changed: Vec<IndexListing> = directory()
        .take(20)
        .collect::<Result<_, kynnys_search::SearchError>>()?;
    let serving_peak_measured = reset_peak_memory();

    let mut mix = query_mix(&vocabularies);
    if let Some(only) = only {
        mix.retain(|(kind, _)| *kind == only);
        if mix.is_empty() {
            return Err(ServerError::Config(format!(
                "--only {only:?}: expected text, text+filters, browse+facets or geo"
            )));
        }
    }
    // Warm up, then time each query of the mix `rounds` times.
    for (_, request) in &mix {
        index.search(request, now)?;
    }
    let mut by_kind: std::collections::BTreeMap<&str, Vec<f64>> = std::collections::BTreeMap::new();
    let mut timed = |kind, request| -> Result<(), ServerError> {
        let t = Instant::now();
        index.search(request, now)?;
        by_kind
            .entry(kind)
            .or_default()
            .push(t.elapsed().as_secs_f64() * 1000.0);
        Ok(())
    };
    for _ in 0..rounds {
        for (kind, request) in &mix {
            timed(kind, request)?;
        }
    }
    // The text queries again one at a time with a pause before each, as an advisor types them:
    // the cores have gone idle, and a search wakes the threads it hands work to.
    for _ in 0..rounds.div_ceil(4) {
        for (_, request) in mix.iter().filter(|(kind, _)| *kind == "text") {
            std::thread::sleep(std::time::Duration::from_millis(20));
            timed("text, 20 ms apart", request)?;
        }
    }
    println!("latency in-process (ms)       p50      p95      p99");
    for (kind, mut times) in by_kind {
        times.sort_by(f64::total_cmp);
        println!(
            "  {kind:<22} {:>8.2} {:>8.2} {:>8.2}",
            percentile(&times, 50.0),
            percentile(&times, 95.0),
            percentile(&times, 99.0)
        );
    }
    // Throughput on two threads over the whole mix.
    let index = std::sync::Arc::new(index);
    let started = Instant::now();
    let per_thread = rounds * mix.len();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let index = index.clone();
            let mix = mix.clone();
            std::thread::spawn(move || -> Result<(), kynnys_search::SearchError> {
                for i in 0..per_thread {
                    index.search(&mix[i % mix.len()].1, now)?;
                }
                Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker
            .join()
            .map_err(|_| ServerError::Config("a benchmark thread panicked".into()))??;
    }
    let qps = (2 * per_thread) as f64 / started.elapsed().as_secs_f64();
    println!("queries per second  {qps:>8.0}   (2 threads, the mix above)");
    // Write → searchable: one changed listing applied (commit + reader reload), then found.
    let mut delays = Vec::new();
    for (i, listing) in changed.iter().enumerate() {
        let mut changed = listing.clone();
        let marker = format!("merkki{}x{}", i, listings);
        changed.record.title.fi = Some(format!(
            "{} {marker}",
            changed.record.title.fi.clone().unwrap_or_default()
        ));
        let t = Instant::now();
        index.apply(std::slice::from_ref(&changed), &[], 2 + i as i64, now)?;
        let request = kynnys_search::SearchRequest {
            q: marker,
            limit: 1,
            ..Default::default()
        };
        while index.search(&request, now)?.total == 0 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        delays.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    delays.sort_by(f64::total_cmp);
    println!(
        "write→searchable    p50 {:.0} ms  p99 {:.0} ms  (in-process; the server's follower adds its ≤200 ms poll)",
        percentile(&delays, 50.0),
        percentile(&delays, 99.0)
    );
    if let Some(mb) = building_peak {
        println!("peak resident memory {mb:>7.0} MB  (generating and indexing twice)");
    }
    if let (true, Some(peak), Some(now)) = (
        serving_peak_measured,
        peak_memory_mb(),
        resident_memory_mb(),
    ) {
        println!(
            "serving memory      peak {peak:.0} MB, now {now:.0} MB  (queries on two threads, writes)"
        );
    }
    Ok(())
}

/// Composes and delivers a digest round for `subscribers` confirmed subscriptions (varied
/// filters and languages) to a local SMTP sink, and prints the rates and the peak memory.
pub fn digest_benchmark(subscribers: usize) -> Result<(), ServerError> {
    use kynnys_domain::{Frequency, Lang, SearchFilters};
    use kynnys_store::NewSubscription;

    let vocabularies = std::sync::Arc::new(Vocabularies::builtin()?);
    let dir = tempfile::tempdir()?;
    let mut settings = crate::config::Settings::load(None)?;
    settings.database_url = DatabaseUrl::Sqlite(dir.path().join("bench.db"));
    settings.index_dir = dir.path().join("index");
    let store = Store::open(&settings.database_url)?;
    store.migrate()?;
    let start = chrono::Utc::now();
    let base = demo::demo_listings(&vocabularies, start)?;
    store.import_listings(base.clone(), start - chrono::TimeDelta::days(2))?;

    let started = Instant::now();
    let regions: Vec<String> = vocabularies
        .regions()
        .iter()
        .map(|r| r.code.clone())
        .collect();
    let themes: Vec<String> = vocabularies
        .themes
        .terms()
        .iter()
        .map(|t| t.key.clone())
        .collect();
    let confirmed_at = chrono::Utc::now();
    for i in 0..subscribers {
        let filters = SearchFilters {
            region: vec![regions[i % regions.len()].clone()],
            theme: if i % 3 == 0 {
                vec![themes[i % themes.len()].clone()]
            } else {
                Vec::new()
            },
            ..SearchFilters::default()
        };
        let hash = format!("bench-confirm-{i}");
        store.create_subscription(
            &NewSubscription {
                email: &format!("subscriber{i}@bench.kynnys"),
                lang: [Lang::Fi, Lang::Sv, Lang::En][i % 3],
                frequency: Frequency::Weekly,
                filters: &filters,
                confirm_token_hash: &hash,
                confirm_expires_at: confirmed_at + chrono::TimeDelta::hours(1),
                manage_token: &format!("bench-manage-{i}"),
                user_id: None,
                source: "bench",
                ip: None,
            },
            None,
            confirmed_at,
        )?;
        store.confirm_subscription(&hash, None, confirmed_at)?;
    }
    println!(
        "{subscribers} confirmed subscriptions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Every listing changes after the subscriptions began.
    let changed: Vec<_> = base
        .into_iter()
        .map(|mut r| {
            if let Some(fi) = &mut r.title.fi {
                fi.push_str(" (uusi)");
            }
            r
        })
        .collect();
    let changed_at = confirmed_at + chrono::TimeDelta::minutes(1);
    store.import_listings(changed, changed_at)?;
    let index = crate::indexer::open_index(&settings, &store, vocabularies.clone())?;
    let sink = crate::smtp_sink::SmtpSink::start()?;
    let memory_before = peak_memory_mb().unwrap_or(0.0);

    let round_at = changed_at + chrono::TimeDelta::minutes(1);
    let ctx = crate::digest::DigestContext {
        store: &store,
        index: &index,
        vocabularies: &vocabularies,
        public_url: "https://kynnys.example",
        unsubscribe_mailto: "unsubscribe@kynnys.example",
        schedule: crate::digest::DigestSchedule::default(),
    };
    let composing = Instant::now();
    let report = crate::digest::run_round(&ctx, round_at, true)?;
    let compose_secs = composing.elapsed().as_secs_f64();
    let delivery = crate::mail_worker::MailDelivery {
        store: store.clone(),
        sender: std::sync::Arc::new(kynnys_mailer::SmtpSender::from_url(&sink.url)?),
        from: "kynnys <no-reply@kynnys.example>".into(),
    };
    let delivering = Instant::now();
    let mut sent = 0;
    loop {
        let pass = delivery.deliver_batch(round_at + chrono::TimeDelta::minutes(1))?;
        sent += pass.sent;
        if pass.handled() == 0 {
            break;
        }
    }
    let deliver_secs = delivering.elapsed().as_secs_f64();
    let total = compose_secs + deliver_secs;
    println!(
        "digest round: {} mailed, {} with nothing new, composed in {compose_secs:.1} s ({:.0} digests/s)",
        report.mailed,
        report.empty,
        report.considered as f64 / compose_secs.max(1e-9)
    );
    println!(
        "delivered {sent} mails ({} received by the sink, {:.1} MB) in {deliver_secs:.1} s ({:.0} mails/s)",
        sink.mails(),
        sink.bytes() as f64 / 1e6,
        sent as f64 / deliver_secs.max(1e-9)
    );
    println!(
        "compose + deliver: {:.0} mails/s; peak RSS {:.0} MB (before the round {memory_before:.0} MB)",
        sent as f64 / total.max(1e-9),
        peak_memory_mb().unwrap_or(0.0)
    );
    Ok(())
}
