//! `relsync submit relsync.toml`: every interface of a project sent in order, with relations
//! to elements the same run creates.
//!
//! A plan first, then one consent, then two phases, each step calling the same submit flow as
//! one sheet (`crate::submit::{plan, send}`):
//! 1. the IDs of every interface pointed at are read from Relatics, every sheet is read and
//!    checked (any error stops the run: nothing is sent), and each interface's body is compared
//!    with the last one sent to its endpoint; deletions of all interfaces are confirmed once;
//! 2. phase 1, in order: the IDs of what the interface points at are read again (earlier
//!    interfaces of the run may have made elements), its body is made with every target that
//!    has an ID and sent (a target whose element has no ID yet is left out for now);
//! 3. phase 2, for the interfaces that left targets out: the IDs are read until every name left
//!    out has one (Relatics may give IDs after it answers) or `--wait` runs out, and the
//!    complete body is sent.
//!
//! A failure stops the run at once and says per interface what Relatics has; running the same
//! command again finishes the job (bodies are complete sets).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sha2::Digest as _;

use super::project::write_report_files;
use super::settings::{Global, ProjectSubmit};
use crate::exit::{Exit, ExitError};
use crate::lookup::interfaces::Pending;
use crate::lookup::{Fields, Lookup};
use crate::project::Project;
use crate::project::run::{Options, Read, Reader};
use crate::submit::guard;
use crate::submit::http::Http;
use crate::submit::receipt::Store;
use crate::submit::{self, Auth, Credentials, Planned, Prepared, Sent};

/// What Relatics has of one interface, as far as this run knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Has {
    /// Nothing of this run was sent (it may hold what an earlier run sent).
    Nothing,
    /// The body is the one last sent: not sent again.
    Unchanged,
    /// Sent without the relation targets that wait for IDs: how many were left out.
    PhaseOne(u64),
    /// Sent whole.
    Complete,
    /// Sent, but no answer came: whether Relatics received it cannot be told.
    MayHaveArrived,
}

impl Has {
    fn describe(self) -> String {
        match self {
            Has::Nothing => "nothing of this run".into(),
            Has::Unchanged => "unchanged (its body is the one last sent)".into(),
            Has::PhaseOne(n) => format!(
                "phase 1 only: {n} relation target{} left out until their elements have IDs",
                if n == 1 { "" } else { "s" }
            ),
            Has::Complete => "complete".into(),
            Has::MayHaveArrived => "perhaps this run's body: it was sent, but no answer came, so whether Relatics \
                                    received it cannot be told (the next run compares with it as if it had)"
                .into(),
        }
    }
}

/// One interface of the run: its settings, the body to send and what Relatics has.
struct Step {
    index: usize,
    settings: submit::Settings,
    prepared: Prepared,
    planned: Option<Planned>,
    pending: Pending,
    /// The temporary file of the current body.
    body: Option<crate::project::run::Body>,
    has: Has,
}

/// The network side of a run: one client and one token for every request.
struct Net<'c> {
    http: Http,
    auth: Auth<'c>,
    /// Interfaces whose answer's elements without a name were said (once a run).
    nameless_said: std::collections::HashSet<usize>,
}

