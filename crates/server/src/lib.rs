//! The `kynnys` service: configuration, the HTTP application and the command-line commands.

pub mod accounts;
pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
mod error;
pub mod export;
pub mod import;
pub mod indexer;
pub mod jobs;
pub mod synthetic;

pub use error::ServerError;
