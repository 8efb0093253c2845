//! Publishing over HTTP against the real server on each database: accounts, organisations,
//! listings and their lifecycle, idempotency, and malformed input of every kind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kynnys_domain::PlatformRole;
use kynnys_store::testing::TestDatabase;
use serde_json::json;
use support::{TestServer, listing_body};

/// An approved organisation with `owner` as owner; returns its id.
fn approved_organisation(server: &TestServer, owner: &str, admin: &str) -> String {
    let created = server.call(
        "POST",
        "/api/v1/organisations",
        Some(owner),
        Some(&json!({"name": {"fi": "Testiyhdistys ry"}, "type": "association", "municipality": "091"})),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    let approved = server.call("POST", &format!("/api/v1/organisations/{id}/approve"), Some(admin), None);
    assert_eq!(approved.status, 200, "{}", approved.text);
    id
}

#[test]
fn a_listing_goes_from_draft_to_published_and_deleted_answers_gone() {
    for db in TestDatabase::each_backend() {
        let server = TestServer::start(db);
        let admin = server.token("admin@example.org", PlatformRole::Admin);
        let owner = server.token("owner@example.org", PlatformRole::User);
        let org = approved_organisation(&server, &owner, &admin);

        let created = server.call("POST", "/api/v1/listings", Some(&owner), Some(&listing_body(&org, "Kielikahvila")));
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.json["status"], "draft");
        let id = created.json["id"].as_str().unwrap().to_owned();
        assert!(created.json["external_id"].as_str().unwrap().starts_with("kynnys:"));

        let submitted = server.call("POST", &format!("/api/v1/listings/{id}/submit"), Some(&owner), None);
        assert_eq!(submitted.json["status"], "pending_review", "{}", submitted.text);
        let approved = server.call("POST", &format!("/api/v1/listings/{id}/approve"), Some(&admin), None);
        assert_eq!(approved.json["status"], "published", "{}", approved.text);
        let public = server.call("GET", &format!("/api/v1/listings/{id}?lang=sv"), None, None);
        assert_eq!(public.status, 200);
        assert_eq!(public.json["resolved"]["title"]["lang"], "sv");
        assert!(!public.json["next_occurrences"].as_array().unwrap().is_empty());

        let deleted = server.call("DELETE", &format!("/api/v1/listings/{id}"), Some(&owner), None);
        assert_eq!(deleted.status, 204, "{}", deleted.text);
        let gone = server.call("GET", &format!("/api/v1/listings/{id}"), None, None);
        assert_eq!(gone.status, 410);
        assert!(gone.is_problem());
        assert_eq!(gone.json["code"], "gone");
    }
}
