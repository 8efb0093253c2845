//! Templates per locale, compiled into the binary.
//!
//! Every mail has, per language, a text template `templates/<lang>/<name>.txt` (blocks `subject`
//! and `body`, footer from `<lang>/layout.txt`) and an HTML template
//! `templates/<lang>/<name>.html` (block `body`, frame from `base.html` through
//! `<lang>/layout.html`). askama escapes every value in the HTML templates.

use crate::MailerError;
use chrono::NaiveDate;
use kynnys_domain::{Kind, Lang};
use std::ops::Deref;

/// A fully rendered mail, ready to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    /// One line, without a trailing newline.
    pub subject: String,
    /// The `text/plain` part, ending with a newline.
    pub text: String,
    /// The `text/html` part: a complete document with `lang` on `<html>`, inline styles only.
    pub html: String,
}

/// Which mail, with what it needs to say. Links are complete https/http URLs.
#[derive(Debug, Clone, Copy)]
pub enum Template<'a> {
    /// Confirm the address of a new account.
    VerifyEmail {
        /// The confirmation link.
        link: &'a str,
    },
    /// Someone tried to register with an address that already has an account.
    AlreadyRegistered {
        /// Where to reset the password.
        reset_link: &'a str,
    },
    /// A password reset was asked for.
    PasswordReset {
        /// The reset link.
        link: &'a str,
    },
    /// An invitation to manage an organisation's listings.
    Invitation {
        /// The organisation's name.
        organisation: &'a str,
        /// Where to accept the invitation.
        link: &'a str,
    },
    /// To the organisation's admins: someone asks to join it.
    MembershipRequest {
        /// The organisation's name.
        organisation: &'a str,
        /// Who asks (a display name, not an address).
        requester: &'a str,
        /// Where to approve or decline.
        link: &'a str,
    },
    /// A moderator approved or rejected the registration of an organisation.
    OrganisationDecision {
        /// The organisation's name.
        organisation: &'a str,
        /// Approved or not.
        approved: bool,
        /// The moderator's reason, if given.
        reason: Option<&'a str>,
    },
    /// A moderator published or rejected (or took down) a listing.
    ListingDecision {
        /// The listing's title.
        title: &'a str,
        /// Published or not.
        approved: bool,
        /// The moderator's reason, if given.
        reason: Option<&'a str>,
        /// The public page when approved, the edit page otherwise.
        link: &'a str,
    },
    /// A listing's validity ends soon.
    ExpiryReminder {
        /// The listing's title.
        title: &'a str,
        /// The last day the listing is valid.
        valid_until: NaiveDate,
        /// `days_left` is 14 or 3.
        days_left: u32,
        /// Where to edit the listing.
        edit_link: &'a str,
        /// Where to confirm the listing is up to date.
        confirm_link: &'a str,
    },
    /// Nobody confirmed the listing for 90 days.
    ConfirmReminder {
        /// The listing's title.
        title: &'a str,
        /// When the listing was last confirmed.
        last_confirmed: NaiveDate,
        /// Where to confirm the listing is up to date.
        confirm_link: &'a str,
        /// Where to edit the listing.
        edit_link: &'a str,
        /// Where to archive the listing.
        archive_link: &'a str,
    },
    /// Double opt-in of a digest subscription.
    SubscriptionConfirm {
        /// The confirmation link.
        link: &'a str,
        /// The filters in words.
        summary: &'a str,
    },
    /// The weekly (or daily) digest of new and changed listings.
    Digest(&'a Digest),
}

/// The content of one digest mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The period in the mail's language, e.g. "viikko 48".
    pub period_label: String,
    /// The subscription's filters in words, in the mail's language.
    pub filters_summary: String,
    /// The listings, one group per kind, in the order to show them. Empty groups are skipped.
    pub groups: Vec<DigestGroup>,
    /// Where to change the subscription.
    pub manage_link: String,
    /// Where to unsubscribe (the same page `List-Unsubscribe` points to).
    pub unsubscribe_link: String,
}

/// The listings of one kind in a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestGroup {
    /// Activities, events or trainings: the group's heading.
    pub kind: Kind,
    /// The listings.
    pub items: Vec<DigestItem>,
}

/// One listing in a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestItem {
    /// The title, in the mail's language when there is one.
    pub title: String,
    /// Set when the title is in another language than the mail (the fallback marker).
    ///
    /// Shows "(suomeksi)", "(på finska)", "(in Finnish)"… after the title and puts `lang` on
    /// the title's element; the mail's own language shows nothing.
    pub title_lang: Option<Lang>,
    /// The publishing organisation's name.
    pub organisation: String,
    /// When, in words ("ti 18–20", "12.3.2027 klo 9–16"), if anything.
    pub when: Option<String>,
    /// Where, in words ("Kallion kirjasto, Helsinki" or "verkossa"), if anything.
    pub place: Option<String>,
    /// The listing's public page.
    pub link: String,
    /// New in this period (otherwise changed).
    pub is_new: bool,
}

