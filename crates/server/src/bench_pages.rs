//! `kynnys bench pages`: how fast the web pages answer at the scale of a whole country's
//! directory. A synthetic directory is imported into a new SQLite database and indexed, the real
//! server starts on a free local port, and each page type is fetched over HTTP many times; the
//! figures are the times until the last byte of each page, measured by the client on loopback
//! (an upper bound of the server's own time).

use crate::ServerError;
use crate::bench::percentile;
use crate::config::Settings;
use crate::synthetic::write_synthetic_file;
use crate::{app, import, indexer};
use kynnys_domain::Vocabularies;
use kynnys_store::{DatabaseUrl, ListingFilter, Store};
use std::sync::Arc;
use std::time::Instant;

/// The pages an advisor, a client and an organisation open most, by type.
fn page_mix(listing_id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("front page", "/fi/".into()),
        ("search", "/fi/?q=kielikahvila".into()),
        ("search (sv, typo)", "/sv/?q=spr%C3%A5kkafe".into()),
        (
            "search + filters",
            "/en/?q=homework+club&region=01&free=true&language=ar".into(),
        ),
        (
            "browse + facets",
            "/fi/?theme=language_learning&kind=activity".into(),
        ),
        (
            "near a place",
            "/fi/?near=60.1699,24.9384&radius_km=10&sort=distance".into(),
        ),
        ("listing page", format!("/sv/listings/{listing_id}")),
        // The JSON search under the pages, for comparison.
        ("api: browse", "/api/v1/search?lang=fi".into()),
        (
            "api: search",
            "/api/v1/search?q=kielikahvila&lang=fi".into(),
        ),
        (
            "calendar file",
            format!("/en/listings/{listing_id}/calendar.ics"),
        ),
    ]
}

/// Runs the benchmark with `listings` synthetic listings, fetching each page `rounds` times.
pub fn pages_benchmark(listings: usize, rounds: usize) -> Result<(), ServerError> {
    let vocabularies = Arc::new(Vocabularies::builtin()?);
    let now = chrono::Utc::now();
    let dir = tempfile::tempdir()?;
    let url = DatabaseUrl::Sqlite(dir.path().join("bench.db"));
    let store = Store::open(&url)?;
    store.migrate()?;
    let started = Instant::now();
    let file = write_synthetic_file(dir.path(), &vocabularies, listings, now)?;
    import::import_files(&store, &vocabularies, &[file], false, now)?;
    let mut settings = Settings::load(None)?;
    settings.database_url = url;
    settings.index_dir = dir.path().join("index");
    settings.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let index = indexer::open_index(&settings, &store, vocabularies.clone())?;
    println!(
        "synthetic directory: {listings} listings imported and indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let listing_id = store
        .listings(&ListingFilter {
            limit: 1,
            ..ListingFilter::default()
        })?
        .into_iter()
        .next()
        .map(|l| l.id)
        .ok_or_else(|| {
            ServerError::Benchmark("the synthetic directory has no public listing".into())
        })?;

    let api = app::api_state(&settings, store.clone(), index, vocabularies);
    let (tx, rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            match app::Application::build(&settings, store, api) {
                Ok(app) => {
                    let _ = tx.send(Ok((app.address(), app.handle())));
                    app.run().await
                }
                Err(e) => {
                    let message = e.to_string();
                    let _ = tx.send(Err(e));
                    Err(ServerError::Benchmark(message))
                }
            }
        })
    });
    let (address, handle) = rx
        .recv()
        .map_err(|_| ServerError::Benchmark("the server did not start".into()))??;
    let base = format!("http://{address}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let fetch = |path: &str| -> Result<(f64, usize), ServerError> {
        let started = Instant::now();
        let mut answer = agent
            .get(&format!("{base}{path}"))
            .call()
            .map_err(|e| ServerError::Benchmark(format!("GET {path}: {e}")))?;
        let status = answer.status();
        let body = answer
            .body_mut()
            .read_to_string()
            .map_err(|e| ServerError::Benchmark(format!("GET {path}: {e}")))?;
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        if !status.is_success() {
            return Err(ServerError::Benchmark(format!("GET {path}: {status}")));
        }
        Ok((millis, body.len()))
    };

    println!("page answer times over HTTP (ms)   p50      p95      p99     size");
    let mut worst_p99: f64 = 0.0;
    for (kind, path) in page_mix(&listing_id) {
        let (_, size) = fetch(&path)?;
        let mut times = (0..rounds)
            .map(|_| fetch(&path).map(|(ms, _)| ms))
            .collect::<Result<Vec<_>, _>>()?;
        times.sort_by(f64::total_cmp);
        let p99 = percentile(&times, 99.0);
        worst_p99 = worst_p99.max(p99);
        println!(
            "  {kind:<30} {:>8.2} {:>8.2} {p99:>8.2} {:>7.1} kB",
            percentile(&times, 50.0),
            percentile(&times, 95.0),
            size as f64 / 1e3
        );
    }
    println!("slowest page type p99: {worst_p99:.1} ms (target ≤ 50 ms)");
    actix_web::rt::System::new().block_on(handle.stop(true));
    server
        .join()
        .map_err(|_| ServerError::Benchmark("the server thread panicked".into()))??;
    Ok(())
}
