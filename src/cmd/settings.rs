//! From parsed arguments and the environment to checked settings: the one place where every
//! command's settings are made, so each command only ever sees values it can trust.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;

use crate::body::BodyFormat;
use crate::cli::{
    AcceptArg, CheckArgs, ColorWhen, ConvertArgs, DiffArgs, DiffReport, FetchArgs, FormatArg, InitArgs, ReportFormat,
    SheetArgs, SubmitArgs,
};
use crate::input::{DelimitedOptions, InputFormat, InputSpec, Limits, XlsxReader};
use crate::output::Destination;
use crate::project::Project;
use crate::report::Style;
use crate::submit::{self, Credentials};
use crate::template::{self, FieldKind, Template};

impl From<AcceptArg> for BodyFormat {
    fn from(f: AcceptArg) -> BodyFormat {
        match f {
            AcceptArg::Json => BodyFormat::Json,
            AcceptArg::Xml => BodyFormat::Xml,
        }
    }
}

/// What `convert` writes: a body for the API, or Relatics' Excel sync format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Body(BodyFormat),
    Xlsx,
}

impl OutputFormat {
    fn of_arg(f: FormatArg) -> OutputFormat {
        match f {
            FormatArg::Json => OutputFormat::Body(BodyFormat::Json),
            FormatArg::Xml => OutputFormat::Body(BodyFormat::Xml),
            FormatArg::Xlsx => OutputFormat::Xlsx,
        }
    }

    fn of_path(path: &Path) -> Option<OutputFormat> {
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
            return Some(OutputFormat::Xlsx);
        }
        BodyFormat::of_path(path).map(OutputFormat::Body)
    }

    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Body(b) => b.name(),
            OutputFormat::Xlsx => "Excel",
        }
    }

    /// As `--format` takes it.
    fn flag(self) -> &'static str {
        match self {
            OutputFormat::Body(BodyFormat::Json) => "json",
            OutputFormat::Body(BodyFormat::Xml) => "xml",
            OutputFormat::Xlsx => "xlsx",
        }
    }
}

/// "a JSON", "an XML", "an Excel": the name with its article.
fn a(name: &str) -> String {
    match name {
        "XML" | "Excel" => format!("an {name}"),
        _ => format!("a {name}"),
    }
}

/// A body format for `submit`, which sends JSON or XML only.
fn api_format(f: FormatArg) -> anyhow::Result<BodyFormat> {
    match f {
        FormatArg::Json => Ok(BodyFormat::Json),
        FormatArg::Xml => Ok(BodyFormat::Xml),
        FormatArg::Xlsx => bail!(
            "submit sends JSON or XML; the Excel format (--format xlsx) is for uploading by hand in Relatics: make \
             it with relsync convert -o FILE.xlsx"
        ),
    }
}

/// Settings every command shares.
pub struct Global {
    pub color: ColorWhen,
    pub quiet: bool,
}

impl Global {
    /// Sets the colour choice for every stream `anstream` writes (call once, at start).
    pub fn apply_color(&self) {
        let choice = match self.color {
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
            ColorWhen::Auto => anstream::ColorChoice::Auto,
        };
        choice.write_global();
    }

    /// Colour for a report on stdout or stderr: `--color`, else on a terminal unless
    /// `NO_COLOR` is set. The report must go out through `anstream::stdout()` / `stderr()`.
    pub fn style(&self, stdout: bool) -> Style {
        let choice = if stdout {
            anstream::AutoStream::choice(&std::io::stdout())
        } else {
            anstream::AutoStream::choice(&std::io::stderr())
        };
        Style {
            color: choice != anstream::ColorChoice::Never,
        }
    }
}

/// A sheet to read and check against a template (`convert`, `check`, `submit` of a sheet).
pub struct SheetSettings {
    pub spec: InputSpec,
    pub template: Template,
    /// The template file as given, for reports.
    pub template_path: PathBuf,
    /// Warnings block the body too.
    pub strict: bool,
    /// Where the JSON report goes as well, if anywhere.
    pub report_file: Option<PathBuf>,
    /// Where the HTML report goes as well, if anywhere.
    pub html_report: Option<PathBuf>,
    /// Where the annotated copy of the sheet goes, if anywhere (`check`, `convert`).
    pub annotate: Option<PathBuf>,
}

impl SheetSettings {
    /// The files this run reads: the sheet, the template and its lookup files.
    pub fn inputs(&self) -> Vec<&Path> {
        let mut inputs = vec![self.spec.path.as_path(), self.template_path.as_path()];
        for field in &self.template.fields {
            if let FieldKind::Relation(r) = &field.kind
                && let Some(lookup) = &r.lookup
            {
                inputs.push(lookup.path.as_path());
            }
        }
        inputs
    }

    /// Whether every problem must be kept (spooled) for a report.
    pub fn full_reports(&self) -> bool {
        self.report_file.is_some() || self.html_report.is_some() || self.annotate.is_some()
    }

    /// The files this run writes besides the body (`body`, if it goes to a file), refused when
    /// one would overwrite an input or two would be the same file.
    fn check_outputs(&self, body: Option<&Path>) -> anyhow::Result<()> {
        check_report_outputs(
            &[
                (&self.report_file, "JSON report"),
                (&self.html_report, "HTML report"),
                (&self.annotate, "annotated workbook"),
            ],
            &self.inputs(),
            body,
        )?;
        if let Some(path) = &self.annotate {
            if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
                bail!(
                    "--annotate writes an Excel workbook: give a file name ending in .xlsx, not {}",
                    path.display()
                );
            }
            if self.spec.path == Path::new("-") {
                bail!("--annotate reads the sheet twice, so it needs a file, not standard input");
            }
        }
        Ok(())
    }
}