/// Renders `template` in `lang`.
///
/// Fails when a link is not an absolute http/https URL (so a broken link never reaches a
/// recipient) or when a template fails to render.
pub fn render(template: &Template<'_>, lang: Lang) -> Result<RenderedMail, MailerError> {
    check_links(template)?;
    match *template {
        Template::VerifyEmail { link } => verify_email::render(&LinkCtx { link }, lang),
        Template::AlreadyRegistered { reset_link } => {
            already_registered::render(&AlreadyRegisteredCtx { reset_link }, lang)
        }
        Template::PasswordReset { link } => password_reset::render(&LinkCtx { link }, lang),
        Template::Invitation { organisation, link } => {
            invitation::render(&InvitationCtx { organisation, link }, lang)
        }
        Template::MembershipRequest {
            organisation,
            requester,
            link,
        } => membership_request::render(
            &MembershipRequestCtx {
                organisation,
                requester,
                link,
            },
            lang,
        ),
        Template::OrganisationDecision {
            organisation,
            approved,
            reason,
        } => organisation_decision::render(
            &OrganisationDecisionCtx {
                organisation,
                approved,
                reason: non_blank(reason),
            },
            lang,
        ),
        Template::ListingDecision {
            title,
            approved,
            reason,
            link,
        } => listing_decision::render(
            &ListingDecisionCtx {
                title,
                approved,
                reason: non_blank(reason),
                link,
            },
            lang,
        ),
        Template::ExpiryReminder {
            title,
            valid_until,
            days_left,
            edit_link,
            confirm_link,
        } => expiry_reminder::render(
            &ExpiryReminderCtx {
                title,
                valid_until: format_date(valid_until, lang),
                days_left,
                edit_link,
                confirm_link,
            },
            lang,
        ),
        Template::ConfirmReminder {
            title,
            last_confirmed,
            confirm_link,
            edit_link,
            archive_link,
        } => confirm_reminder::render(
            &ConfirmReminderCtx {
                title,
                last_confirmed: format_date(last_confirmed, lang),
                confirm_link,
                edit_link,
                archive_link,
            },
            lang,
        ),
        Template::SubscriptionConfirm { link, summary } => {
            subscription_confirm::render(&SubscriptionConfirmCtx { link, summary }, lang)
        }
        Template::Digest(d) => digest::render(
            &DigestCtx {
                period_label: &d.period_label,
                filters_summary: &d.filters_summary,
                groups: &d.groups,
                is_empty: d.groups.iter().all(|g| g.items.is_empty()),
                lang,
                manage_link: &d.manage_link,
                unsubscribe_link: &d.unsubscribe_link,
            },
            lang,
        ),
    }
}

/// Every link of `template`, with the field's name.
fn links<'a>(template: &Template<'a>) -> Vec<(&'static str, &'a str)> {
    match *template {
        Template::VerifyEmail { link }
        | Template::PasswordReset { link }
        | Template::Invitation { link, .. }
        | Template::MembershipRequest { link, .. }
        | Template::ListingDecision { link, .. }
        | Template::SubscriptionConfirm { link, .. } => vec![("link", link)],
        Template::AlreadyRegistered { reset_link } => vec![("reset_link", reset_link)],
        Template::OrganisationDecision { .. } => Vec::new(),
        Template::ExpiryReminder {
            edit_link,
            confirm_link,
            ..
        } => vec![("edit_link", edit_link), ("confirm_link", confirm_link)],
        Template::ConfirmReminder {
            confirm_link,
            edit_link,
            archive_link,
            ..
        } => vec![
            ("confirm_link", confirm_link),
            ("edit_link", edit_link),
            ("archive_link", archive_link),
        ],
        Template::Digest(d) => {
            let mut links = vec![
                ("manage_link", d.manage_link.as_str()),
                ("unsubscribe_link", d.unsubscribe_link.as_str()),
            ];
            links.extend(
                d.groups
                    .iter()
                    .flat_map(|g| &g.items)
                    .map(|item| ("item.link", item.link.as_str())),
            );
            links
        }
    }
}

fn check_links(template: &Template<'_>) -> Result<(), MailerError> {
    for (field, link) in links(template) {
        check_link(field, link)?;
    }
    Ok(())
}

/// `link` must be an absolute `http` or `https` URL with a host.
pub(crate) fn check_link(field: &'static str, link: &str) -> Result<(), MailerError> {
    match url::Url::parse(link) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => Err(MailerError::InvalidLink { field }),
    }
}

