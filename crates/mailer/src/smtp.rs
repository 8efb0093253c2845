//! SMTP delivery with lettre's pooled blocking transport.

use crate::MailerError;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{PoolConfig, SmtpTransport};
use lettre::{Message, Transport};
use std::time::{Duration, Instant};

/// Connect and per-command timeout. A relay that does not answer within it is a transient
/// failure.
const TIMEOUT: Duration = Duration::from_secs(30);
/// At most this many open connections to the relay.
pub const MAX_CONNECTIONS: u32 = 16;
/// Idle pooled connections are closed after this long.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a mail was not delivered to the relay.
///
/// The messages are the relay's answers with e-mail addresses masked (`***@domain`), safe to log
/// and to store as the outbox row's last error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// 4xx, connection refused, timeouts: retry later.
    #[error("transient SMTP failure: {0}")]
    Transient(String),
    /// 5xx: do not retry this mail.
    #[error("permanent SMTP failure: {0}")]
    Permanent(String),
}

impl SendError {
    /// `true` for [`SendError::Permanent`].
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// Delivers messages over SMTP through a pool of connections (lettre's blocking
/// `SmtpTransport`; call it from a worker thread, not from an async task).
///
/// Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct SmtpSender {
    transport: SmtpTransport,
    /// `host:port`, for logs (never the credentials).
    relay: String,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSender")
            .field("relay", &self.relay)
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// smtp://host:port (plain, for local sinks), smtp://...?tls=starttls or ?tls=required, smtps://host:port (implicit TLS); user:password@ in the URL for AUTH; connection pool.
    ///
    /// In detail:
    /// - `smtp://host[:port]` — no TLS (port 25 by default). `?tls=none` says the same.
    /// - `smtp://host[:port]?tls=starttls` (or `?tls=required`) — STARTTLS, refusing to go on
    ///   without it (port 587 by default); `?tls=opportunistic` uses STARTTLS when offered.
    /// - `smtps://host[:port]` — implicit TLS (port 465 by default).
    /// - `user:password@` — percent-encoded; AUTH PLAIN or LOGIN. Send credentials only over TLS
    ///   unless the relay is local.
    ///
    /// Certificates are checked against the Mozilla roots (webpki-roots) with rustls. No
    /// connection is opened here; the first [`send`](Self::send) opens one.
    pub fn from_url(url: &url::Url) -> Result<Self, MailerError> {
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| MailerError::InvalidSmtpUrl("the URL has no host".into()))?;
        // IPv6 literals come bracketed; sockets and TLS want the bare address.
        let host = host.trim_start_matches('[').trim_end_matches(']');

        let mut tls_mode: Option<String> = None;
        for (key, value) in url.query_pairs() {
            if key != "tls" || tls_mode.is_some() {
                return Err(MailerError::InvalidSmtpUrl(format!(
                    "unsupported query parameter `{key}` (only one `tls` is understood)"
                )));
            }
            tls_mode = Some(value.into_owned());
        }
        let tls_parameters = || TlsParameters::new(host.to_owned()).map_err(MailerError::Tls);
        let (tls, default_port) = match (url.scheme(), tls_mode.as_deref()) {
            ("smtp", None | Some("none")) => (Tls::None, 25),
            ("smtp", Some("starttls" | "required")) => (Tls::Required(tls_parameters()?), 587),
            ("smtp", Some("opportunistic")) => (Tls::Opportunistic(tls_parameters()?), 587),
            ("smtps", None | Some("implicit")) => (Tls::Wrapper(tls_parameters()?), 465),
            ("smtp" | "smtps", Some(other)) => {
                return Err(MailerError::InvalidSmtpUrl(format!(
                    "unknown tls mode `{other}` for {}:// (use starttls, required, opportunistic \
                     or none with smtp://; smtps:// is always implicit TLS)",
                    url.scheme()
                )));
            }
            (other, _) => {
                return Err(MailerError::InvalidSmtpUrl(format!(
                    "unknown scheme `{other}` (use smtp:// or smtps://)"
                )));
            }
        };
        let port = url.port().unwrap_or(default_port);

