//! The command line: clap types only. Doc comments here are the `--help` text;
//! `crate::cmd::settings` turns the parsed arguments into checked settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The exit codes, shared by the help texts.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  success
  1  problems found: errors, or warnings with --strict (no body was written or sent);
     for diff: the two sides differ
  2  the command could not run: unreadable input, invalid template, bad arguments
  3  submit: the submission failed (network, authentication, or an error from Relatics)
  4  submit: refused by a safety check (deletions, no receipt for the endpoint, or an empty
     body, without permission)
  5  submit: the body was accepted but its receipt could not be saved
  6  submit of a project: relation targets were left out of a body (the IDs of new elements
     did not come within --wait, or their interface was not sent); run it again to finish
  130  interrupted (Ctrl+C or a termination signal): no output file was written, temporary
       files were removed"
    };
}

#[cfg(test)]
const EXIT_CODES: &str = exit_codes!();

const MAIN_HELP: &str = concat!(
    "Examples:
  relsync convert requirements.xlsx -t templates/requirements.toml -o requirements.json
  relsync check requirements.xlsx -t templates/requirements.toml
  relsync submit requirements.xlsx -t templates/requirements.toml --dry-run
  relsync template init requirements.xlsx -o requirements.toml       # a first template
  relsync check relsync.toml                                          # a project: every interface
  relsync submit relsync.toml --dry-run

",
    exit_codes!(),
    "

Environment:
  NO_COLOR  set to turn colour off (see also --color)"
);

/// Turn Excel and CSV exports into Relatics synchronizing-interface bodies: every cell checked,
/// JSON or XML written, and optionally submitted.
#[derive(Debug, Parser)]
#[command(name = "relsync", version, after_long_help = MAIN_HELP, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour the report: auto (only on a terminal, and not if NO_COLOR is set),
    /// always, never
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Do not show the progress bar
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert a sheet into a Relatics sync body (JSON, XML, or Relatics' Excel sync format);
    /// nothing is written if any cell has an error
    #[command(after_long_help = CONVERT_HELP)]
    Convert(ConvertArgs),

    /// Check a sheet against a template and report every problem; writes no body
    #[command(after_long_help = CHECK_HELP)]
    Check(CheckArgs),

    /// Send a body to a Relatics synchronizing interface: converts and checks a sheet first, or
    /// sends a .json/.xml body made earlier; refuses to delete elements unless told to
    #[command(after_long_help = SUBMIT_HELP)]
    Submit(SubmitArgs),

    /// Make column templates
    #[command(subcommand)]
    Template(TemplateCommand),

    /// Save the answer of a Relatics providing interface (element IDs and names) as a lookup
    /// file for relations whose cells hold names
    #[command(after_long_help = FETCH_HELP)]
    FetchLookup(FetchArgs),

    /// Compare two bodies (JSON or XML, or sheets with --template) by external id: elements
    /// created, deleted and changed, and what changed in each
    #[command(after_long_help = DIFF_HELP)]
    Diff(DiffArgs),

    /// Check, preview and send exports from a page in the browser, on this computer only
    #[command(after_long_help = SERVE_HELP)]
    Serve(ServeArgs),

    /// Print a shell completion script for relsync to standard output
    #[command(after_long_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),

    /// Print relsync's manual page (roff) to standard output
    #[command(after_long_help = MAN_HELP)]
    Man,
}

const DIFF_HELP: &str = "\
Examples:
  relsync diff last-week.json requirements.json
  relsync diff last-week.json samples/requirements.xlsx -t templates/requirements.toml
  relsync diff old.xml new.json --report json > changes.json
  relsync diff old.json new.json --limit 0                 # every element, not the first 20

Each side is a body (.json or .xml, in any mix) or a sheet, converted with --template exactly as
convert does (a sheet with errors cannot be compared: exit 2). Elements match by external id.
Values compare as Relatics reads them: an empty text, null and an empty relation all clear a
field; relation targets are compared as sets; a key one side leaves out is '(not sent)'.

The text gives the counts first, then the fields that changed and how often, then the created,
deleted and changed elements (with each changed field: old -> new), --limit per kind.
--report json gives every change.

Exit codes:
  0  the bodies hold the same elements with the same values
  1  there are differences
  2  the command could not run: unreadable input, invalid body or template, a sheet with errors";

