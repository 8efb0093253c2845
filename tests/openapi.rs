//! The committed OpenAPI document matches the code (filled in below).
#![allow(clippy::unwrap_used, clippy::expect_used)]
