//! `relsync completions SHELL` and `relsync man` cover every command and every flag, as the
//! clap definitions (and so `--help`) have them.

use clap::CommandFactory;
use relsync::cli::Cli;

use crate::support::*;

/// Every runnable command (`template init`, not `template`) with its long and short flags.
fn commands() -> Vec<(Vec<String>, Vec<String>, Vec<char>)> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, Vec<String>, Vec<char>)>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut p = path.clone();
            p.push(sub.get_name().to_owned());
            if sub.has_subcommands() {
                walk(sub, p, out);
            } else {
                let longs = sub
                    .get_arguments()
                    .filter_map(|a| a.get_long())
                    .map(str::to_owned)
                    .collect();
                let shorts = sub.get_arguments().filter_map(|a| a.get_short()).collect();
                out.push((p, longs, shorts));
            }
        }
    }
    let mut cmd = Cli::command();
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, Vec::new(), &mut out);
    out
}

#[test]
fn completions_know_every_command_and_flag() {
    let dir = Dir::new();
    let all = commands();
    assert!(all.len() >= 7, "{all:?}");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = dir.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {run:?}");
        let script = &run.stdout;
        for (path, longs, shorts) in &all {
            for name in path {
                assert!(script.contains(name.as_str()), "{shell}: no command {name}");
            }
            for long in longs {
                let spelled = match shell {
                    "fish" => format!("-l {long}"),
                    _ => format!("--{long}"),
                };
                assert!(script.contains(&spelled), "{shell}: no {spelled} for {path:?}");
            }
            for short in shorts {
                let spelled = match shell {
                    "fish" => format!("-s {short}"),
                    _ => format!("-{short}"),
                };
                assert!(script.contains(&spelled), "{shell}: no {spelled} for {path:?}");
            }
        }
    }
    let bad = dir.run(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2, "{bad:?}");
}

#[test]
fn the_manual_page_has_a_section_for_every_command_with_its_flags() {
    let dir = Dir::new();
    let run = dir.run(&["man"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with(".ie") || run.stdout.starts_with(".TH"),
        "not roff"
    );
    // roff escapes hyphens; the reader sees them plain.
    let page = run.stdout.replace("\\-", "-");
    for (path, longs, shorts) in commands() {
        let heading = format!(".SH \"RELSYNC {}\"", path.join(" ").to_uppercase());
        let start = page.find(&heading).unwrap_or_else(|| panic!("no section {heading}"));
        let end = page[start + 1..].find(".SH ").map_or(page.len(), |e| start + 1 + e);
        let section = &page[start..end];
        for long in &longs {
            assert!(section.contains(&format!("--{long}")), "{heading}: no --{long}");
        }
        for short in &shorts {
            assert!(section.contains(&format!("-{short}")), "{heading}: no -{short}");
        }
    }
    assert!(page.contains(".SH \"EXAMPLES AND EXIT CODES\""));
}