const COMPLETIONS_HELP: &str = "\
Install (see the README, \"Shell completions and the manual page\"):
  bash        relsync completions bash > ~/.local/share/bash-completion/completions/relsync
  zsh         relsync completions zsh > ~/.zfunc/_relsync      (with ~/.zfunc on $fpath)
  fish        relsync completions fish > ~/.config/fish/completions/relsync.fish
  PowerShell  add to $PROFILE: relsync completions powershell | Out-String | Invoke-Expression
  elvish      relsync completions elvish > ~/.config/elvish/lib/relsync.elv  (then: use relsync)";

const MAN_HELP: &str = "\
Install:
  relsync man > ~/.local/share/man/man1/relsync.1     then: man relsync
The page holds every command with its options, examples and exit codes.";

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier body (.json, .xml) or sheet
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The later body (.json, .xml) or sheet
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// The column template for a side that is a sheet
    #[arg(short, long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    /// The sheet to read, for a side that is a workbook [default: the template's source.sheet,
    /// else the first sheet]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// Elements shown per kind (created, deleted, changed) in the text; 0 shows all
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,

    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = DiffReport::Text)]
    pub report: DiffReport,
}

/// How `diff` shows its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffReport {
    /// Counts, then the first elements of each kind, for people
    Text,
    /// Every change, for programs
    Json,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

const FETCH_HELP: &str = "\
Examples:
  relsync fetch-lookup --endpoint \"$PROVIDING_URL\" -o templates/lookups/facilities.json
  relsync fetch-lookup --endpoint \"$PROVIDING_URL\" --accept xml -o templates/lookups/facilities.xml

PROVIDING_URL is the providing interface's address, as its page in Relatics shows it:
https://acme.relatics.com/api/v1/workspaces/<uuid>/interfaces/providing/facilities

GETs the providing interface and saves its answer as it is (atomically), then says how many
name/ID pairs it recognised. Use the file in a template: lookup = \"lookups/facilities.json\" on a
[[relation]]. Authentication is the same as for submit: RELATICS_TOKEN or --token-file, or
RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET with --token-url or RELATICS_TOKEN_URL; https
only (http on loopback), no redirects, secrets never shown.

Exit codes:
  0  the answer was saved
  2  the command could not run: bad arguments, no credentials, the file cannot be written
  3  the request failed: network, authentication, or an error status from Relatics";

const SERVE_HELP: &str = "\
Examples:
  relsync serve -t templates/requirements.toml --open      # one interface
  relsync serve samples/project/relsync.toml --open        # every interface of a project
  relsync serve -t t.toml --endpoint https://acme.relatics.com/api/v1/workspaces/<uuid>/interfaces/synchronizing/eisen

The page runs on 127.0.0.1 only, at an address with a secret made for this run (printed, and
opened with --open): choose the interface, drop the export, see its problems (with the annotated
workbook, the JSON report and the body to download), what a submit would change, and send it;
deletions must be confirmed on the page. Credentials come from where submit takes them
(RELATICS_TOKEN, --token-file, RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET with a token URL);
the page never sees them. Ctrl+C stops the server and removes every upload.

Exit codes:
  2    the server could not start: a port in use, a template or project file that cannot be used
  130  stopped with Ctrl+C";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A project file (relsync.toml): the page offers its interfaces, checked and sent as a
    /// project
    #[arg(value_name = "PROJECT")]
    pub project: Option<PathBuf>,

    /// The column template of the one interface the page offers
    #[arg(short, long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    /// The synchronizing interface URL, with --template [default: RELATICS_ENDPOINT, else
    /// target.endpoint]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// The port on 127.0.0.1 [default: a free one]
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,

    /// Open the page in the default browser
    #[arg(long)]
    pub open: bool,

    /// The largest export the page takes, e.g. "1 GiB" or "200 MB"
    #[arg(long, value_name = "SIZE", default_value = "1 GiB")]
    pub max_upload: String,

    /// Where receipts of earlier submits are kept, as for submit [default: as for submit]
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Time limit for each request to Relatics, in seconds (1 to 3600)
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Retries after a connection failure, timeout, 429, 502, 503 or 504, at most 10
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,

    /// Read the access token from FILE instead of RELATICS_TOKEN
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// OAuth2 token endpoint for client credentials [default: RELATICS_TOKEN_URL, else
    /// target.token_url]
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The providing interface URL
    #[arg(long, value_name = "URL")]
    pub endpoint: String,

    /// Where to save the answer
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    /// Answer format to ask for [default: from the --output extension, else json]; it must agree
    /// with a .json or .xml extension, since a lookup is read by its extension
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub accept: Option<AcceptArg>,

    /// Read the access token from FILE instead of RELATICS_TOKEN
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// OAuth2 token endpoint for client credentials [default: RELATICS_TOKEN_URL]
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,

    /// Time limit for the request, in seconds (1 to 3600)
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Retries after a connection failure, timeout, 429, 502, 503 or 504, at most 10
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,

    /// Show the HTTP requests and responses (the token is shown as ***)
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Make a template from an export: headers, types, required columns, the external id and
    /// relations guessed from the values (names from Relatics' Excel sync template with
    /// --sync-template)
    #[command(after_long_help = INIT_HELP)]
    Init(InitArgs),
}

