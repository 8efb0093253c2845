//! One log line per request with a request id, which is also sent back (`X-Request-Id`) and put
//! in every problem document, so a user's report can be found in the log. Only the path is
//! logged, never the query string or bodies (they may hold e-mail addresses).

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;

/// Header carrying the request id.
pub const REQUEST_ID: &str = "x-request-id";

/// The id of the current request (in the request's extensions).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Accepts a caller's id when it is short and plain, else makes one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| uuid::Uuid::now_v7().simple().to_string(), str::to_owned)
}

/// Middleware: wrap it outermost.
pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            span.in_scope(|| {
                if status >= 500 {
                    tracing::error!(status, millis, "request failed");
                } else {
                    tracing::info!(status, millis, "request");
                }
            });
            if let Ok(value) = HeaderValue::from_str(&id) {
                res.headers_mut()
                    .insert(HeaderName::from_static(REQUEST_ID), value);
            }
            Ok(res)
        }
        Err(e) => {
            span.in_scope(|| tracing::error!(error = %e, millis, "request failed"));
            Err(e)
        }
    }
}
