//! The authorisation matrix: every write endpoint and every private read of the API, called by
//! each kind of caller against fresh state. A denied call answers 401 (anonymous) or 403/404
//! (signed in) with a problem document and changes nothing; an allowed call succeeds, and an
//! allowed write changes what it should.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kynnys_domain::PlatformRole;
use kynnys_store::testing::TestDatabase;
use serde_json::{Value, json};
use std::cell::Cell as Counter;
use support::{Reply, TestServer, listing_body};

/// The callers, in the order of the columns of [`MATRIX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    /// Owner of organisation B, no role in A.
    OtherOrgOwner,
    /// Editor of A.
    Editor,
    /// Owner of A.
    Owner,
    Moderator,
    Admin,
}

const ROLES: [Role; 6] = [
    Role::Anonymous,
    Role::OtherOrgOwner,
    Role::Editor,
    Role::Owner,
    Role::Moderator,
    Role::Admin,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A 2xx answer.
    Allowed,
    /// Authorised, but refused by a business rule: 409 (joining an organisation one belongs to).
    Conflict,
    /// 401 for anonymous callers, 403 or 404 for signed-in ones.
    Denied,
    /// 404 for every caller: a public read hides what the caller may not see.
    Hidden,
}

/// Fresh state made for each cell before the call.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// The organisation under test as it is: `{org}`.
    Org,
    /// A new listing of the organisation in this status: `{listing}`.
    Listing(&'static str),
    /// A new person who is an active editor of the organisation: `{member}`.
    ActiveEditor,
    /// A new person who asked to join the organisation: `{member}`.
    JoinRequest,
    /// A new organisation, pending review, with A's owner and A's editor: `{org}`.
    PendingOrg,
    /// A new approved organisation with A's owner and A's editor: `{org}`.
    ApprovedOrg,
    /// A new person with no role anywhere: `{user}`, `{email}`, their token's id `{token}`.
    Bystander,
    /// A second token of the caller (of a new person for anonymous callers): `{token}`.
    CallersToken,
    /// An invitation of a new person to the organisation: its secret `{secret}`.
    Invitation,
}

/// What a denied call must leave as it was (and an allowed write must change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// A read or a write that leaves nothing to compare.
    Nothing,
    /// The target listing, as an admin sees it.
    Listing,
    /// The organisation's listings in every status.
    Listings,
    /// The target organisation.
    Org,
    /// The members (and requests to join) of the target organisation.
    Members,
    /// The bystander's platform role.
    PlatformRole,
    /// The mails to the bystander.
    Mails,
    /// Whether the target token still works.
    Token,
    /// Organisations waiting for review.
    PendingOrgs,
    /// The invitation can still be accepted by the invited person.
    Invitation,
}

