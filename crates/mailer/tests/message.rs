//! The MIME message as a mail client sees it: parsed back with `mailparse`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use kynnys_mailer::{Envelope, Lang, MailerError, Template, build_message, render};
use mailparse::{MailHeaderMap, ParsedMail};

const MESSAGE_ID: &str = "<0193a4f2-7c1e-7d3a-9b1e-5f0c2a1d9e77@kynnys.example>";

fn envelope(
    list_unsubscribe: Option<(&'static str, &'static str)>,
    auto: bool,
) -> Envelope<'static> {
    Envelope {
        from: "kynnys <no-reply@kynnys.example>",
        to: "maija.meikalainen@example.fi",
        message_id: MESSAGE_ID,
        date: Utc.with_ymd_and_hms(2026, 11, 23, 8, 30, 15).unwrap(),
        list_unsubscribe,
        auto_submitted: auto,
    }
}

fn header(mail: &ParsedMail<'_>, name: &str) -> Option<String> {
    mail.headers.get_first_value(name)
}

#[test]
fn a_mail_is_multipart_alternative_with_our_headers() {
    let rendered = render(
        &Template::VerifyEmail {
            link: "https://kynnys.example/verify?token=abc&x=1",
        },
        Lang::Fi,
    )
    .unwrap();
    let message = build_message(
        &envelope(
            Some((
                "https://kynnys.example/subscriptions/unsubscribe?token=u1",
                "mailto:unsubscribe+u1@kynnys.example",
            )),
            true,
        ),
        &rendered,
    )
    .unwrap();
    let bytes = message.formatted();
    assert!(bytes.is_ascii(), "the message is 7-bit clean");
    let mail = mailparse::parse_mail(&bytes).unwrap();

    // Structure: text first, then HTML, both UTF-8, Finnish letters intact.
    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    assert_eq!(mail.subparts.len(), 2);
    let (text, html) = (&mail.subparts[0], &mail.subparts[1]);
    assert_eq!(text.ctype.mimetype, "text/plain");
    assert_eq!(text.ctype.charset.to_ascii_lowercase(), "utf-8");
    assert_eq!(html.ctype.mimetype, "text/html");
    assert_eq!(html.ctype.charset.to_ascii_lowercase(), "utf-8");
    let text_body = text.get_body().unwrap();
    let html_body = html.get_body().unwrap();
    assert_eq!(text_body.replace("\r\n", "\n"), rendered.text);
    assert_eq!(html_body.replace("\r\n", "\n"), rendered.html);
    assert!(text_body.contains("Vahvista sähköpostiosoitteesi"));
    assert!(text_body.contains("https://kynnys.example/verify?token=abc&x=1"));
    assert!(html_body.contains("https://kynnys.example/verify?token=abc&#38;x=1"));

    // Headers.
    assert_eq!(header(&mail, "Message-ID").unwrap(), MESSAGE_ID);
    let date = mailparse::dateparse(&header(&mail, "Date").unwrap()).unwrap();
    assert_eq!(
        date,
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 30, 15)
            .unwrap()
            .timestamp()
    );
    assert_eq!(
        header(&mail, "From").unwrap(),
        "kynnys <no-reply@kynnys.example>"
    );
    assert_eq!(header(&mail, "To").unwrap(), "maija.meikalainen@example.fi");
    assert_eq!(
        header(&mail, "Subject").unwrap(),
        "Vahvista sähköpostiosoitteesi – kynnys"
    );
    assert_eq!(header(&mail, "MIME-Version").unwrap(), "1.0");
    assert_eq!(
        header(&mail, "List-Unsubscribe").unwrap(),
        "<https://kynnys.example/subscriptions/unsubscribe?token=u1>, \
         <mailto:unsubscribe+u1@kynnys.example>"
    );
    assert_eq!(
        header(&mail, "List-Unsubscribe-Post").unwrap(),
        "List-Unsubscribe=One-Click"
    );
    assert_eq!(header(&mail, "Auto-Submitted").unwrap(), "auto-generated");

    // The SMTP envelope follows the headers.
    let envelope = message.envelope();
    assert_eq!(
        envelope.from().unwrap().to_string(),
        "no-reply@kynnys.example"
    );
    assert_eq!(
        envelope
            .to()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["maija.meikalainen@example.fi"]
    );
}

