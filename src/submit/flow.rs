//! One submit, in order: the plan and the safety checks, then a token and the POST (with
//! retries), then the answer for people and a receipt for the next submit's checks.

use anyhow::Context as _;

use super::guard::{self, Kept};
use super::http::Http;
use super::receipt::{self, RECEIPT_VERSION, Receipt, Store};
use super::response::show_response;
use super::send::{Auth, Failed, with_retries};
use super::settings::{Credentials, Prepared, Settings};
use crate::exit::{Exit, ExitError};
use crate::output::human_size;

/// Everything known about one submit before anything is sent: the body's facts, what the
/// state directory says about the endpoint, and the plan. Holds the endpoint's lock (for a real
/// submit) until it is dropped.
pub struct Planned {
    pub size: u64,
    pub sha256: String,
    /// The last receipt, with the elements of a submit of unknown outcome added.
    pub last: Option<Receipt>,
    /// A submit to this endpoint whose outcome was never recorded.
    unsure: Option<Receipt>,
    pub plan: guard::Plan,
    _lock: Option<receipt::Lock>,
}

impl Planned {
    /// The body to send changed after the plan (a project's interface, made again with the IDs
    /// read since): its size and SHA-256 for the receipt.
    pub fn rebody(&mut self, prepared: &Prepared) -> anyhow::Result<()> {
        self.size = std::fs::metadata(&prepared.path).map(|m| m.len()).unwrap_or(0);
        self.sha256 = receipt::sha256_file(&prepared.path)?;
        Ok(())
    }

    /// Whether the body is byte for byte the one the last receipt records as sent (and that
    /// submit's outcome is known).
    pub fn unchanged(&self) -> bool {
        self.unsure.is_none() && self.last.as_ref().is_some_and(|r| r.body_sha256 == self.sha256)
    }
}

/// Works out the plan of sending `prepared` according to `settings`: the last receipt and any
/// unsure submit, the changes against the kept body, and what would be deleted. For a real
/// submit the endpoint's lock is taken first and held by the result.
pub fn plan(settings: &Settings, prepared: &Prepared) -> anyhow::Result<Planned> {
    let size = std::fs::metadata(&prepared.path).map(|m| m.len()).unwrap_or(0);
    let sha256 = receipt::sha256_file(&prepared.path)?;
    let store = Store::new(&settings.state_dir);
    // One submit per endpoint at a time, held from reading the receipts to saving one.
    let lock = match &settings.endpoint {
        Some(endpoint) if !settings.dry_run && settings.lock => Some(store.lock(endpoint)?),
        _ => None,
    };
    let mut last = match &settings.endpoint {
        Some(endpoint) => store.last(endpoint)?.map(|(_, r)| r),
        None => None,
    };
    // A submit whose outcome was never recorded may have been applied: guard its elements too.
    let unsure = match &settings.endpoint {
        Some(endpoint) => store.in_flight(endpoint)?,
        None => None,
    };
    if let Some(unsure) = &unsure {
        crate::errln!(
            "relsync: the submit of {} (from {}) has no receipt: its answer never came, or its receipt could not be \
             saved, so Relatics may hold its {} elements; they are guarded as well as those of the last receipt",
            crate::value::for_terminal(&unsure.time),
            crate::value::for_terminal(&unsure.input),
            unsure.elements
        );
        last = Some(match last {
            Some(receipt) => merged(receipt, unsure.clone()),
            None => unsure.clone(),
        });
    }
    // Field by field against the body kept from the last submit, when there is one (and no
    // submit since is unaccounted for); the receipt alone (external ids) is what guards deletions.
    let kept = match (&settings.endpoint, &last) {
        (Some(endpoint), Some(receipt)) => match store.kept_body(endpoint, receipt) {
            Some(kept) => match guard::changes(&kept, receipt, prepared) {
                Ok(changes) => Kept::Changes(Box::new(changes)),
                Err(e) => {
                    let why = format!("{e:#}");
                    crate::errln!(
                        "relsync: the body kept from the last submit is not used: {}; the plan counts changes by \
                         external id from the receipt",
                        crate::value::for_terminal(&why)
                    );
                    Kept::Unusable(why)
                }
            },
            None => Kept::None,
        },
        _ => Kept::None,
    };
    let plan = guard::plan(settings, prepared, size, &sha256, last.as_ref(), &kept);
    Ok(Planned {
        size,
        sha256,
        last,
        unsure,
        plan,
        _lock: lock,
    })
}

