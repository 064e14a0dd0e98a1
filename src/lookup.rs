//! Relation targets by name: a lookup file maps the names in an export ("Pump station North")
//! to Relatics element IDs (`FAC-12`), which relation values must be.
//!
//! A lookup is a saved answer of a Relatics *providing* interface (JSON or XML; its exact shape
//! is not published, so the common shapes are accepted and the fields can be named), or a CSV
//! with `name` and `id` columns. Only names and IDs are kept, once, in memory; a name is looked
//! up exactly, then ignoring case and runs of whitespace.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// Names and IDs from a lookup file.
#[derive(Debug, Default)]
pub struct Lookup {
    pub path: PathBuf,
    /// Every (name, id) pair, in file order.
    entries: Vec<(String, String)>,
    ids: HashSet<String>,
    exact: HashMap<String, Vec<u32>>,
    folded: HashMap<String, Vec<u32>>,
}

/// What a name in a cell turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// One element ID.
    Id(&'a str),
    /// Several elements have this name: their IDs.
    Ambiguous(Vec<&'a str>),
    /// No such name or ID.
    Unknown,
}

/// Which fields hold the ID and the name, when a file names them otherwise.
#[derive(Clone, Debug, Default)]
pub struct Fields {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// Why a lookup file cannot be used.
#[derive(Debug)]
pub struct LookupError {
    pub path: PathBuf,
    pub why: String,
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the lookup file {} {}", self.path.display(), self.why)
    }
}

/// The shapes a lookup may have, for messages.
pub const SHAPES: &str = "expected a providing interface's answer ({\"<Plural>\": [{\"@id\": \"FAC-1\", \"@name\": \"...\"}]} \
     or the same with id/name keys, a top-level array of such objects, or XML <Plural><Type id=\"FAC-1\" \
     name=\"...\"/></Plural>), or a CSV with 'name' and 'id' columns; set lookup_id / lookup_name in the template if \
     the fields are named otherwise";

/// Lower case with runs of whitespace made one space, for matching names loosely.
pub fn fold(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Lookup {
    /// Reads a lookup file (JSON, XML or CSV, by extension, else by content).
    pub fn load(path: &Path, fields: &Fields) -> Result<Lookup, LookupError> {
        let fail = |why: String| LookupError {
            path: path.to_owned(),
            why,
        };
        let raw = std::fs::read(path).map_err(|e| fail(format!("cannot be read ({e})")))?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let text = decode(&raw, ext != "json" && ext != "xml").map_err(fail)?;
        let bytes = text.as_bytes();
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
        let entries = match (ext.as_str(), first) {
            ("json", _) | (_, Some(b'{' | b'[')) => from_json(bytes, fields),
            ("xml", _) | (_, Some(b'<')) => from_xml(bytes, fields),
            _ => from_csv(bytes, fields),
        }
        .map_err(fail)?;
        if entries.is_empty() {
            return Err(fail(format!("holds no name/ID pairs; {SHAPES}")));
        }
        Ok(Lookup::from_entries(path, entries))
    }

    /// A lookup of the given pairs.
    pub fn from_entries(path: &Path, entries: Vec<(String, String)>) -> Lookup {
        let mut lookup = Lookup {
            path: path.to_owned(),
            ..Lookup::default()
        };
        for (i, (name, id)) in entries.iter().enumerate() {
            lookup.ids.insert(id.clone());
            lookup.exact.entry(name.clone()).or_default().push(i as u32);
            lookup.folded.entry(fold(name)).or_default().push(i as u32);
        }
        lookup.entries = entries;
        lookup
    }

    /// Name/ID pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The ID a cell's token stands for: an ID as it is, else the name exactly, else the name
    /// ignoring case and runs of whitespace.
    pub fn resolve(&self, token: &str) -> Resolved<'_> {
        if let Some(id) = self.ids.get(token) {
            return Resolved::Id(id);
        }
        let found = self.exact.get(token).or_else(|| self.folded.get(&fold(token)));
        let Some(found) = found else { return Resolved::Unknown };
        if let [one] = found.as_slice() {
            return Resolved::Id(self.entries[*one as usize].1.as_str());
        }
        let mut ids: Vec<&str> = found.iter().map(|&i| self.entries[i as usize].1.as_str()).collect();
        ids.dedup();
        match ids.as_slice() {
            [one] => Resolved::Id(one),
            _ => {
                ids.sort_unstable();
                ids.dedup();
                if ids.len() == 1 {
                    Resolved::Id(ids[0])
                } else {
                    Resolved::Ambiguous(ids)
                }
            }
        }
    }

    /// Up to three names most like `token`, closest first.
    pub fn closest(&self, token: &str) -> Vec<&str> {
        let wanted = fold(token);
        let mut scored: Vec<(f64, &str)> = self
            .folded
            .keys()
            .filter_map(|name| {
                let score = strsim::jaro_winkler(&wanted, name);
                (score >= 0.8).then_some((score, name.as_str()))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored
            .into_iter()
            .take(3)
            .filter_map(|(_, folded)| {
                let i = *self.folded.get(folded)?.first()?;
                Some(self.entries[i as usize].0.as_str())
            })
            .collect()
    }

    /// Every (name, id) pair.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, i)| (n.as_str(), i.as_str()))
    }
}

/// A field's value as text (strings and numbers).
fn text_of(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Is `key` the field asked for, or one of the usual names (`@id`, `id`, any case)?
fn is_field(key: &str, asked: Option<&str>, usual: &str) -> bool {
    match asked {
        Some(a) => key == a,
        None => {
            let k = key.strip_prefix('@').unwrap_or(key);
            k.eq_ignore_ascii_case(usual)
        }
    }
}

fn pair_of(object: &serde_json::Map<String, serde_json::Value>, fields: &Fields) -> Option<(String, String)> {
    let id = object
        .iter()
        .find(|(k, _)| is_field(k, fields.id.as_deref(), "id"))
        .and_then(|(_, v)| text_of(v))?;
    let name = object
        .iter()
        .find(|(k, _)| is_field(k, fields.name.as_deref(), "name"))
        .and_then(|(_, v)| text_of(v))?;
    (!id.is_empty() && !name.is_empty()).then_some((name, id))
}

fn from_json(bytes: &[u8], fields: &Fields) -> Result<Vec<(String, String)>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("is not valid JSON ({e}); {SHAPES}"))?;
    let items = match &value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(map) => match map.values().find_map(|v| v.as_array()) {
            Some(items) => items,
            None => return Err(format!("has no array of elements; {SHAPES}")),
        },
        _ => return Err(format!("has an unexpected shape; {SHAPES}")),
    };
    let pairs: Vec<(String, String)> = items
        .iter()
        .filter_map(|item| item.as_object().and_then(|o| pair_of(o, fields)))
        .collect();
    if pairs.is_empty() && !items.is_empty() {
        return Err(format!("has elements without an id and a name field; {SHAPES}"));
    }
    Ok(pairs)
}

