//! Writing the synchronizing body, element by element, as JSON or XML.
//!
//! The shapes are those of Relatics' "JSON format" and "XML format" articles (see
//! `../shared/relatics-format.md` and the README): a plural key (JSON) or container (XML) holding
//! one object/element per item, `@externalid` / `externalid` first, then properties and
//! relations in template order. Nothing is buffered beyond the writer's own buffer: each
//! element is written as soon as it is mapped.

use std::io::{self, Write};

use super::encoder::Encoder;
use super::format::BodyFormat;
use crate::mapper::{Element, Value};
use crate::output::Rewind;
use crate::template::{FieldKind, Template};

/// Writes a body to `W`: `begin`, then `element` for each item, then `finish`.
pub struct BodyWriter<'t, W: Write> {
    out: W,
    template: &'t Template,
    format: BodyFormat,
    pretty: bool,
    count: u64,
    /// Per field, the bytes around its value, worked out once (the hot path only copies).
    fields: Vec<FieldBytes>,
}

/// What is written around one field's value.
struct FieldBytes {
    /// JSON: `,\n      "Key": `. XML: `\n      <Key>`.
    open: Vec<u8>,
    /// XML: `</Key>`.
    close: Vec<u8>,
    /// XML: `\n      <Key />`.
    empty: Vec<u8>,
    /// XML: `\n        <TargetType id="`, per target type.
    target_open: Vec<Vec<u8>>,
}