#[test]
fn optional_headers_are_absent_unless_asked_for() {
    let rendered = render(
        &Template::PasswordReset {
            link: "https://kynnys.example/reset?token=r",
        },
        Lang::Sv,
    )
    .unwrap();
    let message = build_message(&envelope(None, false), &rendered).unwrap();
    let bytes = message.formatted();
    let mail = mailparse::parse_mail(&bytes).unwrap();
    assert!(header(&mail, "List-Unsubscribe").is_none());
    assert!(header(&mail, "List-Unsubscribe-Post").is_none());
    assert!(header(&mail, "Auto-Submitted").is_none());
    assert_eq!(
        header(&mail, "Subject").unwrap(),
        "Byte av lösenord – kynnys"
    );
    assert_eq!(header(&mail, "Message-ID").unwrap(), MESSAGE_ID);
}

#[test]
fn a_subject_cannot_inject_headers() {
    let mut rendered = render(
        &Template::PasswordReset {
            link: "https://kynnys.example/reset?token=r",
        },
        Lang::En,
    )
    .unwrap();
    // `render` keeps subjects on one line; even a hand-made one must not get through.
    rendered.subject = "Hello\r\nBcc: everyone@example.com".into();
    let message = build_message(&envelope(None, true), &rendered).unwrap();
    let bytes = message.formatted();
    let mail = mailparse::parse_mail(&bytes).unwrap();
    assert!(header(&mail, "Bcc").is_none());
    assert_eq!(message.envelope().to().len(), 1);
}

#[test]
fn a_long_non_ascii_subject_survives_encoding() {
    let title = "Äidinkielen ja suomen kielen läksykerho maahanmuuttajaperheiden lapsille ja nuorille Itä-Helsingissä";
    let rendered = render(
        &Template::ListingDecision {
            title,
            approved: true,
            reason: None,
            link: "https://kynnys.example/l/1",
        },
        Lang::Fi,
    )
    .unwrap();
    let message = build_message(&envelope(None, true), &rendered).unwrap();
    let bytes = message.formatted();
    let mail = mailparse::parse_mail(&bytes).unwrap();
    assert_eq!(
        header(&mail, "Subject").unwrap(),
        format!("Ilmoitus julkaistu: {title}")
    );
}

#[test]
fn bad_envelopes_are_refused() {
    let rendered = render(
        &Template::VerifyEmail {
            link: "https://kynnys.example/v",
        },
        Lang::En,
    )
    .unwrap();
    let base = envelope(None, true);

    let bad_to = Envelope {
        to: "not an address",
        ..base
    };
    assert!(matches!(
        build_message(&bad_to, &rendered),
        Err(MailerError::InvalidAddress { field: "to", .. })
    ));
    let bad_from = Envelope {
        from: "kynnys <no-reply>",
        ..base
    };
    assert!(matches!(
        build_message(&bad_from, &rendered),
        Err(MailerError::InvalidAddress { field: "from", .. })
    ));
    for message_id in ["", "abc@kynnys.example", "<abc>", "<a b@kynnys.example>"] {
        let bad_id = Envelope { message_id, ..base };
        assert!(
            matches!(
                build_message(&bad_id, &rendered),
                Err(MailerError::InvalidMessageId)
            ),
            "{message_id}"
        );
    }
    let bad_unsubscribe = Envelope {
        list_unsubscribe: Some(("ftp://kynnys.example/u", "u@kynnys.example")),
        ..base
    };
    assert!(matches!(
        build_message(&bad_unsubscribe, &rendered),
        Err(MailerError::InvalidLink { .. })
    ));
    let bad_mailto = Envelope {
        list_unsubscribe: Some(("https://kynnys.example/u", "mailto:nobody")),
        ..base
    };
    assert!(matches!(
        build_message(&bad_mailto, &rendered),
        Err(MailerError::InvalidUnsubscribeAddress)
    ));
}
