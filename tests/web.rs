//! The forms of the server-rendered pages, black-box over HTTP on each database, with the mails
//! they cause delivered to a real SMTP server in the test process: registering and verifying,
//! resetting a password, inviting a member, API tokens, and subscribing to a search.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kynnys_domain::{Frequency, Lang, PlatformRole};
use kynnys_server::mail_worker::MailDelivery;
use kynnys_store::testing::TestDatabase;
use serde_json::json;
use std::sync::Arc;
use support::smtp::{Received, SmtpSink};
use support::{Reply, TestServer};

const PASSWORD: &str = "correct horse battery";
const FROM: &str = "kynnys <no-reply@kynnys.test>";

// ---------------------------------------------------------------------------------------------
// Helpers: the server with its mail, forms, sessions and pages
// ---------------------------------------------------------------------------------------------

/// The server with its outbox delivered to an SMTP sink.
struct Site {
    server: TestServer,
    sink: SmtpSink,
    mailer: MailDelivery,
}

impl Site {
    fn start(db: TestDatabase) -> Self {
        let sink = SmtpSink::start();
        let server = TestServer::start_with(db, |s| s.smtp_url = sink.url());
        let mailer = MailDelivery {
            store: server.db.store.clone(),
            sender: Arc::new(kynnys_mailer::SmtpSender::from_url(&sink.url()).unwrap()),
            from: FROM.into(),
        };
        Site {
            server,
            sink,
            mailer,
        }
    }

    /// Delivers whatever the outbox holds, then the mails `address` has received.
    fn mails_to(&self, address: &str) -> Vec<Received> {
        self.mailer.drain().unwrap();
        self.sink.to(address)
    }
}

/// A form body (`application/x-www-form-urlencoded`).
fn form_body(fields: &[(&str, &str)]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
        .into_bytes()
}

/// Like [`TestServer::send`], without following redirects: a form's 303 is what is tested.
fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let response = agent.run(request.body(body.to_vec()).unwrap()).unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let text = response.into_body().read_to_string().unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Reply {
        status,
        headers,
        text,
        json,
    }
}

/// A browser with at most one session cookie.
#[derive(Default)]
struct Browser {
    cookie: Option<String>,
}

impl Browser {
    fn headers<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut headers = extra.to_vec();
        if let Some(cookie) = &self.cookie {
            headers.push(("Cookie", cookie.as_str()));
        }
        headers
    }

    fn get(&self, server: &TestServer, path: &str) -> Reply {
        send(server, "GET", path, &self.headers(&[]), b"")
    }

    /// Posts a form; a `kynnys_session` cookie in the answer replaces the one kept.
    fn post(&mut self, server: &TestServer, path: &str, fields: &[(&str, &str)]) -> Reply {
        let content_type = [("Content-Type", "application/x-www-form-urlencoded")];
        let reply = send(
            server,
            "POST",
            path,
            &self.headers(&content_type),
            &form_body(fields),
        );
        if let Some(cookie) = session_cookie(&reply) {
            self.cookie = Some(cookie);
        }
        reply
    }

    /// Signs in through `/{lang}/login` and expects it to work.
    #[track_caller]
    fn sign_in(server: &TestServer, lang: &str, email: &str, password: &str) -> Self {
        let mut browser = Browser::default();
        let reply = browser.post(
            server,
            &format!("/{lang}/login"),
            &[("email", email), ("password", password)],
        );
        assert_eq!(reply.status, 303, "{}", reply.text);
        assert!(browser.cookie.is_some(), "{:?}", reply.headers);
        browser
    }
}

/// The `name=value` of the `kynnys_session` cookie an answer sets (not a removal).
fn session_cookie(reply: &Reply) -> Option<String> {
    reply
        .headers
        .iter()
        .filter(|(name, _)| name == "set-cookie")
        .map(|(_, value)| value.split(';').next().unwrap_or_default().trim())
        .find(|pair| pair.starts_with("kynnys_session=") && pair.len() > "kynnys_session=".len())
        .map(str::to_owned)
}

