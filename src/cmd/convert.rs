//! `relsync convert`: sheet + template -> checked body (JSON or XML), written atomically.

use super::settings::{ConvertSettings, Global};
use super::sheet::{SheetRun, blocked_message, convert_sheet, print_summary};
use crate::exit::Exit;
use crate::output::{Staged, human_size};

pub fn run(settings: &ConvertSettings, global: &Global) -> anyhow::Result<Exit> {
    let started = std::time::Instant::now();
    let mut staged = Staged::new(settings.output.clone())?;
    let run = SheetRun {
        sheet: &settings.sheet,
        collect_ids: false,
        allow_empty: false,
        started,
    };
    let result = convert_sheet(&run, staged.writer(), settings.format, settings.compact, global)?;
    if !result.outcome.body_complete {
        print_summary(&run, &result.outcome, global, "");
        eprintln!("no body written: {}", blocked_message(&result.outcome));
        return Ok(Exit::Problems);
    }
    let size = staged.commit()?;
    let tail = format!(
        "; wrote {} ({}, {})",
        settings.output.describe(),
        settings.format.name(),
        human_size(size)
    );
    print_summary(&run, &result.outcome, global, &tail);
    Ok(Exit::Success)
}
