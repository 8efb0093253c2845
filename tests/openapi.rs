//! The OpenAPI document: the committed `openapi/openapi.json` is what the code generates, every
//! operation is documented, every reference resolves, and the server serves the same document
//! and an offline viewer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::Value;
use std::collections::HashSet;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json");

fn generated() -> String {
    format!("{}\n", kynnys_api::openapi().to_pretty_json().unwrap())
}

#[test]
fn the_committed_document_matches_the_code() {
    let generated = generated();
    if std::env::var_os("KYNNYS_UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json differs from the code: run \
         `KYNNYS_UPDATE_OPENAPI=1 cargo test --test openapi` (or `kynnys openapi -o openapi/openapi.json`) \
         and commit the result"
    );
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(fields) => {
            for (key, v) in fields {
                match (key.as_str(), v) {
                    ("$ref", Value::String(target)) => found.push(target),
                    _ => refs(v, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[test]
fn every_operation_is_documented_and_every_reference_resolves() {
    let doc: Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut operation_ids = HashSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{} {path}", method.to_uppercase());
            let summary = op["summary"].as_str().unwrap_or_default();
            assert!(summary.len() > 5, "{name}: no summary");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name}: no tag"
            );
            let id = op["operationId"].as_str().unwrap();
            assert!(
                operation_ids.insert(id.to_owned()),
                "{name}: duplicate operationId {id}"
            );
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in &params {
                assert!(
                    p["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{name}: parameter {} has no description",
                    p["name"]
                );
            }
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let param = segment.trim_matches(|c| c == '{' || c == '}');
                assert!(
                    params
                        .iter()
                        .any(|p| p["name"] == param && p["in"] == "path"),
                    "{name}: path parameter {param} not declared"
                );
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{name}: no success response"
            );
            let errors: Vec<&String> = responses.keys().filter(|s| s.starts_with('4')).collect();
            assert!(!errors.is_empty(), "{name}: no error responses");
            for status in errors {
                let content = &responses[status]["content"];
                assert!(
                    content["application/problem+json"]["schema"]["$ref"]
                        == "#/components/schemas/Problem",
                    "{name} {status}: not a problem document"
                );
            }
            for (status, response) in responses {
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{name} {status}: no description"
                );
            }
        }
    }
    assert!(operations >= 35, "only {operations} operations");
    let mut found = Vec::new();
    refs(&doc, &mut found);
    for target in found {
        let pointer = target.trim_start_matches('#');
        assert!(
            doc.pointer(pointer).is_some(),
            "dangling reference {target}"
        );
    }
}

#[test]
fn the_server_serves_the_document_and_an_offline_viewer() {
    let db = kynnys_store::testing::TestDatabase::sqlite();
    let server = support::TestServer::start(db);
    let served = server.call("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(served.status, 200);
    let expected: Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(served.json, expected);
    let viewer = server.send("GET", "/api/docs/", &[], b"");
    assert_eq!(viewer.status, 200, "{}", viewer.text);
    assert!(viewer.content_type().starts_with("text/html"));
    // Every asset comes from this server: no absolute http(s) references to elsewhere.
    for needle in ["https://", "http://"] {
        assert!(
            !viewer.text.contains(needle),
            "the viewer page loads {needle}…"
        );
    }
    let initializer = server.send("GET", "/api/docs/swagger-initializer.js", &[], b"");
    assert_eq!(initializer.status, 200);
    assert!(initializer.text.contains("/api/v1/openapi.json"));
}
