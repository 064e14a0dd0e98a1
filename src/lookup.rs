//! Relation targets by name: a lookup file maps the names in an export ("Pump station North")
//! to Relatics element IDs (`FAC-12`), which relation values must be.
//!
//! A lookup is a saved answer of a Relatics *providing* interface (JSON or XML; its exact shape
//! is not published, so the common shapes are accepted and the fields can be named), or a CSV
//! with `name` and `id` columns. Only names and IDs are kept, once, in memory; a name is looked
//! up exactly, then ignoring case and runs of whitespace.

use std::fmt;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Names and IDs from a lookup file, packed: the texts back to back in one string, and hash
/// tables of entry numbers by ID, by name and by folded name (about 40 bytes per pair beyond
/// its text, and no allocation per pair).
#[derive(Debug, Default)]
pub struct Lookup {
    pub path: PathBuf,
    /// Every name, ID and (where it differs from the name) folded name.
    text: String,
    /// Every pair, in file order.
    entries: Vec<Entry>,
    by_id: HashTable<u32>,
    by_name: HashTable<u32>,
    by_folded: HashTable<u32>,
}

/// Where one pair's texts are in [`Lookup::text`].
#[derive(Clone, Copy, Debug)]
struct Entry {
    name: (u32, u32),
    id: (u32, u32),
    folded: (u32, u32),
}

fn hash(text: &str) -> u64 {
    FxBuildHasher.hash_one(text)
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
    let mut out = String::with_capacity(name.len());
    fold_into(name, &mut out);
    out
}

/// [`fold`] into `out` (cleared first), allocating nothing once `out` is large enough.
fn fold_into(name: &str, out: &mut String) {
    out.clear();
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            let start = out.len();
            out.push_str(word);
            out[start..].make_ascii_lowercase();
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
}

