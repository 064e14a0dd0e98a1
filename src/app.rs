//! From the command line to an exit code: parse, dispatch to the command with its checked
//! settings, and print any error once.

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, TemplateCommand};
use crate::cmd::{self, settings};
use crate::exit::{self, Exit};

/// Parses the command line, runs the command, and turns the result into an exit code.
pub fn main() -> ExitCode {
    crate::output::clean_up_on_interrupt();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help or a version that cannot be written (a full disk) is a failure too.
            let printed = e.print();
            return if e.use_stderr() || printed.is_err() {
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
            // Errors quote files (a header, a name, a server's answer): nothing in them may
            // steer the terminal.
            crate::errln!("relsync: {}", crate::value::for_terminal_lines(&exit::sentence(&e)));
            exit::status_of(&e).into()
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli) -> anyhow::Result<Exit> {
    let global = settings::Global {
        color: cli.color,
        quiet: cli.quiet,
    };
    global.apply_color();
    match cli.command {
        Command::Convert(args) => cmd::convert::run(&settings::convert(&args)?, &global),
        Command::Check(args) => match settings::check(&args)? {
            settings::CheckCommand::Sheet(s) => cmd::check::run(&s, &global),
            settings::CheckCommand::Project(p) => cmd::project::check(&p, &global),
        },
        Command::Submit(args) => match settings::submit(&args)? {
            settings::SubmitCommand::One(s) => cmd::submit::run(&s, &global),
            settings::SubmitCommand::Project(p) => cmd::project_submit::run(&p, &global),
        },
        Command::Template(TemplateCommand::Init(args)) => cmd::template::init(&settings::template_init(&args)?),
        Command::FetchLookup(args) => cmd::fetch::run(&settings::fetch_lookup(&args)?),
        Command::Diff(args) => cmd::diff::run(&settings::diff(&args)?, &global),
        Command::Serve(args) => crate::serve::run(settings::serve(&args)?),
        Command::Completions(args) => cmd::docs::completions(args.shell),
        Command::Man => cmd::docs::man(),
    }
}
