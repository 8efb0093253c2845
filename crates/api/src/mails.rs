//! Outbox rows of the transactional mails, rendered by the mailer's templates (text and HTML)
//! in the recipient's language. Delivery is the mail worker's.

use crate::ApiError;
use kynnys_domain::Lang;
use kynnys_store::NewMail;

/// The mail templates, under the name the handlers use.
pub(crate) use kynnys_mailer::Template as Mail;

/// The stable name of a mail's kind (the outbox's `mail_kind`).
fn kind(template: &Mail<'_>) -> &'static str {
    match template {
        Mail::VerifyEmail { .. } => "verify_email",
        Mail::AlreadyRegistered { .. } => "already_registered",
        Mail::PasswordReset { .. } => "password_reset",
        Mail::Invitation { .. } => "invitation",
        Mail::MembershipRequest { .. } => "membership_request",
        Mail::OrganisationDecision { .. } => "organisation_decision",
        Mail::ListingDecision { .. } => "listing_decision",
        Mail::ExpiryReminder { .. } => "expiry_reminder",
        Mail::ConfirmReminder { .. } => "confirm_reminder",
        Mail::SubscriptionConfirm { .. } => "subscription_confirm",
        Mail::Digest(_) => "digest",
    }
}

/// Renders `template` for `recipient` in `lang` as an outbox row; `dedupe_key` makes it unique.
pub(crate) fn outbox(
    template: &Mail<'_>,
    recipient: &str,
    lang: Lang,
    dedupe_key: String,
) -> Result<NewMail, ApiError> {
    let rendered = kynnys_mailer::render(template, lang)
        .map_err(|e| ApiError::Internal(format!("mail template: {e}")))?;
    Ok(NewMail {
        dedupe_key,
        recipient: recipient.to_owned(),
        kind: kind(template).to_owned(),
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: Some(rendered.html),
        list_unsubscribe: None,
    })
}

/// `template.to(recipient, lang, key)`: [`outbox`] as a method.
pub(crate) trait ToOutbox {
    fn to(&self, recipient: &str, lang: Lang, dedupe_key: String) -> Result<NewMail, ApiError>;
}

impl ToOutbox for Mail<'_> {
    fn to(&self, recipient: &str, lang: Lang, dedupe_key: String) -> Result<NewMail, ApiError> {
        outbox(self, recipient, lang, dedupe_key)
    }
}
