//! `relsync submit`: arguments and environment turned into checked settings, the body made or
//! checked, then handed to `crate::submit`.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::app::{Exit, Global, input_spec, load_template};
use crate::body::BodyFormat;
use crate::cli::SubmitArgs;
use crate::submit::{self, Credentials, Prepared, Settings, bodyfile};
use crate::template::Template;

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub fn run(args: &SubmitArgs, global: &Global) -> anyhow::Result<Exit> {
    let body_format = BodyFormat::of_path(&args.input);
    let template = match &args.template {
        Some(path) => Some(load_template(path)?),
        None if body_format.is_some() => None,
        None => bail!(
            "{} is a sheet, so submit needs its column template: add --template FILE",
            args.input.display()
        ),
    };

    let endpoint = args
        .endpoint
        .clone()
        .or_else(|| env("RELATICS_ENDPOINT"))
        .or_else(|| template.as_ref().and_then(|t| t.target.endpoint.clone()));
    let Some(endpoint) = endpoint else {
        bail!("no endpoint: give --endpoint URL, set RELATICS_ENDPOINT, or set target.endpoint in the template");
    };
    let endpoint = submit::check_url(&endpoint, "endpoint")?;
    let credentials = credentials(args, template.as_ref())?;
    if credentials.is_none() && !args.dry_run {
        bail!(
            "no credentials: set RELATICS_TOKEN (or use --token-file FILE) to a ready access token, or set \
             RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET with a token URL (--token-url, RELATICS_TOKEN_URL or \
             target.token_url)"
        );
    }
    let state_dir = match &args.state_dir {
        Some(dir) => dir.clone(),
        None => submit::default_state_dir()?,
    };
    let settings = Settings {
        input: args.input.clone(),
        endpoint,
        dry_run: args.dry_run,
        allow_deletions: args.allow_deletions,
        allow_empty: args.allow_empty,
        state_dir,
        timeout: Duration::from_secs(args.timeout.max(1)),
        retries: args.retries,
        accept: args.accept,
        credentials,
        verbose: args.verbose,
    };

    // The body: a sheet is converted into a temporary file, a body file is checked as it is.
    let temp;
    let prepared = match (body_format, &template) {
        (Some(format), _) => {
            if let Some(asked) = args.format
                && asked != format
            {
                bail!(
                    "{} is a {} body; --format {} does not apply to a body made earlier",
                    args.input.display(),
                    format.name(),
                    asked.name().to_ascii_lowercase()
                );
            }
            match check_body_file(&args.input, format)? {
                Some(prepared) => prepared,
                None => return Ok(Exit::Problems),
            }
        }
        (None, Some(template)) => {
            let format = args.format.unwrap_or(BodyFormat::Json);
            temp = tempfile::NamedTempFile::new().context("creating a temporary file for the body")?;
            match convert(args, template, format, temp.path(), global)? {
                Some(prepared) => prepared,
                None => return Ok(Exit::Problems),
            }
        }
        (None, None) => unreachable!("a sheet without a template was refused above"),
    };
    submit::submit(&settings, &prepared)
}

/// Credentials from `--token-file`, `RELATICS_TOKEN`, or client id and secret; `None` if none.
fn credentials(args: &SubmitArgs, template: Option<&Template>) -> anyhow::Result<Option<Credentials>> {
    if let Some(path) = &args.token_file {
        return Ok(Some(Credentials::Token(submit::read_token_file(path)?)));
    }
    if let Some(token) = env("RELATICS_TOKEN") {
        return Ok(Some(Credentials::Token(token)));
    }
    let (id, secret) = (env("RELATICS_CLIENT_ID"), env("RELATICS_CLIENT_SECRET"));
    match (id, secret) {
        (Some(id), Some(secret)) => {
            let token_url = args
                .token_url
                .clone()
                .or_else(|| env("RELATICS_TOKEN_URL"))
                .or_else(|| template.and_then(|t| t.target.token_url.clone()));
            let Some(token_url) = token_url else {
                bail!(
                    "RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET are set but there is no token URL: give --token-url, set \
                     RELATICS_TOKEN_URL, or set target.token_url in the template (Relatics shows it with the API key)"
                );
            };
            let token_url = submit::check_url(&token_url, "token URL")?;
            Ok(Some(Credentials::Client { id, secret, token_url }))
        }
        (Some(_), None) => bail!("RELATICS_CLIENT_ID is set but RELATICS_CLIENT_SECRET is not"),
        (None, Some(_)) => bail!("RELATICS_CLIENT_SECRET is set but RELATICS_CLIENT_ID is not"),
        (None, None) => Ok(None),
    }
}

/// Checks a body made earlier; prints its problems and returns `None` if it has any.
fn check_body_file(path: &Path, format: BodyFormat) -> anyhow::Result<Option<Prepared>> {
    let check = bodyfile::check(path, format)?;
    if check.problem_count > 0 {
        for p in &check.problems {
            eprintln!("{}  error  invalid-body  {p}", path.display());
        }
        if check.problem_count > check.problems.len() as u64 {
            eprintln!("... and {} more", check.problem_count - check.problems.len() as u64);
        }
        eprintln!(
            "nothing was sent: {} is not a valid {} body",
            path.display(),
            format.name()
        );
        return Ok(None);
    }
    Ok(Some(Prepared {
        path: path.to_owned(),
        format,
        elements: check.elements,
        ids: check.ids,
    }))
}

/// Converts a sheet into `body_path`; prints the report and returns `None` if problems stop it.
fn convert(
    args: &SubmitArgs,
    template: &Template,
    format: BodyFormat,
    body_path: &Path,
    global: &Global,
) -> anyhow::Result<Option<Prepared>> {
    let spec = input_spec(&args.input, args.options.sheet.as_deref(), template)?;
    let template_path = args.template.as_deref().unwrap_or(Path::new(""));
    let file = std::fs::File::create(body_path).context("writing the body")?;
    let mut out = BufWriter::with_capacity(256 * 1024, file);
    let run = super::SheetRun {
        spec: &spec,
        template,
        template_path,
        strict: args.options.strict,
        report_file: args.options.report_file.as_deref(),
        collect_ids: true,
        // An empty sheet is not a problem of the sheet here: it is an empty body, which the
        // safety check refuses (exit 4) unless --allow-empty.
        allow_empty: true,
        started: std::time::Instant::now(),
    };
    let result = super::convert_sheet(&run, &mut out, format, false, global)?;
    out.flush().context("writing the body")?;
    super::print_summary(&run, &result.outcome, global, "");
    if !result.outcome.body_complete {
        eprintln!("nothing was sent: {}", super::blocked_message(&result.outcome));
        return Ok(None);
    }
    Ok(Some(Prepared {
        path: body_path.to_owned(),
        format,
        elements: result.elements,
        ids: result.outcome.external_ids,
    }))
}
