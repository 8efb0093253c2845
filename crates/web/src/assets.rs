//! The site's own stylesheet and script, compiled into the binary: no CDN, no external fonts.

use actix_web::{HttpResponse, http::header, web};

/// Changes the asset URLs with every release, so browsers may cache them.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const CSS: &str = include_str!("../assets/site.css");
const JS: &str = include_str!("../assets/site.js");

/// `GET /assets/{name}`.
pub(crate) async fn asset(name: web::Path<String>) -> HttpResponse {
    let (body, content_type) = match name.as_str() {
        "site.css" => (CSS, "text/css; charset=utf-8"),
        "site.js" => (JS, "text/javascript; charset=utf-8"),
        _ => {
            return HttpResponse::NotFound()
                .content_type("text/plain; charset=utf-8")
                .body("not found");
        }
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(body)
}