/// Undoes the HTML escaping of an attribute value or a text (named and numeric references).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => match entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                {
                    Some(hex) => u32::from_str_radix(hex, 16).ok().and_then(char::from_u32),
                    None => entity
                        .strip_prefix('#')
                        .and_then(|n| n.parse().ok())
                        .and_then(char::from_u32),
                },
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The values of every `<input … name="{name}" value="…">` of a page, unescaped.
fn hidden_values(html: &str, name: &str) -> Vec<String> {
    let marker = format!("name=\"{name}\" value=\"");
    html.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            unescape(&rest[..rest.find('"').unwrap()])
        })
        .collect()
}

/// The value of the first `<input name="{name}" value="…">` of a page.
#[track_caller]
fn hidden(html: &str, name: &str) -> String {
    hidden_values(html, name)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no input {name} in {html}"))
}

/// The text of the page's error summary (`role="alert"`), empty when there is none.
fn error_summary(html: &str) -> String {
    match html.find("role=\"alert\"") {
        Some(start) => {
            let rest = &html[start..];
            unescape(&rest[..rest.find("</div>").unwrap_or(rest.len())])
        }
        None => String::new(),
    }
}

/// The path and query of the first link in a mail's `text` that contains `marker`.
#[track_caller]
fn link_path(text: &str, marker: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|w| w.contains(marker))
        .unwrap_or_else(|| panic!("no {marker} link in {text}"));
    let url = url::Url::parse(link.trim_end_matches(['.', ',', ')'])).unwrap();
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The `token` of a path's query.
fn token_of(path: &str) -> String {
    let query = path.split_once('?').map(|(_, q)| q).unwrap_or_default();
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no token in {path}"))
}

#[track_caller]
fn assert_html(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert!(
        reply.content_type().starts_with("text/html"),
        "{} {}",
        reply.content_type(),
        reply.text
    );
}

#[track_caller]
fn assert_see_other(reply: &Reply, location: &str) {
    assert_eq!(reply.status, 303, "{}", reply.text);
    assert_eq!(
        reply.header("location"),
        Some(location),
        "{:?}",
        reply.headers
    );
}

/// A verified account with a password (as `kynnys admin create` makes one, a plain user).
fn account(server: &TestServer, email: &str) -> String {
    kynnys_server::accounts::create_privileged(&server.db.store, email, PlatformRole::User).unwrap()
}

