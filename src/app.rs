//! From parsed arguments to an exit code: settings shared by the commands, the dispatch, and
//! the one place errors are printed.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use clap::Parser;

use crate::cli::{Cli, ColorWhen, Command};
use crate::input::{DelimitedOptions, InputFormat, InputSpec, XlsxReader};
use crate::report::Style;
use crate::template::{self, Template};

/// Exit statuses; documented in `--help` and the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Done, nothing to report.
    Success = 0,
    /// Problems found: errors, or warnings with `--strict`.
    Problems = 1,
    /// The command could not run.
    Failure = 2,
    /// The submission failed.
    SubmitFailed = 3,
    /// A safety check refused the submission.
    Refused = 4,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// An error that ends the command with a specific exit status (default for others: 2).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ExitError {
    pub exit: Exit,
    pub message: String,
}

impl ExitError {
    pub fn new(exit: Exit, message: impl Into<String>) -> ExitError {
        ExitError {
            exit,
            message: message.into(),
        }
    }
}

/// Settings every command shares.
pub struct Global {
    pub color: ColorWhen,
    pub quiet: bool,
}

impl Global {
    /// Colour for a report on stdout or stderr.
    pub fn style(&self, stdout: bool) -> Style {
        let terminal = if stdout {
            std::io::stdout().is_terminal()
        } else {
            std::io::stderr().is_terminal()
        };
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match self.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => terminal && !no_color,
        };
        Style { color }
    }
}

/// Parses the command line, runs the command, and turns the result into an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Failure.into()
            } else {
                Exit::Success.into()
            };
        }
    };
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(e) => {
            if is_broken_pipe(&e) {
                return Exit::Success.into();
            }
            eprintln!("relsync: {e:#}");
            e.chain()
                .find_map(|c| c.downcast_ref::<ExitError>())
                .map(|x| x.exit)
                .unwrap_or(Exit::Failure)
                .into()
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli) -> anyhow::Result<Exit> {
    let global = Global {
        color: cli.color,
        quiet: cli.quiet,
    };
    match cli.command {
        Command::Convert(args) => crate::cmd::convert::run(&args, &global),
        Command::Check(args) => crate::cmd::check::run(&args, &global),
        Command::Submit(args) => crate::cmd::submit::run(&args, &global),
    }
}

/// Loads the template named on the command line.
pub fn load_template(path: &Path) -> anyhow::Result<Template> {
    Ok(template::load(path)?)
}

/// What to read, from the input path, the `--sheet` flag and the template.
pub fn input_spec(input: &Path, sheet: Option<&str>, template: &Template) -> anyhow::Result<InputSpec> {
    let Some(format) = InputFormat::of(input) else {
        bail!(
            "cannot read {}: relsync reads {} files (the format comes from the extension)",
            input.display(),
            InputFormat::EXTENSIONS
        );
    };
    if format.is_delimited() && sheet.is_some() {
        bail!(
            "--sheet applies to workbooks; {} is delimited text with a single sheet",
            input.display()
        );
    }
    let sheet = if format.is_delimited() {
        None
    } else {
        sheet.map(str::to_owned).or_else(|| template.source.sheet.clone())
    };
    Ok(InputSpec {
        path: input.to_owned(),
        format,
        sheet,
        delimited: DelimitedOptions {
            delimiter: template.source.delimiter,
            encoding: template.source.encoding,
        },
        xlsx_reader: XlsxReader::from_env(),
    })
}