impl<'t, W: Write> BodyWriter<'t, W> {
    pub fn new(out: W, template: &'t Template, format: BodyFormat, pretty: bool) -> BodyWriter<'t, W> {
        let (nl, i3, i4) = if pretty {
            ("\n", "      ", "        ")
        } else {
            ("", "", "")
        };
        let fields = template
            .fields
            .iter()
            .map(|f| {
                let key = &f.key;
                let targets: Vec<&str> = match &f.kind {
                    FieldKind::Relation(r) => match &r.targets {
                        crate::template::TargetTypes::One(t) => vec![t.as_str()],
                        crate::template::TargetTypes::ByPrefix(p) => p.iter().map(|(_, t)| t.as_str()).collect(),
                    },
                    FieldKind::Property(_) => Vec::new(),
                };
                match format {
                    BodyFormat::Json => FieldBytes {
                        open: format!(",{nl}{i3}\"{key}\":{}", if pretty { " " } else { "" }).into_bytes(),
                        close: Vec::new(),
                        empty: Vec::new(),
                        target_open: Vec::new(),
                    },
                    BodyFormat::Xml => FieldBytes {
                        open: format!("{nl}{i3}<{key}>").into_bytes(),
                        close: format!("</{key}>").into_bytes(),
                        empty: format!("{nl}{i3}<{key} />").into_bytes(),
                        target_open: targets
                            .iter()
                            .map(|t| format!("{nl}{i4}<{t} id=\"").into_bytes())
                            .collect(),
                    },
                }
            })
            .collect();
        BodyWriter {
            out,
            template,
            format,
            pretty,
            count: 0,
            fields,
        }
    }

    pub fn begin(&mut self) -> io::Result<()> {
        let plural = &self.template.target.plural_key;
        match (self.format, self.pretty) {
            (BodyFormat::Json, true) => write!(self.out, "{{\n  \"{plural}\": ["),
            (BodyFormat::Json, false) => write!(self.out, "{{\"{plural}\":["),
            (BodyFormat::Xml, true) => write!(
                self.out,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<elements>\n  <{plural}>"
            ),
            (BodyFormat::Xml, false) => write!(
                self.out,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><elements><{plural}>"
            ),
        }
    }

    pub fn element(&mut self, element: &Element) -> io::Result<()> {
        match self.format {
            BodyFormat::Json => self.json_element(element)?,
            BodyFormat::Xml => self.xml_element(element)?,
        }
        self.count += 1;
        Ok(())
    }

    /// Closes the body.
    pub fn finish(&mut self) -> io::Result<()> {
        let plural = &self.template.target.plural_key;
        match (self.format, self.pretty) {
            (BodyFormat::Json, true) if self.count > 0 => self.out.write_all(b"\n  ]\n}\n")?,
            (BodyFormat::Json, true) => self.out.write_all(b"]\n}\n")?,
            (BodyFormat::Json, false) => self.out.write_all(b"]}")?,
            (BodyFormat::Xml, true) => write!(self.out, "\n  </{plural}>\n</elements>\n")?,
            (BodyFormat::Xml, false) => write!(self.out, "</{plural}></elements>")?,
        }
        self.out.flush()
    }

    /// Elements written so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    fn json_element(&mut self, element: &Element) -> io::Result<()> {
        let pretty = self.pretty;
        let out = &mut self.out;
        let start: &[u8] = match (self.count > 0, pretty) {
            (true, true) => b",\n    {\n      \"@externalid\": ",
            (false, true) => b"\n    {\n      \"@externalid\": ",
            (true, false) => b",{\"@externalid\":",
            (false, false) => b"{\"@externalid\":",
        };
        out.write_all(start)?;
        json_string(out, &element.external_id)?;
        let (target_start, target_sep, target_end, targets_close): (&[u8], &[u8], &[u8], &[u8]) = if pretty {
            (b"\n        {\n          \"@id\": ", b",", b"\n        }", b"\n      ]")
        } else {
            (b"{\"@id\":", b",", b"}", b"]")
        };
        for ((bytes, value), _) in self.fields.iter().zip(&element.values).zip(&self.template.fields) {
            match value {
                Value::Omit => {}
                Value::Null => {
                    out.write_all(&bytes.open)?;
                    out.write_all(b"null")?;
                }
                Value::Text(r) => {
                    out.write_all(&bytes.open)?;
                    json_string(out, element.str(r))?;
                }
                Value::Number(r) => {
                    out.write_all(&bytes.open)?;
                    out.write_all(element.str(r).as_bytes())?;
                }
                Value::Targets(r) => {
                    out.write_all(&bytes.open)?;
                    let targets = &element.targets[r.start as usize..r.end as usize];
                    if targets.is_empty() {
                        out.write_all(b"[]")?;
                        continue;
                    }
                    out.write_all(b"[")?;
                    for (i, t) in targets.iter().enumerate() {
                        if i > 0 {
                            out.write_all(target_sep)?;
                        }
                        out.write_all(target_start)?;
                        json_string(out, element.str(&t.id))?;
                        out.write_all(target_end)?;
                    }
                    out.write_all(targets_close)?;
                }
            }
        }
        out.write_all(if pretty { b"\n    }" } else { b"}" })
    }

    fn xml_element(&mut self, element: &Element) -> io::Result<()> {
        let (nl, i2) = if self.pretty { ("\n", "    ") } else { ("", "") };
        let type_key = &self.template.target.type_key;
        let out = &mut self.out;
        write!(out, "{nl}{i2}<{type_key} externalid=\"")?;
        xml_escape(out, &element.external_id, true)?;
        out.write_all(b"\">")?;
        let close_role: &[u8] = if self.pretty { b"\n      </" } else { b"</" };
        for (bytes, value) in self.fields.iter().zip(&element.values) {
            match value {
                Value::Omit => {}
                Value::Null => out.write_all(&bytes.empty)?,
                Value::Text(r) | Value::Number(r) => {
                    out.write_all(&bytes.open)?;
                    xml_escape(out, element.str(r), false)?;
                    out.write_all(&bytes.close)?;
                }
                Value::Targets(r) => {
                    let targets = &element.targets[r.start as usize..r.end as usize];
                    if targets.is_empty() {
                        out.write_all(&bytes.empty)?;
                        continue;
                    }
                    out.write_all(&bytes.open)?;
                    for t in targets {
                        let open = bytes
                            .target_open
                            .get(t.type_index as usize)
                            .map(Vec::as_slice)
                            .unwrap_or(b"");
                        out.write_all(open)?;
                        xml_escape(out, element.str(&t.id), true)?;
                        out.write_all(b"\" />")?;
                    }
                    out.write_all(close_role)?;
                    // `close` is `</Key>`; the role's closing tag goes on its own line.
                    out.write_all(&bytes.close[2..])?;
                }
            }
        }
        write!(out, "{nl}{i2}</{type_key}>")
    }
}

