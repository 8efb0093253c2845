//! `GET /api/v1/search`: exactly the parameters `q`, `lang`, `kind`, `municipality`, `region`,
//! `theme`, `target_group`, `language`, `online`, `free`, `drop_in`, `near`, `radius_km`,
//! `from`, `to`, `sort`, `limit`, `cursor`. A repeated parameter ORs its values; different
//! parameters AND. Anything else is a 400 that names the parameter.

use crate::{ApiError, ApiState, ParameterProblem};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use kynnys_domain::{Kind, Lang};
use kynnys_search::{Cursor, SearchRequest, Sort};

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;
const MAX_RADIUS_KM: f64 = 2000.0;
const MAX_QUERY_CHARS: usize = 500;

const PARAMETERS: [&str; 18] = [
    "q",
    "lang",
    "kind",
    "municipality",
    "region",
    "theme",
    "target_group",
    "language",
    "online",
    "free",
    "drop_in",
    "near",
    "radius_km",
    "from",
    "to",
    "sort",
    "limit",
    "cursor",
];
const LISTS: [&str; 7] = [
    "kind",
    "municipality",
    "region",
    "theme",
    "target_group",
    "language",
    "q",
];

fn message(lang: Lang, code: &str) -> &'static str {
    match (code, lang) {
        ("unknown_parameter", Lang::Fi) => "Tuntematon parametri",
        ("unknown_parameter", Lang::Sv) => "Okänd parameter",
        ("unknown_parameter", Lang::En) => "Unknown parameter",
        ("repeated", Lang::Fi) => "Parametri saa esiintyä vain kerran",
        ("repeated", Lang::Sv) => "Parametern får bara anges en gång",
        ("repeated", Lang::En) => "The parameter may be given only once",
        ("unknown_value", Lang::Fi) => "Tuntematon arvo",
        ("unknown_value", Lang::Sv) => "Okänt värde",
        ("unknown_value", Lang::En) => "Unknown value",
        ("out_of_range", Lang::Fi) => "Arvo on sallitun alueen ulkopuolella",
        ("out_of_range", Lang::Sv) => "Värdet ligger utanför det tillåtna intervallet",
        ("out_of_range", Lang::En) => "The value is out of range",
        ("requires_near", Lang::Fi) => "Vaatii myös parametrin near",
        ("requires_near", Lang::Sv) => "Kräver också parametern near",
        ("requires_near", Lang::En) => "Requires the near parameter too",
        (_, Lang::Fi) => "Virheellinen arvo",
        (_, Lang::Sv) => "Ogiltigt värde",
        (_, Lang::En) => "Invalid value",
    }
}

struct Problems {
    lang: Lang,
    found: Vec<ParameterProblem>,
}

impl Problems {
    fn add(&mut self, parameter: &str, code: &'static str, detail: impl std::fmt::Display) {
        self.found.push(ParameterProblem {
            parameter: parameter.to_owned(),
            code,
            message: format!("{}: {detail}", message(self.lang, code)),
        });
    }
}

fn parse_bool(p: &mut Problems, name: &str, value: &str) -> Option<bool> {
    match value {
        "true" => Some(true),
        "false" => Some(false),
        other => {
            p.add(name, "invalid_value", format!("{other:?} (true | false)"));
            None
        }
    }
}

fn parse_date(p: &mut Problems, name: &str, value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| p.add(name, "invalid_value", format!("{value:?} (YYYY-MM-DD)")))
        .ok()
}

