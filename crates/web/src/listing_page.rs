//! A listing's page: everything a client needs to get there, a calendar file of the next
//! sessions, and schema.org structured data for search engines.

use crate::error::{InLang, WebError};
use crate::format::{Text, badges, date, label, language_names, municipality_names, when};
use crate::i18n::Tr;
use crate::page::{Chrome, Visitor, html};
use crate::{path_lang, shortlist};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use icalendar::{Component, EventLike};
use kynnys_api::{ApiState, AuthUser};
use kynnys_domain::{Kind, Lang, ListingStatus, NextOccurrence, Vocabularies};
use kynnys_store::StoredListing;
use serde_json::{Value, json};

/// Sessions listed on the page and in the calendar file.
const SHOWN_SESSIONS: u16 = 6;
const CALENDAR_SESSIONS: u16 = 20;

/// What the listing page (and the editor's preview) shows of a listing.
pub(crate) struct ListingView {
    pub id: String,
    pub kind: String,
    pub status: Option<String>,
    pub title: Text,
    pub summary: Option<Text>,
    pub description: Option<Text>,
    pub organisation: Option<Text>,
    pub sessions: Vec<String>,
    pub schedule_text: Option<Text>,
    pub valid_until: Option<String>,
    pub place_name: Option<Text>,
    pub address: Option<String>,
    pub municipalities: String,
    pub map: Option<String>,
    pub online: bool,
    pub cost: Option<Text>,
    pub registration_required: Option<bool>,
    pub registration_url: Option<String>,
    pub registration_deadline: Option<String>,
    pub registration_text: Option<Text>,
    pub contact: Vec<(String, String, Option<String>)>,
    pub languages: String,
    pub themes: Vec<String>,
    pub target_groups: Vec<String>,
    pub badges: Vec<String>,
    pub url: Option<String>,
    pub ages: Option<String>,
}

fn sessions(listing: &StoredListing, now: DateTime<Utc>, limit: u16) -> Vec<NextOccurrence> {
    let anchor = listing
        .schedule_anchor
        .unwrap_or_else(|| listing.created_at.date_naive());
    listing
        .record
        .next_occurrences(anchor, now, limit)
        .unwrap_or_default()
}

