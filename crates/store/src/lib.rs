//! kynnys storage: one code path over SQLite and PostgreSQL (diesel `MultiConnection`).

mod accounts;
mod audit;
mod connection;
mod convert;
mod error;
mod idempotency;
mod listing_repository;
mod listing_writes;
mod mail;
mod mail_delivery;
mod models;
mod organisations;
mod reminders;
mod schema;
mod shortlists;
mod subscriptions;
#[cfg(feature = "testing")]
pub mod testing;

pub use accounts::{
    ApiToken, ConsumedToken, Membership, NewEmailToken, NewUser, TokenPurpose, User,
};
pub use audit::{AuditEntry, AuditScope};
pub use connection::{AnyConnection, Backend, DatabaseUrl};
pub use error::StoreError;
pub use idempotency::{Claim, StoredResponse};
pub use listing_repository::{Change, ImportSummary, StoredListing};
pub use listing_writes::ListingFilter;
pub use mail::{ListUnsubscribe, NewMail, OutboxMail};
pub use mail_delivery::{OutboxCounts, SUPPRESS_AFTER_FAILURES, status as mail_status};
pub use organisations::{Member, Organisation, OrganisationFilter};
pub use reminders::ReminderTarget;
pub use shortlists::Shortlist;
pub use subscriptions::{NewSubscription, Subscription};

use connection::DbPool;
use diesel::prelude::*;

/// A new time-ordered identifier (UUID v7).
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Handle to the database: a connection pool and the backend it talks to. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: DbPool,
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    /// Opens a pool to the database. Does not migrate: call [`Store::migrate`].
    pub fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let max_size = match url.backend() {
            Backend::Sqlite => 8,
            Backend::Postgres => 12,
        };
        let pool = connection::build_pool(url, max_size)?;
        Ok(Self {
            pool,
            backend: url.backend(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn conn(&self) -> Result<connection::DbConnection, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Applies pending migrations and returns their names.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        connection::run_migrations(&mut *self.conn()?)
    }

    /// Names of migrations not yet applied.
    pub fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        connection::pending_migrations(&mut *self.conn()?)
    }

    /// Reverts every migration, dropping all data. For tests of the down migrations.
    pub fn revert_all_migrations(&self) -> Result<Vec<String>, StoreError> {
        connection::revert_all_migrations(&mut *self.conn()?)
    }

    /// True when the database answers a query.
    pub fn ping(&self) -> Result<(), StoreError> {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
            .get_result::<i32>(&mut *self.conn()?)?;
        Ok(())
    }
}
