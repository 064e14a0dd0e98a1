//! Template errors stop with exit 2 and name the file, line and key.

use crate::support::*;

fn check_with(template: &str) -> Run {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-001", "A")]);
    dir.write("bad.toml", template);
    dir.run(&["check", "req.xlsx", "-t", "bad.toml"])
}

fn line_of(template: &str, needle: &str) -> usize {
    template.lines().position(|l| l.contains(needle)).expect("needle") + 1
}

#[test]
fn unknown_key() {
    let t = REQ_TEMPLATE.replace("required = true", "requird = true");
    let run = check_with(&t);
    assert_eq!(run.code, 2);
    let expected = format!("bad.toml, line {}, key 'requird'", line_of(&t, "requird"));
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
}

#[test]
fn unknown_type() {
    let t = REQ_TEMPLATE.replace("type = \"number\"", "type = \"decimal\"");
    let run = check_with(&t);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!("line {}", line_of(&t, "decimal"))),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("decimal"), "{}", run.stderr);
}

#[test]
fn duplicate_property_name() {
    let t = REQ_TEMPLATE.replace("name = \"Weight\"", "name = \"Name\"");
    let run = check_with(&t);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("defined twice"), "{}", run.stderr);
    assert!(run.stderr.contains("key 'Name'"), "{}", run.stderr);
}

#[test]
fn property_named_externalid() {
    let t = REQ_TEMPLATE.replace("name = \"Weight\"", "name = \"ExternalId\"");
    let run = check_with(&t);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!("line {}", line_of(&t, "ExternalId"))),
        "{}",
        run.stderr
    );
}

#[test]
fn toml_syntax_error() {
    let run = check_with("[target\ntype = 1");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.toml, line 1"), "{}", run.stderr);
}

#[test]
fn missing_template_file() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-001", "A")]);
    let run = dir.run(&["check", "req.xlsx", "-t", "nope.toml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nope.toml"), "{}", run.stderr);
}