impl<W: Write + Rewind> Encoder for BodyWriter<'_, W> {
    fn begin(&mut self) -> io::Result<()> {
        BodyWriter::begin(self)
    }

    fn element(&mut self, element: &Element) -> io::Result<()> {
        BodyWriter::element(self, element)
    }

    fn finish(&mut self) -> io::Result<()> {
        BodyWriter::finish(self)
    }

    fn rewind(&mut self) -> io::Result<()> {
        self.count = 0;
        self.out.rewind()
    }

    fn count(&self) -> u64 {
        self.count
    }
}

/// Index of the first byte in `bytes[from..]` that `special` flags, looking at eight bytes at a
/// time: most text needs no escaping at all, and this finds that out quickly.
#[inline]
fn next_special(bytes: &[u8], from: usize, special: impl Fn(u8) -> bool, swar: impl Fn(u64) -> bool) -> Option<usize> {
    let mut i = from;
    while i + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8]));
        if swar(word) {
            break;
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| special(b)).map(|p| p + i)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Does any byte of `word` equal `b`?
#[inline]
fn has_byte(word: u64, b: u8) -> bool {
    let x = word ^ (ONES * u64::from(b));
    (x.wrapping_sub(ONES) & !x & HIGHS) != 0
}

/// Is any byte of `word` below 0x20? (may say yes for bytes >= 0x80 next to such a byte; the
/// caller then checks byte by byte)
#[inline]
fn has_control(word: u64) -> bool {
    (word.wrapping_sub(ONES * 0x20) & !word & HIGHS) != 0
}

/// Writes `s` as a JSON string literal.
pub fn json_string(out: &mut impl Write, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let bytes = s.as_bytes();
    let special = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let swar = |w: u64| has_control(w) || has_byte(w, b'"') || has_byte(w, b'\\');
    let mut start = 0;
    while let Some(i) = next_special(bytes, start, special, swar) {
        out.write_all(&bytes[start..i])?;
        match bytes[i] {
            b'"' => out.write_all(b"\\\"")?,
            b'\\' => out.write_all(b"\\\\")?,
            b'\n' => out.write_all(b"\\n")?,
            b'\r' => out.write_all(b"\\r")?,
            b'\t' => out.write_all(b"\\t")?,
            b => write!(out, "\\u{b:04x}")?,
        }
        start = i + 1;
    }
    out.write_all(&bytes[start..])?;
    out.write_all(b"\"")
}

