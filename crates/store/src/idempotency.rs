//! Idempotency keys: the first answer to a POST is kept and replayed for retries with the same
//! key, so a retried create never creates twice.

use crate::models::IdempotencyRow;
use crate::schema::idempotency_keys;
use crate::{Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;

/// How long an unfinished claim blocks retries before it is considered abandoned.
const ABANDONED_AFTER: TimeDelta = TimeDelta::minutes(5);

/// The answer stored for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: run the request, then [`Store::complete_idempotency_key`].
    Claimed,
    /// The request ran before: replay this answer.
    Replay(StoredResponse),
    /// The same key came with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

impl Store {
    /// Claims `key` for `scope` (the caller) and this request's hash.
    pub fn claim_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let mut conn = self.conn()?;
        for _ in 0..2 {
            let inserted = diesel::insert_into(idempotency_keys::table)
                .values(IdempotencyRow {
                    scope: scope.to_owned(),
                    key: key.to_owned(),
                    request_hash: request_hash.to_owned(),
                    status: None,
                    content_type: None,
                    body: None,
                    created_at: now.naive_utc(),
                })
                .execute(&mut conn);
            match inserted {
                Ok(_) => return Ok(Claim::Claimed),
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => {}
                Err(e) => return Err(e.into()),
            }
            let existing: Option<IdempotencyRow> = idempotency_keys::table
                .find((scope, key))
                .select(IdempotencyRow::as_select())
                .first(&mut conn)
                .optional()?;
            let Some(existing) = existing else {
                continue;
            };
            if existing.request_hash != request_hash {
                return Ok(Claim::Mismatch);
            }
            match (existing.status, existing.body) {
                (Some(status), Some(body)) => {
                    return Ok(Claim::Replay(StoredResponse {
                        status: u16::try_from(status).unwrap_or(500),
                        content_type: existing.content_type.unwrap_or_default(),
                        body,
                    }));
                }
                _ if now.naive_utc() - existing.created_at > ABANDONED_AFTER => {
                    self.release_idempotency_key(scope, key)?;
                }
                _ => return Ok(Claim::InProgress),
            }
        }
        Ok(Claim::InProgress)
    }

    /// Stores the answer of a claimed key.
    pub fn complete_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        diesel::update(idempotency_keys::table.find((scope, key)))
            .set((
                idempotency_keys::status.eq(Some(i32::from(response.status))),
                idempotency_keys::content_type.eq(Some(&response.content_type)),
                idempotency_keys::body.eq(Some(&response.body)),
            ))
            .execute(&mut self.conn()?)?;
        Ok(())
    }

    /// Gives a claimed key up (the request failed in a way a retry may fix).
    pub fn release_idempotency_key(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        diesel::delete(idempotency_keys::table.find((scope, key))).execute(&mut self.conn()?)?;
        Ok(())
    }

    /// Forgets keys older than `before`.
    pub fn purge_idempotency_keys(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(diesel::delete(
            idempotency_keys::table.filter(idempotency_keys::created_at.lt(before.naive_utc())),
        )
        .execute(&mut self.conn()?)?)
    }
}
