//! `kynnys bench import`: measures the import path end to end (file → parse → validate →
//! database) on a synthetic directory, and prints the figures.

use crate::ServerError;
use crate::synthetic::synthetic_listings;
use crate::{demo, export, import};
use kynnys_domain::Vocabularies;
use kynnys_store::{DatabaseUrl, Store};
use std::io::Write;
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
    let base = demo::demo_listings(&vocabularies, now)?;
    let records = synthetic_listings(&base, &vocabularies, listings, 2026);
    let file = dir.path().join("listings.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
    for record in &records {
        serde_json::to_writer(&mut out, record).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    drop(records);
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
