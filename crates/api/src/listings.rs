//! Listings: create, read, replace, patch and delete; lifecycle actions; the public list, the
//! audit log and the moderation queue.

use crate::auth::{AuthUser, Caller};
use crate::body::JsonBody;
use crate::lang::RequestLang;
use crate::mails::{Mail, ToOutbox};
use crate::organisations::{merge_patch, page_limit, reason, visible_organisation};
use crate::policy::{Action, allowed, authorize};
use crate::problem::Problem;
use crate::views::{
    AuditList, ListingInputDoc, ListingPage, ListingView, OrganisationView, listing_json,
};
use crate::{ApiError, ApiState, ParameterProblem, db};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use kynnys_domain::{
    FieldProblem, Kind, Lang, ListingAction, ListingRecord, ListingStatus, OrganisationRecord,
    OrganisationStatus, ProblemCode,
};
use kynnys_store::{AuditScope, ListingFilter, Organisation, OrganisationFilter, StoredListing};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

const QUEUE_LIMIT: i64 = 200;

pub(crate) fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_listing)
        .service(list_listings)
        .service(get_listing)
        .service(replace_listing)
        .service(patch_listing)
        .service(delete_listing)
        .service(submit)
        .service(approve)
        .service(reject)
        .service(archive)
        .service(confirm)
        .service(listing_audit)
        .service(moderation_queue);
}

fn field_problem(path: &str, code: ProblemCode, detail: Option<String>) -> ApiError {
    ApiError::Validation(vec![FieldProblem {
        path: path.into(),
        code,
        detail,
    }])
}

fn organisation_record(org: &Organisation) -> OrganisationRecord {
    OrganisationRecord {
        external_id: org.external_id.clone(),
        name: org.input.name.clone(),
        org_type: org.input.org_type.clone(),
        business_id: org.input.business_id.clone(),
        website: org.input.website.clone(),
        email: org.input.email.clone(),
    }
}

/// Turns an API body into a listing of `org`: the organisation comes from the directory,
/// `external_id` defaults to `default_external_id`. Every structural and content problem is
/// reported at once.
fn record_from_body(
    mut body: Value,
    org: &Organisation,
    default_external_id: String,
    state: &ApiState,
) -> Result<ListingRecord, ApiError> {
    let Some(fields) = body.as_object_mut() else {
        return Err(field_problem(
            "$",
            ProblemCode::InvalidFormat,
            Some("a listing is a JSON object".into()),
        ));
    };
    if fields.contains_key("organisation") {
        return Err(field_problem(
            "organisation",
            ProblemCode::UnknownField,
            Some("give organisation_id instead".into()),
        ));
    }
    match fields.remove("organisation_id") {
        None => {}
        Some(Value::String(id)) if id == org.id => {}
        Some(_) => {
            return Err(field_problem(
                "organisation_id",
                ProblemCode::InvalidFormat,
                Some("a listing cannot move to another organisation".into()),
            ));
        }
    }
    fields
        .entry("external_id")
        .or_insert(Value::String(default_external_id));
    fields.insert("organisation".into(), json!(organisation_record(org)));
    let record = ListingRecord::from_json_value(&body).map_err(ApiError::Validation)?;
    record
        .validate(&state.vocabularies)
        .map_err(ApiError::Validation)?;
    Ok(record)
}

/// A listing the caller may see: published ones are public; others only to the organisation's
/// members and moderators (404 to everybody else); deleted ones are 410 for all.
pub async fn visible_listing(
    state: &ApiState,
    caller: Option<&AuthUser>,
    id: String,
) -> Result<StoredListing, ApiError> {
    let store = state.store.clone();
    let listing = db(move || store.listing(&id))
        .await?
        .ok_or(ApiError::NotFound)?;
    if listing.status == ListingStatus::Deleted {
        return Err(ApiError::Gone);
    }
    let public = listing.status == ListingStatus::Published;
    if public
        || caller.is_some_and(|c| allowed(c, Action::ReadPrivate, Some(&listing.organisation_id)))
    {
        Ok(listing)
    } else {
        Err(ApiError::NotFound)
    }
}

