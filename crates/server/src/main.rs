use clap::Parser;
use kynnys_server::cli::{Cli, run};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// mimalloc: the search path allocates many small short-lived buffers per query, and glibc's
/// allocator slows down on a heap fragmented by indexing (measured in `kynnys bench search`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_env("KYNNYS_LOG")
        .unwrap_or_else(|_| EnvFilter::new(cli.command.default_log_filter()));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
