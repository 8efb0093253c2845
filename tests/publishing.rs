//! Publishing over HTTP against the real server on each database: accounts, organisations,
//! listings and their lifecycle, idempotency, and malformed input of every kind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kynnys_domain::PlatformRole;
use kynnys_store::testing::TestDatabase;
use serde_json::{Value, json};
use std::collections::HashSet;
use support::{Reply, TestServer, listing_body};

const PASSWORD: &str = "correct horse battery";

// ---------------------------------------------------------------------------------------------
// Helpers: problems, mails, accounts and sessions
// ---------------------------------------------------------------------------------------------

/// Asserts an RFC 9457 problem with `status` and `code`.
#[track_caller]
fn assert_problem(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert!(
        reply.is_problem(),
        "not a problem document: {} {}",
        reply.content_type(),
        reply.text
    );
    assert_eq!(reply.json["code"], code, "{}", reply.text);
}

/// The `path`s of a validation problem's `errors`.
fn error_paths(reply: &Reply) -> Vec<String> {
    reply.json["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["path"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The kinds of the mails written to `email`, oldest first.
fn mail_kinds(server: &TestServer, email: &str) -> Vec<String> {
    let mails = server.db.store.mails_to(email).unwrap();
    mails.into_iter().map(|m| m.kind).collect()
}

/// The text of the newest mail of `kind` to `email`.
#[track_caller]
fn newest_mail(server: &TestServer, email: &str, kind: &str) -> String {
    let mails = server.db.store.mails_to(email).unwrap();
    mails
        .into_iter()
        .rev()
        .find(|m| m.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} mail to {email}"))
        .body_text
}

/// The token of the link (`...?token=XYZ`) in the newest mail of `kind` to `email`.
#[track_caller]
fn link_token(server: &TestServer, email: &str, kind: &str) -> String {
    let text = newest_mail(server, email, kind);
    let start = text.find("?token=").expect("a link with a token") + "?token=".len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    assert!(token.len() > 20, "{text}");
    token
}

fn register(server: &TestServer, email: &str, password: &str) -> Reply {
    let body = json!({"email": email, "password": password, "display_name": "Testi Henkilö"});
    server.call("POST", "/api/v1/auth/register", None, Some(&body))
}

fn login(server: &TestServer, email: &str, password: &str) -> Reply {
    let body = json!({"email": email, "password": password});
    server.call("POST", "/api/v1/auth/login", None, Some(&body))
}

/// Registers `email` over HTTP and verifies it with the link of the mail.
fn verified_account(server: &TestServer, email: &str) {
    assert_eq!(register(server, email, PASSWORD).status, 202);
    let token = link_token(server, email, "verify_email");
    let verified = server.call(
        "POST",
        "/api/v1/auth/verify-email",
        None,
        Some(&json!({"token": token})),
    );
    assert_eq!(verified.status, 200, "{}", verified.text);
}

/// A logged-in browser: the `Cookie` header value and the CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

impl Session {
    /// Logs in and takes the session cookie from `Set-Cookie`.
    #[track_caller]
    fn login(server: &TestServer, email: &str, password: &str) -> Self {
        let reply = login(server, email, password);
        assert_eq!(reply.status, 200, "{}", reply.text);
        let set_cookie = reply.header("set-cookie").expect("Set-Cookie");
        assert!(set_cookie.starts_with("kynnys_session="), "{set_cookie}");
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let csrf = reply.json["csrf_token"].as_str().expect("csrf_token");
        assert!(!csrf.is_empty());
        Session {
            cookie,
            csrf: csrf.to_owned(),
        }
    }

    /// A request with the cookie, the CSRF header when `with_csrf`, and a JSON body if given.
    fn send(
        &self,
        server: &TestServer,
        method: &str,
        path: &str,
        with_csrf: bool,
        body: Option<&Value>,
    ) -> Reply {
        let mut headers = vec![("Cookie", self.cookie.as_str())];
        if with_csrf {
            headers.push(("X-CSRF-Token", self.csrf.as_str()));
        }
        let bytes = match body {
            Some(value) => {
                headers.push(("Content-Type", "application/json"));
                serde_json::to_vec(value).unwrap()
            }
            None => Vec::new(),
        };
        server.send(method, path, &headers, &bytes)
    }
}

/// The id of the account behind `token`.
fn user_id(server: &TestServer, token: &str) -> String {
    let me = server.call("GET", "/api/v1/me", Some(token), None);
    assert_eq!(me.status, 200, "{}", me.text);
    me.json["id"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Helpers: organisations and listings
// ---------------------------------------------------------------------------------------------

/// A pending organisation registered by `owner`; returns its id.
fn pending_organisation(server: &TestServer, owner: &str) -> String {
    let created = server.call(
        "POST",
        "/api/v1/organisations",
        Some(owner),
        Some(&json!({"name": {"fi": "Testiyhdistys ry"}, "type": "association", "municipality": "091"})),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["status"], "pending");
    created.json["id"].as_str().unwrap().to_owned()
}

/// An approved organisation with `owner` as owner; returns its id.
fn approved_organisation(server: &TestServer, owner: &str, admin: &str) -> String {
    let id = pending_organisation(server, owner);
    let approved = server.call(
        "POST",
        &format!("/api/v1/organisations/{id}/approve"),
        Some(admin),
        None,
    );
    assert_eq!(approved.status, 200, "{}", approved.text);
    id
}

/// Creates a draft from `body`; returns its id.
#[track_caller]
fn draft_listing(server: &TestServer, owner: &str, body: &Value) -> String {
    let created = server.call("POST", "/api/v1/listings", Some(owner), Some(body));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["status"], "draft");
    created.json["id"].as_str().unwrap().to_owned()
}

/// Runs a lifecycle action (`submit`, `approve`, ...) and expects it to succeed.
#[track_caller]
fn act(server: &TestServer, token: &str, id: &str, action: &str, body: Option<&Value>) -> Reply {
    let reply = server.call(
        "POST",
        &format!("/api/v1/listings/{id}/{action}"),
        Some(token),
        body,
    );
    assert_eq!(reply.status, 200, "{action}: {}", reply.text);
    reply
}

/// Creates, submits and approves a listing from `body`; returns its id.
fn published_listing(server: &TestServer, owner: &str, admin: &str, body: &Value) -> String {
    let id = draft_listing(server, owner, body);
    act(server, owner, &id, "submit", None);
    let approved = act(server, admin, &id, "approve", None);
    assert_eq!(approved.json["status"], "published");
    id
}

/// The ids of every listing of an organisation as its member sees them (one page).
fn organisation_listing_ids(server: &TestServer, token: &str, org: &str) -> Vec<String> {
    let page = server.call(
        "GET",
        &format!("/api/v1/organisations/{org}/listings?limit=200"),
        Some(token),
        None,
    );
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.json["next_cursor"].is_null());
    ids_of(&page)
}

/// The `id`s of a page's `items`.
fn ids_of(page: &Reply) -> Vec<String> {
    page.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids on the public list for a query string.
#[track_caller]
fn public_ids(server: &TestServer, query: &str) -> Vec<String> {
    let page = server.call("GET", &format!("/api/v1/listings?{query}"), None, None);
    assert_eq!(page.status, 200, "{query}: {}", page.text);
    ids_of(&page)
}

/// `listing_body` with other fields set.
fn with(mut body: Value, changes: Value) -> Value {
    for (key, value) in changes.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

// ---------------------------------------------------------------------------------------------
// 1. Accounts
// ---------------------------------------------------------------------------------------------

#[test]
fn registration_answers_alike_for_every_address_and_login_waits_for_verification() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let email = "reader@example.org";

        assert_eq!(register(&server, email, PASSWORD).status, 202);
        assert_eq!(mail_kinds(&server, email), ["verify_email"]);
        let first_token = link_token(&server, email, "verify_email");

        // Again before verification: the same answer and a new verification link.
        let again = register(&server, email, PASSWORD);
        assert_eq!(again.status, 202, "{}", again.text);
        assert_eq!(mail_kinds(&server, email), ["verify_email", "verify_email"]);
        let token = link_token(&server, email, "verify_email");
        assert_ne!(token, first_token);

        assert_problem(&login(&server, email, PASSWORD), 403, "email_not_verified");

        let verify = |token: &str| {
            server.call(
                "POST",
                "/api/v1/auth/verify-email",
                None,
                Some(&json!({"token": token})),
            )
        };
        let verified = verify(&token);
        assert_eq!(verified.status, 200, "{}", verified.text);
        assert_problem(&verify(&token), 400, "invalid_token");
        assert_problem(&verify("not-a-token"), 400, "invalid_token");

        // Registering a verified address again: still 202, a different mail, and the password
        // given with it changes nothing.
        let known = register(&server, email, "another password entirely");
        assert_eq!(known.status, 202, "{}", known.text);
        assert_eq!(known.json, again.json);
        assert_eq!(
            mail_kinds(&server, email).last().unwrap(),
            "already_registered"
        );
        assert!(newest_mail(&server, email, "already_registered").contains("account/reset?token="));
        assert_problem(
            &login(&server, email, "another password entirely"),
            401,
            "invalid_credentials",
        );

        assert_problem(
            &login(&server, email, "wrong password!"),
            401,
            "invalid_credentials",
        );
        assert_problem(
            &login(&server, "nobody@example.org", PASSWORD),
            401,
            "invalid_credentials",
        );

        let logged_in = login(&server, " Reader@Example.org ", PASSWORD);
        assert_eq!(logged_in.status, 200, "{}", logged_in.text);
        assert_eq!(logged_in.json["user"]["email"], email);
        assert_eq!(logged_in.json["user"]["email_verified"], true);
        assert_eq!(logged_in.json["user"]["display_name"], "Testi Henkilö");
        assert!(
            logged_in.json["csrf_token"]
                .as_str()
                .is_some_and(|t| t.len() > 20)
        );
        let set_cookie = logged_in.header("set-cookie").unwrap();
        assert!(set_cookie.starts_with("kynnys_session="), "{set_cookie}");
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    }
}

#[test]
fn a_session_needs_its_csrf_token_for_writes_and_api_tokens_work_until_revoked() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let email = "editor@example.org";
        verified_account(&server, email);
        let session = Session::login(&server, email, PASSWORD);

        let me = session.send(&server, "GET", "/api/v1/me", false, None);
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!(me.json["email"], email);
        let my_id = me.json["id"].as_str().unwrap().to_owned();

        // Writes with the cookie need the CSRF token; nothing is created without it.
        let name = json!({"name": "x"});
        let no_csrf = session.send(&server, "POST", "/api/v1/me/tokens", false, Some(&name));
        assert_problem(&no_csrf, 403, "csrf_failed");
        let wrong_csrf = server.send(
            "POST",
            "/api/v1/me/tokens",
            &[
                ("Cookie", session.cookie.as_str()),
                ("X-CSRF-Token", "wrong"),
                ("Content-Type", "application/json"),
            ],
            br#"{"name": "x"}"#,
        );
        assert_problem(&wrong_csrf, 403, "csrf_failed");
        let none = session.send(&server, "GET", "/api/v1/me/tokens", false, None);
        assert_eq!(none.status, 200, "{}", none.text);
        assert_eq!(none.json["items"], json!([]));

        let created = session.send(&server, "POST", "/api/v1/me/tokens", true, Some(&name));
        assert_eq!(created.status, 201, "{}", created.text);
        let token = created.json["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("kyn_"), "{token}");
        assert_eq!(created.json["name"], "x");
        let token_id = created.json["id"].as_str().unwrap().to_owned();

        // The token works as a bearer token, and the list shows it without its secret.
        assert_eq!(user_id(&server, &token), my_id);
        let listed = server.call("GET", "/api/v1/me/tokens", Some(&token), None);
        assert_eq!(listed.status, 200, "{}", listed.text);
        let items = listed.json["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}", listed.text);
        assert_eq!(items[0]["id"], token_id.as_str());
        assert_eq!(items[0]["name"], "x");
        assert!(items[0].get("token").is_none(), "{}", listed.text);
        assert!(token.starts_with(items[0]["prefix"].as_str().unwrap()));
        assert!(!listed.text.contains(&token), "the secret is listed");

        let revoked = session.send(
            &server,
            "DELETE",
            &format!("/api/v1/me/tokens/{token_id}"),
            true,
            None,
        );
        assert_eq!(revoked.status, 204, "{}", revoked.text);
        let after = server.call("GET", "/api/v1/me", Some(&token), None);
        assert_problem(&after, 401, "invalid_api_token");
        assert_eq!(after.header("www-authenticate"), Some("Bearer"));
        let again = session.send(
            &server,
            "DELETE",
            &format!("/api/v1/me/tokens/{token_id}"),
            true,
            None,
        );
        assert_problem(&again, 404, "not_found");

        for garbage in ["Bearer kyn_garbage", "Bearer ", "Basic dXNlcjpwYXNz"] {
            let reply = server.send("GET", "/api/v1/me", &[("Authorization", garbage)], b"");
            assert_problem(&reply, 401, "invalid_api_token");
        }
        assert_problem(
            &server.call("GET", "/api/v1/me", None, None),
            401,
            "unauthenticated",
        );

        // Logging out is a write too; afterwards the cookie is worth nothing.
        let no_csrf = session.send(&server, "POST", "/api/v1/auth/logout", false, None);
        assert_problem(&no_csrf, 403, "csrf_failed");
        let logout = session.send(&server, "POST", "/api/v1/auth/logout", true, None);
        assert_eq!(logout.status, 204, "{}", logout.text);
        let cleared = logout.header("set-cookie").unwrap_or_default();
        assert!(cleared.starts_with("kynnys_session=;"), "{cleared}");
        let gone = session.send(&server, "GET", "/api/v1/me", false, None);
        assert_problem(&gone, 401, "unauthenticated");
    }
}

#[test]
fn a_password_reset_link_replaces_the_password_and_ends_sessions() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let email = "forgetful@example.org";
        verified_account(&server, email);
        let session = Session::login(&server, email, PASSWORD);

        let reset = |address: &str| {
            server.call(
                "POST",
                "/api/v1/auth/password-reset",
                None,
                Some(&json!({"email": address})),
            )
        };
        let unknown = reset("stranger@example.org");
        assert_eq!(unknown.status, 202, "{}", unknown.text);
        assert!(mail_kinds(&server, "stranger@example.org").is_empty());
        let known = reset("Forgetful@Example.org");
        assert_eq!(known.status, 202, "{}", known.text);
        assert_eq!(known.json, unknown.json, "no address enumeration");
        let token = link_token(&server, email, "password_reset");

        let confirm = |token: &str, password: &str| {
            server.call(
                "POST",
                "/api/v1/auth/password-reset/confirm",
                None,
                Some(&json!({"token": token, "password": password})),
            )
        };
        let short = confirm(&token, "short");
        assert_problem(&short, 422, "validation_failed");
        assert_eq!(
            short.json["errors"][0]["path"], "password",
            "{}",
            short.text
        );
        assert_eq!(
            short.json["errors"][0]["code"], "too_short",
            "{}",
            short.text
        );
        assert_problem(
            &confirm("no-such-token", "a new long password"),
            400,
            "invalid_token",
        );

        // The failed attempt did not use the link up.
        let changed = confirm(&token, "a new long password");
        assert_eq!(changed.status, 200, "{}", changed.text);
        assert_problem(
            &confirm(&token, "yet another password"),
            400,
            "invalid_token",
        );

        let old_session = session.send(&server, "GET", "/api/v1/me", false, None);
        assert_problem(&old_session, 401, "unauthenticated");
        assert_problem(&login(&server, email, PASSWORD), 401, "invalid_credentials");
        Session::login(&server, email, "a new long password");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Rate limiting
// ---------------------------------------------------------------------------------------------

#[test]
fn login_attempts_over_the_limit_get_429_with_retry_after() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start_with(db, |s| {
            s.auth_rate_per_minute = std::num::NonZeroU32::new(3).unwrap();
        });
        for _ in 0..3 {
            let attempt = login(&server, "victim@example.org", "guess guess guess");
            assert_problem(&attempt, 401, "invalid_credentials");
        }
        let limited = login(&server, "victim@example.org", "guess guess guess");
        assert_problem(&limited, 429, "rate_limited");
        let retry_after: u64 = limited
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("Retry-After in whole seconds");
        assert!(retry_after >= 1, "{retry_after}");
        // The limit is per client too: another address from the same client is limited.
        let other = login(&server, "someone-else@example.org", "guess guess guess");
        assert_problem(&other, 429, "rate_limited");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Idempotency
// ---------------------------------------------------------------------------------------------

#[test]
fn an_idempotency_key_replays_the_first_answer_for_the_same_caller_only() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let second_token = server.token("owner@example.org", PlatformRole::User);
        let org = approved_organisation(&server, &owner, &admin);

        let body = serde_json::to_vec(&listing_body(&org, "Kielikahvila")).unwrap();
        let post = |token: &str, key: &str, body: &[u8]| {
            let auth = format!("Bearer {token}");
            server.send(
                "POST",
                "/api/v1/listings",
                &[
                    ("Authorization", auth.as_str()),
                    ("Content-Type", "application/json"),
                    ("Idempotency-Key", key),
                ],
                body,
            )
        };

        let first = post(&owner, "key-1", &body);
        assert_eq!(first.status, 201, "{}", first.text);
        assert_eq!(first.header("idempotent-replayed"), None);
        let retry = post(&owner, "key-1", &body);
        assert_eq!(retry.status, 201, "{}", retry.text);
        assert_eq!(retry.header("idempotent-replayed"), Some("true"));
        assert_eq!(retry.json["id"], first.json["id"]);
        assert_eq!(retry.text, first.text);
        let id = first.json["id"].as_str().unwrap();
        assert_eq!(organisation_listing_ids(&server, &owner, &org), [id]);

        let other_body = serde_json::to_vec(&listing_body(&org, "Läksykerho")).unwrap();
        let reused = post(&owner, "key-1", &other_body);
        assert_problem(&reused, 422, "idempotency_key_reused");
        assert_eq!(organisation_listing_ids(&server, &owner, &org).len(), 1);

        // Another caller's key of the same name is its own.
        let own = post(&second_token, "key-1", &body);
        assert_eq!(own.status, 201, "{}", own.text);
        assert_eq!(own.header("idempotent-replayed"), None);
        assert_ne!(own.json["id"], first.json["id"]);
        assert_eq!(organisation_listing_ids(&server, &owner, &org).len(), 2);
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Malformed input
// ---------------------------------------------------------------------------------------------

/// An endpoint that takes a JSON body, with a valid body to derive bad ones from.
struct Target {
    method: &'static str,
    path: String,
    token: String,
    valid: Value,
    /// Takes listing content (where themes and dates are checked rather than unknown fields).
    listing_content: bool,
}

/// One kind of bad body with what it must get.
struct BadBody {
    name: &'static str,
    bytes: Vec<u8>,
    content_type: &'static str,
    status: u16,
    code: &'static str,
    /// A path that `errors[]` must name (for validation problems), with the code of that entry
    /// when it matters.
    path: Option<(&'static str, Option<&'static str>)>,
}

fn bad_bodies(target: &Target) -> Vec<BadBody> {
    let json = "application/json";
    let changed = |key: &str, value: Value| {
        let mut body = target.valid.clone();
        body[key] = value;
        serde_json::to_vec(&body).unwrap()
    };
    let mut too_large = br#"{"title": ""#.to_vec();
    too_large.resize(too_large.len() + 300 * 1024, b'a');
    too_large.extend_from_slice(br#""}"#);
    // Every body names an unknown field as `unknown_field`; only listing content knows
    // `themes` and checks its values against the vocabulary.
    let (unknown_field, theme) = if target.listing_content {
        (Some("unknown_field"), ("themes[0]", Some("unknown_value")))
    } else {
        (Some("unknown_field"), ("themes", Some("unknown_field")))
    };
    vec![
        BadBody {
            name: "malformed JSON",
            bytes: br#"{"title":"#.to_vec(),
            content_type: json,
            status: 400,
            code: "invalid_json",
            path: None,
        },
        BadBody {
            name: "wrong content type",
            bytes: serde_json::to_vec(&target.valid).unwrap(),
            content_type: "text/plain",
            status: 415,
            code: "unsupported_media_type",
            path: None,
        },
        BadBody {
            name: "body over 256 KiB",
            bytes: too_large,
            content_type: json,
            status: 413,
            code: "payload_too_large",
            path: None,
        },
        BadBody {
            name: "unknown field",
            bytes: changed("no_such_field", json!(1)),
            content_type: json,
            status: 422,
            code: "validation_failed",
            path: Some(("no_such_field", unknown_field)),
        },
        BadBody {
            name: "invalid UTF-8",
            bytes: b"{\"title\": \"\xff\xfe\"}".to_vec(),
            content_type: json,
            status: 400,
            code: "invalid_json",
            path: None,
        },
        BadBody {
            name: "unknown vocabulary key",
            bytes: changed("themes", json!(["no_such_theme"])),
            content_type: json,
            status: 422,
            code: "validation_failed",
            path: Some(theme),
        },
        BadBody {
            name: "impossible date",
            bytes: changed("valid_until", json!("2026-02-30")),
            content_type: json,
            status: 422,
            code: "validation_failed",
            path: Some(("valid_until", None)),
        },
        BadBody {
            name: "unknown enum value",
            bytes: changed("kind", json!("party")),
            content_type: json,
            status: 422,
            code: "validation_failed",
            path: Some(("kind", None)),
        },
        BadBody {
            name: "array instead of object",
            bytes: serde_json::to_vec(&json!([target.valid])).unwrap(),
            content_type: json,
            status: 422,
            code: "validation_failed",
            path: None,
        },
        BadBody {
            name: "empty body",
            bytes: Vec::new(),
            content_type: json,
            status: 400,
            code: "invalid_json",
            path: None,
        },
    ]
}

/// Everything a bad request must not change, as the server shows it.
fn snapshot(
    server: &TestServer,
    owner: &str,
    admin: &str,
    org: &str,
    listing: &str,
) -> Vec<String> {
    let read = |path: String, token: &str| {
        let reply = server.call("GET", &path, Some(token), None);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        reply.text
    };
    vec![
        read(format!("/api/v1/listings/{listing}"), owner),
        read(format!("/api/v1/organisations/{org}"), owner),
        read(format!("/api/v1/organisations/{org}/listings"), owner),
        read(format!("/api/v1/organisations/{org}/members"), owner),
        read("/api/v1/moderation/queue".into(), admin),
        read(format!("/api/v1/listings/{listing}/audit"), owner),
    ]
}

#[test]
fn malformed_input_gets_a_localised_problem_and_changes_nothing() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let org = approved_organisation(&server, &owner, &admin);
        let listing = draft_listing(&server, &owner, &listing_body(&org, "Kielikahvila"));
        act(&server, &owner, &listing, "submit", None);

        let listing_path = format!("/api/v1/listings/{listing}");
        let new_address = "newcomer@example.org";
        let targets = [
            Target {
                method: "POST",
                path: "/api/v1/listings".into(),
                token: owner.clone(),
                valid: listing_body(&org, "Uusi"),
                listing_content: true,
            },
            Target {
                method: "PUT",
                path: listing_path.clone(),
                token: owner.clone(),
                valid: listing_body(&org, "Korvattu"),
                listing_content: true,
            },
            Target {
                method: "PATCH",
                path: listing_path.clone(),
                token: owner.clone(),
                valid: json!({"title": {"fi": "Muutettu"}}),
                listing_content: true,
            },
            Target {
                method: "POST",
                path: "/api/v1/organisations".into(),
                token: owner.clone(),
                valid: json!({"name": {"fi": "Toinen ry"}, "type": "association"}),
                listing_content: false,
            },
            Target {
                method: "PATCH",
                path: format!("/api/v1/organisations/{org}"),
                token: owner.clone(),
                valid: json!({"name": {"fi": "Uusi nimi ry"}}),
                listing_content: false,
            },
            Target {
                method: "POST",
                path: "/api/v1/auth/register".into(),
                token: String::new(),
                valid: json!({"email": new_address, "password": PASSWORD, "display_name": "Uusi"}),
                listing_content: false,
            },
            Target {
                method: "POST",
                path: "/api/v1/auth/login".into(),
                token: String::new(),
                valid: json!({"email": "owner@example.org", "password": PASSWORD}),
                listing_content: false,
            },
            Target {
                method: "POST",
                path: format!("{listing_path}/reject"),
                token: admin.clone(),
                valid: json!({"reason": "Tiedot puuttuvat"}),
                listing_content: false,
            },
        ];

        let before = snapshot(&server, &owner, &admin, &org, &listing);
        for target in &targets {
            let auth = format!("Bearer {}", target.token);
            for bad in bad_bodies(target) {
                let what = format!("{} {} with {}", target.method, target.path, bad.name);
                let send = |language: Option<&str>| {
                    let mut headers = vec![("Content-Type", bad.content_type)];
                    if !target.token.is_empty() {
                        headers.push(("Authorization", auth.as_str()));
                    }
                    if let Some(language) = language {
                        headers.push(("Accept-Language", language));
                    }
                    server.send(target.method, &target.path, &headers, &bad.bytes)
                };
                let en = send(Some("en"));
                assert!(en.status < 500, "{what}: {} {}", en.status, en.text);
                assert_eq!(en.status, bad.status, "{what}: {}", en.text);
                assert!(en.is_problem(), "{what}: {} {}", en.content_type(), en.text);
                assert_eq!(en.json["code"], bad.code, "{what}: {}", en.text);
                if let Some((path, code)) = bad.path {
                    let errors = en.json["errors"].as_array().cloned().unwrap_or_default();
                    let entry = errors.iter().find(|e| e["path"] == path);
                    let entry = entry.unwrap_or_else(|| panic!("{what}: no {path}: {}", en.text));
                    if let Some(code) = code {
                        assert_eq!(entry["code"], code, "{what}: {}", en.text);
                    }
                }

                // The title is in the reader's language; the rest of the answer is the same.
                let sv = send(Some("sv"));
                let fi = send(None);
                for other in [&sv, &fi] {
                    assert_eq!(other.status, en.status, "{what}: {}", other.text);
                    assert_eq!(other.json["code"], en.json["code"], "{what}");
                    assert_ne!(
                        other.json["title"], en.json["title"],
                        "{what}: {}",
                        other.text
                    );
                }
                assert_ne!(sv.json["title"], fi.json["title"], "{what}");
                assert!(sv.json["title"].as_str().is_some_and(|t| !t.is_empty()));
            }
        }
        assert_eq!(
            snapshot(&server, &owner, &admin, &org, &listing),
            before,
            "a bad request changed something"
        );
        let lookup = server.call(
            "GET",
            &format!("/api/v1/admin/users?email={new_address}"),
            Some(&admin),
            None,
        );
        assert_problem(&lookup, 404, "not_found");
        assert!(mail_kinds(&server, new_address).is_empty());
        assert!(
            mail_kinds(&server, "owner@example.org")
                .iter()
                .all(|k| k != "listing_decision")
        );
    }
}

