//! Relation targets by name: lookup files in every accepted shape, names that differ in case and
//! spacing, unknown and ambiguous names, and `fetch-lookup` against a real server.

use crate::server::{Reply, Server};
use crate::support::*;

const PROVIDING: &str = "/api/v1/workspaces/0b5d/interfaces/providing/facilities";

/// A sheet whose `Located in` cells name facilities, and a template that looks them up in `file`.
fn sheet(dir: &Dir, file: &str, cells: &[&str]) {
    let mut csv = String::from("ID;Located in\n");
    for (i, c) in cells.iter().enumerate() {
        csv.push_str(&format!("OBJ-{i};\"{c}\"\n"));
    }
    dir.write("objects.csv", csv);
    std::fs::create_dir_all(dir.path("lookups")).unwrap();
    dir.write(
        "t.toml",
        format!(
            "[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n\
             [[relation]]\nrole = \"Located in\"\ncolumn = \"Located in\"\ntarget = \"Facility\"\nlookup = \"lookups/{file}\"\n"
        ),
    );
}

fn targets(body: &serde_json::Value) -> Vec<Vec<String>> {
    body["Objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["Located_x0020_in"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["@id"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn the_bundled_sample_converts_names_to_ids() {
    let dir = Dir::new();
    let run = dir.run(&[
        "convert",
        &repo("samples/objects-by-name.csv"),
        "-t",
        &repo("templates/objects-by-name.toml"),
        "-o",
        "objects.json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let body: serde_json::Value = serde_json::from_str(&dir.read("objects.json")).unwrap();
    let ids: Vec<Vec<&str>> = body["Fysieke_x0020_objecten"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["Ligt_x0020_in"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["@id"].as_str().unwrap())
                .collect()
        })
        .collect();
    // Gebied Noord, gebied zuid, Gebied  Oost, Haven; Gebied Noord, GEB-3, Binnenstad, HAVEN,
    // Gebied Zuid + Binnenstad (as the sample writes them).
    assert_eq!(
        ids,
        [
            vec!["GEB-1"],
            vec!["GEB-2"],
            vec!["GEB-3"],
            vec!["GEB-4", "GEB-1"],
            vec!["GEB-3"],
            vec!["GEB-5"],
            vec!["GEB-4"],
            vec!["GEB-2", "GEB-5"],
        ]
    );
}

#[test]
fn names_become_element_ids_from_every_accepted_shape() {
    let shapes = [
        (
            "facilities.json",
            r#"{"Facilities": [{"@id": "FAC-1", "@name": "Pump station North"}, {"@id": "FAC-2", "@name": "Sluice 2"}]}"#,
        ),
        (
            "plain.json",
            r#"[{"ID": "FAC-1", "Name": "Pump station North"}, {"id": "FAC-2", "name": "Sluice 2"}]"#,
        ),
        (
            "attributes.xml",
            r#"<Facilities><Facility id="FAC-1" name="Pump station North"/><Facility id="FAC-2" name="Sluice 2"/></Facilities>"#,
        ),
        (
            "children.xml",
            "<Facilities><Facility><id>FAC-1</id><name>Pump station North</name></Facility>\
             <Facility><id>FAC-2</id><name>Sluice 2</name></Facility></Facilities>",
        ),
        (
            "export.csv",
            "name,id,region\nPump station North,FAC-1,N\nSluice 2,FAC-2,S\n",
        ),
    ];
    for (file, text) in shapes {
        let dir = Dir::new();
        // Names differ in case and spacing; an ID passes as it is.
        sheet(
            &dir,
            file,
            &["Pump station North", "pump  STATION north; Sluice 2", "FAC-2"],
        );
        dir.write(&format!("lookups/{file}"), text);
        let run = dir.run(&["convert", "objects.csv", "-t", "t.toml"]);
        assert_eq!(run.code, 0, "{file}: {run:?}");
        assert_eq!(
            targets(&run.json()),
            [vec!["FAC-1"], vec!["FAC-1", "FAC-2"], vec!["FAC-2"]],
            "{file}"
        );
    }
}

#[test]
fn fields_named_otherwise_are_named_in_the_template() {
    let dir = Dir::new();
    sheet(&dir, "custom.json", &["Sluice 2"]);
    dir.write(
        "lookups/custom.json",
        r#"[{"elementId": "FAC-2", "displayName": "Sluice 2"}]"#,
    );
    let text = dir.read("t.toml") + "lookup_id = \"elementId\"\nlookup_name = \"displayName\"\n";
    dir.write("t.toml", text);
    let run = dir.run(&["convert", "objects.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(targets(&run.json()), [vec!["FAC-2"]]);
}

#[test]
fn unknown_and_ambiguous_names_are_problems_with_their_cell() {
    let dir = Dir::new();
    sheet(&dir, "l.csv", &["Pump statoin North", "Weir"]);
    dir.write(
        "lookups/l.csv",
        "name;id\nPump station North;FAC-1\nPump station South;FAC-2\nWeir;FAC-7\nWeir;FAC-9\n",
    );
    let run = dir.run(&["check", "objects.csv", "-t", "t.toml", "--report", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let unknown = problems_with_code(&report, "unknown-target");
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0]["cell"], "B2");
    assert_eq!(unknown[0]["severity"], "error");
    assert_eq!(
        unknown[0]["message"],
        "'Located in': 'Pump statoin North' is neither a name nor an element ID in lookups/l.csv (did you mean \
         'Pump station North', 'Pump station South'?); correct it, or refresh the lookup (relsync fetch-lookup)"
    );
    let ambiguous = problems_with_code(&report, "ambiguous-target");
    assert_eq!(ambiguous.len(), 1);
    assert_eq!(ambiguous[0]["cell"], "B3");
    assert_eq!(
        ambiguous[0]["message"],
        "'Located in': 'Weir' names 2 elements in lookups/l.csv (FAC-7, FAC-9); write the element ID of the one meant"
    );
}

#[test]
fn a_lookup_that_cannot_be_used_stops_the_run() {
    let dir = Dir::new();
    sheet(&dir, "missing.json", &["x"]);
    let run = dir.run(&["check", "objects.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(
            "invalid template t.toml, line 10, key 'lookup': the lookup file lookups/missing.json cannot be read"
        ),
        "{}",
        run.stderr
    );
    dir.write("lookups/missing.json", r#"{"Facilities": [{"code": "FAC-1"}]}"#);
    let run = dir.run(&["check", "objects.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("has elements without an id and a name field (the first has 'code'); expected a providing interface's answer"),
        "{}",
        run.stderr
    );
}

fn fetch(dir: &Dir, server: &Server, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let endpoint = server.url(PROVIDING);
    let mut args = vec!["fetch-lookup", "--endpoint", &endpoint];
    args.extend_from_slice(extra);
    dir.run_with(&args, env, None)
}

#[test]
fn fetch_lookup_saves_the_answer_and_counts_the_pairs() {
    let dir = Dir::new();
    let server = Server::start(|req, _| {
        if req.path.ends_with("/token") {
            return Reply::json(200, r#"{"access_token": "tok-lookup-55", "token_type": "Bearer"}"#);
        }
        if req.header("accept") == Some("application/xml") {
            return Reply::Respond(
                200,
                vec![("Content-Type", "application/xml".into())],
                r#"<Facilities><Facility id="FAC-1" name="Pump station North"/></Facilities>"#.into(),
            );
        }
        Reply::json(
            200,
            r#"{"Facilities": [{"@id": "FAC-1", "@name": "Pump station North"}, {"@id": "FAC-2", "@name": "Sluice 2"}]}"#,
        )
    });
    let token_url = server.url("/auth/token");
    let creds = [
        ("RELATICS_CLIENT_ID", "id"),
        ("RELATICS_CLIENT_SECRET", "s3cr3t-v4lue"),
        ("RELATICS_TOKEN_URL", token_url.as_str()),
    ];
    let run = fetch(&dir, &server, &["-o", "lookups.json", "--verbose"], &creds);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("saved lookups.json") && run.stdout.contains("2 name/ID pairs recognised"),
        "{}",
        run.stdout
    );
    let get = server.requests_to(PROVIDING);
    assert_eq!(get[0].method, "GET");
    assert_eq!(get[0].header("authorization"), Some("Bearer tok-lookup-55"));
    for secret in ["tok-lookup-55", "s3cr3t-v4lue"] {
        assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret), "{run:?}");
    }
    // XML, by the output's extension; and a ready token.
    let run = fetch(
        &dir,
        &server,
        &["-o", "lookups.xml"],
        &[("RELATICS_TOKEN", "ready-token-1")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(dir.read("lookups.xml").starts_with("<Facilities>"));
    assert!(run.stdout.contains("1 name/ID pair recognised"), "{}", run.stdout);
    // An answer format the extension contradicts would save a lookup that cannot be read.
    let run = fetch(
        &dir,
        &server,
        &["-o", "other.json", "--accept", "xml"],
        &[("RELATICS_TOKEN", "ready-token-1")],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("--accept xml does not match the extension of other.json, which names a JSON file"),
        "{}",
        run.stderr
    );
    assert!(!dir.exists("other.json"));
    // The saved answer works as a lookup.
    sheet(&dir, "../lookups.json", &["Sluice 2"]);
    let run = dir.run(&["convert", "objects.csv", "-t", "t.toml"]);
    assert_eq!(targets(&run.json()), [vec!["FAC-2"]]);
}

#[test]
fn fetch_lookup_fails_like_submit() {
    let dir = Dir::new();
    let server = Server::start(|_, _| {
        Reply::Respond(
            302,
            vec![("Location", "https://elsewhere.example/x".into())],
            String::new(),
        )
    });
    dir.write("old.json", "the previous lookup");
    let run = fetch(
        &dir,
        &server,
        &["-o", "old.json"],
        &[("RELATICS_TOKEN", "ready-token-1")],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("elsewhere.example") && run.stderr.contains("Nothing was saved."),
        "{}",
        run.stderr
    );
    assert_eq!(dir.read("old.json"), "the previous lookup");
    let none = fetch(&dir, &server, &["-o", "x.json"], &[]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("no credentials"), "{}", none.stderr);
    let plain = dir.run_with(
        &[
            "fetch-lookup",
            "--endpoint",
            "http://relatics.example.com/x",
            "-o",
            "x.json",
        ],
        &[("RELATICS_TOKEN", "t")],
        None,
    );
    assert_eq!(plain.code, 2);
    assert!(plain.stderr.contains("plain http"), "{}", plain.stderr);
}

#[test]
fn no_output_is_written_over_a_lookup_file() {
    let dir = Dir::new();
    sheet(&dir, "f.json", &["Pump station North"]);
    let lookup = r#"{"Facilities": [{"@id": "FAC-1", "@name": "Pump station North"}]}"#;
    dir.write("lookups/f.json", lookup);
    for (flag, what) in [
        ("-o", "body"),
        ("--report-file", "JSON report"),
        ("--html-report", "HTML report"),
    ] {
        let run = dir.run(&[
            "convert",
            "objects.csv",
            "-t",
            "t.toml",
            flag,
            "./lookups/../lookups/f.json",
        ]);
        assert_eq!(run.code, 2, "{flag}: {run:?}");
        assert!(
            run.stderr.contains(&format!("refusing to write the {what} over")),
            "{flag}: {}",
            run.stderr
        );
        assert_eq!(dir.read("lookups/f.json"), lookup);
    }
}

#[test]
fn fetch_lookup_saves_a_large_answer_whole() {
    let dir = Dir::new();
    // 100,000 pairs, some 5 MB: more than relsync keeps of a submit's answer.
    let mut big = String::from("{\"Facilities\": [");
    for i in 0..100_000 {
        if i > 0 {
            big.push(',');
        }
        big.push_str(&format!(
            "{{\"@id\": \"FAC-{i}\", \"@name\": \"Facility number {i} of the large site\"}}"
        ));
    }
    big.push_str("]}");
    assert!(big.len() > 5_000_000);
    let len = big.len();
    let server = Server::start(move |_, _| Reply::json(200, &big));
    let run = fetch(
        &dir,
        &server,
        &["-o", "big.json"],
        &[("RELATICS_TOKEN", "ready-token-1")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(std::fs::metadata(dir.path("big.json")).unwrap().len() as usize, len);
    assert!(run.stdout.contains("100000 name/ID pairs recognised"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn a_lookup_that_is_not_a_regular_file_is_refused_before_it_is_read() {
    let dir = Dir::new();
    sheet(&dir, "zero.json", &["Pump"]);
    std::os::unix::fs::symlink("/dev/zero", dir.path("lookups/zero.json")).unwrap();
    let run = dir.run(&["check", "objects.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("is not a regular file"), "{}", run.stderr);
}
