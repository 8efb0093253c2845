//! `ETag` and `If-None-Match` on API reads: a reader that polls (a municipal site syncing the
//! directory) gets `304 Not Modified` without the body when nothing changed.

use crate::auth::secret_hash;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, error};

fn matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.trim() == "*"
        || if_none_match
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag)
}

/// Middleware: tags successful JSON answers to GET and HEAD under `/api/v1/`.
pub async fn etag(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cacheable =
        matches!(*req.method(), Method::GET | Method::HEAD) && req.path().starts_with("/api/v1/");
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let res = next.call(req).await?;
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !cacheable || res.status() != StatusCode::OK || !is_json {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.map_err(|e| {
        let e: Box<dyn std::error::Error> = e.into();
        error::ErrorInternalServerError(e.to_string())
    })?;
    let etag = format!(
        "\"{}\"",
        &secret_hash(&String::from_utf8_lossy(&bytes))[..32]
    );
    if if_none_match.is_some_and(|v| matches(&v, &etag)) {
        let mut not_modified = HttpResponse::NotModified();
        not_modified.insert_header((header::ETAG, etag));
        if let Some(cache) = res.headers().get(header::CACHE_CONTROL) {
            not_modified.insert_header((header::CACHE_CONTROL, cache.clone()));
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    if let Ok(value) = header::HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, value);
    }
    Ok(ServiceResponse::new(req, res.set_body(BoxBody::new(bytes))))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_lists_and_weak_tags_are_understood() {
        assert!(matches("\"abc\"", "\"abc\""));
        assert!(matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(matches("*", "\"abc\""));
        assert!(!matches("\"abd\"", "\"abc\""));
    }
}
