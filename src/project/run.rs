//! Reading a project's sheets: each interface through the same pipeline as one sheet, in
//! order, with the names its relations point at ([`ProjectNames`]). The first read of each
//! sheet records its rows' names for the interfaces that point at it; targets whose sheet was
//! not read whole yet are settled once every sheet is. Bodies are written to temporary files
//! for `submit`, which sends them through the same flow as one sheet.

use std::cell::RefCell;
use std::sync::Arc;

use anyhow::Context as _;

use super::Project;
use crate::body::{BodyFormat, BodyWriter};
use crate::lookup::Lookup;
use crate::lookup::interfaces::{Held, ProjectNames};
use crate::mapper::ProjectLink;
use crate::pipeline::{self, Job, Outcome};
use crate::progress::Progress;

/// How the sheets are read.
#[derive(Clone, Copy)]
pub struct Options {
    /// Write each interface's body (for `submit`), in this format.
    pub body: Option<BodyFormat>,
    /// Keep every problem for the full reports.
    pub spool: bool,
    pub strict: bool,
    /// A sheet without rows is not a problem (the guard refuses its empty body instead).
    pub allow_empty: bool,
    pub progress: bool,
}

/// One interface read: what came out, and its body when one was asked for and complete.
pub struct Read {
    pub index: usize,
    pub outcome: Outcome,
    pub body: Option<Body>,
    pub elements: u64,
    /// When the read started, for the summary line.
    pub started: std::time::Instant,
    /// Targets were left open while it read (a name of a row further down its own sheet, or
    /// of a sheet read after it): its body leaves them out, and a read now would not.
    pub settled_late: bool,
}

/// A body in a private temporary file (removed when dropped, or when the run is interrupted).
pub struct Body {
    pub file: tempfile::NamedTempFile,
    pub format: BodyFormat,
    _registered: crate::output::Registered,
}

/// A project being read: its names, shared by the sheets' reads.
pub struct Reader<'p> {
    pub project: &'p Project,
    pub names: RefCell<ProjectNames>,
    /// What each interface's sheet is read from: its input, or a copy of it ([`Reader::freeze`]).
    specs: Vec<crate::input::InputSpec>,
}

impl<'p> Reader<'p> {
    /// Names for `project`, with `known(i)` the IDs last read for interface `i` (and when),
    /// `held(i)` what Relatics holds of it, and `sent(i)` whether this run sends it.
    pub fn new(
        project: &'p Project,
        known: impl Fn(usize) -> Option<(Arc<Lookup>, String)>,
        mut held: impl FnMut(usize) -> Held,
        sent: impl Fn(usize) -> bool,
    ) -> Reader<'p> {
        let mut names = ProjectNames::new(project.interfaces.len());
        for (i, interface) in project.interfaces.iter().enumerate() {
            if project.is_target(i) {
                names.target(i, &interface.name, &interface.spec.path, known(i), held(i), sent(i));
            }
        }
        Reader {
            project,
            names: RefCell::new(names),
            specs: project.interfaces.iter().map(|i| i.spec.clone()).collect(),
        }
    }

    /// Reads every sheet from a private copy made now, so that every read of the run (the
    /// plan, phase 1, phase 2) reads the same rows: a sheet saved again while the run waits for
    /// IDs cannot change what is sent after the consent. The copies go with the returned folder.
    pub fn freeze(&mut self) -> anyhow::Result<tempfile::TempDir> {
        // Only its owner may enter it: the copies are the exports (and the page's uploads).
        let dir = crate::output::private_folder("relsync-run-")
            .context("creating a private folder for the copies of the sheets")?;
        for (i, spec) in self.specs.iter_mut().enumerate() {
            let name = spec.path.file_name().map(std::ffi::OsStr::to_owned).unwrap_or_default();
            let folder = dir.path().join(i.to_string());
            std::fs::create_dir_all(&folder).context("creating a private folder for the copies of the sheets")?;
            let copy = folder.join(name);
            std::fs::copy(&spec.path, &copy)
                .with_context(|| format!("copying {} for this run", spec.path.display()))?;
            spec.path = copy;
        }
        Ok(dir)
    }

    /// Reads every interface in `order`, recording the names of the rows others point at, and
    /// settles the targets left open at the end (their problems join their sheet's).
    pub fn read_all(&self, order: &[usize], options: Options) -> anyhow::Result<Vec<Read>> {
        let mut reads = Vec::with_capacity(order.len());
        for &i in order {
            let read = self.read(i, options, true)?;
            self.names.borrow_mut().complete(i);
            reads.push(read);
        }
        let mut budget = crate::suggest::Budget::default();
        for read in &mut reads {
            let deferred = std::mem::take(&mut read.outcome.deferred);
            read.settled_late = !deferred.is_empty();
            for d in deferred {
                if let Some(problem) = d.settle(&self.names.borrow(), &mut budget) {
                    read.outcome
                        .problems
                        .push_late(problem)
                        .context("recording problems in a temporary file")?;
                }
            }
        }
        Ok(reads)
    }

    /// Reads interface `i` once: checked, and its body written when `options.body` asks and no
    /// problem stops it. `collect` records its rows' names (the first read).
    pub fn read(&self, i: usize, options: Options, collect: bool) -> anyhow::Result<Read> {
        let interface = &self.project.interfaces[i];
        let started = std::time::Instant::now();
        let job = Job {
            spec: &self.specs[i],
            template: &interface.template,
            spool_problems: options.spool,
            strict: options.strict,
            collect_ids: options.body.is_some(),
            allow_empty: options.allow_empty,
            progress: Progress::new(options.progress),
            project: Some(ProjectLink {
                names: &self.names,
                interface: i,
                name_field: interface.name_field,
                collect,
            }),
        };
        let Some(format) = options.body else {
            let outcome = pipeline::run(job, None)?;
            return Ok(Read {
                index: i,
                elements: outcome.stats.elements,
                outcome,
                body: None,
                started,
                settled_late: false,
            });
        };
        let file = tempfile::NamedTempFile::new().context("creating a temporary file for the body")?;
        let registered = crate::output::remove_on_interrupt(file.path());
        let writing = || {
            format!(
                "writing the body of '{}' to send in {}",
                interface.name,
                file.path().display()
            )
        };
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, file.reopen().with_context(writing)?);
        let (outcome, elements) = {
            let mut writer = BodyWriter::new(&mut out, &interface.template, format, true);
            let outcome = pipeline::run(job, Some(&mut writer)).map_err(|e| {
                if e.to_string() == pipeline::WRITING_BODY {
                    e.context(writing())
                } else {
                    e
                }
            })?;
            let elements = crate::body::Encoder::count(&writer);
            (outcome, elements)
        };
        std::io::Write::flush(&mut out).with_context(writing)?;
        let body = outcome.body_complete.then_some(Body {
            file,
            format,
            _registered: registered,
        });
        Ok(Read {
            index: i,
            outcome,
            body,
            elements,
            started,
            settled_late: false,
        })
    }
}
