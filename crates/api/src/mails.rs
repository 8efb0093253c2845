//! The transactional mails the API writes to the outbox (plain text, in the recipient's
//! language). Delivery, HTML parts and headers are the mailer's.

use kynnys_domain::Lang;
use kynnys_store::NewMail;

/// What a mail is about, with what it needs to say.
#[derive(Debug, Clone, Copy)]
pub enum Mail<'a> {
    VerifyEmail {
        link: &'a str,
    },
    AlreadyRegistered {
        reset_link: &'a str,
    },
    PasswordReset {
        link: &'a str,
    },
    Invitation {
        organisation: &'a str,
        link: &'a str,
    },
    MembershipRequest {
        organisation: &'a str,
        requester: &'a str,
        link: &'a str,
    },
    OrganisationDecision {
        organisation: &'a str,
        approved: bool,
        reason: Option<&'a str>,
    },
    ListingDecision {
        title: &'a str,
        approved: bool,
        reason: Option<&'a str>,
        link: &'a str,
    },
}

impl Mail<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Mail::VerifyEmail { .. } => "verify_email",
            Mail::AlreadyRegistered { .. } => "already_registered",
            Mail::PasswordReset { .. } => "password_reset",
            Mail::Invitation { .. } => "invitation",
            Mail::MembershipRequest { .. } => "membership_request",
            Mail::OrganisationDecision { .. } => "organisation_decision",
            Mail::ListingDecision { .. } => "listing_decision",
        }
    }

    fn subject_and_body(&self, lang: Lang) -> (String, String) {
        use Lang::*;
        match (*self, lang) {
            (Mail::VerifyEmail { link }, Fi) => (
                "Vahvista sähköpostiosoitteesi – kynnys".into(),
                format!(
                    "Hei!\n\nVahvista sähköpostiosoitteesi avaamalla linkki (voimassa 48 tuntia):\n{link}\n\nJos et luonut tiliä, voit jättää tämän viestin huomiotta."
                ),
            ),
            (Mail::VerifyEmail { link }, Sv) => (
                "Bekräfta din e-postadress – kynnys".into(),
                format!(
                    "Hej!\n\nBekräfta din e-postadress genom att öppna länken (giltig i 48 timmar):\n{link}\n\nOm du inte skapade något konto kan du bortse från meddelandet."
                ),
            ),
            (Mail::VerifyEmail { link }, En) => (
                "Confirm your e-mail address – kynnys".into(),
                format!(
                    "Hello,\n\nConfirm your e-mail address by opening this link (valid for 48 hours):\n{link}\n\nIf you did not create an account, you can ignore this message."
                ),
            ),
            (Mail::AlreadyRegistered { reset_link }, Fi) => (
                "Sinulla on jo tili – kynnys".into(),
                format!(
                    "Hei!\n\nTällä osoitteella on jo tili. Jos olet unohtanut salasanasi, voit vaihtaa sen täällä:\n{reset_link}"
                ),
            ),
            (Mail::AlreadyRegistered { reset_link }, Sv) => (
                "Du har redan ett konto – kynnys".into(),
                format!(
                    "Hej!\n\nDet finns redan ett konto med den här adressen. Om du har glömt ditt lösenord kan du byta det här:\n{reset_link}"
                ),
            ),
            (Mail::AlreadyRegistered { reset_link }, En) => (
                "You already have an account – kynnys".into(),
                format!(
                    "Hello,\n\nThere is already an account with this address. If you forgot your password, you can change it here:\n{reset_link}"
                ),
            ),
            (Mail::PasswordReset { link }, Fi) => (
                "Salasanan vaihto – kynnys".into(),
                format!(
                    "Hei!\n\nVaihda salasanasi avaamalla linkki (voimassa 2 tuntia):\n{link}\n\nJos et pyytänyt vaihtoa, voit jättää tämän viestin huomiotta."
                ),
            ),
            (Mail::PasswordReset { link }, Sv) => (
                "Byte av lösenord – kynnys".into(),
                format!(
                    "Hej!\n\nByt ditt lösenord genom att öppna länken (giltig i 2 timmar):\n{link}\n\nOm du inte bad om ett byte kan du bortse från meddelandet."
                ),
            ),
            (Mail::PasswordReset { link }, En) => (
                "Reset your password – kynnys".into(),
                format!(
                    "Hello,\n\nChange your password by opening this link (valid for 2 hours):\n{link}\n\nIf you did not ask for this, you can ignore this message."
                ),
            ),
            (Mail::Invitation { organisation, link }, Fi) => (
                format!("Kutsu organisaatioon {organisation} – kynnys"),
                format!(
                    "Hei!\n\nSinut on kutsuttu ylläpitämään organisaation {organisation} ilmoituksia kynnyksessä. Hyväksy kutsu (voimassa 14 päivää):\n{link}"
                ),
            ),
            (Mail::Invitation { organisation, link }, Sv) => (
                format!("Inbjudan till {organisation} – kynnys"),
                format!(
                    "Hej!\n\nDu har bjudits in att sköta annonserna för {organisation} i kynnys. Godkänn inbjudan (giltig i 14 dagar):\n{link}"
                ),
            ),
            (Mail::Invitation { organisation, link }, En) => (
                format!("Invitation to {organisation} – kynnys"),
                format!(
                    "Hello,\n\nYou have been invited to manage the listings of {organisation} in kynnys. Accept the invitation (valid for 14 days):\n{link}"
                ),
            ),
            (
                Mail::MembershipRequest {
                    organisation,
                    requester,
                    link,
                },
                Fi,
            ) => (
                format!("Jäsenyyspyyntö: {organisation} – kynnys"),
                format!(
                    "Hei!\n\n{requester} pyytää päästä ylläpitämään organisaation {organisation} ilmoituksia. Hyväksy tai hylkää pyyntö:\n{link}"
                ),
            ),
            (
                Mail::MembershipRequest {
                    organisation,
                    requester,
                    link,
                },
                Sv,
            ) => (
                format!("Medlemsansökan: {organisation} – kynnys"),
                format!(
                    "Hej!\n\n{requester} vill sköta annonserna för {organisation}. Godkänn eller avslå ansökan:\n{link}"
                ),
            ),
            (
                Mail::MembershipRequest {
                    organisation,
                    requester,
                    link,
                },
                En,
            ) => (
                format!("Request to join {organisation} – kynnys"),
                format!(
                    "Hello,\n\n{requester} asks to manage the listings of {organisation}. Approve or decline the request:\n{link}"
                ),
            ),
            (
                Mail::OrganisationDecision {
                    organisation,
                    approved: true,
                    ..
                },
                Fi,
            ) => (
                format!("{organisation} on hyväksytty – kynnys"),
                format!(
                    "Hei!\n\nOrganisaatio {organisation} on hyväksytty kynnykseen. Voitte nyt julkaista ilmoituksia."
                ),
            ),
            (
                Mail::OrganisationDecision {
                    organisation,
                    approved: true,
                    ..
                },
                Sv,
            ) => (
                format!("{organisation} har godkänts – kynnys"),
                format!(
                    "Hej!\n\nOrganisationen {organisation} har godkänts i kynnys. Ni kan nu publicera annonser."
                ),
            ),
            (
                Mail::OrganisationDecision {
                    organisation,
                    approved: true,
                    ..
                },
                En,
            ) => (
                format!("{organisation} was approved – kynnys"),
                format!(
                    "Hello,\n\nThe organisation {organisation} was approved in kynnys. You can now publish listings."
                ),
            ),
            (
                Mail::OrganisationDecision {
                    organisation,
                    approved: false,
                    reason,
                },
                Fi,
            ) => (
                format!("{organisation}: rekisteröintiä ei hyväksytty – kynnys"),
                format!(
                    "Hei!\n\nOrganisaation {organisation} rekisteröintiä ei hyväksytty.\nPerustelu: {}",
                    reason.unwrap_or("-")
                ),
            ),
            (
                Mail::OrganisationDecision {
                    organisation,
                    approved: false,
                    reason,
                },
                Sv,
            ) => (
                format!("{organisation}: registreringen godkändes inte – kynnys"),
                format!(
                    "Hej!\n\nRegistreringen av {organisation} godkändes inte.\nMotivering: {}",
                    reason.unwrap_or("-")
                ),
            ),
            (
                Mail::OrganisationDecision {
                    organisation,
                    approved: false,
                    reason,
                },
                En,
            ) => (
                format!("{organisation}: registration not approved – kynnys"),
                format!(
                    "Hello,\n\nThe registration of {organisation} was not approved.\nReason: {}",
                    reason.unwrap_or("-")
                ),
            ),
            (
                Mail::ListingDecision {
                    title,
                    approved: true,
                    link,
                    ..
                },
                Fi,
            ) => (
                format!("Ilmoitus julkaistu: {title}"),
                format!("Hei!\n\nIlmoituksenne \"{title}\" on julkaistu:\n{link}"),
            ),
            (
                Mail::ListingDecision {
                    title,
                    approved: true,
                    link,
                    ..
                },
                Sv,
            ) => (
                format!("Annonsen publicerad: {title}"),
                format!("Hej!\n\nEr annons \"{title}\" har publicerats:\n{link}"),
            ),
            (
                Mail::ListingDecision {
                    title,
                    approved: true,
                    link,
                    ..
                },
                En,
            ) => (
                format!("Listing published: {title}"),
                format!("Hello,\n\nYour listing \"{title}\" is published:\n{link}"),
            ),
            (
                Mail::ListingDecision {
                    title,
                    approved: false,
                    reason,
                    link,
                },
                Fi,
            ) => (
                format!("Ilmoitusta ei julkaistu: {title}"),
                format!(
                    "Hei!\n\nIlmoitustanne \"{title}\" ei julkaistu tai se poistettiin julkisesta näkymästä.\nPerustelu: {}\n\nVoit muokata ilmoitusta ja lähettää sen uudelleen tarkastettavaksi:\n{link}",
                    reason.unwrap_or("-")
                ),
            ),
            (
                Mail::ListingDecision {
                    title,
                    approved: false,
                    reason,
                    link,
                },
                Sv,
            ) => (
                format!("Annonsen publicerades inte: {title}"),
                format!(
                    "Hej!\n\nEr annons \"{title}\" publicerades inte eller togs bort från den offentliga vyn.\nMotivering: {}\n\nDu kan redigera annonsen och skicka den till granskning igen:\n{link}",
                    reason.unwrap_or("-")
                ),
            ),
            (
                Mail::ListingDecision {
                    title,
                    approved: false,
                    reason,
                    link,
                },
                En,
            ) => (
                format!("Listing not published: {title}"),
                format!(
                    "Hello,\n\nYour listing \"{title}\" was not published, or was taken down.\nReason: {}\n\nYou can edit the listing and submit it for review again:\n{link}",
                    reason.unwrap_or("-")
                ),
            ),
        }
    }

    /// The outbox row for `recipient`. `dedupe_key` makes it unique (e.g. one per token).
    pub fn to(&self, recipient: &str, lang: Lang, dedupe_key: String) -> NewMail {
        let (subject, body_text) = self.subject_and_body(lang);
        NewMail {
            dedupe_key,
            recipient: recipient.to_owned(),
            kind: self.kind().to_owned(),
            subject,
            body_text,
        }
    }
}
