//! RFC 9457 problem details: `application/problem+json` with a stable `code`, a `title` in the
//! reader's language and, for invalid input, one entry per field or parameter. [`ApiError`] is the
//! one error type of the API and [`localize`] the one place that turns errors into responses in
//! the language of the request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use kynnys_domain::{FieldProblem, Lang, ListingAction, ListingStatus};
use kynnys_store::StoreError;
use serde::Serialize;
use thiserror::Error;
use utoipa::ToSchema;

/// One invalid query parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ParameterProblem {
    pub parameter: String,
    pub code: &'static str,
    pub message: String,
}

/// Errors of the API.
#[derive(Debug, Error)]
pub enum ApiError {
    #[error("invalid parameters")]
    InvalidParameters {
        lang: Lang,
        problems: Vec<ParameterProblem>,
    },
    #[error("the body is not well-formed JSON: {0}")]
    MalformedJson(String),
    #[error("unsupported content type (expected {expected})")]
    UnsupportedMediaType { expected: &'static str },
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the body has invalid fields")]
    Validation(Vec<FieldProblem>),
    #[error("authentication required")]
    Unauthenticated,
    #[error("the API token is unknown or revoked")]
    InvalidApiToken,
    #[error("wrong e-mail address or password")]
    InvalidCredentials,
    #[error("the e-mail address is not verified")]
    EmailNotVerified,
    #[error("not allowed")]
    Forbidden,
    #[error("missing or wrong CSRF token")]
    CsrfFailed,
    #[error("not found")]
    NotFound,
    #[error("deleted")]
    Gone,
    #[error("a {from} listing cannot take the action {action}")]
    InvalidTransition {
        from: ListingStatus,
        action: ListingAction,
    },
    /// A conflict with the stored state; the code names it (e.g. `last_owner`).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("the link is invalid, used or expired")]
    InvalidToken,
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    #[error("the Idempotency-Key was used with a different request")]
    IdempotencyKeyReused,
    #[error("the first request with this Idempotency-Key is still running")]
    IdempotencyInProgress,
    /// An error produced outside our handlers (unknown route, wrong method, ...).
    #[error("{detail}")]
    Http { status: StatusCode, detail: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => ApiError::NotFound,
            StoreError::Conflict("last owner") => ApiError::Conflict("last_owner"),
            StoreError::Conflict("membership") => ApiError::Conflict("already_member"),
            StoreError::Conflict("external id") => ApiError::Conflict("external_id_taken"),
            StoreError::Conflict("listing is past its end") => {
                ApiError::Conflict("listing_expired")
            }
            StoreError::Conflict(_) => ApiError::Conflict("conflict"),
            StoreError::InvalidTransition { from, action } => {
                ApiError::InvalidTransition { from, action }
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

/// One entry of `errors[]`: a body field (`path`) or a query parameter (`parameter`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    pub code: String,
    pub message: String,
}

/// An RFC 9457 problem details document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary in the language of the request.
    pub title: String,
    pub status: u16,
    /// Stable, machine-readable.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemEntry>,
    /// The id of the request in the server's log (also in the `X-Request-Id` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

fn title(code: &str, lang: Lang) -> &'static str {
    match (code, lang) {
        ("invalid_parameters", Lang::Fi) => "Virheellisiä parametreja",
        ("invalid_parameters", Lang::Sv) => "Ogiltiga parametrar",
        ("invalid_parameters", Lang::En) => "Invalid parameters",
        ("invalid_json", Lang::Fi) => "Pyynnön runko ei ole kelvollista JSONia",
        ("invalid_json", Lang::Sv) => "Begärans innehåll är inte giltig JSON",
        ("invalid_json", Lang::En) => "The request body is not valid JSON",
        ("unsupported_media_type", Lang::Fi) => "Sisältötyyppiä ei tueta",
        ("unsupported_media_type", Lang::Sv) => "Innehållstypen stöds inte",
        ("unsupported_media_type", Lang::En) => "Unsupported content type",
        ("payload_too_large", Lang::Fi) => "Pyyntö on liian suuri",
        ("payload_too_large", Lang::Sv) => "Begäran är för stor",
        ("payload_too_large", Lang::En) => "The request is too large",
        ("validation_failed", Lang::Fi) => "Tiedoissa on virheitä",
        ("validation_failed", Lang::Sv) => "Uppgifterna innehåller fel",
        ("validation_failed", Lang::En) => "The data has errors",
        ("unauthenticated", Lang::Fi) => "Kirjautuminen vaaditaan",
        ("unauthenticated", Lang::Sv) => "Inloggning krävs",
        ("unauthenticated", Lang::En) => "Authentication required",
        ("invalid_api_token", Lang::Fi) => "API-avain on tuntematon tai peruttu",
        ("invalid_api_token", Lang::Sv) => "API-nyckeln är okänd eller återkallad",
        ("invalid_api_token", Lang::En) => "The API token is unknown or revoked",
        ("invalid_credentials", Lang::Fi) => "Väärä sähköpostiosoite tai salasana",
        ("invalid_credentials", Lang::Sv) => "Fel e-postadress eller lösenord",
        ("invalid_credentials", Lang::En) => "Wrong e-mail address or password",
        ("email_not_verified", Lang::Fi) => "Sähköpostiosoitetta ei ole vahvistettu",
        ("email_not_verified", Lang::Sv) => "E-postadressen är inte bekräftad",
        ("email_not_verified", Lang::En) => "The e-mail address is not verified",
        ("forbidden", Lang::Fi) => "Ei oikeutta",
        ("forbidden", Lang::Sv) => "Ingen behörighet",
        ("forbidden", Lang::En) => "Not allowed",
        ("csrf_failed", Lang::Fi) => "CSRF-tunniste puuttuu tai on väärä",
        ("csrf_failed", Lang::Sv) => "CSRF-token saknas eller är fel",
        ("csrf_failed", Lang::En) => "Missing or wrong CSRF token",
        ("not_found", Lang::Fi) => "Ei löytynyt",
        ("not_found", Lang::Sv) => "Hittades inte",
        ("not_found", Lang::En) => "Not found",
        ("gone", Lang::Fi) => "Poistettu",
        ("gone", Lang::Sv) => "Borttagen",
        ("gone", Lang::En) => "Deleted",
        ("invalid_transition", Lang::Fi) => "Toiminto ei ole mahdollinen tässä tilassa",
        ("invalid_transition", Lang::Sv) => "Åtgärden är inte möjlig i det här läget",
        ("invalid_transition", Lang::En) => "The action is not possible in this state",
        ("last_owner", Lang::Fi) => "Organisaatiolla on oltava ainakin yksi omistaja",
        ("last_owner", Lang::Sv) => "Organisationen måste ha minst en ägare",
        ("last_owner", Lang::En) => "The organisation must keep at least one owner",
        ("already_member", Lang::Fi) => "Olet jo jäsen tai pyyntö on jo lähetetty",
        ("already_member", Lang::Sv) => "Du är redan medlem eller har redan ansökt",
        ("already_member", Lang::En) => "Already a member, or already asked to join",
        ("external_id_taken", Lang::Fi) => "Tunniste external_id on jo käytössä",
        ("external_id_taken", Lang::Sv) => "Identifieraren external_id används redan",
        ("external_id_taken", Lang::En) => "The external_id is already in use",
        ("listing_expired", Lang::Fi) => "Ilmoituksen voimassaolo on päättynyt",
        ("listing_expired", Lang::Sv) => "Annonsens giltighetstid har gått ut",
        ("listing_expired", Lang::En) => "The listing is past its end",
        ("organisation_not_approved", Lang::Fi) => "Organisaatiota ei ole vielä hyväksytty",
        ("organisation_not_approved", Lang::Sv) => "Organisationen är ännu inte godkänd",
        ("organisation_not_approved", Lang::En) => "The organisation is not approved yet",
        ("invalid_token", Lang::Fi) => "Linkki on virheellinen, käytetty tai vanhentunut",
        ("invalid_token", Lang::Sv) => "Länken är ogiltig, använd eller har gått ut",
        ("invalid_token", Lang::En) => "The link is invalid, used or expired",
        ("rate_limited", Lang::Fi) => "Liian monta pyyntöä, yritä hetken kuluttua",
        ("rate_limited", Lang::Sv) => "För många förfrågningar, försök igen om en stund",
        ("rate_limited", Lang::En) => "Too many requests, try again in a moment",
        ("idempotency_key_reused", Lang::Fi) => "Idempotency-Key on jo käytetty toiseen pyyntöön",
        ("idempotency_key_reused", Lang::Sv) => {
            "Idempotency-Key har redan använts för en annan begäran"
        }
        ("idempotency_key_reused", Lang::En) => {
            "The Idempotency-Key was used with a different request"
        }
        ("idempotency_in_progress", Lang::Fi) => "Sama pyyntö on vielä käsittelyssä",
        ("idempotency_in_progress", Lang::Sv) => "Samma begäran behandlas fortfarande",
        ("idempotency_in_progress", Lang::En) => "The same request is still being processed",
        ("method_not_allowed", Lang::Fi) => "Menetelmä ei ole sallittu",
        ("method_not_allowed", Lang::Sv) => "Metoden är inte tillåten",
        ("method_not_allowed", Lang::En) => "Method not allowed",
        ("bad_request", Lang::Fi) => "Virheellinen pyyntö",
        ("bad_request", Lang::Sv) => "Felaktig begäran",
        ("bad_request", Lang::En) => "Bad request",
        (_, Lang::Fi) => "Sisäinen virhe",
        (_, Lang::Sv) => "Internt fel",
        (_, Lang::En) => "Internal error",
    }
}

impl ApiError {
    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidParameters { .. } => "invalid_parameters",
            ApiError::MalformedJson(_) => "invalid_json",
            ApiError::UnsupportedMediaType { .. } => "unsupported_media_type",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::Validation(_) => "validation_failed",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::InvalidApiToken => "invalid_api_token",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::EmailNotVerified => "email_not_verified",
            ApiError::Forbidden => "forbidden",
            ApiError::CsrfFailed => "csrf_failed",
            ApiError::NotFound => "not_found",
            ApiError::Gone => "gone",
            ApiError::InvalidTransition { .. } => "invalid_transition",
            ApiError::Conflict(code) => code,
            ApiError::InvalidToken => "invalid_token",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::IdempotencyInProgress => "idempotency_in_progress",
            ApiError::Http { status, .. } => match *status {
                StatusCode::NOT_FOUND => "not_found",
                StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
                StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                s if s.is_client_error() => "bad_request",
                _ => "internal_error",
            },
            ApiError::Internal(_) => "internal_error",
        }
    }