impl<'c> Net<'c> {
    fn new(s: &ProjectSubmit, credentials: &'c Credentials) -> anyhow::Result<Net<'c>> {
        let mut urls: Vec<&str> = s.endpoints.iter().chain(&s.ids).flatten().map(String::as_str).collect();
        if let Credentials::Client { token_url, .. } = credentials {
            urls.push(token_url);
        }
        let mut http = Http::new(s.send.timeout, s.send.verbose, &urls)?;
        if s.send.verbose {
            crate::errln!("relsync: authenticating with {}", credentials.describe());
        }
        let auth = Auth::new(credentials, &mut http, s.send.retries)?;
        Ok(Net {
            http,
            auth,
            nameless_said: std::collections::HashSet::new(),
        })
    }

    /// Reads interface `i`'s IDs from its `ids` endpoint now, and keeps them in the state
    /// directory (for `check` and later runs).
    fn read_ids(&mut self, s: &ProjectSubmit, i: usize) -> anyhow::Result<(Arc<Lookup>, String)> {
        self.read_ids_with(s, i, s.send.retries)
    }

    fn read_ids_with(&mut self, s: &ProjectSubmit, i: usize, retries: u32) -> anyhow::Result<(Arc<Lookup>, String)> {
        let interface = &s.project.interfaces[i];
        let Some(url) = &s.ids[i] else {
            anyhow::bail!("interface '{}' has no ids endpoint", interface.name);
        };
        let answer = tempfile::NamedTempFile::new().context("creating a temporary file for the IDs")?;
        let _registered = crate::output::remove_on_interrupt(answer.path());
        let accept = s.send.accept;
        let got = submit::with_retries(
            &mut self.http,
            &mut self.auth,
            retries,
            url,
            "the IDs could not be read",
            false,
            |http, token| http.get(url, token, accept, answer.path()),
        )?;
        if got.truncated {
            return Err(ExitError::new(
                Exit::SubmitFailed,
                format!(
                    "the IDs read from interface '{}' ({url}) are more than relsync reads ({}); ask for fewer \
                     elements in the providing interface",
                    interface.name,
                    crate::output::human_size(crate::submit::http::MAX_LOOKUP_RESPONSE)
                ),
            )
            .into());
        }
        let named = std::path::PathBuf::from(format!("ids.{}", accept.name().to_ascii_lowercase()));
        let lookup = Lookup::load_ids(answer.path(), &named, &Fields::default()).map_err(|e| {
            ExitError::new(
                Exit::SubmitFailed,
                format!(
                    "the IDs read from interface '{}' ({url}) cannot be used: the answer {}",
                    interface.name, e.why
                ),
            )
        })?;
        if let Some((id, first, second)) = &lookup.two_names {
            return Err(ExitError::new(
                Exit::SubmitFailed,
                format!(
                    "the IDs read from interface '{}' ({url}) give one element two names: {} is '{}' and '{}', so which \
                     element a name means cannot be told. Nothing more is sent; correct the providing interface (one \
                     row per element) and run again",
                    interface.name,
                    crate::value::for_terminal(id),
                    crate::value::for_terminal(first),
                    crate::value::for_terminal(second)
                ),
            )
            .into());
        }
        if lookup.nameless > 0 && self.nameless_said.insert(i) {
            crate::errln!(
                "relsync: {} element{} read from interface '{}' {} no name ({}{}): no cell can name {}",
                lookup.nameless,
                if lookup.nameless == 1 { "" } else { "s" },
                crate::value::for_terminal(&interface.name),
                if lookup.nameless == 1 { "has" } else { "have" },
                crate::value::for_terminal(&lookup.nameless_first.join(", ")),
                if lookup.nameless > lookup.nameless_first.len() as u64 {
                    ", ..."
                } else {
                    ""
                },
                if lookup.nameless == 1 { "it" } else { "them" }
            );
        }
        let when = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        if let Err(e) = Store::new(&s.send.state_dir).keep_ids(url, answer.path(), accept) {
            crate::errln!(
                "relsync: the IDs read from '{}' could not be kept ({e:#})",
                interface.name
            );
        }
        Ok((Arc::new(lookup), format!("at {when}")))
    }
}

pub fn run(s: &ProjectSubmit, global: &Global) -> anyhow::Result<Exit> {
    let project = &s.project;
    let order = project.order();
    let n = project.interfaces.len();
    let mut net = match &s.send.credentials {
        Some(credentials) => Some(Net::new(s, credentials)?),
        None => None,
    };

    // A real run holds the lock of every endpoint it sends to, from the plan to its last body:
    // no other submit changes what Relatics holds, or the receipts, in between.
    let _locks = crate::submit::receipt::Locks(if s.send.dry_run {
        Vec::new()
    } else {
        let store = Store::new(&s.send.state_dir);
        // And of the interfaces whose elements relations point at, sent or not (--only): a
        // submit to one of those in between would change what the names mean.
        (0..n)
            .filter(|&i| s.sent[i] || project.is_target(i))
            .filter_map(|i| s.endpoints[i].as_deref())
            .map(|e| store.lock(e))
            .collect::<anyhow::Result<Vec<_>>>()?
    });

    // The IDs of what relations point at: read now (kept ones for a dry run without
    // credentials).
    let kept = super::project::kept_ids(project, Some(&s.send.state_dir))?;
    let mut known: Vec<super::project::Known> = vec![None; n];
    for i in 0..n {
        if !project.is_target(i) {
            continue;
        }
        known[i] = match &mut net {
            Some(net) => Some(net.read_ids(s, i)?),
            None => kept[i].clone(),
        };
    }
    let mut held = super::project::held_names(project, Some(&s.send.state_dir), |i| s.endpoints[i].clone());
    let mut reader = Reader::new(
        project,
        |i| known[i].clone(),
        |i| std::mem::take(&mut held[i]),
        |i| s.sent[i],
    );
    // The IDs kept from the last run: an element named so then, whose ID Relatics still has,
    // is that element (renamed there since, or left out of its ids answer's names).
    if net.is_some() {
        for (i, k) in kept.iter().enumerate() {
            if let Some((lookup, _)) = k {
                reader.names.borrow_mut().set_kept(i, lookup.clone());
            }
        }
    }
    // What is planned is what is sent: every read of this run reads the sheets as they are now.
    let frozen = if s.send.dry_run { None } else { Some(reader.freeze()?) };
    let _copies = frozen
        .as_ref()
        .map(|d| (crate::output::remove_on_interrupt(d.path()), d));
    let reader = reader;
    let options = Options {
        body: Some(s.format),
        spool: s.report_file.is_some() || s.html_report.is_some(),
        strict: s.strict,
        // An empty body is the guard's to refuse (--allow-empty), as for one sheet.
        allow_empty: true,
        progress: !global.quiet,
    };
    let mut reads = reader.read_all(&order, options)?;
    print_problems(project, &reads, global.style(false));
    write_reports(s, &mut reads)?;
    let blocked: Vec<&str> = reads
        .iter()
        .filter(|r| s.sent[r.index] && r.outcome.blocked(s.strict))
        .map(|r| project.interfaces[r.index].name.as_str())
        .collect();
    if !blocked.is_empty() {
        crate::errln!(
            "nothing was sent: fix the problems of {} above and run again",
            blocked.iter().map(|b| format!("'{b}'")).collect::<Vec<_>>().join(", ")
        );
        return Ok(Exit::Problems);
    }

    // The plan of every interface this run sends.
    let mut steps: Vec<Step> = Vec::new();
    for read in reads.into_iter().filter(|r| s.sent[r.index]) {
        let i = read.index;
        let Some(body) = read.body else {
            anyhow::bail!("the body of '{}' was not made", project.interfaces[i].name);
        };
        let settings = interface_settings(s, i);
        let prepared = Prepared {
            names: target_names(s, &reader, i),
            report_page: None,
            path: body.file.path().to_owned(),
            format: body.format,
            elements: read.elements,
            ids: read.outcome.external_ids,
        };
        let mut step = Step {
            index: i,
            settings,
            prepared,
            planned: None,
            pending: read.outcome.pending,
            body: Some(body),
            has: Has::Nothing,
        };
        // A body that left out names not read yet when it was made (a parent further down
        // its sheet, a cycle) is made again with every sheet read, as phase 1 will: the plan
        // shows what is sent.
        if read.settled_late {
            remake(s, &reader, &mut step)?;
        }
        step.planned = Some(submit::plan(&step.settings, &step.prepared)?);
        steps.push(step);
    }
    let stuck = waits_in_vain(s, &steps);
    let mut text = plan_text(s, &steps);
    if let Some(stuck) = &stuck {
        let _ = writeln!(text, "\n{stuck}");
    }
    if let Some(page) = &s.html_report {
        crate::report::add_plan(page, &text)
            .with_context(|| format!("adding the plan to the HTML report {}", page.display()))?;
    }
    // What identifies this plan: a run given it (--expect-plan) sends this plan and no other.
    let fingerprint = plan_fingerprint(s, &steps);
    if s.send.dry_run {
        crate::out!("{}", crate::value::for_terminal_lines(&text));
        crate::outln!("plan: sha256 {fingerprint} (--expect-plan {fingerprint} sends this plan and no other)");
        for step in &steps {
            if let Some(planned) = &step.planned {
                for note in guard::dry_run_notes(&step.settings, &planned.plan) {
                    crate::outln!("{}: {note}", project.interfaces[step.index].name);
                }
            }
        }
        expected_plan(s, &fingerprint)?;
        let kept_any = kept.iter().any(Option::is_some);
        crate::outln!(
            "dry run: nothing was sent ({})",
            match (s.send.credentials.is_some(), kept_any) {
                (true, _) => "the IDs were read from Relatics",
                (false, true) => "no credentials were given, so the IDs are those kept from the last run",
                (false, false) =>
                    "no credentials were given and no IDs are kept from a run, so only the sheets' rows name elements",
            }
        );
        return Ok(Exit::Success);
    }
    crate::err!("{}", crate::value::for_terminal_lines(&text));
    expected_plan(s, &fingerprint)?;
    let plans: Vec<(&str, &guard::Plan)> = steps
        .iter()
        .filter(|st| s.resend || !st.planned.as_ref().is_some_and(Planned::unchanged))
        .filter_map(|st| {
            st.planned
                .as_ref()
                .map(|p| (project.interfaces[st.index].name.as_str(), &p.plan))
        })
        .collect();
    guard::check_project(s.send.allow_deletions, s.send.allow_empty, &s.send.state_dir, &plans)?;
    let Some(net) = &mut net else {
        anyhow::bail!("no credentials; see relsync submit --help");
    };

    // Phase 1.
    for k in 0..steps.len() {
        if let Err(e) = phase_one(s, &reader, net, &mut steps, k) {
            return Err(stopped(project, &steps, e));
        }
        say_on_interrupt(project, &steps);
    }
    // Phase 2.
    let waiting: Vec<usize> = (0..steps.len())
        .filter(|&k| {
            matches!(steps[k].has, Has::PhaseOne(_)) || (steps[k].has == Has::Unchanged && steps[k].pending.targets > 0)
        })
        .collect();
    // One --wait for the whole run, however many interfaces wait.
    let deadline = Instant::now() + s.wait;
    for k in waiting {
        if let Err(e) = phase_two(s, &reader, net, &mut steps, k, deadline) {
            return Err(stopped(project, &steps, e));
        }
        say_on_interrupt(project, &steps);
    }
    crate::output::on_interrupt_say(None);
    // What finishes the job when running again does not: waits for elements no sync of a
    // run makes, or for those of an interface --only leaves out.
    let mut hints = String::new();
    if stuck.is_some() {
        hints.push_str(
            "; if the same names wait again, their elements are gone from Relatics: add --resend (see the plan)",
        );
    }
    let outside: Vec<&str> = (0..n)
        .filter(|&t| !s.sent[t] && steps.iter().any(|st| st.pending.names.iter().any(|(i, _)| *i == t)))
        .map(|t| project.interfaces[t].name.as_str())
        .collect();
    if !outside.is_empty() {
        let _ = write!(
            hints,
            "; names of {} wait until a run sends {} too (leave out --only, or add --only {})",
            outside.iter().map(|o| format!("'{o}'")).collect::<Vec<_>>().join(", "),
            if outside.len() == 1 { "it" } else { "them" },
            outside.join(" --only ")
        );
    }
    crate::errln!("{}", state_report(project, &steps, &hints));
    let incomplete = steps.iter().any(|st| matches!(st.has, Has::PhaseOne(_)));
    Ok(if incomplete { Exit::Incomplete } else { Exit::Success })
}

/// Prints each interface's problems (with its file and cell) and summary on stderr.
fn print_problems(project: &Project, reads: &[Read], style: crate::report::Style) {
    let mut sorted: Vec<&Read> = reads.iter().collect();
    sorted.sort_by_key(|r| r.index);
    let mut err = anstream::stderr().lock();
    for read in sorted {
        let ctx = super::project::context(project, read);
        let name = crate::value::for_terminal(&project.interfaces[read.index].name).into_owned();
        let _ = crate::report::write_problems_as(&mut err, &ctx, &read.outcome.problems, style, true);
        let _ = writeln_err(
            &mut err,
            &format!(
                "interface '{name}': {}",
                crate::report::summary(&ctx, &read.outcome.problems, style)
            ),
        );
    }
}

fn writeln_err(out: &mut dyn std::io::Write, line: &str) -> std::io::Result<()> {
    writeln!(out, "{line}")
}

/// The JSON and HTML report files, where asked for (the interfaces in file order).
fn write_reports(s: &ProjectSubmit, reads: &mut [Read]) -> anyhow::Result<()> {
    if s.report_file.is_none() && s.html_report.is_none() {
        return Ok(());
    }
    let order: Vec<usize> = reads.iter().map(|r| r.index).collect();
    reads.sort_by_key(|r| r.index);
    let written = write_report_files(
        &s.project,
        reads,
        s.report_file.as_deref(),
        s.html_report.as_deref(),
        None,
    );
    // Back in run order.
    reads.sort_by_key(|r| order.iter().position(|&i| i == r.index));
    written
}

/// One interface's submit settings: the shared ones, with its endpoint and sheet.
fn interface_settings(s: &ProjectSubmit, i: usize) -> submit::Settings {
    let interface = &s.project.interfaces[i];
    submit::Settings {
        input: interface.spec.path.clone(),
        endpoint: s.endpoints[i].clone(),
        dry_run: s.send.dry_run,
        allow_deletions: s.send.allow_deletions,
        allow_empty: s.send.allow_empty,
        state_dir: s.send.state_dir.clone(),
        timeout: s.send.timeout,
        retries: s.send.retries,
        accept: s.send.accept,
        credentials: s.send.credentials.clone(),
        credentials_problem: s.send.credentials_problem.clone(),
        verbose: s.send.verbose,
        // A project's run holds the locks of every endpoint it sends to, from its plan to
        // its last body.
        lock: false,
    }
}

/// The plan: the order, then per interface what changes and how many targets wait.
fn plan_text(s: &ProjectSubmit, steps: &[Step]) -> String {
    let project = &s.project;
    let mut text = String::new();
    let names: Vec<&str> = steps
        .iter()
        .map(|st| project.interfaces[st.index].name.as_str())
        .collect();
    let _ = writeln!(
        text,
        "project {}: {} interface{} to send, in this order: {}",
        project.path.display(),
        steps.len(),
        if steps.len() == 1 { "" } else { "s" },
        names.join(", ")
    );
    let skipped: Vec<&str> = (0..project.interfaces.len())
        .filter(|&i| !s.sent[i])
        .map(|i| project.interfaces[i].name.as_str())
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(text, "not sent this run (--only): {}", skipped.join(", "));
    }
    for (k, step) in steps.iter().enumerate() {
        let interface = &project.interfaces[step.index];
        let _ = writeln!(
            text,
            "\n{}. {} ({})",
            k + 1,
            interface.name,
            interface.spec.path.display()
        );
        let Some(planned) = &step.planned else { continue };
        for line in planned.plan.text.lines() {
            let _ = writeln!(text, "   {line}");
        }
        if planned.unchanged() && !s.resend {
            let _ = writeln!(
                text,
                "{}",
                if step.pending.targets == 0 {
                    "   unchanged: the body is byte for byte the one last sent, so it is not sent again (--resend sends \
                     it)"
                } else {
                    // The targets that wait are what changes: sent once they have IDs.
                    "   unchanged but for the relation targets that wait (below): the body is sent with them once \
                     Relatics has given their elements IDs"
                }
            );
        }
        if step.pending.targets > 0 {
            let outside: Vec<&str> = step
                .pending
                .names
                .iter()
                .filter(|(t, _)| !s.sent[*t])
                .map(|(t, _)| project.interfaces[*t].name.as_str())
                .collect();
            let names: Vec<String> = step
                .pending
                .names
                .iter()
                .map(|(t, names)| format!("of '{}': {}", project.interfaces[*t].name, first_names(names)))
                .collect();
            let _ = writeln!(
                text,
                "   {} relation target{} for elements this run creates ({} name{} {}): sent once Relatics has given \
                 them IDs, in this interface's first body if they come in time, else in a second{}",
                step.pending.targets,
                if step.pending.targets == 1 { " waits" } else { "s wait" },
                step.pending.distinct(),
                if step.pending.distinct() == 1 { "" } else { "s" },
                names.join("; "),
                if outside.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (some are elements of {}, which this run does not send: they stay left out)",
                        outside.join(", ")
                    )
                }
            );
        }
    }
    text
}