impl ListingView {
    pub fn new(t: Tr, vocab: &Vocabularies, listing: &StoredListing, now: DateTime<Utc>) -> Self {
        let lang = t.0;
        let record = &listing.record;
        let location = record.location.as_ref();
        let address = location.and_then(|l| {
            let parts: Vec<String> = [
                l.street_address.clone(),
                l.postal_code.clone().map(|p| {
                    format!(
                        "{p} {}",
                        municipality_names(vocab, std::slice::from_ref(&l.municipality), lang)
                    )
                }),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        });
        let map = location.and_then(|l| {
            l.lat.zip(l.lon).map(|(lat, lon)| {
                format!("https://www.openstreetmap.org/?mlat={lat:.5}&mlon={lon:.5}#map=17/{lat:.5}/{lon:.5}")
            })
        });
        let registration = record.registration.as_ref();
        let contact = record
            .contact
            .as_ref()
            .map(|c| {
                [
                    (t.t("contact-name"), c.name.clone(), None),
                    (
                        t.t("contact-email"),
                        c.email.clone(),
                        c.email.as_ref().map(|e| format!("mailto:{e}")),
                    ),
                    (
                        t.t("contact-phone"),
                        c.phone.clone(),
                        c.phone
                            .as_ref()
                            .map(|p| format!("tel:{}", p.replace(' ', ""))),
                    ),
                ]
                .into_iter()
                .filter_map(|(k, v, link)| v.map(|v| (k, v, link)))
                .collect()
            })
            .unwrap_or_default();
        ListingView {
            id: listing.id.clone(),
            kind: t.t(&format!("kind-{}", record.kind)),
            status: (listing.status != ListingStatus::Published)
                .then(|| t.t(&format!("status-{}", listing.status))),
            title: Text::of(&record.title, lang).unwrap_or(Text {
                text: String::new(),
                lang: lang.code(),
                fallback: false,
            }),
            summary: record.summary.as_ref().and_then(|s| Text::of(s, lang)),
            description: Text::of(&record.description, lang),
            organisation: Text::of(&record.organisation.name, lang),
            sessions: sessions(listing, now, SHOWN_SESSIONS)
                .iter()
                .map(|o| when(t, o))
                .collect(),
            schedule_text: record
                .schedule
                .as_ref()
                .and_then(|s| s.text.as_ref())
                .and_then(|s| Text::of(s, lang)),
            valid_until: record.valid_until.map(|d| date(t, d)),
            place_name: location
                .and_then(|l| l.name.as_ref())
                .and_then(|n| Text::of(n, lang)),
            address,
            municipalities: municipality_names(vocab, &record.municipalities, lang),
            map,
            online: record.online,
            cost: record.cost.as_ref().and_then(|c| Text::of(c, lang)),
            registration_required: registration.map(|r| r.required),
            registration_url: registration.and_then(|r| r.url.clone()),
            registration_deadline: registration.and_then(|r| r.deadline).map(|d| date(t, d)),
            registration_text: registration
                .and_then(|r| r.text.as_ref())
                .and_then(|x| Text::of(x, lang)),
            contact,
            languages: language_names(vocab, &record.languages_offered, lang),
            themes: record
                .themes
                .iter()
                .map(|k| label(&vocab.themes, k, lang))
                .collect(),
            target_groups: record
                .target_groups
                .iter()
                .map(|k| label(&vocab.target_groups, k, lang))
                .collect(),
            badges: badges(t, record),
            url: record.url.clone(),
            ages: match (record.age_min, record.age_max) {
                (None, None) => None,
                (min, max) => Some(format!(
                    "{}–{}",
                    min.map(|m| m.to_string()).unwrap_or_default(),
                    max.map(|m| m.to_string()).unwrap_or_default()
                )),
            },
        }
    }
}

/// schema.org data: an `EventSeries` for a recurring activity, an `Event` otherwise, with the
/// organiser and the place.
fn structured_data(
    listing: &StoredListing,
    lang: Lang,
    page_url: &str,
    now: DateTime<Utc>,
) -> String {
    let record = &listing.record;
    let text = |t: &kynnys_domain::LocalizedText| t.resolve(lang).map(|r| r.text.to_owned());
    let organiser = json!({
        "@type": "Organization",
        "name": text(&record.organisation.name),
        "url": record.organisation.website,
    });
    let place = record.location.as_ref().map(|l| {
        json!({
            "@type": "Place",
            "name": l.name.as_ref().and_then(text),
            "address": {
                "@type": "PostalAddress",
                "streetAddress": l.street_address,
                "postalCode": l.postal_code,
                "addressCountry": "FI",
            },
            "geo": l.lat.zip(l.lon).map(|(lat, lon)| json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon})),
        })
    });
    let location = match (place, record.online) {
        (Some(place), true) => {
            json!([place, {"@type": "VirtualLocation", "url": record.url.clone().unwrap_or_else(|| page_url.to_owned())}])
        }
        (Some(place), false) => place,
        (None, true) => {
            json!({"@type": "VirtualLocation", "url": record.url.clone().unwrap_or_else(|| page_url.to_owned())})
        }
        (None, false) => Value::Null,
    };
    let next = sessions(listing, now, SHOWN_SESSIONS);
    let sub_events: Vec<Value> = next
        .iter()
        .map(|o| json!({"@type": "Event", "name": text(&record.title), "startDate": o.starts_at.to_rfc3339(), "endDate": o.ends_at.to_rfc3339(), "location": location}))
        .collect();
    let series = record.kind == Kind::Activity;
    let mut data = json!({
        "@context": "https://schema.org",
        "@type": if series { "EventSeries" } else { "Event" },
        "name": text(&record.title),
        "description": record.summary.as_ref().and_then(text).or_else(|| text(&record.description)),
        "url": page_url,
        "inLanguage": record.languages_offered,
        "organizer": organiser,
        "location": location,
        "eventAttendanceMode": match (record.online, record.location.is_some()) {
            (true, true) => "https://schema.org/MixedEventAttendanceMode",
            (true, false) => "https://schema.org/OnlineEventAttendanceMode",
            _ => "https://schema.org/OfflineEventAttendanceMode",
        },
        "isAccessibleForFree": record.flags.as_ref().and_then(|f| f.free),
    });
    if let Some(fields) = data.as_object_mut() {
        if series {
            fields.insert("subEvent".into(), json!(sub_events));
        } else if let Some(first) = next.first() {
            fields.insert("startDate".into(), json!(first.starts_at.to_rfc3339()));
            fields.insert("endDate".into(), json!(first.ends_at.to_rfc3339()));
        }
        fields.retain(|_, v| !v.is_null());
    }
    // Inside <script>: no "</" may close the element early.
    data.to_string().replace("</", "<\\/")
}

