//! Mail end to end against a real SMTP server speaking SMTP over TCP (in the test process):
//! subscription confirmation → digest → one-click unsubscribe in each language; an SMTP server
//! that is down for a while; permanent refusals; `kynnys digest run` killed mid-round and run
//! twice at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{TimeDelta, Utc};
use kynnys_domain::{Frequency, Lang, ListingRecord, SearchFilters, Vocabularies};
use kynnys_server::digest::{DigestContext, DigestSchedule, run_round};
use kynnys_server::mail_worker::MailDelivery;
use kynnys_store::testing::TestDatabase;
use kynnys_store::{NewEmailToken, NewMail, NewSubscription, Store, TokenPurpose};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use support::TestServer;
use support::smtp::SmtpSink;

const CORPUS: &str = include_str!("../crates/server/demo/listings.jsonl");
const FROM: &str = "kynnys <no-reply@kynnys.test>";

fn corpus() -> Vec<ListingRecord> {
    CORPUS
        .lines()
        .map(|l| ListingRecord::from_json_line(l).unwrap())
        .collect()
}

fn delivery(store: &Store, sink: &SmtpSink) -> MailDelivery {
    MailDelivery {
        store: store.clone(),
        sender: Arc::new(kynnys_mailer::SmtpSender::from_url(&sink.url()).unwrap()),
        from: FROM.into(),
    }
}

/// The path (and query) of the first link in `text` that contains `marker`.
fn link_path(text: &str, marker: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|w| w.contains(marker))
        .unwrap_or_else(|| panic!("no {marker} link in {text}"));
    let url = url::Url::parse(link.trim_end_matches(['.', ',', ')'])).unwrap();
    url.path().to_owned()
}

/// Every listing of region 01 (Uusimaa) changed at `at`.
fn change_uusimaa_listings(
    store: &Store,
    vocab: &Vocabularies,
    at: chrono::DateTime<Utc>,
) -> usize {
    let changed: Vec<ListingRecord> = corpus()
        .into_iter()
        .filter(|r| {
            r.municipalities
                .iter()
                .any(|m| vocab.region_of(m) == Some("01"))
        })
        .map(|mut r| {
            if let Some(fi) = &mut r.title.fi {
                fi.push_str(" – uusi aika");
            }
            r
        })
        .collect();
    let n = changed.len();
    store.import_listings(changed, at).unwrap();
    n
}