/// `relsync convert`.
pub struct ConvertSettings {
    pub sheet: SheetSettings,
    pub output: Destination,
    pub format: OutputFormat,
    /// One line instead of indented.
    pub compact: bool,
}

/// `relsync check`.
pub struct CheckSettings {
    pub sheet: SheetSettings,
    pub report: ReportFormat,
}

/// What `submit` sends: a sheet to convert first, or a body made earlier.
pub enum SubmitInput {
    Sheet {
        sheet: Box<SheetSettings>,
        format: BodyFormat,
    },
    Body {
        path: PathBuf,
        format: BodyFormat,
        /// Where the JSON report goes as well, if anywhere.
        report_file: Option<PathBuf>,
        /// Where the HTML report goes as well, if anywhere.
        html_report: Option<PathBuf>,
        /// Names of relation targets, from the template's lookups when one was given.
        names: crate::lookup::TargetNames,
    },
}

/// `relsync submit`.
pub struct SubmitSettings {
    pub input: SubmitInput,
    pub send: submit::Settings,
}

/// One side of `relsync diff`.
pub enum DiffSide {
    Body { path: PathBuf, format: BodyFormat },
    Sheet(Box<SheetSettings>),
}

/// `relsync diff`.
pub struct DiffSettings {
    pub old: DiffSide,
    pub new: DiffSide,
    /// Elements shown per kind; 0 for all.
    pub limit: usize,
    pub report: DiffReport,
    /// Names of relation targets from the template's lookups (bodies compared with
    /// `--template` show them too).
    pub names: crate::lookup::TargetNames,
    /// Project interfaces the template's relations point at: their targets are shown by ID.
    pub interfaces: Vec<String>,
}

pub fn diff(args: &DiffArgs) -> anyhow::Result<DiffSettings> {
    let (template, interfaces) = match args.template.as_deref() {
        Some(path) => {
            let (template, interfaces) = crate::template::load_outside_project(path)?;
            (Some(template), interfaces)
        }
        None => (None, Vec::new()),
    };
    let side = |path: &Path| -> anyhow::Result<DiffSide> {
        if let Some(format) = BodyFormat::of_path(path) {
            return Ok(DiffSide::Body {
                path: path.to_owned(),
                format,
            });
        }
        let (Some(template), Some(template_path)) = (&template, &args.template) else {
            bail!(
                "{} is a sheet, so diff needs its column template to convert it: add --template FILE",
                path.display()
            );
        };
        if !interfaces.is_empty() {
            bail!(
                "{} relates to elements of project interfaces (lookup = \"interface:{}\"), whose names become IDs \
                 only within the project: a sheet of it is compared by relsync submit relsync.toml --dry-run (the \
                 plan, with names beside IDs), or compare two bodies with diff",
                template_path.display(),
                interfaces[0]
            );
        }
        let spec = input_spec(path, args.sheet.as_deref(), template)?;
        Ok(DiffSide::Sheet(Box::new(SheetSettings {
            spec,
            template: template.clone(),
            template_path: template_path.clone(),
            strict: false,
            report_file: None,
            html_report: None,
            annotate: None,
        })))
    };
    let (old, new) = (side(&args.old)?, side(&args.new)?);
    if args.old == Path::new("-") && args.new == Path::new("-") {
        bail!("only one side can be standard input");
    }
    Ok(DiffSettings {
        old,
        new,
        limit: args.limit,
        report: args.report,
        names: template
            .as_ref()
            .map(crate::template::Template::target_names)
            .unwrap_or_default(),
        interfaces,
    })
}

/// `relsync template init`.
pub struct InitCommand {
    pub init: crate::authoring::InitSettings,
    pub output: Destination,
    pub force: bool,
}

pub fn template_init(args: &InitArgs) -> anyhow::Result<InitCommand> {
    let format = |path: &Path| input_format(path);
    let spec = |path: &Path, sheet: Option<String>| -> anyhow::Result<InputSpec> {
        Ok(InputSpec {
            path: path.to_owned(),
            format: format(path)?,
            sheet,
            delimited: DelimitedOptions::default(),
            xlsx_reader: XlsxReader::from_env(),
            limits: Limits::default(),
        })
    };
    let input = spec(&args.input, args.sheet.clone())?;
    if input.format.is_delimited() && args.sheet.is_some() {
        bail!(
            "--sheet applies to workbooks; {} is delimited text with a single sheet",
            args.input.display()
        );
    }
    let sync = args.sync_template.as_deref().map(|p| spec(p, None)).transpose()?;
    let output = Destination::from_arg(args.output.as_deref());
    if let Destination::File(out) = &output {
        let mut inputs = vec![args.input.as_path()];
        inputs.extend(args.sync_template.as_deref());
        ensure_not_an_input(out, &inputs, "template")?;
        if out.exists() && !args.force {
            bail!(
                "{} exists; relsync does not replace it unless you give --force",
                out.display()
            );
        }
    }
    let mut command = format!("relsync template init {}", args.input.display());
    if let Some(sync) = &args.sync_template {
        command.push_str(&format!(" --sync-template {}", sync.display()));
    }
    Ok(InitCommand {
        init: crate::authoring::InitSettings {
            input,
            header_row: args.header_row,
            sync,
            interface: args.interface.clone(),
            command,
        },
        output,
        force: args.force,
    })
}

