//! What `submit` refuses to do: send a body whose effect it cannot know (no receipt), let a
//! shared template send credentials elsewhere, or lose track of what was sent. And what it
//! accepts as the same: endpoint spellings Relatics treats as one, UTF-16 body files.

use crate::server::{Reply, Server};
use crate::support::*;

const SYNC: &str = "/api/v1/workspaces/0b5d/interfaces/synchronizing/requirements";
const TOKEN: &str = "tok-7f3a9c51e2";

fn ok_sync() -> Reply {
    Reply::json(200, r#"{"result": "accepted"}"#)
}

fn sheet(dir: &Dir, ids: &[&'static str]) {
    let rows: Vec<Vec<C>> = ids.iter().map(|id| req_row(id, "Title")).collect();
    req_workbook(dir, &rows);
}

fn submit(dir: &Dir, endpoint: &str, extra: &[&str]) -> Run {
    submit_sheet(dir, endpoint, TOKEN, extra)
}

#[test]
fn a_first_submit_without_a_receipt_is_refused_unless_allowed() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1", "REQ-2"]);
    let server = Server::start(|_, _| ok_sync());
    let endpoint = server.url(SYNC);

    let dry = submit(&dir, &endpoint, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout
            .contains("a real submit would ask (at a terminal) or refuse: relsync has no receipt for this endpoint"),
        "{}",
        dry.stdout
    );

    let run = submit(&dir, &endpoint, &[]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr
            .contains("refusing to send: relsync has no receipt of an earlier submit to this endpoint"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--allow-deletions"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--state-dir on storage that persists"),
        "{}",
        run.stderr
    );
    assert!(server.requests().is_empty(), "nothing was sent");

    let allowed = submit(&dir, &endpoint, &["--allow-deletions"]);
    assert_eq!(allowed.code, 0, "{allowed:?}");
    // Now there is a receipt: the same set goes without a flag.
    assert_eq!(submit(&dir, &endpoint, &[]).code, 0);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn endpoint_spellings_relatics_treats_as_one_share_a_receipt() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1", "REQ-2"]);
    let server = Server::start(|_, _| ok_sync());
    assert_eq!(submit(&dir, &server.url(SYNC), &["--allow-deletions"]).code, 0);

    let other = server
        .url(&format!("{}/", SYNC.replace("0b5d", "0B5D")))
        .replace("127.0.0.1", "LOCALHOST");
    let same = submit(&dir, &other.replace("LOCALHOST", "127.0.0.1"), &[]);
    assert_eq!(same.code, 0, "the receipt was found: {same:?}");
    assert!(
        same.stderr.contains("0 new, 2 kept, 0 would be deleted"),
        "{}",
        same.stderr
    );

    sheet(&dir, &["REQ-1"]);
    let fewer = submit(&dir, &other.replace("LOCALHOST", "127.0.0.1"), &[]);
    assert_eq!(fewer.code, 4, "{fewer:?}");
    assert!(fewer.stderr.contains("would be deleted: REQ-2"), "{}", fewer.stderr);
}

#[test]
fn a_template_cannot_send_credentials_elsewhere() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let with = |key: &str, url: &str| {
        REQ_TEMPLATE.replace(
            "plural = \"Requirements\"",
            &format!("plural = \"Requirements\"\n{key} = \"{url}\""),
        )
    };
    dir.write("token.toml", with("token_url", "https://evil.example/token"));
    let creds = [("RELATICS_CLIENT_ID", "id"), ("RELATICS_CLIENT_SECRET", "s3cr3t-v4lue")];
    let endpoint = "https://acme.relatics.com/api/v1/workspaces/0b5d/interfaces/synchronizing/requirements";
    let args = [
        "submit",
        "req.xlsx",
        "-t",
        "token.toml",
        "--endpoint",
        endpoint,
        "--dry-run",
    ];
    let run = dir.run_with(&args, &creds, None);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("target.token_url in the template token.toml sends credentials to evil.example"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--token-url") && run.stderr.contains("RELSYNC_TRUSTED_HOSTS=evil.example"));

    dir.write("endpoint.toml", with("endpoint", "https://evil.example/api"));
    let run = dir.run_with(
        &["submit", "req.xlsx", "-t", "endpoint.toml", "--dry-run"],
        &[("RELATICS_TOKEN", TOKEN)],
        None,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("target.endpoint in the template endpoint.toml"),
        "{}",
        run.stderr
    );

    // Named by the user, the host is trusted; the plan shows where the token comes from.
    let mut trusted = creds.to_vec();
    trusted.push(("RELSYNC_TRUSTED_HOSTS", "*.example"));
    let run = dir.run_with(&args, &trusted, None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("token:    client credentials, token from https://evil.example/token"),
        "{}",
        run.stdout
    );
    // From the command line, any https host may be used.
    let run = dir.run_with(
        &[
            "submit",
            "req.xlsx",
            "-t",
            "req.toml",
            "--endpoint",
            "https://sync.example.net/x",
            "--token-url",
            "https://login.example.net/token",
            "--dry-run",
        ],
        &creds,
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn a_utf16_body_file_from_powershell_is_sent_as_utf8() {
    let dir = Dir::new();
    let body = "{\"Requirements\": [{\"@externalid\": \"A\", \"Name\": \"Pomp – café\"}]}";
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(body.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    dir.write("body.json", utf16);
    let server = Server::start(|_, _| ok_sync());
    let state = dir.path("state").display().to_string();
    let endpoint = server.url(SYNC);
    let run = dir.run_with(
        &[
            "submit",
            "body.json",
            "--endpoint",
            &endpoint,
            "--state-dir",
            &state,
            "--allow-deletions",
        ],
        &[("RELATICS_TOKEN", TOKEN)],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("converted from UTF-16LE"), "{}", run.stderr);
    assert_eq!(String::from_utf8(server.requests()[0].body.clone()).unwrap(), body);
}

#[test]
fn a_dry_run_shows_the_plan_without_an_endpoint_or_credentials() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let run = dir.run(&["submit", "req.xlsx", "-t", "req.toml", "--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("endpoint: not given"), "{}", run.stdout);
    assert!(run.stdout.contains("token:    no credentials given"), "{}", run.stdout);
    assert!(run.stdout.contains("body:     1 element, "), "{}", run.stdout);
    assert!(run.stdout.contains("a real submit needs an endpoint"), "{}", run.stdout);

    // Credentials given in part: the plan says what is missing; a real submit stops (exit 2).
    let partial = [("RELATICS_CLIENT_ID", "id"), ("RELATICS_CLIENT_SECRET", "s3cr3t-v4lue")];
    let run = dir.run_with(&["submit", "req.xlsx", "-t", "req.toml", "--dry-run"], &partial, None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(
            "token:    incomplete: RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET are set but there is no token URL"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("a real submit would stop: the credentials are incomplete")
    );
    let run = dir.run_with(
        &[
            "submit",
            "req.xlsx",
            "-t",
            "req.toml",
            "--endpoint",
            "https://acme.relatics.com/x",
        ],
        &partial,
        None,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("there is no token URL"), "{}", run.stderr);
    // A time limit of nothing is refused, not made one second.
    let run = dir.run(&["submit", "req.xlsx", "-t", "req.toml", "--dry-run", "--timeout", "0"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--timeout"), "{}", run.stderr);
}

#[test]
fn receipts_live_in_a_per_user_directory_without_home() {
    // cmd.exe and PowerShell set no HOME; the platform's directory is used instead.
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let run = dir.run_env(
        &[
            "submit",
            "req.xlsx",
            "-t",
            "req.toml",
            "--dry-run",
            "--endpoint",
            "https://acme.relatics.com/api/v1/workspaces/1/interfaces/synchronizing/x",
        ],
        &[],
        &["HOME", "XDG_STATE_HOME"],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let looked = run
        .stdout
        .split("no earlier submit to this endpoint is recorded in ")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(looked.contains("relsync"), "{}", run.stdout);
}

#[test]
fn a_state_directory_that_cannot_be_read_stops_the_submit() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    std::fs::create_dir_all(dir.path("state")).unwrap();
    dir.write("state/receipts", "not a directory");
    let server = Server::start(|_, _| ok_sync());
    let run = submit(&dir, &server.url(SYNC), &["--allow-deletions"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("cannot read the receipts"), "{}", run.stderr);
    assert!(server.requests().is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn an_accepted_body_is_reported_even_when_its_receipt_cannot_be_saved() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|_, _| ok_sync());
    let endpoint = server.url(SYNC);
    assert_eq!(submit(&dir, &endpoint, &["--allow-deletions"]).code, 0);
    // Replace the endpoint's receipt folder by one nobody can write, not even root.
    let receipts = dir.path("state").join("receipts");
    let folder = std::fs::read_dir(&receipts).unwrap().next().unwrap().unwrap().path();
    std::fs::remove_dir_all(&folder).unwrap();
    std::os::unix::fs::symlink("/proc/self/fdinfo", &folder).unwrap();

    let run = submit(&dir, &endpoint, &["--allow-deletions"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stdout.contains("the body was accepted"), "{}", run.stdout);
    assert!(run.stderr.contains("its receipt could not be saved"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 2);
}

/// After a 2xx whose receipt could not be saved, the next submit still guards what that body
/// added: Relatics holds it, and leaving it out deletes it.
#[cfg(target_os = "linux")]
#[test]
fn a_submit_whose_receipt_was_lost_still_guards_its_elements() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let receipts = dir.path("state").join("receipts");
    let sabotage = receipts.clone();
    // While the second body is being sent, its receipt folder becomes unwritable.
    let server = Server::start(move |_, earlier| {
        if earlier.len() == 1 {
            let folder = std::fs::read_dir(&sabotage).unwrap().next().unwrap().unwrap().path();
            std::fs::rename(&folder, folder.with_extension("aside")).unwrap();
            std::os::unix::fs::symlink("/proc/self/fdinfo", &folder).unwrap();
        }
        ok_sync()
    });
    let endpoint = server.url(SYNC);
    assert_eq!(submit(&dir, &endpoint, &["--allow-deletions"]).code, 0);
    sheet(&dir, &["REQ-1", "REQ-NEW"]);
    let run = submit(&dir, &endpoint, &[]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("from the record made before sending"),
        "{}",
        run.stderr
    );
    // The folder is writable again, with only the first receipt in it.
    let link = std::fs::read_dir(&receipts)
        .unwrap()
        .flatten()
        .find(|e| e.file_type().unwrap().is_symlink())
        .unwrap()
        .path();
    std::fs::remove_file(&link).unwrap();
    std::fs::rename(link.with_extension("aside"), &link).unwrap();

    sheet(&dir, &["REQ-1"]);
    let run = submit(&dir, &endpoint, &[]);
    assert_eq!(run.code, 4, "REQ-NEW would be deleted: {run:?}");
    assert!(
        run.stderr.contains("has no receipt: its answer never came"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("REQ-NEW"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 2, "the third was not sent");
    // Sent with the deletion allowed, it is recorded, and the record of the unsure one goes.
    assert_eq!(submit(&dir, &endpoint, &["--allow-deletions"]).code, 0);
    sheet(&dir, &["REQ-1"]);
    let run = submit(&dir, &endpoint, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("has no receipt"), "{}", run.stderr);
}

#[cfg(target_os = "linux")]
#[test]
fn a_state_directory_that_cannot_be_written_stops_before_sending() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    std::fs::create_dir_all(dir.path("state")).unwrap();
    // A folder that can be read but not written, not even by root.
    std::os::unix::fs::symlink("/proc/self/fdinfo", dir.path("state/in-flight")).unwrap();
    let server = Server::start(|_, _| ok_sync());
    let run = submit(&dir, &server.url(SYNC), &["--allow-deletions"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("cannot record this submit in the state directory")
            && run.stderr.contains("nothing was sent"),
        "{}",
        run.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_body_that_may_have_arrived_is_guarded_and_one_refused_is_forgotten() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    // 1: accepted; 2: the connection drops (maybe applied); 3: refused with 400 (not applied).
    let server = Server::start(|_, earlier| match earlier.len() {
        1 => Reply::Drop,
        2 => Reply::json(400, r#"{"error": "bad body"}"#),
        _ => ok_sync(),
    });
    let endpoint = server.url(SYNC);
    assert_eq!(submit(&dir, &endpoint, &["--allow-deletions"]).code, 0);
    sheet(&dir, &["REQ-1", "REQ-MAYBE"]);
    let run = submit(&dir, &endpoint, &["--retries", "0"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("whether Relatics received the body cannot be told"),
        "{}",
        run.stderr
    );

    // The next body leaves REQ-MAYBE out: that may delete it, so it is guarded.
    sheet(&dir, &["REQ-1", "REQ-2"]);
    let dry = submit(&dir, &endpoint, &["--dry-run"]);
    assert!(dry.stdout.contains("REQ-MAYBE"), "{}", dry.stdout);
    // Refused by the server with the deletion allowed: not applied, so forgotten.
    let run = submit(&dir, &endpoint, &["--allow-deletions", "--retries", "0"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(!run.stderr.contains("cannot be told"), "{}", run.stderr);
    let dry = submit(&dir, &endpoint, &["--dry-run"]);
    assert!(
        dry.stdout.contains("REQ-MAYBE"),
        "still guarded by the unsure one: {}",
        dry.stdout
    );
}

/// The kept bodies (`last-body-*.gz`) in the state directory.
fn kept_bodies(dir: &Dir) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for endpoint in std::fs::read_dir(dir.path("state/bodies")).unwrap().flatten() {
        for file in std::fs::read_dir(endpoint.path()).unwrap().flatten() {
            if file.file_name().to_string_lossy().starts_with("last-body-") {
                found.push(file.path());
            }
        }
    }
    found
}

#[test]
fn a_dry_run_after_a_submit_shows_what_changes_field_by_field() {
    let dir = Dir::new();
    req_workbook(
        &dir,
        &[
            req_row("REQ-1", "Pump"),
            req_row("REQ-2", "Weir"),
            req_row("REQ-3", "Sluice"),
        ],
    );
    let server = Server::start(|_, _| ok_sync());
    let endpoint = server.url(SYNC);
    let first = submit(&dir, &endpoint, &["--allow-deletions"]);
    assert_eq!(first.code, 0, "{first:?}");
    let kept = kept_bodies(&dir);
    assert_eq!(kept.len(), 1, "{kept:?}");
    // The kept body is the body that was sent, compressed.
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&kept[0]).unwrap()),
        &mut text,
    )
    .unwrap();
    let sent: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(sent["Requirements"][2]["Name"], "Sluice");

    req_workbook(
        &dir,
        &[
            req_row("REQ-1", "Pump station"),
            req_row("REQ-2", "Weir"),
            req_row("REQ-4", "Dam"),
        ],
    );
    let dry = submit(&dir, &endpoint, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    let out = &dry.stdout;
    assert!(
        out.contains("1 new, 2 kept, 1 would be deleted; of the kept, 1 changed and 1 unchanged"),
        "{out}"
    );
    assert!(out.contains("  would be deleted: REQ-3 ('Sluice')\n"), "{out}");
    assert!(out.contains("changed fields: Name (1)"), "{out}");
    assert!(out.contains("new (1):\n  REQ-4  'Dam'"), "{out}");
    assert!(
        out.contains("changed (1):\n  REQ-1  'Pump station'\n    Name: 'Pump' -> 'Pump station'"),
        "{out}"
    );

    // The deletion prompt (refused without a terminal) names what would go.
    let refused = submit(&dir, &endpoint, &[]);
    assert_eq!(refused.code, 4, "{refused:?}");
    assert!(
        refused.stderr.contains("would be deleted: REQ-3 ('Sluice')"),
        "{}",
        refused.stderr
    );

    let second = submit(&dir, &endpoint, &["--allow-deletions"]);
    assert_eq!(second.code, 0, "{second:?}");
    let now = kept_bodies(&dir);
    assert_eq!(now.len(), 1, "only the newest body is kept: {now:?}");
    assert_ne!(now, kept);

    // Without the kept body, the plan falls back to external ids and says why.
    std::fs::remove_file(&now[0]).unwrap();
    let dry = submit(&dir, &endpoint, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout
            .contains("0 new, 3 kept, 0 would be deleted (no copy of that body is kept"),
        "{}",
        dry.stdout
    );
}

#[cfg(unix)]
#[test]
fn state_files_are_the_users_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|_, _| ok_sync());
    assert_eq!(submit(&dir, &server.url(SYNC), &["--allow-deletions"]).code, 0);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // The state directory relsync made, and every folder in it.
    assert_eq!(mode(&dir.path("state")), 0o700);
    for sub in ["receipts", "bodies", "in-flight"] {
        assert_eq!(mode(&dir.path("state").join(sub)), 0o700, "{sub}");
    }
    let mut files = 0;
    for sub in ["receipts", "bodies"] {
        for folder in std::fs::read_dir(dir.path("state").join(sub)).unwrap().flatten() {
            assert_eq!(
                folder.metadata().unwrap().permissions().mode() & 0o777,
                0o700,
                "{folder:?}"
            );
            for file in std::fs::read_dir(folder.path()).unwrap().flatten() {
                assert_eq!(file.metadata().unwrap().permissions().mode() & 0o777, 0o600, "{file:?}");
                files += 1;
            }
        }
    }
    assert_eq!(files, 2, "a receipt and a kept body");
}

#[test]
fn a_second_submit_to_the_same_endpoint_waits_its_turn() {
    use std::process::Stdio;
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|_, earlier| {
        if earlier.is_empty() {
            Reply::After(std::time::Duration::from_secs(2), Box::new(ok_sync()))
        } else {
            ok_sync()
        }
    });
    let endpoint = server.url(SYNC);
    let state = dir.path("state").display().to_string();
    let mut first = dir
        .command(&[
            "submit",
            "req.xlsx",
            "-t",
            "req.toml",
            "--endpoint",
            &endpoint,
            "--state-dir",
            &state,
            "--allow-deletions",
        ])
        .env("RELATICS_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run relsync");
    let started = std::time::Instant::now();
    while server.requests().is_empty() {
        assert!(started.elapsed().as_secs() < 20, "the first submit did not arrive");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let second = submit(&dir, &endpoint, &["--allow-deletions"]);
    assert_eq!(second.code, 2, "{second:?}");
    assert!(
        second
            .stderr
            .contains("another submit to this endpoint is running (process"),
        "{}",
        second.stderr
    );
    assert_eq!(first.wait().unwrap().code(), Some(0));
    assert_eq!(server.requests().len(), 1, "the second sent nothing");
    // Released: the next one goes.
    assert_eq!(submit(&dir, &endpoint, &[]).code, 0);

    // A lock left by a run that was killed a day ago is taken over.
    let folder = dir.path("state").join("in-flight");
    let name = std::fs::read_dir(dir.path("state").join("receipts"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let lock = folder.join(format!("{}.lock", name.to_string_lossy()));
    std::fs::write(&lock, "process 1 since yesterday").unwrap();
    let file = std::fs::File::options().write(true).open(&lock).unwrap();
    file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(25 * 3600))
        .unwrap();
    drop(file);
    let run = submit(&dir, &endpoint, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("taking over the lock"), "{}", run.stderr);
    assert!(!lock.exists(), "released after the submit");
}
