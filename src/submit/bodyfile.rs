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
    /// The first structure problems, as sentences.
    pub problems: Vec<String>,
    /// All structure problems.
    pub problem_count: u64,
    seen: HashSet<String>,
}

impl BodyCheck {
    fn problem(&mut self, message: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_SHOWN {
            self.problems.push(message);
        }
    }

    /// Records element `index` (1-based) with external id `id`.
    fn element(&mut self, index: u64, id: Option<&str>) {
        self.elements += 1;
        let Some(id) = id else {
            self.problem(format!("element {index} has no external id"));
            return;
        };
        if id.trim().is_empty() {
            self.problem(format!("element {index} has an empty external id"));
            return;
        }
        let len = relatics_len(id);
        if len > MAX_EXTERNAL_ID {
            self.problem(format!(
                "element {index}: external id of {len} characters; Relatics allows at most {MAX_EXTERNAL_ID}"
            ));
        }
        if !self.seen.insert(id.to_owned()) {
            self.problem(format!("element {index}: external id '{id}' appears more than once"));
        }
        self.ids.push(id.to_owned());
    }
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
        check.problem(format!("not a valid body: {e}"));
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
                self.check.problem(format!(
                    "more than one top-level key ('{key}'); a body holds the elements of one type under its plural name"
                ));
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(Elements { check: self.check })?;
        }
        if keys == 0 {
            self.check
                .problem("the body has no plural key holding the elements".into());
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
                        self.check.problem(format!(
                            "element {}: \"@externalid\" must be a string, found {other}",
                            self.index
                        ));
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
        self.check.problem(format!(
            "element {}: '{}' is {found}; a value is a string, a number or null, and a relation an array of {{\"@id\": ...}}",
            self.index, self.key
        ));
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
                check.problem(format!("not well-formed XML at byte {}: {e}", xml.error_position()));
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
                        check.problem(format!("the root element is <{name}>; a body's root is <elements>"));
                    }
                }
                2 => {
                    containers += 1;
                    if containers > 1 {
                        check.problem(format!(
                            "<elements> holds more than one container (<{name}>); a body holds the elements of one type"
                        ));
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
                        check.problem(format!(
                            "element {index}: relation target <{name}> has content; a target is an empty element with an id"
                        ));
                    }
                    if attribute(e, "id").is_none_or(|id| id.is_empty()) {
                        check.problem(format!(
                            "element {index}: relation '{child_name}' has a target <{name}> without an id attribute"
                        ));
                    }
                }
                _ => check.problem(format!("element {index}: <{name}> is nested too deeply")),
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
                    check.problem(format!(
                        "element {index}: '{child_name}' mixes text and target elements"
                    ));
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => {
                let blank = t.trim().is_empty();
                if !blank {
                    if depth == 4 {
                        child_text = true;
                    } else {
                        check.problem(format!("unexpected text at depth {depth} (element {index})"));
                    }
                }
            }
            Event::GeneralRef(_) | Event::CData(_) => {
                if depth == 4 {
                    child_text = true;
                } else {
                    check.problem(format!("unexpected text at depth {depth} (element {index})"));
                }
            }
            Event::Eof => {
                if depth > 0 {
                    check.problem("not well-formed XML: the body ends before its elements are closed".into());
                    return;
                }
                break;
            }
            _ => {}
        }
    }
    if !root_seen {
        check.problem("the body has no <elements> root".into());
    } else if containers == 0 {
        check.problem("<elements> holds no container named after the plural".into());
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
        assert_eq!(c.problems, Vec::<String>::new());
        assert_eq!(c.elements, 2);
        assert_eq!(c.ids, ["A", "B"]);
        assert!(json(r#"{"Requirements": []}"#).problems.is_empty());
    }

    #[test]
    fn bad_json_bodies() {
        for (text, expect) in [
            (r#"{"A": [], "B": []}"#, "more than one top-level key"),
            (r#"{}"#, "no plural key"),
            (r#"{"A": [{"Name": "x"}]}"#, "no external id"),
            (r#"{"A": [{"@externalid": ""}]}"#, "empty external id"),
            (
                r#"{"A": [{"@externalid": "x"}, {"@externalid": "x"}]}"#,
                "more than once",
            ),
            (r#"{"A": [{"@externalid": 5}]}"#, "must be a string"),
            (r#"{"A": [{"@externalid": "x", "R": [{"id": "E"}]}]}"#, "not {\"@id\""),
            (r#"{"A": [{"@externalid": "x", "R": {"@id": "E"}}]}"#, "an object"),
            (r#"{"A": [{"@externalid": "x", "B": true}]}"#, "boolean"),
            (r#"{"A": [{"@externalid": "x"}"#, "not a valid body"),
            (r#"[1, 2]"#, "not a valid body"),
        ] {
            let c = json(text);
            assert!(
                c.problems.iter().any(|p| p.contains(expect)),
                "{text}: {:?}",
                c.problems
            );
        }
        let long = format!(r#"{{"A": [{{"@externalid": "{}"}}]}}"#, "x".repeat(451));
        assert!(json(&long).problems[0].contains("at most 450"));
    }

    #[test]
    fn good_xml_bodies() {
        let c = xml(r#"<?xml version="1.0" encoding="utf-8"?>
<elements><Requirements>
  <Requirement externalid="A &amp; B"><Name>x &amp; y</Name><Empty /><R><Requirement id="E-1" /></R></Requirement>
  <Requirement externalid="C" />
</Requirements></elements>"#);
        assert_eq!(c.problems, Vec::<String>::new());
        assert_eq!(c.ids, ["A & B", "C"]);
    }

    #[test]
    fn bad_xml_bodies() {
        for (text, expect) in [
            ("<root><A/></root>", "root element is <root>"),
            (
                "<elements><A><X externalid='1'/></A><B/></elements>",
                "more than one container",
            ),
            ("<elements><A><X/></A></elements>", "no external id"),
            (
                "<elements><A><X externalid='1'/><X externalid='1'/></A></elements>",
                "more than once",
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
                "has content",
            ),
            ("<elements><A><X externalid='1'>", "not well-formed"),
            ("", "no <elements> root"),
            ("<elements></elements>", "no container"),
        ] {
            let c = xml(text);
            assert!(
                c.problems.iter().any(|p| p.contains(expect)),
                "{text}: {:?}",
                c.problems
            );
        }
    }
}