#[test]
fn unknown_routes_and_wrong_methods_get_problems() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let missing = server.call("GET", "/api/v1/nope", None, None);
        assert_problem(&missing, 404, "not_found");
        let sv = server.send("GET", "/api/v1/nope", &[("Accept-Language", "sv")], b"");
        assert_problem(&sv, 404, "not_found");
        assert_eq!(sv.json["title"], "Hittades inte");
        let en = server.call("GET", "/api/v1/nope?lang=en", None, None);
        assert_eq!(en.json["title"], "Not found");

        // A path that exists with other methods: 405, in the reader's language too.
        let wrong = server.call("PATCH", "/api/v1/vocabularies", None, Some(&json!({})));
        assert_problem(&wrong, 405, "method_not_allowed");
        assert_eq!(wrong.json["title"], "Menetelmä ei ole sallittu");
        let wrong = server.send(
            "PATCH",
            "/api/v1/vocabularies",
            &[("Accept-Language", "sv")],
            b"",
        );
        assert_eq!(
            wrong.json["title"], "Metoden är inte tillåten",
            "{}",
            wrong.text
        );
        for (method, path) in [
            ("DELETE", "/api/v1/listings"),
            ("POST", "/api/v1/listings/some-id"),
            ("GET", "/api/v1/auth/login"),
        ] {
            let wrong = server.call(method, path, None, None);
            assert_problem(&wrong, 405, "method_not_allowed");
        }
        // A route that takes the method but finds nothing is still a 404.
        let unknown = server.call("GET", "/api/v1/listings/no-such-id", None, None);
        assert_problem(&unknown, 404, "not_found");
    }
}

