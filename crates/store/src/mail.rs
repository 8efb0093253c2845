//! The e-mail outbox: mails are written here in the transaction of the change that causes them,
//! and delivered later by the mailer.

use crate::connection::AnyConnection;
use crate::models::EmailOutboxRow;
use crate::schema::email_outbox;
use crate::{Store, StoreError, new_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A mail to deliver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewMail {
    /// Makes the mail unique: a second mail with the same key is not written.
    pub dedupe_key: String,
    pub recipient: String,
    /// What the mail is (`verify_email`, `password_reset`, `invitation`, ...).
    pub kind: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// For mails of a subscription: where to unsubscribe (RFC 8058 one-click URL, mailto).
    pub list_unsubscribe: Option<ListUnsubscribe>,
}

/// The targets of the `List-Unsubscribe` header.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListUnsubscribe {
    /// https URL: a POST unsubscribes at once, a GET shows a confirmation page.
    pub url: String,
    pub mailto: String,
}

/// Extra headers of an outbox row, as JSON in `email_outbox.headers`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredHeaders {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_unsubscribe: Option<ListUnsubscribe>,
}

/// A mail waiting in (or delivered from) the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: String,
    pub message_id: String,
    pub recipient: String,
    pub kind: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub list_unsubscribe: Option<ListUnsubscribe>,
    /// `pending`, `sent`, `failed` (permanently), `dead` (gave up retrying) or `suppressed`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

pub(crate) fn outbox_mail(row: EmailOutboxRow) -> OutboxMail {
    let headers: StoredHeaders = serde_json::from_str(&row.headers).unwrap_or_default();
    OutboxMail {
        id: row.id,
        message_id: row.message_id,
        recipient: row.recipient,
        kind: row.mail_kind,
        subject: row.subject,
        body_text: row.body_text,
        body_html: row.body_html,
        list_unsubscribe: headers.list_unsubscribe,
        status: row.status,
        attempts: row.attempts,
        last_error: row.last_error,
    }
}

/// Writes a mail to the outbox unless one with the same key exists.
pub(crate) fn enqueue_mail(
    conn: &mut AnyConnection,
    mail: &NewMail,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let id = new_id();
    let row = EmailOutboxRow {
        message_id: format!("<{id}@kynnys>"),
        id: id.clone(),
        dedupe_key: mail.dedupe_key.clone(),
        recipient: mail.recipient.to_lowercase(),
        mail_kind: mail.kind.clone(),
        subject: mail.subject.clone(),
        body_text: mail.body_text.clone(),
        body_html: mail.body_html.clone(),
        headers: serde_json::to_string(&StoredHeaders {
            list_unsubscribe: mail.list_unsubscribe.clone(),
        })
        .map_err(|e| StoreError::Corrupt {
            table: "email_outbox",
            id: id.clone(),
            reason: e.to_string(),
        })?,
        status: "pending".to_owned(),
        attempts: 0,
        next_attempt_at: now,
        locked_until: None,
        last_error: None,
        created_at: now,
        sent_at: None,
    };
    let insert = diesel::insert_into(email_outbox::table)
        .values(&row)
        .on_conflict(email_outbox::dedupe_key)
        .do_nothing();
    match conn {
        AnyConnection::Sqlite(c) => insert.execute(c)?,
        AnyConnection::Postgresql(c) => insert.execute(c)?,
    };
    Ok(())
}

impl Store {
    /// Mails to an address, oldest first (for operators and tests, until the mailer delivers them).
    pub fn mails_to(&self, recipient: &str) -> Result<Vec<OutboxMail>, StoreError> {
        Ok(email_outbox::table
            .filter(email_outbox::recipient.eq(recipient.to_lowercase()))
            .order_by((email_outbox::created_at, email_outbox::id))
            .select(EmailOutboxRow::as_select())
            .load(&mut self.conn()?)?
            .into_iter()
            .map(outbox_mail)
            .collect())
    }
}
