//! The lifecycle of a listing: which action leads from which status to which.
//!
//! `draft → pending_review → published`, `rejected` (with a reason), `expired` (past
//! `valid_until`, by the periodic job), `archived` (by the organisation), `deleted` (a tombstone).
//! Edits keep the status: an edit of a published listing goes live at once (the organisation was
//! vetted when it was approved, every edit is in the audit log, and a moderator can always
//! unpublish by rejecting).

use crate::ListingStatus;

string_enum! {
    /// Something done to a listing that may change its status.
    ListingAction {
        /// The organisation changes the content (PUT or PATCH).
        Edit => "edit",
        /// The organisation asks for review.
        Submit => "submit",
        /// A moderator publishes a listing under review.
        Approve => "approve",
        /// A moderator turns a listing down, or unpublishes a published one, with a reason.
        Reject => "reject",
        /// The organisation takes a listing out of use.
        Archive => "archive",
        /// The organisation confirms that the listing is still running.
        Confirm => "confirm",
        /// The periodic job: a published listing is past its `valid_until`.
        Expire => "expire",
        /// The listing is removed (a tombstone remains for the change feed).
        Delete => "delete",
    }
}

impl ListingStatus {
    /// The status after `action`, or `None` when the action is not possible from this status.
    pub fn after(self, action: ListingAction) -> Option<ListingStatus> {
        use ListingAction as A;
        use ListingStatus as S;
        match (action, self) {
            (_, S::Deleted) => None,
            (A::Edit | A::Confirm, status) => Some(status),
            (A::Submit, S::Draft | S::Rejected | S::Archived | S::Expired) => {
                Some(S::PendingReview)
            }
            (A::Submit, S::PendingReview | S::Published) => None,
            (A::Approve, S::PendingReview) => Some(S::Published),
            (A::Approve, _) => None,
            (A::Reject, S::PendingReview | S::Published) => Some(S::Rejected),
            (A::Reject, _) => None,
            (A::Archive, S::Archived) => None,
            (A::Archive, _) => Some(S::Archived),
            (A::Expire, S::Published) => Some(S::Expired),
            (A::Expire, _) => None,
            (A::Delete, _) => Some(S::Deleted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ListingAction as A;
    use ListingStatus as S;

    #[test]
    fn the_happy_path_goes_from_draft_to_published_and_archived() {
        let status = S::Draft.after(A::Submit);
        assert_eq!(status, Some(S::PendingReview));
        let status = status.and_then(|s| s.after(A::Approve));
        assert_eq!(status, Some(S::Published));
        assert_eq!(status.and_then(|s| s.after(A::Edit)), Some(S::Published));
        assert_eq!(status.and_then(|s| s.after(A::Archive)), Some(S::Archived));
    }

    #[test]
    fn impossible_transitions_are_refused() {
        assert_eq!(S::Draft.after(A::Approve), None);
        assert_eq!(S::Published.after(A::Submit), None);
        assert_eq!(S::Archived.after(A::Archive), None);
        assert_eq!(S::Draft.after(A::Expire), None);
        for action in A::ALL {
            assert_eq!(
                S::Deleted.after(*action),
                None,
                "{action} on a deleted listing"
            );
        }
    }

    #[test]
    fn a_moderator_can_always_unpublish_and_rejected_listings_can_come_back() {
        assert_eq!(S::Published.after(A::Reject), Some(S::Rejected));
        assert_eq!(S::Rejected.after(A::Submit), Some(S::PendingReview));
        assert_eq!(S::Expired.after(A::Submit), Some(S::PendingReview));
        assert_eq!(S::Published.after(A::Expire), Some(S::Expired));
    }
}