#[derive(Template)]
#[template(path = "listing.html")]
struct ListingPage {
    chrome: Chrome,
    view: ListingView,
    json_ld: String,
    on_shortlist: bool,
    back: String,
}

/// A listing the visitor may see (published, or their organisation's, or any for moderators).
async fn visible(
    state: &ApiState,
    user: Option<&AuthUser>,
    id: String,
    lang: Lang,
) -> Result<StoredListing, WebError> {
    kynnys_api::visible_listing(state, user, id)
        .await
        .in_lang(lang)
}

/// `GET /{lang}/listings/{id}`.
pub(crate) async fn listing(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let (_, id) = path.into_inner();
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let listing = visible(&state, visitor.user.as_ref(), id, lang).await?;
    let now = Utc::now();
    let view = ListingView::new(t, &state.vocabularies, &listing, now);
    let page_url = format!(
        "{}/{}/listings/{}",
        state.settings.public_url,
        lang.code(),
        listing.id
    );
    let page = ListingPage {
        chrome: Chrome::new(&req, lang, &visitor, view.title.text.clone()),
        json_ld: structured_data(&listing, lang, &page_url, now),
        on_shortlist: shortlist::ids(&req).contains(&listing.id),
        back: req.uri().to_string(),
        view,
    };
    html(&page, lang)
}

/// `GET /{lang}/listings/{id}/calendar.ics`: the next sessions as an iCalendar file.
pub(crate) async fn calendar(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let (_, id) = path.into_inner();
    let visitor = Visitor::of(&req, &state).await.in_lang(lang)?;
    let listing = visible(&state, visitor.user.as_ref(), id, lang).await?;
    let record = &listing.record;
    let title = Text::of(&record.title, lang)
        .map(|t| t.text)
        .unwrap_or_default();
    let page_url = format!(
        "{}/{}/listings/{}",
        state.settings.public_url,
        lang.code(),
        listing.id
    );
    let place = record.location.as_ref().map(|l| {
        [
            l.name
                .as_ref()
                .and_then(|n| Text::of(n, lang))
                .map(|t| t.text),
            l.street_address.clone(),
            l.postal_code.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    });
    let summary = record
        .summary
        .as_ref()
        .and_then(|s| Text::of(s, lang))
        .map(|t| t.text);
    let mut calendar = icalendar::Calendar::new();
    calendar.name(&title);
    for session in &sessions(&listing, Utc::now(), CALENDAR_SESSIONS) {
        let mut event = icalendar::Event::new();
        event
            .uid(&format!(
                "{}-{}@kynnys",
                listing.id,
                session.starts_at.timestamp()
            ))
            .summary(&title)
            .starts(session.starts_at.with_timezone(&Utc))
            .ends(session.ends_at.with_timezone(&Utc))
            .url(&page_url)
            .sequence(0);
        if let Some(place) = place.as_deref().filter(|p| !p.is_empty()) {
            event.location(place);
        }
        if let Some(summary) = &summary {
            event.description(summary);
        }
        calendar.push(event.done());
    }
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"kynnys-{}.ics\"", listing.id),
        ))
        .body(calendar.done().to_string()))
}
