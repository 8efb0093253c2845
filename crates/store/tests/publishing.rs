//! Writes of the publishing API at the storage level, on SQLite and (when
//! `KYNNYS_TEST_POSTGRES_URL` is set) PostgreSQL: lifecycle transitions with their changes and
//! audit entries, the expiry job, memberships, single-use tokens and idempotency keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeDelta, Utc};
use kynnys_domain::{
    Lang, ListingAction, ListingRecord, ListingStatus, LocalizedText, OrganisationInput,
    OrganisationRecord, OrganisationRole, OrganisationStatus, PlatformRole,
};
use kynnys_store::testing::TestDatabase;
use kynnys_store::{
    AuditScope, Claim, NewEmailToken, NewMail, NewUser, Organisation, Store, StoreError,
    StoredResponse, TokenPurpose,
};

const CORPUS: &str = include_str!("../../server/demo/listings.jsonl");

fn now() -> DateTime<Utc> {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

fn user(store: &Store, email: &str) -> String {
    store
        .create_user(
            &NewUser {
                email,
                password_hash: None,
                display_name: Some("Test"),
                lang: Lang::Fi,
                platform_role: PlatformRole::User,
                verified: true,
            },
            now(),
        )
        .unwrap()
        .id
}

fn organisation(store: &Store, owner: &str) -> Organisation {
    let input = OrganisationInput {
        name: LocalizedText::new(Some("Testiyhdistys ry"), None, None),
        org_type: "association".into(),
        business_id: None,
        municipality: Some("091".into()),
        website: None,
        email: None,
        phone: None,
    };
    let org = store.register_organisation(&input, owner, now()).unwrap();
    store
        .set_organisation_status(
            &org.id,
            OrganisationStatus::Approved,
            None,
            owner,
            &[],
            now(),
        )
        .unwrap()
}

/// A corpus listing moved to `org`, valid until `valid_until`.
fn record(org: &Organisation, valid_until: &str) -> ListingRecord {
    let mut record = ListingRecord::from_json_line(CORPUS.lines().next().unwrap()).unwrap();
    record.external_id = format!("test:{}", uuid_like());
    record.organisation = OrganisationRecord {
        external_id: org.external_id.clone(),
        name: org.input.name.clone(),
        org_type: org.input.org_type.clone(),
        business_id: None,
        website: None,
        email: None,
    };
    record.valid_until = Some(valid_until.parse().unwrap());
    record
}

fn uuid_like() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[test]
fn lifecycle_actions_change_status_record_changes_and_audit() {
    for db in TestDatabase::each_backend() {
        let store = &db.store;
        let owner = user(store, "owner@example.org");
        let org = organisation(store, &owner);
        let created = store
            .create_listing(record(&org, "2027-06-30"), &org.id, &owner, now())
            .unwrap();
        assert_eq!(created.status, ListingStatus::Draft);
        let seq_after_create = store.last_seq().unwrap();

        let refused = store.transition_listing(
            &created.id,
            ListingAction::Approve,
            None,
            Some(&owner),
            &[],
            now(),
        );
        assert!(matches!(
            refused,
            Err(StoreError::InvalidTransition {
                from: ListingStatus::Draft,
                action: ListingAction::Approve
            })
        ));
        assert_eq!(
            store.last_seq().unwrap(),
            seq_after_create,
            "a refused action changes nothing"
        );

        let mail = NewMail {
            dedupe_key: format!("listing_approve:{}", created.id),
            recipient: "Owner@Example.org".into(),
            kind: "listing_decision".into(),
            subject: "published".into(),
            body_text: "published".into(),
            ..NewMail::default()
        };
        store
            .transition_listing(
                &created.id,
                ListingAction::Submit,
                None,
                Some(&owner),
                &[],
                now(),
            )
            .unwrap();
        let published = store
            .transition_listing(
                &created.id,
                ListingAction::Approve,
                None,
                Some(&owner),
                &[mail.clone(), mail],
                now(),
            )
            .unwrap();
        assert_eq!(published.status, ListingStatus::Published);
        assert_eq!(store.last_seq().unwrap(), seq_after_create + 2);
        let mails = store.mails_to("owner@example.org").unwrap();
        assert_eq!(mails.len(), 1, "the same dedupe key is written once");

        let rejected = store
            .transition_listing(
                &created.id,
                ListingAction::Reject,
                Some("Puuttuu osoite"),
                Some(&owner),
                &[],
                now(),
            )
            .unwrap();
        assert_eq!(rejected.status, ListingStatus::Rejected);
        assert_eq!(rejected.status_reason.as_deref(), Some("Puuttuu osoite"));

        let audit = store
            .audit_entries(AuditScope::Listing(&created.id), 50)
            .unwrap();
        let actions: Vec<&str> = audit.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "listing.create",
                "listing.submit",
                "listing.approve",
                "listing.reject"
            ]
        );
        assert_eq!(audit[0].details["reason"], "Puuttuu osoite");
        assert_eq!(audit[0].actor_name.as_deref(), Some("Test"));

        let deleted = store
            .transition_listing(
                &created.id,
                ListingAction::Delete,
                None,
                Some(&owner),
                &[],
                now(),
            )
            .unwrap();
        assert_eq!(deleted.status, ListingStatus::Deleted);
        let last = store
            .changes_since(store.last_seq().unwrap() - 1, 10)
            .unwrap();
        assert_eq!(last[0].operation, "delete");
    }
}