/// Loads the template named on the command line.
pub fn load_template(path: &Path) -> anyhow::Result<Template> {
    Ok(template::load(path)?)
}

/// The kind of input `path` names, by its extension.
fn input_format(path: &Path) -> anyhow::Result<InputFormat> {
    crate::template::input_format(path)
}

/// What to read, from the input path, the `--sheet` flag and the template.
fn input_spec(input: &Path, sheet: Option<&str>, template: &Template) -> anyhow::Result<InputSpec> {
    template.input_spec(input, sheet)
}

/// Whether `path` names a project file (`relsync.toml`, any name ending in `.toml`).
pub fn is_project(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

fn sheet_settings(args: &SheetArgs, command: &str) -> anyhow::Result<SheetSettings> {
    if is_project(&args.input) {
        bail!(
            "{0} is a project file, and {command} takes one sheet: check a project with relsync check {0}, send it \
             with relsync submit {0}",
            args.input.display()
        );
    }
    let Some(template_path) = &args.template else {
        bail!(
            "{} is a sheet, so {command} needs its column template: add --template FILE",
            args.input.display()
        );
    };
    let template = load_template(template_path)?;
    let spec = input_spec(&args.input, args.options.sheet.as_deref(), &template)?;
    let settings = SheetSettings {
        spec,
        template,
        template_path: template_path.clone(),
        strict: args.options.strict,
        report_file: args.options.report_file.clone(),
        html_report: args.options.html_report.clone(),
        annotate: args.annotate.clone(),
    };
    Ok(settings)
}

/// Refuses report files (`outputs`, each with what it is) that would overwrite one of the
/// `inputs`, the body (when it goes to a file), or each other.
fn check_report_outputs(
    outputs: &[(&Option<PathBuf>, &str)],
    inputs: &[&Path],
    body: Option<&Path>,
) -> anyhow::Result<()> {
    let mut taken: Vec<(&Path, &str)> = body.map(|b| (b, "body")).into_iter().collect();
    for (path, what) in outputs {
        let Some(path) = path else { continue };
        ensure_not_an_input(path, inputs, what)?;
        if path.is_dir() {
            bail!("{} is a folder: give a file name for the {what}", path.display());
        }
        if let Some((_, other)) = taken.iter().find(|(p, _)| same_file(p, path)) {
            bail!(
                "the {other} and the {what} would both be written to {}; give each its own file",
                path.display()
            );
        }
        taken.push((path, what));
    }
    Ok(())
}

/// True when both paths name the same file, existing or not: `./a.json`, `a.json` and
/// `dir/../a.json` are one file (on Windows, in any letter case).
fn same_file(a: &Path, b: &Path) -> bool {
    let (a, b) = (resolved(a), resolved(b));
    if cfg!(windows) {
        a.to_string_lossy().to_lowercase() == b.to_string_lossy().to_lowercase()
    } else {
        a == b
    }
}

/// `path` made absolute with links resolved: the whole path if it exists, else its folder
/// (a file about to be written, also at the end of a chain of links), else as given.
fn resolved(path: &Path) -> PathBuf {
    let followed = crate::output::follow_links(path).unwrap_or_else(|_| path.to_owned());
    let path = followed.as_path();
    if let Ok(full) = std::fs::canonicalize(path) {
        return full;
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(folder), path.file_name()) {
        (Ok(folder), Some(name)) => folder.join(name),
        _ => path.to_owned(),
    }
}

/// Refuses to write an output over one of the inputs.
pub fn ensure_not_an_input(output: &Path, inputs: &[&Path], what: &str) -> anyhow::Result<()> {
    if inputs.iter().any(|input| same_file(output, input)) {
        bail!(
            "refusing to write the {what} over {}, which is an input",
            output.display()
        );
    }
    Ok(())
}

pub fn convert(args: &ConvertArgs) -> anyhow::Result<ConvertSettings> {
    let sheet = sheet_settings(&args.sheet, "convert")?;
    let output = Destination::from_arg(args.output.as_deref());
    let from_extension = args.output.as_deref().and_then(OutputFormat::of_path);
    let asked = args.format.map(OutputFormat::of_arg);
    if let (Some(asked), Some(extension), Some(out)) = (asked, from_extension, &args.output)
        && asked != extension
    {
        bail!(
            "--format {} does not match the extension of {}, which names {} body; write to a file with the \
             matching extension, or leave out --format to take the format from the extension",
            asked.flag(),
            out.display(),
            a(extension.name())
        );
    }
    let format = asked.or(from_extension).unwrap_or(OutputFormat::Body(BodyFormat::Json));
    if let Some(out) = &args.output
        && from_extension.is_none()
        && let Some(extension) = out.extension()
    {
        crate::errln!(
            "relsync: warning: writing {} body to {}, whose extension .{} says otherwise; Relatics and other \
             tools go by the extension",
            a(format.name()),
            out.display(),
            extension.to_string_lossy()
        );
    }
    if format == OutputFormat::Xlsx && output == Destination::Stdout {
        bail!("the Excel format is a file: give -o FILE.xlsx");
    }
    if let Destination::File(out) = &output {
        ensure_not_an_input(out, &sheet.inputs(), "body")?;
        if out.is_dir() {
            bail!("{} is a folder: give a file name for the body", out.display());
        }
    }
    let body = match &output {
        Destination::File(out) => Some(out.as_path()),
        Destination::Stdout => None,
    };
    sheet.check_outputs(body)?;
    Ok(ConvertSettings {
        sheet,
        output,
        format,
        compact: args.compact,
    })
}

/// `relsync check`: one sheet, or a project.
pub enum CheckCommand {
    Sheet(Box<CheckSettings>),
    Project(Box<ProjectCheck>),
}

/// `relsync check relsync.toml`.
pub struct ProjectCheck {
    pub project: Project,
    pub report: ReportFormat,
    pub strict: bool,
    pub report_file: Option<PathBuf>,
    pub html_report: Option<PathBuf>,
    /// A folder for one annotated copy per interface.
    pub annotate: Option<PathBuf>,
    /// Where the IDs last read from Relatics are kept; `None` when there is no state directory.
    pub state_dir: Option<PathBuf>,
}

pub fn check(args: &CheckArgs) -> anyhow::Result<CheckCommand> {
    if is_project(&args.sheet.input) {
        return project_check(args).map(|p| CheckCommand::Project(Box::new(p)));
    }
    if args.state_dir.is_some() {
        bail!(
            "--state-dir applies to a project file, whose relations may name elements Relatics has; not to one sheet"
        );
    }
    let sheet = sheet_settings(&args.sheet, "check")?;
    sheet.check_outputs(None)?;
    Ok(CheckCommand::Sheet(Box::new(CheckSettings {
        sheet,
        report: args.report,
    })))
}

/// Where a project's token URL comes from when the command line and the environment do not
/// say: the project file's `token_url`, which applies to every interface; without one, the one
/// the templates agree on (each under the rules for templates).
fn project_token_url(project: &Project) -> anyhow::Result<Option<TokenUrlFrom<'_>>> {
    let from_templates: Vec<(&str, &Path)> = project
        .interfaces
        .iter()
        .filter_map(|i| Some((i.template.target.token_url.as_deref()?, i.template_path.as_path())))
        .collect();
    Ok(match &project.token_url {
        Some((url, line)) => Some(TokenUrlFrom {
            url: url.as_str(),
            said: format!("token_url (line {line}) in the project file {}", project.path.display()),
            shared: "project file",
        }),
        None => match from_templates.first() {
            Some((url, path)) if from_templates.iter().all(|(u, _)| u.trim() == url.trim()) => Some(TokenUrlFrom {
                url,
                said: format!("target.token_url in the template {}", path.display()),
                shared: "template",
            }),
            Some(_) => bail!(
                "the templates of the project name different token URLs ({}); one run uses one token: set \
                 token_url in [workspace] of {}",
                from_templates
                    .iter()
                    .map(|(u, p)| format!("{u} in {}", p.display()))
                    .collect::<Vec<_>>()
                    .join(", "),
                project.path.display()
            ),
            None => None,
        },
    })
}

