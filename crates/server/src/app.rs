//! The HTTP application: binds its listener (port 0 works, for tests) and serves until stopped.

use crate::ServerError;
use crate::config::Settings;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use kynnys_domain::Vocabularies;
use kynnys_search::SearchIndex;
use kynnys_store::Store;
use serde_json::json;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use utoipa_actix_web::AppExt;

/// The state of the API handlers, from the settings and the opened parts.
pub fn api_state(
    settings: &Settings,
    store: Store,
    index: Arc<SearchIndex>,
    vocabularies: Arc<Vocabularies>,
) -> kynnys_api::ApiState {
    kynnys_api::ApiState {
        index,
        vocabularies,
        store,
        settings: Arc::new(kynnys_api::ApiSettings {
            public_url: settings
                .public_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            secure_cookies: settings.public_url.scheme() == "https",
            trust_forwarded_for: settings.trust_forwarded_for,
        }),
        limits: Arc::new(kynnys_api::RateLimits::new(settings.auth_rate_per_minute)),
    }
}

/// Cross-origin reads for sites that embed the directory; writes stay same-origin.
fn cors() -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allow_any_origin()
        .allowed_methods(["GET", "HEAD"])
        .allowed_headers([
            actix_web::http::header::ACCEPT,
            actix_web::http::header::ACCEPT_LANGUAGE,
            actix_web::http::header::IF_NONE_MATCH,
        ])
        .expose_headers([actix_web::http::header::ETAG])
        .max_age(3600)
}

/// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
const SHUTDOWN_GRACE_SECONDS: u64 = 10;

/// A bound, not yet running HTTP server.
pub struct Application {
    server: Server,
    address: SocketAddr,
}

impl Application {
    /// Binds `settings.listen` and prepares the routes. Run it with [`Application::run`].
    pub fn build(
        settings: &Settings,
        store: Store,
        api: kynnys_api::ApiState,
    ) -> Result<Self, ServerError> {
        let listener = TcpListener::bind(settings.listen).map_err(|e| {
            ServerError::Config(format!(
                "cannot listen on {} (KYNNYS_LISTEN): {e}",
                settings.listen
            ))
        })?;
        let address = listener.local_addr()?;
        let store = web::Data::new(store);
        let api = web::Data::new(api);
        let server = HttpServer::new(move || {
            let (app, document) = App::new()
                .into_utoipa_app()
                .openapi(kynnys_api::api_doc())
                .app_data(store.clone())
                .app_data(api.clone())
                .configure(kynnys_api::routes)
                .split_for_parts();
            app.service(kynnys_api::docs_service(document))
                .configure(kynnys_api::subscription_pages)
                .configure(kynnys_web::routes)
                .route("/health", web::get().to(health))
                .route("/ready", web::get().to(ready))
                .wrap(from_fn(kynnys_api::localize))
                .wrap(from_fn(kynnys_api::etag))
                .wrap(from_fn(kynnys_api::idempotency))
                .wrap(cors())
                .wrap(from_fn(kynnys_api::request_log))
        })
        .shutdown_timeout(SHUTDOWN_GRACE_SECONDS)
        // Signals are ours (see `ShutdownSignals`): installed before the address is announced.
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self { server, address })
    }

    /// The address actually bound (with the real port when 0 was asked for).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until stopped through [`Application::handle`].
    pub async fn run(self) -> Result<(), ServerError> {
        Ok(self.server.await?)
    }

    /// Serves until one of `signals` arrives, then lets in-flight requests finish and returns.
    pub async fn run_until(self, signals: ShutdownSignals) -> Result<(), ServerError> {
        let handle = self.server.handle();
        actix_web::rt::spawn(async move {
            let name = signals.recv().await;
            tracing::info!(signal = name, "shutting down gracefully");
            handle.stop(true).await;
        });
        self.run().await
    }

    /// A handle that can stop the server (tests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

/// Liveness: the process answers.
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness: the database answers and every migration is applied.
async fn ready(store: web::Data<Store>) -> HttpResponse {
    let store = store.get_ref().clone();
    let backend = store.backend().name();
    let check = web::block(move || {
        store.ping()?;
        store.pending_migrations()
    })
    .await;
    let problem = match check {
        Ok(Ok(pending)) if pending.is_empty() => {
            return HttpResponse::Ok().json(json!({ "status": "ready", "database": backend }));
        }
        Ok(Ok(pending)) => format!("{} database migration(s) not applied", pending.len()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            "the database is unreachable".to_owned()
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness check could not run");
            "the readiness check could not run".to_owned()
        }
    };
    HttpResponse::ServiceUnavailable()
        .content_type("application/problem+json")
        .json(json!({
            "type": "about:blank",
            "title": "Not ready",
            "status": 503,
            "code": "not_ready",
            "detail": problem,
        }))
}

/// SIGTERM and SIGINT listeners. Installing them before the server announces its address
/// means a signal sent right after the announcement is never lost.
pub struct ShutdownSignals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    /// Must be called inside the runtime.
    pub fn install() -> Result<Self, ServerError> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    async fn recv(mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}
