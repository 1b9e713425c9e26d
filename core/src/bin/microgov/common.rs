//! What the commands share: errors with exit codes, finding and reading
//! manifests, building the engine and the evaluation context.

use crate::args::{ContextArgs, EngineArgs};
use crate::progress::{par_map, Progress};
use chrono::{DateTime, Utc};
use microgov::ffi::ErrorDetails;
use microgov::model::approval::{approvals_from_str, Approval};
use microgov::model::locate::{Location, SourceMap};
use microgov::model::{parse_document, parsed_looks_like_manifest, sniff_format, ManifestError, Problem};
use microgov::{Context, Engine, EngineOptions, Manifest};
use std::path::{Path, PathBuf};

/// An error that ends a command with a message and an exit code.
#[derive(Debug)]
pub struct CliError {
    /// What went wrong, naming the file; empty to print nothing.
    pub message: String,
    /// The process exit code.
    pub exit: u8,
}

impl CliError {
    /// Bad input or usage: exit code 2.
    pub fn input(message: impl Into<String>) -> CliError {
        CliError { message: message.into(), exit: 2 }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // The reader went away (`| head`): stop quietly.
            CliError { message: String::new(), exit: 141 }
        } else {
            CliError::input(format!("cannot write the output: {e}"))
        }
    }
}

pub type CliResult<T> = Result<T, CliError>;

/// Exit codes.
pub mod exit {
    pub const OK: u8 = 0;
    pub const DENY: u8 = 1;
    pub const INVALID: u8 = 2;
    pub const REVIEW: u8 = 3;
}

/// A file to read: named on the command line, or found in a folder.
#[derive(Debug, Clone)]
pub struct Input {
    /// The path as shown to the user.
    pub shown: String,
    pub path: PathBuf,
    /// Found by walking a folder: read only if it holds a MicroApp manifest.
    pub from_folder: bool,
}

/// Why a file gave no manifest.
#[derive(Debug, Clone)]
pub enum Failure {
    /// It could not be read.
    Io(String),
    /// It is not a valid manifest.
    Invalid(ManifestError),
    /// Evaluating it failed (a policy error), as the bindings would say it.
    Eval {
        /// The stable code.
        code: String,
        /// One line.
        message: String,
        /// The policy file the error is about, when known.
        file: Option<String>,
        /// The 1-based line in `file`, when known.
        line: Option<usize>,
    },
}

impl Failure {
    /// A bug in microgov rather than in the input.
    pub fn internal(message: &str) -> Failure {
        Failure::Eval { code: "internal".into(), message: message.into(), file: None, line: None }
    }

    /// Short description naming the file.
    pub fn describe(&self, shown: &str) -> String {
        match self {
            Failure::Io(m) => format!("cannot read {shown}: {m}"),
            Failure::Invalid(e) => format!("{shown}: {}", first_line(e)),
            Failure::Eval { code, message, .. } => format!("{shown}: {message} [{code}]"),
        }
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        match self {
            Failure::Io(_) => "io",
            Failure::Invalid(e) => e.code(),
            Failure::Eval { code, .. } => code,
        }
    }
}

/// One manifest file after reading and validation.
#[derive(Debug)]
pub struct Item {
    pub shown: String,
    pub text: String,
    pub result: Result<Manifest, Failure>,
}

impl Item {
    /// The app's name, or the file name for files without a valid manifest.
    pub fn name(&self) -> String {
        match &self.result {
            Ok(m) => m.metadata.name.clone(),
            Err(_) => Path::new(&self.shown)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| self.shown.clone()),
        }
    }

    /// The source map of the text (built on demand: only reports need it).
    pub fn source_map(&self) -> SourceMap {
        SourceMap::new(&self.text)
    }
}

/// Where a problem is in its text: the position it carries (problems found
/// in text have one), else that of its JSON pointer, or for syntax errors
/// the line the parser names.
pub fn problem_location(map: &SourceMap, p: &Problem) -> Location {
    if let (Some(line), Some(column)) = (p.line, p.column) {
        return Location { line, column };
    }
    if p.path.is_empty() {
        if let Some(loc) = location_in_message(&p.message) {
            return loc;
        }
    }
    map.locate(&p.path)
}

