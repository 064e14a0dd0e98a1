//! The commands. Each takes its parsed arguments and the global settings and returns the exit
//! status; failures are returned as errors and printed once by `crate::app`.

pub mod check;
pub mod convert;

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use crate::output::{Destination, Staged};
use crate::pipeline::Outcome;
use crate::report::{self, Context};

/// Writes the JSON report to `path`, atomically.
pub fn write_report_file(path: &Path, input: &Path, template: &Path, outcome: &mut Outcome) -> anyhow::Result<()> {
    let mut staged = Staged::new(Destination::File(path.to_owned()))?;
    let sheet = outcome.info.sheet.clone();
    let ctx = Context {
        input,
        sheet: sheet.as_deref(),
        template,
        stats: outcome.stats,
    };
    report::write_json(staged.writer(), &ctx, &mut outcome.problems)
        .with_context(|| format!("writing the report {}", path.display()))?;
    staged.writer().flush()?;
    staged
        .commit()
        .with_context(|| format!("writing the report {}", path.display()))?;
    Ok(())
}