fn non_blank(reason: Option<&str>) -> Option<&str> {
    reason.map(str::trim).filter(|r| !r.is_empty())
}

/// A date the way it is written in the language: `31.12.2026` in Finnish and Swedish,
/// `31 December 2026` in English.
fn format_date(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Fi | Lang::Sv => date.format("%-d.%-m.%Y").to_string(),
        Lang::En => date.format("%-d %B %Y").to_string(),
    }
}

/// The subject on one line: runs of whitespace (newlines included) become one space.
fn clean_subject(subject: &str) -> String {
    subject.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text part: no trailing spaces (except in the signature separator `-- `), at most one
/// blank line in a row, no blank lines at the start, one newline at the end.
fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let mut blank_run = 0;
    for line in text.lines() {
        let line = if line == "-- " { line } else { line.trim_end() };
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() && blank_run > 0 {
            out.push('\n');
        }
        blank_run = 0;
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn clean_html(html: &str) -> String {
    let mut html = html.trim().to_owned();
    html.push('\n');
    html
}

// --- What the templates see -------------------------------------------------------------------

/// A mail with a single link.
struct LinkCtx<'a> {
    link: &'a str,
}

struct AlreadyRegisteredCtx<'a> {
    reset_link: &'a str,
}

struct InvitationCtx<'a> {
    organisation: &'a str,
    link: &'a str,
}

struct MembershipRequestCtx<'a> {
    organisation: &'a str,
    requester: &'a str,
    link: &'a str,
}

struct OrganisationDecisionCtx<'a> {
    organisation: &'a str,
    approved: bool,
    reason: Option<&'a str>,
}

struct ListingDecisionCtx<'a> {
    title: &'a str,
    approved: bool,
    reason: Option<&'a str>,
    link: &'a str,
}

struct ExpiryReminderCtx<'a> {
    title: &'a str,
    valid_until: String,
    days_left: u32,
    edit_link: &'a str,
    confirm_link: &'a str,
}

struct ConfirmReminderCtx<'a> {
    title: &'a str,
    last_confirmed: String,
    confirm_link: &'a str,
    edit_link: &'a str,
    archive_link: &'a str,
}

struct SubscriptionConfirmCtx<'a> {
    link: &'a str,
    summary: &'a str,
}

struct DigestCtx<'a> {
    period_label: &'a str,
    filters_summary: &'a str,
    groups: &'a [DigestGroup],
    is_empty: bool,
    /// The mail's language.
    lang: Lang,
    manage_link: &'a str,
    unsubscribe_link: &'a str,
}

impl DigestCtx<'_> {
    /// The language of `item`'s title when it differs from the mail's: the fallback marker.
    fn fallback_lang(&self, item: &DigestItem) -> Option<Lang> {
        item.title_lang.filter(|l| *l != self.lang)
    }
}

/// One askama struct pair (text, HTML) per language for a mail; the structs deref to the mail's
/// context so the templates name its fields directly (`{{ link }}`).
macro_rules! localized {
    ($text:ident, $html:ident, $ctx:ident, $text_path:literal, $html_path:literal) => {
        #[derive(askama::Template)]
        #[template(path = $text_path, blocks = ["subject", "text"])]
        struct $text<'a> {
            m: &'a $ctx<'a>,
        }

        impl<'a> Deref for $text<'a> {
            type Target = $ctx<'a>;
            fn deref(&self) -> &Self::Target {
                self.m
            }
        }

        #[derive(askama::Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            m: &'a $ctx<'a>,
            /// For `<title>`.
            subject: &'a str,
            /// For `<html lang>`.
            lang_code: &'static str,
        }

        impl<'a> Deref for $html<'a> {
            type Target = $ctx<'a>;
            fn deref(&self) -> &Self::Target {
                self.m
            }
        }
    };
}

/// A module per mail with its six templates and a `render(ctx, lang)`.
macro_rules! mail {
    (
        $module:ident($ctx:ident),
        fi: $fi_text:literal, $fi_html:literal,
        sv: $sv_text:literal, $sv_html:literal,
        en: $en_text:literal, $en_html:literal $(,)?
    ) => {
        mod $module {
            use super::{
                Deref, MailerError, RenderedMail, clean_html, clean_subject, clean_text, $ctx,
            };
            #[allow(unused_imports)]
            use super::{Kind, Lang};
            use askama::Template as _;

            localized!(FiText, FiHtml, $ctx, $fi_text, $fi_html);
            localized!(SvText, SvHtml, $ctx, $sv_text, $sv_html);
            localized!(EnText, EnHtml, $ctx, $en_text, $en_html);

            pub(super) fn render(m: &$ctx<'_>, lang: Lang) -> Result<RenderedMail, MailerError> {
                macro_rules! finish {
                    ($t:ident, $h:ident) => {{
                        let text = $t { m };
                        let subject = clean_subject(&text.as_subject().render()?);
                        let body = clean_text(&text.as_text().render()?);
                        let html = $h {
                            m,
                            subject: &subject,
                            lang_code: lang.code(),
                        }
                        .render()?;
                        Ok(RenderedMail {
                            subject,
                            text: body,
                            html: clean_html(&html),
                        })
                    }};
                }
                match lang {
                    Lang::Fi => finish!(FiText, FiHtml),
                    Lang::Sv => finish!(SvText, SvHtml),
                    Lang::En => finish!(EnText, EnHtml),
                }
            }
        }
    };
}

