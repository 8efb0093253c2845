//! The organisation area: a member's organisations with their listings, state and expiry, and
//! the lifecycle buttons (submit for review, confirm still running, archive), and registering a
//! new organisation.

use crate::error::{InLang, WebError};
use crate::form_page::problem_lines;
use crate::format::{Option_, Text, date, label, municipalities_by_name, options};
use crate::i18n::Tr;
use crate::page::{Chrome, Form, Visitor, blocking, html, html_with_status};
use crate::{path_lang, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use kynnys_api::{ApiError, ApiState};
use kynnys_domain::{
    Lang, ListingAction, ListingStatus, LocalizedText, MembershipStatus, OrganisationInput,
};
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

#[derive(Template)]
#[template(path = "organisation_new.html")]
struct NewOrganisationPage {
    chrome: Chrome,
    errors: Vec<String>,
    /// (language code, label, value) of the name in each language.
    names: Vec<(&'static str, String, String)>,
    types: Vec<Option_>,
    municipalities: Vec<Option_>,
    /// (field, label, input type, value) of the optional contact fields.
    contacts: Vec<(&'static str, String, &'static str, String)>,
}

/// The optional fields of a registration with their input types.
const CONTACTS: [(&str, &str); 4] = [
    ("business_id", "text"),
    ("website", "url"),
    ("email", "email"),
    ("phone", "tel"),
];

fn new_organisation_page(
    req: &HttpRequest,
    state: &ApiState,
    lang: Lang,
    visitor: &Visitor,
    form: &Form,
) -> NewOrganisationPage {
    let t = Tr(lang);
    let v = &state.vocabularies;
    let value = |name: &str| form.text(name).unwrap_or_default();
    NewOrganisationPage {
        chrome: Chrome::new(req, lang, visitor, t.t("organisation-new-title")),
        errors: Vec::new(),
        names: Lang::ALL
            .iter()
            .map(|l| {
                let code = l.code();
                let label = format!(
                    "{} ({})",
                    t.t("organisation-name"),
                    t.t(&format!("language-name-{code}"))
                );
                (code, label, value(&format!("name_{code}")))
            })
            .collect(),
        types: options(
            v.organisation_types.terms().iter().map(|term| {
                (
                    term.key.clone(),
                    label(&v.organisation_types, &term.key, lang),
                )
            }),
            &[value("type")],
        ),
        municipalities: options(
            municipalities_by_name(v, lang).into_iter(),
            &[value("municipality")],
        ),
        contacts: CONTACTS
            .iter()
            .map(|(name, kind)| {
                let key = format!("organisation-{}", name.replace('_', "-"));
                (*name, t.t(&key), *kind, value(name))
            })
            .collect(),
    }
}

/// `GET /{lang}/organisation/new`: register an organisation (its first owner is the visitor).
pub(crate) async fn new_organisation(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    visitor.signed_in(&req, lang)?;
    let page = new_organisation_page(&req, &state, lang, &visitor, &Form(Vec::new()));
    html(&page, lang)
}

/// `POST /{lang}/organisation/new`.
pub(crate) async fn register_organisation(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let form = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &form).await.in_lang(lang)?;
    let user = visitor.signed_in(&req, lang)?;
    let input = OrganisationInput {
        name: LocalizedText {
            fi: form.text("name_fi"),
            sv: form.text("name_sv"),
            en: form.text("name_en"),
        },
        org_type: form.text("type").unwrap_or_default(),
        business_id: form.text("business_id"),
        municipality: form.text("municipality"),
        website: form.text("website"),
        email: form.text("email"),
        phone: form.text("phone"),
    };
    match kynnys_api::register_organisation_as(&state, user, input).await {
        Ok(_) => Ok(see_other(&format!(
            "/{}/organisation?done=organisation-registered",
            lang.code()
        ))),
        Err(error @ ApiError::Validation(_)) => {
            let mut page = new_organisation_page(&req, &state, lang, &visitor, &form);
            page.errors = problem_lines(&error, lang);
            html_with_status(&page, lang, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(error) => Err(WebError::Api { lang, error }),
    }
}
