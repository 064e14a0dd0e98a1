//! Faults while reading and writing: a failure half-way leaves any previous file as it was and
//! no temporary file behind; an interrupted run cleans up. Broken and hostile inputs are in
//! `hostile.rs`.

use crate::support::*;

/// A workbook's worth of CSV rows: enough for a body of about `rows` * 60 bytes.
fn many_rows(dir: &Dir, rows: usize) {
    let mut csv = String::from("ID,Title\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "REQ-{i:06},A title long enough to fill the body quickly {i}\n"
        ));
    }
    dir.write("many.csv", csv);
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"Title\"\ncolumn = \"Title\"\ntype = \"text\"\n",
    );
}

fn temporaries(dir: &Dir) -> Vec<String> {
    std::fs::read_dir(dir.temp.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn odd_csv_contents_are_reported_precisely() {
    let dir = Dir::new();
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"Title\"\ncolumn = \"Title\"\ntype = \"text\"\n",
    );
    for (name, contents, code, words) in [
        (
            "empty.csv",
            &b""[..],
            1,
            "empty.csv  error  empty-body  the sheet has no rows",
        ),
        (
            "quote.csv",
            &b"ID,Title\n\"REQ-1,unterminated\n"[..],
            1,
            "A2  error  unclosed-quote  the quote that opens this value on line 2 is never closed",
        ),
        (
            "header-only.csv",
            &b"ID,Title\n"[..],
            1,
            "empty-body  the sheet has no data rows below the header row",
        ),
    ] {
        dir.write(name, contents);
        let run = dir.run(&["check", name, "-t", "t.toml"]);
        assert_eq!(run.code, code, "{name}: {run:?}");
        assert!(run.stdout.contains(words), "{name}: {}", run.stdout);
    }
}

#[test]
fn a_failure_while_reading_leaves_the_previous_body() {
    let dir = Dir::new();
    many_rows(&dir, 3000);
    // Invalid UTF-8 after thousands of good rows: the body was half written when it stops.
    let mut bytes = std::fs::read(dir.path("many.csv")).unwrap();
    bytes.extend_from_slice(b"REQ-X,caf\xe9\n");
    dir.write("many.csv", bytes);
    dir.write("out.json", "the previous body");
    let run = dir.run(&["convert", "many.csv", "-t", "t.toml", "-o", "out.json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("many.csv, line 3002: the text is not valid UTF-8"),
        "{}",
        run.stderr
    );
    assert_eq!(dir.read("out.json"), "the previous body");
    assert!(temporaries(&dir).is_empty());
    // The same for the JSON report.
    dir.write("report.json", "the previous report");
    let run = dir.run(&["check", "many.csv", "-t", "t.toml", "--report-file", "report.json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(dir.read("report.json"), "the previous report");
    assert!(temporaries(&dir).is_empty());
}

#[test]
fn a_destination_that_cannot_be_written_is_said_plainly() {
    let dir = Dir::new();
    many_rows(&dir, 10);
    let run = dir.run(&["convert", "many.csv", "-t", "t.toml", "-o", "no/such/dir/out.json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("relsync: cannot write out.json in no/such/dir: the folder does not exist"),
        "{}",
        run.stderr
    );
}

/// A full disk, as a file-size limit on the child: the write fails half-way.
#[cfg(unix)]
#[test]
fn a_full_disk_leaves_the_previous_body_and_no_temporary_file() {
    use std::os::unix::process::CommandExt;
    let dir = Dir::new();
    many_rows(&dir, 5000);
    for (args, existing) in [
        (
            vec!["convert", "many.csv", "-t", "t.toml", "-o", "out.json"],
            "out.json",
        ),
        // rust_xlsxwriter panics when a write fails: relsync says so as an error instead.
        (
            vec!["convert", "many.csv", "-t", "t.toml", "-f", "xlsx", "-o", "out.xlsx"],
            "out.xlsx",
        ),
        (
            vec!["check", "many.csv", "-t", "t.toml", "--annotate", "annotated.xlsx"],
            "annotated.xlsx",
        ),
        (
            vec!["check", "many.csv", "-t", "t.toml", "--report-file", "report.json"],
            "report.json",
        ),
    ] {
        dir.write(existing, "what was there before");
        if existing == "report.json" {
            // A report of many problems: every title is too long for single-line text.
            dir.write(
                "t.toml",
                dir.read("t.toml").replace("type = \"text\"", "type = \"number\""),
            );
        }
        let mut cmd = dir.command(&args);
        // SAFETY: only an async-signal-safe call (setrlimit) between fork and exec. SIGXFSZ keeps
        // its default action (kill), as under `ulimit -f`: relsync itself must ignore it.
        unsafe {
            cmd.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 64 * 1024,
                    rlim_max: 64 * 1024,
                };
                libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
                Ok(())
            });
        }
        let output = cmd.output().expect("run relsync");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("File too large"), "{args:?}: {stderr}");
        // The file that could not be written is named: the output, or the temporary file of
        // the problem list a full report keeps.
        assert!(
            stderr.contains(existing) || stderr.contains("recording problems in a temporary file in"),
            "the file is named: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(dir.read(existing), "what was there before", "{args:?}");
        assert!(temporaries(&dir).is_empty(), "{args:?}: {:?}", temporaries(&dir));
    }
}

/// Ctrl+C, or a termination signal, while a body is being written leaves neither the body nor
/// a temporary file.
#[cfg(unix)]
#[test]
fn an_interrupted_convert_leaves_nothing_behind() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        interrupted_convert(signal);
    }
}