/// A project file names each interface's template and sheet: `--template` and `--sheet` do
/// not apply.
fn refuse_sheet_options(project: &Path, template: bool, sheet: bool) -> anyhow::Result<()> {
    if template {
        bail!(
            "{} is a project file, which names a template for each interface: leave out --template",
            project.display()
        );
    }
    if sheet {
        bail!(
            "{} is a project file: give an interface's sheet with sheet = \"...\" in it, not --sheet",
            project.display()
        );
    }
    Ok(())
}

fn project_check(args: &CheckArgs) -> anyhow::Result<ProjectCheck> {
    let sheet = &args.sheet;
    refuse_sheet_options(&sheet.input, sheet.template.is_some(), sheet.options.sheet.is_some())?;
    let project = crate::project::load(&sheet.input)?;
    let inputs: Vec<&Path> = project_inputs(&project);
    check_report_outputs(
        &[
            (&sheet.options.report_file, "JSON report"),
            (&sheet.options.html_report, "HTML report"),
        ],
        &inputs,
        None,
    )?;
    if let Some(dir) = &sheet.annotate
        && dir.exists()
        && !dir.is_dir()
    {
        bail!(
            "--annotate for a project is a folder for one annotated copy per interface; {} is a file",
            dir.display()
        );
    }
    // One copy per interface, each its own file, none over a file the run reads.
    if let Some(dir) = &sheet.annotate {
        let copies: Vec<(PathBuf, &str)> = project
            .interfaces
            .iter()
            .map(|i| (crate::project::annotated_copy(dir, &i.name), i.name.as_str()))
            .collect();
        for (n, (path, name)) in copies.iter().enumerate() {
            ensure_not_an_input(path, &inputs, &format!("annotated copy of '{name}'"))?;
            // Names that differ only where a file name cannot (`a/b`, `a_b`), or in letter case.
            let lower = path.to_string_lossy().to_lowercase();
            if let Some((_, other)) = copies[..n]
                .iter()
                .find(|(p, _)| same_file(p, path) || p.to_string_lossy().to_lowercase() == lower)
            {
                bail!(
                    "the annotated copies of '{other}' and '{name}' would both be {}: rename one of the interfaces",
                    path.display()
                );
            }
        }
    }
    let state_dir = match &args.state_dir {
        Some(dir) => Some(dir.clone()),
        None => submit::default_state_dir().ok(),
    };
    Ok(ProjectCheck {
        project,
        report: args.report,
        strict: sheet.options.strict,
        report_file: sheet.options.report_file.clone(),
        html_report: sheet.options.html_report.clone(),
        annotate: sheet.annotate.clone(),
        state_dir,
    })
}

