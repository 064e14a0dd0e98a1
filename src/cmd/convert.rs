//! `relsync convert`: sheet + template -> checked body (JSON or XML), written atomically.

use super::settings::OutputFormat;
use super::settings::{ConvertSettings, Global};
use super::sheet::{SheetRun, blocked_message, convert_sheet, name_body_file, print_summary};
use crate::body::{BodyWriter, XlsxBody};
use crate::exit::Exit;
use crate::output::{Destination, Staged, StagedPath, human_size};

pub fn run(settings: &ConvertSettings, global: &Global) -> anyhow::Result<Exit> {
    let started = std::time::Instant::now();
    let run = SheetRun {
        sheet: &settings.sheet,
        collect_ids: false,
        allow_empty: false,
        started,
        with_file: false,
    };
    let template = &settings.sheet.template;
    let writing = format!("writing {}", settings.output.describe());
    let convert_sheet =
        |run, writer, global| convert_sheet(run, writer, global).map_err(|e| name_body_file(e, &writing));
    // The body is staged beside its destination and moved into place only when complete.
    let (result, commit): (_, Box<dyn FnOnce() -> anyhow::Result<u64>>) = match settings.format {
        OutputFormat::Body(format) => {
            let mut staged = Staged::new(settings.output.clone())?;
            let mut writer = BodyWriter::new(staged.writer(), template, format, !settings.compact);
            let result = convert_sheet(&run, &mut writer, global)?;
            drop(writer);
            (result, Box::new(move || staged.commit()))
        }
        OutputFormat::Xlsx => {
            let Destination::File(path) = &settings.output else {
                anyhow::bail!("the Excel format is a file: give -o FILE.xlsx");
            };
            let staged = StagedPath::new(path)?;
            let mut writer = XlsxBody::new(template, staged.path().to_owned());
            let result = convert_sheet(&run, &mut writer, global)?;
            drop(writer);
            (result, Box::new(move || staged.commit()))
        }
    };
    if !result.outcome.body_complete {
        print_summary(&run, &result.outcome, global, "");
        crate::errln!("no body written: {}", blocked_message(&result.outcome));
        return Ok(Exit::Problems);
    }
    let size = commit()?;
    let tail = format!(
        "; wrote {} ({}, {})",
        settings.output.describe(),
        settings.format.name(),
        human_size(size)
    );
    print_summary(&run, &result.outcome, global, &tail);
    Ok(Exit::Success)
}
