//! `GET /api/v1/changes`: the change feed for sites that keep a copy of the directory. Each entry
//! is the latest state of one listing since the reader's position: an `upsert` with the listing
//! when it is public now, else a `delete` (a tombstone: drop it from the copy).

use crate::lang::RequestLang;
use crate::problem::Problem;
use crate::views::{ListingView, listing_json};
use crate::{ApiError, ApiState, ParameterProblem, db};
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use kynnys_domain::{Lang, ListingStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ChangesQuery {
    /// The `next_since` of the previous answer (0 or absent: from the beginning).
    since: Option<i64>,
    /// Changes to read at most, 1 to 1000 (default 100).
    limit: Option<i64>,
    /// Language of `resolved` texts.
    #[allow(
        dead_code,
        reason = "read through RequestLang; declared for validation and docs"
    )]
    lang: Option<Lang>,
}

/// What happened to a listing.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ChangeOperation {
    /// The listing is public: store or replace it.
    Upsert,
    /// The listing is no longer public (or never was): remove it.
    Delete,
}

/// The latest state of one listing.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChangeEntry {
    /// Position in the feed.
    seq: i64,
    id: String,
    external_id: String,
    operation: ChangeOperation,
    changed_at: DateTime<Utc>,
    /// The listing, for upserts.
    #[schema(value_type = Option<ListingView>)]
    listing: Option<Value>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChangePage {
    items: Vec<ChangeEntry>,
    /// Pass as `since` next time.
    next_since: i64,
    /// True when more changes wait: ask again at once.
    more: bool,
}

fn invalid(lang: Lang, parameter: &str, message: String) -> ApiError {
    ApiError::InvalidParameters {
        lang,
        problems: vec![ParameterProblem {
            parameter: parameter.into(),
            code: "out_of_range",
            message,
        }],
    }
}

/// Changes of listings, in order.
///
/// For keeping a copy in sync: start with `since=0`, apply every entry (upsert or delete by
/// `id`), keep `next_since`, and ask again with it (while `more` is true, at once; then now and
/// then). Several changes of one listing within a page come as one entry with its latest state.
#[utoipa::path(
    tag = "listings",
    params(ChangesQuery),
    responses(
        (status = 200, description = "The next changes", body = ChangePage),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/changes")]
pub(crate) async fn changes(
    state: web::Data<ApiState>,
    RequestLang(lang): RequestLang,
    query: web::Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let since = query.since.unwrap_or(0);
    if since < 0 {
        return Err(invalid(lang, "since", "0 or more".into()));
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(invalid(lang, "limit", format!("1..={MAX_LIMIT}")));
    }
    let store = state.store.clone();
    let (changes, listings) = db(move || {
        let changes = store.changes_since(since, limit + 1)?;
        let mut ids: Vec<String> = changes.iter().map(|c| c.listing_id.clone()).collect();
        ids.sort_unstable();
        ids.dedup();
        let listings = store.listings_by_ids(&ids)?;
        Ok((changes, listings))
    })
    .await?;
    let more = changes.len() as i64 > limit;
    let changes = &changes[..changes.len().min(usize::try_from(limit).unwrap_or(0))];
    let next_since = changes.last().map_or(since, |c| c.seq);
    let by_id: HashMap<&str, _> = listings.iter().map(|l| (l.id.as_str(), l)).collect();
    let latest: HashMap<&str, i64> = changes
        .iter()
        .map(|c| (c.listing_id.as_str(), c.seq))
        .collect();
    let now = Utc::now();
    let items = changes
        .iter()
        .filter(|c| latest.get(c.listing_id.as_str()) == Some(&c.seq))
        .map(|c| {
            let public = by_id
                .get(c.listing_id.as_str())
                .filter(|l| l.status == ListingStatus::Published);
            ChangeEntry {
                seq: c.seq,
                id: c.listing_id.clone(),
                external_id: c.external_id.clone(),
                operation: if public.is_some() {
                    ChangeOperation::Upsert
                } else {
                    ChangeOperation::Delete
                },
                changed_at: c.changed_at,
                listing: public.map(|l| listing_json(l, lang, now)),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(ChangePage {
        items,
        next_since,
        more,
    }))
}
