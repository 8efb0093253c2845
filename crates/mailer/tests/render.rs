//! Every template in every language: non-empty, complete, escaped, with its links.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use kynnys_domain::Kind;
use kynnys_mailer::{
    Digest, DigestGroup, DigestItem, Lang, MailerError, RenderedMail, Template, render,
};

const NASTY: &str = r#"<b>&""#;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn digest(title: &str) -> Digest {
    Digest {
        period_label: "viikko 48".into(),
        filters_summary: "Helsinki; kielikahvilat".into(),
        groups: vec![
            DigestGroup {
                kind: Kind::Activity,
                items: vec![
                    DigestItem {
                        title: title.into(),
                        title_lang: None,
                        organisation: "Kallion kirjasto".into(),
                        when: Some("ti 17–19".into()),
                        place: Some("Helsinki".into()),
                        link: "https://kynnys.example/l/1".into(),
                        is_new: true,
                    },
                    DigestItem {
                        title: "Language café".into(),
                        title_lang: Some(Lang::En),
                        organisation: "Yhdistys ry".into(),
                        when: None,
                        place: None,
                        link: "https://kynnys.example/l/2".into(),
                        is_new: false,
                    },
                ],
            },
            DigestGroup {
                kind: Kind::Event,
                items: Vec::new(),
            },
            DigestGroup {
                kind: Kind::Training,
                items: vec![DigestItem {
                    title: "Selkokieli-koulutus".into(),
                    title_lang: Some(Lang::Fi),
                    organisation: "Kunta".into(),
                    when: Some("12.3.2027".into()),
                    place: Some("verkossa".into()),
                    link: "https://kynnys.example/l/3".into(),
                    is_new: true,
                }],
            },
        ],
        manage_link: "https://kynnys.example/subscriptions/manage?token=m1".into(),
        unsubscribe_link: "https://kynnys.example/subscriptions/unsubscribe?token=u1".into(),
    }
}

/// Every template (both outcomes of the decisions), with `title` in every title-like field.
fn all_templates<'a>(title: &'a str, digest: &'a Digest) -> Vec<(Template<'a>, Vec<&'a str>)> {
    vec![
        (
            Template::VerifyEmail {
                link: "https://kynnys.example/verify?token=v1",
            },
            vec!["https://kynnys.example/verify?token=v1"],
        ),
        (
            Template::AlreadyRegistered {
                reset_link: "https://kynnys.example/reset?token=r1",
            },
            vec!["https://kynnys.example/reset?token=r1"],
        ),
        (
            Template::PasswordReset {
                link: "https://kynnys.example/reset?token=r2",
            },
            vec!["https://kynnys.example/reset?token=r2"],
        ),
        (
            Template::Invitation {
                organisation: title,
                link: "https://kynnys.example/invitations/i1",
            },
            vec!["https://kynnys.example/invitations/i1"],
        ),
        (
            Template::MembershipRequest {
                organisation: title,
                requester: "Maija Meikäläinen",
                link: "https://kynnys.example/organisations/o1/members",
            },
            vec!["https://kynnys.example/organisations/o1/members"],
        ),
        (
            Template::OrganisationDecision {
                organisation: title,
                approved: true,
                reason: None,
            },
            vec![],
        ),
        (
            Template::OrganisationDecision {
                organisation: title,
                approved: false,
                reason: Some("Y-tunnus puuttuu."),
            },
            vec![],
        ),
        (
            Template::ListingDecision {
                title,
                approved: true,
                reason: None,
                link: "https://kynnys.example/l/1",
            },
            vec!["https://kynnys.example/l/1"],
        ),
        (
            Template::ListingDecision {
                title,
                approved: false,
                reason: Some("Yhteystiedot puuttuvat."),
                link: "https://kynnys.example/l/1/edit",
            },
            vec!["https://kynnys.example/l/1/edit"],
        ),
        (
            Template::ExpiryReminder {
                title,
                valid_until: date(2026, 12, 31),
                days_left: 14,
                edit_link: "https://kynnys.example/l/1/edit",
                confirm_link: "https://kynnys.example/l/1/confirm?token=c1",
            },
            vec![
                "https://kynnys.example/l/1/edit",
                "https://kynnys.example/l/1/confirm?token=c1",
            ],
        ),
        (
            Template::ExpiryReminder {
                title,
                valid_until: date(2026, 12, 31),
                days_left: 3,
                edit_link: "https://kynnys.example/l/1/edit",
                confirm_link: "https://kynnys.example/l/1/confirm?token=c2",
            },
            vec![
                "https://kynnys.example/l/1/edit",
                "https://kynnys.example/l/1/confirm?token=c2",
            ],
        ),
        (
            Template::ConfirmReminder {
                title,
                last_confirmed: date(2026, 8, 1),
                confirm_link: "https://kynnys.example/l/1/confirm?token=c3",
                edit_link: "https://kynnys.example/l/1/edit",
                archive_link: "https://kynnys.example/l/1/archive?token=a1",
            },
            vec![
                "https://kynnys.example/l/1/confirm?token=c3",
                "https://kynnys.example/l/1/edit",
                "https://kynnys.example/l/1/archive?token=a1",
            ],
        ),
        (
            Template::SubscriptionConfirm {
                link: "http://127.0.0.1:8080/subscriptions/confirm?token=s1",
                summary: title,
            },
            vec!["http://127.0.0.1:8080/subscriptions/confirm?token=s1"],
        ),
        (
            Template::Digest(digest),
            vec![
                "https://kynnys.example/l/1",
                "https://kynnys.example/l/2",
                "https://kynnys.example/l/3",
                "https://kynnys.example/subscriptions/manage?token=m1",
                "https://kynnys.example/subscriptions/unsubscribe?token=u1",
            ],
        ),
    ]
}

