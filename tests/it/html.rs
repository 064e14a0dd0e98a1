//! The HTML report: one self-contained page, parsed back here as the XML it is written as.

use crate::support::*;

/// The page parsed; panics with the text when it is not well-formed.
fn parse(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the page does not parse ({e}):\n{text}"))
}

fn by_id<'a, 'i>(doc: &'a roxmltree::Document<'i>, id: &str) -> roxmltree::Node<'a, 'i> {
    doc.descendants()
        .find(|n| n.attribute("id") == Some(id))
        .unwrap_or_else(|| panic!("no element with id {id}"))
}

fn text(node: roxmltree::Node<'_, '_>) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect()
}

/// The rows of the problem table, each as its cells' text.
fn problem_rows(doc: &roxmltree::Document<'_>) -> Vec<Vec<String>> {
    let table = by_id(doc, "problems");
    table
        .descendants()
        .filter(|n| n.has_tag_name("tr") && n.attribute("data-code").is_some())
        .map(|tr| tr.children().filter(|c| c.has_tag_name("td")).map(text).collect())
        .collect()
}

/// Nothing is fetched: no `src`, and no `href` to another place.
fn assert_self_contained(doc: &roxmltree::Document<'_>) {
    for node in doc.descendants().filter(|n| n.is_element()) {
        assert!(
            node.attribute("src").is_none(),
            "{:?} fetches something",
            node.tag_name()
        );
        assert!(
            node.attribute("href").is_none_or(|h| h.starts_with('#')),
            "{:?} links elsewhere",
            node.tag_name()
        );
        assert!(!node.has_tag_name("link"), "a <link> fetches something");
    }
    let scripts = doc.descendants().filter(|n| n.has_tag_name("script")).count();
    assert_eq!(scripts, 1, "only relsync's own script");
}

