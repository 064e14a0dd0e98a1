//! `relsync completions SHELL` and `relsync man`: both rendered from the clap definitions in
//! `crate::cli`, so they never disagree with `--help`.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::Exit;

/// Writes the completion script for `shell` to standard output.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    // clap_complete panics when its writer fails (a full disk, a closed pipe): the script is
    // made in memory, where writing cannot fail, and written out with the error handled.
    let script = completion_script(shell);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::Error::new(e).context("writing the completion script to standard output"))?;
    Ok(Exit::Success)
}

/// The completion script for `shell`.
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "relsync", &mut script);
    script
}

/// Writes the manual page (roff) to standard output.
pub fn man() -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    write_man(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::Error::new(e).context("writing the manual page to standard output"))?;
    Ok(Exit::Success)
}

/// One page: relsync itself, then a section per command (`RELSYNC CONVERT`, ...) with its
/// synopsis, description, options and the examples and exit codes of its `--help`.
pub fn write_man(out: &mut dyn Write) -> std::io::Result<()> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let page = clap_mangen::Man::new(cmd.clone());
    let mut head = Vec::new();
    page.render_title(&mut head)?;
    page.render_name_section(&mut head)?;
    page.render_synopsis_section(&mut head)?;
    page.render_description_section(&mut head)?;
    page.render_options_section(&mut head)?;
    out.write_all(&head)?;
    // The commands are sections of this page (clap_mangen's list would point at pages of
    // their own, which relsync does not install).
    writeln!(out, ".SH COMMANDS")?;
    for sub in leaves(&cmd) {
        let name = sub.get_bin_name().unwrap_or(sub.get_name());
        writeln!(out, ".TP\n\\fB{}\\fR", roff_text(name))?;
        writeln!(
            out,
            "{}",
            roff_text(&sub.get_about().map(|a| a.to_string()).unwrap_or_default())
        )?;
    }
    for sub in leaves(&cmd) {
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_uppercase();
        writeln!(out, ".SH \"{}\"", name.replace('"', ""))?;
        let man = clap_mangen::Man::new(sub.clone());
        let mut section = Vec::new();
        man.render_synopsis_section(&mut section)?;
        man.render_description_section(&mut section)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut section)?;
        }
        if sub.get_after_long_help().is_some() {
            verbatim(&man, ".SS \"Examples and exit codes\"", &mut section)?;
        }
        // The page's own sections become subsections of the command's.
        let text = String::from_utf8_lossy(&section)
            .replace(".SH SYNOPSIS", ".SS Synopsis")
            .replace(".SH DESCRIPTION", ".SS Description")
            .replace(".SH OPTIONS", ".SS Options");
        out.write_all(text.as_bytes())?;
    }
    verbatim(&page, ".SH \"EXAMPLES AND EXIT CODES\"", out)?;
    page.render_version_section(out)
}

/// The text after `--help`'s options (examples, exit codes) under `heading`, lines kept as
/// they are (no filling: the examples are laid out in columns).
fn verbatim(man: &clap_mangen::Man, heading: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mut extra = Vec::new();
    man.render_extra_section(&mut extra)?;
    let text = String::from_utf8_lossy(&extra).replacen(".SH EXTRA", &format!("{heading}\n.nf"), 1);
    out.write_all(text.as_bytes())?;
    writeln!(out, ".fi")
}

/// Text for a roff line: backslashes and hyphens escaped, no line starting with a control
/// character.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    match escaped.starts_with(['.', '\'']) {
        true => format!("\\&{escaped}"),
        false => escaped,
    }
}

/// The commands that run something (`template init`, not `template`), in the order of `--help`.
fn leaves(cmd: &clap::Command) -> Vec<&clap::Command> {
    let mut found = Vec::new();
    for sub in cmd.get_subcommands() {
        if sub.has_subcommands() {
            found.extend(leaves(sub));
        } else {
            found.push(sub);
        }
    }
    found
}