/// How askama writes `s` in HTML.
fn escaped(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn check_shape(mail: &RenderedMail, lang: Lang, what: &str) {
    assert!(!mail.subject.trim().is_empty(), "{what}: empty subject");
    assert!(!mail.subject.contains(['\n', '\r']), "{what}: subject");
    assert!(mail.subject.chars().count() < 120, "{what}: long subject");
    assert!(!mail.text.trim().is_empty(), "{what}: empty text");
    assert!(mail.text.ends_with('\n'), "{what}: text end");
    assert!(!mail.html.trim().is_empty(), "{what}: empty html");
    for part in [&mail.subject, &mail.text, &mail.html] {
        assert!(
            !part.contains("{{") && !part.contains("{%"),
            "{what}: template syntax left over"
        );
    }
    let html = &mail.html;
    assert!(html.starts_with("<!DOCTYPE html>"), "{what}");
    assert!(
        html.contains(&format!("<html lang=\"{}\">", lang.code())),
        "{what}: html lang"
    );
    assert!(html.contains("<title>"), "{what}: title");
    for forbidden in [
        "<img", "<style", "<script", "<link", "src=", "url(", "@import",
    ] {
        assert!(!html.contains(forbidden), "{what}: html has {forbidden}");
    }
    // Only http(s) links, and only the ones we gave.
    assert!(!html.contains("href=\"javascript"), "{what}");
}

#[test]
fn every_template_renders_in_every_language_with_its_links() {
    let d = digest("Kielikahvila");
    for (template, links) in all_templates("Läksykerho", &d) {
        for lang in Lang::ALL {
            let what = format!("{template:?} in {lang:?}");
            let mail = render(&template, lang).expect(&what);
            check_shape(&mail, lang, &what);
            for link in &links {
                assert!(mail.text.contains(link), "{what}: text lacks {link}");
                assert!(
                    mail.html.contains(&format!("href=\"{}\"", escaped(link))),
                    "{what}: html lacks {link}"
                );
            }
        }
    }
}

#[test]
fn every_language_says_something_different() {
    let d = digest("Kielikahvila");
    for (template, _) in all_templates("Läksykerho", &d) {
        let fi = render(&template, Lang::Fi).unwrap();
        let sv = render(&template, Lang::Sv).unwrap();
        let en = render(&template, Lang::En).unwrap();
        assert!(fi.subject != sv.subject && sv.subject != en.subject && fi.subject != en.subject);
        assert!(fi.text != sv.text && sv.text != en.text && fi.text != en.text);
    }
}

#[test]
fn values_are_escaped_in_html_and_kept_in_text() {
    let d = digest(NASTY);
    for (template, _) in all_templates(NASTY, &d) {
        if matches!(
            template,
            Template::VerifyEmail { .. }
                | Template::AlreadyRegistered { .. }
                | Template::PasswordReset { .. }
        ) {
            continue;
        }
        for lang in Lang::ALL {
            let what = format!("{template:?} in {lang:?}");
            let mail = render(&template, lang).unwrap();
            assert!(!mail.html.contains(NASTY), "{what}: raw value in html");
            assert!(!mail.html.contains("<b>"), "{what}: raw tag in html");
            assert!(
                mail.html.contains(&escaped(NASTY)),
                "{what}: escaped value missing"
            );
            assert!(mail.text.contains(NASTY), "{what}: text should be verbatim");
        }
    }
}

#[test]
fn subjects_name_the_thing() {
    let mail = render(
        &Template::ListingDecision {
            title: "Läksykerho",
            approved: true,
            reason: None,
            link: "https://kynnys.example/l/1",
        },
        Lang::Fi,
    )
    .unwrap();
    assert_eq!(mail.subject, "Ilmoitus julkaistu: Läksykerho");
    assert!(
        mail.html
            .contains("<title>Ilmoitus julkaistu: Läksykerho</title>")
    );

    let expiry = |days_left, lang| {
        render(
            &Template::ExpiryReminder {
                title: "Läksykerho",
                valid_until: date(2026, 12, 31),
                days_left,
                edit_link: "https://kynnys.example/e",
                confirm_link: "https://kynnys.example/c",
            },
            lang,
        )
        .unwrap()
    };
    assert_eq!(
        expiry(14, Lang::Fi).subject,
        "Ilmoitus vanhenee 14 päivän kuluttua: Läksykerho"
    );
    assert_eq!(
        expiry(3, Lang::Sv).subject,
        "Annonsen går ut om 3 dagar: Läksykerho"
    );
    assert_eq!(
        expiry(3, Lang::En).subject,
        "Your listing expires in 3 days: Läksykerho"
    );
    assert!(expiry(3, Lang::Fi).text.contains("31.12.2026"));
    assert!(expiry(3, Lang::En).text.contains("31 December 2026"));

    let confirm = render(
        &Template::ConfirmReminder {
            title: "Läksykerho",
            last_confirmed: date(2026, 8, 1),
            confirm_link: "https://kynnys.example/c",
            edit_link: "https://kynnys.example/e",
            archive_link: "https://kynnys.example/a",
        },
        Lang::Sv,
    )
    .unwrap();
    assert!(confirm.text.contains("1.8.2026"));
}

#[test]
fn a_subject_stays_on_one_line_whatever_the_title() {
    let mail = render(
        &Template::ListingDecision {
            title: "Läksy\r\nBcc: everyone@example.com\nkerho",
            approved: true,
            reason: None,
            link: "https://kynnys.example/l/1",
        },
        Lang::En,
    )
    .unwrap();
    assert_eq!(
        mail.subject,
        "Listing published: Läksy Bcc: everyone@example.com kerho"
    );
}

#[test]
fn decisions_show_the_reason_only_when_there_is_one() {
    let rejected = |reason| {
        render(
            &Template::OrganisationDecision {
                organisation: "Yhdistys ry",
                approved: false,
                reason,
            },
            Lang::Fi,
        )
        .unwrap()
    };
    let with = rejected(Some("Y-tunnus puuttuu."));
    assert!(with.text.contains("Perustelu: Y-tunnus puuttuu."));
    assert!(with.html.contains("Perustelu: Y-tunnus puuttuu."));
    for reason in [None, Some("  ")] {
        let without = rejected(reason);
        assert!(!without.text.contains("Perustelu"), "{reason:?}");
        assert!(!without.html.contains("Perustelu"), "{reason:?}");
    }
    let approved = render(
        &Template::OrganisationDecision {
            organisation: "Yhdistys ry",
            approved: true,
            reason: Some("ignored"),
        },
        Lang::Sv,
    )
    .unwrap();
    assert_eq!(approved.subject, "Yhdistys ry har godkänts – kynnys");
    assert!(!approved.text.contains("ignored"));
}

#[test]
fn digest_groups_by_kind_and_marks_new_changed_and_fallback_titles() {
    let d = digest("Kielikahvila");
    let expectations = [
        (
            Lang::Fi,
            ["Toiminta", "Koulutukset", "Tapahtumat"],
            ["uusi", "päivitetty"],
            ["(englanniksi)", "(suomeksi)"],
            ["Muuta tilausta", "Peru tilaus"],
        ),
        (
            Lang::Sv,
            ["Verksamhet", "Utbildningar", "Evenemang"],
            ["ny", "uppdaterad"],
            ["(på engelska)", "(på finska)"],
            ["Ändra prenumerationen", "Avsluta prenumerationen"],
        ),
        (
            Lang::En,
            ["Activities", "Trainings", "Events"],
            ["new", "updated"],
            ["(in English)", "(in Finnish)"],
            ["Change your subscription", "Unsubscribe"],
        ),
    ];
    for (lang, [activities, trainings, events], [new, changed], [in_en, in_fi], [manage, unsub]) in
        expectations
    {
        let mail = render(&Template::Digest(&d), lang).unwrap();
        let (text, html) = (&mail.text, &mail.html);
        assert!(mail.subject.contains("viikko 48"), "{lang:?}");

        // Headings in order, the empty group left out.
        let h_act = format!(">{activities}</h2>");
        let h_tr = format!(">{trainings}</h2>");
        let (a, t) = (html.find(&h_act).unwrap(), html.find(&h_tr).unwrap());
        assert!(a < t, "{lang:?}");
        assert!(!html.contains(&format!(">{events}</h2>")), "{lang:?}");
        let (a, t) = (
            text.find(&activities.to_uppercase()).unwrap(),
            text.find(&trainings.to_uppercase()).unwrap(),
        );
        assert!(a < t, "{lang:?}");
        assert!(!text.contains(&events.to_uppercase()), "{lang:?}");

        // Each item linked, with its organisation, time and place.
        assert!(html.contains(
            r#"<a href="https://kynnys.example/l/1" style="color:#0b5394; font-weight:bold;">Kielikahvila</a>"#
        ));
        assert!(html.contains("Kallion kirjasto · ti 17–19 · Helsinki"));
        assert!(text.contains("Kallion kirjasto · ti 17–19 · Helsinki"));

        // New and changed.
        assert!(html.contains(&format!(">{new}</span>")), "{lang:?}");
        assert!(html.contains(&format!(">{changed}</span>")), "{lang:?}");
        assert!(
            text.contains(&format!("* Kielikahvila [{new}]")),
            "{lang:?}"
        );
        // Fallback titles: marker and lang attribute, nothing for the mail's own language.
        let mut fallback_titles = 0;
        for (title, title_lang, marker, state) in [
            ("Language café", Lang::En, in_en, changed),
            ("Selkokieli-koulutus", Lang::Fi, in_fi, new),
        ] {
            if title_lang == lang {
                assert!(text.contains(&format!("* {title} [{state}]")), "{lang:?}");
                assert!(html.contains(&format!(r#"font-weight:bold;">{title}</a>"#)));
            } else {
                fallback_titles += 1;
                assert!(
                    text.contains(&format!("* {title} {marker} [{state}]")),
                    "{lang:?}: {text}"
                );
                assert!(
                    html.contains(&format!(
                        r#"lang="{}">{title}</a> <span style="color:#4d4d4d;">{marker}</span>"#,
                        title_lang.code()
                    )),
                    "{lang:?}"
                );
            }
        }
        // `<html lang>`, the article `<div lang>` and the fallback titles.
        assert_eq!(
            html.matches(" lang=\"").count(),
            2 + fallback_titles,
            "{lang:?}"
        );

        // Footer.
        for (label, link) in [(manage, &d.manage_link), (unsub, &d.unsubscribe_link)] {
            assert!(text.contains(&format!("{label}: {link}")), "{lang:?}");
            assert!(
                html.contains(&format!(
                    r#"<a href="{}" style="color:#0b5394; text-decoration:underline;">{label}</a>"#,
                    escaped(link)
                )),
                "{lang:?}"
            );
        }
    }
}

#[test]
fn an_empty_digest_says_so() {
    let mut d = digest("x");
    for group in &mut d.groups {
        group.items.clear();
    }
    let fi = render(&Template::Digest(&d), Lang::Fi).unwrap();
    assert!(fi.text.contains("ei tällä kertaa ollut"));
    assert!(!fi.html.contains("<h2"));
    let en = render(&Template::Digest(&d), Lang::En).unwrap();
    assert!(en.text.contains("There were no new or changed listings"));
}

#[test]
fn links_that_are_not_http_urls_are_refused() {
    for link in [
        "javascript:alert(1)",
        "/verify?token=1",
        "kynnys.example/x",
        "",
    ] {
        let result = render(&Template::VerifyEmail { link }, Lang::Fi);
        assert!(
            matches!(result, Err(MailerError::InvalidLink { field: "link" })),
            "{link}"
        );
    }
    let mut d = digest("x");
    d.groups[0].items[0].link = "data:text/html,hi".into();
    assert!(matches!(
        render(&Template::Digest(&d), Lang::En),
        Err(MailerError::InvalidLink { field: "item.link" })
    ));
}
