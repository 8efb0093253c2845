//! The crate's error type.

/// Why a mail could not be rendered, built, or a sender configured.
///
/// Messages never contain e-mail addresses or link tokens, so they are safe to log.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    /// A template failed to render.
    #[error("mail template failed to render: {0}")]
    Template(#[from] askama::Error),
    /// A link handed to a template or header is not an absolute `http`/`https` URL.
    #[error("the link `{field}` is not an absolute http or https URL")]
    InvalidLink {
        /// The name of the template field or header.
        field: &'static str,
    },
    /// A `mailto:` address for `List-Unsubscribe` is not a valid address.
    #[error("the unsubscribe mail address is not a valid address")]
    InvalidUnsubscribeAddress,
    /// `From` or `To` is not a valid mailbox (`name <user@domain>` or `user@domain`).
    #[error("the `{field}` address is invalid: {source}")]
    InvalidAddress {
        /// `from` or `to`.
        field: &'static str,
        /// What is wrong with it (never the address itself).
        #[source]
        source: lettre::address::AddressError,
    },
    /// The `Message-ID` is not of the form `<left@right>` in printable ASCII.
    #[error("the Message-ID must look like <id@host>")]
    InvalidMessageId,
    /// lettre refused to build the message.
    #[error("the message could not be built: {0}")]
    Message(#[from] lettre::error::Error),
    /// The SMTP URL is not usable.
    #[error("invalid SMTP URL: {0}")]
    InvalidSmtpUrl(String),
    /// The TLS configuration for the SMTP connection could not be set up.
    #[error("SMTP TLS setup failed: {0}")]
    Tls(#[source] lettre::transport::smtp::Error),
}