const INIT_HELP: &str = "\
Examples:
  relsync template init samples/requirements.xlsx -o requirements.toml
  relsync template init samples/objects-nl.csv                       # template on standard output
  relsync template init samples/requirements.xlsx --sync-template samples/requirements-sync.xlsx

The template is commented: what each column holds, which guesses to check. The header row is
found (a title row or blank rows above the headers are common) unless --header-row is given;
standard error says which row was chosen and why. With --sync-template, the names come from
Relatics' own Excel sync template of the interface (Relatics spells them; they must match),
each matched to a header of the export; names without a column are left commented out.

Exit codes:
  0  the template was written
  2  the command could not run: unreadable input, an existing file without --force";

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The export: .xlsx, .xlsm, .xlsb, .xls, .ods, .csv, .tsv or .txt ('-' reads CSV from
    /// standard input)
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// The sheet to read [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// The row holding the column headers [default: found from the first 50 rows]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub header_row: Option<u32>,

    /// Relatics' Excel sync template of the interface: property and role names as Relatics
    /// spells them
    #[arg(long, value_name = "SYNC.xlsx")]
    pub sync_template: Option<PathBuf>,

    /// The name of this sheet's interface in a project (relsync.toml): a column holding the
    /// names of other rows becomes a relation with lookup = "interface:NAME" [default: the
    /// input file's name, in lower case]
    #[arg(long, value_name = "NAME")]
    pub interface: Option<String>,

    /// Where to write the template [default: standard output]
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace FILE if it exists
    #[arg(long)]
    pub force: bool,
}

const CONVERT_HELP: &str = "\
Examples:
  relsync convert requirements.xlsx -t templates/requirements.toml -o requirements.json
  relsync convert objects.csv -t templates/objects.toml -o objects.xml     # XML from the extension
  relsync convert export.xlsx -t t.toml --sheet \"Eisen 2026\" -o body.json
  relsync convert export.xlsx -t t.toml | other-tool                        # body on stdout
  relsync convert samples/requirements.xlsx -t templates/requirements.toml -o upload.xlsx
                                  # Relatics' Excel sync format, for uploading by hand

Write bodies with -o rather than '>': Windows PowerShell 5.1 re-encodes redirected output as
UTF-16, which Relatics does not read.

The body goes to --output, or to standard output if it is '-' or not given. Problems and a
summary go to standard error. The body is written whole or not at all: with any error (or any
warning with --strict) no file is created and an existing file is left as it was.

Exit codes:
  0  the body was written
  1  problems found: errors, or warnings with --strict (no body was written)
  2  the command could not run: unreadable input, invalid template, bad arguments";

const CHECK_HELP: &str = "\
Examples:
  relsync check requirements.xlsx -t templates/requirements.toml
  relsync check requirements.xlsx -t templates/requirements.toml --report json
  relsync check export.csv -t templates/objects.toml --report-file problems.json
  relsync check samples/project/relsync.toml                  # a project: every interface
  relsync check relsync.toml --html-report report.html --annotate annotated/

The report goes to standard output: one line per problem, sorted by row and column, then a
summary. --report json prints every problem as JSON instead.

