//! The benchmark harness behind `scripts/bench`: runs relsync and the floors alternately on the
//! same files, several times, and prints median wall time, peak memory, rows/s and the ratios
//! the scale targets are stated in. Never part of `cargo test`.
//!
//!     bench [--runs N] [--data DIR] ROWS...
//!
//! Expects `DIR/requirements-ROWS.xlsx` and `.csv` (made by `bench_data`) and the release
//! binaries `target/release/relsync` and `benches/floor/target/release/bench_floor` (the
//! floors, built as their own crate with cargo's default release profile).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

struct Case {
    name: &'static str,
    /// Program and arguments; `{in}` is the input file, `{out}` an output file.
    argv: Vec<String>,
    input: &'static str,
    /// The exit status a successful run has (`diff` says 1 when the bodies differ).
    status: i32,
    /// The case whose time and memory this one is compared with.
    floor: Option<&'static str>,
    extra_env: Vec<(&'static str, String)>,
}

struct Measure {
    wall: f64,
    rss_kib: u64,
}

/// Runs `argv`, returning wall time and peak RSS (from wait4's rusage).
// The child is reaped by `wait4` below (std's `wait` cannot return the rusage).
#[cfg(unix)]
#[allow(clippy::zombie_processes)]
fn run(argv: &[String], env: &[(&'static str, String)], expected: i32) -> Measure {
    let started = Instant::now();
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", argv[0]));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid with valid pointers to stack variables.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(waited, pid, "wait4 failed for {}", argv.join(" "));
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == expected) {
        let mut err = String::new();
        if let Some(mut e) = child.stderr {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        panic!("{} failed ({status}): {err}", argv.join(" "));
    }
    Measure {
        wall,
        rss_kib: usage.ru_maxrss as u64,
    }
}

/// Runs `argv`, returning wall time; peak memory needs `wait4`, which only Unix has (0 here).
#[cfg(not(unix))]
fn run(argv: &[String], env: &[(&'static str, String)], expected: i32) -> Measure {
    let started = Instant::now();
    let output = Command::new(&argv[0])
        .args(&argv[1..])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", argv[0]));
    let wall = started.elapsed().as_secs_f64();
    if output.status.code() != Some(expected) {
        panic!("{} failed: {}", argv.join(" "), String::from_utf8_lossy(&output.stderr));
    }
    Measure { wall, rss_kib: 0 }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut runs = 5;
    let mut data = PathBuf::from("bench-data");
    let mut sizes: Vec<u64> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--data" => data = PathBuf::from(args.next().expect("--data DIR")),
            n => sizes.push(n.parse().expect("row counts")),
        }
    }
    if sizes.is_empty() {
        sizes = vec![100_000];
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let relsync = root.join("target/release/relsync").display().to_string();
    let floor = root
        .join("benches/floor/target/release/bench_floor")
        .display()
        .to_string();
    let template = root.join("benches/bench.toml").display().to_string();

    for rows in sizes {
        let xlsx = data.join(format!("requirements-{rows}.xlsx")).display().to_string();
        let csv = data.join(format!("requirements-{rows}.csv")).display().to_string();
        let names = data
            .join(format!("requirements-{rows}-names.xlsx"))
            .display()
            .to_string();
        let out = data.join("out.tmp").display().to_string();
        // The same template with the `Verified by` targets looked up by name, next to the lookup.
        let by_name = data.join("bench-lookup.toml");
        let text = std::fs::read_to_string(&template).expect("benches/bench.toml");
        let relation = "role = \"Verified by\"\ncolumn = \"Verified by\"\ntarget = \"Verification\"\n";
        assert!(text.contains(relation), "benches/bench.toml changed");
        let text = text.replace(relation, &format!("{relation}lookup = \"verifications.json\"\n"));
        std::fs::write(&by_name, text).expect("write the lookup template");
        let by_name = by_name.display().to_string();
        let s = |v: &[&str]| -> Vec<String> { v.iter().map(|x| x.to_string()).collect() };
        // Two bodies a week apart, for `relsync diff` (made once, not timed).
        let later = data
            .join(format!("requirements-{rows}-later.csv"))
            .display()
            .to_string();
        let (old_body, new_body) = (
            data.join(format!("old-{rows}.json")).display().to_string(),
            data.join(format!("new-{rows}.json")).display().to_string(),
        );
        for (input, body) in [(&csv, &old_body), (&later, &new_body)] {
            if !Path::new(body).exists() {
                run(
                    &s(&[&relsync, "convert", input, "-t", &template, "--quiet", "-o", body]),
                    &[],
                    0,
                );
            }
        }
        let annotated = format!("{out}.xlsx");
        let rs = |cmd: &str, input: &str, extra: &[&str]| -> Vec<String> {
            let mut v = s(&[&relsync, cmd, input, "-t", &template, "--quiet"]);
            v.extend(extra.iter().map(|x| x.to_string()));
            v
        };
        let cases = vec![
            Case {
                name: "floor: calamine cells reader",
                argv: s(&[&floor, "xlsx-cells", &xlsx]),
                input: "xlsx",
                floor: None,
                extra_env: vec![],
                status: 0,
            },
            Case {
                name: "calamine worksheet_range",
                argv: s(&[&floor, "xlsx-range", &xlsx]),
                input: "xlsx",
                floor: Some("floor: calamine cells reader"),
                extra_env: vec![],
                status: 0,
            },
            Case {
                name: "naive xlsx -> streamed JSON",
                argv: s(&[&floor, "xlsx-naive", &xlsx]),
                input: "xlsx",
                floor: Some("floor: calamine cells reader"),
                extra_env: vec![("BENCH_OUT", out.clone())],
                status: 0,
            },
            Case {
                name: "relsync convert xlsx -> JSON",
                argv: rs("convert", &xlsx, &["-o", &format!("{out}.json")]),
                input: "xlsx",
                floor: Some("floor: calamine cells reader"),
                extra_env: vec![],
                status: 0,
            },
            Case {
                name: "relsync convert xlsx -> XML",
                argv: rs("convert", &xlsx, &["-o", &format!("{out}.xml")]),
                input: "xlsx",
                floor: Some("floor: calamine cells reader"),
                extra_env: vec![],
                status: 0,
            },
            Case {
                name: "relsync convert xlsx -> JSON, targets by name (100k lookup)",
                argv: s(&[
                    &relsync,
                    "convert",
                    &names,
                    "-t",
                    &by_name,
                    "--quiet",
                    "-o",
                    &format!("{out}.json"),
                ]),
                input: "xlsx",
                floor: Some("relsync convert xlsx -> JSON"),
                extra_env: vec![],
                status: 0,
            },
            Case {
                name: "relsync check xlsx --annotate",
                argv: rs("check", &xlsx, &["--annotate", &annotated]),
                input: "xlsx",
                floor: Some("relsync check xlsx"),
                extra_env: vec![],
                status: 0,
            },
            Case {
                name: "relsync check xlsx",
                argv: rs("check", &xlsx, &[]),
                input: "xlsx",
                floor: Some("floor: calamine cells reader"),
                extra_env: vec![],
                status: 0,
            },
            Case {
                name: "floor: csv ByteRecord loop",
                argv: s(&[&floor, "csv-bytes", &csv]),
                input: "csv",
                floor: None,
                extra_env: vec![],
                status: 0,
            },
            Case {
                name: "naive csv -> streamed JSON",
                argv: s(&[&floor, "csv-naive", &csv]),
                input: "csv",
                floor: None,
                extra_env: vec![("BENCH_OUT", out.clone())],
                status: 0,
            },
            Case {
                name: "relsync convert csv -> JSON",
                argv: rs("convert", &csv, &["-o", &format!("{out}.json")]),
                input: "csv",
                floor: Some("naive csv -> streamed JSON"),
                extra_env: vec![],
                status: 0,
            },
            Case {
                name: "relsync check csv",
                argv: rs("check", &csv, &[]),
                input: "csv",
                floor: Some("naive csv -> streamed JSON"),
                extra_env: vec![],
                status: 0,
            },
            Case {
                name: "relsync diff JSON bodies (a week apart)",
                argv: s(&[&relsync, "diff", &old_body, &new_body]),
                input: "json",
                floor: None,
                extra_env: vec![],
                status: 1,
            },
        ];
        let mut results: Vec<Vec<Measure>> = cases.iter().map(|_| Vec::new()).collect();
        for round in 0..runs {
            eprint!("\r{rows} rows: round {}/{runs}", round + 1);
            for (case, measures) in cases.iter().zip(results.iter_mut()) {
                measures.push(run(&case.argv, &case.extra_env, case.status));
            }
        }
        eprintln!();
        for ext in ["", ".json", ".xml", ".xlsx"] {
            let _ = std::fs::remove_file(format!("{out}{ext}"));
        }

        let summary: Vec<(f64, u64)> = results
            .iter()
            .map(|m| {
                let wall = median(m.iter().map(|x| x.wall).collect());
                let rss = m.iter().map(|x| x.rss_kib).max().unwrap_or(0);
                (wall, rss)
            })
            .collect();
        let find = |name: &str| cases.iter().position(|c| c.name == name);
        println!("\n{rows} rows x 15 columns, median of {runs} runs (peak RSS: highest of the runs)");
        println!("| case | input | wall | peak RSS | rows/s | wall vs floor | RSS vs floor |");
        println!("|---|---|---:|---:|---:|---:|---:|");
        for (i, case) in cases.iter().enumerate() {
            let (wall, rss) = summary[i];
            let (ratio, mem) = match case.floor.and_then(find) {
                Some(f) => (
                    format!("{:.2}x", wall / summary[f].0),
                    format!("{:.2}x", rss as f64 / summary[f].1 as f64),
                ),
                None => ("-".into(), "-".into()),
            };
            println!(
                "| {} | {} | {:.2} s | {:.0} MiB | {:.0}k | {ratio} | {mem} |",
                case.name,
                case.input,
                wall,
                rss as f64 / 1024.0,
                rows as f64 / wall / 1000.0
            );
        }
    }
}
