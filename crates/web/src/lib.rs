//! Server-rendered pages in Finnish, Swedish and English (`/fi/`, `/sv/`, `/en/`): the advisor
//! search (front page), listing pages with calendar files and structured data, the client's
//! shortlist and its printable handout, the organisation area and the moderation queue. Every
//! page works without JavaScript; `assets/site.js` adds search-as-you-type and live filters.
//! The pages call the same operations as the JSON API (`kynnys-api`), so authorisation and
//! validation live in one place.

mod account;
mod assets;
mod editor;
mod error;
mod form_page;
mod format;
mod i18n;
mod listing_page;
mod members;
mod moderation;
mod organisation;
mod page;
mod search_page;
mod shortlist;
mod subscribe;
mod tokens;

pub use error::WebError;
pub use i18n::Tr;

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use kynnys_domain::Lang;

/// The path pattern of the language prefix.
const LANG: &str = "/{lang:fi|sv|en}";

/// Registers every page (their state is the API's `web::Data<ApiState>`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(front_door))
        .route("/assets/{name}", web::get().to(assets::asset))
        .route("/h/{code}", web::get().to(shortlist::short_link))
        .route(LANG, web::get().to(lang_root))
        .service(
            web::scope(LANG)
                .route("/", web::get().to(search_page::search))
                .route("/listings/{id}", web::get().to(listing_page::listing))
                .route(
                    "/listings/{id}/calendar.ics",
                    web::get().to(listing_page::calendar),
                )
                .route("/shortlist", web::get().to(shortlist::show))
                .route("/shortlist", web::post().to(shortlist::change))
                .route(
                    "/shortlist/handout",
                    web::post().to(shortlist::make_handout),
                )
                .route("/subscribe", web::get().to(subscribe::form))
                .route("/subscribe", web::post().to(subscribe::submit))
                .route(
                    "/subscriptions/edit/{token}",
                    web::get().to(subscribe::edit),
                )
                .route("/subscriptions/save", web::post().to(subscribe::save))
                .route("/h/{code}", web::get().to(shortlist::handout))
                .route("/login", web::get().to(account::login_form))
                .route("/login", web::post().to(account::login))
                .route("/logout", web::post().to(account::logout))
                .route("/register", web::get().to(account::register_form))
                .route("/register", web::post().to(account::register))
                .route("/account/verify", web::get().to(account::verify_form))
                .route("/account/verify", web::post().to(account::verify))
                .route("/account/forgot", web::get().to(account::forgot_form))
                .route("/account/forgot", web::post().to(account::forgot))
                .route("/account/reset", web::get().to(account::reset_form))
                .route("/account/reset", web::post().to(account::reset))
                .route("/account/tokens", web::get().to(tokens::list))
                .route("/account/tokens", web::post().to(tokens::create))
                .route(
                    "/account/tokens/{id}/revoke",
                    web::post().to(tokens::revoke),
                )
                .route(
                    "/organisation/{id}/members",
                    web::get().to(members::members),
                )
                .route(
                    "/organisation/{id}/members/{user}",
                    web::post().to(members::change_member),
                )
                .route(
                    "/organisation/{id}/invitations",
                    web::post().to(members::invite),
                )
                .route("/invitations/accept", web::get().to(members::accept_form))
                .route("/invitations/accept", web::post().to(members::accept))
                .route("/organisation", web::get().to(organisation::dashboard))
                .route(
                    "/organisation/new",
                    web::get().to(organisation::new_organisation),
                )
                .route(
                    "/organisation/new",
                    web::post().to(organisation::register_organisation),
                )
                .route(
                    "/organisation/listings/new",
                    web::get().to(editor::new_listing),
                )
                .route(
                    "/organisation/listings/new",
                    web::post().to(editor::create_listing),
                )
                .route(
                    "/organisation/listings/{id}",
                    web::get().to(editor::edit_listing),
                )
                .route(
                    "/organisation/listings/{id}",
                    web::post().to(editor::save_listing),
                )
                .route(
                    "/organisation/listings/{id}/{action}",
                    web::post().to(organisation::listing_action),
                )
                .route("/moderation", web::get().to(moderation::queue))
                .route(
                    "/moderation/organisations/{id}/{decision}",
                    web::post().to(moderation::decide_organisation),
                )
                .route(
                    "/moderation/{id}/{decision}",
                    web::post().to(moderation::decide),
                ),
        );
}

/// The language of a page from its path prefix.
pub(crate) fn path_lang(req: &HttpRequest) -> Lang {
    req.match_info()
        .get("lang")
        .and_then(|l| l.parse().ok())
        .unwrap_or(Lang::Fi)
}

/// `303 See Other` to `location` (after a form post, or a language choice).
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// `/`: the front page in the visitor's language (`Accept-Language`, else Finnish).
async fn front_door(req: HttpRequest) -> HttpResponse {
    let lang = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or(Lang::Fi);
    HttpResponse::Found()
        .insert_header((header::LOCATION, format!("/{}/", lang.code())))
        .insert_header((header::VARY, "Accept-Language"))
        .finish()
}

/// `/fi` without the slash.
async fn lang_root(req: HttpRequest) -> HttpResponse {
    see_other(&format!("/{}/", path_lang(&req).code()))
}
