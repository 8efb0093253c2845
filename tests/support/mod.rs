//! Helpers shared by the black-box tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

pub mod smtp;

/// A JSON response: status, content type and body.
pub struct JsonResponse {
    pub status: u16,
    pub content_type: String,
    pub body: serde_json::Value,
}

/// GETs `url` and parses the body as JSON whatever the status; a body that is not JSON fails
/// the test with the status and the text.
pub fn get_json(url: &str) -> JsonResponse {
    let response = ureq::get(url)
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.into_body().read_to_string().unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status} {url}: {e}: {text:?}"));
    JsonResponse {
        status,
        content_type,
        body,
    }
}

/// A response of [`TestServer::send`]: status, headers (lower-case names), text and, when the
/// text is JSON, its value (else `Null`).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub json: serde_json::Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }

    /// True for an RFC 9457 problem document with a `code`.
    pub fn is_problem(&self) -> bool {
        self.content_type().starts_with("application/problem+json") && self.json["code"].is_string()
    }
}

/// The real HTTP application on port 0 against a test database, on its own thread.
pub struct TestServer {
    pub base: String,
    pub db: kynnys_store::testing::TestDatabase,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    _index_dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start(db: kynnys_store::testing::TestDatabase) -> Self {
        Self::start_with(db, |_| {})
    }

    /// Starts with settings changed by `adjust` (e.g. a lower rate limit).
    pub fn start_with(
        db: kynnys_store::testing::TestDatabase,
        adjust: impl FnOnce(&mut kynnys_server::config::Settings),
    ) -> Self {
        let index_dir = tempfile::tempdir().unwrap();
        let mut settings = kynnys_server::config::Settings::load(None).unwrap();
        settings.database_url = db.url.clone();
        settings.listen = "127.0.0.1:0".parse().unwrap();
        settings.index_dir = index_dir.path().to_owned();
        adjust(&mut settings);
        let vocabularies = std::sync::Arc::new(kynnys_domain::Vocabularies::builtin().unwrap());
        let index =
            kynnys_server::indexer::open_index(&settings, &db.store, vocabularies.clone()).unwrap();
        let api = kynnys_server::app::api_state(&settings, db.store.clone(), index, vocabularies);
        let store = db.store.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = kynnys_server::app::Application::build(&settings, store, api).unwrap();
                tx.send((app.address(), app.handle())).unwrap();
                app.run().await.unwrap();
            });
        });
        let (address, handle) = rx.recv().unwrap();
        Self {
            base: format!("http://{address}"),
            db,
            handle,
            thread: Some(thread),
            _index_dir: index_dir,
        }
    }

    /// A personal API token of a (new or existing) verified account with `role`.
    pub fn token(&self, email: &str, role: kynnys_domain::PlatformRole) -> String {
        let store = &self.db.store;
        if role != kynnys_domain::PlatformRole::User {
            kynnys_server::accounts::create_privileged(store, email, role).unwrap();
        }
        kynnys_server::accounts::create_token(store, email, "test", true).unwrap()
    }

    /// Sends a request with raw headers and body; never fails on an HTTP status.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(body.to_vec()).unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .build()
            .into();
        let response = agent.run(request).unwrap();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let text = response.into_body().read_to_string().unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    /// Sends JSON (or nothing) with an optional bearer token.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = Vec::new();
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth.as_str()));
        }
        let bytes = match body {
            Some(value) => {
                headers.push(("Content-Type", "application/json"));
                serde_json::to_vec(value).unwrap()
            }
            None => Vec::new(),
        };
        self.send(method, path, &headers, &bytes)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stopping needs a runtime; the server's own thread has it.
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(handle.stop(true));
        })
        .join()
        .ok();
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

/// A valid listing body for `POST /api/v1/listings` of `organisation_id`.
pub fn listing_body(organisation_id: &str, title_fi: &str) -> serde_json::Value {
    serde_json::json!({
        "organisation_id": organisation_id,
        "kind": "activity",
        "title": {"fi": title_fi, "sv": format!("{title_fi} (sv)")},
        "summary": {"fi": "Harjoittele suomea rennosti."},
        "description": {"fi": "Tule juttelemaan suomeksi kahvin ääressä."},
        "themes": ["language_learning"],
        "target_groups": ["everyone"],
        "languages_offered": ["fi"],
        "online": false,
        "municipalities": ["091"],
        "schedule": {"rrule": "FREQ=WEEKLY;BYDAY=TU", "start_time": "17:00", "end_time": "19:00", "timezone": "Europe/Helsinki"},
        "flags": {"free": true, "drop_in": true}
    })
}
