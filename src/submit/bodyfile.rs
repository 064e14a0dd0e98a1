//! Checking a body made earlier (`.json` / `.xml`) before it is sent as it is.
//!
//! The body is read as a stream by [`crate::body::read`], never as a whole document in memory.
//! The check is structural: one plural key (JSON) or an
//! `elements` root with one container (XML), every element with a unique, non-empty external id
//! of at most 450 characters, and relations as arrays of `{"@id": ...}` / elements with `id`.

use std::collections::HashSet;
use std::io::BufReader;
use std::path::Path;

use crate::body::BodyFormat;
use crate::body::read::{BodyElement, ElementSink, read};
use crate::problem::{Code, Problem, clip};
use crate::value::{MAX_EXTERNAL_ID, relatics_len};
use anyhow::Context as _;

/// At most this many structure problems are shown on the terminal.
pub const MAX_SHOWN: usize = 20;

/// At most this many are kept for the report files (`--report-file`, `--html-report`).
pub const MAX_REPORTED: usize = 100_000;

/// What the check found.
#[derive(Debug, Default)]
pub struct BodyCheck {
    /// Number of elements.
    pub elements: u64,
    /// The external ids, in body order.
    pub ids: Vec<String>,
    /// The first structure problems (`invalid-body`, each with its place in `path`): at least
    /// [`MAX_SHOWN`], up to `keep`.
    pub problems: Vec<Problem>,
    keep: usize,
    /// All structure problems.
    pub problem_count: u64,
    seen: HashSet<String>,
}

impl BodyCheck {
    fn problem(&mut self, path: String, message: String) {
        self.problem_count += 1;
        if self.problems.len() < self.keep.max(MAX_SHOWN) {
            self.problems.push(Problem::new(Code::InvalidBody, message).path(path));
        }
    }

    /// Records element `index` (1-based) with external id `id`.
    fn element(&mut self, index: u64, id: Option<&str>) {
        self.elements += 1;
        let at = format!("element {index}");
        let Some(id) = id else {
            self.problem(at, "has no external id; every element needs a unique one".into());
            return;
        };
        if id.trim().is_empty() {
            self.problem(at, "has an empty external id; every element needs a unique one".into());
            return;
        }
        let len = relatics_len(id);
        if len > MAX_EXTERNAL_ID {
            self.problem(
                at.clone(),
                format!("has an external id of {len} characters; Relatics allows at most {MAX_EXTERNAL_ID}"),
            );
        }
        if !self.seen.insert(id.to_owned()) {
            self.problem(
                at,
                format!(
                    "uses the external id '{}' again; Relatics would treat both as one element",
                    clip(id, 60)
                ),
            );
        }
        self.ids.push(id.to_owned());
    }
}

/// A private copy of a body file, made once: it is checked, hashed and sent, so what was
/// checked is what is sent even if the original changes meanwhile.
pub struct PrivateCopy {
    pub file: tempfile::NamedTempFile,
    _registered: crate::output::Registered,
    /// What was done to it on the way (a byte-order mark dropped, UTF-16 turned into UTF-8).
    pub note: Option<String>,
}

/// The largest body file `submit` sends (the benchmark's million elements make 762 MB).
pub const MAX_BODY: u64 = 8 << 30;