/// A request body; `{placeholders}` are filled in per cell.
#[derive(Debug, Clone, Copy)]
enum Body {
    Empty,
    Json(&'static str),
    /// A complete listing of the organisation under test.
    Listing,
}

use Body::{Empty, Json};
use Expect::{Allowed as A, Conflict as C, Denied as D, Hidden as H};
use Target::*;

const REASON: Body = Json(r#"{"reason":"Ei sovi palveluun."}"#);
const TITLE: Body = Json(r#"{"title":{"fi":"Muutettu {unique}"}}"#);
const NEW_ORG: Body = Json(r#"{"name":{"fi":"Uusi {unique} ry"},"type":"association"}"#);
const ORG_NAME: Body = Json(r#"{"name":{"sv":"A rf {unique}"}}"#);
const INVITE: Body = Json(r#"{"email":"{email}","role":"editor"}"#);
const ACCEPT: Body = Json(r#"{"token":"{secret}"}"#);
const AS_OWNER: Body = Json(r#"{"role":"owner"}"#);
const AS_EDITOR: Body = Json(r#"{"role":"editor"}"#);
const AS_MODERATOR: Body = Json(r#"{"role":"moderator"}"#);
const TOKEN_NAME: Body = Json(r#"{"name":"matrix"}"#);
const LISTING: Body = Body::Listing;
const DRAFT: Target = Listing("draft");
const PENDING: Target = Listing("pending_review");
const PUBLISHED: Target = Listing("published");

/// One row: the request, the fresh state it needs, what a denied call must not change, and
/// the outcome per caller (columns in [`ROLES`] order). The intended policy is in
/// crates/api/src/policy.rs.
type Row = (&'static str, Body, Target, Check, [Expect; 6]);

#[rustfmt::skip]
const MATRIX: &[Row] = &[
    // Columns: anonymous, owner of B, editor of A, owner of A, moderator, admin.
    // request                                              body          fresh state   unchanged            anon other editor owner mod admin
    // Listings: the organisation edits; moderators approve and reject; both retire.
    ("POST /api/v1/listings",                               LISTING,      Org,          Check::Listings,     [D, D, A, A, D, D]),
    ("PUT /api/v1/listings/{listing}",                      LISTING,      PUBLISHED,    Check::Listing,      [D, D, A, A, D, D]),
    ("PATCH /api/v1/listings/{listing}",                    TITLE,        DRAFT,        Check::Listing,      [D, D, A, A, D, D]),
    ("PATCH /api/v1/listings/{listing}",                    TITLE,        PUBLISHED,    Check::Listing,      [D, D, A, A, D, D]),
    ("DELETE /api/v1/listings/{listing}",                   Empty,        DRAFT,        Check::Listing,      [D, D, A, A, A, A]),
    ("DELETE /api/v1/listings/{listing}",                   Empty,        PUBLISHED,    Check::Listing,      [D, D, A, A, A, A]),
    ("POST /api/v1/listings/{listing}/submit",              Empty,        DRAFT,        Check::Listing,      [D, D, A, A, D, D]),
    ("POST /api/v1/listings/{listing}/approve",             Empty,        PENDING,      Check::Listing,      [D, D, D, D, A, A]),
    ("POST /api/v1/listings/{listing}/reject",              REASON,       PENDING,      Check::Listing,      [D, D, D, D, A, A]),
    ("POST /api/v1/listings/{listing}/reject",              REASON,       PUBLISHED,    Check::Listing,      [D, D, D, D, A, A]),
    ("POST /api/v1/listings/{listing}/archive",             Empty,        PUBLISHED,    Check::Listing,      [D, D, A, A, A, A]),
    ("POST /api/v1/listings/{listing}/archive",             Empty,        DRAFT,        Check::Listing,      [D, D, A, A, A, A]),
    ("POST /api/v1/listings/{listing}/confirm",             Empty,        PUBLISHED,    Check::Listing,      [D, D, A, A, D, D]),
    ("GET /api/v1/listings/{listing}",                      Empty,        DRAFT,        Check::Nothing,      [H, H, A, A, A, A]),
    ("GET /api/v1/listings/{listing}/audit",                Empty,        DRAFT,        Check::Nothing,      [D, D, A, A, A, A]),
    ("GET /api/v1/listings/{listing}/audit",                Empty,        PUBLISHED,    Check::Nothing,      [D, D, A, A, A, A]),
    ("GET /api/v1/moderation/queue",                        Empty,        Org,          Check::Nothing,      [D, D, D, D, A, A]),
    // Organisations: owners and moderators edit and approve requests; owners and admins manage members.
    ("POST /api/v1/organisations",                          NEW_ORG,      Org,          Check::PendingOrgs,  [D, A, A, A, A, A]),
    ("PATCH /api/v1/organisations/{org}",                   ORG_NAME,     Org,          Check::Org,          [D, D, D, A, A, A]),
    ("POST /api/v1/organisations/{org}/approve",            Empty,        PendingOrg,   Check::Org,          [D, D, D, D, A, A]),
    ("POST /api/v1/organisations/{org}/reject",             REASON,       ApprovedOrg,  Check::Org,          [D, D, D, D, A, A]),
    ("POST /api/v1/organisations/{org}/invitations",        INVITE,       Bystander,    Check::Mails,        [D, D, D, A, D, A]),
    ("POST /api/v1/invitations/accept",                     ACCEPT,       Invitation,   Check::Invitation,   [D, D, D, D, D, D]),
    ("PUT /api/v1/organisations/{org}/members/{member}",    AS_OWNER,     ActiveEditor, Check::Members,      [D, D, D, A, D, A]),
    ("DELETE /api/v1/organisations/{org}/members/{member}", Empty,        ActiveEditor, Check::Members,      [D, D, D, A, D, A]),
    ("PUT /api/v1/organisations/{org}/members/{member}",    AS_EDITOR,    JoinRequest,  Check::Members,      [D, D, D, A, A, A]),
    ("PUT /api/v1/organisations/{org}/members/{member}",    AS_OWNER,     JoinRequest,  Check::Members,      [D, D, D, A, D, A]),
    ("DELETE /api/v1/organisations/{org}/members/{member}", Empty,        JoinRequest,  Check::Members,      [D, D, D, A, A, A]),
    ("POST /api/v1/organisations/{org}/join",               Empty,        Org,          Check::Members,      [D, A, C, C, A, A]),
    ("GET /api/v1/organisations/{org}/members",             Empty,        Org,          Check::Nothing,      [D, D, A, A, A, A]),
    ("GET /api/v1/organisations/{org}/audit",               Empty,        Org,          Check::Nothing,      [D, D, A, A, A, A]),
    ("GET /api/v1/organisations/{org}/listings",            Empty,        Org,          Check::Nothing,      [D, D, A, A, A, A]),
    // Accounts: platform roles are the admin's; tokens are their holder's.
    ("PUT /api/v1/admin/users/{user}/role",                 AS_MODERATOR, Bystander,    Check::PlatformRole, [D, D, D, D, D, A]),
    ("GET /api/v1/admin/users?email={email}",               Empty,        Bystander,    Check::Nothing,      [D, D, D, D, D, A]),
    ("POST /api/v1/me/tokens",                              TOKEN_NAME,   Org,          Check::Nothing,      [D, A, A, A, A, A]),
    ("DELETE /api/v1/me/tokens/{token}",                    Empty,        CallersToken, Check::Token,        [D, A, A, A, A, A]),
    ("DELETE /api/v1/me/tokens/{token}",                    Empty,        Bystander,    Check::Token,        [D, D, D, D, D, D]),
];

/// The values of a cell's `{placeholders}`.
#[derive(Debug, Default)]
struct Cell {
    org: String,
    listing: String,
    member: String,
    user: String,
    email: String,
    token: String,
    /// A token's or an invitation's secret.
    secret: String,
    /// The token of the person an invitation is for.
    invitee: String,
    unique: String,
}

impl Cell {
    fn fill(&self, template: &str) -> String {
        template
            .replace("{org}", &self.org)
            .replace("{listing}", &self.listing)
            .replace("{member}", &self.member)
            .replace("{user}", &self.user)
            .replace("{email}", &self.email)
            .replace("{token}", &self.token)
            .replace("{secret}", &self.secret)
            .replace("{unique}", &self.unique)
    }
}

/// The server with its callers and two approved organisations, A and B.
struct World {
    server: TestServer,
    admin: String,
    moderator: String,
    owner: String,
    editor: String,
    editor_email: String,
    /// Owner of B.
    other: String,
    a: String,
    b: String,
    counter: Counter<u32>,
}

impl World {
    fn new(db: TestDatabase) -> Self {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let moderator = server.token("moderator@example.org", PlatformRole::Moderator);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let editor_email = "editor@example.org".to_owned();
        let editor = server.token(&editor_email, PlatformRole::User);
        let other = server.token("other@example.org", PlatformRole::User);
        let mut world = Self {
            server,
            admin,
            moderator,
            owner,
            editor,
            editor_email,
            other,
            a: String::new(),
            b: String::new(),
            counter: Counter::new(0),
        };
        world.a = world.organisation(&world.owner, "A ry", true);
        world.b = world.organisation(&world.other, "B ry", true);
        let editor_id = world.user_id(&world.editor);
        world.join(&world.a, &world.editor, &editor_id, "editor");
        world
    }

    fn unique(&self) -> u32 {
        self.counter.set(self.counter.get() + 1);
        self.counter.get()
    }

    fn token_of(&self, role: Role) -> Option<&str> {
        match role {
            Role::Anonymous => None,
            Role::OtherOrgOwner => Some(&self.other),
            Role::Editor => Some(&self.editor),
            Role::Owner => Some(&self.owner),
            Role::Moderator => Some(&self.moderator),
            Role::Admin => Some(&self.admin),
        }
    }

    /// The owner of A or B.
    fn owner_of(&self, org: &str) -> &str {
        if org == self.a {
            &self.owner
        } else {
            &self.other
        }
    }

    fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
        self.server.call(method, path, token, body)
    }

    /// A call that must succeed; its JSON.
    fn ok(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> Value {
        let reply = self.call(method, path, Some(token), body);
        assert!(
            (200..300).contains(&reply.status),
            "setup {method} {path}: {} {}",
            reply.status,
            reply.text
        );
        reply.json
    }

    fn user_id(&self, token: &str) -> String {
        self.ok("GET", "/api/v1/me", token, None)["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A new organisation registered by `owner`, approved by the admin when `approved`.
    fn organisation(&self, owner: &str, name: &str, approved: bool) -> String {
        let body = json!({"name": {"fi": name}, "type": "association"});
        let created = self.ok("POST", "/api/v1/organisations", owner, Some(&body));
        let id = created["id"].as_str().unwrap().to_owned();
        if approved {
            self.ok(
                "POST",
                &format!("/api/v1/organisations/{id}/approve"),
                &self.admin,
                None,
            );
        }
        id
    }

    /// `user` (with `token`) asks to join `org` and its owner approves with `role`.
    fn join(&self, org: &str, token: &str, user: &str, role: &str) {
        self.ok(
            "POST",
            &format!("/api/v1/organisations/{org}/join"),
            token,
            None,
        );
        let path = format!("/api/v1/organisations/{org}/members/{user}");
        self.ok(
            "PUT",
            &path,
            self.owner_of(org),
            Some(&json!({"role": role})),
        );
    }

    /// A new person: (id, email, token).
    fn person(&self) -> (String, String, String) {
        let email = format!("person{}@example.org", self.unique());
        let token = self.server.token(&email, PlatformRole::User);
        (self.user_id(&token), email, token)
    }

    /// `owner` invites `email` to `org`; the secret of the link in the mail.
    fn invite(&self, org: &str, owner: &str, email: &str) -> String {
        let body = json!({"email": email, "role": "editor"});
        self.ok(
            "POST",
            &format!("/api/v1/organisations/{org}/invitations"),
            owner,
            Some(&body),
        );
        let mails = self.server.db.store.mails_to(email).unwrap();
        let text = &mails.last().expect("an invitation mail").body_text;
        let (_, after) = text.split_once("invitations/accept?token=").unwrap();
        after
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .next()
            .unwrap()
            .to_owned()
    }

    /// A new organisation of A's owner with A's editor (who accepts an invitation).
    fn organisation_like_a(&self, approved: bool) -> String {
        let name = format!("Uusi {} ry", self.unique());
        let org = self.organisation(&self.owner, &name, false);
        let secret = self.invite(&org, &self.owner, &self.editor_email);
        let body = json!({"token": secret});
        self.ok(
            "POST",
            "/api/v1/invitations/accept",
            &self.editor,
            Some(&body),
        );
        if approved {
            self.ok(
                "POST",
                &format!("/api/v1/organisations/{org}/approve"),
                &self.admin,
                None,
            );
        }
        org
    }

    /// A new listing of `org` in `status`.
    fn listing(&self, org: &str, status: &str) -> String {
        let owner = self.owner_of(org);
        let body = listing_body(org, &format!("Kielikahvila {}", self.unique()));
        let created = self.ok("POST", "/api/v1/listings", owner, Some(&body));
        let id = created["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/listings/{id}");
        if status != "draft" {
            self.ok("POST", &format!("{path}/submit"), owner, None);
        }
        if status == "published" {
            self.ok("POST", &format!("{path}/approve"), &self.moderator, None);
        }
        let now = self.ok("GET", &path, owner, None);
        assert_eq!(now["status"], status);
        id
    }

    /// Makes the fresh state of `target` in `org` for a call by `role`.
    fn setup(&self, target: Target, org: &str, role: Role) -> Cell {
        let mut cell = Cell {
            org: org.to_owned(),
            unique: self.unique().to_string(),
            ..Cell::default()
        };
        match target {
            Org => {}
            Listing(status) => cell.listing = self.listing(org, status),
            ActiveEditor | JoinRequest => {
                let (id, _, token) = self.person();
                if matches!(target, ActiveEditor) {
                    self.join(org, &token, &id, "editor");
                } else {
                    self.ok(
                        "POST",
                        &format!("/api/v1/organisations/{org}/join"),
                        &token,
                        None,
                    );
                }
                cell.member = id;
            }
            PendingOrg | ApprovedOrg => {
                cell.org = self.organisation_like_a(matches!(target, ApprovedOrg));
            }
            Bystander => {
                let (id, email, token) = self.person();
                let tokens = self.ok("GET", "/api/v1/me/tokens", &token, None);
                cell.token = tokens["items"][0]["id"].as_str().unwrap().to_owned();
                (cell.user, cell.email, cell.secret) = (id, email, token);
            }
            CallersToken => {
                let holder = match self.token_of(role) {
                    Some(token) => token.to_owned(),
                    None => self.person().2,
                };
                let body = json!({"name": "second"});
                let created = self.ok("POST", "/api/v1/me/tokens", &holder, Some(&body));
                cell.token = created["id"].as_str().unwrap().to_owned();
                cell.secret = created["token"].as_str().unwrap().to_owned();
            }
            Invitation => {
                let (_, email, token) = self.person();
                cell.secret = self.invite(org, self.owner_of(org), &email);
                cell.invitee = token;
            }
        }
        cell
    }

    /// The state that `check` compares, as the admin sees it.
    fn snapshot(&self, check: Check, cell: &Cell) -> Value {
        let get = |path: String| {
            let reply = self.call("GET", &path, Some(&self.admin), None);
            json!({"status": reply.status, "body": reply.json})
        };
        match check {
            Check::Nothing | Check::Invitation => Value::Null,
            Check::Listing => {
                let mut listing = get(format!("/api/v1/listings/{}", cell.listing));
                // Computed from the clock, not stored.
                listing["body"]["next_occurrences"].take();
                listing
            }
            Check::Listings => {
                let page = get(format!(
                    "/api/v1/organisations/{}/listings?limit=200",
                    cell.org
                ));
                let items = page["body"]["items"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let ids: Vec<_> = items.iter().map(|l| (&l["id"], &l["status"])).collect();
                json!({"status": page["status"], "listings": ids})
            }
            Check::Org => get(format!("/api/v1/organisations/{}", cell.org)),
            Check::Members => get(format!("/api/v1/organisations/{}/members", cell.org)),
            Check::PlatformRole => get(format!("/api/v1/admin/users?email={}", cell.email))["body"]
                ["platform_role"]
                .clone(),
            Check::Mails => json!(self.server.db.store.mails_to(&cell.email).unwrap().len()),
            Check::Token => json!(
                self.call("GET", "/api/v1/me", Some(&cell.secret), None)
                    .status
            ),
            Check::PendingOrgs => {
                get("/api/v1/moderation/queue".into())["body"]["organisations"].clone()
            }
        }
    }

    /// Runs one cell: fresh state, the call, the outcome, what changed. Problems go to `failures`.
    fn run(&self, row: &Row, org: &str, role: Role, expect: Expect, failures: &mut Vec<String>) {
        let (request, body, target, check, _) = *row;
        let cell = self.setup(target, org, role);
        let (method, path) = request.split_once(' ').unwrap();
        let path = cell.fill(path);
        let body = match body {
            Empty => None,
            Json(template) => Some(serde_json::from_str(&cell.fill(template)).unwrap()),
            Body::Listing => Some(listing_body(
                &cell.org,
                &format!("Muutettu {}", cell.unique),
            )),
        };
        let before = self.snapshot(check, &cell);
        let reply = self.call(method, &path, self.token_of(role), body.as_ref());
        let after = self.snapshot(check, &cell);
        let what = format!("{request} ({target:?}) by {role:?}");
        let mut fail = |problem: String| failures.push(format!("{what}: {problem}"));
        let got = format!("got {} {}", reply.status, reply.text);
        match expect {
            Expect::Allowed => {
                if !(200..300).contains(&reply.status) {
                    fail(format!("expected success, {got}"));
                } else if check != Check::Nothing && check != Check::Invitation && before == after {
                    fail(format!("succeeded but changed nothing: {after}"));
                }
            }
            Expect::Conflict | Expect::Denied | Expect::Hidden => {
                let status_ok = match (expect, role) {
                    (Expect::Conflict, _) => reply.status == 409,
                    (Expect::Hidden, _) => reply.status == 404,
                    (_, Role::Anonymous) => reply.status == 401,
                    _ => matches!(reply.status, 403 | 404),
                };
                if !status_ok {
                    fail(format!("expected {expect:?}, {got}"));
                }
                if !reply.is_problem() {
                    fail(format!("not a problem document with a code: {got}"));
                }
                if before != after {
                    fail(format!("changed state: before {before}, after {after}"));
                }
                if check == Check::Invitation {
                    // An invitation cannot be read; that the invited person can still accept it
                    // shows that it is unchanged.
                    let body = json!({"token": cell.secret});
                    let accepted = self.call(
                        "POST",
                        "/api/v1/invitations/accept",
                        Some(&cell.invitee),
                        Some(&body),
                    );
                    if accepted.status != 200 {
                        fail(format!(
                            "the invitation no longer works for the invited person: {} {}",
                            accepted.status, accepted.text
                        ));
                    }
                }
            }
        }
    }
}

fn report(backend: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{backend}: {} cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_role_gets_exactly_the_access_the_policy_gives_on_every_endpoint() {
    for db in TestDatabase::each_backend() {
        let backend = format!("{:?}", db.backend());
        let world = World::new(db);
        let mut failures = Vec::new();
        for row in MATRIX {
            for (role, expect) in ROLES.into_iter().zip(row.4) {
                world.run(row, &world.a, role, expect, &mut failures);
            }
        }
        report(&backend, &failures);
    }
}

#[test]
fn an_editor_of_one_organisation_cannot_touch_another_organisations_listings() {
    for db in TestDatabase::each_backend() {
        let backend = format!("{:?}", db.backend());
        let world = World::new(db);
        let mut failures = Vec::new();
        let listing_rows = MATRIX
            .iter()
            .filter(|row| matches!(row.2, Listing(_)) || row.0 == "POST /api/v1/listings");
        for row in listing_rows {
            world.run(row, &world.b, Role::Editor, Expect::Denied, &mut failures);
        }
        report(&backend, &failures);
    }
}

#[test]
fn only_an_admin_can_approve_their_own_request_to_join() {
    for db in TestDatabase::each_backend() {
        let world = World::new(db);
        let members = format!("/api/v1/organisations/{}/members", world.a);
        let join = format!("/api/v1/organisations/{}/join", world.a);
        for (role, expect) in [
            (Role::OtherOrgOwner, Expect::Denied),
            (Role::Moderator, Expect::Denied),
            (Role::Admin, Expect::Allowed),
        ] {
            let token = world.token_of(role).unwrap();
            let id = world.user_id(token);
            world.ok("POST", &join, token, None);
            let before = world.ok("GET", &members, &world.admin, None);
            let body = json!({"role": "editor"});
            let reply = world.call("PUT", &format!("{members}/{id}"), Some(token), Some(&body));
            let after = world.ok("GET", &members, &world.admin, None);
            if expect == Expect::Allowed {
                assert_eq!(reply.status, 200, "{role:?}: {}", reply.text);
            } else {
                assert_eq!(reply.status, 403, "{role:?}: {}", reply.text);
                assert!(reply.is_problem(), "{role:?}: {}", reply.text);
                assert_eq!(before, after, "{role:?} changed the members");
            }
        }
    }
}