fn location_in_message(msg: &str) -> Option<Location> {
    let re = regex::Regex::new(r"line (\d+) column (\d+)").ok()?;
    let c = re.captures(msg)?;
    Some(Location { line: c.get(1)?.as_str().parse().ok()?, column: c.get(2)?.as_str().parse().ok()? })
}

const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// The files named on the command line, folders expanded (recursively,
/// sorted, hidden folders skipped) into their YAML and JSON files.
pub fn discover(paths: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found);
            found.sort();
            out.extend(found.into_iter().map(|f| Input { shown: f.display().to_string(), path: f, from_folder: true }));
        } else {
            out.push(Input { shown: p.display().to_string(), path: p.clone(), from_folder: false });
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in rd.flatten() {
        let p = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // The directory entry's type needs no stat; a symlink is followed.
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => p.is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => p.is_dir(),
        };
        if is_dir {
            walk(&p, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(p);
        }
    }
}

fn read_text(path: &Path, max_bytes: usize) -> Result<String, Failure> {
    let meta = std::fs::metadata(path).map_err(|e| Failure::Io(io_message(&e)))?;
    if meta.is_dir() {
        return Err(Failure::Io("is a directory".into()));
    }
    if meta.len() > u64::try_from(max_bytes).unwrap_or(u64::MAX) {
        return Err(Failure::Invalid(ManifestError::manifest(vec![Problem::new(
            microgov::model::codes::TOO_LARGE,
            "",
            format!("document is {} bytes, larger than the limit of {max_bytes} bytes", meta.len()),
        )])));
    }
    let bytes = std::fs::read(path).map_err(|e| Failure::Io(io_message(&e)))?;
    String::from_utf8(bytes).map_err(|e| {
        Failure::Invalid(ManifestError::manifest(vec![Problem::new(
            microgov::model::codes::SYNTAX,
            "",
            format!("not utf-8 text (byte {})", e.utf8_error().valid_up_to()),
        )]))
    })
}

/// An I/O error's message without Rust's "(os error N)" suffix.
pub fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Reads and validates one input; `None` for a folder file that is not a manifest.
fn load_one(engine: &Engine, input: &Input) -> Option<Item> {
    let max = engine.settings().parse.limits.max_bytes;
    let text = match read_text(&input.path, max) {
        Ok(t) => t,
        Err(f) => {
            if input.from_folder && matches!(f, Failure::Invalid(_)) {
                // Too large or not text: not one of ours, unless it says so.
                return None;
            }
            return Some(Item { shown: input.shown.clone(), text: String::new(), result: Err(f) });
        }
    };
    if !input.from_folder {
        let result = engine.parse_manifest(&text).map_err(to_failure);
        return Some(Item { shown: input.shown.clone(), text, result });
    }
    let limits = engine.settings().parse.limits;
    let parsed = parse_document(&text, sniff_format(&text), &limits);
    if !parsed_looks_like_manifest(&text, parsed.as_ref().ok()) {
        return None;
    }
    let result = match parsed {
        Ok(doc) if doc.is_object() => engine.manifest_from_value(&doc).map_err(to_failure),
        // A list or a scalar that reads like a manifest is a misshapen one.
        Ok(_) => engine.parse_manifest(&text).map_err(to_failure),
        Err(problems) => Err(Failure::Invalid(ManifestError::manifest(problems))),
    };
    Some(Item { shown: input.shown.clone(), text, result })
}

/// A library error as a failure of one file.
pub fn to_failure(e: microgov::Error) -> Failure {
    match e {
        microgov::Error::Manifest(e) => Failure::Invalid(e),
        other => {
            let d = ErrorDetails::of(&other);
            Failure::Eval { code: d.code.to_string(), message: d.message, file: d.file, line: d.line }
        }
    }
}