#[test]
fn an_edit_keeps_the_status_and_audits_the_changed_fields() {
    for db in TestDatabase::each_backend() {
        let store = &db.store;
        let owner = user(store, "owner@example.org");
        let org = organisation(store, &owner);
        let original = record(&org, "2027-06-30");
        let created = store
            .create_listing(original.clone(), &org.id, &owner, now())
            .unwrap();
        store
            .transition_listing(
                &created.id,
                ListingAction::Submit,
                None,
                Some(&owner),
                &[],
                now(),
            )
            .unwrap();
        store
            .transition_listing(
                &created.id,
                ListingAction::Approve,
                None,
                Some(&owner),
                &[],
                now(),
            )
            .unwrap();

        let seq = store.last_seq().unwrap();
        let same = store
            .update_listing(&created.id, original.clone(), &owner, now())
            .unwrap();
        assert_eq!(
            store.last_seq().unwrap(),
            seq,
            "an unchanged record writes nothing"
        );
        assert_eq!(same.status, ListingStatus::Published);

        let mut edited = original;
        edited.title = LocalizedText::new(Some("Uusi otsikko"), None, None);
        let updated = store
            .update_listing(&created.id, edited, &owner, now())
            .unwrap();
        assert_eq!(updated.status, ListingStatus::Published);
        assert_eq!(updated.record.title.get(Lang::Fi), Some("Uusi otsikko"));
        assert_eq!(store.last_seq().unwrap(), seq + 1);
        let audit = store
            .audit_entries(AuditScope::Listing(&created.id), 1)
            .unwrap();
        assert_eq!(audit[0].action, "listing.update");
        let changed = audit[0].details["changed"].as_object().unwrap();
        assert_eq!(changed.keys().collect::<Vec<_>>(), ["title"]);
        assert_eq!(changed["title"]["to"]["fi"], "Uusi otsikko");
    }
}

#[test]
fn the_expiry_job_expires_published_listings_past_valid_until_only() {
    for db in TestDatabase::each_backend() {
        let store = &db.store;
        let owner = user(store, "owner@example.org");
        let org = organisation(store, &owner);
        let mut ids = Vec::new();
        for valid_until in ["2026-12-31", "2027-01-31"] {
            let listing = store
                .create_listing(record(&org, valid_until), &org.id, &owner, now())
                .unwrap();
            store
                .transition_listing(
                    &listing.id,
                    ListingAction::Submit,
                    None,
                    Some(&owner),
                    &[],
                    now(),
                )
                .unwrap();
            store
                .transition_listing(
                    &listing.id,
                    ListingAction::Approve,
                    None,
                    Some(&owner),
                    &[],
                    now(),
                )
                .unwrap();
            ids.push(listing.id);
        }
        let draft = store
            .create_listing(record(&org, "2026-12-31"), &org.id, &owner, now())
            .unwrap();

        // 1 January 2027, 00:30 in Helsinki is still 31 December in UTC.
        let new_year: DateTime<Utc> = "2026-12-31T22:30:00Z".parse().unwrap();
        assert!(
            store
                .expire_due_listings(new_year - TimeDelta::hours(1))
                .unwrap()
                .is_empty()
        );
        let expired = store.expire_due_listings(new_year).unwrap();
        assert_eq!(expired, vec![ids[0].clone()]);
        assert_eq!(
            store.listing(&ids[0]).unwrap().unwrap().status,
            ListingStatus::Expired
        );
        assert_eq!(
            store.listing(&ids[1]).unwrap().unwrap().status,
            ListingStatus::Published
        );
        assert_eq!(
            store.listing(&draft.id).unwrap().unwrap().status,
            ListingStatus::Draft
        );
        assert!(
            store.expire_due_listings(new_year).unwrap().is_empty(),
            "a second run does nothing"
        );
        let audit = store
            .audit_entries(AuditScope::Listing(&ids[0]), 1)
            .unwrap();
        assert_eq!(
            (audit[0].action.as_str(), audit[0].actor_id.as_deref()),
            ("listing.expire", None)
        );
    }
}

