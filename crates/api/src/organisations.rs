//! Organisations: registration and review, public reads, members, join requests and invitations.

use crate::accounts::{email_token, link};
use crate::auth::{AuthUser, Caller};
use crate::body::JsonBody;
use crate::lang::RequestLang;
use crate::mails::{Mail, ToOutbox};
use crate::policy::{Action, allowed, authorize};
use crate::problem::Problem;
use crate::views::{
    Ack, AuditList, ListingPage, MemberList, MembershipView, OrganisationPage, OrganisationView,
};
use crate::{ApiError, ApiState, db};
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::Utc;
use kynnys_domain::{
    Lang, ListingStatus, MembershipStatus, OrganisationInput, OrganisationRole, OrganisationStatus,
    check_email,
};
use kynnys_store::{
    AuditScope, ListingFilter, Member, Membership, NewEmailToken, NewMail, Organisation,
    OrganisationFilter, TokenPurpose,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;
const INVITATION_HOURS: i64 = 14 * 24;
const MAX_REASON_CHARS: usize = 2000;

pub(crate) fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register_organisation)
        .service(list_organisations)
        .service(get_organisation)
        .service(update_organisation)
        .service(approve_organisation)
        .service(reject_organisation)
        .service(list_members)
        .service(join)
        .service(put_member)
        .service(remove_member)
        .service(invite)
        .service(accept_invitation)
        .service(organisation_audit)
        .service(organisation_listings);
}

/// An organisation the caller may see: approved ones are public, others only to their members
/// and moderators (to everybody else they do not exist).
pub(crate) async fn visible_organisation(
    state: &ApiState,
    caller: Option<&AuthUser>,
    id: String,
) -> Result<Organisation, ApiError> {
    let store = state.store.clone();
    let org = db(move || store.organisation(&id))
        .await?
        .ok_or(ApiError::NotFound)?;
    let public = org.status == OrganisationStatus::Approved;
    if public || caller.is_some_and(|c| allowed(c, Action::ReadPrivate, Some(&org.id))) {
        Ok(org)
    } else {
        Err(ApiError::NotFound)
    }
}

fn validate(input: &OrganisationInput, state: &ApiState) -> Result<(), ApiError> {
    input
        .validate(&state.vocabularies)
        .map_err(ApiError::Validation)
}

/// The display name of an organisation for mails in `lang`.
fn name_in(org: &Organisation, lang: Lang) -> String {
    org.input
        .name
        .resolve(lang)
        .map(|r| r.text.to_owned())
        .unwrap_or_default()
}

/// Mails to every active owner of an organisation.
pub(crate) async fn mails_to_owners(
    state: &ApiState,
    organisation_id: &str,
    compose: impl Fn(&str, Lang) -> Result<NewMail, ApiError>,
) -> Result<Vec<NewMail>, ApiError> {
    let store = state.store.clone();
    let id = organisation_id.to_owned();
    let owners = db(move || {
        let members = store.members(&id)?;
        let mut owners = Vec::new();
        for m in members {
            if m.role == OrganisationRole::Owner && m.status == MembershipStatus::Active {
                let lang = store.user_by_id(&m.user_id)?.map_or(Lang::Fi, |u| u.lang);
                owners.push((m.email, lang));
            }
        }
        Ok(owners)
    })
    .await?;
    owners
        .iter()
        .map(|(email, lang)| compose(email, *lang))
        .collect()
}

