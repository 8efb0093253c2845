//! The command line: `kynnys serve | demo | migrate | import | export`.

use crate::app::{Application, ShutdownSignals};
use crate::config::Settings;
use crate::{ServerError, bench, demo, export, import, indexer};
use clap::{Args, Parser, Subcommand};
use kynnys_domain::Vocabularies;
use kynnys_store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// kynnys — a directory of low-threshold integration activities, and of events and trainings
/// for the people who do integration work, in Finnish, Swedish and English.
#[derive(Debug, Parser)]
#[command(name = "kynnys", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Optional TOML configuration file; KYNNYS_* environment variables override it.
    #[arg(long, global = true, env = "KYNNYS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (applies pending migrations first).
    Serve(ServeArgs),
    /// Run the service with the demo dataset (the same as `serve --demo`).
    Demo,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import listings from interchange files (JSON Lines), upserting by external_id.
    Import(ImportArgs),
    /// Export every listing in the interchange format, ordered by external_id.
    Export(ExportArgs),
    /// Build a fresh search index from the database beside the live one and swap it in; a
    /// running server switches to it without stopping searches.
    Reindex,
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Platform accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Personal API tokens (for automation and scripted tests).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Digest mails of the subscriptions.
    #[command(subcommand)]
    Digest(DigestCommand),
    /// Print the OpenAPI document of the HTTP API.
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DigestCommand {
    /// Run the due digest round (weekly and daily), then deliver the mails it wrote.
    Run {
        /// Run the round of the current period now, even before its scheduled moment.
        #[arg(long)]
        now: bool,
    },
    /// Print the digests that would go to an address now, without sending or recording them.
    Preview {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account with a platform role (admin, moderator, or user for an organisation's
    /// member), or change an existing account's role, and print a new one-time password for it.
    Create {
        #[arg(long)]
        email: String,
        /// admin, moderator or user.
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a personal API token for an account and print it (the last line of the output).
    Create {
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// Create the account (with a verified address) when it does not exist.
        #[arg(long)]
        create_user: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Import a synthetic directory (built from the demo corpus) end to end and time it.
    Import {
        /// How many listings to generate.
        #[arg(long, default_value_t = 100_000)]
        listings: usize,
        /// Database to import into (should be empty); default: a new SQLite file in a temporary directory.
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
    /// Index a synthetic directory (built from the demo corpus) and print indexing throughput,
    /// reindex time, query latencies, queries per second, write→searchable delay, size and memory.
    Search {
        /// How many listings to generate.
        #[arg(long, default_value_t = 100_000)]
        listings: usize,
        /// How many times each query of the mix runs for the latency figures.
        #[arg(long, default_value_t = 50)]
        rounds: usize,
        /// Time only the queries of this kind of the mix (text, text+filters, browse+facets,
        /// geo), as when profiling one kind.
        #[arg(long, value_name = "KIND")]
        only: Option<String>,
    },
    /// Import and index a synthetic directory, start the server and fetch each type of web page
    /// many times over HTTP; print p50/p95/p99 answer times per page type.
    Pages {
        /// How many listings to generate.
        #[arg(long, default_value_t = 100_000)]
        listings: usize,
        /// How many times each page is fetched.
        #[arg(long, default_value_t = 50)]
        rounds: usize,
    },
    /// Compose and deliver a digest round for many subscribers to a local SMTP sink; print
    /// digests/s, mails/s and peak memory.
    Digest {
        /// How many confirmed subscriptions.
        #[arg(long, default_value_t = 10_000)]
        subscribers: usize,
    },
    /// Show the terms the analyzer of a language makes of a text (whole words, then compound parts).
    Analyze {
        /// fi, sv or en.
        #[arg(long, default_value = "fi")]
        lang: String,
        /// The text to analyze.
        text: String,
    },
    /// Run judged queries against the current index and print nDCG@10, recall@10 and the zero-result rate.
    Relevance {
        /// Judged queries (the format of shared/corpus/dev-queries.json).
        #[arg(long, value_name = "FILE")]
        queries: PathBuf,
        /// Print every query with its score and top results.
        #[arg(long)]
        verbose: bool,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Load the demo dataset first when the database has no listings.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files in the listing interchange format, one listing per line.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Import the valid lines even when some lines are invalid (by default nothing is imported
    /// then). The exit code is 3 when lines were skipped.
    #[arg(long)]
    pub skip_invalid: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl Command {
    /// The default log level of the command: a server tells what it does, tools stay quiet.
    pub fn default_log_filter(&self) -> &'static str {
        match self {
            Command::Serve(_) | Command::Demo | Command::Reindex => "info",
            Command::Migrate
            | Command::Import(_)
            | Command::Export(_)
            | Command::Bench(_)
            | Command::Admin(_)
            | Command::Token(_)
            | Command::Digest(_)
            | Command::Openapi { .. } => "warn",
        }
    }
}

fn open_store(settings: &Settings) -> Result<Store, ServerError> {
    let store = Store::open(&settings.database_url)?;
    let applied = store.migrate()?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), database = %settings.database_url.redacted(), "migrations applied");
    }
    Ok(store)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), ServerError> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve(args) => serve(&settings, args.demo),
        Command::Demo => serve(&settings, true),
        Command::Migrate => {
            let store = Store::open(&settings.database_url)?;
            let applied = store.migrate()?;
            if applied.is_empty() {
                println!(
                    "The database is up to date ({}).",
                    settings.database_url.redacted()
                );
            } else {
                println!(
                    "Applied {} migration(s): {}",
                    applied.len(),
                    applied.join(", ")
                );
            }
            Ok(())
        }
        Command::Admin(AdminCommand::Create { email, role }) => {
            let role = match role.as_str() {
                "admin" => kynnys_domain::PlatformRole::Admin,
                "moderator" => kynnys_domain::PlatformRole::Moderator,
                "user" => kynnys_domain::PlatformRole::User,
                other => {
                    return Err(ServerError::Usage(format!(
                        "--role {other:?}: expected admin, moderator or user"
                    )));
                }
            };
            let store = open_store(&settings)?;
            let password = crate::accounts::create_privileged(&store, &email, role)?;
            println!("{role} account ready. One-time password (change it after logging in):");
            println!("{password}");
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            email,
            name,
            create_user,
        }) => {
            let store = open_store(&settings)?;
            let token = crate::accounts::create_token(&store, &email, &name, create_user)?;
            println!("API token (shown once; use it as Authorization: Bearer <token>):");
            println!("{token}");
            Ok(())
        }
        Command::Digest(command) => digest_command(&settings, command),
        Command::Openapi { output } => {
            let document = kynnys_api::openapi()
                .to_pretty_json()
                .map_err(|e| ServerError::Usage(e.to_string()))?;
            match output {
                Some(path) => std::fs::write(&path, format!("{document}\n")).map_err(|source| {
                    ServerError::File {
                        path: path.display().to_string(),
                        source,
                    }
                })?,
                None => println!("{document}"),
            }
            Ok(())
        }
        Command::Import(args) => {
            let store = open_store(&settings)?;
            let vocabularies = Vocabularies::builtin()?;
            let report = import::import_files(
                &store,
                &vocabularies,
                &args.files,
                args.skip_invalid,
                chrono::Utc::now(),
            )?;
            println!("{}", report.render());
            if report.rejected > 0 {
                // With --skip-invalid the valid lines are in; the exit code still says some were not.
                return Err(ServerError::SkippedLines {
                    skipped: report.rejected,
                });
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Import {
            listings,
            database_url,
        }) => {
            let url = database_url
                .map(|u| {
                    u.parse()
                        .map_err(|e| ServerError::Config(format!("--database-url: {e}")))
                })
                .transpose()?;
            bench::import_benchmark(listings, url)
        }
        Command::Bench(BenchCommand::Search {
            listings,
            rounds,
            only,
        }) => bench::search_benchmark(listings, rounds, only.as_deref()),
        Command::Bench(BenchCommand::Pages { listings, rounds }) => {
            crate::bench_pages::pages_benchmark(listings, rounds)
        }
        Command::Bench(BenchCommand::Digest { subscribers }) => {
            bench::digest_benchmark(subscribers)
        }
        Command::Bench(BenchCommand::Analyze { lang, text }) => {
            let lang: kynnys_domain::Lang = lang.parse().map_err(|()| {
                ServerError::Config(format!("--lang {lang:?}: expected fi, sv or en"))
            })?;
            let resources = kynnys_search::Resources::builtin();
            for terms in kynnys_search::analyze(
                &resources,
                kynnys_search::TextLang::from_domain(lang),
                &text,
            ) {
                println!("{}", terms.join(" + "));
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Relevance { queries, verbose }) => {
            let store = open_store(&settings)?;
            let vocabularies = std::sync::Arc::new(Vocabularies::builtin()?);
            let index = indexer::open_index(&settings, &store, vocabularies)?;
            bench::relevance_benchmark(&index, &queries, chrono::Utc::now(), verbose)
        }
        Command::Reindex => {
            let store = open_store(&settings)?;
            let vocabularies = Vocabularies::builtin()?;
            let started = std::time::Instant::now();
            let (name, seq) = indexer::reindex_beside(&settings, &store, &vocabularies)?;
            println!(
                "Built search index {name} (changes up to {seq}) in {:.1} s; it is live now.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Export(args) => {
            let store = open_store(&settings)?;
            match args.output {
                Some(path) => {
                    let written = export::export_to_file(&store, &path)?;
                    eprintln!("Exported {written} listings to {}.", path.display());
                }
                None => {
                    let stdout = std::io::stdout();
                    export::write_listings(&store, &mut std::io::BufWriter::new(stdout.lock()))?;
                }
            }
            Ok(())
        }
    }
}

fn digest_command(settings: &Settings, command: DigestCommand) -> Result<(), ServerError> {
    let store = open_store(settings)?;
    let vocabularies = Arc::new(Vocabularies::builtin()?);
    std::fs::create_dir_all(&settings.index_dir).map_err(|source| ServerError::File {
        path: settings.index_dir.display().to_string(),
        source,
    })?;
    let index = indexer::open_index(settings, &store, vocabularies.clone())?;
    let scheduler = digest_scheduler(settings, &store, index, vocabularies);
    let now = chrono::Utc::now();
    match command {
        DigestCommand::Run { now: force } => {
            let report = crate::digest::run_round(&scheduler.context(), now, force)?;
            println!(
                "Digest round: {} subscription(s) considered, {} mailed, {} with nothing new, {} already done.",
                report.considered, report.mailed, report.empty, report.skipped
            );
            let delivery = crate::mail_worker::MailDelivery {
                store: store.clone(),
                sender: Arc::new(kynnys_mailer::SmtpSender::from_url(&settings.smtp_url)?),
                from: settings.mail_from.clone(),
            };
            let delivered = delivery.drain()?;
            println!(
                "Delivered {} mail(s); {} to retry later, {} refused.",
                delivered.sent, delivered.retried, delivered.failed
            );
            Ok(())
        }
        DigestCommand::Preview { email } => {
            let subscriptions = store.subscriptions_of(&email)?;
            if subscriptions.is_empty() {
                println!("No confirmed subscription has this address.");
            }
            for sub in subscriptions {
                match crate::digest::compose(&scheduler.context(), &sub, now)? {
                    Some((_, mail)) => {
                        println!("Subject: {}\n\n{}", mail.subject, mail.body_text);
                    }
                    None => println!(
                        "Subscription {}: nothing new since the last digest.",
                        sub.id
                    ),
                }
            }
            Ok(())
        }
    }
}

/// The digest scheduler of these settings.
fn digest_scheduler(
    settings: &Settings,
    store: &Store,
    index: Arc<kynnys_search::SearchIndex>,
    vocabularies: Arc<Vocabularies>,
) -> crate::digest::DigestScheduler {
    crate::digest::DigestScheduler {
        store: store.clone(),
        index,
        vocabularies,
        public_url: settings
            .public_url
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
        unsubscribe_mailto: unsubscribe_mailto(settings),
        schedule: settings.digest,
    }
}

/// The address of mailto unsubscriptions: the sender's address.
fn unsubscribe_mailto(settings: &Settings) -> String {
    let from = &settings.mail_from;
    match (from.find('<'), from.find('>')) {
        (Some(start), Some(end)) if start < end => from[start + 1..end].to_owned(),
        _ => from.trim().to_owned(),
    }
}

fn serve(settings: &Settings, demo_data: bool) -> Result<(), ServerError> {
    let store = open_store(settings)?;
    std::fs::create_dir_all(&settings.index_dir).map_err(|source| ServerError::File {
        path: settings.index_dir.display().to_string(),
        source,
    })?;
    let vocabularies = Arc::new(Vocabularies::builtin()?);
    if demo_data
        && let Some(summary) = demo::load_if_empty(&store, &vocabularies, chrono::Utc::now())?
    {
        println!("Loaded the demo dataset: {} listings.", summary.created);
    }
    let index = indexer::open_index(settings, &store, vocabularies.clone())?;
    let stop_follower = Arc::new(AtomicBool::new(false));
    let follower = indexer::spawn_follower(store.clone(), index.clone(), stop_follower.clone());
    let stop_jobs = Arc::new(AtomicBool::new(false));
    let mut workers = vec![crate::jobs::spawn_maintenance(
        store.clone(),
        settings
            .public_url
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
        stop_jobs.clone(),
    )];
    let sender = Arc::new(kynnys_mailer::SmtpSender::from_url(&settings.smtp_url)?);
    workers.push(crate::mail_worker::spawn(
        crate::mail_worker::MailDelivery {
            store: store.clone(),
            sender,
            from: settings.mail_from.clone(),
        },
        stop_jobs.clone(),
    ));
    workers.push(
        digest_scheduler(settings, &store, index.clone(), vocabularies.clone())
            .spawn(stop_jobs.clone()),
    );
    let api = crate::app::api_state(settings, store.clone(), index, vocabularies);
    let served = actix_web::rt::System::new().block_on(async {
        let app = Application::build(settings, store, api)?;
        let signals = ShutdownSignals::install()?;
        tracing::info!(address = %app.address(), database = settings.database_url.backend().name(), "listening");
        println!("kynnys listening on http://{}", app.address());
        app.run_until(signals).await
    });
    stop_follower.store(true, Ordering::Relaxed);
    stop_jobs.store(true, Ordering::Relaxed);
    if follower.join().is_err() {
        tracing::error!("the search index follower panicked");
    }
    for worker in workers {
        if worker.join().is_err() {
            tracing::error!("a background worker panicked");
        }
    }
    tracing::info!("stopped");
    served
}