/// Copies `path` into a private temporary file (readable only by this user), as UTF-8: a
/// UTF-16 body with a byte-order mark (as Windows PowerShell 5.1's `>` writes) is converted,
/// and a UTF-8 byte-order mark is dropped.
pub fn private_copy(path: &Path) -> anyhow::Result<PrivateCopy> {
    use std::io::{Read, Write};
    let source = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    // A body is read at most this far (a device or a pipe without end is refused there).
    let mut source = source.take(MAX_BODY + 1);
    let mut file = tempfile::NamedTempFile::new().context("creating a private copy of the body")?;
    let registered = crate::output::remove_on_interrupt(file.path());
    let mut head = Vec::new();
    (&mut source).take(3).read_to_end(&mut head)?;
    // The kind of failure, without the temporary file's name (tempfile adds it).
    let copy_err = |e: std::io::Error| {
        let why = e.to_string();
        let why = why.split(" at path ").next().unwrap_or_default().to_owned();
        anyhow::anyhow!(
            "cannot make a private copy of {} in the temporary folder: {why}",
            path.display()
        )
    };
    let note = match encoding_rs::Encoding::for_bom(&head) {
        Some((encoding, bom)) if encoding == encoding_rs::UTF_8 => {
            file.write_all(&head[bom..]).map_err(copy_err)?;
            std::io::copy(&mut source, &mut file).map_err(copy_err)?;
            Some("a UTF-8 byte-order mark was dropped".to_owned())
        }
        Some((encoding, bom)) => {
            let mut decoder = encoding.new_decoder_without_bom_handling();
            let mut input = head[bom..].to_vec();
            let mut chunk = vec![0u8; 64 * 1024];
            let mut out = String::new();
            loop {
                let n = source.read(&mut chunk).map_err(copy_err)?;
                input.extend_from_slice(&chunk[..n]);
                out.clear();
                out.reserve(decoder.max_utf8_buffer_length(input.len()).unwrap_or(input.len() * 3));
                let (result, read) = decoder.decode_to_string_without_replacement(&input, &mut out, n == 0);
                if let encoding_rs::DecoderResult::Malformed(_, _) = result {
                    anyhow::bail!(
                        "{} starts with a {} byte-order mark but is not valid {}",
                        path.display(),
                        encoding.name(),
                        encoding.name()
                    );
                }
                file.write_all(out.as_bytes()).map_err(copy_err)?;
                input.drain(..read);
                if n == 0 {
                    break;
                }
            }
            Some(format!(
                "converted from {} (as Windows PowerShell 5.1 writes with '>') to UTF-8",
                encoding.name()
            ))
        }
        None => {
            // A body starts with `{` or `<` (after white space): anything else is refused before
            // it is copied (a binary file, a device of zeros).
            let mut start = head.clone();
            while start.iter().all(u8::is_ascii_whitespace) && start.len() < 64 * 1024 {
                let before = start.len();
                (&mut source).take(4096).read_to_end(&mut start).map_err(copy_err)?;
                if start.len() == before {
                    break;
                }
            }
            if let Some(&first) = start.iter().find(|b| !b.is_ascii_whitespace())
                && first != b'{'
                && first != b'<'
            {
                anyhow::bail!(
                    "{} is not a JSON or XML body: it starts with {}, not '{{' or '<'",
                    path.display(),
                    if first.is_ascii_graphic() {
                        format!("'{}'", char::from(first))
                    } else {
                        format!("the byte 0x{first:02X}")
                    }
                );
            }
            file.write_all(&start).map_err(copy_err)?;
            std::io::copy(&mut source, &mut file).map_err(copy_err)?;
            None
        }
    };
    if source.limit() == 0 {
        anyhow::bail!(
            "{} is larger than {} GiB, more than relsync sends as one body",
            path.display(),
            MAX_BODY >> 30
        );
    }
    file.flush().map_err(copy_err)?;
    Ok(PrivateCopy {
        file,
        _registered: registered,
        note,
    })
}

/// Checks the body file at `path`, keeping the first `keep` problems (at least [`MAX_SHOWN`]).
pub fn check(path: &Path, format: BodyFormat, keep: usize) -> anyhow::Result<BodyCheck> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = BufReader::with_capacity(256 * 1024, file);
    let mut check = BodyCheck {
        keep,
        ..BodyCheck::default()
    };
    read(reader, format, &mut check);
    check.seen = HashSet::new();
    Ok(check)
}

impl ElementSink for BodyCheck {
    fn element(&mut self, element: BodyElement) {
        self.element(element.index, element.id.as_deref());
    }
    fn problem(&mut self, at: String, message: String) {
        self.problem(at, message);
    }
    fn wants_values(&self) -> bool {
        false
    }
}

#[cfg(test)]
fn check_json(reader: impl std::io::BufRead, check: &mut BodyCheck) {
    read(reader, BodyFormat::Json, check);
}

