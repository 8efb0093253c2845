//! Digest subscriptions: double opt-in, management by token, and the bookkeeping of digest
//! rounds (at most one digest per subscription and period, even across crashes and replicas:
//! the mail's dedupe key and the subscription's period are written in one transaction).

use crate::connection::write_transaction;
use crate::mail::{NewMail, enqueue_mail};
use crate::models::SubscriptionRow;
use crate::schema::subscriptions;
use crate::{Store, StoreError, new_id};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kynnys_domain::{Frequency, Lang, SearchFilters, SubscriptionStatus};

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub email: String,
    pub lang: Lang,
    pub frequency: Frequency,
    pub filters: SearchFilters,
    pub status: SubscriptionStatus,
    /// The token of the manage and unsubscribe links.
    pub manage_token: String,
    pub consent_at: Option<DateTime<Utc>>,
    pub last_period: Option<String>,
    /// Changes after this moment go into the next digest.
    pub last_digest_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A subscription to create (pending until confirmed).
#[derive(Debug, Clone)]
pub struct NewSubscription<'a> {
    pub email: &'a str,
    pub lang: Lang,
    pub frequency: Frequency,
    pub filters: &'a SearchFilters,
    pub confirm_token_hash: &'a str,
    pub confirm_expires_at: DateTime<Utc>,
    pub manage_token: &'a str,
    pub user_id: Option<&'a str>,
    /// Where the subscription came from (`api`, `web`, `saved_search`).
    pub source: &'a str,
    pub ip: Option<&'a str>,
}

fn corrupt(id: &str, what: &str) -> StoreError {
    StoreError::Corrupt {
        table: "subscriptions",
        id: id.to_owned(),
        reason: what.to_owned(),
    }
}

fn from_row(row: SubscriptionRow) -> Result<Subscription, StoreError> {
    Ok(Subscription {
        lang: row.lang.parse().map_err(|()| corrupt(&row.id, "lang"))?,
        frequency: row
            .frequency
            .parse()
            .map_err(|()| corrupt(&row.id, "frequency"))?,
        filters: serde_json::from_str(&row.filters)
            .map_err(|e| corrupt(&row.id, &e.to_string()))?,
        status: row
            .status
            .parse()
            .map_err(|()| corrupt(&row.id, "status"))?,
        consent_at: row.consent_at.map(|t| t.and_utc()),
        last_digest_at: row.last_digest_at.map(|t| t.and_utc()),
        created_at: row.created_at.and_utc(),
        id: row.id,
        email: row.email,
        manage_token: row.manage_token,
        last_period: row.last_period,
    })
}

fn filters_json(filters: &SearchFilters) -> Result<String, StoreError> {
    serde_json::to_string(filters).map_err(|e| corrupt("-", &e.to_string()))
}

impl Store {
    /// Creates a pending subscription and its confirmation mail, atomically (no mail when the
    /// caller confirms at once, e.g. a signed-in person subscribing their own address).
    pub fn create_subscription(
        &self,
        new: &NewSubscription<'_>,
        confirmation: Option<&NewMail>,
        now: DateTime<Utc>,
    ) -> Result<Subscription, StoreError> {
        let now = now.naive_utc();
        let row = SubscriptionRow {
            id: new_id(),
            email: new.email.to_lowercase(),
            lang: new.lang.code().to_owned(),
            frequency: new.frequency.as_str().to_owned(),
            filters: filters_json(new.filters)?,
            status: SubscriptionStatus::Pending.as_str().to_owned(),
            confirm_token_hash: Some(new.confirm_token_hash.to_owned()),
            confirm_expires_at: Some(new.confirm_expires_at.naive_utc()),
            manage_token: new.manage_token.to_owned(),
            user_id: new.user_id.map(str::to_owned),
            consent_at: None,
            consent_source: Some(new.source.to_owned()),
            consent_ip: new.ip.map(str::to_owned),
            last_period: None,
            last_digest_at: None,
            created_at: now,
            updated_at: now,
        };
        write_transaction(&mut *self.conn()?, |conn| {
            diesel::insert_into(subscriptions::table)
                .values(&row)
                .execute(conn)?;
            match confirmation {
                Some(mail) => enqueue_mail(conn, mail, now),
                None => Ok(()),
            }
        })?;
        from_row(row)
    }

