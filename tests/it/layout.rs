//! The module layout stays as drawn in the README ("Development"): dependencies between the
//! modules of `src/` run one way. Each `use` or path (`crate::x`, `super::x`) in a file is an
//! edge; a cycle between top-level modules, or between the sibling files of one folder, fails
//! with the cycle spelled out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A source file's module path: `src/input/fastxlsx/sheet.rs` -> `["input", "fastxlsx", "sheet"]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_owned());
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Expands `a::{b::c, d}` into `a::b::c` and `a::d`.
fn expand(path: &str) -> Vec<String> {
    let Some(open) = path.find('{') else {
        return vec![path.to_owned()];
    };
    let prefix = &path[..open];
    let inner = &path[open + 1..path.rfind('}').unwrap_or(path.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// The module paths a file refers to (absolute, as segment lists), from code outside comments.
fn references(module: &[String], text: &str) -> Vec<Vec<String>> {
    let mut code = String::new();
    for line in text.lines() {
        code.push_str(match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        });
        code.push('\n');
    }
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if !(starts_word && (rest.starts_with("crate::") || rest.starts_with("super::"))) {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        }
        // The path, with a `{...}` group if it has one.
        let mut end = 0;
        let mut depth = 0;
        for (j, c) in rest.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                c if depth > 0 || c.is_alphanumeric() || c == '_' || c == ':' => {}
                c if depth > 0 && (c.is_whitespace() || c == ',') => {}
                _ => {
                    end = j;
                    break;
                }
            }
            end = j + c.len_utf8();
            if depth == 0 && c == '}' {
                break;
            }
        }
        let path: String = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        for one in expand(&path) {
            let segs: Vec<&str> = one.split("::").map(str::trim).filter(|s| !s.is_empty()).collect();
            let mut abs: Vec<String> = Vec::new();
            let mut rest_segs = &segs[..];
            if segs.first() == Some(&"crate") {
                rest_segs = &segs[1..];
            } else {
                abs = module.to_vec();
                while rest_segs.first() == Some(&"super") {
                    abs.pop();
                    rest_segs = &rest_segs[1..];
                }
            }
            abs.extend(
                rest_segs
                    .iter()
                    .map(|s| s.split_whitespace().next().unwrap_or("").to_string())
                    .filter(|s| s != "self" && !s.is_empty()),
            );
            out.push(abs);
        }
        i += end.max(1);
    }
    out
}

/// A cycle in `graph`, if any, as the nodes in order.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(node, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn dependencies_between_modules_run_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    // Edges between top-level modules, and between sibling modules of each folder.
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut siblings: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        if module.is_empty() {
            continue; // lib.rs and main.rs declare and start; they are not layers.
        }
        let text = std::fs::read_to_string(file).expect("read source");
        for target in references(&module, &text) {
            // The longest prefix of the reference that is a module of ours.
            let Some(target) = (1..=target.len())
                .rev()
                .map(|n| target[..n].to_vec())
                .find(|prefix| modules.contains(prefix))
            else {
                continue;
            };
            if target[0] != module[0] {
                top.entry(module[0].clone()).or_default().insert(target[0].clone());
                continue;
            }
            // Within one folder: the first segment where the two paths part is the sibling.
            let common = module.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common < module.len() && common < target.len() {
                let folder = module[..common].to_vec();
                siblings
                    .entry(folder)
                    .or_default()
                    .entry(module[common].clone())
                    .or_default()
                    .insert(target[common].clone());
            }
        }
    }
    if let Some(cycle) = find_cycle(&top) {
        panic!("top-level modules import each other: {}", cycle.join(" -> "));
    }
    for (folder, graph) in &siblings {
        if let Some(cycle) = find_cycle(graph) {
            panic!("in src/{}: {}", folder.join("/"), cycle.join(" -> "));
        }
    }
    // The check sees the layout at all: the pipeline uses the reader and the mapper.
    assert!(
        top["pipeline"].contains("input") && top["pipeline"].contains("mapper"),
        "{top:?}"
    );
    assert!(siblings[&vec!["input".to_owned()]].contains_key("dispatch"));
}

#[test]
fn a_cycle_is_found_and_spelled_out() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("app".into()).or_default().insert("cmd".into());
    graph.entry("cmd".into()).or_default().insert("exit".into());
    assert_eq!(find_cycle(&graph), None);
    graph.entry("exit".into()).or_default().insert("app".into());
    assert_eq!(
        find_cycle(&graph).map(|c| c.join(" -> ")).as_deref(),
        Some("app -> cmd -> exit -> app")
    );
    let refs = references(
        &["input".to_owned(), "fastxlsx".to_owned(), "sheet".to_owned()],
        "use super::super::cells::x; // crate::ignored\nlet a = crate::cellref::parse(b);\nuse super::{parts::{A, B}, Batch};",
    );
    assert_eq!(
        refs,
        [
            vec!["input", "cells", "x"],
            vec!["cellref", "parse"],
            vec!["input", "fastxlsx", "parts", "A"],
            vec!["input", "fastxlsx", "parts", "B"],
            vec!["input", "fastxlsx", "Batch"],
        ]
    );
}
