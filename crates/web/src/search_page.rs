//! The front page: one search box, filters with counts, result cards. The URL carries the whole
//! search with the parameter names of `GET /api/v1/search`, so it can be shared, bookmarked and
//! gone back to.

use crate::error::WebError;
use crate::format::{Card, label};
use crate::i18n::Tr;
use crate::page::{Chrome, Visitor, blocking, html, html_with_status};
use crate::{path_lang, shortlist};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Days, Utc};
use kynnys_api::{ApiError, ApiState};
use kynnys_domain::Lang;
use kynnys_search::{FacetCount, SearchRequest, SearchResponse};
use std::collections::HashMap;

/// How many values of a long facet (municipality, language) are shown besides the chosen ones.
const LONG_FACET_VALUES: usize = 12;
/// Radii offered with a place, in km.
const RADII: [u32; 5] = [2, 5, 10, 25, 50];

/// One value of a filter: a checkbox with its count.
pub(crate) struct FilterValue {
    pub value: String,
    pub label: String,
    pub count: Option<u64>,
    pub checked: bool,
}

/// A group of checkboxes under one parameter name.
pub(crate) struct FilterGroup {
    pub name: &'static str,
    pub legend: String,
    pub values: Vec<FilterValue>,
}

/// A chosen filter with the link that removes it.
pub(crate) struct ActiveFilter {
    pub label: String,
    pub remove: String,
}

/// An option of a select.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    errors: Vec<String>,
    total: usize,
    cards: Vec<Card>,
    groups: Vec<FilterGroup>,
    toggles: Vec<FilterValue>,
    places: Vec<Choice>,
    radii: Vec<Choice>,
    sorts: Vec<Choice>,
    active: Vec<ActiveFilter>,
    next_page: Option<String>,
    subscribe: String,
    /// The search kept by a subscription (its query string), when one is being changed.
    editing: Option<String>,
    searched: bool,
    back: String,
}

/// The query string's pairs.
fn pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The page URL with one value removed (and the page cursor dropped).
fn without(lang: Lang, pairs: &[(String, String)], name: &str, value: &str) -> String {
    let kept: Vec<_> = pairs
        .iter()
        .filter(|(k, v)| !(k == name && v == value) && k != "cursor")
        .cloned()
        .collect();
    format!("/{}/?{}", lang.code(), encode(&kept))
}

