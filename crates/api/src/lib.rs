//! The HTTP API under `/api/v1`: handlers, authentication and authorisation, request parsing,
//! problem details and the OpenAPI document. Every route is registered through
//! utoipa-actix-web, so the document cannot drift from the code.

mod accounts;
mod auth;
mod body;
mod changes;
mod docs;
mod etag;
mod idempotency;
mod lang;
mod listings;
mod mails;
mod organisations;
mod policy;
mod problem;
mod rate_limit;
mod request_log;
mod search;
mod subscriptions;
mod views;
mod vocabularies;

pub use accounts::{
    NewSession, Registration, client_addr, create_token_as, register_as, request_password_reset_as,
    reset_password_as, session_removal_cookie, start_session, verify_email_as,
};
pub use auth::{
    API_TOKEN_PREFIX, AuthUser, CSRF_HEADER, Caller, SESSION_COOKIE, SessionUser, auth_user,
    hash_password, new_secret, secret_hash, session_user,
};
pub use body::MAX_BODY_BYTES;
pub use docs::{api_doc, openapi, service as docs_service};
pub use etag::etag;
pub use idempotency::idempotency;
pub use listings::{create_listing_as, listing_action_as, patch_listing_as, visible_listing};
pub use organisations::{
    accept_invitation_as, decide_organisation_as, invite_as, members_as, merge_patch,
    put_member_as, register_organisation_as, remove_member_as,
};
pub use policy::{Action, allowed, authorize};
pub use problem::{ApiError, ParameterProblem, Problem, localize};
pub use rate_limit::RateLimits;
pub use request_log::{REQUEST_ID, request_log};
pub use search::parse as parse_search_query;
pub use subscriptions::{SubscriptionRequest, pages as subscription_pages, subscribe_as};
pub use views::{CreatedToken, TokenView};

use actix_web::web;
use kynnys_domain::Vocabularies;
use kynnys_search::SearchIndex;
use kynnys_store::{Store, StoreError};
use std::sync::Arc;
use utoipa_actix_web::service_config::ServiceConfig;

/// Settings of the API that come from the configuration.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Public base URL, for links in mails (`https://kynnys.example.org`).
    pub public_url: String,
    /// Mark the session cookie `Secure` (when served over https).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
}

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    pub index: Arc<SearchIndex>,
    pub vocabularies: Arc<Vocabularies>,
    pub store: Store,
    pub settings: Arc<ApiSettings>,
    pub limits: Arc<RateLimits>,
}

/// Runs a blocking store call off the async executor.
pub(crate) async fn db<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    Ok(web::block(f).await??)
}

/// Registers every API route (their state comes from `App::app_data(web::Data<ApiState>)`).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(search::search)
        .service(vocabularies::vocabularies)
        .service(changes::changes)
        .configure(accounts::routes)
        .configure(organisations::routes)
        .configure(listings::routes)
        .configure(subscriptions::routes)
        .default_service(web::to(problem::no_route));
}
