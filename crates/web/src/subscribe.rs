//! Subscribing to the current search as an e-mail digest: `/{lang}/subscribe?{search}` shows the
//! search in words with a form (address, the mails' language, how often); its POST records the
//! subscription through the same operation as `POST /api/v1/subscriptions` (double opt-in, the
//! same answer whether or not the address was subscribed already). The subscriber manages and
//! ends the subscription by the links in every mail; "change the search" on the manage page
//! opens the subscription's search here (the manage token rides in a same-site cookie, never in
//! a search URL), and the search page then offers to save the changed search to it.

use crate::error::{InLang, WebError};
use crate::form_page::{FormPage, problem_lines};
use crate::i18n::Tr;
use crate::page::{Chrome, Form, Visitor, blocking, html, html_with_status};
use crate::{path_lang, see_other};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use askama::Template;
use kynnys_api::{ApiError, ApiState, SubscriptionRequest};
use kynnys_domain::{Frequency, Lang, SearchFilters, SubscriptionStatus};
use kynnys_search::SearchRequest;

/// The search parameters a digest keeps (the rest — sort, place, dates, paging — are about one
/// look at the results, not about what is new).
const KEPT: [&str; 10] = [
    "q",
    "kind",
    "municipality",
    "region",
    "theme",
    "target_group",
    "language",
    "online",
    "free",
    "drop_in",
];

#[derive(Template)]
#[template(path = "subscribe.html")]
struct SubscribePage {
    chrome: Chrome,
    /// The kept search parameters, as a query string.
    search: String,
    summary: String,
    email: String,
    mail_lang: &'static str,
    daily: bool,
    errors: Vec<String>,
    /// Set once the subscription was recorded: whether it is active at once.
    done: Option<bool>,
}

/// The kept parameters of a query string, re-encoded.
fn kept_search(query: &str) -> String {
    let kept = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, v)| KEPT.contains(&k.as_ref()) && !v.trim().is_empty());
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish()
}

/// The digest filters of a validated search.
fn filters_of(request: SearchRequest) -> SearchFilters {
    SearchFilters {
        q: Some(request.q).filter(|q| !q.trim().is_empty()),
        kind: request.kinds,
        municipality: request.municipalities,
        region: request.regions,
        theme: request.themes,
        target_group: request.target_groups,
        language: request.languages,
        online: request.online,
        free: request.free,
        drop_in: request.drop_in,
    }
}

/// The filters of `search` (kept parameters only), or the problems in the page's language.
fn parse_filters(state: &ApiState, search: &str, lang: Lang) -> Result<SearchFilters, Vec<String>> {
    let with_lang = format!("{search}&lang={}", lang.code());
    match kynnys_api::parse_search_query(&with_lang, None, state) {
        Ok(request) => Ok(filters_of(request)),
        Err(error) => Err(problem_lines(&error, lang)),
    }
}

/// `GET /{lang}/subscribe?{search}`.
pub(crate) async fn form(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let search = kept_search(req.query_string());
    let (summary, errors) = match parse_filters(&state, &search, lang) {
        Ok(filters) => (filters.describe(&state.vocabularies, lang), Vec::new()),
        Err(errors) => (String::new(), errors),
    };
    let page = SubscribePage {
        chrome: Chrome::new(&req, lang, &visitor, t.t("subscribe-title")),
        email: visitor
            .user
            .as_ref()
            .map(|u| u.user.email.clone())
            .unwrap_or_default(),
        search,
        summary,
        mail_lang: lang.code(),
        daily: false,
        done: None,
        errors,
    };
    if page.errors.is_empty() {
        html(&page, lang)
    } else {
        html_with_status(&page, lang, StatusCode::BAD_REQUEST)
    }
}

/// `POST /{lang}/subscribe`: records the subscription and says what happens next.
pub(crate) async fn submit(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let chrome = Chrome::new(&req, lang, &visitor, t.t("subscribe-title"));
    let search = kept_search(form.get("search").unwrap_or_default());
    let email = form.text("email").unwrap_or_default();
    let mail_lang = form
        .get("mail_lang")
        .and_then(|l| l.parse::<Lang>().ok())
        .unwrap_or(lang);
    let frequency = match form.get("frequency") {
        Some("daily") => Frequency::Daily,
        _ => Frequency::Weekly,
    };
    let filters = parse_filters(&state, &search, lang);
    let summary = filters
        .as_ref()
        .map(|f| f.describe(&state.vocabularies, lang))
        .unwrap_or_default();
    let outcome = match filters {
        Ok(filters) => {
            let request = SubscriptionRequest {
                email: email.clone(),
                lang: mail_lang,
                frequency,
                filters,
            };
            let ip = kynnys_api::client_addr(&req, &state);
            match kynnys_api::subscribe_as(&state, visitor.user, ip, request, "web").await {
                Ok(confirmed) => Ok(confirmed),
                Err(error @ (ApiError::Validation(_) | ApiError::RateLimited { .. })) => {
                    Err((problem_lines(&error, lang), error.status_code()))
                }
                Err(error) => return Err(WebError::Api { lang, error }),
            }
        }
        Err(errors) => Err((errors, StatusCode::BAD_REQUEST)),
    };
    let (done, errors, status) = match outcome {
        Ok(confirmed) => (Some(confirmed), Vec::new(), StatusCode::OK),
        Err((errors, status)) => (None, errors, status),
    };
    let page = SubscribePage {
        chrome,
        search,
        summary,
        email,
        mail_lang: mail_lang.code(),
        daily: frequency == Frequency::Daily,
        errors,
        done,
    };
    html_with_status(&page, lang, status)
}

