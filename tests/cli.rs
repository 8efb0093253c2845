//! Black-box tests of the `kynnys` binary: import, export, migrate, serve, configuration errors.
//! Each runs on SQLite and, when `KYNNYS_TEST_POSTGRES_URL` is set, on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kynnys_store::testing::TestDatabase;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CORPUS: &str = include_str!("../crates/server/demo/listings.jsonl");

fn kynnys(db: &TestDatabase, dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kynnys"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("KYNNYS_DATABASE_URL", &db.url_string)
        .env("KYNNYS_INDEX_DIR", dir.join("index"));
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

/// `kynnys migrate` with the settings `vars` in its environment.
fn migrate_with(db: &TestDatabase, dir: &Path, vars: &[(&str, &str)]) -> Output {
    run(kynnys(db, dir).envs(vars.iter().copied()).arg("migrate"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The corpus split into three files, as the shared corpus ships.
fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let lines: Vec<&str> = CORPUS.lines().collect();
    lines
        .chunks(90)
        .enumerate()
        .map(|(i, chunk)| {
            let path = dir.join(format!("part-{i}.jsonl"));
            std::fs::write(&path, chunk.join("\n") + "\n").unwrap();
            path
        })
        .collect()
}

#[test]
fn import_twice_then_export_round_trips_byte_identically() {
    for db in TestDatabase::each_backend() {
        let dir = tempfile::tempdir().unwrap();
        let files = corpus_files(dir.path());
        let first = run(kynnys(&db, dir.path()).arg("import").args(&files));
        assert!(first.status.success(), "{}", text(&first.stderr));
        let out = text(&first.stdout);
        assert!(
            out.contains("250 created, 0 updated, 0 unchanged, 0 rejected"),
            "{out}"
        );
        assert!(out.contains("Organisations: 87 created"), "{out}");

        let second = run(kynnys(&db, dir.path()).arg("import").args(&files));
        assert!(second.status.success());
        assert_eq!(
            text(&second.stdout).trim(),
            "Nothing changed: all 250 listings are already up to date."
        );

        let export = dir.path().join("export.jsonl");
        let exported = run(kynnys(&db, dir.path())
            .args(["export", "--output"])
            .arg(&export));
        assert!(exported.status.success(), "{}", text(&exported.stderr));
        let first_export = std::fs::read_to_string(&export).unwrap();
        assert_eq!(first_export.lines().count(), 250);

        // export → import into an empty database → export: byte-identical
        let fresh = TestDatabase::sqlite();
        let reimport = run(kynnys(&fresh, dir.path()).arg("import").arg(&export));
        assert!(reimport.status.success(), "{}", text(&reimport.stderr));
        let stdout_export = run(kynnys(&fresh, dir.path()).arg("export"));
        assert!(stdout_export.status.success());
        assert!(
            text(&stdout_export.stdout) == first_export,
            "second export differs ({:?})",
            db.backend()
        );
    }
}

#[test]
fn a_file_with_a_broken_line_reports_every_problem_and_changes_nothing() {
    for db in TestDatabase::each_backend() {
        let dir = tempfile::tempdir().unwrap();
        let mut lines: Vec<String> = CORPUS.lines().take(5).map(str::to_owned).collect();
        let mut broken: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
        broken["title"] = serde_json::json!({"fi": " "});
        broken["municipalities"] = serde_json::json!(["091", "998"]);
        broken["schedule"]["rrule"] = serde_json::json!("FREQ=FORTNIGHTLY");
        lines[2] = broken.to_string();
        lines.insert(4, "{\"external_id\": \"half\", ".to_owned());
        let file = dir.path().join("broken.jsonl");
        std::fs::write(&file, lines.join("\n")).unwrap();

        let out = run(kynnys(&db, dir.path()).arg("import").arg(&file));
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        let id = broken["external_id"].as_str().unwrap();
        assert!(
            err.contains(&format!("broken.jsonl:3: listing \"{id}\": 3 problem(s)")),
            "{err}"
        );
        assert!(
            err.contains("title.fi: ") && err.contains("(blank)"),
            "{err}"
        );
        assert!(
            err.contains("municipalities[1]: ") && err.contains("998"),
            "{err}"
        );
        assert!(
            err.contains("schedule.rrule: ") && err.contains("(invalid_rrule)"),
            "{err}"
        );
        assert!(
            err.contains("broken.jsonl:5: 1 problem(s)") && err.contains("(invalid_json)"),
            "{err}"
        );
        assert!(err.contains("nothing imported: 2 invalid line(s)"), "{err}");
        let export = run(kynnys(&db, dir.path()).arg("export"));
        assert_eq!(text(&export.stdout), "", "the database is unchanged");

        let skipped = run(kynnys(&db, dir.path())
            .args(["import", "--skip-invalid"])
            .arg(&file));
        assert_eq!(skipped.status.code(), Some(3));
        assert!(text(&skipped.stdout).contains("4 created, 0 updated, 0 unchanged, 2 rejected"));
        let export = run(kynnys(&db, dir.path()).arg("export"));
        assert_eq!(text(&export.stdout).lines().count(), 4);
    }
}

#[test]
fn every_command_has_help() {
    let db = TestDatabase::sqlite();
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["demo", "--help"],
        vec!["migrate", "--help"],
        vec!["import", "--help"],
        vec!["export", "--help"],
    ] {
        let out = run(kynnys(&db, dir.path()).args(&args));
        assert!(out.status.success(), "{args:?}");
        assert!(text(&out.stdout).contains("Usage: kynnys"), "{args:?}");
    }
}

#[test]
fn invalid_configuration_stops_with_one_clear_message() {
    let db = TestDatabase::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let out = migrate_with(&db, dir.path(), &[("KYNNYS_LISTEN", "everywhere")]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: invalid configuration: listen (KYNNYS_LISTEN) = \"everywhere\""),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let out = migrate_with(&db, dir.path(), &[("KYNNYS_DATABASE_URL", "mysql://db/k")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("KYNNYS_DATABASE_URL"));
}

#[test]
fn numbers_and_flags_in_the_environment_are_read_as_settings() {
    let db = TestDatabase::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let out = migrate_with(
        &db,
        dir.path(),
        &[
            ("KYNNYS_AUTH_RATE_PER_MINUTE", "20"),
            ("KYNNYS_TRUST_FORWARDED_FOR", "true"),
            ("KYNNYS_SEARCH_THREADS", "1"),
            ("KYNNYS_DIGEST_SEND_EMPTY", "false"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = migrate_with(&db, dir.path(), &[("KYNNYS_SEARCH_THREADS", "0")]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(
            "error: invalid configuration: search_threads (KYNNYS_SEARCH_THREADS) = \"0\""
        ),
        "{err}"
    );
}

#[test]
fn migrate_applies_once_and_reports_an_up_to_date_database() {
    let db = TestDatabase::sqlite_unmigrated();
    let dir = tempfile::tempdir().unwrap();
    let first = run(kynnys(&db, dir.path()).arg("migrate"));
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/sqlite"
    ))
    .unwrap()
    .count();
    assert!(
        text(&first.stdout).starts_with(&format!("Applied {migrations} migration(s)")),
        "{}",
        text(&first.stdout)
    );
    let second = run(kynnys(&db, dir.path()).arg("migrate"));
    assert!(text(&second.stdout).starts_with("The database is up to date"));
}

/// Starts `kynnys serve` on port 0 and returns the child and its address.
fn start_server(cmd: &mut Command) -> (std::process::Child, String) {
    let mut child = cmd
        .env("KYNNYS_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        if let Some(address) = line.strip_prefix("kynnys listening on ") {
            break address.to_owned();
        }
    };
    (child, address)
}

fn signal(child: &std::process::Child, name: &str) {
    let status = Command::new("kill")
        .args(["-s", name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_with_timeout(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < limit,
            "the server did not stop in {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_demo_loads_the_dataset_answers_and_stops_gracefully_on_sigterm() {
    for db in TestDatabase::each_backend() {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, address) = start_server(kynnys(&db, dir.path()).args(["serve", "--demo"]));
        let health: serde_json::Value = ureq::get(format!("{address}/health"))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        assert_eq!(health["status"], "ok");
        let ready: serde_json::Value = ureq::get(format!("{address}/ready"))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        assert_eq!(ready["status"], "ready");
        signal(&child, "TERM");
        assert!(wait_with_timeout(&mut child, Duration::from_secs(15)).success());
        assert!(
            dir.path().join("index").is_dir(),
            "the index directory is created"
        );
        let export = run(kynnys(&db, dir.path()).arg("export"));
        assert_eq!(
            text(&export.stdout).lines().count(),
            250,
            "demo data was loaded"
        );

        // A second start on a non-empty database loads nothing; SIGINT stops it too.
        let (mut child, _) = start_server(kynnys(&db, dir.path()).arg("demo"));
        signal(&child, "INT");
        assert!(wait_with_timeout(&mut child, Duration::from_secs(15)).success());
        let export = run(kynnys(&db, dir.path()).arg("export"));
        assert_eq!(text(&export.stdout).lines().count(), 250);
    }
}

fn get_json(url: &str) -> (u16, serde_json::Value) {
    let r = support::get_json(url);
    (r.status, r.body)
}

/// Polls `check` until it holds or `limit` passes; returns how long it took.
fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < limit,
            "condition not met within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    started.elapsed()
}

#[test]
fn search_serves_the_directory_follows_imports_and_survives_a_deleted_index() {
    for db in TestDatabase::each_backend() {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, address) = start_server(kynnys(&db, dir.path()).args(["serve", "--demo"]));
        let search = |query: &str| get_json(&format!("{address}/api/v1/search?{query}"));

        let (status, body) = search("q=kielikahvila&lang=sv&region=01");
        assert_eq!(status, 200, "{body}");
        assert!(body["total"].as_u64().unwrap() > 0);
        let first = &body["items"][0];
        assert_eq!(first["title"]["lang"], "sv");
        assert!(
            first["matched"]["filters"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("region"))
        );
        assert!(
            body["facets"]["region"].as_array().unwrap().len() > 1,
            "the region facet ignores its own filter"
        );

        let (status, problem) = search("q=x&kind=party&limit=1000&colour=red&lang=en");
        assert_eq!(status, 400);
        let parameters: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["parameter"].as_str().unwrap())
            .collect();
        assert_eq!(parameters, ["kind", "limit", "colour"]);
        assert_eq!(problem["code"], "invalid_parameters");
        assert_eq!(problem["title"], "Invalid parameters");

        // A listing imported while the server runs becomes searchable.
        let mut record: serde_json::Value =
            serde_json::from_str(CORPUS.lines().next().unwrap()).unwrap();
        record["external_id"] = serde_json::json!("new-1");
        record["title"]["fi"] = serde_json::json!("Tuliterä-kielikahvila");
        let file = dir.path().join("new.jsonl");
        std::fs::write(&file, record.to_string()).unwrap();
        assert!(
            run(kynnys(&db, dir.path()).arg("import").arg(&file))
                .status
                .success()
        );
        let delay = eventually(Duration::from_secs(10), || {
            search("q=tuliter%C3%A4&lang=fi").1["total"] == 1
        });
        println!("write→searchable through the server: {delay:?}");

        // The index directory disappears: the server rebuilds it from the database.
        std::fs::remove_dir_all(dir.path().join("index")).unwrap();
        eventually(Duration::from_secs(20), || {
            dir.path().join("index").join("CURRENT").is_file()
        });
        eventually(Duration::from_secs(20), || {
            search("q=tuliter%C3%A4&lang=fi").1["total"] == 1
        });

        // kynnys reindex swaps a fresh generation in while the server keeps answering.
        let reindex = run(kynnys(&db, dir.path()).arg("reindex"));
        assert!(reindex.status.success(), "{}", text(&reindex.stderr));
        assert!(text(&reindex.stdout).contains("Built search index gen-"));
        let generation = text(&reindex.stdout)
            .split_whitespace()
            .nth(3)
            .unwrap()
            .to_owned();
        eventually(Duration::from_secs(10), || {
            let current = std::fs::read_to_string(dir.path().join("index").join("CURRENT"))
                .unwrap_or_default();
            current.trim() == generation && search("q=kielikahvila&lang=fi").0 == 200
        });
        assert_eq!(search("q=tuliter%C3%A4&lang=fi").1["total"], 1);

        signal(&child, "TERM");
        assert!(wait_with_timeout(&mut child, Duration::from_secs(15)).success());
    }
}
