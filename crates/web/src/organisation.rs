//! The organisation area: a member's organisations with their listings, state and expiry, and
//! the lifecycle buttons (submit for review, confirm still running, archive).

use crate::error::{InLang, WebError};
use crate::format::{Text, date};
use crate::i18n::Tr;
use crate::page::{Chrome, Form, Visitor, blocking, html};
use crate::{path_lang, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use kynnys_api::{ApiError, ApiState};
use kynnys_domain::{ListingAction, ListingStatus, MembershipStatus};
use kynnys_store::ListingFilter;

/// Listings shown per organisation.
const LISTINGS_SHOWN: i64 = 500;

pub(crate) struct Row {
    pub id: String,
    pub title: Text,
    pub kind: String,
    pub status: String,
    pub status_key: &'static str,
    pub reason: Option<String>,
    pub valid_until: Option<String>,
    pub confirmed: Option<String>,
    pub actions: Vec<(&'static str, String)>,
}

pub(crate) struct OrganisationBlock {
    pub id: String,
    pub name: Text,
    pub status: String,
    pub role: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct DashboardPage {
    chrome: Chrome,
    organisations: Vec<OrganisationBlock>,
}

/// The lifecycle buttons a member sees for a listing in `status`.
fn actions(t: Tr, status: ListingStatus) -> Vec<(&'static str, String)> {
    [
        ListingAction::Submit,
        ListingAction::Confirm,
        ListingAction::Archive,
    ]
    .into_iter()
    .filter(|a| status.after(*a).is_some())
    .map(|a| (a.as_str(), t.t(&format!("action-{a}"))))
    .collect()
}

/// `GET /{lang}/organisation`.
pub(crate) async fn dashboard(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let chrome = Chrome::new(&req, lang, &visitor, t.t("organisation-title"));
    let (user, _) = visitor.required(&req, lang)?;
    let memberships: Vec<_> = user
        .memberships
        .iter()
        .filter(|m| m.status == MembershipStatus::Active)
        .cloned()
        .collect();
    let store = state.store.clone();
    let loaded = blocking(lang, move || {
        memberships
            .into_iter()
            .filter_map(|m| match store.organisation(&m.organisation_id) {
                Ok(Some(org)) => Some(Ok((m, org))),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            })
            .map(|found| {
                let (m, org) = found?;
                let listings = store.listings(&ListingFilter {
                    statuses: ListingStatus::ALL
                        .into_iter()
                        .filter(|s| *s != ListingStatus::Deleted)
                        .collect(),
                    organisations: vec![org.id.clone()],
                    limit: LISTINGS_SHOWN,
                    ..ListingFilter::default()
                })?;
                Ok((m, org, listings))
            })
            .collect::<Result<Vec<_>, kynnys_store::StoreError>>()
    })
    .await?;
    let organisations = loaded
        .into_iter()
        .map(|(membership, org, listings)| OrganisationBlock {
            name: Text::of(&org.input.name, lang).unwrap_or(Text {
                text: org.id.clone(),
                lang: lang.code(),
                fallback: false,
            }),
            status: t.t(&format!("organisation-status-{}", org.status)),
            role: t.t(&format!("role-{}", membership.role)),
            id: org.id,
            rows: listings
                .iter()
                .map(|l| Row {
                    id: l.id.clone(),
                    title: Text::of(&l.record.title, lang).unwrap_or(Text {
                        text: l.id.clone(),
                        lang: lang.code(),
                        fallback: false,
                    }),
                    kind: t.t(&format!("kind-{}", l.record.kind)),
                    status: t.t(&format!("status-{}", l.status)),
                    status_key: l.status.as_str(),
                    reason: l.status_reason.clone(),
                    valid_until: l.record.valid_until.map(|d| date(t, d)),
                    confirmed: l
                        .last_confirmed_at
                        .map(|at| date(t, kynnys_domain::to_helsinki(at).date_naive())),
                    actions: actions(t, l.status),
                })
                .collect(),
        })
        .collect();
    html(
        &DashboardPage {
            chrome,
            organisations,
        },
        lang,
    )
}

/// `POST /{lang}/organisation/listings/{id}/{action}`: submit, confirm or archive.
pub(crate) async fn listing_action(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let (_, id, action) = path.into_inner();
    let action: ListingAction = match action.parse() {
        Ok(a @ (ListingAction::Submit | ListingAction::Confirm | ListingAction::Archive)) => a,
        _ => return Err(ApiError::NotFound).in_lang(lang),
    };
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let (user, _) = visitor.required(&req, lang)?;
    kynnys_api::listing_action_as(&state, user, id, action, None)
        .await
        .in_lang(lang)?;
    Ok(see_other(&format!(
        "/{}/organisation?done={}",
        lang.code(),
        action.as_str()
    )))
}
