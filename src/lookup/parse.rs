//! Reading a lookup file as a stream: JSON, XML or CSV, each element's name and ID handed to a
//! sink as it is read, so a file costs its pairs and never a copy of itself or a document tree.
//!
//! Text is decoded as it is read ([`Decoded`]): a byte-order mark (UTF-8, UTF-16) wins, else
//! UTF-8, checked; a CSV that is not UTF-8 is read again as Windows-1252, as Excel writes "CSV"
//! on Western Windows.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use encoding_rs::{Decoder, DecoderResult, Encoding};

use super::{Fields, SHAPES};

/// One element of a lookup file: its name (empty when it has none) and ID, and (when asked
/// for) a few of its other fields, short, to tell elements of one name apart.
pub struct Pair<'a> {
    pub name: &'a str,
    pub id: &'a str,
    pub others: &'a [(String, String)],
}

/// Other fields kept per element when asked for, and their length.
const OTHERS: usize = 4;
const OTHER_CHARS: usize = 60;

/// What the parsers report to.
pub type Sink<'s> = &'s mut dyn FnMut(Pair<'_>);

/// The kind of file, from its extension or its first character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Json,
    Xml,
    Csv,
}

/// A lookup file's text encoding.
#[derive(Clone, Copy)]
pub enum Text {
    /// UTF-8, checked: a byte that is not is an error naming its place.
    Utf8,
    /// Decoded (UTF-16 after its byte-order mark, or Windows-1252), never an error.
    Other(&'static Encoding),
}

/// Why a read stopped early: text that is not UTF-8 (so a CSV may be read again as
/// Windows-1252), or anything else, in words.
pub enum ParseError {
    NotUtf8 { byte: u64 },
    Other(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NotUtf8 { byte } => write!(f, "is not UTF-8 text (byte {byte}); save it as UTF-8"),
            ParseError::Other(why) => f.write_str(why),
        }
    }
}

/// Bytes decoded to UTF-8 as they are read.
pub struct Decoded<R> {
    inner: R,
    decoder: Decoder,
    strict: bool,
    raw: Vec<u8>,
    out: Vec<u8>,
    out_at: usize,
    /// Raw bytes decoded so far (for the place of a byte that is not UTF-8).
    consumed: u64,
    eof: bool,
    finished: bool,
}

/// The marker in an I/O error that [`Decoded`] raises for text that is not UTF-8.
const NOT_UTF8: &str = "relsync: not UTF-8 at byte ";

