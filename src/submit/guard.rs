//! What a submit will do, and whether it may: the plan shown before sending (and by
//! `--dry-run`), and the safety checks. Relatics deletes every element of the type that the
//! body leaves out, so a body that would delete elements the last submit sent, a body without
//! elements, and a first submit whose effect relsync cannot know (no receipt) are refused unless
//! the user says so: with a flag, or by typing `yes` at a terminal.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context as _;

use super::receipt::{self, KeptBody, Receipt};
use super::settings::{Prepared, Settings};
use crate::diff::{self, Counts, TextReport, Words};
use crate::exit::{Exit, ExitError};
use crate::output::human_size;

/// How the plan names the kinds of change.
const SUBMIT_WORDS: Words = Words {
    created: "new",
    deleted: "would be deleted",
    see_all: "relsync diff shows all",
};

/// Deleted ids listed before "and N more".
const LIST_DELETED: usize = 20;

/// What Relatics will delete.
#[derive(Debug, PartialEq, Eq)]
pub enum Deletions {
    /// Ids the last submit sent and this body lacks (sorted; maybe none).
    Known(Vec<String>),
    /// No receipt for this endpoint: every element of the type that the body lacks, whatever
    /// that is.
    Unknown,
}

/// The plan of one submit.
pub struct Plan {
    pub text: String,
    pub deletions: Deletions,
    pub empty: bool,
}

/// What changes field by field against the body kept from the last submit.
pub struct Changes {
    counts: Counts,
    report: TextReport,
}

/// What the body kept from the last submit can tell.
pub enum Kept {
    /// The changes field by field.
    Changes(Box<Changes>),
    /// No body was kept (a receipt from an older relsync, or one that could not be kept).
    None,
    /// A body is kept but cannot be used, and why.
    Unusable(String),
}

/// Compares the body about to be sent with the one kept from the last submit, once the kept
/// body is known to be the one `receipt` records.
pub fn changes(kept: &KeptBody, receipt: &Receipt, prepared: &Prepared) -> anyhow::Result<Changes> {
    kept.verify(receipt)?;
    let mut old = diff::load_old(kept.open()?, kept.format);
    if old.problems.count > 0 {
        anyhow::bail!(
            "{} cannot be read back ({})",
            kept.path.display(),
            old.problems.first.join("; ")
        );
    }
    let file = std::fs::File::open(&prepared.path).context("reading the body")?;
    let mut report = TextReport::new(LIST_DELETED, SUBMIT_WORDS).with_names(prepared.names.clone());
    let (counts, _) = diff::compare(
        &mut old,
        std::io::BufReader::with_capacity(256 * 1024, file),
        prepared.format,
        &mut report,
    )?;
    Ok(Changes { counts, report })
}

