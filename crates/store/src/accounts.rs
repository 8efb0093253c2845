//! People: accounts, sessions, API tokens and single-use e-mailed tokens. Secrets arrive here
//! already hashed; e-mail addresses are stored in lower case.

use crate::connection::{AnyConnection, write_transaction};
use crate::mail::{NewMail, enqueue_mail};
use crate::models::{ApiTokenRow, EmailTokenRow, MembershipRow, SessionRow, UserRow};
use crate::schema::{api_tokens, email_tokens, memberships, sessions, users};
use crate::{Store, StoreError, new_id};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use kynnys_domain::{Lang, MembershipStatus, OrganisationRole, PlatformRole};

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub lang: Lang,
    pub platform_role: PlatformRole,
    pub email_verified: bool,
    /// PHC string (argon2id); `None` for accounts that have never set a password.
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A membership of a person in an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub organisation_id: String,
    pub user_id: String,
    pub role: OrganisationRole,
    pub status: MembershipStatus,
    pub created_at: DateTime<Utc>,
}

/// A personal API token (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// The first characters of the token, to recognise it in a list.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub lang: Lang,
    pub platform_role: PlatformRole,
    pub verified: bool,
}

/// Why a single-use e-mailed token exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
    Invitation,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
            TokenPurpose::Invitation => "invitation",
        }
    }
}

/// A single-use token to store, with the mail that carries it.
#[derive(Debug, Clone)]
pub struct NewEmailToken<'a> {
    pub hash: &'a str,
    pub purpose: TokenPurpose,
    pub email: &'a str,
    pub user_id: Option<&'a str>,
    pub organisation_id: Option<&'a str>,
    pub role: Option<OrganisationRole>,
    pub created_by: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

/// What a consumed token stood for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumedToken {
    pub email: String,
    pub user_id: Option<String>,
    pub organisation_id: Option<String>,
    pub role: Option<OrganisationRole>,
    pub created_by: Option<String>,
}

fn corrupt(table: &'static str, id: &str, reason: &str) -> StoreError {
    StoreError::Corrupt {
        table,
        id: id.to_owned(),
        reason: reason.to_owned(),
    }
}

fn user_from_row(row: UserRow) -> Result<User, StoreError> {
    Ok(User {
        lang: row
            .lang
            .parse()
            .map_err(|()| corrupt("users", &row.id, "lang"))?,
        platform_role: row
            .platform_role
            .parse()
            .map_err(|()| corrupt("users", &row.id, "platform_role"))?,
        email_verified: row.email_verified_at.is_some(),
        created_at: row.created_at.and_utc(),
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        password_hash: row.password_hash,
    })
}

pub(crate) fn membership_from_row(row: MembershipRow) -> Result<Membership, StoreError> {
    Ok(Membership {
        role: row
            .role
            .parse()
            .map_err(|()| corrupt("memberships", &row.user_id, "role"))?,
        status: row
            .status
            .parse()
            .map_err(|()| corrupt("memberships", &row.user_id, "status"))?,
        created_at: row.created_at.and_utc(),
        organisation_id: row.organisation_id,
        user_id: row.user_id,
    })
}

fn token_from_row(row: ApiTokenRow) -> ApiToken {
    ApiToken {
        id: row.id,
        user_id: row.user_id,
        name: row.name,
        prefix: row.prefix,
        created_at: row.created_at.and_utc(),
        last_used_at: row.last_used_at.map(|t| t.and_utc()),
    }
}

fn user_row(new: &NewUser<'_>, now: NaiveDateTime) -> UserRow {
    UserRow {
        id: new_id(),
        email: new.email.to_lowercase(),
        password_hash: new.password_hash.map(str::to_owned),
        display_name: new.display_name.map(str::to_owned),
        platform_role: new.platform_role.as_str().to_owned(),
        email_verified_at: new.verified.then_some(now),
        created_at: now,
        updated_at: now,
        lang: new.lang.code().to_owned(),
    }
}

fn insert_email_token(
    conn: &mut AnyConnection,
    token: &NewEmailToken<'_>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(email_tokens::table)
        .values(EmailTokenRow {
            token_hash: token.hash.to_owned(),
            purpose: token.purpose.as_str().to_owned(),
            email: token.email.to_lowercase(),
            user_id: token.user_id.map(str::to_owned),
            organisation_id: token.organisation_id.map(str::to_owned),
            role: token.role.map(|r| r.as_str().to_owned()),
            created_by: token.created_by.map(str::to_owned),
            created_at: now,
            expires_at: token.expires_at.naive_utc(),
            used_at: None,
        })
        .execute(conn)?;
    Ok(())
}

