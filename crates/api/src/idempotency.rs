//! `Idempotency-Key` on POST: the first answer (below 500) to a key is stored per caller and
//! replayed for every retry with the same key and the same request, so a retry never creates
//! twice. The same key with a different request is a 422; a retry while the first request
//! still runs is a 409.

use crate::auth::{SESSION_COOKIE, secret_hash};
use crate::lang::request_lang;
use crate::{ApiError, ApiState};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpResponse, error};
use kynnys_store::{Claim, StoredResponse};

/// Header name.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
const MAX_KEY_LEN: usize = 255;

fn reject(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    let lang = request_lang(req.request());
    req.into_response(error.render(lang))
}

/// Who is asking: the same key from two callers are two keys.
fn scope(req: &ServiceRequest) -> String {
    if let Some(auth) = req.headers().get(header::AUTHORIZATION) {
        return secret_hash(&format!("auth:{}", auth.to_str().unwrap_or_default()));
    }
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        return secret_hash(&format!("session:{}", cookie.value()));
    }
    let addr = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    secret_hash(&format!("anonymous:{addr}"))
}

/// Middleware; wrap it outside [`crate::localize`] so that stored answers are final.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get(IDEMPOTENCY_KEY) {
        Some(value) if req.method() == Method::POST => value.to_str().ok().map(str::to_owned),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let Some(key) = key.filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN) else {
        let lang = request_lang(req.request());
        return Ok(reject(
            req,
            ApiError::InvalidParameters {
                lang,
                problems: vec![crate::ParameterProblem {
                    parameter: IDEMPOTENCY_KEY.into(),
                    code: "invalid_value",
                    message: format!("1 to {MAX_KEY_LEN} visible ASCII characters"),
                }],
            },
        ));
    };
    let Some(state) = req.app_data::<web::Data<ApiState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body = match req.extract::<Bytes>().await {
        Ok(body) => body,
        Err(_) => {
            return Ok(reject(
                req,
                ApiError::PayloadTooLarge {
                    limit: crate::MAX_BODY_BYTES,
                },
            ));
        }
    };
    req.set_payload(Payload::from(body.clone()));
    let scope = scope(&req);
    let mut fingerprint = format!("{} {}?{}\n", req.method(), req.path(), req.query_string());
    fingerprint.push_str(&String::from_utf8_lossy(&body));
    let request_hash = secret_hash(&fingerprint);

    let store = state.store.clone();
    let (claim_scope, claim_key) = (scope.clone(), key.clone());
    let claim = web::block(move || {
        store.claim_idempotency_key(&claim_scope, &claim_key, &request_hash, chrono::Utc::now())
    })
    .await
    .map_err(error::ErrorInternalServerError)?
    .map_err(|e| ApiError::Internal(e.to_string()));
    let claim = match claim {
        Ok(claim) => claim,
        Err(e) => return Ok(reject(req, e)),
    };
    match claim {
        Claim::Claimed => {}
        Claim::Replay(stored) => {
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
            let response = HttpResponse::build(status)
                .content_type(stored.content_type)
                .insert_header(("Idempotent-Replayed", "true"))
                .body(stored.body);
            return Ok(req.into_response(response));
        }
        Claim::Mismatch => return Ok(reject(req, ApiError::IdempotencyKeyReused)),
        Claim::InProgress => return Ok(reject(req, ApiError::IdempotencyInProgress)),
    }

    let res = next.call(req).await?;
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let (http_req, res) = res.into_parts();
    let (res, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.map_err(|e| {
        let e: Box<dyn std::error::Error> = e.into();
        error::ErrorInternalServerError(e.to_string())
    })?;
    let store = state.store.clone();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let outcome = web::block(move || {
        if status.is_server_error() {
            store.release_idempotency_key(&scope, &key)
        } else {
            store.complete_idempotency_key(
                &scope,
                &key,
                &StoredResponse {
                    status: status.as_u16(),
                    content_type,
                    body: text,
                },
            )
        }
    })
    .await;
    if !matches!(outcome, Ok(Ok(()))) {
        tracing::error!("could not store the answer of an idempotent request");
    }
    Ok(ServiceResponse::new(
        http_req,
        res.set_body(BoxBody::new(bytes)),
    ))
}