/// Writes `s` escaped for XML text (`attribute = false`) or a double-quoted attribute value.
pub fn xml_escape(out: &mut impl Write, s: &str, attribute: bool) -> io::Result<()> {
    let bytes = s.as_bytes();
    let special = |b: u8| matches!(b, b'&' | b'<' | b'>' | b'\r') || (attribute && matches!(b, b'"' | b'\n' | b'\t'));
    let swar = |w: u64| {
        has_byte(w, b'&')
            || has_byte(w, b'<')
            || has_byte(w, b'>')
            || has_byte(w, b'\r')
            || (attribute && (has_byte(w, b'"') || has_byte(w, b'\n') || has_byte(w, b'\t')))
    };
    let mut start = 0;
    while let Some(i) = next_special(bytes, start, special, swar) {
        out.write_all(&bytes[start..i])?;
        let escape: &[u8] = match bytes[i] {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\n' => b"&#10;",
            b'\r' => b"&#13;",
            _ => b"&#9;",
        };
        out.write_all(escape)?;
        start = i + 1;
    }
    out.write_all(&bytes[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> String {
        let mut out = Vec::new();
        json_string(&mut out, s).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_strings_escape_what_they_must() {
        assert_eq!(json("plain"), "\"plain\"");
        assert_eq!(json("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }

    /// A body of one element with one text property and one relation target, holding `text`.
    fn body_of(text: &str, format: BodyFormat) -> String {
        let template = crate::template::parse(
            "[target]\ntype = \"Thing\"\nplural = \"Things\"\n[external_id]\ncolumn = \"ID\"\n\
             [[property]]\nname = \"Text\"\ncolumn = \"T\"\ntype = \"text\"\n\
             [[relation]]\nrole = \"Refers to\"\ncolumn = \"R\"\ntarget = \"Thing\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let mut element = Element {
            external_id: text.to_owned(),
            ..Element::default()
        };
        element.text.push_str(text);
        let n = element.text.len() as u32;
        element.text.push_str(text);
        element.values = vec![Value::Text(0..n), Value::Targets(0..1)];
        element.targets.push(crate::mapper::TargetRef {
            id: n..2 * n,
            type_index: 0,
        });
        let mut out = Vec::new();
        let mut writer = BodyWriter::new(&mut out, &template, format, true);
        writer.begin().unwrap();
        writer.element(&element).unwrap();
        writer.finish().unwrap();
        drop(writer);
        String::from_utf8(out).unwrap()
    }

    proptest::proptest! {
        /// Whatever the cell text (XML 1.0 characters; the mapper reports the others), the JSON
        /// and XML bodies parse back to the same text in the id, the property and the target.
        #[test]
        fn any_cell_text_survives_both_bodies(text in "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\u{fffe}\\u{ffff}]{0,40}|[<>&\"'\\]\\[/!-]{0,12}") {
            let json: serde_json::Value = serde_json::from_str(&body_of(&text, BodyFormat::Json)).unwrap();
            let element = &json["Things"][0];
            proptest::prop_assert_eq!(element["@externalid"].as_str(), Some(text.as_str()));
            proptest::prop_assert_eq!(element["Text"].as_str(), Some(text.as_str()));
            proptest::prop_assert_eq!(element["Refers_x0020_to"][0]["@id"].as_str(), Some(text.as_str()));
            let xml = body_of(&text, BodyFormat::Xml);
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let thing = doc.descendants().find(|n| n.has_tag_name("Thing") && n.attribute("externalid").is_some()).unwrap();
            proptest::prop_assert_eq!(thing.attribute("externalid"), Some(text.as_str()));
            let property = thing.children().find(|n| n.has_tag_name("Text")).unwrap();
            proptest::prop_assert_eq!(property.text().unwrap_or(""), text.as_str());
            let target = thing.descendants().find(|n| n.has_tag_name("Thing") && n.attribute("id").is_some()).unwrap();
            proptest::prop_assert_eq!(target.attribute("id"), Some(text.as_str()));
        }

        #[test]
        fn json_strings_parse_back(s in "\\PC*|[\\x00-\\x1f\"\\\\]{0,8}") {
            let parsed: String = serde_json::from_str(&json(&s)).unwrap();
            proptest::prop_assert_eq!(parsed, s);
        }

        #[test]
        fn xml_text_and_attributes_parse_back(s in "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\u{fffe}\\u{ffff}]*") {
            let mut doc = b"<a b=\"".to_vec();
            xml_escape(&mut doc, &s, true).unwrap();
            doc.extend_from_slice(b"\">");
            xml_escape(&mut doc, &s, false).unwrap();
            doc.extend_from_slice(b"</a>");
            let text = String::from_utf8(doc).unwrap();
            let tree = roxmltree::Document::parse(&text).unwrap();
            let root = tree.root_element();
            proptest::prop_assert_eq!(root.attribute("b").unwrap(), s.as_str());
            proptest::prop_assert_eq!(root.text().unwrap_or(""), s.as_str());
        }
    }
}