/// Exit 4 when `--expect-plan` names another plan than `fingerprint` (nothing sent).
fn expected_plan(s: &ProjectSubmit, fingerprint: &str) -> anyhow::Result<()> {
    match &s.expect_plan {
        Some(expected) if expected != fingerprint => Err(ExitError::new(
            Exit::Refused,
            format!(
                "the plan above is not the one expected (--expect-plan {expected}; this plan is sha256 {fingerprint}): a \
                 sheet was saved again, or Relatics changed, since that plan was made. Nothing was sent; look at the \
                 plan again"
            ),
        )
        .into()),
        _ => Ok(()),
    }
}

/// What identifies a plan, however its paths are spelled: per interface sent, in order, its
/// name and endpoint, its body's digest, the last body it is compared with, what it deletes,
/// whether it is sent, and the targets that wait and where (the bodies leave them out, so only
/// this tells which element a new one will be related to).
fn plan_fingerprint(s: &ProjectSubmit, steps: &[Step]) -> String {
    let mut digest = sha2::Sha256::new();
    let mut field = |text: &[u8]| {
        digest.update((text.len() as u64).to_le_bytes());
        digest.update(text);
    };
    for step in steps {
        field(s.project.interfaces[step.index].name.as_bytes());
        field(step.settings.endpoint.as_deref().unwrap_or("").as_bytes());
        if let Some(planned) = &step.planned {
            field(planned.sha256.as_bytes());
            field(planned.last.as_ref().map_or("", |r| r.body_sha256.as_str()).as_bytes());
            match &planned.plan.deletions {
                guard::Deletions::Known(ids) => {
                    field(b"deletes");
                    for id in ids {
                        field(id.as_bytes());
                    }
                }
                guard::Deletions::Unknown => field(b"cannot tell"),
            }
            field(&[u8::from(planned.unchanged() && !s.resend)]);
        }
        field(&step.pending.digest());
    }
    crate::submit::receipt::hex(&digest.finalize())
}