    /// Confirms by the token of the confirmation link (single use, expiring); records the
    /// consent time and the address it came from. Digests cover changes from now on.
    pub fn confirm_subscription(
        &self,
        token_hash: &str,
        ip: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Subscription>, StoreError> {
        let now = now.naive_utc();
        let mut conn = self.conn()?;
        let changed = diesel::update(
            subscriptions::table
                .filter(subscriptions::confirm_token_hash.eq(token_hash))
                .filter(subscriptions::status.eq(SubscriptionStatus::Pending.as_str()))
                .filter(subscriptions::confirm_expires_at.gt(now)),
        )
        .set((
            subscriptions::status.eq(SubscriptionStatus::Confirmed.as_str()),
            subscriptions::consent_at.eq(Some(now)),
            subscriptions::consent_ip.eq(ip),
            subscriptions::last_digest_at.eq(Some(now)),
            subscriptions::updated_at.eq(now),
        ))
        .execute(&mut conn)?;
        if changed == 0 {
            return Ok(None);
        }
        let row: SubscriptionRow = subscriptions::table
            .filter(subscriptions::confirm_token_hash.eq(token_hash))
            .select(SubscriptionRow::as_select())
            .first(&mut conn)?;
        // The link is used up.
        diesel::update(subscriptions::table.find(&row.id))
            .set(subscriptions::confirm_token_hash.eq(None::<String>))
            .execute(&mut conn)?;
        from_row(row).map(Some)
    }

    /// The subscription of a manage token (whatever its status).
    pub fn subscription_by_manage_token(
        &self,
        token: &str,
    ) -> Result<Option<Subscription>, StoreError> {
        subscriptions::table
            .filter(subscriptions::manage_token.eq(token))
            .select(SubscriptionRow::as_select())
            .first(&mut *self.conn()?)
            .optional()?
            .map(from_row)
            .transpose()
    }

    /// Changes language, frequency and filters of a subscription by its manage token.
    pub fn update_subscription(
        &self,
        token: &str,
        lang: Lang,
        frequency: Frequency,
        filters: &SearchFilters,
        now: DateTime<Utc>,
    ) -> Result<Option<Subscription>, StoreError> {
        let changed = diesel::update(
            subscriptions::table
                .filter(subscriptions::manage_token.eq(token))
                .filter(subscriptions::status.ne(SubscriptionStatus::Unsubscribed.as_str())),
        )
        .set((
            subscriptions::lang.eq(lang.code()),
            subscriptions::frequency.eq(frequency.as_str()),
            subscriptions::filters.eq(filters_json(filters)?),
            subscriptions::updated_at.eq(now.naive_utc()),
        ))
        .execute(&mut *self.conn()?)?;
        if changed == 0 {
            return Ok(None);
        }
        self.subscription_by_manage_token(token)
    }

    /// Unsubscribes by manage token; true when it was subscribed (a second call is harmless).
    pub fn unsubscribe(&self, token: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(diesel::update(
            subscriptions::table
                .filter(subscriptions::manage_token.eq(token))
                .filter(subscriptions::status.ne(SubscriptionStatus::Unsubscribed.as_str())),
        )
        .set((
            subscriptions::status.eq(SubscriptionStatus::Unsubscribed.as_str()),
            subscriptions::updated_at.eq(now.naive_utc()),
        ))
        .execute(&mut *self.conn()?)?
            > 0)
    }

    /// Confirmed subscriptions of `frequency` that have had no digest for `period`, a page at a
    /// time in id order (resume after `after`).
    pub fn subscriptions_due(
        &self,
        frequency: Frequency,
        period: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<Subscription>, StoreError> {
        subscriptions::table
            .filter(subscriptions::status.eq(SubscriptionStatus::Confirmed.as_str()))
            .filter(subscriptions::frequency.eq(frequency.as_str()))
            .filter(
                subscriptions::last_period
                    .is_null()
                    .or(subscriptions::last_period.ne(period)),
            )
            .filter(subscriptions::id.gt(after))
            .order_by(subscriptions::id)
            .limit(limit)
            .select(SubscriptionRow::as_select())
            .load(&mut *self.conn()?)?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// Confirmed subscriptions of an address (for a preview).
    pub fn subscriptions_of(&self, email: &str) -> Result<Vec<Subscription>, StoreError> {
        subscriptions::table
            .filter(subscriptions::email.eq(email.to_lowercase()))
            .filter(subscriptions::status.eq(SubscriptionStatus::Confirmed.as_str()))
            .order_by(subscriptions::created_at)
            .select(SubscriptionRow::as_select())
            .load(&mut *self.conn()?)?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// Records the digest of `period` for a subscription, with its mail (none when there was
    /// nothing new), in one transaction. Returns false when the period was already recorded
    /// (another process did this round): then nothing is written.
    pub fn record_digest(
        &self,
        subscription_id: &str,
        period: &str,
        covered_until: DateTime<Utc>,
        mail: Option<&NewMail>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            let changed = diesel::update(
                subscriptions::table.find(subscription_id).filter(
                    subscriptions::last_period
                        .is_null()
                        .or(subscriptions::last_period.ne(period)),
                ),
            )
            .set((
                subscriptions::last_period.eq(Some(period)),
                subscriptions::last_digest_at.eq(Some(covered_until.naive_utc())),
                subscriptions::updated_at.eq(now),
            ))
            .execute(conn)?;
            if changed == 0 {
                return Ok(false);
            }
            if let Some(mail) = mail {
                enqueue_mail(conn, mail, now)?;
            }
            Ok(true)
        })
    }
}