#[test]
fn confirmation_then_digest_then_one_click_unsubscribe_in_each_language() {
    for db in TestDatabase::each_backend() {
        let sink = SmtpSink::start();
        let vocab = Vocabularies::builtin().unwrap();
        let start = Utc::now();
        db.store
            .import_listings(corpus(), start - TimeDelta::days(1))
            .unwrap();
        let server = TestServer::start_with(db, |s| s.smtp_url = sink.url());
        let store = server.db.store.clone();
        let mailer = delivery(&store, &sink);

        let mut tokens = BTreeMap::new();
        for lang in [Lang::Fi, Lang::Sv, Lang::En] {
            let email = format!("neuvoja-{lang}@example.fi");
            let subscribed = server.call(
                "POST",
                "/api/v1/subscriptions",
                None,
                Some(&json!({"email": email, "lang": lang, "filters": {"region": ["01"]}})),
            );
            assert_eq!(subscribed.status, 202, "{}", subscribed.text);
            mailer.drain().unwrap();
            let confirmation = sink.to(&email);
            assert_eq!(confirmation.len(), 1, "one confirmation, nothing else");
            let confirm = link_path(&confirmation[0].text(), "/subscriptions/confirm/");
            assert!(confirmation[0].html().contains(&format!("lang=\"{lang}\"")));

            // Opening the link shows a page whose button posts to the same address.
            let page = server.send("GET", &confirm, &[], b"");
            assert_eq!(page.status, 200);
            assert!(page.text.contains("method=\"post\""), "{}", page.text);
            assert!(
                store.subscriptions_of(&email).unwrap().is_empty(),
                "a GET confirms nothing"
            );
            let confirmed = server.send("POST", &confirm, &[], b"");
            assert_eq!(confirmed.status, 200, "{}", confirmed.text);
            let again = server.send("POST", &confirm, &[], b"");
            assert_eq!(again.status, 404, "the link is single-use");
            let sub = store.subscriptions_of(&email).unwrap().remove(0);
            assert_eq!(sub.lang, lang);
            assert!(sub.consent_at.is_some());
            tokens.insert(email, sub.manage_token);
        }

        // Listings change after the confirmations; a round composes the digests.
        let changed_at = Utc::now() + TimeDelta::minutes(1);
        let changed = change_uusimaa_listings(&store, &vocab, changed_at);
        assert!(changed > 5);
        let index_dir = tempfile::tempdir().unwrap();
        let mut settings = kynnys_server::config::Settings::load(None).unwrap();
        settings.index_dir = index_dir.path().to_owned();
        let vocab = Arc::new(vocab);
        let index = kynnys_server::indexer::open_index(&settings, &store, vocab.clone()).unwrap();
        let ctx = DigestContext {
            store: &store,
            index: &index,
            vocabularies: &vocab,
            public_url: &server.base,
            unsubscribe_mailto: "unsubscribe@kynnys.test",
            schedule: DigestSchedule::default(),
        };
        let round_at = changed_at + TimeDelta::minutes(1);
        let report = run_round(&ctx, round_at, true).unwrap();
        assert_eq!(report.mailed, 3, "{report:?}");
        let again = run_round(&ctx, round_at + TimeDelta::minutes(5), true).unwrap();
        assert_eq!(
            (again.mailed, again.considered),
            (0, 0),
            "one digest per period"
        );
        // The round ran at a moment a little ahead; deliver as of then.
        let sent = mailer
            .deliver_batch(round_at + TimeDelta::minutes(1))
            .unwrap();
        assert_eq!(sent.sent, 3);

        for (email, token) in &tokens {
            let mails = sink.to(email);
            assert_eq!(mails.len(), 2, "confirmation and one digest for {email}");
            let digest = &mails[1];
            let parsed = digest.parsed();
            assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
            let parts: Vec<&str> = parsed
                .subparts
                .iter()
                .map(|p| p.ctype.mimetype.as_str())
                .collect();
            assert_eq!(parts, ["text/plain", "text/html"]);
            let outbox = store.mails_to(email).unwrap();
            assert_eq!(
                digest.header("Message-ID").as_deref(),
                Some(outbox[1].message_id.as_str())
            );
            assert!(digest.header("Date").is_some());
            assert_eq!(
                digest.header("Auto-Submitted").as_deref(),
                Some("auto-generated")
            );
            let unsubscribe = digest.header("List-Unsubscribe").unwrap();
            assert!(
                unsubscribe.contains(&format!("/subscriptions/unsubscribe/{token}>")),
                "{unsubscribe}"
            );
            assert!(unsubscribe.contains("<mailto:"), "{unsubscribe}");
            assert_eq!(
                digest.header("List-Unsubscribe-Post").as_deref(),
                Some("List-Unsubscribe=One-Click")
            );
            assert!(
                digest.text().contains("uusi aika"),
                "the changed listings are in it"
            );
            assert!(!digest.html().contains("<img"), "no tracking pixels");

            // RFC 8058 one-click: a POST to the https target unsubscribes at once.
            let target = unsubscribe
                .split(['<', '>'])
                .find(|part| part.starts_with("http"))
                .unwrap();
            let path = url::Url::parse(target).unwrap().path().to_owned();
            let shown = server.send("GET", &path, &[], b"");
            assert_eq!(shown.status, 200);
            assert!(
                store.subscriptions_of(email).unwrap().len() == 1,
                "a GET unsubscribes nothing"
            );
            let done = server.send(
                "POST",
                &path,
                &[("Content-Type", "application/x-www-form-urlencoded")],
                b"List-Unsubscribe=One-Click",
            );
            assert_eq!(done.status, 200, "{}", done.text);
            assert!(store.subscriptions_of(email).unwrap().is_empty());
        }
        // Next week: nothing goes to those who left.
        change_uusimaa_listings(&store, &vocab, round_at + TimeDelta::days(6));
        let next_week = run_round(&ctx, round_at + TimeDelta::days(7), true).unwrap();
        assert_eq!(next_week.mailed, 0);
    }
}