/// Names waited for that no sync of this run creates: elements of an interface this run does
/// not send because its body is the one last sent. Relatics may still be processing that
/// sync (the wait gives them IDs), or the elements were deleted there by hand (no wait
/// does): the paragraph of the plan that says so, if there are any.
fn waits_in_vain(s: &ProjectSubmit, steps: &[Step]) -> Option<String> {
    if s.resend {
        return None;
    }
    let unchanged = |t: usize| {
        steps
            .iter()
            .any(|st| st.index == t && st.planned.as_ref().is_some_and(Planned::unchanged))
    };
    let mut lines = Vec::new();
    for step in steps {
        for (t, names) in &step.pending.names {
            if !unchanged(*t) {
                continue;
            }
            lines.push(format!(
                "'{}' waits for {} of '{}' ({}) that Relatics has no ID for, and '{}' is not sent again (its body is \
                 the one last sent)",
                s.project.interfaces[step.index].name,
                if names.len() == 1 { "an element" } else { "elements" },
                s.project.interfaces[*t].name,
                first_names(names),
                s.project.interfaces[*t].name,
            ));
        }
    }
    if lines.is_empty() {
        return None;
    }
    Some(format!(
        "{}: if Relatics is still processing the last sync, this run's wait gives them IDs; if they were deleted \
         in Relatics by hand, no wait does, and --resend sends those interfaces again so that Relatics makes them \
         anew.",
        lines.join(";\n")
    ))
}

