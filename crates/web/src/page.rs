//! What every page shares: the visitor (signed in or not), the header with the language switch,
//! form bodies and their CSRF token.

use crate::error::{InLang, WebError};
use crate::i18n::Tr;
use crate::shortlist;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use kynnys_api::{ApiError, ApiState, AuthUser, SESSION_COOKIE};
use kynnys_domain::Lang;

/// Who is looking at a page.
pub(crate) struct Visitor {
    pub user: Option<AuthUser>,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
}

impl Visitor {
    /// The visitor of a page (no CSRF check: reading is safe).
    pub async fn of(req: &HttpRequest, state: &ApiState) -> Result<Self, ApiError> {
        Self::resolve(req, state, None).await
    }

    /// The visitor of a form post, whose `csrf` field must match the session's.
    pub async fn posting(
        req: &HttpRequest,
        state: &ApiState,
        form: &Form,
    ) -> Result<Self, ApiError> {
        Self::resolve(req, state, Some(form.get("csrf"))).await
    }

    async fn resolve(
        req: &HttpRequest,
        state: &ApiState,
        csrf: Option<Option<&str>>,
    ) -> Result<Self, ApiError> {
        let Some(cookie) = req.cookie(SESSION_COOKIE) else {
            return Ok(Visitor {
                user: None,
                csrf: String::new(),
            });
        };
        match kynnys_api::session_user(state, cookie.value(), csrf).await? {
            Some(session) => {
                let csrf = session.csrf.clone();
                let user = kynnys_api::auth_user(state, session.user, Some(session.hash)).await?;
                Ok(Visitor {
                    user: Some(user),
                    csrf,
                })
            }
            None => Ok(Visitor {
                user: None,
                csrf: String::new(),
            }),
        }
    }

    /// The signed-in user, or a trip to the login form and back to this page.
    pub fn required(self, req: &HttpRequest, lang: Lang) -> Result<(AuthUser, String), WebError> {
        let user = self.signed_in(req, lang)?.clone();
        Ok((user, self.csrf))
    }

    /// The signed-in user, borrowed (the page still needs the visitor for its header), or a trip
    /// to the login form and back to this page.
    pub fn signed_in(&self, req: &HttpRequest, lang: Lang) -> Result<&AuthUser, WebError> {
        self.user.as_ref().ok_or_else(|| WebError::SignIn {
            lang,
            next: req.uri().to_string(),
        })
    }
}

/// A form body (`application/x-www-form-urlencoded`), decoded leniently.
pub(crate) struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Self {
        Form(
            url::form_urlencoded::parse(body)
                .into_owned()
                .collect::<Vec<_>>(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The trimmed, non-empty value of `name`.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// Every value of `name` (checkboxes, multiple selects).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A checkbox: present means on.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// The header, language switch and navigation of a page.
pub(crate) struct Chrome {
    pub t: Tr,
    pub title: String,
    /// The page's path and query after the language prefix, for the language switch.
    pub rest: String,
    pub signed_in: bool,
    pub moderator: bool,
    pub csrf: String,
    pub shortlist: usize,
    /// A short message after an action ("Saved").
    pub notice: Option<String>,
}

impl Chrome {
    pub fn new(req: &HttpRequest, lang: Lang, visitor: &Visitor, title: String) -> Self {
        let path = req.path();
        let rest = path.get(3..).unwrap_or("/");
        let rest = match req.query_string() {
            "" => rest.to_owned(),
            query => format!("{rest}?{query}"),
        };
        let notice = url::form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "done")
            .map(|(_, v)| v.into_owned())
            .filter(|v| v.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .map(|key| Tr(lang).t(&format!("done-{key}")));
        Chrome {
            t: Tr(lang),
            title,
            rest,
            signed_in: visitor.user.is_some(),
            moderator: visitor
                .user
                .as_ref()
                .is_some_and(|u| u.user.platform_role.moderates()),
            csrf: visitor.csrf.clone(),
            shortlist: shortlist::ids(req).len(),
            notice,
        }
    }

    /// The languages of the switch: (code, own name, is current).
    pub fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        Lang::ALL
            .iter()
            .map(|l| {
                let name = match l {
                    Lang::Fi => "Suomeksi",
                    Lang::Sv => "På svenska",
                    Lang::En => "In English",
                };
                (l.code(), name, *l == self.t.0)
            })
            .collect()
    }
}

/// Renders a page as an HTML answer.
pub(crate) fn html(page: &impl Template, lang: Lang) -> Result<HttpResponse, WebError> {
    html_with_status(page, lang, actix_web::http::StatusCode::OK)
}

/// Renders a page with another status (a form with errors answers 422, say).
pub(crate) fn html_with_status(
    page: &impl Template,
    lang: Lang,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, WebError> {
    let body = page.render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Language", lang.code()))
        .body(body))
}

/// Runs a blocking store or index call off the executor, with the page's language on errors.
pub(crate) async fn blocking<T: Send + 'static, E: Into<ApiError> + Send + 'static>(
    lang: Lang,
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, WebError> {
    web::block(f)
        .await
        .map_err(ApiError::from)
        .in_lang(lang)?
        .in_lang(lang)
}

/// A path inside the site that is safe to go back to after a form (no other host).
pub(crate) fn local_path(next: Option<&str>, lang: Lang) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(char::is_control) =>
        {
            p.to_owned()
        }
        _ => format!("/{}/", lang.code()),
    }
}

/// A parameter of the page's query string (the token of a mailed link, the page to go back to).
pub(crate) fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_gone_back_to() {
        let home = "/sv/";
        assert_eq!(
            local_path(Some("/sv/organisation"), Lang::Sv),
            "/sv/organisation"
        );
        for unsafe_next in [
            "https://elsewhere.example/",
            "//elsewhere.example/",
            "/\\elsewhere.example",
            "/sv/\r\nSet-Cookie: x=1",
            "organisation",
        ] {
            assert_eq!(
                local_path(Some(unsafe_next), Lang::Sv),
                home,
                "{unsafe_next:?}"
            );
        }
        assert_eq!(local_path(None, Lang::Sv), home);
    }
}
