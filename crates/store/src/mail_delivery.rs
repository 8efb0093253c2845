//! Delivery bookkeeping of the e-mail outbox: workers claim rows with a lease (so several
//! processes never send the same row at once), then mark each sent, to retry, or failed. No
//! transaction is held while a mail is on the wire. Addresses with repeated permanent failures
//! are suppressed.

use crate::mail::{OutboxMail, outbox_mail};
use crate::models::EmailOutboxRow;
use crate::schema::{email_outbox, email_suppressions};
use crate::{Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;

/// Permanent failures after which an address gets nothing more.
pub const SUPPRESS_AFTER_FAILURES: i32 = 3;

/// Status names of outbox rows.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const SENT: &str = "sent";
    /// The receiving side refused the mail for good (5xx).
    pub const FAILED: &str = "failed";
    /// Temporary failures went on for too long.
    pub const DEAD: &str = "dead";
    /// The address is suppressed after repeated permanent failures.
    pub const SUPPRESSED: &str = "suppressed";
}

/// Number of outbox rows per status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub dead: i64,
    pub suppressed: i64,
}

impl Store {
    /// Claims up to `limit` due mails for `lease`: nobody else claims them until the lease ends.
    /// Mails to suppressed addresses are marked suppressed instead of being returned.
    pub fn claim_mails(
        &self,
        limit: i64,
        lease: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        let now_naive = now.naive_utc();
        let mut conn = self.conn()?;
        let candidates: Vec<EmailOutboxRow> = email_outbox::table
            .filter(email_outbox::status.eq(status::PENDING))
            .filter(email_outbox::next_attempt_at.le(now_naive))
            .filter(
                email_outbox::locked_until
                    .is_null()
                    .or(email_outbox::locked_until.lt(now_naive)),
            )
            .order_by((email_outbox::next_attempt_at, email_outbox::id))
            .limit(limit)
            .select(EmailOutboxRow::as_select())
            .load(&mut conn)?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for row in candidates {
            // One conditional UPDATE per row: of two workers, only one sees it change.
            let won = diesel::update(
                email_outbox::table
                    .find(&row.id)
                    .filter(email_outbox::status.eq(status::PENDING))
                    .filter(
                        email_outbox::locked_until
                            .is_null()
                            .or(email_outbox::locked_until.lt(now_naive)),
                    ),
            )
            .set((
                email_outbox::locked_until.eq(Some(now_naive + lease)),
                email_outbox::attempts.eq(row.attempts + 1),
            ))
            .execute(&mut conn)?;
            if won == 0 {
                continue;
            }
            let suppressed: Option<Option<chrono::NaiveDateTime>> = email_suppressions::table
                .find(&row.recipient)
                .select(email_suppressions::suppressed_at)
                .first(&mut conn)
                .optional()?;
            if suppressed.flatten().is_some() {
                diesel::update(email_outbox::table.find(&row.id))
                    .set((
                        email_outbox::status.eq(status::SUPPRESSED),
                        email_outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(&mut conn)?;
                continue;
            }
            claimed.push(outbox_mail(EmailOutboxRow {
                attempts: row.attempts + 1,
                ..row
            }));
        }
        Ok(claimed)
    }

    /// The mail was accepted by the relay.
    pub fn mark_mail_sent(&self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        diesel::update(email_outbox::table.find(id))
            .set((
                email_outbox::status.eq(status::SENT),
                email_outbox::sent_at.eq(Some(now.naive_utc())),
                email_outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
                email_outbox::last_error.eq(None::<String>),
            ))
            .execute(&mut *self.conn()?)?;
        Ok(())
    }

    /// A temporary failure: try again at `retry_at`, or give up (`dead`) when `give_up`.
    pub fn mark_mail_retry(
        &self,
        id: &str,
        error: &str,
        retry_at: DateTime<Utc>,
        give_up: bool,
    ) -> Result<(), StoreError> {
        let status = if give_up {
            status::DEAD
        } else {
            status::PENDING
        };
        diesel::update(email_outbox::table.find(id))
            .set((
                email_outbox::status.eq(status),
                email_outbox::next_attempt_at.eq(retry_at.naive_utc()),
                email_outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
                email_outbox::last_error.eq(Some(error)),
            ))
            .execute(&mut *self.conn()?)?;
        Ok(())
    }

    /// A permanent failure (5xx): the mail is not retried, and the address counts one more
    /// failure; after [`SUPPRESS_AFTER_FAILURES`] it is suppressed.
    pub fn mark_mail_failed(
        &self,
        id: &str,
        recipient: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = now.naive_utc();
        let mut conn = self.conn()?;
        crate::connection::write_transaction(&mut conn, |conn| {
            diesel::update(email_outbox::table.find(id))
                .set((
                    email_outbox::status.eq(status::FAILED),
                    email_outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
                    email_outbox::last_error.eq(Some(error)),
                ))
                .execute(conn)?;
            let failures: Option<i32> = email_suppressions::table
                .find(recipient)
                .select(email_suppressions::permanent_failures)
                .first(conn)
                .optional()?;
            let failures = failures.unwrap_or(0) + 1;
            let suppressed_at = (failures >= SUPPRESS_AFTER_FAILURES).then_some(now);
            if failures == 1 {
                diesel::insert_into(email_suppressions::table)
                    .values((
                        email_suppressions::email.eq(recipient),
                        email_suppressions::permanent_failures.eq(failures),
                        email_suppressions::last_error.eq(Some(error)),
                        email_suppressions::suppressed_at.eq(suppressed_at),
                        email_suppressions::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            } else {
                diesel::update(email_suppressions::table.find(recipient))
                    .set((
                        email_suppressions::permanent_failures.eq(failures),
                        email_suppressions::last_error.eq(Some(error)),
                        email_suppressions::suppressed_at.eq(suppressed_at),
                        email_suppressions::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
    }

    /// True when nothing more is sent to `email`.
    pub fn is_suppressed(&self, email: &str) -> Result<bool, StoreError> {
        let found: Option<Option<chrono::NaiveDateTime>> = email_suppressions::table
            .find(email.to_lowercase())
            .select(email_suppressions::suppressed_at)
            .first(&mut *self.conn()?)
            .optional()?;
        Ok(found.flatten().is_some())
    }

    /// Outbox rows per status.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let rows: Vec<(String, i64)> = email_outbox::table
            .group_by(email_outbox::status)
            .select((email_outbox::status, diesel::dsl::count_star()))
            .load(&mut *self.conn()?)?;
        let mut counts = OutboxCounts::default();
        for (name, n) in rows {
            match name.as_str() {
                status::PENDING => counts.pending = n,
                status::SENT => counts.sent = n,
                status::FAILED => counts.failed = n,
                status::DEAD => counts.dead = n,
                status::SUPPRESSED => counts.suppressed = n,
                _ => {}
            }
        }
        Ok(counts)
    }
}
