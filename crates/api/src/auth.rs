//! Who is calling: a personal API token (`Authorization: Bearer`) or a session cookie (with a
//! CSRF token for writes). Secrets are random, shown once, and stored only as SHA-256 hashes;
//! passwords are hashed with argon2id.

use crate::{ApiError, ApiState};
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use kynnys_domain::{MembershipStatus, OrganisationRole};
use kynnys_store::{Membership, User};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "kynnys_session";
/// Header that carries the CSRF token of a session on writes.
pub const CSRF_HEADER: &str = "X-CSRF-Token";
/// Prefix of personal API tokens (recognisable in logs and secret scanners).
pub const API_TOKEN_PREFIX: &str = "kyn_";

/// A new random secret: `prefix` + 32 random bytes in URL-safe base64.
pub fn new_secret(prefix: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// The stored form of a secret.
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hashes a password (argon2id, random salt) into a PHC string. CPU-heavy: call it off the
/// async executor.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
}

/// Checks a password against a stored PHC string. With no stored hash a dummy one is checked,
/// so that unknown addresses take as long as known ones.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password("no such account").unwrap_or_default());
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(&DUMMY)) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && stored.is_some()
}

/// Compares two secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub memberships: Vec<Membership>,
    /// Set when the caller came with a session cookie (then writes need the CSRF token).
    pub session_hash: Option<String>,
}

impl AuthUser {
    /// The caller's active role in an organisation.
    pub fn role_in(&self, organisation_id: &str) -> Option<OrganisationRole> {
        self.memberships
            .iter()
            .find(|m| m.organisation_id == organisation_id && m.status == MembershipStatus::Active)
            .map(|m| m.role)
    }
}

/// The caller, signed in or not. A wrong or revoked API token is an error (401), never anonymous.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<AuthUser>);

impl Caller {
    /// The signed-in caller, or 401.
    pub fn required(self) -> Result<AuthUser, ApiError> {
        self.0.ok_or(ApiError::Unauthenticated)
    }
}

fn bearer(req: &HttpRequest) -> Option<Result<String, ApiError>> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    Some(token.map(str::to_owned).ok_or(ApiError::InvalidApiToken))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A session's user, the session's stored hash and its CSRF token.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub hash: String,
    pub csrf: String,
}

/// The user of a session cookie, with the session's hash. For a write, `csrf` holds the token
/// the request carried (in the `X-CSRF-Token` header, or a form field on the web pages): it must
/// match the session's. An unknown or expired session is anonymous.
pub async fn session_user(
    state: &ApiState,
    cookie: &str,
    csrf: Option<Option<&str>>,
) -> Result<Option<SessionUser>, ApiError> {
    let hash = secret_hash(cookie);
    let lookup = hash.clone();
    let store = state.store.clone();
    let now = chrono::Utc::now();
    match web::block(move || store.session(&lookup, now)).await?? {
        Some((user, expected)) => {
            if let Some(given) = csrf
                && !given.is_some_and(|given| same_secret(given, &expected))
            {
                return Err(ApiError::CsrfFailed);
            }
            Ok(Some(SessionUser {
                user,
                hash,
                csrf: expected,
            }))
        }
        None => Ok(None),
    }
}

/// The signed-in caller of a user: their memberships loaded.
pub async fn auth_user(
    state: &ApiState,
    user: User,
    session_hash: Option<String>,
) -> Result<AuthUser, ApiError> {
    let store = state.store.clone();
    let id = user.id.clone();
    let memberships = web::block(move || store.memberships_of_user(&id)).await??;
    Ok(AuthUser {
        user,
        memberships,
        session_hash,
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<ApiState>>().cloned();
        let token = bearer(req);
        let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let csrf = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let safe = is_safe(req.method());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("API state missing".into()))?;
            let store = state.store.clone();
            let now = chrono::Utc::now();
            let found = match (token, cookie) {
                (Some(token), _) => {
                    let hash = secret_hash(&token?);
                    let user = web::block(move || store.user_by_api_token(&hash, now)).await??;
                    Some((user.ok_or(ApiError::InvalidApiToken)?, None))
                }
                (None, Some(cookie)) => {
                    session_user(&state, &cookie, (!safe).then_some(csrf.as_deref()))
                        .await?
                        .map(|s| (s.user, Some(s.hash)))
                }
                (None, None) => None,
            };
            let Some((user, session_hash)) = found else {
                return Ok(Caller(None));
            };
            Ok(Caller(Some(auth_user(&state, user, session_hash).await?)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("correct horse batterY", Some(&hash)));
        assert!(!verify_password("correct horse battery", None));
    }

    #[test]
    fn secrets_are_random_and_hashed_stably() {
        let a = new_secret(API_TOKEN_PREFIX).unwrap();
        let b = new_secret(API_TOKEN_PREFIX).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("kyn_") && a.len() > 40);
        assert_eq!(secret_hash(&a), secret_hash(&a));
        assert_eq!(secret_hash(&a).len(), 64);
        assert!(same_secret(&a, &a) && !same_secret(&a, &b));
    }
}