// ---------------------------------------------------------------------------------------------
// 5. PATCH and PUT
// ---------------------------------------------------------------------------------------------

/// A listing's fields without those the server sets on every write.
fn content_of(listing: &Value) -> Value {
    let mut content = listing.clone();
    for key in [
        "updated_at",
        "last_confirmed_at",
        "resolved",
        "next_occurrences",
    ] {
        content.as_object_mut().unwrap().remove(key);
    }
    content
}

#[test]
fn patch_and_put_change_only_what_they_name() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let org = approved_organisation(&server, &owner, &admin);
        let other_org = approved_organisation(&server, &owner, &admin);
        let id = draft_listing(&server, &owner, &listing_body(&org, "Kielikahvila"));
        let path = format!("/api/v1/listings/{id}");
        let read = || {
            let reply = server.call("GET", &path, Some(&owner), None);
            assert_eq!(reply.status, 200, "{}", reply.text);
            reply.json
        };
        let patch = |body: &Value| {
            let auth = format!("Bearer {owner}");
            server.send(
                "PATCH",
                &path,
                &[
                    ("Authorization", auth.as_str()),
                    ("Content-Type", "application/merge-patch+json"),
                ],
                &serde_json::to_vec(body).unwrap(),
            )
        };
        let original = read();
        assert!(original["summary"].is_object());

        // null removes an optional field and nothing else.
        let removed = patch(&json!({"summary": null}));
        assert_eq!(removed.status, 200, "{}", removed.text);
        assert!(removed.json.get("summary").is_none(), "{}", removed.text);
        let mut expected = content_of(&original);
        expected.as_object_mut().unwrap().remove("summary");
        assert_eq!(content_of(&read()), expected);

        // A nested object merges: the other languages of the title stay.
        let renamed = patch(&json!({"title": {"sv": "Språkcafé"}}));
        assert_eq!(renamed.status, 200, "{}", renamed.text);
        expected["title"]["sv"] = json!("Språkcafé");
        assert_eq!(content_of(&read()), expected);
        assert_eq!(read()["title"]["fi"], "Kielikahvila");

        // PUT without external_id keeps the stored one.
        let external_id = original["external_id"].clone();
        let replaced = server.call(
            "PUT",
            &path,
            Some(&owner),
            Some(&listing_body(&org, "Kielikahvila 2")),
        );
        assert_eq!(replaced.status, 200, "{}", replaced.text);
        assert_eq!(replaced.json["external_id"], external_id);
        assert_eq!(replaced.json["title"]["fi"], "Kielikahvila 2");
        assert_eq!(replaced.json["summary"], original["summary"]);

        // A listing cannot move to another organisation, by PUT or PATCH.
        let before = server.call("GET", &path, Some(&owner), None).text;
        let moved_put = server.call(
            "PUT",
            &path,
            Some(&owner),
            Some(&listing_body(&other_org, "Kielikahvila 2")),
        );
        assert_problem(&moved_put, 422, "validation_failed");
        assert_eq!(error_paths(&moved_put), ["organisation_id"]);
        let moved_patch = patch(&json!({"organisation_id": other_org}));
        assert_problem(&moved_patch, 422, "validation_failed");
        assert_eq!(error_paths(&moved_patch), ["organisation_id"]);
        assert_eq!(server.call("GET", &path, Some(&owner), None).text, before);
        assert_eq!(
            organisation_listing_ids(&server, &owner, &other_org).len(),
            0
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Lifecycle, the public list and the audit log
// ---------------------------------------------------------------------------------------------

#[test]
fn approval_needs_review_and_a_rejection_needs_a_reason_that_reaches_the_owner() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let org = approved_organisation(&server, &owner, &admin);
        let id = draft_listing(&server, &owner, &listing_body(&org, "Kielikahvila"));
        let action = |token: &str, name: &str, body: Option<&Value>| {
            server.call(
                "POST",
                &format!("/api/v1/listings/{id}/{name}"),
                Some(token),
                body,
            )
        };

        let early = action(&admin, "approve", None);
        assert_problem(&early, 409, "invalid_transition");
        assert_problem(&action(&owner, "approve", None), 403, "forbidden");
        act(&server, &owner, &id, "submit", None);

        for body in [None, Some(json!({})), Some(json!({"reason": "   "}))] {
            let rejected = action(&admin, "reject", body.as_ref());
            assert_problem(&rejected, 422, "validation_failed");
            assert_eq!(
                rejected.json["errors"][0]["path"], "reason",
                "{}",
                rejected.text
            );
        }
        let reason = "Tapahtuman aika puuttuu.";
        let rejected = act(
            &server,
            &admin,
            &id,
            "reject",
            Some(&json!({"reason": reason})),
        );
        assert_eq!(rejected.json["status"], "rejected");

        let seen = server.call("GET", &format!("/api/v1/listings/{id}"), Some(&owner), None);
        assert_eq!(seen.json["status"], "rejected", "{}", seen.text);
        assert_eq!(seen.json["status_reason"], reason);
        assert_eq!(
            server
                .call("GET", &format!("/api/v1/listings/{id}"), None, None)
                .status,
            404,
            "a rejected listing is not public"
        );
        let mail = newest_mail(&server, "owner@example.org", "listing_decision");
        assert!(mail.contains(reason), "{mail}");

        // Submitted again, it can be approved; the reason goes.
        act(&server, &owner, &id, "submit", None);
        let published = act(&server, &admin, &id, "approve", None);
        assert_eq!(published.json["status"], "published");
        assert!(
            published.json.get("status_reason").is_none(),
            "{}",
            published.text
        );
    }
}

