//! Writing the synchronizing body, element by element, as JSON or XML.
//!
//! The shapes are those of Relatics' "JSON format" and "XML format" articles (see
//! `../shared/relatics-format.md` and the README): a plural key (JSON) or container (XML) holding
//! one object/element per item, `@externalid` / `externalid` first, then properties and
//! relations in template order. Nothing is buffered beyond the writer's own buffer: each
//! element is written as soon as it is mapped.

use std::io::{self, Write};

use crate::mapper::{Element, Value, target_type_key};
use crate::template::{FieldKind, Template};

/// The body formats Relatics accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BodyFormat {
    Json,
    Xml,
}

impl BodyFormat {
    /// The format a file name asks for, by extension.
    pub fn of_path(path: &std::path::Path) -> Option<BodyFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(BodyFormat::Json),
            "xml" => Some(BodyFormat::Xml),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BodyFormat::Json => "JSON",
            BodyFormat::Xml => "XML",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            BodyFormat::Json => "application/json; charset=utf-8",
            BodyFormat::Xml => "application/xml; charset=utf-8",
        }
    }
}

/// Writes a body to `W`: `begin`, then `element` for each item, then `finish`.
pub struct BodyWriter<'t, W: Write> {
    out: W,
    template: &'t Template,
    format: BodyFormat,
    pretty: bool,
    count: u64,
}

impl<'t, W: Write> BodyWriter<'t, W> {
    pub fn new(out: W, template: &'t Template, format: BodyFormat, pretty: bool) -> BodyWriter<'t, W> {
        BodyWriter {
            out,
            template,
            format,
            pretty,
            count: 0,
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
        let (nl, i3, i4, i5, i6, colon) = if self.pretty {
            ("\n", "    ", "      ", "        ", "          ", ": ")
        } else {
            ("", "", "", "", "", ":")
        };
        let out = &mut self.out;
        if self.count > 0 {
            out.write_all(b",")?;
        }
        write!(out, "{nl}{i3}{{{nl}{i4}\"@externalid\"{colon}")?;
        json_string(out, &element.external_id)?;
        for (field, value) in self.template.fields.iter().zip(&element.values) {
            let prefix = |out: &mut W| -> io::Result<()> { write!(out, ",{nl}{i4}\"{}\"{colon}", field.key) };
            match value {
                Value::Omit => {}
                Value::Null => {
                    prefix(out)?;
                    out.write_all(b"null")?;
                }
                Value::Text(r) => {
                    prefix(out)?;
                    json_string(out, element.str(r))?;
                }
                Value::Number(r) => {
                    prefix(out)?;
                    out.write_all(element.str(r).as_bytes())?;
                }
                Value::Targets(r) => {
                    prefix(out)?;
                    let targets = &element.targets[r.start as usize..r.end as usize];
                    if targets.is_empty() {
                        out.write_all(b"[]")?;
                        continue;
                    }
                    out.write_all(b"[")?;
                    for (i, t) in targets.iter().enumerate() {
                        if i > 0 {
                            out.write_all(b",")?;
                        }
                        write!(out, "{nl}{i5}{{{nl}{i6}\"@id\"{colon}")?;
                        json_string(out, element.str(&t.id))?;
                        write!(out, "{nl}{i5}}}")?;
                    }
                    write!(out, "{nl}{i4}]")?;
                }
            }
        }
        write!(out, "{nl}{i3}}}")
    }

    fn xml_element(&mut self, element: &Element) -> io::Result<()> {
        let (nl, i2, i3, i4) = if self.pretty {
            ("\n", "    ", "      ", "        ")
        } else {
            ("", "", "", "")
        };
        let type_key = &self.template.target.type_key;
        let out = &mut self.out;
        write!(out, "{nl}{i2}<{type_key} externalid=\"")?;
        xml_escape(out, &element.external_id, true)?;
        out.write_all(b"\">")?;
        for (field, value) in self.template.fields.iter().zip(&element.values) {
            let key = &field.key;
            match value {
                Value::Omit => {}
                Value::Null => write!(out, "{nl}{i3}<{key} />")?,
                Value::Text(r) | Value::Number(r) => {
                    write!(out, "{nl}{i3}<{key}>")?;
                    xml_escape(out, element.str(r), false)?;
                    write!(out, "</{key}>")?;
                }
                Value::Targets(r) => {
                    let targets = &element.targets[r.start as usize..r.end as usize];
                    if targets.is_empty() {
                        write!(out, "{nl}{i3}<{key} />")?;
                        continue;
                    }
                    let FieldKind::Relation(relation) = &field.kind else {
                        continue;
                    };
                    write!(out, "{nl}{i3}<{key}>")?;
                    for t in targets {
                        write!(out, "{nl}{i4}<{} id=\"", target_type_key(relation, t))?;
                        xml_escape(out, element.str(&t.id), true)?;
                        out.write_all(b"\" />")?;
                    }
                    write!(out, "{nl}{i3}</{key}>")?;
                }
            }
        }
        write!(out, "{nl}{i2}</{type_key}>")
    }
}

/// Writes `s` as a JSON string literal.
pub fn json_string(out: &mut impl Write, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1F => b"",
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
        if escape.is_empty() {
            write!(out, "\\u{b:04x}")?;
        } else {
            out.write_all(escape)?;
        }
        start = i + 1;
    }
    out.write_all(&bytes[start..])?;
    out.write_all(b"\"")
}

/// Writes `s` escaped for XML text (`attribute = false`) or a double-quoted attribute value.
pub fn xml_escape(out: &mut impl Write, s: &str, attribute: bool) -> io::Result<()> {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' if attribute => b"&quot;",
            b'\n' if attribute => b"&#10;",
            b'\r' => b"&#13;",
            b'\t' if attribute => b"&#9;",
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
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

    proptest::proptest! {
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