/// Phase 1 of step `k`: the IDs of what it points at read again, its body made again with
/// them, and sent unless it is the one last sent.
fn phase_one(
    s: &ProjectSubmit,
    reader: &Reader<'_>,
    net: &mut Net<'_>,
    steps: &mut [Step],
    k: usize,
) -> anyhow::Result<()> {
    let i = steps[k].index;
    let targets = s.project.interfaces[i].targets.clone();
    if !targets.is_empty() {
        for &t in &targets {
            let (ids, when) = net.read_ids(s, t)?;
            reader.names.borrow_mut().set_known(t, ids, when);
        }
        remake(s, reader, &mut steps[k])?;
    }
    let step = &mut steps[k];
    let unchanged = step.planned.as_ref().is_some_and(Planned::unchanged);
    if unchanged && !s.resend {
        step.has = Has::Unchanged;
        reader.names.borrow_mut().synced(i);
        crate::errln!(
            "relsync: '{}' is unchanged: its body is the one last sent",
            s.project.interfaces[i].name
        );
        return Ok(());
    }
    say_while_sending(&s.project, steps, k);
    let step = &mut steps[k];
    send_step(s, net, step)?;
    // Relatics has this sheet's rows now: a relation to one is to the element of its name.
    reader.names.borrow_mut().synced(i);
    step.has = if step.pending.targets > 0 {
        Has::PhaseOne(step.pending.targets)
    } else {
        Has::Complete
    };
    Ok(())
}

