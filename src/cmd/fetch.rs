//! `relsync fetch-lookup`: a providing interface's answer saved as a lookup file.

use std::io::Write;

use super::settings::FetchSettings;
use crate::exit::Exit;
use crate::lookup::{Fields, Lookup};
use crate::output::{Destination, Staged, human_size};
use crate::submit::http::Http;
use crate::submit::{Auth, with_retries};

pub fn run(settings: &FetchSettings) -> anyhow::Result<Exit> {
    let mut urls = vec![settings.endpoint.as_str()];
    if let crate::submit::Credentials::Client { token_url, .. } = &settings.credentials {
        urls.push(token_url);
    }
    let mut http = Http::new(settings.timeout, settings.verbose, &urls)?;
    let mut auth = Auth::new(&settings.credentials, &mut http, settings.retries)?;
    let endpoint = settings.endpoint.as_str();
    let answer = with_retries(
        &mut http,
        &mut auth,
        settings.retries,
        endpoint,
        "nothing was saved",
        |http, token| http.get(endpoint, token, settings.accept),
    )?;
    if answer.truncated {
        return Err(crate::exit::ExitError::new(
            Exit::SubmitFailed,
            format!(
                "{endpoint} answered more than {}, more than relsync reads for a lookup: nothing was saved",
                human_size(crate::submit::http::MAX_LOOKUP_RESPONSE)
            ),
        )
        .into());
    }
    let mut staged = Staged::new(Destination::File(settings.output.clone()))?;
    staged.writer().write_all(&answer.body)?;
    let size = staged.commit()?;
    let path = settings.output.display();
    match Lookup::load(&settings.output, &Fields::default()) {
        Ok(lookup) => println!(
            "saved {path} ({}): {} name/ID pair{} recognised",
            human_size(size),
            lookup.len(),
            if lookup.len() == 1 { "" } else { "s" }
        ),
        Err(e) => {
            let hint = if e.why.contains("lookup_id") {
                ""
            } else {
                "; set lookup_id and lookup_name on the relation if the answer names its fields otherwise"
            };
            println!(
                "saved {path} ({}), but no name/ID pairs were recognised ({}){hint}",
                human_size(size),
                e.why
            )
        }
    }
    Ok(Exit::Success)
}