#[test]
fn the_public_list_filters_by_organisation_region_and_theme_and_pages_without_duplicates() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let org = approved_organisation(&server, &owner, &admin);

        let helsinki: Vec<String> = ["Kielikahvila", "Läksykerho", "Digiapu"]
            .into_iter()
            .map(|title| published_listing(&server, &owner, &admin, &listing_body(&org, title)))
            .collect();
        let turku_body = with(
            listing_body(&org, "Työnhakuklubi"),
            json!({"municipalities": ["853"], "themes": ["work_and_education"]}),
        );
        let turku = published_listing(&server, &owner, &admin, &turku_body);
        let draft = draft_listing(&server, &owner, &listing_body(&org, "Luonnos"));

        let mut all: Vec<String> = helsinki.clone();
        all.push(turku.clone());
        let listed = public_ids(&server, &format!("organisation={org}"));
        assert_eq!(listed, all, "published listings in change order");
        assert!(!listed.contains(&draft));

        assert_eq!(public_ids(&server, "region=01"), helsinki);
        assert_eq!(public_ids(&server, "region=02"), [turku.as_str()]);
        assert_eq!(
            public_ids(&server, "region=02&municipality=091"),
            Vec::<String>::new()
        );
        assert_eq!(
            public_ids(&server, "theme=work_and_education"),
            [turku.as_str()]
        );

        let bad = server.call("GET", "/api/v1/listings?theme=no_such", None, None);
        assert_problem(&bad, 400, "invalid_parameters");
        assert_eq!(bad.json["errors"][0]["parameter"], "theme", "{}", bad.text);

        // One at a time, following next_cursor, every listing comes exactly once.
        let mut walked = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = match &cursor {
                Some(c) => format!("limit=1&cursor={c}"),
                None => "limit=1".to_owned(),
            };
            let page = server.call("GET", &format!("/api/v1/listings?{query}"), None, None);
            assert_eq!(page.status, 200, "{}", page.text);
            let ids = ids_of(&page);
            assert!(ids.len() <= 1, "{}", page.text);
            walked.extend(ids);
            match page.json["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
            assert!(
                walked.len() <= all.len(),
                "the walk does not end: {walked:?}"
            );
        }
        assert_eq!(walked, all);
        assert_eq!(walked.iter().collect::<HashSet<_>>().len(), walked.len());

        // An archived listing leaves the list.
        act(&server, &owner, &helsinki[1], "archive", None);
        let listed = public_ids(&server, &format!("organisation={org}"));
        assert!(!listed.contains(&helsinki[1]), "{listed:?}");
        assert_eq!(listed.len(), 3);
    }
}

