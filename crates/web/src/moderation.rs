//! The moderation queue: organisations waiting for approval and listings waiting for review,
//! approved or rejected with a reason.

use crate::error::{InLang, WebError};
use crate::format::{Text, date, label, municipality_names};
use crate::i18n::Tr;
use crate::page::{Chrome, Form, Visitor, blocking, html};
use crate::{path_lang, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use kynnys_api::{Action, ApiError, ApiState};
use kynnys_domain::{FieldProblem, ListingAction, OrganisationStatus, ProblemCode};
use kynnys_store::OrganisationFilter;

const QUEUE_SHOWN: i64 = 200;

pub(crate) struct QueueItem {
    pub id: String,
    pub title: Text,
    pub organisation: Option<Text>,
    pub kind: String,
    pub submitted: String,
}

/// An organisation waiting for approval.
pub(crate) struct WaitingOrganisation {
    pub id: String,
    pub name: Text,
    pub kind: String,
    pub municipality: Option<String>,
    pub business_id: Option<String>,
    pub website: Option<String>,
    pub registered: String,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct QueuePage {
    chrome: Chrome,
    organisations: Vec<WaitingOrganisation>,
    items: Vec<QueueItem>,
}

/// `GET /{lang}/moderation`.
pub(crate) async fn queue(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let chrome = Chrome::new(&req, lang, &visitor, t.t("moderation-title"));
    let (user, _) = visitor.required(&req, lang)?;
    kynnys_api::authorize(Some(&user), Action::Moderate, None).in_lang(lang)?;
    let store = state.store.clone();
    let (organisations, waiting) = blocking(lang, move || {
        let organisations = store.organisations(&OrganisationFilter {
            status: Some(OrganisationStatus::Pending),
            limit: QUEUE_SHOWN,
            ..OrganisationFilter::default()
        })?;
        Ok::<_, kynnys_store::StoreError>((organisations, store.moderation_queue(QUEUE_SHOWN)?))
    })
    .await?;
    let v = &state.vocabularies;
    let organisations = organisations
        .into_iter()
        .map(|org| WaitingOrganisation {
            name: Text::of(&org.input.name, lang).unwrap_or(Text {
                text: org.id.clone(),
                lang: lang.code(),
                fallback: false,
            }),
            kind: label(&v.organisation_types, &org.input.org_type, lang),
            municipality: org
                .input
                .municipality
                .as_ref()
                .map(|code| municipality_names(v, std::slice::from_ref(code), lang)),
            business_id: org.input.business_id.clone(),
            website: org.input.website.clone(),
            registered: date(t, kynnys_domain::to_helsinki(org.created_at).date_naive()),
            id: org.id,
        })
        .collect();
    let items = waiting
        .iter()
        .filter_map(|l| {
            Some(QueueItem {
                id: l.id.clone(),
                title: Text::of(&l.record.title, lang)?,
                organisation: Text::of(&l.record.organisation.name, lang),
                kind: t.t(&format!("kind-{}", l.record.kind)),
                submitted: date(t, kynnys_domain::to_helsinki(l.updated_at).date_naive()),
            })
        })
        .collect();
    html(
        &QueuePage {
            chrome,
            organisations,
            items,
        },
        lang,
    )
}

/// `POST /{lang}/moderation/{id}/{approve|reject}` (a rejection needs `reason`).
pub(crate) async fn decide(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let (_, id, decision) = path.into_inner();
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let (user, _) = visitor.required(&req, lang)?;
    let (action, reason) = match decision.as_str() {
        "approve" => (ListingAction::Approve, None),
        "reject" => (ListingAction::Reject, Some(required_reason(&form, lang)?)),
        _ => return Err(ApiError::NotFound).in_lang(lang),
    };
    kynnys_api::listing_action_as(&state, user, id, action, reason)
        .await
        .in_lang(lang)?;
    Ok(see_other(&format!(
        "/{}/moderation?done={}",
        lang.code(),
        action.as_str()
    )))
}

/// `POST /{lang}/moderation/organisations/{id}/{approve|reject}` (a rejection needs `reason`).
pub(crate) async fn decide_organisation(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let (_, id, decision) = path.into_inner();
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let user = visitor.signed_in(&req, lang)?;
    let (status, reason) = match decision.as_str() {
        "approve" => (OrganisationStatus::Approved, None),
        "reject" => (
            OrganisationStatus::Rejected,
            Some(required_reason(&form, lang)?),
        ),
        _ => return Err(ApiError::NotFound).in_lang(lang),
    };
    kynnys_api::decide_organisation_as(&state, user, id, status, reason)
        .await
        .in_lang(lang)?;
    Ok(see_other(&format!(
        "/{}/moderation?done=organisation-{status}",
        lang.code()
    )))
}

/// The reason of a rejection, which must be given.
fn required_reason(form: &Form, lang: kynnys_domain::Lang) -> Result<String, WebError> {
    form.text("reason").ok_or(WebError::Api {
        lang,
        error: ApiError::Validation(vec![FieldProblem {
            path: "reason".into(),
            code: ProblemCode::Required,
            detail: None,
        }]),
    })
}