/// Works out the plan: endpoint, authentication, body, and what changes against the last
/// submit: field by field when its body was kept (`changes`), else by external id.
pub fn plan(
    settings: &Settings,
    prepared: &Prepared,
    size: u64,
    sha256: &str,
    last: Option<&Receipt>,
    kept: &Kept,
) -> Plan {
    let mut text = String::new();
    match &settings.endpoint {
        Some(e) => text.push_str(&format!("endpoint: {e}\n")),
        // (Only a project's run holds the locks itself.)
        None if !settings.lock => text.push_str(
            "endpoint: not given (a real run needs endpoint = \"...\" in the interface's [[interface]] of the project \
             file, or target.endpoint in its template)\n",
        ),
        None => text.push_str(
            "endpoint: not given (a real submit needs --endpoint URL, RELATICS_ENDPOINT or target.endpoint)\n",
        ),
    }
    match (&settings.credentials, &settings.credentials_problem) {
        (Some(c), _) => text.push_str(&format!("token:    {}\n", c.describe())),
        (None, Some(problem)) => text.push_str(&format!("token:    incomplete: {problem}\n")),
        (None, None) => text.push_str("token:    no credentials given (a dry run needs none)\n"),
    }
    text.push_str(&format!(
        "format:   {} ({})\n",
        prepared.format.name(),
        prepared.format.content_type()
    ));
    text.push_str(&format!(
        "body:     {} element{}, {} (sha256 {})\n",
        prepared.elements,
        plural(usize::try_from(prepared.elements).unwrap_or(usize::MAX)),
        human_size(size),
        sha256.get(..16).unwrap_or(sha256)
    ));
    let deletions = match last {
        Some(r) => {
            let current: HashSet<&str> = prepared.ids.iter().map(String::as_str).collect();
            let d = receipt::diff(&r.external_ids, &current);
            text.push_str(&format!(
                "compared with the last submit ({}, {} element{}): {} new, {} kept, {} would be deleted",
                r.time,
                r.elements,
                plural(usize::try_from(r.elements).unwrap_or(usize::MAX)),
                d.new,
                d.kept,
                d.deleted.len()
            ));
            match kept {
                Kept::Changes(changes) => {
                    text.push_str(&format!(
                        "; of the kept, {} changed and {} unchanged\n",
                        changes.counts.changed, changes.counts.unchanged
                    ));
                    if !d.deleted.is_empty() {
                        let named: Vec<String> = changes
                            .report
                            .deleted()
                            .iter()
                            .map(|e| match &e.name {
                                Some(name) => format!("{} ('{}')", e.id, crate::problem::clip(name, 40)),
                                None => e.id.clone(),
                            })
                            .collect();
                        text.push_str(&deleted_list(&named, d.deleted.len()));
                    }
                    let mut details = Vec::new();
                    // Writing into memory cannot fail.
                    let _ = changes.report.write_details(&mut details, &changes.counts, false);
                    text.push_str(&String::from_utf8_lossy(&details));
                }
                Kept::None | Kept::Unusable(_) => {
                    match kept {
                        Kept::Unusable(why) => text.push_str(&format!(
                            " (the copy of that body kept in the state directory is not used, so changes per field \
                             cannot be shown: {})\n",
                            crate::value::for_terminal(why)
                        )),
                        _ => text.push_str(" (no copy of that body is kept, so changes per field cannot be shown)\n"),
                    }
                    if !d.deleted.is_empty() {
                        text.push_str(&deleted_list(&d.deleted, d.deleted.len()));
                    }
                }
            }
            Deletions::Known(d.deleted)
        }
        None if settings.endpoint.is_none() => {
            text.push_str(
                "no endpoint was given, so no earlier submit can be looked up: a real submit needs one, and compares \
                 with the last submit to it\n",
            );
            Deletions::Unknown
        }
        None => {
            text.push_str(&format!(
                "no earlier submit to this endpoint is recorded in {}, so relsync cannot tell what Relatics will \
                 delete: every element of this type that is not in this body, including elements made by hand or by \
                 another upload.\n",
                settings.state_dir.display()
            ));
            Deletions::Unknown
        }
    };
    Plan {
        text,
        deletions,
        empty: prepared.elements == 0,
    }
}

/// `  would be deleted: REQ-3 ('Sluice') REQ-4 ... and 5 more`: the first of `total`.
fn deleted_list(deleted: &[String], total: usize) -> String {
    let mut out = String::from("  would be deleted:");
    let shown = deleted.len().min(LIST_DELETED);
    for id in deleted.iter().take(shown) {
        out.push(' ');
        out.push_str(&crate::value::for_terminal(id));
    }
    if total > shown {
        out.push_str(&format!(" ... and {} more", total - shown));
    }
    out.push('\n');
    out
}

