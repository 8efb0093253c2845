//! Reminders to organisations: a listing's `valid_until` is near, or nobody has confirmed it for
//! a long time. Each reminder is written once (its dedupe key) with its one-click "still
//! running" link, in one transaction.

use crate::connection::write_transaction;
use crate::mail::{NewMail, enqueue_mail};
use crate::schema::{
    email_outbox, listing_confirm_tokens, listings, memberships, organisations, users,
};
use crate::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use kynnys_domain::{Lang, ListingAction, ListingStatus, MembershipStatus};

/// A published listing that may need a reminder, with who to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderTarget {
    pub listing_id: String,
    pub title: kynnys_domain::LocalizedText,
    pub valid_until: Option<NaiveDate>,
    pub last_confirmed_at: Option<DateTime<Utc>>,
    /// Active members of the organisation (address, language); the organisation's own address
    /// (in Finnish) when it has no members.
    pub recipients: Vec<(String, Lang)>,
}

impl Store {
    /// Published listings whose `valid_until` lies in `from..=to`, or (when `unconfirmed_before`
    /// is given) that nobody has confirmed since then.
    pub fn reminder_targets(
        &self,
        expiring: Option<(NaiveDate, NaiveDate)>,
        unconfirmed_before: Option<DateTime<Utc>>,
    ) -> Result<Vec<ReminderTarget>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = listings::table
            .inner_join(organisations::table)
            .filter(listings::status.eq(ListingStatus::Published.as_str()))
            .select((
                listings::id,
                listings::organisation_id,
                listings::title,
                listings::valid_until,
                listings::last_confirmed_at,
                organisations::email,
            ))
            .into_boxed();
        if let Some((from, to)) = expiring {
            query = query
                .filter(listings::valid_until.ge(from))
                .filter(listings::valid_until.le(to));
        }
        if let Some(before) = unconfirmed_before {
            query = query.filter(listings::last_confirmed_at.lt(before.naive_utc()));
        }
        type Row = (
            String,
            String,
            String,
            Option<NaiveDate>,
            Option<chrono::NaiveDateTime>,
            Option<String>,
        );
        let rows: Vec<Row> = query.load(&mut conn)?;
        let mut targets = Vec::with_capacity(rows.len());
        for (id, organisation_id, title, valid_until, confirmed, org_email) in rows {
            let members: Vec<(String, String)> = memberships::table
                .inner_join(users::table)
                .filter(memberships::organisation_id.eq(&organisation_id))
                .filter(memberships::status.eq(MembershipStatus::Active.as_str()))
                .select((users::email, users::lang))
                .load(&mut conn)?;
            let mut recipients: Vec<(String, Lang)> = members
                .into_iter()
                .map(|(email, lang)| (email, lang.parse().unwrap_or(Lang::Fi)))
                .collect();
            if recipients.is_empty()
                && let Some(email) = org_email
            {
                recipients.push((email.to_lowercase(), Lang::Fi));
            }
            targets.push(ReminderTarget {
                title: crate::convert::from_json("listings", &id, &title)?,
                listing_id: id,
                valid_until,
                last_confirmed_at: confirmed.map(|t| t.and_utc()),
                recipients,
            });
        }
        Ok(targets)
    }

    /// Writes one reminder mail with its confirm link's token, unless a mail with `dedupe_key`
    /// exists already. Returns whether it was written.
    pub fn enqueue_reminder(
        &self,
        listing_id: &str,
        token_hash: &str,
        token_expires_at: DateTime<Utc>,
        mail: &NewMail,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            let exists: i64 = email_outbox::table
                .filter(email_outbox::dedupe_key.eq(&mail.dedupe_key))
                .count()
                .get_result(conn)?;
            if exists > 0 {
                return Ok(false);
            }
            diesel::insert_into(listing_confirm_tokens::table)
                .values((
                    listing_confirm_tokens::token_hash.eq(token_hash),
                    listing_confirm_tokens::listing_id.eq(listing_id),
                    listing_confirm_tokens::created_at.eq(now),
                    listing_confirm_tokens::expires_at.eq(token_expires_at.naive_utc()),
                ))
                .execute(conn)?;
            enqueue_mail(conn, mail, now)?;
            Ok(true)
        })
    }

    /// "Still running" by the link of a reminder: confirms the listing (it can be used again
    /// until it expires). Returns the listing's id, or `None` for an unknown or expired link.
    pub fn confirm_listing_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let listing_id: Option<String> = listing_confirm_tokens::table
            .find(token_hash)
            .filter(listing_confirm_tokens::expires_at.gt(now.naive_utc()))
            .select(listing_confirm_tokens::listing_id)
            .first(&mut *self.conn()?)
            .optional()?;
        let Some(listing_id) = listing_id else {
            return Ok(None);
        };
        match self.transition_listing(&listing_id, ListingAction::Confirm, None, None, &[], now) {
            Ok(_) => Ok(Some(listing_id)),
            Err(StoreError::InvalidTransition { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