        let mut builder = SmtpTransport::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(TIMEOUT))
            .pool_config(
                PoolConfig::new()
                    .max_size(MAX_CONNECTIONS)
                    .idle_timeout(POOL_IDLE_TIMEOUT),
            );
        if !url.username().is_empty() {
            let user = percent_decode(url.username(), "user name")?;
            let password = percent_decode(url.password().unwrap_or_default(), "password")?;
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Self {
            transport: builder.build(),
            relay: format!("{host}:{port}"),
        })
    }

    /// Hands `message` to the relay (envelope from its `From` and `To`).
    ///
    /// `Ok` means the relay accepted it (2xx after DATA). Errors are classified for the outbox:
    /// a 5xx reply is [`SendError::Permanent`] — except the authentication replies 530, 534,
    /// 535 and 538, which say nothing about this mail and are transient like every connection,
    /// TLS, timeout or 4xx failure.
    pub fn send(&self, message: &Message) -> Result<(), SendError> {
        let message_id = message
            .headers()
            .get_raw("Message-ID")
            .unwrap_or_default()
            .to_owned();
        let started = Instant::now();
        match self.transport.send(message) {
            Ok(response) => {
                tracing::debug!(
                    relay = %self.relay,
                    message_id = %message_id,
                    code = %response.code(),
                    elapsed_ms = elapsed_ms(started),
                    "mail accepted by the relay"
                );
                Ok(())
            }
            Err(error) => {
                let error = classify(&error);
                tracing::warn!(
                    relay = %self.relay,
                    message_id = %message_id,
                    permanent = error.is_permanent(),
                    elapsed_ms = elapsed_ms(started),
                    error = %error,
                    "mail not delivered to the relay"
                );
                Err(error)
            }
        }
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn percent_decode(part: &str, what: &str) -> Result<String, MailerError> {
    percent_encoding::percent_decode_str(part)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| MailerError::InvalidSmtpUrl(format!("the {what} is not UTF-8")))
}

/// Replies to AUTH: the relay refuses us, not the mail.
const AUTH_CODES: [u16; 4] = [530, 534, 535, 538];

fn classify(error: &lettre::transport::smtp::Error) -> SendError {
    let text = mask_addresses(&error.to_string());
    match error.status().map(u16::from) {
        Some(code) if error.is_permanent() && !AUTH_CODES.contains(&code) => {
            SendError::Permanent(text)
        }
        _ => SendError::Transient(text),
    }
}

/// Replaces the local part of anything that looks like an e-mail address with `***`, so that
/// relay replies such as `550 <someone@example.com>: unknown user` can be logged.
fn mask_addresses(text: &str) -> String {
    let is_separator = |c: char| c.is_whitespace() || "<>\"'(),;:[]{}=".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        match token.rsplit_once('@') {
            Some((local, domain)) if !local.is_empty() => {
                out.push_str("***@");
                out.push_str(domain);
            }
            _ => out.push_str(token),
        }
        token.clear();
    };
    for c in text.chars() {
        if is_separator(c) {
            flush(&mut token, &mut out);
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn urls_are_understood() {
        for ok in [
            "smtp://127.0.0.1:1025",
            "smtp://localhost",
            "smtp://relay.example?tls=starttls",
            "smtp://relay.example:2525?tls=required",
            "smtp://relay.example?tls=opportunistic",
            "smtp://relay.example?tls=none",
            "smtps://relay.example",
            "smtps://user%40example:p%C3%A4ss%2F@relay.example:465",
            "smtp://[::1]:1025",
        ] {
            assert!(SmtpSender::from_url(&url(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "http://relay.example",
            "smtp://relay.example?tls=maybe",
            "smtps://relay.example?tls=starttls",
            "smtp://relay.example?port=25",
            "smtp://relay.example?tls=none&tls=starttls",
        ] {
            assert!(
                matches!(
                    SmtpSender::from_url(&url(bad)),
                    Err(MailerError::InvalidSmtpUrl(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_output_has_no_credentials() {
        let sender = SmtpSender::from_url(&url("smtps://me:secret@relay.example")).unwrap();
        let debug = format!("{sender:?}");
        assert!(debug.contains("relay.example:465"), "{debug}");
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn addresses_are_masked() {
        assert_eq!(
            mask_addresses("550 5.1.1 <maija.meikalainen@example.fi>: Recipient address rejected"),
            "550 5.1.1 <***@example.fi>: Recipient address rejected"
        );
        assert_eq!(
            mask_addresses("to=someone@example.com, from x@y"),
            "to=***@example.com, from ***@y"
        );
        assert_eq!(mask_addresses("451 try again later"), "451 try again later");
    }
}