    /// The problem document in `lang`.
    pub fn problem(&self, lang: Lang) -> Problem {
        let code = self.code();
        let (detail, errors) = match self {
            ApiError::InvalidParameters { problems, .. } => (
                problems.first().map(|p| p.message.clone()),
                problems
                    .iter()
                    .map(|p| ProblemEntry {
                        path: None,
                        parameter: Some(p.parameter.clone()),
                        code: p.code.to_owned(),
                        message: p.message.clone(),
                    })
                    .collect(),
            ),
            ApiError::Validation(problems) => (
                None,
                problems
                    .iter()
                    .map(|p| ProblemEntry {
                        path: Some(p.path.clone()),
                        parameter: None,
                        code: p.code.as_str().to_owned(),
                        message: match &p.detail {
                            Some(detail) if p.code == kynnys_domain::ProblemCode::UnknownValue => {
                                format!("{} ({detail})", p.code.message(lang))
                            }
                            _ => p.code.message(lang).to_owned(),
                        },
                    })
                    .collect(),
            ),
            ApiError::Internal(_) => (None, Vec::new()),
            other => (Some(other.to_string()), Vec::new()),
        };
        Problem {
            kind: format!("urn:kynnys:problem:{code}"),
            title: title(code, lang).to_owned(),
            status: self.status_code().as_u16(),
            code: code.to_owned(),
            detail,
            errors,
            request_id: None,
        }
    }

