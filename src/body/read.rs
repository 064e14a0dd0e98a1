//! Reading a body (JSON or XML) back, element by element, as a stream: JSON through serde's
//! visitors, XML through quick-xml events; never a whole document in memory. What is read goes
//! to an [`ElementSink`]: every element with its external id and (when the sink wants them) its
//! values, and every place where the structure is not a Relatics body.
//!
//! The shape is Relatics' own: JSON `{"<Plural>": [{"@externalid": "...", "<Name>": "..." |
//! number | null, "<Role>": [{"@id": "..."}]}]}`, XML `<elements><Plural><Type externalid="...">
//! <Name>...</Name><Role><Target id="..."/></Role></Type></Plural></elements>`.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::BodyFormat;

/// A value of a property or relation in a body, as written (keys stay escaped).
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// A string (in XML, any text).
    Text(String),
    /// A JSON number, as written.
    Number(String),
    /// JSON `null`.
    Null,
    /// Relation targets (element IDs), in body order.
    Targets(Vec<String>),
}

/// One element of a body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BodyElement {
    /// 1-based position in the body.
    pub index: u64,
    pub id: Option<String>,
    /// Escaped keys and values in body order; empty unless the sink wants values.
    pub fields: Vec<(String, FieldValue)>,
}

/// Where a body's elements and structure problems go.
pub trait ElementSink {
    fn element(&mut self, element: BodyElement);
    /// A place where the structure is not a body (`element 3, 'Name'`) and what is wrong there.
    fn problem(&mut self, at: String, message: String);
    /// Whether elements should carry their values (checking the structure does not need them).
    fn wants_values(&self) -> bool {
        true
    }
    /// The plural name (the JSON key, the XML container) once it is known.
    fn plural(&mut self, _name: &str) {}
}

/// Reads a whole body from `reader` into `sink`.
pub fn read(reader: impl std::io::BufRead, format: BodyFormat, sink: &mut dyn ElementSink) {
    match format {
        BodyFormat::Json => read_json(reader, sink),
        BodyFormat::Xml => read_xml(reader, sink),
    }
}

fn read_json(reader: impl std::io::Read, sink: &mut dyn ElementSink) {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let result = Top { sink: &mut *sink }.deserialize(&mut de).and_then(|()| de.end());
    if let Err(e) = result {
        let at = if e.line() > 0 {
            format!("line {}, column {}", e.line(), e.column())
        } else {
            "the body".to_owned()
        };
        sink.problem(at, format!("is not a valid JSON body: {e}"));
    }
}

struct Top<'a> {
    sink: &'a mut dyn ElementSink,
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
                self.sink.problem(
                    "the top level".into(),
                    format!(
                        "has more than one key ('{key}'); a body holds the elements of one type under its plural name"
                    ),
                );
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            self.sink.plural(&key);
            map.next_value_seed(Elements { sink: &mut *self.sink })?;
        }
        if keys == 0 {
            self.sink
                .problem("the top level".into(), "has no plural key holding the elements".into());
        }
        Ok(())
    }
}

struct Elements<'a> {
    sink: &'a mut dyn ElementSink,
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
                sink: &mut *self.sink,
                index,
            };
            if seq.next_element_seed(element)?.is_none() {
                return Ok(());
            }
        }
    }
}

struct ElementSeed<'a> {
    sink: &'a mut dyn ElementSink,
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
        let keep = self.sink.wants_values();
        let mut element = BodyElement {
            index: self.index,
            ..BodyElement::default()
        };
        // A key given twice is read differently by different parsers. The keys seen are the
        // fields kept so far, or (when values are not kept) the keys moved here: no copies.
        let mut keys: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let twice = if key == "@externalid" {
                element.id.is_some()
            } else if keep {
                element.fields.iter().any(|(k, _)| *k == key)
            } else {
                keys.contains(&key)
            };
            if twice {
                self.sink.problem(
                    format!("element {}", self.index),
                    format!("has the key '{key}' twice; Relatics would read only one of them: keep one"),
                );
            }
            if key == "@externalid" {
                match map.next_value::<serde_json::Value>()? {
                    serde_json::Value::String(s) => element.id = Some(s),
                    other => {
                        self.sink.problem(
                            format!("element {}", self.index),
                            format!("has \"@externalid\" {other}; it must be a string"),
                        );
                        element.id = Some(other.to_string());
                    }
                }
            } else {
                let value = PropertyValue {
                    sink: &mut *self.sink,
                    index: self.index,
                    key: &key,
                    keep,
                };
                match map.next_value_seed(value)? {
                    Some(value) => element.fields.push((key, value)),
                    None if !keep => keys.push(key),
                    None => {}
                }
            }
        }
        self.sink.element(element);
        Ok(())
    }
}

