//! Signing in and out with the session cookie of the JSON API, registering, and the pages the
//! account mails link to: verifying the address and setting a new password.

use crate::error::{InLang, WebError};
use crate::form_page::{Field, FormPage, PageForm, form_answer, token_button_page};
use crate::i18n::Tr;
use crate::page::{Chrome, Form, Visitor, html, html_with_status, local_path, query_param};
use crate::{path_lang, see_other};
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use askama::Template;
use kynnys_api::ApiState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    email: String,
    next: String,
    error: Option<String>,
}

/// `GET /{lang}/login`.
pub(crate) async fn login_form(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let page = LoginPage {
        chrome: Chrome::new(&req, lang, &visitor, Tr(lang).t("login-title")),
        email: String::new(),
        next: local_path(query_param(&req, "next").as_deref(), lang),
        error: None,
    };
    html(&page, lang)
}

/// `POST /{lang}/login`: opens a session and goes on to `next` (the organisation area).
pub(crate) async fn login(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let form = Form::parse(&body);
    let email = form.text("email").unwrap_or_default();
    let password = form.get("password").unwrap_or_default().to_owned();
    let client = kynnys_api::client_addr(&req, &state);
    let next = match form.get("next") {
        Some(n) if n != format!("/{}/", lang.code()) => local_path(Some(n), lang),
        _ => format!("/{}/organisation", lang.code()),
    };
    match kynnys_api::start_session(&state, &client, &email, password).await {
        Ok(session) => {
            let mut answer = see_other(&next);
            if let Err(e) = answer.add_cookie(&session.cookie) {
                tracing::warn!(error = %e, "session cookie not set");
            }
            Ok(answer)
        }
        Err(error) => {
            let visitor = Visitor {
                user: None,
                csrf: String::new(),
            };
            let status = error.status_code();
            let page = LoginPage {
                chrome: Chrome::new(&req, lang, &visitor, Tr(lang).t("login-title")),
                email,
                next,
                error: Some(error.problem(lang).title),
            };
            html_with_status(&page, lang, status)
        }
    }
}

/// `POST /{lang}/logout`.
pub(crate) async fn logout(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    if let Some(hash) = visitor.user.and_then(|u| u.session_hash) {
        let store = state.store.clone();
        crate::page::blocking(lang, move || store.delete_session(&hash)).await?;
    }
    let mut answer = see_other(&format!("/{}/", lang.code()));
    if let Err(e) = answer.add_cookie(&kynnys_api::session_removal_cookie()) {
        tracing::warn!(error = %e, "session cookie not cleared");
    }
    Ok(answer)
}

fn login_link(t: Tr) -> (String, String) {
    (format!("/{}/login", t.code()), t.t("login-title"))
}

/// `GET /{lang}/register`.
pub(crate) async fn register_form(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let page = register_page(&req, lang, &visitor, "", "");
    html(&page, lang)
}

fn register_page(
    req: &HttpRequest,
    lang: kynnys_domain::Lang,
    visitor: &Visitor,
    email: &str,
    name: &str,
) -> FormPage {
    let t = Tr(lang);
    let mut page = FormPage::new(Chrome::new(req, lang, visitor, t.t("register-title")));
    page.intro.push(t.t("register-intro"));
    page.form = Some(PageForm {
        action: format!("/{}/register", lang.code()),
        hidden: Vec::new(),
        fields: vec![
            Field::new("email", t.t("field-email"), "email", "email").value(email),
            Field::new("display_name", t.t("field-display-name"), "text", "name")
                .value(name)
                .optional(),
            Field::new(
                "password",
                t.t("field-new-password"),
                "password",
                "new-password",
            ),
        ],
        button: t.t("register-button"),
    });
    page.links.push(login_link(t));
    page
}

/// `POST /{lang}/register`: the same answer for a new and a known address (the mail differs).
pub(crate) async fn register(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let email = form.text("email").unwrap_or_default();
    let display_name = form.text("display_name");
    let registration = kynnys_api::Registration {
        email: email.clone(),
        password: form.get("password").unwrap_or_default().to_owned(),
        display_name: display_name.clone(),
        lang,
    };
    let client = kynnys_api::client_addr(&req, &state);
    let outcome = kynnys_api::register_as(&state, &client, registration).await;
    form_answer(
        lang,
        outcome,
        |()| {
            let mut page = FormPage::new(Chrome::new(&req, lang, &visitor, t.t("register-title")));
            page.intro.push(t.t("register-sent"));
            html(&page, lang)
        },
        || {
            let name = display_name.unwrap_or_default();
            register_page(&req, lang, &visitor, &email, &name)
        },
    )
}