    /// The response in `lang`.
    pub fn render(&self, lang: Lang) -> HttpResponse {
        self.render_for(lang, None)
    }

    /// The response in `lang`, naming the request.
    pub fn render_for(&self, lang: Lang, request_id: Option<String>) -> HttpResponse {
        if let ApiError::Internal(reason) = self {
            tracing::error!(error = %reason, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        match self {
            ApiError::RateLimited { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unauthenticated | ApiError::InvalidApiToken => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        let mut problem = self.problem(lang);
        problem.request_id = request_id;
        response.json(problem)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidParameters { .. }
            | ApiError::MalformedJson(_)
            | ApiError::InvalidToken => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_) | ApiError::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Unauthenticated
            | ApiError::InvalidApiToken
            | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::EmailNotVerified | ApiError::Forbidden | ApiError::CsrfFailed => {
                StatusCode::FORBIDDEN
            }
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Gone => StatusCode::GONE,
            ApiError::InvalidTransition { .. }
            | ApiError::Conflict(_)
            | ApiError::IdempotencyInProgress => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Http { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.render(Lang::Fi)
    }
}

/// The answer when no route takes a request (the application's default service): 405 when a
/// route has the path but not the method, else 404. Rendered by [`localize`].
pub(crate) async fn no_route(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(if req.resource_map().has_resource(req.path()) {
        ApiError::Http {
            status: StatusCode::METHOD_NOT_ALLOWED,
            detail: "no route of this path takes the method".into(),
        }
    } else {
        ApiError::NotFound
    })
}

/// Middleware: renders every error response as problem details in the language of the request
/// (`lang` parameter, else `Accept-Language`, else Finnish), including errors raised outside our
/// handlers (unknown routes, wrong methods, extractor failures).
pub async fn localize(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let lang = crate::lang::request_lang(req.request());
    let request_id = req
        .extensions()
        .get::<crate::request_log::RequestId>()
        .map(|r| r.0.clone());
    let res = next.call(req).await?;
    let status = res.status();
    if !status.is_client_error() && !status.is_server_error() {
        return Ok(res.map_into_left_body());
    }
    // The web pages' own error pages pass as they are, and so do problem documents that are
    // not ours to re-render (ours are rendered again in the request's language).
    let rendered_already = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v == HeaderValue::from_static("application/problem+json")
            || v.as_bytes().starts_with(b"text/html")
    });
    let error = res.response().error();
    let rendered = match error.and_then(|e| e.as_error::<ApiError>()) {
        Some(api) => api.render_for(lang, request_id),
        None if rendered_already => return Ok(res.map_into_left_body()),
        None => {
            let detail = match error {
                Some(error) => error.to_string(),
                None => status
                    .canonical_reason()
                    .unwrap_or("request failed")
                    .to_owned(),
            };
            ApiError::Http { status, detail }.render_for(lang, request_id)
        }
    };
    let (req, original) = res.into_parts();
    let mut rendered = rendered;
    // Keep headers the framework set (e.g. Allow on 405).
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, rendered).map_into_right_body())
}