/// Phase 2 of step `k`: waits for the IDs of the names it left out, then sends the body made
/// again with them.
fn phase_two(
    s: &ProjectSubmit,
    reader: &Reader<'_>,
    net: &mut Net<'_>,
    steps: &mut [Step],
    k: usize,
    deadline: Instant,
) -> anyhow::Result<()> {
    let i = steps[k].index;
    let name = s.project.interfaces[i].name.clone();
    let waits: Vec<(usize, Vec<String>)> = steps[k]
        .pending
        .names
        .iter()
        .filter(|(t, _)| s.sent[*t])
        .map(|(t, names)| (*t, names.iter().cloned().collect()))
        .collect();
    let mut delay = Duration::from_secs(1);
    loop {
        let mut missing = 0usize;
        for (t, names) in &waits {
            // Each read within what is left of --wait (at least a few seconds), once: the
            // polling is the retry.
            let left = deadline.saturating_duration_since(Instant::now());
            net.http
                .set_timeout(left.max(Duration::from_secs(5)).min(s.send.timeout));
            let read = net.read_ids_with(s, *t, 0);
            net.http.set_timeout(s.send.timeout);
            let (ids, when) = read?;
            reader.names.borrow_mut().set_known(*t, ids, when);
            let names_now = reader.names.borrow();
            missing += names.iter().filter(|n| names_now.known_id(*t, n).is_none()).count();
        }
        if missing == 0 {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            crate::errln!(
                "relsync: '{name}': {missing} element{} pointed at still {} no ID after this run's wait of {} s \
                 (--wait)",
                if missing == 1 { "" } else { "s" },
                if missing == 1 { "has" } else { "have" },
                s.wait.as_secs()
            );
            break;
        }
        let pause = delay.min(deadline - now);
        crate::errln!(
            "relsync: '{name}': {missing} element{} pointed at {} no ID yet; reading the IDs again in {} s",
            if missing == 1 { "" } else { "s" },
            if missing == 1 { "has" } else { "have" },
            pause.as_secs().max(1)
        );
        std::thread::sleep(pause);
        delay = (delay * 2).min(Duration::from_secs(16));
    }
    let step = &mut steps[k];
    let before = step.pending.targets;
    remake(s, reader, step)?;
    if step.pending.targets >= before {
        // Nothing more resolves: Relatics has the body phase 1 sent (or had before).
        step.has = Has::PhaseOne(step.pending.targets);
        return Ok(());
    }
    say_while_sending(&s.project, steps, k);
    let step = &mut steps[k];
    send_step(s, net, step)?;
    step.has = if step.pending.targets > 0 {
        Has::PhaseOne(step.pending.targets)
    } else {
        Has::Complete
    };
    Ok(())
}

