//! Reminder mails to organisations: 14 and 3 days before a listing's `valid_until`, and when
//! nobody has confirmed a listing for 90 days. Each carries a one-click "still running" link
//! (it updates `last_confirmed_at`) and a link to edit or archive. The dedupe keys make every
//! reminder go out once, however often the job runs.

use crate::ServerError;
use chrono::{DateTime, TimeDelta, Utc};
use kynnys_domain::{Lang, to_helsinki};
use kynnys_mailer::Template;
use kynnys_store::{NewMail, ReminderTarget, Store};

/// Days before `valid_until` that remind.
pub const EXPIRY_DAYS: [u32; 2] = [14, 3];
/// Days without a confirmation that remind.
pub const UNCONFIRMED_DAYS: i64 = 90;
/// How long a "still running" link works.
const LINK_DAYS: i64 = 30;

fn title_in(target: &ReminderTarget, lang: Lang) -> String {
    target
        .title
        .resolve(lang)
        .map(|r| r.text.to_owned())
        .unwrap_or_default()
}

/// Writes the reminders that are due at `now`; returns how many mails were written.
pub fn run(store: &Store, public_url: &str, now: DateTime<Utc>) -> Result<usize, ServerError> {
    let today = to_helsinki(now).date_naive();
    let mut written = 0;
    for days in EXPIRY_DAYS {
        let horizon = today + TimeDelta::days(i64::from(days));
        // Everything ending within the horizon that has not had this reminder yet (a job that
        // missed a day still reminds).
        for target in store.reminder_targets(Some((today, horizon)), None)? {
            let Some(valid_until) = target.valid_until else {
                continue;
            };
            let left = u32::try_from((valid_until - today).num_days()).unwrap_or(0);
            let key = format!("expiry:{}:{valid_until}:{days}", target.listing_id);
            written += remind(store, public_url, &target, &key, now, |lang, links| {
                let title = title_in(&target, lang);
                kynnys_mailer::render(
                    &Template::ExpiryReminder {
                        title: &title,
                        valid_until,
                        days_left: left,
                        edit_link: &links.edit,
                        confirm_link: &links.confirm,
                    },
                    lang,
                )
            })?;
        }
    }
    let cutoff = now - TimeDelta::days(UNCONFIRMED_DAYS);
    for target in store.reminder_targets(None, Some(cutoff))? {
        let Some(last) = target.last_confirmed_at else {
            continue;
        };
        let last_confirmed = to_helsinki(last).date_naive();
        let key = format!("unconfirmed:{}:{last_confirmed}", target.listing_id);
        written += remind(store, public_url, &target, &key, now, |lang, links| {
            let title = title_in(&target, lang);
            kynnys_mailer::render(
                &Template::ConfirmReminder {
                    title: &title,
                    last_confirmed,
                    confirm_link: &links.confirm,
                    edit_link: &links.edit,
                    archive_link: &links.edit,
                },
                lang,
            )
        })?;
    }
    if written > 0 {
        tracing::info!(mails = written, "reminders written");
    }
    Ok(written)
}

struct Links {
    confirm: String,
    edit: String,
}

fn remind(
    store: &Store,
    public_url: &str,
    target: &ReminderTarget,
    key: &str,
    now: DateTime<Utc>,
    render: impl Fn(Lang, &Links) -> Result<kynnys_mailer::RenderedMail, kynnys_mailer::MailerError>,
) -> Result<usize, ServerError> {
    let mut written = 0;
    for (email, lang) in &target.recipients {
        let secret = kynnys_api::new_secret("")?;
        let links = Links {
            confirm: format!("{public_url}/listings/confirm/{secret}?lang={lang}"),
            edit: format!(
                "{public_url}/{lang}/organisation/listings/{}",
                target.listing_id
            ),
        };
        let rendered = render(*lang, &links)?;
        let mail = NewMail {
            dedupe_key: format!("{key}:{email}"),
            recipient: email.clone(),
            kind: "reminder".into(),
            subject: rendered.subject,
            body_text: rendered.text,
            body_html: Some(rendered.html),
            list_unsubscribe: None,
        };
        if store.enqueue_reminder(
            &target.listing_id,
            &kynnys_api::secret_hash(&secret),
            now + TimeDelta::days(LINK_DAYS),
            &mail,
            now,
        )? {
            written += 1;
        }
    }
    Ok(written)
}
