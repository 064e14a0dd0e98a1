//! No input, however broken, makes relsync panic: each gives exit 2 and a sentence.

use crate::support::*;

fn assert_clean_failure(run: &Run) {
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.starts_with("relsync: "), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn broken_and_disguised_files() {
    let dir = Dir::new();
    dir.write("req.toml", REQ_TEMPLATE);
    dir.write("empty.xlsx", b"");
    dir.write(
        "random.xlsx",
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect::<Vec<_>>(),
    );
    dir.write(
        "html.xls",
        b"<html><body><table><tr><td>ID</td></tr></table></body></html>",
    );
    dir.write("text.xlsx", b"ID,Title\nREQ-1,x\n");
    req_workbook(&dir, &[req_row("REQ-001", "A")]);
    let full = std::fs::read(dir.path("req.xlsx")).unwrap();
    dir.write("truncated.xlsx", &full[..full.len() / 2]);
    for file in [
        "empty.xlsx",
        "random.xlsx",
        "html.xls",
        "text.xlsx",
        "truncated.xlsx",
        "missing.xlsx",
        "x.pdf",
    ] {
        let run = dir.run(&["check", file, "-t", "req.toml"]);
        assert_clean_failure(&run);
    }
    let html = dir.run(&["check", "html.xls", "-t", "req.toml"]);
    assert!(html.stderr.contains("HTML"), "{}", html.stderr);
    let text = dir.run(&["check", "text.xlsx", "-t", "req.toml"]);
    assert!(text.stderr.contains(".csv"), "{}", text.stderr);
}

#[test]
fn odd_csv_contents() {
    let dir = Dir::new();
    dir.write("req.toml", REQ_TEMPLATE);
    for (name, contents) in [
        ("empty.csv", &b""[..]),
        ("nul.csv", &b"ID,Title\x00\n\x00,\x00\n"[..]),
        ("quote.csv", &b"ID,Title\n\"REQ-1,unterminated\n"[..]),
        ("ragged.csv", &b"ID\nREQ-1,a,b,c,d,e,f,g,h\n,\n"[..]),
    ] {
        dir.write(name, contents);
        let run = dir.run(&["check", name, "-t", "req.toml"]);
        assert!(matches!(run.code, 1 | 2), "{name}: {run:?}");
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
    }
}

/// Ctrl+C while a body is being written leaves neither the body nor a temporary file.
#[cfg(unix)]
#[test]
fn an_interrupted_convert_leaves_nothing_behind() {
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
    // SAFETY: sending SIGINT to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    let output = child.wait_with_output().expect("wait");
    drop(stdin);
    assert_eq!(output.status.code(), Some(130), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
    assert!(!staged(), "the temporary file was removed");
    assert_eq!(dir.read("out.json"), "the previous body");
}
