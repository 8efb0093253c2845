//! The HTTP API under `/api/v1`: handlers, parameter validation and problem details.

mod problem;
mod search;

pub use problem::{ApiError, ParameterProblem};

use actix_web::web;
use kynnys_domain::Vocabularies;
use kynnys_search::SearchIndex;
use std::sync::Arc;

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    pub index: Arc<SearchIndex>,
    pub vocabularies: Arc<Vocabularies>,
}

/// Registers every API route.
pub fn configure(state: ApiState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            .route("/api/v1/search", web::get().to(search::search));
    }
}
