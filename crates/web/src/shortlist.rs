//! The client's shortlist: listings an advisor picks during a meeting, kept in a cookie (no
//! account, nothing about the client), and a printable handout in the client's language with a
//! QR code and a short link to the same list.

use crate::error::{InLang, WebError};
use crate::format::Card;
use crate::i18n::Tr;
use crate::page::{Chrome, Form, Visitor, blocking, html, local_path};
use crate::{path_lang, see_other};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use kynnys_api::{ApiError, ApiState};
use kynnys_domain::{Lang, ListingStatus};

const COOKIE: &str = "kynnys_shortlist";
/// At most this many listings on one handout.
pub(crate) const MAX_ITEMS: usize = 20;

/// The listing ids on the visitor's shortlist.
pub(crate) fn ids(req: &HttpRequest) -> Vec<String> {
    req.cookie(COOKIE)
        .map(|c| {
            c.value()
                .split('.')
                .filter(|id| !id.is_empty() && id.len() <= 64)
                .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
                .take(MAX_ITEMS)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn cookie(ids: &[String], secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, ids.join("."))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::hours(12))
        .finish()
}

/// `POST /{lang}/shortlist`: `add=id`, `remove=id` or `clear`, then back to `back`.
pub(crate) async fn change(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> HttpResponse {
    let lang = path_lang(&req);
    let form = Form::parse(&body);
    let mut list = ids(&req);
    if let Some(id) = form.text("add")
        && !list.contains(&id)
        && list.len() < MAX_ITEMS
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        list.push(id);
    }
    if let Some(id) = form.text("remove") {
        list.retain(|x| *x != id);
    }
    if form.checked("clear") {
        list.clear();
    }
    let back = local_path(form.get("back"), lang);
    let mut answer = see_other(&back);
    if let Err(e) = answer.add_cookie(&cookie(&list, state.settings.secure_cookies)) {
        tracing::warn!(error = %e, "shortlist cookie not set");
    }
    answer
}

/// The published listings of `ids` as cards, in the list's order.
async fn cards(state: &ApiState, t: Tr, ids: Vec<String>) -> Result<Vec<Card>, WebError> {
    let store = state.store.clone();
    let wanted = ids.clone();
    let found = blocking(t.0, move || store.listings_by_ids(&wanted)).await?;
    let now = Utc::now();
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|l| &l.id == id))
        .filter(|l| l.status == ListingStatus::Published)
        .filter_map(|l| Card::from_stored(t, &state.vocabularies, l, now))
        .collect())
}

#[derive(Template)]
#[template(path = "shortlist.html")]
struct ShortlistPage {
    chrome: Chrome,
    cards: Vec<Card>,
    back: String,
}

/// `GET /{lang}/shortlist`.
pub(crate) async fn show(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let page = ShortlistPage {
        chrome: Chrome::new(&req, lang, &visitor, t.t("shortlist-title")),
        cards: cards(&state, t, ids(&req)).await?,
        back: req.uri().to_string(),
    };
    html(&page, lang)
}

/// `POST /{lang}/shortlist/handout`: saves the list for the handout in `client_lang`.
pub(crate) async fn make_handout(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let form = Form::parse(&body);
    let client: Lang = form
        .get("client_lang")
        .and_then(|l| l.parse().ok())
        .unwrap_or(lang);
    let list = ids(&req);
    if list.is_empty() {
        return Ok(see_other(&format!("/{}/shortlist", lang.code())));
    }
    let store = state.store.clone();
    let code = blocking(lang, move || {
        store.save_shortlist(client, &list, Utc::now())
    })
    .await?;
    Ok(see_other(&format!("/{}/h/{code}", client.code())))
}

#[derive(Template)]
#[template(path = "handout.html")]
struct HandoutPage {
    chrome: Chrome,
    cards: Vec<Card>,
    short_link: String,
    public_url: String,
    qr_svg: String,
}

fn qr_svg(text: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| ApiError::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build())
}

/// `GET /{lang}/h/{code}`: the printable handout.
pub(crate) async fn handout(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let (_, code) = path.into_inner();
    let store = state.store.clone();
    let lookup = code.clone();
    let list = blocking(lang, move || store.shortlist(&lookup))
        .await?
        .ok_or(ApiError::NotFound)
        .in_lang(lang)?;
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let short_link = format!("{}/h/{}", state.settings.public_url, list.code);
    let page = HandoutPage {
        chrome: Chrome::new(&req, lang, &visitor, t.t("handout-title")),
        cards: cards(&state, t, list.listing_ids).await?,
        qr_svg: qr_svg(&short_link).in_lang(lang)?,
        short_link,
        public_url: state.settings.public_url.clone(),
    };
    html(&page, lang)
}

/// `GET /h/{code}`: the short link, opening the handout in the language it was made in.
pub(crate) async fn short_link(
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let code = path.into_inner();
    let store = state.store.clone();
    let lookup = code.clone();
    let list = blocking(Lang::Fi, move || store.shortlist(&lookup))
        .await?
        .ok_or(ApiError::NotFound)
        .in_lang(Lang::Fi)?;
    Ok(see_other(&format!("/{}/h/{code}", list.lang.code())))
}
