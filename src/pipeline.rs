//! The pipeline: read -> map -> check -> encode, one row at a time.
//!
//! Reading runs on its own thread and hands rows over in small batches through a bounded
//! channel; mapping, checking and encoding run on the calling thread. On two cores this hides
//! most of the encoding cost behind the reading (the slow part for workbooks). Row buffers go
//! back to the reader for reuse, so memory stays flat however long the sheet is.

use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use anyhow::Context as _;

use crate::body::BodyWriter;
use crate::input::{self, InputError, InputSpec, Row, RowSink, SheetInfo, Stopped};
use crate::mapper::{Mapper, Stats};
use crate::problem::Problems;
use crate::progress::Progress;
use crate::template::Template;

/// Rows per batch handed from the reader to the mapper.
const BATCH: usize = 512;
/// Batches in flight.
const IN_FLIGHT: usize = 4;

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

enum Message {
    Start(SheetInfo),
    Rows(Vec<Row>),
}

/// The reader's end of the channel: batches rows, reuses the buffers the mapper sends back.
struct ChannelSink {
    tx: SyncSender<Message>,
    recycled: Receiver<Vec<Row>>,
    batch: Vec<Row>,
    spare: Vec<Row>,
}

impl ChannelSink {
    fn flush(&mut self) -> Result<(), Stopped> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let next = match self.recycled.try_recv() {
            Ok(mut used) => {
                self.spare.append(&mut used);
                used
            }
            Err(_) => Vec::with_capacity(BATCH),
        };
        let full = std::mem::replace(&mut self.batch, next);
        self.tx.send(Message::Rows(full)).map_err(|_| Stopped)
    }
}

impl RowSink for ChannelSink {
    fn start(&mut self, info: SheetInfo) -> Result<(), Stopped> {
        self.tx.send(Message::Start(info)).map_err(|_| Stopped)
    }

    fn row(&mut self, row: &mut Row) -> Result<(), Stopped> {
        let mut slot = self.spare.pop().unwrap_or_default();
        std::mem::swap(&mut slot, row);
        self.batch.push(slot);
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }
}

/// Runs the pipeline. With a body writer, elements are encoded as long as no problem blocks the
/// body; the body is finished only if none does.
pub fn run<W: Write>(job: Job<'_>, mut body: Option<&mut BodyWriter<'_, W>>) -> anyhow::Result<Outcome> {
    let Job {
        spec,
        template,
        spool_problems,
        strict,
        collect_ids,
        allow_empty,
        mut progress,
    } = job;
    let mut problems = Problems::new(spool_problems).context("creating a temporary file for the problem list")?;
    problems.set_header_row(template.source.header_row);
    let mut mapper = Mapper::new(template);
    mapper.set_allow_empty(allow_empty);
    let mut info = SheetInfo::default();

    let (tx, rx) = sync_channel::<Message>(IN_FLIGHT);
    let (recycle_tx, recycle_rx) = sync_channel::<Vec<Row>>(IN_FLIGHT + 2);

    if let Some(b) = body.as_deref_mut() {
        b.begin().context("writing the body")?;
    }
    let blocked = |p: &Problems| p.errors() > 0 || (strict && p.warnings() > 0);

    let read_result = std::thread::scope(|scope| -> anyhow::Result<Result<(), InputError>> {
        let reader = scope.spawn(move || {
            let mut sink = ChannelSink {
                tx,
                recycled: recycle_rx,
                batch: Vec::with_capacity(BATCH),
                spare: Vec::new(),
            };
            let result = input::read(spec, &mut sink);
            match result {
                Ok(()) => sink.flush().map_err(InputError::from),
                Err(e) => Err(e),
            }
        });

        let consumed = (|| -> anyhow::Result<()> {
            for message in &rx {
                match message {
                    Message::Start(i) => {
                        mapper.set_sheet(i.sheet.clone());
                        progress.start(&i);
                        info = i;
                    }
                    Message::Rows(mut rows) => {
                        for row in &rows {
                            let element = mapper.row(row, &mut problems).context("recording problems")?;
                            if let (Some(element), Some(b)) = (element, body.as_deref_mut())
                                && !blocked(&problems)
                            {
                                b.element(element).context("writing the body")?;
                            }
                        }
                        if let Some(last) = rows.last() {
                            progress.update(last.progress, mapper.stats().rows);
                        }
                        rows.iter_mut().for_each(|r| r.reset(0));
                        let _ = recycle_tx.try_send(rows);
                    }
                }
            }
            Ok(())
        })();
        // Dropping the receiver stops the reader if mapping failed half-way.
        drop(rx);
        let read = match reader.join() {
            Ok(r) => r,
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                anyhow::bail!(
                    "cannot read {}: the file is damaged or not what its extension says ({why})",
                    spec.path.display()
                );
            }
        };
        consumed?;
        Ok(read)
    })?;
    progress.finish();
    read_result?;

    mapper.finish(&mut problems).context("recording problems")?;
    let body_complete = match body {
        Some(b) if !blocked(&problems) => {
            b.finish().context("writing the body")?;
            true
        }
        _ => false,
    };
    let external_ids = if collect_ids {
        mapper.external_ids().map(str::to_owned).collect()
    } else {
        Vec::new()
    };
    Ok(Outcome {
        info,
        stats: mapper.stats(),
        problems,
        body_complete,
        external_ids,
    })
}