/// Makes step's body again with the IDs known now.
fn remake(s: &ProjectSubmit, reader: &Reader<'_>, step: &mut Step) -> anyhow::Result<()> {
    let options = Options {
        body: Some(s.format),
        spool: false,
        strict: s.strict,
        allow_empty: true,
        progress: false,
    };
    let read = reader.read(step.index, options, false)?;
    let name = &s.project.interfaces[step.index].name;
    if read.outcome.blocked(s.strict) {
        // What Relatics answered differs from what the plan was made with (an element renamed
        // or removed meanwhile): the cells, then a stop with what Relatics has.
        print_problems(
            &s.project,
            std::slice::from_ref(&read),
            crate::report::Style { color: false },
        );
        return Err(ExitError::new(
            Exit::Incomplete,
            format!(
                "the body of '{}' cannot be made with the IDs read now ({} {} above: Relatics changed since the plan \
                 was made); correct the sheets and run the same command again",
                crate::value::for_terminal(name),
                read.outcome.problems.errors(),
                if read.outcome.problems.errors() == 1 {
                    "error"
                } else {
                    "errors"
                }
            ),
        )
        .into());
    }
    let Some(body) = read.body else {
        anyhow::bail!("the body of '{name}' was not made");
    };
    step.prepared = Prepared {
        names: target_names(s, reader, step.index),
        report_page: None,
        path: body.file.path().to_owned(),
        format: body.format,
        elements: read.elements,
        ids: read.outcome.external_ids,
    };
    step.pending = read.outcome.pending;
    step.body = Some(body);
    if let Some(planned) = &mut step.planned {
        planned.rebody(&step.prepared)?;
    }
    Ok(())
}