fn enqueue(store: &Store, to: &str, key: &str) {
    store
        .issue_email_token(
            &NewEmailToken {
                hash: key,
                purpose: TokenPurpose::VerifyEmail,
                email: to,
                user_id: None,
                organisation_id: None,
                role: None,
                created_by: None,
                expires_at: Utc::now() + TimeDelta::hours(1),
            },
            &NewMail {
                dedupe_key: key.into(),
                recipient: to.into(),
                kind: "verify_email".into(),
                subject: "Vahvista".into(),
                body_text: "Hei".into(),
                body_html: Some("<p>Hei</p>".into()),
                list_unsubscribe: None,
            },
            Utc::now(),
        )
        .unwrap();
}

#[test]
fn mails_wait_while_the_smtp_server_is_down_and_all_arrive_once_after() {
    for db in TestDatabase::each_backend() {
        let sink = SmtpSink::start();
        let mailer = delivery(&db.store, &sink);
        for i in 0..20 {
            enqueue(&db.store, &format!("user{i}@example.fi"), &format!("k{i}"));
        }
        sink.refuse_with(421);
        let first = mailer.deliver_batch(Utc::now()).unwrap();
        assert_eq!((first.sent, first.retried), (0, 20));
        assert!(sink.received().is_empty());
        assert_eq!(
            mailer.deliver_batch(Utc::now()).unwrap().handled(),
            0,
            "they wait for their retry time"
        );

        sink.refuse_with(0);
        let later = mailer
            .deliver_batch(Utc::now() + TimeDelta::minutes(1))
            .unwrap();
        assert_eq!(later.sent, 20);
        let received = sink.received();
        assert_eq!(received.len(), 20);
        let ids: BTreeSet<String> = received
            .iter()
            .map(|m| m.header("Message-ID").unwrap())
            .collect();
        assert_eq!(ids.len(), 20, "none twice");
        assert_eq!(db.store.outbox_counts().unwrap().sent, 20);
        assert_eq!(
            mailer
                .deliver_batch(Utc::now() + TimeDelta::hours(1))
                .unwrap()
                .handled(),
            0
        );
    }
}

#[test]
fn repeated_permanent_failures_stop_mail_to_an_address() {
    let db = TestDatabase::sqlite();
    let sink = SmtpSink::start();
    let mailer = delivery(&db.store, &sink);
    sink.refuse_with(550);
    for i in 0..kynnys_store::SUPPRESS_AFTER_FAILURES {
        enqueue(&db.store, "gone@example.fi", &format!("p{i}"));
        let report = mailer.deliver_batch(Utc::now()).unwrap();
        assert_eq!(report.failed, 1, "a 5xx is not retried");
    }
    assert!(db.store.is_suppressed("gone@example.fi").unwrap());
    sink.refuse_with(0);
    enqueue(&db.store, "gone@example.fi", "p-last");
    enqueue(&db.store, "here@example.fi", "p-other");
    let report = mailer.deliver_batch(Utc::now()).unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(sink.received().len(), 1);
    assert_eq!(db.store.outbox_counts().unwrap().suppressed, 1);
}