#[cfg(test)]
fn check_xml(reader: impl std::io::BufRead, check: &mut BodyCheck) {
    read(reader, BodyFormat::Xml, check);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> BodyCheck {
        let mut c = BodyCheck::default();
        check_json(text.as_bytes(), &mut c);
        c
    }

    /// A problem as one line: place and message.
    fn said(p: &Problem) -> String {
        format!("{}: {}", p.path.as_deref().unwrap_or(""), p.message)
    }

    fn xml(text: &str) -> BodyCheck {
        let mut c = BodyCheck::default();
        check_xml(text.as_bytes(), &mut c);
        c
    }

    #[test]
    fn good_json_bodies() {
        let c = json(
            r#"{"Requirements": [{"@externalid": "A", "Name": "x", "W": 2.5, "N": null, "R": [{"@id": "E-1"}], "E": []},
                                  {"@externalid": "B"}]}"#,
        );
        assert_eq!(c.problems, Vec::<Problem>::new());
        assert_eq!(c.elements, 2);
        assert_eq!(c.ids, ["A", "B"]);
        assert!(json(r#"{"Requirements": []}"#).problems.is_empty());
    }

    #[test]
    fn bad_json_bodies() {
        for (text, expect) in [
            (r#"{"A": [], "B": []}"#, "the top level: has more than one key"),
            (r#"{}"#, "no plural key"),
            (r#"{"A": [{"Name": "x"}]}"#, "element 1: has no external id"),
            (r#"{"A": [{"@externalid": ""}]}"#, "empty external id"),
            (
                r#"{"A": [{"@externalid": "x"}, {"@externalid": "x"}]}"#,
                "element 2: uses the external id 'x' again",
            ),
            (r#"{"A": [{"@externalid": 5}]}"#, "must be a string"),
            (r#"{"A": [{"@externalid": "x", "R": [{"id": "E"}]}]}"#, "not {\"@id\""),
            (r#"{"A": [{"@externalid": "x", "R": {"@id": "E"}}]}"#, "an object"),
            (r#"{"A": [{"@externalid": "x", "B": true}]}"#, "boolean"),
            (
                r#"{"A": [{"@externalid": "x"}"#,
                "line 1, column 27: is not a valid JSON body",
            ),
            (r#"[1, 2]"#, "is not a valid JSON body"),
            (
                r#"{"A": [{"@externalid": "x", "Name": "a", "Name": "b"}]}"#,
                "element 1: has the key 'Name' twice",
            ),
            (r#"{"A": [{"@externalid": "x", "@externalid": "y"}]}"#, "element 1: has"),
        ] {
            let c = json(text);
            assert!(
                c.problems.iter().any(|p| said(p).contains(expect)),
                "{text}: {:?}",
                c.problems
            );
            assert!(
                c.problems
                    .iter()
                    .all(|p| p.code == Code::InvalidBody && p.path.is_some())
            );
        }
        let long = format!(r#"{{"A": [{{"@externalid": "{}"}}]}}"#, "x".repeat(451));
        assert!(said(&json(&long).problems[0]).contains("at most 450"));
    }

    #[test]
    fn good_xml_bodies() {
        let c = xml(r#"<?xml version="1.0" encoding="utf-8"?>
<elements><Requirements>
  <Requirement externalid="A &amp; B"><Name>x &amp; y</Name><Empty /><R><Requirement id="E-1" /></R></Requirement>
  <Requirement externalid="C" />
</Requirements></elements>"#);
        assert_eq!(c.problems, Vec::<Problem>::new());
        assert_eq!(c.ids, ["A & B", "C"]);
    }

    #[test]
    fn bad_xml_bodies() {
        for (text, expect) in [
            ("<root><A/></root>", "the root: is <root>"),
            (
                "<elements><A><X externalid='1'/></A><B/></elements>",
                "a second container",
            ),
            ("<elements><A><X/></A></elements>", "no external id"),
            (
                "<elements><A><X externalid='1'/><X externalid='1'/></A></elements>",
                "again",
            ),
            (
                "<elements><A><X externalid='1'><R><T/></R></X></A></elements>",
                "without an id",
            ),
            (
                "<elements><A><X externalid='1'><R>t<T id='1'/></R></X></A></elements>",
                "mixes text",
            ),
            (
                "<elements><A><X externalid='1'><R><T id='1'><U/></T></R></X></A></elements>",
                "with content",
            ),
            ("<elements><A><X externalid='1'>", "the body is cut off"),
            ("", "the root: is missing"),
            ("<elements></elements>", "no container"),
            (
                "<elements><A><X externalid='1'><Name>a</Name><Name>b</Name></X></A></elements>",
                "element 1: has <Name> twice",
            ),
            (
                "<!DOCTYPE elements [<!ENTITY e \"x\">]><elements><A><X externalid='1'><N>&e;</N></X></A></elements>",
                "the prolog: declares a DOCTYPE",
            ),
            (
                "<elements><A><X externalid='1' externalid='2'/></A></elements>",
                "element 1: is not well-formed XML: <X> has the attribute externalid twice",
            ),
            (
                "<elements><A><X externalid='1'><R><T id='1' id='2'/></R></X></A></elements>",
                "element 1: is not well-formed XML: <T> has the attribute id twice",
            ),
        ] {
            let c = xml(text);
            assert!(
                c.problems.iter().any(|p| said(p).contains(expect)),
                "{text}: {:?}",
                c.problems
            );
        }
    }
}