#[test]
fn the_audit_log_records_every_step_with_its_actor() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let (admin_id, owner_id) = (user_id(&server, &admin), user_id(&server, &owner));
        let org = approved_organisation(&server, &owner, &admin);
        let id = draft_listing(&server, &owner, &listing_body(&org, "Kielikahvila"));
        let patched = server.call(
            "PATCH",
            &format!("/api/v1/listings/{id}"),
            Some(&owner),
            Some(&json!({"title": {"fi": "Kielikahvila Kalliossa"}})),
        );
        assert_eq!(patched.status, 200, "{}", patched.text);
        act(&server, &owner, &id, "submit", None);
        act(&server, &admin, &id, "approve", None);

        let audit = server.call(
            "GET",
            &format!("/api/v1/listings/{id}/audit"),
            Some(&owner),
            None,
        );
        assert_eq!(audit.status, 200, "{}", audit.text);
        let items = audit.json["items"].as_array().unwrap();
        let steps: Vec<(&str, &str)> = items
            .iter()
            .rev()
            .map(|e| {
                (
                    e["action"].as_str().unwrap(),
                    e["actor_id"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                ("listing.create", owner_id.as_str()),
                ("listing.update", owner_id.as_str()),
                ("listing.submit", owner_id.as_str()),
                ("listing.approve", admin_id.as_str()),
            ],
            "{}",
            audit.text
        );
        let update = items
            .iter()
            .find(|e| e["action"] == "listing.update")
            .unwrap();
        let title = &update["details"]["changed"]["title"];
        assert_eq!(title["from"]["fi"], "Kielikahvila", "{update}");
        assert_eq!(title["to"]["fi"], "Kielikahvila Kalliossa", "{update}");
        assert_eq!(title["to"]["sv"], "Kielikahvila (sv)", "{update}");
        assert!(
            update["details"]["changed"].get("description").is_none(),
            "only changed fields: {update}"
        );
        let approve = items
            .iter()
            .find(|e| e["action"] == "listing.approve")
            .unwrap();
        assert_eq!(approve["details"]["from"], "pending_review");
        assert_eq!(approve["details"]["to"], "published");
        assert!(items.iter().all(|e| e["listing_id"] == id.as_str()));

        // Somebody outside the organisation does not read it.
        let stranger = server.token("stranger@example.org", PlatformRole::User);
        let denied = server.call(
            "GET",
            &format!("/api/v1/listings/{id}/audit"),
            Some(&stranger),
            None,
        );
        assert_problem(&denied, 403, "forbidden");
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Organisations
// ---------------------------------------------------------------------------------------------

#[test]
fn a_pending_organisation_is_seen_only_by_its_owner_and_moderators() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let stranger = server.token("stranger@example.org", PlatformRole::User);
        let approved = approved_organisation(&server, &owner, &admin);
        let pending = pending_organisation(&server, &owner);
        let path = format!("/api/v1/organisations/{pending}");

        assert_problem(&server.call("GET", &path, None, None), 404, "not_found");
        assert_problem(
            &server.call("GET", &path, Some(&stranger), None),
            404,
            "not_found",
        );
        let own = server.call("GET", &path, Some(&owner), None);
        assert_eq!(own.status, 200, "{}", own.text);
        assert_eq!(own.json["status"], "pending");
        assert_eq!(server.call("GET", &path, Some(&admin), None).status, 200);

        let listed = server.call("GET", "/api/v1/organisations", None, None);
        assert_eq!(listed.status, 200, "{}", listed.text);
        assert_eq!(ids_of(&listed), [approved.as_str()]);
        assert!(
            listed.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["status"] == "approved")
        );
    }
}

