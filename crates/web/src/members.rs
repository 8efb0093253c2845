//! An organisation's members: who is in it with which role, requests to join (approve or
//! decline), role changes and removal, and invitations by e-mail; and the page an invitation's
//! link opens. Every step goes through the same operations as the JSON API, so the same people
//! may do the same things.

use crate::error::{InLang, WebError};
use crate::form_page::{FormPage, form_answer, problem_lines, token_button_page};
use crate::format::{Text, date};
use crate::i18n::Tr;
use crate::page::{Chrome, Form, Visitor, blocking, html, html_with_status, query_param};
use crate::{path_lang, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use askama::Template;
use kynnys_api::{Action, ApiError, ApiState, AuthUser};
use kynnys_domain::{FieldProblem, Lang, MembershipStatus, OrganisationRole, ProblemCode};

pub(crate) struct MemberRow {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: OrganisationRole,
    pub role_label: String,
    pub requested: bool,
    pub since: String,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    chrome: Chrome,
    organisation_id: String,
    organisation: Text,
    members: Vec<MemberRow>,
    /// The caller manages members (owners, admins): roles, removal, invitations.
    manages: bool,
    /// The caller approves requests to join (owners, moderators).
    approves: bool,
    errors: Vec<String>,
    invite_email: String,
    roles: Vec<(&'static str, String)>,
}

const ROLES: [OrganisationRole; 2] = [OrganisationRole::Editor, OrganisationRole::Owner];

fn role_of(value: Option<&str>) -> Option<OrganisationRole> {
    ROLES.into_iter().find(|r| Some(r.as_str()) == value)
}

async fn members_page(
    req: &HttpRequest,
    state: &ApiState,
    lang: Lang,
    visitor: &Visitor,
    user: &AuthUser,
    organisation_id: String,
) -> Result<MembersPage, WebError> {
    let t = Tr(lang);
    let members = kynnys_api::members_as(state, user, organisation_id.clone())
        .await
        .in_lang(lang)?;
    let store = state.store.clone();
    let id = organisation_id.clone();
    let organisation = blocking(lang, move || store.organisation(&id))
        .await?
        .ok_or(ApiError::NotFound)
        .in_lang(lang)?;
    let rows = members
        .into_iter()
        .map(|m| MemberRow {
            name: m.display_name.clone().unwrap_or_else(|| m.email.clone()),
            role_label: t.t(&format!("role-{}", m.role)),
            requested: m.status == MembershipStatus::Requested,
            since: date(t, kynnys_domain::to_helsinki(m.since).date_naive()),
            is_self: m.user_id == user.user.id,
            user_id: m.user_id,
            email: m.email,
            role: m.role,
        })
        .collect();
    Ok(MembersPage {
        chrome: Chrome::new(req, lang, visitor, t.t("members-title")),
        organisation: Text::of(&organisation.input.name, lang).unwrap_or(Text {
            text: organisation.id.clone(),
            lang: lang.code(),
            fallback: false,
        }),
        manages: kynnys_api::allowed(user, Action::ManageMembers, Some(&organisation_id)),
        approves: kynnys_api::allowed(user, Action::ApproveMembership, Some(&organisation_id)),
        organisation_id,
        members: rows,
        errors: Vec::new(),
        invite_email: String::new(),
        roles: ROLES
            .iter()
            .map(|r| (r.as_str(), t.t(&format!("role-{r}"))))
            .collect(),
    })
}

/// `GET /{lang}/organisation/{id}/members`.
pub(crate) async fn members(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let (_, id) = path.into_inner();
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let user = visitor.signed_in(&req, lang)?;
    let page = members_page(&req, &state, lang, &visitor, user, id).await?;
    html(&page, lang)
}

/// `POST /{lang}/organisation/{id}/members/{user}`: `decision` approve (a request, as an
/// editor), role (with `role`) or remove.
pub(crate) async fn change_member(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let (_, id, member) = path.into_inner();
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let user = visitor.signed_in(&req, lang)?;
    let outcome = match form.get("decision") {
        Some("approve") => {
            kynnys_api::put_member_as(&state, user, id.clone(), member, OrganisationRole::Editor)
                .await
                .map(|_| "member-approved")
        }
        Some("role") => match role_of(form.get("role")) {
            Some(role) => kynnys_api::put_member_as(&state, user, id.clone(), member, role)
                .await
                .map(|_| "member-role"),
            None => Err(ApiError::NotFound),
        },
        Some("remove") => kynnys_api::remove_member_as(&state, user, id.clone(), member)
            .await
            .map(|()| "member-removed"),
        _ => Err(ApiError::NotFound),
    };
    match outcome {
        Ok(done) => Ok(see_other(&format!(
            "/{}/organisation/{id}/members?done={done}",
            lang.code()
        ))),
        Err(error @ ApiError::Conflict(_)) => {
            let mut page = members_page(&req, &state, lang, &visitor, user, id).await?;
            page.errors = problem_lines(&error, lang);
            html_with_status(&page, lang, error.status_code())
        }
        Err(error) => Err(WebError::Api { lang, error }),
    }
}

/// `POST /{lang}/organisation/{id}/invitations`: mails an invitation (owners).
pub(crate) async fn invite(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let (_, id) = path.into_inner();
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let user = visitor.signed_in(&req, lang)?;
    let email = form.text("email").unwrap_or_default();
    let Some(role) = role_of(form.get("role")) else {
        return Err(WebError::Api {
            lang,
            error: ApiError::Validation(vec![FieldProblem {
                path: "role".into(),
                code: ProblemCode::UnknownValue,
                detail: form.get("role").map(str::to_owned),
            }]),
        });
    };
    let mail_lang = form
        .get("mail_lang")
        .and_then(|l| l.parse().ok())
        .unwrap_or(lang);
    match kynnys_api::invite_as(&state, user, id.clone(), &email, role, mail_lang).await {
        Ok(()) => Ok(see_other(&format!(
            "/{}/organisation/{id}/members?done=invited",
            lang.code()
        ))),
        Err(error @ ApiError::Validation(_)) => {
            let mut page = members_page(&req, &state, lang, &visitor, user, id).await?;
            page.errors = problem_lines(&error, lang);
            page.invite_email = email;
            html_with_status(&page, lang, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(error) => Err(WebError::Api { lang, error }),
    }
}

/// `GET /{lang}/invitations/accept?token=…`: after signing in (or registering with the invited
/// address), a button that joins.
pub(crate) async fn accept_form(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    visitor.signed_in(&req, lang)?;
    let page = token_button_page(
        Chrome::new(&req, lang, &visitor, t.t("invitation-title")),
        t.t("invitation-intro"),
        format!("/{}/invitations/accept", lang.code()),
        query_param(&req, "token").unwrap_or_default(),
        t.t("invitation-accept"),
    );
    html(&page, lang)
}

/// `POST /{lang}/invitations/accept`.
pub(crate) async fn accept(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let user = visitor.signed_in(&req, lang)?;
    let token = form.get("token").unwrap_or_default();
    let outcome = kynnys_api::accept_invitation_as(&state, user, token).await;
    form_answer(
        lang,
        outcome,
        |_| {
            Ok(see_other(&format!(
                "/{}/organisation?done=joined",
                lang.code()
            )))
        },
        || FormPage::new(Chrome::new(&req, lang, &visitor, t.t("invitation-title"))),
    )
}