/// Register an organisation.
///
/// The organisation waits for a moderator's approval; the caller becomes its first owner.
#[utoipa::path(
    tag = "organisations",
    request_body = OrganisationInput,
    responses(
        (status = 201, description = "Registered, pending review", body = OrganisationView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/api/v1/organisations")]
pub(crate) async fn register_organisation(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let input: OrganisationInput = body.parse()?;
    let org = register_organisation_as(&state, &caller, input).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/organisations/{}", org.id)))
        .json(OrganisationView::new(org, lang)))
}

/// Registers an organisation with `caller` as its first owner; it waits for a moderator. The
/// JSON API and the web pages both call it.
pub async fn register_organisation_as(
    state: &ApiState,
    caller: &AuthUser,
    input: OrganisationInput,
) -> Result<Organisation, ApiError> {
    validate(&input, state)?;
    let store = state.store.clone();
    let user_id = caller.user.id.clone();
    let org = db(move || store.register_organisation(&input, &user_id, Utc::now())).await?;
    tracing::info!(organisation_id = %org.id, "organisation registered");
    Ok(org)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct OrganisationQuery {
    /// Organisation type (a key of `organisation_types`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    org_type: Option<String>,
    /// Home municipality code.
    municipality: Option<String>,
    /// Language of resolved names (fi, sv, en).
    #[allow(
        dead_code,
        reason = "read through RequestLang; declared for validation and docs"
    )]
    lang: Option<Lang>,
    /// From `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, at most 200 (default 50).
    limit: Option<i64>,
}

/// List approved organisations.
#[utoipa::path(
    tag = "organisations",
    params(OrganisationQuery),
    responses(
        (status = 200, description = "A page of organisations", body = OrganisationPage),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/organisations")]
pub(crate) async fn list_organisations(
    state: web::Data<ApiState>,
    RequestLang(lang): RequestLang,
    query: web::Query<OrganisationQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = page_limit(query.limit, lang)?;
    let filter = OrganisationFilter {
        status: Some(OrganisationStatus::Approved),
        org_type: query.org_type.into_iter().collect(),
        municipality: query.municipality.into_iter().collect(),
        after: query.cursor,
        limit: limit + 1,
    };
    let store = state.store.clone();
    let mut found = db(move || store.organisations(&filter)).await?;
    let next_cursor = (found.len() as i64 > limit).then(|| {
        found.truncate(limit as usize);
        found.last().map(|o| o.id.clone()).unwrap_or_default()
    });
    Ok(HttpResponse::Ok().json(OrganisationPage {
        items: found
            .into_iter()
            .map(|o| OrganisationView::new(o, lang))
            .collect(),
        next_cursor,
    }))
}

/// Checks a `limit` parameter.
pub(crate) fn page_limit(limit: Option<i64>, lang: Lang) -> Result<i64, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::InvalidParameters {
            lang,
            problems: vec![crate::ParameterProblem {
                parameter: "limit".into(),
                code: "out_of_range",
                message: format!("1..={MAX_LIMIT}"),
            }],
        }),
    }
}

/// One organisation.
///
/// Approved organisations are public; pending and rejected ones are visible to their members
/// and moderators only (404 to everybody else).
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id"), ("lang" = Option<Lang>, Query, description = "Language of the resolved name")),
    responses(
        (status = 200, description = "The organisation", body = OrganisationView),
        (status = 401, description = "Invalid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or not visible)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/organisations/{id}")]
pub(crate) async fn get_organisation(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let org = visible_organisation(&state, caller.0.as_ref(), path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(OrganisationView::new(org, lang)))
}

/// Merges an RFC 7396 JSON merge patch into `target`.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(changes) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(serde_json::Map::new());
    }
    if let serde_json::Value::Object(fields) = target {
        for (key, value) in changes {
            if value.is_null() {
                fields.remove(key);
            } else {
                merge_patch(
                    fields.entry(key.clone()).or_insert(serde_json::Value::Null),
                    value,
                );
            }
        }
    }
}