impl<R: Read> Decoded<R> {
    pub fn new(inner: R, text: Text) -> Decoded<R> {
        let (encoding, strict) = match text {
            Text::Utf8 => (encoding_rs::UTF_8, true),
            Text::Other(e) => (e, false),
        };
        Decoded {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            strict,
            raw: Vec::with_capacity(64 * 1024),
            out: Vec::new(),
            out_at: 0,
            consumed: 0,
            eof: false,
            finished: false,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        if !self.eof && self.raw.len() < 32 * 1024 {
            let start = self.raw.len();
            self.raw.resize(64 * 1024, 0);
            let n = loop {
                match self.inner.read(&mut self.raw[start..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let n = match n {
                Ok(n) => n,
                Err(e) => {
                    self.raw.truncate(start);
                    return Err(e);
                }
            };
            self.raw.truncate(start + n);
            self.eof = n == 0;
        }
        let room = self
            .decoder
            .max_utf8_buffer_length(self.raw.len())
            .unwrap_or(usize::MAX / 2)
            .max(4);
        self.out.clear();
        self.out.resize(room, 0);
        self.out_at = 0;
        let (read, written) = if self.strict {
            let (result, read, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(&self.raw, &mut self.out, self.eof);
            if let DecoderResult::Malformed(bad, extra) = result {
                let at = self.consumed + read as u64 - u64::from(bad) - u64::from(extra) + 1;
                return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{NOT_UTF8}{at}")));
            }
            self.finished = self.eof && matches!(result, DecoderResult::InputEmpty);
            (read, written)
        } else {
            let (result, read, written, _) = self.decoder.decode_to_utf8(&self.raw, &mut self.out, self.eof);
            self.finished = self.eof && matches!(result, encoding_rs::CoderResult::InputEmpty);
            (read, written)
        };
        self.raw.drain(..read);
        self.consumed += read as u64;
        self.out.truncate(written);
        Ok(())
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_at < self.out.len() {
                let n = buf.len().min(self.out.len() - self.out_at);
                buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
                self.out_at += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            self.fill()?;
        }
    }
}

/// The byte a [`Decoded`] error names, if the error is one.
fn not_utf8(e: &io::Error) -> Option<u64> {
    e.get_ref()?.to_string().strip_prefix(NOT_UTF8)?.parse().ok()
}

/// Maps an I/O failure while parsing: text that is not UTF-8, or a read failure in words.
pub fn io_failure(e: &io::Error) -> ParseError {
    match not_utf8(e) {
        Some(byte) => ParseError::NotUtf8 { byte },
        None => ParseError::Other(format!("cannot be read ({e})")),
    }
}

/// Reads one lookup file's pairs into `sink`; `others` keeps a few other fields per element.
pub fn parse(input: impl BufRead, kind: Kind, fields: &Fields, others: bool, sink: Sink<'_>) -> Result<(), ParseError> {
    match kind {
        Kind::Json => from_json(input, fields, others, sink),
        Kind::Xml => from_xml(input, fields, others, sink),
        Kind::Csv => from_csv(input, fields, others, sink),
    }
}

/// The kind a file's first non-blank character says it is (for a file without a known
/// extension).
pub fn sniff(input: &mut impl BufRead) -> io::Result<Kind> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(Kind::Csv);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                return Ok(match buf[i] {
                    b'{' | b'[' => Kind::Json,
                    b'<' => Kind::Xml,
                    _ => Kind::Csv,
                });
            }
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    }
}

/// Is `key` the field asked for, or one of the usual names (`@id`, `id`, any case)?
pub fn is_field(key: &str, asked: Option<&str>, usual: &str) -> bool {
    match asked {
        Some(a) => key == a,
        None => {
            let k = key.strip_prefix('@').unwrap_or(key);
            k.eq_ignore_ascii_case(usual)
        }
    }
}

/// Keeps another field of an element, short, while there is room.
fn keep_other(others: &mut Vec<(String, String)>, key: &str, value: &str) {
    let value = value.trim();
    if others.len() < OTHERS && !value.is_empty() {
        let key = key.strip_prefix('@').unwrap_or(key);
        others.push((
            crate::problem::clip(key, OTHER_CHARS),
            crate::problem::clip(value, OTHER_CHARS),
        ));
    }
}

fn from_json(input: impl BufRead, fields: &Fields, others: bool, sink: Sink<'_>) -> Result<(), ParseError> {
    use serde::de::DeserializeSeed;
    let mut found = json::Found {
        shape: json::Shape::NoArray,
        items: 0,
        pairs: 0,
        others,
        sink,
        first_keys: Vec::new(),
    };
    let mut de = serde_json::Deserializer::from_reader(input);
    let parsed = json::Top {
        fields,
        found: &mut found,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if let Err(e) = parsed {
        if e.is_io() {
            // serde_json hands the reader's own error back.
            return Err(io_failure(&io::Error::from(e)));
        }
        return Err(ParseError::Other(format!("is not valid JSON ({e}); {SHAPES}")));
    }
    match found.shape {
        json::Shape::Array => {}
        json::Shape::NoArray => return Err(ParseError::Other(format!("has no array of elements; {SHAPES}"))),
        json::Shape::Other => return Err(ParseError::Other(format!("has an unexpected shape; {SHAPES}"))),
    }
    if found.pairs == 0 && found.items > 0 {
        let had = if found.first_keys.is_empty() {
            String::new()
        } else {
            format!(
                " (the first has {})",
                found
                    .first_keys
                    .iter()
                    .map(|k| format!("'{k}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(ParseError::Other(format!(
            "has elements without an id and a name field{had}; {SHAPES}"
        )));
    }
    Ok(())
}

/// Reading a JSON lookup as a stream: only the id and name of each element are kept (no
/// document tree), so a 100,000-element answer costs its pairs and nothing more.
mod json {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::{Fields, Pair, Sink, is_field, keep_other};

    #[derive(PartialEq)]
    pub(super) enum Shape {
        /// An array of elements (top-level, or the first array in the top-level object).
        Array,
        /// An object without an array.
        NoArray,
        /// Neither an object nor an array.
        Other,
    }

    /// What a JSON lookup held: its shape, how many elements its array had, how many pairs.
    pub(super) struct Found<'s> {
        pub shape: Shape,
        pub items: u64,
        pub pairs: u64,
        pub others: bool,
        pub sink: Sink<'s>,
        /// The keys of the first element, to say what a file without id and name has.
        pub first_keys: Vec<String>,
    }

    pub(super) struct Top<'a, 's> {
        pub fields: &'a Fields,
        pub found: &'a mut Found<'s>,
    }

    impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    /// A value that is not what the visitor looks for: its shape, at most.
    macro_rules! scalars {
        ($value:ty, $result:expr) => {
            fn visit_str<E: de::Error>(self, _: &str) -> Result<$value, E> {
                $result(self)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> {
                $result(self)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<$value, E> {
                $result(self)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<$value, E> {
                $result(self)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> {
                $result(self)
            }
            fn visit_unit<E: de::Error>(self) -> Result<$value, E> {
                $result(self)
            }
        };
    }

    impl<'de> Visitor<'de> for Top<'_, '_> {
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
        scalars!((), |s: Self| {
            s.found.shape = Shape::Other;
            Ok(())
        });
    }

    /// Every element of an array: its pair, when it has one.
    fn items<'de, A: SeqAccess<'de>>(mut seq: A, fields: &Fields, found: &mut Found<'_>) -> Result<(), A::Error> {
        let mut others = Vec::new();
        let mut keys = Vec::new();
        while let Some(pair) = seq.next_element_seed(Item {
            fields,
            others: found.others.then_some(&mut others),
            keys: (found.items == 0).then_some(&mut keys),
        })? {
            if found.items == 0 {
                found.first_keys = std::mem::take(&mut keys);
            }
            found.items += 1;
            if let Some((name, id)) = pair {
                if !name.is_empty() {
                    found.pairs += 1;
                }
                (found.sink)(Pair {
                    name: &name,
                    id: &id,
                    others: &others,
                });
            }
            others.clear();
        }
        Ok(())
    }

    /// A value of the top-level object: the elements if it is an array, else skipped.
    struct MaybeItems<'a, 's> {
        fields: &'a Fields,
        found: &'a mut Found<'s>,
    }

    impl<'de> DeserializeSeed<'de> for MaybeItems<'_, '_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for MaybeItems<'_, '_> {
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
        scalars!((), |_| Ok(()));
    }

    /// One element: `Some((name, id))` when it is an object with both, non-empty; its other
    /// short fields go to `others` when that is given.
    struct Item<'a> {
        fields: &'a Fields,
        others: Option<&'a mut Vec<(String, String)>>,
        keys: Option<&'a mut Vec<String>>,
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
        fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
            let (mut id, mut name) = (None, None);
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if let Some(keys) = self.keys.as_deref_mut()
                    && keys.len() < 10
                {
                    keys.push(crate::problem::clip(&key, 60));
                }
                if id.is_none() && is_field(&key, self.fields.id.as_deref(), "id") {
                    id = map.next_value_seed(Text)?;
                } else if name.is_none() && is_field(&key, self.fields.name.as_deref(), "name") {
                    name = map.next_value_seed(Text)?;
                } else if let Some(others) = self.others.as_deref_mut() {
                    if let Some(value) = map.next_value_seed(Text)? {
                        keep_other(others, &key, &value);
                    }
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(match (name, id) {
                (name, Some(id)) if !id.is_empty() => Some((name.unwrap_or_default(), id)),
                _ => None,
            })
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        scalars!(Self::Value, |_| Ok(None));
    }

    /// A field's value as text, trimmed: a string, or a number exactly as written (`1.50` stays
    /// `1.50`, a 23-digit number keeps every digit); else nothing.
    struct Text;

    impl<'de> DeserializeSeed<'de> for Text {
        type Value = Option<String>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            use serde::Deserialize as _;
            let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
            let text = raw.get();
            Ok(match text.as_bytes().first() {
                Some(b'"') => serde_json::from_str::<String>(text).ok().map(|s| s.trim().to_owned()),
                Some(b'-' | b'0'..=b'9') => Some(text.to_owned()),
                _ => None,
            })
        }
    }
}

/// The longest text of one XML field relsync collects (an element's name or ID is far shorter;
/// a longer one is damage, not a name).
const MAX_XML_TEXT: usize = 1 << 20;

fn from_xml(input: impl BufRead, fields: &Fields, keep_others: bool, sink: Sink<'_>) -> Result<(), ParseError> {
    use quick_xml::events::Event;
    /// An open element: its id and name (from attributes or child elements), and other fields.
    #[derive(Default)]
    struct Open {
        id: Option<String>,
        name: Option<String>,
        others: Vec<(String, String)>,
    }
    /// Which child element's text is being read: its parent's index, and which field.
    enum Reading {
        Id,
        Name,
        Other(String),
    }
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut stack: Vec<Open> = Vec::new();
    let mut text_for: Option<(usize, Reading)> = None;
    let mut root_closed = false;
    let mut seen_root = false;
    let mut text = String::new();
    let mut buf = Vec::new();
    // What the elements hold, for the message when none has an id (attribute names and child
    // element names below the root, the first ten).
    let mut pairs = 0u64;
    let mut fields_seen: Vec<String> = Vec::new();
    let mut note = |name: &str| {
        if fields_seen.len() < 10 && !fields_seen.iter().any(|f| f == name) {
            fields_seen.push(crate::problem::clip(name, 60));
        }
    };
    let emit = |open: Open, sink: &mut dyn FnMut(Pair<'_>), pairs: &mut u64| {
        if let Some(id) = open.id
            && !id.is_empty()
        {
            *pairs += 1;
            sink(Pair {
                name: open.name.as_deref().unwrap_or(""),
                id: &id,
                others: &open.others,
            });
        }
    };
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(quick_xml::Error::Io(e)) => return Err(io_failure(&e)),
            Err(e) => {
                return Err(ParseError::Other(format!(
                    "is not well-formed XML at byte {} ({e})",
                    reader.error_position()
                )));
            }
        };
        let empty = matches!(event, Event::Empty(_));
        let bad = |why: String| {
            Err(ParseError::Other(format!(
                "is not well-formed XML at byte {} ({why})",
                reader.buffer_position()
            )))
        };
        match event {
            Event::DocType(_) => {
                return bad("it declares a DOCTYPE, which an answer of a providing interface never has".into());
            }
            Event::Start(_) | Event::Empty(_) if root_closed => {
                return bad("it has content after its root element".into());
            }
            Event::Start(e) | Event::Empty(e) => {
                if stack.is_empty() {
                    if e.local_name().into_inner().eq_ignore_ascii_case("html") {
                        return Err(ParseError::Other(format!(
                            "is a web page (<html>), not the answer of a providing interface; {SHAPES}"
                        )));
                    }
                    seen_root = true;
                }
                if stack.is_empty() && empty {
                    root_closed = true;
                }
                let mut open = Open::default();
                if let Some(Err(error)) = e.attributes().find(Result::is_err) {
                    return bad(format!("an attribute of <{}>: {error}", e.local_name().as_ref()));
                }
                if stack.len() >= 2 {
                    note(e.local_name().into_inner());
                }
                for a in e.attributes().filter_map(Result::ok) {
                    if !stack.is_empty() {
                        note(a.key.local_name().into_inner());
                    }
                    let key = a.key.local_name().as_ref().to_owned();
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.trim().to_owned())
                        .unwrap_or_default();
                    if is_field(&key, fields.id.as_deref(), "id") {
                        open.id = Some(value);
                    } else if is_field(&key, fields.name.as_deref(), "name") {
                        open.name = Some(value);
                    } else if keep_others {
                        keep_other(&mut open.others, &key, &value);
                    }
                }
                let local = e.local_name().as_ref().to_owned();
                // A child element named like a field gives its parent that field.
                if !stack.is_empty() && open.id.is_none() && open.name.is_none() {
                    let parent = stack.len() - 1;
                    text_for = if is_field(&local, fields.id.as_deref(), "id") {
                        Some((parent, Reading::Id))
                    } else if is_field(&local, fields.name.as_deref(), "name") {
                        Some((parent, Reading::Name))
                    } else if keep_others {
                        Some((parent, Reading::Other(local)))
                    } else {
                        None
                    };
                    text.clear();
                }
                if empty {
                    emit(open, sink, &mut pairs);
                    text_for = None;
                } else {
                    stack.push(open);
                }
            }
            Event::Text(t) if text_for.is_some() && text.len() < MAX_XML_TEXT => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Some(why) = crate::xml::reference_problem(&r) {
                    return bad(format!("it {why}"));
                }
                if text_for.is_some() && text.len() < MAX_XML_TEXT {
                    crate::xml::push_reference(&mut text, &r)
                }
            }
            Event::CData(c) if text_for.is_some() && text.len() < MAX_XML_TEXT => text.push_str(&c),
            Event::End(_) => {
                let Some(open) = stack.pop() else { continue };
                if stack.is_empty() {
                    root_closed = true;
                }
                if let Some((parent, reading)) = text_for.take() {
                    if parent == stack.len().saturating_sub(1) && !stack.is_empty() {
                        let value = text.trim().to_owned();
                        let target = &mut stack[parent];
                        let twice = match reading {
                            Reading::Id => target.id.replace(value).is_some(),
                            Reading::Name => target.name.replace(value).is_some(),
                            Reading::Other(key) => {
                                keep_other(&mut target.others, &key, &value);
                                false
                            }
                        };
                        if twice {
                            return bad(
                                "an element has its id or its name twice, so which is meant cannot be told".into(),
                            );
                        }
                    }
                    continue;
                }
                emit(open, sink, &mut pairs);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // An answer cut off, or none at all: never taken for a short list (its elements would be
    // taken for new ones, and relations to the rest left out).
    if !seen_root {
        return Err(ParseError::Other(format!(
            "holds no XML element (is it XML?); {SHAPES}"
        )));
    }
    if !stack.is_empty() {
        return Err(ParseError::Other(format!(
            "is cut off: it ends before its elements are closed; {SHAPES}"
        )));
    }
    if pairs == 0 && !fields_seen.is_empty() {
        let fields = fields_seen
            .iter()
            .map(|f| format!("'{f}'"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ParseError::Other(format!(
            "has elements without an id and a name field (the fields found: {fields}); {SHAPES}"
        )));
    }
    Ok(())
}

fn from_csv(mut input: impl BufRead, fields: &Fields, keep_others: bool, sink: Sink<'_>) -> Result<(), ParseError> {
    // The delimiter from the first 64 KiB (read ahead, then read again through the parser).
    let mut head = Vec::new();
    (&mut input)
        .take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| io_failure(&e))?;
    let complete = head.len() < 64 * 1024;
    let delimiter = crate::input::sniff_delimiter(&head, complete).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(BufReader::new(io::Cursor::new(head).chain(input)));
    let csv_error = |e: csv::Error, what: String| match e.kind() {
        csv::ErrorKind::Io(io) => io_failure(io),
        _ => ParseError::Other(format!("{what} ({e})")),
    };
    let headers = reader
        .headers()
        .map_err(|e| csv_error(e, format!("cannot be read as CSV; {SHAPES}")))?
        .clone();
    let column = |asked: Option<&str>, usual: &str| {
        let matching = |h: &&str| match asked {
            Some(a) => h.trim() == a,
            None => h.trim().eq_ignore_ascii_case(usual),
        };
        let at = headers.iter().position(|h| matching(&h))?;
        // Two columns of one name: which holds the names (or the IDs) cannot be told.
        Some(if headers.iter().filter(|h| matching(h)).count() > 1 {
            usize::MAX
        } else {
            at
        })
    };
    let (id_col, name_col) = (
        column(fields.id.as_deref(), "id"),
        column(fields.name.as_deref(), "name"),
    );
    for (col, what) in [(id_col, "id"), (name_col, "name")] {
        if col == Some(usize::MAX) {
            return Err(ParseError::Other(format!(
                "has two '{what}' columns in its header row (names equal but for case); keep one"
            )));
        }
    }
    let (Some(id_col), Some(name_col)) = (id_col, name_col) else {
        let found: Vec<String> = headers
            .iter()
            .filter(|h| !h.trim().is_empty())
            .take(20)
            .map(|h| format!("'{}'", crate::problem::clip(h.trim(), 40)))
            .collect();
        let found = if found.is_empty() {
            "its header row is empty".to_owned()
        } else {
            let more = headers.len().saturating_sub(found.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("its header row holds {}{more}", found.join(", "))
        };
        // The column that is missing (or both), as asked for.
        let name = format!("'{}'", fields.name.as_deref().unwrap_or("name"));
        let id = format!("'{}'", fields.id.as_deref().unwrap_or("id"));
        let missing = match (name_col, id_col) {
            (Some(_), _) => format!("{id} column"),
            (_, Some(_)) => format!("{name} column"),
            _ => format!("{name} and {id} columns"),
        };
        let asked = if fields.id.is_some() || fields.name.is_some() {
            " (lookup_name, lookup_id)"
        } else {
            ""
        };
        let wanted = format!("{missing}{asked}");
        return Err(ParseError::Other(format!(
            "has no {wanted} in its header row: {found}; {SHAPES}"
        )));
    };
    let mut record = csv::StringRecord::new();
    let mut others = Vec::new();
    let mut n = 1u64;
    loop {
        n += 1;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e, format!("cannot be read as CSV at record {n}"))),
        }
        let (Some(id), Some(name)) = (record.get(id_col), record.get(name_col)) else {
            continue;
        };
        let (id, name) = (id.trim(), name.trim());
        if id.is_empty() {
            continue;
        }
        others.clear();
        if keep_others {
            for (i, value) in record.iter().enumerate() {
                if i != id_col && i != name_col {
                    keep_other(&mut others, headers.get(i).unwrap_or("").trim(), value);
                }
            }
        }
        sink(Pair {
            name,
            id,
            others: &others,
        });
    }
    Ok(())
}
