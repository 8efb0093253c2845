//! `kynnys import`: reads interchange files, reports every problem of every line, and imports
//! all or (with `--skip-invalid`) the valid rest in one transaction.

use crate::ServerError;
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kynnys_domain::{FieldProblem, ListingRecord, ProblemCode, Vocabularies};
use kynnys_store::{ImportSummary, Store};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

/// A line that cannot be imported, with all its problems.
#[derive(Debug)]
pub struct RejectedLine {
    pub file: String,
    pub line: usize,
    pub external_id: Option<String>,
    pub problems: Vec<FieldProblem>,
}

/// The records of a set of files that passed validation, and the lines that did not.
#[derive(Debug, Default)]
pub struct ParsedInput {
    pub records: Vec<ListingRecord>,
    pub rejected: Vec<RejectedLine>,
}

/// What `kynnys import` did.
#[derive(Debug)]
pub struct ImportReport {
    pub files: usize,
    pub summary: ImportSummary,
    pub rejected: usize,
}

impl ImportReport {
    pub fn render(&self) -> String {
        let s = &self.summary;
        let total = s.created + s.updated + s.unchanged;
        let mut out = String::new();
        if s.created + s.updated == 0 && self.rejected == 0 {
            let _ = write!(
                out,
                "Nothing changed: all {total} listings are already up to date."
            );
        } else {
            let _ = write!(
                out,
                "Imported {total} listings from {} file(s): {} created, {} updated, {} unchanged, {} rejected",
                self.files, s.created, s.updated, s.unchanged, self.rejected
            );
            if s.expired > 0 {
                let _ = write!(out, " ({} stored as expired: past valid_until)", s.expired);
            }
            let _ = write!(out, ".");
        }
        if s.organisations_created + s.organisations_updated > 0 {
            let _ = write!(
                out,
                "\nOrganisations: {} created, {} updated.",
                s.organisations_created, s.organisations_updated
            );
        }
        out
    }
}

/// Formats rejected lines for people: `file:line: listing "id": N problem(s)` and one line per problem.
pub fn render_rejected(rejected: &[RejectedLine]) -> String {
    let mut out = String::new();
    for r in rejected {
        let id = r
            .external_id
            .as_deref()
            .map(|id| format!(" listing {id:?}:"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}:{}:{id} {} problem(s)",
            r.file,
            r.line,
            r.problems.len()
        );
        for p in &r.problems {
            let _ = writeln!(out, "  {p}");
        }
    }
    out
}

fn progress_bar(total_bytes: u64) -> ProgressBar {
    // Drawn only when stderr is a terminal.
    let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} reading {bytes}/{total_bytes} [{bar:40}] {eta} left",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Reads and validates every line of every file. Blank lines are ignored.
pub fn parse_files(
    paths: &[PathBuf],
    vocabularies: &Vocabularies,
) -> Result<ParsedInput, ServerError> {
    let total_bytes = paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = progress_bar(total_bytes);
    let mut parser = Parser {
        vocabularies,
        parsed: ParsedInput::default(),
        seen: HashMap::new(),
    };
    for path in paths {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|source| ServerError::File {
            path: name.clone(),
            source,
        })?;
        parser
            .read(&name, BufReader::new(file), &bar)
            .map_err(|source| ServerError::File {
                path: name.clone(),
                source,
            })?;
    }
    bar.finish_and_clear();
    Ok(parser.parsed)
}

/// Validates lines and remembers which external ids it has seen, across files.
struct Parser<'a> {
    vocabularies: &'a Vocabularies,
    parsed: ParsedInput,
    seen: HashMap<String, (String, usize)>,
}

impl Parser<'_> {
    fn read(
        &mut self,
        name: &str,
        mut reader: impl BufRead,
        bar: &ProgressBar,
    ) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        let mut line_no = 0;
        loop {
            bytes.clear();
            let read = reader.read_until(b'\n', &mut bytes)?;
            if read == 0 {
                return Ok(());
            }
            line_no += 1;
            bar.inc(read as u64);
            match self.check(name, line_no, &bytes) {
                Ok(Some(record)) => self.parsed.records.push(record),
                Ok(None) => {}
                Err((external_id, problems)) => self.parsed.rejected.push(RejectedLine {
                    file: name.to_owned(),
                    line: line_no,
                    external_id,
                    problems,
                }),
            }
        }
    }

    /// One line: `Ok(None)` when blank, the record when valid, else every problem found.
    fn check(
        &mut self,
        name: &str,
        line_no: usize,
        bytes: &[u8],
    ) -> Result<Option<ListingRecord>, (Option<String>, Vec<FieldProblem>)> {
        let line = std::str::from_utf8(bytes).map_err(|e| {
            let detail = format!("the line is not valid UTF-8 (byte {})", e.valid_up_to() + 1);
            (
                None,
                vec![FieldProblem {
                    path: "$".into(),
                    code: ProblemCode::InvalidFormat,
                    detail: Some(detail),
                }],
            )
        })?;
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            return Ok(None);
        }
        let record = ListingRecord::from_json_line(line)
            .map_err(|problems| (raw_external_id(line), problems))?;
        let mut problems = record.validate(self.vocabularies).err().unwrap_or_default();
        if let Some((first_file, first_line)) = self.seen.get(&record.external_id) {
            problems.push(FieldProblem {
                path: "external_id".into(),
                code: ProblemCode::Duplicate,
                detail: Some(format!("already on {first_file}:{first_line}")),
            });
        }
        if !problems.is_empty() {
            return Err((Some(record.external_id), problems));
        }
        self.seen
            .insert(record.external_id.clone(), (name.to_owned(), line_no));
        Ok(Some(record))
    }
}

/// The `external_id` of a line that is JSON but not a valid listing, to name it in reports.
fn raw_external_id(line: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    value.get("external_id")?.as_str().map(str::to_owned)
}

/// Validates `paths` and imports them. With rejected lines and `skip_invalid == false` nothing is
/// written. Rejected lines are written to stderr as they are reported.
pub fn import_files(
    store: &Store,
    vocabularies: &Vocabularies,
    paths: &[PathBuf],
    skip_invalid: bool,
    now: DateTime<Utc>,
) -> Result<ImportReport, ServerError> {
    let parsed = parse_files(paths, vocabularies)?;
    if !parsed.rejected.is_empty() {
        eprint!("{}", render_rejected(&parsed.rejected));
        if !skip_invalid {
            return Err(ServerError::InvalidInput {
                invalid: parsed.rejected.len(),
            });
        }
    }
    let summary = store.import_listings(parsed.records, now)?;
    tracing::info!(
        created = summary.created,
        updated = summary.updated,
        unchanged = summary.unchanged,
        rejected = parsed.rejected.len(),
        "import finished"
    );
    Ok(ImportReport {
        files: paths.len(),
        summary,
        rejected: parsed.rejected.len(),
    })
}

/// Parses interchange text that ships inside the binary (the demo dataset); any invalid line is an error.
pub fn parse_text(
    vocabularies: &Vocabularies,
    name: &str,
    text: &str,
) -> Result<Vec<ListingRecord>, ServerError> {
    let mut parser = Parser {
        vocabularies,
        parsed: ParsedInput::default(),
        seen: HashMap::new(),
    };
    parser.read(name, text.as_bytes(), &ProgressBar::hidden())?;
    if !parser.parsed.rejected.is_empty() {
        eprint!("{}", render_rejected(&parser.parsed.rejected));
        return Err(ServerError::InvalidInput {
            invalid: parser.parsed.rejected.len(),
        });
    }
    Ok(parser.parsed.records)
}