pub(crate) fn user_by_id_in(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<User>, StoreError> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(user_from_row)
        .transpose()
}

impl Store {
    /// Creates an account. `Conflict` when the address is taken.
    pub fn create_user(&self, new: &NewUser<'_>, now: DateTime<Utc>) -> Result<User, StoreError> {
        let row = user_row(new, now.naive_utc());
        diesel::insert_into(users::table)
            .values(&row)
            .execute(&mut self.conn()?)
            .map_err(StoreError::unique("e-mail address"))?;
        user_from_row(row)
    }

    /// Creates an account together with its verification token and mail, atomically.
    pub fn register_user(
        &self,
        new: &NewUser<'_>,
        token: &NewEmailToken<'_>,
        mail: &NewMail,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let now = now.naive_utc();
        let row = user_row(new, now);
        write_transaction(&mut *self.conn()?, |conn| {
            diesel::insert_into(users::table)
                .values(&row)
                .execute(conn)
                .map_err(StoreError::unique("e-mail address"))?;
            insert_email_token(conn, token, now)?;
            enqueue_mail(conn, mail, now)
        })?;
        user_from_row(row)
    }

    pub fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        users::table
            .filter(users::email.eq(email.to_lowercase()))
            .select(UserRow::as_select())
            .first(&mut self.conn()?)
            .optional()?
            .map(user_from_row)
            .transpose()
    }

    pub fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        user_by_id_in(&mut *self.conn()?, id)
    }

    /// Sets a platform role.
    pub fn set_platform_role(
        &self,
        user_id: &str,
        role: PlatformRole,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let changed = diesel::update(users::table.find(user_id))
            .set((
                users::platform_role.eq(role.as_str()),
                users::updated_at.eq(now.naive_utc()),
            ))
            .execute(&mut self.conn()?)?;
        if changed == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    /// Sets a new password hash, marks the address verified (whoever sets it through a mailed
    /// link or an administrator's command controls the address) and ends every session.
    pub fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            let changed = diesel::update(users::table.find(user_id))
                .set((
                    users::password_hash.eq(password_hash),
                    users::updated_at.eq(now),
                ))
                .execute(conn)?;
            if changed == 0 {
                return Err(StoreError::NotFound("user"));
            }
            diesel::update(
                users::table
                    .find(user_id)
                    .filter(users::email_verified_at.is_null()),
            )
            .set(users::email_verified_at.eq(now))
            .execute(conn)?;
            diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
            Ok(())
        })
    }

    /// Marks an address verified.
    pub fn mark_email_verified(&self, user_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        diesel::update(
            users::table
                .find(user_id)
                .filter(users::email_verified_at.is_null()),
        )
        .set(users::email_verified_at.eq(now.naive_utc()))
        .execute(&mut self.conn()?)?;
        Ok(())
    }

    /// Stores a single-use token and the mail that carries it, atomically.
    pub fn issue_email_token(
        &self,
        token: &NewEmailToken<'_>,
        mail: &NewMail,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            insert_email_token(conn, token, now)?;
            enqueue_mail(conn, mail, now)
        })
    }

    /// The address a live token was issued to, without using it up: `None` when it is unknown,
    /// used, expired or of another purpose.
    pub fn email_token_address(
        &self,
        hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        Ok(email_tokens::table
            .find(hash)
            .filter(email_tokens::purpose.eq(purpose.as_str()))
            .filter(email_tokens::used_at.is_null())
            .filter(email_tokens::expires_at.gt(now.naive_utc()))
            .select(email_tokens::email)
            .first(&mut self.conn()?)
            .optional()?)
    }

    /// Uses up a token: `None` when it is unknown, used, expired or of another purpose.
    pub fn consume_email_token(
        &self,
        hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<ConsumedToken>, StoreError> {
        let now = now.naive_utc();
        write_transaction(&mut *self.conn()?, |conn| {
            let claimed = diesel::update(
                email_tokens::table
                    .find(hash)
                    .filter(email_tokens::purpose.eq(purpose.as_str()))
                    .filter(email_tokens::used_at.is_null())
                    .filter(email_tokens::expires_at.gt(now)),
            )
            .set(email_tokens::used_at.eq(now))
            .execute(conn)?;
            if claimed == 0 {
                return Ok(None);
            }
            let row: EmailTokenRow = email_tokens::table
                .find(hash)
                .select(EmailTokenRow::as_select())
                .first(conn)?;
            Ok(Some(ConsumedToken {
                role: row.role.as_deref().and_then(|r| r.parse().ok()),
                email: row.email,
                user_id: row.user_id,
                organisation_id: row.organisation_id,
                created_by: row.created_by,
            }))
        })
    }

    /// Starts a session.
    pub fn create_session(
        &self,
        id_hash: &str,
        user_id: &str,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        diesel::insert_into(sessions::table)
            .values(SessionRow {
                id_hash: id_hash.to_owned(),
                user_id: user_id.to_owned(),
                csrf_token: csrf_token.to_owned(),
                created_at: now.naive_utc(),
                expires_at: expires_at.naive_utc(),
            })
            .execute(&mut self.conn()?)?;
        Ok(())
    }

    /// The user and CSRF token of a live session.
    pub fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, String)>, StoreError> {
        let mut conn = self.conn()?;
        let found: Option<SessionRow> = sessions::table
            .find(id_hash)
            .filter(sessions::expires_at.gt(now.naive_utc()))
            .select(SessionRow::as_select())
            .first(&mut conn)
            .optional()?;
        let Some(session) = found else {
            return Ok(None);
        };
        Ok(user_by_id_in(&mut conn, &session.user_id)?.map(|u| (u, session.csrf_token)))
    }

    /// Ends a session.
    pub fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        diesel::delete(sessions::table.find(id_hash)).execute(&mut self.conn()?)?;
        Ok(())
    }

    /// Stores a new API token.
    pub fn create_api_token(
        &self,
        user_id: &str,
        name: &str,
        token_hash: &str,
        prefix: &str,
        now: DateTime<Utc>,
    ) -> Result<ApiToken, StoreError> {
        let row = ApiTokenRow {
            id: new_id(),
            user_id: user_id.to_owned(),
            name: name.to_owned(),
            token_hash: token_hash.to_owned(),
            prefix: prefix.to_owned(),
            created_at: now.naive_utc(),
            last_used_at: None,
            revoked_at: None,
        };
        diesel::insert_into(api_tokens::table)
            .values(&row)
            .execute(&mut self.conn()?)?;
        Ok(token_from_row(row))
    }

    /// A user's tokens that are not revoked, newest first.
    pub fn api_tokens(&self, user_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        Ok(api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null())
            .order_by(api_tokens::created_at.desc())
            .select(ApiTokenRow::as_select())
            .load(&mut self.conn()?)?
            .into_iter()
            .map(token_from_row)
            .collect())
    }

    /// Revokes one of the user's tokens; `NotFound` when it is not theirs or already revoked.
    pub fn revoke_api_token(
        &self,
        user_id: &str,
        token_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let changed = diesel::update(
            api_tokens::table
                .find(token_id)
                .filter(api_tokens::user_id.eq(user_id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(now.naive_utc()))
        .execute(&mut self.conn()?)?;
        if changed == 0 {
            return Err(StoreError::NotFound("token"));
        }
        Ok(())
    }

    /// The owner of a live token, recording its use (at most once a minute per token).
    pub fn user_by_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let mut conn = self.conn()?;
        let found: Option<ApiTokenRow> = api_tokens::table
            .filter(api_tokens::token_hash.eq(token_hash))
            .filter(api_tokens::revoked_at.is_null())
            .select(ApiTokenRow::as_select())
            .first(&mut conn)
            .optional()?;
        let Some(token) = found else {
            return Ok(None);
        };
        let now = now.naive_utc();
        if token
            .last_used_at
            .is_none_or(|t| now - t > chrono::TimeDelta::minutes(1))
        {
            diesel::update(api_tokens::table.find(&token.id))
                .set(api_tokens::last_used_at.eq(now))
                .execute(&mut conn)?;
        }
        user_by_id_in(&mut conn, &token.user_id)
    }

    /// Every membership of a person (active and requested).
    pub fn memberships_of_user(&self, user_id: &str) -> Result<Vec<Membership>, StoreError> {
        memberships::table
            .filter(memberships::user_id.eq(user_id))
            .order_by(memberships::created_at)
            .select(MembershipRow::as_select())
            .load(&mut self.conn()?)?
            .into_iter()
            .map(membership_from_row)
            .collect()
    }
}