/// The files a project run reads: the project file, the sheets, the templates and their
/// lookup files.
fn project_inputs(project: &Project) -> Vec<&Path> {
    let mut inputs = vec![project.path.as_path()];
    for i in &project.interfaces {
        inputs.push(i.spec.path.as_path());
        inputs.push(i.template_path.as_path());
        for field in &i.template.fields {
            if let FieldKind::Relation(r) = &field.kind
                && let Some(lookup) = &r.lookup
            {
                inputs.push(lookup.path.as_path());
            }
        }
    }
    inputs
}

/// An environment variable, trimmed; `None` when unset or empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `relsync submit`: one sheet or body, or a project.
pub enum SubmitCommand {
    One(Box<SubmitSettings>),
    Project(Box<ProjectSubmit>),
}

/// What a submit of `args` does, to `endpoint` (a project's run gives each interface's).
fn send_settings(
    args: &SubmitArgs,
    endpoint: Option<String>,
    state_dir: PathBuf,
    credentials: Option<Credentials>,
    credentials_problem: Option<String>,
) -> submit::Settings {
    submit::Settings {
        input: args.input.clone(),
        endpoint,
        dry_run: args.dry_run,
        allow_deletions: args.allow_deletions,
        allow_empty: args.allow_empty,
        state_dir,
        timeout: Duration::from_secs(args.timeout.max(1)),
        retries: args.retries,
        accept: args.accept.into(),
        credentials,
        credentials_problem,
        verbose: args.verbose,
        lock: true,
    }
}

/// The fingerprint `--expect-plan` gives: 64 hex digits, as a dry run prints them (its
/// `sha256 ` before them may come along).
fn plan_fingerprint(given: &str) -> anyhow::Result<String> {
    let text = given.trim();
    let text = text.strip_prefix("plan:").unwrap_or(text).trim();
    let text = text.strip_prefix("sha256").unwrap_or(text).trim();
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!(
            "--expect-plan takes the 64 hex digits a dry run prints after 'plan: sha256'; '{}' is not that",
            crate::problem::clip(given, 80)
        );
    }
    Ok(text.to_ascii_lowercase())
}

/// `relsync submit relsync.toml`.
pub struct ProjectSubmit {
    pub project: Project,
    /// Per interface: whether this run sends it (`--only`; all without).
    pub sent: Vec<bool>,
    /// How long to wait for new elements' IDs before the second phase.
    pub wait: Duration,
    pub resend: bool,
    /// The fingerprint of the plan this run may send (`--expect-plan`).
    pub expect_plan: Option<String>,
    pub format: BodyFormat,
    pub strict: bool,
    pub report_file: Option<PathBuf>,
    pub html_report: Option<PathBuf>,
    /// Per interface: its endpoint and ids URLs, checked (`None` where the project gives none).
    pub endpoints: Vec<Option<String>>,
    pub ids: Vec<Option<String>>,
    /// What every interface's submit shares (its `endpoint` and `input` are each interface's).
    pub send: submit::Settings,
}

pub fn submit(args: &SubmitArgs) -> anyhow::Result<SubmitCommand> {
    if is_project(&args.input) {
        return project_submit(args).map(|p| SubmitCommand::Project(Box::new(p)));
    }
    if !args.only.is_empty() || args.resend || args.expect_plan.is_some() {
        bail!(
            "--only, --resend and --expect-plan apply to a project file; {} is not one",
            args.input.display()
        );
    }
    one_submit(args).map(|s| SubmitCommand::One(Box::new(s)))
}

/// Checks a URL of a project (an interface's endpoint or ids): https (http on loopback), and
/// a host a shared file may name.
fn project_url(url: &crate::project::Url) -> anyhow::Result<String> {
    let what = format!("{} in {}", url.key, url.file.display());
    let parsed = submit::trust::check_url(&url.url, &what)?;
    let shared = if url.key == "target.endpoint" {
        "template"
    } else {
        "project file"
    };
    submit::trust::ensure_shared_may_name(&parsed, &what, shared, "Trust")?;
    Ok(parsed.into())
}

