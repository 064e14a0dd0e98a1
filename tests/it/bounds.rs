//! Bounded work in the commands added after the readers (issue 17): each case a small input that
//! used to take gigabytes or hours, or changed data without a word. The tests assert outcomes
//! (exit codes, what was written and how large, that a run ends); the figures for large inputs
//! are in the README, from `scripts/bench-bounds`.

use std::io::Write as _;
use std::time::Duration;

use crate::server::{Reply, Server};
use crate::support::*;

/// Runs relsync with its address space limited to `bytes` (Linux): a run that needs more
/// aborts, so a test can tell work in proportion to a row from work in proportion to a sheet.
#[cfg(target_os = "linux")]
fn run_limited(dir: &Dir, args: &[&str], bytes: u64) -> Run {
    use std::os::unix::process::CommandExt;
    let mut cmd = dir.command(args);
    // SAFETY: only an async-signal-safe call (setrlimit) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let out = cmd.output().expect("run relsync");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The address space a limited run gets.
#[cfg(target_os = "linux")]
const LIMIT: u64 = 512 << 20;

/// `template init` keeps counts and short examples, never rows: a merged range that repeats one
/// long text over 16,383 columns and many rows reads in the memory of one row (the head rows
/// were held twice, whole: gigabytes).
#[cfg(target_os = "linux")]
#[test]
fn template_init_holds_no_rows() {
    let dir = Dir::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Wide").unwrap();
    ws.write_string(0, 0, "ID").unwrap();
    ws.write_string(0, 1, "Omschrijving").unwrap();
    for r in 1..12u32 {
        ws.write_string(r, 0, format!("OBJ-{r}")).unwrap();
    }
    let long = "lange omschrijving ".repeat(100);
    ws.merge_range(1, 1, 11, 16_383, &long, &rust_xlsxwriter::Format::new())
        .unwrap();
    wb.save(dir.path("wide.xlsx")).unwrap();
    assert!(std::fs::metadata(dir.path("wide.xlsx")).unwrap().len() < 20_000);
    // One row of this sheet holds 16,383 x 1,900 characters (31 MB): the 12 rows held twice
    // need 750 MB, one row at a time far less than the limit.
    let run = run_limited(&dir, &["template", "init", "wide.xlsx", "-o", "wide.toml"], LIMIT);
    assert_eq!(run.code, 0, "{run:?}");
    let toml = dir.read("wide.toml");
    assert!(toml.contains("column = \"ID\""), "{}", &toml[..toml.len().min(2000)]);
    // Every comment's example is clipped: the template stays small.
    assert!(toml.len() < 200_000, "{} bytes", toml.len());
}

/// The header row is chosen among the first rows even when one header is long, and a template
/// whose header row has a row above it that looks like an element says so.
#[test]
fn a_long_header_is_a_header_and_data_above_the_header_is_said() {
    let dir = Dir::new();
    let long = "Omschrijving van de eis zoals vastgelegd in het programma van eisen";
    dir.write(
        "eisen.csv",
        format!("ID;Title;Status;{long}\nREQ-1;Pomp;Draft;a\nREQ-2;Gemaal;Draft;b\nREQ-3;Sluis;Draft;c\n"),
    );
    let run = dir.run(&["template", "init", "eisen.csv", "-o", "eisen.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        dir.read("eisen.toml").contains("header_row = 1"),
        "{}",
        dir.read("eisen.toml")
    );
    let run = dir.run(&["convert", "eisen.csv", "-t", "eisen.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let body = run.json();
    let ids: Vec<&str> = elements(&body, "eisen")
        .iter()
        .map(|e| e["@externalid"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["REQ-1", "REQ-2", "REQ-3"]);
    // The same file with a template that says row 2 holds the headers: row 1 looks like an
    // element (a value in every mapped column), and is said; the body is written (a warning).
    let template = dir.read("eisen.toml").replace("header_row = 1", "header_row = 2");
    let template = template
        .replace("column = \"ID\"", "column = \"REQ-1\"")
        .replace("column = \"Title\"", "column = \"Pomp\"")
        .replace("column = \"Status\"", "column = \"Draft\"")
        .replace(&format!("column = \"{long}\""), "column = \"a\"");
    dir.write("shifted.toml", template);
    let run = dir.run(&["check", "eisen.csv", "-t", "shifted.toml", "--report", "json"]);
    let report = run.json();
    let above = problems_with_code(&report, "data-above-header");
    // Row 1 looks like an element, and so does the header row itself: 'REQ-1' heads the
    // external id's column and is shaped like the ids under it.
    assert_eq!(above.len(), 2, "{report}");
    assert_eq!(above[0]["cell"], "A1");
    assert_eq!(above[1]["cell"], "A2");
    assert!(
        above[1]["message"]
            .as_str()
            .unwrap()
            .contains("headed 'REQ-1', shaped like the external ids under it ('REQ-2')"),
        "{}",
        above[1]["message"]
    );
    assert_eq!(above[0]["severity"], "warning");
    assert!(
        above[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("row 1 is above the header row (row 2, source.header_row) and has values in 4 of the 4"),
        "{}",
        above[0]["message"]
    );
    let strict = dir.run(&["convert", "eisen.csv", "-t", "shifted.toml", "--strict"]);
    assert_eq!(strict.code, 1, "{strict:?}");
}

/// A lookup whose name is shared by 10,000 elements: each problem names five and counts the
/// rest, so reports stay small.
#[test]
fn ambiguous_targets_name_a_few_candidates_and_count_the_rest() {
    let dir = Dir::new();
    let mut lookup = String::from("[");
    for i in 0..10_000 {
        if i > 0 {
            lookup.push(',');
        }
        lookup.push_str(&format!(r#"{{"id": "X-{i}", "name": "X"}}"#));
    }
    lookup.push(']');
    dir.write("x.json", lookup);
    let mut csv = String::from("ID;Ligt in\n");
    for i in 0..200 {
        csv.push_str(&format!("OBJ-{i};X\n"));
    }
    dir.write("objects.csv", csv);
    dir.write(
        "t.toml",
        "[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n\
         [[relation]]\nrole = \"Ligt in\"\ncolumn = \"Ligt in\"\ntarget = \"Gebied\"\nlookup = \"x.json\"\n",
    );
    let run = dir.run(&[
        "check",
        "objects.csv",
        "-t",
        "t.toml",
        "--report",
        "json",
        "--html-report",
        "r.html",
    ]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let ambiguous = problems_with_code(&report, "ambiguous-target");
    assert_eq!(ambiguous.len(), 200);
    assert_eq!(
        ambiguous[0]["message"],
        "'Ligt in': 'X' names 10,000 elements in x.json (X-0, X-1, X-2, X-3, X-4 and 9,995 more); write the \
         element ID of the one meant"
    );
    assert!(run.stdout.len() < 200_000, "JSON report of {} bytes", run.stdout.len());
    let html = std::fs::metadata(dir.path("r.html")).unwrap().len();
    assert!(html < 400_000, "HTML report of {html} bytes");
}

/// An ID in the wrong case is never taken for the element whose name it equals.
#[test]
fn a_wrong_case_id_is_a_problem_not_another_element() {
    let dir = Dir::new();
    dir.write("g.csv", "name;id\nNoord;G-1\nG-1;G-4\n");
    dir.write("objects.csv", "ID;Ligt in\nOBJ-1;g-1\nOBJ-2;G-1\nOBJ-3;noord\n");
    dir.write(
        "t.toml",
        "[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n\
         [[relation]]\nrole = \"Ligt in\"\ncolumn = \"Ligt in\"\ntarget = \"Gebied\"\nlookup = \"g.csv\"\n",
    );
    let run = dir.run(&["check", "objects.csv", "-t", "t.toml", "--report", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let unknown = problems_with_code(&report, "unknown-target");
    assert_eq!(unknown.len(), 1, "{report}");
    assert_eq!(unknown[0]["cell"], "B2");
    assert_eq!(
        unknown[0]["message"],
        "'Ligt in': 'g-1' is not an element ID in g.csv, but 'G-1' is, in other letter case; element IDs are \
         matched exactly: write 'G-1'"
    );
    // Without the wrong-case cell the body holds G-1 twice (an ID, and a name), never G-4.
    dir.write("objects.csv", "ID;Ligt in\nOBJ-2;G-1\nOBJ-3;noord\n");
    let run = dir.run(&["convert", "objects.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("G-4"), "{}", run.stdout);
}

/// "Did you mean" on long texts: a 32,014-character cell against a lookup, and a 200,000
/// character header against a sync template's names, end (they took minutes to hours), and the
/// messages quote the long text clipped with its length.
#[test]
fn suggestions_for_long_texts_are_bounded() {
    let dir = Dir::new();
    let mut lookup = String::from("name;id\n");
    for i in 0..20_000 {
        lookup.push_str(&format!("Gemaal nummer {i};G-{i}\n"));
    }
    dir.write("g.csv", lookup);
    let long = format!("{}x", &"Gemaal nummer 1 ".repeat(2001)[..32_013]);
    dir.write("objects.csv", format!("ID;Ligt in\nOBJ-1;{long}\nOBJ-2;{long}x\n"));
    dir.write(
        "t.toml",
        "[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n\
         [[relation]]\nrole = \"Ligt in\"\ncolumn = \"Ligt in\"\ntarget = \"Gebied\"\nlookup = \"g.csv\"\n",
    );
    let run = dir.run(&["check", "objects.csv", "-t", "t.toml", "--report", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let unknown = problems_with_code(&report, "unknown-target");
    assert_eq!(unknown.len(), 2);
    let message = unknown[0]["message"].as_str().unwrap();
    assert!(message.contains("… (32,014 characters)'"), "{message}");
    assert!(message.len() < 1000, "{message}");

    // A header of 200,000 characters, and a sync template whose names are long too.
    let header = "Omschrijving ".repeat(15_400);
    dir.write("wide.csv", format!("ID;{header}\nOBJ-1;a\nOBJ-2;b\n"));
    // Excel holds at most 32,767 characters in a cell.
    let sync_name = format!("{}x", "Omschrijving ".repeat(2_300));
    xlsx(
        &dir.path("sync.xlsx"),
        "Objects",
        &[vec![C::S("ExternalId"), C::Str(sync_name)]],
    );
    let run = dir.run(&[
        "template",
        "init",
        "wide.csv",
        "--sync-template",
        "sync.xlsx",
        "-o",
        "w.toml",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
}

/// Headers taken from the sheet are clipped in every report, saying their length.
#[test]
fn long_headers_are_clipped_in_reports() {
    let dir = Dir::new();
    let header = "H".repeat(100_000);
    let mut csv = format!("ID;{header}\n");
    for i in 0..300 {
        csv.push_str(&format!("OBJ-{i};not a number\n"));
    }
    dir.write("n.csv", csv);
    dir.write(
        "t.toml",
        format!(
            "[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n\
             [[property]]\nname = \"Weight\"\ncolumn = \"{header}\"\ntype = \"number\"\n"
        ),
    );
    let run = dir.run(&[
        "check",
        "n.csv",
        "-t",
        "t.toml",
        "--report",
        "json",
        "--html-report",
        "r.html",
        "--annotate",
        "a.xlsx",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let bad = problems_with_code(&report, "not-a-number");
    assert_eq!(bad.len(), 300);
    let column = bad[0]["column"].as_str().unwrap();
    assert!(column.ends_with("… (100,000 characters)"), "{column}");
    assert!(column.chars().count() < 250);
    assert!(run.stdout.len() < 300_000, "JSON report of {} bytes", run.stdout.len());
    let html = std::fs::metadata(dir.path("r.html")).unwrap().len();
    assert!(html < 500_000, "HTML report of {html} bytes");
}

/// Checking a template is linear in its fields: 16,383 of them, as `template init` writes for
/// the widest sheet, used to take seconds in release builds and minutes here.
#[test]
fn a_template_of_sixteen_thousand_fields_checks_in_proportion() {
    let dir = Dir::new();
    let mut template =
        String::from("[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n");
    let mut header = String::from("ID");
    let mut row = String::from("OBJ-1");
    for i in 0..16_383 {
        template.push_str(&format!(
            "\n# column {i}\n[[property]]\nname = \"P{i}\"\ncolumn = \"C{i}\"\ntype = \"single-line-text\"\n"
        ));
        header.push_str(&format!(";C{i}"));
        row.push_str(&format!(";v{i}"));
    }
    dir.write("t.toml", template);
    dir.write("wide.csv", format!("{header}\n{row}\n"));
    let run = dir.run(&["check", "wide.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
}

fn lookup_template(dir: &Dir, relations: usize) {
    let mut t = String::from("[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n");
    let mut header = String::from("ID");
    let mut row = String::from("OBJ-1");
    for i in 0..relations {
        t.push_str(&format!(
            "[[relation]]\nrole = \"R{i}\"\ncolumn = \"R{i}\"\ntarget = \"Gebied\"\nlookup = \"g.csv\"\n"
        ));
        header.push_str(&format!(";R{i}"));
        row.push_str(";Noord");
    }
    dir.write("t.toml", t);
    dir.write("o.csv", format!("{header}\n{row}\n"));
}

/// Twenty relations on one lookup: the file is read once (a lookup that can only be read once,
/// a named pipe, is refused before reading; so this checks the result, and the README has the
/// memory figure).
#[test]
fn one_lookup_for_many_relations() {
    let dir = Dir::new();
    dir.write("g.csv", "name;id\nNoord;G-1\n");
    lookup_template(&dir, 20);
    let run = dir.run(&["convert", "o.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let body = run.json();
    let element = &elements(&body, "Objects")[0];
    for i in 0..20 {
        assert_eq!(element[format!("R{i}")][0]["@id"], "G-1");
    }
}

const PROVIDING: &str = "/api/v1/workspaces/0b5d/interfaces/providing/gebieden";

/// `--timeout` is a limit for the whole exchange: a server that sends its headers and then a
/// byte at a time is given up on when the time is up (it used to hold the run for as long as
/// the bytes kept coming).
#[test]
fn the_time_limit_covers_the_whole_answer() {
    let dir = Dir::new();
    // 230 bytes, one every 100 ms: the whole answer would take 23 s.
    let body = format!(r#"[{{"id": "G-1", "name": "Noord"}}]{}"#, " ".repeat(200));
    let server = Server::start(move |_, _| Reply::Trickle(Duration::from_millis(100), body.clone()));
    let endpoint = server.url(PROVIDING);
    let run = dir.run_with(
        &[
            "fetch-lookup",
            "--endpoint",
            &endpoint,
            "-o",
            "g.json",
            "--timeout",
            "2",
            "--retries",
            "0",
        ],
        &[("RELATICS_TOKEN", "ready-token-1")],
        None,
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("no answer within 2 s"), "{}", run.stderr);
    assert!(!dir.exists("g.json"));

    // A submit too.
    let server = Server::start(|_, _| Reply::Trickle(Duration::from_millis(100), format!("{{{}}}", " ".repeat(300))));
    req_workbook(&dir, &[req_row("REQ-1", "Pump")]);
    let run = submit_sheet(
        &dir,
        &server.url("/api/v1/workspaces/0b5d/interfaces/synchronizing/req"),
        "ready-token-1",
        &["--timeout", "2", "--retries", "0", "--allow-deletions"],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("no answer within 2 s"), "{}", run.stderr);
}

/// `fetch-lookup` refuses an answer that is not a lookup (a login page with 200, a body cut off
/// by a closed connection) with exit 3, and leaves the lookup that was there as it was.
#[test]
fn fetch_lookup_keeps_the_old_lookup_when_the_answer_is_unusable() {
    let dir = Dir::new();
    let good = r#"[{"id": "G-1", "name": "Noord"}]"#;
    dir.write("g.json", good);
    let login = Server::start(|_, _| {
        Reply::Respond(
            200,
            vec![("Content-Type", "text/html".into())],
            "<html><body><form>Log in to Relatics</form></body></html>".into(),
        )
    });
    let cut = Server::start(|_, _| {
        let mut raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n".to_vec();
        raw.extend_from_slice(br#"[{"id": "G-1", "name": "Noord"}, {"id": "G-2", "na"#);
        Reply::Raw(raw)
    });
    let empty = Server::start(|_, _| Reply::json(200, r#"{"Gebieden": []}"#));
    for (server, words) in [
        (&login, "not valid JSON"),
        (&cut, "the connection was closed before a whole answer arrived"),
        (&empty, "holds no name/ID pairs"),
    ] {
        let endpoint = server.url(PROVIDING);
        let run = dir.run_with(
            &[
                "fetch-lookup",
                "--endpoint",
                &endpoint,
                "-o",
                "g.json",
                "--retries",
                "0",
            ],
            &[("RELATICS_TOKEN", "ready-token-1")],
            None,
        );
        assert_eq!(run.code, 3, "{run:?}");
        assert!(run.stderr.contains(words), "{words}: {}", run.stderr);
        assert_eq!(dir.read("g.json"), good, "{words}");
    }
    // The refusal says what came back.
    let run = dir.run_with(
        &["fetch-lookup", "--endpoint", &login.url(PROVIDING), "-o", "g.json"],
        &[("RELATICS_TOKEN", "ready-token-1")],
        None,
    );
    assert!(
        run.stderr.contains("answered 200 OK with")
            && run.stderr.contains("text/html")
            && run.stderr.contains("It begins: <html><body><form>Log in to Relatics"),
        "{}",
        run.stderr
    );
}

/// The body kept from the last submit is used only when it is the one the receipt records.
#[test]
fn a_replaced_kept_body_is_not_believed() {
    let dir = Dir::new();
    let server = Server::start(|_, _| Reply::json(200, "{}"));
    let endpoint = server.url("/api/v1/workspaces/0b5d/interfaces/synchronizing/req");
    req_workbook(&dir, &[req_row("REQ-1", "Pump"), req_row("REQ-2", "Weir")]);
    let run = submit_sheet(&dir, &endpoint, "ready-token-1", &["--allow-deletions"]);
    assert_eq!(run.code, 0, "{run:?}");
    // Another body put in the kept body's place.
    let kept: Vec<_> = walk(&dir.path("state"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".gz"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let other = r#"{"Requirements": [{"@externalid": "OTHER-1"}]}"#;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(other.as_bytes()).unwrap();
    std::fs::write(&kept[0], gz.finish().unwrap()).unwrap();
    let run = submit_sheet(&dir, &endpoint, "ready-token-1", &["--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("0 new, 2 kept, 0 would be deleted")
            && run.stdout.contains("is not the body the last receipt records"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("OTHER-1"), "{}", run.stdout);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// `diff` reads bodies as strictly as `submit`: an attribute given twice is not XML.
#[test]
fn diff_and_submit_refuse_an_attribute_given_twice() {
    let dir = Dir::new();
    let good = "<elements><Requirements><Requirement externalid=\"A\"/></Requirements></elements>";
    let bad = "<elements><Requirements><Requirement externalid=\"A\" externalid=\"B\"/></Requirements></elements>";
    dir.write("good.xml", good);
    dir.write("bad.xml", bad);
    let run = dir.run(&["diff", "good.xml", "bad.xml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("element 1: is not well-formed XML: <Requirement> has the attribute externalid twice"),
        "{}",
        run.stderr
    );
    let run = dir.run_with(
        &[
            "submit",
            "bad.xml",
            "--endpoint",
            "http://127.0.0.1:9/x",
            "--state-dir",
            "state",
        ],
        &[("RELATICS_TOKEN", "t")],
        None,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("has the attribute externalid twice"),
        "{}",
        run.stderr
    );
}

/// Texts from files never reach the terminal raw: a header holding escape sequences is shown
/// escaped in `template init`'s notes.
#[test]
fn escapes_in_headers_are_shown_escaped() {
    let dir = Dir::new();
    dir.write(
        "e.csv",
        "ID;Naam\u{1b}]0;pwned\u{7};NAAM\u{1b}]0;pwned\u{7};Ook\u{1b}[2J\nA;x;y;z\nB;x;y;z\n",
    );
    let run = dir.run(&["template", "init", "e.csv", "-o", "e.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'),
        "{:?}",
        run.stderr
    );
    assert!(run.stderr.contains("\\u{1b}"), "{}", run.stderr);
}

/// A completion script written to a full disk is a failure in words, not a panic.
#[cfg(target_os = "linux")]
#[test]
fn completions_to_a_full_disk_fail_in_words() {
    let dir = Dir::new();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = dir.command(&["completions", "bash"]).stdout(full).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("writing the completion script to standard output") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

/// State files are read only when they are regular files, without following links, and only
/// so far: a receipt that is a link to /dev/zero, or a pending record that is a FIFO, stops the
/// submit in words instead of reading gigabytes or hanging.
#[cfg(unix)]
#[test]
fn state_files_are_read_bounded_and_never_through_links() {
    let dir = Dir::new();
    let server = Server::start(|_, _| Reply::json(200, "{}"));
    let endpoint = server.url("/api/v1/workspaces/0b5d/interfaces/synchronizing/req");
    req_workbook(&dir, &[req_row("REQ-1", "Pump")]);
    let run = submit_sheet(&dir, &endpoint, "ready-token-1", &["--allow-deletions"]);
    assert_eq!(run.code, 0, "{run:?}");
    let receipt = walk(&dir.path("state"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    std::fs::remove_file(&receipt).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &receipt).unwrap();
    let run = submit_sheet(&dir, &endpoint, "ready-token-1", &["--dry-run"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("it is a link"), "{}", run.stderr);
    std::fs::remove_file(&receipt).unwrap();
    // An in-flight record that is a FIFO: opening it must not wait for a writer.
    let pending = receipt
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("in-flight");
    std::fs::create_dir_all(&pending).unwrap();
    let name = format!(
        "{}.pending",
        receipt.parent().unwrap().file_name().unwrap().to_string_lossy()
    );
    let fifo = std::ffi::CString::new(pending.join(name).to_str().unwrap()).unwrap();
    // SAFETY: a valid C string naming a path in the test's own folder.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let run = submit_sheet(&dir, &endpoint, "ready-token-1", &["--dry-run"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

/// A plural or file name of emoji becomes a sheet name Excel takes, shortened as long ASCII
/// names are.
#[test]
fn emoji_sheet_names_are_shortened() {
    let dir = Dir::new();
    let plural = "\u{1F680}".repeat(20);
    dir.write(
        "t.toml",
        format!("[target]\ntype = \"Raket\"\nplural = \"{plural}\"\n[external_id]\ncolumn = \"ID\"\n"),
    );
    let name = format!("{}.csv", "\u{1F30A}".repeat(20));
    dir.write(&name, "ID\nA\n");
    let run = dir.run(&[
        "convert",
        &name,
        "-t",
        "t.toml",
        "-o",
        "up.xlsx",
        "--annotate",
        "a.xlsx",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let wb = calamine::open_workbook_auto(dir.path("a.xlsx")).unwrap();
    let names = calamine::Reader::sheet_names(&wb);
    assert_eq!(names[1], "\u{1F30A}".repeat(15), "{names:?}");
    let wb = calamine::open_workbook_auto(dir.path("up.xlsx")).unwrap();
    assert_eq!(calamine::Reader::sheet_names(&wb)[0], "\u{1F680}".repeat(15));
}

/// Headers longer than any Relatics name are left out of a generated template, said in one
/// note; the template stays small, and the notes too.
#[test]
fn template_init_leaves_out_headers_no_name_is_as_long_as() {
    let dir = Dir::new();
    let long = "x".repeat(16_000);
    let mut csv = String::from("ID;Naam");
    for i in 0..40 {
        csv.push_str(&format!(";{long}{i}"));
    }
    csv.push('\n');
    for r in 0..3 {
        csv.push_str(&format!("OBJ-{r};naam {r}"));
        for i in 0..40 {
            csv.push_str(&format!(";v{i}"));
        }
        csv.push('\n');
    }
    dir.write("w.csv", csv);
    let run = dir.run(&["template", "init", "w.csv", "-o", "w.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let toml = dir.read("w.toml");
    assert!(toml.len() < 5_000, "{} bytes", toml.len());
    assert!(
        run.stderr.contains("columns C (16,001 characters)")
            && run.stderr.contains(" and 30 more have a header longer"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.len() < 5_000, "{} bytes of notes", run.stderr.len());
    // Three of four headers over 60 characters: still the header row.
    let a = "Omschrijving van de eis zoals vastgelegd in het programma van eisen";
    let b = "Datum waarop de eis voor het laatst is beoordeeld door de eisenbeheerder";
    let c = "Naam van de eigenaar die verantwoordelijk is voor het verifieren van de eis";
    dir.write("e.csv", format!("ID;{a};{b};{c}\nREQ-1;p;q;r\nREQ-2;s;t;u\n"));
    let run = dir.run(&["template", "init", "e.csv", "-o", "e.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(dir.read("e.toml").contains("header_row = 1"), "{}", dir.read("e.toml"));
}

/// Rows above the header row that look like elements are said however far above they are:
/// the nearest one by one, the rest in one warning.
#[test]
fn data_far_above_the_header_is_said() {
    let dir = Dir::new();
    let mut csv = String::new();
    for i in 0..1100 {
        csv.push_str(&format!("OBJ-{i};naam {i}\n"));
    }
    csv.push_str("ID;Naam\nOBJ-X;x\n");
    dir.write("o.csv", csv);
    dir.write(
        "t.toml",
        "[target]\ntype = \"Object\"\nplural = \"Objects\"\n[source]\nheader_row = 1101\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"Naam\"\ncolumn = \"Naam\"\ntype = \"text\"\n",
    );
    let run = dir.run(&["check", "o.csv", "-t", "t.toml", "--report", "json"]);
    let report = run.json();
    let above = problems_with_code(&report, "data-above-header");
    assert_eq!(above.len(), 1001, "{}", run.stdout.len());
    let summary = above.iter().find(|p| p["row"] == 1).unwrap();
    assert!(
        summary["message"]
            .as_str()
            .unwrap()
            .starts_with("100 rows above the header row (row 1101, source.header_row), rows 1-100"),
        "{}",
        summary["message"]
    );
}

/// A lock that is not a regular file (a link, a pipe) was not made by relsync: it stops the
/// submit, and is not taken over.
#[cfg(unix)]
#[test]
fn a_lock_that_is_a_link_stops_the_submit() {
    let dir = Dir::new();
    let server = Server::start(|_, _| Reply::json(200, "{}"));
    let endpoint = server.url("/api/v1/workspaces/0b5d/interfaces/synchronizing/req");
    req_workbook(&dir, &[req_row("REQ-1", "Pump")]);
    assert_eq!(
        submit_sheet(&dir, &endpoint, "ready-token-1", &["--allow-deletions"]).code,
        0
    );
    let receipt = walk(&dir.path("state"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let name = receipt
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let lock = dir.path("state").join("in-flight").join(format!("{name}.lock"));
    std::os::unix::fs::symlink("/dev/zero", &lock).unwrap();
    let posts = server.requests().len();
    let run = submit_sheet(&dir, &endpoint, "ready-token-1", &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("is not a regular file"), "{}", run.stderr);
    assert_eq!(server.requests().len(), posts, "nothing was sent");
}

/// A template's names are short: one of thousands of characters is refused with its line.
#[test]
fn template_names_of_thousands_of_characters_are_refused() {
    let dir = Dir::new();
    let name = "N".repeat(5000);
    dir.write(
        "t.toml",
        format!(
            "[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n\
             [[property]]\nname = \"{name}\"\ncolumn = \"C\"\ntype = \"text\"\n"
        ),
    );
    dir.write("o.csv", "ID;C\nA;b\n");
    let run = dir.run(&["check", "o.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("line 7, key 'name': is 5,000 characters long"),
        "{}",
        run.stderr
    );
}
