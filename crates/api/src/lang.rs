//! The language of a request: the `lang` query parameter, else `Accept-Language`, else Finnish.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use kynnys_domain::Lang;
use std::future::{Ready, ready};

/// The language asked for by a request (an invalid `lang` value is ignored here; endpoints that
/// document `lang` reject it through their parameter parsing).
pub fn request_lang(req: &HttpRequest) -> Lang {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| v.parse().ok())
        .or_else(|| {
            req.headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::Fi)
}

/// Extractor for [`request_lang`].
#[derive(Debug, Clone, Copy)]
pub struct RequestLang(pub Lang);

impl FromRequest for RequestLang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(RequestLang(request_lang(req))))
    }
}
