//! Fresh databases for tests: a SQLite file in a temporary directory, and a new PostgreSQL
//! database per test when `KYNNYS_TEST_POSTGRES_URL` names a server (dropped afterwards).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::{Backend, DatabaseUrl, Store};
use diesel::{Connection, PgConnection, RunQueryDsl};

/// Environment variable with the URL of a PostgreSQL server for tests (any database on it;
/// the tests create and drop their own). When set, an unreachable server fails the tests.
pub const POSTGRES_ENV: &str = "KYNNYS_TEST_POSTGRES_URL";

/// A database that exists for one test.
pub struct TestDatabase {
    pub store: Store,
    pub url: DatabaseUrl,
    /// The URL as a string, for handing to a child process.
    pub url_string: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A migrated SQLite database in a new temporary directory.
    pub fn sqlite() -> Self {
        let db = Self::sqlite_unmigrated();
        db.store.migrate().unwrap();
        db
    }

    pub fn sqlite_unmigrated() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kynnys.db");
        let url_string = format!("sqlite://{}", path.display());
        let url: DatabaseUrl = url_string.parse().unwrap();
        Self {
            store: Store::open(&url).unwrap(),
            url,
            url_string,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A migrated, new PostgreSQL database, or `None` when no server is configured.
    pub fn postgres() -> Option<Self> {
        let db = Self::postgres_unmigrated()?;
        db.store.migrate().unwrap();
        Some(db)
    }

    pub fn postgres_unmigrated() -> Option<Self> {
        let admin = std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty())?;
        let name = format!("kynnys_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = PgConnection::establish(&admin)
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is unreachable: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .unwrap();
        let mut parsed = url::Url::parse(&admin).unwrap();
        parsed.set_path(&format!("/{name}"));
        let url_string = parsed.to_string();
        let url: DatabaseUrl = url_string.parse().unwrap();
        Some(Self {
            store: Store::open(&url).unwrap(),
            url,
            url_string,
            _dir: None,
            postgres: Some((admin, name)),
        })
    }

    /// SQLite, plus PostgreSQL when configured: run the same test body on each.
    pub fn each_backend() -> Vec<Self> {
        let mut all = vec![Self::sqlite()];
        all.extend(Self::postgres());
        all
    }

    /// Like [`TestDatabase::each_backend`], without migrations.
    pub fn each_backend_unmigrated() -> Vec<Self> {
        let mut all = vec![Self::sqlite_unmigrated()];
        all.extend(Self::postgres_unmigrated());
        all
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}
