//! Errors of the pages: shown as an HTML page in the page's language, or a redirect to the
//! login form when a signed-in user is needed.

use crate::i18n::Tr;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use kynnys_api::ApiError;
use kynnys_domain::Lang;

/// A failed page.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// What the operation said (not found, not allowed, invalid, ...).
    #[error("{error}")]
    Api { lang: Lang, error: ApiError },
    /// The page needs a signed-in user: to the login form, and back to `next` after it.
    #[error("sign-in required")]
    SignIn { lang: Lang, next: String },
    /// A page could not be rendered.
    #[error("rendering failed: {0}")]
    Render(#[from] askama::Error),
}

/// Attaches the page's language to an operation's error.
pub(crate) trait InLang<T> {
    fn in_lang(self, lang: Lang) -> Result<T, WebError>;
}

impl<T, E: Into<ApiError>> InLang<T> for Result<T, E> {
    fn in_lang(self, lang: Lang) -> Result<T, WebError> {
        self.map_err(|e| WebError::Api {
            lang,
            error: e.into(),
        })
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: Tr,
    title: &'a str,
    detail: Option<&'a str>,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::Api { error, .. } => error.status_code(),
            WebError::SignIn { .. } => StatusCode::SEE_OTHER,
            WebError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (lang, problem) = match self {
            WebError::SignIn { lang, next } => {
                let target = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", next)
                    .finish();
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("/{}/login?{target}", lang.code())))
                    .finish();
            }
            WebError::Api { lang, error } => (*lang, error.problem(*lang)),
            WebError::Render(e) => {
                let error = ApiError::Internal(format!("page rendering failed: {e}"));
                (Lang::Fi, error.problem(Lang::Fi))
            }
        };
        if problem.status >= 500 {
            tracing::error!(error = %self, "page failed");
        }
        let detail = problem
            .errors
            .first()
            .map(|e| e.message.as_str())
            .or(problem.detail.as_deref());
        let page = ErrorPage {
            t: Tr(lang),
            title: &problem.title,
            detail,
        };
        let body = page.render().unwrap_or_else(|_| problem.title.clone());
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .body(body)
    }
}