fn listing_response(
    status: actix_web::http::StatusCode,
    listing: &StoredListing,
    lang: Lang,
) -> HttpResponse {
    HttpResponse::build(status).json(listing_json(listing, lang, Utc::now()))
}

/// Creates a draft listing of the organisation named by the body's `organisation_id`, as
/// `caller` (who must be its owner or editor). The JSON API and the web pages both call it.
pub async fn create_listing_as(
    state: &ApiState,
    caller: AuthUser,
    body: Value,
) -> Result<StoredListing, ApiError> {
    let organisation_id = match body.get("organisation_id") {
        Some(Value::String(id)) => id.clone(),
        Some(_) => {
            return Err(field_problem(
                "organisation_id",
                ProblemCode::InvalidFormat,
                None,
            ));
        }
        None if body.is_object() => {
            return Err(field_problem(
                "organisation_id",
                ProblemCode::Required,
                None,
            ));
        }
        None => return Err(field_problem("$", ProblemCode::InvalidFormat, None)),
    };
    let org = visible_organisation(state, Some(&caller), organisation_id)
        .await
        .map_err(|e| match e {
            ApiError::NotFound => field_problem("organisation_id", ProblemCode::UnknownValue, None),
            other => other,
        })?;
    authorize(Some(&caller), Action::EditListing, Some(&org.id))?;
    let record = record_from_body(
        body,
        &org,
        format!("kynnys:{}", uuid::Uuid::now_v7()),
        state,
    )?;
    let store = state.store.clone();
    db(move || store.create_listing(record, &org.id, &caller.user.id, Utc::now())).await
}

