//! Composing and delivering kynnys mails.
//!
//! - [`render`] turns a [`Template`] into a [`RenderedMail`] (subject, plain text and HTML) in
//!   one of the three languages. The templates live in `crates/mailer/templates/<lang>/` and are
//!   compiled into the binary by askama; HTML values are escaped.
//! - [`build_message`] wraps a rendered mail into a MIME `multipart/alternative` message with our
//!   own `Message-ID`, `List-Unsubscribe` (RFC 8058 one-click) and `Auto-Submitted` headers.
//! - [`SmtpSender`] delivers messages over SMTP (plain, STARTTLS or implicit TLS, pooled
//!   connections) and tells a retryable failure from a permanent one ([`SendError`]).
//!
//! The crate knows nothing of the database: the outbox worker that calls it lives elsewhere.

mod error;
mod message;
mod render;
mod smtp;

pub use error::MailerError;
pub use kynnys_domain::Lang;
pub use message::{Envelope, build_message};
pub use render::{Digest, DigestGroup, DigestItem, RenderedMail, Template, render};
pub use smtp::{MAX_CONNECTIONS, SendError, SmtpSender};
