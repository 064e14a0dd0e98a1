//! Checking a body made earlier (`.json` / `.xml`) before it is sent as it is.
//!
//! The body is read as a stream, never as a whole document in memory: JSON through serde's
//! visitors, XML through quick-xml events. The check is structural: one plural key (JSON) or an
//! `elements` root with one container (XML), every element with a unique, non-empty external id
//! of at most 450 characters, and relations as arrays of `{"@id": ...}` / elements with `id`.

use std::collections::HashSet;
use std::fmt;
use std::io::BufReader;
use std::path::Path;

use anyhow::Context as _;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::body::BodyFormat;
use crate::problem::{Code, Problem, clip};
use crate::value::{MAX_EXTERNAL_ID, relatics_len};

/// At most this many structure problems are kept for the message.
const MAX_SHOWN: usize = 20;

/// What the check found.
#[derive(Debug, Default)]
pub struct BodyCheck {
    /// Number of elements.
    pub elements: u64,
    /// The external ids, in body order.
    pub ids: Vec<String>,
    /// The first structure problems (`invalid-body`, each with its place in `path`).
    pub problems: Vec<Problem>,
    /// All structure problems.
    pub problem_count: u64,
    seen: HashSet<String>,
}

impl BodyCheck {
    fn problem(&mut self, path: String, message: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_SHOWN {
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

/// Copies `path` into a private temporary file (readable only by this user), as UTF-8: a
/// UTF-16 body with a byte-order mark (as Windows PowerShell 5.1's `>` writes) is converted,
/// and a UTF-8 byte-order mark is dropped.
pub fn private_copy(path: &Path) -> anyhow::Result<PrivateCopy> {
    use std::io::{Read, Write};
    let mut source = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut file = tempfile::NamedTempFile::new().context("creating a private copy of the body")?;
    let registered = crate::output::remove_on_interrupt(file.path());
    let mut head = Vec::new();
    (&mut source).take(3).read_to_end(&mut head)?;
    let copy_err = |e: std::io::Error| anyhow::Error::new(e).context(format!("copying {}", path.display()));
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
            file.write_all(&head).map_err(copy_err)?;
            std::io::copy(&mut source, &mut file).map_err(copy_err)?;
            None
        }
    };
    file.flush().map_err(copy_err)?;
    Ok(PrivateCopy {
        file,
        _registered: registered,
        note,
    })
}

/// Checks the body file at `path`.
pub fn check(path: &Path, format: BodyFormat) -> anyhow::Result<BodyCheck> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = BufReader::with_capacity(256 * 1024, file);
    let mut check = BodyCheck::default();
    match format {
        BodyFormat::Json => check_json(reader, &mut check),
        BodyFormat::Xml => check_xml(reader, &mut check),
    }
    check.seen = HashSet::new();
    Ok(check)
}

fn check_json(reader: impl std::io::Read, check: &mut BodyCheck) {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let result = Top { check: &mut *check }.deserialize(&mut de).and_then(|()| de.end());
    if let Err(e) = result {
        let at = if e.line() > 0 {
            format!("line {}, column {}", e.line(), e.column())
        } else {
            "the body".to_owned()
        };
        check.problem(at, format!("is not a valid JSON body: {e}"));
    }
}

struct Top<'a> {
    check: &'a mut BodyCheck,
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with one key, the plural name, holding the elements")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = 0;
        while let Some(key) = map.next_key::<String>()? {
            keys += 1;
            if keys > 1 {
                self.check.problem(
                    "the top level".into(),
                    format!(
                        "has more than one key ('{key}'); a body holds the elements of one type under its plural name"
                    ),
                );
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(Elements { check: self.check })?;
        }
        if keys == 0 {
            self.check
                .problem("the top level".into(), "has no plural key holding the elements".into());
        }
        Ok(())
    }
}

struct Elements<'a> {
    check: &'a mut BodyCheck,
}

impl<'de> DeserializeSeed<'de> for Elements<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of elements")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            index += 1;
            let element = ElementSeed {
                check: &mut *self.check,
                index,
            };
            if seq.next_element_seed(element)?.is_none() {
                return Ok(());
            }
        }
    }
}

struct ElementSeed<'a> {
    check: &'a mut BodyCheck,
    index: u64,
}

impl<'de> DeserializeSeed<'de> for ElementSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an element object with \"@externalid\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut id: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "@externalid" {
                match map.next_value::<serde_json::Value>()? {
                    serde_json::Value::String(s) => id = Some(s),
                    other => {
                        self.check.problem(
                            format!("element {}", self.index),
                            format!("has \"@externalid\" {other}; it must be a string"),
                        );
                        id = Some(other.to_string());
                    }
                }
            } else {
                let value = PropertyValue {
                    check: &mut *self.check,
                    index: self.index,
                    key: &key,
                };
                map.next_value_seed(value)?;
            }
        }
        self.check.element(self.index, id.as_deref());
        Ok(())
    }
}

