//! `GET /api/v1/vocabularies`: every vocabulary with its labels in fi/sv/en.

use crate::ApiState;
use crate::problem::Problem;
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use kynnys_domain::{Municipality, Region, Term};
use serde::Serialize;
use utoipa::ToSchema;

/// Every vocabulary, in its order.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct VocabulariesView<'a> {
    themes: &'a [Term],
    target_groups: &'a [Term],
    organisation_types: &'a [Term],
    integration_stages: &'a [Term],
    /// Languages a listing can offer (ISO 639 codes).
    languages: &'a [Term],
    municipalities: &'a [Municipality],
    regions: &'a [Region],
}

/// All vocabularies with labels.
///
/// Themes, target groups, organisation types, integration stages, languages, municipalities
/// (Statistics Finland codes, with region and centre coordinates) and regions, each with labels
/// in Finnish, Swedish and English.
#[utoipa::path(
    tag = "vocabularies",
    responses(
        (status = 200, description = "Every vocabulary", body = VocabulariesView),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/vocabularies")]
pub(crate) async fn vocabularies(state: web::Data<ApiState>) -> HttpResponse {
    let v = &state.vocabularies;
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .json(VocabulariesView {
            themes: v.themes.terms(),
            target_groups: v.target_groups.terms(),
            organisation_types: v.organisation_types.terms(),
            integration_stages: v.integration_stages.terms(),
            languages: v.languages.terms(),
            municipalities: v.municipalities(),
            regions: v.regions(),
        })
}