mail!(
    verify_email(LinkCtx),
    fi: "fi/verify_email.txt", "fi/verify_email.html",
    sv: "sv/verify_email.txt", "sv/verify_email.html",
    en: "en/verify_email.txt", "en/verify_email.html",
);
mail!(
    already_registered(AlreadyRegisteredCtx),
    fi: "fi/already_registered.txt", "fi/already_registered.html",
    sv: "sv/already_registered.txt", "sv/already_registered.html",
    en: "en/already_registered.txt", "en/already_registered.html",
);
mail!(
    password_reset(LinkCtx),
    fi: "fi/password_reset.txt", "fi/password_reset.html",
    sv: "sv/password_reset.txt", "sv/password_reset.html",
    en: "en/password_reset.txt", "en/password_reset.html",
);
mail!(
    invitation(InvitationCtx),
    fi: "fi/invitation.txt", "fi/invitation.html",
    sv: "sv/invitation.txt", "sv/invitation.html",
    en: "en/invitation.txt", "en/invitation.html",
);
mail!(
    membership_request(MembershipRequestCtx),
    fi: "fi/membership_request.txt", "fi/membership_request.html",
    sv: "sv/membership_request.txt", "sv/membership_request.html",
    en: "en/membership_request.txt", "en/membership_request.html",
);
mail!(
    organisation_decision(OrganisationDecisionCtx),
    fi: "fi/organisation_decision.txt", "fi/organisation_decision.html",
    sv: "sv/organisation_decision.txt", "sv/organisation_decision.html",
    en: "en/organisation_decision.txt", "en/organisation_decision.html",
);
mail!(
    listing_decision(ListingDecisionCtx),
    fi: "fi/listing_decision.txt", "fi/listing_decision.html",
    sv: "sv/listing_decision.txt", "sv/listing_decision.html",
    en: "en/listing_decision.txt", "en/listing_decision.html",
);
mail!(
    expiry_reminder(ExpiryReminderCtx),
    fi: "fi/expiry_reminder.txt", "fi/expiry_reminder.html",
    sv: "sv/expiry_reminder.txt", "sv/expiry_reminder.html",
    en: "en/expiry_reminder.txt", "en/expiry_reminder.html",
);
mail!(
    confirm_reminder(ConfirmReminderCtx),
    fi: "fi/confirm_reminder.txt", "fi/confirm_reminder.html",
    sv: "sv/confirm_reminder.txt", "sv/confirm_reminder.html",
    en: "en/confirm_reminder.txt", "en/confirm_reminder.html",
);
mail!(
    subscription_confirm(SubscriptionConfirmCtx),
    fi: "fi/subscription_confirm.txt", "fi/subscription_confirm.html",
    sv: "sv/subscription_confirm.txt", "sv/subscription_confirm.html",
    en: "en/subscription_confirm.txt", "en/subscription_confirm.html",
);
mail!(
    digest(DigestCtx),
    fi: "fi/digest.txt", "fi/digest.html",
    sv: "sv/digest.txt", "sv/digest.html",
    en: "en/digest.txt", "en/digest.html",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_tidied() {
        assert_eq!(
            clean_text("\n\nHei!  \n\n\n\nRivi\n\n-- \nkynnys\n\n"),
            "Hei!\n\nRivi\n\n-- \nkynnys\n"
        );
        assert_eq!(clean_subject(" a\r\n b\tc "), "a b c");
    }

    #[test]
    fn dates_follow_the_language() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(format_date(date, Lang::Fi), "1.12.2026");
        assert_eq!(format_date(date, Lang::Sv), "1.12.2026");
        assert_eq!(format_date(date, Lang::En), "1 December 2026");
    }

    #[test]
    fn links_must_be_http_urls() {
        assert!(check_link("link", "https://kynnys.example/x?t=1").is_ok());
        assert!(check_link("link", "http://127.0.0.1:8080/x").is_ok());
        for bad in ["javascript:alert(1)", "/relative", "", "mailto:a@b.example"] {
            assert!(matches!(
                check_link("link", bad),
                Err(MailerError::InvalidLink { field: "link" })
            ));
        }
    }
}
