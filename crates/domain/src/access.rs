//! Who may do what: platform roles, organisation roles and the states of memberships and
//! organisations. The rules that combine them live in the API's policy module.

string_enum! {
    /// A person's role on the whole platform.
    PlatformRole {
        /// Anybody with an account.
        User => "user",
        /// Approves organisations and listings, can unpublish anything.
        Moderator => "moderator",
        /// A moderator who also manages platform roles.
        Admin => "admin",
    }
}

impl PlatformRole {
    /// Moderators and admins moderate.
    pub fn moderates(self) -> bool {
        matches!(self, PlatformRole::Moderator | PlatformRole::Admin)
    }
}

string_enum! {
    /// A member's role in an organisation.
    OrganisationRole {
        /// Manages members and everything an editor does.
        Owner => "owner",
        /// Creates and edits the organisation's listings.
        Editor => "editor",
    }
}

string_enum! {
    /// Whether a membership is in force.
    MembershipStatus {
        /// The member acts for the organisation.
        Active => "active",
        /// The person asked to join; an owner or a moderator decides.
        Requested => "requested",
    }
}

string_enum! {
    /// Where an organisation is in its review.
    OrganisationStatus {
        /// Registered, waiting for a moderator.
        Pending => "pending",
        /// Approved: its published listings are public.
        Approved => "approved",
        /// Turned down by a moderator (with a reason).
        Rejected => "rejected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        for role in PlatformRole::ALL {
            assert_eq!(role.as_str().parse::<PlatformRole>(), Ok(*role));
        }
        for role in OrganisationRole::ALL {
            assert_eq!(
                serde_json::to_value(role).ok(),
                Some(serde_json::json!(role.as_str()))
            );
        }
        assert!("root".parse::<PlatformRole>().is_err());
        assert!("Owner".parse::<OrganisationRole>().is_err());
        assert!(PlatformRole::Admin.moderates());
        assert!(!PlatformRole::User.moderates());
    }
}
