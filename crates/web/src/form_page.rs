//! One page shape for the small steps that the links in mails lead to (verify an address, set a
//! new password, accept an invitation) and for registering: a heading, a few paragraphs, the
//! problems of the last attempt, at most one form, and links onwards.

use crate::error::WebError;
use crate::page::{Chrome, html_with_status};
use actix_web::{HttpResponse, ResponseError as _};
use askama::Template;
use kynnys_api::ApiError;
use kynnys_domain::Lang;

/// A visible field of the form.
pub(crate) struct Field {
    pub name: &'static str,
    pub label: String,
    /// The input type (`email`, `password`, `text`).
    pub kind: &'static str,
    pub value: String,
    pub autocomplete: &'static str,
    pub required: bool,
}

impl Field {
    pub fn new(
        name: &'static str,
        label: String,
        kind: &'static str,
        autocomplete: &'static str,
    ) -> Self {
        Field {
            name,
            label,
            kind,
            value: String::new(),
            autocomplete,
            required: true,
        }
    }

    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }
}

/// The form of a page: where it posts, hidden and visible fields, the button.
pub(crate) struct PageForm {
    pub action: String,
    pub hidden: Vec<(&'static str, String)>,
    pub fields: Vec<Field>,
    pub button: String,
}

#[derive(Template)]
#[template(path = "form_page.html")]
pub(crate) struct FormPage {
    pub chrome: Chrome,
    pub intro: Vec<String>,
    pub errors: Vec<String>,
    pub form: Option<PageForm>,
    pub links: Vec<(String, String)>,
}

impl FormPage {
    pub fn new(chrome: Chrome) -> Self {
        FormPage {
            chrome,
            intro: Vec::new(),
            errors: Vec::new(),
            form: None,
            links: Vec::new(),
        }
    }
}

/// The page a mailed link opens: what it is for, and one button that posts the link's `token` to
/// `action` (opening a link, as mail scanners do, changes nothing).
pub(crate) fn token_button_page(
    chrome: Chrome,
    intro: String,
    action: String,
    token: String,
    button: String,
) -> FormPage {
    let mut page = FormPage::new(chrome);
    page.intro.push(intro);
    page.form = Some(PageForm {
        action,
        hidden: vec![("token", token)],
        fields: Vec::new(),
        button,
    });
    page
}

/// The problems of a failed operation as lines for the page: each field's message with the
/// field named, or the problem's title.
pub(crate) fn problem_lines(error: &ApiError, lang: Lang) -> Vec<String> {
    let problem = error.problem(lang);
    if problem.errors.is_empty() {
        return vec![match problem.detail {
            Some(detail) => format!("{}: {detail}", problem.title),
            None => problem.title,
        }];
    }
    problem
        .errors
        .into_iter()
        .map(|e| match e.path.or(e.parameter) {
            Some(field) if !field.is_empty() => format!("{field}: {}", e.message),
            _ => e.message,
        })
        .collect()
}

/// The answer to a form post: `done` with the outcome when it succeeded; when the input was at
/// fault (a 4xx: invalid, used link, too many attempts), the page `again` with the problems
/// named and that status; anything else is the error page.
pub(crate) fn form_answer<T>(
    lang: Lang,
    outcome: Result<T, ApiError>,
    done: impl FnOnce(T) -> Result<HttpResponse, WebError>,
    again: impl FnOnce() -> FormPage,
) -> Result<HttpResponse, WebError> {
    match outcome {
        Ok(value) => done(value),
        Err(error) if error.status_code().is_client_error() => {
            let mut page = again();
            page.errors = problem_lines(&error, lang);
            html_with_status(&page, lang, error.status_code())
        }
        Err(error) => Err(WebError::Api { lang, error }),
    }
}
