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