fn from_xml(bytes: &[u8], fields: &Fields) -> Result<Vec<(String, String)>, String> {
    use quick_xml::events::Event;
    /// An open element: its id and name (from attributes or child elements), and which child
    /// element's text is being read.
    #[derive(Default)]
    struct Open {
        id: Option<String>,
        name: Option<String>,
    }
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut stack: Vec<Open> = Vec::new();
    let mut text_for: Option<(usize, bool)> = None; // (parent index, is id)
    let mut text = String::new();
    let mut pairs = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("is not well-formed XML at byte {} ({e})", reader.error_position()))?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let mut open = Open::default();
                for a in e.attributes().filter_map(Result::ok) {
                    let key = a.key.local_name().as_ref().to_owned();
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.trim().to_owned())
                        .unwrap_or_default();
                    if is_field(&key, fields.id.as_deref(), "id") {
                        open.id = Some(value);
                    } else if is_field(&key, fields.name.as_deref(), "name") {
                        open.name = Some(value);
                    }
                }
                let local = e.local_name().as_ref().to_owned();
                // A child element named like a field gives its parent that field.
                if !stack.is_empty() && open.id.is_none() && open.name.is_none() {
                    let parent = stack.len() - 1;
                    if is_field(&local, fields.id.as_deref(), "id") {
                        text_for = Some((parent, true));
                    } else if is_field(&local, fields.name.as_deref(), "name") {
                        text_for = Some((parent, false));
                    }
                    text.clear();
                }
                if empty {
                    if let (Some(id), Some(name)) = (open.id, open.name)
                        && !id.is_empty()
                        && !name.is_empty()
                    {
                        pairs.push((name, id));
                    }
                    text_for = None;
                } else {
                    stack.push(open);
                }
            }
            Event::Text(t) if text_for.is_some() => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if text_for.is_some() => crate::xml::push_reference(&mut text, &r),
            Event::CData(c) if text_for.is_some() => text.push_str(&c),
            Event::End(_) => {
                let Some(open) = stack.pop() else { continue };
                if let Some((parent, is_id)) = text_for.take() {
                    if parent == stack.len().saturating_sub(1) && !stack.is_empty() {
                        let value = text.trim().to_owned();
                        let target = &mut stack[parent];
                        if is_id {
                            target.id = Some(value);
                        } else {
                            target.name = Some(value);
                        }
                    }
                    continue;
                }
                if let (Some(id), Some(name)) = (open.id, open.name)
                    && !id.is_empty()
                    && !name.is_empty()
                {
                    pairs.push((name, id));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(pairs)
}

/// A lookup's text: a byte-order mark (UTF-8, UTF-16) wins, else UTF-8; text that is not UTF-8
/// is read as Windows-1252 when it may be a CSV (Excel's "CSV" on Western Windows).
fn decode(raw: &[u8], may_be_csv: bool) -> Result<std::borrow::Cow<'_, str>, String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(raw) {
        return Ok(encoding.decode_without_bom_handling(&raw[bom..]).0);
    }
    match std::str::from_utf8(raw) {
        Ok(text) => Ok(text.into()),
        Err(_) if may_be_csv => Ok(encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw).0),
        Err(e) => Err(format!(
            "is not UTF-8 text (byte {}); save it as UTF-8",
            e.valid_up_to() + 1
        )),
    }
}

