//! The OpenAPI 3.1 document (collected from the routes by utoipa-actix-web) and its offline
//! viewer.

use actix_web::App;
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::SESSION_COOKIE,
                "Session cookie from POST /api/v1/auth/login; writes also need the X-CSRF-Token header.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kynnys API",
        description = "Low-threshold integration activities, events and trainings in Finland: \
            search, read, publish and moderate. JSON in, JSON out; errors are RFC 9457 problem \
            details (`application/problem+json`) with a stable `code`, a `title` in the \
            requested language and `errors[]` per field. Request bodies are limited to 256 KiB. \
            `lang` (fi, sv, en) or `Accept-Language` picks the language of texts and messages.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    modifiers(&SecuritySchemes),
    // Types used only in parameters are not collected from the routes.
    components(schemas(
        kynnys_search::Sort,
        kynnys_domain::Kind,
        kynnys_domain::Lang,
        kynnys_domain::ListingStatus
    )),
    tags(
        (name = "search", description = "Full-text search with filters and facets"),
        (name = "listings", description = "Activities, events and trainings"),
        (name = "organisations", description = "Organisations and their members"),
        (name = "moderation", description = "Review of organisations and listings"),
        (name = "subscriptions", description = "Digest e-mails: subscribe, confirm, manage, unsubscribe"),
        (name = "accounts", description = "Registration, login, API tokens"),
        (name = "admin", description = "Platform roles"),
        (name = "vocabularies", description = "Themes, target groups, languages, areas"),
    )
)]
struct ApiDoc;

/// The document's frame (info, tags, security schemes) without paths.
pub fn api_doc() -> OpenApiDocument {
    ApiDoc::openapi()
}

/// The complete document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> OpenApiDocument {
    App::new()
        .into_utoipa_app()
        .openapi(api_doc())
        .configure(crate::routes)
        .split_for_parts()
        .1
}

/// Serves the document at `/api/v1/openapi.json` and the viewer at `/api/docs/` (its assets are
/// compiled in: no network needed).
pub fn service(document: OpenApiDocument) -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/v1/openapi.json", document)
}