#[cfg(unix)]
fn interrupted_convert(signal: libc::c_int) {
    use std::io::Write;
    use std::process::Stdio;
    let dir = Dir::new();
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n",
    );
    dir.write("out.json", "the previous body");
    let mut cmd = dir.command(&["convert", "-", "-t", "t.toml", "-o", "out.json", "--quiet"]);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run relsync");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"ID\nA-1\nA-2\n").expect("write");
    // Wait until the staged body exists: relsync is reading standard input, which stays open.
    let started = std::time::Instant::now();
    let staged = || {
        std::fs::read_dir(dir.temp.path())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
    };
    while !staged() {
        assert!(started.elapsed().as_secs() < 20, "no temporary file appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
    let output = child.wait_with_output().expect("wait");
    drop(stdin);
    assert_eq!(output.status.code(), Some(130), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
    assert!(!staged(), "the temporary file was removed");
    assert_eq!(dir.read("out.json"), "the previous body");
}

/// Outputs are replaced by renaming a finished temporary file over them; a device, a named
/// pipe or a symbolic link must not be replaced that way (as root, `-o /dev/null` replaced the
/// device with a regular file).
#[cfg(unix)]
#[test]
fn devices_pipes_and_links_are_written_through_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = Dir::new();
    many_rows(&dir, 50);
    // A device: written in place, still a device afterwards.
    let run = dir.run(&["convert", "many.csv", "-t", "t.toml", "-o", "/dev/null"]);
    assert_eq!(run.code, 0, "{run:?}");
    let null = std::fs::metadata("/dev/null").unwrap();
    assert!(null.file_type().is_char_device(), "/dev/null is no longer a device");
    // A symbolic link: the file it names gets the body, the link stays a link; a link to a
    // file not there yet creates that file.
    dir.write("target.json", "before");
    std::os::unix::fs::symlink("target.json", dir.path("link.json")).unwrap();
    std::os::unix::fs::symlink("later.json", dir.path("dangling.json")).unwrap();
    for (link, file) in [("link.json", "target.json"), ("dangling.json", "later.json")] {
        let run = dir.run(&["convert", "many.csv", "-t", "t.toml", "-o", link]);
        assert_eq!(run.code, 0, "{run:?}");
        let meta = std::fs::symlink_metadata(dir.path(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} is no longer a link");
        assert!(dir.read(file).contains("REQ-000049"), "{file} did not get the body");
    }
    // A chain of links to a file not there yet: every link stays a link.
    std::fs::create_dir(dir.path("d")).unwrap();
    std::os::unix::fs::symlink("hop", dir.path("chain.json")).unwrap();
    std::os::unix::fs::symlink("d/final.json", dir.path("hop")).unwrap();
    let run = dir.run(&["convert", "many.csv", "-t", "t.toml", "-o", "chain.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        std::fs::symlink_metadata(dir.path("hop"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(dir.read("d/final.json").contains("REQ-000049"));
    // A loop is refused, and two outputs that are one file through a link are refused even
    // before the file exists.
    std::os::unix::fs::symlink("loop2", dir.path("loop1.json")).unwrap();
    std::os::unix::fs::symlink("loop1.json", dir.path("loop2")).unwrap();
    let run = dir.run(&["convert", "many.csv", "-t", "t.toml", "-o", "loop1.json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("too many levels of symbolic links"),
        "{}",
        run.stderr
    );
    assert!(
        std::fs::symlink_metadata(dir.path("loop2"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    std::os::unix::fs::symlink("body.json", dir.path("alias.json")).unwrap();
    let run = dir.run(&[
        "convert",
        "many.csv",
        "-t",
        "t.toml",
        "-o",
        "body.json",
        "--report-file",
        "alias.json",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("would both be written to"), "{}", run.stderr);
    // A named pipe: the reader gets the whole body, the pipe stays a pipe.
    let fifo = dir.path("pipe.json");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let reader = std::thread::spawn({
        let fifo = fifo.clone();
        move || std::fs::read_to_string(fifo).unwrap()
    });
    let run = dir.run(&["convert", "many.csv", "-t", "t.toml", "-o", "pipe.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let body = reader.join().unwrap();
    assert!(body.contains("REQ-000049") && body.trim_end().ends_with('}'), "{body}");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
}

/// A new output gets 0666 less the user's umask (a body holds the project's data: with umask
/// 077 it stays private); a replaced output keeps its mode.
#[cfg(unix)]
#[test]
fn new_outputs_follow_the_umask_and_replaced_ones_keep_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = Dir::new();
    many_rows(&dir, 5);
    let mode = |name: &str| std::fs::metadata(dir.path(name)).unwrap().permissions().mode() & 0o777;
    for (umask, name, expected) in [(0o077, "private.json", 0o600), (0o022, "shared.json", 0o644)] {
        let mut cmd = dir.command(&["convert", "many.csv", "-t", "t.toml", "-o", name]);
        // SAFETY: only an async-signal-safe call (umask) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                libc::umask(umask);
                Ok(())
            });
        }
        assert!(cmd.output().unwrap().status.success(), "{name}");
        assert_eq!(mode(name), expected, "{name}");
    }
    std::fs::set_permissions(dir.path("shared.json"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let run = dir.run(&["convert", "many.csv", "-t", "t.toml", "-o", "shared.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(mode("shared.json"), 0o640);
}
