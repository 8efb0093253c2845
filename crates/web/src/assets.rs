//! The site's own stylesheet and script, compiled into the binary: no CDN, no external fonts.

use actix_web::{HttpResponse, http::header, web};

const CSS: &str = include_str!("../assets/site.css");
const JS: &str = include_str!("../assets/site.js");

/// A fingerprint of the assets' contents for their URLs: a changed stylesheet or script gets a
/// new URL, so browsers may cache them for a day without ever using a stale one.
pub fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        // FNV-1a: stable across builds and platforms (the std hasher is not).
        let hash = CSS
            .bytes()
            .chain(JS.bytes())
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        format!("{hash:016x}")
    })
}

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
