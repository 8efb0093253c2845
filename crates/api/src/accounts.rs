//! Accounts: registration with e-mail verification, login sessions, password reset, the
//! signed-in person, personal API tokens and platform roles.

use crate::auth::{self, AuthUser, Caller, SESSION_COOKIE};
use crate::body::JsonBody;
use crate::lang::RequestLang;
use crate::mails::{Mail, ToOutbox};
use crate::policy::{Action, authorize};
use crate::problem::Problem;
use crate::views::{Ack, CreatedToken, MeView, TokenList, TokenView};
use crate::{ApiError, ApiState, db};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{TimeDelta, Utc};
use kynnys_domain::{FieldProblem, Lang, PlatformRole, ProblemCode, check_email, check_password};
use kynnys_store::{NewEmailToken, NewUser, TokenPurpose};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

const SESSION_DAYS: i64 = 14;
const VERIFY_HOURS: i64 = 48;
const RESET_HOURS: i64 = 2;
const MAX_NAME_CHARS: usize = 100;

pub(crate) fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(verify_email)
        .service(login)
        .service(logout)
        .service(request_password_reset)
        .service(confirm_password_reset)
        .service(me)
        .service(list_tokens)
        .service(create_token)
        .service(revoke_token)
        .service(find_user)
        .service(set_role);
}

/// The address the request came from, for rate limits.
pub fn client_addr(req: &HttpRequest, state: &ApiState) -> String {
    if state.settings.trust_forwarded_for {
        req.connection_info()
            .realip_remote_addr()
            .unwrap_or("unknown")
            .to_owned()
    } else {
        req.peer_addr()
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
    }
}

/// A link into the web pages, for mails.
pub(crate) fn link(state: &ApiState, lang: Lang, path_and_query: &str) -> String {
    format!(
        "{}/{}/{}",
        state.settings.public_url.trim_end_matches('/'),
        lang.code(),
        path_and_query
    )
}

fn short_text(problems: &mut Vec<FieldProblem>, path: &str, value: &str) {
    let code = if value.trim().is_empty() {
        Some(ProblemCode::Blank)
    } else if value.chars().count() > MAX_NAME_CHARS {
        Some(ProblemCode::TooLong)
    } else if value.chars().any(char::is_control) {
        Some(ProblemCode::InvalidFormat)
    } else {
        None
    };
    if let Some(code) = code {
        problems.push(FieldProblem {
            path: path.into(),
            code,
            detail: None,
        });
    }
}

fn finish(problems: Vec<FieldProblem>) -> Result<(), ApiError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(problems))
    }
}

/// Hashes a password off the async executor.
async fn hashed(password: String) -> Result<String, ApiError> {
    web::block(move || auth::hash_password(&password)).await?
}

/// A new single-use token valid for `hours`: (secret for the link, its hash, expiry).
pub(crate) fn email_token(hours: i64) -> Result<(String, String, chrono::DateTime<Utc>), ApiError> {
    let secret = auth::new_secret("")?;
    let hash = auth::secret_hash(&secret);
    Ok((secret, hash, Utc::now() + TimeDelta::hours(hours)))
}