/// A library error in the words the bindings use: the message with the stable code after
/// its first line (`message [code]`), then the rest of the message (a Rego parse error's
/// source line and caret).
pub fn describe_core(e: impl Into<microgov::Error>) -> String {
    let d = ErrorDetails::of(&e.into());
    match d.message.split_once('\n') {
        Some((first, rest)) => format!("{first} [{}]\n{rest}", d.code),
        None => format!("{} [{}]", d.message, d.code),
    }
}

/// A library error that ends a command, after what was being done (`cannot load the
/// policies: ... [policy.parse]`).
pub fn core_error(doing: &str, e: impl Into<microgov::Error>) -> CliError {
    CliError::input(format!("{doing}: {}", describe_core(e)))
}

/// Reads and validates every input in parallel, in order; folder files that
/// are not manifests are left out. An empty result is an error.
pub fn load(engine: &Engine, paths: &[PathBuf], show_progress: bool) -> CliResult<Vec<Item>> {
    let inputs = discover(paths);
    let mut progress = if show_progress { Progress::new(inputs.len(), "reading") } else { Progress::hidden() };
    // A panic reading one file is a bug; that file fails, the others are still read.
    let loaded = par_map(&inputs, &mut progress, |i| Some(load_one(engine, i)), || None);
    let items: Vec<Item> = loaded
        .into_iter()
        .zip(&inputs)
        .filter_map(|(item, input)| {
            item.unwrap_or_else(|| {
                let failure = Failure::internal("reading the file panicked (a bug in microgov, please report it)");
                Some(Item { shown: input.shown.clone(), text: String::new(), result: Err(failure) })
            })
        })
        .collect();
    progress.finish();
    if items.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(CliError::input(format!(
            "no MicroApp manifests found in {} (looked for *.yaml, *.yml and *.json files with kind: MicroApp)",
            names.join(", ")
        )));
    }
    Ok(items)
}

/// The one manifest a single-app command reads (`explain`, `input`, `diagram`, `approve`).
pub struct Single {
    pub shown: String,
    pub text: String,
    pub manifest: Manifest,
}

/// Reads the one manifest file a single-app command takes. A folder is an input error
/// (`folder` says what the command takes and what to use instead), and so is a file that
/// cannot be read or is not a valid manifest, naming it.
pub fn load_single(engine: &Engine, path: &Path, folder: &str) -> CliResult<Single> {
    if path.is_dir() {
        return Err(CliError::input(format!("{} is a folder: {folder}", path.display())));
    }
    let Some(item) = load(engine, &[path.to_path_buf()], false)?.pop() else {
        return Err(CliError::input("no manifest"));
    };
    match item.result {
        Ok(manifest) => Ok(Single { shown: item.shown, text: item.text, manifest }),
        Err(Failure::Invalid(e)) => Err(CliError::input(invalid_document(&item.shown, &item.text, &e))),
        Err(f) => Err(CliError::input(f.describe(&item.shown))),
    }
}

/// Reads a file named by an option (approvals, data), naming it in errors.
pub fn read_option_file(path: &Path, what: &str) -> CliResult<String> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("cannot read {what} file {}: {}", path.display(), io_message(&e))))
}

/// Builds the engine: bundled policies (unless left out), policy folders,
/// bundle tarballs and the data overlay.
pub fn build_engine(args: &EngineArgs) -> CliResult<Engine> {
    let data = match &args.data {
        Some(path) => {
            let text = read_option_file(path, "data")?;
            let value: serde_json::Value = if sniff_format(&text) == microgov::model::Format::Json {
                serde_json::from_str(&text).map_err(|e| {
                    CliError::input(format!(
                        "{}:{}:{}: invalid JSON data document: {e}",
                        path.display(),
                        e.line(),
                        e.column()
                    ))
                })?
            } else {
                serde_yaml_ng::from_str(&text).map_err(|e| {
                    let at = e.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default();
                    CliError::input(format!("{}{at}: invalid YAML data document: {e}", path.display()))
                })?
            };
            if !value.is_object() {
                return Err(CliError::input(format!(
                    "{}: a data document must be an object (a mapping)",
                    path.display()
                )));
            }
            Some(value)
        }
        None => None,
    };
    let opts = EngineOptions {
        without_bundled: args.no_bundled,
        policy_dirs: args.policy_dirs.clone(),
        bundles: args.bundles.clone(),
        data,
        trust_claimed_roles: args.trust_claimed_roles,
        ..EngineOptions::default()
    };
    Engine::with_options(opts).map_err(|e| core_error("cannot load the policies", e))
}