#[test]
fn the_last_owner_can_neither_leave_nor_be_demoted() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let owner_id = user_id(&server, &owner);
        let org = approved_organisation(&server, &owner, &admin);
        let member = format!("/api/v1/organisations/{org}/members/{owner_id}");

        let leave = server.call("DELETE", &member, Some(&owner), None);
        assert_problem(&leave, 409, "last_owner");
        let removed = server.call("DELETE", &member, Some(&admin), None);
        assert_problem(&removed, 409, "last_owner");
        let demote = server.call(
            "PUT",
            &member,
            Some(&owner),
            Some(&json!({"role": "editor"})),
        );
        assert_problem(&demote, 409, "last_owner");

        let members = server.call(
            "GET",
            &format!("/api/v1/organisations/{org}/members"),
            Some(&owner),
            None,
        );
        assert_eq!(members.status, 200, "{}", members.text);
        assert_eq!(members.json["items"].as_array().unwrap().len(), 1);
        assert_eq!(members.json["items"][0]["user_id"], owner_id.as_str());
        assert_eq!(members.json["items"][0]["role"], "owner");
        assert_eq!(members.json["items"][0]["status"], "active");
    }
}

#[test]
fn an_invitation_link_makes_the_invited_account_an_active_editor() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let invited = server.token("invited@example.org", PlatformRole::User);
        let other = server.token("other@example.org", PlatformRole::User);
        let org = approved_organisation(&server, &owner, &admin);

        let invite = |token: &str| {
            server.call(
                "POST",
                &format!("/api/v1/organisations/{org}/invitations"),
                Some(token),
                Some(&json!({"email": "Invited@Example.org", "role": "editor"})),
            )
        };
        assert_problem(&invite(&other), 403, "forbidden");
        let sent = invite(&owner);
        assert_eq!(sent.status, 202, "{}", sent.text);
        assert_eq!(mail_kinds(&server, "invited@example.org"), ["invitation"]);
        let token = link_token(&server, "invited@example.org", "invitation");

        let accept = |caller: &str, token: &str| {
            server.call(
                "POST",
                "/api/v1/invitations/accept",
                Some(caller),
                Some(&json!({"token": token})),
            )
        };
        assert_problem(&accept(&other, &token), 403, "forbidden");
        assert!(
            server.call("GET", "/api/v1/me", Some(&other), None).json["memberships"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        let accepted = accept(&invited, &token);
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        assert_eq!(accepted.json["organisation_id"], org.as_str());
        assert_eq!(accepted.json["role"], "editor");
        assert_eq!(accepted.json["status"], "active");
        assert_problem(&accept(&invited, &token), 400, "invalid_token");

        // An editor writes listings but does not manage members.
        draft_listing(
            &server,
            &invited,
            &listing_body(&org, "Toimittajan ilmoitus"),
        );
        let members = server.call(
            "GET",
            &format!("/api/v1/organisations/{org}/members"),
            Some(&owner),
            None,
        );
        let editor = members.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == "invited@example.org")
            .cloned()
            .unwrap_or_else(|| panic!("{}", members.text));
        assert_eq!(editor["role"], "editor");
        assert_eq!(editor["status"], "active");
        assert_problem(&invite(&invited), 403, "forbidden");
    }
}

