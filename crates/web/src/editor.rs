//! Creating and editing a listing: one form with fi/sv/en texts (tabs with JavaScript, stacked
//! without), a preview, and the API's validation messages next to the fields. Saving sends the
//! form as a JSON merge patch through the API's operation, so fields the form does not show
//! (coordinates, event series, place names) are kept.

use crate::error::{InLang, WebError};
use crate::format::{Option_, municipalities_by_name, options};
use crate::i18n::Tr;
use crate::listing_page::ListingView;
use crate::page::{Chrome, Form, Visitor, blocking, html_with_status};
use crate::{path_lang, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDateTime, TimeZone, Utc};
use kynnys_api::{ApiError, ApiState, AuthUser};
use kynnys_domain::{Lang, ListingRecord, ListingStatus, OrganisationRecord};
use kynnys_store::{Organisation, StoredListing};
use serde_json::{Map, Value, json};

const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const FLAGS: [&str; 5] = [
    "free",
    "drop_in",
    "childcare",
    "women_only",
    "wheelchair_accessible",
];
const SUPPORT: [&str; 3] = [
    "interpreter",
    "plain_language",
    "no_finnish_or_swedish_needed",
];
const HELSINKI: &str = "Europe/Helsinki";

/// The values of the form, as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListingForm {
    pub kind: String,
    /// Per language (fi, sv, en): title, summary, description, cost.
    pub texts: [[String; 4]; 3],
    pub themes: Vec<String>,
    pub target_groups: Vec<String>,
    pub languages_offered: Vec<String>,
    pub municipalities: Vec<String>,
    pub online: bool,
    pub flags: Vec<String>,
    pub weekdays: Vec<String>,
    pub start_time: String,
    pub end_time: String,
    pub rrule: String,
    pub starts_at: String,
    pub ends_at: String,
    pub audience: String,
    pub valid_from: String,
    pub valid_until: String,
    pub street_address: String,
    pub postal_code: String,
    pub location_municipality: String,
    pub registration_required: bool,
    pub registration_url: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub url: String,
}

const TEXT_FIELDS: [&str; 4] = ["title", "summary", "description", "cost"];