/// Parses `--now`, or takes the clock once so every app is judged at the same instant.
pub fn parse_now(now: Option<&str>) -> CliResult<DateTime<Utc>> {
    match now {
        None => Ok(Utc::now()),
        Some(s) => DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|_| {
            CliError::input(format!(
                "invalid value \"{s}\" for --now: expected an RFC 3339 time such as 2026-11-26T10:00:00Z"
            ))
        }),
    }
}

/// The first line of a document's error, as the bindings word it
/// (`invalid approvals: 7 problem(s)`).
pub fn first_line(e: &ManifestError) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// An invalid document as a command that stops on it reports it: `x.yaml: invalid
/// approvals: 7 problem(s)`, then each problem at its line and column in `text`.
pub fn invalid_document(shown: &str, text: &str, e: &ManifestError) -> String {
    let map = SourceMap::new(text);
    let mut msg = format!("{shown}: {}", first_line(e));
    for p in e.problems() {
        let at = problem_location(&map, p);
        msg.push_str(&format!("\n  {shown}:{}:{}: {p}", at.line, at.column));
    }
    msg
}

/// Reads the approvals files, reporting every problem with its line.
pub fn read_approvals(paths: &[PathBuf]) -> CliResult<Vec<Approval>> {
    let mut all = Vec::new();
    for path in paths {
        let text = read_option_file(path, "approvals")?;
        match approvals_from_str(&text) {
            Ok(mut a) => all.append(&mut a),
            Err(problems) => {
                let shown = path.display().to_string();
                return Err(CliError::input(invalid_document(&shown, &text, &ManifestError::approvals(problems))));
            }
        }
    }
    Ok(all)
}

/// The evaluation context from the options.
pub fn build_context(args: &ContextArgs) -> CliResult<Context> {
    let now = parse_now(args.now.as_deref())?;
    Ok(Context::at(now).with_approvals(read_approvals(&args.approvals)?))
}

/// `14d`, `2w`, `36h`, `90min` as a duration (a bare number is days). Minutes are
/// only `min`: a lone `m` is refused, as it reads as months as easily as minutes.
pub fn parse_window(s: &str) -> Result<chrono::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("invalid window \"{s}\": expected a number and a unit, like 14d, 2w or 36h"))?;
    match unit {
        "d" | "" => Ok(chrono::Duration::days(n)),
        "w" => Ok(chrono::Duration::weeks(n)),
        "h" => Ok(chrono::Duration::hours(n)),
        "min" => Ok(chrono::Duration::minutes(n)),
        "m" => Err(format!("invalid window \"{s}\": m is ambiguous; write {n}min for minutes or {n}d for days")),
        _ => Err(format!("invalid window \"{s}\": the unit must be d (days), w (weeks), h (hours) or min (minutes)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_days_weeks_and_hours() {
        assert_eq!(parse_window("14d"), Ok(chrono::Duration::days(14)));
        assert_eq!(parse_window("2w"), Ok(chrono::Duration::days(14)));
        assert_eq!(parse_window("36h"), Ok(chrono::Duration::hours(36)));
        assert!(parse_window("soon").is_err());
        assert!(parse_window("3y").is_err());
        assert_eq!(parse_window("90min"), Ok(chrono::Duration::minutes(90)));
        assert!(parse_window("90m").unwrap_err().contains("90min"));
    }

    #[test]
    fn syntax_problems_point_at_the_line_the_parser_names() {
        let p =
            Problem::new("manifest.syntax", "", "invalid yaml at line 16 column 3: did not find expected ',' or '}'");
        assert_eq!(problem_location(&SourceMap::new("a: 1\n"), &p), Location { line: 16, column: 3 });
    }
}
