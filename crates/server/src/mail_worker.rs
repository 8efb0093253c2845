//! The delivery worker: claims due mails from the outbox with a lease, sends each over SMTP
//! (no transaction open meanwhile), then marks it sent, to retry with backoff (4xx, connection
//! problems) or failed (5xx). Several workers, in one process or many, never send a row twice
//! at once; a crash between the relay's acceptance and the `sent` mark is the only window for a
//! duplicate, and the retry then carries the same `Message-ID`.

use crate::ServerError;
use chrono::{DateTime, TimeDelta, Utc};
use kynnys_mailer::{Envelope, RenderedMail, SendError, SmtpSender};
use kynnys_store::{OutboxMail, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Mails claimed at a time.
const BATCH: i64 = 64;
/// Mails on their way to the relay at once, one per pooled connection: a relay's round trips,
/// not our work, bound the rate of one connection.
const PARALLEL: usize = kynnys_mailer::MAX_CONNECTIONS as usize;
/// How long a claim lasts; a worker that dies frees its mails after this.
const LEASE: TimeDelta = TimeDelta::minutes(2);
/// Temporary failures before a mail is given up (about two days of retries).
const MAX_ATTEMPTS: i32 = 15;
/// Pause between polls of an idle outbox.
const IDLE: Duration = Duration::from_millis(500);

/// What one pass delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

impl DeliveryReport {
    pub fn handled(&self) -> usize {
        self.sent + self.retried + self.failed
    }

    fn add(&mut self, other: DeliveryReport) {
        self.sent += other.sent;
        self.retried += other.retried;
        self.failed += other.failed;
    }
}

/// When to try again after `attempts` temporary failures: 30 s, 1 min, 2 min, … up to 6 h.
pub fn backoff(attempts: i32) -> TimeDelta {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 12)).unwrap_or(0);
    let seconds = 30i64.saturating_mul(1i64 << exponent);
    TimeDelta::seconds(seconds.min(6 * 3600))
}

/// Sends mails through SMTP, from one sender address.
pub struct MailDelivery {
    pub store: Store,
    pub sender: Arc<SmtpSender>,
    pub from: String,
}

impl MailDelivery {
    fn deliver_one(&self, mail: &OutboxMail, now: DateTime<Utc>) -> Result<Outcome, ServerError> {
        let rendered = RenderedMail {
            subject: mail.subject.clone(),
            text: mail.body_text.clone(),
            html: mail.body_html.clone().unwrap_or_default(),
        };
        let unsubscribe = mail
            .list_unsubscribe
            .as_ref()
            .map(|l| (l.url.as_str(), l.mailto.as_str()));
        let envelope = Envelope {
            from: &self.from,
            to: &mail.recipient,
            message_id: &mail.message_id,
            date: now,
            list_unsubscribe: unsubscribe,
            auto_submitted: true,
        };
        let message = match kynnys_mailer::build_message(&envelope, &rendered) {
            Ok(message) => message,
            // A mail that cannot be built (e.g. an address the relay would refuse) never will be.
            Err(e) => return Ok(Outcome::Failed(e.to_string())),
        };
        Ok(match self.sender.send(&message) {
            Ok(()) => Outcome::Sent,
            Err(SendError::Transient(reason)) => Outcome::Retry(reason),
            Err(SendError::Permanent(reason)) => Outcome::Failed(reason),
        })
    }

    /// Claims and delivers one batch of due mails, several at once.
    pub fn deliver_batch(&self, now: DateTime<Utc>) -> Result<DeliveryReport, ServerError> {
        let claimed = self.store.claim_mails(BATCH, LEASE, now)?;
        let share = claimed.len().div_ceil(PARALLEL).max(1);
        std::thread::scope(|scope| {
            let senders: Vec<_> = claimed
                .chunks(share)
                .map(|mails| scope.spawn(move || self.deliver_each(mails, now)))
                .collect();
            let mut total = DeliveryReport::default();
            for sender in senders {
                let report = sender.join().map_err(|_| {
                    ServerError::Io(std::io::Error::other("a mail delivery thread panicked"))
                })??;
                total.add(report);
            }
            Ok(total)
        })
    }

    /// Delivers `mails` one after another, recording each outcome as soon as it is known.
    fn deliver_each(
        &self,
        mails: &[OutboxMail],
        now: DateTime<Utc>,
    ) -> Result<DeliveryReport, ServerError> {
        let mut report = DeliveryReport::default();
        for mail in mails {
            match self.deliver_one(mail, now)? {
                Outcome::Sent => {
                    self.store.mark_mail_sent(&mail.id, Utc::now())?;
                    report.sent += 1;
                }
                Outcome::Retry(reason) => {
                    let give_up = mail.attempts >= MAX_ATTEMPTS;
                    let retry_at = Utc::now() + backoff(mail.attempts);
                    self.store
                        .mark_mail_retry(&mail.id, &reason, retry_at, give_up)?;
                    tracing::warn!(mail_id = %mail.id, kind = %mail.kind, attempts = mail.attempts, give_up, error = %reason, "mail delivery failed for now");
                    report.retried += 1;
                }
                Outcome::Failed(reason) => {
                    self.store
                        .mark_mail_failed(&mail.id, &mail.recipient, &reason, Utc::now())?;
                    tracing::warn!(mail_id = %mail.id, kind = %mail.kind, error = %reason, "mail refused permanently");
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    /// Delivers until nothing is due now (used by `kynnys digest run` and the benchmark).
    pub fn drain(&self) -> Result<DeliveryReport, ServerError> {
        let mut total = DeliveryReport::default();
        loop {
            let report = self.deliver_batch(Utc::now())?;
            total.add(report);
            if report.handled() == 0 || report.sent == 0 {
                return Ok(total);
            }
        }
    }
}

enum Outcome {
    Sent,
    Retry(String),
    Failed(String),
}

/// Runs the worker on its own thread until `stop` is set.
pub fn spawn(delivery: MailDelivery, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match delivery.deliver_batch(Utc::now()) {
                Ok(report) if report.handled() > 0 => {
                    tracing::info!(
                        sent = report.sent,
                        retried = report.retried,
                        failed = report.failed,
                        "mails delivered"
                    );
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail delivery pass failed"),
            }
            std::thread::sleep(IDLE);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use chrono::TimeDelta;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), TimeDelta::seconds(30));
        assert_eq!(backoff(2), TimeDelta::seconds(60));
        assert_eq!(backoff(5), TimeDelta::seconds(480));
        assert_eq!(backoff(40), TimeDelta::hours(6));
    }
}