fn from_csv(bytes: &[u8], fields: &Fields) -> Result<Vec<(String, String)>, String> {
    let delimiter = crate::input::sniff_delimiter(&bytes[..bytes.len().min(64 * 1024)], true).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot be read as CSV ({e}); {SHAPES}"))?
        .clone();
    let column = |asked: Option<&str>, usual: &str| {
        headers.iter().position(|h| match asked {
            Some(a) => h.trim() == a,
            None => h.trim().eq_ignore_ascii_case(usual),
        })
    };
    let (Some(id_col), Some(name_col)) = (
        column(fields.id.as_deref(), "id"),
        column(fields.name.as_deref(), "name"),
    ) else {
        return Err(format!("has no 'name' and 'id' columns in its header row; {SHAPES}"));
    };
    let mut pairs = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("cannot be read as CSV at record {} ({e})", i + 2))?;
        let (Some(id), Some(name)) = (record.get(id_col), record.get(name_col)) else {
            continue;
        };
        let (id, name) = (id.trim(), name.trim());
        if !id.is_empty() && !name.is_empty() {
            pairs.push((name.to_owned(), id.to_owned()));
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str, text: &str, fields: &Fields) -> Result<Lookup, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        Lookup::load(&path, fields).map_err(|e| e.to_string())
    }

    fn pairs(lookup: &Lookup) -> Vec<(&str, &str)> {
        lookup.entries().collect()
    }

    #[test]
    fn every_accepted_shape() {
        let expected = [("Pump station North", "FAC-1"), ("Sluice 2", "FAC-2")];
        let none = Fields::default();
        for (name, text) in [
            (
                "a.json",
                r#"{"Facilities": [{"@id": "FAC-1", "@name": "Pump station North"}, {"@id": "FAC-2", "@name": "Sluice 2"}]}"#,
            ),
            (
                "b.json",
                r#"{"Facilities": [{"ID": "FAC-1", "Name": "Pump station North"}, {"id": "FAC-2", "name": "Sluice 2"}]}"#,
            ),
            (
                "c.json",
                r#"[{"id": "FAC-1", "name": "Pump station North", "other": 1}, {"id": "FAC-2", "name": "Sluice 2"}]"#,
            ),
            (
                "d.xml",
                r#"<?xml version="1.0"?><Facilities><Facility id="FAC-1" name="Pump station North"/><Facility id="FAC-2" name="Sluice 2"></Facility></Facilities>"#,
            ),
            (
                "e.xml",
                "<Facilities><Facility><id>FAC-1</id><name>Pump station North</name></Facility><Facility><Id>FAC-2</Id><Name>Sluice 2</Name></Facility></Facilities>",
            ),
            ("f.csv", "name;id;notes\nPump station North;FAC-1;x\nSluice 2;FAC-2;\n"),
            ("g.txt", "\u{feff}Name,ID\nPump station North,FAC-1\nSluice 2,FAC-2\n"),
        ] {
            let lookup = load(name, text, &none).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(pairs(&lookup), expected, "{name}");
        }
        let named = Fields {
            id: Some("elementId".into()),
            name: Some("displayName".into()),
        };
        let lookup = load(
            "h.json",
            r#"[{"elementId": "FAC-1", "displayName": "Pump station North"}]"#,
            &named,
        )
        .unwrap();
        assert_eq!(pairs(&lookup), [("Pump station North", "FAC-1")]);
    }

    #[test]
    fn encodings_as_windows_tools_write_them() {
        let dir = tempfile::tempdir().unwrap();
        let none = Fields::default();
        // PowerShell's UTF-16 with a byte-order mark, and Excel's Windows-1252 "CSV".
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "name;id\r\nGemaal Ëde;GEB-1\r\n".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode("name;id\r\nGemaal Ëde;GEB-1\r\n");
        for (name, bytes) in [("u16.csv", utf16), ("cp1252.csv", cp1252.into_owned())] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let lookup = Lookup::load(&path, &none).unwrap();
            assert_eq!(pairs(&lookup), [("Gemaal Ëde", "GEB-1")], "{name}");
        }
        let path = dir.path().join("bad.json");
        std::fs::write(&path, b"[{\"id\": \"GEB-1\", \"name\": \"\xCBde\"}]").unwrap();
        let e = Lookup::load(&path, &none).unwrap_err().to_string();
        assert!(e.contains("is not UTF-8 text (byte 27)"), "{e}");
    }

    #[test]
    fn unrecognisable_files_say_what_was_expected() {
        let none = Fields::default();
        for (name, text, words) in [
            ("a.json", "{\"x\": 1}", "has no array of elements"),
            ("b.json", "[{\"code\": 1}]", "without an id and a name field"),
            ("c.csv", "code;label\n1;x\n", "has no 'name' and 'id' columns"),
            ("d.xml", "<a><b x='1'/></a>", "holds no name/ID pairs"),
            ("e.json", "{", "is not valid JSON"),
        ] {
            let e = load(name, text, &none).unwrap_err();
            assert!(
                e.contains(words) && e.contains("expected a providing interface's answer"),
                "{name}: {e}"
            );
        }
    }

    #[test]
    fn names_resolve_exactly_then_loosely_and_ids_pass() {
        let lookup = Lookup::from_entries(
            Path::new("l.csv"),
            vec![
                ("Pump station North".into(), "FAC-1".into()),
                ("Pump  Station  South".into(), "FAC-2".into()),
                ("Weir".into(), "FAC-3".into()),
                ("Weir".into(), "FAC-4".into()),
            ],
        );
        assert_eq!(lookup.resolve("Pump station North"), Resolved::Id("FAC-1"));
        assert_eq!(lookup.resolve("pump STATION   south"), Resolved::Id("FAC-2"));
        assert_eq!(lookup.resolve("FAC-3"), Resolved::Id("FAC-3"));
        assert_eq!(lookup.resolve("Weir"), Resolved::Ambiguous(vec!["FAC-3", "FAC-4"]));
        assert_eq!(lookup.resolve("Pump station West"), Resolved::Unknown);
        assert_eq!(
            lookup.closest("Pump statoin North"),
            ["Pump station North", "Pump  Station  South"]
        );
    }
}