#[test]
fn check_report_html_lists_every_problem_with_its_cell_value_and_fix() {
    let dir = Dir::new();
    let run = run_sample(
        &dir,
        "check",
        "samples/requirements-with-problems.xlsx",
        "templates/requirements.toml",
        &["--report", "html"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = parse(&run.stdout);
    assert_self_contained(&doc);
    assert_eq!(text(by_id(&doc, "errors")), "12");
    assert_eq!(text(by_id(&doc, "warnings")), "3");
    assert_eq!(text(by_id(&doc, "rows")), "30");
    let rows = problem_rows(&doc);
    assert_eq!(rows.len(), 15);
    let date = rows.iter().find(|r| r[2] == "not-a-date").expect("the impossible date");
    assert_eq!(date[0], "Requirements!E8");
    assert_eq!(date[1], "error");
    assert_eq!(date[4], "31-02-2027");
    assert!(
        date[5].contains("31 February does not exist; correct the date"),
        "{date:?}"
    );
    // Counts per code and per column, and a filter option for each.
    let per_code = text(by_id(&doc, "per-code"));
    assert!(per_code.contains("not-a-date"), "{per_code}");
    let codes = by_id(&doc, "f-code")
        .children()
        .filter(|n| n.has_tag_name("option"))
        .count();
    assert_eq!(codes, 1 + 15, "'all' and one per code");
    let columns = text(by_id(&doc, "per-column"));
    assert!(columns.contains("E Due"), "{columns}");
}

#[test]
fn cell_text_cannot_break_the_page() {
    let dir = Dir::new();
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"When\"\ncolumn = \"When\"\ntype = \"date\"\n",
    );
    dir.write(
        "x.csv",
        "ID,When\nA,\"<script>alert('x')</script>\"\nB,\"]]></td></tr></table><marquee>&amp;\"\n",
    );
    let run = dir.run(&["check", "x.csv", "-t", "t.toml", "--report", "html"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = parse(&run.stdout);
    assert_self_contained(&doc);
    let rows = problem_rows(&doc);
    assert_eq!(rows[0][4], "<script>alert('x')</script>", "shown as text");
    assert_eq!(rows[1][4], "]]></td></tr></table><marquee>&amp;");
    assert!(
        !doc.descendants().any(|n| n.has_tag_name("marquee")),
        "no markup from the sheet"
    );
}

#[test]
fn long_lists_are_capped_and_counted() {
    let dir = Dir::new();
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"N\"\ncolumn = \"N\"\ntype = \"number\"\n",
    );
    let mut csv = String::from("ID,N\n");
    for i in 0..6_000 {
        csv.push_str(&format!("E{i},x{i}\n"));
    }
    dir.write("many.csv", csv);
    let run = dir.run(&["check", "many.csv", "-t", "t.toml", "--html-report", "r.html", "-q"]);
    assert_eq!(run.code, 1);
    let page = dir.read("r.html");
    let doc = parse(&page);
    assert_eq!(problem_rows(&doc).len(), 5000);
    assert!(
        text(by_id(&doc, "capped")).contains("The first 5000 of 6000 problems are listed"),
        "{}",
        text(by_id(&doc, "capped"))
    );
    assert!(text(by_id(&doc, "per-code")).contains("6000"));
}

#[test]
fn html_report_files_beside_convert_and_a_clean_sheet() {
    let dir = Dir::new();
    let sample = repo("samples/requirements.xlsx");
    let template = repo("templates/requirements.toml");
    let run = dir.run(&[
        "convert",
        &sample,
        "-t",
        &template,
        "-o",
        "b.json",
        "--html-report",
        "r.html",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(dir.exists("b.json"));
    let page = dir.read("r.html");
    let doc = parse(&page);
    assert_eq!(text(by_id(&doc, "errors")), "0");
    assert!(text(by_id(&doc, "clean")).contains("No problems"));

    // With errors: no body, but the report is written.
    let run = dir.run(&[
        "convert",
        &repo("samples/requirements-with-problems.xlsx"),
        "-t",
        &template,
        "-o",
        "c.json",
        "--html-report",
        "bad.html",
    ]);
    assert_eq!(run.code, 1);
    assert!(!dir.exists("c.json"));
    assert_eq!(problem_rows(&parse(&dir.read("bad.html"))).len(), 15);

    // Never over an input.
    let run = dir.run(&["check", &sample, "-t", &template, "--html-report", &sample]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("refusing to write the HTML report over"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_body_file_submit_writes_both_reports_with_the_body_problems() {
    let dir = Dir::new();
    dir.write(
        "bad.json",
        "{\"Requirements\": [{\"@externalid\": \"A\"}, {\"@externalid\": \"A\"}, {\"Name\": \"x\"}]}",
    );
    // Refused before anything is sent, so no endpoint is needed to see the reports.
    let run = dir.run(&[
        "submit",
        "bad.json",
        "--dry-run",
        "--state-dir",
        "state",
        "--report-file",
        "r.json",
        "--html-report",
        "r.html",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: serde_json::Value = serde_json::from_str(&dir.read("r.json")).unwrap();
    assert_eq!(report["input"], "bad.json");
    assert_eq!(report["template"], serde_json::Value::Null);
    assert_eq!(report["elements"], 3);
    assert_eq!(report["errors"], 2);
    let places: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["code"], "invalid-body");
            p["path"].as_str().unwrap()
        })
        .collect();
    assert_eq!(places, ["element 2", "element 3"]);

    let page = dir.read("r.html");
    let doc = parse(&page);
    assert_self_contained(&doc);
    assert_eq!(text(by_id(&doc, "errors")), "2");
    let rows = problem_rows(&doc);
    assert_eq!(rows.len(), 2);
    assert!(rows[0].iter().any(|c| c == "bad.json, element 2"), "{rows:?}");
    assert!(page.contains("(a body file)"));

    // A valid body gets reports without problems.
    dir.write("good.json", "{\"Requirements\": [{\"@externalid\": \"A\"}]}");
    let run = dir.run(&[
        "submit",
        "good.json",
        "--dry-run",
        "--allow-deletions",
        "--state-dir",
        "state",
        "--html-report",
        "good.html",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(text(by_id(&parse(&dir.read("good.html")), "clean")).contains("No problems"));

    // Never over the body it checks.
    let run = dir.run(&["submit", "good.json", "--dry-run", "--report-file", "./good.json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("refusing to write the JSON report over"),
        "{}",
        run.stderr
    );
}

#[test]
fn two_outputs_named_differently_but_the_same_file_are_refused() {
    let dir = Dir::new();
    let sample = repo("samples/requirements.xlsx");
    let template = repo("templates/requirements.toml");
    std::fs::create_dir(dir.path("out")).unwrap();
    let run = dir.run(&[
        "convert",
        &sample,
        "-t",
        &template,
        "-o",
        "out/b.json",
        "--html-report",
        "./out/../out/b.json",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("the body and the HTML report would both be written to ./out/../out/b.json"),
        "{}",
        run.stderr
    );
    assert!(!dir.exists("out/b.json"));
}