impl Lookup {
    /// Reads a lookup file (JSON, XML or CSV, by extension, else by content).
    pub fn load(path: &Path, fields: &Fields) -> Result<Lookup, LookupError> {
        let fail = |why: String| LookupError {
            path: path.to_owned(),
            why,
        };
        // Names, IDs and folded names are addressed with 32-bit offsets. The size is checked
        // before anything is read, and the read is bounded too (a template is a shared file:
        // its lookup may name a device or a pipe).
        const MAX: u64 = u32::MAX as u64 / 4;
        let too_large = || fail("is larger than 1 GiB; split it, or keep only the names the sheet uses".into());
        let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot be read ({e})")))?;
        if !meta.is_file() {
            return Err(fail(
                "is not a regular file; a lookup is a saved JSON, XML or CSV file".into(),
            ));
        }
        if meta.len() > MAX {
            return Err(too_large());
        }
        let mut raw = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX + 1), &mut raw))
            .map_err(|e| fail(format!("cannot be read ({e})")))?;
        if raw.len() as u64 > MAX {
            return Err(too_large());
        }
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
        let n = entries.len();
        let mut lookup = Lookup {
            path: path.to_owned(),
            text: String::with_capacity(entries.iter().map(|(a, b)| a.len() + b.len()).sum()),
            entries: Vec::with_capacity(n),
            by_id: HashTable::with_capacity(n),
            by_name: HashTable::with_capacity(n),
            by_folded: HashTable::with_capacity(n),
        };
        let mut scratch = String::new();
        for (name, id) in &entries {
            lookup.add(name, id, &mut scratch);
        }
        lookup
    }

    fn push(&mut self, text: &str) -> (u32, u32) {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        (start, self.text.len() as u32)
    }

    fn at(&self, (start, end): (u32, u32)) -> &str {
        &self.text[start as usize..end as usize]
    }

    /// Adds one pair (the file is at most 4 GiB of names and IDs: `load` checks).
    fn add(&mut self, name: &str, id: &str, folded_text: &mut String) {
        fold_into(name, folded_text);
        let folded_text = folded_text.as_str();
        let name_at = self.push(name);
        let id_at = self.push(id);
        let folded = if folded_text == name {
            name_at
        } else {
            self.push(folded_text)
        };
        let n = self.entries.len() as u32;
        self.entries.push(Entry {
            name: name_at,
            id: id_at,
            folded,
        });
        let (text, entries) = (&self.text, &self.entries);
        let key = |e: &Entry, pick: fn(&Entry) -> (u32, u32)| {
            let (a, b) = pick(e);
            hash(&text[a as usize..b as usize])
        };
        if self
            .by_id
            .find(hash(id), |&i| {
                let (a, b) = entries[i as usize].id;
                &text[a as usize..b as usize] == id
            })
            .is_none()
        {
            self.by_id
                .insert_unique(hash(id), n, |&i| key(&entries[i as usize], |e| e.id));
        }
        self.by_name
            .insert_unique(hash(name), n, |&i| key(&entries[i as usize], |e| e.name));
        self.by_folded
            .insert_unique(hash(folded_text), n, |&i| key(&entries[i as usize], |e| e.folded));
    }

    /// Name/ID pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The IDs of the entries in `table` whose `pick` text is `key`, sorted, without repeats.
    fn ids_where(&self, table: &HashTable<u32>, pick: fn(&Entry) -> (u32, u32), key: &str) -> Vec<&str> {
        let mut ids: Vec<&str> = table
            .iter_hash(hash(key))
            .map(|&i| &self.entries[i as usize])
            .filter(|e| self.at(pick(e)) == key)
            .map(|e| self.at(e.id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The ID a cell's token stands for: an ID as it is, else the name exactly, else the name
    /// ignoring case and runs of whitespace.
    pub fn resolve(&self, token: &str) -> Resolved<'_> {
        if let Some(&i) = self
            .by_id
            .find(hash(token), |&i| self.at(self.entries[i as usize].id) == token)
        {
            return Resolved::Id(self.at(self.entries[i as usize].id));
        }
        let mut ids = self.ids_where(&self.by_name, |e| e.name, token);
        if ids.is_empty() {
            ids = self.ids_where(&self.by_folded, |e| e.folded, &fold(token));
        }
        match ids.len() {
            0 => Resolved::Unknown,
            1 => Resolved::Id(ids[0]),
            _ => Resolved::Ambiguous(ids),
        }
    }

    /// Up to three names most like `token`, closest first (one per folded name); an ID that
    /// differs from `token` only in case comes first (IDs are matched exactly).
    pub fn closest(&self, token: &str) -> Vec<&str> {
        let wanted = fold(token);
        let mut scored: Vec<(f64, &str, &str)> = self
            .entries
            .iter()
            .filter_map(|e| {
                let id = self.at(e.id);
                if id.eq_ignore_ascii_case(token.trim()) {
                    return Some((2.0, id, id));
                }
                let folded = self.at(e.folded);
                let score = strsim::jaro_winkler(&wanted, folded);
                (score >= 0.8).then_some((score, folded, self.at(e.name)))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        scored.into_iter().take(3).map(|(_, _, name)| name).collect()
    }

    /// Every (name, id) pair, in file order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|e| (self.at(e.name), self.at(e.id)))
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

fn from_json(bytes: &[u8], fields: &Fields) -> Result<Vec<(String, String)>, String> {
    use serde::de::DeserializeSeed;
    let mut found = Found::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    json::Top {
        fields,
        found: &mut found,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end())
    .map_err(|e| format!("is not valid JSON ({e}); {SHAPES}"))?;
    match found.shape {
        Shape::Array => {}
        Shape::NoArray => return Err(format!("has no array of elements; {SHAPES}")),
        Shape::Other => return Err(format!("has an unexpected shape; {SHAPES}")),
    }
    if found.pairs.is_empty() && found.items > 0 {
        return Err(format!("has elements without an id and a name field; {SHAPES}"));
    }
    Ok(found.pairs)
}

/// What a JSON lookup held: its shape, how many elements its array had, and their pairs.
#[derive(Default)]
struct Found {
    shape: Shape,
    items: u64,
    pairs: Vec<(String, String)>,
}

#[derive(Default, PartialEq)]
enum Shape {
    /// An array of elements (top-level, or the first array in the top-level object).
    Array,
    /// An object without an array.
    #[default]
    NoArray,
    /// Neither an object nor an array.
    Other,
}

/// Reading a JSON lookup as a stream: only the id and name of each element are kept (no
/// document tree), so a 100,000-element answer costs its pairs and nothing more.
mod json {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::{Fields, Found, Shape, is_field};

    pub(super) struct Top<'a> {
        pub fields: &'a Fields,
        pub found: &'a mut Found,
    }

    impl<'de> DeserializeSeed<'de> for Top<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Top<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object holding an array of elements, or an array of elements")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
            self.found.shape = Shape::Array;
            items(seq, self.fields, self.found)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while map.next_key::<IgnoredAny>()?.is_some() {
                if self.found.shape == Shape::Array {
                    map.next_value::<IgnoredAny>()?;
                } else {
                    map.next_value_seed(MaybeItems {
                        fields: self.fields,
                        found: &mut *self.found,
                    })?;
                }
            }
            Ok(())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            self.found.shape = Shape::Other;
            Ok(())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            self.found.shape = Shape::Other;
            Ok(())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            self.found.shape = Shape::Other;
            Ok(())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            self.found.shape = Shape::Other;
            Ok(())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            self.found.shape = Shape::Other;
            Ok(())
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            self.found.shape = Shape::Other;
            Ok(())
        }
    }

    /// Every element of an array: its pair, when it has one.
    fn items<'de, A: SeqAccess<'de>>(mut seq: A, fields: &Fields, found: &mut Found) -> Result<(), A::Error> {
        while let Some(pair) = seq.next_element_seed(Item { fields })? {
            found.items += 1;
            if let Some(pair) = pair {
                found.pairs.push(pair);
            }
        }
        Ok(())
    }

    /// A value of the top-level object: the elements if it is an array, else skipped.
    struct MaybeItems<'a> {
        fields: &'a Fields,
        found: &'a mut Found,
    }

    impl<'de> DeserializeSeed<'de> for MaybeItems<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for MaybeItems<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
            self.found.shape = Shape::Array;
            items(seq, self.fields, self.found)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
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
    }

    /// One element: `Some((name, id))` when it is an object with both, non-empty.
    struct Item<'a> {
        fields: &'a Fields,
    }

    impl<'de> DeserializeSeed<'de> for Item<'_> {
        type Value = Option<(String, String)>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Item<'_> {
        type Value = Option<(String, String)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an element")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let (mut id, mut name) = (None, None);
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if id.is_none() && is_field(&key, self.fields.id.as_deref(), "id") {
                    id = map.next_value_seed(Text)?;
                } else if name.is_none() && is_field(&key, self.fields.name.as_deref(), "name") {
                    name = map.next_value_seed(Text)?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(match (name, id) {
                (Some(name), Some(id)) if !name.is_empty() && !id.is_empty() => Some((name, id)),
                _ => None,
            })
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

    /// A field's value as text, trimmed: a string, or a number as written; else nothing.
    struct Text;

    impl<'de> DeserializeSeed<'de> for Text {
        type Value = Option<String>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Text {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.trim().to_owned()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(
                serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()),
            ))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
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
    fn json_answers_are_read_as_a_stream_in_document_order() {
        let none = Fields::default();
        let lookup = load(
            "a.json",
            r#"{"meta": {"count": 2, "list": [1]}, "total": 2, "Facilities": [
                {"id": 12, "name": " Pump "}, "not an element", [1, 2], {"id": 1.5, "name": "Weir", "extra": {"id": "x"}},
                {"id": "", "name": "no id"}], "Later": [{"id": "L", "name": "later"}]}"#,
            &none,
        )
        .unwrap();
        assert_eq!(pairs(&lookup), [("Pump", "12"), ("Weir", "1.5")]);
        for (text, words) in [
            (r#""just text""#, "has an unexpected shape"),
            (r#"{"a": 1}"#, "has no array of elements"),
            (r#"[1, 2]"#, "has elements without an id and a name field"),
            (r#"[{"id": "A", "name": "x"}] trailing"#, "is not valid JSON"),
        ] {
            let e = load("b.json", text, &none).unwrap_err();
            assert!(e.contains(words), "{text}: {e}");
        }
    }

    #[test]
    fn folding_ignores_case_and_runs_of_whitespace() {
        assert_eq!(fold("  Pump   STATION\tNorth "), "pump station north");
        assert_eq!(fold("Ëde  Noord"), "ëde noord");
        assert_eq!(fold(""), "");
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
        // An ID in the wrong case is not taken, but suggested first.
        assert_eq!(lookup.resolve("fac-3"), Resolved::Unknown);
        assert_eq!(lookup.closest("fac-3")[0], "FAC-3");
    }
}
