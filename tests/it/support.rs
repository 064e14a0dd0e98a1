//! Test helpers: run the real binary in a fresh directory, build real workbooks with
//! rust_xlsxwriter, and parse bodies back.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

/// One run of `relsync`.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// A fresh directory to run in.
pub struct Dir {
    pub temp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            temp: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.temp.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write fixture");
        path
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
    }

    pub fn exists(&self, name: &str) -> bool {
        self.path(name).exists()
    }

    /// Runs relsync with `args` in this directory.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[], None)
    }

    /// Runs relsync with extra environment variables and optional stdin.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Run {
        self.run_env(args, env, &[], stdin)
    }

    /// Runs relsync with `set` added to and `unset` removed from a clean environment (no
    /// credentials, proxies or colour from the machine running the tests), with optional stdin.
    /// Output is collected on threads, so a large stderr never blocks the child.
    pub fn run_env(&self, args: &[&str], set: &[(&str, &str)], unset: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut cmd = self.command(args);
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in set {
            cmd.env(k, v);
        }
        for k in unset {
            cmd.env_remove(k);
        }
        let mut child = cmd.spawn().expect("run relsync");
        let writer = stdin.map(|input| {
            let mut pipe = child.stdin.take().expect("stdin");
            let input = input.to_vec();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&input);
            })
        });
        let output = child.wait_with_output().expect("wait");
        if let Some(w) = writer {
            let _ = w.join();
        }
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("stdout utf-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr utf-8"),
        }
    }

    /// The `relsync` command in this directory with a clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_relsync"));
        cmd.args(args).current_dir(self.temp.path());
        for var in [
            "RELATICS_TOKEN",
            "RELATICS_CLIENT_ID",
            "RELATICS_CLIENT_SECRET",
            "RELATICS_ENDPOINT",
            "RELATICS_TOKEN_URL",
            "RELSYNC_TRUSTED_HOSTS",
            "RELSYNC_XLSX_READER",
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
            "REQUEST_METHOD",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "CLICOLOR_FORCE",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("XDG_STATE_HOME", self.temp.path().join("state-home"))
            .env("NO_COLOR", "1");
        cmd
    }
}

/// The repository's own file at `path`.
pub fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path).display().to_string()
}

/// A cell for a test workbook.
#[derive(Clone, Debug)]
pub enum C {
    /// Nothing written.
    Blank,
    S(&'static str),
    Str(String),
    N(f64),
    B(bool),
    /// A date cell (formatted as a date).
    D(u16, u8, u8),
    /// A date-time cell.
    Dt(u16, u8, u8, u16, u8, u8),
    /// A formula with its cached result.
    F(&'static str, &'static str),
}

/// Builds an xlsx with one sheet named `sheet` holding `rows` from A1.
pub fn xlsx(path: &Path, sheet: &str, rows: &[Vec<C>]) {
    xlsx_sheets(path, &[(sheet, rows)]);
}

/// Builds an xlsx with several sheets.
pub fn xlsx_sheets(path: &Path, sheets: &[(&str, &[Vec<C>])]) {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).expect("sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    C::Blank => {}
                    C::S(s) => {
                        ws.write_string(r, c, *s).expect("write");
                    }
                    C::Str(s) => {
                        ws.write_string(r, c, s).expect("write");
                    }
                    C::N(x) => {
                        ws.write_number(r, c, *x).expect("write");
                    }
                    C::B(b) => {
                        ws.write_boolean(r, c, *b).expect("write");
                    }
                    C::D(y, m, d) => {
                        let dt = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
                        ws.write_datetime_with_format(r, c, dt, &date).expect("write");
                    }
                    C::Dt(y, m, d, hh, mm, ss) => {
                        let dt = ExcelDateTime::from_ymd(*y, *m, *d)
                            .expect("date")
                            .and_hms(*hh, *mm, *ss)
                            .expect("time");
                        ws.write_datetime_with_format(r, c, dt, &datetime).expect("write");
                    }
                    C::F(f, result) => {
                        ws.write_formula(r, c, Formula::new(*f).set_result(*result))
                            .expect("write");
                    }
                }
            }
        }
    }
    wb.save(path).expect("save workbook");
}

