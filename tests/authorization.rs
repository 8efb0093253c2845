//! The authorisation matrix (filled in below).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