/// Why a real submit would stop before sending, as sentences for a dry run.
pub fn dry_run_notes(settings: &Settings, plan: &Plan) -> Vec<String> {
    let mut notes = Vec::new();
    if plan.empty && !settings.allow_empty {
        notes.push("a real submit would be refused: the body has no elements (use --allow-empty to send it)".into());
    }
    if !settings.allow_deletions {
        match &plan.deletions {
            Deletions::Known(d) if !d.is_empty() => notes.push(format!(
                "a real submit would ask (at a terminal) or refuse: {} element{} would be deleted (use \
                 --allow-deletions)",
                d.len(),
                plural(d.len())
            )),
            Deletions::Unknown if settings.endpoint.is_some() => notes.push(
                "a real submit would ask (at a terminal) or refuse: relsync has no receipt for this endpoint, so it \
                 cannot tell what would be deleted (use --allow-deletions)"
                    .into(),
            ),
            Deletions::Known(_) | Deletions::Unknown => {}
        }
    }
    if settings.endpoint.is_none() {
        notes.push(
            "a real submit needs an endpoint (and then asks, or refuses, before deleting what it cannot see)".into(),
        );
    }
    if settings.credentials_problem.is_some() {
        notes.push("a real submit would stop: the credentials are incomplete (see token: above)".into());
    }
    notes
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The safety checks; `Err` (exit 4) when the submit must not go ahead.
pub fn check(settings: &Settings, plan: &Plan) -> anyhow::Result<()> {
    if plan.empty && !settings.allow_empty {
        return Err(ExitError::new(
            Exit::Refused,
            "refusing to send a body without elements: Relatics would delete every element of this type. Nothing was \
             sent; run again with --allow-empty if that is what you want",
        )
        .into());
    }
    if settings.allow_deletions {
        return Ok(());
    }
    match &plan.deletions {
        Deletions::Known(d) if !d.is_empty() => {
            let question = format!(
                "Relatics will delete {} element{} of this type (listed above). Type 'yes' to send the body anyway: ",
                d.len(),
                plural(d.len())
            );
            if !confirm(&question)? {
                return Err(ExitError::new(
                    Exit::Refused,
                    format!(
                        "refusing to send: Relatics would delete {} element{} that the last submit to this endpoint \
                         sent (listed above). Nothing was sent; if they should go, run again with --allow-deletions",
                        d.len(),
                        plural(d.len())
                    ),
                )
                .into());
            }
        }
        Deletions::Unknown => {
            let question = "relsync cannot tell what Relatics will delete. Type 'yes' if this body is the complete set \
                            of elements of this type: ";
            if !confirm(question)? {
                return Err(ExitError::new(
                    Exit::Refused,
                    format!(
                        "refusing to send: relsync has no receipt of an earlier submit to this endpoint in {}, so it \
                         cannot tell which elements Relatics would delete. Nothing was sent. If this body is the \
                         complete set, run again with --allow-deletions; relsync then keeps a receipt and guards the \
                         next submit. In a pipeline, keep receipts between runs with --state-dir on storage that \
                         persists (a cache or volume), so each run is compared with the last",
                        settings.state_dir.display()
                    ),
                )
                .into());
            }
        }
        Deletions::Known(_) => {}
    }
    Ok(())
}

/// The safety checks of a project's run, with one consent for every interface: bodies without
/// elements are refused unless `allow_empty`; deletions of every interface (and interfaces
/// without a receipt) are listed together and confirmed once, at a terminal, else refused
/// unless `allow_deletions`. `Err` (exit 4) when the run must not go ahead; nothing is sent.
pub fn check_project(
    allow_deletions: bool,
    allow_empty: bool,
    state_dir: &std::path::Path,
    plans: &[(&str, &Plan)],
) -> anyhow::Result<()> {
    let quoted = |names: &[&str]| names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
    let empty: Vec<&str> = plans.iter().filter(|(_, p)| p.empty).map(|(n, _)| *n).collect();
    if !empty.is_empty() && !allow_empty {
        return Err(ExitError::new(
            Exit::Refused,
            format!(
                "refusing to send: the body of {} has no elements, so Relatics would delete every element of its type. \
                 Nothing was sent; run again with --allow-empty if that is what you want",
                quoted(&empty)
            ),
        )
        .into());
    }
    if allow_deletions {
        return Ok(());
    }
    let known: Vec<(&str, usize)> = plans
        .iter()
        .filter_map(|(n, p)| match &p.deletions {
            Deletions::Known(d) if !d.is_empty() => Some((*n, d.len())),
            _ => None,
        })
        .collect();
    let unknown: Vec<&str> = plans
        .iter()
        .filter(|(_, p)| p.deletions == Deletions::Unknown)
        .map(|(n, _)| *n)
        .collect();
    if known.is_empty() && unknown.is_empty() {
        return Ok(());
    }
    let mut what = Vec::new();
    if !known.is_empty() {
        let parts: Vec<String> = known
            .iter()
            .map(|(n, d)| format!("{d} element{} of '{n}'", plural(*d)))
            .collect();
        what.push(format!("Relatics will delete {} (listed above)", parts.join(", ")));
    }
    if !unknown.is_empty() {
        what.push(format!(
            "relsync has no receipt of an earlier submit of {} in {}, so it cannot tell what Relatics will delete there \
             (every element of the type that the body lacks)",
            quoted(&unknown),
            state_dir.display()
        ));
    }
    let what = what.join("; and ");
    if !confirm(&format!("{what}. Type 'yes' to send the interfaces of this plan: "))? {
        return Err(ExitError::new(
            Exit::Refused,
            format!(
                "refusing to send: {what}. Nothing was sent; if that is meant (each body is the complete set of its \
                 type), run again with --allow-deletions. In a pipeline, keep receipts between runs with --state-dir \
                 on storage that persists"
            ),
        )
        .into());
    }
    Ok(())
}

/// On an interactive terminal, asks `question`; anything but `yes` is no. Elsewhere, no.
fn confirm(question: &str) -> anyhow::Result<bool> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Ok(false);
    }
    crate::err!("{question}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}
