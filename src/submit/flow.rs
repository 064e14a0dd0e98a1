//! One submit, in order: the plan and the safety checks, then a token and the POST (with
//! retries), then the answer for people and a receipt for the next submit's checks.

use anyhow::bail;

use super::guard::{self, Kept};
use super::http::Http;
use super::receipt::{self, RECEIPT_VERSION, Receipt, Store};
use super::response::show_response;
use super::send::{Auth, with_retries};
use super::settings::{Credentials, Prepared, Settings};
use crate::exit::{Exit, ExitError};
use crate::output::human_size;

/// Sends `prepared` according to `settings`, with the safety checks first.
pub fn submit(settings: &Settings, prepared: &Prepared) -> anyhow::Result<Exit> {
    let size = std::fs::metadata(&prepared.path).map(|m| m.len()).unwrap_or(0);
    let sha256 = receipt::sha256_file(&prepared.path)?;
    let store = Store::new(&settings.state_dir);
    // One submit per endpoint at a time, held from reading the receipts to saving one.
    let _lock = match &settings.endpoint {
        Some(endpoint) if !settings.dry_run => Some(store.lock(endpoint)?),
        _ => None,
    };
    let mut last = match &settings.endpoint {
        Some(endpoint) => store.last(endpoint)?,
        None => None,
    };
    // A submit whose outcome was never recorded may have been applied: guard its elements too.
    let in_flight = match &settings.endpoint {
        Some(endpoint) => store.in_flight(endpoint)?,
        None => None,
    };
    let unsure_before = in_flight.clone();
    if let Some(unsure) = in_flight {
        eprintln!(
            "relsync: the submit of {} (from {}) has no receipt: its answer never came, or its receipt could not be \
             saved, so Relatics may hold its {} elements; they are guarded as well as those of the last receipt",
            crate::value::for_terminal(&unsure.time),
            crate::value::for_terminal(&unsure.input),
            unsure.elements
        );
        last = Some(match last {
            Some((path, receipt)) => (path, merged(receipt, unsure)),
            None => (store.endpoint_dir(&unsure.endpoint), unsure),
        });
    }
    // Field by field against the body kept from the last submit, when there is one (and no
    // submit since is unaccounted for); the receipt alone (external ids) is what guards deletions.
    let kept = match (&settings.endpoint, &last) {
        (Some(endpoint), Some((_, receipt))) => match store.kept_body(endpoint, receipt) {
            Some(kept) => match guard::changes(&kept, receipt, prepared) {
                Ok(changes) => Kept::Changes(changes),
                Err(e) => {
                    let why = format!("{e:#}");
                    eprintln!(
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
    let plan = guard::plan(settings, prepared, size, &sha256, last.as_ref().map(|(_, r)| r), &kept);

    if settings.dry_run {
        print!("{}", crate::value::for_terminal_lines(&plan.text));
        for note in guard::dry_run_notes(settings, &plan) {
            println!("{note}");
        }
        println!("dry run: no token was fetched and nothing was sent");
        return Ok(Exit::Success);
    }

    eprint!("{}", crate::value::for_terminal_lines(&plan.text));
    guard::check(settings, &plan)?;
    let (Some(endpoint), Some(credentials)) = (&settings.endpoint, &settings.credentials) else {
        bail!("no endpoint or no credentials; see relsync submit --help");
    };
    let mut urls = vec![endpoint.as_str()];
    if let Credentials::Client { token_url, .. } = credentials {
        urls.push(token_url);
    }
    let mut http = Http::new(settings.timeout, settings.verbose, &urls)?;
    if settings.verbose {
        eprintln!("relsync: authenticating with {}", credentials.describe());
    }
    let mut auth = Auth::new(credentials, &mut http, settings.retries)?;

    let mut ids = prepared.ids.clone();
    ids.sort();
    let mut record = Receipt {
        version: RECEIPT_VERSION,
        endpoint: endpoint.clone(),
        time: now(),
        status: 0,
        format: prepared.format.name().to_ascii_lowercase(),
        body_sha256: sha256,
        size,
        elements: prepared.elements,
        input: settings.input.display().to_string(),
        relsync_version: env!("CARGO_PKG_VERSION").to_owned(),
        external_ids: ids,
    };
    // Written before anything is sent, so a state directory that cannot be written stops here.
    // An earlier unsure submit stays counted until one is known to have been applied.
    let flight = match &unsure_before {
        Some(unsure) => merged(unsure.clone(), record.clone()),
        None => record.clone(),
    };
    store.begin(&flight).map_err(|e| {
        ExitError::new(
            Exit::Failure,
            format!(
                "cannot record this submit in the state directory {} ({e:#}), so the next one could not guard \
                 what it sends: nothing was sent. Make the directory writable, or give another --state-dir",
                settings.state_dir.display()
            ),
        )
    })?;
    crate::output::on_interrupt_say(Some(
        "the body may already have reached Relatics, so the next submit to this endpoint guards its elements \
         as well"
            .into(),
    ));
    let sent = with_retries(
        &mut http,
        &mut auth,
        settings.retries,
        endpoint,
        "no receipt was recorded",
        |http, token| http.post_body(endpoint, token, &prepared.path, prepared.format, settings.accept),
    );
    crate::output::on_interrupt_say(None);
    let answer = match sent {
        Ok(answer) => answer,
        Err(failed) => {
            if failed.may_have_arrived {
                eprintln!(
                    "relsync: whether Relatics received the body cannot be told; the next submit to this endpoint \
                     guards its elements as well"
                );
            } else {
                // Not applied: back to what was known before this submit.
                match &unsure_before {
                    Some(unsure) => {
                        let _ = store.begin(unsure);
                    }
                    None => store.end(endpoint),
                }
            }
            return Err(failed.error);
        }
    };

    // The answer first: it is the fact that matters, whatever happens to the receipt.
    println!(
        "Relatics answered {} {}: the body was accepted ({} element{}, {}, {})",
        answer.status,
        answer.reason,
        prepared.elements,
        if prepared.elements == 1 { "" } else { "s" },
        human_size(size),
        prepared.format.name()
    );
    let shown = show_response(&answer, &http);
    if !shown.is_empty() {
        println!("response:\n{shown}");
    }
    println!(
        "Relatics reports the result per element in the interface's Sync issues log; a 2xx answer only means \
         the body's structure was accepted."
    );

    record.status = answer.status;
    record.time = now();
    match store.save(&record) {
        Ok(path) => {
            store.end(endpoint);
            println!("receipt: {}", path.display());
            if let Err(e) = store.keep_body(&record, &prepared.path, prepared.format) {
                eprintln!(
                    "relsync: a copy of the body could not be kept ({e:#}); the next submit shows changes by external \
                     id only"
                );
            }
            Ok(Exit::Success)
        }
        Err(e) => {
            eprintln!(
                "relsync: the body was accepted, but its receipt could not be saved ({e:#}); the next submit to this \
                 endpoint guards its elements from the record made before sending, but fix the state directory ({}) \
                 before then",
                settings.state_dir.display()
            );
            Ok(Exit::NotRecorded)
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