/// The names of interface `i`'s relation targets: from its lookup files, and for relations to
/// project interfaces the IDs read of their elements.
fn target_names(s: &ProjectSubmit, reader: &Reader<'_>, i: usize) -> crate::lookup::TargetNames {
    let template = &s.project.interfaces[i].template;
    let mut names = template.target_names();
    let known = reader.names.borrow();
    for field in &template.fields {
        if let crate::template::FieldKind::Relation(r) = &field.kind
            && let Some(t) = r.interface
            && let Some(lookup) = known.known(t)
        {
            names.add(&field.key, lookup);
        }
    }
    names
}

/// Sends a step's current body through the submit flow; its lock and plan are used up, so a
/// second send (phase 2) plans again.
fn send_step(s: &ProjectSubmit, net: &mut Net<'_>, step: &mut Step) -> anyhow::Result<()> {
    let name = &s.project.interfaces[step.index].name;
    let targets = step.pending.targets;
    let s_ = if targets == 1 { "" } else { "s" };
    let what = match (matches!(step.has, Has::PhaseOne(_)), targets) {
        (true, 0) => " again, complete".to_owned(),
        (true, n) => format!(" again, {n} relation target{s_} still left out"),
        (false, 0) => String::new(),
        (false, n) => format!(" ({n} relation target{s_} left out until Relatics gives their elements IDs)"),
    };
    crate::errln!("relsync: sending '{name}'{what}");
    let planned = match step.planned.take() {
        Some(p) => p,
        None => submit::plan(&step.settings, &step.prepared)?,
    };
    match submit::send(&step.settings, &step.prepared, planned, &mut net.http, &mut net.auth) {
        Ok(Sent::Recorded(path)) => {
            crate::outln!("receipt: {}", path.display());
            Ok(())
        }
        Ok(Sent::NotRecorded) => {
            // Relatics has it all the same.
            step.has = if targets > 0 {
                Has::PhaseOne(targets)
            } else {
                Has::Complete
            };
            Err(ExitError::new(
                Exit::NotRecorded,
                format!("the body of '{name}' was accepted, but its receipt could not be saved; the run stops here"),
            )
            .into())
        }
        Err(failed) => {
            if failed.may_have_arrived {
                step.has = Has::MayHaveArrived;
            }
            Err(failed.error)
        }
    }
}

/// The first five names, quoted, and how many more: `'a', 'b' and 3 more`.
fn first_names(names: &std::collections::BTreeSet<String>) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(5)
        .map(|n| format!("'{}'", crate::problem::quoted(n)))
        .collect();
    let more = names.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// What Relatics has of every interface, one line each.
fn state_report(project: &Project, steps: &[Step], hints: &str) -> String {
    let mut text = String::from("what Relatics has of this run:");
    for step in steps {
        let _ = write!(
            text,
            "\n  {}: {}",
            project.interfaces[step.index].name,
            step.has.describe()
        );
        // Which names still wait, so their cells can be found.
        if matches!(step.has, Has::PhaseOne(_)) {
            for (t, names) in &step.pending.names {
                let _ = write!(
                    text,
                    "\n    waiting for elements of '{}' named {}",
                    project.interfaces[*t].name,
                    first_names(names)
                );
            }
        }
    }
    if steps
        .iter()
        .any(|st| matches!(st.has, Has::PhaseOne(_) | Has::Nothing | Has::MayHaveArrived))
    {
        let _ = write!(
            text,
            "\nrun the same command again to finish (each body is a complete set; --only narrows the run)"
        );
        text.push_str(hints);
    }
    text
}

/// A failure during the phases: the error, then what Relatics has of every interface.
fn stopped(project: &Project, steps: &[Step], e: anyhow::Error) -> anyhow::Error {
    crate::output::on_interrupt_say(None);
    crate::errln!("{}", state_report(project, steps, ""));
    e.context("the run stopped (what Relatics has is said above)")
}

/// What Ctrl+C says while step `k`'s body is on its way: that Relatics may have it.
fn say_while_sending(project: &Project, steps: &mut [Step], k: usize) {
    let has = steps[k].has;
    steps[k].has = Has::MayHaveArrived;
    say_on_interrupt(project, steps);
    steps[k].has = has;
}

/// What Ctrl+C says from now on: what was sent.
fn say_on_interrupt(project: &Project, steps: &[Step]) {
    crate::output::on_interrupt_say(Some(state_report(project, steps, "")));
}