/// Sends `prepared` according to `settings`, with the safety checks first.
pub fn submit(settings: &Settings, prepared: &Prepared) -> anyhow::Result<Exit> {
    let planned = plan(settings, prepared)?;
    if let Some(page) = &prepared.report_page {
        crate::report::add_plan(page, &planned.plan.text)
            .with_context(|| format!("adding the plan to the HTML report {}", page.display()))?;
    }
    if settings.dry_run {
        crate::out!("{}", crate::value::for_terminal_lines(&planned.plan.text));
        for note in guard::dry_run_notes(settings, &planned.plan) {
            crate::outln!("{note}");
        }
        crate::outln!("dry run: no token was fetched and nothing was sent");
        return Ok(Exit::Success);
    }

    crate::err!("{}", crate::value::for_terminal_lines(&planned.plan.text));
    match deliver(settings, prepared, planned).map_err(|f| f.error)? {
        Sent::Recorded(path) => {
            crate::outln!("receipt: {}", path.display());
            Ok(Exit::Success)
        }
        Sent::NotRecorded => Ok(Exit::NotRecorded),
    }
}

/// The safety checks of a planned submit (deletions and empty bodies as `settings` allow; a
/// prompt only where `submit` asks at a terminal), then the token and the send.
/// A failure says whether the body may have reached Relatics.
pub fn deliver(settings: &Settings, prepared: &Prepared, planned: Planned) -> Result<Sent, Failed> {
    let before = |error: anyhow::Error| Failed {
        error,
        may_have_arrived: false,
    };
    guard::check(settings, &planned.plan).map_err(before)?;
    let (Some(endpoint), Some(credentials)) = (&settings.endpoint, &settings.credentials) else {
        return Err(before(anyhow::anyhow!(
            "no endpoint or no credentials; see relsync submit --help"
        )));
    };
    let mut urls = vec![endpoint.as_str()];
    if let Credentials::Client { token_url, .. } = credentials {
        urls.push(token_url);
    }
    let mut http = Http::new(settings.timeout, settings.verbose, &urls).map_err(before)?;
    if settings.verbose {
        crate::errln!("relsync: authenticating with {}", credentials.describe());
    }
    let mut auth = Auth::new(credentials, &mut http, settings.retries).map_err(before)?;
    send(settings, prepared, planned, &mut http, &mut auth)
}

/// What came of a body that Relatics accepted.
pub enum Sent {
    /// Its receipt is saved here.
    Recorded(std::path::PathBuf),
    /// The receipt could not be saved (said on stderr); the in-flight record stays.
    NotRecorded,
}