/// Confirmed weekly subscriptions of region 01, then changes of its listings after them.
fn subscribers(store: &Store, n: usize) -> Vec<String> {
    let filters = SearchFilters {
        region: vec!["01".into()],
        ..SearchFilters::default()
    };
    let now = Utc::now();
    let emails: Vec<String> = (0..n).map(|i| format!("verkosto{i}@example.fi")).collect();
    for (i, email) in emails.iter().enumerate() {
        let hash = format!("confirm-{i}");
        store
            .create_subscription(
                &NewSubscription {
                    email,
                    lang: [Lang::Fi, Lang::Sv, Lang::En][i % 3],
                    frequency: Frequency::Weekly,
                    filters: &filters,
                    confirm_token_hash: &hash,
                    confirm_expires_at: now + TimeDelta::hours(1),
                    manage_token: &format!("manage-{i}"),
                    user_id: None,
                    source: "test",
                    ip: None,
                },
                None,
                now,
            )
            .unwrap();
        store
            .confirm_subscription(&hash, None, now)
            .unwrap()
            .unwrap();
    }
    emails
}

fn digest_run(db: &TestDatabase, sink: &SmtpSink, dir: &Path, index: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_kynnys"))
        .args(["digest", "run", "--now"])
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("KYNNYS_DATABASE_URL", &db.url_string)
        .env("KYNNYS_INDEX_DIR", dir.join(index))
        .env("KYNNYS_SMTP_URL", sink.url().as_str())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Digests received per subscriber: the distinct Message-IDs and the number of deliveries.
fn digests(sink: &SmtpSink) -> BTreeMap<String, (BTreeSet<String>, usize)> {
    let mut per: BTreeMap<String, (BTreeSet<String>, usize)> = BTreeMap::new();
    for mail in sink.received() {
        let entry = per.entry(mail.to[0].clone()).or_default();
        entry.0.insert(mail.header("Message-ID").unwrap());
        entry.1 += 1;
    }
    per
}

fn prepare(db: &TestDatabase, n: usize) -> Vec<String> {
    db.store
        .import_listings(corpus(), Utc::now() - TimeDelta::days(1))
        .unwrap();
    let emails = subscribers(&db.store, n);
    std::thread::sleep(std::time::Duration::from_millis(20));
    change_uusimaa_listings(&db.store, &Vocabularies::builtin().unwrap(), Utc::now());
    emails
}

#[test]
fn two_processes_running_the_same_round_send_each_subscriber_one_digest() {
    for db in TestDatabase::each_backend() {
        let sink = SmtpSink::start();
        let emails = prepare(&db, 40);
        let dir = tempfile::tempdir().unwrap();
        let first = digest_run(&db, &sink, dir.path(), "index-a");
        let second = digest_run(&db, &sink, dir.path(), "index-b");
        for child in [first, second] {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let per = digests(&sink);
        assert_eq!(per.len(), emails.len(), "everybody got a digest");
        for (email, (ids, deliveries)) in per {
            assert_eq!((ids.len(), deliveries), (1, 1), "{email}");
        }
    }
}

#[test]
fn a_round_killed_midway_and_run_again_loses_nothing_and_doubles_nothing() {
    let db = TestDatabase::sqlite();
    let sink = SmtpSink::start();
    let emails = prepare(&db, 150);
    let dir = tempfile::tempdir().unwrap();
    let mut child = digest_run(&db, &sink, dir.path(), "index");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sink.received().len() < 20 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before_restart = sink.received().len();
    assert!(
        before_restart < emails.len(),
        "killed before the end ({before_restart})"
    );

    let out = digest_run(&db, &sink, dir.path(), "index")
        .wait_with_output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The mails the killed process had claimed are free again once its lease ends.
    let mailer = delivery(&db.store, &sink);
    while mailer
        .deliver_batch(Utc::now() + TimeDelta::minutes(3))
        .unwrap()
        .handled()
        > 0
    {}
    let per = digests(&sink);
    assert_eq!(per.len(), emails.len(), "nothing lost");
    let mut redelivered = 0;
    for (email, (ids, deliveries)) in per {
        assert_eq!(ids.len(), 1, "{email}: one digest, composed once");
        redelivered += deliveries - 1;
    }
    // Only a kill between the relay's acceptance and the `sent` mark can send a row again, with
    // the same Message-ID: at most the mails that were on the wire, one per open connection.
    let on_the_wire = kynnys_mailer::MAX_CONNECTIONS as usize;
    assert!(
        redelivered <= on_the_wire,
        "{redelivered} redeliveries (at most {on_the_wire})"
    );
}

#[test]
fn reminders_go_out_once_and_their_link_confirms_the_listing() {
    for db in TestDatabase::each_backend() {
        let now = Utc::now();
        let long_ago = now - TimeDelta::days(100);
        let mut records = corpus();
        // One listing ends in ten days; all were last confirmed 100 days ago.
        let today = kynnys_domain::to_helsinki(now).date_naive();
        let ending = records
            .iter_mut()
            .find(|r| r.organisation.email.is_some() && !r.kind.is_dated())
            .unwrap();
        ending.valid_until = Some(today + TimeDelta::days(10));
        let ending_id = ending.external_id.clone();
        db.store.import_listings(records, long_ago).unwrap();
        let server = TestServer::start(db);
        let store = server.db.store.clone();

        let written = kynnys_server::reminders::run(&store, &server.base, now).unwrap();
        assert!(written > 10, "{written}");
        assert_eq!(
            kynnys_server::reminders::run(&store, &server.base, now).unwrap(),
            0,
            "once"
        );

        let listing = store.listing_by_external_id(&ending_id).unwrap().unwrap();
        let address = listing
            .record
            .organisation
            .email
            .clone()
            .unwrap()
            .to_lowercase();
        let mails = store.mails_to(&address).unwrap();
        let expiry = mails
            .iter()
            .find(|m| {
                m.body_text.contains(&format!(
                    "{}",
                    (today + TimeDelta::days(10)).format("%-d.%-m.%Y")
                ))
            })
            .unwrap_or_else(|| panic!("no expiry reminder in {mails:#?}"));
        let confirm = link_path(&expiry.body_text, "/listings/confirm/");
        assert_eq!(
            server.send("GET", &confirm, &[], b"").status,
            200,
            "a GET changes nothing"
        );
        let before = store
            .listing(&listing.id)
            .unwrap()
            .unwrap()
            .last_confirmed_at
            .unwrap();
        assert!(before < now - TimeDelta::days(99));
        let clicked = server.send("POST", &confirm, &[], b"");
        assert_eq!(clicked.status, 200, "{}", clicked.text);
        let after = store
            .listing(&listing.id)
            .unwrap()
            .unwrap()
            .last_confirmed_at
            .unwrap();
        assert!(
            after >= now - TimeDelta::minutes(1),
            "still running: confirmed now"
        );
        assert_eq!(
            server
                .send("POST", "/listings/confirm/not-a-token", &[], b"")
                .status,
            404
        );
    }
}

#[test]
fn a_signed_in_user_subscribes_their_own_address_without_a_confirmation_round() {
    let db = TestDatabase::sqlite();
    let server = TestServer::start(db);
    let token = server.token("neuvoja@example.fi", kynnys_domain::PlatformRole::User);
    let reply = server.call(
        "POST",
        "/api/v1/subscriptions",
        Some(&token),
        Some(&json!({"email": "neuvoja@example.fi", "filters": {"theme": ["language_learning"]}})),
    );
    assert_eq!(reply.status, 202, "{}", reply.text);
    let subs = server
        .db
        .store
        .subscriptions_of("neuvoja@example.fi")
        .unwrap();
    assert_eq!(subs.len(), 1, "confirmed at once");
    // Another address from the same account still needs its own confirmation.
    server.call(
        "POST",
        "/api/v1/subscriptions",
        Some(&token),
        Some(&json!({"email": "toinen@example.fi"})),
    );
    assert!(
        server
            .db
            .store
            .subscriptions_of("toinen@example.fi")
            .unwrap()
            .is_empty()
    );
}
