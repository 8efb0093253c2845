//! Operator commands for accounts: `kynnys admin create` and `kynnys token create`.

use crate::ServerError;
use chrono::Utc;
use kynnys_domain::{Lang, PlatformRole};
use kynnys_store::{NewUser, Store, User};

fn find_or_create(
    store: &Store,
    email: &str,
    role: Option<PlatformRole>,
    create: bool,
) -> Result<User, ServerError> {
    kynnys_domain::check_email("email", email).map_err(|_| {
        ServerError::Usage(format!("--email {email:?} is not a valid e-mail address"))
    })?;
    if let Some(user) = store.user_by_email(email)? {
        if let Some(role) = role {
            store.set_platform_role(&user.id, role, Utc::now())?;
        }
        return Ok(store.user_by_email(email)?.unwrap_or(user));
    }
    if !create {
        return Err(ServerError::Usage(
            "no account has this address (add --create-user to create one)".into(),
        ));
    }
    Ok(store.create_user(
        &NewUser {
            email,
            password_hash: None,
            display_name: None,
            lang: Lang::Fi,
            platform_role: role.unwrap_or(PlatformRole::User),
            // The operator vouches for the address.
            verified: true,
        },
        Utc::now(),
    )?)
}

/// Creates an account with `role` (or gives an existing one the role) and sets a new random
/// password, which is returned to be shown once.
pub fn create_privileged(
    store: &Store,
    email: &str,
    role: PlatformRole,
) -> Result<String, ServerError> {
    let user = find_or_create(store, email, Some(role), true)?;
    let password = kynnys_api::new_secret("")?;
    let hash = kynnys_api::hash_password(&password)?;
    store.set_password(&user.id, &hash, Utc::now())?;
    tracing::info!(user_id = %user.id, role = %role, "account created or promoted");
    Ok(password)
}

/// Creates a personal API token for the account of `email` and returns it.
pub fn create_token(
    store: &Store,
    email: &str,
    name: &str,
    create_user: bool,
) -> Result<String, ServerError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServerError::Usage(
            "--name must have 1 to 100 characters".into(),
        ));
    }
    let user = find_or_create(store, email, None, create_user)?;
    let token = kynnys_api::new_secret(kynnys_api::API_TOKEN_PREFIX)?;
    let prefix: String = token.chars().take(12).collect();
    store.create_api_token(
        &user.id,
        name,
        &kynnys_api::secret_hash(&token),
        &prefix,
        Utc::now(),
    )?;
    tracing::info!(user_id = %user.id, "API token created");
    Ok(token)
}
