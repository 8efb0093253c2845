//! One connection type for both databases, the pool, per-connection settings and embedded migrations.

use crate::StoreError;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sql_query;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Key of the PostgreSQL advisory lock that serialises migrations across replicas.
const MIGRATION_LOCK: i64 = 0x6b79_6e6e_7973_0001;
/// Key of the PostgreSQL advisory lock that orders change sequence numbers by commit.
pub(crate) const CHANGE_SEQUENCE_LOCK: i64 = 0x6b79_6e6e_7973_0002;

/// A connection to either backend; all queries of the store are written once against it.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<AnyConnection>>;
pub type DbConnection = PooledConnection<ConnectionManager<AnyConnection>>;

/// Which database a URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file (`sqlite://path`, `sqlite:path` or a plain file path).
    Sqlite(PathBuf),
    /// A PostgreSQL server (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = StoreError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim();
        if value.is_empty() {
            return Err(StoreError::InvalidUrl("empty".into()));
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            url::Url::parse(value).map_err(|e| StoreError::InvalidUrl(e.to_string()))?;
            return Ok(DatabaseUrl::Postgres(value.to_owned()));
        }
        let path = value
            .strip_prefix("sqlite://")
            .or_else(|| value.strip_prefix("sqlite:"))
            .unwrap_or(value);
        if path.contains("://") {
            return Err(StoreError::InvalidUrl(format!(
                "unsupported scheme in {:?}: use sqlite://PATH, a file path or postgres://…",
                value.split("://").next().unwrap_or_default()
            )));
        }
        if path.is_empty() || path == ":memory:" {
            return Err(StoreError::InvalidUrl(
                "SQLite needs a file path (an in-memory database cannot be shared by the pool)"
                    .into(),
            ));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }
}

impl DatabaseUrl {
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL without a password, for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => match url::Url::parse(url) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        let _ = parsed.set_password(Some("***"));
                    }
                    parsed.to_string()
                }
                Err(_) => "postgres://…".to_owned(),
            },
        }
    }

    fn connection_string(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => path.display().to_string(),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }
}

/// Settings every SQLite connection gets when the pool hands it out.
#[derive(Debug)]
struct SqliteSettings;

impl CustomizeConnection<AnyConnection, diesel::r2d2::Error> for SqliteSettings {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        if let AnyConnection::Sqlite(c) = conn {
            // busy_timeout first: switching to WAL takes a lock that other connections may hold.
            for pragma in [
                "PRAGMA busy_timeout = 10000",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                "PRAGMA foreign_keys = ON",
            ] {
                sql_query(pragma)
                    .execute(c)
                    .map_err(diesel::r2d2::Error::QueryError)?;
            }
        }
        Ok(())
    }
}

pub(crate) fn build_pool(url: &DatabaseUrl, max_size: u32) -> Result<DbPool, StoreError> {
    if let DatabaseUrl::Sqlite(path) = url {
        create_parent_dir(path)?;
    }
    let manager = ConnectionManager::<AnyConnection>::new(url.connection_string());
    // No idle minimum: r2d2 opens connections on its worker threads, and a worker still opening
    // one (over TLS, with libpq's OpenSSL) when a short command exits crashes in OpenSSL's exit
    // cleanup. Connections are opened when asked for and kept while used.
    let builder = Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(10));
    let pool = match url {
        DatabaseUrl::Sqlite(_) => builder.connection_customizer(Box::new(SqliteSettings)),
        DatabaseUrl::Postgres(_) => builder,
    }
    .build(manager)?;
    Ok(pool)
}

fn create_parent_dir(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => Ok(std::fs::create_dir_all(dir)?),
        _ => Ok(()),
    }
}

fn migration_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Migration(e.to_string())
}

/// Applies every pending migration; returns the names applied.
pub(crate) fn run_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let applied: Vec<String> = match conn {
        AnyConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(migration_error)?
            .into_iter()
            .map(|v| v.to_string())
            .collect(),
        AnyConnection::Postgresql(c) => {
            sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|applied| {
                    applied
                        .into_iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                })
                .map_err(migration_error);
            sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            return result;
        }
    };
    Ok(applied)
}

/// Names of the migrations that are not applied yet.
pub(crate) fn pending_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let names = match conn {
        AnyConnection::Sqlite(c) => c
            .pending_migrations(SQLITE_MIGRATIONS)
            .map(|pending| pending.iter().map(|m| m.name().to_string()).collect()),
        AnyConnection::Postgresql(c) => c
            .pending_migrations(POSTGRES_MIGRATIONS)
            .map(|pending| pending.iter().map(|m| m.name().to_string()).collect()),
    };
    names.map_err(migration_error)
}

/// Reverts every applied migration (tests of down migrations).
pub(crate) fn revert_all_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let reverted = match conn {
        AnyConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS),
        AnyConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(migration_error)?;
    Ok(reverted.into_iter().map(|v| v.to_string()).collect())
}

/// Runs `body` in a transaction that holds the write lock from its first statement:
/// `BEGIN IMMEDIATE` on SQLite (no lock upgrade that could fail half-way), a plain
/// transaction on PostgreSQL.
pub(crate) fn write_transaction<T, E>(
    conn: &mut AnyConnection,
    body: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match body(conn) {
        Ok(value) => {
            match conn {
                AnyConnection::Sqlite(c) => AnsiTransactionManager::commit_transaction(c)?,
                AnyConnection::Postgresql(c) => AnsiTransactionManager::commit_transaction(c)?,
            }
            Ok(value)
        }
        Err(err) => {
            let rolled_back = match conn {
                AnyConnection::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
                AnyConnection::Postgresql(c) => AnsiTransactionManager::rollback_transaction(c),
            };
            if let Err(rollback_error) = rolled_back {
                tracing::error!(error = %rollback_error, "rollback failed");
            }
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_select_the_backend() {
        assert_eq!(
            "sqlite://data/kynnys.db".parse::<DatabaseUrl>().unwrap(),
            DatabaseUrl::Sqlite("data/kynnys.db".into())
        );
        assert_eq!(
            "sqlite:///var/lib/k.db".parse::<DatabaseUrl>().unwrap(),
            DatabaseUrl::Sqlite("/var/lib/k.db".into())
        );
        assert_eq!(
            "./k.sqlite".parse::<DatabaseUrl>().unwrap().backend(),
            Backend::Sqlite
        );
        assert_eq!(
            "postgres://u:secret@db/k"
                .parse::<DatabaseUrl>()
                .unwrap()
                .backend(),
            Backend::Postgres
        );
        assert!("mysql://x/y".parse::<DatabaseUrl>().is_err());
        assert!("".parse::<DatabaseUrl>().is_err());
        assert!("sqlite://:memory:".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        let url: DatabaseUrl = "postgres://kynnys:hunter2@db:5432/k".parse().unwrap();
        assert_eq!(url.redacted(), "postgres://kynnys:***@db:5432/k");
    }
}
