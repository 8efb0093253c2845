//! The moderation queue: listings waiting for review, approved or rejected with a reason.

use crate::error::{InLang, WebError};
use crate::format::{Text, date};
use crate::i18n::Tr;
use crate::page::{Chrome, Form, Visitor, blocking, html};
use crate::{path_lang, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use kynnys_api::{Action, ApiError, ApiState};
use kynnys_domain::{FieldProblem, ListingAction, ProblemCode};

const QUEUE_SHOWN: i64 = 200;

pub(crate) struct QueueItem {
    pub id: String,
    pub title: Text,
    pub organisation: Option<Text>,
    pub kind: String,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct QueuePage {
    chrome: Chrome,
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
    let waiting = blocking(lang, move || store.moderation_queue(QUEUE_SHOWN)).await?;
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
    html(&QueuePage { chrome, items }, lang)
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
        "reject" => match form.text("reason") {
            Some(reason) => (ListingAction::Reject, Some(reason)),
            None => {
                return Err(ApiError::Validation(vec![FieldProblem {
                    path: "reason".into(),
                    code: ProblemCode::Required,
                    detail: None,
                }]))
                .in_lang(lang);
            }
        },
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
