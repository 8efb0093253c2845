//! MIME messages: headers and envelope around a rendered mail.

use crate::render::check_link;
use crate::{MailerError, RenderedMail};
use lettre::Message;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use std::time::SystemTime;

/// Headers and envelope of one outgoing mail.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// `"kynnys <no-reply@kynnys.example>"` or a bare address.
    pub from: &'a str,
    /// The recipient, a bare address or `name <address>`.
    pub to: &'a str,
    /// `"<uuid@host>"`, ours, stored before sending, so a retry after a crash is detectable.
    pub message_id: &'a str,
    /// The `Date` header.
    pub date: chrono::DateTime<chrono::Utc>,
    /// https URL (GET shows a confirmation page, POST unsubscribes: RFC 8058) and mailto address.
    ///
    /// The address may be given with or without the `mailto:` prefix. Adds `List-Unsubscribe`
    /// and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    pub list_unsubscribe: Option<(&'a str, &'a str)>,
    /// Adds `Auto-Submitted: auto-generated` (transactional mails and digests).
    pub auto_submitted: bool,
}

/// Builds the `multipart/alternative` message (text, then HTML, both UTF-8) for `mail`.
///
/// Checks what goes into the headers: both mailboxes parse, the Message-ID is `<left@right>`,
/// the unsubscribe URL is absolute http(s) and the unsubscribe address is an address. Header
/// values are encoded by lettre (RFC 2047), so a subject cannot inject headers.
pub fn build_message(envelope: &Envelope<'_>, mail: &RenderedMail) -> Result<Message, MailerError> {
    let from: Mailbox = envelope
        .from
        .parse()
        .map_err(|source| MailerError::InvalidAddress {
            field: "from",
            source,
        })?;
    let to: Mailbox = envelope
        .to
        .parse()
        .map_err(|source| MailerError::InvalidAddress {
            field: "to",
            source,
        })?;
    check_message_id(envelope.message_id)?;

    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .message_id(Some(envelope.message_id.to_owned()))
        .date(SystemTime::from(envelope.date))
        .subject(mail.subject.as_str());
    if let Some((https, mailto)) = envelope.list_unsubscribe {
        builder = builder
            .header(ListUnsubscribe::new(https, mailto)?)
            .header(ListUnsubscribePost);
    }
    if envelope.auto_submitted {
        builder = builder.header(AutoSubmitted);
    }
    Ok(builder.multipart(MultiPart::alternative_plain_html(
        mail.text.clone(),
        mail.html.clone(),
    ))?)
}

/// `<left@right>`: printable ASCII, no spaces, one `@` with something on both sides.
fn check_message_id(id: &str) -> Result<(), MailerError> {
    let inner = id
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix('>'))
        .ok_or(MailerError::InvalidMessageId)?;
    let printable = inner
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>'));
    match inner.split_once('@') {
        Some((left, right))
            if printable && !left.is_empty() && !right.is_empty() && !right.contains('@') =>
        {
            Ok(())
        }
        _ => Err(MailerError::InvalidMessageId),
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `List-Unsubscribe: <https://…>, <mailto:…>` (RFC 2369); lettre has no type for it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListUnsubscribe(String);

impl ListUnsubscribe {
    fn new(https: &str, mailto: &str) -> Result<Self, MailerError> {
        check_link("list_unsubscribe", https)?;
        // Normalised by the URL parser: ASCII only, no spaces or angle brackets.
        let https = url::Url::parse(https).map_err(|_| MailerError::InvalidLink {
            field: "list_unsubscribe",
        })?;
        let address = mailto.strip_prefix("mailto:").unwrap_or(mailto);
        let (address, query) = match address.split_once('?') {
            Some((address, query)) => (address, Some(query)),
            None => (address, None),
        };
        address
            .parse::<lettre::Address>()
            .map_err(|_| MailerError::InvalidUnsubscribeAddress)?;
        let mut mailto = url::Url::parse(&format!("mailto:{address}"))
            .map_err(|_| MailerError::InvalidUnsubscribeAddress)?;
        mailto.set_query(query);
        Ok(Self(format!("<{https}>, <{mailto}>")))
    }
}

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        if s.trim() == "List-Unsubscribe=One-Click" {
            Ok(Self)
        } else {
            Err("unsupported List-Unsubscribe-Post value".into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no out-of-office replies, please.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        if s.trim().eq_ignore_ascii_case("auto-generated") {
            Ok(Self)
        } else {
            Err("unsupported Auto-Submitted value".into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_checked() {
        assert!(check_message_id("<0190a1b2-c3d4@kynnys.example>").is_ok());
        for bad in [
            "",
            "0190@kynnys.example",
            "<0190>",
            "<@kynnys.example>",
            "<0190@>",
            "<a b@c>",
            "<a@b@c>",
            "<ä@b>",
        ] {
            assert!(check_message_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unsubscribe_header_takes_an_address_with_or_without_mailto() {
        let a = ListUnsubscribe::new(
            "https://kynnys.example/u/tok",
            "unsubscribe+tok@kynnys.example",
        )
        .unwrap();
        let b = ListUnsubscribe::new(
            "https://kynnys.example/u/tok",
            "mailto:unsubscribe+tok@kynnys.example?subject=unsubscribe",
        )
        .unwrap();
        assert_eq!(
            a.0,
            "<https://kynnys.example/u/tok>, <mailto:unsubscribe+tok@kynnys.example>"
        );
        assert_eq!(
            b.0,
            "<https://kynnys.example/u/tok>, <mailto:unsubscribe+tok@kynnys.example?subject=unsubscribe>"
        );
        assert!(matches!(
            ListUnsubscribe::new("https://kynnys.example/u/tok", "not an address"),
            Err(MailerError::InvalidUnsubscribeAddress)
        ));
        assert!(matches!(
            ListUnsubscribe::new("javascript:x", "a@b.example"),
            Err(MailerError::InvalidLink { .. })
        ));
    }
}