#[test]
fn an_organisation_keeps_an_owner() {
    for db in TestDatabase::each_backend() {
        let store = &db.store;
        let owner = user(store, "owner@example.org");
        let editor = user(store, "editor@example.org");
        let org = organisation(store, &owner);
        store
            .request_membership(&org.id, &editor, &[], now())
            .unwrap();
        assert!(matches!(
            store.request_membership(&org.id, &editor, &[], now()),
            Err(StoreError::Conflict(_))
        ));
        store
            .put_membership(
                &org.id,
                &editor,
                OrganisationRole::Editor,
                &owner,
                "membership.approve",
                now(),
            )
            .unwrap();
        for refused in [
            store
                .put_membership(
                    &org.id,
                    &owner,
                    OrganisationRole::Editor,
                    &owner,
                    "membership.role",
                    now(),
                )
                .map(|_| ()),
            store.remove_membership(&org.id, &owner, &owner, now()),
        ] {
            assert!(matches!(refused, Err(StoreError::Conflict("last owner"))));
        }
        store
            .put_membership(
                &org.id,
                &editor,
                OrganisationRole::Owner,
                &owner,
                "membership.role",
                now(),
            )
            .unwrap();
        store
            .remove_membership(&org.id, &owner, &owner, now())
            .unwrap();
        let members = store.members(&org.id).unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].role, OrganisationRole::Owner);
    }
}

#[test]
fn email_tokens_are_single_use_and_expire() {
    for db in TestDatabase::each_backend() {
        let store = &db.store;
        let mail = NewMail {
            dedupe_key: "verify:1".into(),
            recipient: "a@example.org".into(),
            kind: "verify_email".into(),
            subject: "s".into(),
            body_text: "b".into(),
            ..NewMail::default()
        };
        let token = |hash: &'static str, expires_at| NewEmailToken {
            hash,
            purpose: TokenPurpose::VerifyEmail,
            email: "A@example.org",
            user_id: None,
            organisation_id: None,
            role: None,
            created_by: None,
            expires_at,
        };
        store
            .issue_email_token(&token("h1", now() + TimeDelta::hours(1)), &mail, now())
            .unwrap();
        store
            .issue_email_token(&token("h2", now() - TimeDelta::hours(1)), &mail, now())
            .unwrap();
        assert!(
            store
                .consume_email_token("h1", TokenPurpose::ResetPassword, now())
                .unwrap()
                .is_none()
        );
        let used = store
            .consume_email_token("h1", TokenPurpose::VerifyEmail, now())
            .unwrap()
            .unwrap();
        assert_eq!(used.email, "a@example.org");
        assert!(
            store
                .consume_email_token("h1", TokenPurpose::VerifyEmail, now())
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .consume_email_token("h2", TokenPurpose::VerifyEmail, now())
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .consume_email_token("nope", TokenPurpose::VerifyEmail, now())
                .unwrap()
                .is_none()
        );
    }
}

#[test]
fn idempotency_keys_replay_the_first_answer() {
    for db in TestDatabase::each_backend() {
        let store = &db.store;
        assert_eq!(
            store
                .claim_idempotency_key("caller", "k", "req-a", now())
                .unwrap(),
            Claim::Claimed
        );
        assert_eq!(
            store
                .claim_idempotency_key("caller", "k", "req-a", now())
                .unwrap(),
            Claim::InProgress
        );
        assert_eq!(
            store
                .claim_idempotency_key("caller", "k", "req-b", now())
                .unwrap(),
            Claim::Mismatch
        );
        assert_eq!(
            store
                .claim_idempotency_key("other", "k", "req-a", now())
                .unwrap(),
            Claim::Claimed
        );
        let answer = StoredResponse {
            status: 201,
            content_type: "application/json".into(),
            body: "{\"id\":\"x\"}".into(),
        };
        store
            .complete_idempotency_key("caller", "k", &answer)
            .unwrap();
        assert_eq!(
            store
                .claim_idempotency_key("caller", "k", "req-a", now())
                .unwrap(),
            Claim::Replay(answer)
        );
        // An abandoned claim (the process died) is taken over after a while.
        store
            .claim_idempotency_key("caller", "stale", "req", now())
            .unwrap();
        let later = now() + TimeDelta::minutes(10);
        assert_eq!(
            store
                .claim_idempotency_key("caller", "stale", "req", later)
                .unwrap(),
            Claim::Claimed
        );
        assert_eq!(
            store
                .purge_idempotency_keys(later + TimeDelta::days(2))
                .unwrap(),
            3
        );
    }
}
