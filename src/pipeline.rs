//! The pipeline: read -> map -> check -> encode, one row at a time.
//!
//! `crate::input` reads (on a helper thread where that pays: the calamine cell stream, CSV
//! parsing) and hands each row to [`Stages`] on this thread, which maps and checks it and, while
//! no problem blocks the body, encodes the element straight into the body writer. Nothing is
//! kept per row except the set of external ids seen.

use std::io::Write;

use anyhow::Context as _;

use crate::body::BodyWriter;
use crate::input::{self, InputError, InputSpec, Row, RowSink, SheetInfo, Stopped, XlsxReader};
use crate::mapper::{Mapper, Stats};
use crate::output::Rewind;
use crate::problem::Problems;
use crate::progress::Progress;
use crate::template::Template;

/// Rows between progress updates.
const PROGRESS_EVERY: u64 = 4096;

/// What to do.
pub struct Job<'a> {
    pub spec: &'a InputSpec,
    pub template: &'a Template,
    /// Keep every problem for a JSON report.
    pub spool_problems: bool,
    /// Warnings block the body too (`--strict`).
    pub strict: bool,
    /// Return the external ids (for submit receipts).
    pub collect_ids: bool,
    /// A sheet without data rows is not a problem (`submit --allow-empty`).
    pub allow_empty: bool,
    pub progress: Progress,
}

/// What came out.
pub struct Outcome {
    pub info: SheetInfo,
    pub stats: Stats,
    pub problems: Problems,
    /// True when a body writer was given and the body was completed (no blocking problem).
    pub body_complete: bool,
    /// External ids of the elements, if asked for.
    pub external_ids: Vec<String>,
}

impl Outcome {
    /// Problems that stop the body: errors, or warnings with `--strict`.
    pub fn blocked(&self, strict: bool) -> bool {
        self.problems.errors() > 0 || (strict && self.problems.warnings() > 0)
    }
}

/// Map, check and encode, as a sink for the reader.
struct Stages<'t, 'b, 'w, W: Write> {
    mapper: Mapper<'t>,
    problems: Problems,
    body: Option<&'b mut BodyWriter<'w, W>>,
    strict: bool,
    info: SheetInfo,
    progress: Progress,
    rows_seen: u64,
    /// Why the sink stopped the reader, if it did.
    failure: Option<anyhow::Error>,
}

impl<W: Write> Stages<'_, '_, '_, W> {
    fn blocked(&self) -> bool {
        self.problems.errors() > 0 || (self.strict && self.problems.warnings() > 0)
    }

    fn fail(&mut self, e: anyhow::Error) -> Stopped {
        self.failure = Some(e);
        Stopped
    }
}

impl<W: Write> RowSink for Stages<'_, '_, '_, W> {
    fn start(&mut self, info: SheetInfo) -> Result<(), Stopped> {
        self.mapper.set_sheet(info.sheet.clone());
        self.progress.start(&info);
        self.info = info;
        Ok(())
    }

    fn row(&mut self, row: &mut Row) -> Result<(), Stopped> {
        let element = match self.mapper.row(row, &mut self.problems) {
            Ok(e) => e,
            Err(e) => {
                let e = anyhow::Error::new(e).context("recording problems");
                return Err(self.fail(e));
            }
        };
        // Once the body is blocked it will not be written; stop spending time encoding it.
        let blocked = self.problems.errors() > 0 || (self.strict && self.problems.warnings() > 0);
        if let (Some(element), Some(body)) = (element, self.body.as_deref_mut())
            && !blocked
            && let Err(e) = body.element(element)
        {
            let e = anyhow::Error::new(e).context("writing the body");
            return Err(self.fail(e));
        }
        self.rows_seen += 1;
        if self.rows_seen.is_multiple_of(PROGRESS_EVERY) {
            self.progress.update(row.progress, self.mapper.stats().rows);
        }
        Ok(())
    }
}

/// Runs the pipeline. With a body writer, elements are encoded as long as no problem blocks the
/// body; the body is finished only if none does.
pub fn run<W: Write + Rewind>(job: Job<'_>, mut body: Option<&mut BodyWriter<'_, W>>) -> anyhow::Result<Outcome> {
    let mut spec = job.spec.clone();
    let mut progress = job.progress;
    loop {
        let mut problems =
            Problems::new(job.spool_problems).context("creating a temporary file for the problem list")?;
        problems.set_header_row(job.template.source.header_row);
        let mut mapper = Mapper::new(job.template);
        mapper.set_allow_empty(job.allow_empty);
        if let Some(b) = body.as_deref_mut() {
            b.begin().context("writing the body")?;
        }
        let mut stages = Stages {
            mapper,
            problems,
            body: body.as_deref_mut(),
            strict: job.strict,
            info: SheetInfo::default(),
            progress,
            rows_seen: 0,
            failure: None,
        };
        let read = input::read(&spec, &mut stages);
        stages.progress.finish();
        if let Some(failure) = stages.failure.take() {
            return Err(failure);
        }
        match read {
            Ok(()) | Err(InputError::Stopped) => return finish(stages, job.collect_ids),
            Err(InputError::Retry(_)) if spec.xlsx_reader == XlsxReader::Auto => {
                // relsync's own .xlsx reader met something it does not handle after rows had
                // gone through: start over with calamine, from an empty body.
                progress = stages.progress;
                spec.xlsx_reader = XlsxReader::Calamine;
                if let Some(b) = body.as_deref_mut() {
                    b.rewind().context("writing the body")?;
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn finish<W: Write>(mut stages: Stages<'_, '_, '_, W>, collect_ids: bool) -> anyhow::Result<Outcome> {
    stages
        .mapper
        .finish(&mut stages.problems)
        .context("recording problems")?;
    let blocked = stages.blocked();
    let body_complete = match stages.body.as_deref_mut() {
        Some(b) if !blocked => {
            b.finish().context("writing the body")?;
            true
        }
        _ => false,
    };
    let external_ids = if collect_ids {
        stages.mapper.external_ids().map(str::to_owned).collect()
    } else {
        Vec::new()
    };
    Ok(Outcome {
        info: stages.info,
        stats: stages.mapper.stats(),
        problems: stages.problems,
        body_complete,
        external_ids,
    })
}
