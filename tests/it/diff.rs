//! `relsync diff OLD NEW`: bodies in JSON and XML in any mix, or sheets with a template, compared
//! by external id; text for people, JSON for programs; exit 0, 1 or 2.

use crate::support::*;

/// The sample converted, as JSON and XML, in `dir`.
fn sample_bodies(dir: &Dir) {
    for out in ["all.json", "all.xml"] {
        let run = run_sample(
            dir,
            "convert",
            "samples/requirements.xlsx",
            "templates/requirements.toml",
            &["-o", out],
        );
        assert_eq!(run.code, 0, "{run:?}");
    }
}

/// `all.json` with one date changed, one relation target added, two elements removed and one
/// added: `new.json`.
fn edited(dir: &Dir) {
    let mut body: serde_json::Value = serde_json::from_str(&dir.read("all.json")).unwrap();
    let list = body["Requirements"].as_array_mut().unwrap();
    list[0]["Due_x0020_date"] = "2027-12-31".into();
    list[1]["Geverifieerd_x0020_door"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"@id": "VER-999"}));
    list.drain(3..5);
    list.push(serde_json::json!({"@externalid": "REQ-NEW", "Name": "Brand new <pump>"}));
    dir.write("new.json", serde_json::to_string(&body).unwrap());
}

#[test]
fn the_same_elements_in_json_xml_and_the_sheet_are_identical() {
    let dir = Dir::new();
    sample_bodies(&dir);
    let template = repo("templates/requirements.toml");
    let sheet = repo("samples/requirements.xlsx");
    for (old, new) in [
        ("all.json", "all.xml"),
        ("all.xml", "all.json"),
        ("all.json", sheet.as_str()),
        (sheet.as_str(), "all.xml"),
    ] {
        let run = dir.run(&["diff", old, new, "-t", &template]);
        assert_eq!(run.code, 0, "{old} vs {new}: {run:?}");
        assert!(
            run.stdout.contains("no differences: 50 elements, all unchanged"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn differences_are_counted_then_shown_by_kind() {
    let dir = Dir::new();
    sample_bodies(&dir);
    edited(&dir);
    let run = dir.run(&["diff", "all.xml", "new.json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let out = &run.stdout;
    assert!(
        out.starts_with("old: all.xml (XML body, 50 elements)\nnew: new.json (JSON body, 49 elements)\n"),
        "{out}"
    );
    assert!(out.contains("1 created, 2 deleted, 2 changed, 46 unchanged"), "{out}");
    assert!(
        out.contains("changed fields: Due date (1), Geverifieerd door (1)"),
        "{out}"
    );
    assert!(out.contains("created (1):\n  REQ-NEW  'Brand new <pump>'"), "{out}");
    assert!(out.contains("deleted (2):\n  REQ-004  "), "{out}");
    assert!(out.contains("    Due date: '2027-02-02' -> '2027-12-31'"), "{out}");
    assert!(out.contains("    Geverifieerd door: + VER-999"), "{out}");

    // --limit 1 shows one element per kind and says how many more.
    let limited = dir.run(&["diff", "all.xml", "new.json", "--limit", "1"]);
    assert!(
        limited.stdout.contains("  ... and 1 more (--limit 0 shows all)"),
        "{}",
        limited.stdout
    );
    assert!(!limited.stdout.contains("REQ-005"), "{}", limited.stdout);
}

#[test]
fn the_json_report_lists_every_change() {
    let dir = Dir::new();
    sample_bodies(&dir);
    edited(&dir);
    let run = dir.run(&["diff", "all.json", "new.json", "--report", "json", "--limit", "1"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    assert_eq!(report["identical"], false);
    assert_eq!(
        (
            &report["created"],
            &report["deleted"],
            &report["changed"],
            &report["unchanged"]
        ),
        (&1.into(), &2.into(), &2.into(), &46.into())
    );
    assert_eq!(report["old"]["elements"], 50);
    let deleted: Vec<&str> = report["changes"]["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(deleted, ["REQ-004", "REQ-005"], "--limit does not cut the JSON report");
    let changed = &report["changes"]["changed"];
    assert_eq!(changed[0]["id"], "REQ-001");
    assert_eq!(changed[0]["fields"][0]["name"], "Due date");
    assert_eq!(changed[0]["fields"][0]["old"], "2027-02-02");
    assert_eq!(changed[1]["fields"][0]["added"], serde_json::json!(["VER-999"]));
    assert_eq!(report["changes"]["created"][0]["name"], "Brand new <pump>");

    let same = dir.run(&["diff", "all.json", "all.json", "--report", "json"]);
    assert_eq!(same.code, 0);
    assert_eq!(same.json()["identical"], true);
}

#[test]
fn a_sheet_changed_against_the_body_sent_before() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "Pump"), req_row("REQ-2", "Weir")]);
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "sent.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    req_workbook(&dir, &[req_row("REQ-1", "Pump station"), req_row("REQ-3", "Sluice")]);
    let run = dir.run(&["diff", "sent.json", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("1 created, 1 deleted, 1 changed, 0 unchanged"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("'Pump' -> 'Pump station'"), "{}", run.stdout);
}

#[test]
fn what_cannot_be_compared_stops_with_2() {
    let dir = Dir::new();
    sample_bodies(&dir);
    dir.write(
        "bad.json",
        r#"{"Requirements": [{"@externalid": "A"}, {"@externalid": "A"}]}"#,
    );
    dir.write("cut.xml", "<elements><Requirements><Requirement externalid='A'>");
    for (args, words) in [
        (
            vec!["diff", "all.json", "bad.json"],
            "bad.json is not a body that can be compared:\n  element 2: uses the external id 'A' again",
        ),
        (vec!["diff", "cut.xml", "all.json"], "the body is cut off"),
        (vec!["diff", "all.json", "missing.json"], "missing.json"),
        (
            vec!["diff", "all.json", "sheet.xlsx"],
            "is a sheet, so diff needs its column template",
        ),
        (vec!["diff", "all.json", "sheet.csv", "-t", "x.toml"], "x.toml"),
    ] {
        let run = dir.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(words), "{args:?}: {}", run.stderr);
    }
    // A sheet with errors is not converted, so it cannot be compared.
    let run = dir.run(&[
        "diff",
        "all.json",
        &repo("samples/requirements-with-problems.xlsx"),
        "-t",
        &repo("templates/requirements.toml"),
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("has errors (listed above), so it cannot be compared"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("not-a-date"),
        "the problems are shown: {}",
        run.stderr
    );
    // Two sheets with errors: the problems of both are shown, each line naming its file.
    let bad = repo("samples/requirements-with-problems.xlsx");
    std::fs::copy(&bad, dir.path("copy.xlsx")).unwrap();
    let run = dir.run(&["diff", &bad, "copy.xlsx", "-t", &repo("templates/requirements.toml")]);
    assert_eq!(run.code, 2, "{run:?}");
    for file in ["requirements-with-problems.xlsx", "copy.xlsx"] {
        assert!(
            run.stderr.lines().any(|l| l.contains(file) && l.contains("not-a-date")),
            "{file}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("{file} has errors (listed above)")),
            "{file}: {}",
            run.stderr
        );
    }
}

#[test]
fn bodies_of_different_type_elements_are_not_called_identical() {
    let dir = Dir::new();
    dir.write("ts.json", r#"{"Ts": [{"@externalid": "A"}]}"#);
    dir.write("us.json", r#"{"Us": [{"@externalid": "A"}]}"#);
    dir.write("us.xml", r#"<elements><Us><U externalid="A"/></Us></elements>"#);
    for other in ["us.json", "us.xml"] {
        let run = dir.run(&["diff", "ts.json", other]);
        assert_eq!(run.code, 2, "{other}: {run:?}");
        assert!(
            run.stderr.contains("holds Us where the old body holds Ts"),
            "{other}: {}",
            run.stderr
        );
    }
}
