//! JSON request bodies: content type, size limit, well-formedness (UTF-8 included), then typed
//! deserialisation that names the field of every problem. Nothing is written before all of it
//! has passed.

use crate::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// Largest accepted request body, in bytes (documented in the README and the OpenAPI document).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A well-formed JSON body. Accepts `application/json` and, for PATCH,
/// `application/merge-patch+json`. An empty body without a content type reads as `{}` (for
/// actions that take no input).
#[derive(Debug, Clone)]
pub struct JsonBody(pub serde_json::Value);

impl JsonBody {
    /// Deserialises into `T`, naming the field of the first mismatch.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        kynnys_domain::from_json_value(&self.0).map_err(|p| ApiError::Validation(vec![p]))
    }
}

fn content_type_ok(req: &HttpRequest) -> Result<bool, ApiError> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok(false);
    };
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let patch = req.method() == actix_web::http::Method::PATCH;
    match essence.as_str() {
        "application/json" => Ok(true),
        "application/merge-patch+json" if patch => Ok(true),
        _ => Err(ApiError::UnsupportedMediaType {
            expected: if patch {
                "application/merge-patch+json or application/json"
            } else {
                "application/json"
            },
        }),
    }
}

async fn read_limited(mut payload: Payload) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::MalformedJson(e.to_string()))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let declared = content_type_ok(req);
        let too_large = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > MAX_BODY_BYTES);
        let payload = payload.take();
        Box::pin(async move {
            if too_large {
                return Err(ApiError::PayloadTooLarge {
                    limit: MAX_BODY_BYTES,
                });
            }
            let declared = declared?;
            let body = read_limited(payload).await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return if declared {
                    Err(ApiError::MalformedJson("the body is empty".into()))
                } else {
                    Ok(JsonBody(serde_json::Value::Object(serde_json::Map::new())))
                };
            }
            if !declared {
                return Err(ApiError::UnsupportedMediaType {
                    expected: "application/json",
                });
            }
            serde_json::from_slice(&body)
                .map(JsonBody)
                .map_err(|e| ApiError::MalformedJson(e.to_string()))
        })
    }
}
