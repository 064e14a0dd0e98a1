//! The bundled samples do what the README says.

use crate::support::*;

#[test]
fn requirements_sample_converts_cleanly() {
    let dir = Dir::new();
    let run = run_sample(
        &dir,
        "convert",
        "samples/requirements.xlsx",
        "templates/requirements.toml",
        &["-o", "r.json"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("0 errors, 0 warnings"), "{}", run.stderr);
    let body: serde_json::Value = serde_json::from_str(&dir.read("r.json")).unwrap();
    let items = elements(&body, "Requirements");
    assert_eq!(items.len(), 50);
    assert_eq!(items[6]["Weight"], 0.3, "formula result shown as Excel shows it");
}

#[test]
fn problem_sample_shows_off_check() {
    let dir = Dir::new();
    let run = run_sample(
        &dir,
        "check",
        "samples/requirements-with-problems.xlsx",
        "templates/requirements.toml",
        &["--report", "json"],
    );
    assert_eq!(run.code, 1);
    let report = run.json();
    let codes: std::collections::BTreeSet<String> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect();
    for code in [
        "missing-external-id",
        "duplicate-external-id",
        "not-a-date",
        "not-a-number",
        "error-cell",
        "time-dropped",
        "line-break-in-single-line-text",
        "text-too-long",
        "not-in-list",
        "internal-owned-filled",
        "not-a-url",
        "too-many-targets",
        "duplicate-target",
        "required-empty",
        "unmapped-column",
    ] {
        assert!(codes.contains(code), "{code} not shown: {codes:?}");
    }
}

#[test]
fn dutch_csv_sample_converts_to_xml() {
    let dir = Dir::new();
    let run = run_sample(
        &dir,
        "convert",
        "samples/objects-nl.csv",
        "templates/objects.toml",
        &["-o", "o.xml"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let text = dir.read("o.xml");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let items: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("Fysiek_x0020_object"))
        .collect();
    assert_eq!(items.len(), 30);
    let first = items[0];
    let value = |name: &str| {
        first
            .children()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(str::to_owned)
    };
    assert_eq!(value("Lengte_x0020__x0028_m_x0029_").as_deref(), Some("13.1"));
    assert_eq!(value("Datum_x0020_ingebruikname").as_deref(), Some("1961-02-02"));
    assert!(value("Omschrijving").unwrap().contains("café"));
}
