//! A person's API tokens for integrations (a municipal site's sync, scripts): the list with
//! names and last use, a new token shown once, and revoking.

use crate::error::{InLang, WebError};
use crate::form_page::problem_lines;
use crate::format::date;
use crate::i18n::Tr;
use crate::page::{Chrome, Form, Visitor, blocking, html, html_with_status};
use crate::{path_lang, see_other};
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use askama::Template;
use kynnys_api::{ApiError, ApiState};
use kynnys_domain::Lang;

pub(crate) struct TokenRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: Option<String>,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<TokenRow>,
    /// A token just created: shown once.
    created: Option<String>,
    name: String,
    errors: Vec<String>,
}

async fn tokens_page(
    req: &HttpRequest,
    state: &ApiState,
    lang: Lang,
    visitor: &Visitor,
    user_id: String,
) -> Result<TokensPage, WebError> {
    let t = Tr(lang);
    let store = state.store.clone();
    let tokens = blocking(lang, move || store.api_tokens(&user_id)).await?;
    let day = |at| date(t, kynnys_domain::to_helsinki(at).date_naive());
    Ok(TokensPage {
        chrome: Chrome::new(req, lang, visitor, t.t("tokens-title")),
        tokens: tokens
            .into_iter()
            .map(|token| TokenRow {
                created: day(token.created_at),
                last_used: token.last_used_at.map(day),
                id: token.id,
                name: token.name,
                prefix: token.prefix,
            })
            .collect(),
        created: None,
        name: String::new(),
        errors: Vec::new(),
    })
}

/// `GET /{lang}/account/tokens`.
pub(crate) async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let user_id = visitor.signed_in(&req, lang)?.user.id.clone();
    let page = tokens_page(&req, &state, lang, &visitor, user_id).await?;
    html(&page, lang)
}

/// `POST /{lang}/account/tokens`: a new token, shown on the answer page only.
pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let user_id = visitor.signed_in(&req, lang)?.user.id.clone();
    let name = form.text("name").unwrap_or_default();
    let created = kynnys_api::create_token_as(&state, &user_id, &name).await;
    let mut page = tokens_page(&req, &state, lang, &visitor, user_id).await?;
    match created {
        Ok(token) => {
            page.created = Some(token.token);
            // The secret must not stay in a shared cache or the history's cached copy.
            let mut answer = html(&page, lang)?;
            answer.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                actix_web::http::header::HeaderValue::from_static("no-store"),
            );
            Ok(answer)
        }
        Err(error @ ApiError::Validation(_)) => {
            page.errors = problem_lines(&error, lang);
            page.name = name;
            html_with_status(&page, lang, error.status_code())
        }
        Err(error) => Err(WebError::Api { lang, error }),
    }
}

/// `POST /{lang}/account/tokens/{id}/revoke`.
pub(crate) async fn revoke(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let (_, id) = path.into_inner();
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let user_id = visitor.signed_in(&req, lang)?.user.id.clone();
    let store = state.store.clone();
    blocking(lang, move || {
        store.revoke_api_token(&user_id, &id, chrono::Utc::now())
    })
    .await?;
    Ok(see_other(&format!(
        "/{}/account/tokens?done=token-revoked",
        lang.code()
    )))
}