A project file (relsync.toml) names several interfaces, each a sheet and a template, whose
relations may name elements of the others (lookup = \"interface:objects\"); every sheet is
checked, offline, and a target name resolves when it names a row of that interface's sheet or
an element whose ID was read from Relatics by an earlier submit (kept in --state-dir). The
report is grouped per interface; --report json gives one object per interface, --html-report
one page with a section each, --annotate a folder with one copy each.

Exit codes:
  0  no errors (and no warnings with --strict)
  1  problems found: errors, or warnings with --strict
  2  the command could not run: unreadable input, invalid template, bad arguments";

const SUBMIT_HELP: &str = "\
Examples (with RELATICS_TOKEN, or RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET, set):
  relsync submit requirements.xlsx -t templates/requirements.toml --dry-run
  relsync submit requirements.xlsx -t templates/requirements.toml
  relsync submit requirements.json --endpoint <interface URL>
  relsync submit relsync.toml --dry-run                       # a project: the plan
  relsync submit relsync.toml                                 # every interface, in order
  relsync submit relsync.toml --only requirements

The interface URL has the form
https://<env>.relatics.com/api/v1/workspaces/<uuid>/interfaces/synchronizing/<name>.

Relatics deletes every element of the type that is not in the body. relsync keeps a receipt of
every successful submit (in --state-dir) and refuses (exit 4) to send a body that would delete
elements sent last time, or a body to an endpoint it has no receipt for (it cannot tell what
would be deleted), unless --allow-deletions is given or you type 'yes' at the prompt. A body
without elements is refused unless --allow-empty. In a pipeline, keep --state-dir on storage
that persists between runs.

Endpoint: --endpoint, else RELATICS_ENDPOINT, else the template's target.endpoint. It must be
https:// (plain http only for 127.0.0.1, localhost and [::1]). A URL from the template
(target.endpoint, target.token_url) must be under relatics.com or relaticsonline.com, loopback,
or a host listed in RELSYNC_TRUSTED_HOSTS: a shared template cannot send your key elsewhere.

Authentication (secrets are never taken on the command line):
  RELATICS_TOKEN or --token-file FILE   a ready access token
  RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET
                                         OAuth2 client credentials; the token endpoint comes from
                                         --token-url, RELATICS_TOKEN_URL or target.token_url
Proxies: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY are honoured (loopback is always reached
directly). Certificates are checked against the system's store (on Linux also SSL_CERT_FILE).

Exit codes:
  0  sent and accepted (2xx), or a dry run
  1  problems in the sheet or body: nothing was sent
  2  the command could not run: unreadable input, invalid template or endpoint, no credentials,
     a state directory that cannot be written (nothing was sent)
  3  the submission failed: network, authentication, or an error status from Relatics
  4  refused by a safety check: deletions, no receipt for the endpoint, or an empty body,
     without permission
  5  the body was accepted but its receipt could not be saved (the next submit guards its
     elements from the record made before sending)
  6  a project: relation targets were left out (the IDs of new elements did not come within
     --wait, or their interface was not sent); run the same command again to finish

A project file (relsync.toml) is sent interface by interface: a plan first (every sheet
checked; what each interface creates, changes and deletes) with one consent for every
deletion, then phase 1 (each body with every relation target that has an ID; targets that are
elements this run creates are left out), then phase 2 for those, once Relatics has given the
new elements IDs (read from each interface's ids endpoint, waiting up to --wait). A body equal
to the one last sent is not sent again. On a failure the run stops and says what Relatics has of
each interface; running it again finishes the job.";

/// What every command that reads a sheet takes.
#[derive(Debug, Args)]
pub struct SheetArgs {
    /// The sheet: .xlsx, .xlsm, .xlsb, .xls, .ods, .csv, .tsv or .txt ('-' reads CSV from
    /// standard input); for check, also a project file (.toml)
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// The column template (TOML) that maps sheet columns to properties and relations (required
    /// for a sheet; a project file names its own)
    #[arg(short, long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    #[command(flatten)]
    pub options: SheetOptions,

    /// Also write a copy of the sheet to OUT.xlsx with every problem marked on its cell (red:
    /// error, amber: warning, with a note) and a first sheet listing every problem with a link;
    /// for a project, a folder that gets one copy per interface (INTERFACE.xlsx)
    #[arg(long, value_name = "OUT.xlsx")]
    pub annotate: Option<PathBuf>,
}

/// How a sheet is read and checked (`convert`, `check`, and `submit` of a sheet).
#[derive(Debug, Args)]
pub struct SheetOptions {
    /// The sheet to read [default: the template's source.sheet, else the first sheet]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,

    /// Also write the JSON report, with every problem, to FILE
    #[arg(long, value_name = "FILE")]
    pub report_file: Option<PathBuf>,

    /// Also write the HTML report (one self-contained page: summary, counts, and the problems
    /// to filter and sort) to FILE
    #[arg(long, value_name = "FILE")]
    pub html_report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub sheet: SheetArgs,

    /// Where to write the body ('-' for standard output)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Body format [default: from the --output extension (.json, .xml, .xlsx), else json]; one
    /// that contradicts the extension is refused. xlsx is Relatics' Excel sync format, for
    /// uploading by hand in Relatics
    #[arg(short, long, value_enum)]
    pub format: Option<FormatArg>,

    /// Write the body on one line instead of indented
    #[arg(long)]
    pub compact: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub sheet: SheetArgs,

    /// Report format on standard output
    #[arg(long, value_enum, default_value_t = ReportFormat::Text, value_name = "FORMAT")]
    pub report: ReportFormat,

    /// For a project: where the IDs last read from Relatics are kept [default: as for submit]
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// A sheet (.xlsx, .xlsm, .xlsb, .xls, .ods, .csv, .tsv, .txt) to convert and check, a
    /// body made earlier (.json, .xml) to send as it is, or a project file (.toml) whose
    /// interfaces are sent in order
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// The column template (required for a sheet; optional for a body, where it can supply the
    /// endpoint and token URL)
    #[arg(short, long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    /// The synchronizing interface URL [default: RELATICS_ENDPOINT, else target.endpoint]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// Body format for a sheet [default: json]
    #[arg(short, long, value_enum)]
    pub format: Option<FormatArg>,

    /// Do everything except fetching a token and sending: show what would be sent, where the
    /// token would come from, and what Relatics would create, keep and delete (no endpoint or
    /// credentials needed)
    #[arg(long)]
    pub dry_run: bool,

    /// Send even if Relatics would delete elements that the last submit sent, or when there is
    /// no receipt for this endpoint (a first submit: the body is the complete set)
    #[arg(long)]
    pub allow_deletions: bool,

    /// Send even a body without elements (Relatics would delete every element of the type)
    #[arg(long)]
    pub allow_empty: bool,

    /// Where receipts of earlier submits are kept [default: $XDG_STATE_HOME/relsync, else
    /// %LOCALAPPDATA%\relsync on Windows, ~/Library/Application Support/relsync on macOS,
    /// ~/.local/state/relsync on Linux]
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Time limit for the whole request, in seconds (1 to 3600)
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Retries after a connection failure, timeout, 429, 502, 503 or 504, at most 10 (waiting
    /// 1 s, 2 s, 4 s, ..., at most 60 s each)
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,

    /// Response format to ask Relatics for
    #[arg(long, value_enum, default_value_t = AcceptArg::Json, value_name = "FORMAT")]
    pub accept: AcceptArg,

    /// Read the access token from FILE instead of RELATICS_TOKEN
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// OAuth2 token endpoint for client credentials [default: RELATICS_TOKEN_URL, else
    /// target.token_url]
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,

    /// Show the HTTP requests and responses (the token is shown as ***)
    #[arg(short, long)]
    pub verbose: bool,

    /// For a project: send only this interface (repeatable); the others are read for their
    /// names and not sent
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,

    /// For a project: how long to wait, in seconds, for Relatics to give new elements their
    /// IDs before the second phase (0 to 86400)
    #[arg(long, value_name = "SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub wait: u64,

    /// For a project: send an interface's body even when it is byte for byte the one last sent
    #[arg(long)]
    pub resend: bool,

    /// For a project: send only if the plan is this one (the fingerprint a dry run prints as
    /// `plan: sha256 ...`); a sheet saved again or Relatics changed meanwhile stops the run
    /// with exit 4, nothing sent
    #[arg(long, value_name = "SHA256")]
    pub expect_plan: Option<String>,

    #[command(flatten)]
    pub options: SheetOptions,
}

/// A body format on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Json,
    Xml,
    /// Relatics' Excel sync format, for uploading by hand (convert only)
    Xlsx,
}

/// A response format to ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AcceptArg {
    Json,
    Xml,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One line per problem, for people
    Text,
    /// Every problem, for programs
    Json,
    /// One self-contained page, to open in a browser or publish from a pipeline
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_are_in_the_help() {
        let help = Cli::command().render_long_help().to_string();
        for line in super::EXIT_CODES.lines().skip(1) {
            assert!(help.contains(line.trim()), "missing {line:?}");
        }
    }
}
