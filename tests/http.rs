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

#[test]
fn the_change_feed_tells_a_copy_what_to_store_and_what_to_drop() {
    use kynnys_domain::PlatformRole;
    use serde_json::json;
    for db in TestDatabase::each_backend() {
        let server = support::TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let org = server.call(
            "POST",
            "/api/v1/organisations",
            Some(&owner),
            Some(&json!({"name": {"fi": "Syöte ry"}, "type": "association"})),
        );
        let org = org.json["id"].as_str().unwrap().to_owned();
        server.call(
            "POST",
            &format!("/api/v1/organisations/{org}/approve"),
            Some(&admin),
            None,
        );
        let mut ids = Vec::new();
        for title in ["Ensimmäinen", "Toinen", "Kolmas"] {
            let created = server.call(
                "POST",
                "/api/v1/listings",
                Some(&owner),
                Some(&support::listing_body(&org, title)),
            );
            let id = created.json["id"].as_str().unwrap().to_owned();
            server.call(
                "POST",
                &format!("/api/v1/listings/{id}/submit"),
                Some(&owner),
                None,
            );
            server.call(
                "POST",
                &format!("/api/v1/listings/{id}/approve"),
                Some(&admin),
                None,
            );
            ids.push(id);
        }
        server.call(
            "POST",
            &format!("/api/v1/listings/{}/archive", ids[2]),
            Some(&owner),
            None,
        );

        // Read the feed two entries at a time, as a syncing site would.
        let mut copy = std::collections::BTreeMap::new();
        let mut since = 0;
        loop {
            let page = server.call(
                "GET",
                &format!("/api/v1/changes?since={since}&limit=2"),
                None,
                None,
            );
            assert_eq!(page.status, 200, "{}", page.text);
            for entry in page.json["items"].as_array().unwrap() {
                let id = entry["id"].as_str().unwrap().to_owned();
                match entry["operation"].as_str().unwrap() {
                    "upsert" => copy.insert(id, entry["listing"]["title"]["fi"].clone()),
                    "delete" => {
                        assert!(entry["listing"].is_null());
                        copy.remove(&id)
                    }
                    other => panic!("operation {other}"),
                };
            }
            since = page.json["next_since"].as_i64().unwrap();
            if !page.json["more"].as_bool().unwrap() {
                break;
            }
        }
        let expected: std::collections::BTreeMap<String, serde_json::Value> = [
            (ids[0].clone(), json!("Ensimmäinen")),
            (ids[1].clone(), json!("Toinen")),
        ]
        .into();
        assert_eq!(copy, expected);
        let idle = server.call("GET", &format!("/api/v1/changes?since={since}"), None, None);
        assert_eq!(idle.json["items"], json!([]));
        assert_eq!(idle.json["next_since"], since);
        let bad = server.call("GET", "/api/v1/changes?limit=0", None, None);
        assert_eq!(bad.status, 400);
        assert!(bad.is_problem());
    }
}