// ---------------------------------------------------------------------------------------------
// 8. Vocabularies
// ---------------------------------------------------------------------------------------------

#[test]
fn the_vocabularies_come_with_labels_in_three_languages() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let reply = server.call("GET", "/api/v1/vocabularies", None, None);
        assert_eq!(reply.status, 200, "{}", reply.text);
        let labelled = |list: &str, key: &str, label: &str| {
            let items = reply.json[list]
                .as_array()
                .unwrap_or_else(|| panic!("no {list}"));
            assert!(!items.is_empty(), "{list} is empty");
            for item in items {
                assert!(
                    item[key].as_str().is_some_and(|k| !k.is_empty()),
                    "{list}: {item}"
                );
                for lang in ["fi", "sv", "en"] {
                    assert!(
                        item[label][lang]
                            .as_str()
                            .is_some_and(|t| !t.trim().is_empty()),
                        "{list}: no {lang} label: {item}"
                    );
                }
            }
            items.len()
        };
        for list in [
            "themes",
            "target_groups",
            "organisation_types",
            "integration_stages",
            "languages",
        ] {
            labelled(list, "key", "label");
        }
        assert_eq!(labelled("municipalities", "code", "name"), 308);
        assert_eq!(labelled("regions", "code", "name"), 19);

        let keys = |list: &str, key: &str| -> Vec<String> {
            reply.json[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i[key].as_str().unwrap().to_owned())
                .collect()
        };
        assert!(keys("themes", "key").contains(&"language_learning".to_owned()));
        let helsinki = reply.json["municipalities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["code"] == "091")
            .unwrap();
        assert_eq!(helsinki["region"], "01");
        assert_eq!(helsinki["name"]["sv"], "Helsingfors");
        let regions = keys("regions", "code");
        assert_eq!(regions.iter().collect::<HashSet<_>>().len(), 19);
        assert!(regions.contains(&"01".to_owned()));
    }
}