fn project_submit(args: &SubmitArgs) -> anyhow::Result<ProjectSubmit> {
    if args.endpoint.is_some() {
        bail!(
            "{} is a project file, which names each interface's endpoint: leave out --endpoint",
            args.input.display()
        );
    }
    refuse_sheet_options(&args.input, args.template.is_some(), args.options.sheet.is_some())?;
    let project = crate::project::load(&args.input)?;
    let names: Vec<&str> = project.interfaces.iter().map(|i| i.name.as_str()).collect();
    let mut sent = vec![args.only.is_empty(); project.interfaces.len()];
    for only in &args.only {
        match project.find(only.trim()) {
            Some(i) => sent[i] = true,
            None => {
                let hint = crate::suggest::closest(only, names.iter().copied())
                    .map(|s| format!("; did you mean '{s}'?"))
                    .unwrap_or_default();
                bail!(
                    "--only '{only}': the project has no such interface (it has {}){hint}",
                    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
                );
            }
        }
    }
    let mut endpoints = Vec::new();
    let mut ids = Vec::new();
    for (i, interface) in project.interfaces.iter().enumerate() {
        let endpoint = match &interface.endpoint {
            Some(url) => Some(project_url(url)?),
            None if sent[i] && !args.dry_run => bail!(
                "interface '{}' (line {} of {}) has no endpoint: set endpoint = \"synchronizing/...\" in the project \
                 file (or target.endpoint in its template)",
                interface.name,
                interface.line,
                project.path.display()
            ),
            None => None,
        };
        endpoints.push(endpoint);
        ids.push(interface.ids.as_ref().map(project_url).transpose()?);
    }
    let given = CredentialArgs {
        token_file: args.token_file.as_deref(),
        token_url: args.token_url.as_deref(),
    };
    let fallback = project_token_url(&project)?;
    let (credentials, credentials_problem) = match credentials_from(&given, fallback) {
        Ok(c) => (c, None),
        Err(e) if args.dry_run && e.downcast_ref::<Incomplete>().is_some() => (None, Some(e.to_string())),
        Err(e) => return Err(e),
    };
    if credentials.is_none() && !args.dry_run {
        bail!("{NO_CREDENTIALS}");
    }
    let state_dir = match &args.state_dir {
        Some(dir) => dir.clone(),
        None => submit::default_state_dir()?,
    };
    let report_file = args.options.report_file.clone();
    let html_report = args.options.html_report.clone();
    check_report_outputs(
        &[(&report_file, "JSON report"), (&html_report, "HTML report")],
        &project_inputs(&project),
        None,
    )?;
    Ok(ProjectSubmit {
        sent,
        wait: Duration::from_secs(args.wait),
        resend: args.resend,
        expect_plan: args.expect_plan.as_deref().map(plan_fingerprint).transpose()?,
        format: args.format.map(api_format).transpose()?.unwrap_or(BodyFormat::Json),
        strict: args.options.strict,
        report_file,
        html_report,
        endpoints,
        ids,
        send: send_settings(args, None, state_dir, credentials, credentials_problem),
        project,
    })
}

fn one_submit(args: &SubmitArgs) -> anyhow::Result<SubmitSettings> {
    let body_format = BodyFormat::of_path(&args.input);
    let template = match &args.template {
        Some(path) => Some(load_template(path)?),
        None if body_format.is_some() => None,
        None => bail!(
            "{} is a sheet, so submit needs its column template: add --template FILE",
            args.input.display()
        ),
    };

    let template_path = args.template.clone().unwrap_or_default();
    let endpoint = match (args.endpoint.clone(), env("RELATICS_ENDPOINT")) {
        (Some(e), _) | (None, Some(e)) => Some(submit::trust::check_url(&e, "endpoint")?),
        (None, None) => match template.as_ref().and_then(|t| t.target.endpoint.as_deref()) {
            Some(e) => {
                let url = submit::trust::check_url(e, "endpoint")?;
                submit::trust::ensure_template_may_name(
                    &url,
                    &template_path,
                    "target.endpoint",
                    "--endpoint",
                    "RELATICS_ENDPOINT",
                )?;
                Some(url)
            }
            None => None,
        },
    };
    if endpoint.is_none() && !args.dry_run {
        bail!("no endpoint: give --endpoint URL, set RELATICS_ENDPOINT, or set target.endpoint in the template");
    }
    let given = CredentialArgs {
        token_file: args.token_file.as_deref(),
        token_url: args.token_url.as_deref(),
    };
    // A dry run shows the plan with credentials that are incomplete, and says so.
    let (credentials, credentials_problem) = match credentials(&given, template.as_ref(), &template_path) {
        Ok(c) => (c, None),
        Err(e) if args.dry_run && e.downcast_ref::<Incomplete>().is_some() => (None, Some(e.to_string())),
        Err(e) => return Err(e),
    };
    if credentials.is_none() && !args.dry_run {
        bail!("{NO_CREDENTIALS}");
    }
    let state_dir = match &args.state_dir {
        Some(dir) => dir.clone(),
        None => submit::default_state_dir()?,
    };
    let send = send_settings(
        args,
        endpoint.map(String::from),
        state_dir,
        credentials,
        credentials_problem,
    );
    let input = match (body_format, template) {
        (Some(format), template) => {
            if let Some(asked) = args.format.map(api_format).transpose()?
                && asked != format
            {
                bail!(
                    "{} is {} body; --format {} does not apply to a body made earlier",
                    args.input.display(),
                    a(format.name()),
                    asked.name().to_ascii_lowercase()
                );
            }
            let (report_file, html_report) = (args.options.report_file.clone(), args.options.html_report.clone());
            check_report_outputs(
                &[(&report_file, "JSON report"), (&html_report, "HTML report")],
                &[&args.input],
                None,
            )?;
            SubmitInput::Body {
                path: args.input.clone(),
                format,
                report_file,
                html_report,
                names: template
                    .as_ref()
                    .map(crate::template::Template::target_names)
                    .unwrap_or_default(),
            }
        }
        (None, Some(template)) => {
            let spec = input_spec(&args.input, args.options.sheet.as_deref(), &template)?;
            let sheet = SheetSettings {
                spec,
                template,
                template_path,
                strict: args.options.strict,
                report_file: args.options.report_file.clone(),
                html_report: args.options.html_report.clone(),
                annotate: None,
            };
            sheet.check_outputs(None)?;
            SubmitInput::Sheet {
                sheet: Box::new(sheet),
                format: args.format.map(api_format).transpose()?.unwrap_or(BodyFormat::Json),
            }
        }
        // A sheet without a template was refused above.
        (None, None) => bail!("{} needs a template", args.input.display()),
    };
    Ok(SubmitSettings { input, send })
}