/// Stores a single-use token of an account with the mail that carries it.
async fn issue_user_token(
    state: &ApiState,
    user_id: String,
    email: String,
    purpose: TokenPurpose,
    hash: String,
    expires_at: chrono::DateTime<Utc>,
    mail: kynnys_store::NewMail,
) -> Result<(), ApiError> {
    let store = state.store.clone();
    db(move || {
        store.issue_email_token(
            &NewEmailToken {
                hash: &hash,
                purpose,
                email: &email,
                user_id: Some(&user_id),
                organisation_id: None,
                role: None,
                created_by: None,
                expires_at,
            },
            &mail,
            Utc::now(),
        )
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterRequest {
    email: String,
    /// At least 10 characters.
    password: String,
    display_name: Option<String>,
    /// Language of mails and pages (default: the request's language).
    lang: Option<Lang>,
}

/// Create an account.
///
/// Always answers 202, whether or not the address already has an account (no address
/// enumeration): a new address gets a verification link, a known one a notice with a password
/// reset link. The account can log in once the address is verified.
#[utoipa::path(
    tag = "accounts",
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "Accepted; a mail is on its way", body = Ack),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/register")]
pub(crate) async fn register(
    req: HttpRequest,
    state: web::Data<ApiState>,
    RequestLang(request_lang): RequestLang,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: RegisterRequest = body.parse()?;
    let registration = Registration {
        email: input.email,
        password: input.password,
        display_name: input.display_name,
        lang: input.lang.unwrap_or(request_lang),
    };
    register_as(&state, &client_addr(&req, &state), registration).await?;
    Ok(HttpResponse::Accepted().json(Ack { status: "accepted" }))
}

/// What a person registering gives.
#[derive(Debug)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub display_name: Option<String>,
    pub lang: Lang,
}

/// Registers an account from `client` (rate-limited) and mails the verification link; a known
/// address gets a mail instead (a new verification link, or a reset link when it is verified),
/// so the answer never tells whether an address is registered. The JSON API and the web pages
/// both call it.
pub async fn register_as(
    state: &ApiState,
    client: &str,
    input: Registration,
) -> Result<(), ApiError> {
    let email = input.email.trim().to_lowercase();
    let mut problems = Vec::new();
    problems.extend(check_email("email", &email).err());
    problems.extend(check_password("password", &input.password).err());
    if let Some(name) = &input.display_name {
        short_text(&mut problems, "display_name", name);
    }
    finish(problems)?;
    state
        .limits
        .check("register", client, Some(&auth::secret_hash(&email)))?;
    let lang = input.lang;
    // Hash in every case, so that known and unknown addresses take the same time.
    let password_hash = hashed(input.password).await?;
    let store = state.store.clone();
    let lookup = email.clone();
    let existing = db(move || store.user_by_email(&lookup)).await?;
    let now = Utc::now();
    match existing {
        None => {
            let (secret, hash, expires_at) = email_token(VERIFY_HOURS)?;
            let mail = Mail::VerifyEmail {
                link: &link(state, lang, &format!("account/verify?token={secret}")),
            }
            .to(&email, lang, format!("verify_email:{hash}"))?;
            let store = state.store.clone();
            let display_name = input.display_name;
            let created = db(move || {
                store.register_user(
                    &NewUser {
                        email: &email,
                        password_hash: Some(&password_hash),
                        display_name: display_name.as_deref(),
                        lang,
                        platform_role: PlatformRole::User,
                        verified: false,
                    },
                    &NewEmailToken {
                        hash: &hash,
                        purpose: TokenPurpose::VerifyEmail,
                        email: &email,
                        user_id: None,
                        organisation_id: None,
                        role: None,
                        created_by: None,
                        expires_at,
                    },
                    &mail,
                    now,
                )
            })
            .await;
            match created {
                Ok(user) => tracing::info!(user_id = %user.id, "account registered"),
                // Registered concurrently: the other request sent the mail.
                Err(ApiError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Some(user) => {
            let (purpose, hours) = if user.email_verified {
                (TokenPurpose::ResetPassword, RESET_HOURS)
            } else {
                (TokenPurpose::VerifyEmail, VERIFY_HOURS)
            };
            let (secret, hash, expires_at) = email_token(hours)?;
            let mail = if user.email_verified {
                Mail::AlreadyRegistered {
                    reset_link: &link(state, user.lang, &format!("account/reset?token={secret}")),
                }
                .to(&email, user.lang, format!("already_registered:{hash}"))?
            } else {
                Mail::VerifyEmail {
                    link: &link(state, user.lang, &format!("account/verify?token={secret}")),
                }
                .to(&email, user.lang, format!("verify_email:{hash}"))?
            };
            issue_user_token(state, user.id, email, purpose, hash, expires_at, mail).await?;
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenRequest {
    /// The token from the link in the mail.
    token: String,
}

/// Verify an e-mail address.
///
/// Uses up the token from the verification mail.
#[utoipa::path(
    tag = "accounts",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Verified", body = Ack),
        (status = 400, description = "Malformed JSON, or the token is invalid, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/verify-email")]
pub(crate) async fn verify_email(
    state: web::Data<ApiState>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: TokenRequest = body.parse()?;
    verify_email_as(&state, &input.token).await?;
    Ok(HttpResponse::Ok().json(Ack { status: "verified" }))
}

/// Verifies the address of the verification link's `token` (single use). The JSON API and the
/// web pages both call it.
pub async fn verify_email_as(state: &ApiState, token: &str) -> Result<(), ApiError> {
    let store = state.store.clone();
    let hash = auth::secret_hash(token);
    let now = Utc::now();
    db(move || {
        let Some(token) = store.consume_email_token(&hash, TokenPurpose::VerifyEmail, now)? else {
            return Ok(None);
        };
        let Some(user) = store.user_by_email(&token.email)? else {
            return Ok(None);
        };
        store.mark_email_verified(&user.id, now)?;
        Ok(Some(()))
    })
    .await?
    .ok_or(ApiError::InvalidToken)?;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    email: String,
    password: String,
}

/// A new session.
#[derive(Debug, serde::Serialize, ToSchema)]
pub(crate) struct SessionView {
    user: MeView,
    /// Send in the `X-CSRF-Token` header with every write made with the session cookie.
    csrf_token: String,
}

/// A session just opened.
pub struct NewSession {
    pub user: kynnys_store::User,
    pub memberships: Vec<kynnys_store::Membership>,
    /// The session cookie to set.
    pub cookie: Cookie<'static>,
    /// The token every write with the cookie must carry.
    pub csrf: String,
}

/// Checks an address and password (rate-limited per client and account) and opens a session:
/// the user, their memberships, the session cookie to set and the session's CSRF token. The
/// JSON API and the web login form both call it.
pub async fn start_session(
    state: &ApiState,
    client: &str,
    email: &str,
    password: String,
) -> Result<NewSession, ApiError> {
    let email = email.trim().to_lowercase();
    state
        .limits
        .check("login", client, Some(&auth::secret_hash(&email)))?;
    let store = state.store.clone();
    let user = db(move || store.user_by_email(&email)).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = web::block(move || auth::verify_password(&password, stored.as_deref())).await?;
    let user = user
        .filter(|_| matches)
        .ok_or(ApiError::InvalidCredentials)?;
    if !user.email_verified {
        return Err(ApiError::EmailNotVerified);
    }
    let session = auth::new_secret("")?;
    let csrf = auth::new_secret("")?;
    let now = Utc::now();
    let store = state.store.clone();
    let (session_hash, user_id, csrf_stored) =
        (auth::secret_hash(&session), user.id.clone(), csrf.clone());
    let memberships = db(move || {
        store.create_session(
            &session_hash,
            &user_id,
            &csrf_stored,
            now + TimeDelta::days(SESSION_DAYS),
            now,
        )?;
        store.memberships_of_user(&user_id)
    })
    .await?;
    tracing::info!(user_id = %user.id, "logged in");
    let cookie = Cookie::build(SESSION_COOKIE, session)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(CookieDuration::days(SESSION_DAYS))
        .finish();
    Ok(NewSession {
        user,
        memberships,
        cookie,
        csrf,
    })
}

/// The cookie that ends a session in the browser.
pub fn session_removal_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    cookie.make_removal();
    cookie
}

/// Log in.
///
/// Sets the session cookie (`kynnys_session`, HttpOnly, SameSite=Lax) and returns the CSRF token
/// that writes with the cookie must carry in `X-CSRF-Token`. Rate-limited per client and account.
#[utoipa::path(
    tag = "accounts",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = SessionView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong address or password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/login")]
pub(crate) async fn login(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: LoginRequest = body.parse()?;
    let NewSession {
        user,
        memberships,
        cookie,
        csrf,
    } = start_session(
        &state,
        &client_addr(&req, &state),
        &input.email,
        input.password,
    )
    .await?;
    Ok(HttpResponse::Ok().cookie(cookie).json(SessionView {
        user: MeView::new(user, memberships),
        csrf_token: csrf,
    }))
}

/// Log out.
///
/// Ends the session of the cookie and clears it.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing CSRF token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/logout")]
pub(crate) async fn logout(
    state: web::Data<ApiState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    if let Some(hash) = caller.session_hash {
        let store = state.store.clone();
        db(move || store.delete_session(&hash)).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(session_removal_cookie())
        .finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordResetRequest {
    email: String,
}

/// Ask for a password reset link.
///
/// Always answers 202 (no address enumeration); a known address gets a link valid for 2 hours.
#[utoipa::path(
    tag = "accounts",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "Accepted", body = Ack),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/password-reset")]
pub(crate) async fn request_password_reset(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: PasswordResetRequest = body.parse()?;
    request_password_reset_as(&state, &client_addr(&req, &state), &input.email).await?;
    Ok(HttpResponse::Accepted().json(Ack { status: "accepted" }))
}

/// Mails a reset link (valid for 2 hours) to `email` if it has an account; the same answer
/// either way. Rate-limited per client and address. The JSON API and the web pages both call it.
pub async fn request_password_reset_as(
    state: &ApiState,
    client: &str,
    email: &str,
) -> Result<(), ApiError> {
    let email = email.trim().to_lowercase();
    finish(check_email("email", &email).err().into_iter().collect())?;
    state
        .limits
        .check("password_reset", client, Some(&auth::secret_hash(&email)))?;
    let store = state.store.clone();
    let lookup = email.clone();
    if let Some(user) = db(move || store.user_by_email(&lookup)).await? {
        let (secret, hash, expires_at) = email_token(RESET_HOURS)?;
        let mail = Mail::PasswordReset {
            link: &link(state, user.lang, &format!("account/reset?token={secret}")),
        }
        .to(&email, user.lang, format!("password_reset:{hash}"))?;
        let purpose = TokenPurpose::ResetPassword;
        issue_user_token(state, user.id, email, purpose, hash, expires_at, mail).await?;
    }
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordResetConfirm {
    token: String,
    /// At least 10 characters.
    password: String,
}

/// Set a new password with a reset link.
///
/// Ends every session of the account.
#[utoipa::path(
    tag = "accounts",
    request_body = PasswordResetConfirm,
    responses(
        (status = 200, description = "Password changed", body = Ack),
        (status = 400, description = "Malformed JSON, or the token is invalid, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/password-reset/confirm")]
pub(crate) async fn confirm_password_reset(
    state: web::Data<ApiState>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: PasswordResetConfirm = body.parse()?;
    reset_password_as(&state, &input.token, input.password).await?;
    Ok(HttpResponse::Ok().json(Ack {
        status: "password_changed",
    }))
}

/// Sets a new password with the reset link's `token` (single use); ends every session of the
/// account. The JSON API and the web pages both call it.
pub async fn reset_password_as(
    state: &ApiState,
    token: &str,
    password: String,
) -> Result<(), ApiError> {
    finish(
        check_password("password", &password)
            .err()
            .into_iter()
            .collect(),
    )?;
    let password_hash = hashed(password).await?;
    let store = state.store.clone();
    let hash = auth::secret_hash(token);
    let now = Utc::now();
    db(move || {
        let Some(token) = store.consume_email_token(&hash, TokenPurpose::ResetPassword, now)?
        else {
            return Ok(None);
        };
        let Some(user) = store.user_by_email(&token.email)? else {
            return Ok(None);
        };
        store.set_password(&user.id, &password_hash, now)?;
        Ok(Some(()))
    })
    .await?
    .ok_or(ApiError::InvalidToken)?;
    Ok(())
}

/// The signed-in person.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 200, description = "The caller", body = MeView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/api/v1/me")]
pub(crate) async fn me(caller: Caller) -> Result<HttpResponse, ApiError> {
    let AuthUser {
        user, memberships, ..
    } = caller.required()?;
    Ok(HttpResponse::Ok().json(MeView::new(user, memberships)))
}

/// The caller's API tokens.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 200, description = "Tokens (without their secrets)", body = TokenList),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/api/v1/me/tokens")]
pub(crate) async fn list_tokens(
    state: web::Data<ApiState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let store = state.store.clone();
    let tokens = db(move || store.api_tokens(&caller.user.id)).await?;
    Ok(HttpResponse::Ok().json(TokenList {
        items: tokens.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTokenRequest {
    /// What the token is for (e.g. "municipal web site sync").
    name: String,
}

/// Create a personal API token.
///
/// The token is shown in this response only; use it as `Authorization: Bearer <token>`.
#[utoipa::path(
    tag = "accounts",
    request_body = NewTokenRequest,
    responses(
        (status = 201, description = "Created", body = CreatedToken),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/api/v1/me/tokens")]
pub(crate) async fn create_token(
    state: web::Data<ApiState>,
    caller: Caller,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let input: NewTokenRequest = body.parse()?;
    let created = create_token_as(&state, &caller.user.id, &input.name).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Creates a personal API token named `name` for `user_id`; the secret is in the answer only.
/// The JSON API and the web pages both call it.
pub async fn create_token_as(
    state: &ApiState,
    user_id: &str,
    name: &str,
) -> Result<CreatedToken, ApiError> {
    let mut problems = Vec::new();
    short_text(&mut problems, "name", name);
    finish(problems)?;
    issue_api_token(&state.store, user_id, name.trim()).await
}

/// Creates and stores a new token for `user_id`.
pub(crate) async fn issue_api_token(
    store: &kynnys_store::Store,
    user_id: &str,
    name: &str,
) -> Result<CreatedToken, ApiError> {
    let secret = auth::new_secret(auth::API_TOKEN_PREFIX)?;
    let hash = auth::secret_hash(&secret);
    let prefix: String = secret.chars().take(12).collect();
    let (store, user_id, name) = (store.clone(), user_id.to_owned(), name.to_owned());
    let token =
        db(move || store.create_api_token(&user_id, &name, &hash, &prefix, Utc::now())).await?;
    Ok(CreatedToken {
        token: secret,
        info: TokenView::from(token),
    })
}

/// Revoke one of the caller's API tokens.
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token of the caller", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[delete("/api/v1/me/tokens/{id}")]
pub(crate) async fn revoke_token(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.required()?;
    let store = state.store.clone();
    let id = path.into_inner();
    db(move || store.revoke_api_token(&caller.user.id, &id, Utc::now())).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct FindUserQuery {
    /// The address to look up.
    email: Option<String>,
}

/// Find an account by e-mail address (admins).
#[utoipa::path(
    tag = "admin",
    params(FindUserQuery),
    responses(
        (status = 200, description = "The account", body = MeView),
        (status = 400, description = "Missing or unknown parameters", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/api/v1/admin/users")]
pub(crate) async fn find_user(
    state: web::Data<ApiState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    query: web::Query<FindUserQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(caller.0.as_ref(), Action::Administer, None)?;
    let store = state.store.clone();
    let email = query
        .into_inner()
        .email
        .ok_or(ApiError::InvalidParameters {
            lang,
            problems: vec![crate::ParameterProblem {
                parameter: "email".into(),
                code: "required",
                message: "email".into(),
            }],
        })?;
    let found = db(move || {
        let Some(user) = store.user_by_email(&email)? else {
            return Ok(None);
        };
        let memberships = store.memberships_of_user(&user.id)?;
        Ok(Some(MeView::new(user, memberships)))
    })
    .await?;
    Ok(HttpResponse::Ok().json(found.ok_or(ApiError::NotFound)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleRequest {
    role: PlatformRole,
}

/// Set a person's platform role (admins).
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "User id")),
    request_body = RoleRequest,
    responses(
        (status = 200, description = "Changed", body = Ack),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown role", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[put("/api/v1/admin/users/{id}/role")]
pub(crate) async fn set_role(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    authorize(caller.0.as_ref(), Action::Administer, None)?;
    let input: RoleRequest = body.parse()?;
    let store = state.store.clone();
    let id = path.into_inner();
    db(move || store.set_platform_role(&id, input.role, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(Ack { status: "changed" }))
}