/// A property value (string, number, null) or a relation (array of `{"@id": "..."}`).
struct PropertyValue<'a> {
    check: &'a mut BodyCheck,
    index: u64,
    key: &'a str,
}

impl<'de> DeserializeSeed<'de> for PropertyValue<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl PropertyValue<'_> {
    fn wrong(&mut self, found: &str) {
        self.check.problem(
            format!("element {}, '{}'", self.index, self.key),
            format!("is {found}; a value is a string, a number or null, and a relation an array of {{\"@id\": ...}}"),
        );
    }
}

impl<'de> Visitor<'de> for PropertyValue<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number, null, or an array of {\"@id\": ...}")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_string<E: de::Error>(self, _: String) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(mut self, _: bool) -> Result<(), E> {
        self.wrong("a boolean (Relatics has no yes/no type)");
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.wrong("an object");
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut bad = false;
        while let Some(target) = seq.next_element::<serde_json::Value>()? {
            let ok = target.as_object().is_some_and(|o| {
                o.len() == 1
                    && o.get("@id")
                        .is_some_and(|id| id.as_str().is_some_and(|s| !s.is_empty()))
            });
            bad |= !ok;
        }
        if bad {
            self.wrong("an array with an entry that is not {\"@id\": \"<element ID>\"}");
        }
        Ok(())
    }
}

fn check_xml(reader: impl std::io::BufRead, check: &mut BodyCheck) {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut containers = 0u32;
    let mut index = 0u64;
    let mut current_id: Option<String> = None;
    // Whether the current depth-4 child (a property or relation) has text / child elements.
    let mut child_text = false;
    let mut child_elements = false;
    let mut child_name = String::new();
    let mut root_seen = false;
    loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                check.problem(
                    format!("byte {}", xml.error_position()),
                    format!("is not well-formed XML: {e}"),
                );
                return;
            }
        };
        let start = match &event {
            Event::Start(e) => Some((e, false)),
            Event::Empty(e) => Some((e, true)),
            _ => None,
        };
        if let Some((e, empty)) = start {
            let name = e.name().as_ref().to_owned();
            let level = depth + 1;
            match level {
                1 => {
                    root_seen = true;
                    if name != "elements" {
                        check.problem("the root".into(), format!("is <{name}>; a body's root is <elements>"));
                    }
                }
                2 => {
                    containers += 1;
                    if containers > 1 {
                        check.problem(
                            format!("<{name}>"),
                            "is a second container in <elements>; a body holds the elements of one type".into(),
                        );
                    }
                }
                3 => {
                    index += 1;
                    current_id = attribute(e, "externalid");
                    if empty {
                        check.element(index, current_id.as_deref());
                    }
                }
                4 => {
                    child_text = false;
                    child_elements = false;
                    child_name = name;
                }
                5 => {
                    child_elements = true;
                    if !empty {
                        check.problem(
                            format!("element {index}, '{child_name}'"),
                            format!("has a target <{name}> with content; a target is an empty element with an id"),
                        );
                    }
                    if attribute(e, "id").is_none_or(|id| id.is_empty()) {
                        check.problem(
                            format!("element {index}, '{child_name}'"),
                            format!("has a target <{name}> without an id attribute"),
                        );
                    }
                }
                _ => check.problem(format!("element {index}"), format!("has <{name}> nested too deeply")),
            }
            if !empty {
                depth = level;
            }
            continue;
        }
        match event {
            Event::End(_) => {
                if depth == 3 {
                    check.element(index, current_id.take().as_deref());
                }
                if depth == 4 && child_text && child_elements {
                    check.problem(
                        format!("element {index}, '{child_name}'"),
                        "mixes text and target elements".into(),
                    );
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => {
                let blank = t.trim().is_empty();
                if !blank {
                    if depth == 4 {
                        child_text = true;
                    } else {
                        check.problem(
                            format!("element {index}"),
                            format!("has text where it should not (depth {depth})"),
                        );
                    }
                }
            }
            Event::GeneralRef(_) | Event::CData(_) => {
                if depth == 4 {
                    child_text = true;
                } else {
                    check.problem(
                        format!("element {index}"),
                        format!("has text where it should not (depth {depth})"),
                    );
                }
            }
            Event::Eof => {
                if depth > 0 {
                    check.problem(
                        "the end".into(),
                        "is reached before the elements are closed: the body is cut off".into(),
                    );
                    return;
                }
                break;
            }
            _ => {}
        }
    }
    if !root_seen {
        check.problem("the root".into(), "is missing: a body's root is <elements>".into());
    } else if containers == 0 {
        check.problem("<elements>".into(), "holds no container named after the plural".into());
    }
}

fn attribute(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .filter_map(Result::ok)
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
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