/// Where credentials may come from on the command line.
struct CredentialArgs<'a> {
    token_file: Option<&'a Path>,
    token_url: Option<&'a str>,
}

/// A token URL a shared file gives, and how to name it.
struct TokenUrlFrom<'a> {
    url: &'a str,
    /// `target.token_url in the template t.toml`.
    said: String,
    /// What the file is: "template", "project file".
    shared: &'static str,
}

/// Credentials from `--token-file`, `RELATICS_TOKEN`, or client id and secret; `None` if none.
fn credentials(
    args: &CredentialArgs<'_>,
    template: Option<&Template>,
    template_path: &Path,
) -> anyhow::Result<Option<Credentials>> {
    let fallback = template
        .and_then(|t| t.target.token_url.as_deref())
        .map(|url| TokenUrlFrom {
            url,
            said: format!("target.token_url in the template {}", template_path.display()),
            shared: "template",
        });
    credentials_from(args, fallback)
}

/// Credentials from `--token-file`, `RELATICS_TOKEN`, or client id and secret, the token URL
/// from the command line, the environment, or (trusted only for Relatics and loopback hosts,
/// or hosts listed in `RELSYNC_TRUSTED_HOSTS`) a shared file; `None` if none.
fn credentials_from(
    args: &CredentialArgs<'_>,
    fallback: Option<TokenUrlFrom<'_>>,
) -> anyhow::Result<Option<Credentials>> {
    if let Some(path) = args.token_file {
        return Ok(Some(Credentials::Token {
            token: submit::read_token_file(path)?,
            from: format!("the token file {}", path.display()),
        }));
    }
    if let Some(token) = env("RELATICS_TOKEN") {
        if let Some(why) = submit::token_problem(&token) {
            bail!("RELATICS_TOKEN {why}; it should hold only the access token");
        }
        return Ok(Some(Credentials::Token {
            token,
            from: "RELATICS_TOKEN".into(),
        }));
    }
    let (id, secret) = (env("RELATICS_CLIENT_ID"), env("RELATICS_CLIENT_SECRET"));
    match (id, secret) {
        (Some(id), Some(secret)) => {
            let token_url = match (args.token_url.map(str::to_owned), env("RELATICS_TOKEN_URL")) {
                (Some(u), _) | (None, Some(u)) => submit::trust::check_url(&u, "token URL")?,
                (None, None) => {
                    let Some(from) = fallback else {
                        return Err(Incomplete(
                            "RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET are set but there is no token URL: give \
                             --token-url, set RELATICS_TOKEN_URL, or set target.token_url in the template (token_url \
                             in [workspace] of a project file; Relatics shows it with the API key)",
                        )
                        .into());
                    };
                    let url = submit::trust::check_url(from.url, "token URL")?;
                    submit::trust::ensure_shared_may_name(
                        &url,
                        &from.said,
                        from.shared,
                        "Give the URL with --token-url or RELATICS_TOKEN_URL, or trust",
                    )?;
                    url
                }
            };
            Ok(Some(Credentials::Client {
                id,
                secret,
                token_url: token_url.into(),
            }))
        }
        (Some(_), None) => Err(Incomplete("RELATICS_CLIENT_ID is set but RELATICS_CLIENT_SECRET is not").into()),
        (None, Some(_)) => Err(Incomplete("RELATICS_CLIENT_SECRET is set but RELATICS_CLIENT_ID is not").into()),
        (None, None) => Ok(None),
    }
}

/// Credentials given in part: a real submit stops, a dry run shows it in the plan.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Incomplete(&'static str);

/// The sentence for a command that needs credentials and has none.
const NO_CREDENTIALS: &str = "no credentials: set RELATICS_TOKEN (or use --token-file FILE) to a ready access token, or \
     set RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET with a token URL (--token-url, RELATICS_TOKEN_URL or \
     target.token_url in the template; token_url in [workspace] of a project file)";

/// `relsync fetch-lookup`.
pub struct FetchSettings {
    pub endpoint: String,
    pub credentials: Credentials,
    pub output: PathBuf,
    pub accept: BodyFormat,
    pub timeout: Duration,
    pub retries: u32,
    pub verbose: bool,
}

pub fn fetch_lookup(args: &FetchArgs) -> anyhow::Result<FetchSettings> {
    let endpoint = submit::trust::check_url(&args.endpoint, "endpoint")?;
    let from_extension = BodyFormat::of_path(&args.output);
    let accept = match (args.accept.map(BodyFormat::from), from_extension) {
        (Some(asked), Some(extension)) if asked != extension => bail!(
            "--accept {} does not match the extension of {}, which names {} file, and a lookup is read by \
             its extension; save it as .{}, or leave out --accept to ask for what the extension names",
            asked.name().to_ascii_lowercase(),
            args.output.display(),
            a(extension.name()),
            asked.name().to_ascii_lowercase()
        ),
        (Some(asked), _) => asked,
        (None, extension) => extension.unwrap_or(BodyFormat::Json),
    };
    let given = CredentialArgs {
        token_file: args.token_file.as_deref(),
        token_url: args.token_url.as_deref(),
    };
    let Some(credentials) = credentials(&given, None, Path::new(""))? else {
        bail!(
            "no credentials: set RELATICS_TOKEN (or use --token-file FILE) to a ready access token, or set \
             RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET with a token URL (--token-url or RELATICS_TOKEN_URL)"
        );
    };
    Ok(FetchSettings {
        endpoint: endpoint.into(),
        credentials,
        output: args.output.clone(),
        accept,
        timeout: Duration::from_secs(args.timeout.max(1)),
        retries: args.retries,
        verbose: args.verbose,
    })
}