// ---------------------------------------------------------------------------------------------
// The whole way
// ---------------------------------------------------------------------------------------------

#[test]
fn a_listing_goes_from_draft_to_published_and_deleted_answers_gone() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let org = approved_organisation(&server, &owner, &admin);

        let created = server.call(
            "POST",
            "/api/v1/listings",
            Some(&owner),
            Some(&listing_body(&org, "Kielikahvila")),
        );
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.json["status"], "draft");
        let id = created.json["id"].as_str().unwrap().to_owned();
        assert!(
            created.json["external_id"]
                .as_str()
                .unwrap()
                .starts_with("kynnys:")
        );

        let submitted = server.call(
            "POST",
            &format!("/api/v1/listings/{id}/submit"),
            Some(&owner),
            None,
        );
        assert_eq!(
            submitted.json["status"], "pending_review",
            "{}",
            submitted.text
        );
        let approved = server.call(
            "POST",
            &format!("/api/v1/listings/{id}/approve"),
            Some(&admin),
            None,
        );
        assert_eq!(approved.json["status"], "published", "{}", approved.text);
        let public = server.call("GET", &format!("/api/v1/listings/{id}?lang=sv"), None, None);
        assert_eq!(public.status, 200);
        assert_eq!(public.json["resolved"]["title"]["lang"], "sv");
        assert!(
            !public.json["next_occurrences"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        let deleted = server.call(
            "DELETE",
            &format!("/api/v1/listings/{id}"),
            Some(&owner),
            None,
        );
        assert_eq!(deleted.status, 204, "{}", deleted.text);
        let gone = server.call("GET", &format!("/api/v1/listings/{id}"), None, None);
        assert_eq!(gone.status, 410);
        assert!(gone.is_problem());
        assert_eq!(gone.json["code"], "gone");
    }
}
