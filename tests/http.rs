//! The HTTP application started in-process on port 0, against real databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kynnys_server::app::Application;
use kynnys_server::config::Settings;
use kynnys_store::testing::TestDatabase;

fn settings(db: &TestDatabase) -> Settings {
    let mut settings = Settings::load(None).unwrap();
    settings.database_url = db.url.clone();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings
}

fn get(url: &str) -> (u16, String, serde_json::Value) {
    let r = support::get_json(url);
    (r.status, r.content_type, r.body)
}

#[actix_web::test]
async fn ready_reflects_database_and_migrations() {
    for db in TestDatabase::each_backend() {
        let settings = settings(&db);
        let dir = tempfile::tempdir().unwrap();
        let settings = kynnys_server::config::Settings {
            index_dir: dir.path().to_owned(),
            ..settings
        };
        let vocabularies = std::sync::Arc::new(kynnys_domain::Vocabularies::builtin().unwrap());
        let index =
            kynnys_server::indexer::open_index(&settings, &db.store, vocabularies.clone()).unwrap();
        let api = kynnys_server::app::api_state(&settings, db.store.clone(), index, vocabularies);
        let app = Application::build(&settings, db.store.clone(), api).unwrap();
        let base = format!("http://{}", app.address());
        let handle = app.handle();
        let server = actix_web::rt::spawn(app.run());

        let (health, ready, store) = (
            format!("{base}/health"),
            format!("{base}/ready"),
            db.store.clone(),
        );
        let (h, r, after_revert) = actix_web::rt::task::spawn_blocking(move || {
            let h = get(&health);
            let r = get(&ready);
            store.revert_all_migrations().unwrap();
            (h, r, get(&ready))
        })
        .await
        .unwrap();
        assert_eq!((h.0, h.2["status"].as_str()), (200, Some("ok")));
        assert_eq!(r.0, 200);
        assert_eq!(r.2["database"], db.backend().name());
        assert_eq!(after_revert.0, 503, "pending migrations: not ready");
        assert_eq!(after_revert.1, "application/problem+json");
        assert_eq!(after_revert.2["code"], "not_ready");

        handle.stop(true).await;
        server.await.unwrap().unwrap();
    }
}

#[test]
fn reads_carry_an_etag_and_answer_not_modified() {
    let server = support::TestServer::start(TestDatabase::sqlite());
    for path in [
        "/api/v1/vocabularies",
        "/api/v1/listings",
        "/api/v1/organisations",
    ] {
        let first = server.send("GET", path, &[], b"");
        assert_eq!(first.status, 200, "{path}");
        let etag = first.header("etag").expect("an ETag").to_owned();
        let again = server.send("GET", path, &[("If-None-Match", etag.as_str())], b"");
        assert_eq!(again.status, 304, "{path}");
        assert!(again.text.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let stale = server.send("GET", path, &[("If-None-Match", "\"something-else\"")], b"");
        assert_eq!(stale.status, 200);
    }
}

#[test]
fn reads_are_open_to_other_origins_and_writes_are_not() {
    let server = support::TestServer::start(TestDatabase::sqlite());
    let origin = ("Origin", "https://kunta.example.fi");
    let read = server.send("GET", "/api/v1/vocabularies", &[origin], b"");
    assert_eq!(
        read.header("access-control-allow-origin"),
        Some("https://kunta.example.fi")
    );
    let preflight = server.send(
        "OPTIONS",
        "/api/v1/listings",
        &[origin, ("Access-Control-Request-Method", "POST")],
        b"",
    );
    assert!(
        preflight.header("access-control-allow-origin").is_none(),
        "{} {:?}",
        preflight.status,
        preflight.headers
    );
}

#[test]
fn every_answer_names_its_request_and_problems_carry_the_id() {
    let server = support::TestServer::start(TestDatabase::sqlite());
    let ok = server.send("GET", "/api/v1/vocabularies", &[], b"");
    let generated = ok.header("x-request-id").expect("a request id").to_owned();
    assert!(generated.len() >= 16);
    let problem = server.send(
        "GET",
        "/api/v1/listings?kind=party",
        &[("X-Request-Id", "support-case-42")],
        b"",
    );
    assert_eq!(problem.status, 400);
    assert_eq!(problem.header("x-request-id"), Some("support-case-42"));
    assert_eq!(problem.json["request_id"], "support-case-42");
    // A made-up id that could break a log line is replaced.
    let odd = server.send("GET", "/api/v1/nope", &[("X-Request-Id", "a b\"c")], b"");
    assert_ne!(odd.header("x-request-id"), Some("a b\"c"));
    assert_eq!(odd.json["request_id"].as_str(), odd.header("x-request-id"));
}