/// `GET /{lang}/account/verify?token=…`: a button that confirms (link scanners open links; only
/// the POST uses the token up).
pub(crate) async fn verify_form(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let page = token_button_page(
        Chrome::new(&req, lang, &visitor, t.t("verify-title")),
        t.t("verify-intro"),
        format!("/{}/account/verify", lang.code()),
        query_param(&req, "token").unwrap_or_default(),
        t.t("verify-button"),
    );
    html(&page, lang)
}

/// `POST /{lang}/account/verify`.
pub(crate) async fn verify(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let token = form.get("token").unwrap_or_default();
    let page = || FormPage::new(Chrome::new(&req, lang, &visitor, t.t("verify-title")));
    let outcome = kynnys_api::verify_email_as(&state, token).await;
    form_answer(
        lang,
        outcome,
        |()| {
            let mut done = page();
            done.intro.push(t.t("verify-done"));
            done.links.push(login_link(t));
            html(&done, lang)
        },
        page,
    )
}

/// `GET /{lang}/account/forgot`: ask for a reset link.
pub(crate) async fn forgot_form(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    html(&forgot_page(&req, lang, &visitor, ""), lang)
}

fn forgot_page(
    req: &HttpRequest,
    lang: kynnys_domain::Lang,
    visitor: &Visitor,
    email: &str,
) -> FormPage {
    let t = Tr(lang);
    let mut page = FormPage::new(Chrome::new(req, lang, visitor, t.t("forgot-title")));
    page.intro.push(t.t("forgot-intro"));
    page.form = Some(PageForm {
        action: format!("/{}/account/forgot", lang.code()),
        hidden: Vec::new(),
        fields: vec![Field::new("email", t.t("field-email"), "email", "email").value(email)],
        button: t.t("forgot-button"),
    });
    page
}

/// `POST /{lang}/account/forgot`: the same answer whether or not the address has an account.
pub(crate) async fn forgot(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let email = form.text("email").unwrap_or_default();
    let client = kynnys_api::client_addr(&req, &state);
    let outcome = kynnys_api::request_password_reset_as(&state, &client, &email).await;
    form_answer(
        lang,
        outcome,
        |()| {
            let mut page = FormPage::new(Chrome::new(&req, lang, &visitor, t.t("forgot-title")));
            page.intro.push(t.t("forgot-sent"));
            html(&page, lang)
        },
        || forgot_page(&req, lang, &visitor, &email),
    )
}

fn reset_page(
    req: &HttpRequest,
    lang: kynnys_domain::Lang,
    visitor: &Visitor,
    token: String,
) -> FormPage {
    let t = Tr(lang);
    let mut page = FormPage::new(Chrome::new(req, lang, visitor, t.t("reset-title")));
    page.form = Some(PageForm {
        action: format!("/{}/account/reset", lang.code()),
        hidden: vec![("token", token)],
        fields: vec![Field::new(
            "password",
            t.t("field-new-password"),
            "password",
            "new-password",
        )],
        button: t.t("reset-button"),
    });
    page
}

/// `GET /{lang}/account/reset?token=…`: the new password's form.
pub(crate) async fn reset_form(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    html(
        &reset_page(
            &req,
            lang,
            &visitor,
            query_param(&req, "token").unwrap_or_default(),
        ),
        lang,
    )
}

/// `POST /{lang}/account/reset`: sets the password (and ends every session of the account).
pub(crate) async fn reset(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let token = form.get("token").unwrap_or_default().to_owned();
    let password = form.get("password").unwrap_or_default().to_owned();
    let outcome = kynnys_api::reset_password_as(&state, &token, password).await;
    form_answer(
        lang,
        outcome,
        |()| {
            let mut page = FormPage::new(Chrome::new(&req, lang, &visitor, t.t("reset-title")));
            page.intro.push(t.t("reset-done"));
            page.links.push(login_link(t));
            html(&page, lang)
        },
        || reset_page(&req, lang, &visitor, token),
    )
}