/// An approved organisation registered by the owner of `owner_token`.
fn approved_organisation(server: &TestServer, owner_token: &str) -> String {
    let created = server.call(
        "POST",
        "/api/v1/organisations",
        Some(owner_token),
        Some(&json!({
            "name": {"fi": "Kielikahvila ry", "sv": "Språkcafé rf"},
            "type": "association",
            "municipality": "091"
        })),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    let moderator = server.token("moderaattori@example.fi", PlatformRole::Moderator);
    let approved = server.call(
        "POST",
        &format!("/api/v1/organisations/{id}/approve"),
        Some(&moderator),
        None,
    );
    assert_eq!(approved.status, 200, "{}", approved.text);
    id
}

/// The role text in the members table's row of `email` (the cell after the name).
#[track_caller]
fn member_role(html: &str, email: &str) -> Option<String> {
    let at = html.find(&format!("<span class=\"meta\">{email}</span>"))?;
    let rest = &html[at..];
    let cell = &rest[rest.find("<td>").unwrap() + "<td>".len()..];
    Some(cell[..cell.find("</td>").unwrap()].trim().to_owned())
}

// ---------------------------------------------------------------------------------------------
// 1. Registering and verifying
// ---------------------------------------------------------------------------------------------

#[test]
fn registering_on_the_pages_mails_a_link_whose_form_verifies_the_address_once() {
    for db in TestDatabase::each_backend() {
        let site = Site::start(db);
        let server = &site.server;
        let email = "uusi.kayttaja@example.fi";
        let mut browser = Browser::default();

        // A too-short password: the form again with the problem, and no mail.
        let short = browser.post(
            server,
            "/fi/register",
            &[
                ("email", "lyhyt@example.fi"),
                ("password", "lyhyt"),
                ("display_name", "Lyhyt"),
            ],
        );
        assert_html(&short, 422);
        assert!(
            error_summary(&short.text).contains("password:"),
            "{}",
            short.text
        );
        assert_eq!(
            hidden(&short.text, "email"),
            "lyhyt@example.fi",
            "the address is kept"
        );
        assert!(site.mails_to("lyhyt@example.fi").is_empty());
        assert!(
            server
                .db
                .store
                .user_by_email("lyhyt@example.fi")
                .unwrap()
                .is_none()
        );

        let registered = browser.post(
            server,
            "/fi/register",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("display_name", "Uusi Käyttäjä"),
            ],
        );
        assert_html(&registered, 200);
        assert!(
            error_summary(&registered.text).is_empty(),
            "{}",
            registered.text
        );
        assert_eq!(registered.header("content-language"), Some("fi"));

        let mails = site.mails_to(email);
        assert_eq!(mails.len(), 1, "one verification mail");
        let mail = &mails[0];
        let subject = mail.header("Subject").unwrap();
        assert!(subject.contains("Vahvista"), "in Finnish: {subject}");
        assert!(mail.text().contains("Hei!"), "{}", mail.text());
        assert!(mail.html().contains("lang=\"fi\""));
        let link = link_path(&mail.text(), "/account/verify?token=");
        assert!(link.starts_with("/fi/account/verify?token="), "{link}");
        let token = token_of(&link);

        // Opening the link shows a button; only its POST uses the token.
        let shown = browser.get(server, &link);
        assert_html(&shown, 200);
        assert!(
            shown.text.contains("action=\"/fi/account/verify\""),
            "{}",
            shown.text
        );
        assert_eq!(hidden(&shown.text, "token"), token);
        let early = browser.post(
            server,
            "/fi/login",
            &[("email", email), ("password", PASSWORD)],
        );
        assert!(
            early.status >= 400 && early.status < 500,
            "a GET verifies nothing: {} {}",
            early.status,
            early.text
        );
        assert!(session_cookie(&early).is_none());

        let verified = browser.post(server, "/fi/account/verify", &[("token", &token)]);
        assert_html(&verified, 200);
        assert!(
            error_summary(&verified.text).is_empty(),
            "{}",
            verified.text
        );

        let login = browser.post(
            server,
            "/fi/login",
            &[("email", email), ("password", PASSWORD)],
        );
        assert_see_other(&login, "/fi/organisation");
        assert!(session_cookie(&login).is_some(), "{:?}", login.headers);

        let again = Browser::default().post(server, "/fi/account/verify", &[("token", &token)]);
        assert!(
            again.status >= 400 && again.status < 500,
            "single use: {} {}",
            again.status,
            again.text
        );
        assert!(again.content_type().starts_with("text/html"));
        assert!(!error_summary(&again.text).is_empty(), "{}", again.text);
        assert_eq!(site.mails_to(email).len(), 1, "nothing more was mailed");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. A new password
// ---------------------------------------------------------------------------------------------

#[test]
fn a_reset_link_is_mailed_only_to_a_known_address_and_its_form_replaces_the_password() {
    for db in TestDatabase::each_backend() {
        let site = Site::start(db);
        let server = &site.server;
        let known = "known@example.com";
        let unknown = "nobody@example.com";
        let new_password = "a much better passphrase";

        // An English account, registered and verified through the pages.
        let mut browser = Browser::default();
        let registered = browser.post(
            server,
            "/en/register",
            &[("email", known), ("password", PASSWORD)],
        );
        assert_html(&registered, 200);
        let verify = link_path(&site.mails_to(known)[0].text(), "/account/verify?token=");
        let verified = browser.post(
            server,
            "/en/account/verify",
            &[("token", &token_of(&verify))],
        );
        assert_html(&verified, 200);
        let earlier = Browser::sign_in(server, "en", known, PASSWORD);
        assert_html(&earlier.get(server, "/en/account/tokens"), 200);

        let for_known = browser.post(server, "/en/account/forgot", &[("email", known)]);
        let for_unknown = browser.post(server, "/en/account/forgot", &[("email", unknown)]);
        assert_html(&for_known, 200);
        assert_eq!(for_known.status, for_unknown.status);
        assert_eq!(for_known.text, for_unknown.text, "no enumeration");

        assert!(site.mails_to(unknown).is_empty());
        let mails = site.mails_to(known);
        assert_eq!(mails.len(), 2, "verification, then the reset link");
        let link = link_path(&mails[1].text(), "/account/reset?token=");
        assert!(link.starts_with("/en/account/reset?token="), "{link}");
        let token = token_of(&link);

        let form = browser.get(server, &link);
        assert_html(&form, 200);
        assert_eq!(hidden(&form.text, "token"), token);

        let reset = browser.post(
            server,
            "/en/account/reset",
            &[("token", &token), ("password", new_password)],
        );
        assert_html(&reset, 200);
        assert!(error_summary(&reset.text).is_empty(), "{}", reset.text);

        let ended = earlier.get(server, "/en/account/tokens");
        assert_eq!(
            ended.status, 303,
            "the earlier session ended: {}",
            ended.text
        );
        Browser::sign_in(server, "en", known, new_password);
        let old = Browser::default().post(
            server,
            "/en/login",
            &[("email", known), ("password", PASSWORD)],
        );
        assert_eq!(old.status, 401, "{}", old.text);
        assert!(session_cookie(&old).is_none());

        let reused = Browser::default().post(
            server,
            "/en/account/reset",
            &[("token", &token), ("password", "yet another passphrase")],
        );
        assert!(
            reused.status >= 400 && reused.status < 500,
            "single use: {}",
            reused.status
        );
        Browser::sign_in(server, "en", known, new_password);
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Invitations
// ---------------------------------------------------------------------------------------------

#[test]
fn an_owner_invites_by_the_members_page_and_only_the_invited_person_can_join_by_the_link() {
    for db in TestDatabase::each_backend() {
        let site = Site::start(db);
        let server = &site.server;
        let owner = "omistaja@example.fi";
        let invitee = "redaktor@example.fi";
        let stranger = "framling@example.fi";
        let owner_password = account(server, owner);
        let owner_token = server.token(owner, PlatformRole::User);
        let org = approved_organisation(server, &owner_token);
        let members_path = format!("/sv/organisation/{org}/members");
        let invitations_path = format!("/sv/organisation/{org}/invitations");

        let mut owner_browser = Browser::sign_in(server, "sv", owner, &owner_password);
        let members = owner_browser.get(server, &members_path);
        assert_html(&members, 200);
        assert_eq!(member_role(&members.text, owner).as_deref(), Some("Ägare"));
        assert!(
            members
                .text
                .contains(&format!("action=\"{invitations_path}\""))
        );
        let csrf = hidden(&members.text, "csrf");
        assert!(!csrf.is_empty());

        // Without the session's CSRF token: refused, and nothing is mailed.
        let fields = [("email", invitee), ("role", "editor"), ("mail_lang", "sv")];
        let missing = owner_browser.post(server, &invitations_path, &fields);
        let wrong = owner_browser.post(
            server,
            &invitations_path,
            &[("csrf", "not-the-token"), fields[0], fields[1], fields[2]],
        );
        for refused in [&missing, &wrong] {
            assert!(
                refused.status >= 400 && refused.status < 500,
                "{} {}",
                refused.status,
                refused.text
            );
        }
        assert!(site.mails_to(invitee).is_empty());

        let invited = owner_browser.post(
            server,
            &invitations_path,
            &[("csrf", &csrf), fields[0], fields[1], fields[2]],
        );
        assert_see_other(&invited, &format!("{members_path}?done=invited"));
        let notice = owner_browser.get(server, &format!("{members_path}?done=invited"));
        assert!(
            notice.text.contains("Inbjudan skickades."),
            "{}",
            notice.text
        );

        let mails = site.mails_to(invitee);
        assert_eq!(mails.len(), 1);
        let subject = mails[0].header("Subject").unwrap();
        assert!(subject.contains("Inbjudan"), "in Swedish: {subject}");
        assert!(
            mails[0].text().contains("Språkcafé rf"),
            "{}",
            mails[0].text()
        );
        assert!(mails[0].html().contains("lang=\"sv\""));
        let link = link_path(&mails[0].text(), "/invitations/accept?token=");
        assert!(link.starts_with("/sv/invitations/accept?token="), "{link}");
        let token = token_of(&link);

        // Without a session: to the login form, and back here after it.
        let anonymous = Browser::default().get(server, &link);
        assert_eq!(anonymous.status, 303, "{}", anonymous.text);
        let location = anonymous.header("location").unwrap().to_owned();
        let next = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &link)
            .finish();
        assert_eq!(location, format!("/sv/login?{next}"));

        // Somebody else, signed in, cannot use the invitation.
        let stranger_password = account(server, stranger);
        let mut stranger_browser = Browser::sign_in(server, "sv", stranger, &stranger_password);
        let stranger_form = stranger_browser.get(server, &link);
        assert_html(&stranger_form, 200);
        let stranger_csrf = hidden(&stranger_form.text, "csrf");
        let refused = stranger_browser.post(
            server,
            "/sv/invitations/accept",
            &[("csrf", &stranger_csrf), ("token", &token)],
        );
        assert!(
            refused.status >= 400 && refused.status < 500,
            "{} {}",
            refused.status,
            refused.text
        );
        assert!(member_role(&owner_browser.get(server, &members_path).text, stranger).is_none());

        // The invited person signs in from the login form the link led to.
        let invitee_password = account(server, invitee);
        let mut invitee_browser = Browser::default();
        let login_form = invitee_browser.get(server, &location);
        assert_html(&login_form, 200);
        assert_eq!(hidden(&login_form.text, "next"), link);
        let signed_in = invitee_browser.post(
            server,
            "/sv/login",
            &[
                ("email", invitee),
                ("password", &invitee_password),
                ("next", &link),
            ],
        );
        assert_see_other(&signed_in, &link);
        let accept_form = invitee_browser.get(server, &link);
        assert_html(&accept_form, 200);
        assert_eq!(hidden(&accept_form.text, "token"), token);
        let invitee_csrf = hidden(&accept_form.text, "csrf");

        // Without the CSRF token the invitation stays unused.
        let no_csrf = invitee_browser.post(server, "/sv/invitations/accept", &[("token", &token)]);
        assert!(
            no_csrf.status >= 400 && no_csrf.status < 500,
            "{}",
            no_csrf.status
        );

        let joined = invitee_browser.post(
            server,
            "/sv/invitations/accept",
            &[("csrf", &invitee_csrf), ("token", &token)],
        );
        assert_see_other(&joined, "/sv/organisation?done=joined");
        let dashboard = invitee_browser.get(server, "/sv/organisation?done=joined");
        assert_html(&dashboard, 200);
        assert!(dashboard.text.contains("Du gick med i organisationen."));

        let members = owner_browser.get(server, &members_path);
        assert_eq!(
            member_role(&members.text, invitee).as_deref(),
            Some("Redaktör")
        );
        assert_eq!(member_role(&members.text, owner).as_deref(), Some("Ägare"));

        let reused = invitee_browser.post(
            server,
            "/sv/invitations/accept",
            &[("csrf", &invitee_csrf), ("token", &token)],
        );
        assert!(
            reused.status >= 400 && reused.status < 500,
            "{}",
            reused.status
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. API tokens
// ---------------------------------------------------------------------------------------------

/// The ids in the page's revoke forms.
fn revoke_ids(html: &str) -> Vec<String> {
    let marker = "action=\"/en/account/tokens/";
    html.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            let action = &rest[..rest.find('"')?];
            action.strip_suffix("/revoke").map(str::to_owned)
        })
        .collect()
}

#[test]
fn a_token_made_on_the_tokens_page_is_shown_once_works_as_bearer_and_stops_when_revoked() {
    for db in TestDatabase::each_backend() {
        let site = Site::start(db);
        let server = &site.server;
        let email = "integraatio@example.fi";
        let password = account(server, email);
        let mut browser = Browser::sign_in(server, "en", email, &password);

        let empty = browser.get(server, "/en/account/tokens");
        assert_html(&empty, 200);
        assert!(revoke_ids(&empty.text).is_empty());
        let csrf = hidden(&empty.text, "csrf");

        let refused = browser.post(server, "/en/account/tokens", &[("name", "Kunnan sivusto")]);
        assert!(
            refused.status >= 400 && refused.status < 500,
            "{}",
            refused.status
        );
        assert!(
            server
                .db
                .store
                .api_tokens(&user_id(server, email))
                .unwrap()
                .is_empty()
        );

        let created = browser.post(
            server,
            "/en/account/tokens",
            &[("csrf", &csrf), ("name", "Kunnan sivusto")],
        );
        assert_html(&created, 200);
        assert_eq!(created.header("cache-control"), Some("no-store"));
        let marker = "<code class=\"token\">";
        let start = created.text.find(marker).expect("the new token") + marker.len();
        let secret = &created.text[start..];
        let secret = secret[..secret.find('<').unwrap()].trim().to_owned();
        assert!(secret.starts_with("kyn_"), "{secret}");
        assert!(secret.len() > 20, "{secret}");

        let me = server.call("GET", "/api/v1/me", Some(&secret), None);
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!(me.json["email"], email);

        let listed = browser.get(server, "/en/account/tokens");
        assert_html(&listed, 200);
        assert!(listed.text.contains("Kunnan sivusto"));
        assert!(!listed.text.contains(&secret), "the secret is shown once");
        assert_ne!(listed.header("cache-control"), Some("no-store"));
        let ids = revoke_ids(&listed.text);
        assert_eq!(ids.len(), 1, "{}", listed.text);

        let revoked = browser.post(
            server,
            &format!("/en/account/tokens/{}/revoke", ids[0]),
            &[("csrf", &hidden(&listed.text, "csrf"))],
        );
        assert_see_other(&revoked, "/en/account/tokens?done=token-revoked");
        let after = server.call("GET", "/api/v1/me", Some(&secret), None);
        assert_eq!(after.status, 401, "{}", after.text);
        let listed = browser.get(server, "/en/account/tokens?done=token-revoked");
        assert!(revoke_ids(&listed.text).is_empty());
        assert!(listed.text.contains("The token was revoked."));
    }
}

fn user_id(server: &TestServer, email: &str) -> String {
    server.db.store.user_by_email(email).unwrap().unwrap().id
}

// ---------------------------------------------------------------------------------------------
// 5. Subscribing to a search
// ---------------------------------------------------------------------------------------------

#[test]
fn subscribing_from_the_search_keeps_its_filters_and_mails_a_confirmation_in_the_chosen_language() {
    for db in TestDatabase::each_backend() {
        let site = Site::start(db);
        let server = &site.server;
        let email = "prenumerant@example.fi";
        let browser = Browser::default();

        let form = browser.get(server, "/sv/subscribe?q=kahvila&region=01&sort=distance");
        assert_html(&form, 200);
        let search = hidden(&form.text, "search");
        let kept: Vec<(String, String)> = url::form_urlencoded::parse(search.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            kept,
            [
                ("q".to_owned(), "kahvila".to_owned()),
                ("region".to_owned(), "01".to_owned())
            ],
            "{search}"
        );
        assert!(
            unescape(&form.text).contains("Nyland, \"kahvila\""),
            "the search in Swedish words: {}",
            form.text
        );

        let mut browser = browser;
        let subscribed = browser.post(
            server,
            "/sv/subscribe",
            &[
                ("csrf", ""),
                ("search", &search),
                ("email", email),
                ("mail_lang", "en"),
                ("frequency", "daily"),
            ],
        );
        assert_html(&subscribed, 200);
        assert!(
            error_summary(&subscribed.text).is_empty(),
            "{}",
            subscribed.text
        );
        assert!(
            subscribed.text.contains("bekräftelselänk"),
            "check your mail: {}",
            subscribed.text
        );

        let mails = site.mails_to(email);
        assert_eq!(mails.len(), 1);
        let mail = &mails[0];
        let subject = mail.header("Subject").unwrap();
        assert!(subject.contains("Confirm your subscription"), "{subject}");
        assert!(mail.html().contains("lang=\"en\""));
        let text = mail.text();
        assert!(text.contains("Uusimaa"), "{text}");
        assert!(text.contains("\"kahvila\""), "{text}");
        assert!(!text.contains("distance"), "{text}");

        let confirm = link_path(&text, "/subscriptions/confirm/");
        assert!(
            server.db.store.subscriptions_of(email).unwrap().is_empty(),
            "nothing before the confirmation"
        );
        let confirmed = server.send("POST", &confirm, &[], b"");
        assert_eq!(confirmed.status, 200, "{}", confirmed.text);
        let subscriptions = server.db.store.subscriptions_of(email).unwrap();
        assert_eq!(subscriptions.len(), 1);
        let subscription = &subscriptions[0];
        assert_eq!(subscription.lang, Lang::En);
        assert_eq!(subscription.frequency, Frequency::Daily);
        assert_eq!(subscription.filters.q.as_deref(), Some("kahvila"));
        assert_eq!(subscription.filters.region, ["01"]);
    }
}

#[test]
fn a_subscription_with_an_unknown_region_or_a_bad_address_is_refused_and_mails_nothing() {
    for db in TestDatabase::each_backend() {
        let site = Site::start(db);
        let server = &site.server;
        let mut browser = Browser::default();

        let form = browser.get(server, "/sv/subscribe?q=kahvila&region=999");
        assert_html(&form, 400);
        assert!(
            error_summary(&form.text).contains("region"),
            "{}",
            form.text
        );

        let email = "alue@example.fi";
        let unknown_region = browser.post(
            server,
            "/sv/subscribe",
            &[
                ("search", "q=kahvila&region=999"),
                ("email", email),
                ("mail_lang", "en"),
                ("frequency", "daily"),
            ],
        );
        assert_html(&unknown_region, 400);
        assert!(
            error_summary(&unknown_region.text).contains("region"),
            "{}",
            unknown_region.text
        );

        let bad_address = browser.post(
            server,
            "/sv/subscribe",
            &[
                ("search", "q=kahvila&region=01"),
                ("email", "not an address"),
                ("mail_lang", "en"),
                ("frequency", "weekly"),
            ],
        );
        assert_html(&bad_address, 422);
        assert!(
            error_summary(&bad_address.text).contains("email"),
            "{}",
            bad_address.text
        );
        assert_eq!(hidden(&bad_address.text, "search"), "q=kahvila&region=01");

        site.mailer.drain().unwrap();
        assert!(site.sink.received().is_empty(), "nothing is mailed");
        assert!(server.db.store.mails_to(email).unwrap().is_empty());
    }
}

/// The `name=value` pair of a cookie an answer sets.
fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .iter()
        .filter(|(header, _)| header == "set-cookie")
        .map(|(_, value)| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .find(|pair| pair.starts_with(&format!("{name}=")))
}

#[test]
fn the_manage_link_changes_a_subscriptions_search_through_the_search_page() {
    for db in TestDatabase::each_backend() {
        let site = Site::start(db);
        let server = &site.server;
        let email = "verkosto@example.fi";
        let subscribed = server.call(
            "POST",
            "/api/v1/subscriptions",
            None,
            Some(&json!({
                "email": email, "lang": "sv", "frequency": "weekly",
                "filters": {"q": "kahvila", "region": ["01"]}
            })),
        );
        assert_eq!(subscribed.status, 202, "{}", subscribed.text);
        let confirm = link_path(&site.mails_to(email)[0].text(), "/subscriptions/confirm/");
        assert_eq!(server.send("POST", &confirm, &[], b"").status, 200);
        let token = server.db.store.subscriptions_of(email).unwrap()[0]
            .manage_token
            .clone();

        let manage = send(
            server,
            "GET",
            &format!("/subscriptions/manage/{token}"),
            &[],
            b"",
        );
        let edit_path = format!("/sv/subscriptions/edit/{token}");
        assert!(manage.text.contains(&edit_path), "{}", manage.text);

        let edit = send(server, "GET", &edit_path, &[], b"");
        assert_see_other(&edit, "/sv/?q=kahvila&region=01");
        let cookie = set_cookie(&edit, "kynnys_editing").expect("the editing cookie");

        let changed = "q=kahvila&region=02&free=true";
        let page = send(
            server,
            "GET",
            &format!("/sv/?{changed}&sort=updated"),
            &[("Cookie", &cookie)],
            b"",
        );
        assert_html(&page, 200);
        assert!(
            page.text.contains("/sv/subscriptions/save"),
            "the page offers to save the search"
        );
        assert_eq!(
            hidden(&page.text, "search"),
            changed,
            "sorting is not part of the search"
        );
        let without = send(server, "GET", &format!("/sv/?{changed}"), &[], b"");
        assert!(
            !without.text.contains("/sv/subscriptions/save"),
            "only while changing a subscription"
        );

        let form = [
            ("Cookie", cookie.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let refused = send(
            server,
            "POST",
            "/sv/subscriptions/save",
            &form[1..],
            &form_body(&[("search", changed)]),
        );
        assert!(
            (400..500).contains(&refused.status),
            "no cookie, no change: {}",
            refused.status
        );
        assert_eq!(
            server.db.store.subscriptions_of(email).unwrap()[0]
                .filters
                .region,
            ["01"]
        );

        let saved = send(
            server,
            "POST",
            "/sv/subscriptions/save",
            &form,
            &form_body(&[("search", changed)]),
        );
        assert_html(&saved, 200);
        assert_eq!(
            set_cookie(&saved, "kynnys_editing").as_deref(),
            Some("kynnys_editing="),
            "the cookie is cleared"
        );
        let subscription = &server.db.store.subscriptions_of(email).unwrap()[0];
        assert_eq!(subscription.filters.region, ["02"]);
        assert_eq!(subscription.filters.free, Some(true));
        assert_eq!(subscription.filters.q.as_deref(), Some("kahvila"));
        assert_eq!(subscription.lang, Lang::Sv, "the language stays");
        assert_eq!(
            subscription.frequency,
            Frequency::Weekly,
            "the frequency stays"
        );

        let unknown = send(
            server,
            "GET",
            "/sv/subscriptions/edit/no-such-token",
            &[],
            b"",
        );
        assert_eq!(unknown.status, 404);
        assert!(set_cookie(&unknown, "kynnys_editing").is_none());
    }
}