/// Sends a planned body (the safety checks done) and records it: the in-flight record first,
/// then the POST with retries, the answer for people, the receipt and the kept body. A failure
/// says whether the body may have arrived.
pub fn send(
    settings: &Settings,
    prepared: &Prepared,
    planned: Planned,
    http: &mut Http,
    auth: &mut Auth<'_>,
) -> Result<Sent, Failed> {
    let failed = |error: anyhow::Error| Failed {
        error,
        may_have_arrived: false,
    };
    let Some(endpoint) = &settings.endpoint else {
        return Err(failed(anyhow::anyhow!("no endpoint; see relsync submit --help")));
    };
    let store = Store::new(&settings.state_dir);
    let mut ids = prepared.ids.clone();
    ids.sort();
    let mut record = Receipt {
        version: RECEIPT_VERSION,
        endpoint: endpoint.clone(),
        time: now(),
        status: 0,
        format: prepared.format.name().to_ascii_lowercase(),
        body_sha256: planned.sha256.clone(),
        size: planned.size,
        elements: prepared.elements,
        input: settings.input.display().to_string(),
        relsync_version: env!("CARGO_PKG_VERSION").to_owned(),
        external_ids: ids,
    };
    // Written before anything is sent, so a state directory that cannot be written stops here.
    // An earlier unsure submit stays counted until one is known to have been applied.
    let flight = match &planned.unsure {
        Some(unsure) => merged(unsure.clone(), record.clone()),
        None => record.clone(),
    };
    store.begin(&flight).map_err(|e| {
        failed(
            ExitError::new(
                Exit::Failure,
                format!(
                    "cannot record this submit in the state directory {} ({e:#}), so the next one could not guard \
                     what it sends: nothing was sent. Make the directory writable, or give another --state-dir",
                    settings.state_dir.display()
                ),
            )
            .into(),
        )
    })?;
    let interrupted_before = crate::output::interrupt_note();
    crate::output::on_interrupt_say(Some(match &interrupted_before {
        Some(before) => format!(
            "{before}; the body for {endpoint} may already have reached Relatics, so the next submit to it guards its \
             elements as well"
        ),
        None => "the body may already have reached Relatics, so the next submit to this endpoint guards its \
                 elements as well"
            .into(),
    }));
    let sent = with_retries(
        http,
        auth,
        settings.retries,
        endpoint,
        "no receipt was recorded",
        true,
        |http, token| http.post_body(endpoint, token, &prepared.path, prepared.format, settings.accept),
    );
    crate::output::on_interrupt_say(interrupted_before);
    let answer = match sent {
        Ok(answer) => answer,
        Err(failed) => {
            if failed.may_have_arrived {
                crate::errln!(
                    "relsync: whether Relatics received the body cannot be told; the next submit to this endpoint \
                     guards its elements as well"
                );
            } else {
                // Not applied: back to what was known before this submit.
                match &planned.unsure {
                    Some(unsure) => {
                        let _ = store.begin(unsure);
                    }
                    None => store.end(endpoint),
                }
            }
            return Err(failed);
        }
    };

    // The answer first: it is the fact that matters, whatever happens to the receipt.
    crate::outln!(
        "Relatics answered {} {}: the body was accepted ({} element{}, {}, {})",
        answer.status,
        answer.reason,
        prepared.elements,
        if prepared.elements == 1 { "" } else { "s" },
        human_size(planned.size),
        prepared.format.name()
    );
    let shown = show_response(&answer, http);
    if !shown.is_empty() {
        crate::outln!("response:\n{shown}");
    }
    crate::outln!(
        "Relatics reports the result per element in the interface's Sync issues log; a 2xx answer only means \
         the body's structure was accepted."
    );

    record.status = answer.status;
    record.time = now();
    match store.save(&record) {
        Ok(path) => {
            store.end(endpoint);
            if let Err(e) = store.keep_body(&record, &prepared.path, prepared.format) {
                crate::errln!(
                    "relsync: a copy of the body could not be kept ({e:#}); the next submit shows changes by external \
                     id only"
                );
            }
            Ok(Sent::Recorded(path))
        }
        Err(e) => {
            crate::errln!(
                "relsync: the body was accepted, but its receipt could not be saved ({e:#}); the next submit to this \
                 endpoint guards its elements from the record made before sending, but fix the state directory ({}) \
                 before then",
                settings.state_dir.display()
            );
            Ok(Sent::NotRecorded)
        }
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The last receipt with the elements of a submit whose outcome is unknown added: what Relatics
/// may hold. Dated and described as the unsure submit, which came later.
fn merged(last: Receipt, unsure: Receipt) -> Receipt {
    let mut ids = last.external_ids;
    ids.extend(unsure.external_ids);
    ids.sort();
    ids.dedup();
    Receipt {
        elements: ids.len() as u64,
        external_ids: ids,
        ..unsure
    }
}
