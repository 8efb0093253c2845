//! Helpers shared by the black-box tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

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
