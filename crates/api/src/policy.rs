//! Authorisation, in one place: what a caller may do to an organisation and its listings.
//! Every write handler asks [`authorize`] before touching anything.

use crate::ApiError;
use crate::auth::AuthUser;
use kynnys_domain::OrganisationRole;

/// Something a caller wants to do, scoped to one organisation where it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See a listing that is not published, or an organisation that is not approved.
    ReadPrivate,
    /// Read an organisation's or a listing's audit log.
    ReadAudit,
    /// Create, edit, submit for review or confirm a listing: the organisation speaks.
    EditListing,
    /// Archive or delete a listing.
    RetireListing,
    /// Approve or reject (unpublish) a listing; approve or reject an organisation; the queue.
    Moderate,
    /// Change an organisation's details.
    EditOrganisation,
    /// See the member list.
    ReadMembers,
    /// Approve a request to join.
    ApproveMembership,
    /// Invite, change roles, remove members.
    ManageMembers,
    /// Change platform roles.
    Administer,
}

/// True when `caller` may take `action` on `organisation_id`.
pub fn allowed(caller: &AuthUser, action: Action, organisation_id: Option<&str>) -> bool {
    let role = organisation_id.and_then(|id| caller.role_in(id));
    let member = role.is_some();
    let owner = role == Some(OrganisationRole::Owner);
    let moderator = caller.user.platform_role.moderates();
    let admin = caller.user.platform_role == kynnys_domain::PlatformRole::Admin;
    match action {
        Action::ReadPrivate | Action::ReadAudit | Action::ReadMembers | Action::RetireListing => {
            member || moderator
        }
        Action::EditListing => member,
        Action::Moderate => moderator,
        Action::EditOrganisation | Action::ApproveMembership => owner || moderator,
        Action::ManageMembers => owner || admin,
        Action::Administer => admin,
    }
}

/// [`allowed`] as a result: 401 for anonymous callers, 403 for signed-in ones.
pub fn authorize(
    caller: Option<&AuthUser>,
    action: Action,
    organisation_id: Option<&str>,
) -> Result<(), ApiError> {
    match caller {
        None => Err(ApiError::Unauthenticated),
        Some(c) if allowed(c, action, organisation_id) => Ok(()),
        Some(_) => Err(ApiError::Forbidden),
    }
}