/// Parses and validates the query string.
pub fn parse(
    query: &str,
    accept_language: Option<&str>,
    state: &ApiState,
) -> Result<SearchRequest, ApiError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let lang_param = pairs
        .iter()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.as_str());
    let ui_lang = lang_param
        .and_then(|l| l.parse::<Lang>().ok())
        .or_else(|| accept_language.and_then(Lang::from_accept_language))
        .unwrap_or(Lang::Fi);
    let mut p = Problems {
        lang: ui_lang,
        found: Vec::new(),
    };
    let mut request = SearchRequest {
        limit: DEFAULT_LIMIT,
        ..SearchRequest::default()
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut q_parts: Vec<&str> = Vec::new();
    let v = &state.vocabularies;
    for (name, value) in &pairs {
        let name = name.as_str();
        let Some(known) = PARAMETERS.iter().find(|k| **k == name) else {
            p.add(
                name,
                "unknown_parameter",
                format!("{name} ({})", PARAMETERS.join(", ")),
            );
            continue;
        };
        if seen.contains(known) && !LISTS.contains(known) {
            p.add(name, "repeated", name);
            continue;
        }
        seen.push(known);
        let value = value.trim();
        match name {
            "q" => q_parts.push(value),
            "lang" => match value.parse::<Lang>() {
                Ok(l) => request.lang = Some(l),
                Err(()) => p.add(name, "unknown_value", format!("{value:?} (fi | sv | en)")),
            },
            "kind" => match value.parse::<Kind>() {
                Ok(k) => request.kinds.push(k),
                Err(()) => p.add(
                    name,
                    "unknown_value",
                    format!("{value:?} (activity | event | training)"),
                ),
            },
            "municipality" => {
                if v.municipality(value).is_some() {
                    request.municipalities.push(value.to_owned());
                } else {
                    p.add(name, "unknown_value", format!("{value:?}"));
                }
            }
            "region" => {
                if v.region(value).is_some() {
                    request.regions.push(value.to_owned());
                } else {
                    p.add(name, "unknown_value", format!("{value:?}"));
                }
            }
            "theme" | "target_group" | "language" => {
                let (vocabulary, list) = match name {
                    "theme" => (&v.themes, &mut request.themes),
                    "target_group" => (&v.target_groups, &mut request.target_groups),
                    _ => (&v.languages, &mut request.languages),
                };
                if vocabulary.contains(value) {
                    list.push(value.to_owned());
                } else {
                    p.add(name, "unknown_value", format!("{value:?}"));
                }
            }
            "online" => request.online = parse_bool(&mut p, name, value),
            "free" => request.free = parse_bool(&mut p, name, value),
            "drop_in" => request.drop_in = parse_bool(&mut p, name, value),
            "near" => {
                let point = value
                    .split_once(',')
                    .and_then(|(a, b)| {
                        Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?))
                    })
                    .filter(|(lat, lon)| {
                        (-90.0..=90.0).contains(lat) && (-180.0..=180.0).contains(lon)
                    });
                match point {
                    Some(point) => request.near = Some(point),
                    None => p.add(
                        name,
                        "invalid_value",
                        format!("{value:?} (lat,lon in WGS84 degrees)"),
                    ),
                }
            }
            "radius_km" => match value.parse::<f64>() {
                Ok(r) if r > 0.0 && r <= MAX_RADIUS_KM => request.radius_km = Some(r),
                _ => p.add(
                    name,
                    "out_of_range",
                    format!("{value:?} (0 < radius_km ≤ {MAX_RADIUS_KM})"),
                ),
            },
            "from" => request.from = parse_date(&mut p, name, value),
            "to" => request.to = parse_date(&mut p, name, value),
            "sort" => match value {
                "relevance" => request.sort = Sort::Relevance,
                "distance" => request.sort = Sort::Distance,
                "next_occurrence" => request.sort = Sort::NextOccurrence,
                "updated" => request.sort = Sort::Updated,
                other => p.add(
                    name,
                    "unknown_value",
                    format!("{other:?} (relevance | distance | next_occurrence | updated)"),
                ),
            },
            "limit" => match value.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => request.limit = n,
                _ => p.add(name, "out_of_range", format!("{value:?} (1..={MAX_LIMIT})")),
            },
            "cursor" => match Cursor::decode(value) {
                Ok(c) => request.cursor = Some(c),
                Err(_) => p.add(name, "invalid_value", format!("{value:?}")),
            },
            _ => {}
        }
    }
    request.q = q_parts.join(" ");
    if request.q.chars().count() > MAX_QUERY_CHARS {
        p.add(
            "q",
            "out_of_range",
            format!("at most {MAX_QUERY_CHARS} characters"),
        );
    }
    if request.radius_km.is_some() && request.near.is_none() {
        p.add("radius_km", "requires_near", "near=lat,lon");
    }
    if request.sort == Sort::Distance && request.near.is_none() {
        p.add("sort", "requires_near", "near=lat,lon");
    }
    if let (Some(from), Some(to)) = (request.from, request.to)
        && to < from
    {
        p.add("to", "out_of_range", format!("{to} < {from}"));
    }
    request.lang = Some(request.lang.unwrap_or(ui_lang));
    if p.found.is_empty() {
        Ok(request)
    } else {
        Err(ApiError::InvalidParameters {
            lang: ui_lang,
            problems: p.found,
        })
    }
}

/// Search listings.
///
/// Full-text search in Finnish, Swedish and English with filters, facets and cursor
/// pagination. An empty `q` browses by filters. Repeat a parameter for several values (OR within
/// a parameter, AND across parameters). Only published, current listings appear.
#[utoipa::path(
    tag = "search",
    params(
        ("q" = Option<String>, Query, description = "Words to search for (any language)"),
        ("lang" = Option<Lang>, Query, description = "Language of results and messages: fi, sv, en"),
        ("kind" = Option<Vec<Kind>>, Query, description = "activity, event, training (repeatable)"),
        ("municipality" = Option<Vec<String>>, Query, description = "Municipality code (repeatable)"),
        ("region" = Option<Vec<String>>, Query, description = "Region code (repeatable)"),
        ("theme" = Option<Vec<String>>, Query, description = "Theme key (repeatable)"),
        ("target_group" = Option<Vec<String>>, Query, description = "Target group key (repeatable)"),
        ("language" = Option<Vec<String>>, Query, description = "A language offered (repeatable)"),
        ("online" = Option<bool>, Query, description = "Online or not"),
        ("free" = Option<bool>, Query, description = "Free of charge"),
        ("drop_in" = Option<bool>, Query, description = "No registration needed"),
        ("near" = Option<String>, Query, description = "lat,lon (WGS84)"),
        ("radius_km" = Option<f64>, Query, description = "With near: maximum distance"),
        ("from" = Option<chrono::NaiveDate>, Query, description = "YYYY-MM-DD: taking place on or after"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "YYYY-MM-DD: taking place on or before"),
        ("sort" = Option<Sort>, Query, description = "relevance (default), distance, next_occurrence, updated"),
        ("limit" = Option<usize>, Query, description = "Page size, at most 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "From next_cursor of the previous page"),
    ),
    responses(
        (status = 200, description = "Results, facets and the next cursor", body = kynnys_search::SearchResponse),
        (status = 400, description = "Invalid parameters (each named)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/search")]
pub(crate) async fn search(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let accept = req
        .headers()
        .get("accept-language")
        .and_then(|v| v.to_str().ok());
    let request = parse(req.query_string(), accept, &state)?;
    let index = state.index.clone();
    let response = web::block(move || index.search(&request, chrono::Utc::now()))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok().json(response))
}
