//! The `kynnys` service: configuration, the HTTP application and the command-line commands.

pub mod accounts;
pub mod app;
pub mod bench;
pub mod bench_pages;
pub mod cli;
pub mod config;
pub mod demo;
pub mod digest;
mod error;
pub mod export;
pub mod import;
pub mod indexer;
pub mod jobs;
pub mod mail_worker;
pub mod reminders;
pub mod smtp_sink;
pub mod synthetic;

pub use error::ServerError;