/// Change an organisation's details (owners, moderators).
///
/// The body is a JSON merge patch (RFC 7396) of the registration fields.
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id")),
    request_body(content = OrganisationInput, description = "JSON merge patch of the fields", content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = OrganisationView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner or moderator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[patch("/api/v1/organisations/{id}")]
pub(crate) async fn update_organisation(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let org = visible_organisation(&state, Some(&caller), path.into_inner()).await?;
    authorize(Some(&caller), Action::EditOrganisation, Some(&org.id))?;
    let mut merged =
        serde_json::to_value(&org.input).map_err(|e| ApiError::Internal(e.to_string()))?;
    merge_patch(&mut merged, &body.0);
    let input: OrganisationInput = JsonBody(merged).parse()?;
    validate(&input, &state)?;
    let store = state.store.clone();
    let updated =
        db(move || store.update_organisation(&org.id, &input, &caller.user.id, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(OrganisationView::new(updated, lang)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReasonRequest {
    /// Shown to the organisation.
    pub(crate) reason: Option<String>,
}

/// Reads an optional or required reason from an action body.
pub(crate) fn reason(body: &JsonBody, required: bool) -> Result<Option<String>, ApiError> {
    let input: ReasonRequest = body.parse()?;
    let reason = input
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let problem = match &reason {
        None if required => Some(kynnys_domain::ProblemCode::Required),
        Some(r) if r.chars().count() > MAX_REASON_CHARS => {
            Some(kynnys_domain::ProblemCode::TooLong)
        }
        _ => None,
    };
    match problem {
        Some(code) => Err(ApiError::Validation(vec![kynnys_domain::FieldProblem {
            path: "reason".into(),
            code,
            detail: None,
        }])),
        None => Ok(reason),
    }
}

/// Approves or rejects (with a reason) an organisation as `caller` (a moderator) and mails the
/// decision to its owners. The JSON API and the web pages both call it.
pub async fn decide_organisation_as(
    state: &ApiState,
    caller: &AuthUser,
    id: String,
    status: OrganisationStatus,
    reason: Option<String>,
) -> Result<Organisation, ApiError> {
    authorize(Some(caller), Action::Moderate, None)?;
    let store = state.store.clone();
    let org = db(move || store.organisation(&id))
        .await?
        .ok_or(ApiError::NotFound)?;
    let approved = status == OrganisationStatus::Approved;
    let mails = mails_to_owners(state, &org.id, |email, mail_lang| {
        Mail::OrganisationDecision {
            organisation: &name_in(&org, mail_lang),
            approved,
            reason: reason.as_deref(),
        }
        .to(
            email,
            mail_lang,
            format!(
                "organisation_{status}:{}:{}",
                org.id,
                org.updated_at.timestamp_micros()
            ),
        )
    })
    .await?;
    let store = state.store.clone();
    let actor = caller.user.id.clone();
    db(move || {
        store.set_organisation_status(
            &org.id,
            status,
            reason.as_deref(),
            &actor,
            &mails,
            Utc::now(),
        )
    })
    .await
}

/// Approve an organisation (moderators).
#[utoipa::path(
    tag = "moderation",
    params(("id" = String, Path, description = "Organisation id")),
    request_body(content = Option<ReasonRequest>, description = "Optional, may be empty"),
    responses(
        (status = 200, description = "Approved", body = OrganisationView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a moderator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/api/v1/organisations/{id}/approve")]
pub(crate) async fn approve_organisation(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    authorize(caller.0.as_ref(), Action::Moderate, None)?;
    // An approval takes no reason, but a body with unknown fields is still an error.
    reason(&body, false)?;
    let caller = caller.required()?;
    let updated = decide_organisation_as(
        &state,
        &caller,
        path.into_inner(),
        OrganisationStatus::Approved,
        None,
    )
    .await?;
    Ok(HttpResponse::Ok().json(OrganisationView::new(updated, lang)))
}

/// Reject an organisation with a reason (moderators).
#[utoipa::path(
    tag = "moderation",
    params(("id" = String, Path, description = "Organisation id")),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "Rejected", body = OrganisationView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a moderator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/api/v1/organisations/{id}/reject")]
pub(crate) async fn reject_organisation(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    authorize(caller.0.as_ref(), Action::Moderate, None)?;
    let reason = reason(&body, true)?;
    let caller = caller.required()?;
    let updated = decide_organisation_as(
        &state,
        &caller,
        path.into_inner(),
        OrganisationStatus::Rejected,
        reason,
    )
    .await?;
    Ok(HttpResponse::Ok().json(OrganisationView::new(updated, lang)))
}

/// Members of an organisation (members, moderators).
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "Members, including requests to join", body = MemberList),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/api/v1/organisations/{id}/members")]
pub(crate) async fn list_members(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let members = members_as(&state, &caller.required()?, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(MemberList {
        items: members.into_iter().map(Into::into).collect(),
    }))
}

/// The members of an organisation, requests to join included, as `caller` (a member or a
/// moderator). The JSON API and the web pages both call it.
pub async fn members_as(
    state: &ApiState,
    caller: &AuthUser,
    organisation_id: String,
) -> Result<Vec<Member>, ApiError> {
    let org = visible_organisation(state, Some(caller), organisation_id).await?;
    authorize(Some(caller), Action::ReadMembers, Some(&org.id))?;
    let store = state.store.clone();
    db(move || store.members(&org.id)).await
}

/// Ask to join an organisation as an editor.
///
/// The owners get a mail; an owner or a moderator approves the request.
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id")),
    responses(
        (status = 202, description = "Requested", body = MembershipView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member or already asked", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/api/v1/organisations/{id}/join")]
pub(crate) async fn join(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let org = visible_organisation(&state, Some(&caller), path.into_inner()).await?;
    let requester = caller
        .user
        .display_name
        .clone()
        .unwrap_or_else(|| caller.user.email.clone());
    let mails = mails_to_owners(&state, &org.id, |email, lang| {
        Mail::MembershipRequest {
            organisation: &name_in(&org, lang),
            requester: &requester,
            link: &link(&state, lang, &format!("organisation/{}/members", org.id)),
        }
        .to(
            email,
            lang,
            format!("membership_request:{}:{}:{email}", org.id, caller.user.id),
        )
    })
    .await?;
    let store = state.store.clone();
    let membership =
        db(move || store.request_membership(&org.id, &caller.user.id, &mails, Utc::now())).await?;
    Ok(HttpResponse::Accepted().json(MembershipView::from(membership)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemberRoleRequest {
    role: OrganisationRole,
}

/// Approve a request to join, or change a member's role.
///
/// Approving a request: owners and moderators. Changing the role of an active member: owners
/// (and admins). The last owner cannot be demoted.
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id"), ("user_id" = String, Path, description = "Member's user id")),
    request_body = MemberRoleRequest,
    responses(
        (status = 200, description = "Active member with the role", body = MembershipView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would leave no owner", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown role", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[put("/api/v1/organisations/{id}/members/{user_id}")]
pub(crate) async fn put_member(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let (id, user_id) = path.into_inner();
    let input: MemberRoleRequest = body.parse()?;
    let membership = put_member_as(&state, &caller, id, user_id, input.role).await?;
    Ok(HttpResponse::Ok().json(MembershipView::from(membership)))
}

/// Approves a request to join or changes an active member's role, as `caller`. The JSON API and
/// the web pages both call it.
pub async fn put_member_as(
    state: &ApiState,
    caller: &AuthUser,
    organisation_id: String,
    user_id: String,
    role: OrganisationRole,
) -> Result<Membership, ApiError> {
    let org = visible_organisation(state, Some(caller), organisation_id).await?;
    let store = state.store.clone();
    let (org_id, member_id) = (org.id.clone(), user_id.clone());
    let existing = db(move || store.membership(&org_id, &member_id))
        .await?
        .ok_or(ApiError::NotFound)?;
    let (action, audit) = match existing.status {
        // Approving a request as an owner, or one's own request, hands out the organisation:
        // that is managing members (else a moderator could make themselves an owner).
        MembershipStatus::Requested
            if role == OrganisationRole::Owner || user_id == caller.user.id =>
        {
            (Action::ManageMembers, "membership.approve")
        }
        MembershipStatus::Requested => (Action::ApproveMembership, "membership.approve"),
        MembershipStatus::Active => (Action::ManageMembers, "membership.role"),
    };
    authorize(Some(caller), action, Some(&org.id))?;
    let store = state.store.clone();
    let actor = caller.user.id.clone();
    db(move || store.put_membership(&org.id, &user_id, role, &actor, audit, Utc::now())).await
}

/// Remove a member, decline a request to join, or leave.
///
/// Owners (and admins) remove anyone; anybody may remove themselves. The last owner cannot go.
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id"), ("user_id" = String, Path, description = "Member's user id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would leave no owner", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[delete("/api/v1/organisations/{id}/members/{user_id}")]
pub(crate) async fn remove_member(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let (id, user_id) = path.into_inner();
    remove_member_as(&state, &caller, id, user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a member, declines a request to join, or leaves, as `caller`. The JSON API and the
/// web pages both call it.
pub async fn remove_member_as(
    state: &ApiState,
    caller: &AuthUser,
    organisation_id: String,
    user_id: String,
) -> Result<(), ApiError> {
    let org = visible_organisation(state, Some(caller), organisation_id).await?;
    let store = state.store.clone();
    let (org_id, member_id) = (org.id.clone(), user_id.clone());
    let existing = db(move || store.membership(&org_id, &member_id)).await?;
    if user_id != caller.user.id {
        let action = match existing.map(|m| m.status) {
            Some(MembershipStatus::Requested) => Action::ApproveMembership,
            _ => Action::ManageMembers,
        };
        authorize(Some(caller), action, Some(&org.id))?;
    }
    let store = state.store.clone();
    let actor = caller.user.id.clone();
    db(move || store.remove_membership(&org.id, &user_id, &actor, Utc::now())).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InvitationRequest {
    email: String,
    role: OrganisationRole,
    /// Language of the invitation mail (default: the request's).
    lang: Option<Lang>,
}

/// Invite a person by e-mail (owners).
///
/// The mail carries a single-use link valid for 14 days; accepting it needs an account with
/// that address.
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id")),
    request_body = InvitationRequest,
    responses(
        (status = 202, description = "Invitation sent", body = Ack),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/api/v1/organisations/{id}/invitations")]
pub(crate) async fn invite(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(request_lang): RequestLang,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: InvitationRequest = body.parse()?;
    let lang = input.lang.unwrap_or(request_lang);
    invite_as(
        &state,
        &caller.required()?,
        path.into_inner(),
        &input.email,
        input.role,
        lang,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(Ack { status: "invited" }))
}

/// Invites `email` to the organisation with `role` (owners and admins): a single-use link valid
/// for 14 days is mailed in `lang`. The JSON API and the web pages both call it.
pub async fn invite_as(
    state: &ApiState,
    caller: &AuthUser,
    organisation_id: String,
    email: &str,
    role: OrganisationRole,
    lang: Lang,
) -> Result<(), ApiError> {
    let org = visible_organisation(state, Some(caller), organisation_id).await?;
    authorize(Some(caller), Action::ManageMembers, Some(&org.id))?;
    let email = email.trim().to_lowercase();
    check_email("email", &email).map_err(|p| ApiError::Validation(vec![p]))?;
    let (secret, hash, expires_at) = email_token(INVITATION_HOURS)?;
    let mail = Mail::Invitation {
        organisation: &name_in(&org, lang),
        link: &link(state, lang, &format!("invitations/accept?token={secret}")),
    }
    .to(&email, lang, format!("invitation:{hash}"))?;
    let store = state.store.clone();
    let actor = caller.user.id.clone();
    db(move || {
        store.issue_email_token(
            &NewEmailToken {
                hash: &hash,
                purpose: TokenPurpose::Invitation,
                email: &email,
                user_id: None,
                organisation_id: Some(&org.id),
                role: Some(role),
                created_by: Some(&actor),
                expires_at,
            },
            &mail,
            Utc::now(),
        )
    })
    .await?;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AcceptInvitation {
    token: String,
}

/// Accept an invitation.
///
/// The signed-in account must have the invited address.
#[utoipa::path(
    tag = "organisations",
    request_body = AcceptInvitation,
    responses(
        (status = 200, description = "Now a member", body = MembershipView),
        (status = 400, description = "Malformed JSON, or the token is invalid, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The invitation is for another address", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/api/v1/invitations/accept")]
pub(crate) async fn accept_invitation(
    state: web::Data<ApiState>,
    caller: Caller,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let input: AcceptInvitation = body.parse()?;
    let membership = accept_invitation_as(&state, &caller, &input.token).await?;
    Ok(HttpResponse::Ok().json(MembershipView::from(membership)))
}

/// Accepts the invitation of `token` as `caller`, who must have the invited address; another
/// account's attempt leaves the invitation unused. The JSON API and the web pages both call it.
pub async fn accept_invitation_as(
    state: &ApiState,
    caller: &AuthUser,
    token: &str,
) -> Result<Membership, ApiError> {
    let store = state.store.clone();
    let hash = crate::auth::secret_hash(token);
    let caller = caller.clone();
    db(move || {
        let now = Utc::now();
        // Check the address before using the token up: somebody else's attempt must leave the
        // invitation working for the invited person.
        match store.email_token_address(&hash, TokenPurpose::Invitation, now)? {
            None => return Ok(Err(ApiError::InvalidToken)),
            Some(invited) if invited != caller.user.email => return Ok(Err(ApiError::Forbidden)),
            Some(_) => {}
        }
        let Some(token) = store.consume_email_token(&hash, TokenPurpose::Invitation, now)? else {
            return Ok(Err(ApiError::InvalidToken));
        };
        if token.email != caller.user.email {
            return Ok(Err(ApiError::Forbidden));
        }
        let (Some(org), Some(role)) = (token.organisation_id, token.role) else {
            return Ok(Err(ApiError::InvalidToken));
        };
        let actor = token.created_by.unwrap_or_else(|| caller.user.id.clone());
        store
            .put_membership(
                &org,
                &caller.user.id,
                role,
                &actor,
                "membership.invitation",
                now,
            )
            .map(Ok)
    })
    .await?
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// At most this many entries, newest first (default 50, at most 200).
    limit: Option<i64>,
    /// Language of messages.
    #[allow(
        dead_code,
        reason = "read through RequestLang; declared for validation and docs"
    )]
    lang: Option<Lang>,
}

/// The audit log of an organisation and its listings (members, moderators).
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id"), AuditQuery),
    responses(
        (status = 200, description = "Newest first", body = AuditList),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/api/v1/organisations/{id}/audit")]
pub(crate) async fn organisation_audit(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    path: web::Path<String>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let org = visible_organisation(&state, Some(&caller), path.into_inner()).await?;
    authorize(Some(&caller), Action::ReadAudit, Some(&org.id))?;
    let limit = page_limit(query.limit, lang)?;
    let store = state.store.clone();
    let entries = db(move || store.audit_entries(AuditScope::Organisation(&org.id), limit)).await?;
    Ok(HttpResponse::Ok().json(AuditList {
        items: entries.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct OwnListingsQuery {
    /// Only listings in this status.
    status: Option<ListingStatus>,
    /// Language of resolved texts.
    #[allow(
        dead_code,
        reason = "read through RequestLang; declared for validation and docs"
    )]
    lang: Option<Lang>,
    /// From `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<i64>,
}

/// All listings of an organisation, in every status but deleted (members, moderators).
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "Organisation id"), OwnListingsQuery),
    responses(
        (status = 200, description = "A page of listings", body = ListingPage),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/api/v1/organisations/{id}/listings")]
pub(crate) async fn organisation_listings(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    path: web::Path<String>,
    query: web::Query<OwnListingsQuery>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let org = visible_organisation(&state, Some(&caller), path.into_inner()).await?;
    authorize(Some(&caller), Action::ReadPrivate, Some(&org.id))?;
    let query = query.into_inner();
    let limit = page_limit(query.limit, lang)?;
    let statuses = match query.status {
        Some(s) => vec![s],
        None => ListingStatus::ALL
            .into_iter()
            .filter(|s| *s != ListingStatus::Deleted)
            .collect(),
    };
    let filter = ListingFilter {
        statuses,
        organisations: vec![org.id],
        after_seq: crate::listings::parse_cursor(query.cursor.as_deref(), lang)?,
        limit: limit + 1,
        ..ListingFilter::default()
    };
    let page = crate::listings::listing_page(&state, filter, limit, lang).await?;
    Ok(HttpResponse::Ok().json(page))
}
