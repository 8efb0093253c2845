//! Digest subscriptions, no account needed: subscribe (double opt-in), confirm, manage and
//! unsubscribe by the token in every mail. JSON under `/api/v1/subscriptions`, and small HTML
//! pages under `/subscriptions/…` for the links in mails (a GET shows a page whose button POSTs
//! to the same URL, so link scanners confirm and unsubscribe nothing; a POST — also RFC 8058
//! one-click from a mail client — acts at once).

use crate::accounts::client_addr;
use crate::auth::{self, AuthUser, Caller};
use crate::body::JsonBody;
use crate::lang::RequestLang;
use crate::problem::Problem;
use crate::views::Ack;
use crate::{ApiError, ApiState, db};
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use askama::Template as _;
use chrono::{DateTime, TimeDelta, Utc};
use kynnys_domain::{Frequency, Lang, SearchFilters, SubscriptionStatus, check_email};
use kynnys_store::{NewSubscription, Subscription};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

const CONFIRM_HOURS: i64 = 72;

pub(crate) fn routes(cfg: &mut ServiceConfig) {
    cfg.service(subscribe)
        .service(confirm_json)
        .service(get_subscription)
        .service(update_subscription)
        .service(delete_subscription);
}

/// Registers the HTML pages of the links in mails.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/subscriptions/confirm/{token}")
            .route(web::get().to(confirm_page))
            .route(web::post().to(confirm_submit)),
    )
    .service(
        web::resource("/subscriptions/unsubscribe/{token}")
            .route(web::get().to(unsubscribe_page))
            .route(web::post().to(unsubscribe_submit)),
    )
    .service(
        web::resource("/subscriptions/manage/{token}")
            .route(web::get().to(manage_page))
            .route(web::post().to(manage_submit)),
    )
    .service(
        web::resource("/listings/confirm/{token}")
            .route(web::get().to(still_running_page))
            .route(web::post().to(still_running_submit)),
    );
}

/// The links of a subscription's mails.
pub(crate) fn manage_link(state: &ApiState, token: &str) -> String {
    format!("{}/subscriptions/manage/{token}", state.settings.public_url)
}

pub(crate) fn unsubscribe_link(state: &ApiState, token: &str) -> String {
    format!(
        "{}/subscriptions/unsubscribe/{token}",
        state.settings.public_url
    )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubscribeRequest {
    email: String,
    /// Language of the mails (default: the request's).
    lang: Option<Lang>,
    /// `weekly` (default) or `daily`.
    frequency: Option<Frequency>,
    /// The parameter names of `GET /api/v1/search`.
    #[serde(default)]
    filters: SearchFilters,
}

/// A subscription as its manage link shows it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SubscriptionView {
    email: String,
    lang: Lang,
    frequency: Frequency,
    filters: SearchFilters,
    /// The filters in words, in the subscription's language.
    filters_summary: String,
    status: SubscriptionStatus,
    created_at: DateTime<Utc>,
    consent_at: Option<DateTime<Utc>>,
}

fn view(sub: Subscription, state: &ApiState) -> SubscriptionView {
    SubscriptionView {
        filters_summary: sub.filters.describe(&state.vocabularies, sub.lang),
        email: sub.email,
        lang: sub.lang,
        frequency: sub.frequency,
        filters: sub.filters,
        status: sub.status,
        created_at: sub.created_at,
        consent_at: sub.consent_at,
    }
}