/// Rewrites one part of a zip package (an xlsx) with `edit`.
pub fn rewrite_part(path: &Path, name: &str, edit: impl Fn(&str) -> String) {
    let bytes = std::fs::read(path).expect("read xlsx");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut found = false;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("entry");
        let entry = file.name().expect("entry name").to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).expect("read entry");
        if entry == name {
            let text = String::from_utf8(data).expect("utf-8");
            let edited = edit(&text);
            assert_ne!(edited, text, "{name} unchanged");
            data = edited.into_bytes();
            found = true;
        }
        out.start_file(entry, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(&data).expect("write entry");
    }
    assert!(found, "no part {name}");
    let cursor = out.finish().expect("finish zip");
    std::fs::write(path, cursor.into_inner()).expect("write xlsx");
}

/// Rewrites an xlsx so that it uses the 1904 date system (rust_xlsxwriter cannot), keeping
/// every stored number: callers write serials already shifted by 1462 days.
pub fn make_1904(path: &Path) {
    rewrite_part(path, "xl/workbook.xml", |xml| {
        xml.replacen("<workbookPr ", "<workbookPr date1904=\"1\" ", 1)
    });
}

/// A template for the requirement sheets the tests build: columns ID, Title, Due, Weight,
/// Status, Parent, Verified by.
pub const REQ_TEMPLATE: &str = r#"
[target]
type = "Requirement"
plural = "Requirements"

[source]
sheet = "Requirements"

[external_id]
column = "ID"

[[property]]
name = "Name"
column = "Title"
type = "single-line-text"
required = true

[[property]]
name = "Due date"
column = "Due"
type = "date"

[[property]]
name = "Weight"
column = "Weight"
type = "number"

[[property]]
name = "Status"
column = "Status"
type = "list"
values = ["Draft", "Approved", "Rejected"]

[[relation]]
role = "Is part of"
column = "Parent"
target = "Requirement"
cardinality = "single"

[[relation]]
role = "Verified by"
column = "Verified by"
target = "Verification"
"#;

/// The header row matching [`REQ_TEMPLATE`].
pub fn req_header() -> Vec<C> {
    ["ID", "Title", "Due", "Weight", "Status", "Parent", "Verified by"]
        .into_iter()
        .map(C::S)
        .collect()
}

/// A clean data row for [`REQ_TEMPLATE`].
pub fn req_row(id: &'static str, title: &'static str) -> Vec<C> {
    vec![
        C::S(id),
        C::S(title),
        C::D(2027, 3, 1),
        C::N(2.5),
        C::S("Draft"),
        C::S("EIS-1"),
        C::S("VER-1\nVER-2"),
    ]
}

/// Writes `rows` as `req.xlsx` and the requirement template as `req.toml` into `dir`.
pub fn req_workbook(dir: &Dir, rows: &[Vec<C>]) {
    let mut all = vec![req_header()];
    all.extend_from_slice(rows);
    xlsx(&dir.path("req.xlsx"), "Requirements", &all);
    dir.write("req.toml", REQ_TEMPLATE);
}

/// Problems of a JSON report with the given code.
pub fn problems_with_code<'a>(report: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    report["problems"]
        .as_array()
        .expect("problems array")
        .iter()
        .filter(|p| p["code"] == code)
        .collect()
}

/// The elements of a JSON body.
pub fn elements<'a>(body: &'a serde_json::Value, plural: &str) -> &'a Vec<serde_json::Value> {
    body[plural]
        .as_array()
        .unwrap_or_else(|| panic!("no array '{plural}' in {body}"))
}

/// Runs `relsync CMD SAMPLE -t TEMPLATE EXTRA...` in `dir` with a bundled sample and template
/// (paths from the repository root).
pub fn run_sample(dir: &Dir, cmd: &str, sample: &str, template: &str, extra: &[&str]) -> Run {
    let (sample, template) = (repo(sample), repo(template));
    let mut args = vec![cmd, sample.as_str(), "-t", template.as_str()];
    args.extend_from_slice(extra);
    dir.run(&args)
}

/// `relsync submit req.xlsx -t req.toml --endpoint URL --state-dir state` (under `dir`) with the
/// ready access token `token`, and `extra` arguments.
pub fn submit_sheet(dir: &Dir, endpoint: &str, token: &str, extra: &[&str]) -> Run {
    submit_sheet_with(dir, endpoint, extra, &[("RELATICS_TOKEN", token)])
}

/// The same submit with the environment `env` (credentials, proxies, trust store).
pub fn submit_sheet_with(dir: &Dir, endpoint: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let state = dir.path("state").display().to_string();
    let mut args = vec![
        "submit",
        "req.xlsx",
        "-t",
        "req.toml",
        "--endpoint",
        endpoint,
        "--state-dir",
        &state,
    ];
    args.extend_from_slice(extra);
    dir.run_with(&args, env, None)
}