fn chosen(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

fn group(
    name: &'static str,
    legend: String,
    counts: &[FacetCount],
    chosen: &[String],
    limit: Option<usize>,
    label_of: impl Fn(&str) -> String,
) -> FilterGroup {
    let mut values: Vec<FilterValue> = Vec::new();
    let count_of: HashMap<&str, u64> = counts.iter().map(|c| (c.value.as_str(), c.count)).collect();
    for value in chosen {
        values.push(FilterValue {
            value: value.clone(),
            label: label_of(value),
            count: Some(count_of.get(value.as_str()).copied().unwrap_or(0)),
            checked: true,
        });
    }
    let mut others: Vec<&FacetCount> = counts
        .iter()
        .filter(|c| c.count > 0 && !chosen.contains(&c.value))
        .collect();
    others.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    others.truncate(limit.unwrap_or(usize::MAX));
    values.extend(others.into_iter().map(|c| FilterValue {
        value: c.value.clone(),
        label: label_of(&c.value),
        count: Some(c.count),
        checked: false,
    }));
    FilterGroup {
        name,
        legend,
        values,
    }
}

fn groups(
    t: Tr,
    state: &ApiState,
    facets: &kynnys_search::Facets,
    pairs: &[(String, String)],
) -> Vec<FilterGroup> {
    let v = &state.vocabularies;
    let lang = t.0;
    vec![
        group(
            "kind",
            t.t("filter-kind"),
            &facets.kind,
            &chosen(pairs, "kind"),
            None,
            |k| t.t(&format!("kind-{k}")),
        ),
        group(
            "region",
            t.t("filter-region"),
            &facets.region,
            &chosen(pairs, "region"),
            None,
            |c| {
                v.region(c)
                    .and_then(|r| r.name.resolve(lang).map(|n| n.text.to_owned()))
                    .unwrap_or_else(|| c.to_owned())
            },
        ),
        group(
            "municipality",
            t.t("filter-municipality"),
            &facets.municipality,
            &chosen(pairs, "municipality"),
            Some(LONG_FACET_VALUES),
            |c| crate::format::municipality_names(v, &[c.to_owned()], lang),
        ),
        group(
            "language",
            t.t("filter-language"),
            &facets.language,
            &chosen(pairs, "language"),
            Some(LONG_FACET_VALUES),
            |c| label(&v.languages, c, lang),
        ),
        group(
            "theme",
            t.t("filter-theme"),
            &facets.theme,
            &chosen(pairs, "theme"),
            None,
            |c| label(&v.themes, c, lang),
        ),
        group(
            "target_group",
            t.t("filter-target-group"),
            &facets.target_group,
            &chosen(pairs, "target_group"),
            None,
            |c| label(&v.target_groups, c, lang),
        ),
    ]
}

/// The yes/no filters and "this week" (a `to` date a week ahead).
fn toggles(t: Tr, pairs: &[(String, String)]) -> Vec<FilterValue> {
    let week_end = Utc::now()
        .date_naive()
        .checked_add_days(Days::new(6))
        .map(|d| d.to_string())
        .unwrap_or_default();
    let is = |name: &str, value: &str| pairs.iter().any(|(k, v)| k == name && v == value);
    let this_week = chosen(pairs, "to").first().cloned();
    vec![
        FilterValue {
            value: "free".into(),
            label: t.t("badge-free"),
            count: None,
            checked: is("free", "true"),
        },
        FilterValue {
            value: "drop_in".into(),
            label: t.t("badge-drop-in"),
            count: None,
            checked: is("drop_in", "true"),
        },
        FilterValue {
            value: "online".into(),
            label: t.t("badge-online"),
            count: None,
            checked: is("online", "true"),
        },
        FilterValue {
            value: this_week.clone().unwrap_or(week_end),
            label: t.t("filter-this-week"),
            count: None,
            checked: this_week.is_some(),
        },
    ]
}

fn places(state: &ApiState, lang: Lang, pairs: &[(String, String)]) -> Vec<Choice> {
    let near = chosen(pairs, "near").first().cloned().unwrap_or_default();
    let mut places: Vec<Choice> = state
        .vocabularies
        .municipalities()
        .iter()
        .map(|m| {
            let value = format!("{:.4},{:.4}", m.lat, m.lon);
            Choice {
                selected: value == near,
                label: m
                    .name
                    .resolve(lang)
                    .map(|n| n.text.to_owned())
                    .unwrap_or_else(|| m.code.clone()),
                value,
            }
        })
        .collect();
    places.sort_by(|a, b| a.label.cmp(&b.label));
    places
}

fn choices(values: &[(&str, String)], current: Option<&str>) -> Vec<Choice> {
    values
        .iter()
        .map(|(value, label)| Choice {
            value: (*value).to_owned(),
            label: label.clone(),
            selected: current == Some(*value),
        })
        .collect()
}

/// The active filters as removable chips.
fn active(
    t: Tr,
    groups: &[FilterGroup],
    toggles: &[FilterValue],
    pairs: &[(String, String)],
) -> Vec<ActiveFilter> {
    let lang = t.0;
    let mut found: Vec<ActiveFilter> = groups
        .iter()
        .flat_map(|g| {
            g.values.iter().filter(|v| v.checked).map(|v| ActiveFilter {
                label: v.label.clone(),
                remove: without(lang, pairs, g.name, &v.value),
            })
        })
        .collect();
    let names = ["free", "drop_in", "online", "to"];
    for (toggle, name) in toggles.iter().zip(names) {
        if toggle.checked {
            let value = if name == "to" {
                toggle.value.as_str()
            } else {
                "true"
            };
            found.push(ActiveFilter {
                label: toggle.label.clone(),
                remove: without(lang, pairs, name, value),
            });
        }
    }
    found
}

/// `GET /{lang}/?q=…`: the advisor search.
pub(crate) async fn search(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, WebError> {
    let lang = path_lang(&req);
    let t = Tr(lang);
    let visitor = Visitor::of(&req, &state)
        .await
        .map_err(|error| WebError::Api { lang, error })?;
    let pairs = pairs(req.query_string());
    let query = encode(&pairs);
    let q = chosen(&pairs, "q").join(" ");
    let (response, errors, status) =
        match kynnys_api::parse_search_query(&query, Some(lang.code()), &state) {
            Ok(request) => {
                let index = state.index.clone();
                let request: SearchRequest = request;
                let found: SearchResponse = blocking(lang, move || {
                    index
                        .search(&request, Utc::now())
                        .map_err(|e| ApiError::Internal(e.to_string()))
                })
                .await?;
                (found, Vec::new(), StatusCode::OK)
            }
            Err(ApiError::InvalidParameters { problems, .. }) => (
                SearchResponse {
                    total: 0,
                    items: Vec::new(),
                    facets: kynnys_search::Facets::default(),
                    next_cursor: None,
                },
                problems
                    .into_iter()
                    .map(|p| format!("{}: {}", p.parameter, p.message))
                    .collect(),
                StatusCode::BAD_REQUEST,
            ),
            Err(error) => return Err(WebError::Api { lang, error }),
        };
    let ids: Vec<String> = response.items.iter().map(|h| h.id.clone()).collect();
    let store = state.store.clone();
    let stored = blocking(lang, move || store.listings_by_ids(&ids)).await?;
    let on_list = shortlist::ids(&req);
    let cards = response
        .items
        .iter()
        .map(|hit| {
            let listing = stored.iter().find(|l| l.id == hit.id);
            Card::from_hit(t, &state.vocabularies, hit, listing, &on_list)
        })
        .collect();
    let groups = groups(t, &state, &response.facets, &pairs);
    let toggles = toggles(t, &pairs);
    let active = active(t, &groups, &toggles, &pairs);
    let next_page = response.next_cursor.as_ref().map(|cursor| {
        let mut next: Vec<_> = pairs
            .iter()
            .filter(|(k, _)| k != "cursor")
            .cloned()
            .collect();
        next.push(("cursor".into(), cursor.clone()));
        format!("/{}/?{}", lang.code(), encode(&next))
    });
    let subscribe_pairs: Vec<_> = pairs
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "cursor" | "sort" | "near" | "radius_km" | "from" | "to" | "limit" | "lang"
            )
        })
        .cloned()
        .collect();
    let sort = chosen(&pairs, "sort").first().cloned();
    let radius = chosen(&pairs, "radius_km").first().cloned();
    let page = SearchPage {
        chrome: Chrome::new(&req, lang, &visitor, t.t("search-title")),
        searched: !pairs.is_empty(),
        q,
        errors,
        total: response.total,
        cards,
        places: places(&state, lang, &pairs),
        radii: RADII
            .iter()
            .map(|r| Choice {
                value: r.to_string(),
                label: t.a("distance-km", "km", &r.to_string()),
                selected: radius.as_deref() == Some(&r.to_string()),
            })
            .collect(),
        sorts: choices(
            &[
                ("relevance", t.t("sort-relevance")),
                ("next_occurrence", t.t("sort-next-occurrence")),
                ("updated", t.t("sort-updated")),
                ("distance", t.t("sort-distance")),
            ],
            sort.as_deref(),
        ),
        groups,
        toggles,
        active,
        next_page,
        editing: req
            .cookie(crate::subscribe::EDITING_COOKIE)
            .map(|_| encode(&subscribe_pairs)),
        subscribe: format!("/{}/subscribe?{}", lang.code(), encode(&subscribe_pairs)),
        back: req.uri().to_string(),
    };
    if status == StatusCode::OK {
        html(&page, lang)
    } else {
        html_with_status(&page, lang, status)
    }
}
