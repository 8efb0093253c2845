//! Organisations registered through the API and their members.

use crate::accounts::{Membership, membership_from_row};
use crate::audit::{Audit, changed_fields, record_audit};
use crate::connection::{AnyConnection, write_transaction};
use crate::convert::{from_json, to_json};
use crate::listing_repository::record_listing_changes;
use crate::mail::{NewMail, enqueue_mail};
use crate::models::{MembershipRow, OrganisationRow};
use crate::schema::{listings, memberships, organisations, users};
use crate::{Store, StoreError, new_id};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use kynnys_domain::{
    ListingStatus, MembershipStatus, OrganisationInput, OrganisationRole, OrganisationStatus,
};
use serde_json::json;

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub id: String,
    pub external_id: String,
    pub input: OrganisationInput,
    pub status: OrganisationStatus,
    pub status_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A member as listed to the organisation's owners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub role: OrganisationRole,
    pub status: MembershipStatus,
    pub since: DateTime<Utc>,
}

/// Which organisations to list.
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub status: Option<OrganisationStatus>,
    pub org_type: Vec<String>,
    pub municipality: Vec<String>,
    /// Resume after this id (ids are time-ordered UUIDs).
    pub after: Option<String>,
    pub limit: i64,
}

fn organisation_from_row(row: OrganisationRow) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        input: OrganisationInput {
            name: from_json("organisations", &row.id, &row.name)?,
            org_type: row.org_type,
            business_id: row.business_id,
            municipality: row.municipality,
            website: row.website,
            email: row.email,
            phone: row.phone,
        },
        status: row.status.parse().map_err(|()| StoreError::Corrupt {
            table: "organisations",
            id: row.id.clone(),
            reason: "status".into(),
        })?,
        status_reason: row.status_reason,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        external_id: row.external_id.unwrap_or_else(|| row.id.clone()),
        id: row.id,
    })
}

fn load_organisation(conn: &mut AnyConnection, id: &str) -> Result<Organisation, StoreError> {
    let row: Option<OrganisationRow> = organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?;
    organisation_from_row(row.ok_or(StoreError::NotFound("organisation"))?)
}

fn load_membership(
    conn: &mut AnyConnection,
    organisation_id: &str,
    user_id: &str,
) -> Result<Option<Membership>, StoreError> {
    memberships::table
        .find((organisation_id, user_id))
        .select(MembershipRow::as_select())
        .first(conn)
        .optional()?
        .map(membership_from_row)
        .transpose()
}

/// Refuses a change that would leave an organisation without an active owner.
fn keep_an_owner(
    conn: &mut AnyConnection,
    organisation_id: &str,
    leaving: &str,
) -> Result<(), StoreError> {
    let others: i64 = memberships::table
        .filter(memberships::organisation_id.eq(organisation_id))
        .filter(memberships::user_id.ne(leaving))
        .filter(memberships::role.eq(OrganisationRole::Owner.as_str()))
        .filter(memberships::status.eq(MembershipStatus::Active.as_str()))
        .count()
        .get_result(conn)?;
    if others == 0 {
        return Err(StoreError::Conflict("last owner"));
    }
    Ok(())
}

fn audit_membership(
    conn: &mut AnyConnection,
    actor_id: &str,
    action: &str,
    organisation_id: &str,
    details: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    record_audit(
        conn,
        Audit {
            actor_id: Some(actor_id),
            action,
            organisation_id: Some(organisation_id),
            listing_id: None,
            details,
        },
        now,
    )
}