/// The cookie that holds the manage token of the subscription whose search is being changed.
pub(crate) const EDITING_COOKIE: &str = "kynnys_editing";

/// The search of digest filters as a query string with the parameter names of the search.
fn search_of(filters: &SearchFilters) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(q) = &filters.q {
        query.append_pair("q", q);
    }
    for kind in &filters.kind {
        query.append_pair("kind", &kind.to_string());
    }
    for (name, values) in [
        ("municipality", &filters.municipality),
        ("region", &filters.region),
        ("theme", &filters.theme),
        ("target_group", &filters.target_group),
        ("language", &filters.language),
    ] {
        for value in values {
            query.append_pair(name, value);
        }
    }
    for (name, value) in [
        ("online", filters.online),
        ("free", filters.free),
        ("drop_in", filters.drop_in),
    ] {
        if let Some(value) = value {
            query.append_pair(name, if value { "true" } else { "false" });
        }
    }
    query.finish()
}

/// `GET /{lang}/subscriptions/edit/{token}` (from the manage page): opens the subscription's
/// search, remembering which subscription it is for.
pub(crate) async fn edit(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let (_, token) = path.into_inner();
    let store = state.store.clone();
    let lookup = token.clone();
    let sub = blocking(lang, move || store.subscription_by_manage_token(&lookup))
        .await?
        .filter(|s| s.status != SubscriptionStatus::Unsubscribed)
        .ok_or(ApiError::NotFound)
        .in_lang(lang)?;
    let mut answer = see_other(&format!("/{}/?{}", lang.code(), search_of(&sub.filters)));
    let cookie = Cookie::build(EDITING_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(actix_web::cookie::time::Duration::hours(2))
        .finish();
    if let Err(e) = answer.add_cookie(&cookie) {
        tracing::warn!(error = %e, "editing cookie not set");
    }
    Ok(answer)
}

/// `POST /{lang}/subscriptions/save`: the search of the form becomes the search of the
/// subscription being changed.
pub(crate) async fn save(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let token = req
        .cookie(EDITING_COOKIE)
        .map(|c| c.value().to_owned())
        .ok_or(ApiError::NotFound)
        .in_lang(lang)?;
    let search = kept_search(form.get("search").unwrap_or_default());
    let filters = match parse_filters(&state, &search, lang) {
        Ok(filters) => filters,
        Err(errors) => {
            let mut page = FormPage::new(Chrome::new(&req, lang, &visitor, t.t("subscribe-title")));
            page.errors = errors;
            return html_with_status(&page, lang, StatusCode::BAD_REQUEST);
        }
    };
    let store = state.store.clone();
    let summary = filters.describe(&state.vocabularies, lang);
    let lookup = token.clone();
    let saved = blocking(lang, move || {
        let Some(sub) = store.subscription_by_manage_token(&lookup)? else {
            return Ok(None);
        };
        store.update_subscription(
            &lookup,
            sub.lang,
            sub.frequency,
            &filters,
            chrono::Utc::now(),
        )
    })
    .await?
    .ok_or(ApiError::NotFound)
    .in_lang(lang)?;
    tracing::info!(subscription_id = %saved.id, "subscription search changed");
    let mut page = FormPage::new(Chrome::new(&req, lang, &visitor, t.t("subscribe-title")));
    page.intro.push(t.t("subscription-search-saved"));
    page.intro.push(summary);
    page.links.push((
        format!("/subscriptions/manage/{token}"),
        t.t("subscription-manage"),
    ));
    let mut answer = html(&page, lang)?;
    let mut removal = Cookie::build(EDITING_COOKIE, "").path("/").finish();
    removal.make_removal();
    if let Err(e) = answer.add_cookie(&removal) {
        tracing::warn!(error = %e, "editing cookie not cleared");
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_keeps_what_the_search_asks_for_and_drops_how_it_was_shown() {
        let kept = kept_search(
            "q=kahvila&region=01&sort=distance&near=60.1,24.9&radius_km=5&cursor=abc&free=true&theme=&lang=sv&from=2026-01-01",
        );
        assert_eq!(kept, "q=kahvila&region=01&free=true");
    }

    #[test]
    fn a_subscription_opens_as_the_search_it_was_made_from() {
        let filters = SearchFilters {
            q: Some("läksy kerho".into()),
            kind: vec![kynnys_domain::Kind::Activity],
            region: vec!["01".into(), "02".into()],
            free: Some(true),
            ..SearchFilters::default()
        };
        assert_eq!(
            search_of(&filters),
            "q=l%C3%A4ksy+kerho&kind=activity&region=01&region=02&free=true"
        );
    }
}