/// `relsync serve`.
pub struct ServeSettings {
    pub mode: ServeMode,
    /// 0: a free port.
    pub port: u16,
    pub open: bool,
    pub max_upload: u64,
    /// What every submit from the page shares; its input, endpoint and consent are each
    /// upload's.
    pub send: submit::Settings,
    /// The options a project's runs of relsync are given (state directory, network).
    pub passthrough: Vec<String>,
}

/// What the page offers.
pub enum ServeMode {
    /// One interface: its template, and the endpoint its submits go to (none: preview only).
    Template {
        template: Box<Template>,
        path: PathBuf,
        endpoint: Option<String>,
    },
    /// Every interface of a project, checked and sent as `check` and `submit` of the project
    /// file do.
    Project { path: PathBuf, project: Box<Project> },
}

pub fn serve(args: &crate::cli::ServeArgs) -> anyhow::Result<ServeSettings> {
    let max_upload = template::parse_size(&args.max_upload).ok_or_else(|| {
        anyhow::anyhow!(
            "--max-upload '{}' is not a size; write it as \"1 GiB\" or \"200 MB\"",
            args.max_upload
        )
    })?;
    let state_dir = match &args.state_dir {
        Some(dir) => dir.clone(),
        None => submit::default_state_dir()?,
    };
    let given = CredentialArgs {
        token_file: args.token_file.as_deref(),
        token_url: args.token_url.as_deref(),
    };
    let (mode, credentials) = match (&args.project, &args.template) {
        (Some(_), Some(_)) => bail!("give a project file or --template, not both"),
        (None, None) => bail!(
            "give the template of the interface (relsync serve -t TEMPLATE) or a project file (relsync serve \
             relsync.toml)"
        ),
        (Some(path), None) => {
            if args.endpoint.is_some() {
                bail!("--endpoint applies to one template; a project file names each interface's endpoint");
            }
            let project = crate::project::load(path)?;
            // The project's addresses as a submit checks them (no credentials in a URL, a
            // trusted host): the page shows them, and never an address a submit would refuse.
            for interface in &project.interfaces {
                for url in [&interface.endpoint, &interface.ids].into_iter().flatten() {
                    project_url(url)?;
                }
            }
            // The runs check the credentials themselves; the page says what they will find.
            let credentials = project_token_url(&project)
                .and_then(|fallback| credentials_from(&given, fallback))
                .map_err(|e| e.to_string());
            (
                ServeMode::Project {
                    path: path.clone(),
                    project: Box::new(project),
                },
                credentials,
            )
        }
        (None, Some(path)) => {
            let template = load_template(path)?;
            let endpoint = match (args.endpoint.clone(), env("RELATICS_ENDPOINT")) {
                (Some(e), _) | (None, Some(e)) => Some(submit::trust::check_url(&e, "endpoint")?),
                (None, None) => match template.target.endpoint.as_deref() {
                    Some(e) => {
                        let url = submit::trust::check_url(e, "endpoint")?;
                        submit::trust::ensure_template_may_name(
                            &url,
                            path,
                            "target.endpoint",
                            "--endpoint",
                            "RELATICS_ENDPOINT",
                        )?;
                        Some(url)
                    }
                    None => None,
                },
            };
            // Missing or unusable credentials: the page checks and previews, and says why it
            // cannot send.
            let credentials = credentials(&given, Some(&template), path).map_err(|e| e.to_string());
            (
                ServeMode::Template {
                    template: Box::new(template),
                    path: path.clone(),
                    endpoint: endpoint.map(String::from),
                },
                credentials,
            )
        }
    };
    let mut passthrough = vec![
        "--state-dir".to_owned(),
        state_dir.display().to_string(),
        "--timeout".to_owned(),
        args.timeout.to_string(),
        "--retries".to_owned(),
        args.retries.to_string(),
    ];
    if let Some(file) = &args.token_file {
        passthrough.extend(["--token-file".to_owned(), file.display().to_string()]);
    }
    if let Some(url) = &args.token_url {
        passthrough.extend(["--token-url".to_owned(), url.clone()]);
    }
    let send = submit::Settings {
        input: PathBuf::new(),
        endpoint: None,
        dry_run: false,
        allow_deletions: false,
        allow_empty: false,
        state_dir,
        timeout: Duration::from_secs(args.timeout.max(1)),
        retries: args.retries,
        accept: crate::body::BodyFormat::Json,
        credentials_problem: match &credentials {
            Ok(Some(_)) => None,
            Ok(None) => Some(NO_CREDENTIALS.to_owned()),
            Err(why) => Some(why.clone()),
        },
        credentials: credentials.ok().flatten(),
        verbose: false,
        lock: true,
    };
    Ok(ServeSettings {
        mode,
        port: args.port.unwrap_or(0),
        open: args.open,
        max_upload,
        send,
        passthrough,
    })
}