impl Store {
    /// Registers an organisation: pending review, with `owner_id` as its first owner.
    pub fn register_organisation(
        &self,
        input: &OrganisationInput,
        owner_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Organisation, StoreError> {
        let now = now.naive_utc();
        let id = new_id();
        let row = OrganisationRow {
            external_id: Some(id.clone()),
            id: id.clone(),
            name: to_json(&input.name)?,
            org_type: input.org_type.clone(),
            business_id: input.business_id.clone(),
            municipality: input.municipality.clone(),
            website: input.website.clone(),
            email: input.email.clone(),
            status: OrganisationStatus::Pending.as_str().to_owned(),
            created_at: now,
            updated_at: now,
            phone: input.phone.clone(),
            status_reason: None,
        };
        write_transaction(&mut *self.conn()?, |conn| {
            diesel::insert_into(organisations::table)
                .values(&row)
                .execute(conn)?;
            diesel::insert_into(memberships::table)
                .values(MembershipRow {
                    organisation_id: id.clone(),
                    user_id: owner_id.to_owned(),
                    role: OrganisationRole::Owner.as_str().to_owned(),
                    status: MembershipStatus::Active.as_str().to_owned(),
                    created_at: now,
                    updated_at: now,
                })
                .execute(conn)?;
            audit_membership(
                conn,
                owner_id,
                "organisation.register",
                &id,
                json!({ "organisation": input }),
                now,
            )?;
            load_organisation(conn, &id)
        })
    }

    pub fn organisation(&self, id: &str) -> Result<Option<Organisation>, StoreError> {
        match load_organisation(&mut *self.conn()?, id) {
            Ok(org) => Ok(Some(org)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Organisations by filter, in id order.
    pub fn organisations(
        &self,
        filter: &OrganisationFilter,
    ) -> Result<Vec<Organisation>, StoreError> {
        let mut query = organisations::table
            .select(OrganisationRow::as_select())
            .order_by(organisations::id)
            .limit(filter.limit)
            .into_boxed();
        if let Some(status) = filter.status {
            query = query.filter(organisations::status.eq(status.as_str()));
        }
        if !filter.org_type.is_empty() {
            query = query.filter(organisations::org_type.eq_any(&filter.org_type));
        }
        if !filter.municipality.is_empty() {
            query = query.filter(organisations::municipality.eq_any(&filter.municipality));
        }
        if let Some(after) = &filter.after {
            query = query.filter(organisations::id.gt(after));
        }
        query
            .load(&mut self.conn()?)?
            .into_iter()
            .map(organisation_from_row)
            .collect()
    }

    /// Replaces an organisation's details. Its listings carry the organisation, so each gets a
    /// change (and a fresh search document).
    pub fn update_organisation(
        &self,
        id: &str,
        input: &OrganisationInput,
        actor_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Organisation, StoreError> {
        let now = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            let before = load_organisation(conn, id)?;
            if &before.input == input {
                return Ok(before);
            }
            diesel::update(organisations::table.find(id))
                .set((
                    organisations::name.eq(to_json(&input.name)?),
                    organisations::org_type.eq(&input.org_type),
                    organisations::business_id.eq(&input.business_id),
                    organisations::municipality.eq(&input.municipality),
                    organisations::website.eq(&input.website),
                    organisations::email.eq(&input.email),
                    organisations::phone.eq(&input.phone),
                    organisations::updated_at.eq(now),
                ))
                .execute(conn)?;
            let changed = changed_fields(&json!(before.input), &json!(input));
            audit_membership(
                conn,
                actor_id,
                "organisation.update",
                id,
                json!({ "changed": changed }),
                now,
            )?;
            let affected: Vec<(String, String)> = listings::table
                .filter(listings::organisation_id.eq(id))
                .filter(listings::status.ne(ListingStatus::Deleted.as_str()))
                .select((listings::id, listings::external_id))
                .load(conn)?;
            record_listing_changes(conn, &affected, "update", now)?;
            load_organisation(conn, id)
        })
    }

    /// A moderator's decision on an organisation, with the mails that announce it.
    pub fn set_organisation_status(
        &self,
        id: &str,
        status: OrganisationStatus,
        reason: Option<&str>,
        actor_id: &str,
        mails: &[NewMail],
        now: DateTime<Utc>,
    ) -> Result<Organisation, StoreError> {
        let now = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            let before = load_organisation(conn, id)?;
            diesel::update(organisations::table.find(id))
                .set((
                    organisations::status.eq(status.as_str()),
                    organisations::status_reason.eq(reason),
                    organisations::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit_membership(
                conn,
                actor_id,
                &format!("organisation.{}", status.as_str()),
                id,
                json!({ "from": before.status, "to": status, "reason": reason }),
                now,
            )?;
            for mail in mails {
                enqueue_mail(conn, mail, now)?;
            }
            load_organisation(conn, id)
        })
    }

    /// Members of an organisation (active and requested), owners first.
    pub fn members(&self, organisation_id: &str) -> Result<Vec<Member>, StoreError> {
        let rows: Vec<(MembershipRow, String, Option<String>)> = memberships::table
            .inner_join(users::table)
            .filter(memberships::organisation_id.eq(organisation_id))
            .order_by((memberships::role.desc(), memberships::created_at))
            .select((
                MembershipRow::as_select(),
                users::email,
                users::display_name,
            ))
            .load(&mut self.conn()?)?;
        rows.into_iter()
            .map(|(row, email, display_name)| {
                let m = membership_from_row(row)?;
                Ok(Member {
                    user_id: m.user_id,
                    email,
                    display_name,
                    role: m.role,
                    status: m.status,
                    since: m.created_at,
                })
            })
            .collect()
    }

    pub fn membership(
        &self,
        organisation_id: &str,
        user_id: &str,
    ) -> Result<Option<Membership>, StoreError> {
        load_membership(&mut *self.conn()?, organisation_id, user_id)
    }

    /// A person asks to join as an editor; `mails` tell the owners. `Conflict` when already a
    /// member or already asked.
    pub fn request_membership(
        &self,
        organisation_id: &str,
        user_id: &str,
        mails: &[NewMail],
        now: DateTime<Utc>,
    ) -> Result<Membership, StoreError> {
        let now = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            load_organisation(conn, organisation_id)?;
            diesel::insert_into(memberships::table)
                .values(MembershipRow {
                    organisation_id: organisation_id.to_owned(),
                    user_id: user_id.to_owned(),
                    role: OrganisationRole::Editor.as_str().to_owned(),
                    status: MembershipStatus::Requested.as_str().to_owned(),
                    created_at: now,
                    updated_at: now,
                })
                .execute(conn)
                .map_err(StoreError::unique("membership"))?;
            audit_membership(
                conn,
                user_id,
                "membership.request",
                organisation_id,
                json!({ "user_id": user_id }),
                now,
            )?;
            for mail in mails {
                enqueue_mail(conn, mail, now)?;
            }
            load_membership(conn, organisation_id, user_id)?
                .ok_or(StoreError::NotFound("membership"))
        })
    }

    /// Makes a person an active member with `role`: approves a request, accepts an invitation,
    /// or changes the role of a member. Refuses to demote the last owner.
    pub fn put_membership(
        &self,
        organisation_id: &str,
        user_id: &str,
        role: OrganisationRole,
        actor_id: &str,
        action: &str,
        now: DateTime<Utc>,
    ) -> Result<Membership, StoreError> {
        let now = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            load_organisation(conn, organisation_id)?;
            let before = load_membership(conn, organisation_id, user_id)?;
            if before.as_ref().is_some_and(|m| {
                m.role == OrganisationRole::Owner && role != OrganisationRole::Owner
            }) {
                keep_an_owner(conn, organisation_id, user_id)?;
            }
            match &before {
                Some(_) => {
                    diesel::update(memberships::table.find((organisation_id, user_id)))
                        .set((
                            memberships::role.eq(role.as_str()),
                            memberships::status.eq(MembershipStatus::Active.as_str()),
                            memberships::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                }
                None => {
                    diesel::insert_into(memberships::table)
                        .values(MembershipRow {
                            organisation_id: organisation_id.to_owned(),
                            user_id: user_id.to_owned(),
                            role: role.as_str().to_owned(),
                            status: MembershipStatus::Active.as_str().to_owned(),
                            created_at: now,
                            updated_at: now,
                        })
                        .execute(conn)?;
                }
            }
            audit_membership(
                conn,
                actor_id,
                action,
                organisation_id,
                json!({
                    "user_id": user_id,
                    "from": before.map(|m| json!({ "role": m.role, "status": m.status })),
                    "to": { "role": role, "status": MembershipStatus::Active },
                }),
                now,
            )?;
            load_membership(conn, organisation_id, user_id)?
                .ok_or(StoreError::NotFound("membership"))
        })
    }

    /// Removes a member (or declines a request). Refuses to remove the last owner.
    pub fn remove_membership(
        &self,
        organisation_id: &str,
        user_id: &str,
        actor_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            let before = load_membership(conn, organisation_id, user_id)?
                .ok_or(StoreError::NotFound("membership"))?;
            if before.role == OrganisationRole::Owner && before.status == MembershipStatus::Active {
                keep_an_owner(conn, organisation_id, user_id)?;
            }
            diesel::delete(memberships::table.find((organisation_id, user_id))).execute(conn)?;
            audit_membership(
                conn,
                actor_id,
                "membership.remove",
                organisation_id,
                json!({ "user_id": user_id, "role": before.role, "status": before.status }),
                now,
            )
        })
    }
}