/// Subscribe to a digest.
///
/// Answers 202 whether or not the address is already subscribed. A confirmation mail with a
/// single-use link (valid 72 hours) goes out; nothing else is sent before it is confirmed.
/// The consent's time, source and address are recorded.
#[utoipa::path(
    tag = "subscriptions",
    request_body = SubscribeRequest,
    responses(
        (status = 202, description = "Accepted; a confirmation mail is on its way", body = Ack),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (e.g. an unknown filter value)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/subscriptions")]
pub(crate) async fn subscribe(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(request_lang): RequestLang,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: SubscribeRequest = body.parse()?;
    let request = SubscriptionRequest {
        email: input.email,
        lang: input.lang.unwrap_or(request_lang),
        frequency: input.frequency.unwrap_or(Frequency::Weekly),
        filters: input.filters,
    };
    subscribe_as(&state, caller.0, client_addr(&req, &state), request, "api").await?;
    Ok(HttpResponse::Accepted().json(Ack { status: "accepted" }))
}

/// What a subscriber asks for: the address, the mails' language, how often, and the search.
#[derive(Debug, Clone)]
pub struct SubscriptionRequest {
    pub email: String,
    pub lang: Lang,
    pub frequency: Frequency,
    pub filters: SearchFilters,
}

/// Validates and records a subscription from `ip`, and queues its confirmation mail (a signed-in
/// person's own verified address is confirmed at once). Answers the same whether or not the
/// address is subscribed already. `source` names where the consent was given (`api`, `web`,
/// `account`). Returns whether it was confirmed at once. The JSON API and the web pages both
/// call it.
pub async fn subscribe_as(
    state: &ApiState,
    caller: Option<AuthUser>,
    ip: String,
    request: SubscriptionRequest,
    source: &'static str,
) -> Result<bool, ApiError> {
    let SubscriptionRequest {
        email,
        lang,
        frequency,
        filters,
    } = request;
    let email = email.trim().to_lowercase();
    let mut problems: Vec<_> = check_email("email", &email).err().into_iter().collect();
    if let Err(found) = filters.validate(&state.vocabularies) {
        problems.extend(found);
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    state
        .limits
        .check("subscribe", &ip, Some(&auth::secret_hash(&email)))?;
    let secret = auth::new_secret("")?;
    let hash = auth::secret_hash(&secret);
    let manage_token = auth::new_secret("")?;
    // A signed-in person subscribing their own (verified) address consents by doing so.
    let own_address = caller
        .as_ref()
        .is_some_and(|c| c.user.email_verified && c.user.email == email);
    let mail = if own_address {
        None
    } else {
        let link = format!(
            "{}/subscriptions/confirm/{secret}",
            state.settings.public_url
        );
        let summary = filters.describe(&state.vocabularies, lang);
        Some(crate::mails::outbox(
            &kynnys_mailer::Template::SubscriptionConfirm {
                link: &link,
                summary: &summary,
            },
            &email,
            lang,
            format!("subscription_confirm:{hash}"),
        )?)
    };
    let store = state.store.clone();
    let user_id = caller.map(|c| c.user.id);
    let source = if user_id.is_some() { "account" } else { source };
    let now = Utc::now();
    let created = db(move || {
        let sub = store.create_subscription(
            &NewSubscription {
                email: &email,
                lang,
                frequency,
                filters: &filters,
                confirm_token_hash: &hash,
                confirm_expires_at: now + TimeDelta::hours(CONFIRM_HOURS),
                manage_token: &manage_token,
                user_id: user_id.as_deref(),
                source,
                ip: Some(&ip),
            },
            mail.as_ref(),
            now,
        )?;
        if own_address {
            store.confirm_subscription(&hash, Some(&ip), now)?;
        }
        Ok(sub)
    })
    .await?;
    tracing::info!(subscription_id = %created.id, source, "subscription requested");
    Ok(own_address)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfirmRequest {
    /// The token of the confirmation link.
    token: String,
}

async fn confirm(state: &ApiState, token: &str, ip: String) -> Result<Subscription, ApiError> {
    let store = state.store.clone();
    let hash = auth::secret_hash(token);
    db(move || store.confirm_subscription(&hash, Some(&ip), Utc::now()))
        .await?
        .ok_or(ApiError::InvalidToken)
}

/// Confirm a subscription.
#[utoipa::path(
    tag = "subscriptions",
    request_body = ConfirmRequest,
    responses(
        (status = 200, description = "Confirmed", body = SubscriptionView),
        (status = 400, description = "Malformed JSON, or the link is invalid, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/subscriptions/confirm")]
pub(crate) async fn confirm_json(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: ConfirmRequest = body.parse()?;
    let sub = confirm(&state, &input.token, client_addr(&req, &state)).await?;
    Ok(HttpResponse::Ok().json(view(sub, &state)))
}

async fn by_token(state: &ApiState, token: String) -> Result<Subscription, ApiError> {
    let store = state.store.clone();
    db(move || store.subscription_by_manage_token(&token))
        .await?
        .ok_or(ApiError::NotFound)
}

/// A subscription, by the token of its manage link.
#[utoipa::path(
    tag = "subscriptions",
    params(("token" = String, Path, description = "The token of the manage link")),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionView),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/subscriptions/{token}")]
pub(crate) async fn get_subscription(
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sub = by_token(&state, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view(sub, &state)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateSubscription {
    lang: Lang,
    frequency: Frequency,
    filters: SearchFilters,
}

/// Change a subscription's language, frequency and filters.
#[utoipa::path(
    tag = "subscriptions",
    params(("token" = String, Path, description = "The token of the manage link")),
    request_body = UpdateSubscription,
    responses(
        (status = 200, description = "Changed", body = SubscriptionView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription (or unsubscribed)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/v1/subscriptions/{token}")]
pub(crate) async fn update_subscription(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: UpdateSubscription = body.parse()?;
    input
        .filters
        .validate(&state.vocabularies)
        .map_err(ApiError::Validation)?;
    let store = state.store.clone();
    let token = path.into_inner();
    let sub = db(move || {
        store.update_subscription(
            &token,
            input.lang,
            input.frequency,
            &input.filters,
            Utc::now(),
        )
    })
    .await?
    .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(view(sub, &state)))
}

/// Unsubscribe, by the token of the manage link.
#[utoipa::path(
    tag = "subscriptions",
    params(("token" = String, Path, description = "The token of the manage link")),
    responses(
        (status = 204, description = "Unsubscribed (also when it already was)"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/v1/subscriptions/{token}")]
pub(crate) async fn delete_subscription(
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    by_token(&state, token.clone()).await?;
    let store = state.store.clone();
    db(move || store.unsubscribe(&token, Utc::now())).await?;
    Ok(HttpResponse::NoContent().finish())
}

// --- Pages ------------------------------------------------------------------------------------

struct PageForm {
    action: String,
    button: &'static str,
    manage: bool,
    lang_label: &'static str,
    frequency_label: &'static str,
    langs: Vec<(&'static str, &'static str, bool)>,
    frequencies: Vec<(&'static str, &'static str, bool)>,
}

#[derive(askama::Template)]
#[template(path = "token_page.html")]
struct TokenPage {
    lang: &'static str,
    title: &'static str,
    message: &'static str,
    details: Option<String>,
    form: Option<PageForm>,
    links: Vec<(String, &'static str)>,
}

/// Texts of the pages: (title, message) per situation and language.
fn texts(key: &str, lang: Lang) -> (&'static str, &'static str) {
    match (key, lang) {
        ("confirm", Lang::Fi) => (
            "Vahvista tilaus",
            "Vahvista, että haluat koosteen sähköpostiisi.",
        ),
        ("confirm", Lang::Sv) => (
            "Bekräfta prenumerationen",
            "Bekräfta att du vill få sammandraget per e-post.",
        ),
        ("confirm", Lang::En) => (
            "Confirm your subscription",
            "Confirm that you want to receive the digest by e-mail.",
        ),
        ("confirmed", Lang::Fi) => (
            "Tilaus on vahvistettu",
            "Kiitos! Saat koosteen seuraavan kerran, kun siinä on uutta.",
        ),
        ("confirmed", Lang::Sv) => (
            "Prenumerationen är bekräftad",
            "Tack! Du får sammandraget nästa gång det finns något nytt.",
        ),
        ("confirmed", Lang::En) => (
            "Subscription confirmed",
            "Thank you! You will get the digest the next time there is something new.",
        ),
        ("unsubscribe", Lang::Fi) => ("Peru tilaus", "Haluatko lopettaa koosteen tilauksen?"),
        ("unsubscribe", Lang::Sv) => (
            "Avsluta prenumerationen",
            "Vill du sluta prenumerera på sammandraget?",
        ),
        ("unsubscribe", Lang::En) => ("Unsubscribe", "Do you want to stop receiving the digest?"),
        ("unsubscribed", Lang::Fi) => ("Tilaus on peruttu", "Et saa enää tätä koostetta."),
        ("unsubscribed", Lang::Sv) => (
            "Prenumerationen är avslutad",
            "Du får inte längre det här sammandraget.",
        ),
        ("unsubscribed", Lang::En) => {
            ("Unsubscribed", "You will not receive this digest any more.")
        }
        ("manage", Lang::Fi) => (
            "Koosteen asetukset",
            "Valitse koosteen kieli ja kuinka usein se lähetetään.",
        ),
        ("manage", Lang::Sv) => (
            "Inställningar för sammandraget",
            "Välj sammandragets språk och hur ofta det skickas.",
        ),
        ("manage", Lang::En) => (
            "Digest settings",
            "Choose the language of the digest and how often it is sent.",
        ),
        ("still_running", Lang::Fi) => (
            "Onko toiminta yhä käynnissä?",
            "Vahvista, että ilmoitus on edelleen ajan tasalla.",
        ),
        ("still_running", Lang::Sv) => (
            "Pågår verksamheten fortfarande?",
            "Bekräfta att annonsen fortfarande stämmer.",
        ),
        ("still_running", Lang::En) => (
            "Is it still running?",
            "Confirm that the listing is still up to date.",
        ),
        ("running_confirmed", Lang::Fi) => ("Kiitos!", "Ilmoitus on merkitty ajantasaiseksi."),
        ("running_confirmed", Lang::Sv) => ("Tack!", "Annonsen är markerad som aktuell."),
        ("running_confirmed", Lang::En) => ("Thank you!", "The listing is marked as up to date."),
        ("saved", Lang::Fi) => ("Tallennettu", "Asetukset on tallennettu."),
        ("saved", Lang::Sv) => ("Sparat", "Inställningarna har sparats."),
        ("saved", Lang::En) => ("Saved", "Your settings are saved."),
        (_, Lang::Fi) => (
            "Linkki ei toimi",
            "Linkki on virheellinen, jo käytetty tai vanhentunut.",
        ),
        (_, Lang::Sv) => (
            "Länken fungerar inte",
            "Länken är ogiltig, redan använd eller har gått ut.",
        ),
        (_, Lang::En) => (
            "The link does not work",
            "The link is invalid, already used or expired.",
        ),
    }
}

fn button(key: &str, lang: Lang) -> &'static str {
    match (key, lang) {
        ("confirm", Lang::Fi) => "Vahvista tilaus",
        ("confirm", Lang::Sv) => "Bekräfta",
        ("confirm", Lang::En) => "Confirm",
        ("unsubscribe", Lang::Fi) => "Peru tilaus",
        ("unsubscribe", Lang::Sv) => "Avsluta prenumerationen",
        ("unsubscribe", Lang::En) => "Unsubscribe",
        ("still_running", Lang::Fi) => "Kyllä, toiminta jatkuu",
        ("still_running", Lang::Sv) => "Ja, verksamheten fortsätter",
        ("still_running", Lang::En) => "Yes, it is still running",
        ("change_search", Lang::Fi) => "Muuta hakua",
        ("change_search", Lang::Sv) => "Ändra sökningen",
        ("change_search", Lang::En) => "Change the search",
        (_, Lang::Fi) => "Tallenna",
        (_, Lang::Sv) => "Spara",
        (_, Lang::En) => "Save",
    }
}

fn page(status: actix_web::http::StatusCode, page: TokenPage) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type(ContentType::html())
            .insert_header(("Cache-Control", "no-store"))
            .insert_header(("Referrer-Policy", "no-referrer"))
            .body(html),
        Err(e) => ApiError::Internal(e.to_string()).render(Lang::Fi),
    }
}

fn simple(
    key: &str,
    lang: Lang,
    form: Option<PageForm>,
    links: Vec<(String, &'static str)>,
) -> TokenPage {
    let (title, message) = texts(key, lang);
    TokenPage {
        lang: lang.code(),
        title,
        message,
        details: None,
        form,
        links,
    }
}

fn button_form(action: String, key: &str, lang: Lang) -> PageForm {
    PageForm {
        action,
        button: button(key, lang),
        manage: false,
        lang_label: "",
        frequency_label: "",
        langs: Vec::new(),
        frequencies: Vec::new(),
    }
}

fn invalid_link(lang: Lang) -> HttpResponse {
    page(
        actix_web::http::StatusCode::NOT_FOUND,
        simple("invalid", lang, None, Vec::new()),
    )
}

fn manage_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Fi => "Koosteen asetukset",
        Lang::Sv => "Inställningar för sammandraget",
        Lang::En => "Digest settings",
    }
}

async fn confirm_page(req: HttpRequest) -> HttpResponse {
    let lang = crate::lang::request_lang(&req);
    let action = req.path().to_owned();
    page(
        actix_web::http::StatusCode::OK,
        simple(
            "confirm",
            lang,
            Some(button_form(action, "confirm", lang)),
            Vec::new(),
        ),
    )
}

async fn confirm_submit(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> HttpResponse {
    let request_lang = crate::lang::request_lang(&req);
    match confirm(&state, &path.into_inner(), client_addr(&req, &state)).await {
        Ok(sub) => page(
            actix_web::http::StatusCode::OK,
            simple(
                "confirmed",
                sub.lang,
                None,
                vec![(
                    manage_link(&state, &sub.manage_token),
                    manage_label(sub.lang),
                )],
            ),
        ),
        Err(_) => invalid_link(request_lang),
    }
}

async fn unsubscribe_page(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> HttpResponse {
    match by_token(&state, path.into_inner()).await {
        Ok(sub) => page(
            actix_web::http::StatusCode::OK,
            simple(
                "unsubscribe",
                sub.lang,
                Some(button_form(req.path().to_owned(), "unsubscribe", sub.lang)),
                Vec::new(),
            ),
        ),
        Err(_) => invalid_link(crate::lang::request_lang(&req)),
    }
}

/// RFC 8058: a POST (from the page's button, or a mail client's one-click with the body
/// `List-Unsubscribe=One-Click`) unsubscribes at once.
async fn unsubscribe_submit(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> HttpResponse {
    let token = path.into_inner();
    let Ok(sub) = by_token(&state, token.clone()).await else {
        return invalid_link(crate::lang::request_lang(&req));
    };
    let store = state.store.clone();
    match db(move || store.unsubscribe(&token, Utc::now())).await {
        Ok(_) => {
            tracing::info!(subscription_id = %sub.id, "unsubscribed");
            page(
                actix_web::http::StatusCode::OK,
                simple("unsubscribed", sub.lang, None, Vec::new()),
            )
        }
        Err(e) => e.render(sub.lang),
    }
}

fn manage_form(action: String, sub: &Subscription) -> PageForm {
    let lang = sub.lang;
    PageForm {
        action,
        button: button("save", lang),
        manage: true,
        lang_label: match lang {
            Lang::Fi => "Kieli",
            Lang::Sv => "Språk",
            Lang::En => "Language",
        },
        frequency_label: match lang {
            Lang::Fi => "Kuinka usein",
            Lang::Sv => "Hur ofta",
            Lang::En => "How often",
        },
        langs: vec![
            ("fi", "suomi", sub.lang == Lang::Fi),
            ("sv", "svenska", sub.lang == Lang::Sv),
            ("en", "English", sub.lang == Lang::En),
        ],
        frequencies: vec![
            (
                "weekly",
                match lang {
                    Lang::Fi => "kerran viikossa",
                    Lang::Sv => "en gång i veckan",
                    Lang::En => "weekly",
                },
                sub.frequency == Frequency::Weekly,
            ),
            (
                "daily",
                match lang {
                    Lang::Fi => "päivittäin",
                    Lang::Sv => "dagligen",
                    Lang::En => "daily",
                },
                sub.frequency == Frequency::Daily,
            ),
        ],
    }
}

fn manage_view(state: &ApiState, sub: &Subscription, key: &str, action: String) -> HttpResponse {
    let mut body = simple(
        key,
        sub.lang,
        Some(manage_form(action, sub)),
        vec![
            (
                crate::accounts::link(
                    state,
                    sub.lang,
                    &format!("subscriptions/edit/{}", sub.manage_token),
                ),
                button("change_search", sub.lang),
            ),
            (
                unsubscribe_link(state, &sub.manage_token),
                button("unsubscribe", sub.lang),
            ),
        ],
    );
    body.details = Some(sub.filters.describe(&state.vocabularies, sub.lang));
    page(actix_web::http::StatusCode::OK, body)
}

async fn manage_page(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> HttpResponse {
    match by_token(&state, path.into_inner()).await {
        Ok(sub) if sub.status != SubscriptionStatus::Unsubscribed => {
            manage_view(&state, &sub, "manage", req.path().to_owned())
        }
        _ => invalid_link(crate::lang::request_lang(&req)),
    }
}

#[derive(Debug, Deserialize)]
struct ManageForm {
    lang: Lang,
    frequency: Frequency,
}

async fn manage_submit(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    form: web::Form<ManageForm>,
) -> HttpResponse {
    let token = path.into_inner();
    let Ok(sub) = by_token(&state, token.clone()).await else {
        return invalid_link(crate::lang::request_lang(&req));
    };
    let store = state.store.clone();
    let form = form.into_inner();
    let filters = sub.filters.clone();
    match db(move || {
        store.update_subscription(&token, form.lang, form.frequency, &filters, Utc::now())
    })
    .await
    {
        Ok(Some(updated)) => manage_view(&state, &updated, "saved", req.path().to_owned()),
        Ok(None) => invalid_link(sub.lang),
        Err(e) => e.render(sub.lang),
    }
}

async fn still_running_page(req: HttpRequest) -> HttpResponse {
    let lang = crate::lang::request_lang(&req);
    page(
        actix_web::http::StatusCode::OK,
        simple(
            "still_running",
            lang,
            Some(button_form(req.path().to_owned(), "still_running", lang)),
            Vec::new(),
        ),
    )
}

/// The one-click "still running" of a reminder mail: updates `last_confirmed_at`.
async fn still_running_submit(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> HttpResponse {
    let lang = crate::lang::request_lang(&req);
    let store = state.store.clone();
    let hash = auth::secret_hash(&path.into_inner());
    match db(move || store.confirm_listing_by_token(&hash, Utc::now())).await {
        Ok(Some(listing_id)) => {
            tracing::info!(listing_id = %listing_id, "listing confirmed by a reminder link");
            page(
                actix_web::http::StatusCode::OK,
                simple("running_confirmed", lang, None, Vec::new()),
            )
        }
        Ok(None) => invalid_link(lang),
        Err(e) => e.render(lang),
    }
}
