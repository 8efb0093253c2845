//! The HTTP application: binds its listener (port 0 works, for tests) and serves until stopped.

use crate::ServerError;
use crate::config::Settings;
use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use kynnys_store::Store;
use serde_json::json;
use std::net::{SocketAddr, TcpListener};

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
        let server = HttpServer::new(move || {
            App::new()
                .app_data(store.clone())
                .configure(kynnys_api::configure(api.clone()))
                .route("/health", web::get().to(health))
                .route("/ready", web::get().to(ready))
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
