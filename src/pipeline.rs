//! The pipeline: read -> map -> check -> encode, one row at a time.
//!
//! `crate::input` reads (on a helper thread where that pays: the calamine cell stream, CSV
//! parsing) and hands each row to [`Stages`] on this thread, which maps and checks it and, while
//! no problem blocks the body, encodes the element straight into the body writer. Nothing is
//! kept per row except the set of external ids seen. When the reader starts over (see
//! `input::dispatch`), the stages start over too, from an empty body.

use anyhow::Context as _;

use crate::body::Encoder;
use crate::input::{self, InputError, InputSpec, Row, RowSink, SheetInfo, Stopped};
use crate::lookup::interfaces::{Deferred, Pending};
use crate::mapper::{Mapper, ProjectLink};
use crate::problem::{Problems, Stats};
use crate::progress::Progress;
use crate::template::Template;

/// The context of a failure to keep the problem list, which a full report spools to a
/// temporary file: where that file is (a full temporary folder is not the output's disk).
fn recording_problems() -> String {
    format!(
        "recording problems in a temporary file in {}",
        std::env::temp_dir().display()
    )
}

/// The context of every failure to write the body; the command names the file.
pub const WRITING_BODY: &str = "writing the body";

/// Rows between progress updates.
const PROGRESS_EVERY: u64 = 4096;

/// What to do.
pub struct Job<'a> {
    pub spec: &'a InputSpec,
    pub template: &'a Template,
    /// Keep every problem for a full report (JSON, HTML, annotated workbook).
    pub spool_problems: bool,
    /// Warnings block the body too (`--strict`).
    pub strict: bool,
    /// Return the external ids (for submit receipts).
    pub collect_ids: bool,
    /// A sheet without data rows is not a problem (`submit --allow-empty`).
    pub allow_empty: bool,
    pub progress: Progress,
    /// The sheet is one interface of a project (`interface:` relations).
    pub project: Option<ProjectLink<'a>>,
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
    /// In a project: targets left out of the body because their elements have no ID yet.
    pub pending: Pending,
    /// In a project: targets to settle once every sheet is read.
    pub deferred: Vec<Deferred>,
}

impl Outcome {
    /// Problems that stop the body: errors, or warnings with `--strict`.
    pub fn blocked(&self, strict: bool) -> bool {
        self.problems.block_body(strict)
    }
}

/// Map, check and encode, as a sink for the reader.
struct Stages<'j, 'b> {
    job: &'j Job<'j>,
    mapper: Mapper<'j>,
    problems: Problems,
    body: Option<&'b mut dyn Encoder>,
    info: SheetInfo,
    progress: Progress,
    rows_seen: u64,
    /// Why the sink stopped the reader, if it did.
    failure: Option<anyhow::Error>,
}

impl Stages<'_, '_> {
    fn fail(&mut self, e: anyhow::Error) -> Stopped {
        self.failure = Some(e);
        Stopped
    }

    /// Empty state: a new mapper and problem list, and a body begun.
    fn fresh(&mut self) -> anyhow::Result<()> {
        let mut problems = Problems::new(self.job.spool_problems).with_context(recording_problems)?;
        problems.set_header_row(self.job.template.source.header_row);
        self.problems = problems;
        self.mapper = Mapper::new(self.job.template);
        self.mapper.set_allow_empty(self.job.allow_empty);
        self.mapper.set_project(self.job.project);
        self.rows_seen = 0;
        if let Some(b) = self.body.as_deref_mut() {
            b.begin().context(WRITING_BODY)?;
        }
        Ok(())
    }
}

impl RowSink for Stages<'_, '_> {
    fn start(&mut self, mut info: SheetInfo) -> Result<(), Stopped> {
        // The sheet's name is in every problem's place: as long as reports keep a header (Excel
        // allows 31 characters; only a made-up file has more).
        info.sheet = info
            .sheet
            .map(|s| crate::problem::clip_said(&s, crate::problem::MAX_HEADER_CHARS));
        self.mapper.set_sheet(info.sheet.clone());
        self.progress.start(&info);
        self.info = info;
        Ok(())
    }

    fn row(&mut self, row: &mut Row) -> Result<(), Stopped> {
        let element = match self.mapper.row(row, &mut self.problems) {
            Ok(e) => e,
            Err(e) => {
                let e = anyhow::Error::new(e).context(recording_problems());
                return Err(self.fail(e));
            }
        };
        // Once the body is blocked it will not be written; stop spending time encoding it.
        let blocked = self.problems.block_body(self.job.strict);
        if let (Some(element), Some(body)) = (element, self.body.as_deref_mut())
            && !blocked
            && let Err(e) = body.element(element)
        {
            let e = anyhow::Error::new(e).context(WRITING_BODY);
            return Err(self.fail(e));
        }
        self.rows_seen += 1;
        if self.rows_seen.is_multiple_of(PROGRESS_EVERY) {
            self.progress.update(row.progress, self.mapper.stats().rows);
            if self.progress.cancelled() {
                return Err(self.fail(anyhow::anyhow!("the check was stopped: another file took its place")));
            }
        }
        Ok(())
    }

    fn restart(&mut self) -> Result<(), Stopped> {
        self.progress.finish();
        let rewound = match self.body.as_deref_mut() {
            Some(b) => b.rewind().context(WRITING_BODY),
            None => Ok(()),
        };
        match rewound.and_then(|()| self.fresh()) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }
}

/// Runs the pipeline. With a body writer, elements are encoded as long as no problem blocks the
/// body; the body is finished only if none does.
pub fn run(mut job: Job<'_>, body: Option<&mut dyn Encoder>) -> anyhow::Result<Outcome> {
    let progress = std::mem::replace(&mut job.progress, Progress::off());
    let mut stages = Stages {
        mapper: Mapper::new(job.template),
        problems: Problems::default(),
        body,
        info: SheetInfo::default(),
        progress,
        rows_seen: 0,
        failure: None,
        job: &job,
    };
    stages.fresh()?;
    let read = input::read(job.spec, &mut stages);
    stages.progress.finish();
    if let Some(failure) = stages.failure.take() {
        return Err(failure);
    }
    match read {
        Ok(()) | Err(InputError::Stopped) => finish(stages),
        Err(e) => Err(e.into()),
    }
}

fn finish(mut stages: Stages<'_, '_>) -> anyhow::Result<Outcome> {
    stages
        .mapper
        .finish(&mut stages.problems)
        .with_context(recording_problems)?;
    let blocked = stages.problems.block_body(stages.job.strict);
    let body_complete = match stages.body.as_deref_mut() {
        Some(b) if !blocked => {
            b.finish().context(WRITING_BODY)?;
            true
        }
        _ => false,
    };
    let external_ids = if stages.job.collect_ids {
        stages.mapper.external_ids().map(str::to_owned).collect()
    } else {
        Vec::new()
    };
    let (pending, deferred) = stages.mapper.take_waiting();
    Ok(Outcome {
        info: stages.info,
        stats: stages.mapper.stats(),
        problems: stages.problems,
        body_complete,
        external_ids,
        pending,
        deferred,
    })
}