/// Create a listing.
///
/// The listing starts as a `draft` of the organisation given by `organisation_id` (the caller
/// must be its owner or editor). Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "listings",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first response")),
    request_body = ListingInputDoc,
    responses(
        (status = 201, description = "Created as a draft", body = ListingView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "external_id taken, or the Idempotency-Key is in use", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/api/v1/listings")]
pub(crate) async fn create_listing(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let created = create_listing_as(&state, caller, body.0).await?;
    tracing::info!(listing_id = %created.id, "listing created");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/listings/{}", created.id)))
        .json(listing_json(&created, lang, Utc::now())))
}

/// One listing.
///
/// Published listings are public; others are visible to their organisation and moderators.
/// Texts come in every language they have, and `resolved` holds them in the requested language
/// (or the fallback actually used).
#[utoipa::path(
    tag = "listings",
    params(("id" = String, Path, description = "Listing id"), ("lang" = Option<Lang>, Query, description = "Language of `resolved` (else Accept-Language, else fi)")),
    responses(
        (status = 200, description = "The listing", body = ListingView),
        (status = 401, description = "Invalid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such listing (or not visible)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/listings/{id}")]
pub(crate) async fn get_listing(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let listing = visible_listing(&state, caller.0.as_ref(), path.into_inner()).await?;
    Ok(listing_response(
        actix_web::http::StatusCode::OK,
        &listing,
        lang,
    ))
}

async fn write_content(
    state: &ApiState,
    caller: AuthUser,
    listing: StoredListing,
    body: Value,
) -> Result<StoredListing, ApiError> {
    authorize(
        Some(&caller),
        Action::EditListing,
        Some(&listing.organisation_id),
    )?;
    let org_id = listing.organisation_id.clone();
    let store = state.store.clone();
    let org = db(move || store.organisation(&org_id))
        .await?
        .ok_or(ApiError::NotFound)?;
    let record = record_from_body(body, &org, listing.record.external_id.clone(), state)?;
    let store = state.store.clone();
    db(move || store.update_listing(&listing.id, record, &caller.user.id, Utc::now())).await
}

/// Applies a JSON merge patch (RFC 7396) to a listing's content as `caller`; the result is
/// validated as a whole. The JSON API and the web editor both call it.
pub async fn patch_listing_as(
    state: &ApiState,
    caller: AuthUser,
    id: String,
    patch: &Value,
) -> Result<StoredListing, ApiError> {
    let listing = visible_listing(state, Some(&caller), id).await?;
    if !patch.is_object() {
        return Err(field_problem("$", ProblemCode::InvalidFormat, None));
    }
    let mut current = json!(listing.record);
    if let Some(fields) = current.as_object_mut() {
        fields.remove("organisation");
    }
    merge_patch(&mut current, patch);
    write_content(state, caller, listing, current).await
}

/// Replace a listing's content.
///
/// The body has every field (as on create). The status stays: an edit of a published listing
/// goes live at once and is recorded in the audit log.
#[utoipa::path(
    tag = "listings",
    params(("id" = String, Path, description = "Listing id")),
    request_body = ListingInputDoc,
    responses(
        (status = 200, description = "Replaced", body = ListingView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such listing (or not visible)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "external_id taken", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Deleted", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[put("/api/v1/listings/{id}")]
pub(crate) async fn replace_listing(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let listing = visible_listing(&state, Some(&caller), path.into_inner()).await?;
    let updated = write_content(&state, caller, listing, body.0).await?;
    Ok(listing_response(
        actix_web::http::StatusCode::OK,
        &updated,
        lang,
    ))
}

/// Change some fields of a listing.
///
/// The body is a JSON merge patch (RFC 7396): given fields replace the stored ones, `null`
/// removes an optional field. The result is validated as a whole.
#[utoipa::path(
    tag = "listings",
    params(("id" = String, Path, description = "Listing id")),
    request_body(content = Object, description = "JSON merge patch of the listing's fields", content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = ListingView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such listing (or not visible)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Deleted", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[patch("/api/v1/listings/{id}")]
pub(crate) async fn patch_listing(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let updated = patch_listing_as(&state, caller, path.into_inner(), &body.0).await?;
    Ok(listing_response(
        actix_web::http::StatusCode::OK,
        &updated,
        lang,
    ))
}

/// Delete a listing.
///
/// The listing answers `410 Gone` afterwards; followers of the change feed see a deletion.
#[utoipa::path(
    tag = "listings",
    params(("id" = String, Path, description = "Listing id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such listing (or not visible)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Already deleted", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[delete("/api/v1/listings/{id}")]
pub(crate) async fn delete_listing(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let listing = visible_listing(&state, Some(&caller), path.into_inner()).await?;
    authorize(
        Some(&caller),
        Action::RetireListing,
        Some(&listing.organisation_id),
    )?;
    let store = state.store.clone();
    db(move || {
        store.transition_listing(
            &listing.id,
            ListingAction::Delete,
            None,
            Some(&caller.user.id),
            &[],
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who may take a lifecycle action.
fn action_policy(action: ListingAction) -> Action {
    match action {
        ListingAction::Approve | ListingAction::Reject => Action::Moderate,
        ListingAction::Archive | ListingAction::Delete => Action::RetireListing,
        _ => Action::EditListing,
    }
}

/// Runs a lifecycle action on a listing as `caller` after the policy allowed it; approvals and
/// rejections mail the organisation's owners. The JSON API and the web pages both call it.
pub async fn listing_action_as(
    state: &ApiState,
    caller: AuthUser,
    id: String,
    action: ListingAction,
    reason: Option<String>,
) -> Result<StoredListing, ApiError> {
    let listing = visible_listing(state, Some(&caller), id).await?;
    authorize(
        Some(&caller),
        action_policy(action),
        Some(&listing.organisation_id),
    )?;
    let mut mails = Vec::new();
    if matches!(action, ListingAction::Approve | ListingAction::Reject) {
        let org_id = listing.organisation_id.clone();
        let store = state.store.clone();
        let org = db(move || store.organisation(&org_id))
            .await?
            .ok_or(ApiError::NotFound)?;
        if action == ListingAction::Approve && org.status != OrganisationStatus::Approved {
            return Err(ApiError::Conflict("organisation_not_approved"));
        }
        let approved = action == ListingAction::Approve;
        let stamp = Utc::now().timestamp_micros();
        mails = crate::organisations::mails_to_owners(state, &org.id, |email, mail_lang| {
            let title = listing
                .record
                .title
                .resolve(mail_lang)
                .map(|r| r.text.to_owned())
                .unwrap_or_default();
            Mail::ListingDecision {
                title: &title,
                approved,
                reason: reason.as_deref(),
                link: &crate::accounts::link(state, mail_lang, &format!("listings/{}", listing.id)),
            }
            .to(
                email,
                mail_lang,
                format!("listing_{action}:{}:{stamp}", listing.id),
            )
        })
        .await?;
    }
    let store = state.store.clone();
    let updated = db(move || {
        store.transition_listing(
            &listing.id,
            action,
            reason.as_deref(),
            Some(&caller.user.id),
            &mails,
            Utc::now(),
        )
    })
    .await?;
    tracing::info!(listing_id = %updated.id, action = %action, status = %updated.status, "listing action");
    Ok(updated)
}

macro_rules! action_endpoint {
    ($name:ident, $path:literal, $action:expr, $reason_required:expr, $summary:literal, $description:literal, $who:literal) => {
        #[doc = $summary]
        #[doc = ""]
        #[doc = $description]
        #[utoipa::path(
            tag = "listings",
            params(("id" = String, Path, description = "Listing id")),
            request_body(content = Option<crate::organisations::ReasonRequest>, description = "Optional; `reason` is required when rejecting"),
            responses(
                (status = 200, description = "Done; the listing as it is now", body = ListingView),
                (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = $who, body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such listing (or not visible)", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Not possible in the listing's status", body = Problem, content_type = "application/problem+json"),
                (status = 410, description = "Deleted", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []), ("session" = []))
        )]
        #[post($path)]
        pub(crate) async fn $name(
            state: web::Data<ApiState>,
            caller: Caller,
            RequestLang(lang): RequestLang,
            path: web::Path<String>,
            body: JsonBody,
        ) -> Result<HttpResponse, ApiError> {
            // Who asks comes before what the body says.
            let caller = caller.required()?;
            let reason = reason(&body, $reason_required)?;
            let updated = listing_action_as(&state, caller, path.into_inner(), $action, reason).await?;
            Ok(listing_response(actix_web::http::StatusCode::OK, &updated, lang))
        }
    };
}

action_endpoint!(
    submit,
    "/api/v1/listings/{id}/submit",
    ListingAction::Submit,
    false,
    "Submit a listing for review.",
    "From `draft`, `rejected`, `archived` or `expired` to `pending_review`.",
    "Not a member of the organisation"
);
action_endpoint!(
    approve,
    "/api/v1/listings/{id}/approve",
    ListingAction::Approve,
    false,
    "Approve and publish a listing (moderators).",
    "From `pending_review` to `published`; the organisation must be approved. Mails the owners.",
    "Not a moderator"
);
action_endpoint!(
    reject,
    "/api/v1/listings/{id}/reject",
    ListingAction::Reject,
    true,
    "Reject or unpublish a listing, with a reason (moderators).",
    "From `pending_review` or `published` to `rejected`; the reason is shown to the organisation.",
    "Not a moderator"
);
action_endpoint!(
    archive,
    "/api/v1/listings/{id}/archive",
    ListingAction::Archive,
    false,
    "Archive a listing.",
    "Takes the listing out of use; it can be submitted again later.",
    "Not a member of the organisation"
);
action_endpoint!(
    confirm,
    "/api/v1/listings/{id}/confirm",
    ListingAction::Confirm,
    false,
    "Confirm that a listing is still running.",
    "Updates `last_confirmed_at`; the status stays.",
    "Not a member of the organisation"
);

/// Reads the `cursor` of a listing page (a change sequence number).
pub(crate) fn parse_cursor(cursor: Option<&str>, lang: Lang) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| {
            c.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::InvalidParameters {
                    lang,
                    problems: vec![ParameterProblem {
                        parameter: "cursor".into(),
                        code: "invalid_value",
                        message: "not a cursor of this list".into(),
                    }],
                })
        })
        .transpose()
}

/// Loads a page (`filter.limit` is one more than the page size, to know whether more follow).
pub(crate) async fn listing_page(
    state: &ApiState,
    filter: ListingFilter,
    limit: i64,
    lang: Lang,
) -> Result<ListingPage, ApiError> {
    let store = state.store.clone();
    let mut found = db(move || store.listings(&filter)).await?;
    let more = found.len() as i64 > limit;
    found.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = more
        .then(|| found.last().map(|l| l.seq.to_string()))
        .flatten();
    let now = Utc::now();
    Ok(ListingPage {
        items: found.iter().map(|l| listing_json(l, lang, now)).collect(),
        next_cursor,
    })
}

const LIST_PARAMETERS: [&str; 9] = [
    "kind",
    "organisation",
    "municipality",
    "region",
    "theme",
    "updated_since",
    "cursor",
    "limit",
    "lang",
];

fn parse_since(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// List published listings.
///
/// Filters: repeat a parameter for several values (OR); different parameters AND. Ordered by
/// change, so `updated_since` plus `cursor` lets a site sync what changed.
#[utoipa::path(
    tag = "listings",
    params(
        ("kind" = Option<Vec<Kind>>, Query, description = "activity, event or training (repeatable)"),
        ("organisation" = Option<Vec<String>>, Query, description = "Organisation id (repeatable)"),
        ("municipality" = Option<Vec<String>>, Query, description = "Municipality code (repeatable)"),
        ("region" = Option<Vec<String>>, Query, description = "Region code (repeatable)"),
        ("theme" = Option<Vec<String>>, Query, description = "Theme key (repeatable)"),
        ("updated_since" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD: only listings changed since"),
        ("cursor" = Option<String>, Query, description = "From `next_cursor` of the previous page"),
        ("limit" = Option<i64>, Query, description = "Page size, 1 to 200 (default 50)"),
        ("lang" = Option<Lang>, Query, description = "Language of `resolved` texts"),
    ),
    responses(
        (status = 200, description = "A page of published listings", body = ListingPage),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/listings")]
pub(crate) async fn list_listings(
    req: HttpRequest,
    state: web::Data<ApiState>,
    RequestLang(lang): RequestLang,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Vec::new();
    let mut problem = |parameter: &str, code: &'static str, message: String| {
        problems.push(ParameterProblem {
            parameter: parameter.into(),
            code,
            message,
        });
    };
    let mut filter = ListingFilter {
        statuses: vec![ListingStatus::Published],
        ..ListingFilter::default()
    };
    let mut regions: Vec<String> = Vec::new();
    let (mut cursor, mut limit) = (None, None);
    let vocab = &state.vocabularies;
    let mut seen_single: Vec<String> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if matches!(name.as_ref(), "updated_since" | "cursor" | "limit" | "lang") {
            if seen_single.iter().any(|s| s == &name) {
                problem(&name, "repeated", "given more than once".into());
            }
            seen_single.push(name.to_string());
        }
        match name.as_ref() {
            "kind" => match value.parse::<Kind>() {
                Ok(kind) => filter.kinds.push(kind),
                Err(()) => problem("kind", "unknown_value", value.to_string()),
            },
            "organisation" => filter.organisations.push(value.to_string()),
            "municipality" if vocab.municipality(&value).is_some() => {
                filter.municipalities.push(value.to_string());
            }
            "region" if vocab.region(&value).is_some() => regions.push(value.to_string()),
            "theme" if vocab.themes.contains(&value) => filter.themes.push(value.to_string()),
            "municipality" | "region" | "theme" => {
                problem(&name, "unknown_value", value.to_string());
            }
            "updated_since" => match parse_since(&value) {
                Some(t) => filter.updated_since = Some(t),
                None => problem(
                    "updated_since",
                    "invalid_value",
                    "RFC 3339 or YYYY-MM-DD".into(),
                ),
            },
            "cursor" => cursor = Some(value.to_string()),
            "limit" => match value.parse::<i64>() {
                Ok(n) => limit = Some(n),
                Err(_) => problem("limit", "invalid_value", value.to_string()),
            },
            "lang" if value.parse::<Lang>().is_ok() => {}
            "lang" => problem("lang", "unknown_value", value.to_string()),
            other if !LIST_PARAMETERS.contains(&other) => {
                problem(other, "unknown_parameter", other.to_owned());
            }
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::InvalidParameters { lang, problems });
    }
    if !regions.is_empty() {
        let in_regions: Vec<String> = vocab
            .municipalities()
            .iter()
            .filter(|m| {
                vocab
                    .region_of(&m.code)
                    .is_some_and(|r| regions.iter().any(|x| x == r))
            })
            .map(|m| m.code.clone())
            .collect();
        filter.municipalities = if filter.municipalities.is_empty() {
            in_regions
        } else {
            filter
                .municipalities
                .into_iter()
                .filter(|m| in_regions.contains(m))
                .collect()
        };
        if filter.municipalities.is_empty() {
            filter.municipalities.push(String::new());
        }
    }
    let limit = page_limit(limit, lang)?;
    filter.after_seq = parse_cursor(cursor.as_deref(), lang)?;
    filter.limit = limit + 1;
    let page = listing_page(&state, filter, limit, lang).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The audit log of a listing (its organisation, moderators).
#[utoipa::path(
    tag = "listings",
    params(("id" = String, Path, description = "Listing id")),
    responses(
        (status = 200, description = "Newest first", body = AuditList),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such listing", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/api/v1/listings/{id}/audit")]
pub(crate) async fn listing_audit(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let id = path.into_inner();
    let store = state.store.clone();
    let lookup = id.clone();
    let listing = db(move || store.listing(&lookup))
        .await?
        .ok_or(ApiError::NotFound)?;
    if !allowed(&caller, Action::ReadAudit, Some(&listing.organisation_id)) {
        return Err(if listing.status == ListingStatus::Published {
            ApiError::Forbidden
        } else {
            ApiError::NotFound
        });
    }
    let store = state.store.clone();
    let entries = db(move || store.audit_entries(AuditScope::Listing(&id), QUEUE_LIMIT)).await?;
    Ok(HttpResponse::Ok().json(AuditList {
        items: entries.into_iter().map(Into::into).collect(),
    }))
}

/// What waits for a moderator.
#[derive(Debug, serde::Serialize, ToSchema)]
pub(crate) struct ModerationQueue {
    /// Listings in `pending_review`, oldest first.
    #[schema(value_type = Vec<ListingView>)]
    listings: Vec<Value>,
    /// Organisations waiting for approval, oldest first.
    organisations: Vec<OrganisationView>,
}

/// The moderation queue (moderators).
#[utoipa::path(
    tag = "moderation",
    params(("lang" = Option<Lang>, Query, description = "Language of resolved texts")),
    responses(
        (status = 200, description = "Listings and organisations waiting for review", body = ModerationQueue),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a moderator", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/api/v1/moderation/queue")]
pub(crate) async fn moderation_queue(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
) -> Result<HttpResponse, ApiError> {
    authorize(caller.0.as_ref(), Action::Moderate, None)?;
    let store = state.store.clone();
    let (listings, organisations) = db(move || {
        let listings = store.moderation_queue(QUEUE_LIMIT)?;
        let organisations = store.organisations(&OrganisationFilter {
            status: Some(OrganisationStatus::Pending),
            limit: QUEUE_LIMIT,
            ..OrganisationFilter::default()
        })?;
        Ok((listings, organisations))
    })
    .await?;
    let now = Utc::now();
    Ok(HttpResponse::Ok().json(ModerationQueue {
        listings: listings
            .iter()
            .map(|l| listing_json(l, lang, now))
            .collect(),
        organisations: organisations
            .into_iter()
            .map(|o| OrganisationView::new(o, lang))
            .collect(),
    }))
}