fn local_input(at: Option<chrono::DateTime<chrono::FixedOffset>>) -> String {
    at.map(|at| {
        at.with_timezone(&chrono_tz::Europe::Helsinki)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// A `datetime-local` value as RFC 3339 in Helsinki time (left as typed when it is not one,
/// so that validation names the field).
fn rfc3339(value: &str) -> Value {
    if value.is_empty() {
        return Value::Null;
    }
    NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|local| {
            chrono_tz::Europe::Helsinki
                .from_local_datetime(&local)
                .earliest()
        })
        .map(|at| json!(at.fixed_offset().to_rfc3339()))
        .unwrap_or_else(|| json!(value))
}

fn opt(value: &str) -> Value {
    if value.trim().is_empty() {
        Value::Null
    } else {
        json!(value.trim())
    }
}

impl ListingForm {
    fn from_record(record: &ListingRecord) -> Self {
        let text = |t: Option<&kynnys_domain::LocalizedText>, lang: Lang| {
            t.and_then(|t| t.get(lang)).unwrap_or_default().to_owned()
        };
        let texts = Lang::ALL.map(|lang| {
            [
                text(Some(&record.title), lang),
                text(record.summary.as_ref(), lang),
                text(Some(&record.description), lang),
                text(record.cost.as_ref(), lang),
            ]
        });
        let flags = record.flags.unwrap_or_default();
        let support = record.language_support.unwrap_or_default();
        let on = [
            flags.free,
            flags.drop_in,
            flags.childcare,
            flags.women_only,
            flags.wheelchair_accessible,
            support.interpreter,
            support.plain_language,
            support.no_finnish_or_swedish_needed,
        ];
        let names = FLAGS.iter().chain(SUPPORT.iter());
        let schedule = record.schedule.as_ref();
        let simple_days = schedule
            .and_then(|s| s.rrule.strip_prefix("FREQ=WEEKLY;BYDAY="))
            .filter(|days| days.split(',').all(|d| WEEKDAYS.contains(&d)));
        let location = record.location.as_ref();
        let contact = record.contact.clone().unwrap_or_default();
        ListingForm {
            kind: record.kind.to_string(),
            texts,
            themes: record.themes.clone(),
            target_groups: record.target_groups.clone(),
            languages_offered: record.languages_offered.clone(),
            municipalities: record.municipalities.clone(),
            online: record.online,
            flags: names
                .zip(on)
                .filter(|(_, on)| *on == Some(true))
                .map(|(name, _)| (*name).to_owned())
                .collect(),
            weekdays: simple_days
                .map(|days| days.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            start_time: schedule.map(|s| s.start_time.clone()).unwrap_or_default(),
            end_time: schedule.map(|s| s.end_time.clone()).unwrap_or_default(),
            rrule: match (schedule, simple_days) {
                (Some(s), None) => s.rrule.clone(),
                _ => String::new(),
            },
            starts_at: local_input(record.starts_at),
            ends_at: local_input(record.ends_at),
            audience: record
                .audience
                .map(|a| a.as_str().to_owned())
                .unwrap_or_default(),
            valid_from: record.valid_from.map(|d| d.to_string()).unwrap_or_default(),
            valid_until: record
                .valid_until
                .map(|d| d.to_string())
                .unwrap_or_default(),
            street_address: location
                .and_then(|l| l.street_address.clone())
                .unwrap_or_default(),
            postal_code: location
                .and_then(|l| l.postal_code.clone())
                .unwrap_or_default(),
            location_municipality: location.map(|l| l.municipality.clone()).unwrap_or_default(),
            registration_required: record.registration.as_ref().is_some_and(|r| r.required),
            registration_url: record
                .registration
                .as_ref()
                .and_then(|r| r.url.clone())
                .unwrap_or_default(),
            contact_name: contact.name.unwrap_or_default(),
            contact_email: contact.email.unwrap_or_default(),
            contact_phone: contact.phone.unwrap_or_default(),
            url: record.url.clone().unwrap_or_default(),
        }
    }

    fn from_form(form: &Form) -> Self {
        let text = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
        let texts = Lang::ALL
            .map(|lang| TEXT_FIELDS.map(|field| text(&format!("{field}_{}", lang.code()))));
        ListingForm {
            kind: text("kind"),
            texts,
            themes: form.all("themes"),
            target_groups: form.all("target_groups"),
            languages_offered: form.all("languages_offered"),
            municipalities: form.all("municipalities"),
            online: form.checked("online"),
            flags: FLAGS
                .iter()
                .chain(SUPPORT.iter())
                .filter(|f| form.checked(f))
                .map(|f| (*f).to_owned())
                .collect(),
            weekdays: form.all("weekdays"),
            start_time: text("start_time"),
            end_time: text("end_time"),
            rrule: text("rrule"),
            starts_at: text("starts_at"),
            ends_at: text("ends_at"),
            audience: text("audience"),
            valid_from: text("valid_from"),
            valid_until: text("valid_until"),
            street_address: text("street_address"),
            postal_code: text("postal_code"),
            location_municipality: text("location_municipality"),
            registration_required: form.checked("registration_required"),
            registration_url: text("registration_url"),
            contact_name: text("contact_name"),
            contact_email: text("contact_email"),
            contact_phone: text("contact_phone"),
            url: text("url"),
        }
    }

    fn localized(&self, field: usize) -> Value {
        let mut text = Map::new();
        for (lang, values) in Lang::ALL.iter().zip(&self.texts) {
            if !values[field].is_empty() {
                text.insert(lang.code().into(), json!(values[field]));
            }
        }
        Value::Object(text)
    }

    fn optional_localized(&self, field: usize) -> Value {
        match self.localized(field) {
            Value::Object(m) if m.is_empty() => Value::Null,
            other => other,
        }
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    /// The form as a JSON merge patch of the listing's fields.
    fn to_patch(&self) -> Value {
        let activity = self.kind == "activity";
        let rrule = if !self.rrule.is_empty() {
            self.rrule.clone()
        } else if self.weekdays.is_empty() {
            String::new()
        } else {
            let days: Vec<&str> = WEEKDAYS
                .iter()
                .copied()
                .filter(|d| self.weekdays.iter().any(|w| w == d))
                .collect();
            format!("FREQ=WEEKLY;BYDAY={}", days.join(","))
        };
        let schedule = if activity {
            json!({"rrule": rrule, "start_time": self.start_time, "end_time": self.end_time, "timezone": HELSINKI})
        } else {
            Value::Null
        };
        let location = if self.street_address.is_empty() && self.location_municipality.is_empty() {
            Value::Null
        } else {
            json!({
                "street_address": opt(&self.street_address),
                "postal_code": opt(&self.postal_code),
                "municipality": self.location_municipality,
            })
        };
        let contact = if self.contact_name.is_empty()
            && self.contact_email.is_empty()
            && self.contact_phone.is_empty()
        {
            Value::Null
        } else {
            json!({"name": opt(&self.contact_name), "email": opt(&self.contact_email), "phone": opt(&self.contact_phone)})
        };
        let registration = if !self.registration_required && self.registration_url.is_empty() {
            Value::Null
        } else {
            json!({"required": self.registration_required, "url": opt(&self.registration_url)})
        };
        let flags: Map<String, Value> = FLAGS
            .iter()
            .map(|f| ((*f).to_owned(), json!(self.flag(f))))
            .collect();
        let support: Map<String, Value> = SUPPORT
            .iter()
            .map(|f| ((*f).to_owned(), json!(self.flag(f))))
            .collect();
        json!({
            "kind": self.kind,
            "title": self.localized(0),
            "summary": self.optional_localized(1),
            "description": self.localized(2),
            "cost": self.optional_localized(3),
            "themes": self.themes,
            "target_groups": self.target_groups,
            "languages_offered": self.languages_offered,
            "municipalities": self.municipalities,
            "online": self.online,
            "flags": flags,
            "language_support": support,
            "schedule": schedule,
            "starts_at": if activity { Value::Null } else { rfc3339(&self.starts_at) },
            "ends_at": if activity { Value::Null } else { rfc3339(&self.ends_at) },
            "audience": if activity { Value::Null } else { opt(&self.audience) },
            "valid_from": opt(&self.valid_from),
            "valid_until": opt(&self.valid_until),
            "location": location,
            "registration": registration,
            "contact": contact,
            "url": opt(&self.url),
        })
    }
}

/// One language's tab of texts.
pub(crate) struct LanguageTab {
    pub code: &'static str,
    pub name: String,
    pub values: [String; 4],
}

/// A validation message with the field it belongs to.
pub(crate) struct FieldError {
    pub anchor: String,
    pub field: String,
    pub message: String,
}

fn anchor(root: &str) -> &'static str {
    match root {
        "title" => "f-title_fi",
        "summary" => "f-summary_fi",
        "description" => "f-description_fi",
        "cost" => "f-cost_fi",
        "themes" => "f-themes",
        "target_groups" => "f-target_groups",
        "languages_offered" => "f-languages_offered",
        "municipalities" => "f-municipalities",
        "schedule" => "f-weekdays",
        "starts_at" => "f-starts_at",
        "ends_at" => "f-ends_at",
        "audience" => "f-audience",
        "valid_from" => "f-valid_from",
        "valid_until" => "f-valid_until",
        "location" => "f-street_address",
        "registration" => "f-registration_url",
        "contact" => "f-contact_email",
        "url" => "f-url",
        _ => "f-kind",
    }
}

fn field_errors(t: Tr, error: &ApiError) -> Vec<FieldError> {
    error
        .problem(t.0)
        .errors
        .into_iter()
        .map(|e| {
            let path = e.path.or(e.parameter).unwrap_or_default();
            let root = path
                .trim_start_matches('$')
                .split(['.', '['])
                .next()
                .unwrap_or_default()
                .to_owned();
            FieldError {
                anchor: anchor(&root).to_owned(),
                field: t.t(&format!("field-{}", root.replace('_', "-"))),
                message: e.message,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "editor.html")]
struct EditorPage {
    chrome: Chrome,
    action: String,
    organisation_id: String,
    listing_id: Option<String>,
    status: Option<String>,
    lifecycle: Vec<(&'static str, String)>,
    form: ListingForm,
    tabs: Vec<LanguageTab>,
    kinds: Vec<Option_>,
    themes: Vec<Option_>,
    target_groups: Vec<Option_>,
    languages: Vec<Option_>,
    municipalities: Vec<Option_>,
    location_municipalities: Vec<Option_>,
    flags: Vec<Option_>,
    weekdays: Vec<Option_>,
    audiences: Vec<Option_>,
    errors: Vec<FieldError>,
    preview: Option<ListingView>,
}

impl EditorPage {
    #[allow(clippy::too_many_arguments)]
    fn new(
        chrome: Chrome,
        state: &ApiState,
        organisation_id: String,
        listing: Option<&StoredListing>,
        form: ListingForm,
        errors: Vec<FieldError>,
        preview: Option<ListingView>,
    ) -> Self {
        let t = chrome.t;
        let lang = t.0;
        let v = &state.vocabularies;
        let label = |term: &kynnys_domain::Term| {
            term.label
                .resolve(lang)
                .map(|r| r.text.to_owned())
                .unwrap_or_else(|| term.key.clone())
        };
        let municipalities = municipalities_by_name(v, lang);
        let action = match listing {
            Some(l) => format!("/{}/organisation/listings/{}", lang.code(), l.id),
            None => format!("/{}/organisation/listings/new", lang.code()),
        };
        EditorPage {
            action,
            organisation_id,
            listing_id: listing.map(|l| l.id.clone()),
            status: listing.map(|l| t.t(&format!("status-{}", l.status))),
            lifecycle: listing
                .map(|l| {
                    [
                        kynnys_domain::ListingAction::Submit,
                        kynnys_domain::ListingAction::Archive,
                    ]
                    .into_iter()
                    .filter(|a| l.status.after(*a).is_some())
                    .map(|a| (a.as_str(), t.t(&format!("action-{a}"))))
                    .collect()
                })
                .unwrap_or_default(),
            tabs: Lang::ALL
                .iter()
                .zip(&form.texts)
                .map(|(l, values)| LanguageTab {
                    code: l.code(),
                    name: t.t(&format!("language-name-{}", l.code())),
                    values: values.clone(),
                })
                .collect(),
            kinds: options(
                ["activity", "event", "training"]
                    .into_iter()
                    .map(|k| (k.to_owned(), t.t(&format!("kind-{k}")))),
                std::slice::from_ref(&form.kind),
            ),
            themes: options(
                v.themes.terms().iter().map(|x| (x.key.clone(), label(x))),
                &form.themes,
            ),
            target_groups: options(
                v.target_groups
                    .terms()
                    .iter()
                    .map(|x| (x.key.clone(), label(x))),
                &form.target_groups,
            ),
            languages: options(
                v.languages
                    .terms()
                    .iter()
                    .map(|x| (x.key.clone(), label(x))),
                &form.languages_offered,
            ),
            municipalities: options(municipalities.clone().into_iter(), &form.municipalities),
            location_municipalities: options(
                municipalities.into_iter(),
                std::slice::from_ref(&form.location_municipality),
            ),
            flags: options(
                FLAGS.iter().chain(SUPPORT.iter()).map(|f| {
                    (
                        (*f).to_owned(),
                        t.t(&format!("flag-{}", f.replace('_', "-"))),
                    )
                }),
                &form.flags,
            ),
            weekdays: options(
                WEEKDAYS
                    .iter()
                    .enumerate()
                    .map(|(i, d)| ((*d).to_owned(), t.t(&format!("weekday-long-{}", i + 1)))),
                &form.weekdays,
            ),
            audiences: options(
                ["employees", "volunteers", "both"]
                    .into_iter()
                    .map(|a| (a.to_owned(), t.t(&format!("audience-{a}")))),
                std::slice::from_ref(&form.audience),
            ),
            form,
            errors,
            preview,
            chrome,
        }
    }
}

async fn organisation(state: &ApiState, id: String, lang: Lang) -> Result<Organisation, WebError> {
    let store = state.store.clone();
    blocking(lang, move || store.organisation(&id))
        .await?
        .ok_or(ApiError::NotFound)
        .in_lang(lang)
}

fn organisation_record(org: &Organisation) -> OrganisationRecord {
    OrganisationRecord {
        external_id: org.external_id.clone(),
        name: org.input.name.clone(),
        org_type: org.input.org_type.clone(),
        business_id: org.input.business_id.clone(),
        website: org.input.website.clone(),
        email: org.input.email.clone(),
    }
}

/// The listing as it would be after the form, for the preview (or what is wrong with it).
fn preview(
    state: &ApiState,
    t: Tr,
    org: &Organisation,
    listing: Option<&StoredListing>,
    form: &ListingForm,
) -> Result<ListingView, ApiError> {
    let mut current = match listing {
        Some(l) => json!(l.record),
        None => json!({"external_id": "preview"}),
    };
    kynnys_api::merge_patch(&mut current, &form.to_patch());
    if let Some(fields) = current.as_object_mut() {
        fields.insert("organisation".into(), json!(organisation_record(org)));
    }
    let record = ListingRecord::from_json_value(&current).map_err(ApiError::Validation)?;
    record
        .validate(&state.vocabularies)
        .map_err(ApiError::Validation)?;
    let now = Utc::now();
    let stored = StoredListing {
        id: listing.map(|l| l.id.clone()).unwrap_or_default(),
        organisation_id: org.id.clone(),
        status: listing.map(|l| l.status).unwrap_or(ListingStatus::Draft),
        status_reason: None,
        record,
        schedule_anchor: listing.and_then(|l| l.schedule_anchor),
        created_at: listing.map(|l| l.created_at).unwrap_or(now),
        updated_at: now,
        last_confirmed_at: None,
        seq: 0,
    };
    Ok(ListingView::new(t, &state.vocabularies, &stored, now))
}

/// `GET /{lang}/organisation/listings/new?organisation=…`.
pub(crate) async fn new_listing(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let chrome = Chrome::new(&req, lang, &visitor, t.t("listing-new"));
    let user = visitor.required(&req, lang)?.0;
    let organisation_id = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "organisation")
        .map(|(_, v)| v.into_owned())
        .or_else(|| user.memberships.first().map(|m| m.organisation_id.clone()))
        .unwrap_or_default();
    kynnys_api::authorize(
        Some(&user),
        kynnys_api::Action::EditListing,
        Some(&organisation_id),
    )
    .in_lang(lang)?;
    let form = ListingForm {
        kind: "activity".into(),
        start_time: "17:00".into(),
        end_time: "19:00".into(),
        ..ListingForm::default()
    };
    let page = EditorPage::new(
        chrome,
        &state,
        organisation_id,
        None,
        form,
        Vec::new(),
        None,
    );
    html_with_status(&page, lang, StatusCode::OK)
}

/// Renders the editor again with the form as typed, and a preview or the errors.
fn again(
    chrome: Chrome,
    state: &ApiState,
    org: &Organisation,
    listing: Option<&StoredListing>,
    form: ListingForm,
    outcome: Result<ListingView, ApiError>,
) -> Result<HttpResponse, WebError> {
    let lang = chrome.t.0;
    let t = chrome.t;
    let (errors, preview, status) = match outcome {
        Ok(view) => (Vec::new(), Some(view), StatusCode::OK),
        Err(error @ ApiError::Validation(_)) => (
            field_errors(t, &error),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(error) => return Err(WebError::Api { lang, error }),
    };
    let page = EditorPage::new(
        chrome,
        state,
        org.id.clone(),
        listing,
        form,
        errors,
        preview,
    );
    html_with_status(&page, lang, status)
}

/// `POST /{lang}/organisation/listings/new`: preview, or create a draft.
pub(crate) async fn create_listing(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let raw = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &raw).await.in_lang(lang)?;
    let chrome = Chrome::new(&req, lang, &visitor, t.t("listing-new"));
    let user = visitor.required(&req, lang)?.0;
    let org_id = raw.text("organisation").unwrap_or_default();
    kynnys_api::authorize(Some(&user), kynnys_api::Action::EditListing, Some(&org_id))
        .in_lang(lang)?;
    let org = organisation(&state, org_id, lang).await?;
    let form = ListingForm::from_form(&raw);
    if raw.checked("preview") {
        let outcome = preview(&state, t, &org, None, &form);
        return again(chrome, &state, &org, None, form, outcome);
    }
    let mut body = form.to_patch();
    if let Some(fields) = body.as_object_mut() {
        fields.insert("organisation_id".into(), json!(org.id));
        fields.retain(|_, v| !v.is_null());
    }
    match kynnys_api::create_listing_as(&state, user, body).await {
        Ok(created) => Ok(see_other(&format!(
            "/{}/organisation/listings/{}?done=saved",
            lang.code(),
            created.id
        ))),
        Err(error) => again(chrome, &state, &org, None, form, Err(error)),
    }
}

async fn editable(
    state: &ApiState,
    user: &AuthUser,
    id: String,
    lang: Lang,
) -> Result<(StoredListing, Organisation), WebError> {
    let listing = kynnys_api::visible_listing(state, Some(user), id)
        .await
        .in_lang(lang)?;
    kynnys_api::authorize(
        Some(user),
        kynnys_api::Action::EditListing,
        Some(&listing.organisation_id),
    )
    .in_lang(lang)?;
    let org = organisation(state, listing.organisation_id.clone(), lang).await?;
    Ok((listing, org))
}

/// `GET /{lang}/organisation/listings/{id}`.
pub(crate) async fn edit_listing(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let (_, id) = path.into_inner();
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let chrome = Chrome::new(&req, lang, &visitor, t.t("listing-edit"));
    let user = visitor.required(&req, lang)?.0;
    let (listing, org) = editable(&state, &user, id, lang).await?;
    let form = ListingForm::from_record(&listing.record);
    let page = EditorPage::new(
        chrome,
        &state,
        org.id.clone(),
        Some(&listing),
        form,
        Vec::new(),
        None,
    );
    html_with_status(&page, lang, StatusCode::OK)
}

/// `POST /{lang}/organisation/listings/{id}`: preview, or save.
pub(crate) async fn save_listing(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let (_, id) = path.into_inner();
    let raw = Form::parse(&body);
    let visitor = Visitor::posting(&req, &state, &raw).await.in_lang(lang)?;
    let chrome = Chrome::new(&req, lang, &visitor, t.t("listing-edit"));
    let user = visitor.required(&req, lang)?.0;
    let (listing, org) = editable(&state, &user, id, lang).await?;
    let form = ListingForm::from_form(&raw);
    if raw.checked("preview") {
        let outcome = preview(&state, t, &org, Some(&listing), &form);
        return again(chrome, &state, &org, Some(&listing), form, outcome);
    }
    match kynnys_api::patch_listing_as(&state, user, listing.id.clone(), &form.to_patch()).await {
        Ok(saved) => Ok(see_other(&format!(
            "/{}/organisation/listings/{}?done=saved",
            lang.code(),
            saved.id
        ))),
        Err(error) => again(chrome, &state, &org, Some(&listing), form, Err(error)),
    }
}