/// One relation target, `{"@id": "<element ID>"}`: the ID, or `None` for anything else (another
/// key, a key given twice, an ID that is no text or empty).
struct TargetSeed;

impl<'de> DeserializeSeed<'de> for TargetSeed {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TargetSeed {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{\"@id\": \"<element ID>\"}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut id, mut keys) = (None, 0usize);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            keys += 1;
            if key == "@id" && keys == 1 {
                id = map.next_value::<serde_json::Value>()?.as_str().map(str::to_owned);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(id.filter(|id| keys == 1 && !id.is_empty()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A property value (string, number, null) or a relation (array of `{"@id": "..."}`).
struct PropertyValue<'a> {
    sink: &'a mut dyn ElementSink,
    index: u64,
    key: &'a str,
    /// Whether to return the value (else only its structure is checked).
    keep: bool,
}

impl<'de> DeserializeSeed<'de> for PropertyValue<'_> {
    type Value = Option<FieldValue>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<FieldValue>, D::Error> {
        d.deserialize_any(self)
    }
}

impl PropertyValue<'_> {
    fn wrong(&mut self, found: &str) {
        self.sink.problem(
            format!("element {}, '{}'", self.index, self.key),
            format!("is {found}; a value is a string, a number or null, and a relation an array of {{\"@id\": ...}}"),
        );
    }

    fn keep(&self, value: impl FnOnce() -> FieldValue) -> Option<FieldValue> {
        self.keep.then(value)
    }
}

impl<'de> Visitor<'de> for PropertyValue<'_> {
    type Value = Option<FieldValue>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number, null, or an array of {\"@id\": ...}")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.keep(|| FieldValue::Text(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(self.keep(|| FieldValue::Text(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.keep(|| FieldValue::Number(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.keep(|| FieldValue::Number(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // serde_json reads `42.0` as 42.0 and writes it back as `42.0`.
        Ok(self.keep(|| {
            FieldValue::Number(serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()))
        }))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.keep(|| FieldValue::Null))
    }
    fn visit_bool<E: de::Error>(mut self, _: bool) -> Result<Self::Value, E> {
        self.wrong("a boolean (Relatics has no yes/no type)");
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.wrong("an object");
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut bad = false;
        let mut targets = Vec::new();
        while let Some(id) = seq.next_element_seed(TargetSeed)? {
            match id {
                Some(id) if self.keep => targets.push(id.to_owned()),
                Some(_) => {}
                None => bad = true,
            }
        }
        if bad {
            self.wrong("an array with an entry that is not {\"@id\": \"<element ID>\"}");
        }
        Ok(self.keep(|| FieldValue::Targets(targets)))
    }
}

/// What the XML reader is inside of, at depth 4 (a property or relation of an element).
#[derive(Default)]
struct Child {
    name: String,
    text: String,
    has_text: bool,
    targets: Vec<String>,
}

fn read_xml(reader: impl std::io::BufRead, sink: &mut dyn ElementSink) {
    use quick_xml::events::Event;
    let keep = sink.wants_values();
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut containers = 0u32;
    let mut index = 0u64;
    let mut element = BodyElement::default();
    let mut child = Child::default();
    // The property and relation elements of the current element, to find one given twice.
    let mut children: Vec<String> = Vec::new();
    let mut root_seen = false;
    // The element name of the items (the type, singular).
    let mut item_name: Option<String> = None;
    loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                sink.problem(
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
            // An attribute given twice (or written wrong) is not XML: Relatics would refuse the
            // body, or read one of the two.
            if let Some(bad) = e.attributes().find_map(Result::err) {
                let at = match level {
                    3 => format!("element {}", index + 1),
                    4.. => format!("element {index}"),
                    _ => format!("<{name}>"),
                };
                sink.problem(
                    at,
                    format!("is not well-formed XML: <{name}> {}", attribute_error(e, &bad)),
                );
            }
            match level {
                1 if root_seen => sink.problem(
                    format!("<{name}>"),
                    "is a second root element after </elements>; a body has one root".into(),
                ),
                1 => {
                    root_seen = true;
                    if name != "elements" {
                        sink.problem("the root".into(), format!("is <{name}>; a body's root is <elements>"));
                    }
                }
                2 => {
                    containers += 1;
                    if containers > 1 {
                        sink.problem(
                            format!("<{name}>"),
                            "is a second container in <elements>; a body holds the elements of one type".into(),
                        );
                    } else {
                        sink.plural(&name);
                    }
                }
                3 => {
                    index += 1;
                    children.clear();
                    match &item_name {
                        Some(first) if *first != name => sink.problem(
                            format!("element {index}"),
                            format!(
                                "is <{name}>, but the elements before it are <{first}>; a body holds the elements of \
                                 one type"
                            ),
                        ),
                        Some(_) => {}
                        None => item_name = Some(name.clone()),
                    }
                    element = BodyElement {
                        index,
                        id: attribute(e, "externalid"),
                        fields: Vec::new(),
                    };
                    if empty {
                        sink.element(std::mem::take(&mut element));
                    }
                }
                4 => {
                    // Fields kept so far, or (when values are not kept) the names seen.
                    let twice = if keep {
                        element.fields.iter().any(|(k, _)| *k == name)
                    } else {
                        children.contains(&name)
                    };
                    if twice {
                        sink.problem(
                            format!("element {index}"),
                            format!("has <{name}> twice; Relatics would read only one of them: keep one"),
                        );
                    } else if !keep {
                        children.push(name.clone());
                    }
                    child = Child {
                        name,
                        ..Child::default()
                    };
                    if empty && keep {
                        element
                            .fields
                            .push((std::mem::take(&mut child.name), FieldValue::Text(String::new())));
                    }
                }
                5 => {
                    if !empty {
                        sink.problem(
                            format!("element {index}, '{}'", child.name),
                            format!("has a target <{name}> with content; a target is an empty element with an id"),
                        );
                    }
                    match attribute(e, "id").filter(|id| !id.is_empty()) {
                        Some(id) => child.targets.push(id),
                        None => sink.problem(
                            format!("element {index}, '{}'", child.name),
                            format!("has a target <{name}> without an id attribute"),
                        ),
                    }
                }
                _ => sink.problem(format!("element {index}"), format!("has <{name}> nested too deeply")),
            }
            if !empty {
                depth = level;
            }
            continue;
        }
        match event {
            Event::DocType(_) => sink.problem(
                "the prolog".into(),
                "declares a DOCTYPE; a body must not (its entities could change what Relatics reads): remove it".into(),
            ),
            Event::End(_) => {
                if depth == 3 {
                    sink.element(std::mem::take(&mut element));
                }
                if depth == 4 {
                    let targets = !child.targets.is_empty();
                    if child.has_text && targets {
                        sink.problem(
                            format!("element {index}, '{}'", child.name),
                            "mixes text and target elements".into(),
                        );
                    }
                    if keep {
                        let child = std::mem::take(&mut child);
                        let value = if targets {
                            FieldValue::Targets(child.targets)
                        } else {
                            FieldValue::Text(child.text)
                        };
                        element.fields.push((child.name, value));
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => {
                if depth == 4 {
                    let text = t.xml10_content();
                    child.has_text |= !text.trim().is_empty();
                    if keep {
                        child.text.push_str(&text);
                    }
                } else if !t.trim().is_empty() {
                    sink.problem(
                        format!("element {index}"),
                        format!("has text where it should not (depth {depth})"),
                    );
                }
            }
            Event::GeneralRef(r) if depth == 4 => {
                child.has_text = true;
                if let Some(why) = crate::xml::reference_problem(&r) {
                    sink.problem(
                        format!("element {index}, '{}'", child.name),
                        format!("is not well-formed XML: it {why}"),
                    );
                }
                if keep {
                    crate::xml::push_reference(&mut child.text, &r);
                }
            }
            Event::CData(c) if depth == 4 => {
                child.has_text = true;
                if keep {
                    child.text.push_str(&c);
                }
            }
            Event::GeneralRef(_) | Event::CData(_) => {
                sink.problem(
                    format!("element {index}"),
                    format!("has text where it should not (depth {depth})"),
                );
            }
            Event::Eof => {
                if depth > 0 {
                    sink.problem(
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
        sink.problem("the root".into(), "is missing: a body's root is <elements>".into());
    } else if containers == 0 {
        sink.problem("<elements>".into(), "holds no container named after the plural".into());
    }
}

/// What is wrong with an attribute of `e`, in words.
fn attribute_error(e: &quick_xml::events::BytesStart<'_>, error: &quick_xml::events::attributes::AttrError) -> String {
    use quick_xml::events::attributes::AttrError;
    match error {
        AttrError::Duplicated(at, _) => {
            // The attribute's name starts at `at` in the tag.
            let tag: &str = e.as_ref();
            let name: String = tag
                .as_bytes()
                .get(*at..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| !b.is_ascii_whitespace() && **b != b'=')
                .take(100)
                .map(|&b| char::from(b))
                .collect();
            if name.is_empty() {
                "has an attribute twice; keep one".to_owned()
            } else {
                format!("has the attribute {name} twice; keep one")
            }
        }
        other => format!("has an attribute that is not written as XML requires ({other})"),
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

    #[derive(Default)]
    struct All {
        elements: Vec<BodyElement>,
        problems: Vec<String>,
        plural: String,
    }

    impl ElementSink for All {
        fn element(&mut self, element: BodyElement) {
            self.elements.push(element);
        }
        fn problem(&mut self, at: String, message: String) {
            self.problems.push(format!("{at}: {message}"));
        }
        fn plural(&mut self, name: &str) {
            self.plural = name.to_owned();
        }
    }

    fn all(text: &str, format: BodyFormat) -> All {
        let mut sink = All::default();
        read(text.as_bytes(), format, &mut sink);
        sink
    }

    #[test]
    fn a_field_given_twice_is_a_problem_when_values_are_kept_too() {
        let json = all(
            r#"{"Ts": [{"@externalid": "A", "N": "a", "N": "b", "@externalid": "B"}]}"#,
            BodyFormat::Json,
        );
        assert!(
            json.problems.iter().any(|p| p.contains("has the key 'N' twice")),
            "{:?}",
            json.problems
        );
        assert!(
            json.problems
                .iter()
                .any(|p| p.contains("has the key '@externalid' twice")),
            "{:?}",
            json.problems
        );
        let xml = all(
            r#"<elements><Ts><T externalid="A"><N>a</N><N/></T></Ts></elements>"#,
            BodyFormat::Xml,
        );
        assert!(
            xml.problems.iter().any(|p| p.contains("has <N> twice")),
            "{:?}",
            xml.problems
        );
    }

    #[test]
    fn json_and_xml_give_the_same_elements() {
        let json = all(
            r#"{"Requirements": [{"@externalid": "A & B", "Name": "x & y", "W": 2.5, "N": 42.0, "I": 7, "E": null,
                "R": [{"@id": "E-1"}, {"@id": "E-2"}], "C": []}, {"@externalid": "C"}]}"#,
            BodyFormat::Json,
        );
        assert_eq!(json.problems, Vec::<String>::new());
        assert_eq!(json.plural, "Requirements");
        let a = &json.elements[0];
        assert_eq!((a.index, a.id.as_deref()), (1, Some("A & B")));
        assert_eq!(
            a.fields,
            [
                ("Name".into(), FieldValue::Text("x & y".into())),
                ("W".into(), FieldValue::Number("2.5".into())),
                ("N".into(), FieldValue::Number("42.0".into())),
                ("I".into(), FieldValue::Number("7".into())),
                ("E".into(), FieldValue::Null),
                ("R".into(), FieldValue::Targets(vec!["E-1".into(), "E-2".into()])),
                ("C".into(), FieldValue::Targets(vec![])),
            ]
        );
        assert_eq!(json.elements[1].index, 2);

        let xml = all(
            r#"<?xml version="1.0" encoding="utf-8"?>
<elements><Requirements>
  <Requirement externalid="A &amp; B"><Name>x &amp; y</Name><W>2.5</W><E /><T><![CDATA[<b>]]>&#65;</T>
    <R><Requirement id="E-1" /><Requirement id="E-2"/></R></Requirement>
  <Requirement externalid="C" />
  <Requirement externalid="D"></Requirement>
</Requirements></elements>"#,
            BodyFormat::Xml,
        );
        assert_eq!(xml.problems, Vec::<String>::new());
        assert_eq!(xml.plural, "Requirements");
        let ids: Vec<_> = xml.elements.iter().map(|e| (e.index, e.id.clone().unwrap())).collect();
        assert_eq!(ids, [(1, "A & B".into()), (2, "C".into()), (3, "D".into())]);
        assert_eq!(
            xml.elements[0].fields,
            [
                ("Name".into(), FieldValue::Text("x & y".into())),
                ("W".into(), FieldValue::Text("2.5".into())),
                ("E".into(), FieldValue::Text(String::new())),
                ("T".into(), FieldValue::Text("<b>A".into())),
                ("R".into(), FieldValue::Targets(vec!["E-1".into(), "E-2".into()])),
            ]
        );
    }

    #[test]
    fn values_are_left_out_when_not_wanted() {
        struct Ids(Vec<BodyElement>);
        impl ElementSink for Ids {
            fn element(&mut self, element: BodyElement) {
                self.0.push(element);
            }
            fn problem(&mut self, at: String, message: String) {
                panic!("{at}: {message}");
            }
            fn wants_values(&self) -> bool {
                false
            }
        }
        for (text, format) in [
            (
                r#"{"P": [{"@externalid": "A", "Name": "x", "R": [{"@id": "1"}]}]}"#,
                BodyFormat::Json,
            ),
            (
                "<elements><P><T externalid='A'><Name>x</Name><R><T id='1'/></R><E/></T></P></elements>",
                BodyFormat::Xml,
            ),
        ] {
            let mut sink = Ids(Vec::new());
            read(text.as_bytes(), format, &mut sink);
            assert_eq!(sink.0.len(), 1);
            assert_eq!(sink.0[0].id.as_deref(), Some("A"));
            assert!(sink.0[0].fields.is_empty());
        }
    }
}
